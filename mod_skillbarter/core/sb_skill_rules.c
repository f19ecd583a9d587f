/* Rules for skills offered/wanted and weekly availability (see sb_skill_rules.h). */
#include "sb_skill_rules.h"

#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "sb_model.h"
#include "sb_validate.h"

const char *const sb_categories[] = {"Technology", "Design",  "Business", "Language", "Music",
                                     "Sports",     "Cooking", "Other",    NULL};
const char *const sb_levels[] = {"Beginner", "Intermediate", "Expert", NULL};
const char *const sb_priorities[] = {"Low", "Medium", "High", NULL};
const char *const sb_days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                               "Friday", "Saturday", "Sunday",    NULL};

int sb_enum_index(const char *const *set, const char *v)
{
    int i;

    for (i = 0; v && set[i]; i++) {
        if (!strcmp(set[i], v)) {
            return i;
        }
    }
    return -1;
}

int sb_parse_hhmm(const char *s, int *minutes)
{
    int h, m;

    if (!s || strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9'
        || s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9') {
        return 0;
    }
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59) {
        return 0;
    }
    *minutes = h * 60 + m;
    return 1;
}

static const char *path(apr_pool_t *p, const char *prefix, int i, const char *key)
{
    return key ? apr_psprintf(p, "%s.%d.%s", prefix, i, key) : apr_psprintf(p, "%s.%d", prefix, i);
}

/* A list: a JSON array of at most max objects. */
static int list_ok(apr_pool_t *p, json_object *arr, const char *prefix, int max, sb_error_t *err)
{
    if (!arr || !json_object_is_type(arr, json_type_array)) {
        sb_field_fail(err, p, prefix, "%s must be an array", prefix);
        return 0;
    }
    if ((int)json_object_array_length(arr) > max) {
        sb_field_fail(err, p, prefix, "%s may hold at most %d entries", prefix, max);
        return 0;
    }
    return 1;
}

/* Reject members outside allowed; `verified` gets its own message. */
static void only_keys(apr_pool_t *p, json_object *o, const char *prefix, int i,
                      const char *const *allowed, sb_error_t *err)
{
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        if (sb_enum_index(allowed, key) >= 0) {
            continue;
        }
        if (!strcmp(key, "verified")) {
            sb_field_fail(err, p, path(p, prefix, i, key),
                          "verified is set by the platform, "
                          "not by the user");
        }
        else {
            sb_field_fail(err, p, path(p, prefix, i, key), "%s is not a skill field", key);
        }
    }
}

/*
 * A string member: absent/null → *out = dflt (an error when required); otherwise a string
 * of at most max characters (trimmed). Returns 0 after recording an error.
 */
static int text_member(apr_pool_t *p, json_object *o, const char *key, const char *field, int max,
                       int required, const char *dflt, const char **out, sb_error_t *err)
{
    json_object *v = NULL;
    const char *s, *e;

    *out = dflt;
    if (!json_object_object_get_ex(o, key, &v) || !v) {
        if (required) {
            sb_field_fail(err, p, field, "%s is required", key);
            return 0;
        }
        return 1;
    }
    if (!json_object_is_type(v, json_type_string)) {
        sb_field_fail(err, p, field, "%s must be a string", key);
        return 0;
    }
    s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v)) {
        sb_field_fail(err, p, field, "%s must not contain NUL characters", key);
        return 0;
    }
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }
    s = apr_pstrmemdup(p, s, (apr_size_t)(e - s));
    if (!sb_valid_text(err, p, field, s, max, required)) {
        return 0;
    }
    *out = *s ? s : dflt;
    return 1;
}

/* An enum member: absent/null → dflt; otherwise one of set. */
static int enum_member(apr_pool_t *p, json_object *o, const char *key, const char *field,
                       const char *const *set, const char *dflt, const char **out, sb_error_t *err)
{
    json_object *v = NULL;
    int i;

    *out = dflt;
    if (!json_object_object_get_ex(o, key, &v) || !v) {
        return 1;
    }
    if (!json_object_is_type(v, json_type_string)
        || (i = sb_enum_index(set, json_object_get_string(v))) < 0) {
        const char *all = set[0];
        for (i = 1; set[i]; i++) {
            all = apr_pstrcat(p, all, ", ", set[i], NULL);
        }
        sb_field_fail(err, p, field, "%s must be one of: %s", key, all);
        return 0;
    }
    *out = set[i];
    return 1;
}

/* Case-insensitive (ASCII) duplicate check against the names seen so far. */
static void no_duplicate(apr_pool_t *p, apr_hash_t *seen, const char *skill, const char *field,
                         sb_error_t *err)
{
    const char *low;

    if (!skill) {
        return;
    }
    low = sb_lower(p, skill);
    if (apr_hash_get(seen, low, APR_HASH_KEY_STRING)) {
        sb_field_fail(err, p, field,
                      "duplicate skill \"%s\" (names are compared "
                      "case-insensitively)",
                      skill);
        return;
    }
    apr_hash_set(seen, low, APR_HASH_KEY_STRING, "");
}

