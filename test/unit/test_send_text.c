/*
 * A send writes its three texts (the 201 answer with both people public, the outbox payload
 * with both people short, the notification) with sb_jtext_* instead of json-c objects: each
 * must be byte for byte what json-c wrote for the same values with the same flags (the
 * envelope's for the answer, sb_json_text's, which escape '/', for the stored payloads).
 */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_message_json.h"
#include "sb_user_json.h"
#include "sb_user_text.h"

#define ANSWER (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define NOW    1750000000123LL

/* json-c's text of o with flags, in p; o is released. */
static const char *by_json_c(apr_pool_t *p, json_object *o, int flags)
{
    const char *s = apr_pstrdup(p, json_object_to_json_string_ext(o, flags));

    json_object_put(o);
    return s;
}

/* The short person as the send built it with json-c before it wrote text: the reference. */
static json_object *mini_json(apr_pool_t *p, const sb_user_t *u)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "_id", json_object_new_string(u->id));
    json_object_object_add(o, "username", json_object_new_string(u->username));
    json_object_object_add(o, "firstName", json_object_new_string(u->first_name));
    json_object_object_add(o, "lastName", json_object_new_string(u->last_name));
    json_object_object_add(
        o, "fullName",
        json_object_new_string(apr_pstrcat(p, u->first_name, " ", u->last_name, NULL)));
    json_object_object_add(o, "profilePicture",
                           json_object_new_string(u->profile_picture ? u->profile_picture : ""));
    return o;
}

static void awkward_user(apr_pool_t *p, sb_user_t *u, const char *id)
{
    sb_skill_offered_t *o;
    sb_availability_t *d;
    sb_time_slot_t *s;

    memset(u, 0, sizeof *u);
    apr_cpystrn(u->id, id, sizeof u->id);
    u->username = "ada_l";
    u->first_name = "Ada \"Countess\"";
    u->last_name = "Lovelace/Byron \\ \x01\t\xc3\xbc";
    u->profile_picture = "/uploads/a.png";
    u->bio = "Line one\nline two </script>";
    u->timezone = "Europe/London";
    u->languages = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(u->languages, const char *) = "Fran\303\247ais";
    u->skills_offered = apr_array_make(p, 1, sizeof(sb_skill_offered_t));
    o = apr_array_push(u->skills_offered);
    memset(o, 0, sizeof *o);
    o->skill = "C/C++";
    o->verified = 1;
    u->skills_wanted = apr_array_make(p, 1, sizeof(sb_skill_wanted_t));
    u->availability = apr_array_make(p, 1, sizeof(sb_availability_t));
    d = apr_array_push(u->availability);
    d->day = "Monday";
    d->time_slots = apr_array_make(p, 1, sizeof(sb_time_slot_t));
    s = apr_array_push(d->time_slots);
    s->start_time = "09:00";
    s->end_time = "12:30";
    u->minutes_taught = 95;
    u->rating = 4.366;
    u->total_reviews = 2;
    u->is_verified = 1;
    u->last_seen = NOW;
    u->created_at = NOW - 86400000LL * 400;
}

/* m between a and b as the 201 answer and as the outbox payload, against json-c. */
static void same_message(apr_pool_t *p, const sb_message_t *m, const sb_user_t *a,
                         const sb_user_t *b)
{
    sb_jtext_t ta, tb, t;

    sb_jtext_init(&ta, p, 16); /* small: the buffers must grow */
    sb_jtext_public_profile(&ta, a, NULL, 0);
    sb_jtext_init(&tb, p, 16);
    sb_jtext_public_profile(&tb, b, NULL, 0);
    sb_jtext_init(&t, p, 16);
    sb_jtext_message_with(&t, m, ta.buf, tb.buf);
    assert_string_equal(t.buf,
                        by_json_c(p,
                                  sb_message_json(p, m, sb_user_to_json(p, a, SB_VIEW_PUBLIC),
                                                  sb_user_to_json(p, b, SB_VIEW_PUBLIC)),
                                  ANSWER));

    sb_jtext_init(&ta, p, 16);
    ta.slashes = 1;
    sb_jtext_mini_user(&ta, a);
    sb_jtext_init(&tb, p, 16);
    tb.slashes = 1;
    sb_jtext_mini_user(&tb, b);
    sb_jtext_init(&t, p, 16);
    t.slashes = 1;
    sb_jtext_message_with(&t, m, ta.buf, tb.buf);
    assert_string_equal(
        t.buf,
        sb_json_text(p, sb_json_track(p, sb_message_json(p, m, mini_json(p, a), mini_json(p, b)))));
}

