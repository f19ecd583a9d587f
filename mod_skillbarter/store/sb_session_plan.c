/*
 * The transition planner of sessions (sb_session_plan.h): core's rules decide which
 * transition is legal and how much is paid; the planner applies them to the session read and
 * lists the keyed moves the driver's step writes.
 */
#include "sb_session_plan.h"

#include "driver.h"

#include <string.h>

#include <apr_strings.h>

#define SB_DAY_MS         (24LL * 3600 * 1000)
#define SB_SESSION_MIN_MS 60000LL

/* *m becomes the move of amount minutes for user_id keyed "<session>:<what>" (related: the
 * other participant), totals and note cleared; returns m. */
static sb_session_move_t *sb_session_move_set(sb_session_move_t *m, apr_pool_t *p,
                                              const char *session_id, const char *what,
                                              const char *user_id, const char *type, int64_t amount,
                                              const char *related_user, const char *description,
                                              const char *category)
{
    memset(m, 0, sizeof(*m));
    m->key = apr_pstrcat(p, session_id, ":", what, NULL);
    m->user_id = user_id;
    m->type = type;
    m->amount = amount;
    m->related_user = related_user;
    m->description = description;
    m->category = category;
    return m;
}

/* The same as the plan's next move. */
#define SB_PLAN_MOVE(plan, ...) sb_session_move_set(&(plan)->m[(plan)->n++], __VA_ARGS__)

void sb_session_plan_hold(apr_pool_t *p, const sb_session_new_t *s, sb_session_move_t *m)
{
    sb_session_move_set(m, p, s->id, "hold", s->student_id, "spent", -s->duration, s->teacher_id,
                        apr_pstrcat(p, "Credits held for session: ", s->skill, NULL), "learning");
}

/* The hold back to the learner in full, less a penalty (minutes, -1 = all, capped). */
static void sb_session_plan_release(apr_pool_t *p, sb_session_t *n, int64_t penalty,
                                    const char *why, sb_session_plan_t *plan)
{
    if (n->escrow > 0) {
        SB_PLAN_MOVE(plan, p, n->id, "release", n->student_id, "refund", n->escrow, n->teacher_id,
                     apr_pstrcat(p, "Hold released (", why, "): ", n->skill, NULL), "refund");
    }
    if (penalty < 0 || penalty > n->escrow) {
        penalty = n->escrow;
    }
    if (penalty > 0) {
        SB_PLAN_MOVE(plan, p, n->id, "penalty", n->student_id, "penalty", -penalty, n->teacher_id,
                     apr_pstrcat(p, "Penalty (", why, "): ", n->skill, NULL), "learning");
    }
    n->escrow = 0;
}

/* Pay the teacher for started_at .. until, the rest of the hold back to the learner. */
static void sb_session_plan_settle(apr_pool_t *p, sb_session_t *n, int64_t until, int64_t now,
                                   sb_session_plan_t *plan)
{
    int64_t paid, refund;
    sb_session_move_t *m;

    sb_session_settle(n->escrow, n->duration, n->started_at, until, &paid, &refund);
    if (paid > 0) {
        m = SB_PLAN_MOVE(plan, p, n->id, "settle:teacher", n->teacher_id, "earned", paid,
                         n->student_id, apr_pstrcat(p, "Taught: ", n->skill, NULL), "teaching");
        m->earned = m->taught = paid;
        /* the learner's totals, no balance change */
        m = SB_PLAN_MOVE(plan, p, n->id, "settle:learner", n->student_id, "spent", 0, NULL, NULL,
                         "learning");
        m->spent = m->learned = paid;
    }
    if (refund > 0) {
        SB_PLAN_MOVE(plan, p, n->id, "settle:refund", n->student_id, "refund", refund,
                     n->teacher_id, apr_pstrcat(p, "Unused hold returned: ", n->skill, NULL),
                     "refund");
    }
    n->escrow = 0;
    n->actual_duration = paid;
    n->credits_exchanged = paid;
    n->ended_at = now;
}

void sb_session_plan_refund(apr_pool_t *p, const sb_session_t *s, int64_t refund, const char *note,
                            sb_session_plan_t *plan)
{
    const char *why = apr_pstrcat(p, "Dispute refund: ", s->skill, NULL);
    sb_session_move_t *m;

    memset(plan, 0, sizeof(*plan));
    if (refund <= 0) {
        return;
    }
    m = SB_PLAN_MOVE(plan, p, s->id, "dispute:teacher", s->teacher_id, "spent", -refund,
                     s->student_id, why, "refund");
    m->admin_note = note;
    m->earned = -refund;
    m = SB_PLAN_MOVE(plan, p, s->id, "dispute:learner", s->student_id, "refund", refund,
                     s->teacher_id, why, "refund");
    m->admin_note = note;
    m->spent = -refund;
}

static sb_store_status_t sb_session_refuse(sb_store_error_t *err, const char *field,
                                           const char *msg)
{
    return sb_store_fail(err, SB_STORE_REFUSED, field, "%s", msg);
}

