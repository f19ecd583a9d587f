/*
 * MongoDB driver: the collections and their indexes, created at start (createIndexes is
 * idempotent and safe when several processes race), and what the deployment can do.
 *
 * Ids are ObjectIds under _id (the same 24-hex ids as the SQLite driver); case-insensitive
 * keys are kept lower-cased next to the shown value (usernameLower, emailLower), so the
 * unique index compares them the way the SQLite driver does. Tokens are keyed by their hash
 * (_id), job leases by their name. The outbox is pruned by its retention job like SQLite's
 * (no TTL index: the retention is a directive, read by the job, not by the schema).
 */
#include "mongo_int.h"

#include <string.h>

const char *const sb_mongo_collections[] = {"users",
                                            "refresh_tokens",
                                            "onetime_tokens",
                                            "credit_transactions",
                                            "outbox",
                                            "outbox_heads",
                                            "counters",
                                            "messages",
                                            "conversations",
                                            "notifications",
                                            "user_blocks",
                                            "mail_queue",
                                            "mail_log",
                                            "job_leases",
                                            "sessions",
                                            "reviews",
                                            "transfers",
                                            "discover_counts",
                                            "conversation_stats",
                                            "session_hours",
                                            NULL};

#define SB_STR_SET "{\"$type\": \"string\"}"