static void test_sent_message_texts_are_json_c_texts(void **state)
{
    apr_pool_t *p = *state;
    sb_message_session_t sd;
    sb_message_t m;
    sb_user_t a, b;

    awkward_user(p, &a, "665f1c2e9b1e8a3d4c5b6a79");
    memset(&b, 0, sizeof b); /* a new account: nothing set */
    apr_cpystrn(b.id, "665f1c2e9b1e8a3d4c5b6a7a", sizeof b.id);
    b.username = "new";
    b.first_name = "N";
    b.last_name = "";
    memset(&m, 0, sizeof m);
    apr_cpystrn(m.id, "aaaaaaaaaaaaaaaaaaaaaaaa", sizeof m.id);
    apr_cpystrn(m.sender_id, a.id, sizeof m.sender_id);
    apr_cpystrn(m.receiver_id, b.id, sizeof m.receiver_id);
    m.content = "hello / \"you\"\n\t\x02 \xf0\x9f\x8e\xb8";
    m.message_type = "text";
    m.created_at = m.updated_at = NOW;
    same_message(p, &m, &a, &b);
    same_message(p, &m, &b, &a);
    apr_cpystrn(m.reply_to, "dddddddddddddddddddddddd", sizeof m.reply_to);
    same_message(p, &m, &a, &b);
    /* a session request goes through json-c, the people spliced as they were written */
    memset(&sd, 0, sizeof sd);
    apr_cpystrn(sd.session_id, "eeeeeeeeeeeeeeeeeeeeeeee", sizeof sd.session_id);
    sd.skill = "Guitar/Bass";
    sd.duration = 60;
    sd.proposed_time = NOW + 3600000;
    m.message_type = "session_request";
    m.session = &sd;
    same_message(p, &m, &a, &b);
}

static void same_notification(apr_pool_t *p, const sb_notification_t *n)
{
    sb_jtext_t t;

    sb_jtext_init(&t, p, 16);
    t.slashes = 1;
    sb_jtext_notification(&t, n);
    assert_string_equal(t.buf, sb_json_text(p, sb_json_track(p, sb_notification_json(p, n))));
    /* the payload the send and every session change store */
    assert_string_equal(sb_notification_text(p, n), t.buf);
}

static void test_notification_text_is_json_c_text(void **state)
{
    apr_pool_t *p = *state;
    sb_notification_t n;

    memset(&n, 0, sizeof n);
    apr_cpystrn(n.id, "aaaaaaaaaaaaaaaaaaaaaaaa", sizeof n.id);
    n.type = "message";
    n.title = "New message from Ada \"C\" Lovelace/Byron";
    n.body = "hello\n\x01 \xe2\x80\xa6";
    n.link = "/messages/665f1c2e9b1e8a3d4c5b6a79";
    n.data =
        "{\"messageId\":\"aaaaaaaaaaaaaaaaaaaaaaaa\",\"senderId\":\"665f1c2e9b1e8a3d4c5b6a79\"}";
    n.created_at = NOW;
    same_notification(p, &n);
    n.data = NULL; /* {} */
    n.link = "";   /* null */
    n.is_read = 1;
    n.read_at = NOW + 5;
    same_notification(p, &n);
    n.link = NULL;
    n.type = n.title = n.body = NULL;
    same_notification(p, &n);
}

/* json-c escapes '/' unless told not to; t->slashes says which of the two is written. */
static void test_slashes_as_json_c_writes_them(void **state)
{
    apr_pool_t *p = *state;
    const char *s = "a/b\\/c</script>//";
    sb_jtext_t t;
    int on;

    for (on = 0; on < 2; on++) {
        sb_jtext_init(&t, p, 1);
        t.slashes = on;
        sb_jtext_str(&t, s);
        assert_string_equal(
            t.buf, by_json_c(p, json_object_new_string(s),
                             JSON_C_TO_STRING_PLAIN | (on ? 0 : JSON_C_TO_STRING_NOSLASHESCAPE)));
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_sent_message_texts_are_json_c_texts),
    T(test_notification_text_is_json_c_text),
    T(test_slashes_as_json_c_writes_them),
};

SB_TEST_MAIN("send_text", tests)
