/* The Engine.IO v4 / Socket.IO v5 codec: the frames socket.io 4.8 sends (FACTS.md), and the
 * refusal of every malformed one. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sbrt_codec.h"

#define S(lit) lit, sizeof lit - 1

static void test_eio_decode(void **state)
{
    sbrt_eio_packet_t pk;

    (void)state;
    assert_int_equal(sbrt_eio_decode(S("2probe"), &pk), SBRT_OK);
    assert_int_equal(pk.type, SBRT_EIO_PING);
    assert_int_equal(pk.len, 5);
    assert_memory_equal(pk.data, "probe", 5);
    assert_int_equal(sbrt_eio_decode(S("3"), &pk), SBRT_OK);
    assert_int_equal(pk.type, SBRT_EIO_PONG);
    assert_int_equal(pk.len, 0);
    assert_int_equal(sbrt_eio_decode(S("40{\"token\":\"x\"}"), &pk), SBRT_OK);
    assert_int_equal(pk.type, SBRT_EIO_MESSAGE);
    assert_int_equal(sbrt_eio_decode(S("6"), &pk), SBRT_OK);
    assert_int_equal(pk.type, SBRT_EIO_NOOP);
    assert_int_equal(sbrt_eio_decode("", 0, &pk), SBRT_ERR_EMPTY);
    assert_int_equal(sbrt_eio_decode(S("7"), &pk), SBRT_ERR_TYPE);
    assert_int_equal(sbrt_eio_decode(S("x"), &pk), SBRT_ERR_TYPE);
    assert_int_equal(sbrt_eio_decode(S("bAQID"), &pk), SBRT_ERR_BINARY);
}

static void test_payload_split(void **state)
{
    static const char body[] = "2\x1e"
                               "42[\"a\"]\x1e"
                               "3";
    const char *pkt;
    apr_size_t pos = 0, n;

    (void)state;
    assert_true(sbrt_eio_payload_next(S(body), &pos, &pkt, &n));
    assert_int_equal(n, 1);
    assert_memory_equal(pkt, "2", 1);
    assert_true(sbrt_eio_payload_next(S(body), &pos, &pkt, &n));
    assert_int_equal(n, 7);
    assert_memory_equal(pkt, "42[\"a\"]", 7);
    assert_true(sbrt_eio_payload_next(S(body), &pos, &pkt, &n));
    assert_int_equal(n, 1);
    assert_false(sbrt_eio_payload_next(S(body), &pos, &pkt, &n));
    /* an empty body has no packet; a trailing separator leaves an empty one (refused later) */
    pos = 0;
    assert_false(sbrt_eio_payload_next("", 0, &pos, &pkt, &n));
    pos = 0;
    assert_true(sbrt_eio_payload_next(S("4\x1e"), &pos, &pkt, &n));
    assert_int_equal(n, 1);
    assert_true(sbrt_eio_payload_next(S("4\x1e"), &pos, &pkt, &n));
    assert_int_equal(n, 0);
    assert_false(sbrt_eio_payload_next(S("4\x1e"), &pos, &pkt, &n));
}

static void test_sio_connect(void **state)
{
    apr_pool_t *p = *state;
    sbrt_sio_packet_t pk;
    json_object *v;

    assert_int_equal(sbrt_sio_decode(p, S("0{\"token\":\"abc\"}"), &pk), SBRT_OK);
    assert_int_equal(pk.type, SBRT_SIO_CONNECT);
    assert_string_equal(pk.nsp, "/");
    assert_true(pk.ack_id == -1);
    assert_true(json_object_object_get_ex(pk.data, "token", &v));
    assert_string_equal(json_object_get_string(v), "abc");
    /* recovery: pid and offset beside the auth fields */
    assert_int_equal(
        sbrt_sio_decode(p, S("0{\"token\":\"t\",\"pid\":\"p1\",\"offset\":\"17\"}"), &pk), SBRT_OK);
    assert_true(json_object_object_get_ex(pk.data, "offset", &v));
    /* no auth at all; a namespace */
    assert_int_equal(sbrt_sio_decode(p, S("0"), &pk), SBRT_OK);
    assert_null(pk.data);
    assert_int_equal(sbrt_sio_decode(p, S("0/admin,{}"), &pk), SBRT_OK);
    assert_string_equal(pk.nsp, "/admin");
    /* a CONNECT whose data is not an object, or with an ack id */
    assert_int_equal(sbrt_sio_decode(p, S("0[1]"), &pk), SBRT_ERR_SHAPE);
    assert_int_equal(sbrt_sio_decode(p, S("0\"tok\""), &pk), SBRT_ERR_SHAPE);
    assert_int_equal(sbrt_sio_decode(p, S("012{}"), &pk), SBRT_ERR_ACK_ID);
}

