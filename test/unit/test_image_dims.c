/* sb_image_dimensions: PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X; zero, truncated, malformed. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_image.h"

typedef struct {
    unsigned char b[512];
    size_t n;
} img_t;

static void put(img_t *im, const void *p, size_t n)
{
    assert_true(im->n + n <= sizeof im->b);
    memcpy(im->b + im->n, p, n);
    im->n += n;
}

static void put_be32(img_t *im, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(im, x, 4);
}

static void put_le32(img_t *im, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(im, x, 4);
}

static uint32_t crc(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    size_t i;
    int k;

    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        }
    }
    return ~c;
}

static void png_chunk(img_t *im, const char *type, const unsigned char *data, uint32_t len)
{
    size_t start;

    put_be32(im, len);
    start = im->n;
    put(im, type, 4);
    if (len) {
        put(im, data, len);
    }
    put_be32(im, crc(im->b + start, im->n - start));
}

static img_t png(uint32_t w, uint32_t h, int with_idat)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char ihdr[13] = {0};
    const unsigned char idat[4] = {0x78, 0x9c, 0x03, 0x00};
    img_t im = {{0}, 0};

    put(&im, sig, 8);
    ihdr[0] = (unsigned char)(w >> 24);
    ihdr[1] = (unsigned char)(w >> 16);
    ihdr[2] = (unsigned char)(w >> 8);
    ihdr[3] = (unsigned char)w;
    ihdr[4] = (unsigned char)(h >> 24);
    ihdr[5] = (unsigned char)(h >> 16);
    ihdr[6] = (unsigned char)(h >> 8);
    ihdr[7] = (unsigned char)h;
    ihdr[8] = 8; /* bit depth */
    ihdr[9] = 6; /* RGBA */
    png_chunk(&im, "IHDR", ihdr, 13);
    png_chunk(&im, "tEXt", (const unsigned char *)"a\0b", 3);
    if (with_idat) {
        png_chunk(&im, "IDAT", idat, sizeof idat);
    }
    png_chunk(&im, "IEND", NULL, 0);
    return im;
}

static img_t jpeg(uint32_t w, uint32_t h)
{
    const unsigned char soi[] = {0xff, 0xd8};
    const unsigned char app0[] = {0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0,
                                  1,    1,    0,    0,    1,   0,   1,   0,   0};
    unsigned char sof[] = {0xff, 0xc2, 0x00, 0x11, 8,    0, 0, 0,    0, 3,
                           1,    0x11, 0,    2,    0x11, 1, 3, 0x11, 1};
    const unsigned char sos[] = {0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0x3f, 0};
    /* entropy data with a stuffed 0xFF00 and a restart marker, then EOI */
    const unsigned char data[] = {0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xff, 0xd9};
    img_t im = {{0}, 0};

    sof[5] = (unsigned char)(h >> 8);
    sof[6] = (unsigned char)h;
    sof[7] = (unsigned char)(w >> 8);
    sof[8] = (unsigned char)w;
    put(&im, soi, sizeof soi);
    put(&im, app0, sizeof app0);
    put(&im, sof, sizeof sof);
    put(&im, sos, sizeof sos);
    put(&im, data, sizeof data);
    return im;
}

/* A RIFF/WEBP file whose first chunk is type with payload (padded to even length). */
static img_t webp(const char *type, const unsigned char *payload, uint32_t len)
{
    img_t im = {{0}, 0};
    const unsigned char zero = 0;

    put(&im, "RIFF", 4);
    put_le32(&im, 4 + 8 + len + (len & 1));
    put(&im, "WEBP", 4);
    put(&im, type, 4);
    put_le32(&im, len);
    put(&im, payload, len);
    if (len & 1) {
        put(&im, &zero, 1);
    }
    return im;
}

static img_t webp_vp8l(uint32_t w, uint32_t h)
{
    uint32_t bits = (w - 1) | ((h - 1) << 14);
    unsigned char p[9] = {0x2f,
                          (unsigned char)bits,
                          (unsigned char)(bits >> 8),
                          (unsigned char)(bits >> 16),
                          (unsigned char)(bits >> 24),
                          0,
                          0,
                          0,
                          0};
    return webp("VP8L", p, sizeof p);
}

static img_t webp_vp8(uint32_t w, uint32_t h)
{
    unsigned char p[12] = {0x10,
                           0x02,
                           0x00,
                           0x9d,
                           0x01,
                           0x2a,
                           (unsigned char)w,
                           (unsigned char)(w >> 8),
                           (unsigned char)h,
                           (unsigned char)(h >> 8),
                           0,
                           0};
    return webp("VP8 ", p, sizeof p);
}

static img_t webp_vp8x(uint32_t w, uint32_t h)
{
    unsigned char p[10] = {0,
                           0,
                           0,
                           0,
                           (unsigned char)(w - 1),
                           (unsigned char)((w - 1) >> 8),
                           (unsigned char)((w - 1) >> 16),
                           (unsigned char)(h - 1),
                           (unsigned char)((h - 1) >> 8),
                           (unsigned char)((h - 1) >> 16)};
    return webp("VP8X", p, sizeof p);
}

