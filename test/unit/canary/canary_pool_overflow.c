/*
 * Canary, expected to FAIL under ASan and valgrind: an 8-byte apr_palloc written at +16.
 * run-unit.sh runs it in the checker layers and passes only if the checker reports a heap
 * overflow (without the pool guard, sb_pool_guard.c, the write lands inside an APR node and
 * nothing is reported).
 */
#include <stdio.h>
#include <apr_general.h>
#include <apr_pools.h>

int main(void)
{
    apr_pool_t *p;
    volatile char *b;
    volatile size_t off = 16, size = 8; /* hidden from -Warray-bounds and UBSan's
                                         * object-size check: ASan must see it */

    apr_initialize();
    apr_pool_create(&p, NULL);
    b = apr_palloc(p, size);
    b[off] = 'x';
    printf("wrote past an 8-byte pool block: %c (not caught)\n", b[off]);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