/* The transitions of the participants (accept ... end) on n. */
static sb_store_status_t sb_session_plan_party(apr_pool_t *p, const sb_session_act_t *a,
                                               const sb_session_t *o, sb_session_t *n, int64_t now,
                                               int is_teacher, int is_student,
                                               sb_session_plan_t *plan, sb_store_error_t *err)
{
    switch (a->action) {
    case SB_SESSION_ACCEPT:
    case SB_SESSION_DECLINE:
        /* the proposer of a new time cannot accept it; a first request is the teacher's */
        if (o->proposed_by[0] ? strcmp(o->proposed_by, a->actor_id) == 0 : !is_teacher) {
            return sb_session_refuse(err, "action", "the other participant answers this request");
        }
        if (a->action == SB_SESSION_ACCEPT && o->scheduled_time <= now) {
            return sb_session_refuse(err, "scheduledTime", "the requested time has passed");
        }
        n->proposed_by[0] = '\0';
        if (a->action == SB_SESSION_DECLINE) {
            sb_session_plan_release(p, n, 0, "declined", plan);
        }
        plan->mirror = a->action == SB_SESSION_ACCEPT ? "accepted" : "declined";
        return SB_STORE_OK;
    case SB_SESSION_CANCEL:
        if (o->scheduled_time <= now) {
            return sb_session_refuse(err, "scheduledTime", "the session has started");
        }
        apr_cpystrn(n->cancelled_by, a->actor_id, sizeof(n->cancelled_by));
        n->cancel_reason = a->reason;
        sb_session_plan_release(p, n,
                                is_student && o->scheduled_time - now < SB_DAY_MS ? a->penalty : 0,
                                "cancelled", plan);
        return SB_STORE_OK;
    case SB_SESSION_RESCHEDULE:
        if (a->scheduled_time <= now) {
            return sb_session_refuse(err, "scheduledTime", "the new time must be in the future");
        }
        n->scheduled_time = a->scheduled_time;
        apr_cpystrn(n->proposed_by, a->actor_id, sizeof(n->proposed_by));
        n->reminders_sent = "[]";
        plan->overlap_check = 1;
        plan->mirror = "pending";
        return SB_STORE_OK;
    case SB_SESSION_START:
        if (!sb_session_join_open(now, o->scheduled_time, o->duration)) {
            return sb_session_refuse(err, "scheduledTime", "the room is not open at this time");
        }
        if (is_teacher && !n->teacher_joined_at) {
            n->teacher_joined_at = now;
        }
        if (is_student && !n->student_joined_at) {
            n->student_joined_at = now;
        }
        n->last_presence_at = now;
        if (!(n->teacher_joined_at && n->student_joined_at)) {
            n->status = o->status;
            plan->changed = 0;
        }
        else {
            n->started_at = now;
        }
        return SB_STORE_OK;
    case SB_SESSION_END:
        sb_session_plan_settle(p, n, now, now, plan);
        return SB_STORE_OK;
    default:
        return sb_store_fail(err, SB_STORE_ERROR, "action", "unknown action");
    }
}

/* The scheduled jobs' transitions on n. */
static sb_store_status_t sb_session_plan_job(apr_pool_t *p, const sb_session_act_t *a,
                                             const sb_session_t *o, sb_session_t *n, int64_t now,
                                             sb_session_plan_t *plan, sb_store_error_t *err)
{
    switch (a->action) {
    case SB_SESSION_EXPIRE:
        if (o->scheduled_time > now) {
            return sb_session_refuse(err, "scheduledTime", "not due yet");
        }
        sb_session_plan_release(p, n, 0, "expired", plan);
        plan->mirror = "expired";
        return SB_STORE_OK;
    case SB_SESSION_MARK_NO_SHOW:
        if (o->scheduled_time + SB_SESSION_NO_SHOW_MS > now) {
            return sb_session_refuse(err, "scheduledTime", "not due yet");
        }
        sb_session_plan_release(
            p, n, o->teacher_joined_at && !o->student_joined_at ? a->penalty : 0, "no-show", plan);
        return SB_STORE_OK;
    case SB_SESSION_ABANDON:
        if (o->started_at + o->duration * SB_SESSION_MIN_MS + SB_SESSION_ABANDON_MS > now) {
            return sb_session_refuse(err, "scheduledTime", "not due yet");
        }
        sb_session_plan_settle(
            p, n, o->last_presence_at > o->started_at ? o->last_presence_at : o->started_at, now,
            plan);
        return SB_STORE_OK;
    default:
        return sb_store_fail(err, SB_STORE_ERROR, "action", "unknown action");
    }
}

sb_store_status_t sb_session_plan(apr_pool_t *p, const sb_session_act_t *a, const sb_session_t *o,
                                  sb_session_t *n, int64_t now, sb_session_plan_t *plan,
                                  sb_store_error_t *err)
{
    int is_teacher = a->actor_id && strcmp(a->actor_id, o->teacher_id) == 0;
    int is_student = a->actor_id && strcmp(a->actor_id, o->student_id) == 0;
    int from = sb_session_status_parse(o->status), to;
    int job = a->action == SB_SESSION_EXPIRE || a->action == SB_SESSION_MARK_NO_SHOW
              || a->action == SB_SESSION_ABANDON;

    memset(plan, 0, sizeof(*plan));
    *n = *o;
    if (a->actor_id && !is_teacher && !is_student) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    if (from < 0 || (to = sb_session_transition(from, a->action)) < 0) {
        return sb_store_fail(err, SB_STORE_STALE,
                             from < 0 ? "status" : sb_session_status_name(from),
                             "not allowed while the session is %s", o->status);
    }
    /* the scheduled jobs' transitions are theirs alone, and the participants' theirs */
    if (job != !a->actor_id) {
        return sb_session_refuse(err, "action", "not an action of this caller");
    }
    plan->changed = 1;
    n->status = sb_session_status_name(to);
    n->updated_at = now > o->updated_at ? now : o->updated_at + 1;
    return job ? sb_session_plan_job(p, a, o, n, now, plan, err)
               : sb_session_plan_party(p, a, o, n, now, is_teacher, is_student, plan, err);
}
