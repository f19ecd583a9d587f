/*
 * Internal to the MongoDB driver: the users domain's document, filter and update builders
 * (mongo_user_doc.c, pure: unit-tested against expected documents), the document reader
 * (mongo_user_read.c) and the operations (mongo_users.c).
 */
#ifndef SB_MONGO_USERS_H
#define SB_MONGO_USERS_H

#include "mongo_int.h"

/* ASCII lower case in p. */
const char *sb_mongo_lower(apr_pool_t *p, const char *s);

/* The stored document of u into b (initialised here); 0 when u's id is not a 24-hex id or it
 * has no username/email. */
int sb_mongo_user_doc(apr_pool_t *p, bson_t *b, const sb_user_t *u);
/* A new account's document: nu, the model's defaults, credits as given, every time now. */
int sb_mongo_user_new_doc(apr_pool_t *p, bson_t *b, const char *id, const sb_user_new_t *nu,
                          int64_t credits, int64_t now);
/* The list fields as a key of b: languages, skillsOffered, skillsWanted, availability. */
void sb_mongo_append_languages(bson_t *b, const apr_array_header_t *a);
void sb_mongo_append_offered(apr_pool_t *p, bson_t *b, const apr_array_header_t *a);
void sb_mongo_append_wanted(apr_pool_t *p, bson_t *b, const apr_array_header_t *a);
void sb_mongo_append_availability(bson_t *b, const apr_array_header_t *a);

/* Filters (b initialised here): by id (0 when not an id: the caller answers NOT_FOUND), by
 * email (case-insensitive), by login (email or username, case-insensitive). */
int sb_mongo_filter_user_id(bson_t *b, const char *id);
void sb_mongo_filter_email(apr_pool_t *p, bson_t *b, const char *email);
void sb_mongo_filter_login(apr_pool_t *p, bson_t *b, const char *login);

/* Updates (b initialised here). */
void sb_mongo_update_profile(bson_t *b, const sb_profile_patch_t *patch, int64_t now);
void sb_mongo_update_lists(apr_pool_t *p, bson_t *b, const apr_array_header_t *offered,
                           const apr_array_header_t *wanted, const apr_array_header_t *availability,
                           int64_t now);
/* what: "verified" | "password" (value: the hash) | "touch" | "role" (value) | "avatar". */
void sb_mongo_update_set(bson_t *b, const char *what, const char *value, int64_t now);
void sb_mongo_update_status(bson_t *b, int is_active, int is_banned, const char *ban_reason,
                            int64_t ban_expires_at, int64_t now);
/* refresh_tokens filter + update revoking every live token of user_id; 0 for a bad id. */
int sb_mongo_revoke_user_tokens(bson_t *filter, bson_t *update, const char *user_id, int64_t now);
/* The welcome bonus ledger row (idempotency key "welcome:<user>"); 0 for a bad id. */
int sb_mongo_bonus_row(bson_t *b, const char *row_id, const char *user_id, int64_t amount,
                       int64_t now);

/* 1 when the user with id exists (opts: a session or NULL), 0 when not or id is no id, -1 on
 * error (err set). */
int sb_mongo_user_exists(sb_store_conn_t *c, const char *id, const bson_t *opts,
                         sb_store_error_t *err);
/* A user document as read back; NULL when it has no ObjectId _id. */
sb_user_t *sb_mongo_user_from_doc(apr_pool_t *p, const bson_t *doc);

SB_STORE_USERS_OPS(SB_MONGO_PROTOTYPE, users)

#endif
