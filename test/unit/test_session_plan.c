/*
 * The store's transition planner of sessions (sb_session_plan.h, shared by the drivers):
 * who may do what and when, the status and field a refusal names, the keyed moves of a
 * release and of a penalty, the hold and a dispute's refund.
 */
#include "sb_test.h"

#include <string.h>

#include "sb_session_plan.h"

#define ID      "65a1b2c3d4e5f60718293a4b" /* the teacher */
#define ID2     "65a1b2c3d4e5f60718293a4c" /* the learner */
#define SID     "65a1b2c3d4e5f60718293a4d"
#define T0      1750000000000LL
#define MIN     60000LL
#define HOUR_MS (60 * MIN)

/* A pending request of 60 minutes at T0, booked at T0 - 1 s. */
static void booked(apr_pool_t *p, sb_session_t *o)
{
    memset(o, 0, sizeof(*o));
    strcpy(o->id, SID);
    strcpy(o->teacher_id, ID);
    strcpy(o->student_id, ID2);
    o->skill = "Guitar";
    o->status = "pending";
    o->scheduled_time = T0;
    o->duration = 60;
    o->escrow = 60;
    o->reminders_sent = "[]";
    o->created_at = o->updated_at = T0 - 1000;
}

static void test_hold_and_refund(void **state)
{
    apr_pool_t *p = *state;
    sb_session_new_t s = {SID, ID, ID2, "Guitar", NULL, NULL, T0, 45, "r", NULL, NULL};
    sb_session_move_t m;
    sb_session_plan_t plan;
    sb_session_t o;

    sb_session_plan_hold(p, &s, &m);
    assert_string_equal(m.key, SID ":hold");
    assert_string_equal(m.user_id, ID2);
    assert_string_equal(m.type, "spent");
    assert_string_equal(m.category, "learning");
    assert_string_equal(m.description, "Credits held for session: Guitar");
    assert_int_equal(m.amount, -45);
    booked(p, &o);
    sb_session_plan_refund(p, &o, 20, "half", &plan);
    assert_int_equal(plan.n, 2);
    assert_string_equal(plan.m[0].key, SID ":dispute:teacher");
    assert_string_equal(plan.m[0].user_id, ID);
    assert_int_equal(plan.m[0].amount, -20);
    assert_int_equal(plan.m[0].earned, -20);
    assert_string_equal(plan.m[0].admin_note, "half");
    assert_string_equal(plan.m[1].key, SID ":dispute:learner");
    assert_int_equal(plan.m[1].amount, 20);
    assert_int_equal(plan.m[1].spent, -20);
    sb_session_plan_refund(p, &o, 0, NULL, &plan);
    assert_int_equal(plan.n, 0);
}

static void test_refusals_name_the_status_and_field(void **state)
{
    apr_pool_t *p = *state;
    sb_session_act_t a = {
        .id = SID, .actor_id = "65a1b2c3d4e5f60718293a4f", .action = SB_SESSION_ACCEPT};
    sb_session_t o, n;
    sb_session_plan_t plan;
    sb_store_error_t err;

    booked(p, &o);
    /* not a participant: the session is not there for them */
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_NOT_FOUND);
    /* the learner cannot accept their own request */
    a.actor_id = ID2;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_REFUSED);
    assert_string_equal(err.field, "action");
    /* a job's transition asked by a participant, a participant's by the jobs */
    a.action = SB_SESSION_EXPIRE;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0, &plan, &err), SB_STORE_REFUSED);
    a.actor_id = NULL;
    a.action = SB_SESSION_ACCEPT;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0, &plan, &err), SB_STORE_REFUSED);
    /* expiry before the start */
    a.action = SB_SESSION_EXPIRE;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - 1, &plan, &err), SB_STORE_REFUSED);
    assert_string_equal(err.field, "scheduledTime");
    /* an illegal transition names the current status */
    o.status = "completed";
    a.actor_id = ID;
    a.action = SB_SESSION_CANCEL;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_STALE);
    assert_string_equal(err.field, "completed");
    /* the room opens 10 minutes before the start */
    o.status = "scheduled";
    a.action = SB_SESSION_START;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - 11 * MIN, &plan, &err), SB_STORE_REFUSED);
    /* a cancel after the start */
    a.action = SB_SESSION_CANCEL;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0, &plan, &err), SB_STORE_REFUSED);
    assert_string_equal(err.field, "scheduledTime");
}

static void test_release_with_and_without_penalty(void **state)
{
    apr_pool_t *p = *state;
    sb_session_act_t a = {
        .id = SID, .actor_id = ID2, .action = SB_SESSION_CANCEL, .reason = "busy", .penalty = -1};
    sb_session_t o, n;
    sb_session_plan_t plan;
    sb_store_error_t err;

    booked(p, &o);
    /* the learner cancels within 24 h: the hold back, then the whole hold as penalty */
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_OK);
    assert_string_equal(n.status, "cancelled");
    assert_string_equal(n.cancelled_by, ID2);
    assert_string_equal(n.cancel_reason, "busy");
    assert_int_equal(n.escrow, 0);
    assert_int_equal(plan.n, 2);
    assert_string_equal(plan.m[0].key, SID ":release");
    assert_string_equal(plan.m[0].type, "refund");
    assert_int_equal(plan.m[0].amount, 60);
    assert_string_equal(plan.m[0].description, "Hold released (cancelled): Guitar");
    assert_string_equal(plan.m[1].key, SID ":penalty");
    assert_string_equal(plan.m[1].type, "penalty");
    assert_int_equal(plan.m[1].amount, -60);
    /* two days ahead: no penalty; by the teacher: none either */
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - 48 * HOUR_MS, &plan, &err), SB_STORE_OK);
    assert_int_equal(plan.n, 1);
    a.actor_id = ID;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_OK);
    assert_int_equal(plan.n, 1);
    /* decline: released in full, the request message says so */
    a.action = SB_SESSION_DECLINE;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_OK);
    assert_int_equal(plan.n, 1);
    assert_string_equal(plan.mirror, "declined");
    /* no-show with only the teacher there: the learner pays the penalty (capped at the hold) */
    o.status = "scheduled";
    o.teacher_joined_at = T0;
    a.actor_id = NULL;
    a.action = SB_SESSION_MARK_NO_SHOW;
    a.penalty = 500;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 + 14 * MIN, &plan, &err), SB_STORE_REFUSED);
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 + 15 * MIN, &plan, &err), SB_STORE_OK);
    assert_string_equal(n.status, "no_show");
    assert_int_equal(plan.n, 2);
    assert_int_equal(plan.m[1].amount, -60);
    /* an already released hold moves nothing */
    o.escrow = 0;
    a.penalty = 0;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 + 15 * MIN, &plan, &err), SB_STORE_OK);
    assert_int_equal(plan.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
        T(test_hold_and_refund),
        T(test_refusals_name_the_status_and_field),
        T(test_release_with_and_without_penalty),
#undef T
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("session_plan", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
