/* The wire form of users: credits as hours with at most two decimals, views without secrets. */
#include "sb_test.h"

#include <stdio.h>
#include <string.h>
#include <apr_tables.h>

#include "sb_user_json.h"

static const char *credits(int64_t minutes)
{
    static char out[64];
    json_object *o = sb_credits_to_json(minutes);
    snprintf(out, sizeof out, "%s", json_object_to_json_string(o));
    json_object_put(o);
    return out;
}

static void test_credits_as_hours(void **state)
{
    assert_string_equal(credits(300), "5");
    assert_string_equal(credits(0), "0");
    assert_string_equal(credits(90), "1.5");
    assert_string_equal(credits(100), "1.67"); /* 1.666… rounds half up */
    assert_string_equal(credits(1), "0.02");
    assert_string_equal(credits(-45), "-0.75");
    assert_string_equal(credits(59), "0.98");
}

static void test_views(void **state)
{
    apr_pool_t *p = *state;
    sb_user_t u;
    json_object *self, *pub;
    const char *s;

    memset(&u, 0, sizeof u);
    strcpy(u.id, "0123456789abcdef01234567");
    u.username = "ada";
    u.email = "ada@example.org";
    u.password_hash = "$2y$12$secret";
    u.first_name = "Ada";
    u.last_name = "Lovelace";
    u.is_banned = 1;
    u.ban_reason = "spam";
    u.credits = 300;
    self = sb_user_to_json(p, &u, SB_VIEW_SELF);
    pub = sb_user_to_json(p, &u, SB_VIEW_PUBLIC);
    s = json_object_to_json_string_ext(self, JSON_C_TO_STRING_PLAIN);
    assert_null(strstr(s, "$2y$"));
    assert_non_null(strstr(s, "\"email\":\"ada@example.org\""));
    assert_non_null(strstr(s, "\"fullName\":\"Ada Lovelace\""));
    s = json_object_to_json_string_ext(pub, JSON_C_TO_STRING_PLAIN);
    assert_null(strstr(s, "email"));
    assert_null(strstr(s, "credits"));
    assert_null(strstr(s, "spam"));
    assert_null(strstr(s, "isBanned"));
    assert_null(strstr(s, "$2y$"));
    json_object_put(self);
    json_object_put(pub);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_credits_as_hours),
    cmocka_unit_test_setup_teardown(test_views, sb_test_pool_setup, sb_test_pool_teardown),
};

SB_TEST_MAIN("user_json", tests)
