/*
 * Store domain: sessions between a teacher and a learner, their credit holds and settlement,
 * and reviews. Every transition is a compare-and-set on the session's status, and every
 * balance change writes its ledger row (with an idempotency key naming the transition) in
 * the same atomic step, together with the outbox events and notification the caller hands
 * in — appended only when the status changes. The rules themselves (which transition is
 * legal, how much is paid) are core's (sb_session_rules.h). Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_SESSIONS_H
#define SB_STORE_SESSIONS_H

#include "sb_session_rules.h"

/* A participant in the short public form a session shows. */
typedef struct {
    char id[SB_ID_LEN + 1];
    const char *username, *first_name, *last_name, *profile_picture, *timezone;
    double rating;
    int total_reviews;
} sb_session_person_t;

/* A stored session; times in ms (0 = unset), durations and credits in minutes. */
typedef struct {
    char id[SB_ID_LEN + 1];
    char teacher_id[SB_ID_LEN + 1];
    char student_id[SB_ID_LEN + 1];
    const char *skill;
    const char *category;    /* may be NULL */
    const char *description; /* may be NULL */
    int64_t scheduled_time;
    int64_t duration;
    int64_t actual_duration; /* minutes measured by the server */
    const char *status;      /* sb_session_status_name() */
    int64_t escrow;          /* what the learner's balance holds for it now */
    const char *room_id;
    int64_t started_at;
    int64_t ended_at;
    int64_t credits_exchanged; /* paid to the teacher */
    const char *teacher_notes;
    const char *student_notes;
    char cancelled_by[SB_ID_LEN + 1];
    const char *cancel_reason;
    int is_disputed;
    const char *dispute_reason;
    int64_t disputed_at;
    int64_t dispute_resolved_at;
    int64_t dispute_refund;
    const char *reminders_sent;      /* JSON array text: "24h", "1h", "15min" */
    char proposed_by[SB_ID_LEN + 1]; /* "" = no open proposal */
    int64_t teacher_joined_at;
    int64_t student_joined_at;
    int64_t last_presence_at;
    int64_t created_at;
    int64_t updated_at;
    /* the participants, when the read brings them (session_get, session_list; NULL for a user
     * gone), else NULL */
    const sb_session_person_t *teacher, *student;
} sb_session_t;

/* A session to book; the caller draws id and room_id. When message_id is set, the
 * session_request message (content, from the learner to the teacher, its session columns
 * mirroring the session) is stored in the same step, with both conversation summaries. */
typedef struct {
    const char *id;
    const char *teacher_id;
    const char *student_id;
    const char *skill;
    const char *category;
    const char *description;
    int64_t scheduled_time;
    int64_t duration;
    const char *room_id;
    const char *message_id; /* NULL = no message */
    const char *message_content;
} sb_session_new_t;

/* A filter of the caller's sessions. */
typedef struct {
    const char *user_id;
    const char *status; /* NULL = any */
    int role;           /* 0 any, 1 taught (teacher), 2 learned (student) */
    int when;           /* 0 any, 1 upcoming (start >= now), 2 past (start < now) */
    int64_t now;
} sb_session_query_t;

/* What a transition tells people: an event per participant and a notification. */
typedef struct {
    sb_outbox_event_t events[2];
    int nevents;
    sb_notification_new_t notify;
    int notifies; /* notify is set */
} sb_session_news_t;

/* Writes the news of a transition from the session as its step stored it, so what people
 * hear is what was stored. Runs inside the step, possibly on another thread of the process
 * while the asking one waits (ctx is the asker's), and must not use the store. */
typedef void sb_session_describe_fn(void *ctx, const sb_session_t *s, sb_session_news_t *news);

/* A transition asked by actor_id (NULL = the scheduled jobs). */
typedef struct {
    const char *id;
    const char *actor_id;
    sb_session_action_t action;
    int64_t scheduled_time; /* RESCHEDULE: the proposed start */
    const char *reason;     /* CANCEL: may be NULL */
    /* CANCEL: charged to a learner who cancels within 24 h of the start; MARK_NO_SHOW:
     * charged to the learner when only the teacher joined. Minutes, -1 = the whole hold,
     * capped at the hold. */
    int64_t penalty;
    /* The news of the transition, written by describe(describe_ctx, ...) when the status
     * changes; NULL = a transition nobody hears of. */
    sb_session_describe_fn *describe;
    void *describe_ctx;
} sb_session_act_t;

