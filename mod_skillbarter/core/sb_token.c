#include "sb_token.h"

#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SB_TOKEN_BYTES 32

static const char sb_b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url of n bytes without padding into out (room for 4*ceil(n/3)+1 chars). */
static void sb_b64url_encode(const unsigned char *in, apr_size_t n, char *out)
{
    apr_size_t i;
    char *o = out;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned long v =
            ((unsigned long)in[i] << 16) | ((unsigned long)in[i + 1] << 8) | in[i + 2];
        *o++ = sb_b64url[(v >> 18) & 63];
        *o++ = sb_b64url[(v >> 12) & 63];
        *o++ = sb_b64url[(v >> 6) & 63];
        *o++ = sb_b64url[v & 63];
    }
    if (n - i == 1) {
        *o++ = sb_b64url[in[i] >> 2];
        *o++ = sb_b64url[(in[i] & 3) << 4];
    }
    else if (n - i == 2) {
        *o++ = sb_b64url[in[i] >> 2];
        *o++ = sb_b64url[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = sb_b64url[(in[i + 1] & 15) << 2];
    }
    *o = '\0';
}

const char *sb_token_new(apr_pool_t *p)
{
    unsigned char raw[SB_TOKEN_BYTES];
    char *out = apr_palloc(p, (SB_TOKEN_BYTES + 2) / 3 * 4 + 1);

    if (apr_generate_random_bytes(raw, sizeof raw) != APR_SUCCESS) {
        return NULL;
    }
    sb_b64url_encode(raw, sizeof raw, out);
    OPENSSL_cleanse(raw, sizeof raw);
    return out;
}

const char *sb_token_hash(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    char *out;

    if (!s || !EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL)) {
        return NULL;
    }
    out = apr_palloc(p, mdlen * 2 + 1);
    for (i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * mdlen] = '\0';
    return out;
}

/* Lengths are not secret (tokens have a fixed length); contents are compared in constant time. */
int sb_token_equal(const char *a, const char *b)
{
    size_t la, lb;

    if (!a || !b) {
        return 0;
    }
    la = strlen(a);
    lb = strlen(b);
    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

/* Domain separation: these MACs never equal a cursor's or a JWT's over the same secret. */
#define SB_TOKEN_LINK_LABEL "skillbarter one-time link v1"

const char *sb_token_derive(apr_pool_t *p, const unsigned char *key, apr_size_t key_len,
                            const char *purpose, const char *user_id, const char *nonce)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    const char *msg;
    char *out;

    if (!key || !key_len || !purpose || !user_id || !nonce) {
        return NULL;
    }
    /* "|" separators: purposes and ids hold no "|", so no two triples share a message. */
    msg = apr_pstrcat(p, SB_TOKEN_LINK_LABEL, "|", purpose, "|", user_id, "|", nonce, NULL);
    if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), mac,
              &mac_len)) {
        return NULL;
    }
    out = apr_palloc(p, (mac_len + 2) / 3 * 4 + 1);
    sb_b64url_encode(mac, mac_len, out);
    OPENSSL_cleanse(mac, sizeof mac);
    return out;
}