static json_object *entry(apr_pool_t *p, json_object *arr, const char *prefix, int i,
                          sb_error_t *err)
{
    json_object *o = json_object_array_get_idx(arr, (size_t)i);

    if (!o || !json_object_is_type(o, json_type_object)) {
        sb_field_fail(err, p, path(p, prefix, i, NULL), "each entry must be an object");
        return NULL;
    }
    return o;
}

/*
 * What offered and wanted entries share: only the allowed members, a skill name (unique
 * in the list, case-insensitively) and an optional category. 0 when o is not an entry.
 */
static int skill_entry(apr_pool_t *p, json_object *arr, const char *prefix, int i,
                       const char *const *keys, apr_hash_t *seen, const char **skill,
                       const char **category, sb_error_t *err)
{
    json_object *o = entry(p, arr, prefix, i, err);

    if (!o) {
        return 0;
    }
    only_keys(p, o, prefix, i, keys, err);
    if (text_member(p, o, "skill", path(p, prefix, i, "skill"), SB_SKILL_NAME_MAX, 1, NULL, skill,
                    err)) {
        no_duplicate(p, seen, *skill, path(p, prefix, i, "skill"), err);
    }
    enum_member(p, o, "category", path(p, prefix, i, "category"), sb_categories, NULL, category,
                err);
    return 1;
}

int sb_skills_offered_parse(apr_pool_t *p, json_object *arr, const char *prefix,
                            apr_array_header_t **out, sb_error_t *err)
{
    static const char *const keys[] = {"skill", "category", "experience", "description", NULL};
    int before = err->fields ? err->fields->nelts : 0, i, n;
    apr_hash_t *seen = apr_hash_make(p);

    if (!list_ok(p, arr, prefix, SB_SKILLS_MAX, err)) {
        return 0;
    }
    n = (int)json_object_array_length(arr);
    *out = apr_array_make(p, n + 1, sizeof(sb_skill_offered_t));
    for (i = 0; i < n; i++) {
        sb_skill_offered_t *s = apr_array_push(*out);
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        memset(s, 0, sizeof *s);
        if (!skill_entry(p, arr, prefix, i, keys, seen, &s->skill, &s->category, err)) {
            continue;
        }
        enum_member(p, o, "experience", path(p, prefix, i, "experience"), sb_levels, "Intermediate",
                    &s->experience, err);
        text_member(p, o, "description", path(p, prefix, i, "description"), SB_SKILL_DESC_MAX, 0,
                    NULL, &s->description, err);
    }
    return (err->fields ? err->fields->nelts : 0) == before;
}

int sb_skills_wanted_parse(apr_pool_t *p, json_object *arr, const char *prefix,
                           apr_array_header_t **out, sb_error_t *err)
{
    static const char *const keys[] = {"skill", "category", "level", "priority", NULL};
    int before = err->fields ? err->fields->nelts : 0, i, n;
    apr_hash_t *seen = apr_hash_make(p);

    if (!list_ok(p, arr, prefix, SB_SKILLS_MAX, err)) {
        return 0;
    }
    n = (int)json_object_array_length(arr);
    *out = apr_array_make(p, n + 1, sizeof(sb_skill_wanted_t));
    for (i = 0; i < n; i++) {
        sb_skill_wanted_t *s = apr_array_push(*out);
        json_object *o = json_object_array_get_idx(arr, (size_t)i);
        memset(s, 0, sizeof *s);
        if (!skill_entry(p, arr, prefix, i, keys, seen, &s->skill, &s->category, err)) {
            continue;
        }
        enum_member(p, o, "level", path(p, prefix, i, "level"), sb_levels, "Beginner", &s->level,
                    err);
        enum_member(p, o, "priority", path(p, prefix, i, "priority"), sb_priorities, "Medium",
                    &s->priority, err);
    }
    return (err->fields ? err->fields->nelts : 0) == before;
}

typedef struct {
    int start, end;
    sb_time_slot_t slot;
} slot_t;

static int slot_cmp(const void *a, const void *b)
{
    const slot_t *x = a, *y = b;
    return x->start != y->start ? (x->start < y->start ? -1 : 1) : (x->end - y->end);
}

