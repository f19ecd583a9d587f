/*
 * Internal to the MongoDB driver: sessions, their holds and settlement, reviews and the
 * calendar feed (store_sessions.h). The builders are pure (mongo_session_doc.c,
 * mongo_session_query.c: unit-tested against expected documents), the transitions planned by
 * the store's sb_session_plan.h (shared with the SQLite driver); the operations are
 * mongo_sessions.c (booking, transitions, the intent and its recovery), mongo_session_reads.c
 * and mongo_session_reviews.c.
 *
 * A session is {_id, teacherId, studentId, skill, category, description, scheduledTime,
 * duration, actualDuration, status, escrowMinutes, roomId, startedAt, endedAt,
 * creditsExchanged, teacherNotes, studentNotes, cancelledBy, cancelReason, isDisputed,
 * disputeReason, disputedAt, disputeResolvedAt, disputeRefund, remindersSent: [..],
 * proposedBy, teacherJoinedAt, studentJoinedAt, lastPresenceAt, createdAt, updatedAt}; times
 * are BSON dates (null when unset), minutes int64.
 *
 * Every change of a session is one write guarded by the status and updatedAt read (the
 * compare-and-set). The balance changes it implies are recorded by that same write as the
 * session's intent (moves: the keyed ledger moves and the user totals they carry; movesAt),
 * then applied with sb_mongo_move (idempotency key "<session>:<what>") and the intent taken
 * off. With a transaction all of it is one atomic step; without one, a process that stops
 * in between leaves an intent that sb_mongo_session_recover completes (keys make each move
 * apply once; totals are guarded by the key on the user, sessionTotals).
 */
#ifndef SB_MONGO_SESSIONS_H
#define SB_MONGO_SESSIONS_H

#include "mongo_int.h"
#include "sb_session_plan.h"

#define SB_MONGO_SESSIONS "sessions"
#define SB_MONGO_REVIEWS  "reviews"
#define SB_MONGO_MIN_MS   ((int64_t)60000)

/* ---- builders (mongo_session_doc.c) ---- */

/* The moves as the intent array appended under key "moves" (and movesAt) of b. */
void sb_mongo_append_intent(bson_t *b, const sb_session_move_t *m, int n, int64_t now);
/* An intent entry (a document of moves) into m (strings in p); 0 when malformed. */
int sb_mongo_intent_entry(apr_pool_t *p, const bson_t *entry, sb_session_move_t *m);
/* The new session's document with the hold as its intent; 0 for a bad id. */
int sb_mongo_session_doc(bson_t *b, const sb_session_new_t *s, const sb_session_move_t *hold,
                         int64_t now);
/* The session_request message of s (the messages domain's document plus its session fields). */
int sb_mongo_request_message_doc(bson_t *b, const sb_session_new_t *s, int64_t now);
/* A session document into s (strings in p). */
void sb_mongo_session_from_doc(apr_pool_t *p, const bson_t *doc, sb_session_t *s);
/* {_id: id}; 0 for a bad id. */
int sb_mongo_session_by_id(bson_t *filter, const char *id);
/* Open sessions of a or b overlapping [start, start + duration) other than self (may be
 * NULL). 0 for a bad id. */
int sb_mongo_overlap_filter(bson_t *filter, const char *a, const char *b, int64_t start,
                            int64_t duration, const char *self);
/* The compare-and-set of a transition: filter (id, status and updatedAt of o) and $set of n
 * with the plan's intent. */
int sb_mongo_session_cas(bson_t *filter, bson_t *update, const sb_session_t *o,
                         const sb_session_t *n, const sb_session_plan_t *plan, int64_t now);
/* The intent taken off the session: filter {_id} and {$unset: {moves, movesAt}}. */
int sb_mongo_intent_clear(bson_t *filter, bson_t *update, const char *id);
/* The user totals of a move, once per key: filter (user without key in sessionTotals) and
 * update ($inc, $push key). 0 when the move carries no totals or a bad id. */
int sb_mongo_totals_update(bson_t *filter, bson_t *update, const sb_session_move_t *m);
/* The keys of the moves off the users' sessionTotals once the intent is gone. */
int sb_mongo_totals_clear(bson_t *filter, bson_t *update, const sb_session_move_t *m, int n);
/* The request message mirrors the session: filter and update. */
int sb_mongo_request_mirror(bson_t *filter, bson_t *update, const char *id, const char *status,
                            int64_t proposed_time, int64_t now);
/* session_edit: the participant's filter and pipeline (description, the actor's own notes;
 * NULL = leave). */
