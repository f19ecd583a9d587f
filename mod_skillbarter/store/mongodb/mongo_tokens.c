/*
 * MongoDB driver: refresh tokens (rotation with reuse detection, family revocation), one-time
 * tokens (single use, expiring), the password reset, the access-token guard's look-up and the
 * account mail budgets. Builders in mongo_token_doc.c.
 *
 * A step whose answer is not OK but whose writes must stay (REUSED revokes the family) keeps
 * its answer in its context and returns OK, so sb_mongo_atomic commits it.
 */
#include "mongo_tokens.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_REFRESH "refresh_tokens"
#define SB_ONETIME "onetime_tokens"
#define SB_MAILLOG "mail_log"

/* Copy the 24-hex userId of doc into out (SB_ID_LEN+1; may be NULL). */
static void sb_mongo_owner(const bson_t *doc, char *out)
{
    char id[SB_ID_LEN + 1];

    if (out && sb_mongo_doc_id(doc, "userId", id)) {
        apr_cpystrn(out, id, SB_ID_LEN + 1);
    }
}

sb_store_status_t sb_mongo_refresh_insert(sb_store_conn_t *c, const char *token_hash,
                                          const char *user_id, const char *family_id,
                                          int64_t expires_at, int64_t now, sb_store_error_t *err)
{
    bson_t doc;
    sb_store_status_t st;

    if (!token_hash || !family_id) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "refresh_insert: missing argument");
    }
    if (!sb_mongo_refresh_doc(&doc, token_hash, user_id, family_id, expires_at, now)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "refresh_insert: no such user");
    }
    st = sb_mongo_insert(c, SB_REFRESH, &doc, NULL, "refresh insert", err);
    bson_destroy(&doc);
    return st;
}

static sb_store_status_t sb_mongo_revoke_family(sb_store_conn_t *c, const char *family_id,
                                                int64_t now, const bson_t *opts,
                                                sb_store_error_t *err)
{
    bson_t filter, update;
    sb_store_status_t st;

    sb_mongo_refresh_revoke_family(&filter, &update, family_id, now);
    st = sb_mongo_update(c, SB_REFRESH, &filter, &update, opts, 1, NULL, "revoke family", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

typedef struct {
    const char *old_hash, *new_hash;
    int64_t new_expires_at, now;
    char user_id[SB_ID_LEN + 1];
    sb_store_status_t answer; /* NOT_FOUND, EXPIRED, REUSED or OK */
} sb_mongo_rotate_t;

/*
 * The guarded use (live token -> used, replaced by new_hash) decides; its winner inserts the
 * successor in the same family. A token that was not live is looked at: unknown or revoked
 * NOT_FOUND, used REUSED (its family revoked), expired EXPIRED. Without a transaction a
 * successor that cannot be written leaves the old token used: its next use is a reuse, which
 * signs the family out (the safe side).
 */
static sb_store_status_t sb_mongo_rotate_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                              sb_store_error_t *err)
{
    sb_mongo_rotate_t *r = ctx;
    bson_t filter, update, before, doc;
    sb_store_status_t st;
    char family[129];
    const char *fam;
    apr_pool_t *p = c->pool;

    sb_mongo_refresh_use(&filter, &update, r->old_hash, r->new_hash, r->now);
    st =
        sb_mongo_find_modify(c, SB_REFRESH, &filter, &update, 0, opts, &before, "refresh use", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK) {
        fam = sb_mongo_doc_str(p, &before, "familyId");
        sb_mongo_owner(&before, r->user_id);
        apr_cpystrn(family, fam ? fam : "", sizeof(family));
        bson_destroy(&before);
        if (!sb_mongo_refresh_doc(&doc, r->new_hash, r->user_id, family, r->new_expires_at,
                                  r->now)) {
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "refresh rotate: bad owner");
        }
        st = sb_mongo_insert(c, SB_REFRESH, &doc, opts, "refresh insert", err);
        bson_destroy(&doc);
        r->answer = SB_STORE_OK;
        return st;
    }
    bson_destroy(&before);
    if (st != SB_STORE_NOT_FOUND) {
        return st;
    }
    sb_mongo_filter_hash(&filter, r->old_hash);
    st = sb_mongo_find_one(c, SB_REFRESH, &filter, opts, &doc, "refresh get", err);
    bson_destroy(&filter);
    if (st == SB_STORE_NOT_FOUND || (st == SB_STORE_OK && sb_mongo_get_time(&doc, "revokedAt"))) {
        r->answer = SB_STORE_NOT_FOUND;
        st = SB_STORE_OK;
    }
    else if (st == SB_STORE_OK && sb_mongo_get_time(&doc, "usedAt")) {
        fam = sb_mongo_doc_str(p, &doc, "familyId");
        r->answer = SB_STORE_REUSED;
        st = sb_mongo_revoke_family(c, fam ? fam : "", r->now, opts, err);
    }
    else if (st == SB_STORE_OK) {
        r->answer = SB_STORE_EXPIRED;
    }
    bson_destroy(&doc);
    return st;
}

