/*
 * Canary, expected to CRASH: a fuzz target with a heap overflow behind a 3-byte prefix that
 * its seed holds. run.sh runs it like a target and passes only if libFuzzer reports the crash
 * (so a crashing target cannot pass the fuzz layer).
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 3 && memcmp(data, "SB!", 3) == 0) {
        volatile char *b = malloc(size);
        volatile size_t off = size;
        b[off] = 1; /* one past the end */
        free((void *)b);
    }
    return 0;
}
