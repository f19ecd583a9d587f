/*
 * The conversation list writes its rows as text (sb_jtext_*, api/sb_messaging.h) instead of
 * building json-c objects: the text must be byte for byte what json-c writes for the same
 * message with the envelope's flags, for ordinary and awkward values alike. (The partner's
 * card is the store's kept text: test_store_messages.c compares it.)
 */
#include "sb_test.h"

#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_messaging.h"
#include "sb_public.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char *by_json_c(json_object *o)
{
    static char out[8192];

    snprintf(out, sizeof out, "%s", json_object_to_json_string_ext(o, FLAGS));
    json_object_put(o);
    return out;
}

static void same_message(apr_pool_t *p, const sb_message_t *m)
{
    sb_jtext_t t;

    json_object *v;

    sb_jtext_init(&t, p, 16); /* small: the buffer must grow */
    sb_jtext_message(&t, m);
    assert_string_equal(t.buf, by_json_c(sb_message_json(p, m, NULL, NULL)));
    /* and spliced into an answer as one value */
    v = json_object_new_object();
    json_object_object_add(v, "a", sb_jtext_value(t.buf));
    assert_string_equal(by_json_c(v), apr_pstrcat(p, "{\"a\":", t.buf, "}", NULL));
}

static void test_message_text_is_json_c_text(void **state)
{
    apr_pool_t *p = *state;
    sb_message_t m;

    memset(&m, 0, sizeof m);
    apr_cpystrn(m.id, "aaaaaaaaaaaaaaaaaaaaaaaa", sizeof m.id);
    apr_cpystrn(m.sender_id, "bbbbbbbbbbbbbbbbbbbbbbbb", sizeof m.sender_id);
    apr_cpystrn(m.receiver_id, "cccccccccccccccccccccccc", sizeof m.receiver_id);
    m.content = "hello / \"you\"\n\t\x02 \xf0\x9f\x8e\xb8";
    m.created_at = 1750000000000LL;
    same_message(p, &m); /* no type, never read, no reply, no update time */
    m.message_type = "text";
    m.is_read = 1;
    m.read_at = 1750000000999LL;
    apr_cpystrn(m.reply_to, "dddddddddddddddddddddddd", sizeof m.reply_to);
    m.updated_at = 1750000001000LL;
    same_message(p, &m);
    m.updated_at = m.created_at; /* updated when sent: the same date written twice */
    same_message(p, &m);
    {
        char every[128]; /* every ASCII byte, escaped or not as json-c does */
        int k;
        for (k = 1; k < 128; k++) {
            every[k - 1] = (char)k;
        }
        every[127] = '\0';
        m.content = every;
        same_message(p, &m);
    }
    m.content = NULL;
    m.is_deleted = 1;
    same_message(p, &m);
    m.message_type = "session_request"; /* written by json-c itself */
    m.content = "Session request";
    same_message(p, &m);
}

static void test_numbers_and_literals(void **state)
{
    apr_pool_t *p = *state;
    sb_jtext_t t;

    sb_jtext_init(&t, p, 1);
    sb_jtext_int(&t, -9007199254740993LL);
    sb_jtext_lit(&t, ",");
    sb_jtext_int(&t, 0);
    sb_jtext_lit(&t, ",");
    sb_jtext_double(&t, -2.0);
    sb_jtext_lit(&t, ",");
    sb_jtext_double(&t, 1e300);
    sb_jtext_lit(&t, ",");
    sb_jtext_bool(&t, 7);
    sb_jtext_lit(&t, ",");
    sb_jtext_str(&t, NULL);
    sb_jtext_lit(&t, ",");
    sb_jtext_time(&t, 0, 1);
    assert_string_equal(t.buf, "-9007199254740993,0,-2.0,1.0000000000000001e+300,true,null,null");
    assert_string_equal(by_json_c(json_object_new_double(-2.0)), "-2.0");
    assert_string_equal(by_json_c(json_object_new_double(1e300)), "1.0000000000000001e+300");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_message_text_is_json_c_text, sb_test_pool_setup,
                                    sb_test_pool_teardown),
    cmocka_unit_test_setup_teardown(test_numbers_and_literals, sb_test_pool_setup,
                                    sb_test_pool_teardown),
};

SB_TEST_MAIN("api_messaging", tests)
