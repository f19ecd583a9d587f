/* Engine.IO v4 / Socket.IO v5 packet codec (see sbrt_codec.h). */
#include "sbrt_codec.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"

sbrt_status_t sbrt_eio_decode(const char *buf, apr_size_t len, sbrt_eio_packet_t *out)
{
    if (len == 0) {
        return SBRT_ERR_EMPTY;
    }
    if (buf[0] == 'b') {
        return SBRT_ERR_BINARY;
    }
    if (buf[0] < '0' || buf[0] > '6') {
        return SBRT_ERR_TYPE;
    }
    out->type = (sbrt_eio_type_t)(buf[0] - '0');
    out->data = buf + 1;
    out->len = len - 1;
    return SBRT_OK;
}

int sbrt_eio_payload_next(const char *body, apr_size_t len, apr_size_t *pos, const char **pkt,
                          apr_size_t *pkt_len)
{
    const char *start, *rs;

    if (*pos > len || (*pos == len && (len == 0 || body[len - 1] != SBRT_RS))) {
        return 0;
    }
    start = body + *pos;
    rs = memchr(start, SBRT_RS, len - *pos);
    *pkt = start;
    if (rs) {
        *pkt_len = (apr_size_t)(rs - start);
        *pos += *pkt_len + 1;
    }
    else {
        *pkt_len = len - *pos;
        *pos = len + 1; /* past the end: the next call returns 0 */
    }
    return 1;
}

/* Is the data's shape the one its packet type carries? */
static int shape_ok(sbrt_sio_type_t type, json_object *data)
{
    json_object *name;

    switch (type) {
    case SBRT_SIO_CONNECT:
        return !data || json_object_is_type(data, json_type_object);
    case SBRT_SIO_DISCONNECT:
        return !data;
    case SBRT_SIO_EVENT:
        if (!data || !json_object_is_type(data, json_type_array)
            || json_object_array_length(data) == 0) {
            return 0;
        }
        name = json_object_array_get_idx(data, 0);
        return json_object_is_type(name, json_type_string);
    case SBRT_SIO_ACK:
        return data && json_object_is_type(data, json_type_array);
    case SBRT_SIO_CONNECT_ERROR:
        return data && json_object_is_type(data, json_type_object);
    default:
        return 0;
    }
}

sbrt_status_t sbrt_sio_decode(apr_pool_t *p, const char *buf, apr_size_t len,
                              sbrt_sio_packet_t *out)
{
    apr_size_t i = 1, start;

    memset(out, 0, sizeof *out);
    out->nsp = "/";
    out->ack_id = -1;
    if (len == 0) {
        return SBRT_ERR_EMPTY;
    }
    if (buf[0] < '0' || buf[0] > '6') {
        return SBRT_ERR_TYPE;
    }
    out->type = (sbrt_sio_type_t)(buf[0] - '0');
    if (out->type == SBRT_SIO_BINARY_EVENT || out->type == SBRT_SIO_BINARY_ACK) {
        return SBRT_ERR_BINARY;
    }
    if (i < len && buf[i] == '/') {
        start = i;
        while (i < len && buf[i] != ',') {
            i++;
        }
        if (i == len || i - start > SBRT_MAX_NSP) {
            return SBRT_ERR_NSP;
        }
        out->nsp = apr_pstrmemdup(p, buf + start, i - start);
        i++; /* the ',' */
    }
    if (i < len && buf[i] >= '0' && buf[i] <= '9') {
        int64_t id = 0;
        start = i;
        while (i < len && buf[i] >= '0' && buf[i] <= '9') {
            if (i - start >= 9) {
                return SBRT_ERR_ACK_ID;
            }
            id = id * 10 + (buf[i] - '0');
            i++;
        }
        if (out->type != SBRT_SIO_EVENT && out->type != SBRT_SIO_ACK) {
            return SBRT_ERR_ACK_ID;
        }
        out->ack_id = id;
    }
    if (out->type == SBRT_SIO_ACK && out->ack_id < 0) {
        return SBRT_ERR_ACK_ID;
    }
    if (i < len) {
        out->data = sb_json_track(p, sbrt_json_parse(buf + i, len - i, SBRT_JSON_DEPTH));
        if (!out->data) {
            return SBRT_ERR_JSON;
        }
    }
    return shape_ok(out->type, out->data) ? SBRT_OK : SBRT_ERR_SHAPE;
}

char *sbrt_sio_encode(apr_pool_t *p, sbrt_sio_type_t type, const char *nsp, int64_t ack_id,
                      json_object *data)
{
    const char *json = data ? json_object_to_json_string_ext(
                           data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                            : "";
    int named = nsp && strcmp(nsp, "/") != 0;
    char ack[24] = "";

    if (ack_id >= 0) {
        apr_snprintf(ack, sizeof ack, "%" APR_INT64_T_FMT, ack_id);
    }
    return apr_psprintf(p, "%c%s%s%s%s", '0' + (int)type, named ? nsp : "", named ? "," : "", ack,
                        json);
}

char *sbrt_eio_encode(apr_pool_t *p, sbrt_eio_type_t type, const char *data, apr_size_t len)
{
    char *s = apr_palloc(p, len + 2);

    s[0] = (char)('0' + (int)type);
    if (len) {
        memcpy(s + 1, data, len);
    }
    s[len + 1] = '\0';
    return s;
}

const char *sbrt_status_text(sbrt_status_t st)
{
    switch (st) {
    case SBRT_OK:
        return "ok";
    case SBRT_ERR_EMPTY:
        return "Empty packet.";
    case SBRT_ERR_TYPE:
        return "Unknown packet type.";
    case SBRT_ERR_BINARY:
        return "Binary packets are not supported.";
    case SBRT_ERR_NSP:
        return "Malformed namespace.";
    case SBRT_ERR_ACK_ID:
        return "Malformed acknowledgement id.";
    case SBRT_ERR_JSON:
        return "Packet data is not valid JSON.";
    case SBRT_ERR_SHAPE:
        return "Packet data has the wrong shape.";
    }
    return "Malformed packet.";
}
