/*
 * Conformance of the mail queue (store_mail.h) for every compiled driver: enqueue (and the
 * notification opt-out), the token and its mail in one step, claim and the per-message
 * states, backoff, recovery after a crash, counts, list, retry and drop.
 */
#include "sb_store_fixture.h"

static const char *const MSG = "From: a@x.org\r\nTo: b@x.org\r\nSubject: s\r\n\r\nbody\r\n";

static sb_store_mail_new_t mail_for(const char *kind, const char *user_id, const char *rcpt)
{
    sb_store_mail_new_t m = {kind, user_id, "a@x.org", rcpt, MSG};
    return m;
}

static void enqueue(sb_fx_t *fx, const char *kind, const char *user_id, const char *rcpt,
                    int64_t now, char *id)
{
    sb_store_mail_new_t m = mail_for(kind, user_id, rcpt);
    sb_store_error_t err;
    int queued = -1;

    assert_int_equal(sb_store_mail_enqueue(fx->conn, &m, now, &queued, id, &err), SB_STORE_OK);
    assert_int_equal(queued, 1);
}

/* Through the profile operation, as PUT /api/users/profile does. */
static void set_notifications(sb_fx_t *fx, const char *user_id, int on)
{
    sb_profile_patch_t patch = {0};
    sb_store_error_t err;
    sb_user_t *u = NULL;

    patch.set_email_notifications = 1;
    patch.email_notifications = on;
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, user_id, &patch, NOW, &u, &err),
        SB_STORE_OK);
    assert_int_equal(u->email_notifications, on);
}

static void test_enqueue_claim_sent(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_store_mail_t *m = NULL;
    sb_store_mail_counts_t n;
    char id[SB_ID_LEN + 1];

    enqueue(fx, SB_MAIL_KIND_ACCOUNT, NULL, "b@x.org", NOW, id);
    assert_true(sb_id_valid(id));
    /* not due before it was queued */
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r1", NOW - 1, &m, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r1", NOW, &m, &err), SB_STORE_OK);
    assert_string_equal(m->id, id);
    assert_string_equal(m->state, "claimed");
    assert_string_equal(m->rcpt, "b@x.org");
    assert_string_equal(m->envelope_from, "a@x.org");
    assert_string_equal(m->message, MSG);
    assert_int_equal(m->attempts, 1);
    /* claimed once: nothing else is due */
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r2", NOW, &m, &err),
                     SB_STORE_NOT_FOUND);
    /* another holder cannot record anything about it */
    assert_int_equal(sb_store_mail_mark_sending(fx->conn, id, "r2", NOW, &err), SB_STORE_STALE);
    assert_int_equal(sb_store_mail_mark_sent(fx->conn, id, "r2", NOW, &err), SB_STORE_STALE);
    assert_int_equal(sb_store_mail_mark_sending(fx->conn, id, "r1", NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_mail_mark_sending(fx->conn, id, "r1", NOW, &err), SB_STORE_STALE);
    assert_int_equal(sb_store_mail_mark_sent(fx->conn, id, "r1", NOW + 5, &err), SB_STORE_OK);
    /* sent is final */
    assert_int_equal(sb_store_mail_mark_failed(fx->conn, id, "r1", "x", NOW, &err), SB_STORE_STALE);
    assert_int_equal(sb_store_mail_counts(fx->conn, &n, &err), SB_STORE_OK);
    assert_int_equal(n.sent, 1);
    assert_int_equal(n.queued + n.claimed + n.sending + n.failed, 0);
}

static void test_retry_backoff_and_fail(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_store_mail_t *m = NULL;
    apr_array_header_t *list;
    char id[SB_ID_LEN + 1];

    enqueue(fx, SB_MAIL_KIND_ACCOUNT, NULL, "b@x.org", NOW, id);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r1", NOW, &m, &err), SB_STORE_OK);
    assert_int_equal(
        sb_store_mail_mark_retry(fx->conn, id, "r1", NOW + 60000, "451 later", NOW, &err),
        SB_STORE_OK);
    /* due again only at the backoff's end */
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r1", NOW + 59999, &m, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r1", NOW + 60000, &m, &err),
                     SB_STORE_OK);
    assert_int_equal(m->attempts, 2);
    assert_string_equal(m->last_error, "451 later");
    assert_int_equal(m->created_at, NOW);
    assert_int_equal(sb_store_mail_mark_failed(fx->conn, id, "r1", "550 no", NOW, &err),
                     SB_STORE_OK);
    /* failed is not due again */
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r1", NOW + 10 * HOUR, &m, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_list(fx->conn, fx->pool, "failed", 10, &list, &err),
                     SB_STORE_OK);
    assert_int_equal(list->nelts, 1);
    m = APR_ARRAY_IDX(list, 0, sb_store_mail_t *);
    assert_string_equal(m->id, id);
    assert_string_equal(m->last_error, "550 no");
    assert_null(m->message);
    /* the operator's retry: queued, due now, attempts restarted */
    assert_int_equal(sb_store_mail_retry(fx->conn, id, NOW + HOUR, &err), SB_STORE_OK);
    assert_int_equal(sb_store_mail_retry(fx->conn, id, NOW + HOUR, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r3", NOW + HOUR, &m, &err),
                     SB_STORE_OK);
    assert_int_equal(m->attempts, 1);
    assert_int_equal(m->created_at, NOW + HOUR);
}

