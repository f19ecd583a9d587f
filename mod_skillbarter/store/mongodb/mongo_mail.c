/*
 * MongoDB driver: the durable mail queue the delivery job works through (enqueue, a mailed
 * link with its token, claim, the guarded state changes, recovery after a lost runner,
 * counts, lists, operator retry and drop).
 */
#include "mongo_mail.h"
#include "mongo_tokens.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_MAILQ "mail_queue"

static int sb_mongo_mail_complete(const sb_store_mail_new_t *m)
{
    return m && m->kind && m->envelope_from && m->rcpt && m->message
           && (!strcmp(m->kind, SB_MAIL_KIND_ACCOUNT)
               || !strcmp(m->kind, SB_MAIL_KIND_NOTIFICATION));
}

int sb_mongo_mail_doc(bson_t *b, const char *id, const sb_store_mail_new_t *m, int64_t now)
{
    bson_init(b);
    if (!sb_mongo_mail_complete(m) || !sb_mongo_append_id(b, "_id", id)) {
        bson_destroy(b);
        return 0;
    }
    BSON_APPEND_UTF8(b, "kind", m->kind);
    sb_mongo_append_str_or_null(b, "userId", m->user_id);
    BSON_APPEND_UTF8(b, "envelopeFrom", m->envelope_from);
    BSON_APPEND_UTF8(b, "rcpt", m->rcpt);
    BSON_APPEND_UTF8(b, "message", m->message);
    BSON_APPEND_UTF8(b, "state", "queued");
    bson_append_null(b, "claim", -1);
    bson_append_null(b, "lastError", -1);
    BSON_APPEND_INT32(b, "attempts", 0);
    sb_mongo_append_time(b, "createdAt", now);
    sb_mongo_append_time(b, "nextAttemptAt", now);
    sb_mongo_append_time(b, "updatedAt", now);
    bson_append_null(b, "sentAt", -1);
    return 1;
}

void sb_mongo_mail_claim_query(bson_t *filter, bson_t *sort, bson_t *update, const char *holder,
                               int64_t now)
{
    bson_t lte, set, inc;

    bson_init(filter);
    BSON_APPEND_UTF8(filter, "state", "queued");
    BSON_APPEND_DOCUMENT_BEGIN(filter, "nextAttemptAt", &lte);
    bson_append_date_time(&lte, "$lte", -1, now);
    bson_append_document_end(filter, &lte);
    bson_init(sort);
    BSON_APPEND_INT32(sort, "nextAttemptAt", 1);
    BSON_APPEND_INT32(sort, "createdAt", 1);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    BSON_APPEND_UTF8(&set, "state", "claimed");
    BSON_APPEND_UTF8(&set, "claim", holder);
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(update, &set);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$inc", &inc);
    BSON_APPEND_INT32(&inc, "attempts", 1);
    bson_append_document_end(update, &inc);
}

int sb_mongo_mail_guard(bson_t *filter, const char *id, const char *holder, const char *const *from)
{
    bson_t in, arr;
    char key[16];
    const char *k;
    uint32_t i;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "_id", id)) {
        bson_destroy(filter);
        return 0;
    }
    if (holder) {
        BSON_APPEND_UTF8(filter, "claim", holder);
    }
    BSON_APPEND_DOCUMENT_BEGIN(filter, "state", &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
    for (i = 0; from[i]; i++) {
        bson_uint32_to_string(i, &k, key, sizeof(key));
        BSON_APPEND_UTF8(&arr, k, from[i]);
    }
    bson_append_array_end(&in, &arr);
    bson_append_document_end(filter, &in);
    return 1;
}

