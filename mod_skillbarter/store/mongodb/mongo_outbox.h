/*
 * Internal to the MongoDB driver: the outbox and notifications.
 *
 * An event takes its recipient's next number from outbox_heads ({_id: user, seq}) and the
 * next store-wide position from counters ({_id: "outbox", seq}), each by one $inc, and is
 * written with the server's own insertion time (insertedAt, $$NOW). Numbers are drawn before
 * the event is written, so without a transaction a reader may see number n+1 before n: a read
 * returns events only while their numbers follow each other, and passes a missing number
 * once the event after it is SB_MONGO_OUTBOX_GAP_MS old by the server's clock (a writer that
 * stopped between drawing and writing never fills it). With transactions the draws of two
 * writers conflict until the first commits, and the failed one is retried.
 */
#ifndef SB_MONGO_OUTBOX_H
#define SB_MONGO_OUTBOX_H

#include "mongo_int.h"

#define SB_MONGO_OUTBOX_GAP_MS 2000

/* The event document, written by an upserting pipeline so that insertedAt is the server's
 * $$NOW: filter {_id: id} and pipeline. 0 for a bad id. */
int sb_mongo_outbox_doc(bson_t *filter, bson_t *pipeline, const char *id, const char *user_id,
                        int64_t user_seq, int64_t pos, const char *type, const char *data,
                        int64_t now);
/* A counter's next value: filter {_id: key} and {$inc: {seq: 1}} (upsert, return new). */
void sb_mongo_counter_next(bson_t *filter, bson_t *update, const bson_t *key);
/* Reads: a recipient's events after seq / everyone's after pos, in order (filter + opts). */
int sb_mongo_outbox_after_seq(bson_t *filter, bson_t *opts, const char *user_id, int64_t seq,
                              int limit);
void sb_mongo_outbox_after_pos(bson_t *filter, bson_t *opts, int64_t pos, int limit);
/* Is the event id older than the gap allowance by the server's clock. */
void sb_mongo_outbox_settled(bson_t *filter, const bson_oid_t *id);

/* Append one event inside the caller's atomic step (opts: its session or NULL); *seq (may be
 * NULL) gets the recipient's number. */
sb_store_status_t sb_mongo_outbox_add(sb_store_conn_t *c, const bson_t *opts, const char *user_id,
                                      const char *type, const char *data, int64_t now, int64_t *seq,
                                      sb_store_error_t *err);

/* ---- notifications ---- */

/* The notification document; 0 for a bad id. */
int sb_mongo_notification_doc(bson_t *b, const sb_notification_new_t *n, int64_t now);
/* user's notifications newest first, strictly after (after_created_at, after_id) when
 * after_id is set; at most limit + 1 (has_more). 0 for a bad user id. */
int sb_mongo_notifications_page(bson_t *filter, bson_t *opts, const char *user_id,
                                int64_t after_created_at, const char *after_id, int limit);
/* Mark read: filter (the user's own) and pipeline (readAt kept from the first time). */
int sb_mongo_notification_read(bson_t *filter, bson_t *pipeline, const char *user_id,
                               const char *id, int64_t now);
/* A notification document into n (strings in p). */
void sb_mongo_notification_from_doc(apr_pool_t *p, const bson_t *doc, sb_notification_t *n);

SB_STORE_OUTBOX_OPS(SB_MONGO_PROTOTYPE, outbox)
SB_STORE_NOTIFICATIONS_OPS(SB_MONGO_PROTOTYPE, notifications)

#endif
