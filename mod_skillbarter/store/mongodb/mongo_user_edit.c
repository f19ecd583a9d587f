/*
 * MongoDB driver: the guarded edits of a user — every write of a card field (profile, lists,
 * avatar) and of the visibility the discovery aggregates count (status). Each reads the user,
 * applies the change to the model in C as the update does to the document, and writes the
 * update with the fields derived from the result (cardHead, the search words) in one
 * single-document write guarded by the document's revision (rev): a writer that raced
 * another reads again. So the derived fields are never stale, whoever wrote last. The
 * aggregates' difference follows in the same transaction, or (without transactions)
 * recorded on the user by the guarded write itself (mongo_aggregates.h).
 */
#include "mongo_aggregates.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

/* A writer that lost the revision race this many times in a row gives up (STALE). */
#define SB_MONGO_EDIT_ATTEMPTS 16

int sb_mongo_edit_update(bson_t *out, const bson_t *update, const bson_t *derived,
                         const bson_t *pending)
{
    bson_iter_t it;
    bson_t set, inc, push, sub;
    const uint8_t *data;
    uint32_t len;

    bson_init(out);
    BSON_APPEND_DOCUMENT_BEGIN(out, "$set", &set);
    if (bson_iter_init_find(&it, update, "$set") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        bson_iter_document(&it, &len, &data);
        if (bson_init_static(&sub, data, len)) {
            bson_concat(&set, &sub);
        }
    }
    if (derived) {
        bson_concat(&set, derived);
    }
    bson_append_document_end(out, &set);
    BSON_APPEND_DOCUMENT_BEGIN(out, "$inc", &inc);
    BSON_APPEND_INT64(&inc, "rev", 1);
    bson_append_document_end(out, &inc);
    if (pending) {
        BSON_APPEND_DOCUMENT_BEGIN(out, "$push", &push);
        BSON_APPEND_DOCUMENT(&push, "aggPending", pending);
        bson_append_document_end(out, &push);
    }
    return 1;
}

int sb_mongo_edit_filter(bson_t *b, const char *id, const bson_t *doc)
{
    bson_iter_t it;
    bson_t ex;

    if (!sb_mongo_filter_user_id(b, id)) {
        return 0;
    }
    if (bson_iter_init_find(&it, doc, "rev") && BSON_ITER_HOLDS_NUMBER(&it)) {
        BSON_APPEND_INT64(b, "rev", bson_iter_as_int64(&it));
    }
    else {
        BSON_APPEND_DOCUMENT_BEGIN(b, "rev", &ex);
        BSON_APPEND_BOOL(&ex, "$exists", false);
        bson_append_document_end(b, &ex);
    }
    return 1;
}

/* ---- the changes, on the model, as the builders' updates make them on the document ---- */

void sb_mongo_apply_profile(sb_user_t *u, const sb_profile_patch_t *patch)
{
    if (patch->first_name) {
        u->first_name = patch->first_name;
    }
    if (patch->last_name) {
        u->last_name = patch->last_name;
    }
    if (patch->bio) {
        u->bio = *patch->bio ? patch->bio : NULL;
    }
    if (patch->timezone) {
        u->timezone = *patch->timezone ? patch->timezone : "UTC";
    }
    if (patch->country) {
        u->country = *patch->country ? patch->country : NULL;
    }
    if (patch->profile_picture) {
        u->profile_picture = patch->profile_picture;
    }
    if (patch->languages) {
        u->languages = (apr_array_header_t *)patch->languages;
    }
    if (patch->set_email_notifications) {
        u->email_notifications = patch->email_notifications != 0;
    }
}

/* ---- the edit ---- */

/* One attempt: *raced when another writer changed the user between the read and the write. */
static sb_store_status_t sb_mongo_edit_once(sb_store_conn_t *c, const bson_t *opts,
                                            sb_mongo_edit_t *ed, int *raced, sb_store_error_t *err)
{
    apr_pool_t *p = ed->p;
    bson_t filter, doc, derived = BSON_INITIALIZER, pending, update;
    apr_array_header_t *delta = apr_array_make(p, 8, sizeof(sb_mongo_agg_t));
    char op[SB_ID_LEN + 1];
    int64_t matched = 0;
    int with_pending;
    sb_store_status_t st;

    *raced = 0;
    if (!sb_mongo_filter_user_id(&filter, ed->id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    st = sb_mongo_find_one(c, "users", &filter, opts, &doc, "user edit", err);
    bson_destroy(&filter);
    if (st == SB_STORE_NOT_FOUND) {
        bson_destroy(&doc);
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    if (st != SB_STORE_OK || !(ed->before = sb_mongo_user_from_doc(p, &doc))) {
        bson_destroy(&doc);
        return st != SB_STORE_OK ? st
                                 : sb_store_fail(err, SB_STORE_ERROR, NULL, "user edit: no id");
    }
    ed->after = sb_mongo_user_from_doc(p, &doc);
    ed->apply(ed->after, ed->ctx);
    ed->after->updated_at = ed->now;
    if (ed->touches_card) {
        sb_mongo_append_derived(p, &derived, ed->after);
    }
    sb_mongo_agg_add(p, delta, ed->before, -1);
    sb_mongo_agg_add(p, delta, ed->after, 1);
    with_pending = !opts && sb_mongo_agg_changes(delta) > 0;
    if (with_pending) {
        sb_id_new(op);
        sb_mongo_agg_pending(&pending, op, ed->now, delta);
    }
    sb_mongo_edit_update(&update, ed->update, &derived, with_pending ? &pending : NULL);
    sb_mongo_edit_filter(&filter, ed->id, &doc);
    st = sb_mongo_update(c, "users", &filter, &update, opts, 0, &matched, "user edit", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    bson_destroy(&derived);
    bson_destroy(&doc);
    if (with_pending) {
        bson_destroy(&pending);
    }
    if (st == SB_STORE_OK && matched == 0) {
        *raced = 1;
        return SB_STORE_OK;
    }
    if (st == SB_STORE_OK) {
        st = sb_mongo_agg_apply(c, opts, delta, err);
    }
    if (st == SB_STORE_OK && with_pending && sb_mongo_filter_user_id(&filter, ed->id)) {
        st = sb_mongo_agg_done(c, &filter, op, err);
        bson_destroy(&filter);
    }
    return st;
}

sb_store_status_t sb_mongo_user_edit_step(sb_store_conn_t *c, const bson_t *opts,
                                          sb_mongo_edit_t *ed, sb_store_error_t *err)
{
    sb_store_status_t st;
    int raced = 0, i;

    for (i = 0; i < SB_MONGO_EDIT_ATTEMPTS; i++) {
        st = sb_mongo_edit_once(c, opts, ed, &raced, err);
        if (st != SB_STORE_OK || !raced) {
            return st;
        }
    }
    return sb_store_fail(err, SB_STORE_STALE, NULL, "user edit: %d writers raced this one",
                         SB_MONGO_EDIT_ATTEMPTS);
}

static sb_store_status_t sb_mongo_edit_atomic(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                              sb_store_error_t *err)
{
    return sb_mongo_user_edit_step(c, opts, ctx, err);
}

sb_store_status_t sb_mongo_user_edit(sb_store_conn_t *c, sb_mongo_edit_t *ed, sb_store_error_t *err)
{
    return sb_mongo_atomic(c, sb_mongo_edit_atomic, ed, err);
}
