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
    if (n >= 4 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff && b[3] >= 0xc0 && b[3] != 0xff) {
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

/* ---- dimensions ---- */

static uint32_t be16(const unsigned char *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t le24(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

static uint32_t le32(const unsigned char *p)
{
    return le24(p) | ((uint32_t)p[3] << 24);
}

/* CRC-32 (ISO 3309, as PNG uses), bitwise: only the 17 bytes of IHDR go through it. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    size_t i;
    int k;

    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        }
    }
    return c ^ 0xffffffffu;
}

typedef struct {
    sb_image_dim_status_t st;
    const char *why;
} dim_result_t;

#define DIM_FAIL(res, s, text)                                                                     \
    do {                                                                                           \
        (res)->st = (s);                                                                           \
        (res)->why = (text);                                                                       \
        return;                                                                                    \
    } while (0)

/* 1 when (bit depth, colour type) is a combination PNG allows. */
static int png_depth_ok(unsigned depth, unsigned type)
{
    switch (type) {
    case 0:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
        return depth == 8 || depth == 16;
    default:
        return 0;
    }
}

static void png_dims(const unsigned char *b, size_t n, uint32_t *w, uint32_t *h, dim_result_t *r)
{
    size_t off;
    int idat = 0;

    if (n < 33) {
        DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "the PNG header is cut short");
    }
    if (be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4)) {
        DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the PNG does not start with a valid IHDR chunk");
    }
    if (crc32_of(b + 12, 17) != be32(b + 29)) {
        DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the PNG header checksum is wrong");
    }
    if (!png_depth_ok(b[24], b[25]) || b[26] != 0 || b[27] != 0 || b[28] > 1) {
        DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the PNG header holds invalid fields");
    }
    *w = be32(b + 16);
    *h = be32(b + 20);
    if (*w > 0x7fffffffu || *h > 0x7fffffffu) {
        DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the PNG dimensions are out of range");
    }
    /* Walk the chunks to IEND: each one must fit, and image data must come first. */
    for (off = 33;;) {
        uint32_t len;
        size_t i;

        if (n - off < 12) {
            DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "the PNG ends before its IEND chunk");
        }
        len = be32(b + off);
        if (len > 0x7fffffffu) {
            DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "a PNG chunk length is out of range");
        }
        for (i = 4; i < 8; i++) {
            unsigned char ch = b[off + i];
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'))) {
                DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "a PNG chunk type is not a name");
            }
        }
        if (!memcmp(b + off + 4, "IHDR", 4)) {
            DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the PNG has a second IHDR chunk");
        }
        if ((size_t)len > n - off - 12) {
            DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "a PNG chunk runs past the end of the file");
        }
        if (!memcmp(b + off + 4, "IDAT", 4)) {
            idat = 1;
        }
        else if (!memcmp(b + off + 4, "IEND", 4)) {
            if (!idat) {
                DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the PNG has no image data");
            }
            break;
        }
        off += 12 + (size_t)len;
    }
    r->st = SB_IMAGE_DIM_OK;
}

/* SOF0-3, 5-7, 9-11, 13-15: a frame header with the dimensions. */
static int jpeg_is_sof(unsigned m)
{
    return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

/*
 * Skip entropy-coded data from *off up to the next marker that is neither a stuffed 0xFF00
 * nor a restart marker; *off is left at that marker's 0xFF. 0 when the data ends first.
 */
static int jpeg_skip_scan(const unsigned char *b, size_t n, size_t *off)
{
    size_t i;

    for (i = *off; i + 1 < n; i++) {
        if (b[i] == 0xff && b[i + 1] != 0x00 && b[i + 1] != 0xff
            && !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7)) {
            *off = i;
            return 1;
        }
    }
    return 0;
}

static void jpeg_dims(const unsigned char *b, size_t n, uint32_t *w, uint32_t *h, dim_result_t *r)
{
    size_t off = 2;
    int frame = 0, scan = 0;

    if (n < 4 || b[0] != 0xff || b[1] != 0xd8) {
        DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the JPEG does not start with SOI");
    }
    for (;;) {
        unsigned m;
        uint32_t len;

        if (off >= n) {
            DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "the JPEG ends before EOI");
        }
        if (b[off] != 0xff) {
            DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the JPEG has bytes where a marker belongs");
        }
        while (off < n && b[off] == 0xff) {
            off++; /* fill bytes */
        }
        if (off >= n) {
            DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "the JPEG ends before EOI");
        }
        m = b[off++];
        if (m == 0xd9) {
            if (!frame || !scan) {
                DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the JPEG has no frame or no scan");
            }
            break;
        }
        if (m == 0x00 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
            DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the JPEG has a marker out of place");
        }
        if (n - off < 2) {
            DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "a JPEG segment is cut short");
        }
        len = be16(b + off);
        if (len < 2) {
            DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "a JPEG segment length is invalid");
        }
        if ((size_t)len > n - off) {
            DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "a JPEG segment runs past the end of the file");
        }
        if (jpeg_is_sof(m)) {
            unsigned nc;
            if (frame) {
                DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the JPEG has a second frame header");
            }
            if (len < 8) {
                DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the JPEG frame header is too short");
            }
            nc = b[off + 7];
            if (nc < 1 || nc > 4 || len != 8 + 3 * nc) {
                DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the JPEG frame header is malformed");
            }
            *h = be16(b + off + 3);
            *w = be16(b + off + 5);
            frame = 1;
        }
        off += len;
        if (m == 0xda) {
            if (!frame) {
                DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the JPEG has a scan before its frame header");
            }
            scan = 1;
            if (!jpeg_skip_scan(b, n, &off)) {
                DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "the JPEG ends inside its image data");
            }
        }
    }
    r->st = SB_IMAGE_DIM_OK;
}

