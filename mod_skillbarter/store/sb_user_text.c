/* A user's public and own profile as JSON text (see sb_user_text.h). */
#include "sb_user_text.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_user_json.h"

/* Members keys[i]: hours as json-c writes sb_credits_to_json(minutes[i]), each after ",". */
static void jtext_hours(sb_jtext_t *t, const char *const *keys, const int64_t *minutes, int n)
{
    char buf[SB_CREDITS_TEXT_MAX];
    int i;

    for (i = 0; i < n; i++) {
        sb_jtext_key(t, 0, keys[i]);
        sb_jtext_raw(t, buf, (apr_size_t)sb_credits_text(buf, minutes[i], NULL));
    }
}

/* Members keys[i]: true or false as vals[i], each after ",". */
static void jtext_flags(sb_jtext_t *t, const char *const *keys, const int *vals, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        sb_jtext_key(t, 0, keys[i]);
        sb_jtext_bool(t, vals[i]);
    }
}

static void jtext_strings(sb_jtext_t *t, const apr_array_header_t *a)
{
    int i;

    sb_jtext_lit(t, "[");
    for (i = 0; a && i < a->nelts; i++) {
        if (i) {
            sb_jtext_lit(t, ",");
        }
        sb_jtext_str(t, APR_ARRAY_IDX(a, i, const char *));
    }
    sb_jtext_lit(t, "]");
}

/* skillsOffered (with verified) or skillsWanted: four string members per skill. */
static void jtext_skills(sb_jtext_t *t, const apr_array_header_t *a, int offered)
{
    static const char *const offered_keys[] = {"skill", "category", "experience", "description"};
    static const char *const wanted_keys[] = {"skill", "category", "level", "priority"};
    int i;

    sb_jtext_lit(t, "[");
    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_offered_t *o = offered ? &APR_ARRAY_IDX(a, i, sb_skill_offered_t) : NULL;
        const sb_skill_wanted_t *w = offered ? NULL : &APR_ARRAY_IDX(a, i, sb_skill_wanted_t);
        const char *vals[4];
        vals[0] = o ? o->skill : w->skill;
        vals[1] = o ? o->category : w->category;
        vals[2] = o ? o->experience : w->level;
        vals[3] = o ? o->description : w->priority;
        if (i) {
            sb_jtext_lit(t, ",");
        }
        sb_jtext_members(t, 1, offered ? offered_keys : wanted_keys, vals, 4);
        if (o) {
            sb_jtext_lit(t, ",\"verified\":");
            sb_jtext_bool(t, o->verified);
        }
        sb_jtext_lit(t, "}");
    }
    sb_jtext_lit(t, "]");
}

static void jtext_availability(sb_jtext_t *t, const apr_array_header_t *a)
{
    static const char *const keys[] = {"startTime", "endTime"};
    int i, j;

    sb_jtext_lit(t, "[");
    for (i = 0; a && i < a->nelts; i++) {
        const sb_availability_t *d = &APR_ARRAY_IDX(a, i, sb_availability_t);
        if (i) {
            sb_jtext_lit(t, ",");
        }
        sb_jtext_lit(t, "{\"day\":");
        sb_jtext_str(t, d->day);
        sb_jtext_lit(t, ",\"timeSlots\":[");
        for (j = 0; d->time_slots && j < d->time_slots->nelts; j++) {
            const sb_time_slot_t *s = &APR_ARRAY_IDX(d->time_slots, j, sb_time_slot_t);
            const char *vals[] = {s->start_time, s->end_time};
            if (j) {
                sb_jtext_lit(t, ",");
            }
            sb_jtext_members(t, 1, keys, vals, 2);
            sb_jtext_lit(t, "}");
        }
        sb_jtext_lit(t, "]}");
    }
    sb_jtext_lit(t, "]");
}

static void jtext_reviews(sb_jtext_t *t, const apr_array_header_t *a)
{
    static const char *const who_keys[] = {"_id", "fullName", "profilePicture"};
    int i;

    sb_jtext_lit(t, "[");
    for (i = 0; a && i < a->nelts; i++) {
        const sb_review_t *r = &APR_ARRAY_IDX(a, i, sb_review_t);
        const char *who[] = {r->reviewer_id, r->reviewer_name,
                             r->reviewer_picture ? r->reviewer_picture : ""};
        if (i) {
            sb_jtext_lit(t, ",");
        }
        sb_jtext_lit(t, "{\"_id\":");
        sb_jtext_str(t, r->id);
        sb_jtext_lit(t, ",\"reviewer\":");
        sb_jtext_members(t, 1, who_keys, who, 3);
        sb_jtext_lit(t, "},\"rating\":");
        sb_jtext_int(t, r->rating);
        sb_jtext_lit(t, ",\"feedback\":");
        sb_jtext_str(t, r->feedback);
        sb_jtext_lit(t, ",\"wouldRecommend\":");
        if (r->would_recommend < 0) {
            sb_jtext_lit(t, "null");
        }
        else {
            sb_jtext_bool(t, r->would_recommend);
        }
        sb_jtext_lit(t, ",\"createdAt\":");
        sb_jtext_time(t, r->created_at, 0);
        sb_jtext_lit(t, "}");
    }
    sb_jtext_lit(t, "]");
}