/* One day's slots: each valid, start < end, sorted, and no two overlapping (touching is fine). */
static apr_array_header_t *day_slots(apr_pool_t *p, json_object *slots, const char *field,
                                     sb_error_t *err)
{
    int n, i, before = err->fields ? err->fields->nelts : 0;
    slot_t *v;
    apr_array_header_t *out;

    if (!list_ok(p, slots, field, SB_SLOTS_PER_DAY_MAX, err)) {
        return NULL;
    }
    n = (int)json_object_array_length(slots);
    v = apr_pcalloc(p, sizeof(slot_t) * (apr_size_t)(n + 1));
    for (i = 0; i < n; i++) {
        json_object *o = entry(p, slots, field, i, err), *s = NULL, *e = NULL;
        const char *sf = path(p, field, i, "startTime"), *ef = path(p, field, i, "endTime");
        int ok = 1;
        if (!o) {
            continue;
        }
        json_object_object_foreach(o, key, val)
        {
            (void)val;
            if (strcmp(key, "startTime") && strcmp(key, "endTime")) {
                sb_field_fail(err, p, path(p, field, i, key), "%s is not a slot field", key);
            }
        }
        json_object_object_get_ex(o, "startTime", &s);
        json_object_object_get_ex(o, "endTime", &e);
        if (!s || !json_object_is_type(s, json_type_string)
            || !sb_parse_hhmm(json_object_get_string(s), &v[i].start)) {
            sb_field_fail(err, p, sf, "startTime must be HH:MM (24-hour)");
            ok = 0;
        }
        if (!e || !json_object_is_type(e, json_type_string)
            || !sb_parse_hhmm(json_object_get_string(e), &v[i].end)) {
            sb_field_fail(err, p, ef, "endTime must be HH:MM (24-hour)");
            ok = 0;
        }
        if (ok && v[i].start >= v[i].end) {
            sb_field_fail(err, p, ef, "endTime must be after startTime");
        }
        if (ok) {
            v[i].slot.start_time = apr_pstrdup(p, json_object_get_string(s));
            v[i].slot.end_time = apr_pstrdup(p, json_object_get_string(e));
        }
    }
    if ((err->fields ? err->fields->nelts : 0) != before) {
        return NULL;
    }
    qsort(v, (size_t)n, sizeof *v, slot_cmp);
    out = apr_array_make(p, n + 1, sizeof(sb_time_slot_t));
    for (i = 0; i < n; i++) {
        if (i > 0 && v[i].start < v[i - 1].end) {
            sb_field_fail(err, p, field, "slots %s-%s and %s-%s overlap", v[i - 1].slot.start_time,
                          v[i - 1].slot.end_time, v[i].slot.start_time, v[i].slot.end_time);
            return NULL;
        }
        APR_ARRAY_PUSH(out, sb_time_slot_t) = v[i].slot;
    }
    return out;
}

int sb_availability_parse(apr_pool_t *p, json_object *arr, const char *prefix,
                          apr_array_header_t **out, sb_error_t *err)
{
    int before = err->fields ? err->fields->nelts : 0, i, n, d;
    apr_array_header_t *by_day[7] = {0};

    if (!list_ok(p, arr, prefix, 7, err)) {
        return 0;
    }
    n = (int)json_object_array_length(arr);
    for (i = 0; i < n; i++) {
        json_object *o = entry(p, arr, prefix, i, err), *day = NULL, *slots = NULL;
        if (!o) {
            continue;
        }
        json_object_object_foreach(o, key, val)
        {
            (void)val;
            if (strcmp(key, "day") && strcmp(key, "timeSlots")) {
                sb_field_fail(err, p, path(p, prefix, i, key),
                              "%s is not an availability "
                              "field",
                              key);
            }
        }
        json_object_object_get_ex(o, "day", &day);
        d = day && json_object_is_type(day, json_type_string)
                ? sb_enum_index(sb_days, json_object_get_string(day))
                : -1;
        if (d < 0) {
            sb_field_fail(err, p, path(p, prefix, i, "day"),
                          "day must be one of Monday, Tuesday, ..., Sunday");
            continue;
        }
        if (by_day[d]) {
            sb_field_fail(err, p, path(p, prefix, i, "day"), "%s is listed more than once",
                          sb_days[d]);
            continue;
        }
        if (!json_object_object_get_ex(o, "timeSlots", &slots) || !slots) {
            by_day[d] = apr_array_make(p, 1, sizeof(sb_time_slot_t));
            continue;
        }
        by_day[d] = day_slots(p, slots, path(p, prefix, i, "timeSlots"), err);
        if (!by_day[d]) {
            by_day[d] = apr_array_make(p, 1, sizeof(sb_time_slot_t));
        }
    }
    if ((err->fields ? err->fields->nelts : 0) != before) {
        return 0;
    }
    *out = apr_array_make(p, 8, sizeof(sb_availability_t));
    for (d = 0; d < 7; d++) {
        if (by_day[d]) {
            sb_availability_t *a = apr_array_push(*out);
            a->day = sb_days[d];
            a->time_slots = by_day[d];
        }
    }
    return 1;
}
