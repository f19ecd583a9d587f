/*
 * MongoDB driver: users — create (with the welcome bonus ledger row), look-ups, profile and
 * list patches, verification, password, presence, moderation and avatars (bulk seeding:
 * mongo_user_bulk.c).
 * Documents, filters and updates come from mongo_user_doc.c.
 */
#include "mongo_users.h"
#include "mongo_messages.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_USERS   "users"
#define SB_LEDGER  "credit_transactions"
#define SB_REFRESH "refresh_tokens"

/* The one user filter matches, into *out (NULL when none). */
static sb_store_status_t sb_mongo_user_get(sb_store_conn_t *c, apr_pool_t *p, const bson_t *filter,
                                           sb_user_t **out, sb_store_error_t *err)
{
    bson_t doc;
    sb_store_status_t st = sb_mongo_find_one(c, SB_USERS, filter, NULL, &doc, "user", err);

    if (out) {
        *out = NULL;
    }
    if (st == SB_STORE_OK && out && !(*out = sb_mongo_user_from_doc(p, &doc))) {
        st = sb_store_fail(err, SB_STORE_ERROR, NULL, "user: stored document has no ObjectId");
    }
    bson_destroy(&doc);
    if (st == SB_STORE_NOT_FOUND) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    return st;
}

/* An updateOne on the user with id; NOT_FOUND when there is none. */
static sb_store_status_t sb_mongo_user_update(sb_store_conn_t *c, const char *id,
                                              const bson_t *update, const bson_t *opts,
                                              const char *what, sb_store_error_t *err)
{
    bson_t filter;
    sb_store_status_t st;

    if (!sb_mongo_filter_user_id(&filter, id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    st = sb_mongo_update_found(c, SB_USERS, &filter, update, opts, what, err);
    bson_destroy(&filter);
    return st;
}

int sb_mongo_user_exists(sb_store_conn_t *c, const char *id, const bson_t *opts,
                         sb_store_error_t *err)
{
    bson_t filter, doc;
    sb_store_status_t st;

    if (!sb_mongo_filter_user_id(&filter, id)) {
        return 0;
    }
    st = sb_mongo_find_one(c, SB_USERS, &filter, opts, &doc, "user exists", err);
    bson_destroy(&filter);
    bson_destroy(&doc);
    if (st == SB_STORE_NOT_FOUND) {
        sb_mongo_not_found_ok(st, err);
        return 0;
    }
    return st == SB_STORE_OK ? 1 : -1;
}

/* ---- create ---- */

typedef struct {
    const bson_t *user;
    const bson_t *bonus; /* NULL: no bonus */
    const char *id;
} sb_mongo_create_t;

/* The user first (its unique indexes decide CONFLICT), then the bonus row. Without a
 * transaction a bonus row that cannot be written takes the user out again. */
static sb_store_status_t sb_mongo_create_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                              sb_store_error_t *err)
{
    sb_mongo_create_t *cr = ctx;
    sb_store_status_t st = sb_mongo_insert(c, SB_USERS, cr->user, opts, "user insert", err);
    bson_t filter;

    if (st != SB_STORE_OK || !cr->bonus) {
        return st;
    }
    st = sb_mongo_insert(c, SB_LEDGER, cr->bonus, opts, "bonus row", err);
    if (st != SB_STORE_OK && !opts && sb_mongo_filter_user_id(&filter, cr->id)) {
        sb_store_error_t e2;
        sb_mongo_delete(c, SB_USERS, &filter, NULL, 0, NULL, "user undo", &e2);
        bson_destroy(&filter);
    }
    return st;
}

/* On a CONFLICT naming email, username wins when it is taken too (as SQLite checks it first). */
static void sb_mongo_conflict_field(sb_store_conn_t *c, apr_pool_t *p, const sb_user_new_t *nu,
                                    sb_store_error_t *err)
{
    mongoc_collection_t *col;
    bson_t filter = BSON_INITIALIZER;
    bson_error_t e;

    if (!err->field || strcmp(err->field, "email")) {
        return;
    }
    BSON_APPEND_UTF8(&filter, "usernameLower", sb_mongo_lower(p, nu->username));
    col = sb_mongo_coll(c, SB_USERS);
    if (mongoc_collection_count_documents(col, &filter, NULL, NULL, NULL, &e) > 0) {
        err->field = "username";
    }
    mongoc_collection_destroy(col);
    bson_destroy(&filter);
}

sb_store_status_t sb_mongo_user_create(sb_store_conn_t *c, apr_pool_t *p, const sb_user_new_t *nu,
                                       int64_t bonus_minutes, int64_t now, sb_user_t **out,
                                       sb_store_error_t *err)
{
    char id[SB_ID_LEN + 1], row_id[SB_ID_LEN + 1];
    bson_t user, bonus;
    sb_mongo_create_t cr;
    sb_store_status_t st;

    if (out) {
        *out = NULL;
    }
    if (!nu || !nu->username || !nu->email || !nu->password_hash || !nu->first_name
        || !nu->last_name) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "user_create: missing field");
    }
    if (bonus_minutes < 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "user_create: negative bonus");
    }
    sb_id_new(id);
    sb_id_new(row_id);
    sb_mongo_user_new_doc(p, &user, id, nu, bonus_minutes, now);
    cr.user = &user;
    cr.id = id;
    cr.bonus = bonus_minutes > 0 && sb_mongo_bonus_row(&bonus, row_id, id, bonus_minutes, now)
                   ? &bonus
                   : NULL;
    st = sb_mongo_atomic(c, sb_mongo_create_step, &cr, err);
    if (st == SB_STORE_CONFLICT) {
        sb_mongo_conflict_field(c, p, nu, err);
    }
    if (st == SB_STORE_OK && out && !(*out = sb_mongo_user_from_doc(p, &user))) {
        st = sb_store_fail(err, SB_STORE_ERROR, NULL, "user_create: bad document");
    }
    if (cr.bonus) {
        bson_destroy(&bonus);
    }
    bson_destroy(&user);
    return st;
}