static void test_recover_after_crash(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_store_mail_t *m = NULL;
    sb_store_mail_counts_t n;
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1], c[SB_ID_LEN + 1];
    int requeued = -1, failed = -1;

    enqueue(fx, SB_MAIL_KIND_ACCOUNT, NULL, "a@x.org", NOW, a);
    enqueue(fx, SB_MAIL_KIND_ACCOUNT, NULL, "b@x.org", NOW + 1, b);
    enqueue(fx, SB_MAIL_KIND_ACCOUNT, NULL, "c@x.org", NOW + 2, c);
    /* a: claimed, nothing sent; b: the server took DATA; c: untouched */
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "dead", NOW + 5, &m, &err),
                     SB_STORE_OK);
    assert_string_equal(m->id, a);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "dead", NOW + 5, &m, &err),
                     SB_STORE_OK);
    assert_string_equal(m->id, b);
    assert_int_equal(sb_store_mail_mark_sending(fx->conn, b, "dead", NOW + 5, &err), SB_STORE_OK);
    assert_int_equal(sb_store_mail_recover(fx->conn, NOW + 10, &requeued, &failed, &err),
                     SB_STORE_OK);
    assert_int_equal(requeued, 1);
    assert_int_equal(failed, 1);
    assert_int_equal(sb_store_mail_counts(fx->conn, &n, &err), SB_STORE_OK);
    assert_int_equal(n.queued, 2);
    assert_int_equal(n.failed, 1);
    assert_int_equal(n.claimed + n.sending, 0);
    /* the dead holder's late bookkeeping is refused */
    assert_int_equal(sb_store_mail_mark_sent(fx->conn, b, "dead", NOW + 11, &err), SB_STORE_STALE);
    assert_int_equal(sb_store_mail_mark_sent(fx->conn, a, "dead", NOW + 11, &err), SB_STORE_STALE);
    /* a goes again, b never does */
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "new", NOW + 20, &m, &err),
                     SB_STORE_OK);
    assert_string_equal(m->id, a);
    assert_int_equal(m->attempts, 2);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "new", NOW + 20, &m, &err),
                     SB_STORE_OK);
    assert_string_equal(m->id, c);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "new", NOW + 20, &m, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_recover(fx->conn, NOW + 30, &requeued, &failed, &err),
                     SB_STORE_OK);
    assert_int_equal(requeued, 2);
    assert_int_equal(failed, 0);
}

