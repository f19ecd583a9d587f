/* Pagination cursors: round trip, opacity, and refusal of anything not made by the server. */
#include "sb_test.h"

#include <pthread.h>
#include <string.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sb_cursor.h"

static const unsigned char KEY[] = "0123456789abcdef0123456789abcdef";
#define K KEY, sizeof KEY - 1

static void test_round_trip(void **state)
{
    apr_pool_t *p = *state;
    static const int64_t keys[] = {0, 1, 1700000000000LL, INT64_MAX, -1, INT64_MIN};
    char id[SB_ID_LEN + 1];
    int64_t got;
    size_t i;

    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *t = sb_cursor_encode(p, K, keys[i], "65a1b2c3d4e5f60718293a4b");
        assert_non_null(t);
        assert_int_equal(strlen(t), SB_CURSOR_TEXT_LEN);
        assert_int_equal(
            strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            SB_CURSOR_TEXT_LEN);
        assert_true(sb_cursor_decode(K, t, &got, id));
        assert_true(got == keys[i]);
        assert_string_equal(id, "65a1b2c3d4e5f60718293a4b");
    }
    /* upper-case ids come back lower-case */
    assert_true(
        sb_cursor_decode(K, sb_cursor_encode(p, K, 5, "65A1B2C3D4E5F60718293A4B"), &got, id));
    assert_string_equal(id, "65a1b2c3d4e5f60718293a4b");
}

static void test_bad_ids_not_encoded(void **state)
{
    apr_pool_t *p = *state;

    assert_null(sb_cursor_encode(p, K, 1, NULL));
    assert_null(sb_cursor_encode(p, K, 1, "abc"));
    assert_null(sb_cursor_encode(p, K, 1, "65a1b2c3d4e5f60718293a4g"));
    assert_null(sb_cursor_encode(p, K, 1, "65a1b2c3d4e5f60718293a4b0"));
}

/* Every single-character change, truncation or extension is refused. */
static void test_tamper_evident(void **state)
{
    apr_pool_t *p = *state;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *t = sb_cursor_encode(p, K, 1700000000000LL, "65a1b2c3d4e5f60718293a4b");
    char id[SB_ID_LEN + 1], buf[64];
    int64_t got;
    size_t i, j;

    for (i = 0; i < SB_CURSOR_TEXT_LEN; i++) {
        for (j = 0; j < sizeof alphabet - 1; j++) {
            if (alphabet[j] == t[i]) {
                continue;
            }
            strcpy(buf, t);
            buf[i] = alphabet[j];
            assert_false(sb_cursor_decode(K, buf, &got, id));
        }
    }
    assert_false(sb_cursor_decode(K, apr_pstrndup(p, t, SB_CURSOR_TEXT_LEN - 1), &got, id));
    assert_false(sb_cursor_decode(K, apr_pstrcat(p, t, "A", NULL), &got, id));
    /* another server's key */
    assert_false(sb_cursor_decode((const unsigned char *)"another key of 32 bytes.........", 32, t,
                                  &got, id));
}

static void test_garbage(void **state)
{
    static const char *const bad[] = {"",
                                      "garbage",
                                      "2024-01-01T00:00:00.000Z",
                                      "====",
                                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
                                      NULL};
    char id[SB_ID_LEN + 1];
    int64_t got;
    int i;

    (void)state;
    for (i = 0; bad[i]; i++) {
        assert_false(sb_cursor_decode(K, bad[i], &got, id));
    }
    assert_false(sb_cursor_decode(K, NULL, &got, id));
}

/* Without a key a fixed one is used: still a round trip, still refuses edits. */
static void test_no_key(void **state)
{
    apr_pool_t *p = *state;
    const char *t = sb_cursor_encode(p, NULL, 0, 42, "000000000000000000000001");
    char id[SB_ID_LEN + 1];
    int64_t got;

    assert_true(sb_cursor_decode(NULL, 0, t, &got, id));
    assert_true(got == 42);
    assert_false(sb_cursor_decode(K, t, &got, id));
}

/* The wire form computed here from its definition (sb_cursor.h) with OpenSSL's one-shot
 * HMAC, for a position and a key. */
