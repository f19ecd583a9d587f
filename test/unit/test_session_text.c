/*
 * api/sb_session_text.c: the page of sessions written as text is, byte for byte, what the
 * HTTP answer's serialisation (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) of
 * the json-c forms writes — every member, nulls, notes for their author only, reminders,
 * hours, strings that need escaping, a participant who is gone — for a page and for one
 * session; the event payload carries nobody's notes.
 */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_kit.h"
#include "sb_session_view.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char *T_ID = "5f0000000000000000000001", *L_ID = "5f0000000000000000000002";

static sb_session_t session(apr_pool_t *p, int k, const sb_session_person_t *t,
                            const sb_session_person_t *l)
{
    sb_session_t s;

    memset(&s, 0, sizeof s);
    apr_snprintf(s.id, sizeof s.id, "6a%022d", k);
    apr_cpystrn(s.teacher_id, T_ID, sizeof s.teacher_id);
    apr_cpystrn(s.student_id, k == 3 ? "5f00000000000000000000ff" : L_ID, sizeof s.student_id);
    s.skill = k == 1 ? "C++ / \"Rust\"\t\\ caf\xc3\xa9 \x01\x1f" : "Guitar";
    s.category = k == 2 ? NULL : "Music";
    s.description = k == 1 ? "line one\nline two\r\b\f </script>" : k == 2 ? "" : NULL;
    s.scheduled_time = 1790000000000LL + k * 3600000LL;
    s.duration = 15 * (k + 1);
    s.actual_duration = k * 7;
    s.status = k == 0 ? "completed" : k == 1 ? "in_progress" : "pending";
    s.escrow = k == 1 ? 45 : 0;
    s.room_id = k == 2 ? NULL : apr_psprintf(p, "sb-room-%d/x", k);
    s.started_at = k < 2 ? 1790000000000LL + 60000 : 0;
    s.ended_at = k == 0 ? 1790000000000LL + 1800000 : 0;
    s.credits_exchanged = k == 0 ? 25 : 0;
    s.teacher_notes = k == 0 ? "teacher's \"own\"" : NULL;
    s.student_notes = k == 0 ? "student's" : k == 1 ? "" : NULL;
    if (k == 1) {
        apr_cpystrn(s.cancelled_by, L_ID, sizeof s.cancelled_by);
        apr_cpystrn(s.proposed_by, T_ID, sizeof s.proposed_by);
    }
    s.cancel_reason = k == 1 ? "sick \\ tired" : NULL;
    s.is_disputed = k == 0;
    s.reminders_sent = k == 1 ? "[\"24h\",\"1h\",\"15min\"]" : k == 2 ? NULL : "[]";
    s.teacher_joined_at = k < 2 ? 1790000000000LL : 0;
    s.student_joined_at = k == 0 ? 1790000000000LL : 0;
    s.created_at = 1780000000000LL + k;
    s.updated_at = 1780000000999LL + k;
    s.teacher = t;
    s.student = k == 3 ? NULL : l; /* a learner gone: the id stands in */
    return s;
}

