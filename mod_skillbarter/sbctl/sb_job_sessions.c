/*
 * The session job of `sbctl jobs`: a tick of the scheduled session work (expiry, no-show,
 * abandonment, reminders with their mail; store/sb_session_jobs.h) every few seconds under its
 * lease. Every
 * step of a tick is a compare-and-set in the store, so the lease only saves work: a second
 * runner, or the real-time daemon ticking too, can never apply a step twice.
 */
#include "sb_jobs.h"

#include "sb_session_jobs.h"
#include "sb_time.h"

#define SB_SESSIONS_LEASE "sessions"

static int sessions_start(sb_jobs_ctx_t *x, apr_pool_t *p)
{
    return 0; /* nothing half done to recover: each step either applied or did not */
}

static void sessions_tick(sb_jobs_ctx_t *x, apr_pool_t *p)
{
    const sb_settings_t *st = x->settings;
    sb_session_jobs_opts_t o = {st->no_show_penalty, 0, st->mail_from, st->public_url,
                                st->mail_templates};
    sb_session_jobs_report_t r;
    sb_store_error_t e = {0};
    sb_store_conn_t *c;

    if (sb_store_acquire(x->store, p, &c, &e) != SB_STORE_OK) {
        sb_jobs_log(x, "error", "sessions: store: %s", e.message);
        return;
    }
    if (sb_session_jobs_tick(c, p, &o, sb_now_ms(), &r, &e) != SB_STORE_OK) {
        sb_jobs_log(x, "error", "sessions: tick stopped: %s", e.message);
    }
    if (r.mail_errors) {
        sb_jobs_log(x, "warn", "sessions: %d reminder mail(s) not made (the notification template)",
                    r.mail_errors);
    }
    if (r.expired || r.no_show || r.abandoned || r.reminders) {
        sb_jobs_log(x, "info", "sessions: expired %d, no_show %d, abandoned %d, reminders %d",
                    r.expired, r.no_show, r.abandoned, r.reminders);
    }
}

const sb_job_t sb_job_sessions = {SB_SESSIONS_LEASE, 5000, sessions_start, sessions_tick};
