/*
 * Store domain: notifications — what the header bell lists, each a durable row created with
 * its "notification:new" outbox event in one atomic step (sb_notification_new_t is in
 * store_messages.h, which creates them for new messages). Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_NOTIFICATIONS_H
#define SB_STORE_NOTIFICATIONS_H

typedef struct {
    char id[SB_ID_LEN + 1];
    char user_id[SB_ID_LEN + 1];
    const char *type;
    const char *title;
    const char *body;
    const char *link;       /* may be NULL */
    const char *data;       /* JSON object text */
    const char *subject_id; /* may be NULL */
    int is_read;
    int64_t read_at; /* 0 = not read */
    int64_t created_at;
} sb_notification_t;

#define SB_STORE_NOTIFICATIONS_OPS(X, d)                                                           \
    /* Create n (created_at = now) with its notification:new event for n->user_id.                 \
     * NOT_FOUND for an unknown user. */                                                           \
    X(d, notification_create,                                                                      \
      (sb_store_conn_t * c, const sb_notification_new_t *n, int64_t now, sb_store_error_t *err),   \
      (c, n, now, err))                                                                            \
    /* user_id's notifications newest first (created_at, then id, descending), strictly after      \
     * (after_created_at, after_id) when after_id is set, at most limit; *out of                   \
     * sb_notification_t; *unread = how many of all of them are unread. */                         \
    X(d, notifications_list,                                                                       \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, int64_t after_created_at,         \
       const char *after_id, int limit, apr_array_header_t **out, int *has_more, int64_t *unread,  \
       sb_store_error_t *err),                                                                     \
      (c, p, user_id, after_created_at, after_id, limit, out, has_more, unread, err))              \
    /* Mark one of user_id's notifications read (read_at = now the first time; idempotent).        \
     * NOT_FOUND when it is not theirs. *out (may be NULL) gets it after the change. */            \
    X(d, notification_mark_read,                                                                   \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, const char *id, int64_t now,      \
       sb_notification_t **out, sb_store_error_t *err),                                            \
      (c, p, user_id, id, now, out, err))                                                          \
    /* Mark all of user_id's unread notifications read; *count = how many changed. */              \
    X(d, notifications_mark_all_read,                                                              \
      (sb_store_conn_t * c, const char *user_id, int64_t now, int64_t *count,                      \
       sb_store_error_t *err),                                                                     \
      (c, user_id, now, count, err))

#endif