/* ---- look-ups ---- */

sb_store_status_t sb_mongo_user_by_id(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                      sb_user_t **out, sb_store_error_t *err)
{
    bson_t filter;
    sb_store_status_t st;

    *out = NULL;
    if (!sb_mongo_filter_user_id(&filter, id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    st = sb_mongo_user_get(c, p, &filter, out, err);
    bson_destroy(&filter);
    return st;
}

sb_store_status_t sb_mongo_user_by_email(sb_store_conn_t *c, apr_pool_t *p, const char *email,
                                         sb_user_t **out, sb_store_error_t *err)
{
    bson_t filter;
    sb_store_status_t st;

    *out = NULL;
    if (!email) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user: no key");
    }
    sb_mongo_filter_email(p, &filter, email);
    st = sb_mongo_user_get(c, p, &filter, out, err);
    bson_destroy(&filter);
    return st;
}

/* Up to two users match (one by email, another by username): the email match wins. */
sb_store_status_t sb_mongo_user_by_login(sb_store_conn_t *c, apr_pool_t *p, const char *login,
                                         sb_user_t **out, sb_store_error_t *err)
{
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    const char *low;
    bson_t filter, opts = BSON_INITIALIZER;
    sb_store_status_t st = SB_STORE_OK;

    *out = NULL;
    if (!login) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user: no key");
    }
    low = sb_mongo_lower(p, login);
    sb_mongo_filter_login(p, &filter, login);
    BSON_APPEND_INT32(&opts, "limit", 2);
    col = sb_mongo_coll(c, SB_USERS);
    cur = mongoc_collection_find_with_opts(col, &filter, &opts, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        const char *email = sb_mongo_doc_str(p, doc, "emailLower");
        if (!*out || (email && !strcmp(email, low))) {
            *out = sb_mongo_user_from_doc(p, doc);
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "user by login", err);
    if (st != SB_STORE_OK) {
        *out = NULL;
    }
    else if (!*out) {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    bson_destroy(&opts);
    bson_destroy(&filter);
    return st;
}

/* ---- edits ---- */

static void sb_mongo_edit_profile(sb_user_t *u, const void *ctx)
{
    sb_mongo_apply_profile(u, ctx);
}

/* An edit of the card fields: *out the user written. */
static sb_store_status_t sb_mongo_card_edit(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                            const bson_t *update,
                                            void (*apply)(sb_user_t *, const void *),
                                            const void *ctx, int64_t now, sb_user_t **out,
                                            sb_store_error_t *err)
{
    sb_mongo_edit_t ed = {p, id, update, apply, ctx, 1, now, NULL, NULL};
    sb_store_status_t st = sb_mongo_user_edit(c, &ed, err);

    if (out) {
        *out = st == SB_STORE_OK ? ed.after : NULL;
    }
    return st;
}

sb_store_status_t sb_mongo_user_update_profile(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                               const sb_profile_patch_t *patch, int64_t now,
                                               sb_user_t **out, sb_store_error_t *err)
{
    bson_t update;
    sb_store_status_t st;

    if (out) {
        *out = NULL;
    }
    if (!patch) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "update_profile: no patch");
    }
    sb_mongo_update_profile(&update, patch, now);
    st = sb_mongo_card_edit(c, p, id, &update, sb_mongo_edit_profile, patch, now, out, err);
    bson_destroy(&update);
    return st;
}

