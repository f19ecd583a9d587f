/*
 * JSON text written straight into a pool buffer, for answers and payloads built often (the
 * conversation list, the public profile, a sent message): json-c builds, serializes and frees
 * an object per value, most of such a path's cost. The text is the one json-c writes with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (the envelope's flags), or with
 * JSON_C_TO_STRING_PLAIN alone (sb_json_text's, the stored outbox payloads') when slashes is
 * set: test_api_messaging.c and test_send_text.c compare them byte for byte.
 */
#ifndef SB_JTEXT_H
#define SB_JTEXT_H

#include <stdint.h>
#include <apr_pools.h>

typedef struct {
    apr_pool_t *p;
    char *buf; /* NUL-terminated */
    apr_size_t len, cap;
    int slashes; /* escape '/' as "\/", as json-c does without JSON_C_TO_STRING_NOSLASHESCAPE */
} sb_jtext_t;

/* An empty text in p (slashes not escaped); cap is a first guess of its size. */
void sb_jtext_init(sb_jtext_t *t, apr_pool_t *p, apr_size_t cap);
void sb_jtext_raw(sb_jtext_t *t, const char *s, apr_size_t n);
/* Where the next n bytes go (room made for them and a NUL); the caller writes them and adds
 * n to t->len. */
char *sb_jtext_room(sb_jtext_t *t, apr_size_t n);
#define sb_jtext_lit(t, s) sb_jtext_raw((t), "" s "", sizeof(s) - 1)
/* A JSON string, or null for NULL. */
void sb_jtext_str(sb_jtext_t *t, const char *s);
void sb_jtext_int(sb_jtext_t *t, int64_t v);
void sb_jtext_double(sb_jtext_t *t, double v);
void sb_jtext_bool(sb_jtext_t *t, int v);
/* An ISO 8601 time (sb_time_iso), or null for 0 when null_if_zero. */
void sb_jtext_time(sb_jtext_t *t, int64_t ms, int null_if_zero);
/* A member's key: "{\"key\":" when open, else ",\"key\":". */
void sb_jtext_key(sb_jtext_t *t, int open, const char *key);
/* String members keys[i]: vals[i] (NULL as null), after "{" when open, else after ",". */
void sb_jtext_members(sb_jtext_t *t, int open, const char *const *keys, const char *const *vals,
                      int n);

#endif
