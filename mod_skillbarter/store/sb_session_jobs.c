/* The scheduled jobs of sessions (sb_session_jobs.h). */
#include "sb_session_jobs.h"

#include <string.h>

#include <apr_strings.h>
#include <json-c/json.h>

#include "sb_id.h"
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

/* A job's transition of s; *done = 1 when this call applied it. */
static sb_store_status_t transition(sb_store_conn_t *c, apr_pool_t *p, const sb_session_t *s,
                                    sb_session_action_t action, int64_t penalty, int64_t now,
                                    int *done, sb_store_error_t *err)
{
    static const char *const titles[] = {[SB_SESSION_EXPIRE] = "Session request expired",
                                         [SB_SESSION_MARK_NO_SHOW] = "Session missed",
                                         [SB_SESSION_ABANDON] = "Session closed"};
    const char *to =
        sb_session_status_name(sb_session_transition(sb_session_status_parse(s->status), action));
    sb_session_act_t a = {s->id, NULL, action, 0, NULL, penalty};
    sb_outbox_event_t ev[2];
    sb_notification_new_t n;
    const char *data;
    sb_store_status_t st;

    *done = 0;
    if (!to) {
        return SB_STORE_OK;
    }
    data = payload(p, s, to, NULL);
    ev[0] = (sb_outbox_event_t){s->teacher_id, "session:ended", data};
    ev[1] = (sb_outbox_event_t){s->student_id, "session:ended", data};
    notice(p, &n, s, s->student_id, apr_pstrcat(p, "session_", to, NULL), titles[action],
           apr_pstrcat(p, s->skill ? s->skill : "", " (", sb_time_iso(p, s->scheduled_time), ")",
                       NULL),
           now);
    st = sb_store_session_act(c, p, &a, ev, 2, &n, now, NULL, err);
    if (st == SB_STORE_STALE || st == SB_STORE_REFUSED || st == SB_STORE_NOT_FOUND) {
        return SB_STORE_OK;
    }
    *done = st == SB_STORE_OK;
    return st;
}

static sb_store_status_t remind(sb_store_conn_t *c, apr_pool_t *p, const sb_session_t *s,
                                const char *which, int64_t now, int *done, sb_store_error_t *err)
{
    const char *data = payload(p, s, s->status, which);
    const char *body = apr_pstrcat(p, s->skill ? s->skill : "", " starts at ",
                                   sb_time_iso(p, s->scheduled_time), NULL);
    sb_outbox_event_t ev[2] = {{s->teacher_id, "session:reminder", data},
                               {s->student_id, "session:reminder", data}};
    sb_notification_new_t n[2];

    notice(p, &n[0], s, s->teacher_id, "session_reminder", "Upcoming session", body, now);
    notice(p, &n[1], s, s->student_id, "session_reminder", "Upcoming session", body, now);
    return sb_store_session_reminder_mark(c, s->id, which, ev, 2, n, 2, now, done, err);
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
            st = remind(c, sp, s, which, now, &done, err);
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
