/*
 * MongoDB driver: the user document and the filters and updates of the users domain, as pure
 * builders (no client): test_mongo_users.c compares what they build with expected documents.
 *
 * A user is one document of `users`: the spec's model with embedded skills and availability,
 * plus usernameLower/emailLower (the unique, case-insensitive keys) and skillLower in each
 * skill (discovery's exact, case-insensitive skill match). Values from a request only ever
 * become BSON values (strings, numbers), never keys or operators.
 */
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

/* Lower-case ASCII copy in p (usernames and skills compare case-insensitively, as SQLite's
 * NOCASE does: ASCII only). */
const char *sb_mongo_lower(apr_pool_t *p, const char *s)
{
    char *o = apr_pstrdup(p, s ? s : ""), *q;

    for (q = o; *q; q++) {
        if (*q >= 'A' && *q <= 'Z') {
            *q = (char)(*q - 'A' + 'a');
        }
    }
    return o;
}

static void sb_mongo_array_key(uint32_t i, char *buf, size_t n, const char **key)
{
    bson_uint32_to_string(i, key, buf, n);
}

void sb_mongo_append_languages(bson_t *b, const apr_array_header_t *a)
{
    bson_t arr;
    char buf[16];
    const char *k;
    int i;

    bson_append_array_begin(b, "languages", -1, &arr);
    for (i = 0; a && i < a->nelts; i++) {
        sb_mongo_array_key((uint32_t)i, buf, sizeof(buf), &k);
        bson_append_utf8(&arr, k, -1, APR_ARRAY_IDX(a, i, const char *), -1);
    }
    bson_append_array_end(b, &arr);
}

void sb_mongo_append_offered(apr_pool_t *p, bson_t *b, const apr_array_header_t *a)
{
    bson_t arr, one;
    char buf[16];
    const char *k;
    int i;

    bson_append_array_begin(b, "skillsOffered", -1, &arr);
    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_offered_t *s = &APR_ARRAY_IDX(a, i, sb_skill_offered_t);
        sb_mongo_array_key((uint32_t)i, buf, sizeof(buf), &k);
        bson_append_document_begin(&arr, k, -1, &one);
        sb_mongo_append_str_or_null(&one, "skill", s->skill);
        sb_mongo_append_str_or_null(&one, "skillLower", sb_mongo_lower(p, s->skill));
        sb_mongo_append_str_or_null(&one, "category", s->category);
        sb_mongo_append_str_or_null(&one, "experience", s->experience);
        sb_mongo_append_str_or_null(&one, "description", s->description);
        bson_append_bool(&one, "verified", -1, s->verified != 0);
        bson_append_document_end(&arr, &one);
    }
    bson_append_array_end(b, &arr);
}

void sb_mongo_append_wanted(apr_pool_t *p, bson_t *b, const apr_array_header_t *a)
{
    bson_t arr, one;
    char buf[16];
    const char *k;
    int i;

    bson_append_array_begin(b, "skillsWanted", -1, &arr);
    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_wanted_t *s = &APR_ARRAY_IDX(a, i, sb_skill_wanted_t);
        sb_mongo_array_key((uint32_t)i, buf, sizeof(buf), &k);
        bson_append_document_begin(&arr, k, -1, &one);
        sb_mongo_append_str_or_null(&one, "skill", s->skill);
        sb_mongo_append_str_or_null(&one, "skillLower", sb_mongo_lower(p, s->skill));
        sb_mongo_append_str_or_null(&one, "category", s->category);
        sb_mongo_append_str_or_null(&one, "level", s->level);
        sb_mongo_append_str_or_null(&one, "priority", s->priority);
        bson_append_document_end(&arr, &one);
    }
    bson_append_array_end(b, &arr);
}

