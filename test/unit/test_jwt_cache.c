/* sb_jwt's cache of verified tokens: a hit gives the same claims as a full verification, the
 * clock is checked on every hit, and nothing but the very same bytes hits. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_jwt.h"

#define ISS "skillbarter-test"
#define NOW 1750000000
#define SUB "665f1c2e9b1e8a3d4c5b6a79"

static const unsigned char secret[] = "0123456789abcdef0123456789abcdef-test-secret";

static sb_jwt_key_t *make_key(apr_pool_t *p)
{
    sb_jwt_key_t *k = sb_jwt_key_make(p, secret, sizeof secret - 1, ISS);
    assert_non_null(k);
    return k;
}

static const char *sign(apr_pool_t *p, sb_jwt_key_t *key, const char *jti, int64_t iat, int64_t nbf,
                        int64_t exp)
{
    sb_jwt_claims_t c = {.sub = SUB,
                         .role = "admin",
                         .jti = jti,
                         .iat = iat,
                         .exp = exp,
                         .sid = "665f1c2e9b1e8a3d4c5b6a70",
                         .nbf = nbf};
    const char **tok = apr_pcalloc(p, sizeof *tok); /* not a local: gcc's dangling check */

    assert_int_equal(sb_jwt_sign(key, p, &c, tok), SB_JWT_OK);
    return *tok;
}

static void stats(sb_jwt_key_t *key, uint64_t *hits, uint64_t *misses)
{
    sb_jwt_cache_stats(key, hits, misses);
}

static void test_hit_gives_the_same_claims(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    const char *tok = sign(p, key, "jti-cache", NOW - 5, NOW - 5, NOW + 900);
    sb_jwt_claims_t a, b;
    uint64_t h, m;

    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, &a), SB_JWT_OK);
    stats(key, &h, &m);
    assert_int_equal(h, 0);
    assert_int_equal(m, 1);
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW + 1, &b), SB_JWT_OK);
    stats(key, &h, &m);
    assert_int_equal(h, 1); /* the second verification was the cache's */
    assert_string_equal(b.sub, a.sub);
    assert_string_equal(b.role, "admin");
    assert_string_equal(b.jti, "jti-cache");
    assert_string_equal(b.sid, a.sid);
    assert_int_equal(b.iat, a.iat);
    assert_int_equal(b.nbf, a.nbf);
    assert_int_equal(b.exp, NOW + 900);
    assert_ptr_not_equal(b.sub, a.sub); /* copies in the caller's pool */
    /* claims are optional on a hit too */
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, NULL), SB_JWT_OK);
}

static void test_expiry_through_the_cache(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    const char *tok = sign(p, key, "jti-exp", NOW - 5, NOW - 5, NOW + 10);
    uint64_t h, m;

    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, NULL), SB_JWT_OK);
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW + 9, NULL), SB_JWT_OK);
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW + 10, NULL), SB_JWT_EXPIRED);
    stats(key, &h, &m);
    assert_int_equal(h, 2);
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW + 3600, NULL), SB_JWT_EXPIRED);
}

static void test_not_before_through_the_cache(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    const char *tok = sign(p, key, "jti-nbf", NOW, NOW + 100, NOW + 900);
    uint64_t h, m;

    assert_int_equal(sb_jwt_verify(key, p, tok, NOW + 40, NULL), SB_JWT_OK);
    /* the clock stepped back: the cached token is judged at the time asked */
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW + 39, NULL), SB_JWT_NOT_YET_VALID);
    stats(key, &h, &m);
    assert_int_equal(h, 1);
}

static void test_only_the_same_bytes_hit(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    const char *tok = sign(p, key, "jti-same", NOW, NOW, NOW + 900);
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    const char *other = sign(p, key, "jti-other", NOW, NOW, NOW + 900);
    const char *od1 = strchr(other, '.'), *od2 = strrchr(other, '.');
    char *forged, *prefixed;

    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, NULL), SB_JWT_OK);
    /* another token's payload under the cached token's signature (same slot) */
    forged = apr_pstrcat(p, apr_pstrmemdup(p, tok, (apr_size_t)(d1 - tok)),
                         apr_pstrmemdup(p, od1, (apr_size_t)(od2 - od1)), d2, NULL);
    assert_int_equal(sb_jwt_verify(key, p, forged, NOW, NULL), SB_JWT_BAD_SIGNATURE);
    /* one byte of the payload changed */
    prefixed = apr_pstrdup(p, tok);
    prefixed[d1 - tok + 5] = prefixed[d1 - tok + 5] == 'A' ? 'B' : 'A';
    assert_int_not_equal(sb_jwt_verify(key, p, prefixed, NOW, NULL), SB_JWT_OK);
    /* the cached token itself is still good, and the other one verifies on its own */
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, NULL), SB_JWT_OK);
    assert_int_equal(sb_jwt_verify(key, p, other, NOW, NULL), SB_JWT_OK);
    /* another key from another secret does not see this key's cache */
    {
        static const unsigned char s2[] = "ffffffffffffffffffffffffffffffffffffff";
        sb_jwt_key_t *k2 = sb_jwt_key_make(p, s2, sizeof s2 - 1, ISS);
        assert_int_equal(sb_jwt_verify(k2, p, tok, NOW, NULL), SB_JWT_BAD_SIGNATURE);
    }
}

static void test_audience_change_forgets(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    const char *tok = sign(p, key, "jti-aud", NOW, NOW, NOW + 900);

    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, NULL), SB_JWT_OK);
    sb_jwt_key_set_audience(key, "realtime");
    assert_int_equal(sb_jwt_verify(key, p, tok, NOW, NULL), SB_JWT_BAD_AUDIENCE);
}

static void test_many_tokens_stay_exact(void **state)
{
    apr_pool_t *p = *state;
    sb_jwt_key_t *key = make_key(p);
    const char *toks[600];
    sb_jwt_claims_t c;
    int i, round;

    for (i = 0; i < 600; i++) {
        toks[i] = sign(p, key, apr_psprintf(p, "jti-%d", i), NOW, NOW, NOW + 100 + i);
    }
    /* more tokens than slots, twice round: each answer is its own token's */
    for (round = 0; round < 2; round++) {
        for (i = 0; i < 600; i++) {
            memset(&c, 0, sizeof c);
            assert_int_equal(sb_jwt_verify(key, p, toks[i], NOW, &c), SB_JWT_OK);
            assert_string_equal(c.jti, apr_psprintf(p, "jti-%d", i));
            assert_int_equal(c.exp, NOW + 100 + i);
        }
    }
    /* the bound holds for time too: the first token expires in the cache */
    assert_int_equal(sb_jwt_verify(key, p, toks[0], NOW + 100, NULL), SB_JWT_EXPIRED);
    assert_int_equal(sb_jwt_verify(key, p, toks[599], NOW + 100, NULL), SB_JWT_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_hit_gives_the_same_claims),    T(test_expiry_through_the_cache),
    T(test_not_before_through_the_cache), T(test_only_the_same_bytes_hit),
    T(test_audience_change_forgets),      T(test_many_tokens_stay_exact),
};

SB_TEST_MAIN("jwt_cache", tests)
