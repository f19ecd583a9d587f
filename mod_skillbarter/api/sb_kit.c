/* The handlers' kit: query parameters, pagination shapes, common answers (sb_kit.h). */
#include "sb_kit.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_skill_rules.h"
#include "sb_validate.h"
#include "sb_cursor.h"
#include "sb_id.h"
#include "sb_hex.h"

#define SB_QUERY_BAD_MAX 8 /* field errors for one query string, at most */

/* Decode s in place ('+' → space, %XX → byte); 0 when an escape is malformed or a NUL. */
static int form_unescape(char *s)
{
    char *out = s;

    for (; *s; s++) {
        if (*s == '+') {
            *out++ = ' ';
        }
        else if (*s == '%') {
            int hi = sb_hex_value((unsigned char)s[1]),
                lo = hi < 0 ? -1 : sb_hex_value((unsigned char)s[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                return 0;
            }
            *out++ = (char)(hi * 16 + lo);
            s += 2;
        }
        else {
            *out++ = *s;
        }
    }
    *out = '\0';
    return 1;
}

int sb_query_parse(apr_pool_t *p, const char *args, apr_table_t **out, sb_error_t *err)
{
    char *copy, *pair, *state = NULL;
    int bad = 0;

    *out = apr_table_make(p, 8);
    if (!args || !*args) {
        return 0;
    }
    copy = apr_pstrdup(p, args);
    for (pair = apr_strtok(copy, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '='), *val, *raw_name;
        if (eq) {
            *eq = '\0';
            val = eq + 1;
        }
        else {
            val = pair + strlen(pair); /* "" that may be written to */
        }
        raw_name = apr_pstrdup(p, pair);
        if (!form_unescape(pair)) {
            if (bad++ < SB_QUERY_BAD_MAX) {
                sb_field_fail(err, p, raw_name, "%s is not valid percent-encoding", raw_name);
            }
            continue;
        }
        if (!form_unescape(val)) {
            if (bad++ < SB_QUERY_BAD_MAX) {
                sb_field_fail(err, p, pair, "%s is not valid percent-encoding", pair);
            }
            continue;
        }
        if (*pair) {
            apr_table_add(*out, pair, val);
        }
    }
    if (bad) {
        err->message = "Invalid query parameters";
    }
    return bad;
}

const char *sb_query_param(sb_call_t *c, const char *name)
{
    const char *v = c->query ? apr_table_get(c->query, name) : NULL;
    return v && *v ? v : NULL;
}

int sb_query_int(sb_call_t *c, const char *name, int lo, int hi, int dflt, int *out)
{
    const char *v = sb_query_param(c, name), *s;
    long n = 0;

    *out = dflt;
    if (!v) {
        return 1;
    }
    for (s = v; *s && isdigit((unsigned char)*s) && s - v < 9; s++) {
        n = n * 10 + (*s - '0');
    }
    if (*s || n < lo || n > hi) {
        sb_field_fail(&c->err, c->pool, name, "%s must be an integer from %d to %d", name, lo, hi);
        return 0;
    }
    *out = (int)n;
    return 1;
}

const char *sb_query_text(sb_call_t *c, const char *name, int max)
{
    const char *v = sb_query_param(c, name);

    if (v && (!sb_utf8_clean(v) || (int)sb_utf8_len(v) > max)) {
        sb_field_fail(&c->err, c->pool, name, "%s must be text of at most %d characters", name,
                      max);
        return NULL;
    }
    return v;
}

const char *sb_query_category(sb_call_t *c)
{
    const char *v = sb_query_param(c, "category");

    if (v && sb_enum_index(sb_categories, v) < 0) {
        sb_field_fail(&c->err, c->pool, "category",
                      "category must be one of Technology, "
                      "Design, Business, Language, Music, Sports, Cooking, Other");
        return NULL;
    }
    return v;
}

int sb_query_failed(sb_call_t *c)
{
    if (!sb_has_field_errors(&c->err)) {
        return 0;
    }
    c->err.message = "Invalid query parameters";
    return c->err.status;
}

void sb_page_list(sb_call_t *c, int limit, int count)
{
    json_object *pg = json_object_new_object();

    json_object_object_add(pg, "limit", json_object_new_int(limit));
    json_object_object_add(pg, "count", json_object_new_int(count));
    c->pagination = pg;
}

void sb_page_cursor(sb_call_t *c, int limit, int count, int more, const char *next)
{
    json_object *pg = json_object_new_object();

    json_object_object_add(pg, "hasMore", json_object_new_boolean(more));
    json_object_object_add(pg, "nextCursor", next ? json_object_new_string(next) : NULL);
    json_object_object_add(pg, "limit", json_object_new_int(limit));
    json_object_object_add(pg, "count", json_object_new_int(count));
    c->pagination = pg;
}

void sb_page_offset(sb_call_t *c, int page, int limit, int64_t total)
{
    int64_t pages = limit > 0 ? (total + limit - 1) / limit : 0;
    json_object *pg = json_object_new_object();

    json_object_object_add(pg, "currentPage", json_object_new_int(page));
    json_object_object_add(pg, "totalPages", json_object_new_int64(pages));
    json_object_object_add(pg, "totalCount", json_object_new_int64(total));
    json_object_object_add(pg, "hasMore", json_object_new_boolean(page < pages));
    json_object_object_add(pg, "hasPrevious", json_object_new_boolean(page > 1));
    json_object_object_add(pg, "limit", json_object_new_int(limit));
    c->pagination = pg;
}

int sb_call_internalf(sb_call_t *c, const char *func, const char *fmt, ...)
{
    va_list ap;
    const char *why;

    va_start(ap, fmt);
    why = apr_pvsprintf(c->pool, fmt, ap);
    va_end(ap);
    sb_call_logf(c, func, SB_LOG_ERR, "%s", why);
    return sb_fail(&c->err, c->pool, 500, "Internal error.");
}

int sb_call_fields_failed(const sb_call_t *c)
{
    return sb_has_field_errors(&c->err) ? c->err.status : 0;
}

int sb_query_cursor(sb_call_t *c, int64_t *at, char *id, int *has)
{
    const char *v = apr_table_get(c->query, "cursor");

    *has = 0;
    if (!v || !*v) {
        return 1;
    }
    if (!sb_cursor_decode(c->settings->cursor_key, c->settings->cursor_key_len, v, at, id)) {
        sb_field_fail(&c->err, c->pool, "cursor", "cursor is not one this server gave out");
        return 0;
    }
    *has = 1;
    return 1;
}

const char *sb_param_id(sb_call_t *c, int idx, const char *field)
{
    const char *v = c->params[idx];

    if (!v || !sb_id_valid(v)) {
        sb_field_fail(&c->err, c->pool, field, "%s must be a 24-character hex id", field);
        c->err.message = apr_psprintf(c->pool, "Invalid %s.", field);
        return NULL;
    }
    return sb_lower(c->pool, v);
}
