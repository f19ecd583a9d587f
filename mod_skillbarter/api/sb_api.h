/*
 * The contract between the Apache glue (httpd/) and the resource handlers (api/).
 * A handler sees an sb_call_t — the parsed request and the settings it needs — and
 * answers by filling it: status + data (+ pagination, message) on success, or
 * c->err on failure. It never touches request_rec; the glue renders the envelope.
 * The settings (core/sb_settings.h) are the same ones every process reads.
 */
#ifndef SB_API_H
#define SB_API_H

#include <stdint.h>
#include <json.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "sb_error.h"
#include "sb_jwt.h"
#include "sb_mail.h"
#include "sb_model.h"
#include "sb_settings.h"
#include "store.h"

typedef struct sb_call sb_call_t;

/* Log levels (syslog numbering, as Apache's APLOG_*). */
#define SB_LOG_ERR     3
#define SB_LOG_WARNING 4
#define SB_LOG_NOTICE  5
#define SB_LOG_INFO    6
#define SB_LOG_DEBUG   7

/* Log callback supplied by the glue, which writes its one line format (function name,
 * request id). level: SB_LOG_*; func: the function the line is about. */
typedef void (*sb_log_fn)(sb_call_t *c, int level, const char *func, const char *msg);

#define SB_MAX_PARAMS 4

struct sb_call {
    apr_pool_t *pool; /* request pool */
    const sb_settings_t *settings;
    const char *method;
    const char *path;
    const char *params[SB_MAX_PARAMS]; /* ":name" segments in route order */
    apr_table_t *query;                /* decoded query string */
    json_object *body;                 /* JSON body (object) or NULL */
    const char *raw_body;              /* non-JSON body (uploads) */
    apr_size_t raw_len;
    const char *content_type;
    const char *client_ip;
    const char *request_id;
    const char *bearer;    /* access token from Authorization, or NULL */
    const sb_user_t *user; /* authenticated caller (auth routes) */
    sb_store_conn_t *conn; /* acquired lazily by sb_call_store() */
    int64_t now;           /* ms, fixed for the whole request */
    sb_log_fn log;
    void *glue; /* the glue's own request handle */

    /* answer */
    int status;
    json_object *data;  /* envelope "data" (ownership moves to the call) */
    json_object *extra; /* more top-level envelope members, or NULL */
    json_object *pagination;
    const char *message;
    sb_error_t err;
    /* a non-JSON answer (a calendar feed): sent as is with this content type, no envelope */
    const char *raw_type;
    const char *raw_out;
    apr_size_t raw_out_len;
};

typedef int (*sb_api_fn)(sb_call_t *c);

/* The store connection for this call, acquired on first use; NULL with c->err set (503). */
sb_store_conn_t *sb_call_store(sb_call_t *c);
/* Turn a store failure into c->err (404/409/503/500, logging the 500s); returns the status. */
int sb_call_store_fail(sb_call_t *c, const sb_store_error_t *e, const char *what);
/* Succeed with status and data (may be NULL); returns status. */
int sb_call_ok(sb_call_t *c, int status, json_object *data);
/* Log through the glue on behalf of func; sb_call_log passes the calling function's name. */
void sb_call_logf(sb_call_t *c, const char *func, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define sb_call_log(c, level, ...) sb_call_logf(c, __func__, level, __VA_ARGS__)
/* The caller's access-token check: verifies the bearer JWT and loads the user;
 * 401 for bad/missing tokens, 403 for banned/deactivated. Fills c->user. */
int sb_call_authenticate(sb_call_t *c);
/* 403 (c->err set, status returned) when u is deactivated or banned, else 0. */
int sb_call_check_account(sb_call_t *c, const sb_user_t *u);
/* Body as an object, with every key outside `allowed` a 400 naming the key. NULL → c->err set. */
json_object *sb_call_body_object(sb_call_t *c, const char *const *allowed);

#endif