typedef struct {
    const apr_array_header_t *offered, *wanted, *availability;
} sb_mongo_lists_t;

static void sb_mongo_edit_lists(sb_user_t *u, const void *ctx)
{
    const sb_mongo_lists_t *l = ctx;

    if (l->offered) {
        u->skills_offered = (apr_array_header_t *)l->offered;
    }
    if (l->wanted) {
        u->skills_wanted = (apr_array_header_t *)l->wanted;
    }
    if (l->availability) {
        u->availability = (apr_array_header_t *)l->availability;
    }
}

sb_store_status_t sb_mongo_user_update_lists(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                             const apr_array_header_t *skills_offered,
                                             const apr_array_header_t *skills_wanted,
                                             const apr_array_header_t *availability, int64_t now,
                                             sb_user_t **out, sb_store_error_t *err)
{
    sb_mongo_lists_t l = {skills_offered, skills_wanted, availability};
    bson_t update;
    sb_store_status_t st;

    sb_mongo_update_lists(p, &update, skills_offered, skills_wanted, availability, now);
    st = sb_mongo_card_edit(c, p, id, &update, sb_mongo_edit_lists, &l, now, out, err);
    bson_destroy(&update);
    return st;
}

static sb_store_status_t sb_mongo_user_set_one(sb_store_conn_t *c, const char *id, const char *what,
                                               const char *value, int64_t now,
                                               sb_store_error_t *err)
{
    bson_t update;
    sb_store_status_t st;

    sb_mongo_update_set(&update, what, value, now);
    st = sb_mongo_user_update(c, id, &update, NULL, what, err);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_user_set_verified(sb_store_conn_t *c, const char *id, int64_t now,
                                             sb_store_error_t *err)
{
    return sb_mongo_user_set_one(c, id, "verified", NULL, now, err);
}

sb_store_status_t sb_mongo_user_touch(sb_store_conn_t *c, const char *id, int64_t now,
                                      sb_store_error_t *err)
{
    return sb_mongo_user_set_one(c, id, "touch", NULL, now, err);
}

sb_store_status_t sb_mongo_users_cache_reset(sb_store_conn_t *c, sb_store_error_t *err)
{
    return SB_STORE_OK; /* users are read from the server every time: nothing to forget */
}

sb_store_status_t sb_mongo_user_set_role(sb_store_conn_t *c, const char *id, const char *role,
                                         int64_t now, sb_store_error_t *err)
{
    if (!role || (strcmp(role, "user") && strcmp(role, "admin"))) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "set_role: role must be user or admin");
    }
    return sb_mongo_user_set_one(c, id, "role", role, now, err);
}

/* ---- password and moderation: the user's update and the revocation of its tokens ---- */

/* A partner the conversation counters leave out (sql/010's partner_hidden). */
static int sb_mongo_user_hidden(const sb_user_t *u)
{
    return !u->is_active || u->is_banned;
}

typedef struct {
    const char *id;
    const bson_t *update;
    int revoke;
    int64_t now;
    sb_mongo_edit_t *edit; /* the user's write as a guarded edit (status), else NULL */
} sb_mongo_guard_t;

/* Tokens first: a step cut short without a transaction leaves the user signed out, never a
 * changed password or a ban with live sessions. The user must exist for either to happen. */
