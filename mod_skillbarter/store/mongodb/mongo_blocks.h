/*
 * Internal to the MongoDB driver: blocks (user_blocks: {blockerId, blockedId, createdAt}, one
 * per pair by the unique index "pair") and the discovery card of a user document, which the
 * blocks list shows (mongo_card.c).
 */
#ifndef SB_MONGO_BLOCKS_H
#define SB_MONGO_BLOCKS_H

#include "mongo_int.h"

/* Push the card of a user document onto a (of sb_user_card_t); its lists as the same JSON
 * text the SQLite driver keeps (keys and order of the spec's User model). NULL for a document
 * that is no user. */
sb_user_card_t *sb_mongo_card_from_doc(apr_pool_t *p, const bson_t *doc, apr_array_header_t *a);

/* The pair's filter, and the upsert that keeps the first blocking time. 0 for a bad id. */
int sb_mongo_block_pair(bson_t *filter, bson_t *update, const char *blocker, const char *blocked,
                        int64_t now);
/* Either blocks the other. 0 for a bad id. */
int sb_mongo_block_either(bson_t *filter, const char *a, const char *b);
/* blocker's blocks, most recent first (filter + opts). 0 for a bad id. */
int sb_mongo_blocks_of(bson_t *filter, bson_t *opts, const char *blocker);

SB_STORE_BLOCKS_OPS(SB_MONGO_PROTOTYPE, blocks)

#endif
