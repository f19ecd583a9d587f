/*
 * Canary, expected to FAIL under ASan and valgrind: a read of pool memory after
 * apr_pool_clear. run-unit.sh runs it in the checker layers and passes only if the checker
 * reports the read (without the pool guard, sb_pool_guard.c, APR keeps the node and the read
 * returns the old bytes).
 */
#include <stdio.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

int main(void)
{
    apr_pool_t *p;
    volatile char *s;

    apr_initialize();
    apr_pool_create(&p, NULL);
    s = apr_psprintf(p, "cleared %d", 1);
    apr_pool_clear(p);
    printf("read after clear: %c (not caught)\n", s[0]);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
