/*
 * Internal to the SQLite driver's session files (sqlite_sessions.c: booking and transitions,
 * sqlite_session_reads.c, sqlite_session_reviews.c): the session row and the steps they share.
 */
#ifndef SB_SQLITE_SESSION_INT_H
#define SB_SQLITE_SESSION_INT_H

#include "sqlite_economy.h"

#include "sb_session_plan.h"
#include "sb_session_rules.h"

#define SB_MIN_MS 60000LL

/* The columns sb_sqlite_session_row reads, in its order, of table alias t ("s." or ""). */
#define SB_SESSION_COLS_OF(t)                                                                      \
    t "id, " t "teacher_id, " t "student_id, " t "skill, " t "category, " t "description, " t      \
      "scheduled_time, " t "duration, " t "actual_duration, " t "status, " t "escrow_minutes, " t  \
      "room_id, " t "started_at, " t "ended_at, " t "credits_exchanged, " t "teacher_notes, " t    \
      "student_notes, " t "cancelled_by, " t "cancel_reason, " t "is_disputed, " t                 \
      "dispute_reason, " t "disputed_at, " t "dispute_resolved_at, " t "dispute_refund, " t        \
      "reminders_sent, " t "proposed_by, " t "teacher_joined_at, " t "student_joined_at, " t       \
      "last_presence_at, " t "created_at, " t "updated_at"
#define SB_SESSION_COLS  SB_SESSION_COLS_OF("")
#define SB_SESSION_NCOLS 31

/* A session still open: a chain of `=`, which SQLite compiles to comparisons where an IN list
 * of three builds a b-tree per run (sql/018). */
#define SB_SESSION_OPEN "(status = 'pending' OR status = 'scheduled' OR status = 'in_progress')"

/* The current row of SB_SESSION_COLS into s (an sb_sqlite_row_fn). */
void sb_sqlite_session_row(apr_pool_t *p, sqlite3_stmt *q, void *s);
/* Load one session (OK, NOT_FOUND or the failure). */
sb_store_status_t sb_sqlite_session_load(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *id,
                                         sb_session_t *s, sb_store_error_t *err);
/* Both participants (teacher, student; NULL for a user gone) of every session of rows[0..n). */
sb_store_status_t sb_sqlite_session_people(sb_sqlite_conn_t *sc, apr_pool_t *p, sb_session_t *rows,
                                           int n, sb_store_error_t *err);
/* Events and the notification (may be NULL) of a change, inside its transaction. */
sb_store_status_t sb_sqlite_session_announce(sb_sqlite_conn_t *sc, const sb_outbox_event_t *events,
                                             int nevents, const sb_notification_new_t *notify,
                                             int64_t now, sb_store_error_t *err);
/* One planned move (sb_session_plan.h): its keyed ledger row with the user totals it carries,
 * in one UPDATE of the user's row. */
sb_store_status_t sb_sqlite_session_move(sb_sqlite_conn_t *sc, const char *session_id,
                                         const sb_session_move_t *m, int64_t now,
                                         sb_store_error_t *err);
/* Every move of a plan in order (a user's totals-only move joined to the balance move of the
 * same user after it, so each user row changes once). */
sb_store_status_t sb_sqlite_session_moves(sb_sqlite_conn_t *sc, const char *session_id,
                                          const sb_session_plan_t *plan, int64_t now,
                                          sb_store_error_t *err);
/* CONFLICT "scheduledTime" when [start, start + duration minutes) overlaps an open session of
 * a or b other than self (may be NULL). */
sb_store_status_t sb_sqlite_session_overlap(sb_sqlite_conn_t *sc, const char *a, const char *b,
                                            int64_t start, int64_t duration, const char *self,
                                            sb_store_error_t *err);
/* The user's totals (earned, spent, minutes taught and learned) move by the amounts given. */
sb_store_status_t sb_sqlite_session_totals(sb_sqlite_conn_t *sc, const char *user_id,
                                           int64_t earned, int64_t spent, int64_t taught,
                                           int64_t learned, sb_store_error_t *err);

/* sqlite_session_act.c: how transitions were grouped into write transactions in this process
 * (for tests). */
typedef struct {
    int64_t batches; /* write transactions that carried transitions */
    int64_t jobs;    /* transitions they carried */
    int64_t queued;  /* transitions waiting for the next batch right now */
} sb_sqlite_act_stats_t;
void sb_sqlite_act_stats(sb_sqlite_act_stats_t *out);

#endif
