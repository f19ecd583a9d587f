/*
 * Internal to the MongoDB driver: per-process and per-request state, the schema table
 * (collections, indexes, the field a duplicate key names), error mapping and the BSON
 * conversions shared by the mongo_*.c files.
 *
 * Life cycle: sb_mongo_open (in the child, after fork) parses the URI and makes one
 * mongoc_client_pool_t; acquire pops a client and a cleanup on the acquiring pool pushes it
 * back; migrate asks the deployment what it is (transactions or not) and creates the
 * collections' indexes. mongoc_init runs once per process, mongoc_cleanup at its exit.
 */
#ifndef SB_MONGO_INT_H
#define SB_MONGO_INT_H

#include <sys/types.h>

#include <mongoc/mongoc.h>

#include "driver.h"

/* The database used when the URI names none. */
#define SB_MONGO_DEFAULT_DB "skillbarter"
/* The driver's own URI option (removed before libmongoc parses the URI): a file holding the
 * password of the URI's user, so no secret is written into a configuration file. */
#define SB_MONGO_OPT_PASSWORD_FILE "sbPasswordFile"

/* Per-process driver state (store->priv). */
typedef struct {
    mongoc_uri_t *uri;
    mongoc_client_pool_t *pool;
    const char *db;   /* database name */
    int timeout_ms;   /* server selection, and the wait for a free client */
    pid_t pid;        /* the process the pool belongs to (its threads do not survive a fork) */
    int transactions; /* the deployment runs multi-document transactions (set by migrate) */
} sb_mongo_store_t;

/* One acquired client (conn->priv), back to the pool by the cleanup on conn->pool. */
typedef struct {
    sb_mongo_store_t *ms;
    mongoc_client_t *client;
} sb_mongo_conn_t;

#define SB_MONGO(c) ((sb_mongo_conn_t *)(c)->priv)

/* mongoc_init, the quiet log handler and mongoc_cleanup at exit, once per process (the loader
 * calls it when it loads the driver; sb_mongo_open too). */
void sb_mongo_process_init(void);

/* ---- mongo_uri.c ---- */

/* Split uri into what libmongoc parses (*mongo_uri, in p) and the driver's own options
 * (*password_file, NULL when absent). ERROR for a malformed driver option. */
sb_store_status_t sb_mongo_uri_split(apr_pool_t *p, const char *uri, const char **mongo_uri,
                                     const char **password_file, sb_store_error_t *err);
/* The password in path: its bytes up to a trailing newline, in p. ERROR when unreadable or
 * empty; the message names the file, never its content. */
sb_store_status_t sb_mongo_read_password(apr_pool_t *p, const char *path, const char **out,
                                         sb_store_error_t *err);
/* 1 when name is a usable database name (1-63 bytes, none of / \ . " $ space). */
int sb_mongo_db_name_ok(const char *name);

/* ---- mongo_error.c ---- */

/* Map a libmongoc/server error (and the server's reply, may be NULL) to a store status:
 * server selection and network failures UNAVAILABLE, a duplicate key CONFLICT naming the
 * field of the index (sb_mongo_index_field), the rest ERROR. Fills err; returns the status. */
sb_store_status_t sb_mongo_fail(const bson_error_t *e, const bson_t *reply, sb_store_error_t *err,
                                const char *what);
/* What sb_mongo_fail adds to the message of an error labelled TransientTransactionError, and
 * the test for it: sb_mongo_atomic runs such a transaction again. */
#define SB_MONGO_TRANSIENT_MARK "[transient]"
int sb_mongo_err_transient(const sb_store_error_t *err);
/* 1 when the server's error code means "try again elsewhere/later" (not primary, shutting
 * down, network, timeouts). */
int sb_mongo_code_unavailable(uint32_t code);

/* ---- mongo_schema.c ---- */

/* One index of one collection, as createIndexes takes it. */
typedef struct {
    const char *collection;
    const char *name;    /* index name; a duplicate key error names it */
    const char *keys;    /* relaxed extended JSON of the key document */
    const char *options; /* extended JSON of unique/partialFilterExpression/...; NULL none */
    const char *field;   /* the field a CONFLICT on this index names; NULL for non-unique */
} sb_mongo_index_t;

