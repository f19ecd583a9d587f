/* sb_jitsi: the room token verifies with the secret and carries Jitsi's claims. */
#include "sb_test.h"

#include <string.h>

#include <cjose/cjose.h>
#include <json-c/json.h>

#include "sb_jitsi.h"

static const unsigned char secret[] = "0123456789abcdef0123456789abcdef";

static json_object *verified(const char *token, const unsigned char *key, size_t len)
{
    cjose_err e;
    cjose_jwk_t *jwk = cjose_jwk_create_oct_spec(key, len, &e);
    cjose_jws_t *jws = cjose_jws_import(token, strlen(token), &e);
    uint8_t *plain = NULL;
    size_t n = 0;
    json_object *o = NULL;
    char buf[2048];

    assert_non_null(jwk);
    assert_non_null(jws);
    if (cjose_jws_verify(jws, jwk, &e) && cjose_jws_get_plaintext(jws, &plain, &n, &e)
        && n < sizeof buf) {
        memcpy(buf, plain, n);
        buf[n] = '\0';
        o = json_tokener_parse(buf);
    }
    cjose_jws_release(jws);
    cjose_jwk_release(jwk);
    return o;
}

static void test_claims(void **state)
{
    apr_pool_t *p = *state;
    sb_jitsi_claims_t c = {"skillbarter", "meet.example.org", "room0123", "abc",
                           "Ada L",       "/uploads/a.png",   1,          1000,
                           5000};
    const char *t = sb_jitsi_token(p, secret, sizeof secret - 1, &c);
    json_object *o, *v, *user;

    assert_non_null(t);
    o = verified(t, secret, sizeof secret - 1);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "aud", &v));
    assert_string_equal(json_object_get_string(v), "jitsi");
    assert_true(json_object_object_get_ex(o, "iss", &v));
    assert_string_equal(json_object_get_string(v), "skillbarter");
    assert_true(json_object_object_get_ex(o, "sub", &v));
    assert_string_equal(json_object_get_string(v), "meet.example.org");
    assert_true(json_object_object_get_ex(o, "room", &v));
    assert_string_equal(json_object_get_string(v), "room0123");
    assert_true(json_object_object_get_ex(o, "exp", &v));
    assert_int_equal(json_object_get_int64(v), 5000);
    assert_true(json_object_object_get_ex(o, "moderator", &v));
    assert_true(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(o, "context", &v));
    assert_true(json_object_object_get_ex(v, "user", &user));
    assert_true(json_object_object_get_ex(user, "name", &v));
    assert_string_equal(json_object_get_string(v), "Ada L");
    assert_true(json_object_object_get_ex(user, "id", &v));
    assert_string_equal(json_object_get_string(v), "abc");
    json_object_put(o);
    /* another secret does not verify it */
    assert_null(verified(t, (const unsigned char *)"another-secret-another-secret-xx", 32));
}

static void test_refusals(void **state)
{
    apr_pool_t *p = *state;
    sb_jitsi_claims_t c = {"skillbarter", "meet.example.org", "room", "abc", "Ada", "", 0, 10, 10};

    assert_null(sb_jitsi_token(p, secret, sizeof secret - 1, &c)); /* exp <= nbf */
    c.exp = 20;
    assert_null(sb_jitsi_token(p, NULL, 0, &c));
    c.room = NULL;
    assert_null(sb_jitsi_token(p, secret, sizeof secret - 1, &c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_claims, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, sb_test_pool_setup, sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("jitsi", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
