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
/* ---- mongo_card.c: the fields a user document derives from its card fields ---- */

/* The distinct lower-cased words of text (runs of ASCII letters and digits and of non-ASCII
 * bytes) pushed onto out (const char *), skipping those out holds already. */
void sb_mongo_words(apr_pool_t *p, const char *text, apr_array_header_t *out);
/* cardHead, searchTokens, searchName, searchSkills and searchBio of u, appended to b. */
void sb_mongo_append_derived(apr_pool_t *p, bson_t *b, const sb_user_t *u);
/* The card of a user document as discovery hands it out: its kept cardHead with id,
 * lastSeen, rating, totalReviews and isVerified (every card field from the document when it
 * has no cardHead); NULL for a document that is no user. */
sb_user_card_t *sb_mongo_card_kept(apr_pool_t *p, const bson_t *doc, apr_array_header_t *a);

/* A user document as read back; NULL when it has no ObjectId _id. */
sb_user_t *sb_mongo_user_from_doc(apr_pool_t *p, const bson_t *doc);

/* ---- mongo_user_edit.c: guarded edits (a write of card fields or of visibility) ---- */

typedef struct {
    apr_pool_t *p;
    const char *id;
    const bson_t *update;                         /* the builder's {$set: ...} */
    void (*apply)(sb_user_t *u, const void *ctx); /* the same change made on the model */
    const void *ctx;
    int touches_card; /* the update writes a card field: the derived fields are rewritten */
    int64_t now;
    sb_user_t *before, *after; /* the user read and the user written (set by the edit) */
} sb_mongo_edit_t;

/* The guarded write: update's $set plus derived (may be NULL), rev + 1, and the aggregates'
 * pending entry when given (may be NULL). */
int sb_mongo_edit_update(bson_t *out, const bson_t *update, const bson_t *derived,
                         const bson_t *pending);
/* {_id: id, rev: the revision doc was read at} ({$exists: false} before the first). */
int sb_mongo_edit_filter(bson_t *b, const char *id, const bson_t *doc);
/* A profile patch on the model, as sb_mongo_update_profile's update on the document. */
void sb_mongo_apply_profile(sb_user_t *u, const sb_profile_patch_t *patch);
/* The edit inside the caller's atomic step (opts: its session or NULL); NOT_FOUND when the
 * user is not there, STALE when other writers won the race every time. */
sb_store_status_t sb_mongo_user_edit_step(sb_store_conn_t *c, const bson_t *opts,
                                          sb_mongo_edit_t *ed, sb_store_error_t *err);
/* The edit as an atomic step of its own. */
sb_store_status_t sb_mongo_user_edit(sb_store_conn_t *c, sb_mongo_edit_t *ed,
                                     sb_store_error_t *err);

SB_STORE_USERS_OPS(SB_MONGO_PROTOTYPE, users)

#endif
