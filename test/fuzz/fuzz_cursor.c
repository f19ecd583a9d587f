/*
 * libFuzzer target: the pagination cursor codec. Arbitrary text into sb_cursor_decode (it
 * must refuse what this server did not make: a decoded cursor re-encodes to a text that
 * decodes to the same position), and an encode/decode round trip of a position taken from
 * the input, under the fixed key and under a key from the input.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "sb_cursor.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_initialize();
    return 0;
}

static void round_trip(apr_pool_t *p, const unsigned char *key, size_t key_len, int64_t sk,
                       const char *id)
{
    const char *text = sb_cursor_encode(p, key, key_len, sk, id);
    int64_t sk2 = 0;
    char id2[SB_ID_LEN + 1];

    if (!text) {
        return; /* id not 24 hex digits */
    }
    if (strlen(text) != SB_CURSOR_TEXT_LEN || !sb_cursor_decode(key, key_len, text, &sk2, id2)
        || sk2 != sk || strcasecmp(id2, id) != 0) {
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *text;
    int64_t sk = 0;
    char id[SB_ID_LEN + 1];
    uint64_t u = 0;
    size_t i;

    apr_pool_create(&p, NULL);
    text = apr_pstrmemdup(p, (const char *)data, size);
    if (sb_cursor_decode(NULL, 0, text, &sk, id)) {
        round_trip(p, NULL, 0, sk, id);
    }
    if (sb_cursor_decode(data, size, text, &sk, id)) {
        round_trip(p, data, size, sk, id);
    }
    /* a position from the input: 8 bytes of sort key, 12 of id */
    if (size >= 20) {
        for (i = 0; i < 8; i++) {
            u = u << 8 | data[i];
        }
        for (i = 0; i < 12; i++) {
            snprintf(id + 2 * i, 3, "%02x", data[8 + i]);
        }
        round_trip(p, NULL, 0, (int64_t)u, id);
        round_trip(p, data + 20, size - 20, (int64_t)u, id);
    }
    apr_pool_destroy(p);
    return 0;
}
