/* The stage histograms of --stats (sbrt_stats.c): percentiles within a bucket's width (1/8)
 * above the true value, never above the largest sample, and a dump starts afresh. */
#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <json-c/json.h>

#include "sbrt_stats.h"

/* The dump file, in the test's TMPDIR (the runner checks that nothing is left there). */
static char path[256];

static int64_t field(json_object *st, const char *stage, const char *key)
{
    json_object *s, *v;

    assert_true(json_object_object_get_ex(st, stage, &s));
    assert_true(json_object_object_get_ex(s, key, &v));
    return json_object_get_int64(v);
}

static json_object *dump(void)
{
    json_object *o;

    assert_int_equal(sbrt_stats_dump(), 0);
    o = json_object_from_file(path);
    assert_non_null(o);
    return o;
}

static void test_percentiles(void **state)
{
    json_object *st;
    int64_t v;

    (void)state;
    sbrt_stats_enable(path);
    for (v = 1; v <= 10000; v++) {
        sbrt_stats_add(SBRT_STAGE_STORE, v);
    }
    sbrt_stats_add(SBRT_STAGE_QUEUE, 3);
    sbrt_stats_add(SBRT_STAGE_QUEUE, -1); /* a clock step back: not a sample */
    st = dump();
    assert_int_equal(field(st, "store", "n"), 10000);
    assert_true(field(st, "store", "p50") >= 5000 && field(st, "store", "p50") <= 5000 * 9 / 8);
    assert_true(field(st, "store", "p90") >= 9000 && field(st, "store", "p90") <= 9000 * 9 / 8);
    assert_true(field(st, "store", "p99") >= 9900 && field(st, "store", "p99") <= 10000);
    assert_int_equal(field(st, "store", "max"), 10000);
    /* small values are exact */
    assert_int_equal(field(st, "queue", "n"), 1);
    assert_int_equal(field(st, "queue", "p50"), 3);
    assert_int_equal(field(st, "queue", "p99"), 3);
    assert_int_equal(field(st, "total", "n"), 0);
    json_object_put(st);
    /* the next dump has only what came since */
    sbrt_stats_add(SBRT_STAGE_TOTAL, 123456789);
    st = dump();
    assert_int_equal(field(st, "store", "n"), 0);
    assert_int_equal(field(st, "store", "max"), 0);
    assert_int_equal(field(st, "total", "n"), 1);
    assert_int_equal(field(st, "total", "p99"), 123456789);
    json_object_put(st);
}

/* Before --stats names a file nothing is kept and nothing written. */
static void test_disabled_keeps_nothing(void **state)
{
    (void)state;
    sbrt_stats_add(SBRT_STAGE_STORE, 5);
    assert_int_equal(sbrt_stats_dump(), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disabled_keeps_nothing),
        cmocka_unit_test(test_percentiles),
    };
    int fd, rc;

    snprintf(path, sizeof path, "%s/sb-test-stats-XXXXXX", sb_test_tmpdir());
    if ((fd = mkstemp(path)) < 0) {
        perror(path);
        return 1;
    }
    close(fd);
    rc = cmocka_run_group_tests_name("sbrt_stats", tests, NULL, NULL);
    unlink(path);
    return rc;
}
