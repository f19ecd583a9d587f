/* When the daemon's loop gathers I/O (sbrt_collect.c): only at SBRT_COLLECT_BUSY received
 * packets a second or more, so a lightly loaded daemon adds no sleep to a message's way. */
#include "sb_test.h"

#include "sbrt.h"

static void test_busy(void **state)
{
    (void)state;
    /* a window of 10 ms: 20 packets is 2,000 a second */
    assert_true(sbrt_collect_busy(20, 0.01));
    assert_true(sbrt_collect_busy(800, 0.01)); /* echo load: 80,000 a second */
    assert_false(sbrt_collect_busy(19, 0.01));
    assert_false(sbrt_collect_busy(10, 0.01)); /* deliveries at 500/s: sends and pings */
    assert_false(sbrt_collect_busy(0, 0.01));
    /* a long quiet window (the loop slept in epoll) is judged by its rate too */
    assert_false(sbrt_collect_busy(100, 1.0));
    assert_true(sbrt_collect_busy(2000, 1.0));
    assert_false(sbrt_collect_busy(5, 0.0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busy),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("sbrt_collect", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
