/*
 * MongoDB driver: the ledger domain (history, conservation audit) and the credits domain
 * (balance and holds, the filtered ledger, rows since an instant, the admin transfer).
 */
#include "mongo_economy.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_USERS  "users"
#define SB_LEDGER "credit_transactions"
#define SB_XFERS  "transfers"

/* Rows of filter (opts: sort, skip, limit) pushed onto out; *total (may be NULL) the count of
 * all rows filter matches. */
static sb_store_status_t sb_mongo_tx_rows(sb_store_conn_t *c, apr_pool_t *p, const bson_t *filter,
                                          const bson_t *opts, int want_rows,
                                          apr_array_header_t *out, int64_t *total,
                                          sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, SB_LEDGER);
    const bson_t *doc;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;

    if (total) {
        int64_t n = mongoc_collection_count_documents(col, filter, NULL, NULL, NULL, &e);
        if (n < 0) {
            mongoc_collection_destroy(col);
            return sb_mongo_fail(&e, NULL, err, "ledger count");
        }
        *total = n;
    }
    if (want_rows) {
        mongoc_cursor_t *cur = mongoc_collection_find_with_opts(col, filter, opts, NULL);
        while (mongoc_cursor_next(cur, &doc)) {
            sb_mongo_tx_from_doc(p, doc, apr_array_push(out));
        }
        st = sb_mongo_cursor_end(cur, NULL, st, "ledger rows", err);
    }
    mongoc_collection_destroy(col);
    return st;
}

/* ---- ledger ---- */

sb_store_status_t sb_mongo_ledger_list(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                       int offset, int limit, apr_array_header_t **out,
                                       int64_t *total, sb_store_error_t *err)
{
    apr_array_header_t *rows;
    bson_t filter, opts;
    int64_t count = 0;
    sb_store_status_t st;

    *out = NULL;
    offset = offset < 0 ? 0 : offset;
    limit = limit < 0 ? 0 : limit;
    rows = apr_array_make(p, limit > 0 && limit < 100 ? limit : 16, sizeof(sb_credit_tx_t));
    if (!sb_mongo_tx_page(&filter, &opts, user_id, NULL, NULL, offset, limit)) {
        *out = rows; /* no such user: no rows */
        if (total) {
            *total = 0;
        }
        return SB_STORE_OK;
    }
    st = sb_mongo_tx_rows(c, p, &filter, &opts, limit > 0, rows, &count, err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st == SB_STORE_OK) {
        *out = rows;
        if (total) {
            *total = count;
        }
    }
    return st;
}

/* The three aggregates (not one snapshot: an audit taken while moves run may count one
 * move's halves apart; sbctl ledger-check runs it on a quiet store, after recovery). */
sb_store_status_t sb_mongo_ledger_audit(sb_store_conn_t *c, sb_ledger_audit_t *out,
                                        sb_store_error_t *err)
{
    sb_ledger_audit_t a = {0};
    bson_t pipe, res;
    sb_store_status_t st;

    sb_mongo_audit_users(&pipe);
    st = sb_mongo_aggregate_one(c, SB_USERS, &pipe, &res, "audit users", err);
    bson_destroy(&pipe);
    a.balances = sb_mongo_doc_int(&res, "balances");
    a.bad_rows = sb_mongo_doc_int(&res, "bad_rows");
    a.bad_sums = sb_mongo_doc_int(&res, "bad_sums");
    bson_destroy(&res);
    if (st == SB_STORE_OK) {
        sb_mongo_audit_sessions(&pipe);
        st = sb_mongo_aggregate_one(c, "sessions", &pipe, &res, "audit sessions", err);
        bson_destroy(&pipe);
        a.escrow = sb_mongo_doc_int(&res, "escrow");
        a.bad_holds = sb_mongo_doc_int(&res, "bad_holds");
        bson_destroy(&res);
    }
    if (st == SB_STORE_OK) {
        sb_mongo_audit_ledger(&pipe);
        st = sb_mongo_aggregate_one(c, SB_LEDGER, &pipe, &res, "audit ledger", err);
        bson_destroy(&pipe);
        a.bonuses = sb_mongo_doc_int(&res, "bonuses");
        a.penalties = sb_mongo_doc_int(&res, "penalties");
        a.adjustments = sb_mongo_doc_int(&res, "adjustments");
        bson_destroy(&res);
    }
    if (st == SB_STORE_OK) {
        *out = a;
    }
    return st;
}

/* ---- credits ---- */

sb_store_status_t sb_mongo_credit_balance(sb_store_conn_t *c, const char *user_id,
                                          sb_credit_balance_t *out, sb_store_error_t *err)
{
    bson_t filter, doc, pipe, res;
    sb_store_status_t st;

    bson_init(&filter);
    if (!sb_mongo_append_id(&filter, "_id", user_id)) {
        bson_destroy(&filter);
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such user");
    }
    st = sb_mongo_find_one(c, SB_USERS, &filter, NULL, &doc, "balance", err);
    bson_destroy(&filter);
    if (st == SB_STORE_NOT_FOUND) {
        bson_destroy(&doc);
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such user");
    }
    if (st == SB_STORE_OK) {
        out->available = sb_mongo_doc_int(&doc, "credits");
        out->total_earned = sb_mongo_doc_int(&doc, "totalEarned");
        out->total_spent = sb_mongo_doc_int(&doc, "totalSpent");
        out->minutes_taught = sb_mongo_doc_int(&doc, "minutesTaught");
        out->minutes_learned = sb_mongo_doc_int(&doc, "minutesLearned");
        sb_mongo_held_pipeline(&pipe, user_id);
        st = sb_mongo_aggregate_one(c, "sessions", &pipe, &res, "held", err);
        out->held = sb_mongo_doc_int(&res, "held");
        bson_destroy(&res);
        bson_destroy(&pipe);
    }
    bson_destroy(&doc);
    return st;
}

