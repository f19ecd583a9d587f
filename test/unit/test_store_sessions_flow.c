/*
 * Store conformance: sessions and the credit economy — booking holds credits, every
 * transition is a compare-and-set that applies once, settlement pays measured minutes, the
 * jobs' transitions (expiry, no-show, abandonment, reminders), reviews with an exact mean,
 * disputes; after every step the ledger is balanced.
 */
#include "sb_store_fixture.h"

#define MIN (60LL * 1000)
#define T0  (NOW + 48 * HOUR) /* a start two days after NOW */

typedef struct {
    sb_user_t *teacher, *student;
} pair_t;

static pair_t mk_pair(sb_fx_t *fx)
{
    pair_t pr;

    pr.teacher = mk_user(fx, "teach", "teach@example.com");
    pr.student = mk_user(fx, "learn", "learn@example.com");
    return pr;
}

static int64_t credits(sb_fx_t *fx, const char *id)
{
    sb_credit_balance_t b;
    sb_store_error_t err;

    assert_int_equal(sb_store_credit_balance(fx->conn, id, &b, &err), SB_STORE_OK);
    return b.available;
}

static int64_t held(sb_fx_t *fx, const char *id)
{
    sb_credit_balance_t b;
    sb_store_error_t err;

    assert_int_equal(sb_store_credit_balance(fx->conn, id, &b, &err), SB_STORE_OK);
    return b.held;
}

/* Book a session; returns its status and the session id in id. */
static sb_store_status_t book(sb_fx_t *fx, const pair_t *pr, int64_t start, int64_t duration,
                              char *id, int64_t *available)
{
    char room[SB_ID_LEN + 1];
    sb_session_new_t s = {0};
    sb_store_error_t err;
    sb_session_t *out = NULL;
    sb_store_status_t st;

    sb_id_new(id);
    sb_id_new(room);
    s.id = id;
    s.teacher_id = pr->teacher->id;
    s.student_id = pr->student->id;
    s.skill = "Guitar";
    s.scheduled_time = start;
    s.duration = duration;
    s.room_id = apr_pstrdup(fx->pool, room);
    st = sb_store_session_create(fx->conn, fx->pool, &s, NULL, 0, NULL, NOW, &out, available, &err);
    if (st == SB_STORE_OK) {
        assert_non_null(out);
        assert_string_equal(out->status, "pending");
        assert_int_equal(out->escrow, duration);
    }
    return st;
}

static sb_store_status_t act(sb_fx_t *fx, const char *id, const char *actor,
                             sb_session_action_t action, int64_t now, sb_session_t **out,
                             sb_store_error_t *err)
{
    sb_session_act_t a = {.id = id, .actor_id = actor, .action = action};

    return sb_store_session_act(fx->conn, fx->pool, &a, now, out, err);
}

static void must(sb_fx_t *fx, const char *id, const char *actor, sb_session_action_t action,
                 int64_t now, const char *want_status)
{
    sb_session_t *s = NULL;
    sb_store_error_t err;

    assert_int_equal(act(fx, id, actor, action, now, &s, &err), SB_STORE_OK);
    assert_string_equal(s->status, want_status);
}

