/* The codec's JSON reader (sbrt_json_parse): the values it gives, and for each case the same
 * verdict and the same value as sb_json_parse, the reader it replaces. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sbrt_codec.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* doc[0..len) parsed by both readers at depth: both refuse it (returns NULL), or both give
 * the same value, whose text is returned (in p). */
static const char *both(apr_pool_t *p, const char *doc, apr_size_t len, int depth)
{
    const char *why, *text = NULL;
    json_object *a = sbrt_json_parse(doc, len, depth);
    json_object *b = sb_json_parse_untracked(p, doc, len, depth, &why);

    if (!a != !b) {
        fail_msg("%s: sbrt_json_parse %s, sb_json_parse %s", doc, a ? "accepts" : "refuses",
                 b ? "accepts" : "refuses");
    }
    if (a) {
        text = apr_pstrdup(p, json_object_to_json_string_ext(a, FLAGS));
        assert_int_equal(json_object_get_type(a), json_object_get_type(b));
        assert_true(json_object_equal(a, b));
        assert_string_equal(text, json_object_to_json_string_ext(b, FLAGS));
    }
    json_object_put(a);
    json_object_put(b);
    return text;
}

#define S_(lit)      lit, sizeof lit - 1
#define BOTH(p, lit) both((p), lit, sizeof lit - 1, SBRT_JSON_DEPTH)

static void test_values(void **state)
{
    apr_pool_t *p = *state;
    json_object *o;

    assert_string_equal(BOTH(p, "[\"echo\",{\"i\":1,\"text\":\"hello there\"}]"),
                        "[\"echo\",{\"i\":1,\"text\":\"hello there\"}]");
    assert_string_equal(BOTH(p, " {\"a\" : [ true , false , null ] }\r\n"),
                        "{\"a\":[true,false,null]}");
    assert_string_equal(BOTH(p, "{}"), "{}");
    assert_string_equal(BOTH(p, "[]"), "[]");
    assert_string_equal(BOTH(p, "\"x\""), "\"x\"");
    assert_string_equal(BOTH(p, "7"), "7");
    assert_string_equal(BOTH(p, "{\"a\":1,\"b\":2,\"a\":3}"), "{\"a\":3,\"b\":2}");
    /* a key is a C string: cut at an escaped NUL; a value keeps it */
    assert_string_equal(BOTH(p, "{\"a\\u0000b\":\"c\\u0000d\"}"), "{\"a\":\"c\\u0000d\"}");
    o = sbrt_json_parse(S_("[\"m\\u00e9\\n\\\"\\/\"]"), SBRT_JSON_DEPTH);
    assert_non_null(o);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(o, 0)), "m\xc3\xa9\n\"/");
    json_object_put(o);
}

static void test_numbers(void **state)
{
    apr_pool_t *p = *state;
    json_object *o;

    assert_string_equal(BOTH(p, "[-0,0,12,-7]"), "[0,0,12,-7]");
    /* doubles keep their text */
    assert_string_equal(BOTH(p, "[1.50,1E2,-1e-7,0.1e+1,1e999]"), "[1.50,1E2,-1e-7,0.1e+1,1e999]");
    /* integers clamp as json-c's do; above INT64_MAX an unsigned one */
    assert_string_equal(BOTH(p, "[9223372036854775807,9223372036854775808,"
                                "18446744073709551616,-9223372036854775809]"),
                        "[9223372036854775807,9223372036854775808,18446744073709551615,"
                        "-9223372036854775808]");
    o = sbrt_json_parse(S_("[9223372036854775808]"), SBRT_JSON_DEPTH);
    assert_int_equal(json_object_get_uint64(json_object_array_get_idx(o, 0)),
                     9223372036854775808ULL);
    json_object_put(o);
    o = sbrt_json_parse(S_("1.5"), SBRT_JSON_DEPTH);
    assert_true(json_object_is_type(o, json_type_double));
    assert_true(json_object_get_double(o) == 1.5);
    json_object_put(o);
    assert_null(BOTH(p, "[01]"));
    assert_null(BOTH(p, "[1.]"));
    assert_null(BOTH(p, "[.5]"));
    assert_null(BOTH(p, "[1e]"));
    assert_null(BOTH(p, "[+1]"));
    assert_null(BOTH(p, "[-]"));
    assert_null(BOTH(p, "[NaN]"));
    assert_null(BOTH(p, "[Infinity]"));
    assert_null(BOTH(p, "[0x10]"));
    assert_null(BOTH(p, "[1-2]"));
}

