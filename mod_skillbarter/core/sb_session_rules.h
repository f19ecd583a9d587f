/*
 * The rules of sessions and the credit economy, as pure functions: credit arithmetic in
 * integer minutes (1 credit = 60), the session state machine, the join window, settlement,
 * and the availability check in the teacher's time zone. The store applies the transitions
 * as compare-and-sets; these functions decide which transitions and amounts are legal.
 */
#ifndef SB_SESSION_RULES_H
#define SB_SESSION_RULES_H

#include <stdint.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "sb_tz.h"

#define SB_SESSION_MIN_DURATION  15
#define SB_SESSION_MAX_DURATION  240
#define SB_SESSION_DURATION_STEP 15
#define SB_SESSION_JOIN_EARLY_MS (10LL * 60 * 1000) /* start may be called this early */
#define SB_SESSION_NO_SHOW_MS    (15LL * 60 * 1000) /* nobody started: no_show after this */
#define SB_SESSION_ABANDON_MS    (15LL * 60 * 1000) /* in_progress past duration + this */

typedef enum {
    SB_SESSION_PENDING = 0,
    SB_SESSION_SCHEDULED,
    SB_SESSION_IN_PROGRESS,
    SB_SESSION_COMPLETED,
    SB_SESSION_CANCELLED,
    SB_SESSION_NO_SHOW,
    SB_SESSION_ABANDONED,
    SB_SESSION_DECLINED,
    SB_SESSION_EXPIRED,
    SB_SESSION_NSTATUS
} sb_session_status_t;

typedef enum {
    SB_SESSION_ACCEPT = 0,   /* teacher: pending -> scheduled */
    SB_SESSION_DECLINE,      /* teacher: pending -> declined */
    SB_SESSION_CANCEL,       /* either: pending|scheduled -> cancelled */
    SB_SESSION_RESCHEDULE,   /* either: pending|scheduled -> pending (the other must accept) */
    SB_SESSION_START,        /* both joined: scheduled -> in_progress */
    SB_SESSION_END,          /* either: in_progress -> completed */
    SB_SESSION_EXPIRE,       /* job: pending past its start -> expired */
    SB_SESSION_MARK_NO_SHOW, /* job: scheduled, not started 15 min after start -> no_show */
    SB_SESSION_ABANDON,      /* job: in_progress past duration + 15 min -> abandoned */
    SB_SESSION_NACTION
} sb_session_action_t;

/* "pending" ... "expired"; NULL for an out-of-range value. */
const char *sb_session_status_name(sb_session_status_t s);
/* The status of a name, or -1 when unknown. */
int sb_session_status_parse(const char *name);
/* The status an action leads to from `from`, or -1 when the transition is illegal. */
int sb_session_transition(sb_session_status_t from, sb_session_action_t action);
/* A session request's status in the spec's sessionData terms (pending, accepted, declined,
 * expired, cancelled) from its session's status now (a name; scheduled and what follows it
 * is accepted). */
const char *sb_session_request_status(const char *session_status);
/* 1 when the status holds the learner's credits (pending, scheduled, in_progress). */
int sb_session_status_holds(sb_session_status_t s);

/* 1 when minutes is a bookable duration: 15..240 in steps of 15. */
int sb_session_duration_valid(int64_t minutes);

/* Credits as hours with up to two decimals, rounded half up to the hundredth: 15 -> "0.25",
 * 60 -> "1", 90 -> "1.5", 10 -> "0.17", -30 -> "-0.5". */
const char *sb_credits_hours(apr_pool_t *p, int64_t minutes);
/* Hundredths of a credit of minutes (rounded half away from zero): 15 -> 25. */
int64_t sb_credits_hundredths(int64_t minutes);
/* Hours written as a decimal with at most two decimals ("1", "0.25", "2.5") that are a whole
 * number of minutes > 0 -> minutes. 0 on success, -1 otherwise (0.01 h is not whole). */
int sb_credits_parse_hours(const char *s, int64_t *minutes);

/* 1 when now lies in the join window [scheduled - 10 min, scheduled + duration]. */
int sb_session_join_open(int64_t now, int64_t scheduled, int64_t duration_min);

/*
 * Settlement of a session that ran from started_at to ended_at (ms): the teacher is paid the
 * whole minutes taught, capped at the planned duration and at the hold; the rest of the hold
 * goes back to the learner. A clock that went backwards pays 0.
 */
void sb_session_settle(int64_t hold, int64_t duration_min, int64_t started_at, int64_t ended_at,
                       int64_t *paid, int64_t *refund);

/* The two intervals [a0, a1) and [b0, b1) overlap. */
int sb_interval_overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1);

/*
 * 1 when the session [start_ms, start_ms + duration) lies inside one slot of the weekly
 * availability (of sb_availability_t, local wall times) in zone z: the slot is taken on the
 * local date of the start, so a 09:00 slot means 09:00 local on either side of a DST change.
 */
int sb_session_in_availability(const sb_tz_t *z, const apr_array_header_t *availability,
                               int64_t start_ms, int64_t duration_min);

#endif
