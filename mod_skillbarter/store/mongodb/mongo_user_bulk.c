/*
 * MongoDB driver: users_bulk_insert (seeding) — the users with their derived fields and
 * welcome rows in one atomic step, and their contribution to the discovery aggregates.
 */
#include "mongo_aggregates.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_USERS  "users"
#define SB_LEDGER "credit_transactions"

typedef struct {
    apr_pool_t *p;
    const sb_user_t *users;
    int n;
    int inserted;              /* users written (an ordered insert stops at the first failure) */
    int ledger_done;           /* the welcome rows' insert was sent */
    apr_array_header_t *delta; /* the users' contribution to the discovery aggregates */
    const bson_t *pending;     /* without a transaction: the aggPending entry of every user */
} sb_mongo_bulk_t;

/* insertMany of docs[0..n) into coll; *inserted gets the reply's insertedCount. */
static sb_store_status_t sb_mongo_insert_many(sb_store_conn_t *c, const char *coll,
                                              const bson_t **docs, int n, const bson_t *opts,
                                              int *inserted, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    bson_t reply;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;

    if (!mongoc_collection_insert_many(col, docs, (size_t)n, opts, &reply, &e)) {
        st = sb_mongo_fail(&e, &reply, err, coll);
    }
    if (inserted) {
        *inserted = (int)sb_mongo_doc_int(&reply, "insertedCount");
    }
    bson_destroy(&reply);
    mongoc_collection_destroy(col);
    return st;
}

