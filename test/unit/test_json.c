/* sb_json: strict parsing with precise errors, typed getters, unknown-key rejection. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"

static json_object *parse(apr_pool_t *p, const char *s, const char **why)
{
    return sb_json_parse(p, s, strlen(s), SB_JSON_MAX_DEPTH, why);
}

static void expect_error(apr_pool_t *p, const char *s, const char *why_expected)
{
    const char *why = NULL;
    json_object *o = parse(p, s, &why);
    if (o) {
        fail_msg("accepted %s", s);
    }
    assert_non_null(why);
    if (why_expected && strcmp(why, why_expected)) {
        fail_msg("%s: got \"%s\", expected \"%s\"", s, why, why_expected);
    }
}

static void test_parse_ok(void **state)
{
    apr_pool_t *p = *state;
    const char *why = "unset";
    json_object *o =
        parse(p, " {\"a\": [1, 2.5, -0, 1e3, true, false, null, \"x\\u00e9\"]}\n", &why);

    assert_non_null(o);
    assert_null(why);
    assert_true(json_object_is_type(o, json_type_object));
    assert_non_null(parse(p, "[]", NULL));
    assert_non_null(parse(p, "\"s\"", NULL));
    assert_non_null(parse(p, "123", NULL));
    assert_non_null(parse(p, "{\"k\":\"caf\xc3\xa9\"}", NULL));
}

static void test_parse_errors(void **state)
{
    apr_pool_t *p = *state;

    expect_error(p, "{\"title\": \"abc\", ", "Malformed JSON: unexpected end of data at offset 17");
    expect_error(p, "", "Malformed JSON: unexpected end of data at offset 0");
    expect_error(p, "   ", "Malformed JSON: unexpected end of data at offset 3");
    expect_error(p, "[1,2,]", "Malformed JSON: unexpected character at offset 5");
    expect_error(p, "{\"a\":1} x", "Malformed JSON: unexpected character at offset 8");
    expect_error(p, "{\"a\":1}{}", "Malformed JSON: unexpected character at offset 7");
    expect_error(p, "{'a':1}", "Malformed JSON: unexpected character at offset 1");
    expect_error(p, "[NaN]", "Malformed JSON: unexpected character at offset 1");
    expect_error(p, "[Infinity]", "Malformed JSON: unexpected character at offset 1");
    expect_error(p, "[1.]", "Malformed JSON: invalid number at offset 1");
    expect_error(p, "[01]", NULL);
    expect_error(p, "[.5]", NULL);
    expect_error(p, "[+1]", NULL);
    expect_error(p, "[0x10]", NULL);
    expect_error(p, "[\"a\tb\"]", "Malformed JSON: control character in string at offset 3");
    expect_error(p, "/* c */ {}", NULL);
    expect_error(p, "[\"\\x41\"]", NULL);
    expect_error(p, "[\"\xff\"]", NULL);
    expect_error(p, "[True]", NULL);
    expect_error(p, "null", "Malformed JSON: null is not accepted as a document at offset 0");
}

/* The tokener is kept per thread: what a broken document left in it must not reach the next. */
static void test_tokener_reused_cleanly(void **state)
{
    apr_pool_t *p = *state;
    json_object *o, *v;
    int i;

    for (i = 0; i < 3; i++) {
        expect_error(p, "{\"a\":[1,{\"b\":\"unfinished", NULL);
        expect_error(p, "[[[[{\"deep\":", NULL);
        assert_non_null(o = parse(p, "[2]", NULL));
        assert_int_equal(json_object_array_length(o), 1);
        assert_int_equal(json_object_get_int(json_object_array_get_idx(o, 0)), 2);
        assert_non_null(o = parse(p, "{\"c\":true}", NULL));
        assert_int_equal(json_object_object_length(o), 1);
        assert_true(json_object_object_get_ex(o, "c", &v) && json_object_get_boolean(v));
        /* another depth has a tokener of its own */
        assert_null(sb_json_parse(p, "[[1]]", 5, 1, NULL));
        assert_non_null(sb_json_parse(p, "[[1]]", 5, 8, NULL));
    }
}

static void test_trailing_and_nul(void **state)
{
    apr_pool_t *p = *state;
    const char *why = NULL;
    static const char withnul[] = "{\"a\":1}\0{\"b\":2}";

    assert_null(sb_json_parse(p, withnul, sizeof withnul - 1, 32, &why));
    assert_string_equal(why, "Malformed JSON: NUL byte at offset 7");
    assert_null(sb_json_parse(p, "{\"a\":\"x\0y\"}", 11, 32, &why));
    assert_string_equal(why, "Malformed JSON: NUL byte at offset 7");
    /* Only len bytes are read: what follows in memory is not trailing data. */
    assert_non_null(sb_json_parse(p, "{\"a\":1}garbage", 7, 32, &why));
    assert_null(sb_json_parse(p, NULL, 0, 32, &why));
    assert_non_null(why);
}