sb_store_mail_t *sb_mongo_mail_from_doc(apr_pool_t *p, const bson_t *doc)
{
    sb_store_mail_t *m = apr_pcalloc(p, sizeof(*m));

    sb_mongo_doc_id(doc, "_id", m->id);
    m->kind = sb_mongo_doc_str(p, doc, "kind");
    m->user_id = sb_mongo_doc_str(p, doc, "userId");
    m->envelope_from = sb_mongo_doc_str(p, doc, "envelopeFrom");
    m->rcpt = sb_mongo_doc_str(p, doc, "rcpt");
    m->message = sb_mongo_doc_str(p, doc, "message");
    m->state = sb_mongo_doc_str(p, doc, "state");
    m->last_error = sb_mongo_doc_str(p, doc, "lastError");
    m->attempts = (int)sb_mongo_doc_int(doc, "attempts");
    m->created_at = sb_mongo_get_time(doc, "createdAt");
    m->next_attempt_at = sb_mongo_get_time(doc, "nextAttemptAt");
    m->updated_at = sb_mongo_get_time(doc, "updatedAt");
    m->sent_at = sb_mongo_get_time(doc, "sentAt");
    return m;
}

sb_store_status_t sb_mongo_mail_insert(sb_store_conn_t *c, const bson_t *opts,
                                       const sb_store_mail_new_t *m, int64_t now, int *queued,
                                       char *id_out, sb_store_error_t *err)
{
    char id[SB_ID_LEN + 1];
    bson_t doc, filter, user;
    sb_store_status_t st;

    *queued = 0;
    if (!sb_mongo_mail_complete(m)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_enqueue: incomplete message");
    }
    if (m->user_id && !strcmp(m->kind, SB_MAIL_KIND_NOTIFICATION)) {
        bson_init(&filter);
        if (sb_mongo_append_id(&filter, "_id", m->user_id)) {
            BSON_APPEND_BOOL(&filter, "emailNotifications", false);
            st = sb_mongo_find_one(c, "users", &filter, opts, &user, "mail opt-out", err);
            bson_destroy(&user);
            bson_destroy(&filter);
            if (st == SB_STORE_OK) {
                return SB_STORE_OK; /* opted out: not queued */
            }
            if (st != SB_STORE_NOT_FOUND) {
                return st;
            }
            err->status = SB_STORE_OK;
            err->message[0] = '\0';
        }
        else {
            bson_destroy(&filter);
        }
    }
    sb_id_new(id);
    sb_mongo_mail_doc(&doc, id, m, now);
    st = sb_mongo_insert(c, SB_MAILQ, &doc, opts, "mail enqueue", err);
    bson_destroy(&doc);
    if (st == SB_STORE_OK) {
        *queued = 1;
        if (id_out) {
            memcpy(id_out, id, sizeof(id));
        }
    }
    return st;
}

sb_store_status_t sb_mongo_mail_enqueue(sb_store_conn_t *c, const sb_store_mail_new_t *m,
                                        int64_t now, int *queued, char *id, sb_store_error_t *err)
{
    int dummy;

    return sb_mongo_mail_insert(c, NULL, m, now, queued ? queued : &dummy, id, err);
}

typedef struct {
    apr_pool_t *p;
    const char *token_hash, *nonce, *user_id, *purpose;
    int64_t expires_at, now;
    sb_store_mail_compose_fn compose;
    void *ctx;
    char *id;
} sb_mongo_link_t;

/* The live link's nonce, or the new token stored; then the message composed for that nonce
 * and queued. Without a transaction a token whose mail was not queued is a link never sent,
 * which the next request mails again (the live one is reused). */
