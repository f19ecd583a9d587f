/*
 * The session jobs (store/sb_session_jobs.h) with an injected clock: reminders once each,
 * expiry, no-show, abandonment; and several processes ticking at once apply every step once.
 */
#include "sb_store_fixture.h"

#include "sb_session_jobs.h"

#define MIN (60LL * 1000)
#define T0  (NOW + 72 * HOUR)

static sb_user_t *teacher, *student;

static void book(sb_fx_t *fx, int64_t start, int64_t minutes, int accept, char *id)
{
    sb_session_act_t a = {.id = id, .action = SB_SESSION_ACCEPT};
    sb_store_error_t err;

    fx_book_skill(fx, teacher->id, student->id, "Piano", start, minutes, id);
    if (accept) {
        a.actor_id = teacher->id;
        assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, NOW, NULL, &err),
                         SB_STORE_OK);
    }
}

static void join(sb_fx_t *fx, const char *id, const sb_user_t *u, int64_t at)
{
    sb_session_act_t a = {.id = id, .actor_id = u->id, .action = SB_SESSION_START};
    sb_store_error_t err;

    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, at, NULL, &err), SB_STORE_OK);
}

static sb_session_jobs_report_t tick(sb_fx_t *fx, int64_t now)
{
    sb_session_jobs_report_t r;
    sb_store_error_t err;

    assert_int_equal(sb_session_jobs_tick(fx->conn, fx->pool, NULL, now, &r, &err), SB_STORE_OK);
    return r;
}

static const char *status(sb_fx_t *fx, const char *id)
{
    sb_session_t *s;
    sb_store_error_t err;

    assert_int_equal(sb_store_session_get(fx->conn, fx->pool, id, &s, &err), SB_STORE_OK);
    return s->status;
}

static int64_t balance(sb_fx_t *fx, const sb_user_t *u)
{
    sb_credit_balance_t b;
    sb_store_error_t err;

    assert_int_equal(sb_store_credit_balance(fx->conn, u->id, &b, &err), SB_STORE_OK);
    return b.available;
}

static int events(sb_fx_t *fx, const sb_user_t *u, const char *type)
{
    apr_array_header_t *a;
    sb_store_error_t err;
    int i, n = 0;

    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, u->id, 0, 1000, &a, &err),
                     SB_STORE_OK);
    for (i = 0; i < a->nelts; i++) {
        n += strcmp(APR_ARRAY_IDX(a, i, sb_outbox_row_t).type, type) == 0;
    }
    return n;
}

static void test_reminder_bounds(void **state)
{
    assert_null(sb_session_reminder_due(T0, T0 - 24 * HOUR - 1));
    assert_string_equal(sb_session_reminder_due(T0, T0 - 24 * HOUR), "24h");
    assert_string_equal(sb_session_reminder_due(T0, T0 - HOUR - 1), "24h");
    assert_string_equal(sb_session_reminder_due(T0, T0 - HOUR), "1h");
    assert_string_equal(sb_session_reminder_due(T0, T0 - 15 * MIN), "15min");
    assert_string_equal(sb_session_reminder_due(T0, T0 - 1), "15min");
    assert_null(sb_session_reminder_due(T0, T0));
}

static void test_reminders_once_then_no_show(void **state)
{
    FX_BEGIN(state);
    char s[SB_ID_LEN + 1];
    sb_session_jobs_report_t r;
    sb_session_t *row;
    sb_store_error_t err;

    teacher = mk_user(fx, "t", "t@example.com");
    student = mk_user(fx, "s", "s@example.com");
    book(fx, T0, 60, 1, s);
    assert_int_equal(tick(fx, T0 - 25 * HOUR).reminders, 0);
    assert_int_equal(tick(fx, T0 - 24 * HOUR).reminders, 1);
    r = tick(fx, T0 - 23 * HOUR);
    assert_int_equal(r.reminders + r.skipped + r.expired + r.no_show + r.abandoned, 0);
    assert_int_equal(tick(fx, T0 - 59 * MIN).reminders, 1);
    assert_int_equal(tick(fx, T0 - 58 * MIN).reminders, 0);
    assert_int_equal(tick(fx, T0 - 10 * MIN).reminders, 1);
    assert_int_equal(tick(fx, T0 - 9 * MIN).reminders, 0);
    assert_int_equal(events(fx, teacher, "session:reminder"), 3);
    assert_int_equal(events(fx, student, "session:reminder"), 3);
    assert_int_equal(events(fx, student, "notification:new"), 3);
    assert_int_equal(sb_store_session_get(fx->conn, fx->pool, s, &row, &err), SB_STORE_OK);
    assert_string_equal(row->reminders_sent, "[\"24h\",\"1h\",\"15min\"]");
    /* nobody came: no_show 15 minutes after the start, the hold back in full */
    assert_int_equal(tick(fx, T0 + 14 * MIN).no_show, 0);
    assert_string_equal(status(fx, s), "scheduled");
    assert_int_equal(tick(fx, T0 + 15 * MIN).no_show, 1);
    assert_string_equal(status(fx, s), "no_show");
    assert_int_equal(balance(fx, student), 300);
    assert_int_equal(events(fx, teacher, "session:ended"), 1);
    assert_int_equal(tick(fx, T0 + 16 * MIN).no_show, 0);
    assert_balanced(fx);
}