static sb_store_status_t sb_mongo_guard_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                             sb_store_error_t *err)
{
    sb_mongo_guard_t *g = ctx;
    bson_t filter, update;
    sb_store_status_t st = SB_STORE_OK;

    if (g->revoke) {
        bson_t exists;
        if (!sb_mongo_filter_user_id(&filter, g->id)) {
            return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
        }
        st = sb_mongo_find_one(c, SB_USERS, &filter, opts, &exists, "user", err);
        bson_destroy(&exists);
        bson_destroy(&filter);
        if (st == SB_STORE_NOT_FOUND) {
            return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
        }
        if (st == SB_STORE_OK) {
            sb_mongo_revoke_user_tokens(&filter, &update, g->id, g->now);
            st = sb_mongo_update(c, SB_REFRESH, &filter, &update, opts, 1, NULL, "revoke tokens",
                                 err);
            bson_destroy(&filter);
            bson_destroy(&update);
        }
    }
    if (st == SB_STORE_OK && g->edit) {
        st = sb_mongo_user_edit_step(c, opts, g->edit, err);
        /* the conversations with this user as partner: listed or not, with their counters */
        if (st == SB_STORE_OK
            && sb_mongo_user_hidden(g->edit->before) != sb_mongo_user_hidden(g->edit->after)) {
            st = sb_mongo_partner_hidden(c, opts, g->id, sb_mongo_user_hidden(g->edit->after), err);
        }
    }
    else if (st == SB_STORE_OK) {
        st = sb_mongo_user_update(c, g->id, g->update, opts, "user guard", err);
    }
    return st;
}

sb_store_status_t sb_mongo_user_set_password(sb_store_conn_t *c, const char *id,
                                             const char *password_hash, int64_t now,
                                             sb_store_error_t *err)
{
    bson_t update;
    sb_mongo_guard_t g = {id, &update, 1, now, NULL};
    sb_store_status_t st;

    if (!password_hash) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "set_password: no hash");
    }
    if (!sb_id_valid(id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    sb_mongo_update_set(&update, "password", password_hash, now);
    st = sb_mongo_atomic(c, sb_mongo_guard_step, &g, err);
    bson_destroy(&update);
    return st;
}

typedef struct {
    int is_active, is_banned;
    const char *ban_reason;
    int64_t ban_expires_at;
} sb_mongo_status_t;

static void sb_mongo_edit_status(sb_user_t *u, const void *ctx)
{
    const sb_mongo_status_t *s = ctx;

    u->is_active = s->is_active != 0;
    u->is_banned = s->is_banned != 0;
    u->ban_reason = s->is_banned ? s->ban_reason : NULL;
    u->ban_expires_at = s->is_banned ? s->ban_expires_at : 0;
}

/* A ban or a deactivation also ends every session of the user (as SQLite's); the change of
 * visibility moves the user in or out of the discovery aggregates in the same step. */
sb_store_status_t sb_mongo_user_set_status(sb_store_conn_t *c, const char *id, int is_active,
                                           int is_banned, const char *ban_reason,
                                           int64_t ban_expires_at, int64_t now,
                                           sb_store_error_t *err)
{
    sb_mongo_status_t s = {is_active, is_banned, ban_reason, ban_expires_at};
    bson_t update;
    sb_mongo_edit_t ed = {NULL, id, &update, sb_mongo_edit_status, &s, 0, now, NULL, NULL};
    sb_mongo_guard_t g = {id, &update, is_banned || !is_active, now, &ed};
    sb_store_status_t st;

    if (!sb_id_valid(id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    apr_pool_create(&ed.p, c->pool); /* the operation has no pool: a connection may live long */
    sb_mongo_update_status(&update, is_active, is_banned, ban_reason, ban_expires_at, now);
    st = sb_mongo_atomic(c, sb_mongo_guard_step, &g, err);
    bson_destroy(&update);
    apr_pool_destroy(ed.p);
    return st;
}

static void sb_mongo_edit_avatar(sb_user_t *u, const void *ctx)
{
    u->profile_picture = ctx;
}

/* A guarded edit: the previous picture is the one the written revision replaced. */
sb_store_status_t sb_mongo_user_set_avatar(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                           const char *picture, int64_t now, const char **previous,
                                           sb_store_error_t *err)
{
    bson_t update;
    sb_mongo_edit_t ed = {p, id, &update, sb_mongo_edit_avatar, picture, 1, now, NULL, NULL};
    sb_store_status_t st;

    if (previous) {
        *previous = NULL;
    }
    if (!id || !picture) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "set_avatar: missing argument");
    }
    sb_mongo_update_set(&update, "avatar", picture, now);
    st = sb_mongo_user_edit(c, &ed, err);
    if (st == SB_STORE_OK && previous) {
        *previous = ed.before->profile_picture ? ed.before->profile_picture : "";
    }
    bson_destroy(&update);
    return st;
}
