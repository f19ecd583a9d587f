/* sb_jwt: the registered claims (aud, nbf, jti), the session id and the explicit type. */
#include "sb_jwt_fixture.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <cjose/cjose.h>
#include <json-c/json.h>

#include "sb_jwt.h"

#define ISS "skillbarter-test"
#define NOW 1750000000
#define SUB "665f1c2e9b1e8a3d4c5b6a79"

static const unsigned char secret[] = "0123456789abcdef0123456789abcdef-test-secret";

static sb_jwt_key_t *make_key(apr_pool_t *p)
{
    return sb_jwt_key_make(p, secret, sizeof secret - 1, ISS);
}

/* A token with header typ (NULL: none) over payload, signed HS256 with the test secret. */
static const char *sign_typ(apr_pool_t *p, const char *typ, const char *payload)
{
    return sb_test_jws(p, secret, sizeof secret - 1, CJOSE_HDR_ALG_HS256, typ, payload);
}

/* Our claim set with aud as given (a JSON value, NULL: left out) and extra members. */
static const char *payload(apr_pool_t *p, const char *aud, const char *extra)
{
    return apr_psprintf(p,
                        "{\"sub\":\"" SUB "\",\"role\":\"user\",\"jti\":\"j1\",\"sid\":\"s1\","
                        "\"iat\":%d,\"exp\":%d,\"iss\":\"" ISS "\"%s%s%s}",
                        NOW - 10, NOW + 900, aud ? ",\"aud\":" : "", aud ? aud : "",
                        extra ? extra : "");
}

static json_object *decode_part(apr_pool_t *p, const char *tok, int part)
{
    const char *start = tok, *end;
    uint8_t *raw = NULL;
    size_t n = 0;
    json_object *o;
    int i;

    for (i = 0; i < part; i++) {
        start = strchr(start, '.') + 1;
    }
    end = strchr(start, '.');
    assert_true(cjose_base64url_decode(start, (size_t)(end - start), &raw, &n, NULL));
    o = json_tokener_parse(apr_pstrmemdup(p, (const char *)raw, n));
    free(raw);
    assert_non_null(o);
    return o;
}

static void test_issued_claims(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    sb_jwt_claims_t c = {.sub = SUB,
                         .role = "user",
                         .jti = "jti-9",
                         .sid = "fam-1",
                         .iat = NOW,
                         .exp = NOW + 900},
                    out;
    json_object *hdr, *body, *v;
    const char *tok;

    assert_int_equal(sb_jwt_sign(key, p, &c, &tok), SB_JWT_OK);
    hdr = decode_part(p, tok, 0);
    assert_true(json_object_object_get_ex(hdr, "typ", &v));
    assert_string_equal(json_object_get_string(v), "at+jwt");
    body = decode_part(p, tok, 1);
    assert_true(json_object_object_get_ex(body, "aud", &v));
    assert_string_equal(json_object_get_string(v), SB_JWT_DEFAULT_AUDIENCE);
    assert_true(json_object_object_get_ex(body, "nbf", &v));
    assert_int_equal(json_object_get_int64(v), NOW);
    assert_true(json_object_object_get_ex(body, "jti", &v));
    assert_string_equal(json_object_get_string(v), "jti-9");
    assert_true(json_object_object_get_ex(body, "sid", &v));
    assert_string_equal(json_object_get_string(v), "fam-1");
    json_object_put(hdr);
    json_object_put(body);
    memset(&out, 0, sizeof out);
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, &out), SB_JWT_OK);
    assert_string_equal(out.sid, "fam-1");
    assert_int_equal(out.nbf, NOW);
    /* No token without a session or an id is ever signed. */
    c.sid = NULL;
    assert_int_equal(sb_jwt_sign(key, p, &c, &tok), SB_JWT_ERROR);
    c.sid = "fam-1";
    c.jti = "";
    assert_int_equal(sb_jwt_sign(key, p, &c, &tok), SB_JWT_ERROR);
}