static void reference(const unsigned char *key, size_t key_len, int64_t sk, const char *id,
                      char *out)
{
    static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[30] = {0}, msg[9 + 21], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0, i, o = 0;

    if (!key_len) {
        key = (const unsigned char *)"mod_skillbarter cursor key";
        key_len = 26;
    }
    raw[0] = 1;
    for (i = 0; i < 8; i++) {
        raw[1 + i] = (unsigned char)((uint64_t)sk >> (8 * (7 - i)));
    }
    for (i = 0; i < 12; i++) {
        unsigned v;
        assert_int_equal(sscanf(id + 2 * i, "%2x", &v), 1);
        raw[9 + i] = (unsigned char)v;
    }
    memcpy(msg, "sb-cursor", 9);
    memcpy(msg + 9, raw, 21);
    HMAC(EVP_sha256(), key, (int)key_len, msg, sizeof msg, mac, &mac_len);
    memcpy(raw + 21, mac, 8);
    for (i = 0; i < 27; i += 3) { /* 29 bytes: nine groups, then two bytes */
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        out[o++] = b64u[v >> 18 & 63];
        out[o++] = b64u[v >> 12 & 63];
        out[o++] = b64u[v >> 6 & 63];
        out[o++] = b64u[v & 63];
    }
    out[o++] = b64u[raw[27] >> 2];
    out[o++] = b64u[(raw[27] & 3) << 4 | raw[28] >> 4];
    out[o++] = b64u[(raw[28] & 15) << 2];
    out[o] = '\0';
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Cursors are the bytes the definition gives (the ones made before the MAC context was
 * kept): fixed texts, then random positions under more keys than are kept as templates. */
static void test_same_bytes(void **state)
{
    apr_pool_t *p = *state;
    char want[SB_CURSOR_TEXT_LEN + 1], id[SB_ID_LEN + 1];
    unsigned char keys[9][40];
    int64_t got;
    int i, k;

    assert_string_equal(sb_cursor_encode(p, K, 1700000000000LL, "65a1b2c3d4e5f60718293a4b"),
                        "AQAAAYvP5WgAZaGyw9Tl9gcYKTpLxk2-e3AzBVQ");
    assert_string_equal(sb_cursor_encode(p, NULL, 0, 42, "000000000000000000000001"),
                        "AQAAAAAAAAAqAAAAAAAAAAAAAAABsMcPqAO8Gt8");
    assert_string_equal(
        sb_cursor_encode(p, (const unsigned char *)"k", 1, -1, "ffffffffffffffffffffffff"),
        "Af__________________________kByExqSPPEg");
    for (k = 0; k < 9; k++) {
        for (i = 0; i < 40; i++) {
            keys[k][i] = (unsigned char)rnd();
        }
    }
    for (i = 0; i < 400; i++) {
        int64_t sk = (int64_t)rnd();
        size_t len = (size_t)(i % 9) * 5;
        const unsigned char *key = keys[i % 9];
        const char *t;
        for (k = 0; k < SB_ID_LEN; k++) {
            id[k] = "0123456789abcdef"[rnd() % 16];
        }
        id[SB_ID_LEN] = '\0';
        reference(key, len, sk, id, want);
        t = sb_cursor_encode(p, len ? key : NULL, len, sk, id);
        assert_non_null(t);
        assert_string_equal(t, want);
        assert_true(sb_cursor_decode(len ? key : NULL, len, want, &got, id));
        assert_true(got == sk);
    }
}

/* Threads encoding and decoding at once under shared keys get the same bytes. */
#define THREADS 4
static void *encode_many(void *arg)
{
    apr_pool_t *p;
    char want[SB_CURSOR_TEXT_LEN + 1], id[SB_ID_LEN + 1];
    int64_t got;
    long n = (long)(intptr_t)arg, bad = 0, i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 300; i++) {
        const unsigned char *key = (i + n) % 2 ? KEY : (const unsigned char *)"shared two";
        size_t len = (i + n) % 2 ? sizeof KEY - 1 : 10;
        const char *t;
        snprintf(id, sizeof id, "%012lx%012lx", (unsigned long)n, (unsigned long)i);
        reference(key, len, i * 7919 + n, id, want);
        t = sb_cursor_encode(p, key, len, i * 7919 + n, id);
        bad += !t || strcmp(t, want) || !sb_cursor_decode(key, len, want, &got, id)
               || got != i * 7919 + n;
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return (void *)(intptr_t)bad;
}

static void test_threads(void **state)
{
    pthread_t th[THREADS];
    void *bad;
    long i;

    (void)state;
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, encode_many, (void *)(intptr_t)i), 0);
    }
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], &bad), 0);
        assert_int_equal((intptr_t)bad, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_bad_ids_not_encoded, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_evident, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test_setup_teardown(test_no_key, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_same_bytes, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test(test_threads),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("cursor", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
