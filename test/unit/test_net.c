/* sb_net_budget_key: IPv4 as is, IPv4-mapped unwrapped, IPv6 grouped by /64. */
#include "sb_test.h"

#include <string.h>

#include "sb_net.h"

static void test_budget_key(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(sb_net_budget_key(p, "192.0.2.7"), "192.0.2.7");
    assert_string_equal(sb_net_budget_key(p, "::ffff:192.0.2.7"), "192.0.2.7");
    assert_string_equal(sb_net_budget_key(p, "2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
                        "2001:db8:1:2::/64");
    /* every address of one /64 is one key; the next /64 is another */
    assert_string_equal(sb_net_budget_key(p, "2001:db8:1:2::1"), "2001:db8:1:2::/64");
    assert_string_equal(sb_net_budget_key(p, "2001:db8:1:3::1"), "2001:db8:1:3::/64");
    assert_string_equal(sb_net_budget_key(p, "::1"), "::/64");
    assert_string_equal(sb_net_budget_key(p, NULL), "-");
    assert_string_equal(sb_net_budget_key(p, ""), "-");
    assert_string_equal(sb_net_budget_key(p, "not:an:address::x"), "not:an:address::x");
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {T(test_budget_key)};

SB_TEST_MAIN("net", tests)
