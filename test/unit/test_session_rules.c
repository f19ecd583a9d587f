/* sb_session_rules: state machine, credit arithmetic, settlement, join window, availability. */
#include "sb_test.h"

#include <string.h>

#include "sb_model.h"
#include "sb_session_rules.h"
#include "sb_time.h"

static void test_every_transition(void **state)
{
    /* the whole table: expected[from][action], -1 = illegal */
    static const int P = SB_SESSION_PENDING, S = SB_SESSION_SCHEDULED, I = SB_SESSION_IN_PROGRESS;
    int from, action;

    for (from = 0; from < SB_SESSION_NSTATUS; from++) {
        for (action = 0; action < SB_SESSION_NACTION; action++) {
            int want = -1;
            switch (action) {
            case SB_SESSION_ACCEPT:
                want = from == P ? S : -1;
                break;
            case SB_SESSION_DECLINE:
                want = from == P ? SB_SESSION_DECLINED : -1;
                break;
            case SB_SESSION_CANCEL:
                want = from == P || from == S ? SB_SESSION_CANCELLED : -1;
                break;
            case SB_SESSION_RESCHEDULE:
                want = from == P || from == S ? P : -1;
                break;
            case SB_SESSION_START:
                want = from == S ? I : -1;
                break;
            case SB_SESSION_END:
                want = from == I ? SB_SESSION_COMPLETED : -1;
                break;
            case SB_SESSION_EXPIRE:
                want = from == P ? SB_SESSION_EXPIRED : -1;
                break;
            case SB_SESSION_MARK_NO_SHOW:
                want = from == S ? SB_SESSION_NO_SHOW : -1;
                break;
            case SB_SESSION_ABANDON:
                want = from == I ? SB_SESSION_ABANDONED : -1;
                break;
            }
            assert_int_equal(sb_session_transition(from, action), want);
        }
    }
    assert_int_equal(sb_session_transition(SB_SESSION_PENDING, SB_SESSION_NACTION), -1);
}

static void test_status_names(void **state)
{
    int s;

    for (s = 0; s < SB_SESSION_NSTATUS; s++) {
        assert_int_equal(sb_session_status_parse(sb_session_status_name(s)), s);
    }
    assert_string_equal(sb_session_status_name(SB_SESSION_IN_PROGRESS), "in_progress");
    assert_null(sb_session_status_name(SB_SESSION_NSTATUS));
    assert_int_equal(sb_session_status_parse("done"), -1);
    assert_int_equal(sb_session_status_parse(NULL), -1);
    assert_true(sb_session_status_holds(SB_SESSION_PENDING));
    assert_true(sb_session_status_holds(SB_SESSION_IN_PROGRESS));
    assert_false(sb_session_status_holds(SB_SESSION_COMPLETED));
    assert_false(sb_session_status_holds(SB_SESSION_EXPIRED));
    /* a request message shows its session's status in the spec's terms */
    assert_string_equal(sb_session_request_status("pending"), "pending");
    assert_string_equal(sb_session_request_status("scheduled"), "accepted");
    assert_string_equal(sb_session_request_status("completed"), "accepted");
    assert_string_equal(sb_session_request_status("declined"), "declined");
    assert_string_equal(sb_session_request_status("expired"), "expired");
    assert_string_equal(sb_session_request_status("cancelled"), "cancelled");
}

static void test_durations(void **state)
{
    int64_t m;
    int ok = 0;

    for (m = -15; m <= 300; m++) {
        ok += sb_session_duration_valid(m);
    }
    assert_int_equal(ok, 16);
    assert_true(sb_session_duration_valid(15));
    assert_true(sb_session_duration_valid(240));
    assert_false(sb_session_duration_valid(0));
    assert_false(sb_session_duration_valid(20));
    assert_false(sb_session_duration_valid(255));
}

static void test_credit_hours(void **state)
{
    apr_pool_t *p = *state;
    int64_t m = -1;

    assert_string_equal(sb_credits_hours(p, 15), "0.25");
    assert_string_equal(sb_credits_hours(p, 60), "1");
    assert_string_equal(sb_credits_hours(p, 90), "1.5");
    assert_string_equal(sb_credits_hours(p, 10), "0.17");
    assert_string_equal(sb_credits_hours(p, 1), "0.02");
    assert_string_equal(sb_credits_hours(p, 0), "0");
    assert_string_equal(sb_credits_hours(p, -30), "-0.5");
    assert_string_equal(sb_credits_hours(p, 300), "5");
    assert_int_equal(sb_credits_hundredths(45), 75);
    assert_int_equal(sb_credits_hundredths(-45), -75);
    assert_int_equal(sb_credits_parse_hours("0.25", &m), 0);
    assert_int_equal(m, 15);
    assert_int_equal(sb_credits_parse_hours("2", &m), 0);
    assert_int_equal(m, 120);
    assert_int_equal(sb_credits_parse_hours("1.5", &m), 0);
    assert_int_equal(m, 90);
    assert_int_equal(sb_credits_parse_hours("0.05", &m), 0);
    assert_int_equal(m, 3);
    assert_int_equal(sb_credits_parse_hours("0.01", &m), -1);
    assert_int_equal(sb_credits_parse_hours("0", &m), -1);
    assert_int_equal(sb_credits_parse_hours("1.", &m), -1);
    assert_int_equal(sb_credits_parse_hours(".5", &m), -1);
    assert_int_equal(sb_credits_parse_hours("1.255", &m), -1);
    assert_int_equal(sb_credits_parse_hours("-1", &m), -1);
    assert_int_equal(sb_credits_parse_hours("99999999999", &m), -1);
    assert_int_equal(sb_credits_parse_hours(NULL, &m), -1);
}

