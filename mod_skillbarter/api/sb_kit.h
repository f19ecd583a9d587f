/*
 * The handlers' kit: query-string decoding and parameter readers, the two pagination shapes
 * of DESIGN.md, and the common answers (internal error, field errors). Every reader records a
 * field error naming the parameter on c->err and returns a neutral value, so a handler reads
 * all its parameters and then checks once with sb_query_failed().
 */
#ifndef SB_KIT_H
#define SB_KIT_H

#include <stdint.h>

#include "sb_api.h"

/* ---- query string ---- */

/*
 * Decode a raw query string ("a=1&b=x%20y"; '+' is a space) into *out (first value wins in
 * apr_table_get). A pair whose name or value is not valid percent-encoding (a '%' without two
 * hex digits, or an encoded NUL) is left out and becomes a field error on err naming the
 * parameter. Returns the number of malformed pairs (0 = clean).
 */
int sb_query_parse(apr_pool_t *p, const char *args, apr_table_t **out, sb_error_t *err);

/* A parameter's value, or NULL when absent or empty. */
const char *sb_query_param(sb_call_t *c, const char *name);
/* An integer of digits only within [lo, hi] into *out; dflt when absent. 0 + field error. */
int sb_query_int(sb_call_t *c, const char *name, int lo, int hi, int dflt, int *out);
/* A text parameter of at most max characters of clean UTF-8; NULL when absent or bad. */
const char *sb_query_text(sb_call_t *c, const char *name, int max);
/* ?category: one of the eight categories; NULL when absent or bad. */
const char *sb_query_category(sb_call_t *c);
/* The `cursor` query parameter, when present, decoded into *at and id (SB_ID_LEN + 1); 0 with
 * a field error when it is not one this server gave out. *has is 0 when absent. */
int sb_query_cursor(sb_call_t *c, int64_t *at, char *id, int *has);
/* A path parameter that must be a record id: lower-cased copy, or NULL with a 400 naming
 * `field`. */
const char *sb_param_id(sb_call_t *c, int idx, const char *field);
/* When any field error was recorded: message "Invalid query parameters", return the status
 * (400); else 0. */
int sb_query_failed(sb_call_t *c);

/* ---- pagination (c->pagination) ---- */

/* {limit, count}: a bounded list without further pages. */
void sb_page_list(sb_call_t *c, int limit, int count);
/* Cursor pagination: {hasMore, nextCursor (string or null), limit, count}. */
void sb_page_cursor(sb_call_t *c, int limit, int count, int more, const char *next);
/* Offset pagination: {currentPage, totalPages, totalCount, hasMore, hasPrevious, limit}. */
void sb_page_offset(sb_call_t *c, int page, int limit, int64_t total);

/* ---- answers ---- */

/* Log why (printf-style, at error level, naming the caller) and answer 500 "Internal error.";
 * returns 500. */
int sb_call_internalf(sb_call_t *c, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define sb_call_internal(c, ...) sb_call_internalf(c, __func__, __VA_ARGS__)
/* When any field error was recorded, its status (400); else 0. */
int sb_call_fields_failed(const sb_call_t *c);

#endif