static void test_booking_holds_credits(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char id[SB_ID_LEN + 1];
    apr_array_header_t *rows;
    int64_t total;
    sb_store_error_t err;
    const sb_credit_tx_t *t;

    assert_int_equal(book(fx, &pr, T0, 15, id, NULL), SB_STORE_OK);
    assert_int_equal(credits(fx, pr.student->id), 300 - 15);
    assert_int_equal(held(fx, pr.student->id), 15);
    assert_int_equal(credits(fx, pr.teacher->id), 300);
    assert_int_equal(sb_store_credit_tx_page(fx->conn, fx->pool, pr.student->id, "spent", NULL, 0,
                                             10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    t = &APR_ARRAY_IDX(rows, 0, sb_credit_tx_t);
    assert_int_equal(t->amount, -15);
    assert_int_equal(t->balance_after, 285);
    assert_string_equal(t->related_session, id);
    assert_string_equal(t->category, "learning");
    assert_balanced(fx);
}

static void test_booking_refusals(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char id[SB_ID_LEN + 1], other[SB_ID_LEN + 1];
    sb_store_error_t err;
    int64_t avail = -1;
    pair_t ghost = pr;
    sb_user_t g = *pr.teacher;

    /* more than the balance: INSUFFICIENT with the balance named */
    assert_int_equal(book(fx, &pr, T0, 240, id, &avail), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 10 * HOUR, 75, other, &avail), SB_STORE_INSUFFICIENT);
    assert_int_equal(avail, 60);
    assert_int_equal(credits(fx, pr.student->id), 60);
    /* overlapping an open session of either party */
    assert_int_equal(book(fx, &pr, T0 + 239 * MIN, 15, other, NULL), SB_STORE_CONFLICT);
    assert_int_equal(book(fx, &pr, T0 + 240 * MIN, 15, other, NULL), SB_STORE_OK);
    /* an unknown teacher */
    sb_id_new(g.id);
    ghost.teacher = &g;
    assert_int_equal(book(fx, &ghost, T0 + 20 * HOUR, 15, other, NULL), SB_STORE_NOT_FOUND);
    /* the teacher blocks the learner */
    assert_int_equal(sb_store_user_block(fx->conn, pr.teacher->id, pr.student->id, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 30 * HOUR, 15, other, NULL), SB_STORE_REFUSED);
    assert_int_equal(credits(fx, pr.student->id), 45);
    assert_balanced(fx);
}

static void test_request_message_mirrors_session(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char id[SB_ID_LEN + 1], room[SB_ID_LEN + 1], mid[SB_ID_LEN + 1];
    sb_session_new_t s = {0};
    sb_store_error_t err;
    sb_message_t *m;
    sb_session_t *out;

    sb_id_new(id);
    sb_id_new(room);
    sb_id_new(mid);
    s.id = id;
    s.teacher_id = pr.teacher->id;
    s.student_id = pr.student->id;
    s.skill = "Guitar";
    s.description = "chords";
    s.scheduled_time = T0;
    s.duration = 30;
    s.room_id = room;
    s.message_id = mid;
    s.message_content = "Session request: Guitar";
    assert_int_equal(
        sb_store_session_create(fx->conn, fx->pool, &s, NULL, 0, NULL, NOW, &out, NULL, &err),
        SB_STORE_OK);
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, mid, &m, &err), SB_STORE_OK);
    assert_string_equal(m->message_type, "session_request");
    assert_string_equal(m->sender_id, pr.student->id);
    assert_string_equal(m->receiver_id, pr.teacher->id);
    assert_string_equal(out->description, "chords");
    assert_string_equal(out->room_id, room);
    /* its sessionData is the session as it is now, in a page of the conversation too */
    assert_non_null(m->session);
    assert_string_equal(m->session->session_id, id);
    assert_string_equal(m->session->skill, "Guitar");
    assert_int_equal(m->session->duration, 30);
    assert_int_equal(m->session->proposed_time, T0);
    assert_string_equal(m->session->description, "chords");
    assert_string_equal(m->session->status, "pending");
    must(fx, id, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, mid, &m, &err), SB_STORE_OK);
    assert_string_equal(m->session->status, "accepted");
    assert_string_equal(m->session->session_status, "scheduled");
    must(fx, id, pr.student->id, SB_SESSION_CANCEL, NOW, "cancelled");
    {
        apr_array_header_t *page;
        int more;
        const sb_message_t *pm;
        assert_int_equal(sb_store_conversation_page(fx->conn, fx->pool, pr.teacher->id,
                                                    pr.student->id, 0, NULL, 10, &page, &more,
                                                    &err),
                         SB_STORE_OK);
        assert_int_equal(page->nelts, 1);
        pm = &APR_ARRAY_IDX(page, 0, sb_message_t);
        assert_non_null(pm->session);
        assert_string_equal(pm->session->status, "cancelled");
        assert_string_equal(pm->session->session_status, "cancelled");
    }
}

static void test_accept_decline_parties(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1];
    sb_store_error_t err;
    sb_session_t *s;
    apr_pool_t *p;

    assert_int_equal(book(fx, &pr, T0, 60, a, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 5 * HOUR, 60, b, NULL), SB_STORE_OK);
    /* the learner cannot accept their own request, a stranger does not see it */
    assert_int_equal(act(fx, a, pr.student->id, SB_SESSION_ACCEPT, NOW, &s, &err),
                     SB_STORE_REFUSED);
    assert_string_equal(err.field, "action");
    apr_pool_create(&p, fx->pool);
    assert_int_equal(
        act(fx, a, mk_user(fx, "x", "x@example.com")->id, SB_SESSION_ACCEPT, NOW, &s, &err),
        SB_STORE_NOT_FOUND);
    must(fx, a, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    /* a second accept is a lost compare-and-set naming the status */
    assert_int_equal(act(fx, a, pr.teacher->id, SB_SESSION_ACCEPT, NOW, &s, &err), SB_STORE_STALE);
    assert_string_equal(err.field, "scheduled");
    assert_int_equal(act(fx, a, pr.teacher->id, SB_SESSION_DECLINE, NOW, &s, &err), SB_STORE_STALE);
    must(fx, b, pr.teacher->id, SB_SESSION_DECLINE, NOW, "declined");
    assert_int_equal(credits(fx, pr.student->id), 240);
    assert_int_equal(held(fx, pr.student->id), 60);
    /* accepting a request whose start passed */
    assert_int_equal(act(fx, b, pr.teacher->id, SB_SESSION_ACCEPT, T0 + 6 * HOUR, &s, &err),
                     SB_STORE_STALE);
    assert_balanced(fx);
}