sb_store_status_t sb_mongo_credit_tx_page(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                          const char *type, const char *category, int offset,
                                          int limit, apr_array_header_t **out, int64_t *total,
                                          sb_store_error_t *err)
{
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(sb_credit_tx_t));
    bson_t filter, opts;
    int64_t count = 0;
    sb_store_status_t st;

    *out = NULL;
    if (!sb_mongo_tx_page(&filter, &opts, user_id, type, category, offset, limit)) {
        *out = rows;
        *total = 0;
        return SB_STORE_OK;
    }
    st = sb_mongo_tx_rows(c, p, &filter, &opts, limit > 0, rows, &count, err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st == SB_STORE_OK) {
        *out = rows;
        *total = count;
    }
    return st;
}

sb_store_status_t sb_mongo_credit_tx_since(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                           int64_t since, apr_array_header_t **out,
                                           sb_store_error_t *err)
{
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(sb_credit_tx_t));
    bson_t filter, opts;
    sb_store_status_t st;

    *out = NULL;
    if (!sb_mongo_tx_since(&filter, &opts, user_id, since)) {
        *out = rows;
        return SB_STORE_OK;
    }
    st = sb_mongo_tx_rows(c, p, &filter, &opts, 1, rows, NULL, err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st == SB_STORE_OK) {
        *out = rows;
    }
    return st;
}

typedef struct {
    const char *id, *from, *to, *reason, *admin_id;
    int64_t amount, now;
} sb_mongo_transfer_t;

/*
 * The intent first (without a transaction it is what sb_mongo_recover completes), then the
 * keyed debit and credit, then the intent closed. A debit refused for the balance closes the
 * intent as failed at once.
 */
static sb_store_status_t sb_mongo_transfer_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                                sb_store_error_t *err)
{
    sb_mongo_transfer_t *x = ctx;
    const char *debit = apr_pstrcat(c->pool, "transfer:", x->id, ":debit", NULL);
    const char *credit = apr_pstrcat(c->pool, "transfer:", x->id, ":credit", NULL);
    sb_mongo_move_t out = {x->from,   "spent", -x->amount, NULL,       x->to,
                           x->reason, "admin", debit,      x->admin_id};
    sb_mongo_move_t in = {x->to,     "earned", x->amount, NULL,       x->from,
                          x->reason, "admin",  credit,    x->admin_id};
    bson_t doc, filter, update;
    sb_store_status_t st;
    int r;

    if ((r = sb_mongo_user_exists(c, x->from, opts, err)) <= 0) {
        return r < 0 ? err->status : sb_store_fail(err, SB_STORE_NOT_FOUND, "from", "no such user");
    }
    if ((r = sb_mongo_user_exists(c, x->to, opts, err)) <= 0) {
        return r < 0 ? err->status : sb_store_fail(err, SB_STORE_NOT_FOUND, "to", "no such user");
    }
    sb_mongo_transfer_doc(&doc, x->id, x->from, x->to, x->amount, x->reason, x->admin_id, x->now);
    st = sb_mongo_insert(c, SB_XFERS, &doc, opts, "transfer intent", err);
    bson_destroy(&doc);
    if (st != SB_STORE_OK) {
        return st;
    }
    st = sb_mongo_move(c, opts, &out, x->now, NULL, err);
    if (st == SB_STORE_OK) {
        st = sb_mongo_move(c, opts, &in, x->now, NULL, err);
    }
    else if (st == SB_STORE_INSUFFICIENT) {
        err->field = "amount";
    }
    if (st == SB_STORE_OK || st == SB_STORE_INSUFFICIENT) {
        sb_store_error_t e2;
        sb_mongo_transfer_state(&filter, &update, x->id, st == SB_STORE_OK ? "done" : "failed");
        sb_mongo_update(c, SB_XFERS, &filter, &update, opts, 0, NULL, "transfer close",
                        st == SB_STORE_OK ? err : &e2);
        bson_destroy(&filter);
        bson_destroy(&update);
    }
    return st;
}

sb_store_status_t sb_mongo_credit_transfer(sb_store_conn_t *c, const char *from_id,
                                           const char *to_id, int64_t amount, const char *reason,
                                           const char *admin_id, int64_t now, sb_store_error_t *err)
{
    char id[SB_ID_LEN + 1];
    sb_mongo_transfer_t x = {id, from_id, to_id, reason, admin_id, amount, now};

    if (amount <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, "amount", "amount must be positive");
    }
    if (!from_id || !to_id) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, from_id ? "to" : "from", "no such user");
    }
    if (strcmp(from_id, to_id) == 0) {
        return sb_store_fail(err, SB_STORE_CONFLICT, "to", "from and to are the same user");
    }
    sb_id_new(id);
    return sb_mongo_atomic(c, sb_mongo_transfer_step, &x, err);
}
