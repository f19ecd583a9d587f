/*
 * Opaque pagination cursors over (sort key, id): the position after the last item of a page.
 * Wire form: base64url (no padding) of
 *     version (1 byte, 0x01) | sort key (8 bytes, big-endian) | id (12 bytes, the ObjectId)
 *     | tag (8 bytes: HMAC-SHA256 over "sb-cursor" and the 21 bytes before, truncated)
 * so a client cannot edit one (or hand in garbage) without the server noticing. The key is
 * the server's secret; with no key a fixed one is used (still catches edits and truncation).
 */
#ifndef SB_CURSOR_H
#define SB_CURSOR_H

#include <stdint.h>
#include <apr_pools.h>

#include "sb_model.h"

#define SB_CURSOR_TEXT_LEN 39 /* characters of an encoded cursor */

/* Encode; id is 24 lower- or upper-case hex digits. NULL when id is not. */
const char *sb_cursor_encode(apr_pool_t *p, const unsigned char *key, apr_size_t key_len,
                             int64_t sort_key, const char *id);
/* Decode and check; 1 with *sort_key and id (lower-case hex, SB_ID_LEN+1 buffer) filled,
 * 0 when text is not a cursor this server made. */
int sb_cursor_decode(const unsigned char *key, apr_size_t key_len, const char *text,
                     int64_t *sort_key, char *id);

#endif
