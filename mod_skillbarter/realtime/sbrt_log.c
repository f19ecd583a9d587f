/* The daemon's log: its own file (--log), one line per event, flushed at once, from either
 * thread. */
#include "sbrt.h"

#include <stdarg.h>
#include <time.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void sbrt_log(sbrt_server_t *srv, sbrt_level_t level, const char *fmt, ...)
{
    char when[32];
    struct tm tm;
    time_t t = time(NULL);
    va_list ap;

    if (level > srv->log_level || !srv->log) {
        return;
    }
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* the store worker logs too: one line at a time */
    flockfile(srv->log);
    fprintf(srv->log, "[%s] [%s] ", when, level_names[level]);
    va_start(ap, fmt);
    vfprintf(srv->log, fmt, ap);
    va_end(ap);
    fputc('\n', srv->log);
    fflush(srv->log);
    funlockfile(srv->log);
}
