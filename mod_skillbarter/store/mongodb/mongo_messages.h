/*
 * Internal to the MongoDB driver: messages ({pair, senderId, receiverId, content, ...}; pair is
 * both ids ascending, concatenated, as the SQLite driver keys a conversation) and the
 * per-side summaries in conversations ({userId, partnerId, lastMessageId, lastAt, unread,
 * partnerHidden}) with their per-user counters (conversation_stats, mongo_conv_stats.c).
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

/* The message document of m; 0 for a bad id. A session request (m->session set: what the
 * sessions domain writes with the message it books from) carries its own copy of the request
 * in the SB_MONGO_COPY_* fields (flat, beside the message's: sessionId is what the index
 * messages.session and sb_mongo_request_mirror find it by). */
int sb_mongo_message_doc(bson_t *b, const sb_message_t *m);
#define SB_MONGO_COPY_ID          "sessionId"
#define SB_MONGO_COPY_SKILL       "sessionSkill"
#define SB_MONGO_COPY_DURATION    "sessionDuration"
#define SB_MONGO_COPY_PROPOSED    "sessionProposedTime"
#define SB_MONGO_COPY_DESCRIPTION "sessionDescription"
#define SB_MONGO_COPY_STATUS      "sessionStatus"
/* That copy appended to b (the only writer of those fields but the mirror's $set); 0 for a
 * bad session id. */
int sb_mongo_append_session_copy(bson_t *b, const sb_message_session_t *d);
/* The copy read back from a message document (in p; session_status NULL), NULL when it has
 * none (the only reader of those fields). */
const sb_message_session_t *sb_mongo_session_copy(apr_pool_t *p, const bson_t *doc);
/* A message document into m (strings in p); m->session the message's copy of its request,
 * NULL for other messages. */
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
/* A page of user's conversation list: the summaries with a last message newest first (index
 * recent), each joined with its partner, those with a visible partner, offset/limit, each
 * with its last message ({partner, last, unread, ...}). The totals: sb_mongo_stats_read. */
int sb_mongo_conversations_pipeline(bson_t *pipeline, const char *user_id, int64_t now, int offset,
                                    int limit);
/* Summary unread - 1 (never below 0), as a pipeline update. */
void sb_mongo_unread_minus_one(bson_t *pipeline);

/* ---- shared by mongo_messages.c and mongo_message_marks.c ---- */

/* The caller's events appended to the outbox in order (opts: the step's session or NULL). */
sb_store_status_t sb_mongo_events(sb_store_conn_t *c, const bson_t *opts,
                                  const sb_outbox_event_t *ev, int n, int64_t now,
                                  sb_store_error_t *err);
/* 1 when filter matches a document of coll, 0 when not, -1 on error (err set). */
int sb_mongo_exists(sb_store_conn_t *c, const char *coll, const bson_t *filter, const bson_t *opts,
                    sb_store_error_t *err);

/* The summary of user_id's side of the conversation with partner_id after message_id (sent
 * at `at`), in the caller's step. */
sb_store_status_t sb_mongo_summary(sb_store_conn_t *c, const bson_t *opts, const char *user_id,
                                   const char *partner_id, const char *message_id, int64_t at,
                                   int64_t unread, sb_store_error_t *err);

/* ---- mongo_conv_stats.c: the per-user conversation counters ---- */

/* A summary change's pipeline: what the summary counted before (prevListed, prevUnread), the
 * change's stages (an array document), and, with op (no transaction), the pending entry
 * {op, t: now} appended to statsPending. 0 for a bad op. */
int sb_mongo_summary_change_pipeline(bson_t *out, const bson_t *stages, const char *op,
                                     int64_t now);
/* The counters' difference a changed summary (the document returned) makes. */
void sb_mongo_stats_delta(const bson_t *after, int64_t *conversations, int64_t *unread);
/* {_id: user} and {$inc: {conversations, unread}}; 0 for a bad id. */
int sb_mongo_stats_inc(bson_t *filter, bson_t *update, const char *user_id, int64_t conversations,
                       int64_t unread);
/* One summary changed by stages (upsert: created when missing) and its user's counters by the
 * difference, in the caller's step (opts: its session or NULL). A summary that is not there
 * (upsert 0) changes nothing. */
sb_store_status_t sb_mongo_summary_change(sb_store_conn_t *c, const bson_t *opts,
                                          const bson_t *filter, const bson_t *stages, int upsert,
                                          sb_store_error_t *err);
/* Every summary with partner_id as partner flagged hidden (or not), each a summary change. */
sb_store_status_t sb_mongo_partner_hidden(sb_store_conn_t *c, const bson_t *opts,
                                          const char *partner_id, int hidden,
                                          sb_store_error_t *err);
/* Conversations pipelines yielding {n, unread}: a user counted from scratch (the recovery's),
 * and the user's flagged summaries whose partner is visible at now (ban run out). */
int sb_mongo_stats_recount_pipeline(bson_t *pipeline, const char *user_id);
int sb_mongo_stats_unhidden_pipeline(bson_t *pipeline, const char *user_id, int64_t now);
/* The list's totals: the counters plus the flagged summaries whose partner is visible. */
sb_store_status_t sb_mongo_stats_read(sb_store_conn_t *c, const char *user_id, int64_t now,
                                      int64_t *total, int64_t *unread, sb_store_error_t *err);
/* Users whose counters a stopped process left half changed (entries older than before),
 * counted afresh. */
sb_store_status_t sb_mongo_stats_recover(sb_store_conn_t *c, int64_t before, int *fixed,
                                         sb_store_error_t *err);

SB_STORE_MESSAGES_OPS(SB_MONGO_PROTOTYPE, messages)

#endif
