/*
 * The mail delivery job: sends what account mail and notifications (session reminders) queued
 * in the store, one message at a time, under the "mail" lease. Under the spool transport
 * (SkillBarterMailSpool in the settings file) it writes each message into the spool instead,
 * where account mail goes directly.
 *
 * Per message: claim (claimed) -> SMTP -> the server answers DATA with 354 (sending) -> sent,
 * or queued again with a doubling backoff on a temporary failure until SkillBarterMailRetry's
 * time is spent, or failed on a permanent one. A runner that crashes leaves claimed rows
 * (nothing left the host: queued again) or sending rows (they may have been delivered: failed,
 * never sent twice) for the next holder's start hook, mail_recover.
 *
 * SKILLBARTER_JOBS_FAULT=exit-after-send (tests only) makes the runner exit right after the
 * server accepted a message and before it is recorded, as a crash there would.
 */
#include "sb_jobs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "sb_mail.h"
#include "sb_smtp.h"
#include "sb_time.h"

#define SB_MAIL_LEASE          "mail"
#define SB_MAIL_BACKOFF_MAX_MS (3600 * 1000)
#define SB_MAIL_PER_TICK       100

typedef struct {
    sb_smtp_config_t smtp;
    const char *spool; /* the spool transport: queued mail is written here instead */
} mail_job_t;

typedef struct {
    sb_jobs_ctx_t *x;
    sb_store_conn_t *c;
    const char *id;
    int marked;
} data_mark_t;

/* The password file's first line. NULL with *why on failure. */
static const char *read_password(apr_pool_t *p, const char *path, const char **why)
{
    apr_file_t *f;
    char buf[1024];
    apr_size_t n = sizeof buf - 1;
    apr_status_t rv;

    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p)) != APR_SUCCESS) {
        *why = apr_psprintf(p, "cannot read %s", path);
        return NULL;
    }
    rv = apr_file_read(f, buf, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        *why = apr_psprintf(p, "cannot read %s", path);
        return NULL;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return apr_pstrdup(p, buf);
}

static int mail_start(sb_jobs_ctx_t *x, apr_pool_t *p)
{
    const sb_settings_t *st = x->settings;
    static mail_job_t job; /* one runner per process */
    sb_store_conn_t *c;
    sb_store_error_t e = {0};
    const char *why = NULL;
    static apr_pool_t *keep;
    int requeued = 0, failed = 0;

    int spool = st->mail_transport && !strcmp(st->mail_transport, "spool") && st->mail_spool;

    if (!spool && (!st->mail_transport || strcmp(st->mail_transport, "smtp") || !st->smtp_host)) {
        sb_jobs_log(x, "notice", "mail: no SMTP server and no spool: job off");
        return 1;
    }
    if (!keep) {
        apr_pool_create(&keep, NULL);
    }
    memset(&job, 0, sizeof job);
    if (spool) { /* what the store queued (reminders) goes into the spool */
        job.spool = apr_pstrdup(keep, st->mail_spool);
    }
    job.smtp.host = apr_pstrdup(keep, st->smtp_host);
    job.smtp.port = (int)st->smtp_port;
    job.smtp.tls = st->smtp_tls;
    job.smtp.helo = st->smtp_helo;
    job.smtp.user = st->smtp_user;
    job.smtp.connect_timeout_ms = (long)st->smtp_connect_timeout * 1000;
    job.smtp.timeout_ms = (long)st->smtp_timeout * 1000;
    if (st->smtp_user && st->smtp_password_file
        && !(job.smtp.password = read_password(keep, st->smtp_password_file, &why))) {
        sb_jobs_log(x, "error", "mail: %s: job off", why);
        return 1;
    }
    if (sb_store_acquire(x->store, p, &c, &e) != SB_STORE_OK
        || sb_store_mail_recover(c, sb_now_ms(), &requeued, &failed, &e) != SB_STORE_OK) {
        sb_jobs_log(x, "error", "mail: recovery failed: %s", e.message);
        return 1;
    }
    if (requeued || failed) {
        sb_jobs_log(x, "warn",
                    "mail: recovered %d claimed message(s) to the queue, %d "
                    "interrupted while sending to failed (not sent twice)",
                    requeued, failed);
    }
    x->job_state = &job;
    return 0;
}

/* sb_smtp_data_fn: the server took DATA; from here on the message may be delivered. */
static void mark_data(void *ctx)
{
    data_mark_t *d = ctx;
    sb_store_error_t e = {0};

    if (sb_store_mail_mark_sending(d->c, d->id, d->x->holder, sb_now_ms(), &e) != SB_STORE_OK) {
        sb_jobs_log(d->x, "error", "mail %s: recording the send failed: %s", d->id, e.message);
    }
    d->marked = 1;
}

