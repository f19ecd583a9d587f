/*
 * SQLite driver: the outgoing mail queue (store_mail.h). Every state change is one UPDATE
 * guarded by the expected state and claim, so a runner that lost its lease cannot overwrite
 * what the next one recorded.
 */
#include "sqlite_int.h"
#include "sqlite_links.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

static const char SQL_MAIL_INSERT[] =
    "INSERT INTO mail_queue (id, kind, user_id, envelope_from, rcpt, message, state, attempts,"
    " created_at, next_attempt_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0,"
    " ?7, ?7, ?7)";
static const char SQL_MAIL_OPTED_OUT[] =
    "SELECT 1 FROM users WHERE id = ?1 AND email_notifications = 0";
static const char SQL_MAIL_DUE[] =
    "SELECT id FROM mail_queue WHERE state = 'queued' AND next_attempt_at <= ?1"
    " ORDER BY next_attempt_at, created_at LIMIT 1";
static const char SQL_MAIL_TAKE[] =
    "UPDATE mail_queue SET state = 'claimed', claim = ?2, attempts = attempts + 1,"
    " updated_at = ?3 WHERE id = ?1 AND state = 'queued'";
#define SB_SQLITE_MAIL_COLS                                                                        \
    "id, kind, user_id, envelope_from, rcpt, message, state, last_error, attempts, created_at, "   \
    "next_attempt_at, updated_at, sent_at"
static const char SQL_MAIL_GET[] = "SELECT " SB_SQLITE_MAIL_COLS " FROM mail_queue WHERE id = ?1";
static const char SQL_MAIL_SENDING[] = "UPDATE mail_queue SET state = 'sending', updated_at = ?3"
                                       " WHERE id = ?1 AND claim = ?2 AND state = 'claimed'";
static const char SQL_MAIL_SENT[] =
    "UPDATE mail_queue SET state = 'sent', sent_at = ?3, updated_at = ?3, last_error = NULL"
    " WHERE id = ?1 AND claim = ?2 AND state IN ('claimed', 'sending')";
static const char SQL_MAIL_RETRY_AT[] =
    "UPDATE mail_queue SET state = 'queued', claim = NULL, next_attempt_at = ?3,"
    " last_error = ?4, updated_at = ?5"
    " WHERE id = ?1 AND claim = ?2 AND state IN ('claimed', 'sending')";
static const char SQL_MAIL_FAILED[] =
    "UPDATE mail_queue SET state = 'failed', last_error = ?3, updated_at = ?4"
    " WHERE id = ?1 AND claim = ?2 AND state IN ('claimed', 'sending')";
static const char SQL_MAIL_RECOVER_CLAIMED[] =
    "UPDATE mail_queue SET state = 'queued', claim = NULL, updated_at = ?1"
    " WHERE state = 'claimed'";
static const char SQL_MAIL_RECOVER_SENDING[] =
    "UPDATE mail_queue SET state = 'failed', updated_at = ?1, last_error ="
    " 'interrupted while sending: it may have been delivered, so it is not sent again"
    " (sbctl mail-queue retry ID sends it)' WHERE state = 'sending'";
static const char SQL_MAIL_COUNTS[] = "SELECT state, count(*) FROM mail_queue GROUP BY state";
static const char SQL_MAIL_LIST_ALL[] =
    "SELECT id, kind, user_id, envelope_from, rcpt, NULL, state, last_error, attempts,"
    " created_at, next_attempt_at, updated_at, sent_at FROM mail_queue"
    " ORDER BY created_at DESC, id DESC LIMIT ?1";
static const char SQL_MAIL_LIST_STATE[] =
    "SELECT id, kind, user_id, envelope_from, rcpt, NULL, state, last_error, attempts,"
    " created_at, next_attempt_at, updated_at, sent_at FROM mail_queue WHERE state = ?2"
    " ORDER BY created_at DESC, id DESC LIMIT ?1";
static const char SQL_MAIL_REQUEUE[] =
    "UPDATE mail_queue SET state = 'queued', claim = NULL, attempts = 0, created_at = ?2,"
    " next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = 'failed'";
static const char SQL_MAIL_DROP[] =
    "DELETE FROM mail_queue WHERE id = ?1 AND state IN ('queued', 'failed')";

static int sb_sqlite_mail_complete(const sb_store_mail_new_t *m)
{
    return m && m->kind && m->envelope_from && m->rcpt && m->message
           && (!strcmp(m->kind, SB_MAIL_KIND_ACCOUNT)
               || !strcmp(m->kind, SB_MAIL_KIND_NOTIFICATION));
}

