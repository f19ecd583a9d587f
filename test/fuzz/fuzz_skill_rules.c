/*
 * libFuzzer target: the skill and availability parsers on whatever JSON the input is (an
 * array or not). A valid list keeps the spec's bounds (count, enums, HH:MM slots in order and
 * not overlapping); an invalid one names at least one field.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_model.h"
#include "sb_skill_rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_initialize();
    return 0;
}

static void check_verdict(int ok, const apr_array_header_t *out, const sb_error_t *err)
{
    if (ok ? (!out || sb_has_field_errors(err)) : !sb_has_field_errors(err)) {
        __builtin_trap();
    }
}

static int hhmm(const char *s)
{
    int m = -1;

    if (!s || !sb_parse_hhmm(s, &m)) {
        __builtin_trap(); /* a kept slot is valid HH:MM */
    }
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *why = NULL;
    json_object *o;
    apr_array_header_t *out;
    sb_error_t err;
    int ok, i, j, prev_day = -1, m;

    apr_pool_create(&p, NULL);
    o = sb_json_parse(p, (const char *)data, size, SB_JSON_MAX_DEPTH, &why);
    if (!o) {
        apr_pool_destroy(p);
        return 0;
    }
    memset(&err, 0, sizeof err);
    out = NULL;
    ok = sb_skills_offered_parse(p, o, "skills", &out, &err);
    check_verdict(ok, out, &err);
    for (i = 0; ok && i < out->nelts; i++) {
        const sb_skill_offered_t *s = &APR_ARRAY_IDX(out, i, sb_skill_offered_t);
        if (out->nelts > SB_SKILLS_MAX || !s->skill || s->verified
            || sb_enum_index(sb_levels, s->experience) < 0
            || (s->category && sb_enum_index(sb_categories, s->category) < 0)) {
            __builtin_trap();
        }
    }
    memset(&err, 0, sizeof err);
    out = NULL;
    ok = sb_skills_wanted_parse(p, o, "skillsWanted", &out, &err);
    check_verdict(ok, out, &err);
    for (i = 0; ok && i < out->nelts; i++) {
        const sb_skill_wanted_t *s = &APR_ARRAY_IDX(out, i, sb_skill_wanted_t);
        if (out->nelts > SB_SKILLS_MAX || !s->skill || sb_enum_index(sb_levels, s->level) < 0
            || sb_enum_index(sb_priorities, s->priority) < 0) {
            __builtin_trap();
        }
    }
    memset(&err, 0, sizeof err);
    out = NULL;
    ok = sb_availability_parse(p, o, "availability", &out, &err);
    check_verdict(ok, out, &err);
    for (i = 0; ok && i < out->nelts; i++) {
        const sb_availability_t *a = &APR_ARRAY_IDX(out, i, sb_availability_t);
        int day = sb_enum_index(sb_days, a->day), end = -1;
        if (day <= prev_day || !a->time_slots || a->time_slots->nelts > SB_SLOTS_PER_DAY_MAX) {
            __builtin_trap(); /* days in week order, once each */
        }
        prev_day = day;
        for (j = 0; j < a->time_slots->nelts; j++) {
            const sb_time_slot_t *t = &APR_ARRAY_IDX(a->time_slots, j, sb_time_slot_t);
            m = hhmm(t->start_time);
            if (m < end || hhmm(t->end_time) <= m) {
                __builtin_trap(); /* sorted, not overlapping, each ends after it starts */
            }
            end = hhmm(t->end_time);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
