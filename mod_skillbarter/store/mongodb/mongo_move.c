/*
 * MongoDB driver: sb_mongo_move, the one way a balance changes, and sb_mongo_recover, which
 * completes what a stopped process left half done (see mongo_economy.h for the protocol).
 */
#include "mongo_economy.h"
#include "mongo_sessions.h"
#include "mongo_aggregates.h"
#include "mongo_messages.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_USERS  "users"
#define SB_LEDGER "credit_transactions"
#define SB_XFERS  "transfers"

/* The pending entry of key in a user document into *entry (static view into doc). */
static int sb_mongo_pending_entry(const bson_t *doc, const char *key, bson_t *entry)
{
    bson_iter_t it, arr;

    if (!bson_iter_init_find(&it, doc, "pendingMoves") || !BSON_ITER_HOLDS_ARRAY(&it)
        || !bson_iter_recurse(&it, &arr)) {
        return 0;
    }
    while (bson_iter_next(&arr)) {
        const uint8_t *data;
        uint32_t len;
        bson_iter_t k;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr)) {
            continue;
        }
        bson_iter_document(&arr, &len, &data);
        if (bson_init_static(entry, data, len) && bson_iter_init_find(&k, entry, "k")
            && BSON_ITER_HOLDS_UTF8(&k) && !strcmp(bson_iter_utf8(&k, NULL), key)) {
            return 1;
        }
    }
    return 0;
}

/*
 * Write the row of a pending entry and take the entry off. The row's _id comes from the
 * entry, so a second writer (the request and a recovery) finds it there: OK. A row of another
 * move holding the key makes this move a refused one: its balance change is rolled back and
 * CONFLICT "idempotency" answered.
 */
static sb_store_status_t sb_mongo_settle_entry(sb_store_conn_t *c, const bson_t *opts,
                                               const char *user_id, const bson_t *entry,
                                               sb_store_error_t *err)
{
    bson_t row, filter, update, found;
    const char *key = sb_mongo_doc_str(c->pool, entry, "k");
    char row_id[SB_ID_LEN + 1], found_id[SB_ID_LEN + 1];
    sb_store_status_t st;

    if (!key || !sb_mongo_doc_id(entry, "r", row_id)
        || !sb_mongo_row_from_pending(&row, user_id, entry)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "move: malformed pending entry");
    }
    st = sb_mongo_insert(c, SB_LEDGER, &row, opts, "ledger row", err);
    bson_destroy(&row);
    if (st == SB_STORE_CONFLICT) {
        /* ours already (the other writer won), or another move's key */
        bson_init(&filter);
        BSON_APPEND_UTF8(&filter, "idemKey", key);
        st = sb_mongo_find_one(c, SB_LEDGER, &filter, opts, &found, "ledger key", err);
        bson_destroy(&filter);
        if (st == SB_STORE_OK && sb_mongo_doc_id(&found, "_id", found_id)
            && strcmp(found_id, row_id)) {
            bson_destroy(&found);
            sb_mongo_pending_undo(&filter, &update, user_id, key, sb_mongo_doc_int(entry, "a"));
            st = sb_mongo_update(c, SB_USERS, &filter, &update, opts, 0, NULL, "move undo", err);
            bson_destroy(&filter);
            bson_destroy(&update);
            if (st != SB_STORE_OK) {
                return st;
            }
            return sb_store_fail(err, SB_STORE_CONFLICT, "idempotency",
                                 "move: key %s was used already", key);
        }
        bson_destroy(&found);
        if (st != SB_STORE_OK) {
            return st;
        }
    }
    else if (st != SB_STORE_OK) {
        return st;
    }
    sb_mongo_pending_done(&filter, &update, user_id, key);
    st = sb_mongo_update(c, SB_USERS, &filter, &update, opts, 0, NULL, "move done", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_move(sb_store_conn_t *c, const bson_t *opts, const sb_mongo_move_t *m,
                                int64_t now, int64_t *balance_after, sb_store_error_t *err)
{
    char row_id[SB_ID_LEN + 1];
    const char *key;
    bson_t filter, pipeline, after, entry;
    sb_store_status_t st;

    if (!m->amount || !m->type || !m->category) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "move: bad move");
    }
    sb_id_new(row_id);
    key = m->idem_key ? m->idem_key : apr_pstrcat(c->pool, "move:", row_id, NULL);
    if (!sb_mongo_move_update(&filter, &pipeline, m, key, row_id, now)) {
        return sb_store_fail(err, SB_STORE_INSUFFICIENT, "credits", "no such user");
    }
    st = sb_mongo_find_modify_pipeline(c, SB_USERS, &filter, &pipeline, 0, opts, &after, "balance",
                                       err);
    bson_destroy(&filter);
    bson_destroy(&pipeline);
    if (st == SB_STORE_NOT_FOUND) {
        /* too low, no such user, or this key pending on the user already (a retry) */
        bson_destroy(&after);
        return sb_store_fail(err, SB_STORE_INSUFFICIENT, "credits", "balance too low");
    }
    if (st == SB_STORE_OK && !sb_mongo_pending_entry(&after, key, &entry)) {
        st = sb_store_fail(err, SB_STORE_ERROR, NULL, "move: pending entry missing");
    }
    if (st == SB_STORE_OK) {
        int64_t bal = sb_mongo_doc_int(&entry, "b");
        st = sb_mongo_settle_entry(c, opts, m->user_id, &entry, err);
        if (st == SB_STORE_OK && balance_after) {
            *balance_after = bal;
        }
    }
    bson_destroy(&after);
    return st;
}

