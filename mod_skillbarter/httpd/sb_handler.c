/*
 * The request path for /api: route → CORS/OPTIONS → (rate limit) → query → body → auth →
 * resource handler → envelope. Every answer, error or not, is JSON.
 */
#include "sb_handler.h"

#include <string.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>

#include "sb_config.h"
#include "sb_config_sessions.h"
#include "sb_http.h"
#include "sb_json.h"
#include "sb_kit.h"
#include "sb_log.h"
#include "sb_ratelimit_httpd.h"
#include "sb_router.h"
#include "sb_time.h"

#define SB_HANDLER_NAME   "skillbarter"
#define SB_API_PREFIX     "/api"
#define SB_RAW_BODY_SLACK (64 * 1024)

/* Skip the filesystem walk for API paths: nothing under /api is a file. */
int sb_map_to_storage(request_rec *r)
{
    sb_server_conf_t *conf = sb_conf(r->server);
    if (conf->settings && !strncmp(r->uri, SB_API_PREFIX, sizeof(SB_API_PREFIX) - 1)
        && (r->uri[4] == '/' || r->uri[4] == '\0')) {
        return OK;
    }
    return DECLINED;
}

/* The handlers' lines, in the glue's own format (sb_log.h), naming the handler's function. */
static void call_log(sb_call_t *c, int level, const char *func, const char *msg)
{
    request_rec *r = c->glue;
    sb_rlog_func(r, level, func, "%s %s: %s", c->method, c->path, msg);
}

/* Read and parse the body the route expects; 0 or an HTTP status with c->err set. */
static int take_body(request_rec *r, const sb_server_conf_t *conf, const sb_route_t *rt,
                     sb_call_t *c)
{
    const char *buf, *why = NULL;
    apr_size_t len;
    int rc;

    c->content_type = apr_table_get(r->headers_in, "Content-Type");
    if (!sb_http_has_body(r)) {
        return 0;
    }
    if (rt->flags & SB_ROUTE_RAW) {
        /* room for a multipart envelope around a file of the maximum size; the handler
         * checks the file itself against avatar_max */
        if ((rc = sb_http_read_body(r, c->settings->avatar_max + SB_RAW_BODY_SLACK, &buf, &len,
                                    &c->err))) {
            return rc;
        }
        c->raw_body = buf;
        c->raw_len = len;
        return 0;
    }
    if (!(rt->flags & SB_ROUTE_JSON)) {
        return 0; /* bodies on GET/DELETE are ignored (and discarded by the core) */
    }
    if (!sb_http_is_json(c->content_type)) {
        return sb_fail(&c->err, c->pool, 415, "Content-Type must be application/json.");
    }
    if ((rc = sb_http_read_body(r, sb_conf_max_json_body(conf), &buf, &len, &c->err))) {
        return rc;
    }
    if (len == 0) {
        return 0;
    }
    if (!(c->body = sb_json_parse(c->pool, buf, len, 32, &why))) {
        return sb_fail(&c->err, c->pool, 400, "%s", why ? why : "Malformed JSON.");
    }
    return 0;
}

static int sb_handle_api(request_rec *r)
{
    sb_server_conf_t *conf;
    sb_match_t m;
    sb_call_t *c;
    int rc;

    if (!r->handler || strcmp(r->handler, SB_HANDLER_NAME)) {
        return DECLINED;
    }
    conf = sb_conf(r->server);
    if (!conf->settings) {
        sb_error(r, "SetHandler %s without %s in this server", SB_HANDLER_NAME, SB_DIRECTIVE_STORE);
        return sb_http_fail(r, 503, "Service is not configured.");
    }
    sb_route_match(r->pool, r->method, r->uri, &m);
    if (r->method_number == M_OPTIONS && m.allow) {
        sb_http_cors(r, conf, m.allow);
        apr_table_setn(r->headers_out, "Allow", m.allow);
        r->status = HTTP_NO_CONTENT;
        return OK;
    }
    sb_http_cors(r, conf, NULL);
    /* the global limiter covers every /api request, unknown paths included */
    if ((rc = sb_ratelimit_check(r, conf->settings, m.route ? m.route->limiter : NULL))
        != DECLINED) {
        return rc;
    }
    if (!m.route) {
        if (m.allow) {
            apr_table_setn(r->err_headers_out, "Allow", m.allow);
            return sb_http_fail(r, 405,
                                apr_psprintf(r->pool, "Method %s is not allowed here.", r->method));
        }
        return sb_http_fail(r, 404, "Route not found.");
    }

    sb_debug(r, "%s %s: route %s %s", r->method, r->uri, m.route->method, m.route->pattern);
    c = apr_pcalloc(r->pool, sizeof *c);
    c->pool = r->pool;
    c->settings = conf->settings;
    c->method = r->method;
    c->path = r->uri;
    memcpy(c->params, m.params, sizeof c->params);
    c->client_ip = r->useragent_ip;
    c->request_id = sb_request_id(r);
    c->bearer = sb_http_bearer(r);
    c->now = sb_config_clock(conf->settings, sb_now_ms());
    c->log = call_log;
    c->glue = r;

    /* a malformed %-escape is a 400 naming the parameter, on every route */
    if (sb_query_parse(c->pool, r->args, &c->query, &c->err)
        || (rc = take_body(r, conf, m.route, c))) {
        return sb_http_send_error(r, &c->err);
    }
    if ((m.route->flags & SB_ROUTE_AUTH) && sb_call_authenticate(c)) {
        return sb_http_send_error(r, &c->err);
    }
    rc = m.route->handler(c);
    if (c->err.status || (rc >= 400 && !c->data)) {
        if (!c->err.status) {
            sb_call_internal(c, "handler answered %d without an error", rc);
        }
        /* json-c objects live outside the pools */
        json_object_put(c->data);
        json_object_put(c->pagination);
        json_object_put(c->extra);
        return sb_http_send_error(r, &c->err);
    }
    if (!c->status) {
        c->status = 200;
    }
    return sb_http_send_call(r, c);
}

int sb_handler(request_rec *r)
{
    int rc = sb_handle_api(r);
    sb_ratelimit_finish(r); /* skip-successful limiters: an answer < 400 gives back its hit */
    return rc;
}