static sb_image_dim_status_t dims(const img_t *im, uint32_t *w, uint32_t *h)
{
    const char *why = "unset";
    sb_image_type_t t = sb_image_sniff(im->b, im->n);
    sb_image_dim_status_t st = sb_image_dimensions(im->b, im->n, t, w, h, &why);

    if (st == SB_IMAGE_DIM_OK) {
        assert_null(why);
    }
    else {
        assert_non_null(why);
        assert_int_equal(*w, 0);
        assert_int_equal(*h, 0);
    }
    return st;
}

/* Every proper prefix of a valid image is refused (the sniffer may reject short ones). */
static void assert_prefixes_refused(const img_t *im)
{
    sb_image_type_t t = sb_image_sniff(im->b, im->n);
    size_t k;

    for (k = 0; k < im->n; k++) {
        uint32_t w = 1, h = 1;
        assert_int_not_equal(sb_image_dimensions(im->b, k, t, &w, &h, NULL), SB_IMAGE_DIM_OK);
    }
}

static void test_reads_dimensions(void **state)
{
    const img_t cases[] = {png(640, 480, 1), jpeg(1024, 768), webp_vp8l(300, 200),
                           webp_vp8(16383, 2), webp_vp8x(5000, 4000)};
    const uint32_t want[][2] = {{640, 480}, {1024, 768}, {300, 200}, {16383, 2}, {5000, 4000}};
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t w = 0, h = 0;
        assert_int_equal(dims(&cases[i], &w, &h), SB_IMAGE_DIM_OK);
        assert_int_equal(w, want[i][0]);
        assert_int_equal(h, want[i][1]);
        assert_prefixes_refused(&cases[i]);
    }
    /* bytes after the end of the image (IEND, EOI) are allowed */
    {
        img_t im = png(2, 3, 1);
        uint32_t w, h;
        memset(im.b + im.n, 0, 40);
        im.n += 40;
        assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_OK);
        assert_int_equal(w * h, 6);
    }
}

static void test_zero(void **state)
{
    img_t a = png(0, 10, 1), b = jpeg(10, 0), c = webp_vp8(0, 5);
    uint32_t w, h;

    assert_int_equal(dims(&a, &w, &h), SB_IMAGE_DIM_ZERO);
    assert_int_equal(dims(&b, &w, &h), SB_IMAGE_DIM_ZERO);
    assert_int_equal(dims(&c, &w, &h), SB_IMAGE_DIM_ZERO);
}

static void test_png_invalid(void **state)
{
    uint32_t w, h;
    img_t im;

    im = png(10, 10, 1);
    im.b[16] ^= 1; /* width changed, CRC not */
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID);
    im = png(10, 10, 0);
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID); /* no IDAT */
    im = png(0x80000000u, 1, 1);
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID);
    im = png(10, 10, 1);
    im.b[33] = 0xff; /* the tEXt chunk's length: far past the end */
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID);
    im.b[33] = 0x00;
    im.b[36] = 0x7f;
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_TRUNCATED);
}

static void test_jpeg_invalid(void **state)
{
    uint32_t w, h;
    img_t im;

    im = jpeg(10, 10);
    im.b[2 + 18 + 3] = 0x0c; /* SOF length disagrees with its component count */
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID);
    im = jpeg(10, 10);
    im.b[2 + 18 + 19] = 0x12; /* junk where the SOS marker belongs */
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID);
    im = jpeg(10, 10);
    im.b[2 + 2] = 0x00; /* APP0 length 0 */
    im.b[2 + 3] = 0x01;
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID);
    {
        /* SOI + EOI: no frame */
        const unsigned char bare[] = {0xff, 0xd8, 0xff, 0xd9};
        assert_int_equal(sb_image_dimensions(bare, sizeof bare, SB_IMAGE_JPEG, &w, &h, NULL),
                         SB_IMAGE_DIM_INVALID);
    }
}

static void test_webp_invalid(void **state)
{
    uint32_t w, h;
    img_t im;

    im = webp_vp8(10, 10);
    im.b[20 + 3] = 0x9c; /* start code */
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID);
    im = webp_vp8l(10, 10);
    im.b[20 + 4] |= 0xe0; /* version bits */
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_INVALID);
    im = webp_vp8l(10, 10);
    im.b[4] = 0xf0; /* RIFF size beyond the file */
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_TRUNCATED);
    im = webp_vp8l(10, 10);
    im.b[16] = 0x40; /* chunk size beyond the container */
    assert_int_equal(dims(&im, &w, &h), SB_IMAGE_DIM_TRUNCATED);
    /* the type decides the parser: a PNG read as WebP is invalid, never a crash */
    im = png(4, 4, 1);
    assert_int_equal(sb_image_dimensions(im.b, im.n, SB_IMAGE_WEBP, &w, &h, NULL),
                     SB_IMAGE_DIM_INVALID);
    assert_int_equal(sb_image_dimensions(im.b, im.n, SB_IMAGE_UNKNOWN, &w, &h, NULL),
                     SB_IMAGE_DIM_INVALID);
    assert_int_equal(sb_image_dimensions(NULL, 0, SB_IMAGE_PNG, &w, &h, NULL),
                     SB_IMAGE_DIM_INVALID);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reads_dimensions), cmocka_unit_test(test_zero),
    cmocka_unit_test(test_png_invalid),      cmocka_unit_test(test_jpeg_invalid),
    cmocka_unit_test(test_webp_invalid),
};

SB_TEST_MAIN("image_dims", tests)