sb_store_status_t sb_mongo_refresh_rotate(sb_store_conn_t *c, const char *old_hash,
                                          const char *new_hash, int64_t new_expires_at, int64_t now,
                                          char *user_id, sb_store_error_t *err)
{
    sb_mongo_rotate_t r = {old_hash, new_hash, new_expires_at, now, "", SB_STORE_ERROR};
    sb_store_status_t st;

    if (!old_hash || !new_hash) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "refresh_rotate: missing argument");
    }
    if ((st = sb_mongo_atomic(c, sb_mongo_rotate_step, &r, err)) != SB_STORE_OK) {
        return st;
    }
    switch (r.answer) {
    case SB_STORE_OK:
        if (user_id) {
            apr_cpystrn(user_id, r.user_id, SB_ID_LEN + 1);
        }
        return SB_STORE_OK;
    case SB_STORE_REUSED:
        return sb_store_fail(err, SB_STORE_REUSED, NULL,
                             "refresh token reused: session family revoked");
    case SB_STORE_EXPIRED:
        return sb_store_fail(err, SB_STORE_EXPIRED, NULL, "refresh token expired");
    default:
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "refresh token not found");
    }
}

/* The refresh token token_hash: its family (in c->pool) and owner (may be NULL). */
static sb_store_status_t sb_mongo_refresh_get(sb_store_conn_t *c, const char *token_hash,
                                              const char **family, char *owner,
                                              sb_store_error_t *err)
{
    bson_t filter, doc;
    sb_store_status_t st;

    if (!token_hash) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "refresh token not found");
    }
    sb_mongo_filter_hash(&filter, token_hash);
    st = sb_mongo_find_one(c, SB_REFRESH, &filter, NULL, &doc, "refresh get", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK) {
        *family = sb_mongo_doc_str(c->pool, &doc, "familyId");
        *family = *family ? *family : "";
        sb_mongo_owner(&doc, owner);
    }
    bson_destroy(&doc);
    return st == SB_STORE_NOT_FOUND
               ? sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "refresh token not found")
               : st;
}

sb_store_status_t sb_mongo_refresh_revoke(sb_store_conn_t *c, const char *token_hash, int64_t now,
                                          char *user_id, sb_store_error_t *err)
{
    char owner[SB_ID_LEN + 1] = "";
    const char *fam;
    sb_store_status_t st = sb_mongo_refresh_get(c, token_hash, &fam, owner, err);

    if (st == SB_STORE_OK) {
        st = sb_mongo_revoke_family(c, fam, now, NULL, err);
    }
    if (st == SB_STORE_OK && user_id) {
        apr_cpystrn(user_id, owner, SB_ID_LEN + 1);
    }
    return st;
}

