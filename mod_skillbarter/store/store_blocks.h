/*
 * Store domain: blocks — a user who does not want to hear from another. A blocked sender's
 * messages are refused (message_send answers REFUSED) and the blocked user is left out of
 * the blocker's discover list, search and matches. Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_BLOCKS_H
#define SB_STORE_BLOCKS_H

#define SB_STORE_BLOCKS_OPS(X, d)                                                                  \
    /* blocker_id blocks blocked_id (idempotent: blocking again keeps the first time).             \
     * NOT_FOUND when blocked_id is unknown. */                                                    \
    X(d, user_block,                                                                               \
      (sb_store_conn_t * c, const char *blocker_id, const char *blocked_id, int64_t now,           \
       sb_store_error_t *err),                                                                     \
      (c, blocker_id, blocked_id, now, err))                                                       \
    /* Lift a block; NOT_FOUND when there was none. */                                             \
    X(d, user_unblock,                                                                             \
      (sb_store_conn_t * c, const char *blocker_id, const char *blocked_id,                        \
       sb_store_error_t *err),                                                                     \
      (c, blocker_id, blocked_id, err))                                                            \
    /* The users blocker_id blocks, most recently blocked first; *out of sb_user_card_t. */        \
    X(d, blocks_list,                                                                              \
      (sb_store_conn_t * c, apr_pool_t * p, const char *blocker_id, apr_array_header_t **out,      \
       sb_store_error_t *err),                                                                     \
      (c, p, blocker_id, out, err))                                                                \
    /* *blocked = 1 when either of a and b blocks the other (the real-time daemon's ephemeral      \
     * events pass only between people with no block between them), else 0. */                     \
    X(d, blocked_between,                                                                          \
      (sb_store_conn_t * c, const char *a, const char *b, int *blocked, sb_store_error_t *err),    \
      (c, a, b, blocked, err))

#endif
