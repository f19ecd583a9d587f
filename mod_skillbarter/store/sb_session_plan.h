/*
 * The transition planner of sessions, shared by the drivers: core's rules (sb_session_rules.h)
 * applied to a session as read, giving the session after the step and the keyed moves it
 * implies — the same ledger rows, idempotency keys ("<session>:hold", ":release", ":penalty",
 * ":settle:teacher", ":settle:learner", ":settle:refund", ":dispute:teacher",
 * ":dispute:learner") and texts whichever driver writes them. Pure: no store access.
 */
#ifndef SB_SESSION_PLAN_H
#define SB_SESSION_PLAN_H

#include "store.h"

/* One balance change of a session step, with the user totals that go with it. */
typedef struct {
    const char *key; /* idempotency key "<session>:<what>" */
    const char *user_id;
    const char *type; /* earned | spent | refund | penalty */
    int64_t amount;   /* 0: totals only */
    const char *related_user;
    const char *description;
    const char *category;
    const char *admin_note;
    int64_t earned, spent, taught, learned; /* the user's totals move by these */
} sb_session_move_t;

#define SB_SESSION_PLAN_MAX 4

typedef struct {
    sb_session_move_t m[SB_SESSION_PLAN_MAX];
    int n;
    int changed;        /* the other party hears of it (events, notification) */
    int overlap_check;  /* the new start must overlap no open session */
    const char *mirror; /* the request message's new sessionStatus, or NULL */
} sb_session_plan_t;

/* Decide a->action on o at now: *n (a copy of o) becomes the session after the step and plan
 * the moves it implies. The statuses and fields of store_sessions.h's session_act. */
sb_store_status_t sb_session_plan(apr_pool_t *p, const sb_session_act_t *a, const sb_session_t *o,
                                  sb_session_t *n, int64_t now, sb_session_plan_t *plan,
                                  sb_store_error_t *err);
/* The hold of a booking as one move. */
void sb_session_plan_hold(apr_pool_t *p, const sb_session_new_t *s, sb_session_move_t *m);
/* A resolution's two moves (teacher back, learner in) for refund minutes. */
void sb_session_plan_refund(apr_pool_t *p, const sb_session_t *s, int64_t refund, const char *note,
                            sb_session_plan_t *plan);

#endif
