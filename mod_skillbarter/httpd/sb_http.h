/* Request and response helpers of the glue: ids, bodies, query strings, the JSON envelope. */
#ifndef SB_HTTP_H
#define SB_HTTP_H

#include <httpd.h>
#include <json.h>

#include "sb_api.h"
#include "sb_config.h"

/* child_init: the process's start time, part of the request ids it makes. */
void sb_http_child_init(void);
/* post_read_request: make sure the request has an id and announce it in X-Request-Id. */
int sb_http_assign_request_id(request_rec *r);

/* Read the whole body up to limit bytes. 0 = OK; else an HTTP status with err set
 * (413 over the limit, 400 on a read error). *buf is NUL-terminated. */
int sb_http_read_body(request_rec *r, apr_int64_t limit, const char **buf, apr_size_t *len,
                      sb_error_t *err);
/* 1 when the request announces a body (Content-Length > 0 or chunked). */
int sb_http_has_body(const request_rec *r);
/* 1 when the Content-Type is application/json or application/<x>+json (params allowed). */
int sb_http_is_json(const char *content_type);
/* Bearer token from Authorization, or NULL. */
const char *sb_http_bearer(request_rec *r);

/* CORS headers for a response when SkillBarterAllowOrigin is set and the Origin allows it. */
void sb_http_cors(request_rec *r, const sb_server_conf_t *conf, const char *allow_methods);
/* Write a JSON body with status; returns OK for the handler to return. */
int sb_http_send_json(request_rec *r, int status, json_object *body);
/* The envelope of a successful call. */
int sb_http_send_call(request_rec *r, sb_call_t *c);
/* The error envelope {success:false, message, errors?} from err. */
int sb_http_send_error(request_rec *r, const sb_error_t *err);
/* Quick error with a fixed message. */
int sb_http_fail(request_rec *r, int status, const char *message);

#endif