void sb_mongo_append_availability(bson_t *b, const apr_array_header_t *a)
{
    bson_t arr, day, slots, slot;
    char buf[16], buf2[16];
    const char *k, *k2;
    int i, j;

    bson_append_array_begin(b, "availability", -1, &arr);
    for (i = 0; a && i < a->nelts; i++) {
        const sb_availability_t *d = &APR_ARRAY_IDX(a, i, sb_availability_t);
        sb_mongo_array_key((uint32_t)i, buf, sizeof(buf), &k);
        bson_append_document_begin(&arr, k, -1, &day);
        sb_mongo_append_str_or_null(&day, "day", d->day);
        bson_append_array_begin(&day, "timeSlots", -1, &slots);
        for (j = 0; d->time_slots && j < d->time_slots->nelts; j++) {
            const sb_time_slot_t *t = &APR_ARRAY_IDX(d->time_slots, j, sb_time_slot_t);
            sb_mongo_array_key((uint32_t)j, buf2, sizeof(buf2), &k2);
            bson_append_document_begin(&slots, k2, -1, &slot);
            sb_mongo_append_str_or_null(&slot, "startTime", t->start_time);
            sb_mongo_append_str_or_null(&slot, "endTime", t->end_time);
            bson_append_document_end(&slots, &slot);
        }
        bson_append_array_end(&day, &slots);
        bson_append_document_end(&arr, &day);
    }
    bson_append_array_end(b, &arr);
}

/* Every field of u, as stored (a new user's defaults are filled in by the caller). */
int sb_mongo_user_doc(apr_pool_t *p, bson_t *b, const sb_user_t *u)
{
    bson_init(b);
    if (!sb_mongo_append_id(b, "_id", u->id) || !u->username || !u->email) {
        bson_destroy(b);
        return 0;
    }
    sb_mongo_append_str_or_null(b, "username", u->username);
    sb_mongo_append_str_or_null(b, "usernameLower", sb_mongo_lower(p, u->username));
    sb_mongo_append_str_or_null(b, "email", u->email);
    sb_mongo_append_str_or_null(b, "emailLower", sb_mongo_lower(p, u->email));
    sb_mongo_append_str_or_null(b, "passwordHash", u->password_hash);
    sb_mongo_append_str_or_null(b, "firstName", u->first_name);
    sb_mongo_append_str_or_null(b, "lastName", u->last_name);
    sb_mongo_append_str_or_null(b, "profilePicture", u->profile_picture ? u->profile_picture : "");
    sb_mongo_append_str_or_null(b, "bio", u->bio);
    sb_mongo_append_str_or_null(b, "timezone", u->timezone ? u->timezone : "UTC");
    sb_mongo_append_str_or_null(b, "country", u->country);
    sb_mongo_append_str_or_null(b, "role", u->role ? u->role : "user");
    sb_mongo_append_languages(b, u->languages);
    sb_mongo_append_offered(p, b, u->skills_offered);
    sb_mongo_append_wanted(p, b, u->skills_wanted);
    sb_mongo_append_availability(b, u->availability);
    BSON_APPEND_INT64(b, "credits", u->credits);
    BSON_APPEND_INT64(b, "totalEarned", u->total_earned);
    BSON_APPEND_INT64(b, "totalSpent", u->total_spent);
    BSON_APPEND_INT64(b, "minutesTaught", u->minutes_taught);
    BSON_APPEND_INT64(b, "minutesLearned", u->minutes_learned);
    BSON_APPEND_DOUBLE(b, "rating", u->rating);
    BSON_APPEND_INT64(b, "ratingSum", 0);
    /* the welcome bonus (when there is one) is the user's first ledger row */
    BSON_APPEND_INT64(b, "ledgerSeq", u->credits > 0 ? 1 : 0);
    BSON_APPEND_INT32(b, "totalReviews", u->total_reviews);
    BSON_APPEND_INT32(b, "reportCount", u->report_count);
    BSON_APPEND_BOOL(b, "isActive", u->is_active != 0);
    BSON_APPEND_BOOL(b, "isVerified", u->is_verified != 0);
    BSON_APPEND_BOOL(b, "isBanned", u->is_banned != 0);
    sb_mongo_append_str_or_null(b, "banReason", u->ban_reason);
    sb_mongo_append_time(b, "banExpiresAt", u->ban_expires_at);
    sb_mongo_append_time(b, "lastSeen", u->last_seen);
    sb_mongo_append_time(b, "createdAt", u->created_at);
    sb_mongo_append_time(b, "updatedAt", u->updated_at ? u->updated_at : u->created_at);
    sb_mongo_append_time(b, "passwordChangedAt", u->password_changed_at);
    BSON_APPEND_BOOL(b, "emailNotifications", u->email_notifications != 0);
    bson_append_null(b, "calendarToken", -1);
    BSON_APPEND_INT64(b, "rev", 0);
    sb_mongo_append_derived(p, b, u);
    return 1;
}