/* ---- recovery ---- */

/* Every stale pending entry of one user document, rolled forward. */
static int sb_mongo_recover_user(sb_store_conn_t *c, const bson_t *user, int64_t before,
                                 sb_store_error_t *err)
{
    char uid[SB_ID_LEN + 1];
    bson_iter_t it, arr;
    int fixed = 0;

    if (!sb_mongo_doc_id(user, "_id", uid) || !bson_iter_init_find(&it, user, "pendingMoves")
        || !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &arr)) {
        return 0;
    }
    while (bson_iter_next(&arr)) {
        const uint8_t *data;
        uint32_t len;
        bson_t entry;
        sb_store_error_t e2;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr)) {
            continue;
        }
        bson_iter_document(&arr, &len, &data);
        if (!bson_init_static(&entry, data, len) || sb_mongo_get_time(&entry, "t") >= before) {
            continue;
        }
        sb_store_status_t st = sb_mongo_settle_entry(c, NULL, uid, &entry, &e2);
        if (st == SB_STORE_OK || st == SB_STORE_CONFLICT) {
            fixed++; /* written, or a refused move undone */
        }
        else if (err) {
            *err = e2;
        }
    }
    return fixed;
}

/* Is there a ledger row with key? 1 yes, 0 no, -1 error. */
static int sb_mongo_row_exists(sb_store_conn_t *c, const char *key, sb_store_error_t *err)
{
    bson_t filter, doc;
    sb_store_status_t st;

    bson_init(&filter);
    BSON_APPEND_UTF8(&filter, "idemKey", key);
    st = sb_mongo_find_one(c, SB_LEDGER, &filter, NULL, &doc, "ledger key", err);
    bson_destroy(&filter);
    bson_destroy(&doc);
    return st == SB_STORE_OK ? 1 : st == SB_STORE_NOT_FOUND ? 0 : -1;
}

/* One open transfer: debited -> credit it (keyed, so once) and close it; never debited ->
 * close it as failed. Pending entries were rolled forward before, so rows tell. */
static int sb_mongo_recover_transfer(sb_store_conn_t *c, const bson_t *x, int64_t before,
                                     sb_store_error_t *err)
{
    int64_t now = apr_time_as_msec(apr_time_now());
    char id[SB_ID_LEN + 1], from[SB_ID_LEN + 1], to[SB_ID_LEN + 1];
    const char *debit, *credit, *state = "failed";
    bson_t filter, update;
    int has;

    if (!sb_mongo_doc_id(x, "_id", id) || !sb_mongo_doc_id(x, "from", from)
        || !sb_mongo_doc_id(x, "to", to)) {
        return 0;
    }
    debit = apr_pstrcat(c->pool, "transfer:", id, ":debit", NULL);
    credit = apr_pstrcat(c->pool, "transfer:", id, ":credit", NULL);
    if ((has = sb_mongo_row_exists(c, debit, err)) < 0) {
        return 0;
    }
    if (has) {
        sb_mongo_move_t in = {to,      "earned", sb_mongo_doc_int(x, "amount"),
                              NULL,    from,     sb_mongo_doc_str(c->pool, x, "reason"),
                              "admin", credit,   sb_mongo_doc_str(c->pool, x, "adminId")};
        sb_store_status_t st;
        if ((has = sb_mongo_row_exists(c, credit, err)) < 0) {
            return 0;
        }
        st = has ? SB_STORE_OK : sb_mongo_move(c, NULL, &in, now, NULL, err);
        if (st != SB_STORE_OK) {
            return 0;
        }
        state = "done";
    }
    sb_mongo_transfer_state(&filter, &update, id, state);
    sb_mongo_update(c, SB_XFERS, &filter, &update, NULL, 0, NULL, "transfer close", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return 1;
}

/* Walk the documents filter matches in coll with fn; the count fn returns, summed. */
static sb_store_status_t sb_mongo_each(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                       int (*fn)(sb_store_conn_t *c, const bson_t *doc, int64_t arg,
                                                 sb_store_error_t *err),
                                       int64_t arg, int *count, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(col, filter, NULL, NULL);
    const bson_t *doc;
    sb_store_status_t st = SB_STORE_OK;

    while (mongoc_cursor_next(cur, &doc)) {
        *count += fn(c, doc, arg, err);
    }
    return sb_mongo_cursor_end(cur, col, st, "recover", err);
}

sb_store_status_t sb_mongo_recover(sb_store_conn_t *c, int64_t before, int *fixed,
                                   sb_store_error_t *err)
{
    bson_t filter;
    int n = 0;
    sb_store_status_t st;

    sb_mongo_pending_stale(&filter, before);
    st = sb_mongo_each(c, SB_USERS, &filter, sb_mongo_recover_user, before, &n, err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK) {
        sb_mongo_transfer_stale(&filter, before);
        st = sb_mongo_each(c, SB_XFERS, &filter, sb_mongo_recover_transfer, before, &n, err);
        bson_destroy(&filter);
    }
    if (st == SB_STORE_OK) {
        int sessions = 0;
        st = sb_mongo_session_recover(c, before, &sessions, err);
        n += sessions;
    }
    /* and the discovery counters a write without a transaction left half incremented */
    if (st == SB_STORE_OK) {
        st = sb_mongo_agg_recover(c, before, &n, err);
    }
    /* and the conversation counters likewise */
    if (st == SB_STORE_OK) {
        st = sb_mongo_stats_recover(c, before, &n, err);
    }
    if (fixed) {
        *fixed = n;
    }
    return st;
}
