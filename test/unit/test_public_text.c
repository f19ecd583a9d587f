/*
 * The public profile (/api/users/:id, /api/discover/:id) is written as text
 * (sb_jtext_public_profile) instead of json-c objects: byte for byte what json-c writes for
 * sb_user_to_json(SB_VIEW_PUBLIC) plus reviewCount and recentReviews, for full, empty and
 * awkward users and reviews alike; the caller's own profile (sb_jtext_self_profile) likewise
 * against sb_user_to_json(SB_VIEW_SELF).
 */
#include "sb_test.h"

#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_public.h"
#include "sb_time.h"
#include "sb_user_json.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define NOW   1750000000123LL

/* The detailed form as json-c objects: the reference. */
static const char *by_json_c(apr_pool_t *p, const sb_user_t *u, const apr_array_header_t *rv,
                             int detailed)
{
    json_object *o = sb_user_to_json(p, u, SB_VIEW_PUBLIC), *arr = json_object_new_array();
    const char *s;
    int i;

    for (i = 0; detailed && rv && i < rv->nelts; i++) {
        const sb_review_t *r = &APR_ARRAY_IDX(rv, i, sb_review_t);
        json_object *e = json_object_new_object(), *who = json_object_new_object();
        json_object_object_add(who, "_id", json_object_new_string(r->reviewer_id));
        json_object_object_add(who, "fullName", sb_json_str_or_null(r->reviewer_name));
        json_object_object_add(
            who, "profilePicture",
            json_object_new_string(r->reviewer_picture ? r->reviewer_picture : ""));
        json_object_object_add(e, "_id", json_object_new_string(r->id));
        json_object_object_add(e, "reviewer", who);
        json_object_object_add(e, "rating", json_object_new_int(r->rating));
        json_object_object_add(e, "feedback", sb_json_str_or_null(r->feedback));
        json_object_object_add(
            e, "wouldRecommend",
            r->would_recommend < 0 ? NULL : json_object_new_boolean(r->would_recommend));
        json_object_object_add(e, "createdAt",
                               json_object_new_string(sb_time_iso(p, r->created_at)));
        json_object_array_add(arr, e);
    }
    if (detailed) {
        json_object_object_add(o, "reviewCount", json_object_new_int(u->total_reviews));
        json_object_object_add(o, "recentReviews", arr);
    }
    else {
        json_object_put(arr);
    }
    s = apr_pstrdup(p, json_object_to_json_string_ext(o, FLAGS));
    json_object_put(o);
    return s;
}

static void same_profile(apr_pool_t *p, const sb_user_t *u, const apr_array_header_t *rv)
{
    int detailed;

    for (detailed = 0; detailed < 2; detailed++) {
        sb_jtext_t t;
        sb_jtext_init(&t, p, 16); /* small: the buffer must grow */
        sb_jtext_public_profile(&t, u, rv, detailed);
        assert_string_equal(t.buf, by_json_c(p, u, rv, detailed));
    }
    if (u->email) { /* the caller's own view (json-c needs an email to build it) */
        json_object *o = sb_user_to_json(p, u, SB_VIEW_SELF);
        sb_jtext_t t;
        sb_jtext_init(&t, p, 16);
        sb_jtext_self_profile(&t, u);
        assert_string_equal(t.buf, json_object_to_json_string_ext(o, FLAGS));
        json_object_put(o);
    }
}

