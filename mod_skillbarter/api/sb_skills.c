/*
 * PUT /api/users/skills/offered, /skills/wanted and /availability: replace one embedded list
 * of the caller. The documented body is an object, {"skills": [...]} or
 * {"availability": [...], "timezone": "Europe/Paris"}; a bare JSON array is accepted too.
 * Field errors name the path ("skills.3.category"). The answer is the caller's profile.
 */
#include "sb_routes.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_skill_rules.h"
#include "sb_user_json.h"
#include "sb_validate.h"

/* The list in the body: the array itself, or member `key` of an object with only `allowed`. */
static json_object *body_list(sb_call_t *c, const char *key, const char *const *allowed)
{
    json_object *v = NULL;

    if (c->body && json_object_is_type(c->body, json_type_array)) {
        return c->body;
    }
    if (!c->body || !json_object_is_type(c->body, json_type_object)) {
        sb_fail(&c->err, c->pool, 400, "Request body must be {\"%s\": [...]} or a JSON array.",
                key);
        return NULL;
    }
    if (!sb_json_reject_unknown(c->body, allowed, &c->err, c->pool)) {
        return NULL;
    }
    if (!json_object_object_get_ex(c->body, key, &v) || !v) {
        sb_field_fail(&c->err, c->pool, key, "%s is required", key);
        return NULL;
    }
    return v;
}

static int answer(sb_call_t *c, const apr_array_header_t *offered,
                  const apr_array_header_t *wanted, const apr_array_header_t *availability,
                  const char *message)
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

static int h_offered(sb_call_t *c)
{
    static const char *const allowed[] = {"skills", NULL};
    json_object *arr = body_list(c, "skills", allowed);
    apr_array_header_t *list;

    if (!arr) {
        return c->err.status;
    }
    if (!sb_skills_offered_parse(c->pool, arr, "skills", &list, &c->err)) {
        return c->err.status;
    }
    return answer(c, list, NULL, NULL, "Skills offered updated.");
}

static int h_wanted(sb_call_t *c)
{
    static const char *const allowed[] = {"skills", NULL};
    json_object *arr = body_list(c, "skills", allowed);
    apr_array_header_t *list;

    if (!arr) {
        return c->err.status;
    }
    if (!sb_skills_wanted_parse(c->pool, arr, "skills", &list, &c->err)) {
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
    static const char *const allowed[] = {"availability", "timezone", NULL};
    json_object *arr = body_list(c, "availability", allowed), *tzv = NULL;
    apr_array_header_t *list;
    const char *tz = NULL;

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
        || sb_has_field_errors(&c->err)) {
        return c->err.status;
    }
    if (!tz && !sb_valid_timezone(c->user->timezone ? c->user->timezone : "UTC")) {
        sb_field_fail(&c->err, c->pool, "timezone", "your profile's timezone is not a known "
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