const sb_mongo_index_t sb_mongo_indexes[] = {
    {"users", "username", "{\"usernameLower\": 1}", "{\"unique\": true}", "username"},
    {"users", "email", "{\"emailLower\": 1}", "{\"unique\": true}", "email"},
    {"users", "calendarToken", "{\"calendarToken\": 1}",
     "{\"unique\": true, \"partialFilterExpression\": {\"calendarToken\": " SB_STR_SET "}}",
     "calendarToken"},
    {"users", "offered_skill", "{\"skillsOffered.skillLower\": 1}", NULL, NULL},
    /* the discover list by category, read in its own order (SQLite: discover_category_seen) */
    {"users", "category_seen", "{\"skillsOffered.category\": 1, \"lastSeen\": -1, \"_id\": -1}",
     NULL, NULL},
    {"users", "wanted_skill", "{\"skillsWanted.skillLower\": 1}", NULL, NULL},
    {"users", "last_seen", "{\"lastSeen\": -1, \"_id\": -1}", NULL, NULL},
    {"users", "pending_moves", "{\"pendingMoves.t\": 1}", NULL, NULL},
    {"users", "search_tokens", "{\"searchTokens\": 1}", NULL, NULL},
    {"users", "agg_pending", "{\"aggPending.t\": 1}", NULL, NULL},
    {"users", "timed_ban", "{\"banExpiresAt\": 1}",
     "{\"partialFilterExpression\": {\"isBanned\": true}}", NULL},
    {"discover_counts", "counts_top", "{\"_id.t\": 1, \"n\": -1, \"_id.s\": 1}", NULL, NULL},
    {"discover_counts", "counts_name", "{\"_id.t\": 1, \"_id.s\": 1}", NULL, NULL},
    {"refresh_tokens", "user", "{\"userId\": 1}", NULL, NULL},
    {"refresh_tokens", "family", "{\"familyId\": 1}", NULL, NULL},
    {"onetime_tokens", "user_purpose", "{\"userId\": 1, \"purpose\": 1, \"expiresAt\": -1}", NULL,
     NULL},
    {"credit_transactions", "user_time", "{\"userId\": 1, \"createdAt\": -1, \"seq\": -1}", NULL,
     NULL},
    {"credit_transactions", "session", "{\"relatedSession\": 1}", NULL, NULL},
    {"transfers", "open", "{\"state\": 1, \"createdAt\": 1}", NULL, NULL},
    {"credit_transactions", "idemKey", "{\"idemKey\": 1}",
     "{\"unique\": true, \"partialFilterExpression\": {\"idemKey\": " SB_STR_SET "}}", "idemKey"},
    {"outbox", "seq", "{\"seq\": 1}", "{\"unique\": true}", "seq"},
    {"outbox", "user_seq", "{\"userId\": 1, \"userSeq\": 1}", "{\"unique\": true}", "userSeq"},
    {"outbox", "created", "{\"createdAt\": 1}", NULL, NULL},
    {"messages", "conversation", "{\"pair\": 1, \"createdAt\": -1, \"_id\": -1}", NULL, NULL},
    {"messages", "unread", "{\"pair\": 1, \"receiverId\": 1, \"isRead\": 1}", NULL, NULL},
    {"conversations", "pair", "{\"userId\": 1, \"partnerId\": 1}", "{\"unique\": true}", "id"},
    {"conversations", "recent", "{\"userId\": 1, \"lastAt\": -1, \"partnerId\": -1}", NULL, NULL},
    /* the conversation counters: a partner's summaries, the flagged ones, pending entries */
    {"conversations", "partner", "{\"partnerId\": 1}", NULL, NULL},
    {"conversations", "hidden", "{\"userId\": 1}",
     "{\"partialFilterExpression\": {\"partnerHidden\": true}}", NULL},
    {"conversations", "stats_pending", "{\"statsPending.t\": 1}", NULL, NULL},
    {"notifications", "user_time", "{\"userId\": 1, \"createdAt\": -1, \"_id\": -1}", NULL, NULL},
    {"notifications", "unread", "{\"userId\": 1, \"isRead\": 1, \"type\": 1, \"subjectId\": 1}",
     NULL, NULL},
    {"user_blocks", "pair", "{\"blockerId\": 1, \"blockedId\": 1}", "{\"unique\": true}", "id"},
    {"user_blocks", "blocked", "{\"blockedId\": 1}", NULL, NULL},
    {"user_blocks", "recent", "{\"blockerId\": 1, \"createdAt\": -1}", NULL, NULL},
    /* the claim: queued mail due soonest first, read in the index's order (not a scan of the
     * mail ever sent, which the queue keeps) */
    {"mail_queue", "state_due", "{\"state\": 1, \"nextAttemptAt\": 1, \"createdAt\": 1}", NULL,
     NULL},
    {"sessions", "roomId", "{\"roomId\": 1}",
     "{\"unique\": true, \"partialFilterExpression\": {\"roomId\": " SB_STR_SET "}}", "roomId"},
    {"sessions", "teacher", "{\"teacherId\": 1, \"scheduledTime\": -1, \"_id\": -1}", NULL, NULL},
    {"sessions", "student", "{\"studentId\": 1, \"scheduledTime\": -1, \"_id\": -1}", NULL, NULL},
    {"sessions", "due", "{\"status\": 1, \"scheduledTime\": 1}", NULL, NULL},
    /* a participant's open sessions by start: the overlap check of a booking or a move, and
     * the learner's held credits, cost the open sessions, not every session they ever had */
    {"sessions", "teacher_open", "{\"teacherId\": 1, \"status\": 1, \"scheduledTime\": 1}", NULL,
     NULL},
    {"sessions", "student_open", "{\"studentId\": 1, \"status\": 1, \"scheduledTime\": 1}", NULL,
     NULL},
    {"sessions", "intent", "{\"movesAt\": 1}", "{\"sparse\": true}", NULL},
    {"messages", "session", "{\"sessionId\": 1}",
     "{\"partialFilterExpression\": {\"sessionId\": {\"$type\": \"objectId\"}}}", NULL},
    {"sessions", "created", "{\"createdAt\": -1}", NULL, NULL},
    /* trending: the hours of a window (mongo_trend.c) */
    {"session_hours", "hour", "{\"hour\": 1}", NULL, NULL},
    {"reviews", "review_once", "{\"sessionId\": 1, \"reviewerId\": 1}", "{\"unique\": true}",
     "review"},
    /* a profile's reviews newest first, read in the index's order (no sort of them all) */
    {"reviews", "reviewee_recent", "{\"revieweeId\": 1, \"createdAt\": -1, \"_id\": -1}", NULL,
     NULL},
    {NULL, NULL, NULL, NULL, NULL}};