static void test_cancel_and_penalty(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1], c[SB_ID_LEN + 1];
    sb_session_act_t x = {0};
    sb_store_error_t err;
    sb_session_t *s;

    assert_int_equal(book(fx, &pr, T0, 60, a, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 5 * HOUR, 60, b, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 10 * HOUR, 60, c, NULL), SB_STORE_OK);
    /* early cancel by the learner: the whole hold back, penalty or not */
    x.id = a;
    x.actor_id = pr.student->id;
    x.action = SB_SESSION_CANCEL;
    x.penalty = 30;
    x.reason = "busy";
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &x, NOW, &s, &err), SB_STORE_OK);
    assert_string_equal(s->status, "cancelled");
    assert_string_equal(s->cancelled_by, pr.student->id);
    assert_string_equal(s->cancel_reason, "busy");
    assert_int_equal(credits(fx, pr.student->id), 180);
    /* within 24 h by the learner: the penalty */
    x.id = b;
    assert_int_equal(
        sb_store_session_act(fx->conn, fx->pool, &x, T0 + 5 * HOUR - 2 * HOUR, &s, &err),
        SB_STORE_OK);
    assert_int_equal(credits(fx, pr.student->id), 240 - 30);
    /* within 24 h by the teacher: none */
    x.id = c;
    x.actor_id = pr.teacher->id;
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &x, T0 + 10 * HOUR - HOUR, &s, &err),
                     SB_STORE_OK);
    assert_int_equal(credits(fx, pr.student->id), 270);
    assert_int_equal(held(fx, pr.student->id), 0);
    /* twice: STALE, nothing moves */
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &x, NOW, &s, &err), SB_STORE_STALE);
    assert_string_equal(err.field, "cancelled");
    assert_int_equal(credits(fx, pr.student->id), 270);
    assert_balanced(fx);
}

static void test_reschedule_needs_the_other(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1];
    sb_session_act_t x = {0};
    sb_store_error_t err;
    sb_session_t *s;

    assert_int_equal(book(fx, &pr, T0, 60, a, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 5 * HOUR, 60, b, NULL), SB_STORE_OK);
    must(fx, a, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    x.id = a;
    x.actor_id = pr.student->id;
    x.action = SB_SESSION_RESCHEDULE;
    x.scheduled_time = T0 + 5 * HOUR + 30 * MIN; /* overlaps b */
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &x, NOW, &s, &err),
                     SB_STORE_CONFLICT);
    x.scheduled_time = NOW - 1;
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &x, NOW, &s, &err), SB_STORE_REFUSED);
    x.scheduled_time = T0 + HOUR; /* overlaps only itself */
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &x, NOW, &s, &err), SB_STORE_OK);
    assert_string_equal(s->status, "pending");
    assert_string_equal(s->proposed_by, pr.student->id);
    assert_int_equal(s->scheduled_time, T0 + HOUR);
    assert_int_equal(act(fx, a, pr.student->id, SB_SESSION_ACCEPT, NOW, &s, &err),
                     SB_STORE_REFUSED);
    assert_int_equal(act(fx, a, pr.teacher->id, SB_SESSION_ACCEPT, NOW, &s, &err), SB_STORE_OK);
    assert_string_equal(s->status, "scheduled");
    assert_string_equal(s->proposed_by, "");
    assert_int_equal(held(fx, pr.student->id), 120);
    assert_balanced(fx);
}

/* Start by both, end: the teacher is paid the measured whole minutes, the rest returns. */
static void test_join_end_settles_once(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1];
    sb_store_error_t err;
    sb_session_t *s;
    sb_credit_balance_t bt, bs;

    assert_int_equal(book(fx, &pr, T0, 60, a, NULL), SB_STORE_OK);
    /* not yet accepted */
    assert_int_equal(act(fx, a, pr.teacher->id, SB_SESSION_START, T0, &s, &err), SB_STORE_STALE);
    assert_string_equal(err.field, "pending");
    must(fx, a, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    /* outside the window */
    assert_int_equal(act(fx, a, pr.teacher->id, SB_SESSION_START, T0 - 11 * MIN, &s, &err),
                     SB_STORE_REFUSED);
    assert_int_equal(act(fx, a, pr.teacher->id, SB_SESSION_END, T0, &s, &err), SB_STORE_STALE);
    must(fx, a, pr.teacher->id, SB_SESSION_START, T0 - 5 * MIN, "scheduled");
    must(fx, a, pr.teacher->id, SB_SESSION_START, T0 - 4 * MIN, "scheduled");
    must(fx, a, pr.student->id, SB_SESSION_START, T0 + MIN, "in_progress");
    assert_int_equal(
        act(fx, a, pr.student->id, SB_SESSION_END, T0 + MIN + 45 * MIN + 59999, &s, &err),
        SB_STORE_OK);
    assert_string_equal(s->status, "completed");
    assert_int_equal(s->started_at, T0 + MIN);
    assert_int_equal(s->credits_exchanged, 45);
    assert_int_equal(s->actual_duration, 45);
    assert_int_equal(s->escrow, 0);
    assert_int_equal(act(fx, a, pr.teacher->id, SB_SESSION_END, T0 + 2 * HOUR, &s, &err),
                     SB_STORE_STALE);
    assert_string_equal(err.field, "completed");
    assert_int_equal(sb_store_credit_balance(fx->conn, pr.teacher->id, &bt, &err), SB_STORE_OK);
    assert_int_equal(sb_store_credit_balance(fx->conn, pr.student->id, &bs, &err), SB_STORE_OK);
    assert_int_equal(bt.available, 345);
    assert_int_equal(bt.total_earned, 45);
    assert_int_equal(bt.minutes_taught, 45);
    assert_int_equal(bs.available, 255);
    assert_int_equal(bs.held, 0);
    assert_int_equal(bs.total_spent, 45);
    assert_int_equal(bs.minutes_learned, 45);
    assert_balanced(fx);
}

