/*
 * Internal to the MongoDB driver: the tokens domain's builders (mongo_token_doc.c, pure) and
 * operations (mongo_tokens.c). Refresh and one-time tokens are keyed by their hash (_id); a
 * refresh token's family is a string. The mail budgets are one document per key ("u:<user>",
 * "i:<ip>") in mail_log holding the recent sends, taken by one findAndModify each.
 */
#ifndef SB_MONGO_TOKENS_H
#define SB_MONGO_TOKENS_H

#include "mongo_int.h"

/* refresh_tokens document; 0 for a bad user id. */
int sb_mongo_refresh_doc(bson_t *b, const char *hash, const char *user_id, const char *family_id,
                         int64_t expires_at, int64_t now);
/* {_id: hash} of either token collection. */
void sb_mongo_filter_hash(bson_t *b, const char *hash);
/* The guarded use of a refresh token: live (not used, not revoked, not expired at now). */
void sb_mongo_refresh_use(bson_t *filter, bson_t *update, const char *hash, const char *new_hash,
                          int64_t now);
/* Revoke every live token of a family. */
void sb_mongo_refresh_revoke_family(bson_t *filter, bson_t *update, const char *family_id,
                                    int64_t now);
/* Is family_id of user_id live: a token not revoked. 0 for a bad user id. */
int sb_mongo_filter_live_family(bson_t *b, const char *user_id, const char *family_id);

/* onetime_tokens document (nonce may be NULL); 0 for a bad user id. */
int sb_mongo_onetime_doc(bson_t *b, const char *hash, const char *user_id, const char *purpose,
                         int64_t expires_at, int64_t now, const char *nonce);
/* Invalidate the unused tokens of user and purpose. 0 for a bad user id. */
int sb_mongo_onetime_invalidate(bson_t *filter, bson_t *update, const char *user_id,
                                const char *purpose, int64_t now);
/* Consume once: the token of purpose, unused and unexpired at now, marked used. */
void sb_mongo_onetime_use(bson_t *filter, bson_t *update, const char *hash, const char *purpose,
                          int64_t now);
/* The same token unused but expired at now (EXPIRED rather than NOT_FOUND). */
void sb_mongo_onetime_expired(bson_t *filter, const char *hash, const char *purpose, int64_t now);
/* A live token of user and purpose issued with a nonce (find, newest expiry first: opts). 0 for
 * a bad user id. */
int sb_mongo_onetime_live(bson_t *filter, bson_t *opts, const char *user_id, const char *purpose,
                          int64_t now);

/* The pipeline update taking one send from a budget document: sends at or before since are
 * dropped, `granted` says whether fewer than max remain (max <= 0: no limit), and a granted
 * send {t: now, k: key} is appended. */
void sb_mongo_quota_update(bson_t *b, int64_t since, int max, int64_t now, const char *key);
/* Give a send back: {$pull: {sent: {k: key}}}. */
void sb_mongo_quota_giveback(bson_t *b, const char *key);

SB_STORE_TOKENS_OPS(SB_MONGO_PROTOTYPE, tokens)

#endif