/* Indexes an earlier version created that no query uses any more: dropped at start, so
 * writes stop maintaining them. A name here is never one of sb_mongo_indexes (it would be
 * dropped at every start). */
const sb_mongo_index_t sb_mongo_retired_indexes[] = {
    /* keyed on "status", a field mail documents never had (they keep "state") */
    {"mail_queue", "due", "{\"status\": 1, \"nextAttemptAt\": 1}", NULL, NULL},
    /* without _id, so the reviews' order (createdAt, then _id) needed a sort of them all */
    {"reviews", "reviewee", "{\"revieweeId\": 1, \"createdAt\": -1}", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}};

void sb_mongo_drop_index_command(const sb_mongo_index_t *ix, bson_t *cmd)
{
    bson_init(cmd);
    BSON_APPEND_UTF8(cmd, "dropIndexes", ix->collection);
    BSON_APPEND_UTF8(cmd, "index", ix->name);
}

int sb_mongo_drop_gone(const bson_error_t *e)
{
    return e->code == 26 || e->code == 27; /* NamespaceNotFound, IndexNotFound */
}

const char *sb_mongo_index_field(const char *collection, const char *name)
{
    const sb_mongo_index_t *ix;

    if (!strcmp(name, "_id_")) {
        return "id";
    }
    for (ix = sb_mongo_indexes; ix->collection; ix++) {
        if ((!collection || !strcmp(collection, ix->collection)) && !strcmp(name, ix->name)) {
            return ix->field;
        }
    }
    return NULL;
}

int sb_mongo_index_command(const char *collection, bson_t *cmd, bson_error_t *e)
{
    const sb_mongo_index_t *ix;
    bson_t arr;
    int n = 0;

    bson_init(cmd);
    BSON_APPEND_UTF8(cmd, "createIndexes", collection);
    BSON_APPEND_ARRAY_BEGIN(cmd, "indexes", &arr);
    for (ix = sb_mongo_indexes; ix->collection; ix++) {
        bson_t one, keys, opts;
        char key[16];
        const char *k;
        bson_iter_t it;

        if (strcmp(ix->collection, collection)) {
            continue;
        }
        if (!bson_init_from_json(&keys, ix->keys, -1, e)) {
            bson_destroy(cmd);
            return -1;
        }
        bson_uint32_to_string((uint32_t)n++, &k, key, sizeof(key));
        bson_append_document_begin(&arr, k, -1, &one);
        BSON_APPEND_DOCUMENT(&one, "key", &keys);
        BSON_APPEND_UTF8(&one, "name", ix->name);
        bson_destroy(&keys);
        if (ix->options) {
            if (!bson_init_from_json(&opts, ix->options, -1, e)) {
                bson_append_document_end(&arr, &one);
                bson_append_array_end(cmd, &arr);
                bson_destroy(cmd);
                return -1;
            }
            if (bson_iter_init(&it, &opts)) {
                while (bson_iter_next(&it)) {
                    bson_append_iter(&one, bson_iter_key(&it), -1, &it);
                }
            }
            bson_destroy(&opts);
        }
        bson_append_document_end(&arr, &one);
    }
    bson_append_array_end(cmd, &arr);
    return n;
}

/* A replica set member (setName) from wire version 7 (4.0), or a mongos (msg "isdbgrid")
 * from wire version 8 (4.2), runs multi-document transactions. */
int sb_mongo_hello_transactions(const bson_t *hello)
{
    bson_iter_t it;
    int32_t wire = 0;
    int rs, mongos;

    if (bson_iter_init_find(&it, hello, "maxWireVersion") && BSON_ITER_HOLDS_INT(&it)) {
        wire = (int32_t)bson_iter_as_int64(&it);
    }
    rs = bson_iter_init_find(&it, hello, "setName") && BSON_ITER_HOLDS_UTF8(&it);
    mongos = bson_iter_init_find(&it, hello, "msg") && BSON_ITER_HOLDS_UTF8(&it)
             && !strcmp(bson_iter_utf8(&it, NULL), "isdbgrid");
    return (rs && wire >= 7) || (mongos && wire >= 8);
}
