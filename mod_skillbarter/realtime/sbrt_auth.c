/* The access-token check, as the module's guard makes it (see sbrt.h). */
#include "sbrt.h"

#include <apr_strings.h>

#include "sb_jwt.h"
#include "sb_time.h"
#include "sb_user_rules.h"

int sbrt_auth_verify(sbrt_server_t *srv, apr_pool_t *p, const char *token, sb_user_t **out,
                     const char **msg)
{
    sb_jwt_claims_t claims;
    sb_jwt_status_t js;
    sb_store_error_t e = {0};
    sb_store_conn_t *conn;
    sb_user_t *u;
    int live = 0;
    int64_t now = sb_now_ms();

    if (!token || !*token) {
        *msg = "Access denied. No token provided.";
        return -1;
    }
    js = sb_jwt_verify(srv->jwt_key, p, token, now / 1000, &claims);
    if (js != SB_JWT_OK) {
        *msg = sb_jwt_status_text(js);
        return -1;
    }
    if (sb_store_acquire(srv->store, p, &conn, &e) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "store unavailable: %s", e.message);
        *msg = "Service temporarily unavailable.";
        return -1;
    }
    /* One lookup: the user, and whether the token's session (sid) is still live. */
    if (sb_store_user_by_session(conn, p, claims.sub, claims.sid, &u, &live, &e) != SB_STORE_OK) {
        if (e.status == SB_STORE_NOT_FOUND) {
            *msg = "Token is valid but user not found.";
            return -1;
        }
        sbrt_log(srv, SBRT_LOG_ERROR, "user lookup failed: %s", e.message);
        *msg = "Service temporarily unavailable.";
        return -1;
    }
    if (u->password_changed_at && (claims.iat + 1) * 1000 <= u->password_changed_at) {
        *msg = "Token was issued before the password changed. Please log in again.";
        return -1;
    }
    if (!u->is_active) {
        *msg = "Account is deactivated.";
        return -1;
    }
    if (sb_ban_in_force(u->is_banned, u->ban_expires_at, now)) {
        *msg = u->ban_reason ? apr_pstrcat(p, "Account is banned: ", u->ban_reason, NULL)
                             : "Account is banned.";
        return -1;
    }
    if (!live) {
        *msg = "Session has ended. Please log in again.";
        return -1;
    }
    *out = u;
    return 0;
}
