/* api/sb_kit: query decoding and readers, the pagination shapes, the common answers. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_kit.h"

static sb_call_t *call_with_query(apr_pool_t *p, const char *args)
{
    sb_call_t *c = apr_pcalloc(p, sizeof *c);
    c->pool = p;
    assert_int_equal(sb_query_parse(p, args, &c->query, &c->err), 0);
    return c;
}

static const char *field_message(const sb_error_t *err, const char *field)
{
    int i;
    for (i = 0; err->fields && i < err->fields->nelts; i++) {
        const sb_field_error_t *fe = &APR_ARRAY_IDX(err->fields, i, sb_field_error_t);
        if (!strcmp(fe->field, field)) {
            return fe->message;
        }
    }
    return NULL;
}

static void test_parse_decodes_pairs(void **state)
{
    apr_pool_t *p = *state;
    sb_error_t err = {0};
    apr_table_t *t;

    assert_int_equal(sb_query_parse(p, "q=rock+climbing&skill=C%2B%2B&empty=&=x&flag", &t, &err),
                     0);
    assert_string_equal(apr_table_get(t, "q"), "rock climbing");
    assert_string_equal(apr_table_get(t, "skill"), "C++");
    assert_string_equal(apr_table_get(t, "empty"), "");
    assert_string_equal(apr_table_get(t, "flag"), "");
    assert_int_equal(apr_table_elts(t)->nelts, 4); /* the nameless pair is dropped */
    assert_int_equal(err.status, 0);
    assert_int_equal(sb_query_parse(p, NULL, &t, &err), 0);
    assert_int_equal(apr_table_elts(t)->nelts, 0);
}

static void test_parse_rejects_malformed_escapes(void **state)
{
    apr_pool_t *p = *state;
    sb_error_t err = {0};
    apr_table_t *t;

    assert_int_equal(
        sb_query_parse(p, "limit=5&cursor=%%garbage&q=%zz&skill=%4&nul=a%00b", &t, &err), 4);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.message, "Invalid query parameters");
    assert_non_null(field_message(&err, "cursor"));
    assert_non_null(strstr(field_message(&err, "cursor"), "percent-encoding"));
    assert_non_null(field_message(&err, "q"));
    assert_non_null(field_message(&err, "skill"));
    assert_non_null(field_message(&err, "nul"));
    /* the good pair is still there; the bad ones are not */
    assert_string_equal(apr_table_get(t, "limit"), "5");
    assert_null(apr_table_get(t, "cursor"));
}

static void test_parse_names_a_malformed_name_as_sent(void **state)
{
    apr_pool_t *p = *state;
    sb_error_t err = {0};
    apr_table_t *t;

    assert_int_equal(sb_query_parse(p, "a%zzb=1", &t, &err), 1);
    assert_non_null(field_message(&err, "a%zzb"));
}

static void test_int_reader(void **state)
{
    apr_pool_t *p = *state;
    sb_call_t *c = call_with_query(p, "limit=20&page=0&big=99999999999&neg=-1&x=1e3");
    int v;

    assert_true(sb_query_int(c, "limit", 1, 50, 12, &v));
    assert_int_equal(v, 20);
    assert_true(sb_query_int(c, "absent", 1, 50, 12, &v));
    assert_int_equal(v, 12);
    assert_int_equal(sb_query_failed(c), 0);
    assert_false(sb_query_int(c, "page", 1, 10, 1, &v));
    assert_false(sb_query_int(c, "big", 1, 10, 1, &v));
    assert_false(sb_query_int(c, "neg", 1, 10, 1, &v));
    assert_false(sb_query_int(c, "x", 1, 10000, 1, &v));
    assert_string_equal(field_message(&c->err, "page"), "page must be an integer from 1 to 10");
    assert_int_equal(sb_query_failed(c), 400);
    assert_string_equal(c->err.message, "Invalid query parameters");
}

