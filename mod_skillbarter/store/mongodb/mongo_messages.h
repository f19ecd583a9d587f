/*
 * Internal to the MongoDB driver: messages ({pair, senderId, receiverId, content, ...}; pair is
 * both ids ascending, concatenated, as the SQLite driver keys a conversation) and the
 * per-side summaries in conversations ({userId, partnerId, lastMessageId, lastAt, unread}).
 * Builders (mongo_message_doc.c, pure) and operations (mongo_messages.c).
 *
 * Pipelines that only carry ids (24 hex, checked first) and times are written as JSON text;
 * message content, types and other request text are appended as BSON values.
 */
#ifndef SB_MONGO_MESSAGES_H
#define SB_MONGO_MESSAGES_H

#include "mongo_int.h"

#define SB_MONGO_PAIR_LEN (2 * SB_ID_LEN + 1)

/* The pair key of a and b into buf; NULL when either is not an id. */
const char *sb_mongo_pair(char buf[SB_MONGO_PAIR_LEN], const char *a, const char *b);
/* A fixed pipeline/document from JSON text (printf-style), as a document; 0 when the text
 * does not parse. Only for text whose variable parts are ids and numbers. */
int sb_mongo_json_doc(bson_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for an array: its elements under "0", "1", ... */
int sb_mongo_json_array(bson_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message document of m; 0 for a bad id. */
int sb_mongo_message_doc(bson_t *b, const sb_message_t *m);
/* A message document into m (strings in p). */
void sb_mongo_message_from_doc(apr_pool_t *p, const bson_t *doc, sb_message_t *m);
/* Filter and pipeline of a summary upsert for user/partner: the newer of the stored and the
 * given last message wins (by time, then id), unread adds up. */
int sb_mongo_summary_upsert(bson_t *filter, bson_t *pipeline, const char *user_id,
                            const char *partner_id, const char *message_id, int64_t at,
                            int64_t unread);
/* The core visibility rule (active, and not banned or banned until a time reached) for the
 * user with id, as a find filter. */
int sb_mongo_filter_visible(bson_t *b, const char *id, int64_t now);
/* A conversation's page: not deleted, newest first, strictly after (t, id) when after_id. */
int sb_mongo_conversation_page_query(bson_t *filter, bson_t *opts, const char *pair,
                                     int64_t after_created_at, const char *after_id, int limit);
/* The conversation list of user: a users/messages-joining aggregation over conversations with
 * visible partners and a last message, yielding {total: [{n, unread}], page: [...]}. */
int sb_mongo_conversations_pipeline(bson_t *pipeline, const char *user_id, int64_t now, int offset,
                                    int limit);
/* Summary unread - 1 (never below 0), as a pipeline update. */
void sb_mongo_unread_minus_one(bson_t *pipeline);

/* Inside a caller's step (opts: its session or NULL): the caller's events, appended in order;
 * 1 when filter matches a document of coll, 0 when not, -1 on error; the summary of
 * user_id's side of the conversation with partner_id after message_id (sent at `at`). */
sb_store_status_t sb_mongo_events(sb_store_conn_t *c, const bson_t *opts,
                                  const sb_outbox_event_t *ev, int n, int64_t now,
                                  sb_store_error_t *err);
int sb_mongo_exists(sb_store_conn_t *c, const char *coll, const bson_t *filter, const bson_t *opts,
                    sb_store_error_t *err);
sb_store_status_t sb_mongo_summary(sb_store_conn_t *c, const bson_t *opts, const char *user_id,
                                   const char *partner_id, const char *message_id, int64_t at,
                                   int64_t unread, sb_store_error_t *err);

SB_STORE_MESSAGES_OPS(SB_MONGO_PROTOTYPE, messages)

#endif
