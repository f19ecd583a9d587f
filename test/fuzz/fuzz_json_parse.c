/* libFuzzer target: sb_json_parse on arbitrary bytes, then the getters on whatever parsed. */
#include <stdint.h>
#include <stddef.h>
#include <apr_general.h>

#include "sb_json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_initialize();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const allowed[] = {"a", "title", NULL};
    apr_pool_t *p;
    const char *why = NULL, *s;
    json_object *o;
    sb_error_t err = {0};
    apr_array_header_t *arr;
    int64_t i;
    int b;

    apr_pool_create(&p, NULL);
    o = sb_json_parse(p, (const char *)data, size, SB_JSON_MAX_DEPTH, &why);
    if (!o && !why) {
        __builtin_trap(); /* every failure must say why */
    }
    if (o) {
        sb_json_get_string(o, "a", &s, &err, p, 1);
        sb_json_get_int(o, "a", -10, 10, &i, &err, p, 0);
        sb_json_get_bool(o, "a", &b, &err, p, 0);
        sb_json_get_string_array(o, "a", 4, &arr, &err, p, 0);
        sb_json_reject_unknown(o, allowed, &err, p);
    }
    apr_pool_destroy(p);
    return 0;
}