static void webp_dims(const unsigned char *b, size_t n, uint32_t *w, uint32_t *h, dim_result_t *r)
{
    size_t end, off = 12;
    int first = 1;

    if (n < 12 || memcmp(b, "RIFF", 4) || memcmp(b + 8, "WEBP", 4)) {
        DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the WebP RIFF header is malformed");
    }
    if (le32(b + 4) < 4 || le32(b + 4) % 2) {
        DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the WebP RIFF size is invalid");
    }
    if ((size_t)le32(b + 4) > n - 8) {
        DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "the WebP file is shorter than its RIFF size");
    }
    end = 8 + (size_t)le32(b + 4);
    /* Every chunk must fit the container; the first one carries the dimensions. */
    while (off < end) {
        const unsigned char *c = b + off + 8;
        size_t len;

        if (end - off < 8) {
            DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "a WebP chunk header is cut short");
        }
        len = le32(b + off + 4);
        if (len > end - off - 8) {
            DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "a WebP chunk runs past the end of the file");
        }
        if (first) {
            if (!memcmp(b + off, "VP8 ", 4)) {
                /* frame tag (3 bytes, bit 0 clear on a key frame), start code, 14-bit sizes */
                if (len < 10 || (c[0] & 1) || c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a) {
                    DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the WebP VP8 frame header is malformed");
                }
                *w = le16(c + 6) & 0x3fff;
                *h = le16(c + 8) & 0x3fff;
            }
            else if (!memcmp(b + off, "VP8L", 4)) {
                uint32_t bits;
                if (len < 5 || c[0] != 0x2f) {
                    DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the WebP VP8L header is malformed");
                }
                bits = le32(c + 1);
                if (bits >> 29) {
                    DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the WebP VP8L version is unknown");
                }
                *w = (bits & 0x3fff) + 1;
                *h = ((bits >> 14) & 0x3fff) + 1;
            }
            else if (!memcmp(b + off, "VP8X", 4)) {
                if (len < 10) {
                    DIM_FAIL(r, SB_IMAGE_DIM_INVALID, "the WebP VP8X header is malformed");
                }
                *w = le24(c + 4) + 1;
                *h = le24(c + 7) + 1;
            }
            else {
                DIM_FAIL(r, SB_IMAGE_DIM_INVALID,
                         "the WebP first chunk is not VP8, VP8L or "
                         "VP8X");
            }
            first = 0;
        }
        off += 8 + len + (len & 1);
    }
    if (first) {
        DIM_FAIL(r, SB_IMAGE_DIM_TRUNCATED, "the WebP file has no image chunk");
    }
    r->st = SB_IMAGE_DIM_OK;
}

sb_image_dim_status_t sb_image_dimensions(const unsigned char *b, size_t n, sb_image_type_t t,
                                          uint32_t *w, uint32_t *h, const char **why)
{
    dim_result_t r = {SB_IMAGE_DIM_INVALID, "not a PNG, JPEG or WebP image"};
    uint32_t iw = 0, ih = 0;

    if (b && n) {
        switch (t) {
        case SB_IMAGE_PNG:
            png_dims(b, n, &iw, &ih, &r);
            break;
        case SB_IMAGE_JPEG:
            jpeg_dims(b, n, &iw, &ih, &r);
            break;
        case SB_IMAGE_WEBP:
            webp_dims(b, n, &iw, &ih, &r);
            break;
        default:
            break;
        }
    }
    if (r.st == SB_IMAGE_DIM_OK && (!iw || !ih)) {
        r.st = SB_IMAGE_DIM_ZERO;
        r.why = "the image has a width or height of 0";
    }
    if (r.st != SB_IMAGE_DIM_OK) {
        iw = ih = 0;
    }
    *w = iw;
    *h = ih;
    if (why) {
        *why = r.st == SB_IMAGE_DIM_OK ? NULL : r.why;
    }
    return r.st;
}
