/*
 * MongoDB driver: the per-user conversation counters (conversation_stats: {_id: user,
 * conversations, unread}), so a conversation list reads one document for its totals instead
 * of every conversation of the user (SQLite: sql/010).
 *
 * A summary counts while it holds a last message and its partner is not hidden
 * (partnerHidden: the partner inactive or banned, kept by user_set_status). Every change of a
 * summary is one findAndModify whose pipeline first records what the summary counted before
 * (prevListed, prevUnread), so the document it returns gives the exact difference, which is
 * added to the user's counters in the same transaction; without transactions the change also
 * records a pending entry on the summary (statsPending: {op, t}) until the counters have it,
 * and sb_mongo_stats_recover counts a user afresh when a stopped process left one. Partners
 * whose ban has run out are visible although still flagged: the list adds those few
 * (index conversations.hidden).
 */
#include "mongo_messages.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_CONVS "conversations"
#define SB_STATS "conversation_stats"
#define SB_OID   "{\"$oid\": \"%s\"}"
#define SB_DATE  "{\"$date\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}"

/* listed: a last message and a partner not hidden (as a pipeline expression). */
#define SB_LISTED                                                                                  \
    "{\"$and\": [{\"$ne\": [{\"$ifNull\": [\"$lastMessageId\", null]}, null]},"                    \
    " {\"$ne\": [\"$partnerHidden\", true]}]}"

int sb_mongo_summary_change_pipeline(bson_t *out, const bson_t *stages, const char *op, int64_t now)
{
    bson_iter_t it;
    bson_t first, last;
    char key[16];
    const char *k;
    uint32_t i = 0;

    bson_init(out);
    if (!sb_mongo_json_doc(&first, "{\"$set\": {\"prevListed\": " SB_LISTED ","
                                   " \"prevUnread\": {\"$ifNull\": [\"$unread\", 0]}}}")) {
        return 0;
    }
    bson_uint32_to_string(i++, &k, key, sizeof(key));
    BSON_APPEND_DOCUMENT(out, k, &first);
    bson_destroy(&first);
    if (bson_iter_init(&it, stages)) {
        while (bson_iter_next(&it)) {
            const uint8_t *data;
            uint32_t len;
            bson_t st;
            if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
                continue;
            }
            bson_iter_document(&it, &len, &data);
            if (bson_init_static(&st, data, len)) {
                bson_uint32_to_string(i++, &k, key, sizeof(key));
                BSON_APPEND_DOCUMENT(out, k, &st);
            }
        }
    }
    if (op) {
        if (!sb_id_valid(op)
            || !sb_mongo_json_doc(&last,
                                  "{\"$set\": {\"statsPending\": {\"$concatArrays\": [{\"$ifNull\":"
                                  " [\"$statsPending\", []]}, [{\"op\": \"%s\", \"t\": " SB_DATE
                                  "}]]}}}",
                                  op, now)) {
            bson_destroy(out);
            bson_init(out);
            return 0;
        }
        bson_uint32_to_string(i++, &k, key, sizeof(key));
        BSON_APPEND_DOCUMENT(out, k, &last);
        bson_destroy(&last);
    }
    return 1;
}

void sb_mongo_stats_delta(const bson_t *after, int64_t *conversations, int64_t *unread)
{
    bson_iter_t it;
    int listed, was;

    listed = bson_iter_init_find(&it, after, "lastMessageId") && BSON_ITER_HOLDS_OID(&it)
             && !sb_mongo_doc_int(after, "partnerHidden");
    was = sb_mongo_doc_int(after, "prevListed") != 0;
    *conversations = listed - was;
    *unread = (listed ? sb_mongo_doc_int(after, "unread") : 0)
              - (was ? sb_mongo_doc_int(after, "prevUnread") : 0);
}

int sb_mongo_stats_inc(bson_t *filter, bson_t *update, const char *user_id, int64_t conversations,
                       int64_t unread)
{
    if (!sb_id_valid(user_id)) {
        return 0;
    }
    sb_mongo_json_doc(filter, "{\"_id\": " SB_OID "}", user_id);
    return sb_mongo_json_doc(update,
                             "{\"$inc\": {\"conversations\": {\"$numberLong\": \"%" APR_INT64_T_FMT
                             "\"}, \"unread\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}}",
                             conversations, unread);
}

