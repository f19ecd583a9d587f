/*
 * Canary, expected to FAIL in every layer: a case that crashes after its RUN line and never
 * reports. run-unit.sh must count that case as failed (and the binary's exit), not lose it.
 */
#include "sb_test.h"

#include <signal.h>

static void fine(void **state)
{
    (void)state;
}

static void crashes(void **state)
{
    (void)state;
    signal(SIGSEGV, SIG_DFL); /* no handler of cmocka's between the crash and the runner */
    raise(SIGSEGV);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(fine),
    cmocka_unit_test(crashes),
};

SB_TEST_MAIN("canary_harness_crash", tests)