int sb_mongo_session_edit_update(bson_t *filter, bson_t *pipeline, const char *id,
                                 const char *actor_id, const char *description, const char *notes,
                                 int64_t now);
/* session_presence: filter (in_progress, a participant) and {$max: {lastPresenceAt}}. */
int sb_mongo_session_presence_update(bson_t *filter, bson_t *update, const char *id,
                                     const char *user_id, int64_t now);
/* session_list: filter and opts (sort scheduledTime, _id descending, skip, limit). */
int sb_mongo_session_list_query(bson_t *filter, bson_t *opts, const sb_session_query_t *q,
                                int offset, int limit);
/* sessions_due: filter and opts (soonest first, at most limit). */
void sb_mongo_sessions_due_query(bson_t *filter, bson_t *opts, int64_t now, int limit);
/* session_reminder_mark: filter (scheduled, which not recorded) and {$push}. */
int sb_mongo_reminder_update(bson_t *filter, bson_t *update, const char *id, const char *which);
/* session_dispute and session_resolve guards and updates. */
int sb_mongo_dispute_update(bson_t *filter, bson_t *update, const char *id, const char *reason,
                            int64_t now);
int sb_mongo_resolve_cas(bson_t *filter, bson_t *update, const char *id, int64_t refund,
                         const sb_session_plan_t *plan, int64_t now);
/* A refused resolution undone (the intent still there). */
int sb_mongo_resolve_undo(bson_t *filter, bson_t *update, const char *id, int64_t now);
/* A review document; the reviewee's exact mean as a pipeline update. 0 for a bad id. */
int sb_mongo_review_doc(bson_t *b, const sb_review_new_t *r, const char *reviewee, int64_t now);
int sb_mongo_rating_update(bson_t *filter, bson_t *pipeline, const char *reviewee, int rating);
/* reviews_page: the aggregation over reviews (reviewer and session joined), limit + 1 rows. */
int sb_mongo_reviews_page_pipeline(bson_t *pipeline, const char *user_id, int64_t after_created_at,
                                   const char *after_id, int limit);
/* calendar_token_set / calendar_token_user. */
int sb_mongo_calendar_set(bson_t *filter, bson_t *update, const char *user_id,
                          const char *token_hash);
void sb_mongo_calendar_user(bson_t *filter, const char *token_hash, int64_t now);
/* remindersSent of a session document as the JSON text the SQLite driver keeps, in p. */
const char *sb_mongo_reminders_text(apr_pool_t *p, const bson_t *doc);
/* A participant's short form from a user document (projected). */
void sb_mongo_person_from_doc(apr_pool_t *p, const bson_t *doc, sb_session_person_t *u);
/* The projection of that short form (opts). */
void sb_mongo_person_opts(bson_t *opts);

/* ---- operations' shared steps (mongo_sessions.c) ---- */

/* The caller's events and notification (may be NULL) inside a step. */
sb_store_status_t sb_mongo_session_announce(sb_store_conn_t *c, const bson_t *opts,
                                            const sb_outbox_event_t *events, int nevents,
                                            const sb_notification_new_t *notify, int nnotify,
                                            int64_t now, sb_store_error_t *err);
/* One session (opts: the step's session or NULL): OK, NOT_FOUND or the failure. */
sb_store_status_t sb_mongo_session_load(sb_store_conn_t *c, apr_pool_t *p, const bson_t *opts,
                                        const char *id, sb_session_t *s, sb_store_error_t *err);
/* Apply the moves of an intent and take it off the session. */
sb_store_status_t sb_mongo_intent_run(sb_store_conn_t *c, const bson_t *opts, const char *id,
                                      const sb_session_move_t *m, int n, int64_t now,
                                      sb_store_error_t *err);
/* Complete the intents stopped before `before`; *fixed (may be NULL) counts them. */
sb_store_status_t sb_mongo_session_recover(sb_store_conn_t *c, int64_t before, int *fixed,
                                           sb_store_error_t *err);
/* Both participants (teacher, student; NULL for a user gone) of every session of rows[0..n),
 * read outside any transaction (mongo_session_reads.c). */
sb_store_status_t sb_mongo_session_people(sb_store_conn_t *c, apr_pool_t *p, sb_session_t *rows,
                                          int n, sb_store_error_t *err);
/* The sessionData of the session_request messages of msgs[0..n) (mongo_session_reads.c). */
sb_store_status_t sb_mongo_message_sessions(sb_store_conn_t *c, apr_pool_t *p, sb_message_t *msgs,
                                            int n, sb_store_error_t *err);

SB_STORE_SESSIONS_OPS(SB_MONGO_PROTOTYPE, sessions)

#endif
