/* /api/users/profile: the caller's own account (read and edit the user-editable fields). */
#include "sb_routes.h"
#include "sb_kit.h"
#include "sb_public.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_user_json.h"
#include "sb_validate.h"

#define SB_LANGUAGES_MAX 20
#define SB_LANGUAGE_LEN  40
#define SB_COUNTRY_MAX   56
#define SB_URL_MAX       512

static int h_profile_get(sb_call_t *c)
{
    sb_jtext_t t;

#ifdef SB_CANARY_HEAP_OVERFLOW
    /* Only in the sanitizer canary build (make test-integration-asan): a heap overflow the
       integration-asan layer must catch (through a volatile pointer: not optimised away). */
    char *volatile canary = malloc(8);
    ((volatile char *)canary)[8] = 1;
    free(canary);
#endif
    sb_jtext_init(&t, c->pool, 2048);
    sb_jtext_self_profile(&t, c->user); /* json-c's bytes, without its objects (sb_public.h) */
    return sb_call_ok(c, 200, sb_json_raw(c->pool, t.buf, t.len));
}

/* Fields the server owns: naming one in an update is a 400 that names it. */
static const char *const protected_fields[] = {"credits",
                                               "totalCreditsEarned",
                                               "totalCreditsSpent",
                                               "totalHoursTaught",
                                               "totalHoursLearned",
                                               "rating",
                                               "totalReviews",
                                               "role",
                                               "isBanned",
                                               "banReason",
                                               "banExpiresAt",
                                               "isVerified",
                                               "isActive",
                                               "reportCount",
                                               "email",
                                               "username",
                                               "password",
                                               "_id",
                                               "id",
                                               "createdAt",
                                               "updatedAt",
                                               "lastSeen",
                                               NULL};

static const char *const editable_fields[] = {
    "firstName", "lastName", "bio", "timezone", "country", "languages", "emailNotifications", NULL};

static void reject_protected(sb_call_t *c, json_object *b)
{
    const char *const *f;
    for (f = protected_fields; *f; f++) {
        if (json_object_object_get_ex(b, *f, NULL)) {
            sb_field_fail(&c->err, c->pool, *f, "%s cannot be changed here", *f);
        }
    }
}

/* Optional string member: absent → leave; null → clear (when clearable). */
static void optional_text(sb_call_t *c, json_object *b, const char *key, int max, int required,
                          const char **out)
{
    json_object *v;
    const char *s = NULL;

    if (!json_object_object_get_ex(b, key, &v)) {
        return;
    }
    if (!v && !required) {
        *out = "";
        return;
    }
    if (sb_json_get_string(b, key, &s, &c->err, c->pool, 1)
        && sb_valid_text(&c->err, c->pool, key, s, max, required)) {
        *out = apr_pstrdup(c->pool, s);
    }
}

static int h_profile_put(sb_call_t *c)
{
    json_object *b = sb_call_body_object(c, NULL), *v;
    sb_profile_patch_t patch = {0};
    const char *const *f;
    sb_store_error_t e = {0};
    sb_user_t *u;
    apr_array_header_t *langs = NULL;
    int i;

    if (!b) {
        return c->err.status;
    }
    reject_protected(c, b);
    if (!sb_call_fields_failed(c)) {
        json_object_object_foreach(b, key, val)
        {
            (void)val;
            for (f = editable_fields; *f && strcmp(*f, key); f++) {
            }
            if (!*f) {
                sb_field_fail(&c->err, c->pool, key, "%s is not a profile field", key);
            }
        }
    }
    if (sb_call_fields_failed(c)) {
        return c->err.status;
    }
    optional_text(c, b, "firstName", SB_NAME_MAX, 1, &patch.first_name);
    optional_text(c, b, "lastName", SB_NAME_MAX, 1, &patch.last_name);
    optional_text(c, b, "bio", SB_BIO_MAX, 0, &patch.bio);
    optional_text(c, b, "country", SB_COUNTRY_MAX, 0, &patch.country);
    if (json_object_object_get_ex(b, "timezone", &v)) {
        const char *tz = NULL;
        if (sb_json_get_string(b, "timezone", &tz, &c->err, c->pool, 1)) {
            if (!sb_valid_timezone(tz)) {
                sb_field_fail(&c->err, c->pool, "timezone",
                              "timezone must be an IANA time zone such as Europe/Paris");
            }
            else {
                patch.timezone = apr_pstrdup(c->pool, tz);
            }
        }
    }
    if (json_object_object_get_ex(b, "languages", &v)
        && sb_json_get_string_array(b, "languages", SB_LANGUAGES_MAX, &langs, &c->err, c->pool,
                                    1)) {
        for (i = 0; i < langs->nelts; i++) {
            const char *l = APR_ARRAY_IDX(langs, i, const char *);
            sb_valid_text(&c->err, c->pool, apr_psprintf(c->pool, "languages.%d", i), l,
                          SB_LANGUAGE_LEN, 1);
        }
        patch.languages = langs;
    }
    /* reminder and notification mail on or off (account mail always goes) */
    if (json_object_object_get_ex(b, "emailNotifications", NULL)
        && sb_json_get_bool(b, "emailNotifications", &patch.email_notifications, &c->err, c->pool,
                            1)) {
        patch.set_email_notifications = 1;
    }
    if (sb_call_fields_failed(c) || !sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_update_profile(c->conn, c->pool, c->user->id, &patch, c->now, &u, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    c->message = "Profile updated.";
    return sb_call_ok(c, 200, sb_user_to_json(c->pool, u, SB_VIEW_SELF));
}

const sb_route_t sb_user_routes[] = {
    {"GET", "/api/users/profile", h_profile_get, SB_ROUTE_AUTH, NULL},
    {"PUT", "/api/users/profile", h_profile_put, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {NULL, NULL, NULL, 0, NULL}};