static sb_store_status_t sb_mongo_link_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                            sb_store_error_t *err)
{
    sb_mongo_link_t *x = ctx;
    sb_store_mail_new_t m = {0};
    const char *live = NULL;
    bson_t filter, fopts, doc;
    sb_store_status_t st;
    int queued = 0;

    if (!sb_mongo_onetime_live(&filter, &fopts, x->user_id, x->purpose, x->now)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "mail_issue_link: no such user");
    }
    st = sb_mongo_find_one(c, "onetime_tokens", &filter, &fopts, &doc, "link live", err);
    bson_destroy(&filter);
    bson_destroy(&fopts);
    if (st == SB_STORE_OK) {
        live = sb_mongo_doc_str(x->p, &doc, "nonce");
    }
    bson_destroy(&doc);
    if (st == SB_STORE_NOT_FOUND) {
        err->status = SB_STORE_OK;
        err->message[0] = '\0';
        sb_mongo_onetime_doc(&doc, x->token_hash, x->user_id, x->purpose, x->expires_at, x->now,
                             x->nonce);
        st = sb_mongo_insert(c, "onetime_tokens", &doc, opts, "link issue", err);
        bson_destroy(&doc);
        live = x->nonce;
    }
    if (st != SB_STORE_OK) {
        return st;
    }
    if (x->compose(x->ctx, x->p, live, &m)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL,
                             "mail_issue_link: the message was not composed");
    }
    return sb_mongo_mail_insert(c, opts, &m, x->now, &queued, x->id, err);
}

sb_store_status_t sb_mongo_mail_issue_link(sb_store_conn_t *c, apr_pool_t *p,
                                           const char *token_hash, const char *nonce,
                                           const char *user_id, const char *purpose,
                                           int64_t expires_at, int64_t now,
                                           sb_store_mail_compose_fn compose, void *ctx, char *id,
                                           sb_store_error_t *err)
{
    sb_mongo_link_t x = {p, token_hash, nonce, user_id, purpose, expires_at, now, compose, ctx, id};

    if (!token_hash || !nonce || !user_id || !purpose || !compose) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_issue_link: missing argument");
    }
    return sb_mongo_atomic(c, sb_mongo_link_step, &x, err);
}

sb_store_status_t sb_mongo_mail_claim(sb_store_conn_t *c, apr_pool_t *p, const char *holder,
                                      int64_t now, sb_store_mail_t **out, sb_store_error_t *err)
{
    mongoc_collection_t *col;
    mongoc_find_and_modify_opts_t *fam;
    bson_t filter, sort, update, reply, value;
    bson_iter_t it;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;

    *out = NULL;
    if (!holder) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_claim: no holder");
    }
    sb_mongo_mail_claim_query(&filter, &sort, &update, holder, now);
    col = sb_mongo_coll(c, SB_MAILQ);
    fam = mongoc_find_and_modify_opts_new();
    mongoc_find_and_modify_opts_set_sort(fam, &sort);
    mongoc_find_and_modify_opts_set_update(fam, &update);
    mongoc_find_and_modify_opts_set_flags(fam, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    if (!mongoc_collection_find_and_modify_with_opts(col, &filter, fam, &reply, &e)) {
        st = sb_mongo_fail(&e, &reply, err, "mail claim");
    }
    else if (bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        const uint8_t *data;
        uint32_t len;
        bson_iter_document(&it, &len, &data);
        if (bson_init_static(&value, data, len)) {
            *out = sb_mongo_mail_from_doc(p, &value);
        }
    }
    else {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no mail due");
    }
    bson_destroy(&reply);
    mongoc_find_and_modify_opts_destroy(fam);
    mongoc_collection_destroy(col);
    bson_destroy(&filter);
    bson_destroy(&sort);
    bson_destroy(&update);
    return st;
}

/* Apply update to id when held by holder in one of the states from: STALE otherwise. */
static sb_store_status_t sb_mongo_mail_change(sb_store_conn_t *c, const char *id,
                                              const char *holder, const char *const *from,
                                              const bson_t *update, const char *what,
                                              sb_store_status_t missing, sb_store_error_t *err)
{
    bson_t filter;
    int64_t matched = 0;
    sb_store_status_t st;

    if (!sb_mongo_mail_guard(&filter, id, holder, from)) {
        return sb_store_fail(err, missing, NULL, "%s: not held by this claim", what);
    }
    st = sb_mongo_update(c, SB_MAILQ, &filter, update, NULL, 0, &matched, what, err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK && matched == 0) {
        return sb_store_fail(err, missing, NULL, "%s: not held by this claim", what);
    }
    return st;
}

