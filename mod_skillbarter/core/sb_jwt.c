#include "sb_jwt.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <cjose/cjose.h>
#include <json-c/json.h>

#include "sb_id.h"
#include "sb_json.h"

#define SB_JWT_MAX_LEN   8192 /* ours are ~300 bytes; anything much larger is not one of ours */
#define SB_JWT_MAX_DEPTH 4
#define SB_JWT_ALG       "HS256"
#define SB_JWT_SIG_CHARS 43 /* a 32-byte HMAC-SHA256 in unpadded base64url */

/*
 * Verified tokens, per key and per process: a token whose bytes equal one that verified
 * (header, signature and every claim) skips cjose and the JSON parses; what depends on the
 * time (exp, nbf) is checked again on every hit. Revocation, the password-change rule and
 * the account's state are not the token's business: the caller checks them in the store on
 * every request, cache or not. Direct-mapped on the signature, bounded, no expiry sweep
 * needed (an expired entry is refused and dropped when next hit, or overwritten).
 */
#define SB_JWT_CACHE_SLOTS     256 /* power of two */
#define SB_JWT_CACHE_TOKEN_MAX 600 /* longer tokens are verified, not cached */
#define SB_JWT_CACHE_FIELD     64  /* sub, role, jti, sid: longer ones are not cached */

typedef struct {
    apr_size_t len; /* 0: empty slot */
    char token[SB_JWT_CACHE_TOKEN_MAX];
    char sub[SB_JWT_CACHE_FIELD], role[SB_JWT_CACHE_FIELD];
    char jti[SB_JWT_CACHE_FIELD], sid[SB_JWT_CACHE_FIELD];
    int64_t iat, exp, nbf;
} sb_jwt_cached_t;

struct sb_jwt_key {
    cjose_jwk_t *jwk;
    const char *issuer;
    const char *audience;
    apr_pool_t *pool;
    pthread_mutex_t lock;   /* the worker threads share the cache */
    sb_jwt_cached_t *cache; /* SB_JWT_CACHE_SLOTS entries */
    uint64_t hits, misses;
};

static apr_status_t sb_jwt_key_cleanup(void *data)
{
    sb_jwt_key_t *key = data;

    cjose_jwk_release(key->jwk);
    pthread_mutex_destroy(&key->lock);
    return APR_SUCCESS;
}

sb_jwt_key_t *sb_jwt_key_make(apr_pool_t *p, const unsigned char *secret, apr_size_t len,
                              const char *issuer)
{
    sb_jwt_key_t *key;
    cjose_err cerr;

    if (!secret || len < SB_JWT_MIN_SECRET || !issuer) {
        return NULL;
    }
    key = apr_pcalloc(p, sizeof *key);
    key->issuer = apr_pstrdup(p, issuer);
    key->audience = SB_JWT_DEFAULT_AUDIENCE;
    key->pool = p;
    if (!(key->jwk = cjose_jwk_create_oct_spec(secret, len, &cerr))) {
        return NULL;
    }
    if (pthread_mutex_init(&key->lock, NULL)) {
        cjose_jwk_release(key->jwk);
        return NULL;
    }
    key->cache = apr_pcalloc(p, SB_JWT_CACHE_SLOTS * sizeof *key->cache);
    apr_pool_cleanup_register(p, key, sb_jwt_key_cleanup, apr_pool_cleanup_null);
    return key;
}

void sb_jwt_key_set_audience(sb_jwt_key_t *key, const char *aud)
{
    if (key && aud && *aud) {
        key->audience = apr_pstrdup(key->pool, aud);
        /* tokens verified for the old audience are not verified for this one */
        pthread_mutex_lock(&key->lock);
        memset(key->cache, 0, SB_JWT_CACHE_SLOTS * sizeof *key->cache);
        pthread_mutex_unlock(&key->lock);
    }
}

void sb_jwt_cache_stats(sb_jwt_key_t *key, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&key->lock);
    *hits = key->hits;
    *misses = key->misses;
    pthread_mutex_unlock(&key->lock);
}

