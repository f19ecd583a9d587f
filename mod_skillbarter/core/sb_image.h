/* Image types recognised from their leading bytes (never from a client's Content-Type). */
#ifndef SB_IMAGE_H
#define SB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SB_IMAGE_UNKNOWN = 0, SB_IMAGE_PNG, SB_IMAGE_JPEG, SB_IMAGE_WEBP } sb_image_type_t;

/* The type of the n bytes at b, from the format's signature. */
sb_image_type_t sb_image_sniff(const unsigned char *b, size_t n);
/* "image/png" ... ; NULL for UNKNOWN. */
const char *sb_image_mime(sb_image_type_t t);
/* "png" | "jpg" | "webp"; NULL for UNKNOWN. */
const char *sb_image_ext(sb_image_type_t t);
/* The type a MIME type names (parameters and case ignored), or UNKNOWN. */
sb_image_type_t sb_image_from_mime(const char *mime);

typedef enum {
    SB_IMAGE_DIM_OK = 0,
    SB_IMAGE_DIM_TRUNCATED, /* the data ends inside a structure the format requires */
    SB_IMAGE_DIM_INVALID,   /* a structure is malformed (bad length, CRC, marker, field) */
    SB_IMAGE_DIM_ZERO       /* the image declares a width or height of 0 */
} sb_image_dim_status_t;

/*
 * The image's own dimensions, read from its header structures: PNG IHDR (checked with its
 * CRC; the chunk sequence must reach IEND after an IDAT), JPEG SOFn (the marker segments must
 * be well formed, and the file must reach EOI after a scan), WebP VP8 / VP8L / VP8X (inside a
 * well-formed RIFF container). Never reads outside b[0..n). On anything but OK, *w and *h are
 * 0 and *why (when not NULL) is a short static description.
 */
sb_image_dim_status_t sb_image_dimensions(const unsigned char *b, size_t n, sb_image_type_t t,
                                          uint32_t *w, uint32_t *h, const char **why);

#endif