static void test_audience(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p), *other = make_key(p);
    sb_jwt_claims_t c = {
        .sub = SUB, .role = "user", .jti = "j", .sid = "s", .iat = NOW, .exp = NOW + 900};
    const char *tok;

    assert_int_equal(
        sb_jwt_verify(key, p, sign_typ(p, "at+jwt", payload(p, NULL, NULL)), NOW, NULL),
        SB_JWT_BAD_AUDIENCE);
    assert_int_equal(
        sb_jwt_verify(key, p, sign_typ(p, "at+jwt", payload(p, "\"other-api\"", NULL)), NOW, NULL),
        SB_JWT_BAD_AUDIENCE);
    assert_int_equal(sb_jwt_verify(key, p, sign_typ(p, "at+jwt", payload(p, "5", NULL)), NOW, NULL),
                     SB_JWT_BAD_AUDIENCE);
    assert_int_equal(
        sb_jwt_verify(key, p, sign_typ(p, "at+jwt", payload(p, "[\"a\",\"b\"]", NULL)), NOW, NULL),
        SB_JWT_BAD_AUDIENCE);
    assert_int_equal(
        sb_jwt_verify(
            key, p,
            sign_typ(p, "at+jwt", payload(p, "[\"a\",\"" SB_JWT_DEFAULT_AUDIENCE "\"]", NULL)), NOW,
            NULL),
        SB_JWT_OK);
    /* A key for another audience refuses our tokens, and the other way round. */
    sb_jwt_key_set_audience(other, "realtime");
    assert_int_equal(sb_jwt_sign(other, p, &c, &tok), SB_JWT_OK);
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, NULL), SB_JWT_BAD_AUDIENCE);
    assert_int_equal(sb_jwt_verify(other, p, tok, NOW, NULL), SB_JWT_OK);
}

static void test_not_before(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    const char *aud = "\"" SB_JWT_DEFAULT_AUDIENCE "\"";
    const char *in_leeway = apr_psprintf(p, ",\"nbf\":%d", NOW + SB_JWT_LEEWAY_S);
    const char *ahead = apr_psprintf(p, ",\"nbf\":%d", NOW + SB_JWT_LEEWAY_S + 1);

    assert_int_equal(
        sb_jwt_verify(key, p, sign_typ(p, "at+jwt", payload(p, aud, in_leeway)), NOW, NULL),
        SB_JWT_OK);
    assert_int_equal(
        sb_jwt_verify(key, p, sign_typ(p, "at+jwt", payload(p, aud, ahead)), NOW, NULL),
        SB_JWT_NOT_YET_VALID);
    assert_string_equal(sb_jwt_status_text(SB_JWT_NOT_YET_VALID), "Token not yet valid.");
    /* ...and valid once the clock gets there. */
    assert_int_equal(
        sb_jwt_verify(key, p, sign_typ(p, "at+jwt", payload(p, aud, ahead)), NOW + 1, NULL),
        SB_JWT_OK);
    assert_int_equal(
        sb_jwt_verify(key, p, sign_typ(p, "at+jwt", payload(p, aud, ",\"nbf\":\"1\"")), NOW, NULL),
        SB_JWT_MALFORMED);
}

static void test_type_and_session(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    const char *aud = "\"" SB_JWT_DEFAULT_AUDIENCE "\"", *body = payload(p, aud, NULL);
    const char *no_sid = apr_psprintf(p,
                                      "{\"sub\":\"" SUB "\",\"role\":\"user\",\"jti\":\"j\","
                                      "\"iat\":%d,\"exp\":%d,\"iss\":\"" ISS "\",\"aud\":%s}",
                                      NOW, NOW + 900, aud);

    assert_int_equal(sb_jwt_verify(key, p, sign_typ(p, NULL, body), NOW, NULL), SB_JWT_BAD_TYPE);
    assert_int_equal(sb_jwt_verify(key, p, sign_typ(p, "JWT", body), NOW, NULL), SB_JWT_BAD_TYPE);
    assert_int_equal(sb_jwt_verify(key, p, sign_typ(p, "at+jwtx", body), NOW, NULL),
                     SB_JWT_BAD_TYPE);
    assert_int_equal(sb_jwt_verify(key, p, sign_typ(p, "AT+JWT", body), NOW, NULL), SB_JWT_OK);
    assert_int_equal(sb_jwt_verify(key, p, sign_typ(p, "application/at+jwt", body), NOW, NULL),
                     SB_JWT_OK);
    assert_int_equal(sb_jwt_verify(key, p, sign_typ(p, "at+jwt", no_sid), NOW, NULL),
                     SB_JWT_MALFORMED);
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_issued_claims),
    T(test_audience),
    T(test_not_before),
    T(test_type_and_session),
};

SB_TEST_MAIN("jwt_claims", tests)
