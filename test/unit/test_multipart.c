/* The bounded multipart/form-data reader. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_multipart.h"

#define BODY(s) (s), sizeof(s) - 1

static void test_boundary(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(sb_multipart_boundary(p, "multipart/form-data; boundary=abc123"), "abc123");
    assert_string_equal(sb_multipart_boundary(p, "Multipart/Form-Data;boundary=\"a b'c\""),
                        "a b'c");
    assert_string_equal(sb_multipart_boundary(
                            p, "multipart/form-data; charset=x; boundary=----WebKitFormBoundaryX7"),
                        "----WebKitFormBoundaryX7");
    assert_null(sb_multipart_boundary(p, "multipart/form-data"));
    assert_null(sb_multipart_boundary(p, "multipart/mixed; boundary=x"));
    assert_null(sb_multipart_boundary(p, "multipart/form-dataX; boundary=x"));
    assert_null(sb_multipart_boundary(p, "multipart/form-data; boundary="));
    assert_null(sb_multipart_boundary(p, "multipart/form-data; boundary=\"unterminated"));
    assert_null(sb_multipart_boundary(p, "multipart/form-data; boundary=\"trailing \""));
    assert_null(sb_multipart_boundary(
        p, apr_pstrcat(p, "multipart/form-data; boundary=", apr_psprintf(p, "%071d", 0), NULL)));
    assert_null(sb_multipart_boundary(p, NULL));
}

static void test_parse(void **state)
{
    apr_pool_t *p = *state;
    static const char body[] =
        "preamble to ignore\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"note\"\r\n"
        "\r\n"
        "hello\r\n"
        "--XyZ  \r\n"
        "content-disposition: form-data; name=avatar; filename=\"me \\\"x\\\".png\"\r\n"
        "Content-Type: image/png\r\n"
        "\r\n"
        "\x89PNG\r\n--XyNot-a-delimiter\r\n\0bin\r\n"
        "--XyZ--\r\nepilogue";
    const char *why = NULL;
    apr_array_header_t *parts = sb_multipart_parse(p, BODY(body), "XyZ", &why);
    const sb_multipart_part_t *a, *n;

    assert_non_null(parts);
    assert_null(why);
    assert_int_equal(parts->nelts, 2);
    n = sb_multipart_find(parts, "note");
    assert_non_null(n);
    assert_int_equal(n->len, 5);
    assert_memory_equal(n->data, "hello", 5);
    assert_null(n->filename);
    a = sb_multipart_find(parts, "avatar");
    assert_non_null(a);
    assert_string_equal(a->filename, "me \"x\".png");
    assert_string_equal(a->content_type, "image/png");
    assert_int_equal(a->len, sizeof("\x89PNG\r\n--XyNot-a-delimiter\r\n\0bin") - 1);
    assert_memory_equal(a->data, "\x89PNG\r\n--XyNot-a-delimiter\r\n\0bin", a->len);
    assert_null(sb_multipart_find(parts, "other"));
}

static void test_empty_part_and_no_parts(void **state)
{
    apr_pool_t *p = *state;
    const char *why;
    apr_array_header_t *parts;

    parts = sb_multipart_parse(
        p, BODY("--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n\r\n--b--"), "b", &why);
    assert_non_null(parts);
    assert_int_equal(parts->nelts, 1);
    assert_int_equal(APR_ARRAY_IDX(parts, 0, sb_multipart_part_t).len, 0);
    parts = sb_multipart_parse(p, BODY("--b--\r\n"), "b", &why);
    assert_non_null(parts);
    assert_int_equal(parts->nelts, 0);
}

static void test_malformed(void **state)
{
    apr_pool_t *p = *state;
    static const char *const bad[] = {
        "",
        "no delimiter at all",
        "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nunclosed",
        "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--b",
        "--bX\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--b--",
        "--b\r\nno colon here\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"f\"\r\nx\r\n--b--",
        "--b\r\n\r\nx\r\n--b--",
        "--b garbage\r\n",
        NULL};
    const char *why;
    int i;

    for (i = 0; bad[i]; i++) {
        why = NULL;
        assert_null(sb_multipart_parse(p, bad[i], strlen(bad[i]), "b", &why));
        assert_non_null(why);
    }
    assert_null(sb_multipart_parse(p, BODY("--b--"), NULL, &why));
    assert_null(sb_multipart_parse(p, BODY("--b--"), "", &why));
}

static void test_limits(void **state)
{
    apr_pool_t *p = *state;
    const char *why, *body = "";
    char *hdr;
    int i;

    for (i = 0; i <= SB_MULTIPART_MAX_PARTS; i++) {
        body = apr_psprintf(p, "%s--b\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n",
                            body, i);
    }
    body = apr_pstrcat(p, body, "--b--", NULL);
    assert_null(sb_multipart_parse(p, body, strlen(body), "b", &why));
    assert_string_equal(why, "too many multipart parts");

    hdr = apr_palloc(p, SB_MULTIPART_MAX_HEADERS + 1);
    memset(hdr, 'a', SB_MULTIPART_MAX_HEADERS);
    hdr[SB_MULTIPART_MAX_HEADERS] = '\0';
    body = apr_pstrcat(p, "--b\r\nContent-Disposition: form-data; name=\"f\"\r\nX-Long: ", hdr,
                       "\r\n\r\nx\r\n--b--", NULL);
    assert_null(sb_multipart_parse(p, body, strlen(body), "b", &why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_boundary, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_parse, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_empty_part_and_no_parts, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_malformed, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_limits, sb_test_pool_setup, sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("multipart", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
