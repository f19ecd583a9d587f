/*
 * sb_store_fail, the one helper every driver calls, in a file of its own: the MongoDB driver's
 * shared object links it without pulling in store.c (and with it the SQLite driver).
 */
#include "driver.h"

#include <stdarg.h>
#include <stdio.h>

sb_store_status_t sb_store_fail(sb_store_error_t *err, sb_store_status_t status, const char *field,
                                const char *fmt, ...)
{
    va_list ap;

    if (err) {
        err->status = status;
        err->field = field;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return status;
}
