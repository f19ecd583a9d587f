#include "sb_user_json.h"

#include <pthread.h>
#include <stdio.h>
#include <apr_strings.h>

#include "sb_time.h"
#include "sb_json.h"

/* Minutes as hours, rounded half away from zero to 2 decimals, printed without trailing zeros. */
int sb_credits_text(char *buf, int64_t minutes, int64_t *cents_out)
{
    int64_t neg = minutes < 0, m = neg ? -minutes : minutes;
    int64_t cents = (m * 100 + 30) / 60; /* hundredths of an hour */
    int64_t whole = cents / 100, frac = cents % 100;
    int n;

    if (frac == 0) {
        n = snprintf(buf, SB_CREDITS_TEXT_MAX, "%s%lld", neg ? "-" : "", (long long)whole);
    }
    else if (frac % 10 == 0) {
        n = snprintf(buf, SB_CREDITS_TEXT_MAX, "%s%lld.%lld", neg ? "-" : "", (long long)whole,
                     (long long)(frac / 10));
    }
    else {
        n = snprintf(buf, SB_CREDITS_TEXT_MAX, "%s%lld.%02lld", neg ? "-" : "", (long long)whole,
                     (long long)frac);
    }
    if (cents_out) {
        *cents_out = neg ? -cents : cents;
    }
    return n;
}

json_object *sb_credits_to_json(int64_t minutes)
{
    char buf[SB_CREDITS_TEXT_MAX];
    int64_t cents;

    sb_credits_text(buf, minutes, &cents);
    return json_object_new_double_s((double)cents / 100.0, buf);
}

double sb_rating_round(double r)
{
    return (double)(long)(r * 100 + 0.5) / 100.0;
}

#define SB_RATING_STEPS 501 /* 0.00 .. 5.00 */
static char rating_texts[SB_RATING_STEPS][SB_JSON_DOUBLE_MAX];
static unsigned char rating_lens[SB_RATING_STEPS];
static pthread_once_t rating_once = PTHREAD_ONCE_INIT;

static void rating_table(void)
{
    int k;

    for (k = 0; k < SB_RATING_STEPS; k++) {
        rating_lens[k] = (unsigned char)sb_json_double_text(rating_texts[k], k / 100.0);
    }
}

const char *sb_rating_text(double r, char *buf, apr_size_t *len)
{
    double k = r * 100 + 0.5;

    if (k >= 0 && k < SB_RATING_STEPS) {
        long i = (long)k;
        pthread_once(&rating_once, rating_table);
        *len = rating_lens[i];
        return rating_texts[i];
    }
    *len = (apr_size_t)sb_json_double_text(buf, sb_rating_round(r));
    return buf;
}

void sb_user_json_names(json_object *o, apr_pool_t *p, const sb_user_names_t *n)
{
    sb_json_add_lit(o, "_id", json_object_new_string(n->id));
    sb_json_add_lit(o, "id", json_object_new_string(n->id));
    sb_json_add_lit(o, "username", json_object_new_string(n->username));
    sb_json_add_lit(o, "firstName", json_object_new_string(n->first_name));
    sb_json_add_lit(o, "lastName", json_object_new_string(n->last_name));
    sb_json_add_lit(o, "fullName",
                    json_object_new_string(apr_pstrcat(p, n->first_name, " ", n->last_name, NULL)));
    sb_json_add_lit(o, "profilePicture",
                    json_object_new_string(n->profile_picture ? n->profile_picture : ""));
    sb_json_add_lit(o, "bio", sb_json_str_or_null(n->bio));
    sb_json_add_lit(o, "timezone", json_object_new_string(n->timezone ? n->timezone : "UTC"));
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
        sb_json_add_lit(o, "skill", json_object_new_string(s->skill));
        sb_json_add_lit(o, "category", sb_json_str_or_null(s->category));
        sb_json_add_lit(o, "experience", sb_json_str_or_null(s->experience));
        sb_json_add_lit(o, "description", sb_json_str_or_null(s->description));
        sb_json_add_lit(o, "verified", json_object_new_boolean(s->verified));
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
        sb_json_add_lit(o, "skill", json_object_new_string(s->skill));
        sb_json_add_lit(o, "category", sb_json_str_or_null(s->category));
        sb_json_add_lit(o, "level", sb_json_str_or_null(s->level));
        sb_json_add_lit(o, "priority", sb_json_str_or_null(s->priority));
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
            sb_json_add_lit(so, "startTime", json_object_new_string(t->start_time));
            sb_json_add_lit(so, "endTime", json_object_new_string(t->end_time));
            json_object_array_add(slots, so);
        }
        sb_json_add_lit(o, "day", json_object_new_string(d->day));
        sb_json_add_lit(o, "timeSlots", slots);
        json_object_array_add(arr, o);
    }
    return arr;
}

json_object *sb_user_to_json(apr_pool_t *p, const sb_user_t *u, sb_user_view_t view)
{
    json_object *o = json_object_new_object();
    sb_user_names_t n = {u->id,  u->username, u->first_name, u->last_name, u->profile_picture,
                         u->bio, u->timezone};

    sb_user_lists(u);
    sb_user_json_names(o, p, &n);
    sb_json_add_lit(o, "languages", string_array(u->languages));
    sb_json_add_lit(o, "country", sb_json_str_or_null(u->country));
    sb_json_add_lit(o, "skillsOffered", skills_offered(u->skills_offered));
    sb_json_add_lit(o, "skillsWanted", skills_wanted(u->skills_wanted));
    sb_json_add_lit(o, "availability", availability(u->availability));
    sb_json_add_lit(o, "totalHoursTaught", sb_credits_to_json(u->minutes_taught));
    sb_json_add_lit(o, "totalHoursLearned", sb_credits_to_json(u->minutes_learned));
    sb_json_add_lit(o, "rating", json_object_new_double(sb_rating_round(u->rating)));
    sb_json_add_lit(o, "totalReviews", json_object_new_int(u->total_reviews));
    sb_json_add_lit(o, "isVerified", json_object_new_boolean(u->is_verified));
    sb_json_add_lit(o, "lastSeen", time_or_null(p, u->last_seen));
    sb_json_add_lit(o, "createdAt", time_or_null(p, u->created_at));

    if (view == SB_VIEW_SELF) {
        sb_json_add_lit(o, "email", json_object_new_string(u->email));
        sb_json_add_lit(o, "role", json_object_new_string(u->role ? u->role : "user"));
        sb_json_add_lit(o, "credits", sb_credits_to_json(u->credits));
        sb_json_add_lit(o, "totalCreditsEarned", sb_credits_to_json(u->total_earned));
        sb_json_add_lit(o, "totalCreditsSpent", sb_credits_to_json(u->total_spent));
        sb_json_add_lit(o, "isActive", json_object_new_boolean(u->is_active));
        sb_json_add_lit(o, "isBanned", json_object_new_boolean(u->is_banned));
        sb_json_add_lit(o, "emailNotifications", json_object_new_boolean(u->email_notifications));
        sb_json_add_lit(o, "updatedAt", time_or_null(p, u->updated_at));
    }
    return o;
}