static void check_viewer(apr_pool_t *p, const char *viewer_id)
{
    sb_session_person_t t = {
        "", "teach/er", "Tëa", "Ch\"er", "/uploads/a.png", "Europe/Paris", 4.666666, 3};
    sb_session_person_t l = {"", "learner", "Lee", "", NULL, NULL, 0, 0};
    sb_settings_t st;
    sb_user_t viewer;
    sb_call_t *c = apr_pcalloc(p, sizeof *c), *c2 = apr_pcalloc(p, sizeof *c2);
    apr_array_header_t *rows = apr_array_make(p, 4, sizeof(sb_session_t));
    json_object *arr, *got;
    const char *want, *text;
    int k;

    apr_cpystrn(t.id, T_ID, sizeof t.id);
    apr_cpystrn(l.id, L_ID, sizeof l.id);
    memset(&st, 0, sizeof st);
    st.jitsi_domain = "meet.example.org";
    memset(&viewer, 0, sizeof viewer);
    apr_cpystrn(viewer.id, viewer_id, sizeof viewer.id);
    c->pool = c2->pool = p;
    c->settings = c2->settings = &st;
    c->user = c2->user = &viewer;
    for (k = 0; k < 4; k++) {
        *(sb_session_t *)apr_array_push(rows) = session(p, k, &t, &l);
    }
    /* what the json-c forms serialise to */
    arr = json_object_new_array();
    for (k = 0; k < rows->nelts; k++) {
        json_object_array_add(arr, sb_session_json_full(c, &APR_ARRAY_IDX(rows, k, sb_session_t)));
    }
    want = apr_pstrdup(p, json_object_to_json_string_ext(arr, FLAGS));
    json_object_put(arr);
    /* the text, from a call of its own (its own people cache) */
    got = sb_session_list_json(c2, rows);
    assert_true(json_object_is_type(got, json_type_array));
    text = json_object_to_json_string_ext(got, FLAGS);
    assert_string_equal(text, want);
    json_object_put(got);
    /* one session alone, as GET /api/sessions/:id and the transitions answer it */
    for (k = 0; k < rows->nelts; k++) {
        const sb_session_t *one = &APR_ARRAY_IDX(rows, k, sb_session_t);
        json_object *ref = sb_session_json_full(c, one);
        want = apr_pstrdup(p, json_object_to_json_string_ext(ref, FLAGS));
        json_object_put(ref);
        got = sb_session_json_text(c2, one);
        assert_string_equal(json_object_to_json_string_ext(got, FLAGS), want);
        json_object_put(got);
    }
    /* an empty page */
    got = sb_session_list_json(c2, apr_array_make(p, 0, sizeof(sb_session_t)));
    assert_string_equal(json_object_to_json_string_ext(got, FLAGS), "[]");
    json_object_put(got);
}

/* The event payload goes to both participants: ids for people and nobody's notes, whoever
 * acts; otherwise the json-c form's members. */
static void test_event_text_has_no_notes(void **state)
{
    apr_pool_t *p = *state;
    sb_session_person_t t = {"", "teach", "T", "C", "", "UTC", 4.5, 2};
    sb_settings_t st;
    sb_user_t viewer;
    sb_call_t *c = apr_pcalloc(p, sizeof *c), *anon = apr_pcalloc(p, sizeof *anon);
    sb_session_t s;
    json_object *ev, *ref, *v;
    const char *want;
    int who;

    memset(&st, 0, sizeof st);
    st.jitsi_domain = "meet.example.org";
    c->pool = anon->pool = p;
    c->settings = anon->settings = &st;
    apr_cpystrn(t.id, T_ID, sizeof t.id);
    for (who = 0; who < 2; who++) {
        memset(&viewer, 0, sizeof viewer);
        apr_cpystrn(viewer.id, who ? L_ID : T_ID, sizeof viewer.id);
        c->user = &viewer;
        s = session(p, 0, &t, NULL);
        ev = json_tokener_parse(sb_session_event_text(c, &s));
        assert_non_null(ev);
        assert_false(json_object_object_get_ex(ev, "teacherNotes", NULL));
        assert_false(json_object_object_get_ex(ev, "studentNotes", NULL));
        assert_true(json_object_object_get_ex(ev, "teacher", &v));
        assert_string_equal(json_object_get_string(v), T_ID);
        ref = sb_session_json(anon, &s, NULL, NULL); /* nobody's view */
        want = apr_pstrdup(p, json_object_to_json_string_ext(ref, FLAGS));
        json_object_put(ref);
        assert_string_equal(json_object_to_json_string_ext(ev, FLAGS), want);
        json_object_put(ev);
    }
}

static void test_list_text_is_the_json_c_text(void **state)
{
    apr_pool_t *p = *state;

    check_viewer(p, T_ID); /* the teacher sees teacherNotes */
    check_viewer(p, L_ID); /* the learner studentNotes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_text_is_the_json_c_text, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_event_text_has_no_notes, sb_test_pool_setup,
                                        sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("session_text", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
