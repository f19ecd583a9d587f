#include "sb_http.h"

#include <string.h>
#include <http_protocol.h>
#include <http_core.h>
#include <http_log.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sb_log.h"
#include "sb_json.h"

#define SB_NOTE_REQUEST_ID "sb-request-id"

/* Per-process counter: with the pid and start time it makes ids unique without a syscall. */
static apr_uint32_t id_counter;
static apr_time_t id_epoch;

/* Ids look like mod_unique_id's: 20 url-safe base64 characters. */
static const char *make_request_id(apr_pool_t *p)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[15];
    apr_uint64_t t;
    apr_uint32_t n = apr_atomic_inc32(&id_counter), pid = (apr_uint32_t)getpid();
    char *out = apr_palloc(p, 21);
    int i, o = 0;

    t = (apr_uint64_t)id_epoch;
    for (i = 0; i < 7; i++) {
        raw[i] = (unsigned char)(t >> (8 * (6 - i)));
    }
    for (i = 0; i < 4; i++) {
        raw[7 + i] = (unsigned char)(pid >> (8 * (3 - i)));
        raw[11 + i] = (unsigned char)(n >> (8 * (3 - i)));
    }
    for (i = 0; i < 15; i += 3) {
        apr_uint32_t v =
            ((apr_uint32_t)raw[i] << 16) | ((apr_uint32_t)raw[i + 1] << 8) | raw[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    out[o] = '\0';
    return out;
}

const char *sb_request_id(request_rec *r)
{
    const char *id = apr_table_get(r->notes, SB_NOTE_REQUEST_ID);
    if (!id) {
        id = apr_table_get(r->subprocess_env, "UNIQUE_ID");
        if (!id) {
            id = make_request_id(r->pool);
        }
        apr_table_setn(r->notes, SB_NOTE_REQUEST_ID, id);
    }
    return id;
}

void sb_http_child_init(void)
{
    id_epoch = apr_time_now();
}

int sb_http_assign_request_id(request_rec *r)
{
    if (r->main || r->prev) {
        return DECLINED;
    }
    apr_table_setn(r->err_headers_out, "X-Request-Id", sb_request_id(r));
    return DECLINED;
}

int sb_http_has_body(const request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    const char *te = apr_table_get(r->headers_in, "Transfer-Encoding");
    return (cl && strcmp(cl, "0")) || te;
}

int sb_http_is_json(const char *ct)
{
    const char *semi, *plus;
    apr_size_t n;

    if (!ct) {
        return 0;
    }
    while (*ct == ' ') {
        ct++;
    }
    semi = strchr(ct, ';');
    n = semi ? (apr_size_t)(semi - ct) : strlen(ct);
    while (n > 0 && ct[n - 1] == ' ') {
        n--;
    }
    if (n == 16 && !strncasecmp(ct, "application/json", 16)) {
        return 1;
    }
    /* application/<something>+json */
    plus = n > 17 ? ct + n - 5 : NULL;
    return plus && !strncasecmp(ct, "application/", 12) && !strncasecmp(plus, "+json", 5);
}

int sb_http_read_body(request_rec *r, apr_int64_t limit, const char **buf, apr_size_t *len,
                      sb_error_t *err)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_size_t cap, used = 0;
    char *data;
    long n;
    int rc;

    if (cl) {
        apr_off_t announced;
        char *end;
        if (apr_strtoff(&announced, cl, &end, 10) != APR_SUCCESS || *end || announced < 0) {
            return sb_fail(err, r->pool, 400, "Invalid Content-Length.");
        }
        if (announced > limit) {
            r->connection->keepalive = AP_CONN_CLOSE;
            return sb_fail(err, r->pool, 413,
                           "Request body too large (limit %" APR_INT64_T_FMT " bytes).", limit);
        }
    }
    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
        return sb_fail(err, r->pool, rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? 413 : 400,
                       "Could not read the request body.");
    }
    cap = 8192;
    data = apr_palloc(r->pool, cap + 1);
    if (ap_should_client_block(r)) {
        for (;;) {
            if (used == cap) {
                char *bigger;
                cap *= 2;
                bigger = apr_palloc(r->pool, cap + 1);
                memcpy(bigger, data, used);
                data = bigger;
            }
            n = ap_get_client_block(r, data + used, cap - used);
            if (n == 0) {
                break;
            }
            if (n < 0) {
                r->connection->keepalive = AP_CONN_CLOSE;
                return sb_fail(err, r->pool, 400, "Could not read the request body.");
            }
            used += (apr_size_t)n;
            if ((apr_int64_t)used > limit) {
                r->connection->keepalive = AP_CONN_CLOSE;
                return sb_fail(err, r->pool, 413,
                               "Request body too large (limit %" APR_INT64_T_FMT " bytes).", limit);
            }
        }
    }
    data[used] = '\0';
    *buf = data;
    *len = used;
    return 0;
}

const char *sb_http_bearer(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7)) {
        return NULL;
    }
    h += 7;
    while (*h == ' ') {
        h++;
    }
    return *h ? h : NULL;
}

void sb_http_cors(request_rec *r, const sb_server_conf_t *conf, const char *allow_methods)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");

    if (!conf->allow_origin || !origin) {
        return;
    }
    if (!strcmp(conf->allow_origin, "*")) {
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", "*");
    }
    else if (!strcmp(conf->allow_origin, origin)) {
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", conf->allow_origin);
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Credentials", "true");
    }
    else {
        apr_table_mergen(r->err_headers_out, "Vary", "Origin");
        return;
    }
    apr_table_mergen(r->err_headers_out, "Vary", "Origin");
    apr_table_setn(r->err_headers_out, "Access-Control-Expose-Headers",
                   "X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, "
                   "RateLimit-Reset");
    if (allow_methods) {
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Methods", allow_methods);
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Headers",
                       "Authorization, Content-Type");
        apr_table_setn(r->err_headers_out, "Access-Control-Max-Age", "600");
    }
}

