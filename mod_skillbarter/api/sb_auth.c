/*
 * /api/auth: register, login, logout, refresh, verify-email, forgot-password,
 * reset-password. Access tokens are short-lived JWTs; refresh tokens are random,
 * stored hashed, rotated on every use (reuse revokes the family).
 */
#include "sb_routes.h"
#include "sb_account_mail.h"
#include "sb_kit.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_json.h"
#include "sb_net.h"
#include "sb_password.h"
#include "sb_token.h"
#include "sb_user_json.h"
#include "sb_validate.h"

/* Sign an access token for u in session sid (its refresh-token family); NULL with c->err
 * set on failure. */
static const char *access_token(sb_call_t *c, const sb_user_t *u, const char *sid)
{
    sb_jwt_claims_t claims = {0};
    const char *jwt;
    char jti[SB_ID_LEN + 1];

    sb_id_new(jti);
    claims.sub = u->id;
    claims.role = u->role ? u->role : "user";
    claims.jti = jti;
    claims.sid = sid;
    claims.iat = c->now / 1000;
    claims.exp = claims.iat + c->settings->access_ttl;
    if (sb_jwt_sign(c->settings->jwt_key, c->pool, &claims, &jwt) != SB_JWT_OK) {
        sb_call_internal(c, "signing an access token failed");
        return NULL;
    }
    return jwt;
}

/* The answer of register/login/refresh: {user, token, refreshToken, expiresIn}. */
static int token_answer(sb_call_t *c, int status, const sb_user_t *u, const char *refresh,
                        const char *sid)
{
    const char *jwt = access_token(c, u, sid);
    json_object *data;

    if (!jwt) {
        return c->err.status;
    }
    data = json_object_new_object();
    json_object_object_add(data, "user", sb_user_to_json(c->pool, u, SB_VIEW_SELF));
    json_object_object_add(data, "token", json_object_new_string(jwt));
    json_object_object_add(data, "refreshToken", json_object_new_string(refresh));
    json_object_object_add(data, "expiresIn", json_object_new_int64(c->settings->access_ttl));
    return sb_call_ok(c, status, data);
}

/* Start a new refresh-token family (a session) for u into family; the plain token or NULL
 * with c->err set. */
static const char *new_refresh_family(sb_call_t *c, const sb_user_t *u, char *family)
{
    sb_store_error_t e = {0};
    const char *token = sb_token_new(c->pool);

    sb_id_new(family);
    if (!token
        || sb_store_refresh_insert(c->conn, sb_token_hash(c->pool, token), u->id, family,
                                   c->now + c->settings->refresh_ttl * 1000, c->now, &e)
               != SB_STORE_OK) {
        if (!token) {
            sb_call_internal(c, "no random bytes for a refresh token");
            return NULL;
        }
        sb_call_store_fail(c, &e, "Refresh token");
        return NULL;
    }
    return token;
}

/*
 * Mail a one-time link; failures are logged, never shown (the account change stands), and
 * a spent mail budget (SkillBarterMailLimit: per account, and per asking IP — an IPv6 /64 —
 * when ip_budget) only skips the mail, so the answer is the same either way. A link still
 * live is mailed again rather than replaced: a stream of requests cannot keep its owner from
 * using it.
 */
static void send_link_mail(sb_call_t *c, const sb_user_t *u, const char *purpose, int64_t ttl,
                           int ip_budget, const char *tmpl, const char *path)
{
    const sb_settings_t *st = c->settings;
    sb_store_error_t e = {0};
    int granted = 0;

    if (!st->mail && !(st->mail_transport && !strcmp(st->mail_transport, "smtp"))) {
        sb_call_log(c, SB_LOG_NOTICE, "no mail transport: %s mail for user %s not sent", purpose,
                    u->id);
        return;
    }
    if (st->mail_window > 0 && (st->mail_max_account > 0 || (ip_budget && st->mail_max_ip > 0))) {
        const char *ip = ip_budget ? sb_net_budget_key(c->pool, c->client_ip) : NULL;
        if (sb_store_mail_quota_take(c->conn, u->id, ip, st->mail_window * 1000,
                                     st->mail_max_account, ip ? st->mail_max_ip : 0, c->now,
                                     &granted, &e)
            != SB_STORE_OK) {
            sb_call_log(c, SB_LOG_ERR, "mail budget check failed: %s", e.message);
            return;
        }
        if (!granted) {
            sb_call_log(c, SB_LOG_INFO, "mail budget spent: %s mail for user %s not sent", purpose,
                        u->id);
            return;
        }
    }
    sb_account_mail_send(c, u, purpose, ttl, tmpl, path);
}