static void test_end_capped_at_plan(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1];
    sb_store_error_t err;
    sb_session_t *s;

    assert_int_equal(book(fx, &pr, T0, 30, a, NULL), SB_STORE_OK);
    must(fx, a, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    must(fx, a, pr.teacher->id, SB_SESSION_START, T0, "scheduled");
    must(fx, a, pr.student->id, SB_SESSION_START, T0, "in_progress");
    assert_int_equal(act(fx, a, pr.teacher->id, SB_SESSION_END, T0 + 5 * HOUR, &s, &err),
                     SB_STORE_OK);
    assert_int_equal(s->credits_exchanged, 30);
    assert_int_equal(credits(fx, pr.teacher->id), 330);
    assert_int_equal(credits(fx, pr.student->id), 270);
    assert_balanced(fx);
}

/* Expiry, no-show (penalty only when the teacher alone came), abandonment. */
static void test_jobs_transitions(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char e[SB_ID_LEN + 1], n1[SB_ID_LEN + 1], n2[SB_ID_LEN + 1], ab[SB_ID_LEN + 1];
    sb_session_act_t x = {0};
    sb_store_error_t err;
    sb_session_t *s;

    assert_int_equal(book(fx, &pr, T0, 15, e, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 2 * HOUR, 30, n1, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 4 * HOUR, 30, n2, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 6 * HOUR, 60, ab, NULL), SB_STORE_OK);
    must(fx, n1, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    must(fx, n2, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    must(fx, ab, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    assert_int_equal(credits(fx, pr.student->id), 300 - 135);
    /* a participant cannot run a job's transition, a job none before it is due */
    assert_int_equal(act(fx, e, pr.student->id, SB_SESSION_EXPIRE, T0, &s, &err), SB_STORE_REFUSED);
    assert_int_equal(act(fx, e, NULL, SB_SESSION_EXPIRE, T0 - 1, &s, &err), SB_STORE_REFUSED);
    assert_int_equal(act(fx, e, NULL, SB_SESSION_ACCEPT, T0 - 1, &s, &err), SB_STORE_REFUSED);
    must(fx, e, NULL, SB_SESSION_EXPIRE, T0, "expired");
    assert_int_equal(act(fx, e, NULL, SB_SESSION_EXPIRE, T0, &s, &err), SB_STORE_STALE);
    assert_int_equal(credits(fx, pr.student->id), 300 - 120);
    /* nobody came: no penalty */
    x.id = n1;
    x.action = SB_SESSION_MARK_NO_SHOW;
    x.penalty = -1;
    assert_int_equal(
        sb_store_session_act(fx->conn, fx->pool, &x, T0 + 2 * HOUR + 14 * MIN, &s, &err),
        SB_STORE_REFUSED);
    assert_int_equal(
        sb_store_session_act(fx->conn, fx->pool, &x, T0 + 2 * HOUR + 15 * MIN, &s, &err),
        SB_STORE_OK);
    assert_string_equal(s->status, "no_show");
    assert_int_equal(credits(fx, pr.student->id), 300 - 90);
    /* only the teacher came: the learner pays the whole hold */
    must(fx, n2, pr.teacher->id, SB_SESSION_START, T0 + 4 * HOUR, "scheduled");
    x.id = n2;
    assert_int_equal(
        sb_store_session_act(fx->conn, fx->pool, &x, T0 + 4 * HOUR + 20 * MIN, &s, &err),
        SB_STORE_OK);
    assert_int_equal(credits(fx, pr.student->id), 300 - 90);
    assert_int_equal(held(fx, pr.student->id), 60);
    /* left in progress: paid up to the last presence */
    must(fx, ab, pr.teacher->id, SB_SESSION_START, T0 + 6 * HOUR, "scheduled");
    must(fx, ab, pr.student->id, SB_SESSION_START, T0 + 6 * HOUR, "in_progress");
    assert_int_equal(
        sb_store_session_presence(fx->conn, ab, pr.student->id, T0 + 6 * HOUR + 20 * MIN, &err),
        SB_STORE_OK);
    assert_int_equal(act(fx, ab, NULL, SB_SESSION_ABANDON, T0 + 6 * HOUR + 74 * MIN, &s, &err),
                     SB_STORE_REFUSED);
    must(fx, ab, NULL, SB_SESSION_ABANDON, T0 + 6 * HOUR + 75 * MIN, "abandoned");
    assert_int_equal(credits(fx, pr.teacher->id), 320);
    assert_int_equal(credits(fx, pr.student->id), 300 - 30 - 20);
    assert_balanced(fx);
}

static void test_due_and_reminders_once(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1];
    sb_outbox_event_t ev = {NULL, "session:reminder", "{}"};
    sb_store_mail_new_t mail = {SB_MAIL_KIND_NOTIFICATION, pr.student->id, "no-reply@example.com",
                                "learn@example.com", "Subject: Upcoming session\r\n\r\nsoon\r\n"};
    sb_store_mail_counts_t mc;
    apr_array_header_t *due, *events;
    sb_store_error_t err;
    int marked;

    assert_int_equal(book(fx, &pr, T0, 15, a, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 30 * HOUR, 15, b, NULL), SB_STORE_OK);
    must(fx, a, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    must(fx, b, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    assert_int_equal(sb_store_sessions_due(fx->conn, fx->pool, T0 - 25 * HOUR, 10, &due, &err),
                     SB_STORE_OK);
    assert_int_equal(due->nelts, 0);
    assert_int_equal(sb_store_sessions_due(fx->conn, fx->pool, T0 - 23 * HOUR, 10, &due, &err),
                     SB_STORE_OK);
    assert_int_equal(due->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(due, 0, sb_session_t).id, a);
    ev.user_id = pr.student->id;
    /* the mail is queued with the reminder, once */
    assert_int_equal(sb_store_mail_counts(fx->conn, &mc, &err), SB_STORE_OK);
    assert_int_equal(mc.queued, 0);
    assert_int_equal(sb_store_session_reminder_mark(fx->conn, a, "24h", &ev, 1, NULL, 0, &mail, 1,
                                                    NOW, &marked, &err),
                     SB_STORE_OK);
    assert_int_equal(marked, 1);
    assert_int_equal(sb_store_session_reminder_mark(fx->conn, a, "24h", &ev, 1, NULL, 0, &mail, 1,
                                                    NOW, &marked, &err),
                     SB_STORE_OK);
    assert_int_equal(marked, 0);
    assert_int_equal(sb_store_mail_counts(fx->conn, &mc, &err), SB_STORE_OK);
    assert_int_equal(mc.queued, 1);
    assert_int_equal(sb_store_session_reminder_mark(fx->conn, a, "1h", &ev, 1, NULL, 0, NULL, 0,
                                                    NOW, &marked, &err),
                     SB_STORE_OK);
    assert_int_equal(marked, 1);
    assert_int_equal(
        sb_store_outbox_read(fx->conn, fx->pool, pr.student->id, 0, 100, &events, &err),
        SB_STORE_OK);
    assert_int_equal(events->nelts, 2);
    assert_int_equal(sb_store_session_get(fx->conn, fx->pool, a, (sb_session_t **)&due, &err),
                     SB_STORE_OK);
    assert_string_equal(((sb_session_t *)due)->reminders_sent, "[\"24h\",\"1h\"]");
    /* a cancelled session gets none */
    must(fx, b, pr.teacher->id, SB_SESSION_CANCEL, NOW, "cancelled");
    assert_int_equal(sb_store_session_reminder_mark(fx->conn, b, "24h", &ev, 1, NULL, 0, NULL, 0,
                                                    NOW, &marked, &err),
                     SB_STORE_OK);
    assert_int_equal(marked, 0);
}

static void test_events_only_on_change(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1];
    sb_session_news_t news = {{{NULL, "session:started", "{}"}}, 1, {0}, 0};
    sb_session_act_t x = {.describe = fixed_news, .describe_ctx = &news};
    apr_array_header_t *events;
    sb_store_error_t err;
    sb_session_t *s;

    assert_int_equal(book(fx, &pr, T0, 15, a, NULL), SB_STORE_OK);
    must(fx, a, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    news.events[0].user_id = pr.teacher->id;
    x.id = a;
    x.action = SB_SESSION_START;
    x.actor_id = pr.teacher->id;
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &x, T0, &s, &err), SB_STORE_OK);
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, pr.teacher->id, 0, 10, &events, &err),
                     SB_STORE_OK);
    assert_int_equal(events->nelts, 0);
    x.actor_id = pr.student->id;
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &x, T0, &s, &err), SB_STORE_OK);
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, pr.teacher->id, 0, 10, &events, &err),
                     SB_STORE_OK);
    assert_int_equal(events->nelts, 1);
}