typedef struct {
    const char *id;
    const char *session_id;
    const char *reviewer_id;
    int rating;           /* 1..5 */
    const char *feedback; /* may be NULL */
    int would_recommend;  /* -1 = not said */
} sb_review_new_t;

typedef struct {
    char id[SB_ID_LEN + 1];
    char session_id[SB_ID_LEN + 1];
    sb_user_card_t reviewer;
    char reviewee_id[SB_ID_LEN + 1];
    int rating;
    const char *feedback;
    int would_recommend; /* -1 = not said */
    const char *skill;
    int64_t created_at;
} sb_session_review_t;

#define SB_STORE_SESSIONS_OPS(X, d)                                                                \
    /* Book s (status pending, created_at = now) and hold its duration from the learner's          \
     * balance with a `spent` ledger row, atomically with the message, events and notification.    \
     * Refused: NOT_FOUND "teacher" (unknown or not visible), REFUSED "teacher" (the teacher       \
     * blocks the learner), CONFLICT "scheduledTime" (overlaps an open session of either party),   \
     * INSUFFICIENT "credits" with *available (may be NULL) = the learner's balance. */            \
    X(d, session_create,                                                                           \
      (sb_store_conn_t * c, apr_pool_t * p, const sb_session_new_t *s,                             \
       const sb_outbox_event_t *events, int nevents, const sb_notification_new_t *notify,          \
       int64_t now, sb_session_t **out, int64_t *available, sb_store_error_t *err),                \
      (c, p, s, events, nevents, notify, now, out, available, err))                                \
    /* One session with both participants (teacher, student). */                                   \
    X(d, session_get,                                                                              \
      (sb_store_conn_t * c, apr_pool_t * p, const char *id, sb_session_t **out,                    \
       sb_store_error_t *err),                                                                     \
      (c, p, id, out, err))                                                                        \
    /* The sessions matching q, soonest start last (scheduled_time, id descending), offset/limit;  \
     * *out of sb_session_t with both participants (teacher, student; NULL for a user gone),       \
     * *total how many match. */                                                                   \
    X(d, session_list,                                                                             \
      (sb_store_conn_t * c, apr_pool_t * p, const sb_session_query_t *q, int offset, int limit,    \
       apr_array_header_t **out, int64_t *total, sb_store_error_t *err),                           \
      (c, p, q, offset, limit, out, total, err))                                                   \
    /* Apply a transition as a compare-and-set on the status read in the same step. Refused:       \
     * NOT_FOUND (no such session, or the actor is not a participant), STALE with err->field =     \
     * the current status (illegal from it), REFUSED "action" (the wrong party: accept by the      \
     * proposer, decline by the learner ...), REFUSED "scheduledTime" (outside the join window,    \
     * a job not due yet, a cancel after the start), CONFLICT "scheduledTime" (a reschedule that   \
     * overlaps). START marks the actor joined and moves to in_progress once both have; END,       \
     * ABANDON settle (core's sb_session_settle); DECLINE, CANCEL, EXPIRE, MARK_NO_SHOW release    \
     * the hold, less any penalty. The news (a->describe) are written only when the status         \
     * changes. The caller need not have read the session: the step reads it. *out (may be NULL)   \
     * gets the session after the step with both participants (teacher, student). */               \
    X(d, session_act,                                                                              \
      (sb_store_conn_t * c, apr_pool_t * p, const sb_session_act_t *a, int64_t now,                \
       sb_session_t **out, sb_store_error_t *err),                                                 \
      (c, p, a, now, out, err))                                                                    \
    /* Edit the description (either party; NULL = leave) and the actor's own notes (NULL =         \
     * leave). NOT_FOUND for a non-participant. */                                                 \
    X(d, session_edit,                                                                             \
      (sb_store_conn_t * c, const char *id, const char *actor_id, const char *description,         \
       const char *notes, int64_t now, sb_store_error_t *err),                                     \
      (c, id, actor_id, description, notes, now, err))                                             \
    /* The presence of a participant in the room (last_presence_at = now), for in_progress         \
     * sessions; nothing otherwise. */                                                             \
    X(d, session_presence,                                                                         \
      (sb_store_conn_t * c, const char *id, const char *user_id, int64_t now,                      \
       sb_store_error_t *err),                                                                     \
      (c, id, user_id, now, err))                                                                  \
    /* The learner disputes a completed session within window_ms of its end. NOT_FOUND (not the    \
     * learner's), STALE field status (not completed), REFUSED "window", CONFLICT "isDisputed". */ \
    X(d, session_dispute,                                                                          \
      (sb_store_conn_t * c, const char *id, const char *learner_id, const char *reason,            \
       int64_t window_ms, int64_t now, sb_store_error_t *err),                                     \
      (c, id, learner_id, reason, window_ms, now, err))                                            \
    /* An admin resolves a dispute: percent (0..100) of what was paid goes back from teacher to    \
     * learner (rounded down to whole minutes), as two ledger rows. NOT_FOUND, STALE "isDisputed"  \
     * (not disputed or already resolved), INSUFFICIENT "refund" (the teacher's balance). */       \
    X(d, session_resolve,                                                                          \
      (sb_store_conn_t * c, const char *id, const char *admin_id, int percent, const char *note,   \
       int64_t now, int64_t *refunded, sb_store_error_t *err),                                     \
      (c, id, admin_id, percent, note, now, refunded, err))                                        \
    /* Sessions a job may act on at now, soonest first, at most limit: pending ones whose start    \
     * passed, scheduled ones nobody started 15 min after the start, scheduled ones whose          \
     * reminder due now (24 h, 1 h, 15 min before) is not recorded, in_progress ones past          \
     * started_at + duration + 15 min. *out of sb_session_t. */                                    \
    X(d, sessions_due,                                                                             \
      (sb_store_conn_t * c, apr_pool_t * p, int64_t now, int limit, apr_array_header_t **out,      \
       sb_store_error_t *err),                                                                     \
      (c, p, now, limit, out, err))                                                                \
    /* Record reminder `which` ("24h" | "1h" | "15min") of a scheduled session, once: *marked = 1  \
     * and the events, the nnotify notifications and the nmail mails queued (as mail_enqueue:      \
     * a notification to a user with emailNotifications off is not) when this call recorded it,    \
     * 0 and nothing written when it was recorded already or the session is not scheduled. */      \
    X(d, session_reminder_mark,                                                                    \
      (sb_store_conn_t * c, const char *id, const char *which, const sb_outbox_event_t *events,    \
       int nevents, const sb_notification_new_t *notify, int nnotify,                              \
       const sb_store_mail_new_t *mail, int nmail, int64_t now, int *marked,                       \
       sb_store_error_t *err),                                                                     \
      (c, id, which, events, nevents, notify, nnotify, mail, nmail, now, marked, err))             \
    /* A participant reviews the other after completion, once; the reviewee's rating becomes       \
     * the exact mean (sum / count). NOT_FOUND, STALE field status (not completed), CONFLICT       \
     * "review" (reviewed already). */                                                             \
    X(d, review_add,                                                                               \
      (sb_store_conn_t * c, const sb_review_new_t *r, const sb_outbox_event_t *events,             \
       int nevents, const sb_notification_new_t *notify, int64_t now, sb_store_error_t *err),      \
      (c, r, events, nevents, notify, now, err))                                                   \
    /* The user's calendar feed token becomes token_hash (SHA-256 hex of the token); the old       \
     * one stops working. NOT_FOUND for an unknown user. */                                        \
    X(d, calendar_token_set,                                                                       \
      (sb_store_conn_t * c, const char *user_id, const char *token_hash, int64_t now,              \
       sb_store_error_t *err),                                                                     \
      (c, user_id, token_hash, now, err))                                                          \
    /* The visible user whose calendar token hash is token_hash: id into user_id (SB_ID_LEN + 1)   \
     * and their time zone. NOT_FOUND otherwise. */                                                \
    X(d, calendar_token_user,                                                                      \
      (sb_store_conn_t * c, apr_pool_t * p, const char *token_hash, int64_t now, char *user_id,    \
       const char **timezone, sb_store_error_t *err),                                              \
      (c, p, token_hash, now, user_id, timezone, err))                                             \
    /* Reviews of user_id, newest first, strictly after (after_created_at, after_id) when          \
     * after_id is set; *out of sb_session_review_t. */                                            \
    X(d, reviews_page,                                                                             \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, int64_t after_created_at,         \
       const char *after_id, int limit, apr_array_header_t **out, int *has_more,                   \
       sb_store_error_t *err),                                                                     \
      (c, p, user_id, after_created_at, after_id, limit, out, has_more, err))

#endif