static int h_register(sb_call_t *c)
{
    static const char *const allowed[] = {"username",  "email",    "password",
                                          "firstName", "lastName", NULL};
    const char *username = NULL, *email = NULL, *password = NULL, *first = NULL, *last = NULL;
    json_object *b = sb_call_body_object(c, allowed);
    sb_user_new_t nu;
    sb_user_t *u;
    sb_store_error_t e = {0};
    const char *refresh;
    char family[SB_ID_LEN + 1];

    if (!b) {
        return c->err.status;
    }
    if (sb_json_get_string(b, "username", &username, &c->err, c->pool, 1)) {
        sb_valid_username(&c->err, c->pool, "username", username);
    }
    if (sb_json_get_string(b, "email", &email, &c->err, c->pool, 1)) {
        sb_valid_email(&c->err, c->pool, "email", email);
    }
    if (sb_json_get_string(b, "password", &password, &c->err, c->pool, 1)) {
        sb_valid_password(&c->err, c->pool, "password", password);
    }
    if (sb_json_get_string(b, "firstName", &first, &c->err, c->pool, 1)) {
        sb_valid_text(&c->err, c->pool, "firstName", first, SB_NAME_MAX, 1);
    }
    if (sb_json_get_string(b, "lastName", &last, &c->err, c->pool, 1)) {
        sb_valid_text(&c->err, c->pool, "lastName", last, SB_NAME_MAX, 1);
    }
    if (sb_call_fields_failed(c) || !sb_call_store(c)) {
        return c->err.status;
    }
    nu.username = username;
    nu.email = sb_lower(c->pool, email);
    nu.first_name = apr_pstrdup(c->pool, first);
    nu.last_name = apr_pstrdup(c->pool, last);
    nu.password_hash = sb_password_hash(c->pool, password, c->settings->bcrypt_cost);
    if (!nu.password_hash) {
        return sb_call_internal(c, "bcrypt failed");
    }
    if (sb_store_user_create(c->conn, c->pool, &nu, SB_STARTING_CREDIT_MINUTES, c->now, &u, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    sb_call_log(c, SB_LOG_INFO, "registered user %s", u->id);
    send_link_mail(c, u, SB_TOKEN_VERIFY_EMAIL, c->settings->verify_ttl, 0, "verify",
                   "/verify-email");
    if (!(refresh = new_refresh_family(c, u, family))) {
        return c->err.status;
    }
    return token_answer(c, 201, u, refresh, family);
}

static int h_login(sb_call_t *c)
{
    static const char *const allowed[] = {"email", "username", "login", "password", NULL};
    const char *login = NULL, *password = NULL, *refresh;
    json_object *b = sb_call_body_object(c, allowed);
    sb_store_error_t e = {0};
    sb_user_t *u = NULL;
    sb_store_status_t st;
    char family[SB_ID_LEN + 1];
    int ok;

    if (!b) {
        return c->err.status;
    }
    /* The identifier may come as email, username or login; exactly one is expected. */
    if (json_object_object_get_ex(b, "email", NULL)) {
        sb_json_get_string(b, "email", &login, &c->err, c->pool, 1);
    }
    else if (json_object_object_get_ex(b, "username", NULL)) {
        sb_json_get_string(b, "username", &login, &c->err, c->pool, 1);
    }
    else {
        sb_json_get_string(b, "login", &login, &c->err, c->pool, 0);
        if (!login && !sb_call_fields_failed(c)) {
            sb_field_fail(&c->err, c->pool, "email", "email or username is required");
        }
    }
    if (login && (!*login || strlen(login) > SB_EMAIL_MAX)) {
        sb_field_fail(&c->err, c->pool, "email", "email or username must be 1-%d characters",
                      SB_EMAIL_MAX);
    }
    sb_json_get_string(b, "password", &password, &c->err, c->pool, 1);
    if (password && (!*password || strlen(password) > SB_PASSWORD_MAX_BYTES)) {
        /* cannot match any stored password; answer like a wrong one */
        password = "";
    }
    if (sb_call_fields_failed(c) || !sb_call_store(c)) {
        return c->err.status;
    }
    st = sb_store_user_by_login(c->conn, c->pool, login, &u, &e);
    if (st != SB_STORE_OK && st != SB_STORE_NOT_FOUND) {
        return sb_call_store_fail(c, &e, "User");
    }
    /* Unknown users cost a bcrypt verify too, so timing does not tell which accounts exist. */
    ok = sb_password_verify(c->pool, *password ? password : "x",
                            u ? u->password_hash
                              : sb_password_dummy_hash(c->pool, c->settings->bcrypt_cost));
    if (!u || !ok || !*password) {
        return sb_fail(&c->err, c->pool, 401, "Invalid credentials.");
    }
    if (sb_call_check_account(c, u)) {
        return c->err.status;
    }
    if (sb_store_user_touch(c->conn, u->id, c->now, &e) == SB_STORE_OK) {
        u->last_seen = c->now;
    }
    if (!(refresh = new_refresh_family(c, u, family))) {
        return c->err.status;
    }
    return token_answer(c, 200, u, refresh, family);
}

/* {refreshToken} from the body, validated; NULL with c->err set. */
static const char *refresh_from_body(sb_call_t *c)
{
    static const char *const allowed[] = {"refreshToken", NULL};
    json_object *b = sb_call_body_object(c, allowed);
    const char *t = NULL;

    if (!b || !sb_json_get_string(b, "refreshToken", &t, &c->err, c->pool, 1)) {
        if (!c->err.status) {
            sb_fail(&c->err, c->pool, 400, "Validation error");
        }
        return NULL;
    }
    if (!*t || strlen(t) > 256) {
        sb_field_fail(&c->err, c->pool, "refreshToken", "refreshToken is malformed");
        return NULL;
    }
    return t;
}

static int h_refresh(sb_call_t *c)
{
    const char *old = refresh_from_body(c), *fresh;
    char user_id[SB_ID_LEN + 1], family[SB_ID_LEN + 1];
    sb_store_error_t e = {0};
    sb_user_t *u;

    if (!old || !sb_call_store(c)) {
        return c->err.status;
    }
    if (!(fresh = sb_token_new(c->pool))) {
        return sb_call_internal(c, "no random bytes for a refresh token");
    }
    switch (
        sb_store_refresh_rotate(c->conn, sb_token_hash(c->pool, old), sb_token_hash(c->pool, fresh),
                                c->now + c->settings->refresh_ttl * 1000, c->now, user_id, &e)) {
    case SB_STORE_OK:
        break;
    case SB_STORE_REUSED:
        sb_call_log(c, SB_LOG_WARNING, "refresh token reuse detected; token family revoked");
        return sb_fail(&c->err, c->pool, 401,
                       "Refresh token was already used; all sessions of this login were "
                       "signed out. Please log in again.");
    case SB_STORE_EXPIRED:
        return sb_fail(&c->err, c->pool, 401, "Refresh token expired.");
    case SB_STORE_NOT_FOUND:
        return sb_fail(&c->err, c->pool, 401, "Invalid refresh token.");
    default:
        return sb_call_store_fail(c, &e, "Refresh token");
    }
    if (sb_store_user_by_id(c->conn, c->pool, user_id, &u, &e) != SB_STORE_OK) {
        return e.status == SB_STORE_NOT_FOUND
                   ? sb_fail(&c->err, c->pool, 401, "Invalid refresh token.")
                   : sb_call_store_fail(c, &e, "User");
    }
    if (sb_call_check_account(c, u)) {
        sb_store_refresh_revoke_user(c->conn, u->id, c->now, &e);
        return c->err.status;
    }
    /* The session goes on: the new access token names the same family. */
    if (sb_store_refresh_family(c->conn, sb_token_hash(c->pool, fresh), family, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Refresh token");
    }
    return token_answer(c, 200, u, fresh, family);
}

static int h_logout(sb_call_t *c)
{
    const char *t = refresh_from_body(c);
    sb_store_error_t e = {0};

    if (!t || !sb_call_store(c)) {
        return c->err.status;
    }
    /* Logging out with an unknown or already revoked token is not an error: the goal holds. */
    if (sb_store_refresh_revoke(c->conn, sb_token_hash(c->pool, t), c->now, NULL, &e) != SB_STORE_OK
        && e.status != SB_STORE_NOT_FOUND) {
        return sb_call_store_fail(c, &e, "Refresh token");
    }
    c->message = "Logged out.";
    return sb_call_ok(c, 200, NULL);
}

/* End every session of the caller: all refresh-token families, and with them (sid) every
 * access token issued for them, this one included. */
static int h_logout_all(sb_call_t *c)
{
    static const char *const none[] = {NULL};
    sb_store_error_t e = {0};

    /* no body, or an empty object: any field is unknown */
    if (c->body && !sb_call_body_object(c, none)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_refresh_revoke_user(c->conn, c->user->id, c->now, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Refresh token");
    }
    sb_call_log(c, SB_LOG_INFO, "user %s ended every session", c->user->id);
    c->message = "Logged out of every session.";
    return sb_call_ok(c, 200, NULL);
}

/* {token} (+ allowed extras) from the body; NULL with c->err set. */
static const char *onetime_from_body(sb_call_t *c, const char *const *allowed)
{
    json_object *b = sb_call_body_object(c, allowed);
    const char *t = NULL;

    if (!b) {
        return NULL;
    }
    if (sb_json_get_string(b, "token", &t, &c->err, c->pool, 1) && (!*t || strlen(t) > 256)) {
        sb_field_fail(&c->err, c->pool, "token", "token is malformed");
    }
    return t;
}

static int h_verify_email(sb_call_t *c)
{
    static const char *const allowed[] = {"token", NULL};
    const char *t = onetime_from_body(c, allowed);
    char user_id[SB_ID_LEN + 1];
    sb_store_error_t e = {0};

    if (c->err.status || !sb_call_store(c)) {
        return c->err.status;
    }
    switch (sb_store_onetime_consume(c->conn, sb_token_hash(c->pool, t), SB_TOKEN_VERIFY_EMAIL,
                                     c->now, user_id, &e)) {
    case SB_STORE_OK:
        break;
    case SB_STORE_NOT_FOUND:
    case SB_STORE_EXPIRED:
        return sb_fail(&c->err, c->pool, 400, "Invalid or expired verification token.");
    default:
        return sb_call_store_fail(c, &e, "Token");
    }
    if (sb_store_user_set_verified(c->conn, user_id, c->now, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    c->message = "Email verified.";
    return sb_call_ok(c, 200, NULL);
}

static int h_forgot_password(sb_call_t *c)
{
    static const char *const allowed[] = {"email", NULL};
    json_object *b = sb_call_body_object(c, allowed);
    const char *email = NULL;
    sb_store_error_t e = {0};
    sb_user_t *u;

    if (!b) {
        return c->err.status;
    }
    if (sb_json_get_string(b, "email", &email, &c->err, c->pool, 1)) {
        sb_valid_email(&c->err, c->pool, "email", email);
    }
    if (sb_call_fields_failed(c) || !sb_call_store(c)) {
        return c->err.status;
    }
    switch (sb_store_user_by_email(c->conn, c->pool, sb_lower(c->pool, email), &u, &e)) {
    case SB_STORE_OK:
        if (u->is_active) {
            send_link_mail(c, u, SB_TOKEN_RESET_PASSWORD, c->settings->reset_ttl, 1, "reset",
                           "/reset-password");
        }
        break;
    case SB_STORE_NOT_FOUND:
        break;
    default:
        return sb_call_store_fail(c, &e, "User");
    }
    /* The same answer whether or not the address has an account. */
    c->message = "If an account exists for that address, a reset link has been sent.";
    return sb_call_ok(c, 200, NULL);
}

static int h_reset_password(sb_call_t *c)
{
    static const char *const allowed[] = {"token", "password", NULL};
    const char *t = onetime_from_body(c, allowed), *password = NULL, *hash;
    char user_id[SB_ID_LEN + 1];
    sb_store_error_t e = {0};

    if (c->body && json_object_is_type(c->body, json_type_object)
        && sb_json_get_string(c->body, "password", &password, &c->err, c->pool, 1)) {
        sb_valid_password(&c->err, c->pool, "password", password);
    }
    if (c->err.status || !sb_call_store(c)) {
        return c->err.status;
    }
    if (!(hash = sb_password_hash(c->pool, password, c->settings->bcrypt_cost))) {
        return sb_call_internal(c, "bcrypt failed");
    }
    switch (
        sb_store_password_reset(c->conn, sb_token_hash(c->pool, t), hash, c->now, user_id, &e)) {
    case SB_STORE_OK:
        break;
    case SB_STORE_NOT_FOUND:
    case SB_STORE_EXPIRED:
        return sb_fail(&c->err, c->pool, 400, "Invalid or expired reset token.");
    default:
        return sb_call_store_fail(c, &e, "Token");
    }
    sb_call_log(c, SB_LOG_INFO, "password reset for user %s; refresh tokens revoked", user_id);
    c->message = "Password has been reset. Please log in.";
    return sb_call_ok(c, 200, NULL);
}

const sb_route_t sb_auth_routes[] = {
    {"POST", "/api/auth/register", h_register, SB_ROUTE_JSON, "auth"},
    {"POST", "/api/auth/login", h_login, SB_ROUTE_JSON, "auth"},
    {"POST", "/api/auth/logout", h_logout, SB_ROUTE_JSON, NULL},
    {"POST", "/api/auth/logout-all", h_logout_all, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"POST", "/api/auth/refresh", h_refresh, SB_ROUTE_JSON, NULL},
    {"POST", "/api/auth/forgot-password", h_forgot_password, SB_ROUTE_JSON, NULL},
    {"POST", "/api/auth/reset-password", h_reset_password, SB_ROUTE_JSON, NULL},
    {"POST", "/api/auth/verify-email", h_verify_email, SB_ROUTE_JSON, NULL},
    {NULL, NULL, NULL, 0, NULL}};