sb_store_status_t sb_mongo_summary_change(sb_store_conn_t *c, const bson_t *opts,
                                          const bson_t *filter, const bson_t *stages, int upsert,
                                          sb_store_error_t *err)
{
    int64_t now = apr_time_as_msec(apr_time_now()); /* the pending entry's age: wall clock */
    char op[SB_ID_LEN + 1], user[SB_ID_LEN + 1], id[SB_ID_LEN + 1];
    bson_t pipeline, after, f, u, uo;
    int64_t dc, du;
    sb_store_status_t st;

    if (!opts) {
        sb_id_new(op);
    }
    if (!sb_mongo_summary_change_pipeline(&pipeline, stages, opts ? NULL : op, now)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "summary change: bad pipeline");
    }
    st = sb_mongo_find_modify_pipeline(c, SB_CONVS, filter, &pipeline, upsert, opts, &after,
                                       "conversation summary", err);
    bson_destroy(&pipeline);
    if (st == SB_STORE_NOT_FOUND && !upsert) {
        bson_destroy(&after);
        return sb_mongo_not_found_ok(st, err); /* no such summary: nothing counted changes */
    }
    if (st != SB_STORE_OK || !sb_mongo_doc_id(&after, "userId", user)
        || !sb_mongo_doc_id(&after, "_id", id)) {
        bson_destroy(&after);
        return st != SB_STORE_OK ? st : sb_store_fail(err, SB_STORE_ERROR, NULL, "summary: no ids");
    }
    sb_mongo_stats_delta(&after, &dc, &du);
    bson_destroy(&after);
    if ((dc || du) && sb_mongo_stats_inc(&f, &u, user, dc, du)) {
        sb_mongo_upsert_opts(&uo, opts);
        st = sb_mongo_update(c, SB_STATS, &f, &u, &uo, 0, NULL, "conversation stats", err);
        bson_destroy(&f);
        bson_destroy(&u);
        bson_destroy(&uo);
    }
    if (st == SB_STORE_OK && !opts) {
        sb_mongo_json_doc(&f, "{\"_id\": " SB_OID "}", id);
        sb_mongo_json_doc(&u, "{\"$pull\": {\"statsPending\": {\"op\": \"%s\"}}}", op);
        st = sb_mongo_update(c, SB_CONVS, &f, &u, NULL, 0, NULL, "stats done", err);
        bson_destroy(&f);
        bson_destroy(&u);
    }
    return st;
}

/* The document's _id (24 hex) pushed onto the array ctx. */
static void sb_mongo_push_id(apr_pool_t *p, const bson_t *doc, void *ctx)
{
    char id[SB_ID_LEN + 1];

    if (sb_mongo_doc_id(doc, "_id", id)) {
        APR_ARRAY_PUSH((apr_array_header_t *)ctx, const char *) = apr_pstrdup(p, id);
    }
}

/* The document's userId pushed onto the array ctx unless it holds it already. */
static void sb_mongo_push_user(apr_pool_t *p, const bson_t *doc, void *ctx)
{
    apr_array_header_t *users = ctx;
    char id[SB_ID_LEN + 1];
    int j;

    if (!sb_mongo_doc_id(doc, "userId", id)) {
        return;
    }
    for (j = 0; j < users->nelts; j++) {
        if (!strcmp(APR_ARRAY_IDX(users, j, const char *), id)) {
            return;
        }
    }
    APR_ARRAY_PUSH(users, const char *) = apr_pstrdup(p, id);
}

sb_store_status_t sb_mongo_partner_hidden(sb_store_conn_t *c, const bson_t *opts,
                                          const char *partner_id, int hidden, sb_store_error_t *err)
{
    apr_array_header_t *ids = apr_array_make(c->pool, 16, sizeof(const char *));
    bson_t filter, fopts, stages;
    sb_store_status_t st;
    int i;

    if (!sb_id_valid(partner_id)) {
        return SB_STORE_OK;
    }
    sb_mongo_json_doc(&filter, "{\"partnerId\": " SB_OID ", \"partnerHidden\": {\"$ne\": %s}}",
                      partner_id, hidden ? "true" : "false");
    sb_mongo_json_doc(&fopts, "{\"projection\": {\"_id\": 1}}");
    if (opts) {
        bson_concat(&fopts, opts);
    }
    st = sb_mongo_find_each(c, c->pool, SB_CONVS, &filter, &fopts, sb_mongo_push_id, ids,
                            "partner conversations", err);
    bson_destroy(&filter);
    bson_destroy(&fopts);
    sb_mongo_json_array(&stages, "[{\"$set\": {\"partnerHidden\": %s}}]",
                        hidden ? "true" : "false");
    for (i = 0; st == SB_STORE_OK && i < ids->nelts; i++) {
        sb_mongo_json_doc(&filter, "{\"_id\": " SB_OID "}", APR_ARRAY_IDX(ids, i, const char *));
        st = sb_mongo_summary_change(c, opts, &filter, &stages, 0, err);
        bson_destroy(&filter);
    }
    bson_destroy(&stages);
    return st;
}

/* ---- reads and recovery ---- */

int sb_mongo_stats_recount_pipeline(bson_t *pipeline, const char *user_id)
{
    if (!sb_id_valid(user_id)) {
        bson_init(pipeline);
        return 0;
    }
    return sb_mongo_json_array(pipeline,
                               "[{\"$match\": {\"userId\": " SB_OID ", \"lastMessageId\":"
                               " {\"$ne\": null}, \"partnerHidden\": {\"$ne\": true}}},"
                               " {\"$group\": {\"_id\": null, \"n\": {\"$sum\": 1},"
                               " \"unread\": {\"$sum\": \"$unread\"}}}]",
                               user_id);
}

