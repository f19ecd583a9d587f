/*
 * SQLite driver: users rows <-> sb_user_t, the embedded lists as JSON text
 * (json-c, keys as in the spec's User model), and the user_skills side table.
 */
#include "sqlite_int.h"

#include <string.h>

#include "sb_user_card.h"

#include <json.h>

#include <apr_strings.h>

/* ---- JSON text from the model's arrays (the store-neutral writer, sb_user_card.h) ---- */

const char *sb_sqlite_json_languages(apr_pool_t *p, const apr_array_header_t *a)
{
    return sb_user_languages_text(p, a);
}

const char *sb_sqlite_json_offered(apr_pool_t *p, const apr_array_header_t *a)
{
    return sb_user_offered_text(p, a);
}

const char *sb_sqlite_json_wanted(apr_pool_t *p, const apr_array_header_t *a)
{
    return sb_user_wanted_text(p, a);
}

const char *sb_sqlite_json_availability(apr_pool_t *p, const apr_array_header_t *a)
{
    return sb_user_availability_text(p, a);
}

/* ---- JSON text back to the model's arrays ---- */

static const char *sb_row_get_str(apr_pool_t *p, json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return apr_pstrdup(p, json_object_get_string(v));
}

/* Parse a JSON array column's text; NULL when it is not an array. Caller puts it. */
static json_object *sb_row_array_col(const char *text)
{
    json_object *arr;

    if (!text) {
        return NULL;
    }
    arr = json_tokener_parse(text);
    if (arr && !json_object_is_type(arr, json_type_array)) {
        json_object_put(arr);
        return NULL;
    }
    return arr;
}

static apr_array_header_t *sb_row_languages(apr_pool_t *p, const char *text)
{
    json_object *arr = sb_row_array_col(text);
    size_t n = arr ? json_object_array_length(arr) : 0, i;
    apr_array_header_t *a = apr_array_make(p, (int)n + 1, sizeof(const char *));

    for (i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        if (json_object_is_type(v, json_type_string)) {
            APR_ARRAY_PUSH(a, const char *) = apr_pstrdup(p, json_object_get_string(v));
        }
    }
    json_object_put(arr);
    return a;
}

static apr_array_header_t *sb_row_offered(apr_pool_t *p, const char *text)
{
    json_object *arr = sb_row_array_col(text);
    size_t n = arr ? json_object_array_length(arr) : 0, i;
    apr_array_header_t *a = apr_array_make(p, (int)n + 1, sizeof(sb_skill_offered_t));

    for (i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i), *v;
        sb_skill_offered_t *s = &APR_ARRAY_PUSH(a, sb_skill_offered_t);
        s->skill = sb_row_get_str(p, o, "skill");
        s->category = sb_row_get_str(p, o, "category");
        s->experience = sb_row_get_str(p, o, "experience");
        s->description = sb_row_get_str(p, o, "description");
        s->verified = json_object_object_get_ex(o, "verified", &v) && json_object_get_boolean(v);
    }
    json_object_put(arr);
    return a;
}

static apr_array_header_t *sb_row_wanted(apr_pool_t *p, const char *text)
{
    json_object *arr = sb_row_array_col(text);
    size_t n = arr ? json_object_array_length(arr) : 0, i;
    apr_array_header_t *a = apr_array_make(p, (int)n + 1, sizeof(sb_skill_wanted_t));

    for (i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        sb_skill_wanted_t *s = &APR_ARRAY_PUSH(a, sb_skill_wanted_t);
        s->skill = sb_row_get_str(p, o, "skill");
        s->category = sb_row_get_str(p, o, "category");
        s->level = sb_row_get_str(p, o, "level");
        s->priority = sb_row_get_str(p, o, "priority");
    }
    json_object_put(arr);
    return a;
}

static apr_array_header_t *sb_row_availability(apr_pool_t *p, const char *text)
{
    json_object *arr = sb_row_array_col(text);
    size_t n = arr ? json_object_array_length(arr) : 0, i, j, m;
    apr_array_header_t *a = apr_array_make(p, (int)n + 1, sizeof(sb_availability_t));

    for (i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i), *slots = NULL;
        sb_availability_t *d = &APR_ARRAY_PUSH(a, sb_availability_t);
        d->day = sb_row_get_str(p, o, "day");
        if (!json_object_object_get_ex(o, "timeSlots", &slots)
            || !json_object_is_type(slots, json_type_array)) {
            slots = NULL;
        }
        m = slots ? json_object_array_length(slots) : 0;
        d->time_slots = apr_array_make(p, (int)m + 1, sizeof(sb_time_slot_t));
        for (j = 0; j < m; j++) {
            json_object *so = json_object_array_get_idx(slots, j);
            sb_time_slot_t *t = &APR_ARRAY_PUSH(d->time_slots, sb_time_slot_t);
            t->start_time = sb_row_get_str(p, so, "startTime");
            t->end_time = sb_row_get_str(p, so, "endTime");
        }
    }
    json_object_put(arr);
    return a;
}

