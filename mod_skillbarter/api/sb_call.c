/* Helpers every handler uses: lazy store access, store-error mapping, the auth check. */
#include "sb_api.h"
#include "sb_user_rules.h"
#include "sb_kit.h"

#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"

sb_store_conn_t *sb_call_store(sb_call_t *c)
{
    sb_store_error_t e = {0};

    if (c->conn) {
        return c->conn;
    }
    if (!c->settings->store) {
        sb_fail(&c->err, c->pool, 503, "Service temporarily unavailable.");
        return NULL;
    }
    if (sb_store_acquire(c->settings->store, c->pool, &c->conn, &e) != SB_STORE_OK) {
        sb_call_log(c, SB_LOG_ERR, "store acquire failed: %s", e.message);
        sb_fail(&c->err, c->pool, 503, "Service temporarily unavailable.");
        return NULL;
    }
    return c->conn;
}

int sb_call_store_fail(sb_call_t *c, const sb_store_error_t *e, const char *what)
{
    switch (e->status) {
    case SB_STORE_NOT_FOUND:
        return sb_fail(&c->err, c->pool, 404, "%s not found.", what);
    case SB_STORE_CONFLICT:
        sb_field_fail(&c->err, c->pool, e->field ? e->field : "id", "%s is already taken",
                      e->field ? e->field : "value");
        c->err.status = 409;
        c->err.message =
            apr_psprintf(c->pool, "%s%s already exists.", e->field ? "An account with this " : what,
                         e->field ? e->field : "");
        return 409;
    case SB_STORE_UNAVAILABLE:
        sb_call_log(c, SB_LOG_ERR, "store unavailable (%s): %s", what, e->message);
        return sb_fail(&c->err, c->pool, 503, "Service temporarily unavailable.");
    default:
        return sb_call_internal(c, "store error (%s): %s", what, e->message);
    }
}

int sb_call_ok(sb_call_t *c, int status, json_object *data)
{
    c->status = status;
    c->data = data;
    return status;
}

void sb_call_logf(sb_call_t *c, const char *func, int level, const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    va_start(ap, fmt);
    msg = apr_pvsprintf(c->pool, fmt, ap);
    va_end(ap);
    if (c->log) {
        c->log(c, level, func, msg);
    }
}

int sb_call_authenticate(sb_call_t *c)
{
    sb_jwt_claims_t claims;
    sb_jwt_status_t js;
    sb_store_error_t e = {0};
    sb_store_conn_t *conn;
    sb_user_t *u;
    int live = 0;

    if (!c->bearer || !*c->bearer) {
        return sb_fail(&c->err, c->pool, 401, "Access denied. No token provided.");
    }
    js = sb_jwt_verify(c->settings->jwt_key, c->pool, c->bearer, c->now / 1000, &claims);
    if (js != SB_JWT_OK) {
        return sb_fail(&c->err, c->pool, 401, "%s", sb_jwt_status_text(js));
    }
    if (!(conn = sb_call_store(c))) {
        return c->err.status;
    }
    /* One lookup: the user, and whether the token's session (sid) is still live. Revocation
     * takes effect at once; there is no cache in between. */
    if (sb_store_user_by_session_lazy(conn, c->pool, claims.sub, claims.sid, &u, &live, &e)
        != SB_STORE_OK) {
        if (e.status == SB_STORE_NOT_FOUND) {
            return sb_fail(&c->err, c->pool, 401, "Token is valid but user not found.");
        }
        return sb_call_store_fail(c, &e, "User");
    }
    /* iat has whole seconds: refuse tokens whose whole second precedes the change. */
    if (u->password_changed_at && (claims.iat + 1) * 1000 <= u->password_changed_at) {
        return sb_fail(&c->err, c->pool, 401,
                       "Token was issued before the password changed. Please log in again.");
    }
    if (sb_call_check_account(c, u)) {
        return c->err.status;
    }
    if (!live) {
        return sb_fail(&c->err, c->pool, 401, "Session has ended. Please log in again.");
    }
    c->user = u;
    return 0;
}

int sb_call_check_account(sb_call_t *c, const sb_user_t *u)
{
    if (!u->is_active) {
        return sb_fail(&c->err, c->pool, 403, "Account is deactivated.");
    }
    if (sb_ban_in_force(u->is_banned, u->ban_expires_at, c->now)) {
        return sb_fail(&c->err, c->pool, 403, "Account is banned%s%s", u->ban_reason ? ": " : ".",
                       u->ban_reason ? u->ban_reason : "");
    }
    return 0;
}

json_object *sb_call_body_object(sb_call_t *c, const char *const *allowed)
{
    if (!c->body) {
        sb_fail(&c->err, c->pool, 400, "Request body must be a JSON object.");
        return NULL;
    }
    if (!json_object_is_type(c->body, json_type_object)) {
        sb_fail(&c->err, c->pool, 400, "Request body must be a JSON object.");
        return NULL;
    }
    if (allowed && !sb_json_reject_unknown(c->body, allowed, &c->err, c->pool)) {
        return NULL;
    }
    return c->body;
}