int sb_mongo_stats_unhidden_pipeline(bson_t *pipeline, const char *user_id, int64_t now)
{
    if (!sb_id_valid(user_id)) {
        bson_init(pipeline);
        return 0;
    }
    return sb_mongo_json_array(
        pipeline,
        "[{\"$match\": {\"userId\": " SB_OID ", \"partnerHidden\": true,"
        " \"lastMessageId\": {\"$ne\": null}}},"
        " {\"$lookup\": {\"from\": \"users\", \"localField\": \"partnerId\","
        "   \"foreignField\": \"_id\", \"as\": \"partner\"}},"
        " {\"$unwind\": \"$partner\"},"
        " {\"$match\": {\"partner.isActive\": true, \"$or\": [{\"partner.isBanned\": false},"
        "   {\"partner.banExpiresAt\": {\"$lte\": " SB_DATE "}}]}},"
        " {\"$group\": {\"_id\": null, \"n\": {\"$sum\": 1},"
        " \"unread\": {\"$sum\": \"$unread\"}}}]",
        user_id, now);
}

sb_store_status_t sb_mongo_stats_read(sb_store_conn_t *c, const char *user_id, int64_t now,
                                      int64_t *total, int64_t *unread, sb_store_error_t *err)
{
    bson_t filter, doc, pipeline, res;
    sb_store_status_t st;

    *total = *unread = 0;
    if (!sb_id_valid(user_id)) {
        return SB_STORE_OK;
    }
    sb_mongo_json_doc(&filter, "{\"_id\": " SB_OID "}", user_id);
    st = sb_mongo_not_found_ok(
        sb_mongo_find_one(c, SB_STATS, &filter, NULL, &doc, "conversation stats", err), err);
    if (st == SB_STORE_OK) {
        *total = sb_mongo_doc_int(&doc, "conversations");
        *unread = sb_mongo_doc_int(&doc, "unread");
    }
    bson_destroy(&doc);
    bson_destroy(&filter);
    if (st == SB_STORE_OK && sb_mongo_stats_unhidden_pipeline(&pipeline, user_id, now)) {
        st = sb_mongo_aggregate_one(c, SB_CONVS, &pipeline, &res, "unhidden", err);
        if (st == SB_STORE_OK) {
            *total += sb_mongo_doc_int(&res, "n");
            *unread += sb_mongo_doc_int(&res, "unread");
        }
        bson_destroy(&res);
        bson_destroy(&pipeline);
    }
    return st;
}

sb_store_status_t sb_mongo_stats_recover(sb_store_conn_t *c, int64_t before, int *fixed,
                                         sb_store_error_t *err)
{
    apr_array_header_t *users = apr_array_make(c->pool, 4, sizeof(const char *));
    bson_t filter, update, pipeline, res, uo;
    sb_store_status_t st;
    int i;

    sb_mongo_json_doc(&filter, "{\"statsPending.t\": {\"$lt\": " SB_DATE "}}", before);
    st = sb_mongo_find_each(c, c->pool, SB_CONVS, &filter, NULL, sb_mongo_push_user, users,
                            "stale stats", err);
    bson_destroy(&filter);
    for (i = 0; st == SB_STORE_OK && i < users->nelts; i++) {
        const char *u = APR_ARRAY_IDX(users, i, const char *);
        sb_mongo_stats_recount_pipeline(&pipeline, u);
        st = sb_mongo_aggregate_one(c, SB_CONVS, &pipeline, &res, "stats recount", err);
        bson_destroy(&pipeline);
        if (st == SB_STORE_OK) {
            sb_mongo_json_doc(&filter, "{\"_id\": " SB_OID "}", u);
            sb_mongo_json_doc(&update,
                              "{\"$set\": {\"conversations\": {\"$numberLong\": \"%" APR_INT64_T_FMT
                              "\"}, \"unread\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}}",
                              sb_mongo_doc_int(&res, "n"), sb_mongo_doc_int(&res, "unread"));
            sb_mongo_upsert_opts(&uo, NULL);
            st = sb_mongo_update(c, SB_STATS, &filter, &update, &uo, 0, NULL, "stats recount", err);
            bson_destroy(&uo);
            bson_destroy(&filter);
            bson_destroy(&update);
        }
        bson_destroy(&res);
        if (st == SB_STORE_OK) {
            sb_mongo_json_doc(&filter, "{\"userId\": " SB_OID "}", u);
            sb_mongo_json_doc(&update,
                              "{\"$pull\": {\"statsPending\": {\"t\": {\"$lt\": " SB_DATE "}}}}",
                              before);
            st = sb_mongo_update(c, SB_CONVS, &filter, &update, NULL, 1, NULL, "stats done", err);
            bson_destroy(&filter);
            bson_destroy(&update);
        }
        if (st == SB_STORE_OK && fixed) {
            (*fixed)++;
        }
    }
    return st;
}