static void test_text_and_category_readers(void **state)
{
    apr_pool_t *p = *state;
    sb_call_t *c = call_with_query(p, "skill=Guitar&long=abcdefghijk&bad=%FF&category=Music");

    assert_string_equal(sb_query_text(c, "skill", 10), "Guitar");
    assert_string_equal(sb_query_category(c), "Music");
    assert_null(sb_query_text(c, "absent", 10));
    assert_int_equal(sb_call_fields_failed(c), 0);
    assert_null(sb_query_text(c, "long", 10));
    assert_null(sb_query_text(c, "bad", 10)); /* not UTF-8 */
    assert_non_null(field_message(&c->err, "long"));
    assert_non_null(field_message(&c->err, "bad"));

    c = call_with_query(p, "category=Gardening");
    assert_null(sb_query_category(c));
    assert_non_null(strstr(field_message(&c->err, "category"), "Technology"));
    assert_int_equal(sb_call_fields_failed(c), 400);
}

static void test_pagination_shapes(void **state)
{
    apr_pool_t *p = *state;
    sb_call_t *c = call_with_query(p, "");

    sb_page_offset(c, 2, 10, 25);
    assert_string_equal(json_object_to_json_string_ext(c->pagination, JSON_C_TO_STRING_PLAIN),
                        "{\"currentPage\":2,\"totalPages\":3,\"totalCount\":25,\"hasMore\":true,"
                        "\"hasPrevious\":true,\"limit\":10}");
    json_object_put(c->pagination);
    sb_page_offset(c, 1, 10, 0);
    assert_string_equal(json_object_to_json_string_ext(c->pagination, JSON_C_TO_STRING_PLAIN),
                        "{\"currentPage\":1,\"totalPages\":0,\"totalCount\":0,\"hasMore\":false,"
                        "\"hasPrevious\":false,\"limit\":10}");
    json_object_put(c->pagination);
    sb_page_cursor(c, 12, 12, 1, "abc");
    assert_string_equal(json_object_to_json_string_ext(c->pagination, JSON_C_TO_STRING_PLAIN),
                        "{\"hasMore\":true,\"nextCursor\":\"abc\",\"limit\":12,\"count\":12}");
    json_object_put(c->pagination);
    sb_page_cursor(c, 12, 3, 0, NULL);
    assert_string_equal(json_object_to_json_string_ext(c->pagination, JSON_C_TO_STRING_PLAIN),
                        "{\"hasMore\":false,\"nextCursor\":null,\"limit\":12,\"count\":3}");
    json_object_put(c->pagination);
    sb_page_list(c, 5, 2);
    assert_string_equal(json_object_to_json_string_ext(c->pagination, JSON_C_TO_STRING_PLAIN),
                        "{\"limit\":5,\"count\":2}");
    json_object_put(c->pagination);
}

static const char *logged;
static const char *logged_func;
static int logged_level;

static void capture_log(sb_call_t *c, int level, const char *func, const char *msg)
{
    logged = apr_pstrdup(c->pool, msg);
    logged_func = func;
    logged_level = level;
}

static void test_internal_error_logs_and_answers_500(void **state)
{
    apr_pool_t *p = *state;
    sb_call_t *c = call_with_query(p, "");

    c->log = capture_log;
    assert_int_equal(sb_call_internal(c, "bcrypt failed (%d)", 7), 500);
    assert_int_equal(c->err.status, 500);
    assert_string_equal(c->err.message, "Internal error.");
    assert_string_equal(logged, "bcrypt failed (7)");
    assert_string_equal(logged_func, "test_internal_error_logs_and_answers_500");
    assert_int_equal(logged_level, SB_LOG_ERR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_decodes_pairs, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_parse_rejects_malformed_escapes, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_parse_names_a_malformed_name_as_sent,
                                        sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_int_reader, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_text_and_category_readers, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_pagination_shapes, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_internal_error_logs_and_answers_500,
                                        sb_test_pool_setup, sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("api_kit", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
