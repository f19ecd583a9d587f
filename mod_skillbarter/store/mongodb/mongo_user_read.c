/*
 * MongoDB driver: a user document back into sb_user_t (the lists filled, not lazy). A field
 * that is absent takes the model's default, so documents written by an older version read.
 */
#include "mongo_users.h"

#include <apr_strings.h>

static void sb_mongo_read_offered(apr_pool_t *p, const bson_t *d, void *ctx)
{
    sb_skill_offered_t *s = apr_array_push(ctx);

    s->skill = sb_mongo_doc_str(p, d, "skill");
    s->category = sb_mongo_doc_str(p, d, "category");
    s->experience = sb_mongo_doc_str(p, d, "experience");
    s->description = sb_mongo_doc_str(p, d, "description");
    s->verified = sb_mongo_doc_int(d, "verified") != 0;
}

static void sb_mongo_read_wanted(apr_pool_t *p, const bson_t *d, void *ctx)
{
    sb_skill_wanted_t *s = apr_array_push(ctx);

    s->skill = sb_mongo_doc_str(p, d, "skill");
    s->category = sb_mongo_doc_str(p, d, "category");
    s->level = sb_mongo_doc_str(p, d, "level");
    s->priority = sb_mongo_doc_str(p, d, "priority");
}

static void sb_mongo_read_slot(apr_pool_t *p, const bson_t *d, void *ctx)
{
    sb_time_slot_t *t = apr_array_push(ctx);

    t->start_time = sb_mongo_doc_str(p, d, "startTime");
    t->end_time = sb_mongo_doc_str(p, d, "endTime");
}

static void sb_mongo_read_day(apr_pool_t *p, const bson_t *d, void *ctx)
{
    sb_availability_t *a = apr_array_push(ctx);

    a->day = sb_mongo_doc_str(p, d, "day");
    a->time_slots = apr_array_make(p, 2, sizeof(sb_time_slot_t));
    sb_mongo_each_doc(p, d, "timeSlots", sb_mongo_read_slot, a->time_slots);
}

static apr_array_header_t *sb_mongo_read_languages(apr_pool_t *p, const bson_t *doc)
{
    apr_array_header_t *a = apr_array_make(p, 2, sizeof(const char *));
    bson_iter_t it, arr;

    if (bson_iter_init_find(&it, doc, "languages") && BSON_ITER_HOLDS_ARRAY(&it)
        && bson_iter_recurse(&it, &arr)) {
        while (bson_iter_next(&arr)) {
            if (BSON_ITER_HOLDS_UTF8(&arr)) {
                APR_ARRAY_PUSH(a, const char *) = apr_pstrdup(p, bson_iter_utf8(&arr, NULL));
            }
        }
    }
    return a;
}

static const char *sb_mongo_or(const char *s, const char *dflt)
{
    return s ? s : dflt;
}

sb_user_t *sb_mongo_user_from_doc(apr_pool_t *p, const bson_t *doc)
{
    sb_user_t *u = apr_pcalloc(p, sizeof(*u));
    bson_iter_t it;

    if (!sb_mongo_doc_id(doc, "_id", u->id)) {
        return NULL;
    }
    u->username = sb_mongo_or(sb_mongo_doc_str(p, doc, "username"), "");
    u->email = sb_mongo_or(sb_mongo_doc_str(p, doc, "email"), "");
    u->password_hash = sb_mongo_or(sb_mongo_doc_str(p, doc, "passwordHash"), "");
    u->first_name = sb_mongo_or(sb_mongo_doc_str(p, doc, "firstName"), "");
    u->last_name = sb_mongo_or(sb_mongo_doc_str(p, doc, "lastName"), "");
    u->profile_picture = sb_mongo_or(sb_mongo_doc_str(p, doc, "profilePicture"), "");
    u->bio = sb_mongo_doc_str(p, doc, "bio");
    u->timezone = sb_mongo_or(sb_mongo_doc_str(p, doc, "timezone"), "UTC");
    u->country = sb_mongo_doc_str(p, doc, "country");
    u->role = sb_mongo_or(sb_mongo_doc_str(p, doc, "role"), "user");
    u->languages = sb_mongo_read_languages(p, doc);
    u->skills_offered = apr_array_make(p, 2, sizeof(sb_skill_offered_t));
    sb_mongo_each_doc(p, doc, "skillsOffered", sb_mongo_read_offered, u->skills_offered);
    u->skills_wanted = apr_array_make(p, 2, sizeof(sb_skill_wanted_t));
    sb_mongo_each_doc(p, doc, "skillsWanted", sb_mongo_read_wanted, u->skills_wanted);
    u->availability = apr_array_make(p, 2, sizeof(sb_availability_t));
    sb_mongo_each_doc(p, doc, "availability", sb_mongo_read_day, u->availability);
    u->credits = sb_mongo_doc_int(doc, "credits");
    u->total_earned = sb_mongo_doc_int(doc, "totalEarned");
    u->total_spent = sb_mongo_doc_int(doc, "totalSpent");
    u->minutes_taught = sb_mongo_doc_int(doc, "minutesTaught");
    u->minutes_learned = sb_mongo_doc_int(doc, "minutesLearned");
    u->rating = sb_mongo_doc_double(doc, "rating");
    u->total_reviews = (int)sb_mongo_doc_int(doc, "totalReviews");
    u->report_count = (int)sb_mongo_doc_int(doc, "reportCount");
    /* isActive and emailNotifications default to true when absent */
    u->is_active = !bson_iter_init_find(&it, doc, "isActive") || sb_mongo_doc_int(doc, "isActive");
    u->is_verified = sb_mongo_doc_int(doc, "isVerified") != 0;
    u->is_banned = sb_mongo_doc_int(doc, "isBanned") != 0;
    u->ban_reason = sb_mongo_doc_str(p, doc, "banReason");
    u->ban_expires_at = sb_mongo_get_time(doc, "banExpiresAt");
    u->last_seen = sb_mongo_get_time(doc, "lastSeen");
    u->created_at = sb_mongo_get_time(doc, "createdAt");
    u->updated_at = sb_mongo_get_time(doc, "updatedAt");
    u->password_changed_at = sb_mongo_get_time(doc, "passwordChangedAt");
    u->email_notifications = !bson_iter_init_find(&it, doc, "emailNotifications")
                             || sb_mongo_doc_int(doc, "emailNotifications");
    return u;
}