apr_array_header_t *sb_sqlite_list_read(apr_pool_t *p, sb_sqlite_list_t which, const char *text,
                                        int json_only)
{
    static apr_array_header_t *(*const by_json_c[])(apr_pool_t *, const char *) = {
        sb_row_languages, sb_row_offered, sb_row_wanted, sb_row_availability};
    apr_array_header_t *a = json_only ? NULL : sb_sqlite_list_text_read(p, which, text);

    return a ? a : by_json_c[which](p, text);
}

/* The stored text of a lazily read user's lists, and the pool to parse them into. */
typedef struct {
    apr_pool_t *pool;
    const char *text[4]; /* languages, offered, wanted, availability */
} sb_row_lists_t;

/* The four lists of u from their stored texts (languages, offered, wanted, availability). */
static void sb_row_lists(apr_pool_t *p, sb_user_t *u, const char *const *text)
{
    u->languages = sb_sqlite_list_read(p, SB_SQLITE_LIST_LANGUAGES, text[0], 0);
    u->skills_offered = sb_sqlite_list_read(p, SB_SQLITE_LIST_OFFERED, text[1], 0);
    u->skills_wanted = sb_sqlite_list_read(p, SB_SQLITE_LIST_WANTED, text[2], 0);
    u->availability = sb_sqlite_list_read(p, SB_SQLITE_LIST_AVAILABILITY, text[3], 0);
}

static void sb_row_fill_lists(void *user)
{
    sb_user_t *u = user;
    sb_row_lists_t *l = u->lists_src;

    u->lists_fill = NULL;
    sb_row_lists(l->pool, u, l->text);
}

void sb_sqlite_user_make_lazy(apr_pool_t *p, sb_user_t *u, const char *const text[4])
{
    sb_row_lists_t *l = apr_palloc(p, sizeof *l);

    l->pool = p;
    memcpy(l->text, text, sizeof(l->text));
    u->languages = u->skills_offered = u->skills_wanted = u->availability = NULL;
    u->lists_src = l;
    u->lists_fill = sb_row_fill_lists;
}

const char *const *sb_sqlite_user_lazy_text(const sb_user_t *u)
{
    return u->lists_src ? ((const sb_row_lists_t *)u->lists_src)->text : NULL;
}

static const char *sb_row_col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static sb_user_t *sb_row_user(apr_pool_t *p, sqlite3_stmt *st, int lazy)
{
    sb_user_t *u = apr_pcalloc(p, sizeof(*u));

    sb_sqlite_col_id(st, 0, u->id);
    u->username = sb_sqlite_col_text(p, st, 1);
    u->email = sb_sqlite_col_text(p, st, 2);
    u->password_hash = sb_sqlite_col_text(p, st, 3);
    u->first_name = sb_sqlite_col_text(p, st, 4);
    u->last_name = sb_sqlite_col_text(p, st, 5);
    u->profile_picture = sb_sqlite_col_text(p, st, 6);
    u->bio = sb_sqlite_col_text(p, st, 7);
    u->timezone = sb_sqlite_col_text(p, st, 8);
    u->country = sb_sqlite_col_text(p, st, 9);
    u->role = sb_sqlite_col_text(p, st, 10);
    if (lazy) {
        const char *text[4];
        int i;

        for (i = 0; i < 4; i++) {
            text[i] = sb_sqlite_col_text(p, st, 11 + i);
        }
        sb_sqlite_user_make_lazy(p, u, text);
    }
    else {
        const char *text[4];
        int i;

        for (i = 0; i < 4; i++) {
            text[i] = sb_row_col_text(st, 11 + i);
        }
        sb_row_lists(p, u, text);
    }
    u->credits = sqlite3_column_int64(st, 15);
    u->total_earned = sqlite3_column_int64(st, 16);
    u->total_spent = sqlite3_column_int64(st, 17);
    u->minutes_taught = sqlite3_column_int64(st, 18);
    u->minutes_learned = sqlite3_column_int64(st, 19);
    u->rating = sqlite3_column_double(st, 20);
    u->total_reviews = sqlite3_column_int(st, 21);
    u->report_count = sqlite3_column_int(st, 22);
    u->is_active = sqlite3_column_int(st, 23);
    u->is_verified = sqlite3_column_int(st, 24);
    u->is_banned = sqlite3_column_int(st, 25);
    u->ban_reason = sb_sqlite_col_text(p, st, 26);
    u->ban_expires_at = sqlite3_column_int64(st, 27);
    u->last_seen = sqlite3_column_int64(st, 28);
    u->created_at = sqlite3_column_int64(st, 29);
    u->updated_at = sqlite3_column_int64(st, 30);
    u->password_changed_at = sqlite3_column_int64(st, 31);
    u->email_notifications = sqlite3_column_int(st, 32) != 0;
    return u;
}