static void test_unicode(void **state)
{
    apr_pool_t *p = *state;

    /* pairs joined; a lone surrogate becomes U+FFFD, and what follows it is read as itself */
    assert_string_equal(BOTH(p, "[\"\\ud83d\\ude00\"]"), "[\"\xf0\x9f\x98\x80\"]");
    assert_string_equal(BOTH(p, "[\"\\ud800\"]"), "[\"\xef\xbf\xbd\"]");
    assert_string_equal(BOTH(p, "[\"\\udc00x\"]"), "[\"\xef\xbf\xbdx\"]");
    assert_string_equal(BOTH(p, "[\"\\ud800\\u0041\"]"), "[\"\xef\xbf\xbd"
                                                         "A\"]");
    assert_string_equal(BOTH(p, "[\"\\ud800\\ud800\\udc00\"]"),
                        "[\"\xef\xbf\xbd\xf0\x90\x80\x80\"]");
    assert_string_equal(BOTH(p, "[\"\\ud800\\n\"]"), "[\"\xef\xbf\xbd\\n\"]");
    assert_string_equal(BOTH(p, "[\"\\ud800\\\"\"]"), "[\"\xef\xbf\xbd\\\"\"]");
    assert_null(BOTH(p, "[\"\\ud800\\uzzzz\"]"));
    assert_null(BOTH(p, "[\"\\ud800\\u00\"]"));
    assert_null(BOTH(p, "[\"\\u12\"]"));
    assert_null(BOTH(p, "[\"\\x\"]"));
    /* UTF-8 as json-c checks it: lead byte and continuation count */
    assert_non_null(BOTH(p, "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]"));
    assert_non_null(BOTH(p, "[\"\xc0\x80\"]"));
    assert_non_null(BOTH(p, "[\"\xed\xa0\x80\"]"));
    assert_null(BOTH(p, "[\"\xf8\x80\x80\x80\"]"));
    assert_null(BOTH(p, "[\"\x80\"]"));
    assert_null(BOTH(p, "[\"\xe2\x82\"]"));
    assert_null(BOTH(p, "[\"\xe2\x82"));
}

static void test_refused(void **state)
{
    apr_pool_t *p = *state;

    assert_null(BOTH(p, ""));
    assert_null(BOTH(p, "  "));
    assert_null(BOTH(p, "null"));
    assert_null(BOTH(p, "[1,]"));
    assert_null(BOTH(p, "{\"a\":1,}"));
    assert_null(BOTH(p, "{\"a\"}"));
    assert_null(BOTH(p, "{a:1}"));
    assert_null(BOTH(p, "{'a':1}"));
    assert_null(BOTH(p, "[1 2]"));
    assert_null(BOTH(p, "[1]]"));
    assert_null(BOTH(p, "[1] x"));
    assert_null(BOTH(p, "[tru]"));
    assert_null(BOTH(p, "[truex]"));
    assert_null(BOTH(p, "[nul]"));
    assert_null(BOTH(p, "[\"a\tb\"]"));
    assert_null(BOTH(p, "[\"a\nb\"]"));
    assert_null(BOTH(p, "[\"abc]"));
    assert_null(BOTH(p, "[1]\f"));
    assert_null(BOTH(p, "/* c */ [1]"));
    assert_null(both(p, "[\"a\0\"]", 5, SBRT_JSON_DEPTH));
    assert_null(both(p, "[1]\0", 4, SBRT_JSON_DEPTH));
}

/* nesting as json-c counts it: a value inside at most depth - 1 containers */
static void test_depth(void **state)
{
    apr_pool_t *p = *state;
    int depth, k;

    for (depth = 1; depth <= SBRT_JSON_DEPTH + 1; depth++) {
        for (k = 1; k <= depth + 1; k++) {
            char arr[64] = "", obj[256] = "";
            int i;
            for (i = 0; i < k; i++) {
                strcat(arr, "[");
                strcat(obj, "{\"a\":");
            }
            strcat(arr, "1");
            strcat(obj, "[]");
            for (i = 0; i < k; i++) {
                strcat(arr, "]");
                strcat(obj, "}");
            }
            /* k arrays around a number: it sits at depth k */
            assert_int_equal(both(p, arr, strlen(arr), depth) != NULL, k <= depth - 1);
            /* k objects around an empty array: it sits at depth k */
            assert_int_equal(both(p, obj, strlen(obj), depth) != NULL, k <= depth - 1);
            /* k empty arrays nested: the innermost at depth k - 1 */
            arr[k] = '\0';
            for (i = 0; i < k; i++) {
                arr[k + i] = ']';
            }
            arr[2 * k] = '\0';
            assert_int_equal(both(p, arr, strlen(arr), depth) != NULL, k - 1 <= depth - 1);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_numbers, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_unicode, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_refused, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_depth, sb_test_pool_setup, sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("sbrt_json", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
