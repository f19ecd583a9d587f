/*
 * MongoDB driver: the economy's documents, filters, updates and pipelines (pure builders,
 * unit-tested against expected documents). The audit's pipelines are fixed text; every value
 * that can come from a request is appended as a BSON value, inside a pipeline as $literal, so
 * a "$field" or "{$gt: ...}" text stays text.
 */
#include "mongo_economy.h"

#include <string.h>

#include <apr_strings.h>

int sb_mongo_move_update(bson_t *filter, bson_t *pipeline, const sb_mongo_move_t *m,
                         const char *key, const char *row_id, int64_t now)
{
    bson_t ne, gte, st, set, add, args, seq, ifn, ifargs, pend, cat, arr, entry, empty;
    bson_oid_t roid;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "_id", m->user_id) || !sb_mongo_oid_from_id(row_id, &roid)) {
        bson_destroy(filter);
        return 0;
    }
    BSON_APPEND_DOCUMENT_BEGIN(filter, "pendingMoves.k", &ne);
    BSON_APPEND_UTF8(&ne, "$ne", key);
    bson_append_document_end(filter, &ne);
    if (m->amount < 0) {
        BSON_APPEND_DOCUMENT_BEGIN(filter, "credits", &gte);
        BSON_APPEND_INT64(&gte, "$gte", -m->amount);
        bson_append_document_end(filter, &gte);
    }
    bson_init(pipeline);
    /* stage 0: the balance and the user's ledger sequence */
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "credits", &add);
    BSON_APPEND_ARRAY_BEGIN(&add, "$add", &args);
    BSON_APPEND_UTF8(&args, "0", "$credits");
    BSON_APPEND_INT64(&args, "1", m->amount);
    bson_append_array_end(&add, &args);
    bson_append_document_end(&set, &add);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "ledgerSeq", &seq);
    BSON_APPEND_ARRAY_BEGIN(&seq, "$add", &args);
    BSON_APPEND_DOCUMENT_BEGIN(&args, "0", &ifn);
    BSON_APPEND_ARRAY_BEGIN(&ifn, "$ifNull", &ifargs);
    BSON_APPEND_UTF8(&ifargs, "0", "$ledgerSeq");
    BSON_APPEND_INT64(&ifargs, "1", 0);
    bson_append_array_end(&ifn, &ifargs);
    bson_append_document_end(&args, &ifn);
    BSON_APPEND_INT64(&args, "1", 1);
    bson_append_array_end(&seq, &args);
    bson_append_document_end(&set, &seq);
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
    /* stage 1: the pending entry, with the values stage 0 made */
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "1", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "pendingMoves", &pend);
    BSON_APPEND_ARRAY_BEGIN(&pend, "$concatArrays", &cat);
    BSON_APPEND_DOCUMENT_BEGIN(&cat, "0", &ifn);
    BSON_APPEND_ARRAY_BEGIN(&ifn, "$ifNull", &ifargs);
    BSON_APPEND_UTF8(&ifargs, "0", "$pendingMoves");
    BSON_APPEND_ARRAY_BEGIN(&ifargs, "1", &empty);
    bson_append_array_end(&ifargs, &empty);
    bson_append_array_end(&ifn, &ifargs);
    bson_append_document_end(&cat, &ifn);
    BSON_APPEND_ARRAY_BEGIN(&cat, "1", &arr);
    BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &entry);
    sb_mongo_append_literal(&entry, "k", key);
    bson_append_oid(&entry, "r", -1, &roid);
    BSON_APPEND_INT64(&entry, "a", m->amount);
    BSON_APPEND_UTF8(&entry, "b", "$credits");
    BSON_APPEND_UTF8(&entry, "s", "$ledgerSeq");
    bson_append_date_time(&entry, "t", -1, now);
    sb_mongo_append_literal(&entry, "type", m->type);
    sb_mongo_append_id_or_null(&entry, "relatedSession", m->related_session);
    sb_mongo_append_id_or_null(&entry, "relatedUser", m->related_user);
    sb_mongo_append_literal(&entry, "description", m->description ? m->description : "");
    sb_mongo_append_literal(&entry, "category", m->category);
    sb_mongo_append_literal(&entry, "adminNote", m->admin_note);
    bson_append_document_end(&arr, &entry);
    bson_append_array_end(&cat, &arr);
    bson_append_array_end(&pend, &cat);
    bson_append_document_end(&set, &pend);
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
    return 1;
}

/* Copy key of src (when there) into dst under to. */
static void sb_mongo_copy_key(bson_t *dst, const char *to, const bson_t *src, const char *key)
{
    bson_iter_t it;

    if (bson_iter_init_find(&it, src, key)) {
        bson_append_iter(dst, to, -1, &it);
    }
    else {
        bson_append_null(dst, to, -1);
    }
}

