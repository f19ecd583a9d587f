/* Image type sniffing from magic bytes. */
#include "sb_test.h"

#include <string.h>

#include "sb_image.h"

static const unsigned char PNG[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I',
                                    'H',  'D', 'R', 0,   0,    0,    1,    0,    0, 0, 1, 8,  6};
static const unsigned char JPEG[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0};
static const unsigned char WEBP[] = {'R', 'I', 'F', 'F', 30,  0,  0, 0, 'W', 'E',  'B',
                                     'P', 'V', 'P', '8', 'L', 10, 0, 0, 0,   0x2f, 0};

static void test_sniff(void **state)
{
    (void)state;
    assert_int_equal(sb_image_sniff(PNG, sizeof PNG), SB_IMAGE_PNG);
    assert_int_equal(sb_image_sniff(JPEG, sizeof JPEG), SB_IMAGE_JPEG);
    assert_int_equal(sb_image_sniff(WEBP, sizeof WEBP), SB_IMAGE_WEBP);
    assert_string_equal(sb_image_mime(SB_IMAGE_WEBP), "image/webp");
    assert_string_equal(sb_image_ext(SB_IMAGE_JPEG), "jpg");
    assert_null(sb_image_mime(SB_IMAGE_UNKNOWN));
}

/* Each one long enough to reach the check it fails (the length passed is the literal's own). */
#define BAD(s)                                                                                     \
    {                                                                                              \
        (const unsigned char *)(s), sizeof(s) - 1                                                  \
    }

static void test_not_images(void **state)
{
    static const struct {
        const unsigned char *b;
        size_t n;
    } bad[] = {
        BAD(""),
        BAD("<html>"),
        BAD("GIF89a\x01\x00\x01\x00"),
        BAD("%PDF-1.7"),
        BAD("BM\x36\0\0\0"),
        /* RIFF but not WEBP, 20 bytes and more */
        BAD("RIFF\x10\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0"),
        /* WEBP form whose first chunk is not VP8/VP8L/VP8X (the chunk branch) */
        BAD("RIFF\x10\0\0\0WEBPXXXX    "),
        BAD("RIFF\x10\0\0\0WEBPVP8Q\x0a\0\0\0"),
        BAD("RIFF\x10\0\0\0WEBPVP8l\x0a\0\0\0"),
        /* JPEG's SOI followed by a fill byte or a non-marker */
        BAD("\xff\xd8\xff\xff"),
        BAD("\xff\xd8\xff\x10"),
    };
    unsigned char buf[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sb_image_sniff(bad[i].b, bad[i].n), SB_IMAGE_UNKNOWN);
    }
    /* the chunk cases differ from a real WebP header only in the chunk name */
    memcpy(buf, bad[7].b, bad[7].n);
    buf[15] = 'X';
    assert_int_equal(sb_image_sniff(buf, bad[7].n), SB_IMAGE_WEBP);
    buf[15] = ' ';
    assert_int_equal(sb_image_sniff(buf, bad[7].n), SB_IMAGE_WEBP);
    buf[15] = 'L';
    assert_int_equal(sb_image_sniff(buf, bad[7].n), SB_IMAGE_WEBP);
    buf[15] = 'l';
    assert_int_equal(sb_image_sniff(buf, bad[7].n), SB_IMAGE_UNKNOWN);
    /* truncated signatures */
    assert_int_equal(sb_image_sniff(PNG, 8), SB_IMAGE_UNKNOWN);
    assert_int_equal(sb_image_sniff(JPEG, 3), SB_IMAGE_UNKNOWN);
    assert_int_equal(sb_image_sniff(WEBP, 12), SB_IMAGE_UNKNOWN);
    assert_int_equal(sb_image_sniff(NULL, 100), SB_IMAGE_UNKNOWN);
    /* a PNG signature without IHDR first */
    memcpy(buf, PNG, sizeof PNG);
    memcpy(buf + 12, "IDAT", 4);
    assert_int_equal(sb_image_sniff(buf, sizeof PNG), SB_IMAGE_UNKNOWN);
}

static void test_from_mime(void **state)
{
    (void)state;
    assert_int_equal(sb_image_from_mime("image/png"), SB_IMAGE_PNG);
    assert_int_equal(sb_image_from_mime("IMAGE/PNG; q=1"), SB_IMAGE_PNG);
    assert_int_equal(sb_image_from_mime("image/jpeg"), SB_IMAGE_JPEG);
    assert_int_equal(sb_image_from_mime("image/jpg"), SB_IMAGE_JPEG);
    assert_int_equal(sb_image_from_mime("image/webp"), SB_IMAGE_WEBP);
    assert_int_equal(sb_image_from_mime("image/pngx"), SB_IMAGE_UNKNOWN);
    assert_int_equal(sb_image_from_mime("image/gif"), SB_IMAGE_UNKNOWN);
    assert_int_equal(sb_image_from_mime(NULL), SB_IMAGE_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_not_images),
        cmocka_unit_test(test_from_mime),
    };
    return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