static void test_depth_bomb(void **state)
{
    apr_pool_t *p = *state;
    const char *why = NULL;
    char *deep = apr_palloc(p, 200001);
    size_t i;

    for (i = 0; i < 100000; i++) {
        deep[i] = '[';
        deep[200000 - 1 - i] = ']';
    }
    deep[200000] = '\0';
    assert_null(sb_json_parse(p, deep, 200000, 32, &why));
    assert_string_equal(why, "Malformed JSON: nesting too deep at offset 32");
    /* 31 levels pass with a limit of 32, 33 do not */
    assert_non_null(sb_json_parse(p, deep + 100000 - 31, 62, 32, &why));
    assert_null(sb_json_parse(p, deep + 100000 - 33, 66, 32, &why));
    /* max_depth <= 0 means the default */
    assert_null(sb_json_parse(p, deep, 200000, 0, &why));
}

static void test_get_string(void **state)
{
    apr_pool_t *p = *state;
    json_object *o =
        parse(p, "{\"s\":\"v\",\"n\":1,\"z\":null,\"e\":\"\",\"nul\":\"a\\u0000b\"}", NULL);
    sb_error_t err = {0};
    const char *v = "untouched";

    assert_true(sb_json_get_string(o, "s", &v, &err, p, 1));
    assert_string_equal(v, "v");
    assert_true(sb_json_get_string(o, "e", &v, &err, p, 1));
    assert_string_equal(v, "");
    assert_false(sb_has_field_errors(&err));

    v = "untouched";
    assert_false(sb_json_get_string(o, "missing", &v, &err, p, 0));
    assert_false(sb_json_get_string(o, "z", &v, &err, p, 0));
    assert_false(sb_has_field_errors(&err));
    assert_string_equal(v, "untouched");

    assert_false(sb_json_get_string(o, "n", &v, &err, p, 0));
    assert_false(sb_json_get_string(o, "missing", &v, &err, p, 1));
    assert_false(sb_json_get_string(o, "nul", &v, &err, p, 1));
    assert_int_equal(err.fields->nelts, 3);
    assert_int_equal(err.status, 400);
    assert_string_equal(APR_ARRAY_IDX(err.fields, 0, sb_field_error_t).field, "n");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 0, sb_field_error_t).message,
                        "n must be a string");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 1, sb_field_error_t).message,
                        "missing is required");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 2, sb_field_error_t).message,
                        "nul must not contain NUL characters");
    assert_string_equal(v, "untouched");
}

static void test_get_int_bool(void **state)
{
    apr_pool_t *p = *state;
    json_object *o = parse(p,
                           "{\"i\":60,\"neg\":-5,\"f\":1.5,\"s\":\"60\",\"b\":true,\"big\":"
                           "99999999999999999999,\"n\":null}",
                           NULL);
    sb_error_t err = {0};
    int64_t i = 0;
    int b = -1;

    assert_true(sb_json_get_int(o, "i", 15, 480, &i, &err, p, 1));
    assert_int_equal(i, 60);
    assert_true(sb_json_get_int(o, "neg", -10, 10, &i, &err, p, 1));
    assert_int_equal(i, -5);
    assert_true(sb_json_get_bool(o, "b", &b, &err, p, 1));
    assert_int_equal(b, 1);
    assert_false(sb_has_field_errors(&err));

    assert_false(sb_json_get_int(o, "i", 61, 480, &i, &err, p, 1));
    assert_false(sb_json_get_int(o, "f", 0, 10, &i, &err, p, 1));
    assert_false(sb_json_get_int(o, "s", 0, 100, &i, &err, p, 1));
    assert_false(sb_json_get_int(o, "big", INT64_MIN, INT64_MAX, &i, &err, p, 1));
    assert_false(sb_json_get_int(o, "n", 0, 1, &i, &err, p, 1));
    assert_false(sb_json_get_bool(o, "i", &b, &err, p, 1));
    assert_false(sb_json_get_bool(o, "nope", &b, &err, p, 0));
    assert_int_equal(err.fields->nelts, 6);
    assert_string_equal(APR_ARRAY_IDX(err.fields, 0, sb_field_error_t).message,
                        "i must be an integer between 61 and 480");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 1, sb_field_error_t).message,
                        "f must be an integer");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 4, sb_field_error_t).message, "n is required");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 5, sb_field_error_t).message,
                        "i must be true or false");
    assert_int_equal(i, -5);
}