int sb_mongo_row_from_pending(bson_t *row, const char *user_id, const bson_t *entry)
{
    bson_init(row);
    sb_mongo_copy_key(row, "_id", entry, "r");
    if (!sb_mongo_append_id(row, "userId", user_id)) {
        bson_destroy(row);
        return 0;
    }
    sb_mongo_copy_key(row, "type", entry, "type");
    sb_mongo_copy_key(row, "amount", entry, "a");
    sb_mongo_copy_key(row, "balanceAfter", entry, "b");
    sb_mongo_copy_key(row, "seq", entry, "s");
    sb_mongo_copy_key(row, "relatedSession", entry, "relatedSession");
    sb_mongo_copy_key(row, "relatedUser", entry, "relatedUser");
    sb_mongo_copy_key(row, "description", entry, "description");
    sb_mongo_copy_key(row, "category", entry, "category");
    BSON_APPEND_UTF8(row, "status", "completed");
    sb_mongo_copy_key(row, "idemKey", entry, "k");
    sb_mongo_copy_key(row, "adminNote", entry, "adminNote");
    sb_mongo_copy_key(row, "createdAt", entry, "t");
    return 1;
}

int sb_mongo_pending_done(bson_t *filter, bson_t *update, const char *user_id, const char *key)
{
    bson_t pull, k;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "_id", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    BSON_APPEND_UTF8(filter, "pendingMoves.k", key);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$pull", &pull);
    BSON_APPEND_DOCUMENT_BEGIN(&pull, "pendingMoves", &k);
    BSON_APPEND_UTF8(&k, "k", key);
    bson_append_document_end(&pull, &k);
    bson_append_document_end(update, &pull);
    return 1;
}

int sb_mongo_pending_undo(bson_t *filter, bson_t *update, const char *user_id, const char *key,
                          int64_t amount)
{
    bson_t inc;

    if (!sb_mongo_pending_done(filter, update, user_id, key)) {
        return 0;
    }
    BSON_APPEND_DOCUMENT_BEGIN(update, "$inc", &inc);
    BSON_APPEND_INT64(&inc, "credits", -amount);
    bson_append_document_end(update, &inc);
    return 1;
}

void sb_mongo_pending_stale(bson_t *filter, int64_t before)
{
    bson_t lt;

    bson_init(filter);
    BSON_APPEND_DOCUMENT_BEGIN(filter, "pendingMoves.t", &lt);
    bson_append_date_time(&lt, "$lt", -1, before);
    bson_append_document_end(filter, &lt);
}

/* {sort: {createdAt: dir, seq: dir}} plus skip/limit when limit > 0. */
static void sb_mongo_tx_opts(bson_t *opts, int dir, int offset, int limit)
{
    bson_t sort;

    bson_init(opts);
    BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "createdAt", dir);
    BSON_APPEND_INT32(&sort, "seq", dir);
    bson_append_document_end(opts, &sort);
    if (limit > 0) {
        BSON_APPEND_INT64(opts, "skip", offset > 0 ? offset : 0);
        BSON_APPEND_INT64(opts, "limit", limit);
    }
}