sb_store_status_t sb_mongo_refresh_revoke_user(sb_store_conn_t *c, const char *user_id, int64_t now,
                                               sb_store_error_t *err)
{
    bson_t filter, update;
    sb_store_status_t st;

    if (!sb_mongo_revoke_user_tokens(&filter, &update, user_id, now)) {
        return SB_STORE_OK; /* no such user: no tokens */
    }
    st = sb_mongo_update(c, SB_REFRESH, &filter, &update, NULL, 1, NULL, "revoke user", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_refresh_family(sb_store_conn_t *c, const char *token_hash,
                                          char *family_id, sb_store_error_t *err)
{
    const char *fam;
    sb_store_status_t st = sb_mongo_refresh_get(c, token_hash, &fam, NULL, err);

    if (st == SB_STORE_OK) {
        apr_cpystrn(family_id, fam, SB_ID_LEN + 1);
    }
    return st;
}

/* ---- the access-token guard ---- */

static sb_store_status_t sb_mongo_by_session(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                             const char *session_id, sb_user_t **out, int *live,
                                             sb_store_error_t *err)
{
    bson_t filter, doc, opts = BSON_INITIALIZER, proj;
    sb_store_status_t st;

    *out = NULL;
    *live = 0;
    if (!id || !session_id) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user: no key");
    }
    if ((st = sb_mongo_user_by_id(c, p, id, out, err)) != SB_STORE_OK) {
        bson_destroy(&opts);
        return st;
    }
    sb_mongo_filter_live_family(&filter, id, session_id);
    BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
    BSON_APPEND_INT32(&proj, "_id", 1);
    bson_append_document_end(&opts, &proj);
    BSON_APPEND_INT32(&opts, "limit", 1);
    st = sb_mongo_find_one(c, SB_REFRESH, &filter, &opts, &doc, "session live", err);
    bson_destroy(&doc);
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st == SB_STORE_OK || st == SB_STORE_NOT_FOUND) {
        *live = st == SB_STORE_OK;
        return SB_STORE_OK;
    }
    *out = NULL;
    return st;
}

sb_store_status_t sb_mongo_user_by_session(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                           const char *session_id, sb_user_t **out, int *live,
                                           sb_store_error_t *err)
{
    return sb_mongo_by_session(c, p, id, session_id, out, live, err);
}

/* The lists come parsed: BSON is read field by field, there is no text to defer. */
sb_store_status_t sb_mongo_user_by_session_lazy(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                                const char *session_id, sb_user_t **out, int *live,
                                                sb_store_error_t *err)
{
    return sb_mongo_by_session(c, p, id, session_id, out, live, err);
}

/* ---- one-time tokens ---- */

typedef struct {
    const bson_t *doc;
    const char *user_id, *purpose;
    int64_t now;
} sb_mongo_onetime_t;

/* Invalidate first, then insert: cut short without a transaction, no link works (the user
 * asks for another), never two. */
static sb_store_status_t sb_mongo_onetime_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                               sb_store_error_t *err)
{
    sb_mongo_onetime_t *o = ctx;
    bson_t filter, update;
    sb_store_status_t st;

    sb_mongo_onetime_invalidate(&filter, &update, o->user_id, o->purpose, o->now);
    st = sb_mongo_update(c, SB_ONETIME, &filter, &update, opts, 1, NULL, "onetime invalidate", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK) {
        st = sb_mongo_insert(c, SB_ONETIME, o->doc, opts, "onetime insert", err);
    }
    return st;
}

sb_store_status_t sb_mongo_onetime_insert(sb_store_conn_t *c, const char *token_hash,
                                          const char *user_id, const char *purpose,
                                          int64_t expires_at, int64_t now, sb_store_error_t *err)
{
    bson_t doc;
    sb_mongo_onetime_t o = {&doc, user_id, purpose, now};
    sb_store_status_t st;

    if (!token_hash || !purpose) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "onetime_insert: missing argument");
    }
    if (!sb_mongo_onetime_doc(&doc, token_hash, user_id, purpose, expires_at, now, NULL)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "onetime_insert: no such user");
    }
    st = sb_mongo_atomic(c, sb_mongo_onetime_step, &o, err);
    bson_destroy(&doc);
    return st;
}