static void test_full_profile(void **state)
{
    apr_pool_t *p = *state;
    sb_user_t u;
    sb_skill_offered_t *o;
    sb_skill_wanted_t *w;
    sb_availability_t *d;
    sb_time_slot_t *s;
    sb_review_t *r;
    apr_array_header_t *rv = apr_array_make(p, 2, sizeof(sb_review_t));
    int i;

    memset(&u, 0, sizeof u);
    strcpy(u.id, "665f1c2e9b1e8a3d4c5b6a79");
    u.username = "ada_l";
    u.first_name = "Ada \"Countess\"";
    u.last_name = "Lovelace/Byron \\ \x01\t\xc3\xbc";
    u.profile_picture = "/uploads/a.png";
    u.bio = "Line one\nline two </script>";
    u.timezone = "Europe/London";
    u.country = "UK";
    u.languages = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(u.languages, const char *) = "English";
    APR_ARRAY_PUSH(u.languages, const char *) = "Fran\303\247ais";
    u.skills_offered = apr_array_make(p, 2, sizeof(sb_skill_offered_t));
    o = apr_array_push(u.skills_offered);
    memset(o, 0, sizeof *o);
    o->skill = "C/C++";
    o->category = "Technology";
    o->experience = "Expert";
    o->description = "Pointers \"and\" more";
    o->verified = 1;
    o = apr_array_push(u.skills_offered);
    memset(o, 0, sizeof *o);
    o->skill = "Chess";
    u.skills_wanted = apr_array_make(p, 2, sizeof(sb_skill_wanted_t));
    w = apr_array_push(u.skills_wanted);
    w->skill = "Piano";
    w->category = "Music";
    w->level = "Beginner";
    w->priority = "High";
    w = apr_array_push(u.skills_wanted);
    memset(w, 0, sizeof *w);
    w->skill = "Go";
    u.availability = apr_array_make(p, 2, sizeof(sb_availability_t));
    for (i = 0; i < 2; i++) {
        d = apr_array_push(u.availability);
        d->day = i ? "Sunday" : "Monday";
        d->time_slots = apr_array_make(p, 2, sizeof(sb_time_slot_t));
        s = apr_array_push(d->time_slots);
        s->start_time = "09:00";
        s->end_time = "12:30";
        if (!i) {
            s = apr_array_push(d->time_slots);
            s->start_time = "18:00";
            s->end_time = "19:00";
        }
    }
    u.minutes_taught = 95;  /* 1.58 hours */
    u.minutes_learned = 60; /* 1 */
    u.rating = 4.366;
    u.total_reviews = 2;
    u.is_verified = 1;
    u.last_seen = NOW;
    u.created_at = NOW - 86400000LL * 400;
    u.email = "ada/\"l\"@example.org";
    u.role = "admin";
    u.credits = -125; /* -2.08 hours */
    u.total_earned = 6000;
    u.total_spent = 90;
    u.is_active = 1;
    u.email_notifications = 1;
    u.updated_at = NOW - 5;
    r = apr_array_push(rv);
    memset(r, 0, sizeof *r);
    strcpy(r->id, "665f1c2e9b1e8a3d4c5b6a70");
    strcpy(r->reviewer_id, "665f1c2e9b1e8a3d4c5b6a71");
    r->reviewer_name = "Bob \"B\" Smith";
    r->reviewer_picture = "/uploads/b.png";
    r->rating = 5;
    r->feedback = "Great/clear\r\n";
    r->would_recommend = 1;
    r->created_at = NOW - 1000;
    r = apr_array_push(rv);
    memset(r, 0, sizeof *r);
    strcpy(r->id, "665f1c2e9b1e8a3d4c5b6a72");
    strcpy(r->reviewer_id, "665f1c2e9b1e8a3d4c5b6a73");
    r->rating = 1;
    r->would_recommend = -1;
    r->created_at = NOW - 2000;
    same_profile(p, &u, rv);
    r->would_recommend = 0;
    same_profile(p, &u, rv);
}

/* A new account: nothing set, no lists, never seen, no reviews. */
static void test_empty_profile(void **state)
{
    apr_pool_t *p = *state;
    sb_user_t u;
    int k;

    memset(&u, 0, sizeof u);
    strcpy(u.id, "665f1c2e9b1e8a3d4c5b6a79");
    u.username = "new";
    u.first_name = "N";
    u.last_name = "";
    same_profile(p, &u, NULL);
    u.email = "n@example.org"; /* the own view too: no role, no balance, never updated */
    same_profile(p, &u, NULL);
    same_profile(p, &u, apr_array_make(p, 1, sizeof(sb_review_t)));
    /* every rating step and a range of hours, as json-c prints them */
    for (k = 0; k <= 500; k += 7) {
        u.rating = k / 100.0 + 0.001;
        u.minutes_taught = k * 13;
        u.minutes_learned = k;
        u.credits = k * 7 - 900;
        u.is_banned = k & 1;
        same_profile(p, &u, NULL);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_full_profile),
    T(test_empty_profile),
};

SB_TEST_MAIN("public_text", tests)
