/* The scheduled jobs of sessions (sb_session_jobs.h). */
#include "sb_session_jobs.h"

#include <string.h>

#include <apr_strings.h>
#include <json-c/json.h>

#include "sb_id.h"
#include "sb_mail_notice.h"
#include "sb_time.h"

#define SB_MIN_MS 60000LL

const char *sb_session_reminder_due(int64_t start, int64_t now)
{
    int64_t left = start - now;

    if (left <= 0 || left > 24 * 60 * SB_MIN_MS) {
        return NULL;
    }
    return left <= 15 * SB_MIN_MS ? "15min" : left <= 60 * SB_MIN_MS ? "1h" : "24h";
}

static const char *text(apr_pool_t *p, json_object *o)
{
    const char *s = apr_pstrdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

    json_object_put(o);
    return s;
}

/* The event payload: the session's id, state and time (and the reminder). */
static const char *payload(apr_pool_t *p, const sb_session_t *s, const char *status,
                           const char *reminder)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "sessionId", json_object_new_string(s->id));
    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_object_add(o, "skill", json_object_new_string(s->skill ? s->skill : ""));
    json_object_object_add(o, "scheduledTime",
                           json_object_new_string(sb_time_iso(p, s->scheduled_time)));
    json_object_object_add(o, "duration", json_object_new_int64(s->duration));
    if (reminder) {
        json_object_object_add(o, "reminder", json_object_new_string(reminder));
    }
    return text(p, o);
}

/* A notification for user about session s, with its notification:new payload. */
static void notice(apr_pool_t *p, sb_notification_new_t *n, const sb_session_t *s, const char *user,
                   const char *type, const char *title, const char *body, int64_t now)
{
    char *id = apr_palloc(p, SB_ID_LEN + 1);
    json_object *o = json_object_new_object(), *d = json_object_new_object();

    sb_id_new(id);
    memset(n, 0, sizeof *n);
    n->id = id;
    n->user_id = user;
    n->type = type;
    n->title = title;
    n->body = body;
    n->link = apr_pstrcat(p, "/sessions/", s->id, NULL);
    json_object_object_add(d, "sessionId", json_object_new_string(s->id));
    n->data = apr_pstrdup(p, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    n->subject_id = apr_pstrdup(p, s->id);
    json_object_object_add(o, "_id", json_object_new_string(id));
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "title", json_object_new_string(title));
    json_object_object_add(o, "body", json_object_new_string(body));
    json_object_object_add(o, "link", json_object_new_string(n->link));
    json_object_object_add(o, "data", d);
    json_object_object_add(o, "isRead", json_object_new_boolean(0));
    json_object_object_add(o, "createdAt", json_object_new_string(sb_time_iso(p, now)));
    n->event_data = text(p, o);
}

/* What a job's transition tells: the notification's title, and where to write. */
typedef struct {
    apr_pool_t *p;
    const char *title;
    int64_t now;
} sb_job_news_t;

/* The news of a job's transition (an sb_session_describe_fn), from the session as stored:
 * session:ended for both participants, a notification for the learner. */
static void job_news(void *ctx, const sb_session_t *s, sb_session_news_t *news)
{
    const sb_job_news_t *x = ctx;
    const char *data = payload(x->p, s, s->status, NULL);

    news->events[0] = (sb_outbox_event_t){s->teacher_id, "session:ended", data};
    news->events[1] = (sb_outbox_event_t){s->student_id, "session:ended", data};
    news->nevents = 2;
    notice(x->p, &news->notify, s, s->student_id, apr_pstrcat(x->p, "session_", s->status, NULL),
           x->title,
           apr_pstrcat(x->p, s->skill ? s->skill : "", " (", sb_time_iso(x->p, s->scheduled_time),
                       ")", NULL),
           x->now);
    news->notifies = 1;
}

/* A job's transition of s; *done = 1 when this call applied it. */
static sb_store_status_t transition(sb_store_conn_t *c, apr_pool_t *p, const sb_session_t *s,
                                    sb_session_action_t action, int64_t penalty, int64_t now,
                                    int *done, sb_store_error_t *err)
{
    static const char *const titles[] = {[SB_SESSION_EXPIRE] = "Session request expired",
                                         [SB_SESSION_MARK_NO_SHOW] = "Session missed",
                                         [SB_SESSION_ABANDON] = "Session closed"};
    sb_job_news_t x = {p, titles[action], now};
    sb_session_act_t a = {.id = s->id,
                          .action = action,
                          .penalty = penalty,
                          .describe = job_news,
                          .describe_ctx = &x};
    sb_store_status_t st;

    *done = 0;
    if (sb_session_transition(sb_session_status_parse(s->status), action) < 0) {
        return SB_STORE_OK; /* not from the status the job read; the step would refuse it */
    }
    st = sb_store_session_act(c, p, &a, now, NULL, err);
    if (st == SB_STORE_STALE || st == SB_STORE_REFUSED || st == SB_STORE_NOT_FOUND) {
        return SB_STORE_OK;
    }
    *done = st == SB_STORE_OK;
    return st;
}

/* When a reminder says the session starts. */
static const char *in_words(const char *which)
{
    return !strcmp(which, "24h")  ? "in 24 hours"
           : !strcmp(which, "1h") ? "in one hour"
                                  : "in 15 minutes";
}

/* The reminder mail to participant user_id (the other one is with_id), queued with the
 * reminder: 0 with *m filled, -1 when there is none to send (no mail settings, no address),
 * -2 when the template cannot be filled (counted in the report; the reminder goes anyway). */