/* The members every view of u has, after its "{" (the object left open). */
static void jtext_user_members(sb_jtext_t *t, const sb_user_t *u)
{
    static const char *const keys[] = {"_id",      "id",       "username",       "firstName",
                                       "lastName", "fullName", "profilePicture", "bio",
                                       "timezone"};
    const char *vals[] = {u->id,
                          u->id,
                          u->username,
                          u->first_name,
                          u->last_name,
                          apr_pstrcat(t->p, u->first_name, " ", u->last_name, NULL),
                          u->profile_picture ? u->profile_picture : "",
                          u->bio,
                          u->timezone ? u->timezone : "UTC"};
    static const char *const hour_keys[] = {"totalHoursTaught", "totalHoursLearned"};
    const int64_t hours[] = {u->minutes_taught, u->minutes_learned};

    sb_user_lists(u);
    sb_jtext_members(t, 1, keys, vals, 9);
    sb_jtext_lit(t, ",\"languages\":");
    jtext_strings(t, u->languages);
    sb_jtext_lit(t, ",\"country\":");
    sb_jtext_str(t, u->country);
    sb_jtext_lit(t, ",\"skillsOffered\":");
    jtext_skills(t, u->skills_offered, 1);
    sb_jtext_lit(t, ",\"skillsWanted\":");
    jtext_skills(t, u->skills_wanted, 0);
    sb_jtext_lit(t, ",\"availability\":");
    jtext_availability(t, u->availability);
    jtext_hours(t, hour_keys, hours, 2);
    sb_jtext_lit(t, ",\"rating\":");
    sb_jtext_double(t, sb_rating_round(u->rating));
    sb_jtext_lit(t, ",\"totalReviews\":");
    sb_jtext_int(t, u->total_reviews);
    sb_jtext_lit(t, ",\"isVerified\":");
    sb_jtext_bool(t, u->is_verified);
    sb_jtext_lit(t, ",\"lastSeen\":");
    sb_jtext_time(t, u->last_seen, 1);
    sb_jtext_lit(t, ",\"createdAt\":");
    sb_jtext_time(t, u->created_at, 1);
}

void sb_jtext_public_profile(sb_jtext_t *t, const sb_user_t *u, const apr_array_header_t *reviews,
                             int detailed)
{
    int keepable = !detailed && !t->slashes && u->public_src;
    apr_size_t start = t->len;
    const char *kept;
    size_t len;

    /* the short form (a chat bubble's people, both of every sent message): the kept text
     * when the store has one for this reading of the row, else rendered and handed back */
    if (keepable && (kept = u->public_kept(u->public_src, t->p, &len)) != NULL) {
        sb_jtext_raw(t, kept, len);
        return;
    }
    jtext_user_members(t, u);
    if (detailed) {
        sb_jtext_lit(t, ",\"reviewCount\":");
        sb_jtext_int(t, u->total_reviews);
        sb_jtext_lit(t, ",\"recentReviews\":");
        jtext_reviews(t, reviews);
    }
    sb_jtext_lit(t, "}");
    if (keepable) {
        u->public_keep(u->public_src, t->buf + start, t->len - start);
    }
}

void sb_jtext_self_profile(sb_jtext_t *t, const sb_user_t *u)
{
    static const char *const str_keys[] = {"email", "role"};
    static const char *const hour_keys[] = {"credits", "totalCreditsEarned", "totalCreditsSpent"};
    static const char *const flag_keys[] = {"isActive", "isBanned", "emailNotifications"};
    const char *strs[] = {u->email, u->role ? u->role : "user"};
    const int64_t hours[] = {u->credits, u->total_earned, u->total_spent};
    const int flags[] = {u->is_active, u->is_banned, u->email_notifications};

    jtext_user_members(t, u);
    sb_jtext_members(t, 0, str_keys, strs, 2);
    jtext_hours(t, hour_keys, hours, 3);
    jtext_flags(t, flag_keys, flags, 3);
    sb_jtext_key(t, 0, "updatedAt");
    sb_jtext_time(t, u->updated_at, 1);
    sb_jtext_lit(t, "}");
}