/* The guarded use (one findAndModify: two callers can never both win); when nothing matched,
 * EXPIRED or NOT_FOUND. */
static sb_store_status_t sb_mongo_onetime_take(sb_store_conn_t *c, const char *token_hash,
                                               const char *purpose, int64_t now, const bson_t *opts,
                                               char *user_id, sb_store_error_t *err)
{
    bson_t filter, update, before;
    sb_store_status_t st;

    if (!token_hash || !purpose) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "token not found or already used");
    }
    sb_mongo_onetime_use(&filter, &update, token_hash, purpose, now);
    st =
        sb_mongo_find_modify(c, SB_ONETIME, &filter, &update, 0, opts, &before, "onetime use", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK) {
        sb_mongo_owner(&before, user_id);
    }
    bson_destroy(&before);
    if (st != SB_STORE_NOT_FOUND) {
        return st;
    }
    sb_mongo_onetime_expired(&filter, token_hash, purpose, now);
    st = sb_mongo_find_one(c, SB_ONETIME, &filter, opts, &before, "onetime check", err);
    bson_destroy(&filter);
    bson_destroy(&before);
    if (st == SB_STORE_OK) {
        return sb_store_fail(err, SB_STORE_EXPIRED, NULL, "token expired");
    }
    if (st == SB_STORE_NOT_FOUND) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "token not found or already used");
    }
    return st;
}

sb_store_status_t sb_mongo_onetime_consume(sb_store_conn_t *c, const char *token_hash,
                                           const char *purpose, int64_t now, char *user_id,
                                           sb_store_error_t *err)
{
    return sb_mongo_onetime_take(c, token_hash, purpose, now, NULL, user_id, err);
}

typedef struct {
    const char *token_hash, *password_hash;
    int64_t now;
    char owner[SB_ID_LEN + 1];
} sb_mongo_reset_t;

/* Consume the token, revoke the owner's refresh tokens, set the hash: cut short without a
 * transaction, the link is spent and the sessions ended, never a new password with old
 * sessions alive. */
static sb_store_status_t sb_mongo_reset_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                             sb_store_error_t *err)
{
    sb_mongo_reset_t *r = ctx;
    bson_t filter, update;
    sb_store_status_t st;

    st = sb_mongo_onetime_take(c, r->token_hash, SB_TOKEN_RESET_PASSWORD, r->now, opts, r->owner,
                               err);
    if (st != SB_STORE_OK) {
        return st;
    }
    if (!sb_mongo_revoke_user_tokens(&filter, &update, r->owner, r->now)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "password reset: bad owner");
    }
    st = sb_mongo_update(c, SB_REFRESH, &filter, &update, opts, 1, NULL, "revoke user", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st != SB_STORE_OK) {
        return st;
    }
    sb_mongo_filter_user_id(&filter, r->owner);
    sb_mongo_update_set(&update, "password", r->password_hash, r->now);
    st = sb_mongo_update_found(c, "users", &filter, &update, opts, "password reset", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_password_reset(sb_store_conn_t *c, const char *token_hash,
                                          const char *password_hash, int64_t now, char *user_id,
                                          sb_store_error_t *err)
{
    sb_mongo_reset_t r = {token_hash, password_hash, now, ""};
    sb_store_status_t st;

    if (!password_hash) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "password_reset: no hash");
    }
    st = sb_mongo_atomic(c, sb_mongo_reset_step, &r, err);
    if (st == SB_STORE_OK && user_id) {
        apr_cpystrn(user_id, r.owner, SB_ID_LEN + 1);
    }
    return st;
}