static void test_settle(void **state)
{
    const int64_t t0 = 1750000000000LL, min = 60000;
    int64_t paid, refund;

    sb_session_settle(60, 60, t0, t0 + 60 * min, &paid, &refund);
    assert_int_equal(paid, 60);
    assert_int_equal(refund, 0);
    /* whole minutes, never rounded up */
    sb_session_settle(60, 60, t0, t0 + 29 * min + 59999, &paid, &refund);
    assert_int_equal(paid, 29);
    assert_int_equal(refund, 31);
    /* capped at the planned duration */
    sb_session_settle(30, 30, t0, t0 + 300 * min, &paid, &refund);
    assert_int_equal(paid, 30);
    assert_int_equal(refund, 0);
    /* never started or clock backwards: nothing paid */
    sb_session_settle(45, 45, 0, t0, &paid, &refund);
    assert_int_equal(paid, 0);
    assert_int_equal(refund, 45);
    sb_session_settle(45, 45, t0, t0 - min, &paid, &refund);
    assert_int_equal(paid, 0);
    assert_int_equal(refund, 45);
}

static void test_join_window(void **state)
{
    const int64_t t0 = 1750000000000LL, min = 60000;

    assert_false(sb_session_join_open(t0 - 10 * min - 1, t0, 30));
    assert_true(sb_session_join_open(t0 - 10 * min, t0, 30));
    assert_true(sb_session_join_open(t0 + 30 * min, t0, 30));
    assert_false(sb_session_join_open(t0 + 30 * min + 1, t0, 30));
    assert_true(sb_interval_overlap(0, 10, 9, 20));
    assert_false(sb_interval_overlap(0, 10, 10, 20));
}

static apr_array_header_t *one_slot(apr_pool_t *p, const char *day, const char *a, const char *b)
{
    apr_array_header_t *av = apr_array_make(p, 1, sizeof(sb_availability_t));
    sb_availability_t *d = apr_array_push(av);
    sb_time_slot_t *s;

    d->day = day;
    d->time_slots = apr_array_make(p, 1, sizeof(sb_time_slot_t));
    s = apr_array_push(d->time_slots);
    s->start_time = a;
    s->end_time = b;
    return av;
}

static int64_t at(const char *iso)
{
    int64_t ms;
    assert_int_equal(sb_time_parse_iso(iso, &ms), 0);
    return ms;
}

/* A Monday 09:00-12:00 slot in Berlin: 08:00Z in winter, 07:00Z after the spring change. */
static void test_availability_dst(void **state)
{
    apr_pool_t *p = *state;
    sb_tz_t *z = sb_tz_load(p, "Europe/Berlin");
    apr_array_header_t *av = one_slot(p, "Monday", "09:00", "12:00");

    assert_non_null(z);
    assert_true(sb_session_in_availability(z, av, at("2025-03-24T08:00:00Z"), 60));
    assert_false(sb_session_in_availability(z, av, at("2025-03-24T07:00:00Z"), 60));
    assert_true(sb_session_in_availability(z, av, at("2025-03-31T07:00:00Z"), 60));
    assert_true(sb_session_in_availability(z, av, at("2025-03-31T09:00:00+02:00"), 180));
    assert_false(sb_session_in_availability(z, av, at("2025-03-31T09:00:00+02:00"), 195));
    assert_false(sb_session_in_availability(z, av, at("2025-03-31T11:30:00+02:00"), 60));
    assert_false(sb_session_in_availability(z, av, at("2025-04-01T07:00:00Z"), 60));
    assert_false(sb_session_in_availability(z, NULL, at("2025-03-31T07:00:00Z"), 60));
}

/* The local date decides the weekday: Sunday 23:30Z is Monday 01:30 in Berlin (CEST). */
static void test_availability_local_day(void **state)
{
    apr_pool_t *p = *state;
    sb_tz_t *z = sb_tz_load(p, "Europe/Berlin");
    sb_tz_t *utc = sb_tz_load(p, "UTC");
    apr_array_header_t *av = one_slot(p, "Monday", "01:00", "02:00");

    assert_non_null(utc);
    assert_true(sb_session_in_availability(z, av, at("2025-06-01T23:30:00Z"), 30));
    assert_false(sb_session_in_availability(utc, av, at("2025-06-01T23:30:00Z"), 30));
    assert_true(sb_session_in_availability(utc, av, at("2025-06-02T01:00:00Z"), 60));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_durations),
        cmocka_unit_test_setup_teardown(test_credit_hours, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test(test_settle),
        cmocka_unit_test(test_join_window),
        cmocka_unit_test_setup_teardown(test_availability_dst, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_availability_local_day, sb_test_pool_setup,
                                        sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("session_rules", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