/* A new account: the given fields, the model's defaults, credits = the welcome bonus. */
int sb_mongo_user_new_doc(apr_pool_t *p, bson_t *b, const char *id, const sb_user_new_t *nu,
                          int64_t credits, int64_t now)
{
    sb_user_t u;

    memset(&u, 0, sizeof(u));
    apr_cpystrn(u.id, id, sizeof(u.id));
    u.username = nu->username;
    u.email = sb_mongo_lower(p, nu->email);
    u.password_hash = nu->password_hash;
    u.first_name = nu->first_name;
    u.last_name = nu->last_name;
    u.credits = credits;
    u.is_active = 1;
    u.email_notifications = 1;
    u.last_seen = u.created_at = u.updated_at = now;
    return sb_mongo_user_doc(p, b, &u);
}

/* ---- filters ---- */

int sb_mongo_filter_user_id(bson_t *b, const char *id)
{
    bson_init(b);
    if (!sb_mongo_append_id(b, "_id", id)) {
        bson_destroy(b);
        return 0;
    }
    return 1;
}

void sb_mongo_filter_email(apr_pool_t *p, bson_t *b, const char *email)
{
    bson_init(b);
    BSON_APPEND_UTF8(b, "emailLower", sb_mongo_lower(p, email));
}

/* email or username; the caller prefers the email match when both come back. */
void sb_mongo_filter_login(apr_pool_t *p, bson_t *b, const char *login)
{
    const char *low = sb_mongo_lower(p, login);
    bson_t arr, one;

    bson_init(b);
    BSON_APPEND_ARRAY_BEGIN(b, "$or", &arr);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &one);
    BSON_APPEND_UTF8(&one, "emailLower", low);
    bson_append_document_end(&arr, &one);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, "1", &one);
    BSON_APPEND_UTF8(&one, "usernameLower", low);
    bson_append_document_end(&arr, &one);
    bson_append_array_end(b, &arr);
}

/* ---- updates ---- */

/* $set (and $unset for cleared optional fields) of a profile patch, as SQLite's: NULL
 * leaves a field, "" clears bio/country and resets timezone to UTC. */
void sb_mongo_update_profile(bson_t *b, const sb_profile_patch_t *patch, int64_t now)
{
    bson_t set;

    bson_init(b);
    BSON_APPEND_DOCUMENT_BEGIN(b, "$set", &set);
    if (patch->first_name) {
        BSON_APPEND_UTF8(&set, "firstName", patch->first_name);
    }
    if (patch->last_name) {
        BSON_APPEND_UTF8(&set, "lastName", patch->last_name);
    }
    if (patch->bio) {
        sb_mongo_append_str_or_null(&set, "bio", *patch->bio ? patch->bio : NULL);
    }
    if (patch->timezone) {
        BSON_APPEND_UTF8(&set, "timezone", *patch->timezone ? patch->timezone : "UTC");
    }
    if (patch->country) {
        sb_mongo_append_str_or_null(&set, "country", *patch->country ? patch->country : NULL);
    }
    if (patch->profile_picture) {
        BSON_APPEND_UTF8(&set, "profilePicture", patch->profile_picture);
    }
    if (patch->languages) {
        sb_mongo_append_languages(&set, patch->languages);
    }
    if (patch->set_email_notifications) {
        BSON_APPEND_BOOL(&set, "emailNotifications", patch->email_notifications != 0);
    }
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(b, &set);
}