#define SB_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define SB_PIECES_MAX 5

/*
 * The answer's headers, then its body pieces handed to the output filters as they are, in one
 * brigade with the end of the response: the core writes headers and body in one writev and
 * copies nothing unless the socket is full (it sets the rest aside then). ap_rwrite would
 * copy the body into 8 KB heap buckets first, and flush from inside the handler when an
 * answer is larger (a page of cards is 9-12 KB). The pieces must live until this returns.
 */
static int send_pieces(request_rec *r, int status, const char *type, const struct iovec *v, int n)
{
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    apr_bucket_brigade *bb;
    apr_off_t len = 0;
    int i;

    for (i = 0; i < n; i++) {
        len += (apr_off_t)v[i].iov_len;
    }
    r->status = status;
    ap_set_content_type(r, type);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_set_content_length(r, len);
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, ba);
    for (i = 0; i < n; i++) {
        if (v[i].iov_len) {
            APR_BRIGADE_INSERT_TAIL(bb,
                                    apr_bucket_transient_create(v[i].iov_base, v[i].iov_len, ba));
        }
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
    /* a client gone away is the core's to log; the answer is done either way */
    ap_pass_brigade(r->output_filters, bb);
    return OK;
}

static void piece(struct iovec *v, int *n, const char *text, size_t len)
{
    v[*n].iov_base = (void *)text;
    v[*n].iov_len = len;
    (*n)++;
}
#define PIECE_LIT(v, n, lit) piece(v, n, lit, sizeof(lit) - 1)

int sb_http_send_json(request_rec *r, int status, json_object *body)
{
    struct iovec v[1];
    size_t len = 0;
    const char *text = json_object_to_json_string_length(body, SB_JSON_FLAGS, &len);
    int n = 0;

    piece(v, &n, text, len);
    send_pieces(r, status, "application/json; charset=utf-8", v, n);
    json_object_put(body);
    return OK;
}

int sb_http_send_call(request_rec *r, sb_call_t *c)
{
    json_object *env;

    if (c->raw_type) {
        struct iovec v[1];
        int n = 0;
        json_object_put(c->data);
        json_object_put(c->pagination);
        json_object_put(c->extra);
        piece(v, &n, c->raw_out, c->raw_out_len);
        return send_pieces(r, c->status, c->raw_type, v, n);
    }
    if (c->data && !c->message && !c->extra) {
        /* the envelope json-c would write around data and pagination, without serialising
         * the data into the envelope's buffer a second time (text already made, as a page of
         * kept cards, is passed on as it is) */
        struct iovec v[SB_PIECES_MAX];
        size_t len = 0;
        const char *text;
        int n = 0;
        if (c->status < 400) {
            PIECE_LIT(v, &n, "{\"success\":true,\"data\":");
        }
        else {
            PIECE_LIT(v, &n, "{\"success\":false,\"data\":");
        }
        if (!(text = sb_json_raw_text(c->data, &len))) {
            text = json_object_to_json_string_length(c->data, SB_JSON_FLAGS, &len);
        }
        piece(v, &n, text, len);
        if (c->pagination) {
            PIECE_LIT(v, &n, ",\"pagination\":");
            text = json_object_to_json_string_length(c->pagination, SB_JSON_FLAGS, &len);
            piece(v, &n, text, len);
        }
        PIECE_LIT(v, &n, "}");
        send_pieces(r, c->status, "application/json; charset=utf-8", v, n);
        json_object_put(c->data);
        json_object_put(c->pagination);
        c->data = c->pagination = NULL;
        return OK;
    }
    env = json_object_new_object();

    sb_json_add_lit(env, "success", json_object_new_boolean(c->status < 400));
    if (c->message) {
        sb_json_add_lit(env, "message", json_object_new_string(c->message));
    }
    if (c->data) {
        sb_json_add_lit(env, "data", c->data);
        c->data = NULL;
    }
    if (c->pagination) {
        sb_json_add_lit(env, "pagination", c->pagination);
        c->pagination = NULL;
    }
    if (c->extra) {
        json_object_object_foreach(c->extra, k, v)
        {
            json_object_object_add(env, k, json_object_get(v));
        }
        json_object_put(c->extra);
        c->extra = NULL;
    }
    return sb_http_send_json(r, c->status, env);
}

int sb_http_send_error(request_rec *r, const sb_error_t *err)
{
    json_object *env = json_object_new_object();
    int status = err->status ? err->status : 500, i;

    sb_json_add_lit(env, "success", json_object_new_boolean(0));
    sb_json_add_lit(env, "message", json_object_new_string(err->message ? err->message : "Error."));
    if (err->fields && err->fields->nelts) {
        json_object *arr = json_object_new_array();
        for (i = 0; i < err->fields->nelts; i++) {
            const sb_field_error_t *fe = &APR_ARRAY_IDX(err->fields, i, sb_field_error_t);
            json_object *o = json_object_new_object();
            sb_json_add_lit(o, "field", json_object_new_string(fe->field));
            sb_json_add_lit(o, "message", json_object_new_string(fe->message));
            json_object_array_add(arr, o);
        }
        sb_json_add_lit(env, "errors", arr);
    }
    return sb_http_send_json(r, status, env);
}

int sb_http_fail(request_rec *r, int status, const char *message)
{
    sb_error_t err = {status, message, NULL};
    return sb_http_send_error(r, &err);
}