/* {$set: {state, updatedAt, <extra...>}} with extra (key, string-or-NULL) pairs. */
static void sb_mongo_mail_set(bson_t *update, const char *state, int64_t now, const char *k1,
                              const char *v1, const char *k2, int64_t t2)
{
    bson_t set;

    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    BSON_APPEND_UTF8(&set, "state", state);
    sb_mongo_append_time(&set, "updatedAt", now);
    if (k1) {
        if (v1) {
            BSON_APPEND_UTF8(&set, k1, v1);
        }
        else {
            bson_append_null(&set, k1, -1);
        }
    }
    if (k2) {
        sb_mongo_append_time(&set, k2, t2);
    }
    bson_append_document_end(update, &set);
}

static const char *const sb_mongo_claimed[] = {"claimed", NULL};
static const char *const sb_mongo_in_flight[] = {"claimed", "sending", NULL};

sb_store_status_t sb_mongo_mail_mark_sending(sb_store_conn_t *c, const char *id, const char *holder,
                                             int64_t now, sb_store_error_t *err)
{
    bson_t update;
    sb_store_status_t st;

    sb_mongo_mail_set(&update, "sending", now, NULL, NULL, NULL, 0);
    st = sb_mongo_mail_change(c, id, holder, sb_mongo_claimed, &update, "mail sending",
                              SB_STORE_STALE, err);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_mail_mark_sent(sb_store_conn_t *c, const char *id, const char *holder,
                                          int64_t now, sb_store_error_t *err)
{
    bson_t update;
    sb_store_status_t st;

    sb_mongo_mail_set(&update, "sent", now, "lastError", NULL, "sentAt", now);
    st = sb_mongo_mail_change(c, id, holder, sb_mongo_in_flight, &update, "mail sent",
                              SB_STORE_STALE, err);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_mail_mark_retry(sb_store_conn_t *c, const char *id, const char *holder,
                                           int64_t next_at, const char *why, int64_t now,
                                           sb_store_error_t *err)
{
    bson_t update, set;
    sb_store_status_t st;

    sb_mongo_mail_set(&update, "queued", now, "lastError", why, "nextAttemptAt", next_at);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$unset", &set);
    BSON_APPEND_UTF8(&set, "claim", "");
    bson_append_document_end(&update, &set);
    st = sb_mongo_mail_change(c, id, holder, sb_mongo_in_flight, &update, "mail retry",
                              SB_STORE_STALE, err);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_mail_mark_failed(sb_store_conn_t *c, const char *id, const char *holder,
                                            const char *why, int64_t now, sb_store_error_t *err)
{
    bson_t update;
    sb_store_status_t st;

    sb_mongo_mail_set(&update, "failed", now, "lastError", why, NULL, 0);
    st = sb_mongo_mail_change(c, id, holder, sb_mongo_in_flight, &update, "mail failed",
                              SB_STORE_STALE, err);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_mail_recover(sb_store_conn_t *c, int64_t now, int *requeued, int *failed,
                                        sb_store_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, update, unset;
    int64_t n = 0;
    sb_store_status_t st;

    *requeued = *failed = 0;
    BSON_APPEND_UTF8(&filter, "state", "claimed");
    sb_mongo_mail_set(&update, "queued", now, NULL, NULL, NULL, 0);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$unset", &unset);
    BSON_APPEND_UTF8(&unset, "claim", "");
    bson_append_document_end(&update, &unset);
    st = sb_mongo_update(c, SB_MAILQ, &filter, &update, NULL, 1, &n, "mail recover", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st != SB_STORE_OK) {
        return st;
    }
    *requeued = (int)n;
    bson_init(&filter);
    BSON_APPEND_UTF8(&filter, "state", "sending");
    sb_mongo_mail_set(&update, "failed", now, "lastError",
                      "interrupted while sending: it may have been delivered, so it is not sent "
                      "again (sbctl mail-queue retry ID sends it)",
                      NULL, 0);
    st = sb_mongo_update(c, SB_MAILQ, &filter, &update, NULL, 1, &n, "mail recover", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK) {
        *failed = (int)n;
    }
    return st;
}

sb_store_status_t sb_mongo_mail_counts(sb_store_conn_t *c, sb_store_mail_counts_t *out,
                                       sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, SB_MAILQ);
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t pipeline;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;

    memset(out, 0, sizeof(*out));
    if (!bson_init_from_json(&pipeline,
                             "{\"0\": {\"$group\": {\"_id\": \"$state\", \"n\": {\"$sum\": 1}}}}",
                             -1, &e)) {
        mongoc_collection_destroy(col);
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail counts: %s", e.message);
    }
    cur = mongoc_collection_aggregate(col, MONGOC_QUERY_NONE, &pipeline, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        const char *state = sb_mongo_doc_str(c->pool, doc, "_id");
        int64_t n = sb_mongo_doc_int(doc, "n");
        if (!state) {
            continue;
        }
        if (!strcmp(state, "queued")) {
            out->queued = n;
        }
        else if (!strcmp(state, "claimed")) {
            out->claimed = n;
        }
        else if (!strcmp(state, "sending")) {
            out->sending = n;
        }
        else if (!strcmp(state, "sent")) {
            out->sent = n;
        }
        else if (!strcmp(state, "failed")) {
            out->failed = n;
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "mail counts", err);
    bson_destroy(&pipeline);
    return st;
}

sb_store_status_t sb_mongo_mail_list(sb_store_conn_t *c, apr_pool_t *p, const char *state,
                                     int limit, apr_array_header_t **out, sb_store_error_t *err)
{
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sort, proj;
    sb_store_status_t st = SB_STORE_OK;

    *out = apr_array_make(p, limit > 0 && limit < 256 ? limit : 16, sizeof(sb_store_mail_t *));
    if (state) {
        BSON_APPEND_UTF8(&filter, "state", state);
    }
    BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "createdAt", -1);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(&opts, &sort);
    BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
    BSON_APPEND_INT32(&proj, "message", 0);
    bson_append_document_end(&opts, &proj);
    BSON_APPEND_INT64(&opts, "limit", limit > 0 ? limit : 1);
    col = sb_mongo_coll(c, SB_MAILQ);
    cur = mongoc_collection_find_with_opts(col, &filter, &opts, NULL);
    while (limit > 0 && mongoc_cursor_next(cur, &doc)) {
        APR_ARRAY_PUSH(*out, sb_store_mail_t *) = sb_mongo_mail_from_doc(p, doc);
    }
    st = sb_mongo_cursor_end(cur, col, st, "mail list", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    return st;
}

static const char *const sb_mongo_failed_only[] = {"failed", NULL};
static const char *const sb_mongo_droppable[] = {"queued", "failed", NULL};

sb_store_status_t sb_mongo_mail_retry(sb_store_conn_t *c, const char *id, int64_t now,
                                      sb_store_error_t *err)
{
    bson_t update, set, unset;
    sb_store_status_t st;

    bson_init(&update);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_UTF8(&set, "state", "queued");
    BSON_APPEND_INT32(&set, "attempts", 0);
    sb_mongo_append_time(&set, "createdAt", now);
    sb_mongo_append_time(&set, "nextAttemptAt", now);
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(&update, &set);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$unset", &unset);
    BSON_APPEND_UTF8(&unset, "claim", "");
    bson_append_document_end(&update, &unset);
    st = sb_mongo_mail_change(c, id, NULL, sb_mongo_failed_only, &update, "mail retry",
                              SB_STORE_NOT_FOUND, err);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_mail_drop(sb_store_conn_t *c, const char *id, sb_store_error_t *err)
{
    bson_t filter;
    int64_t n = 0;
    sb_store_status_t st;

    if (!sb_mongo_mail_guard(&filter, id, NULL, sb_mongo_droppable)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "mail drop: no such message");
    }
    st = sb_mongo_delete(c, SB_MAILQ, &filter, NULL, 0, &n, "mail drop", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK && n == 0) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "mail drop: no such message");
    }
    return st;
}
