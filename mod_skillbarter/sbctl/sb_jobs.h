/*
 * The background jobs runner (`sbctl jobs`): a loop that runs every registered job under
 * its store lease (store_jobs.h), so one runner acts on a job at a time however many run.
 * A job is a row of the table in sb_jobs.c: its name (the lease's), how often it runs, a
 * start hook run when the runner takes the lease afresh (recover what a previous holder left
 * half done) and a tick. Mail delivery is the first job; scheduled session jobs (reminders,
 * expiry) add their rows. The runner logs to its own file, never to httpd's error log.
 */
#ifndef SB_JOBS_H
#define SB_JOBS_H

#include <stdio.h>
#include <apr_pools.h>

#include "sb_settings.h"
#include "store.h"

typedef struct sb_jobs_ctx sb_jobs_ctx_t;

struct sb_jobs_ctx {
    sb_store_t *store;
    const sb_settings_t *settings;
    const char *holder; /* this runner's lease holder id */
    FILE *log;
    int64_t lease_ttl_ms;
    volatile int *stop; /* set by SIGTERM/SIGINT */
    void *job_state;    /* the running job's own state (from its start hook) */
};

typedef struct {
    const char *name;
    int64_t interval_ms;
    /* 0 to run; non-zero: the job is off in this configuration (logged once) */
    int (*start)(sb_jobs_ctx_t *x, apr_pool_t *p);
    /* one pass; p is cleared after it */
    void (*tick)(sb_jobs_ctx_t *x, apr_pool_t *p);
} sb_job_t;

/* Log a line "[time] [level] [pid] job: message" to x->log. */
void sb_jobs_log(sb_jobs_ctx_t *x, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Renew the job's lease mid-tick; 0 when it was lost (stop acting). */
int sb_jobs_renew(sb_jobs_ctx_t *x, const char *name, apr_pool_t *p);

/* The mail delivery job (sb_job_mail.c) and the scheduled session work (sb_job_sessions.c). */
extern const sb_job_t sb_job_mail;
extern const sb_job_t sb_job_sessions;

/* Run the loop until a signal (or after one pass of each job when once). Exit status. */
int sb_jobs_run(apr_pool_t *p, const char *store_uri, const sb_settings_t *st, const char *log_path,
                int once, int64_t interval_ms);

#endif