/* What a describer saw: how often it ran and the session it was given. */
typedef struct {
    int calls;
    sb_session_t seen;
    char note_id[SB_ID_LEN + 1];
} describe_log_t;

/* A describer as the API writes them: one event per participant, a notification for the
 * student; it keeps the session it was given. */
static void describe_end(void *ctx, const sb_session_t *s, sb_session_news_t *news)
{
    describe_log_t *log = ctx;

    log->calls++;
    log->seen = *s;
    news->events[0] = (sb_outbox_event_t){s->teacher_id, "session:ended", "{\"told\":1}"};
    news->events[1] = (sb_outbox_event_t){s->student_id, "session:ended", "{\"told\":1}"};
    news->nevents = 2;
    sb_id_new(log->note_id);
    news->notify = (sb_notification_new_t){
        log->note_id, s->student_id, "session_ended", "Session ended", "Guitar", NULL, "{}",
        s->id,        "{}"};
    news->notifies = 1;
}

static void test_describe_tells_what_was_stored(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char id[SB_ID_LEN + 1];
    describe_log_t log = {0};
    sb_session_act_t a = {.action = SB_SESSION_END, .describe = describe_end, .describe_ctx = &log};
    apr_array_header_t *events, *notes;
    sb_store_error_t err;
    sb_session_t *s = NULL;
    int has_more;
    int64_t unread;

    assert_int_equal(book(fx, &pr, T0, 60, id, NULL), SB_STORE_OK);
    must(fx, id, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    must(fx, id, pr.teacher->id, SB_SESSION_START, T0, "scheduled");
    must(fx, id, pr.student->id, SB_SESSION_START, T0 + 5 * MIN, "in_progress");
    a.id = id;
    /* not a participant: refused before anything is described */
    a.actor_id = mk_user(fx, "other", "other@example.com")->id;
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, T0 + HOUR, &s, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(log.calls, 0);
    a.actor_id = pr.student->id;
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, T0 + HOUR, &s, &err),
                     SB_STORE_OK);
    /* the describer saw the row as stored: settled for the 55 measured minutes */
    assert_int_equal(log.calls, 1);
    assert_string_equal(log.seen.status, "completed");
    assert_int_equal(log.seen.credits_exchanged, 55);
    /* *out has both participants */
    assert_non_null(s);
    assert_non_null(s->teacher);
    assert_non_null(s->student);
    assert_string_equal(s->teacher->username, "teach");
    assert_string_equal(s->student->username, "learn");
    /* its news is in the outbox of both, the notification with the student */
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, pr.teacher->id, 0, 10, &events, &err),
                     SB_STORE_OK);
    assert_int_equal(events->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(events, 0, sb_outbox_row_t).type, "session:ended");
    assert_string_equal(APR_ARRAY_IDX(events, 0, sb_outbox_row_t).data, "{\"told\":1}");
    assert_int_equal(sb_store_notifications_list(fx->conn, fx->pool, pr.student->id, 0, NULL, 10,
                                                 &notes, &has_more, &unread, &err),
                     SB_STORE_OK);
    assert_int_equal(notes->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(notes, 0, sb_notification_t).id, log.note_id);
    /* a retried end changes nothing and tells nothing */
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, T0 + HOUR, &s, &err),
                     SB_STORE_STALE);
    assert_int_equal(log.calls, 1);
    assert_balanced(fx);
}

