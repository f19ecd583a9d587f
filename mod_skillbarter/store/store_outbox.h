/*
 * Store domain: the outbox of durable real-time events, written in the same atomic step as
 * the change each announces and read by the real-time daemon. Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_OUTBOX_H
#define SB_STORE_OUTBOX_H

#define SB_STORE_OUTBOX_OPS(X, d)                                                                  \
    /* Append an event for user_id; *seq gets its sequence number. Standalone form; drivers        \
     * also write outbox rows inside the transactions that need them. */                           \
    X(d, outbox_append,                                                                            \
      (sb_store_conn_t *c, const char *user_id, const char *type, const char *json_data,           \
       int64_t now, int64_t *seq, sb_store_error_t *err),                                          \
      (c, user_id, type, json_data, now, seq, err))

#endif
