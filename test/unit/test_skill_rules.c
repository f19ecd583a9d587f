/* Skill and availability rules, and the local-time conversion availability relies on. */
#include "sb_test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <apr_strings.h>

#include "sb_model.h"
#include "sb_skill_rules.h"
#include "sb_tz.h"

static json_object *J(apr_pool_t *p, const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    apr_pool_cleanup_register(p, o, (apr_status_t(*)(void *))json_object_put,
                              apr_pool_cleanup_null);
    return o;
}

/* The field names of err, comma-joined ("" when none). */
static const char *fields(apr_pool_t *p, const sb_error_t *err)
{
    const char *s = "";
    int i;
    for (i = 0; err->fields && i < err->fields->nelts; i++) {
        s = apr_pstrcat(p, s, i ? "," : "", APR_ARRAY_IDX(err->fields, i, sb_field_error_t).field,
                        NULL);
    }
    return s;
}

static void test_enums(void **state)
{
    int m;
    (void)state;
    assert_int_equal(sb_enum_index(sb_categories, "Cooking"), 6);
    assert_int_equal(sb_enum_index(sb_categories, "cooking"), -1);
    assert_null(sb_categories[SB_CATEGORY_COUNT]);
    assert_int_equal(sb_enum_index(sb_days, "Sunday"), 6);
    assert_true(sb_parse_hhmm("00:00", &m) && m == 0);
    assert_true(sb_parse_hhmm("23:59", &m) && m == 1439);
    assert_false(sb_parse_hhmm("24:00", &m));
    assert_false(sb_parse_hhmm("9:00", &m));
    assert_false(sb_parse_hhmm("09:0", &m));
    assert_false(sb_parse_hhmm("09-00", &m));
    assert_false(sb_parse_hhmm("09:60", &m));
    assert_false(sb_parse_hhmm(NULL, &m));
}

static void test_offered(void **state)
{
    apr_pool_t *p = *state;
    sb_error_t err = {0};
    apr_array_header_t *a;
    const sb_skill_offered_t *s;

    assert_true(
        sb_skills_offered_parse(p,
                                J(p, "[{\"skill\":\" Python \",\"category\":\"Technology\"},"
                                     "{\"skill\":\"Bread\",\"experience\":\"Expert\","
                                     "\"description\":\"sourdough\",\"category\":null}]"),
                                "skills", &a, &err));
    assert_int_equal(a->nelts, 2);
    s = &APR_ARRAY_IDX(a, 0, sb_skill_offered_t);
    assert_string_equal(s->skill, "Python");
    assert_string_equal(s->experience, "Intermediate");
    assert_null(s->description);
    assert_false(s->verified);
    s = &APR_ARRAY_IDX(a, 1, sb_skill_offered_t);
    assert_null(s->category);
    assert_string_equal(s->experience, "Expert");
}

