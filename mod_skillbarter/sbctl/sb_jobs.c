/* The jobs runner of `sbctl jobs` (sb_jobs.h). */
#include "sb_jobs.h"

#include <errno.h>
#include <stdlib.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_smtp.h"
#include "sb_time.h"

/* The registered jobs, run in this order (at most SB_JOBS_MAX). */
#define SB_JOBS_MAX 16
static const sb_job_t *const jobs[] = {&sb_job_mail, &sb_job_sessions, NULL};

static volatile int stop_flag;

static void on_signal(int sig)
{
    stop_flag = sig;
}

void sb_jobs_log(sb_jobs_ctx_t *x, const char *level, const char *fmt, ...)
{
    char when[64];
    time_t t = time(NULL);
    struct tm tm;
    va_list ap;

    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(x->log, "[%s] [%s] [pid %ld] ", when, level, (long)getpid());
    va_start(ap, fmt);
    vfprintf(x->log, fmt, ap);
    va_end(ap);
    fputc('\n', x->log);
    fflush(x->log);
}

int sb_jobs_renew(sb_jobs_ctx_t *x, const char *name, apr_pool_t *p)
{
    sb_store_conn_t *c;
    sb_store_error_t e = {0};
    int held = 0;

    if (sb_store_acquire(x->store, p, &c, &e) != SB_STORE_OK
        || sb_store_job_lease_renew(c, name, x->holder, x->lease_ttl_ms, sb_now_ms(), &held, &e)
               != SB_STORE_OK) {
        sb_jobs_log(x, "error", "%s: renewing the lease failed: %s", name, e.message);
        return 0;
    }
    return held;
}

/*
 * When holder names a runner on this host ("host:pid:id") whose process is gone, take the
 * lease over from it at once instead of waiting for its expiry. 1 when taken.
 */
static int take_from_dead(sb_jobs_ctx_t *x, sb_store_conn_t *c, apr_pool_t *p, const char *name,
                          const char *host, int64_t now)
{
    const char *holder = NULL, *colon;
    sb_store_error_t e = {0};
    int64_t expires = 0;
    long pid;
    int held = 0;

    if (sb_store_job_lease_get(c, p, name, &holder, &expires, &e) != SB_STORE_OK || !holder
        || expires <= now) {
        return 0;
    }
    colon = strchr(holder, ':');
    if (!colon || strncmp(holder, host, (apr_size_t)(colon - holder))
        || strlen(host) != (apr_size_t)(colon - holder)) {
        return 0;
    }
    pid = strtol(colon + 1, NULL, 10);
    if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
        return 0;
    }
    if (sb_store_job_lease_takeover(c, name, x->holder, holder, x->lease_ttl_ms, now, &held, &e)
        != SB_STORE_OK) {
        sb_jobs_log(x, "error", "%s: taking the lease over: %s", name, e.message);
        return 0;
    }
    if (held) {
        sb_jobs_log(x, "warn", "%s: took the lease over from %s (its process is gone)", name,
                    holder);
    }
    return held;
}

/* Sleep ms unless a signal comes. */
static void nap(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (!stop_flag && nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

int sb_jobs_run(apr_pool_t *p, const char *store_uri, const sb_settings_t *st, const char *log_path,
                int once, int64_t interval_ms)
{
    sb_store_options_t opts = {.pool_min = 0, .pool_max = 4, .busy_timeout_ms = 10000, .lazy = 1};
    sb_jobs_ctx_t x = {0};
    sb_store_error_t e = {0};
    char id[SB_ID_LEN + 1], host[128] = "host";
    int njobs = 0, i;
    int held[SB_JOBS_MAX] = {0}, off[SB_JOBS_MAX] = {0};
    void *state[SB_JOBS_MAX] = {0};
    int64_t next[SB_JOBS_MAX] = {0};
    apr_pool_t *tick;
    struct sigaction sa;

    for (njobs = 0; jobs[njobs] && njobs < SB_JOBS_MAX; njobs++) {
    }
    x.log = stderr;
    if (log_path && !(x.log = fopen(log_path, "a"))) {
        fprintf(stderr, "sbctl jobs: cannot open %s: %s\n", log_path, strerror(errno));
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sb_smtp_global_init();
    gethostname(host, sizeof host - 1);
    sb_id_new(id);
    x.holder = apr_psprintf(p, "%s:%ld:%s", host, (long)getpid(), id);
    x.settings = st;
    x.stop = &stop_flag;
    /* a lease outlives the longest SMTP transaction plus a pass */
    x.lease_ttl_ms = (st->smtp_timeout + st->smtp_connect_timeout) * 2000 + 30000;
    if (sb_store_open(p, store_uri, &opts, &x.store, &e) != SB_STORE_OK) {
        sb_jobs_log(&x, "error", "store %s: %s", store_uri, e.message);
        return 1;
    }
    sb_jobs_log(&x, "notice", "jobs runner %s started", x.holder);
    apr_pool_create(&tick, p);
    while (!stop_flag) {
        int64_t now = sb_now_ms(), wake = now + (interval_ms > 0 ? interval_ms : 1000);
        for (i = 0; i < njobs && !stop_flag; i++) {
            const sb_job_t *j = jobs[i];
            sb_store_conn_t *c;
            int fresh = 0, was = held[i];
            if (off[i] || (next[i] > now && !once)) {
                continue;
            }
            e.message[0] = '\0';
            held[i] = 0;
            if (sb_store_acquire(x.store, tick, &c, &e) != SB_STORE_OK
                || sb_store_job_lease_acquire(c, j->name, x.holder, x.lease_ttl_ms, now, &held[i],
                                              &fresh, &e)
                       != SB_STORE_OK) {
                sb_jobs_log(&x, "error", "%s: store: %s", j->name, e.message);
            }
            else if (!held[i] && take_from_dead(&x, c, tick, j->name, host, now)) {
                held[i] = fresh = 1;
            }
            apr_pool_clear(tick);
            if (was && !held[i]) {
                sb_jobs_log(&x, "warn", "%s: lease lost", j->name);
            }
            if (held[i] && fresh) {
                x.job_state = NULL;
                sb_jobs_log(&x, "notice", "%s: lease taken", j->name);
                if (j->start(&x, tick)) {
                    /* off in this configuration: let the lease go for a runner that has it on */
                    off[i] = 1;
                    held[i] = 0;
                    if (sb_store_acquire(x.store, tick, &c, &e) == SB_STORE_OK) {
                        sb_store_job_lease_release(c, j->name, x.holder, &e);
                    }
                    apr_pool_clear(tick);
                    continue;
                }
                state[i] = x.job_state;
                apr_pool_clear(tick);
            }
            if (held[i]) {
                x.job_state = state[i];
                j->tick(&x, tick);
                apr_pool_clear(tick);
            }
            next[i] = sb_now_ms() + (interval_ms > 0 ? interval_ms : j->interval_ms);
            if (next[i] < wake) {
                wake = next[i];
            }
        }
        if (once) {
            break;
        }
        now = sb_now_ms();
        if (wake > now) {
            nap(wake - now);
        }
    }
    for (i = 0; i < njobs; i++) {
        sb_store_conn_t *c;
        if (held[i] && sb_store_acquire(x.store, tick, &c, &e) == SB_STORE_OK) {
            sb_store_job_lease_release(c, jobs[i]->name, x.holder, &e);
        }
    }
    sb_jobs_log(&x, "notice", "jobs runner %s stopped", x.holder);
    if (x.log != stderr) {
        fclose(x.log);
    }
    return 0;
}