/* The indexes created at start, NULL-terminated by a row whose collection is NULL. */
extern const sb_mongo_index_t sb_mongo_indexes[];
/* The collections the driver uses, NULL-terminated. */
extern const char *const sb_mongo_collections[];
/* The indexes of earlier versions dropped at start (same row shape, NULL-terminated). */
extern const sb_mongo_index_t sb_mongo_retired_indexes[];
/* {dropIndexes: collection, index: name} of a retired index into cmd (initialised here). */
void sb_mongo_drop_index_command(const sb_mongo_index_t *ix, bson_t *cmd);
/* 1 when a dropIndexes error says there is nothing to drop (no such collection or index). */
int sb_mongo_drop_gone(const bson_error_t *e);
/* The CONFLICT field of the unique index called name in collection (NULL = any collection);
 * "id" for _id_, NULL when unknown. */
const char *sb_mongo_index_field(const char *collection, const char *name);
/* The createIndexes command for one collection into cmd (initialised here; the caller
 * destroys it). 0 when the collection has no index rows, -1 on a bad row. */
int sb_mongo_index_command(const char *collection, bson_t *cmd, bson_error_t *e);
/* 1 when a hello reply comes from a replica set member or a mongos (multi-document
 * transactions available), 0 for a standalone server. */
int sb_mongo_hello_transactions(const bson_t *hello);

/* ---- mongo_bson.c: conversions ---- */

/* 24-hex id -> ObjectId; 0 when id is not one (callers answer NOT_FOUND). */
int sb_mongo_oid_from_id(const char *id, bson_oid_t *oid);
/* ObjectId -> 24 lower-case hex + NUL. */
void sb_mongo_id_from_oid(const bson_oid_t *oid, char out[SB_ID_LEN + 1]);
/* Append id as an ObjectId under key; 0 when id is not a 24-hex id. */
int sb_mongo_append_id(bson_t *b, const char *key, const char *id);
/* Store times are milliseconds since the epoch; BSON dates are the same, kept apart here so
 * that a change of unit has one place. 0 (unset) is appended as null. */
void sb_mongo_append_time(bson_t *b, const char *key, int64_t ms);
/* A string, or null for NULL. */
void sb_mongo_append_str_or_null(bson_t *b, const char *key, const char *s);
/* An id as an ObjectId, or null when absent, empty or not an id. */
void sb_mongo_append_id_or_null(bson_t *b, const char *key, const char *id);
/* A string as a pipeline value, {$literal: s} (text that looks like "$field" stays text), or
 * null for NULL. */
void sb_mongo_append_literal(bson_t *b, const char *key, const char *s);
/* The keyset condition "strictly before (t, id)" in (time_key, _id) descending order:
 * {$or: [{time_key: {$lt: t}}, {time_key: t, _id: {$lt: id}}]}, appended to filter. */
void sb_mongo_append_before(bson_t *filter, const char *time_key, int64_t t, const bson_oid_t *id);
/* A NOT_FOUND that means "none" to the caller, as OK with err cleared; other statuses as
 * they are. */
sb_store_status_t sb_mongo_not_found_ok(sb_store_status_t st, sb_store_error_t *err);
/* The tail of every read through a cursor: the cursor's error, if it ended on one, as the
 * store error (named what), unless st already is one (a reader that stopped on an error of
 * its own keeps it); then the cursor and col destroyed (col may be NULL: the caller goes on
 * with it). Returns the resulting status. The reply the error came with is the cursor's, so
 * it is read before the cursor goes. */
sb_store_status_t sb_mongo_cursor_end(mongoc_cursor_t *cur, mongoc_collection_t *col,
                                      sb_store_status_t st, const char *what,
                                      sb_store_error_t *err);
/* The time under key of a document (date, int64, int32 or double); 0 when absent/null. */
int64_t sb_mongo_get_time(const bson_t *doc, const char *key);
/* Each subdocument of the array under key (a document's top-level key): fn(p, sub, ctx). */
void sb_mongo_each_doc(apr_pool_t *p, const bson_t *doc, const char *key,
                       void (*fn)(apr_pool_t *p, const bson_t *sub, void *ctx), void *ctx);
/* Typed reads of a document's top-level key: a string in p (NULL when absent, null or not a
 * string), an integer (0 when absent), a double, an ObjectId as 24 hex (0 when absent). */
