/* Image types recognised from their leading bytes (never from a client's Content-Type). */
#ifndef SB_IMAGE_H
#define SB_IMAGE_H

#include <stddef.h>

typedef enum {
    SB_IMAGE_UNKNOWN = 0,
    SB_IMAGE_PNG,
    SB_IMAGE_JPEG,
    SB_IMAGE_WEBP
} sb_image_type_t;

/* The type of the n bytes at b, from the format's signature. */
sb_image_type_t sb_image_sniff(const unsigned char *b, size_t n);
/* "image/png" ... ; NULL for UNKNOWN. */
const char *sb_image_mime(sb_image_type_t t);
/* "png" | "jpg" | "webp"; NULL for UNKNOWN. */
const char *sb_image_ext(sb_image_type_t t);
/* The type a MIME type names (parameters and case ignored), or UNKNOWN. */
sb_image_type_t sb_image_from_mime(const char *mime);

#endif