/* Insert m inside the caller's transaction; *queued 0 for an opted-out notification. */
sb_store_status_t sb_sqlite_mail_insert(sb_sqlite_conn_t *sc, const sb_store_mail_new_t *m,
                                        int64_t now, int *queued, char *id_out,
                                        sb_store_error_t *err)
{
    char id[SB_ID_LEN + 1];
    sqlite3_stmt *q;
    sb_store_status_t st;
    int rc;

    *queued = 0;
    if (!sb_sqlite_mail_complete(m)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_enqueue: incomplete message");
    }
    if (m->user_id && !strcmp(m->kind, SB_MAIL_KIND_NOTIFICATION)) {
        if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_OPTED_OUT, err))) {
            return err->status;
        }
        sb_sqlite_bind_text(q, 1, m->user_id);
        rc = sb_sqlite_step(sc, q, err, "mail opt-out");
        if (rc < 0) {
            return err->status;
        }
        sb_sqlite_done(q);
        if (rc == SQLITE_ROW) {
            return SB_STORE_OK;
        }
    }
    sb_id_new(id);
    if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_INSERT, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, m->kind);
    sb_sqlite_bind_text(q, 3, m->user_id);
    sb_sqlite_bind_text(q, 4, m->envelope_from);
    sb_sqlite_bind_text(q, 5, m->rcpt);
    sb_sqlite_bind_text(q, 6, m->message);
    sqlite3_bind_int64(q, 7, now);
    if ((st = sb_sqlite_exec_stmt(sc, q, err, "mail enqueue")) != SB_STORE_OK) {
        return st;
    }
    *queued = 1;
    if (id_out) {
        memcpy(id_out, id, sizeof id);
    }
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_mail_enqueue(sb_store_conn_t *c, const sb_store_mail_new_t *m,
                                         int64_t now, int *queued, char *id, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t st;
    int dummy;

    if (!queued) {
        queued = &dummy;
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    st = sb_sqlite_mail_insert(sc, m, now, queued, id, err);
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_mail_issue_link(sb_store_conn_t *c, apr_pool_t *p,
                                            const char *token_hash, const char *nonce,
                                            const char *user_id, const char *purpose,
                                            int64_t expires_at, int64_t now,
                                            sb_store_mail_compose_fn compose, void *ctx, char *id,
                                            sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    const char *live = NULL;
    sb_store_mail_new_t m = {0};
    sb_store_status_t st;
    int queued = 0;

    if (!token_hash || !nonce || !user_id || !purpose || !compose) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_issue_link: missing argument");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    st = sb_sqlite_link_live_or_issue(sc, p, token_hash, nonce, user_id, purpose, expires_at, now,
                                      &live, err);
    if (st != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    if (compose(ctx, p, live, &m)) {
        return sb_sqlite_end(sc,
                             sb_store_fail(err, SB_STORE_ERROR, NULL,
                                           "mail_issue_link: the message was not composed"),
                             err);
    }
    st = sb_sqlite_mail_insert(sc, &m, now, &queued, id, err);
    return sb_sqlite_end(sc, st, err);
}

/* One row of SQL_MAIL_GET's / the list's columns. */
static sb_store_mail_t *sb_sqlite_row_mail(apr_pool_t *p, sqlite3_stmt *q)
{
    sb_store_mail_t *m = apr_pcalloc(p, sizeof *m);

    sb_sqlite_col_id(q, 0, m->id);
    m->kind = sb_sqlite_col_text(p, q, 1);
    m->user_id = sb_sqlite_col_text(p, q, 2);
    m->envelope_from = sb_sqlite_col_text(p, q, 3);
    m->rcpt = sb_sqlite_col_text(p, q, 4);
    m->message = sb_sqlite_col_text(p, q, 5);
    m->state = sb_sqlite_col_text(p, q, 6);
    m->last_error = sb_sqlite_col_text(p, q, 7);
    m->attempts = sqlite3_column_int(q, 8);
    m->created_at = sqlite3_column_int64(q, 9);
    m->next_attempt_at = sqlite3_column_int64(q, 10);
    m->updated_at = sqlite3_column_int64(q, 11);
    m->sent_at = sqlite3_column_int64(q, 12);
    return m;
}

sb_store_status_t sb_sqlite_mail_claim(sb_store_conn_t *c, apr_pool_t *p, const char *holder,
                                       int64_t now, sb_store_mail_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    char id[SB_ID_LEN + 1];
    sb_store_status_t st;
    sqlite3_stmt *q;
    int rc;

    *out = NULL;
    if (!holder) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_claim: no holder");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_DUE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sqlite3_bind_int64(q, 1, now);
    rc = sb_sqlite_step(sc, q, err, "mail due");
    if (rc < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    if (rc != SQLITE_ROW) {
        sb_sqlite_done(q);
        return sb_sqlite_end(sc, SB_STORE_NOT_FOUND, err);
    }
    sb_sqlite_col_id(q, 0, id);
    sb_sqlite_done(q);
    if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_TAKE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, holder);
    sqlite3_bind_int64(q, 3, now);
    if ((st = sb_sqlite_exec_one(sc, q, err, "mail claim")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_GET, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    rc = sb_sqlite_step(sc, q, err, "mail get");
    if (rc < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    if (rc == SQLITE_ROW) {
        *out = sb_sqlite_row_mail(p, q);
    }
    sb_sqlite_done(q);
    st = *out ? SB_STORE_OK
              : sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_claim: claimed row vanished");
    if ((st = sb_sqlite_end(sc, st, err)) != SB_STORE_OK) {
        *out = NULL;
    }
    return st;
}

/* Run a guarded state change: STALE when it matched no row. */
static sb_store_status_t sb_sqlite_mail_guarded(sb_sqlite_conn_t *sc, sqlite3_stmt *q,
                                                sb_store_error_t *err, const char *what)
{
    sb_store_status_t st = sb_sqlite_exec_one(sc, q, err, what);

    if (st == SB_STORE_NOT_FOUND) {
        return sb_store_fail(err, SB_STORE_STALE, NULL, "%s: not held by this claim", what);
    }
    return st;
}

sb_store_status_t sb_sqlite_mail_mark_sending(sb_store_conn_t *c, const char *id,
                                              const char *holder, int64_t now,
                                              sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MAIL_SENDING, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, holder);
    sqlite3_bind_int64(q, 3, now);
    return sb_sqlite_mail_guarded(sc, q, err, "mail sending");
}

sb_store_status_t sb_sqlite_mail_mark_sent(sb_store_conn_t *c, const char *id, const char *holder,
                                           int64_t now, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MAIL_SENT, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, holder);
    sqlite3_bind_int64(q, 3, now);
    return sb_sqlite_mail_guarded(sc, q, err, "mail sent");
}

sb_store_status_t sb_sqlite_mail_mark_retry(sb_store_conn_t *c, const char *id, const char *holder,
                                            int64_t next_at, const char *why, int64_t now,
                                            sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MAIL_RETRY_AT, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, holder);
    sqlite3_bind_int64(q, 3, next_at);
    sb_sqlite_bind_text(q, 4, why);
    sqlite3_bind_int64(q, 5, now);
    return sb_sqlite_mail_guarded(sc, q, err, "mail retry");
}

sb_store_status_t sb_sqlite_mail_mark_failed(sb_store_conn_t *c, const char *id, const char *holder,
                                             const char *why, int64_t now, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MAIL_FAILED, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, holder);
    sb_sqlite_bind_text(q, 3, why ? why : "failed");
    sqlite3_bind_int64(q, 4, now);
    return sb_sqlite_mail_guarded(sc, q, err, "mail failed");
}

sb_store_status_t sb_sqlite_mail_recover(sb_store_conn_t *c, int64_t now, int *requeued,
                                         int *failed, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t st;
    sqlite3_stmt *q;

    *requeued = *failed = 0;
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_RECOVER_CLAIMED, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sqlite3_bind_int64(q, 1, now);
    if ((st = sb_sqlite_exec_stmt(sc, q, err, "mail recover")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    *requeued = sqlite3_changes(sc->db);
    if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_RECOVER_SENDING, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sqlite3_bind_int64(q, 1, now);
    if ((st = sb_sqlite_exec_stmt(sc, q, err, "mail recover")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    *failed = sqlite3_changes(sc->db);
    return sb_sqlite_end(sc, SB_STORE_OK, err);
}

sb_store_status_t sb_sqlite_mail_counts(sb_store_conn_t *c, sb_store_mail_counts_t *out,
                                        sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MAIL_COUNTS, err);
    int rc;

    memset(out, 0, sizeof *out);
    if (!q) {
        return err->status;
    }
    while ((rc = sb_sqlite_step(sc, q, err, "mail counts")) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(q, 0);
        int64_t n = sqlite3_column_int64(q, 1);
        if (!s) {
            continue;
        }
        if (!strcmp(s, "queued")) {
            out->queued = n;
        }
        else if (!strcmp(s, "claimed")) {
            out->claimed = n;
        }
        else if (!strcmp(s, "sending")) {
            out->sending = n;
        }
        else if (!strcmp(s, "sent")) {
            out->sent = n;
        }
        else if (!strcmp(s, "failed")) {
            out->failed = n;
        }
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_mail_list(sb_store_conn_t *c, apr_pool_t *p, const char *state,
                                      int limit, apr_array_header_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, state ? SQL_MAIL_LIST_STATE : SQL_MAIL_LIST_ALL, err);
    int rc;

    *out = apr_array_make(p, 8, sizeof(sb_store_mail_t *));
    if (!q) {
        return err->status;
    }
    sqlite3_bind_int(q, 1, limit > 0 ? limit : 1);
    if (state) {
        sb_sqlite_bind_text(q, 2, state);
    }
    while ((rc = sb_sqlite_step(sc, q, err, "mail list")) == SQLITE_ROW) {
        *(sb_store_mail_t **)apr_array_push(*out) = sb_sqlite_row_mail(p, q);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_mail_retry(sb_store_conn_t *c, const char *id, int64_t now,
                                       sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MAIL_REQUEUE, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, now);
    return sb_sqlite_exec_one(sc, q, err, "mail retry");
}

sb_store_status_t sb_sqlite_mail_drop(sb_store_conn_t *c, const char *id, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MAIL_DROP, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    return sb_sqlite_exec_one(sc, q, err, "mail drop");
}
