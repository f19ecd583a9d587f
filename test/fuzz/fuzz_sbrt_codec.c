/*
 * libFuzzer target: the Engine.IO / Socket.IO codec. The input is a polling body: it is split on
 * 0x1e, each packet decoded as Engine.IO, and each MESSAGE's data as Socket.IO. A packet that
 * decodes must re-encode to a text that decodes to the same type, namespace, ack id and data.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <apr_general.h>

#include "sbrt_codec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_initialize();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    apr_size_t pos = 0, n;
    const char *pkt;

    apr_pool_create(&p, NULL);
    while (sbrt_eio_payload_next((const char *)data, size, &pos, &pkt, &n)) {
        sbrt_eio_packet_t e;
        sbrt_sio_packet_t s, s2;
        char *text;

        if (sbrt_eio_decode(pkt, n, &e) != SBRT_OK || e.type != SBRT_EIO_MESSAGE) {
            continue;
        }
        if (sbrt_sio_decode(p, e.data, e.len, &s) != SBRT_OK) {
            continue;
        }
        text = sbrt_sio_encode(p, s.type, s.nsp, s.ack_id, s.data);
        if (sbrt_sio_decode(p, text, strlen(text), &s2) != SBRT_OK || s2.type != s.type
            || s2.ack_id != s.ack_id || strcmp(s2.nsp, s.nsp) != 0
            || (s.data && !json_object_equal(s.data, s2.data)) || (!s.data && s2.data)) {
            __builtin_trap();
        }
    }
    apr_pool_destroy(p);
    return 0;
}