/* Both inserts of one bulk step: the users (ordered), then their welcome rows. */
static sb_store_status_t sb_mongo_bulk_insert_all(sb_store_conn_t *c, sb_mongo_bulk_t *b,
                                                  const bson_t *opts, sb_store_error_t *err)
{
    bson_t *udocs = apr_pcalloc(b->p, sizeof(bson_t) * (size_t)b->n);
    bson_t *rows = apr_pcalloc(b->p, sizeof(bson_t) * (size_t)b->n);
    const bson_t **uv = apr_pcalloc(b->p, sizeof(bson_t *) * (size_t)b->n);
    const bson_t **rv = apr_pcalloc(b->p, sizeof(bson_t *) * (size_t)b->n);
    int i, nu = 0, nr = 0;
    sb_store_status_t st = SB_STORE_OK;

    for (i = 0; i < b->n; i++) {
        const sb_user_t *u = &b->users[i];
        char row_id[SB_ID_LEN + 1];
        if (!sb_mongo_user_doc(b->p, &udocs[nu], u)) {
            st = sb_store_fail(err, SB_STORE_ERROR, NULL, "bulk_insert: user %d is incomplete", i);
            break;
        }
        if (b->pending && !opts) {
            bson_t arr;
            BSON_APPEND_ARRAY_BEGIN(&udocs[nu], "aggPending", &arr);
            BSON_APPEND_DOCUMENT(&arr, "0", b->pending);
            bson_append_array_end(&udocs[nu], &arr);
        }
        uv[nu] = &udocs[nu];
        nu++;
        sb_id_new(row_id);
        if (u->credits > 0
            && sb_mongo_bonus_row(&rows[nr], row_id, u->id, u->credits, u->created_at)) {
            rv[nr] = &rows[nr];
            nr++;
        }
    }
    if (st == SB_STORE_OK) {
        st = sb_mongo_insert_many(c, SB_USERS, uv, nu, opts, &b->inserted, err);
    }
    if (st == SB_STORE_OK && nr > 0) {
        b->ledger_done = 1;
        st = sb_mongo_insert_many(c, SB_LEDGER, rv, nr, opts, NULL, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_mongo_agg_apply(c, opts, b->delta, err);
    }
    for (i = 0; i < nu; i++) {
        bson_destroy(&udocs[i]);
    }
    for (i = 0; i < nr; i++) {
        bson_destroy(&rows[i]);
    }
    return st;
}

/* {key: {$in: [v(users[0]), ... v(users[n-1])]}} into b. */
static void sb_mongo_bulk_in(const sb_mongo_bulk_t *b, bson_t *filter, const char *key, int n)
{
    bson_t in, arr;
    char buf[16];
    const char *k;
    int i;

    bson_init(filter);
    bson_append_document_begin(filter, key, -1, &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
    for (i = 0; i < n; i++) {
        bson_uint32_to_string((uint32_t)i, &k, buf, sizeof(buf));
        if (!strcmp(key, "_id")) {
            sb_mongo_append_id(&arr, k, b->users[i].id);
        }
        else {
            BSON_APPEND_UTF8(&arr, k, apr_pstrcat(b->p, "welcome:", b->users[i].id, NULL));
        }
    }
    bson_append_array_end(&in, &arr);
    bson_append_document_end(filter, &in);
}

/* Without a transaction a failed bulk takes out again what it wrote: the users its ordered
 * insert got in (never one that was there before) and, once sent, their welcome rows. */
static void sb_mongo_bulk_undo(sb_store_conn_t *c, const sb_mongo_bulk_t *b)
{
    bson_t filter;
    sb_store_error_t e2;

    if (b->ledger_done) {
        sb_mongo_bulk_in(b, &filter, "idemKey", b->inserted);
        sb_mongo_delete(c, SB_LEDGER, &filter, NULL, 1, NULL, "bulk undo", &e2);
        bson_destroy(&filter);
    }
    if (b->inserted > 0) {
        sb_mongo_bulk_in(b, &filter, "_id", b->inserted);
        sb_mongo_delete(c, SB_USERS, &filter, NULL, 1, NULL, "bulk undo", &e2);
        bson_destroy(&filter);
    }
}

static sb_store_status_t sb_mongo_bulk_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                            sb_store_error_t *err)
{
    sb_mongo_bulk_t *b = ctx;
    sb_store_status_t st;

    b->inserted = b->ledger_done = 0;
    st = sb_mongo_bulk_insert_all(c, b, opts, err);
    if (st != SB_STORE_OK && !opts) {
        sb_mongo_bulk_undo(c, b);
    }
    return st;
}

/* The users go in with their derived fields (cardHead, search words) and add their
 * contribution to the discovery aggregates in the same step; without a transaction each user
 * carries the pending entry until the counters are incremented (mongo_aggregates.h). */
sb_store_status_t sb_mongo_users_bulk_insert(sb_store_conn_t *c, const sb_user_t *users, int n,
                                             sb_store_error_t *err)
{
    sb_mongo_bulk_t b = {NULL, users, n, 0, 0, NULL, NULL};
    bson_t pending, filter;
    char op[SB_ID_LEN + 1];
    sb_store_status_t st;
    int i;

    if (n < 0 || (n > 0 && !users)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "bulk_insert: bad arguments");
    }
    if (n == 0) {
        return SB_STORE_OK;
    }
    apr_pool_create(&b.p, c->pool);
    b.delta = apr_array_make(b.p, 64, sizeof(sb_mongo_agg_t));
    for (i = 0; i < n; i++) {
        sb_mongo_agg_add(b.p, b.delta, &users[i], 1);
    }
    if (!SB_MONGO(c)->ms->transactions && sb_mongo_agg_changes(b.delta) > 0) {
        sb_id_new(op);
        sb_mongo_agg_pending(&pending, op, apr_time_as_msec(apr_time_now()), b.delta);
        b.pending = &pending;
    }
    st = sb_mongo_atomic(c, sb_mongo_bulk_step, &b, err);
    if (st == SB_STORE_OK && b.pending) {
        sb_mongo_bulk_in(&b, &filter, "_id", n);
        st = sb_mongo_agg_done(c, &filter, op, err);
        bson_destroy(&filter);
    }
    if (b.pending) {
        bson_destroy(&pending);
    }
    apr_pool_destroy(b.p);
    return st;
}