static void test_sio_event_ack(void **state)
{
    apr_pool_t *p = *state;
    sbrt_sio_packet_t pk;

    assert_int_equal(sbrt_sio_decode(p, S("21[\"echo\",{\"a\":1}]"), &pk), SBRT_OK);
    assert_int_equal(pk.type, SBRT_SIO_EVENT);
    assert_true(pk.ack_id == 1);
    assert_int_equal(json_object_array_length(pk.data), 2);
    assert_int_equal(sbrt_sio_decode(p, S("2[\"typing:start\"]"), &pk), SBRT_OK);
    assert_true(pk.ack_id == -1);
    assert_int_equal(sbrt_sio_decode(p, S("2/chat,7[\"x\"]"), &pk), SBRT_OK);
    assert_string_equal(pk.nsp, "/chat");
    assert_true(pk.ack_id == 7);
    assert_int_equal(sbrt_sio_decode(p, S("3123[{\"ok\":true}]"), &pk), SBRT_OK);
    assert_int_equal(pk.type, SBRT_SIO_ACK);
    assert_true(pk.ack_id == 123);
    /* EVENT must be a non-empty array starting with a string */
    assert_int_equal(sbrt_sio_decode(p, S("2[]"), &pk), SBRT_ERR_SHAPE);
    assert_int_equal(sbrt_sio_decode(p, S("2[1,2]"), &pk), SBRT_ERR_SHAPE);
    assert_int_equal(sbrt_sio_decode(p, S("2{\"a\":1}"), &pk), SBRT_ERR_SHAPE);
    assert_int_equal(sbrt_sio_decode(p, S("2"), &pk), SBRT_ERR_SHAPE);
    /* ACK needs an id and an array */
    assert_int_equal(sbrt_sio_decode(p, S("3[1]"), &pk), SBRT_ERR_ACK_ID);
    assert_int_equal(sbrt_sio_decode(p, S("35{}"), &pk), SBRT_ERR_SHAPE);
    /* ids of more than 9 digits */
    assert_int_equal(sbrt_sio_decode(p, S("21234567890[\"a\"]"), &pk), SBRT_ERR_ACK_ID);
    assert_int_equal(sbrt_sio_decode(p, S("2123456789[\"a\"]"), &pk), SBRT_OK);
    assert_true(pk.ack_id == 123456789);
}

static void test_sio_refused(void **state)
{
    apr_pool_t *p = *state;
    sbrt_sio_packet_t pk;

    assert_int_equal(sbrt_sio_decode(p, "", 0, &pk), SBRT_ERR_EMPTY);
    assert_int_equal(sbrt_sio_decode(p, S("9"), &pk), SBRT_ERR_TYPE);
    assert_int_equal(sbrt_sio_decode(p, S("51-[\"up\",{\"_placeholder\":true,\"num\":0}]"), &pk),
                     SBRT_ERR_BINARY);
    assert_int_equal(sbrt_sio_decode(p, S("61-1[]"), &pk), SBRT_ERR_BINARY);
    assert_int_equal(sbrt_sio_decode(p, S("2/nsp-without-comma"), &pk), SBRT_ERR_NSP);
    assert_int_equal(sbrt_sio_decode(p, S("2[\"a\""), &pk), SBRT_ERR_JSON);
    assert_int_equal(sbrt_sio_decode(p, S("2['a']"), &pk), SBRT_ERR_JSON);
    assert_int_equal(sbrt_sio_decode(p, S("2[\"a\"] trailing"), &pk), SBRT_ERR_JSON);
    assert_int_equal(sbrt_sio_decode(p, S("1{}"), &pk), SBRT_ERR_SHAPE);
    assert_int_equal(sbrt_sio_decode(p, S("1"), &pk), SBRT_OK);
    assert_int_equal(pk.type, SBRT_SIO_DISCONNECT);
    assert_string_equal(sbrt_status_text(SBRT_ERR_BINARY), "Binary packets are not supported.");
}

static void test_encode(void **state)
{
    apr_pool_t *p = *state;
    json_object *a = json_object_new_array();
    json_object *o = json_object_new_object();
    sbrt_sio_packet_t pk;
    char *s;

    json_object_object_add(o, "sid", json_object_new_string("abc/def"));
    assert_string_equal(sbrt_sio_encode(p, SBRT_SIO_CONNECT, "/", -1, o), "0{\"sid\":\"abc/def\"}");
    json_object_array_add(a, json_object_new_string("message:received"));
    json_object_array_add(a, json_object_new_int(5));
    assert_string_equal(sbrt_sio_encode(p, SBRT_SIO_EVENT, NULL, -1, a),
                        "2[\"message:received\",5]");
    assert_string_equal(sbrt_sio_encode(p, SBRT_SIO_ACK, "/chat", 42, a),
                        "3/chat,42[\"message:received\",5]");
    assert_string_equal(sbrt_sio_encode(p, SBRT_SIO_DISCONNECT, "/", -1, NULL), "1");
    assert_string_equal(sbrt_eio_encode(p, SBRT_EIO_MESSAGE, "2[1]", 4), "42[1]");
    assert_string_equal(sbrt_eio_encode(p, SBRT_EIO_PONG, "probe", 5), "3probe");
    assert_string_equal(sbrt_eio_encode(p, SBRT_EIO_NOOP, NULL, 0), "6");
    /* a round trip */
    s = sbrt_sio_encode(p, SBRT_SIO_EVENT, "/", 9, a);
    assert_int_equal(sbrt_sio_decode(p, s, strlen(s), &pk), SBRT_OK);
    assert_true(pk.ack_id == 9);
    assert_true(json_object_equal(pk.data, a));
    json_object_put(a);
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eio_decode),
        cmocka_unit_test(test_payload_split),
        cmocka_unit_test_setup_teardown(test_sio_connect, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_sio_event_ack, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_sio_refused, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_encode, sb_test_pool_setup, sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("sbrt_codec", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