/* Delay before the attempt after `attempts` tries: backoff doubled, at most an hour. */
static int64_t backoff_ms(const sb_settings_t *st, int attempts)
{
    int64_t d = st->mail_backoff * 1000;
    int i;

    for (i = 1; i < attempts && d < SB_MAIL_BACKOFF_MAX_MS; i++) {
        d *= 2;
    }
    return d < SB_MAIL_BACKOFF_MAX_MS ? d : SB_MAIL_BACKOFF_MAX_MS;
}

static void mail_tick(sb_jobs_ctx_t *x, apr_pool_t *p)
{
    mail_job_t *job = x->job_state;
    const sb_settings_t *st = x->settings;
    const char *fault = getenv("SKILLBARTER_JOBS_FAULT");
    int n;

    for (n = 0; n < SB_MAIL_PER_TICK && !*x->stop; n++) {
        apr_pool_t *mp;
        sb_store_conn_t *c;
        sb_store_error_t e = {0};
        sb_store_mail_t *m = NULL;
        data_mark_t d = {x, NULL, NULL, 0};
        const char *why = NULL;
        sb_smtp_result_t r;
        sb_store_status_t s;
        int64_t now;

        apr_pool_create(&mp, p);
        if (n && !sb_jobs_renew(x, SB_MAIL_LEASE, mp)) {
            apr_pool_destroy(mp);
            return;
        }
        if (sb_store_acquire(x->store, mp, &c, &e) != SB_STORE_OK) {
            sb_jobs_log(x, "error", "mail: store: %s", e.message);
            apr_pool_destroy(mp);
            return;
        }
        s = sb_store_mail_claim(c, mp, x->holder, sb_now_ms(), &m, &e);
        if (s != SB_STORE_OK) {
            if (s != SB_STORE_NOT_FOUND) {
                sb_jobs_log(x, "error", "mail: claim: %s", e.message);
            }
            apr_pool_destroy(mp);
            return;
        }
        d.c = c;
        d.id = m->id;
        if (job->spool) {
            r = sb_mail_spool_write(mp, job->spool, m->message, &why) ? SB_SMTP_TEMPFAIL
                                                                      : SB_SMTP_SENT;
        }
        else {
            r = sb_smtp_send(mp, &job->smtp, m->envelope_from, m->rcpt, m->message, mark_data, &d,
                             &why);
        }
        if (r == SB_SMTP_SENT && fault && !strcmp(fault, "exit-after-send")) {
            sb_jobs_log(x, "notice",
                        "mail %s: accepted; exiting before recording it (fault "
                        "injection)",
                        m->id);
            _exit(70);
        }
        now = sb_now_ms();
        if (r == SB_SMTP_SENT) {
            s = sb_store_mail_mark_sent(c, m->id, x->holder, now, &e);
            sb_jobs_log(x, "info", "mail %s to %s: sent (attempt %d)", m->id, m->rcpt, m->attempts);
        }
        else if (r == SB_SMTP_PERMFAIL) {
            s = sb_store_mail_mark_failed(c, m->id, x->holder, why, now, &e);
            sb_jobs_log(x, "warn", "mail %s to %s: failed for good: %s", m->id, m->rcpt, why);
        }
        else if (now + backoff_ms(st, m->attempts) > m->created_at + st->mail_retry_for * 1000) {
            const char *last = apr_psprintf(mp, "gave up after %d attempts: %s", m->attempts, why);
            s = sb_store_mail_mark_failed(c, m->id, x->holder, last, now, &e);
            sb_jobs_log(x, "warn", "mail %s to %s: %s", m->id, m->rcpt, last);
        }
        else {
            int64_t at = now + backoff_ms(st, m->attempts);
            s = sb_store_mail_mark_retry(c, m->id, x->holder, at, why, now, &e);
            sb_jobs_log(x, "info",
                        "mail %s to %s: temporary failure, retry in %" APR_INT64_T_FMT " s: %s",
                        m->id, m->rcpt, (at - now) / 1000, why);
        }
        if (s != SB_STORE_OK) {
            sb_jobs_log(x, "error", "mail %s: recording the outcome failed: %s", m->id, e.message);
        }
        apr_pool_destroy(mp);
    }
}

const sb_job_t sb_job_mail = {SB_MAIL_LEASE, 1000, mail_start, mail_tick};
