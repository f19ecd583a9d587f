/* libFuzzer target: the image-dimension reader (PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X) on
 * hostile files. The first byte picks the parser (or the sniffer's choice); the rest is the
 * file, copied to an exact-size heap buffer so ASan sees any read past its end. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sb_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sb_image_type_t types[] = {SB_IMAGE_UNKNOWN, SB_IMAGE_PNG, SB_IMAGE_JPEG,
                                            SB_IMAGE_WEBP};
    sb_image_dim_status_t st;
    sb_image_type_t t;
    const char *why = NULL;
    uint32_t w = 7, h = 7;
    unsigned char *file;
    size_t n;

    if (size < 1) {
        return 0;
    }
    n = size - 1;
    file = malloc(n ? n : 1);
    if (!file) {
        return 0;
    }
    memcpy(file, data + 1, n);
    t = data[0] & 4 ? sb_image_sniff(file, n) : types[data[0] % 4];
    st = sb_image_dimensions(file, n, t, &w, &h, &why);
    if (st == SB_IMAGE_DIM_OK ? (!w || !h || why) : (w || h || !why || !*why)) {
        __builtin_trap();
    }
    if (st == SB_IMAGE_DIM_OK && t == SB_IMAGE_UNKNOWN) {
        __builtin_trap();
    }
    /* the same bytes give the same answer */
    {
        uint32_t w2, h2;
        if (sb_image_dimensions(file, n, t, &w2, &h2, NULL) != st || w2 != w || h2 != h) {
            __builtin_trap();
        }
    }
    free(file);
    return 0;
}