static void test_expiry_penalty_abandon(void **state)
{
    FX_BEGIN(state);
    char p[SB_ID_LEN + 1], n[SB_ID_LEN + 1], a[SB_ID_LEN + 1];
    sb_session_jobs_report_t r;
    sb_store_error_t err;

    teacher = mk_user(fx, "t", "t@example.com");
    student = mk_user(fx, "s", "s@example.com");
    book(fx, T0, 15, 0, p);            /* a request nobody answered */
    book(fx, T0 + 2 * HOUR, 30, 1, n); /* only the teacher will come */
    book(fx, T0 + 4 * HOUR, 60, 1, a); /* both come, then vanish */
    assert_int_equal(balance(fx, student), 300 - 105);
    r = tick(fx, T0);
    assert_int_equal(r.expired, 1);
    assert_string_equal(status(fx, p), "expired");
    assert_int_equal(balance(fx, student), 300 - 90);
    join(fx, n, teacher, T0 + 2 * HOUR);
    r = tick(fx, T0 + 2 * HOUR + 15 * MIN);
    assert_int_equal(r.no_show, 1);
    assert_int_equal(balance(fx, student), 300 - 90); /* the whole hold is the penalty */
    join(fx, a, teacher, T0 + 4 * HOUR);
    join(fx, a, student, T0 + 4 * HOUR + MIN);
    assert_int_equal(
        sb_store_session_presence(fx->conn, a, teacher->id, T0 + 4 * HOUR + 41 * MIN, &err),
        SB_STORE_OK);
    assert_int_equal(tick(fx, T0 + 4 * HOUR + 75 * MIN).abandoned, 0);
    assert_int_equal(tick(fx, T0 + 4 * HOUR + 76 * MIN).abandoned, 1);
    assert_string_equal(status(fx, a), "abandoned");
    assert_int_equal(balance(fx, teacher), 340);
    assert_int_equal(balance(fx, student), 300 - 30 - 40);
    assert_balanced(fx);
}

static int64_t race_now;

static int race_tick(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    sb_session_jobs_report_t r;
    sb_store_error_t err;

    return sb_session_jobs_tick(c, p, NULL, race_now, &r, &err);
}

/* Four processes tick at the same instant: three expiries and one reminder, each once. */
static void test_concurrent_ticks_apply_once(void **state)
{
    FX_BEGIN(state);
    char x[4][SB_ID_LEN + 1];
    int others[SB_STORE_ERROR + 1], i;

    teacher = mk_user(fx, "t", "t@example.com");
    student = mk_user(fx, "s", "s@example.com");
    for (i = 0; i < 3; i++) {
        book(fx, T0 + i * HOUR, 15, 0, x[i]);
    }
    book(fx, T0 + 12 * HOUR, 60, 1, x[3]);
    race_now = T0 + 3 * HOUR;
    assert_int_equal(race(fx, race_tick, others), NPROC);
    for (i = 0; i < 3; i++) {
        assert_string_equal(status(fx, x[i]), "expired");
    }
    assert_int_equal(events(fx, student, "session:ended"), 3);
    assert_int_equal(events(fx, student, "session:reminder"), 1);
    assert_int_equal(events(fx, teacher, "session:reminder"), 1);
    assert_int_equal(balance(fx, student), 240);
    assert_balanced(fx);
}

