/*
 * The Engine.IO v4 / Socket.IO v5 packet codec, pure C (json-c for the data, no libwebsockets),
 * so it is unit-tested and fuzzed on its own.
 *
 * Engine.IO: a text packet is one type digit ('0' open … '6' noop) and its data; the polling
 * transport joins packets with the record separator 0x1e; "b<base64>" marks a binary packet
 * over polling (refused here: this server carries no binary attachments).
 *
 * Socket.IO (inside an Engine.IO MESSAGE): <type digit>[<attachments>-][/<nsp>,][<ack id>][JSON]
 * with types 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT,
 * 6 BINARY_ACK. Each type's data is checked: CONNECT an object or nothing, DISCONNECT nothing,
 * EVENT a non-empty array whose first element is a string (the event name), ACK an array,
 * CONNECT_ERROR an object. Binary types are refused (SBRT_ERR_BINARY).
 */
#ifndef SBRT_CODEC_H
#define SBRT_CODEC_H

#include <stdint.h>
#include <apr_pools.h>
#include <json-c/json.h>

#define SBRT_RS         '\x1e'    /* polling payload separator */
#define SBRT_MAX_ACK_ID 999999999 /* acknowledgement ids: at most 9 digits */
#define SBRT_MAX_NSP    128       /* namespace name length */
#define SBRT_JSON_DEPTH 16

typedef enum {
    SBRT_EIO_OPEN = 0,
    SBRT_EIO_CLOSE = 1,
    SBRT_EIO_PING = 2,
    SBRT_EIO_PONG = 3,
    SBRT_EIO_MESSAGE = 4,
    SBRT_EIO_UPGRADE = 5,
    SBRT_EIO_NOOP = 6
} sbrt_eio_type_t;

typedef enum {
    SBRT_SIO_CONNECT = 0,
    SBRT_SIO_DISCONNECT = 1,
    SBRT_SIO_EVENT = 2,
    SBRT_SIO_ACK = 3,
    SBRT_SIO_CONNECT_ERROR = 4,
    SBRT_SIO_BINARY_EVENT = 5,
    SBRT_SIO_BINARY_ACK = 6
} sbrt_sio_type_t;

typedef enum {
    SBRT_OK = 0,
    SBRT_ERR_EMPTY,  /* no packet type */
    SBRT_ERR_TYPE,   /* unknown packet type */
    SBRT_ERR_BINARY, /* binary packet or attachment: not supported */
    SBRT_ERR_NSP,    /* namespace not terminated by ',' or too long */
    SBRT_ERR_ACK_ID, /* acknowledgement id too long or on a type that has none */
    SBRT_ERR_JSON,   /* data is not strict JSON */
    SBRT_ERR_SHAPE   /* data of the wrong shape for the type */
} sbrt_status_t;

typedef struct {
    sbrt_eio_type_t type;
    const char *data; /* points into the input; not NUL-terminated */
    apr_size_t len;
} sbrt_eio_packet_t;

typedef struct {
    sbrt_sio_type_t type;
    const char *nsp;   /* "/" when absent; in the pool */
    int64_t ack_id;    /* -1 when absent */
    json_object *data; /* NULL when absent; released by a cleanup on the pool */
} sbrt_sio_packet_t;

/* Parse buf[0..len) as one JSON document, accepting exactly what sb_json_parse accepts (strict
 * RFC 8259, json-c's UTF-8 check, a value inside max_depth - 1 containers at most, no top-level
 * null) and giving the same values, in one pass without json-c's tokener (sbrt_json.c). NULL
 * when it is not such a document; the caller owns the result. */
json_object *sbrt_json_parse(const char *buf, apr_size_t len, int max_depth);

/* Decode one Engine.IO text packet buf[0..len). The data points into buf. */
sbrt_status_t sbrt_eio_decode(const char *buf, apr_size_t len, sbrt_eio_packet_t *out);

/* The next packet of a polling body: from *pos up to the next 0x1e or the end; *pos moves past
 * it. Returns 0 when the body is exhausted, else 1 with *pkt and *pkt_len set (possibly empty). */
int sbrt_eio_payload_next(const char *body, apr_size_t len, apr_size_t *pos, const char **pkt,
                          apr_size_t *pkt_len);

/* Decode one Socket.IO packet (the data of an Engine.IO MESSAGE) into out, in p. */
sbrt_status_t sbrt_sio_decode(apr_pool_t *p, const char *buf, apr_size_t len,
                              sbrt_sio_packet_t *out);

/* Encode a Socket.IO packet: type, namespace (NULL or "/" for the main one), ack id (-1 for
 * none) and data (serialised with json-c, NULL for none). The text (in p) excludes the Engine.IO
 * type digit. */
char *sbrt_sio_encode(apr_pool_t *p, sbrt_sio_type_t type, const char *nsp, int64_t ack_id,
                      json_object *data);

/* An Engine.IO packet: the type digit followed by data[0..len). In p, NUL-terminated. */
char *sbrt_eio_encode(apr_pool_t *p, sbrt_eio_type_t type, const char *data, apr_size_t len);

/* Human text for a status, e.g. for an `error` event. */
const char *sbrt_status_text(sbrt_status_t st);

#endif
