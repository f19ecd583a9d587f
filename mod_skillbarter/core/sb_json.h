/*
 * Reading request bodies with json-c: a strict parser whose result is released by a pool
 * cleanup, and typed getters that record field errors ("must be a string", "is required").
 *
 * Getters return 1 when the key is present with the right type (and *out is set), 0 otherwise.
 * An absent key, or one whose value is JSON null, is "missing": an error only when required.
 * Strings are copied into p; strings containing "\u0000" are refused.
 */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <stdint.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>

#include "sb_error.h"

#define SB_JSON_MAX_DEPTH 32

/* json_object_object_add under a string literal: json-c keeps the literal instead of a
 * malloc'd copy of the key for every member of every answer built ("" key "" refuses
 * anything but a literal at compile time). Same result, same return value. */
#define sb_json_add_lit(o, key, v)                                                                 \
    json_object_object_add_ex((o), "" key "", (v), JSON_C_OBJECT_ADD_CONSTANT_KEY)

/* A JSON string of s, or NULL (JSON null as a member value) when s is NULL. */
json_object *sb_json_str_or_null(const char *s);
/* A json-c value whose serialization is text[0..len), verbatim (already valid JSON: a list
 * column written by json-c, cards kept ready in the store). text must outlive the value (a
 * string in p, the request's pool, which also holds the small record the value points to).
 * An array value, so json_object_is_type(o, json_type_array). */
json_object *sb_json_raw(apr_pool_t *p, const char *text, apr_size_t len);
/* The text of a value made by sb_json_raw (*len its length), or NULL for any other value. */
const char *sb_json_raw_text(json_object *o, apr_size_t *len);
/* d as json-c writes json_object_new_double(d) in its default format ("%.17g", ".0" added
 * to a whole number) into buf (at least SB_JSON_DOUBLE_MAX bytes); returns the length. */
#define SB_JSON_DOUBLE_MAX 32
int sb_json_double_text(char *buf, double d);

/* Parse buf[0..len) as one strict RFC 8259 JSON value (no single quotes, NaN, comments,
 * trailing data, NUL bytes or invalid UTF-8; nesting at most max_depth). The result is
 * released by a cleanup on p. On error returns NULL and sets *why (in p) to e.g.
 * "Malformed JSON: unexpected end of data at offset 17". A top-level null is an error. */
json_object *sb_json_parse(apr_pool_t *p, const char *buf, apr_size_t len, int max_depth,
                           const char **why);
/* The same, but the caller owns the result (json_object_put); p only holds *why. */
json_object *sb_json_parse_untracked(apr_pool_t *p, const char *buf, apr_size_t len, int max_depth,
                                     const char **why);
/* Register json_object_put(o) as a cleanup on p; returns o (NULL passes through). */
json_object *sb_json_track(apr_pool_t *p, json_object *o);

int sb_json_get_string(json_object *obj, const char *key, const char **out, sb_error_t *err,
                       apr_pool_t *p, int required);
/* A JSON integer (not 1.5, not "1") within [min, max]. */
int sb_json_get_int(json_object *obj, const char *key, int64_t min, int64_t max, int64_t *out,
                    sb_error_t *err, apr_pool_t *p, int required);
int sb_json_get_bool(json_object *obj, const char *key, int *out, sb_error_t *err, apr_pool_t *p,
                     int required);
/* An array of at most max_items strings (0 = no limit); *out is an array of const char *. */
int sb_json_get_string_array(json_object *obj, const char *key, int max_items,
                             apr_array_header_t **out, sb_error_t *err, apr_pool_t *p,
                             int required);
/* Add a field error for each key of obj not in the NULL-terminated allowed list (at most
 * SB_JSON_MAX_UNKNOWN are reported). Returns 1 when there is none; 0 also when obj is not an
 * object. */
#define SB_JSON_MAX_UNKNOWN 16
int sb_json_reject_unknown(json_object *obj, const char *const *allowed, sb_error_t *err,
                           apr_pool_t *p);

#endif
