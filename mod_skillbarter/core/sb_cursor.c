/* Opaque (sort key, id) cursors: versioned, HMAC-tagged, base64url (see sb_cursor.h). */
#include "sb_cursor.h"
#include "sb_hex.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#define SB_CURSOR_VERSION 0x01
#define SB_CURSOR_BODY    21 /* version + sort key + id */
#define SB_CURSOR_TAG     8
#define SB_CURSOR_RAW     (SB_CURSOR_BODY + SB_CURSOR_TAG)

static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64val(int c)
{
    const char *q = c ? strchr(b64u, c) : NULL;
    return q ? (int)(q - b64u) : -1;
}

/*
 * The tag's HMAC-SHA256. The one-shot HMAC() looks the MAC and the digest up by name on
 * every call (most of a cursor's cost); instead the MAC is fetched once and, for each of the
 * first TEMPLATES_MAX keys seen, a context keyed once is kept as a template that every call
 * copies (a copy only reads it, so threads share the templates; they live as long as the
 * process, and are looked up without a lock: ntemplates is published after its entry).
 * Other keys, or a failure, take the one-shot path: the same bytes either way.
 */
#define TEMPLATES_MAX 4

typedef struct {
    unsigned char *key;
    apr_size_t key_len;
    EVP_MAC_CTX *ctx;
} mac_template_t;

static pthread_once_t mac_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mac_lock = PTHREAD_MUTEX_INITIALIZER;
static EVP_MAC *mac_hmac;
static mac_template_t templates[TEMPLATES_MAX];
static atomic_int ntemplates;

static void mac_fetch(void)
{
    mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* The template of key (made on first use), or NULL. */
static const EVP_MAC_CTX *mac_template(const unsigned char *key, apr_size_t key_len)
{
    OSSL_PARAM params[2];
    EVP_MAC_CTX *ctx = NULL;
    unsigned char *copy;
    int i, n;

    pthread_once(&mac_once, mac_fetch);
    if (!mac_hmac) {
        return NULL;
    }
    n = atomic_load_explicit(&ntemplates, memory_order_acquire);
    for (i = 0; i < n; i++) {
        if (templates[i].key_len == key_len && !memcmp(templates[i].key, key, key_len)) {
            return templates[i].ctx;
        }
    }
    pthread_mutex_lock(&mac_lock);
    n = atomic_load_explicit(&ntemplates, memory_order_relaxed);
    for (i = 0; i < n; i++) {
        if (templates[i].key_len == key_len && !memcmp(templates[i].key, key, key_len)) {
            ctx = templates[i].ctx;
            break;
        }
    }
    if (!ctx && n < TEMPLATES_MAX && (copy = malloc(key_len))) {
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
        params[1] = OSSL_PARAM_construct_end();
        if ((ctx = EVP_MAC_CTX_new(mac_hmac)) && EVP_MAC_init(ctx, key, key_len, params)) {
            memcpy(copy, key, key_len);
            templates[n].key = copy;
            templates[n].key_len = key_len;
            templates[n].ctx = ctx;
            atomic_store_explicit(&ntemplates, n + 1, memory_order_release);
        }
        else {
            EVP_MAC_CTX_free(ctx);
            free(copy);
            ctx = NULL;
        }
    }
    pthread_mutex_unlock(&mac_lock);
    return ctx;
}

/* HMAC-SHA256 of msg[0..n) under key into mac (SB_CURSOR_MAC bytes) from its template. */
#define SB_CURSOR_MAC 32
static int mac_kept(const unsigned char *key, apr_size_t key_len, const unsigned char *msg,
                    apr_size_t n, unsigned char *mac)
{
    const EVP_MAC_CTX *t = mac_template(key, key_len);
    EVP_MAC_CTX *ctx = t ? EVP_MAC_CTX_dup(t) : NULL;
    size_t len = 0;
    int ok;

    ok = ctx && EVP_MAC_update(ctx, msg, n) && EVP_MAC_final(ctx, mac, &len, SB_CURSOR_MAC)
         && len == SB_CURSOR_MAC;
    EVP_MAC_CTX_free(ctx);
    return ok;
}

static void tag(const unsigned char *key, apr_size_t key_len, const unsigned char *body,
                unsigned char *out)
{
    static const unsigned char fixed[] = "mod_skillbarter cursor key";
    unsigned char msg[9 + SB_CURSOR_BODY], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    memcpy(msg, "sb-cursor", 9);
    memcpy(msg + 9, body, SB_CURSOR_BODY);
    if (!key || !key_len) {
        key = fixed;
        key_len = sizeof fixed - 1;
    }
    if (!mac_kept(key, key_len, msg, sizeof msg, mac)) {
        HMAC(EVP_sha256(), key, (int)key_len, msg, sizeof msg, mac, &mac_len);
    }
    memcpy(out, mac, SB_CURSOR_TAG);
}

/* base64url without padding of n bytes into out (4*ceil(n/3) - padding chars + NUL). */
static void b64_encode(const unsigned char *in, apr_size_t n, char *out)
{
    apr_size_t i;
    int o = 0;

    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= in[i + 2];
        }
        out[o++] = b64u[(v >> 18) & 63];
        out[o++] = b64u[(v >> 12) & 63];
        if (i + 1 < n) {
            out[o++] = b64u[(v >> 6) & 63];
        }
        if (i + 2 < n) {
            out[o++] = b64u[v & 63];
        }
    }
    out[o] = '\0';
}

