/* A user's public object as JSON text (see sb_user_text.h). */
#include "sb_user_text.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_user_json.h"

/* A number json-c writes from a value made by sb_credits_to_json (its own text). */
static void jtext_hours(sb_jtext_t *t, int64_t minutes)
{
    json_object *o = sb_credits_to_json(minutes);

    sb_jtext_raw(t, json_object_get_string(o), strlen(json_object_get_string(o)));
    json_object_put(o);
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

static void jtext_offered(sb_jtext_t *t, const apr_array_header_t *a)
{
    static const char *const keys[] = {"skill", "category", "experience", "description"};
    int i;

    sb_jtext_lit(t, "[");
    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_offered_t *s = &APR_ARRAY_IDX(a, i, sb_skill_offered_t);
        const char *vals[] = {s->skill, s->category, s->experience, s->description};
        if (i) {
            sb_jtext_lit(t, ",");
        }
        sb_jtext_members(t, 1, keys, vals, 4);
        sb_jtext_lit(t, ",\"verified\":");
        sb_jtext_bool(t, s->verified);
        sb_jtext_lit(t, "}");
    }
    sb_jtext_lit(t, "]");
}

static void jtext_wanted(sb_jtext_t *t, const apr_array_header_t *a)
{
    static const char *const keys[] = {"skill", "category", "level", "priority"};
    int i;

    sb_jtext_lit(t, "[");
    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_wanted_t *s = &APR_ARRAY_IDX(a, i, sb_skill_wanted_t);
        const char *vals[] = {s->skill, s->category, s->level, s->priority};
        if (i) {
            sb_jtext_lit(t, ",");
        }
        sb_jtext_members(t, 1, keys, vals, 4);
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

void sb_jtext_public_profile(sb_jtext_t *t, const sb_user_t *u, const apr_array_header_t *reviews,
                             int detailed)
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

    sb_user_lists(u);
    sb_jtext_members(t, 1, keys, vals, 9);
    sb_jtext_lit(t, ",\"languages\":");
    jtext_strings(t, u->languages);
    sb_jtext_lit(t, ",\"country\":");
    sb_jtext_str(t, u->country);
    sb_jtext_lit(t, ",\"skillsOffered\":");
    jtext_offered(t, u->skills_offered);
    sb_jtext_lit(t, ",\"skillsWanted\":");
    jtext_wanted(t, u->skills_wanted);
    sb_jtext_lit(t, ",\"availability\":");
    jtext_availability(t, u->availability);
    sb_jtext_lit(t, ",\"totalHoursTaught\":");
    jtext_hours(t, u->minutes_taught);
    sb_jtext_lit(t, ",\"totalHoursLearned\":");
    jtext_hours(t, u->minutes_learned);
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
    if (detailed) {
        sb_jtext_lit(t, ",\"reviewCount\":");
        sb_jtext_int(t, u->total_reviews);
        sb_jtext_lit(t, ",\"recentReviews\":");
        jtext_reviews(t, reviews);
    }
    sb_jtext_lit(t, "}");
}