sb_store_status_t sb_mongo_onetime_issue(sb_store_conn_t *c, apr_pool_t *p, const char *token_hash,
                                         const char *nonce, const char *user_id,
                                         const char *purpose, int64_t expires_at, int64_t now,
                                         const char **nonce_out, sb_store_error_t *err)
{
    bson_t filter, opts, doc;
    sb_store_status_t st;

    *nonce_out = NULL;
    if (!token_hash || !nonce || !user_id || !purpose) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "onetime_issue: missing argument");
    }
    if (!sb_mongo_onetime_live(&filter, &opts, user_id, purpose, now)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "onetime_issue: no such user");
    }
    st = sb_mongo_find_one(c, SB_ONETIME, &filter, &opts, &doc, "onetime live", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st == SB_STORE_OK) {
        *nonce_out = sb_mongo_doc_str(p, &doc, "nonce");
    }
    bson_destroy(&doc);
    if (st != SB_STORE_NOT_FOUND) {
        return st;
    }
    /* two issues racing may both store a link: each is valid, neither supersedes the other */
    sb_mongo_onetime_doc(&doc, token_hash, user_id, purpose, expires_at, now, nonce);
    st = sb_mongo_insert(c, SB_ONETIME, &doc, NULL, "onetime issue", err);
    bson_destroy(&doc);
    if (st == SB_STORE_OK) {
        *nonce_out = apr_pstrdup(p, nonce);
    }
    return st;
}

/* ---- the account mail budgets ---- */

/* Take one send from the budget document key (upserted): *granted from its `granted`. */
static sb_store_status_t sb_mongo_quota_take(sb_store_conn_t *c, const char *key, int64_t since,
                                             int max, int64_t now, const char *send_key,
                                             int *granted, sb_store_error_t *err)
{
    bson_t filter, pipeline, after;
    sb_store_status_t st;

    *granted = 0;
    sb_mongo_filter_hash(&filter, key);
    sb_mongo_quota_update(&pipeline, since, max, now, send_key);
    st = sb_mongo_find_modify_pipeline(c, SB_MAILLOG, &filter, &pipeline, 1, NULL, &after,
                                       "mail quota", err);
    if (st == SB_STORE_OK) {
        *granted = sb_mongo_doc_int(&after, "granted") != 0;
    }
    bson_destroy(&after);
    bson_destroy(&pipeline);
    bson_destroy(&filter);
    return st;
}

/*
 * The user's budget first, then the IP's; a send the IP's budget refuses is given back to the
 * user's (by its own key, so a concurrent send is never the one taken back). Each budget is
 * one findAndModify, so concurrent takes never both pass a full budget.
 */
sb_store_status_t sb_mongo_mail_quota_take(sb_store_conn_t *c, const char *user_id, const char *ip,
                                           int64_t window_ms, int max_user, int max_ip, int64_t now,
                                           int *granted, sb_store_error_t *err)
{
    char send_key[SB_ID_LEN + 1];
    const char *ukey, *ikey;
    int ok = 0;
    sb_store_status_t st;

    *granted = 0;
    if (!user_id || window_ms <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_quota_take: bad argument");
    }
    sb_id_new(send_key);
    ukey = apr_pstrcat(c->pool, "u:", user_id, NULL);
    st = sb_mongo_quota_take(c, ukey, now - window_ms, max_user, now, send_key, &ok, err);
    if (st != SB_STORE_OK || !ok || !ip) {
        *granted = st == SB_STORE_OK && ok;
        return st;
    }
    ikey = apr_pstrcat(c->pool, "i:", ip, NULL);
    st = sb_mongo_quota_take(c, ikey, now - window_ms, max_ip, now, send_key, &ok, err);
    if (st != SB_STORE_OK || !ok) {
        bson_t filter, update;
        sb_store_error_t e2;
        sb_mongo_filter_hash(&filter, ukey);
        sb_mongo_quota_giveback(&update, send_key);
        sb_mongo_update(c, SB_MAILLOG, &filter, &update, NULL, 0, NULL, "quota give back", &e2);
        bson_destroy(&filter);
        bson_destroy(&update);
        return st;
    }
    *granted = 1;
    return SB_STORE_OK;
}