/* The slot of a token: FNV-1a over its signature (the last SB_JWT_SIG_CHARS bytes). */
static sb_jwt_cached_t *sb_jwt_cache_slot(const sb_jwt_key_t *key, const char *token,
                                          apr_size_t len)
{
    uint32_t h = 2166136261u;
    apr_size_t i = len > SB_JWT_SIG_CHARS ? len - SB_JWT_SIG_CHARS : 0;

    for (; i < len; i++) {
        h = (h ^ (unsigned char)token[i]) * 16777619u;
    }
    return &key->cache[h & (SB_JWT_CACHE_SLOTS - 1)];
}

/* Equal bytes, in time that depends on the length only (a cached token is a credential). */
static int sb_jwt_same(const char *a, const char *b, apr_size_t n)
{
    unsigned char d = 0;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        d |= (unsigned char)(a[i] ^ b[i]);
    }
    return d == 0;
}

/* A cached verdict for token at now_s: 1 with *st (and *claims from p when OK), else 0. */
static int sb_jwt_cache_get(sb_jwt_key_t *key, apr_pool_t *p, const char *token, apr_size_t len,
                            int64_t now_s, sb_jwt_claims_t *claims, sb_jwt_status_t *st)
{
    sb_jwt_cached_t *e = sb_jwt_cache_slot(key, token, len);
    int found = 0;

    pthread_mutex_lock(&key->lock);
    if (e->len == len && sb_jwt_same(e->token, token, len)) {
        found = 1;
        if (e->exp <= now_s) {
            *st = SB_JWT_EXPIRED;
            e->len = 0;
        }
        else if (e->nbf > now_s + SB_JWT_LEEWAY_S) {
            *st = SB_JWT_NOT_YET_VALID;
        }
        else {
            *st = SB_JWT_OK;
            if (claims) {
                claims->sub = apr_pstrdup(p, e->sub);
                claims->role = apr_pstrdup(p, e->role);
                claims->jti = apr_pstrdup(p, e->jti);
                claims->sid = apr_pstrdup(p, e->sid);
                claims->iat = e->iat;
                claims->exp = e->exp;
                claims->nbf = e->nbf;
            }
        }
        key->hits++;
    }
    else {
        key->misses++;
    }
    pthread_mutex_unlock(&key->lock);
    return found;
}

static int sb_jwt_cache_field(char *dst, const char *src)
{
    apr_size_t n = src ? strlen(src) : SB_JWT_CACHE_FIELD;

    if (n >= SB_JWT_CACHE_FIELD) {
        return 0;
    }
    memcpy(dst, src, n + 1);
    return 1;
}

/* Remember a token that verified with claims c. */
static void sb_jwt_cache_put(sb_jwt_key_t *key, const char *token, apr_size_t len,
                             const sb_jwt_claims_t *c)
{
    sb_jwt_cached_t *e = sb_jwt_cache_slot(key, token, len);

    if (len >= SB_JWT_CACHE_TOKEN_MAX) {
        return;
    }
    pthread_mutex_lock(&key->lock);
    e->len = 0;
    if (sb_jwt_cache_field(e->sub, c->sub) && sb_jwt_cache_field(e->role, c->role)
        && sb_jwt_cache_field(e->jti, c->jti) && sb_jwt_cache_field(e->sid, c->sid)) {
        memcpy(e->token, token, len);
        e->iat = c->iat;
        e->exp = c->exp;
        e->nbf = c->nbf;
        e->len = len;
    }
    pthread_mutex_unlock(&key->lock);
}

