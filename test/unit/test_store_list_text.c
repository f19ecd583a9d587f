/* The users' list columns read without json-c (sqlite_list_text.c) give what json-c's reader
 * gives, and the reader takes every shape the driver's own writer makes. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sqlite_int.h"

static const char *opt(const char *s)
{
    return s ? s : "(null)";
}

/* Every field of a list (NULLs marked), for comparing two reads of it. */
static const char *describe(apr_pool_t *p, sb_sqlite_list_t which, const apr_array_header_t *a)
{
    const char *d = apr_psprintf(p, "%d:", a->nelts);
    int i, j;

    for (i = 0; i < a->nelts; i++) {
        switch (which) {
        case SB_SQLITE_LIST_LANGUAGES:
            d = apr_pstrcat(p, d, "[", opt(APR_ARRAY_IDX(a, i, const char *)), "]", NULL);
            break;
        case SB_SQLITE_LIST_OFFERED: {
            const sb_skill_offered_t *s = &APR_ARRAY_IDX(a, i, sb_skill_offered_t);
            d = apr_psprintf(p, "%s[%s|%s|%s|%s|%d]", d, opt(s->skill), opt(s->category),
                             opt(s->experience), opt(s->description), s->verified);
            break;
        }
        case SB_SQLITE_LIST_WANTED: {
            const sb_skill_wanted_t *s = &APR_ARRAY_IDX(a, i, sb_skill_wanted_t);
            d = apr_psprintf(p, "%s[%s|%s|%s|%s]", d, opt(s->skill), opt(s->category),
                             opt(s->level), opt(s->priority));
            break;
        }
        case SB_SQLITE_LIST_AVAILABILITY: {
            const sb_availability_t *s = &APR_ARRAY_IDX(a, i, sb_availability_t);
            assert_non_null(s->time_slots);
            d = apr_psprintf(p, "%s[%s:%d", d, opt(s->day), s->time_slots->nelts);
            for (j = 0; j < s->time_slots->nelts; j++) {
                const sb_time_slot_t *t = &APR_ARRAY_IDX(s->time_slots, j, sb_time_slot_t);
                d = apr_psprintf(p, "%s(%s-%s)", d, opt(t->start_time), opt(t->end_time));
            }
            d = apr_pstrcat(p, d, "]", NULL);
            break;
        }
        }
    }
    return d;
}

/* text reads the same by both readers; taken says whether the fast one must take it. */
static void same(apr_pool_t *p, sb_sqlite_list_t which, const char *text, int taken)
{
    apr_array_header_t *fast = sb_sqlite_list_text_read(p, which, text);
    const char *want = describe(p, which, sb_sqlite_list_read(p, which, text, 1));

    if (taken) {
        assert_non_null(fast);
    }
    else {
        assert_null(fast);
    }
    assert_string_equal(describe(p, which, sb_sqlite_list_read(p, which, text, 0)), want);
}

