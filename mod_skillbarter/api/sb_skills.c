/*
 * PUT /api/users/skills/offered, /skills/wanted and /availability: replace one embedded list
 * of the caller. The documented body is an object, {"skills": [...]} or
 * {"availability": [...], "timezone": "Europe/Paris"}; a bare JSON array is accepted too, and
 * so are the user model's own names, {"skillsOffered": [...]} and {"skillsWanted": [...]}
 * (what a client holding a user object sends).
 * Field errors name the path ("skills.3.category"). The answer is the caller's profile.
 */
#include "sb_routes.h"
#include "sb_kit.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_skill_rules.h"
#include "sb_user_json.h"
#include "sb_validate.h"

/* "a, b or c": the keys of lists, then of others (either may be NULL-terminated empty). */
static const char *spell_keys(apr_pool_t *p, const char *const *lists, const char *const *others)
{
    apr_array_header_t *all = apr_array_make(p, 4, sizeof(const char *));
    const char *out = "";
    const char *const *k;
    int i;

    for (k = lists; *k; k++) {
        APR_ARRAY_PUSH(all, const char *) = *k;
    }
    for (k = others; *k; k++) {
        APR_ARRAY_PUSH(all, const char *) = *k;
    }
    for (i = 0; i < all->nelts; i++) {
        out = apr_pstrcat(p, out,
                          i == 0                ? ""
                          : i == all->nelts - 1 ? " or "
                                                : ", ",
                          APR_ARRAY_IDX(all, i, const char *), NULL);
    }
    return out;
}

/* 1 when name is one of keys. */
static int key_in(const char *name, const char *const *keys)
{
    for (; *keys; keys++) {
        if (!strcmp(*keys, name)) {
            return 1;
        }
    }
    return 0;
}

/*
 * The list in the body: the array itself, or one member of an object. lists names the keys
 * the list may come under (the documented one first, then the user model's own name), others
 * the further keys the object may hold. An unknown key is a field error naming the accepted
 * ones; two list keys at once are a field error too. *key receives the key used: the field
 * paths of the list's errors start with it. NULL with c->err set.
 */
static json_object *body_list(sb_call_t *c, const char *const *lists, const char *const *others,
                              const char **key)
{
    json_object *found = NULL;
    int seen = 0, unknown = 0;

    *key = lists[0];
    if (c->body && json_object_is_type(c->body, json_type_array)) {
        return c->body;
    }
    if (!c->body || !json_object_is_type(c->body, json_type_object)) {
        sb_fail(&c->err, c->pool, 400, "Request body must be {\"%s\": [...]} or a JSON array.",
                lists[0]);
        return NULL;
    }
    json_object_object_foreach(c->body, name, val)
    {
        if (key_in(name, lists)) {
            if (seen++) {
                sb_field_fail(&c->err, c->pool, name, "send the list as %s or as %s, not both",
                              *key, name);
            }
            *key = name;
            found = val;
        }
        else if (!key_in(name, others) && unknown++ < SB_JSON_MAX_UNKNOWN) {
            sb_field_fail(&c->err, c->pool, name, "%s is not an allowed field (accepted: %s)", name,
                          spell_keys(c->pool, lists, others));
        }
    }
    if (sb_call_fields_failed(c)) {
        return NULL;
    }
    if (!found) {
        sb_field_fail(&c->err, c->pool, lists[0], "%s is required", lists[0]);
        return NULL;
    }
    *key = apr_pstrdup(c->pool, *key);
    return found;
}

static int answer(sb_call_t *c, const apr_array_header_t *offered, const apr_array_header_t *wanted,
                  const apr_array_header_t *availability, const char *message)
{
    sb_store_error_t e = {0};
    sb_user_t *u;

    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_update_lists(c->conn, c->pool, c->user->id, offered, wanted, availability,
                                   c->now, &u, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    c->message = message;
    return sb_call_ok(c, 200, sb_user_to_json(c->pool, u, SB_VIEW_SELF));
}

static const char *const no_keys[] = {NULL};

static int h_offered(sb_call_t *c)
{
    static const char *const lists[] = {"skills", "skillsOffered", NULL};
    const char *key;
    json_object *arr = body_list(c, lists, no_keys, &key);
    apr_array_header_t *list;

    if (!arr) {
        return c->err.status;
    }
    if (!sb_skills_offered_parse(c->pool, arr, key, &list, &c->err)) {
        return c->err.status;
    }
    return answer(c, list, NULL, NULL, "Skills offered updated.");
}

static int h_wanted(sb_call_t *c)
{
    static const char *const lists[] = {"skills", "skillsWanted", NULL};
    const char *key;
    json_object *arr = body_list(c, lists, no_keys, &key);
    apr_array_header_t *list;

    if (!arr) {
        return c->err.status;
    }
    if (!sb_skills_wanted_parse(c->pool, arr, key, &list, &c->err)) {
        return c->err.status;
    }
    return answer(c, NULL, list, NULL, "Skills wanted updated.");
}

/*
 * Availability is kept as local wall times in the user's zone. A timezone in the body is
 * checked against the tz database and saved with the list (a profile patch first, then the
 * list; both are idempotent, so a retry after a failure in between converges).
 */
static int h_availability(sb_call_t *c)
{
    static const char *const lists[] = {"availability", NULL}, *const others[] = {"timezone", NULL};
    const char *key, *tz = NULL;
    json_object *arr = body_list(c, lists, others, &key), *tzv = NULL;
    apr_array_header_t *list;

    if (!arr) {
        return c->err.status;
    }
    if (arr != c->body && json_object_object_get_ex(c->body, "timezone", &tzv) && tzv) {
        if (!json_object_is_type(tzv, json_type_string)
            || !sb_valid_timezone(json_object_get_string(tzv))) {
            sb_field_fail(&c->err, c->pool, "timezone",
                          "timezone must be an IANA time zone such as Europe/Paris");
        }
        else {
            tz = apr_pstrdup(c->pool, json_object_get_string(tzv));
        }
    }
    if (!sb_availability_parse(c->pool, arr, "availability", &list, &c->err)
        || sb_call_fields_failed(c)) {
        return c->err.status;
    }
    if (!tz && !sb_valid_timezone(c->user->timezone ? c->user->timezone : "UTC")) {
        sb_field_fail(&c->err, c->pool, "timezone",
                      "your profile's timezone is not a known "
                      "IANA zone: send a timezone with the availability");
        return c->err.status;
    }
    if (tz && (!c->user->timezone || strcmp(tz, c->user->timezone))) {
        sb_profile_patch_t patch = {0};
        sb_store_error_t e = {0};
        sb_user_t *u;
        patch.timezone = tz;
        if (!sb_call_store(c)) {
            return c->err.status;
        }
        if (sb_store_user_update_profile(c->conn, c->pool, c->user->id, &patch, c->now, &u, &e)
            != SB_STORE_OK) {
            return sb_call_store_fail(c, &e, "User");
        }
    }
    return answer(c, NULL, NULL, list, "Availability updated.");
}

const sb_route_t sb_skill_routes[] = {
    {"PUT", "/api/users/skills/offered", h_offered, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"PUT", "/api/users/skills/wanted", h_wanted, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"PUT", "/api/users/availability", h_availability, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {NULL, NULL, NULL, 0, NULL}};