static void complete(sb_fx_t *fx, const pair_t *pr, int64_t start, char *id)
{
    sb_store_error_t err;
    sb_session_t *s;

    assert_int_equal(book(fx, pr, start, 60, id, NULL), SB_STORE_OK);
    must(fx, id, pr->teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    must(fx, id, pr->teacher->id, SB_SESSION_START, start, "scheduled");
    must(fx, id, pr->student->id, SB_SESSION_START, start, "in_progress");
    assert_int_equal(act(fx, id, pr->student->id, SB_SESSION_END, start + HOUR, &s, &err),
                     SB_STORE_OK);
}

static sb_store_status_t review(sb_fx_t *fx, const char *sid, const char *who, int rating)
{
    char id[SB_ID_LEN + 1];
    sb_review_new_t r = {id, sid, who, rating, "good", 1};
    sb_store_error_t err;

    sb_id_new(id);
    return sb_store_review_add(fx->conn, &r, NULL, 0, NULL, NOW, &err);
}

static void test_reviews_exact_mean(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1], c[SB_ID_LEN + 1], p[SB_ID_LEN + 1];
    apr_array_header_t *page;
    sb_store_error_t err;
    sb_user_t *u;
    int more;

    complete(fx, &pr, T0, a);
    complete(fx, &pr, T0 + 3 * HOUR, b);
    complete(fx, &pr, T0 + 6 * HOUR, c);
    assert_int_equal(book(fx, &pr, T0 + 9 * HOUR, 15, p, NULL), SB_STORE_OK);
    assert_int_equal(review(fx, p, pr.student->id, 5), SB_STORE_STALE);
    assert_int_equal(review(fx, a, mk_user(fx, "z", "z@example.com")->id, 5), SB_STORE_NOT_FOUND);
    assert_int_equal(review(fx, a, pr.student->id, 5), SB_STORE_OK);
    assert_int_equal(review(fx, a, pr.student->id, 1), SB_STORE_CONFLICT);
    assert_int_equal(review(fx, b, pr.student->id, 4), SB_STORE_OK);
    assert_int_equal(review(fx, c, pr.student->id, 4), SB_STORE_OK);
    assert_int_equal(review(fx, a, pr.teacher->id, 2), SB_STORE_OK);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, pr.teacher->id, &u, &err),
                     SB_STORE_OK);
    assert_int_equal(u->total_reviews, 3);
    assert_true(u->rating == 13.0 / 3.0);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, pr.student->id, &u, &err),
                     SB_STORE_OK);
    assert_true(u->rating == 2.0);
    assert_int_equal(
        sb_store_reviews_page(fx->conn, fx->pool, pr.teacher->id, 0, NULL, 2, &page, &more, &err),
        SB_STORE_OK);
    assert_int_equal(page->nelts, 2);
    assert_true(more);
    {
        const sb_session_review_t *last = &APR_ARRAY_IDX(page, 1, sb_session_review_t);
        assert_string_equal(last->reviewer.id, pr.student->id);
        assert_string_equal(last->skill, "Guitar");
        assert_int_equal(sb_store_reviews_page(fx->conn, fx->pool, pr.teacher->id, last->created_at,
                                               last->id, 2, &page, &more, &err),
                         SB_STORE_OK);
    }
    assert_int_equal(page->nelts, 1);
    assert_false(more);
}

