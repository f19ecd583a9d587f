/* Jitsi room tokens (sb_jitsi.h). */
#include "sb_jitsi.h"

#include <string.h>

#include <apr_strings.h>
#include <cjose/cjose.h>
#include <json-c/json.h>

/* The claims as JSON text in p (NULL on a missing claim). */
static const char *payload(apr_pool_t *p, const sb_jitsi_claims_t *c)
{
    json_object *o, *ctx, *user;
    const char *s;

    if (!c->app_id || !c->domain || !c->room || !c->user_id || !c->name || c->exp <= c->nbf) {
        return NULL;
    }
    o = json_object_new_object();
    ctx = json_object_new_object();
    user = json_object_new_object();
    json_object_object_add(o, "aud", json_object_new_string("jitsi"));
    json_object_object_add(o, "iss", json_object_new_string(c->app_id));
    json_object_object_add(o, "sub", json_object_new_string(c->domain));
    json_object_object_add(o, "room", json_object_new_string(c->room));
    json_object_object_add(o, "nbf", json_object_new_int64(c->nbf));
    json_object_object_add(o, "exp", json_object_new_int64(c->exp));
    json_object_object_add(user, "id", json_object_new_string(c->user_id));
    json_object_object_add(user, "name", json_object_new_string(c->name));
    json_object_object_add(user, "avatar", json_object_new_string(c->avatar ? c->avatar : ""));
    json_object_object_add(user, "moderator", json_object_new_boolean(c->moderator));
    json_object_object_add(ctx, "user", user);
    json_object_object_add(o, "context", ctx);
    json_object_object_add(o, "moderator", json_object_new_boolean(c->moderator));
    s = apr_pstrdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return s;
}

const char *sb_jitsi_token(apr_pool_t *p, const unsigned char *secret, apr_size_t len,
                           const sb_jitsi_claims_t *c)
{
    cjose_jwk_t *jwk = NULL;
    cjose_header_t *hdr = NULL;
    cjose_jws_t *jws = NULL;
    cjose_err cerr;
    const char *body, *ser = NULL, *out = NULL;

    if (!secret || !len || !(body = payload(p, c))) {
        return NULL;
    }
    if ((jwk = cjose_jwk_create_oct_spec(secret, len, &cerr)) != NULL
        && (hdr = cjose_header_new(&cerr)) != NULL
        && cjose_header_set(hdr, CJOSE_HDR_ALG, CJOSE_HDR_ALG_HS256, &cerr)
        && cjose_header_set(hdr, "typ", "JWT", &cerr)
        && (jws = cjose_jws_sign(jwk, hdr, (const uint8_t *)body, strlen(body), &cerr))
        && cjose_jws_export(jws, &ser, &cerr)) {
        out = apr_pstrdup(p, ser);
    }
    cjose_jws_release(jws);
    cjose_header_release(hdr);
    cjose_jwk_release(jwk);
    return out;
}
