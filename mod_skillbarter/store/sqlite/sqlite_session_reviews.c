/*
 * SQLite driver: what follows a completed session (store_sessions.h): the learner's dispute
 * and an admin's resolution (refund rows keyed by the session), reviews and the reviewee's
 * exact mean rating, the reviews of a user.
 */
#include "sqlite_session_int.h"

#include <string.h>

#include <apr_strings.h>

static const char SQL_DISPUTE[] =
    "UPDATE sessions SET is_disputed = 1, dispute_reason = ?2, disputed_at = ?3,"
    " updated_at = ?3 WHERE id = ?1 AND status = 'completed' AND is_disputed = 0";
static const char SQL_RESOLVE[] =
    "UPDATE sessions SET dispute_resolved_at = ?2, dispute_refund = ?3, updated_at = ?2"
    " WHERE id = ?1 AND is_disputed = 1 AND dispute_resolved_at IS NULL";
static const char SQL_REVIEW_INSERT[] =
    "INSERT INTO reviews (id, session_id, reviewer_id, reviewee_id, rating, feedback,"
    " would_recommend, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* The mean from the kept sum and count (right-hand sides read the old row). */
static const char SQL_RATING[] =
    "UPDATE users SET rating_sum = rating_sum + ?2, total_reviews = total_reviews + 1,"
    " rating = CAST(rating_sum + ?2 AS REAL) / (total_reviews + 1) WHERE id = ?1";
static const char SQL_REVIEWS_FIRST[] =
    "SELECT r.id, r.session_id, r.reviewee_id, r.rating, r.feedback, r.would_recommend,"
    " r.created_at, s.skill, " SB_SQLITE_CARD_COLS
    " FROM reviews r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = r.reviewer_id"
    " WHERE r.reviewee_id = ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?2";
static const char SQL_REVIEWS_AFTER[] =
    "SELECT r.id, r.session_id, r.reviewee_id, r.rating, r.feedback, r.would_recommend,"
    " r.created_at, s.skill, " SB_SQLITE_CARD_COLS
    " FROM reviews r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = r.reviewer_id"
    " WHERE r.reviewee_id = ?1 AND (r.created_at, r.id) < (?3, ?4)"
    " ORDER BY r.created_at DESC, r.id DESC LIMIT ?2";