static void test_dispute_and_resolve(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1];
    const int64_t window = 48 * HOUR;
    sb_store_error_t err;
    int64_t refunded = -1;

    complete(fx, &pr, T0, a);
    complete(fx, &pr, T0 + 3 * HOUR, b);
    assert_int_equal(credits(fx, pr.teacher->id), 420);
    assert_int_equal(
        sb_store_session_dispute(fx->conn, a, pr.teacher->id, "x", window, T0 + 2 * HOUR, &err),
        SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_session_dispute(fx->conn, b, pr.student->id, "late", window,
                                              T0 + 4 * HOUR + window + 1, &err),
                     SB_STORE_REFUSED);
    assert_int_equal(
        sb_store_session_resolve(fx->conn, a, pr.teacher->id, 50, NULL, NOW, &refunded, &err),
        SB_STORE_STALE);
    assert_int_equal(sb_store_session_dispute(fx->conn, a, pr.student->id, "no show", window,
                                              T0 + 2 * HOUR, &err),
                     SB_STORE_OK);
    assert_int_equal(
        sb_store_session_dispute(fx->conn, a, pr.student->id, "again", window, T0 + 2 * HOUR, &err),
        SB_STORE_CONFLICT);
    assert_int_equal(
        sb_store_session_resolve(fx->conn, a, pr.teacher->id, 50, "half", NOW, &refunded, &err),
        SB_STORE_OK);
    assert_int_equal(refunded, 30);
    assert_int_equal(credits(fx, pr.teacher->id), 390);
    assert_int_equal(credits(fx, pr.student->id), 210);
    assert_int_equal(
        sb_store_session_resolve(fx->conn, a, pr.teacher->id, 50, "half", NOW, &refunded, &err),
        SB_STORE_STALE);
    assert_int_equal(credits(fx, pr.teacher->id), 390);
    assert_balanced(fx);
}