const char *sb_mongo_doc_str(apr_pool_t *p, const bson_t *doc, const char *key);
int64_t sb_mongo_doc_int(const bson_t *doc, const char *key);
/* A boolean key as 1 or 0, -1 when absent, null or not a boolean (a review's wouldRecommend). */
int sb_mongo_doc_tristate(const bson_t *doc, const char *key);
double sb_mongo_doc_double(const bson_t *doc, const char *key);
int sb_mongo_doc_id(const bson_t *doc, const char *key, char out[SB_ID_LEN + 1]);
/* Canonical extended JSON of doc in p (what the builder tests compare). */
const char *sb_mongo_json(apr_pool_t *p, const bson_t *doc);

/* ---- mongo_write.c ---- */

/* The writes of one atomic step; opts holds the session (append it to every call's opts), or
 * is NULL when the deployment has no transactions. */
typedef sb_store_status_t (*sb_mongo_step_fn)(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                              sb_store_error_t *err);
/* fn in one transaction (committed when it answers OK, aborted otherwise), or fn alone. */
sb_store_status_t sb_mongo_atomic(sb_store_conn_t *c, sb_mongo_step_fn fn, void *ctx,
                                  sb_store_error_t *err);
sb_store_status_t sb_mongo_insert(sb_store_conn_t *c, const char *coll, const bson_t *doc,
                                  const bson_t *opts, const char *what, sb_store_error_t *err);
/* updateOne/updateMany; *matched (may be NULL) gets matchedCount. */
sb_store_status_t sb_mongo_update(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                  const bson_t *update, const bson_t *opts, int many,
                                  int64_t *matched, const char *what, sb_store_error_t *err);
/* updateOne that answers NOT_FOUND when filter matched nothing. */
sb_store_status_t sb_mongo_update_found(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                        const bson_t *update, const bson_t *opts, const char *what,
                                        sb_store_error_t *err);
sb_store_status_t sb_mongo_delete(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                  const bson_t *opts, int many, int64_t *deleted, const char *what,
                                  sb_store_error_t *err);
sb_store_status_t sb_mongo_find_modify(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                       const bson_t *update, int return_new, const bson_t *opts,
                                       bson_t *out, const char *what, sb_store_error_t *err);
sb_store_status_t sb_mongo_find_one(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                    const bson_t *opts, bson_t *out, const char *what,
                                    sb_store_error_t *err);

/* findAndModify with a pipeline update; *out the document after it. */
sb_store_status_t sb_mongo_find_modify_pipeline(sb_store_conn_t *c, const char *coll,
                                                const bson_t *filter, const bson_t *pipeline,
                                                int upsert, const bson_t *opts, bson_t *out,
                                                const char *what, sb_store_error_t *err);
/* The first result of an aggregation (empty document when none). */
sb_store_status_t sb_mongo_aggregate_one(sb_store_conn_t *c, const char *coll,
                                         const bson_t *pipeline, bson_t *out, const char *what,
                                         sb_store_error_t *err);

/* Each document of a find on coll (filter, opts) or of an aggregation (pipeline), into
 * fn(p, doc, ctx), then the cursor's error as a store error. */
typedef void (*sb_mongo_doc_fn)(apr_pool_t *p, const bson_t *doc, void *ctx);
sb_store_status_t sb_mongo_find_each(sb_store_conn_t *c, apr_pool_t *p, const char *coll,
                                     const bson_t *filter, const bson_t *opts, sb_mongo_doc_fn fn,
                                     void *ctx, const char *what, sb_store_error_t *err);
sb_store_status_t sb_mongo_aggregate_each(sb_store_conn_t *c, apr_pool_t *p, const char *coll,
                                          const bson_t *pipeline, sb_mongo_doc_fn fn, void *ctx,
                                          const char *what, sb_store_error_t *err);
/* opts (may be NULL: no session) with upsert: true, into out (initialised here). */
void sb_mongo_upsert_opts(bson_t *out, const bson_t *opts);

/* A driver prototype per list row: sb_store_status_t sb_mongo_<name>(...); */
#define SB_MONGO_PROTOTYPE(d, name, params, args) sb_store_status_t sb_mongo_##name params;

/* ---- mongo_driver.c ---- */

/* A collection handle of the acquired client (destroy with mongoc_collection_destroy). */
mongoc_collection_t *sb_mongo_coll(sb_store_conn_t *c, const char *name);

#endif