/* Map the current row (columns SB_SQLITE_USER_COLS) into a user allocated in p. */
sb_user_t *sb_sqlite_row_user(apr_pool_t *p, sqlite3_stmt *st)
{
    return sb_row_user(p, st, 0);
}

sb_user_t *sb_sqlite_row_user_lazy(apr_pool_t *p, sqlite3_stmt *st)
{
    return sb_row_user(p, st, 1);
}

/* ---- user_skills side table ---- */

static const char SQL_SKILLS_CLEAR[] = "DELETE FROM user_skills WHERE user_id = ?1 AND kind = ?2";
static const char SQL_SKILLS_ADD[] =
    "INSERT INTO user_skills (user_id, kind, position, skill, skill_lower, category, level)"
    " VALUES (?1, ?2, ?3, ?4, lower(?4), ?5, ?6)";

static sb_store_status_t sb_sqlite_skills_clear(sb_sqlite_conn_t *sc, const char *user_id,
                                                const char *kind, sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_SKILLS_CLEAR, err);

    if (!st) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, user_id);
    sb_sqlite_bind_text(st, 2, kind);
    return sb_sqlite_exec_stmt(sc, st, err, "user_skills clear");
}

static sb_store_status_t sb_sqlite_skills_add(sb_sqlite_conn_t *sc, const char *user_id,
                                              const char *kind, int pos, const char *skill,
                                              const char *category, const char *level,
                                              sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_SKILLS_ADD, err);

    if (!st) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, user_id);
    sb_sqlite_bind_text(st, 2, kind);
    sqlite3_bind_int(st, 3, pos);
    sb_sqlite_bind_text(st, 4, skill ? skill : "");
    sb_sqlite_bind_text(st, 5, category);
    sb_sqlite_bind_text(st, 6, level);
    return sb_sqlite_exec_stmt(sc, st, err, "user_skills add");
}

sb_store_status_t sb_sqlite_sync_offered(sb_sqlite_conn_t *sc, const char *user_id,
                                         const apr_array_header_t *a, sb_store_error_t *err)
{
    sb_store_status_t st = sb_sqlite_skills_clear(sc, user_id, "offered", err);
    int i;

    for (i = 0; st == SB_STORE_OK && a && i < a->nelts; i++) {
        const sb_skill_offered_t *s = &APR_ARRAY_IDX(a, i, sb_skill_offered_t);
        st = sb_sqlite_skills_add(sc, user_id, "offered", i, s->skill, s->category, s->experience,
                                  err);
    }
    return st;
}

sb_store_status_t sb_sqlite_sync_wanted(sb_sqlite_conn_t *sc, const char *user_id,
                                        const apr_array_header_t *a, sb_store_error_t *err)
{
    sb_store_status_t st = sb_sqlite_skills_clear(sc, user_id, "wanted", err);
    int i;

    for (i = 0; st == SB_STORE_OK && a && i < a->nelts; i++) {
        const sb_skill_wanted_t *s = &APR_ARRAY_IDX(a, i, sb_skill_wanted_t);
        st = sb_sqlite_skills_add(sc, user_id, "wanted", i, s->skill, s->category, s->level, err);
    }
    return st;
}

/* ---- statements into rows ---- */

sb_store_status_t sb_sqlite_rows(sb_sqlite_conn_t *sc, apr_pool_t *p, sqlite3_stmt *st,
                                 sb_sqlite_row_fn fn, int max, apr_array_header_t *rows, int *more,
                                 sb_store_error_t *err, const char *what)
{
    int rc;

    if (more) {
        *more = 0;
    }
    while ((rc = sb_sqlite_step(sc, st, err, what)) == SQLITE_ROW) {
        if (max >= 0 && rows->nelts >= max) {
            if (more) {
                *more = 1;
            }
            break;
        }
        fn(p, st, apr_array_push(rows));
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_row1(sb_sqlite_conn_t *sc, apr_pool_t *p, sqlite3_stmt *st,
                                 sb_sqlite_row_fn fn, void *row, sb_store_error_t *err,
                                 const char *what, const char *missing)
{
    int rc = sb_sqlite_step(sc, st, err, what);

    if (rc < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        fn(p, st, row);
    }
    sb_sqlite_done(st);
    return rc == SQLITE_ROW ? SB_STORE_OK
                            : sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "%s", missing);
}

sb_store_status_t sb_sqlite_int64(sb_sqlite_conn_t *sc, sqlite3_stmt *st, int64_t *out,
                                  sb_store_error_t *err, const char *what)
{
    int rc = sb_sqlite_step(sc, st, err, what);

    if (rc < 0) {
        return err->status;
    }
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

int sb_sqlite_yields(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err,
                     const char *what)
{
    int rc = sb_sqlite_step(sc, st, err, what);

    if (rc < 0) {
        return -1;
    }
    sb_sqlite_done(st);
    return rc == SQLITE_ROW;
}
