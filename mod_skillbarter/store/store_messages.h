/*
 * Store domain: direct messages between two users and the per-conversation summaries the
 * conversation list reads. Every change writes, in the same atomic step, the summaries of
 * both sides and the outbox events the caller hands in (the caller builds their payloads;
 * the store appends them only when the change happens). Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_MESSAGES_H
#define SB_STORE_MESSAGES_H

/* The sessionData of a session_request message: the session it asked for, as it is now. */
typedef struct {
    char session_id[SB_ID_LEN + 1];
    const char *skill;
    int64_t duration;      /* minutes */
    int64_t proposed_time; /* the session's start now (ms) */
    const char *description;
    const char *status;         /* pending | accepted | declined | expired | cancelled */
    const char *session_status; /* the session's own status (sb_session_status_name) */
} sb_message_session_t;

/* A stored message (the spec's Message model); session is set on session_request messages
 * by the reads that return them (message_get, conversation_page), else NULL. */
typedef struct {
    char id[SB_ID_LEN + 1];
    char sender_id[SB_ID_LEN + 1];
    char receiver_id[SB_ID_LEN + 1];
    const char *content;
    const char *message_type; /* "text", ... */
    int is_read;
    int64_t read_at;              /* 0 = not read */
    char reply_to[SB_ID_LEN + 1]; /* "" = none */
    int is_deleted;
    int64_t deleted_at; /* 0 = not deleted */
    char deleted_by[SB_ID_LEN + 1];
    int64_t created_at;
    int64_t updated_at;
    const sb_message_session_t *session;
} sb_message_t;

/* A message to send; the caller draws the id (sb_id_new) so event payloads can carry it. */
typedef struct {
    const char *id;
    const char *sender_id;
    const char *receiver_id;
    const char *content;
    const char *message_type;
    const char *reply_to; /* NULL = none */
} sb_message_new_t;

/* A notification to create; event_data is the payload of its "notification:new" event. */
typedef struct {
    const char *id;      /* drawn by the caller */
    const char *user_id; /* who sees it */
    const char *type;    /* "message", "session_request", ... */
    const char *title;
    const char *body;
    const char *link;       /* may be NULL */
    const char *data;       /* JSON object text, may be NULL ("{}") */
    const char *subject_id; /* whom it is about (the sender, ...), may be NULL */
    const char *event_data;
} sb_notification_new_t;

/* A row of the conversation list: the partner's card (as the discover lists hand it out: id,
 * last_seen, rating, total_reviews, is_verified and the kept card text card_head), the
 * newest message, the unread count of the listing user. */
typedef struct {
    sb_user_card_t partner;
    sb_message_t last;
    int64_t unread;
} sb_conversation_t;

#define SB_STORE_MESSAGES_OPS(X, d)                                                                \
    /* Store m (created_at = now) and, atomically, both sides' summaries (the receiver's           \
     * unread + 1), the events, and notify when given — unless the receiver already has an       \
     * unread notification of the same type and subject (then *notified = 0). Refused:             \
     * NOT_FOUND field "receiver" when the receiver is unknown or not visible (core's rule),       \
     * REFUSED when the receiver blocked the sender, NOT_FOUND field "replyTo" when reply_to       \
     * is not a message of this conversation. */                                                   \
    X(d, message_send,                                                                             \
      (sb_store_conn_t * c, const sb_message_new_t *m, const sb_outbox_event_t *events,            \
       int nevents, const sb_notification_new_t *notify, int64_t now, int *notified,               \
       sb_store_error_t *err),                                                                     \
      (c, m, events, nevents, notify, now, notified, err))                                         \
    /* One message, deleted ones included. */                                                      \
    X(d, message_get,                                                                              \
      (sb_store_conn_t * c, apr_pool_t * p, const char *id, sb_message_t **out,                    \
       sb_store_error_t *err),                                                                     \
      (c, p, id, out, err))                                                                        \
    /* The messages between user_id and partner_id that are not deleted, newest first              \
     * (created_at, then id, descending), strictly after (after_created_at, after_id) in that      \
     * order when after_id is set; at most limit; *out of sb_message_t. */                         \
    X(d, conversation_page,                                                                        \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, const char *partner_id,           \
       int64_t after_created_at, const char *after_id, int limit, apr_array_header_t **out,        \
       int *has_more, sb_store_error_t *err),                                                      \
      (c, p, user_id, partner_id, after_created_at, after_id, limit, out, has_more, err))          \
    /* user_id's conversations with visible partners that still hold a message, newest             \
     * first; *out of sb_conversation_t (offset/limit), *total how many there are, *unread         \
     * the unread messages over all of them. The totals come from per-user counters that every     \
     * change of a summary (send, read marks, delete, bulk insert) and of a partner's status       \
     * updates in its own atomic step, so a page reads only its rows, never the whole list. */     \
    X(d, conversations_list,                                                                       \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, int64_t now, int offset,          \
       int limit, apr_array_header_t **out, int64_t *total, int64_t *unread,                       \
       sb_store_error_t *err),                                                                     \
      (c, p, user_id, now, offset, limit, out, total, unread, err))                                \
    /* Mark message id read by its receiver reader_id (NOT_FOUND for anyone else or a deleted      \
     * message). When it was unread: read_at = now, the summary's unread - 1 and the events        \
     * appended (*changed = 1); already read: nothing changes (*changed = 0). */                   \
    X(d, message_mark_read,                                                                        \
      (sb_store_conn_t * c, const char *id, const char *reader_id, int64_t now,                    \
       const sb_outbox_event_t *events, int nevents, int *changed, sb_store_error_t *err),         \
      (c, id, reader_id, now, events, nevents, changed, err))                                      \
    /* Mark every message from partner_id to reader_id created up to now read, the                 \
     * summary's unread 0, and reader_id's unread notifications about partner_id read;             \
     * *count = messages marked; the events are appended only when *count > 0. */                  \
    X(d, conversation_mark_read,                                                                   \
      (sb_store_conn_t * c, const char *reader_id, const char *partner_id, int64_t now,            \
       const sb_outbox_event_t *events, int nevents, int64_t *count, sb_store_error_t *err),       \
      (c, reader_id, partner_id, now, events, nevents, count, err))                                \
    /* Soft-delete message id of sender_id (NOT_FOUND for anyone else's or a deleted one):         \
     * is_deleted, deleted_at, deleted_by; both summaries move to the newest message left and      \
     * an unread message no longer counts; the events are appended. */                             \
    X(d, message_delete,                                                                           \
      (sb_store_conn_t * c, const char *id, const char *sender_id, int64_t now,                    \
       const sb_outbox_event_t *events, int nevents, sb_store_error_t *err),                       \
      (c, id, sender_id, now, events, nevents, err))                                               \
    /* The people user_id has a conversation with and no block either way, at most limit, most     \
     * recent first; *out of const char * (ids). Presence is told to them alone. */                \
    X(d, conversation_partners,                                                                    \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, int limit,                        \
       apr_array_header_t **out, sb_store_error_t *err),                                           \
      (c, p, user_id, limit, out, err))                                                            \
    /* Bulk insert for seeding: n complete messages (ids and times as given), summaries kept       \
     * exact, no events or notifications, in one atomic step. */                                   \
    X(d, messages_bulk_insert,                                                                     \
      (sb_store_conn_t * c, const sb_message_t *msgs, int n, sb_store_error_t *err),               \
      (c, msgs, n, err))

#endif