int sb_mongo_tx_page(bson_t *filter, bson_t *opts, const char *user_id, const char *type,
                     const char *category, int offset, int limit)
{
    bson_init(filter);
    if (!sb_mongo_append_id(filter, "userId", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    if (type) {
        BSON_APPEND_UTF8(filter, "type", type);
    }
    if (category) {
        BSON_APPEND_UTF8(filter, "category", category);
    }
    sb_mongo_tx_opts(opts, -1, offset, limit);
    return 1;
}

int sb_mongo_tx_since(bson_t *filter, bson_t *opts, const char *user_id, int64_t since)
{
    bson_t gte;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "userId", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    BSON_APPEND_DOCUMENT_BEGIN(filter, "createdAt", &gte);
    bson_append_date_time(&gte, "$gte", -1, since);
    bson_append_document_end(filter, &gte);
    sb_mongo_tx_opts(opts, 1, 0, 0);
    return 1;
}

#define SB_OPEN_STATUSES "[\"pending\", \"scheduled\", \"in_progress\"]"

int sb_mongo_held_pipeline(bson_t *pipeline, const char *user_id)
{
    bson_t st, match, in, grp, sum;
    bson_error_t e;

    bson_init(pipeline);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &match);
    if (!sb_mongo_append_id(&match, "studentId", user_id)) {
        bson_append_document_end(&st, &match);
        bson_append_document_end(pipeline, &st);
        bson_destroy(pipeline);
        return 0;
    }
    if (!bson_init_from_json(&in, "{\"$in\": " SB_OPEN_STATUSES "}", -1, &e)) {
        bson_init(&in);
    }
    BSON_APPEND_DOCUMENT(&match, "status", &in);
    bson_destroy(&in);
    bson_append_document_end(&st, &match);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "1", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$group", &grp);
    bson_append_null(&grp, "_id", -1);
    BSON_APPEND_DOCUMENT_BEGIN(&grp, "held", &sum);
    BSON_APPEND_UTF8(&sum, "$sum", "$escrowMinutes");
    bson_append_document_end(&grp, &sum);
    bson_append_document_end(&st, &grp);
    bson_append_document_end(pipeline, &st);
    return 1;
}

/* A fixed pipeline from its JSON text (an array), as a document with keys "0", "1", ... */
static void sb_mongo_pipeline_json(bson_t *pipeline, const char *json)
{
    bson_t wrapped;
    bson_iter_t it;
    bson_error_t e;
    char *text = bson_strdup_printf("{\"p\": %s}", json);

    bson_init(pipeline);
    if (bson_init_from_json(&wrapped, text, -1, &e)) {
        if (bson_iter_init_find(&it, &wrapped, "p") && BSON_ITER_HOLDS_ARRAY(&it)) {
            const uint8_t *data;
            uint32_t len;
            bson_t arr;
            bson_iter_array(&it, &len, &data);
            if (bson_init_static(&arr, data, len)) {
                bson_destroy(pipeline);
                bson_copy_to(&arr, pipeline);
            }
        }
        bson_destroy(&wrapped);
    }
    bson_free(text);
}

/* Per user: the sum of its rows that changed a balance and the balance after its last one
 * (highest seq), against its credits. */
void sb_mongo_audit_users(bson_t *pipeline)
{
    sb_mongo_pipeline_json(
        pipeline,
        "[{\"$lookup\": {\"from\": \"credit_transactions\", \"let\": {\"u\": \"$_id\"},"
        "   \"pipeline\": [{\"$match\": {\"$expr\": {\"$and\": [{\"$eq\": [\"$userId\", \"$$u\"]},"
        "     {\"$ne\": [\"$status\", \"failed\"]}]}}},"
        "    {\"$group\": {\"_id\": null, \"sum\": {\"$sum\": \"$amount\"},"
        "     \"last\": {\"$max\": {\"s\": \"$seq\", \"b\": \"$balanceAfter\"}}}}],"
        "   \"as\": \"l\"}},"
        " {\"$set\": {\"l\": {\"$arrayElemAt\": [\"$l\", 0]}}},"
        " {\"$group\": {\"_id\": null, \"balances\": {\"$sum\": \"$credits\"},"
        "   \"bad_sums\": {\"$sum\": {\"$cond\": [{\"$ne\": [\"$credits\","
        "     {\"$ifNull\": [\"$l.sum\", 0]}]}, 1, 0]}},"
        "   \"bad_rows\": {\"$sum\": {\"$cond\": [{\"$ne\": [\"$credits\","
        "     {\"$ifNull\": [\"$l.last.b\", 0]}]}, 1, 0]}}}}]");
}

/* Per session: what it holds against its one hold row; a closed session holds nothing. */
void sb_mongo_audit_sessions(bson_t *pipeline)
{
    sb_mongo_pipeline_json(
        pipeline,
        "[{\"$lookup\": {\"from\": \"credit_transactions\", \"let\": {\"k\": {\"$concat\":"
        "   [{\"$toString\": \"$_id\"}, \":hold\"]}, \"s\": \"$studentId\"},"
        "   \"pipeline\": [{\"$match\": {\"$expr\": {\"$and\": [{\"$eq\": [\"$idemKey\", \"$$k\"]},"
        "     {\"$eq\": [\"$userId\", \"$$s\"]}]}}},"
        "    {\"$group\": {\"_id\": null, \"n\": {\"$sum\": 1}, \"sum\": {\"$sum\": "
        "\"$amount\"}}}],"
        "   \"as\": \"h\"}},"
        " {\"$set\": {\"h\": {\"$arrayElemAt\": [\"$h\", 0]},"
        "   \"open\": {\"$in\": [\"$status\", " SB_OPEN_STATUSES "]},"
        "   \"e\": {\"$ifNull\": [\"$escrowMinutes\", 0]}}},"
        " {\"$group\": {\"_id\": null,"
        "   \"escrow\": {\"$sum\": {\"$cond\": [\"$open\", \"$e\", 0]}},"
        "   \"bad_holds\": {\"$sum\": {\"$cond\": [{\"$cond\": [\"$open\","
        "     {\"$ne\": [\"$e\", {\"$cond\": [{\"$eq\": [\"$h.n\", 1]},"
        "       {\"$multiply\": [-1, \"$h.sum\"]}, -1]}]},"
        "     {\"$ne\": [\"$e\", 0]}]}, 1, 0]}}}}]");
}

/* Admin rows count as adjustments only; failed rows never changed a balance. */
void sb_mongo_audit_ledger(bson_t *pipeline)
{
    sb_mongo_pipeline_json(
        pipeline,
        "[{\"$match\": {\"status\": {\"$ne\": \"failed\"}}},"
        " {\"$group\": {\"_id\": null,"
        "   \"bonuses\": {\"$sum\": {\"$cond\": [{\"$and\": [{\"$ne\": [\"$category\", \"admin\"]},"
        "     {\"$eq\": [\"$type\", \"bonus\"]}]}, \"$amount\", 0]}},"
        "   \"penalties\": {\"$sum\": {\"$cond\": [{\"$and\": [{\"$ne\": [\"$category\", "
        "\"admin\"]},"
        "     {\"$eq\": [\"$type\", \"penalty\"]}]}, {\"$abs\": \"$amount\"}, 0]}},"
        "   \"adjustments\": {\"$sum\": {\"$cond\": [{\"$eq\": [\"$category\", \"admin\"]},"
        "     \"$amount\", 0]}}}}]");
}

int sb_mongo_transfer_doc(bson_t *b, const char *id, const char *from, const char *to,
                          int64_t amount, const char *reason, const char *admin_id, int64_t now)
{
    bson_init(b);
    if (!sb_mongo_append_id(b, "_id", id) || !sb_mongo_append_id(b, "from", from)
        || !sb_mongo_append_id(b, "to", to)) {
        bson_destroy(b);
        return 0;
    }
    BSON_APPEND_INT64(b, "amount", amount);
    if (reason) {
        BSON_APPEND_UTF8(b, "reason", reason);
    }
    else {
        bson_append_null(b, "reason", -1);
    }
    if (admin_id) {
        BSON_APPEND_UTF8(b, "adminId", admin_id);
    }
    else {
        bson_append_null(b, "adminId", -1);
    }
    BSON_APPEND_UTF8(b, "state", "open");
    sb_mongo_append_time(b, "createdAt", now);
    return 1;
}

void sb_mongo_transfer_state(bson_t *filter, bson_t *update, const char *id, const char *state)
{
    bson_t set;

    bson_init(filter);
    sb_mongo_append_id(filter, "_id", id);
    BSON_APPEND_UTF8(filter, "state", "open");
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    BSON_APPEND_UTF8(&set, "state", state);
    bson_append_document_end(update, &set);
}

void sb_mongo_transfer_stale(bson_t *filter, int64_t before)
{
    bson_t lt;

    bson_init(filter);
    BSON_APPEND_UTF8(filter, "state", "open");
    BSON_APPEND_DOCUMENT_BEGIN(filter, "createdAt", &lt);
    bson_append_date_time(&lt, "$lt", -1, before);
    bson_append_document_end(filter, &lt);
}

/* An id under key as 24 hex in p, or NULL. */
static const char *sb_mongo_doc_id_str(apr_pool_t *p, const bson_t *doc, const char *key)
{
    char id[SB_ID_LEN + 1];

    return sb_mongo_doc_id(doc, key, id) ? apr_pstrdup(p, id) : NULL;
}

void sb_mongo_tx_from_doc(apr_pool_t *p, const bson_t *doc, sb_credit_tx_t *t)
{
    memset(t, 0, sizeof(*t));
    sb_mongo_doc_id(doc, "_id", t->id);
    sb_mongo_doc_id(doc, "userId", t->user_id);
    t->type = sb_mongo_doc_str(p, doc, "type");
    t->amount = sb_mongo_doc_int(doc, "amount");
    t->balance_after = sb_mongo_doc_int(doc, "balanceAfter");
    t->related_session = sb_mongo_doc_id_str(p, doc, "relatedSession");
    t->related_user = sb_mongo_doc_id_str(p, doc, "relatedUser");
    t->description = sb_mongo_doc_str(p, doc, "description");
    t->category = sb_mongo_doc_str(p, doc, "category");
    t->status = sb_mongo_doc_str(p, doc, "status");
    if (!t->status) {
        t->status = "completed";
    }
    t->created_at = sb_mongo_get_time(doc, "createdAt");
}
