/* The route table's precedence check (api/sb_routes.c), run at start-up by check_config. */
#include "sb_test.h"

#include <string.h>

#include "sb_routes.h"

static int h_any(sb_call_t *c)
{
    return 200;
}

static void test_the_real_table_passes(void **state)
{
    const char *why = NULL;

    assert_true(sb_routes_check(sb_route_table(), *state, &why));
    assert_null(why);
}

static void test_param_row_before_literal_row_is_refused_naming_both(void **state)
{
    static const sb_route_t users[] = {{"GET", "/api/users/:id", h_any, 0, NULL},
                                       {NULL, NULL, NULL, 0, NULL}};
    static const sb_route_t profile[] = {
        {"PUT", "/api/users/profile", h_any, 0, NULL}, /* other method: not swallowed */
        {"GET", "/api/users/profile", h_any, 0, NULL},
        {NULL, NULL, NULL, 0, NULL}};
    const sb_route_t *const table[] = {users, profile, NULL};
    const char *why = NULL;

    assert_false(sb_routes_check(table, *state, &why));
    assert_non_null(why);
    assert_non_null(strstr(why, "GET /api/users/:id"));
    assert_non_null(strstr(why, "GET /api/users/profile"));
}

static void test_within_one_group_too(void **state)
{
    static const sb_route_t rows[] = {{"GET", "/api/discover", h_any, 0, NULL},
                                      {"GET", "/api/discover/:id", h_any, 0, NULL},
                                      {"GET", "/api/discover/search", h_any, 0, NULL},
                                      {NULL, NULL, NULL, 0, NULL}};
    const sb_route_t *const table[] = {rows, NULL};
    const char *why = NULL;

    assert_false(sb_routes_check(table, *state, &why));
    assert_non_null(strstr(why, "/api/discover/:id comes before GET /api/discover/search"));
}

static void test_orders_that_swallow_nothing_pass(void **state)
{
    static const sb_route_t rows[] = {
        {"GET", "/api/users/profile", h_any, 0, NULL},
        {"GET", "/api/users/:id", h_any, 0, NULL},         /* literal first: fine */
        {"GET", "/api/users/:id/reviews", h_any, 0, NULL}, /* more segments */
        {"GET", "/api/users", h_any, 0, NULL},             /* fewer segments */
        {"POST", "/api/users/:id/report", h_any, 0, NULL},
        {"GET", "/api/users/:id/report", h_any, 0, NULL}, /* other method */
        {"GET", "/api/sessions/:id", h_any, 0, NULL},
        {"GET", "/api/sessions/:id/:part", h_any, 0, NULL},
        {NULL, NULL, NULL, 0, NULL}};
    const sb_route_t *const table[] = {rows, NULL};
    const char *why = NULL;

    assert_true(sb_routes_check(table, *state, &why));
}

static void test_a_param_row_swallows_a_later_param_row(void **state)
{
    static const sb_route_t rows[] = {{"GET", "/api/:kind/:id", h_any, 0, NULL},
                                      {"GET", "/api/users/:id", h_any, 0, NULL},
                                      {NULL, NULL, NULL, 0, NULL}};
    static const sb_route_t reverse[] = {{"GET", "/api/users/:id", h_any, 0, NULL},
                                         {"GET", "/api/:kind/:id", h_any, 0, NULL},
                                         {NULL, NULL, NULL, 0, NULL}};
    const sb_route_t *const table[] = {rows, NULL}, *const ok[] = {reverse, NULL};
    const char *why = NULL;

    assert_false(sb_routes_check(table, *state, &why));
    assert_true(sb_routes_check(ok, *state, &why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_real_table_passes, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_param_row_before_literal_row_is_refused_naming_both,
                                        sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_within_one_group_too, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_orders_that_swallow_nothing_pass, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_a_param_row_swallows_a_later_param_row,
                                        sb_test_pool_setup, sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("api_routes", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