/* The claims as compact JSON in p, or NULL. */
static const char *sb_jwt_payload(const sb_jwt_key_t *key, apr_pool_t *p, const sb_jwt_claims_t *c)
{
    json_object *o = json_object_new_object();
    const char *s = NULL;

    if (!o) {
        return NULL;
    }
    if (!json_object_object_add(o, "sub", json_object_new_string(c->sub))
        && !json_object_object_add(o, "role", json_object_new_string(c->role))
        && (!c->jti || !json_object_object_add(o, "jti", json_object_new_string(c->jti)))
        && !json_object_object_add(o, "sid", json_object_new_string(c->sid))
        && !json_object_object_add(o, "iat", json_object_new_int64(c->iat))
        && !json_object_object_add(o, "nbf", json_object_new_int64(c->nbf ? c->nbf : c->iat))
        && !json_object_object_add(o, "exp", json_object_new_int64(c->exp))
        && !json_object_object_add(o, "iss", json_object_new_string(key->issuer))
        && !json_object_object_add(o, "aud", json_object_new_string(key->audience))) {
        s = json_object_to_json_string_ext(o,
                                           JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        s = s ? apr_pstrdup(p, s) : NULL;
    }
    json_object_put(o);
    return s;
}

sb_jwt_status_t sb_jwt_sign(const sb_jwt_key_t *key, apr_pool_t *p, const sb_jwt_claims_t *claims,
                            const char **out)
{
    cjose_header_t *hdr = NULL;
    cjose_jws_t *jws = NULL;
    cjose_err cerr;
    const char *payload, *ser = NULL;
    sb_jwt_status_t st = SB_JWT_ERROR;

    if (!key || !claims || !out || !sb_id_valid(claims->sub) || !claims->role || !claims->jti
        || !*claims->jti || !claims->sid || !*claims->sid) {
        return SB_JWT_ERROR;
    }
    if (!(payload = sb_jwt_payload(key, p, claims))) {
        return SB_JWT_ERROR;
    }
    if ((hdr = cjose_header_new(&cerr)) != NULL
        && cjose_header_set(hdr, CJOSE_HDR_ALG, CJOSE_HDR_ALG_HS256, &cerr)
        && cjose_header_set(hdr, "typ", SB_JWT_TYPE, &cerr)
        && (jws = cjose_jws_sign(key->jwk, hdr, (const uint8_t *)payload, strlen(payload), &cerr))
        && cjose_jws_export(jws, &ser, &cerr)) {
        *out = apr_pstrdup(p, ser);
        st = SB_JWT_OK;
    }
    cjose_jws_release(jws);
    cjose_header_release(hdr);
    return st;
}

static int sb_b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* Strict unpadded base64url of in[0..n) into p; NULL on any other character. */
static char *sb_b64url_decode(apr_pool_t *p, const char *in, apr_size_t n, apr_size_t *outlen)
{
    char *out = apr_palloc(p, n * 3 / 4 + 1);
    unsigned long acc = 0;
    apr_size_t i, o = 0;
    int bits = 0;

    if (n % 4 == 1) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        int v = sb_b64url_value((unsigned char)in[i]);
        if (v < 0) {
            return NULL;
        }
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/*
 * cjose 0.6.2.1 compares the HMAC against the token's signature over the HMAC's length without
 * checking the signature's own length (a heap over-read valgrind shows for short signatures):
 * require exactly three segments, a signature of exactly 43 base64url characters and a
 * payload of base64url characters only, of a length base64 can have.
 */
static int sb_jwt_shape_ok(const char *token, apr_size_t len)
{
    const char *d1 = strchr(token, '.'), *d2 = strrchr(token, '.');
    apr_size_t i;

    if (!d1 || d1 == d2 || memchr(d1 + 1, '.', (apr_size_t)(d2 - d1 - 1))
        || len - (apr_size_t)(d2 + 1 - token) != SB_JWT_SIG_CHARS) {
        return 0;
    }
    for (i = 0; i < SB_JWT_SIG_CHARS; i++) {
        if (sb_b64url_value((unsigned char)d2[1 + i]) < 0) {
            return 0;
        }
    }
    /* the payload too: cjose's decoder asserts (aborts the process) on a base64url text of
     * 4n+1 characters, which '=' or any other stray byte can make of a fuzzed payload */
    if ((apr_size_t)(d2 - d1 - 1) % 4 == 1) {
        return 0;
    }
    for (i = 1; d1 + i < d2; i++) {
        if (sb_b64url_value((unsigned char)d1[i]) < 0) {
            return 0;
        }
    }
    return 1;
}

/* typ names an access token: "at+jwt" or "application/at+jwt", in any case (RFC 7515 4.1.9). */
static int sb_jwt_type_ok(json_object *hdr)
{
    json_object *typ;
    const char *t;

    if (!json_object_object_get_ex(hdr, "typ", &typ)
        || !json_object_is_type(typ, json_type_string)) {
        return 0;
    }
    t = json_object_get_string(typ);
    if (!strncasecmp(t, "application/", 12)) {
        t += 12;
    }
    return !strcasecmp(t, SB_JWT_TYPE);
}

/*
 * Look at the protected header before cjose does anything with the token: the alg must be
 * exactly HS256 (BAD_ALG otherwise, also when missing), the typ that of an access token
 * (BAD_TYPE: another kind of JWT signed with the same key is not a session); an unreadable
 * header is MALFORMED.
 */
static sb_jwt_status_t sb_jwt_check_header(apr_pool_t *p, const char *token)
{
    const char *dot = strchr(token, '.'), *why;
    json_object *hdr, *alg = NULL;
    apr_size_t n;
    char *raw;
    sb_jwt_status_t st;

    if (!dot || !(raw = sb_b64url_decode(p, token, (apr_size_t)(dot - token), &n))) {
        return SB_JWT_MALFORMED;
    }
    hdr = sb_json_parse_untracked(p, raw, n, SB_JWT_MAX_DEPTH, &why);
    if (!hdr || !json_object_is_type(hdr, json_type_object)
        || json_object_object_get_ex(hdr, "crit", NULL)) {
        st = SB_JWT_MALFORMED;
    }
    else if (!json_object_object_get_ex(hdr, "alg", &alg)
             || !json_object_is_type(alg, json_type_string)
             || strcmp(json_object_get_string(alg), SB_JWT_ALG)) {
        st = SB_JWT_BAD_ALG;
    }
    else if (!sb_jwt_type_ok(hdr)) {
        st = SB_JWT_BAD_TYPE;
    }
    else {
        st = SB_JWT_OK;
    }
    json_object_put(hdr);
    return st;
}

static const char *sb_jwt_str(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

static int sb_jwt_int(json_object *o, const char *k, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int)) {
        return 0;
    }
    *out = json_object_get_int64(v);
    return 1;
}

/* aud is our audience, or an array holding it (RFC 7519 4.1.3). */
static int sb_jwt_audience_ok(const sb_jwt_key_t *key, json_object *o)
{
    json_object *aud;
    size_t i, n;

    if (!json_object_object_get_ex(o, "aud", &aud)) {
        return 0;
    }
    if (json_object_is_type(aud, json_type_string)) {
        return !strcmp(json_object_get_string(aud), key->audience);
    }
    if (!json_object_is_type(aud, json_type_array)) {
        return 0;
    }
    n = json_object_array_length(aud);
    for (i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(aud, i);
        if (json_object_is_type(v, json_type_string)
            && !strcmp(json_object_get_string(v), key->audience)) {
            return 1;
        }
    }
    return 0;
}

/* Check a verified payload's claims and copy them into p. */
static sb_jwt_status_t sb_jwt_claims(const sb_jwt_key_t *key, apr_pool_t *p, const char *json,
                                     apr_size_t len, int64_t now_s, sb_jwt_claims_t *claims)
{
    json_object *o = sb_json_parse_untracked(p, json, len, SB_JWT_MAX_DEPTH, NULL);
    const char *iss, *sub, *role, *jti, *sid;
    int64_t iat, exp, nbf = 0;
    int has_nbf = 0;
    sb_jwt_status_t st;

    if (!o || !json_object_is_type(o, json_type_object)) {
        st = SB_JWT_MALFORMED;
    }
    else if (!(iss = sb_jwt_str(o, "iss")) || strcmp(iss, key->issuer)) {
        st = SB_JWT_BAD_ISSUER;
    }
    else if (!sb_jwt_int(o, "exp", &exp) || !sb_jwt_int(o, "iat", &iat)
             || ((has_nbf = json_object_object_get_ex(o, "nbf", NULL))
                 && !sb_jwt_int(o, "nbf", &nbf))) {
        st = SB_JWT_MALFORMED;
    }
    else if (exp <= now_s) {
        st = SB_JWT_EXPIRED;
    }
    else if (!(sub = sb_jwt_str(o, "sub")) || !sb_id_valid(sub) || !(role = sb_jwt_str(o, "role"))
             || (json_object_object_get_ex(o, "jti", NULL) && !sb_jwt_str(o, "jti"))) {
        st = SB_JWT_MALFORMED;
    }
    else if (!sb_jwt_audience_ok(key, o)) {
        st = SB_JWT_BAD_AUDIENCE;
    }
    else if (has_nbf && nbf > now_s + SB_JWT_LEEWAY_S) {
        st = SB_JWT_NOT_YET_VALID;
    }
    else if (!(sid = sb_jwt_str(o, "sid")) || !*sid || !(jti = sb_jwt_str(o, "jti")) || !*jti) {
        st = SB_JWT_MALFORMED; /* every token of ours names its session and has an id */
    }
    else {
        if (claims) {
            claims->sub = apr_pstrdup(p, sub);
            claims->role = apr_pstrdup(p, role);
            claims->jti = apr_pstrdup(p, jti);
            claims->sid = apr_pstrdup(p, sid);
            claims->iat = iat;
            claims->exp = exp;
            claims->nbf = has_nbf ? nbf : iat;
        }
        st = SB_JWT_OK;
    }
    json_object_put(o);
    return st;
}

sb_jwt_status_t sb_jwt_verify(const sb_jwt_key_t *ckey, apr_pool_t *p, const char *token,
                              int64_t now_s, sb_jwt_claims_t *claims)
{
    sb_jwt_key_t *key = (sb_jwt_key_t *)ckey; /* the cache is not the key's meaning */
    cjose_jws_t *jws;
    cjose_header_t *hdr;
    cjose_err cerr;
    const char *alg;
    uint8_t *plain = NULL;
    size_t plain_len = 0, len;
    sb_jwt_status_t st;
    sb_jwt_claims_t mine;

    if (!key || !token) {
        return SB_JWT_MALFORMED;
    }
    len = strlen(token);
    if (len == 0 || len > SB_JWT_MAX_LEN) {
        return SB_JWT_MALFORMED;
    }
    if (sb_jwt_cache_get(key, p, token, len, now_s, claims, &st)) {
        return st;
    }
    if (!claims) {
        claims = &mine;
    }
    if ((st = sb_jwt_check_header(p, token)) != SB_JWT_OK) {
        return st;
    }
    if (!sb_jwt_shape_ok(token, len)) {
        return SB_JWT_MALFORMED;
    }
    if (!(jws = cjose_jws_import(token, len, &cerr))) {
        return SB_JWT_MALFORMED;
    }
    /* cjose parsed the header again (with jansson): it must agree. */
    hdr = cjose_jws_get_protected(jws);
    alg = hdr ? cjose_header_get(hdr, CJOSE_HDR_ALG, &cerr) : NULL;
    if (!alg || strcmp(alg, SB_JWT_ALG)) {
        st = SB_JWT_BAD_ALG;
    }
    else if (!cjose_jws_verify(jws, key->jwk, &cerr)) {
        st = SB_JWT_BAD_SIGNATURE;
    }
    else if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &cerr)) {
        st = SB_JWT_MALFORMED;
    }
    else {
        st = sb_jwt_claims(key, p, (const char *)plain, plain_len, now_s, claims);
    }
    cjose_jws_release(jws);
    if (st == SB_JWT_OK) {
        sb_jwt_cache_put(key, token, len, claims);
    }
    return st;
}

const char *sb_jwt_status_text(sb_jwt_status_t st)
{
    switch (st) {
    case SB_JWT_EXPIRED:
        return "Token expired.";
    case SB_JWT_NOT_YET_VALID:
        return "Token not yet valid.";
    default:
        return "Invalid token.";
    }
}