const char *sb_cursor_encode(apr_pool_t *p, const unsigned char *key, apr_size_t key_len,
                             int64_t sort_key, const char *id)
{
    unsigned char raw[SB_CURSOR_RAW];
    char *out;
    int i;

    if (!id || strlen(id) != SB_ID_LEN) {
        return NULL;
    }
    raw[0] = SB_CURSOR_VERSION;
    for (i = 0; i < 8; i++) {
        raw[1 + i] = (unsigned char)((uint64_t)sort_key >> (8 * (7 - i)));
    }
    for (i = 0; i < SB_ID_LEN / 2; i++) {
        int hi = sb_hex_value((unsigned char)id[2 * i]),
            lo = sb_hex_value((unsigned char)id[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return NULL;
        }
        raw[9 + i] = (unsigned char)(hi << 4 | lo);
    }
    tag(key, key_len, raw, raw + SB_CURSOR_BODY);
    out = apr_palloc(p, SB_CURSOR_TEXT_LEN + 1);
    b64_encode(raw, sizeof raw, out);
    return out;
}

int sb_cursor_decode(const unsigned char *key, apr_size_t key_len, const char *text,
                     int64_t *sort_key, char *id)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[SB_CURSOR_RAW + 2], want[SB_CURSOR_TAG];
    uint64_t v = 0;
    int i, o = 0, bits = 0, acc = 0;

    if (!text || strlen(text) != SB_CURSOR_TEXT_LEN) {
        return 0;
    }
    for (i = 0; i < SB_CURSOR_TEXT_LEN; i++) {
        int d = b64val((unsigned char)text[i]);
        if (d < 0) {
            return 0;
        }
        acc = (acc << 6) | d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            raw[o++] = (unsigned char)(acc >> bits);
            acc &= (1 << bits) - 1;
        }
    }
    /* 39 chars = 29 bytes + 2 spare bits, which must be zero (one text per cursor) */
    if (o != SB_CURSOR_RAW || acc != 0 || raw[0] != SB_CURSOR_VERSION) {
        return 0;
    }
    tag(key, key_len, raw, want);
    if (CRYPTO_memcmp(want, raw + SB_CURSOR_BODY, SB_CURSOR_TAG) != 0) {
        return 0;
    }
    for (i = 0; i < 8; i++) {
        v = (v << 8) | raw[1 + i];
    }
    *sort_key = (int64_t)v;
    for (i = 0; i < SB_ID_LEN / 2; i++) {
        id[2 * i] = hex[raw[9 + i] >> 4];
        id[2 * i + 1] = hex[raw[9 + i] & 15];
    }
    id[SB_ID_LEN] = '\0';
    return 1;
}