static void test_list_filters_and_edit(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1], c[SB_ID_LEN + 1];
    sb_session_query_t q = {0};
    apr_array_header_t *rows;
    sb_store_error_t err;
    sb_session_t *s;
    int64_t total = -1;

    assert_int_equal(book(fx, &pr, T0, 15, a, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + HOUR, 15, b, NULL), SB_STORE_OK);
    assert_int_equal(book(fx, &pr, T0 + 2 * HOUR, 15, c, NULL), SB_STORE_OK);
    must(fx, b, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    q.user_id = pr.student->id;
    q.now = T0 + 30 * MIN;
    assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 0, 2, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 3);
    assert_int_equal(rows->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_session_t).id, c);
    /* with both participants' short public form */
    s = &APR_ARRAY_IDX(rows, 1, sb_session_t);
    assert_string_equal(s->id, b);
    assert_non_null(s->teacher);
    assert_non_null(s->student);
    assert_string_equal(s->teacher->id, pr.teacher->id);
    assert_string_equal(s->teacher->username, pr.teacher->username);
    assert_string_equal(s->student->first_name, pr.student->first_name);
    /* past the last page: the total, no rows */
    assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 3, 2, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 3);
    assert_int_equal(rows->nelts, 0);
    assert_int_equal(sb_store_session_get(fx->conn, fx->pool, a, &s, &err), SB_STORE_OK);
    assert_string_equal(s->student->username, pr.student->username);
    /* both sides of the caller merge in start order: the learner teaches someone too */
    {
        pair_t other = {pr.student, mk_user(fx, "third", "third@example.com")};
        char d[SB_ID_LEN + 1];
        const char *want[] = {c, d, b, a};
        int i;
        assert_int_equal(book(fx, &other, T0 + 90 * MIN, 15, d, NULL), SB_STORE_OK);
        assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 0, 10, &rows, &total, &err),
                         SB_STORE_OK);
        assert_int_equal(total, 4);
        assert_int_equal(rows->nelts, 4);
        for (i = 0; i < 4; i++) {
            assert_string_equal(APR_ARRAY_IDX(rows, i, sb_session_t).id, want[i]);
        }
        assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 1, 2, &rows, &total, &err),
                         SB_STORE_OK);
        assert_int_equal(rows->nelts, 2);
        assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_session_t).id, d);
        assert_string_equal(APR_ARRAY_IDX(rows, 1, sb_session_t).id, b);
        q.role = 1;
        assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 0, 10, &rows, &total, &err),
                         SB_STORE_OK);
        assert_int_equal(total, 1);
        assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_session_t).id, d);
        assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_session_t).student->username, "third");
        must(fx, d, other.student->id, SB_SESSION_CANCEL, NOW, "cancelled");
    }
    q.role = 1;
    q.status = "pending";
    assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 0, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0); /* d, the one taught, is cancelled */
    q.role = 2;
    q.status = "scheduled";
    assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 0, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    q.status = NULL;
    q.when = 2;
    assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 0, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_session_t).id, a);
    q.when = 1;
    assert_int_equal(sb_store_session_list(fx->conn, fx->pool, &q, 0, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 2);
    /* notes are the author's own */
    assert_int_equal(
        sb_store_session_edit(fx->conn, a, pr.teacher->id, "new", "teach note", NOW, &err),
        SB_STORE_OK);
    assert_int_equal(sb_store_session_edit(fx->conn, a, pr.student->id, NULL, "my note", NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_session_edit(fx->conn, a, mk_user(fx, "o", "o@example.com")->id, "x",
                                           "x", NOW, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_session_get(fx->conn, fx->pool, a, &s, &err), SB_STORE_OK);
    assert_string_equal(s->description, "new");
    assert_string_equal(s->teacher_notes, "teach note");
    assert_string_equal(s->student_notes, "my note");
}

/* ---- races: separate processes, one store ---- */

static char race_session[SB_ID_LEN + 1], race_teacher[SB_ID_LEN + 1], race_student[SB_ID_LEN + 1];

static int race_end(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    sb_session_act_t a = {.id = race_session,
                          .actor_id = i % 2 ? race_teacher : race_student,
                          .action = SB_SESSION_END};
    sb_store_error_t err;

    return sb_store_session_act(c, p, &a, T0 + 4 * HOUR, NULL, &err);
}

static void test_race_end_settles_once(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    int others[SB_STORE_ERROR + 1];

    complete(fx, &pr, T0, race_session); /* one settled before the race ... */
    assert_int_equal(book(fx, &pr, T0 + 3 * HOUR, 60, race_session, NULL), SB_STORE_OK);
    must(fx, race_session, pr.teacher->id, SB_SESSION_ACCEPT, NOW, "scheduled");
    must(fx, race_session, pr.teacher->id, SB_SESSION_START, T0 + 3 * HOUR, "scheduled");
    must(fx, race_session, pr.student->id, SB_SESSION_START, T0 + 3 * HOUR, "in_progress");
    apr_cpystrn(race_teacher, pr.teacher->id, sizeof race_teacher);
    apr_cpystrn(race_student, pr.student->id, sizeof race_student);
    assert_int_equal(race(fx, race_end, others), 1);
    assert_int_equal(others[SB_STORE_STALE], NPROC - 1);
    assert_int_equal(credits(fx, pr.teacher->id), 300 + 60 + 60);
    assert_balanced(fx);
}

static int race_book(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    char id[SB_ID_LEN + 1], room[SB_ID_LEN + 1];
    sb_session_new_t s = {0};
    sb_store_error_t err;

    sb_id_new(id);
    sb_id_new(room);
    s.id = id;
    s.teacher_id = race_teacher;
    s.student_id = race_student;
    s.skill = "Guitar";
    s.scheduled_time = T0 + i * 5 * HOUR;
    s.duration = 120;
    s.room_id = room;
    return sb_store_session_create(c, p, &s, NULL, 0, NULL, NOW, NULL, NULL, &err);
}

static void test_race_bookings_one_balance(void **state)
{
    FX_BEGIN(state);
    pair_t pr = mk_pair(fx);
    int others[SB_STORE_ERROR + 1];

    apr_cpystrn(race_teacher, pr.teacher->id, sizeof race_teacher);
    apr_cpystrn(race_student, pr.student->id, sizeof race_student);
    assert_int_equal(race(fx, race_book, others), 2); /* 300 minutes hold two of 120 */
    assert_int_equal(others[SB_STORE_INSUFFICIENT], NPROC - 2);
    assert_int_equal(credits(fx, pr.student->id), 60);
    assert_int_equal(held(fx, pr.student->id), 240);
    assert_balanced(fx);
}

#define SESSION_TESTS(d)                                                                           \
    FX_TEST(test_booking_holds_credits, d), FX_TEST(test_booking_refusals, d),                     \
        FX_TEST(test_request_message_mirrors_session, d), FX_TEST(test_accept_decline_parties, d), \
        FX_TEST(test_cancel_and_penalty, d), FX_TEST(test_reschedule_needs_the_other, d),          \
        FX_TEST(test_join_end_settles_once, d), FX_TEST(test_end_capped_at_plan, d),               \
        FX_TEST(test_jobs_transitions, d), FX_TEST(test_due_and_reminders_once, d),                \
        FX_TEST(test_events_only_on_change, d), FX_TEST(test_describe_tells_what_was_stored, d),   \
        FX_TEST(test_reviews_exact_mean, d), FX_TEST(test_dispute_and_resolve, d),                 \
        FX_TEST(test_list_filters_and_edit, d), FX_TEST(test_race_end_settles_once, d),            \
        FX_TEST(test_race_bookings_one_balance, d)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fixture_covers_drivers),
    SESSION_TESTS(sqlite),
    SESSION_TESTS(mongodb),
};

FX_MAIN("store_sessions_flow", tests)
