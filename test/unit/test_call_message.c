/*
 * sb_call_ok_message (api/sb_messaging.h): the send's 201 and a session's 200 write their
 * envelope, {"success":true,"message":…,"data":…}, as text around data already written as
 * text. It must be byte for byte what the module's envelope (json-c, the envelope's flags)
 * writes for the same message and data; data that is not text, and an error status, go the
 * envelope's own way.
 */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_messaging.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The envelope as httpd/sb_http.c builds it for a call with a message. */
static const char *envelope(apr_pool_t *p, const char *message, const char *data)
{
    json_object *env = json_object_new_object();
    const char *s;

    json_object_object_add(env, "success", json_object_new_boolean(1));
    json_object_object_add(env, "message", json_object_new_string(message));
    json_object_object_add(env, "data", sb_json_raw(p, data, strlen(data)));
    s = apr_pstrdup(p, json_object_to_json_string_ext(env, FLAGS));
    json_object_put(env);
    return s;
}

static void test_text_envelope_is_json_c_text(void **state)
{
    apr_pool_t *p = *state;
    static const char *const messages[] = {"Message sent", "Session completed",
                                           "a/b \"quoted\" \\ \xc3\xa9\t"};
    const char *data = "{\"_id\":\"aaaaaaaaaaaaaaaaaaaaaaaa\",\"content\":\"x/y\",\"n\":1.5}";
    int i;

    for (i = 0; i < 3; i++) {
        sb_call_t c;
        memset(&c, 0, sizeof c);
        c.pool = p;
        assert_int_equal(sb_call_ok_message(&c, 201, messages[i],
                                            sb_json_raw(p, apr_pstrdup(p, data), strlen(data))),
                         201);
        assert_int_equal(c.status, 201);
        assert_non_null(c.raw_type);
        assert_null(c.data);
        assert_int_equal(c.raw_out_len, strlen(c.raw_out));
        assert_string_equal(c.raw_out, envelope(p, messages[i], data));
    }
}

static void test_other_data_takes_the_envelope(void **state)
{
    apr_pool_t *p = *state;
    json_object *o = json_object_new_object();
    sb_call_t c;

    memset(&c, 0, sizeof c);
    c.pool = p;
    assert_int_equal(sb_call_ok_message(&c, 200, "Done", o), 200);
    assert_null(c.raw_type);
    assert_ptr_equal(c.data, o);
    assert_string_equal(c.message, "Done");
    json_object_put(o);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_text_envelope_is_json_c_text, sb_test_pool_setup,
                                    sb_test_pool_teardown),
    cmocka_unit_test_setup_teardown(test_other_data_takes_the_envelope, sb_test_pool_setup,
                                    sb_test_pool_teardown),
};

SB_TEST_MAIN("call_message", tests)
