/* Helpers shared by /api/messages, /api/notifications and /api/users/:id/block: wire forms of
 * messages and notifications, query parameters, the outbox wake-up. */
#ifndef SB_MESSAGING_H
#define SB_MESSAGING_H

#include "sb_api.h"
#include "sb_kit.h"

/* sb_message_json, sb_notification_json and sb_json_text are in store/sb_message_json.h,
 * shared with the real-time daemon. */
#include "sb_message_json.h"

/*
 * JSON text written straight into a pool buffer, for answers with many rows (the
 * conversation list): json-c builds, serializes and frees an object per value, most of such
 * a page's cost. The text is the one json-c writes (JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE, as the envelope is written): test_api_messaging.c compares
 * them byte for byte.
 */
typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
} sb_jtext_t;

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
/* A member's key: "{\"key\":" when open, else ",\"key\":". */
void sb_jtext_key(sb_jtext_t *t, int open, const char *key);
/* String members keys[i]: vals[i] (NULL as null), the first after "{" when open, else each
 * after ",". */
void sb_jtext_members(sb_jtext_t *t, int open, const char *const *keys, const char *const *vals,
                      int n);
/* An ISO 8601 time (sb_time_iso), or null for 0 when null_if_zero. */
void sb_jtext_time(sb_jtext_t *t, int64_t ms, int null_if_zero);
/* A message as sb_message_json(p, m, NULL, NULL) writes it (sender and receiver as ids). */
void sb_jtext_message(sb_jtext_t *t, const sb_message_t *m);
/* A JSON value whose text is text (spliced verbatim into the answer when serialized); the
 * object is an empty array to json-c itself. */
json_object *sb_jtext_value(const char *text);

/* After a change that wrote outbox events has committed: wake the real-time daemon. Never
 * fails the request; only unexpected errors are logged (at debug). */
void sb_call_outbox_signal(sb_call_t *c);

#endif
