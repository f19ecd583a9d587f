#include "sb_user_json.h"

#include <stdio.h>
#include <apr_strings.h>

#include "sb_time.h"

/* Minutes as hours, rounded half away from zero to 2 decimals, printed without trailing zeros. */
json_object *sb_credits_to_json(int64_t minutes)
{
    char buf[32];
    int64_t neg = minutes < 0, m = neg ? -minutes : minutes;
    int64_t cents = (m * 100 + 30) / 60;   /* hundredths of an hour */
    int64_t whole = cents / 100, frac = cents % 100;

    if (frac == 0) {
        snprintf(buf, sizeof buf, "%s%lld", neg ? "-" : "", (long long)whole);
    }
    else if (frac % 10 == 0) {
        snprintf(buf, sizeof buf, "%s%lld.%lld", neg ? "-" : "", (long long)whole,
                 (long long)(frac / 10));
    }
    else {
        snprintf(buf, sizeof buf, "%s%lld.%02lld", neg ? "-" : "", (long long)whole,
                 (long long)frac);
    }
    return json_object_new_double_s((neg ? -1.0 : 1.0) * (double)cents / 100.0, buf);
}

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *time_or_null(apr_pool_t *p, int64_t ms)
{
    return ms ? json_object_new_string(sb_time_iso(p, ms)) : NULL;
}

static json_object *string_array(const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;
    for (i = 0; a && i < a->nelts; i++) {
        json_object_array_add(arr, json_object_new_string(APR_ARRAY_IDX(a, i, const char *)));
    }
    return arr;
}

static json_object *skills_offered(const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;
    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_offered_t *s = &APR_ARRAY_IDX(a, i, sb_skill_offered_t);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "skill", json_object_new_string(s->skill));
        json_object_object_add(o, "category", str_or_null(s->category));
        json_object_object_add(o, "experience", str_or_null(s->experience));
        json_object_object_add(o, "description", str_or_null(s->description));
        json_object_object_add(o, "verified", json_object_new_boolean(s->verified));
        json_object_array_add(arr, o);
    }
    return arr;
}

static json_object *skills_wanted(const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;
    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_wanted_t *s = &APR_ARRAY_IDX(a, i, sb_skill_wanted_t);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "skill", json_object_new_string(s->skill));
        json_object_object_add(o, "category", str_or_null(s->category));
        json_object_object_add(o, "level", str_or_null(s->level));
        json_object_object_add(o, "priority", str_or_null(s->priority));
        json_object_array_add(arr, o);
    }
    return arr;
}

static json_object *availability(const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i, j;
    for (i = 0; a && i < a->nelts; i++) {
        const sb_availability_t *d = &APR_ARRAY_IDX(a, i, sb_availability_t);
        json_object *o = json_object_new_object(), *slots = json_object_new_array();
        for (j = 0; d->time_slots && j < d->time_slots->nelts; j++) {
            const sb_time_slot_t *t = &APR_ARRAY_IDX(d->time_slots, j, sb_time_slot_t);
            json_object *so = json_object_new_object();
            json_object_object_add(so, "startTime", json_object_new_string(t->start_time));
            json_object_object_add(so, "endTime", json_object_new_string(t->end_time));
            json_object_array_add(slots, so);
        }
        json_object_object_add(o, "day", json_object_new_string(d->day));
        json_object_object_add(o, "timeSlots", slots);
        json_object_array_add(arr, o);
    }
    return arr;
}

json_object *sb_user_to_json(apr_pool_t *p, const sb_user_t *u, sb_user_view_t view)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "_id", json_object_new_string(u->id));
    json_object_object_add(o, "id", json_object_new_string(u->id));
    json_object_object_add(o, "username", json_object_new_string(u->username));
    json_object_object_add(o, "firstName", json_object_new_string(u->first_name));
    json_object_object_add(o, "lastName", json_object_new_string(u->last_name));
    json_object_object_add(o, "fullName",
                           json_object_new_string(
                               apr_pstrcat(p, u->first_name, " ", u->last_name, NULL)));
    json_object_object_add(o, "profilePicture",
                           json_object_new_string(u->profile_picture ? u->profile_picture : ""));
    json_object_object_add(o, "bio", str_or_null(u->bio));
    json_object_object_add(o, "timezone", json_object_new_string(u->timezone ? u->timezone : "UTC"));
    json_object_object_add(o, "languages", string_array(u->languages));
    json_object_object_add(o, "country", str_or_null(u->country));
    json_object_object_add(o, "skillsOffered", skills_offered(u->skills_offered));
    json_object_object_add(o, "skillsWanted", skills_wanted(u->skills_wanted));
    json_object_object_add(o, "availability", availability(u->availability));
    json_object_object_add(o, "totalHoursTaught", sb_credits_to_json(u->minutes_taught));
    json_object_object_add(o, "totalHoursLearned", sb_credits_to_json(u->minutes_learned));
    json_object_object_add(o, "rating", json_object_new_double((double)(long)(u->rating * 100 + 0.5) / 100.0));
    json_object_object_add(o, "totalReviews", json_object_new_int(u->total_reviews));
    json_object_object_add(o, "isVerified", json_object_new_boolean(u->is_verified));
    json_object_object_add(o, "lastSeen", time_or_null(p, u->last_seen));
    json_object_object_add(o, "createdAt", time_or_null(p, u->created_at));

    if (view == SB_VIEW_SELF) {
        json_object_object_add(o, "email", json_object_new_string(u->email));
        json_object_object_add(o, "role", json_object_new_string(u->role ? u->role : "user"));
        json_object_object_add(o, "credits", sb_credits_to_json(u->credits));
        json_object_object_add(o, "totalCreditsEarned", sb_credits_to_json(u->total_earned));
        json_object_object_add(o, "totalCreditsSpent", sb_credits_to_json(u->total_spent));
        json_object_object_add(o, "isActive", json_object_new_boolean(u->is_active));
        json_object_object_add(o, "isBanned", json_object_new_boolean(u->is_banned));
        json_object_object_add(o, "emailNotifications",
                               json_object_new_boolean(u->email_notifications));
        json_object_object_add(o, "updatedAt", time_or_null(p, u->updated_at));
    }
    return o;
}
