/*
 * Internal to the MongoDB driver: the mail queue (mail_queue: {kind, userId, envelopeFrom,
 * rcpt, message, state, claim, lastError, attempts, createdAt, nextAttemptAt, updatedAt,
 * sentAt}). Every state change is one write guarded by the state it leaves and the claim
 * that holds it. Builders (pure) and operations in mongo_mail.c.
 */
#ifndef SB_MONGO_MAIL_H
#define SB_MONGO_MAIL_H

#include "mongo_int.h"

/* The queued document of m; 0 for an incomplete message or a bad id. */
int sb_mongo_mail_doc(bson_t *b, const char *id, const sb_store_mail_new_t *m, int64_t now);
/* The claim: the oldest queued message due at now (filter, sort) and its update. */
void sb_mongo_mail_claim_query(bson_t *filter, bson_t *sort, bson_t *update, const char *holder,
                               int64_t now);
/* The guard of a state change: id, held by holder (NULL: any claim), in one of the states of
 * from (NULL-terminated). 0 for a bad id. */
int sb_mongo_mail_guard(bson_t *filter, const char *id, const char *holder,
                        const char *const *from);
/* A mail document into an sb_store_mail_t in p. */
sb_store_mail_t *sb_mongo_mail_from_doc(apr_pool_t *p, const bson_t *doc);

/* Insert m inside the caller's step (opts: its session or NULL); *queued 0 for a notification
 * to a user who opted out; id_out (may be NULL) gets its id. */
sb_store_status_t sb_mongo_mail_insert(sb_store_conn_t *c, const bson_t *opts,
                                       const sb_store_mail_new_t *m, int64_t now, int *queued,
                                       char *id_out, sb_store_error_t *err);

SB_STORE_MAIL_OPS(SB_MONGO_PROTOTYPE, mail)

#endif