static void test_drop(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_store_mail_t *m = NULL;
    sb_store_mail_counts_t n;
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1];

    enqueue(fx, SB_MAIL_KIND_ACCOUNT, NULL, "a@x.org", NOW, a);
    enqueue(fx, SB_MAIL_KIND_ACCOUNT, NULL, "b@x.org", NOW + 1, b);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r", NOW + 2, &m, &err), SB_STORE_OK);
    /* in flight: not dropped */
    assert_int_equal(sb_store_mail_drop(fx->conn, a, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_drop(fx->conn, b, &err), SB_STORE_OK);
    assert_int_equal(sb_store_mail_drop(fx->conn, b, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_mark_sent(fx->conn, a, "r", NOW + 3, &err), SB_STORE_OK);
    assert_int_equal(sb_store_mail_drop(fx->conn, a, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_counts(fx->conn, &n, &err), SB_STORE_OK);
    assert_int_equal(n.sent, 1);
    assert_int_equal(n.queued, 0);
}

static void test_notification_opt_out(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "ada", "ada@x.org");
    sb_store_mail_new_t note = mail_for(SB_MAIL_KIND_NOTIFICATION, u->id, "ada@x.org");
    sb_store_mail_new_t acct = mail_for(SB_MAIL_KIND_ACCOUNT, u->id, "ada@x.org");
    sb_store_mail_new_t bad = mail_for("spam", u->id, "ada@x.org");
    sb_store_mail_counts_t n;
    sb_store_error_t err;
    int queued = -1;

    assert_int_equal(u->email_notifications, 1); /* on by default */
    assert_int_equal(sb_store_mail_enqueue(fx->conn, &note, NOW, &queued, NULL, &err), SB_STORE_OK);
    assert_int_equal(queued, 1);
    set_notifications(fx, u->id, 0);
    assert_int_equal(sb_store_mail_enqueue(fx->conn, &note, NOW, &queued, NULL, &err), SB_STORE_OK);
    assert_int_equal(queued, 0);
    /* account mail always goes */
    assert_int_equal(sb_store_mail_enqueue(fx->conn, &acct, NOW, &queued, NULL, &err), SB_STORE_OK);
    assert_int_equal(queued, 1);
    assert_int_equal(sb_store_mail_enqueue(fx->conn, &bad, NOW, &queued, NULL, &err),
                     SB_STORE_ERROR);
    assert_int_equal(sb_store_mail_counts(fx->conn, &n, &err), SB_STORE_OK);
    assert_int_equal(n.queued, 2);
    /* a patch without the flag leaves it; turning it on again lets notifications through */
    {
        sb_profile_patch_t patch = {0};
        sb_user_t *back = NULL;
        patch.bio = "hi";
        assert_int_equal(
            sb_store_user_update_profile(fx->conn, fx->pool, u->id, &patch, NOW, &back, &err),
            SB_STORE_OK);
        assert_int_equal(back->email_notifications, 0);
    }
    set_notifications(fx, u->id, 1);
    assert_int_equal(sb_store_mail_enqueue(fx->conn, &note, NOW, &queued, NULL, &err), SB_STORE_OK);
    assert_int_equal(queued, 1);
}

typedef struct {
    const char *seen_nonce;
    int calls, refuse;
} compose_t;

static int compose(void *ctx, apr_pool_t *p, const char *nonce, sb_store_mail_new_t *out)
{
    compose_t *k = ctx;

    k->calls++;
    k->seen_nonce = apr_pstrdup(p, nonce);
    if (k->refuse) {
        return -1;
    }
    *out = mail_for(SB_MAIL_KIND_ACCOUNT, NULL, "ada@x.org");
    out->message = apr_pstrcat(p, "link ", nonce, NULL);
    return 0;
}

static void test_issue_link_is_one_step(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "ada", "ada@x.org");
    sb_store_error_t err;
    sb_store_mail_t *m = NULL;
    sb_store_mail_counts_t n;
    compose_t k = {0};
    char id[SB_ID_LEN + 1], uid[SB_ID_LEN + 1];

    /* a refused composition stores neither the token nor a mail */
    k.refuse = 1;
    assert_int_equal(sb_store_mail_issue_link(fx->conn, fx->pool, "h0", "n0", u->id,
                                              "reset-password", NOW + HOUR, NOW, compose, &k, id,
                                              &err),
                     SB_STORE_ERROR);
    assert_int_equal(sb_store_onetime_consume(fx->conn, "h0", "reset-password", NOW, uid, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_mail_counts(fx->conn, &n, &err), SB_STORE_OK);
    assert_int_equal(n.queued, 0);
    k.refuse = 0;
    if (sb_store_mail_issue_link(fx->conn, fx->pool, "h1", "n1", u->id, "reset-password",
                                 NOW + HOUR, NOW, compose, &k, id, &err)
        != SB_STORE_OK) {
        fail_msg("issue_link: %s", err.message);
    }
    assert_string_equal(k.seen_nonce, "n1");
    /* a live link is mailed again, not replaced */
    assert_int_equal(sb_store_mail_issue_link(fx->conn, fx->pool, "h2", "n2", u->id,
                                              "reset-password", NOW + HOUR, NOW + 1, compose, &k,
                                              id, &err),
                     SB_STORE_OK);
    assert_string_equal(k.seen_nonce, "n1");
    assert_int_equal(sb_store_mail_counts(fx->conn, &n, &err), SB_STORE_OK);
    assert_int_equal(n.queued, 2);
    assert_int_equal(sb_store_mail_claim(fx->conn, fx->pool, "r", NOW + 2, &m, &err), SB_STORE_OK);
    assert_string_equal(m->message, "link n1");
    assert_int_equal(sb_store_onetime_consume(fx->conn, "h2", "reset-password", NOW + 2, uid, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_onetime_consume(fx->conn, "h1", "reset-password", NOW + 2, uid, &err),
                     SB_STORE_OK);
    assert_string_equal(uid, u->id);
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_enqueue_claim_sent, d), FX_TEST(test_retry_backoff_and_fail, d),                  \
        FX_TEST(test_recover_after_crash, d), FX_TEST(test_drop, d),                               \
        FX_TEST(test_notification_opt_out, d), FX_TEST(test_issue_link_is_one_step, d)

int main(void)
{
    const struct CMUnitTest all[] = {
        cmocka_unit_test(test_fixture_covers_drivers),
        FX_SUITE(sqlite),
        FX_SUITE(mongodb),
    };
    struct CMUnitTest tests[sizeof all / sizeof all[0]];
    size_t n = sb_fx_select(tests, all, sizeof all / sizeof all[0]);
    int rc;

    apr_initialize();
    rc = _cmocka_run_group_tests("store_mail", tests, n, NULL, NULL);
    apr_terminate();
    return rc;
}
