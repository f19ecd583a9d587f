/* Image type sniffing: PNG, JPEG and WebP signatures. */
#include "sb_image.h"

#include <string.h>
#include <strings.h>

sb_image_type_t sb_image_sniff(const unsigned char *b, size_t n)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    if (!b) {
        return SB_IMAGE_UNKNOWN;
    }
    /* PNG: signature, then the IHDR chunk (length 13) first */
    if (n >= 24 && !memcmp(b, png, 8) && !memcmp(b + 8, "\0\0\0\x0dIHDR", 8)) {
        return SB_IMAGE_PNG;
    }
    /* JPEG: SOI then a marker */
    if (n >= 4 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff && b[3] >= 0xc0
        && b[3] != 0xff) {
        return SB_IMAGE_JPEG;
    }
    /* WebP: RIFF container of form WEBP whose first chunk is VP8, VP8L or VP8X */
    if (n >= 20 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBPVP8", 7)
        && (b[15] == ' ' || b[15] == 'L' || b[15] == 'X')) {
        return SB_IMAGE_WEBP;
    }
    return SB_IMAGE_UNKNOWN;
}

const char *sb_image_mime(sb_image_type_t t)
{
    switch (t) {
    case SB_IMAGE_PNG:
        return "image/png";
    case SB_IMAGE_JPEG:
        return "image/jpeg";
    case SB_IMAGE_WEBP:
        return "image/webp";
    default:
        return NULL;
    }
}

const char *sb_image_ext(sb_image_type_t t)
{
    switch (t) {
    case SB_IMAGE_PNG:
        return "png";
    case SB_IMAGE_JPEG:
        return "jpg";
    case SB_IMAGE_WEBP:
        return "webp";
    default:
        return NULL;
    }
}

sb_image_type_t sb_image_from_mime(const char *mime)
{
    size_t n;

    if (!mime) {
        return SB_IMAGE_UNKNOWN;
    }
    while (*mime == ' ') {
        mime++;
    }
    n = strcspn(mime, "; ");
    if (n == 9 && !strncasecmp(mime, "image/png", 9)) {
        return SB_IMAGE_PNG;
    }
    if ((n == 10 && !strncasecmp(mime, "image/jpeg", 10))
        || (n == 9 && !strncasecmp(mime, "image/jpg", 9))) {
        return SB_IMAGE_JPEG;
    }
    if (n == 10 && !strncasecmp(mime, "image/webp", 10)) {
        return SB_IMAGE_WEBP;
    }
    return SB_IMAGE_UNKNOWN;
}