static int reminder_mail(sb_store_conn_t *c, apr_pool_t *p, const sb_session_jobs_opts_t *o,
                         const sb_session_t *s, const char *user_id, const char *with_id,
                         const char *which, int64_t now, sb_store_mail_new_t *m)
{
    const char *from = o ? sb_mail_address(p, o->mail_from) : NULL, *why = NULL;
    sb_user_t *u = NULL, *w = NULL;
    sb_store_error_t e = {0};
    char id[SB_ID_LEN + 1];
    sb_mail_notice_t n;
    sb_mail_t mail;

    if (!from || !o->public_url || sb_store_user_by_id(c, p, user_id, &u, &e) != SB_STORE_OK || !u
        || !u->email) {
        return -1;
    }
    if (sb_store_user_by_id(c, p, with_id, &w, &e) != SB_STORE_OK) {
        w = NULL;
    }
    memset(&n, 0, sizeof n);
    n.templates = o->mail_templates;
    n.public_url = o->public_url;
    n.from = o->mail_from;
    n.to = u->email;
    n.first_name = u->first_name;
    n.subject =
        apr_pstrcat(p, "Upcoming session: ", s->skill ? s->skill : "", " ", in_words(which), NULL);
    n.body = apr_pstrcat(p, "Your ", s->skill ? s->skill : "", " session",
                         w ? apr_pstrcat(p, " with ", w->first_name, " ", w->last_name, NULL) : "",
                         " starts ", in_words(which), ", at ", sb_time_iso(p, s->scheduled_time),
                         " (", apr_psprintf(p, "%d", (int)s->duration), " minutes).", NULL);
    n.link = apr_pstrcat(p, o->public_url, "/sessions/", s->id, NULL);
    if (sb_mail_notice_build(p, &n, &mail, &why)) {
        return -2;
    }
    sb_id_new(id);
    memset(m, 0, sizeof *m);
    m->kind = SB_MAIL_KIND_NOTIFICATION;
    m->user_id = u->id;
    m->envelope_from = from;
    m->rcpt = u->email;
    m->message = sb_mail_render(p, &mail, apr_pstrcat(p, id, strchr(from, '@'), NULL), now);
    return 0;
}

static sb_store_status_t remind(sb_store_conn_t *c, apr_pool_t *p, const sb_session_jobs_opts_t *o,
                                const sb_session_t *s, const char *which, int64_t now, int *done,
                                int *mail_errors, sb_store_error_t *err)
{
    const char *data = payload(p, s, s->status, which);
    const char *body = apr_pstrcat(p, s->skill ? s->skill : "", " starts at ",
                                   sb_time_iso(p, s->scheduled_time), NULL);
    sb_outbox_event_t ev[2] = {{s->teacher_id, "session:reminder", data},
                               {s->student_id, "session:reminder", data}};
    sb_notification_new_t n[2];
    sb_store_mail_new_t mail[2];
    const char *const to[2][2] = {{s->teacher_id, s->student_id}, {s->student_id, s->teacher_id}};
    int nmail = 0, i, r;

    notice(p, &n[0], s, s->teacher_id, "session_reminder", "Upcoming session", body, now);
    notice(p, &n[1], s, s->student_id, "session_reminder", "Upcoming session", body, now);
    for (i = 0; i < 2; i++) {
        if (!(r = reminder_mail(c, p, o, s, to[i][0], to[i][1], which, now, &mail[nmail]))) {
            nmail++;
        }
        else if (r == -2) {
            (*mail_errors)++;
        }
    }
    return sb_store_session_reminder_mark(c, s->id, which, ev, 2, n, 2, mail, nmail, now, done,
                                          err);
}

sb_store_status_t sb_session_jobs_tick(sb_store_conn_t *c, apr_pool_t *p,
                                       const sb_session_jobs_opts_t *opts, int64_t now,
                                       sb_session_jobs_report_t *report, sb_store_error_t *err)
{
    int64_t penalty = opts ? opts->no_show_penalty : -1;
    int batch = opts && opts->batch > 0 ? opts->batch : 200;
    apr_array_header_t *due;
    sb_store_status_t st;
    apr_pool_t *sp;
    int i;

    memset(report, 0, sizeof *report);
    if ((st = sb_store_sessions_due(c, p, now, batch, &due, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&sp, p);
    for (i = 0; i < due->nelts && st == SB_STORE_OK; i++) {
        const sb_session_t *s = &APR_ARRAY_IDX(due, i, sb_session_t);
        const char *which = NULL;
        int done = 0, *counter = &report->skipped;

        apr_pool_clear(sp);
        if (strcmp(s->status, "pending") == 0 && s->scheduled_time <= now) {
            st = transition(c, sp, s, SB_SESSION_EXPIRE, 0, now, &done, err);
            counter = &report->expired;
        }
        else if (strcmp(s->status, "scheduled") == 0
                 && s->scheduled_time + SB_SESSION_NO_SHOW_MS <= now) {
            st = transition(c, sp, s, SB_SESSION_MARK_NO_SHOW, penalty, now, &done, err);
            counter = &report->no_show;
        }
        else if (strcmp(s->status, "in_progress") == 0) {
            st = transition(c, sp, s, SB_SESSION_ABANDON, 0, now, &done, err);
            counter = &report->abandoned;
        }
        else if (strcmp(s->status, "scheduled") == 0
                 && (which = sb_session_reminder_due(s->scheduled_time, now))) {
            st = remind(c, sp, opts, s, which, now, &done, &report->mail_errors, err);
            counter = &report->reminders;
        }
        if (done) {
            (*counter)++;
        }
        else {
            report->skipped++;
        }
    }
    apr_pool_destroy(sp);
    return st;
}
