/*
 * libFuzzer target: the Socket.IO codec's JSON reader (sbrt_json_parse) against the module's
 * (sb_json_parse), the reader it replaces. Both must accept the same documents at the codec's
 * depth and at a shallow one, and give values that serialise to the same text (types, double
 * texts, strings with escaped NULs and replaced surrogates, the last of repeated keys).
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <apr_general.h>

#include "sb_json.h"
#include "sbrt_codec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    return 0;
}

static void same(apr_pool_t *p, const uint8_t *data, size_t size, int depth)
{
    const char *why;
    json_object *a = sbrt_json_parse((const char *)data, size, depth);
    json_object *b = sb_json_parse_untracked(p, (const char *)data, size, depth, &why);
    int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

    if (!a != !b) {
        __builtin_trap();
    }
    if (a
        && (json_object_get_type(a) != json_object_get_type(b) || !json_object_equal(a, b)
            || strcmp(json_object_to_json_string_ext(a, flags),
                      json_object_to_json_string_ext(b, flags))
                   != 0)) {
        __builtin_trap();
    }
    json_object_put(a);
    json_object_put(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    same(p, data, size, SBRT_JSON_DEPTH);
    same(p, data, size, 3);
    apr_pool_destroy(p);
    return 0;
}