static void test_offered_errors(void **state)
{
    apr_pool_t *p = *state;
    static const struct {
        const char *json, *fields;
    } cases[] = {
        {"[{\"skill\":\"a\",\"verified\":true}]", "skills.0.verified"},
        {"[{\"skill\":\"a\"},{\"skill\":\"A\"}]", "skills.1.skill"},
        {"[{\"skill\":\"a\"},{\"skill\":\"b\"},{\"skill\":\"c\"},{\"skill\":\"d\",\"category\":"
         "\"X\"}]",
         "skills.3.category"},
        {"[{\"skill\":\"a\",\"experience\":\"Guru\"}]", "skills.0.experience"},
        {"[{\"skill\":1}]", "skills.0.skill"},
        {"[{}]", "skills.0.skill"},
        {"[7]", "skills.0"},
        {"{\"skill\":\"a\"}", "skills"},
        {"[{\"skill\":\"a\\u0000b\"}]", "skills.0.skill"},
        {"[{\"skill\":\"ok\",\"description\":\"x\",\"price\":3}]", "skills.0.price"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_error_t err = {0};
        apr_array_header_t *a;
        assert_false(sb_skills_offered_parse(p, J(p, cases[i].json), "skills", &a, &err));
        assert_string_equal(fields(p, &err), cases[i].fields);
        assert_int_equal(err.status, 400);
    }
}

static void test_lengths_and_count(void **state)
{
    apr_pool_t *p = *state;
    sb_error_t err = {0};
    apr_array_header_t *a;
    const char *list = "[";
    char name51[52], desc201[202];
    int i;

    memset(name51, 'n', 51);
    name51[51] = '\0';
    memset(desc201, 'd', 201);
    desc201[201] = '\0';
    assert_true(sb_skills_offered_parse(
        p,
        J(p,
          apr_psprintf(p, "[{\"skill\":\"%.50s\",\"description\":\"%.200s\"}]", name51, desc201)),
        "skills", &a, &err));
    assert_false(sb_skills_offered_parse(
        p, J(p, apr_psprintf(p, "[{\"skill\":\"%s\",\"description\":\"%s\"}]", name51, desc201)),
        "skills", &a, &err));
    assert_string_equal(fields(p, &err), "skills.0.skill,skills.0.description");
    for (i = 0; i < SB_SKILLS_MAX + 1; i++) {
        list = apr_psprintf(p, "%s%s{\"skill\":\"s%d\"}", list, i ? "," : "", i);
    }
    memset(&err, 0, sizeof err);
    assert_false(
        sb_skills_wanted_parse(p, J(p, apr_pstrcat(p, list, "]", NULL)), "skills", &a, &err));
    assert_string_equal(fields(p, &err), "skills");
}

static void test_wanted(void **state)
{
    apr_pool_t *p = *state;
    sb_error_t err = {0};
    apr_array_header_t *a;
    const sb_skill_wanted_t *s;

    assert_true(sb_skills_wanted_parse(p, J(p, "[{\"skill\":\"Tango\",\"category\":\"Sports\"}]"),
                                       "skills", &a, &err));
    s = &APR_ARRAY_IDX(a, 0, sb_skill_wanted_t);
    assert_string_equal(s->level, "Beginner");
    assert_string_equal(s->priority, "Medium");
    assert_false(sb_skills_wanted_parse(
        p, J(p, "[{\"skill\":\"x\",\"priority\":\"Now\",\"level\":1}]"), "skills", &a, &err));
    assert_string_equal(fields(p, &err), "skills.0.level,skills.0.priority");
}

static void test_availability(void **state)
{
    apr_pool_t *p = *state;
    sb_error_t err = {0};
    apr_array_header_t *a;
    const sb_availability_t *d;

    assert_true(sb_availability_parse(
        p,
        J(p, "[{\"day\":\"Sunday\",\"timeSlots\":[{\"startTime\":\"13:00\",\"endTime\":\"14:00\"},"
             "{\"startTime\":\"08:00\",\"endTime\":\"13:00\"}]},{\"day\":\"Monday\"}]"),
        "availability", &a, &err));
    assert_int_equal(a->nelts, 2);
    d = &APR_ARRAY_IDX(a, 0, sb_availability_t);
    assert_string_equal(d->day, "Monday");
    assert_int_equal(d->time_slots->nelts, 0);
    d = &APR_ARRAY_IDX(a, 1, sb_availability_t);
    assert_string_equal(APR_ARRAY_IDX(d->time_slots, 0, sb_time_slot_t).start_time, "08:00");
    assert_string_equal(APR_ARRAY_IDX(d->time_slots, 1, sb_time_slot_t).start_time, "13:00");
}

static void test_availability_errors(void **state)
{
    apr_pool_t *p = *state;
    static const struct {
        const char *json, *fields;
    } cases[] = {
        {"[{\"day\":\"Someday\"}]", "availability.0.day"},
        {"[{\"day\":\"Monday\"},{\"day\":\"Monday\"}]", "availability.1.day"},
        {"[{\"day\":\"Monday\",\"timeSlots\":[{\"startTime\":\"10:00\",\"endTime\":\"09:00\"}]}]",
         "availability.0.timeSlots.0.endTime"},
        {"[{\"day\":\"Monday\",\"timeSlots\":[{\"startTime\":\"7:00\",\"endTime\":\"25:00\"}]}]",
         "availability.0.timeSlots.0.startTime,availability.0.timeSlots.0.endTime"},
        {"[{\"day\":\"Monday\",\"timeSlots\":[{\"startTime\":\"09:00\",\"endTime\":\"10:00\"},"
         "{\"startTime\":\"09:59\",\"endTime\":\"11:00\"}]}]",
         "availability.0.timeSlots"},
        {"[{\"day\":\"Monday\",\"timeSlots\":[{\"startTime\":\"09:00\",\"endTime\":\"10:00\","
         "\"note\":1}]}]",
         "availability.0.timeSlots.0.note"},
        {"[{\"day\":\"Monday\",\"timeSlots\":{}}]", "availability.0.timeSlots"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_error_t err = {0};
        apr_array_header_t *a;
        assert_false(sb_availability_parse(p, J(p, cases[i].json), "availability", &a, &err));
        assert_string_equal(fields(p, &err), cases[i].fields);
    }
}

/* ---- time zones ---- */

static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
    return (sb_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static void test_civil(void **state)
{
    (void)state;
    assert_int_equal(sb_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(sb_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(sb_weekday(2025, 3, 30), 6); /* a Sunday */
    assert_int_equal(sb_weekday(1970, 1, 1), 3);  /* a Thursday */
}

/* A 09:00-17:00 slot stays 09:00 local across both Paris changes (30 Mar and 26 Oct 2025),
 * and after the table ends (2040, from the footer rule). */
static void test_slot_across_dst(void **state)
{
    apr_pool_t *p = *state;
    sb_tz_t *z = sb_tz_load(p, "Europe/Paris");
    int64_t s, e;

    assert_non_null(z);
    assert_true(sb_tz_slot_utc(z, 2025, 3, 28, "09:00", "17:00", &s, &e));
    assert_true(s == utc_ms(2025, 3, 28, 8, 0) && e == utc_ms(2025, 3, 28, 16, 0));
    assert_true(sb_tz_slot_utc(z, 2025, 3, 31, "09:00", "17:00", &s, &e));
    assert_true(s == utc_ms(2025, 3, 31, 7, 0) && e == utc_ms(2025, 3, 31, 15, 0));
    assert_true(sb_tz_slot_utc(z, 2025, 10, 24, "09:00", "17:00", &s, &e));
    assert_true(s == utc_ms(2025, 10, 24, 7, 0));
    assert_true(sb_tz_slot_utc(z, 2025, 10, 27, "09:00", "17:00", &s, &e));
    assert_true(s == utc_ms(2025, 10, 27, 8, 0));
    assert_true(sb_tz_slot_utc(z, 2040, 7, 2, "09:00", "10:00", &s, &e));
    assert_true(s == utc_ms(2040, 7, 2, 7, 0));
    assert_true(sb_tz_slot_utc(z, 2040, 1, 10, "09:00", "10:00", &s, &e));
    assert_true(s == utc_ms(2040, 1, 10, 8, 0));
    /* the skipped half hour resolves forward; the repeated one to its first occurrence */
    assert_true(sb_tz_local_to_utc(z, 2025, 3, 30, 150) * 1000 == utc_ms(2025, 3, 30, 1, 30));
    assert_true(sb_tz_local_to_utc(z, 2025, 10, 26, 150) * 1000 == utc_ms(2025, 10, 26, 0, 30));
    assert_false(sb_tz_slot_utc(z, 2025, 2, 30, "09:00", "10:00", &s, &e));
    assert_false(sb_tz_slot_utc(z, 2025, 2, 3, "9:00", "10:00", &s, &e));
}

static void test_other_zones(void **state)
{
    apr_pool_t *p = *state;
    sb_tz_t *syd = sb_tz_load(p, "Australia/Sydney"), *ny = sb_tz_load(p, "America/New_York");
    sb_tz_t *kol = sb_tz_load(p, "Asia/Kolkata"), *utc = sb_tz_load(p, "UTC");
    int64_t s, e;

    assert_non_null(syd);
    assert_non_null(ny);
    assert_non_null(kol);
    assert_non_null(utc);
    assert_true(sb_tz_slot_utc(syd, 2025, 1, 15, "09:00", "10:00", &s, &e));
    assert_true(s == utc_ms(2025, 1, 14, 22, 0));
    assert_true(sb_tz_slot_utc(syd, 2045, 7, 15, "09:00", "10:00", &s, &e));
    assert_true(s == utc_ms(2045, 7, 14, 23, 0));
    assert_true(sb_tz_slot_utc(ny, 2030, 3, 8, "09:00", "10:00", &s, &e));
    assert_true(s == utc_ms(2030, 3, 8, 14, 0));
    assert_true(sb_tz_slot_utc(ny, 2030, 3, 11, "09:00", "10:00", &s, &e));
    assert_true(s == utc_ms(2030, 3, 11, 13, 0));
    assert_true(sb_tz_slot_utc(kol, 2025, 6, 1, "09:00", "10:00", &s, &e));
    assert_true(s == utc_ms(2025, 6, 1, 3, 30));
    assert_true(sb_tz_slot_utc(utc, 2025, 6, 1, "09:00", "10:00", &s, &e));
    assert_true(s == utc_ms(2025, 6, 1, 9, 0));
    assert_null(sb_tz_load(p, "Mars/Olympus"));
    assert_null(sb_tz_load(p, "../../etc/passwd"));
    assert_null(sb_tz_parse(p, (const unsigned char *)"TZif2", 5));
}

/* The offsets agree with glibc's (same tz files) over 1970..2070 in several zones. This test
 * alone sets TZ (it is single-threaded); the module never does. */
static void test_offsets_match_libc(void **state)
{
    apr_pool_t *p = *state;
    static const char *const zones[] = {"Europe/Paris",
                                        "America/New_York",
                                        "Australia/Sydney",
                                        "Asia/Kolkata",
                                        "America/Sao_Paulo",
                                        "Pacific/Auckland",
                                        "Europe/London",
                                        "America/Santiago",
                                        "Asia/Tehran",
                                        "Pacific/Chatham",
                                        NULL};
    int i;

    for (i = 0; zones[i]; i++) {
        sb_tz_t *z = sb_tz_load(p, zones[i]);
        int64_t t;
        assert_non_null(z);
        setenv("TZ", zones[i], 1);
        tzset();
        for (t = 0; t < 3155760000LL; t += 86400 * 3 + 3607) {
            struct tm tm;
            time_t tt = (time_t)t;
            localtime_r(&tt, &tm);
            if (sb_tz_offset(z, t) != tm.tm_gmtoff) {
                fail_msg("%s at %lld: %d vs libc %ld", zones[i], (long long)t, sb_tz_offset(z, t),
                         tm.tm_gmtoff);
            }
        }
    }
    unsetenv("TZ");
    tzset();
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_enums),
        T(test_offered),
        T(test_offered_errors),
        T(test_lengths_and_count),
        T(test_wanted),
        T(test_availability),
        T(test_availability_errors),
        T(test_civil),
        T(test_slot_across_dst),
        T(test_other_zones),
        T(test_offsets_match_libc),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("skill_rules", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
