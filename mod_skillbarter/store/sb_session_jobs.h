/*
 * The scheduled jobs of sessions, as one library call the job runner (sbctl jobs, the
 * real-time daemon) makes on every tick: expiry of requests whose start passed, no-show of
 * scheduled sessions nobody started within 15 minutes, abandonment of sessions left
 * in_progress past duration + 15 minutes, and the 24 h / 1 h / 15 min reminders.
 *
 * Every step is a compare-and-set in the store (session_act, session_reminder_mark), so two
 * processes ticking at once can never apply anything twice: the loser of a race sees STALE
 * (or an already recorded reminder) and counts it as skipped. A runner's lease only saves
 * work. A reminder is an outbox event, a notification and a mail (the "notification" template,
 * queued in the store's mail queue as kind notification, so not for a participant whose
 * emailNotifications is off) for each participant, all in the step that records it.
 */
#ifndef SB_SESSION_JOBS_H
#define SB_SESSION_JOBS_H

#include "store.h"

typedef struct {
    int64_t no_show_penalty; /* minutes charged to a learner who alone stayed away;
                                -1 = the whole hold (the default), 0 = none */
    int batch;               /* sessions looked at per tick (default 200) */
    /* reminder mail; no mail when mail_from or public_url is NULL */
    const char *mail_from;      /* SkillBarterMailFrom: "Name <address>" */
    const char *public_url;     /* SkillBarterPublicURL: the base of the session's link */
    const char *mail_templates; /* SkillBarterMailTemplates, NULL: the built-in copies */
} sb_session_jobs_opts_t;

typedef struct {
    int expired;
    int no_show;
    int abandoned;
    int reminders;
    int skipped;     /* done meanwhile by another runner, or not due */
    int mail_errors; /* reminder mails the template could not be filled for */
} sb_session_jobs_report_t;

/* The reminder due at now for a session starting at start ("15min", "1h", "24h"), or NULL when
 * none is (start passed or more than 24 h away). */
const char *sb_session_reminder_due(int64_t start, int64_t now);

/* One tick at now. OK, or the first store failure other than a lost race (the rest of the
 * tick is then not run; the next tick picks it up). opts may be NULL. */
sb_store_status_t sb_session_jobs_tick(sb_store_conn_t *c, apr_pool_t *p,
                                       const sb_session_jobs_opts_t *opts, int64_t now,
                                       sb_session_jobs_report_t *report, sb_store_error_t *err);

#endif
