/*
 * Store domain: the outbox of durable real-time events, written in the same atomic step as
 * the change each announces and read by the real-time daemon. Rows expand as store_gen.h says.
 *
 * Every event has two positions: `seq`, the recipient's own counter (1, 2, 3 ... per user,
 * never reused, the client's recovery offset), and `pos`, the store-wide order a tailing
 * reader follows. Nothing assumes a single reader: readers keep their own positions.
 */
#ifndef SB_STORE_OUTBOX_H
#define SB_STORE_OUTBOX_H

/* An event to append with a change: recipient, event name (the spec's, e.g.
 * "message:received"), payload as JSON text. */
typedef struct {
    const char *user_id;
    const char *type;
    const char *data;
} sb_outbox_event_t;

/* A stored event. */
typedef struct {
    int64_t pos; /* store-wide order */
    int64_t seq; /* the recipient's sequence number */
    char user_id[SB_ID_LEN + 1];
    const char *type;
    const char *data; /* JSON text */
    int64_t created_at;
} sb_outbox_row_t;

#define SB_STORE_OUTBOX_OPS(X, d)                                                                  \
    /* Append an event for user_id in its own atomic step; *seq (may be NULL) gets the             \
     * recipient's sequence number. NOT_FOUND for an unknown user. Operations that change          \
     * something write their events inside their own transaction instead. */                       \
    X(d, outbox_append,                                                                            \
      (sb_store_conn_t * c, const char *user_id, const char *type, const char *json_data,          \
       int64_t now, int64_t *seq, sb_store_error_t *err),                                          \
      (c, user_id, type, json_data, now, seq, err))                                                \
    /* The recipient's events with seq > after_seq, oldest first, at most limit; *out of           \
     * sb_outbox_row_t. */                                                                         \
    X(d, outbox_read,                                                                              \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, int64_t after_seq, int limit,     \
       apr_array_header_t **out, sb_store_error_t *err),                                           \
      (c, p, user_id, after_seq, limit, out, err))                                                 \
    /* Everyone's events with pos > after_pos in store order, at most limit (a daemon's            \
     * tail); *out of sb_outbox_row_t. */                                                          \
    X(d, outbox_tail,                                                                              \
      (sb_store_conn_t * c, apr_pool_t * p, int64_t after_pos, int limit,                          \
       apr_array_header_t **out, sb_store_error_t *err),                                           \
      (c, p, after_pos, limit, out, err))                                                          \
    /* Delete events created before `before` (ms) — with SQLite, those ahead of the first        \
     * event created at or after it (writers' clocks may differ by a few ms). *removed (may be     \
     * NULL) gets how many. Sequence numbers are not reused afterwards. */                         \
    X(d, outbox_prune,                                                                             \
      (sb_store_conn_t * c, int64_t before, int64_t * removed, sb_store_error_t * err),            \
      (c, before, removed, err))                                                                   \
    /* The recipient's latest sequence number (0 when it never had an event): a fresh reader       \
     * of user_id's events starts after it. Pruning does not lower it. */                          \
    X(d, outbox_head,                                                                              \
      (sb_store_conn_t * c, const char *user_id, int64_t *seq, sb_store_error_t *err),             \
      (c, user_id, seq, err))                                                                      \
    /* The store-wide position of the latest event (0 when there is none): a tailing reader        \
     * that starts now starts after it. */                                                         \
    X(d, outbox_last_pos, (sb_store_conn_t * c, int64_t * pos, sb_store_error_t * err),            \
      (c, pos, err))

#endif
