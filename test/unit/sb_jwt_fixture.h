/*
 * The JWT tests' raw signer: a compact JWS over any payload with any alg and typ header, made
 * with cjose directly (not sb_jwt_sign), so tests can build tokens the module would never issue.
 */
#ifndef SB_JWT_FIXTURE_H
#define SB_JWT_FIXTURE_H

#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>
#include <cjose/cjose.h>

/* The token in p: alg (a CJOSE_HDR_ALG_* name), typ (NULL: no typ header), payload as is. */
static inline const char *sb_test_jws(apr_pool_t *p, const unsigned char *key, size_t key_len,
                                      const char *alg, const char *typ, const char *payload)
{
    cjose_jwk_t *jwk = cjose_jwk_create_oct_spec(key, key_len, NULL);
    cjose_header_t *hdr = cjose_header_new(NULL);
    cjose_jws_t *jws;
    const char *ser = NULL, *out;

    assert_non_null(jwk);
    assert_true(cjose_header_set(hdr, CJOSE_HDR_ALG, alg, NULL));
    if (typ) {
        assert_true(cjose_header_set(hdr, "typ", typ, NULL));
    }
    jws = cjose_jws_sign(jwk, hdr, (const uint8_t *)payload, strlen(payload), NULL);
    assert_non_null(jws);
    assert_true(cjose_jws_export(jws, &ser, NULL));
    out = apr_pstrdup(p, ser);
    cjose_jws_release(jws);
    cjose_header_release(hdr);
    cjose_jwk_release(jwk);
    return out;
}

#endif
