/*
 * Internal to the SQLite driver's session files (sqlite_sessions.c: booking and transitions,
 * sqlite_session_reads.c, sqlite_session_reviews.c): the session row and the steps they share.
 */
#ifndef SB_SQLITE_SESSION_INT_H
#define SB_SQLITE_SESSION_INT_H

#include "sqlite_economy.h"

#include "sb_session_rules.h"

#define SB_MIN_MS 60000LL
#define SB_DAY_MS (24LL * 3600 * 1000)

/* The columns sb_sqlite_session_row reads, in its order. */
#define SB_SESSION_COLS                                                                            \
    "id, teacher_id, student_id, skill, category, description, scheduled_time, duration,"          \
    " actual_duration, status, escrow_minutes, room_id, started_at, ended_at,"                     \
    " credits_exchanged, teacher_notes, student_notes, cancelled_by, cancel_reason,"               \
    " is_disputed, dispute_reason, disputed_at, dispute_resolved_at, dispute_refund,"              \
    " reminders_sent, proposed_by, teacher_joined_at, student_joined_at, last_presence_at,"        \
    " created_at, updated_at"

#define SB_OPEN_STATUSES "('pending', 'scheduled', 'in_progress')"

/* The current row of SB_SESSION_COLS into s (an sb_sqlite_row_fn). */
void sb_sqlite_session_row(apr_pool_t *p, sqlite3_stmt *q, void *s);
/* Load one session (OK, NOT_FOUND or the failure). */
sb_store_status_t sb_sqlite_session_load(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *id,
                                         sb_session_t *s, sb_store_error_t *err);
/* Events and the notification (may be NULL) of a change, inside its transaction. */
sb_store_status_t sb_sqlite_session_announce(sb_sqlite_conn_t *sc, const sb_outbox_event_t *events,
                                             int nevents, const sb_notification_new_t *notify,
                                             int64_t now, sb_store_error_t *err);
/* The ledger idempotency key "<session>:<what>". */
const char *sb_sqlite_session_key(apr_pool_t *p, const char *session_id, const char *what);
/* The user's totals (earned, spent, minutes taught and learned) move by the amounts given. */
sb_store_status_t sb_sqlite_session_totals(sb_sqlite_conn_t *sc, const char *user_id,
                                           int64_t earned, int64_t spent, int64_t taught,
                                           int64_t learned, sb_store_error_t *err);

#endif