/* How many queued notification mails go to rcpt. */
static int queued_to(sb_fx_t *fx, const char *rcpt)
{
    apr_array_header_t *list;
    sb_store_error_t err;
    int i, n = 0;

    assert_int_equal(sb_store_mail_list(fx->conn, fx->pool, "queued", 100, &list, &err),
                     SB_STORE_OK);
    for (i = 0; i < list->nelts; i++) {
        const sb_store_mail_t *m = APR_ARRAY_IDX(list, i, sb_store_mail_t *);
        if (!strcmp(m->rcpt, rcpt)) {
            assert_string_equal(m->kind, SB_MAIL_KIND_NOTIFICATION);
            n++;
        }
    }
    return n;
}

static void test_reminder_mail_once_each(void **state)
{
    FX_BEGIN(state);
    sb_session_jobs_opts_t o = {-1, 0, "Skill Barter <no-reply@example.org>",
                                "https://barter.example", NULL};
    sb_session_jobs_report_t r;
    sb_store_error_t err;
    sb_store_mail_t *m;
    sb_profile_patch_t off = {0};
    sb_user_t *u;
    char s[SB_ID_LEN + 1];

    teacher = mk_user(fx, "t", "t@example.com");
    student = mk_user(fx, "s", "s@example.com");
    book(fx, T0, 60, 1, s);
    assert_int_equal(sb_session_jobs_tick(fx->conn, fx->pool, &o, T0 - 24 * HOUR, &r, &err),
                     SB_STORE_OK);
    assert_int_equal(r.reminders, 1);
    assert_int_equal(queued_to(fx, "t@example.com"), 1);
    assert_int_equal(queued_to(fx, "s@example.com"), 1);
    /* the mail itself: the notification template, the session's link, List-Unsubscribe */
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "test", T0, &m, &err), SB_STORE_OK);
    assert_non_null(strstr(m->message, "Subject: Upcoming session: Piano in 24 hours"));
    assert_non_null(
        strstr(m->message, apr_pstrcat(fx->pool, "https://barter.example/sessions/", s, NULL)));
    assert_non_null(strstr(m->message, "List-Unsubscribe: <https://barter.example/settings/"));
    assert_string_equal(m->envelope_from, "no-reply@example.org");
    assert_int_equal(sb_store_mail_mark_retry(fx->conn, m->id, "test", T0 - 24 * HOUR, "back",
                                              T0 - 24 * HOUR, &err),
                     SB_STORE_OK);
    /* once: a second tick in the same window queues nothing */
    assert_int_equal(sb_session_jobs_tick(fx->conn, fx->pool, &o, T0 - 23 * HOUR, &r, &err),
                     SB_STORE_OK);
    assert_int_equal(queued_to(fx, "t@example.com"), 1);
    assert_int_equal(queued_to(fx, "s@example.com"), 1);
    /* a learner who turned notifications off gets the reminder, not the mail */
    off.set_email_notifications = 1;
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, student->id, &off, NOW, &u, &err),
        SB_STORE_OK);
    assert_int_equal(sb_session_jobs_tick(fx->conn, fx->pool, &o, T0 - 59 * MIN, &r, &err),
                     SB_STORE_OK);
    assert_int_equal(r.reminders, 1);
    assert_int_equal(events(fx, student, "session:reminder"), 2);
    assert_int_equal(queued_to(fx, "s@example.com"), 1);
    assert_int_equal(queued_to(fx, "t@example.com"), 2);
    /* a template that cannot be read: the reminder goes, the failure is counted */
    {
        sb_session_jobs_opts_t bad = o;
        char s2[SB_ID_LEN + 1];
        bad.mail_templates = "/nonexistent/templates";
        book(fx, T0 + 5 * HOUR, 15, 1, s2);
        assert_int_equal(sb_session_jobs_tick(fx->conn, fx->pool, &bad, T0 - 19 * HOUR, &r, &err),
                         SB_STORE_OK);
        assert_int_equal(r.reminders, 1);
        assert_int_equal(r.mail_errors, 2);
        assert_int_equal(queued_to(fx, "t@example.com"), 2);
    }
    /* without mail settings: reminders only */
    assert_int_equal(tick(fx, T0 - 10 * MIN).reminders, 1);
    assert_int_equal(queued_to(fx, "t@example.com"), 2);
}

#define JOB_TESTS(d)                                                                               \
    FX_TEST(test_reminders_once_then_no_show, d), FX_TEST(test_expiry_penalty_abandon, d),         \
        FX_TEST(test_concurrent_ticks_apply_once, d), FX_TEST(test_reminder_mail_once_each, d)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fixture_covers_drivers),
    cmocka_unit_test(test_reminder_bounds),
    JOB_TESTS(sqlite),
    JOB_TESTS(mongodb),
};

FX_MAIN("session_jobs", tests)
