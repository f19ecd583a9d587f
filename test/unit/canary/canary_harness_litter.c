/*
 * Canary, expected to FAIL in every layer: a binary whose cases all pass but that leaves a
 * file in its TMPDIR. run-unit.sh must fail it (a test run leaves nothing behind).
 */
#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>

static void litters(void **state)
{
    char path[512];
    FILE *f;

    (void)state;
    snprintf(path, sizeof(path), "%s/left-behind", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(litters),
};

SB_TEST_MAIN("canary_harness_litter", tests)
