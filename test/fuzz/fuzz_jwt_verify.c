/*
 * libFuzzer target: sb_jwt_verify on arbitrary strings, and on tokens correctly signed with the
 * key over an arbitrary payload (so the claim checks see fuzzed JSON behind a good signature).
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <cjose/cjose.h>

#include "sb_jwt.h"

static const unsigned char secret[] = "fuzz-secret-fuzz-secret-fuzz-secret!";

static apr_pool_t *gp;
static sb_jwt_key_t *key;
static cjose_jwk_t *jwk;

/* Released before LeakSanitizer's exit-time check: APR keeps pools in mmap'd memory, which
 * LeakSanitizer does not scan, so the key's cjose object would look leaked. */
static void fuzz_cleanup(void)
{
    cjose_jwk_release(jwk);
    apr_pool_destroy(gp);
    apr_terminate();
}

/* Process-lifetime state is made here, outside libFuzzer's per-input leak check. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_initialize();
    atexit(fuzz_cleanup);
    apr_pool_create(&gp, NULL);
    key = sb_jwt_key_make(gp, secret, sizeof secret - 1, "fuzz");
    jwk = cjose_jwk_create_oct_spec(secret, sizeof secret - 1, NULL);
    return key && jwk ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    sb_jwt_claims_t c;
    cjose_header_t *hdr;
    cjose_jws_t *jws;
    const char *ser;
    sb_jwt_status_t st;

    apr_pool_create(&p, NULL);
    sb_jwt_verify(key, p, apr_pstrmemdup(p, (const char *)data, size), 1750000000, &c);

    hdr = cjose_header_new(NULL);
    cjose_header_set(hdr, CJOSE_HDR_ALG, CJOSE_HDR_ALG_HS256, NULL);
    jws = cjose_jws_sign(jwk, hdr, data, size, NULL);
    if (jws && cjose_jws_export(jws, &ser, NULL)) {
        st = sb_jwt_verify(key, p, ser, 1750000000, &c);
        if (st == SB_JWT_BAD_SIGNATURE || st == SB_JWT_BAD_ALG) {
            __builtin_trap(); /* a token we signed ourselves */
        }
        if (st == SB_JWT_OK && (!c.sub || !c.role || c.exp <= 1750000000)) {
            __builtin_trap();
        }
    }
    cjose_jws_release(jws);
    cjose_header_release(hdr);
    apr_pool_destroy(p);
    return 0;
}