sb_store_status_t sb_sqlite_session_dispute(sb_store_conn_t *c, const char *id,
                                            const char *learner_id, const char *reason,
                                            int64_t window_ms, int64_t now, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_pool_t *p;
    sb_session_t s;
    sb_store_status_t st;
    sqlite3_stmt *q;

    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&p, NULL);
    st = sb_sqlite_session_load(sc, p, id, &s, err);
    if (st == SB_STORE_OK && strcmp(s.student_id, learner_id) != 0) {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    else if (st == SB_STORE_OK && strcmp(s.status, "completed") != 0) {
        st = sb_store_fail(err, SB_STORE_STALE,
                           sb_session_status_name(sb_session_status_parse(s.status)),
                           "only a completed session can be disputed");
    }
    else if (st == SB_STORE_OK && s.is_disputed) {
        st = sb_store_fail(err, SB_STORE_CONFLICT, "isDisputed", "disputed already");
    }
    else if (st == SB_STORE_OK && now - s.ended_at > window_ms) {
        st = sb_store_fail(err, SB_STORE_REFUSED, "window",
                           "the time to dispute this session has passed");
    }
    apr_pool_destroy(p);
    if (st == SB_STORE_OK) {
        if (!(q = sb_sqlite_prepare(sc, SQL_DISPUTE, err))) {
            st = err->status;
        }
        else {
            sb_sqlite_bind_text(q, 1, id);
            sb_sqlite_bind_text(q, 2, reason);
            sqlite3_bind_int64(q, 3, now);
            st = sb_sqlite_exec_one(sc, q, err, "dispute");
        }
    }
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_session_resolve(sb_store_conn_t *c, const char *id,
                                            const char *admin_id, int percent, const char *note,
                                            int64_t now, int64_t *refunded, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_pool_t *p;
    sb_session_t s;
    sb_store_status_t st;
    sqlite3_stmt *q;
    int64_t refund = 0;

    if (percent < 0 || percent > 100) {
        return sb_store_fail(err, SB_STORE_ERROR, "refundPercent", "0 to 100");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&p, NULL);
    st = sb_sqlite_session_load(sc, p, id, &s, err);
    if (st == SB_STORE_OK && (!s.is_disputed || s.dispute_resolved_at)) {
        st = sb_store_fail(err, SB_STORE_STALE, "isDisputed", "no open dispute");
    }
    if (st == SB_STORE_OK) {
        refund = s.credits_exchanged * percent / 100;
    }
    if (st == SB_STORE_OK) {
        sb_session_plan_t plan;
        int i;
        sb_session_plan_refund(p, &s, refund, note, &plan);
        for (i = 0; i < plan.n && st == SB_STORE_OK; i++) {
            /* the teacher's balance first: short of the refund, nothing moves */
            if ((st = sb_sqlite_session_move(sc, s.id, &plan.m[i], now, err))
                == SB_STORE_INSUFFICIENT) {
                err->field = "refund";
            }
        }
    }
    apr_pool_destroy(p);
    (void)admin_id;
    if (st == SB_STORE_OK) {
        if (!(q = sb_sqlite_prepare(sc, SQL_RESOLVE, err))) {
            st = err->status;
        }
        else {
            sb_sqlite_bind_text(q, 1, id);
            sqlite3_bind_int64(q, 2, now);
            sqlite3_bind_int64(q, 3, refund);
            st = sb_sqlite_exec_one(sc, q, err, "resolve");
        }
    }
    st = sb_sqlite_end(sc, st, err);
    if (st == SB_STORE_OK && refunded) {
        *refunded = refund;
    }
    return st;
}

sb_store_status_t sb_sqlite_review_add(sb_store_conn_t *c, const sb_review_new_t *r,
                                       const sb_outbox_event_t *events, int nevents,
                                       const sb_notification_new_t *notify, int64_t now,
                                       sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_pool_t *p;
    sb_session_t s;
    sb_store_status_t st;
    sqlite3_stmt *q;
    const char *reviewee = NULL;

    if (r->rating < 1 || r->rating > 5) {
        return sb_store_fail(err, SB_STORE_ERROR, "rating", "1 to 5");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&p, NULL);
    st = sb_sqlite_session_load(sc, p, r->session_id, &s, err);
    if (st == SB_STORE_OK) {
        reviewee = strcmp(r->reviewer_id, s.teacher_id) == 0   ? s.student_id
                   : strcmp(r->reviewer_id, s.student_id) == 0 ? s.teacher_id
                                                               : NULL;
        if (!reviewee) {
            st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
        }
        else if (strcmp(s.status, "completed") != 0) {
            st = sb_store_fail(err, SB_STORE_STALE,
                               sb_session_status_name(sb_session_status_parse(s.status)),
                               "only a completed session can be reviewed");
        }
    }
    if (st == SB_STORE_OK && (q = sb_sqlite_prepare(sc, SQL_REVIEW_INSERT, err))) {
        sb_sqlite_bind_text(q, 1, r->id);
        sb_sqlite_bind_text(q, 2, r->session_id);
        sb_sqlite_bind_text(q, 3, r->reviewer_id);
        sb_sqlite_bind_text(q, 4, reviewee);
        sqlite3_bind_int(q, 5, r->rating);
        sb_sqlite_bind_text(q, 6, r->feedback);
        if (r->would_recommend >= 0) {
            sqlite3_bind_int(q, 7, r->would_recommend ? 1 : 0);
        }
        sqlite3_bind_int64(q, 8, now);
        if ((st = sb_sqlite_exec_stmt(sc, q, err, "review insert")) == SB_STORE_CONFLICT) {
            err->field = "review";
        }
    }
    else if (st == SB_STORE_OK) {
        st = err->status;
    }
    if (st == SB_STORE_OK && (q = sb_sqlite_prepare(sc, SQL_RATING, err))) {
        sb_sqlite_bind_text(q, 1, reviewee);
        sqlite3_bind_int(q, 2, r->rating);
        st = sb_sqlite_exec_one(sc, q, err, "rating");
    }
    else if (st == SB_STORE_OK) {
        st = err->status;
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_session_announce(sc, events, nevents, notify, now, err);
    }
    apr_pool_destroy(p);
    return sb_sqlite_end(sc, st, err);
}

static void row_review(apr_pool_t *p, sqlite3_stmt *q, void *row)
{
    sb_session_review_t *v = row;

    sb_sqlite_col_id(q, 0, v->id);
    sb_sqlite_col_id(q, 1, v->session_id);
    sb_sqlite_col_id(q, 2, v->reviewee_id);
    v->rating = sqlite3_column_int(q, 3);
    v->feedback = sb_sqlite_col_text(p, q, 4);
    v->would_recommend = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 5);
    v->created_at = sqlite3_column_int64(q, 6);
    v->skill = sb_sqlite_col_text(p, q, 7);
    v->reviewer = *sb_sqlite_row_card(p, q, 8, apr_array_make(p, 1, sizeof(sb_user_card_t)));
}

sb_store_status_t sb_sqlite_reviews_page(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                         int64_t after_created_at, const char *after_id, int limit,
                                         apr_array_header_t **out, int *has_more,
                                         sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, after_id ? SQL_REVIEWS_AFTER : SQL_REVIEWS_FIRST, err);
    apr_array_header_t *rows =
        apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_session_review_t));
    sb_store_status_t st;

    *out = NULL;
    *has_more = 0;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int(q, 2, limit + 1);
    if (after_id) {
        sqlite3_bind_int64(q, 3, after_created_at);
        sb_sqlite_bind_text(q, 4, after_id);
    }
    if ((st = sb_sqlite_rows(sc, p, q, row_review, limit, rows, has_more, err, "reviews"))
        == SB_STORE_OK) {
        *out = rows;
    }
    return st;
}