static void test_get_string_array(void **state)
{
    apr_pool_t *p = *state;
    json_object *o =
        parse(p, "{\"l\":[\"en\",\"fr\"],\"e\":[],\"mixed\":[\"en\",1],\"s\":\"en\"}", NULL);
    sb_error_t err = {0};
    apr_array_header_t *a = NULL;

    assert_true(sb_json_get_string_array(o, "l", 10, &a, &err, p, 1));
    assert_int_equal(a->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(a, 1, const char *), "fr");
    assert_true(sb_json_get_string_array(o, "e", 10, &a, &err, p, 1));
    assert_int_equal(a->nelts, 0);
    assert_false(sb_has_field_errors(&err));

    assert_false(sb_json_get_string_array(o, "l", 1, &a, &err, p, 1));
    assert_false(sb_json_get_string_array(o, "mixed", 0, &a, &err, p, 1));
    assert_false(sb_json_get_string_array(o, "s", 0, &a, &err, p, 1));
    assert_int_equal(err.fields->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(err.fields, 0, sb_field_error_t).message,
                        "l must have at most 1 items");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 1, sb_field_error_t).message,
                        "mixed must be an array of strings");
}

static void test_reject_unknown(void **state)
{
    apr_pool_t *p = *state;
    static const char *const allowed[] = {"title", "description", NULL};
    sb_error_t err = {0};
    json_object *o = parse(p, "{\"title\":\"t\",\"description\":\"d\"}", NULL);
    char *many;
    int i;

    assert_true(sb_json_reject_unknown(o, allowed, &err, p));
    assert_false(sb_has_field_errors(&err));

    o = parse(p, "{\"title\":\"t\",\"role\":\"admin\",\"credits\":1e9}", NULL);
    assert_false(sb_json_reject_unknown(o, allowed, &err, p));
    assert_int_equal(err.fields->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(err.fields, 0, sb_field_error_t).field, "role");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 0, sb_field_error_t).message,
                        "role is not an allowed field");
    assert_string_equal(APR_ARRAY_IDX(err.fields, 1, sb_field_error_t).field, "credits");

    /* The report is capped. */
    many = apr_pstrdup(p, "{\"k0\":0");
    for (i = 1; i < 100; i++) {
        many = apr_psprintf(p, "%s,\"k%d\":%d", many, i, i);
    }
    many = apr_pstrcat(p, many, "}", NULL);
    memset(&err, 0, sizeof err);
    assert_false(sb_json_reject_unknown(parse(p, many, NULL), allowed, &err, p));
    assert_int_equal(err.fields->nelts, SB_JSON_MAX_UNKNOWN);

    /* A body that is not an object. */
    memset(&err, 0, sizeof err);
    assert_false(sb_json_reject_unknown(parse(p, "[1]", NULL), allowed, &err, p));
    assert_int_equal(err.status, 400);
    assert_false(sb_json_reject_unknown(NULL, allowed, &err, p));
}

static void test_untracked_and_track(void **state)
{
    apr_pool_t *p = *state, *sub;
    json_object *o = sb_json_parse_untracked(p, "{\"a\":1}", 7, 8, NULL), *n;

    assert_non_null(o);
    json_object_put(o);
    /* tracked objects are released with their pool (valgrind/ASan would flag a leak) */
    apr_pool_create(&sub, p);
    n = json_object_new_object();
    assert_ptr_equal(sb_json_track(sub, n), n);
    assert_null(sb_json_track(sub, NULL));
    apr_pool_destroy(sub);
}

/* sb_json_raw's text is handed back as it is (the envelope writes it without json-c), and no
 * other value is taken for one: a plain empty array, nor one whose userdata is other text. */
static int text_serializer(json_object *o, struct printbuf *pb, int level, int flags)
{
    (void)level;
    (void)flags;
    return printbuf_memappend(pb, json_object_get_userdata(o), 2);
}

static void test_raw_text(void **state)
{
    apr_pool_t *p = *state;
    json_object *raw = sb_json_raw(p, "[1,2]xx", 5), *plain = json_object_new_array();
    json_object *other = json_object_new_array();
    apr_size_t len = 0;
    const char *t;

    json_object_set_serializer(other, text_serializer, (void *)"[]", NULL);
    t = sb_json_raw_text(raw, &len);
    assert_non_null(t);
    assert_int_equal(len, 5);
    assert_memory_equal(t, "[1,2]", 5);
    assert_string_equal(json_object_to_json_string(raw), "[1,2]");
    assert_null(sb_json_raw_text(plain, &len));
    assert_null(sb_json_raw_text(other, &len));
    assert_null(sb_json_raw_text(NULL, &len));
    json_object_put(raw);
    json_object_put(plain);
    json_object_put(other);
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_parse_ok),
    T(test_parse_errors),
    T(test_trailing_and_nul),
    T(test_depth_bomb),
    T(test_get_string),
    T(test_get_int_bool),
    T(test_get_string_array),
    T(test_reject_unknown),
    T(test_untracked_and_track),
    T(test_raw_text),
    T(test_tokener_reused_cleanly),
};

SB_TEST_MAIN("json", tests)
