/* libFuzzer target: the multipart/form-data reader and the image sniffer on hostile bodies.
 * The first byte picks a boundary length; the rest is the body. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "sb_image.h"
#include "sb_multipart.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_initialize();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char boundaries[][16] = {"b", "XyZ", "----WebKitForm", "a b"};
    apr_pool_t *p;
    apr_array_header_t *parts;
    const char *why = NULL, *ct;
    char *body;
    int i;

    if (size < 1) {
        return 0;
    }
    apr_pool_create(&p, NULL);
    /* an exact-size heap copy, so ASan sees any read past the end */
    body = apr_pmemdup(p, data + 1, size - 1);
    parts = sb_multipart_parse(p, body, size - 1, boundaries[data[0] % 4], &why);
    if (!parts && !why) {
        __builtin_trap();
    }
    for (i = 0; parts && i < parts->nelts; i++) {
        const sb_multipart_part_t *pt = &APR_ARRAY_IDX(parts, i, sb_multipart_part_t);
        if (pt->data < body || pt->data + pt->len > body + size - 1 || !pt->name) {
            __builtin_trap();
        }
        sb_image_sniff((const unsigned char *)pt->data, pt->len);
    }
    if (parts && parts->nelts > SB_MULTIPART_MAX_PARTS) {
        __builtin_trap();
    }
    /* the body as a Content-Type header too */
    ct = apr_pstrndup(p, (const char *)data, size);
    sb_multipart_boundary(p, ct);
    sb_image_from_mime(ct);
    apr_pool_destroy(p);
    return 0;
}