static void test_writer_output_taken(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *langs = apr_array_make(p, 2, sizeof(const char *));
    apr_array_header_t *off = apr_array_make(p, 2, sizeof(sb_skill_offered_t));
    apr_array_header_t *want = apr_array_make(p, 2, sizeof(sb_skill_wanted_t));
    apr_array_header_t *av = apr_array_make(p, 2, sizeof(sb_availability_t));
    sb_skill_offered_t *o;
    sb_skill_wanted_t *w;
    sb_availability_t *d;
    sb_time_slot_t *t;

    APR_ARRAY_PUSH(langs, const char *) = "English";
    APR_ARRAY_PUSH(langs, const char *) = "Fran\xc3\xa7"
                                          "ais \"quoted\" a/b \\ \t\n\x01";
    o = &APR_ARRAY_PUSH(off, sb_skill_offered_t);
    o->skill = "Guitar";
    o->category = "Music";
    o->experience = "Expert";
    o->description = "Chords/scales, \"fast\"";
    o->verified = 1;
    o = &APR_ARRAY_PUSH(off, sb_skill_offered_t);
    o->skill = "C"; /* category, experience and description left out by the writer */
    w = &APR_ARRAY_PUSH(want, sb_skill_wanted_t);
    w->skill = "Piano";
    w->level = "Beginner";
    w->priority = "High";
    d = &APR_ARRAY_PUSH(av, sb_availability_t);
    d->day = "Monday";
    d->time_slots = apr_array_make(p, 2, sizeof(sb_time_slot_t));
    t = &APR_ARRAY_PUSH(d->time_slots, sb_time_slot_t);
    t->start_time = "09:00";
    t->end_time = "10:30";
    t = &APR_ARRAY_PUSH(d->time_slots, sb_time_slot_t);
    t->start_time = "18:00";
    d = &APR_ARRAY_PUSH(av, sb_availability_t);
    d->day = "Sunday";
    d->time_slots = apr_array_make(p, 1, sizeof(sb_time_slot_t));

    same(p, SB_SQLITE_LIST_LANGUAGES, sb_sqlite_json_languages(p, langs), 1);
    same(p, SB_SQLITE_LIST_OFFERED, sb_sqlite_json_offered(p, off), 1);
    same(p, SB_SQLITE_LIST_WANTED, sb_sqlite_json_wanted(p, want), 1);
    same(p, SB_SQLITE_LIST_AVAILABILITY, sb_sqlite_json_availability(p, av), 1);
    same(p, SB_SQLITE_LIST_OFFERED, sb_sqlite_json_offered(p, NULL), 1);
    same(p, SB_SQLITE_LIST_LANGUAGES, NULL, 1);
    same(p, SB_SQLITE_LIST_AVAILABILITY, NULL, 1);
    /* what the writer made reads back as it was */
    assert_string_equal(
        describe(
            p, SB_SQLITE_LIST_OFFERED,
            sb_sqlite_list_text_read(p, SB_SQLITE_LIST_OFFERED, sb_sqlite_json_offered(p, off))),
        "2:[Guitar|Music|Expert|Chords/scales, \"fast\"|1][C|(null)|(null)|(null)|0]");
    assert_string_equal(
        describe(p, SB_SQLITE_LIST_LANGUAGES,
                 sb_sqlite_list_text_read(p, SB_SQLITE_LIST_LANGUAGES,
                                          sb_sqlite_json_languages(p, langs))),
        apr_pstrcat(p, "2:[English][", APR_ARRAY_IDX(langs, 1, const char *), "]", NULL));
}

/* Text the writer never makes: the same result, whichever reader takes it. */
static void test_other_text_as_json_c_reads_it(void **state)
{
    apr_pool_t *p = *state;

    /* taken: blanks, keys in another order, a repeated key (the last wins), \u escapes */
    same(p, SB_SQLITE_LIST_LANGUAGES, " [ \"a\" , \"b\\u0041\\u007e\" ] ", 1);
    same(p, SB_SQLITE_LIST_WANTED, "[{\"priority\":\"Low\",\"skill\":\"x\",\"skill\":\"y\"}]", 1);
    same(p, SB_SQLITE_LIST_OFFERED, "[{},{\"verified\":false,\"skill\":\"s\"}]", 1);
    same(p, SB_SQLITE_LIST_AVAILABILITY, "[{\"day\":\"Friday\"},{\"timeSlots\":[]}]", 1);
    /* declined, and json-c's reading stands */
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"a\",1,null,\"b\"]", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"\\u00e9\",\"\\u0000x\"]", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"\\ud83d\\ude00\"]", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"\\u001F upper\"]", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"\\u00", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"a\"] trailing", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "{\"not\":\"an array\"}", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"unterminated", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"bad \\q escape\"]", 0);
    same(p, SB_SQLITE_LIST_LANGUAGES, "[\"raw \x01 byte\"]", 0);
    same(p, SB_SQLITE_LIST_OFFERED, "[{\"skill\":\"s\",\"verified\":1}]", 0);
    same(p, SB_SQLITE_LIST_OFFERED, "[{\"skill\":null,\"category\":\"c\"}]", 0);
    same(p, SB_SQLITE_LIST_OFFERED, "[{\"skill\":\"s\",\"extra\":\"e\"}]", 0);
    same(p, SB_SQLITE_LIST_OFFERED, "[\"not an object\"]", 0);
    same(p, SB_SQLITE_LIST_WANTED, "[{\"skill\":\"s\",}]", 0);
    same(p, SB_SQLITE_LIST_AVAILABILITY, "[{\"day\":\"Monday\",\"timeSlots\":{}}]", 0);
    same(p, SB_SQLITE_LIST_AVAILABILITY, "[{\"day\":\"Monday\",\"timeSlots\":[{\"x\":\"1\"}]}]", 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_writer_output_taken),
    T(test_other_text_as_json_c_reads_it),
};

SB_TEST_MAIN("store_list_text", tests)
