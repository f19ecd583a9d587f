/*
 * Errors carried from any layer up to the one place (sb_http_send_error in httpd/sb_http.c)
 * that turns them into the JSON envelope. A status is an HTTP status; field errors become the
 * envelope's "errors" array.
 */
#ifndef SB_ERROR_H
#define SB_ERROR_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct {
    const char *field;
    const char *message;
} sb_field_error_t;

typedef struct {
    int status;                 /* HTTP status, 0 = no error */
    const char *message;        /* envelope "message" */
    apr_array_header_t *fields; /* of sb_field_error_t, may be NULL */
} sb_error_t;

/* Set status and message (printf-style) on err; returns status for `return sb_fail(...)`. */
int sb_fail(sb_error_t *err, apr_pool_t *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append one field error (message printf-style); status becomes 400 if unset. */
void sb_field_fail(sb_error_t *err, apr_pool_t *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* True when any field error was recorded. */
int sb_has_field_errors(const sb_error_t *err);

#endif