void sb_mongo_update_lists(apr_pool_t *p, bson_t *b, const apr_array_header_t *offered,
                           const apr_array_header_t *wanted, const apr_array_header_t *availability,
                           int64_t now)
{
    bson_t set;

    bson_init(b);
    BSON_APPEND_DOCUMENT_BEGIN(b, "$set", &set);
    if (offered) {
        sb_mongo_append_offered(p, &set, offered);
    }
    if (wanted) {
        sb_mongo_append_wanted(p, &set, wanted);
    }
    if (availability) {
        sb_mongo_append_availability(&set, availability);
    }
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(b, &set);
}

/* {$set: {<key>: <value>, ..., updatedAt: now}} for the single-field updates: verified,
 * password, touch (lastSeen only), role, avatar. */
void sb_mongo_update_set(bson_t *b, const char *what, const char *value, int64_t now)
{
    bson_t set;

    bson_init(b);
    BSON_APPEND_DOCUMENT_BEGIN(b, "$set", &set);
    if (!strcmp(what, "verified")) {
        BSON_APPEND_BOOL(&set, "isVerified", true);
    }
    else if (!strcmp(what, "password")) {
        BSON_APPEND_UTF8(&set, "passwordHash", value);
        sb_mongo_append_time(&set, "passwordChangedAt", now);
    }
    else if (!strcmp(what, "touch")) {
        sb_mongo_append_time(&set, "lastSeen", now);
        bson_append_document_end(b, &set);
        return; /* presence is not an edit: updatedAt stays */
    }
    else if (!strcmp(what, "role")) {
        BSON_APPEND_UTF8(&set, "role", value);
    }
    else if (!strcmp(what, "avatar")) {
        BSON_APPEND_UTF8(&set, "profilePicture", value);
    }
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(b, &set);
}

/* Moderation: a lifted ban clears its reason and expiry. */
void sb_mongo_update_status(bson_t *b, int is_active, int is_banned, const char *ban_reason,
                            int64_t ban_expires_at, int64_t now)
{
    bson_t set;

    bson_init(b);
    BSON_APPEND_DOCUMENT_BEGIN(b, "$set", &set);
    BSON_APPEND_BOOL(&set, "isActive", is_active != 0);
    BSON_APPEND_BOOL(&set, "isBanned", is_banned != 0);
    sb_mongo_append_str_or_null(&set, "banReason", is_banned ? ban_reason : NULL);
    sb_mongo_append_time(&set, "banExpiresAt", is_banned ? ban_expires_at : 0);
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(b, &set);
}

/* refresh_tokens: revoke every live token of the user. */
int sb_mongo_revoke_user_tokens(bson_t *filter, bson_t *update, const char *user_id, int64_t now)
{
    bson_t set;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "userId", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    bson_append_null(filter, "revokedAt", -1);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    sb_mongo_append_time(&set, "revokedAt", now);
    bson_append_document_end(update, &set);
    return 1;
}

/* The welcome bonus row of the ledger (credit_transactions), keyed for idempotency by the
 * user, so a retried or recovered creation never pays it twice. */
int sb_mongo_bonus_row(bson_t *b, const char *row_id, const char *user_id, int64_t amount,
                       int64_t now)
{
    char key[SB_ID_LEN + 16];

    bson_init(b);
    if (!sb_mongo_append_id(b, "_id", row_id) || !sb_mongo_append_id(b, "userId", user_id)) {
        bson_destroy(b);
        return 0;
    }
    BSON_APPEND_UTF8(b, "type", "bonus");
    BSON_APPEND_INT64(b, "amount", amount);
    BSON_APPEND_INT64(b, "balanceAfter", amount);
    BSON_APPEND_INT64(b, "seq", 1);
    bson_append_null(b, "relatedSession", -1);
    bson_append_null(b, "relatedUser", -1);
    BSON_APPEND_UTF8(b, "description", "Welcome bonus");
    BSON_APPEND_UTF8(b, "category", "bonus");
    BSON_APPEND_UTF8(b, "status", "completed");
    apr_snprintf(key, sizeof(key), "welcome:%s", user_id);
    BSON_APPEND_UTF8(b, "idemKey", key);
    bson_append_null(b, "adminNote", -1);
    sb_mongo_append_time(b, "createdAt", now);
    return 1;
}
