/*
 * Resource handlers called as the glue calls them — an sb_call_t, the route's handler — against
 * a real SQLite store in a temporary file: no httpd and no mock. Each call runs in its own
 * subpool, so its store connection goes back when the call ends, as at the end of a request.
 */
#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_kit.h"
#include "sb_routes.h"
#include "sb_time.h"
#include "store.h"

static const unsigned char secret[] = "0123456789abcdef0123456789abcdef-test-secret";

typedef struct {
    apr_pool_t *pool;
    char dir[256];
    sb_settings_t st;
} fx_t;

/* What a call answered, copied out of its pool. */
typedef struct {
    int status;
    const char *data; /* the envelope's data as JSON text, or NULL */
    const char *pagination;
    const char *message;
    const char *fields; /* "field: message; ..." */
} answer_t;

static int fx_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    sb_store_error_t e = {0};
    sb_store_t *store;

    apr_pool_create(&fx->pool, NULL);
    snprintf(fx->dir, sizeof fx->dir, "%s/sb-api.XXXXXX", sb_test_tmpdir());
    if (!mkdtemp(fx->dir)) {
        return -1;
    }
    if (sb_store_open(fx->pool, apr_pstrcat(fx->pool, "sqlite:", fx->dir, "/test.db", NULL), NULL,
                      &store, &e)
            != SB_STORE_OK
        || sb_store_migrate(store, &e) != SB_STORE_OK) {
        fprintf(stderr, "store: %s\n", e.message);
        return -1;
    }
    sb_settings_defaults(&fx->st);
    fx->st.store = store;
    fx->st.jwt_key = sb_jwt_key_make(fx->pool, secret, sizeof secret - 1, "skillbarter");
    fx->st.cursor_key = secret;
    fx->st.cursor_key_len = sizeof secret - 1;
    fx->st.bcrypt_cost = 4;
    fx->st.public_url = "http://127.0.0.1";
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    static const char *const files[] = {"/test.db", "/test.db-wal", "/test.db-shm", "/test.db-turn",
                                        NULL};
    fx_t *fx = *state;
    int i;

    apr_pool_destroy(fx->pool); /* closes the store */
    for (i = 0; files[i]; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s%s", fx->dir, files[i]);
        unlink(path);
    }
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static const sb_route_t *route(const char *method, const char *pattern)
{
    const sb_route_t *const *g;
    const sb_route_t *rt;

    for (g = sb_route_table(); *g; g++) {
        for (rt = *g; rt->method; rt++) {
            if (!strcmp(rt->method, method) && !strcmp(rt->pattern, pattern)) {
                return rt;
            }
        }
    }
    fail_msg("no route %s %s", method, pattern);
    return NULL;
}

static const char *json_text(apr_pool_t *p, json_object *o)
{
    return o ? apr_pstrdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) : NULL;
}

/*
 * One call of route `method pattern` (params: the ":name" value or NULL) with a JSON body
 * text or NULL, a query string or NULL and a bearer token or NULL, as the glue makes it.
 */
static answer_t call(fx_t *fx, const char *method, const char *pattern, const char *param,
                     const char *query, const char *body, const char *bearer)
{
    const sb_route_t *rt = route(method, pattern);
    answer_t a = {0};
    apr_pool_t *p;
    sb_call_t *c;
    int i;

    apr_pool_create(&p, fx->pool);
    c = apr_pcalloc(p, sizeof *c);
    c->pool = p;
    c->settings = &fx->st;
    c->method = method;
    c->path = pattern;
    c->params[0] = param;
    c->client_ip = "127.0.0.1";
    c->request_id = "unit";
    c->bearer = bearer;
    c->now = sb_now_ms();
    if (!sb_query_parse(p, query, &c->query, &c->err) && body) {
        const char *why = NULL;
        c->body = sb_json_parse(p, body, strlen(body), 32, &why);
        assert_non_null(c->body);
    }
    if (!c->err.status && (!(rt->flags & SB_ROUTE_AUTH) || !sb_call_authenticate(c))) {
        rt->handler(c);
    }
    a.status = c->err.status ? c->err.status : c->status;
    a.message = c->err.status ? apr_pstrdup(fx->pool, c->err.message)
                : c->message  ? apr_pstrdup(fx->pool, c->message)
                              : NULL;
    a.data = json_text(fx->pool, c->data);
    a.pagination = json_text(fx->pool, c->pagination);
    if (c->raw_type && !strncmp(c->raw_type, "application/json", 16)) {
        /* an answer the handler wrote as text: it must be the envelope json-c would write */
        json_object *env = json_tokener_parse(apr_pstrmemdup(p, c->raw_out, c->raw_out_len)), *v;
        assert_non_null(env);
        assert_string_equal(apr_pstrmemdup(p, c->raw_out, c->raw_out_len),
                            json_object_to_json_string_ext(
                                env, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        a.data = json_object_object_get_ex(env, "data", &v) ? json_text(fx->pool, v) : NULL;
        a.pagination =
            json_object_object_get_ex(env, "pagination", &v) ? json_text(fx->pool, v) : NULL;
        json_object_put(env);
    }
    a.fields = "";
    for (i = 0; c->err.fields && i < c->err.fields->nelts; i++) {
        const sb_field_error_t *fe = &APR_ARRAY_IDX(c->err.fields, i, sb_field_error_t);
        a.fields = apr_pstrcat(fx->pool, a.fields, fe->field, ": ", fe->message, "; ", NULL);
    }
    json_object_put(c->data);
    json_object_put(c->pagination);
    json_object_put(c->extra);
    apr_pool_destroy(p); /* gives the store connection back */
    return a;
}

/* Register `name` and return its access token. */
static const char *sign_up(fx_t *fx, const char *name)
{
    answer_t a = call(fx, "POST", "/api/auth/register", NULL, NULL,
                      apr_psprintf(fx->pool,
                                   "{\"username\":\"%s\",\"email\":\"%s@example.org\","
                                   "\"password\":\"correct horse battery\",\"firstName\":\"Ada\","
                                   "\"lastName\":\"Lovelace\"}",
                                   name, name),
                      NULL);
    json_object *o, *tok;
    const char *token;

    assert_int_equal(a.status, 201);
    o = json_tokener_parse(a.data);
    assert_true(json_object_object_get_ex(o, "token", &tok));
    token = apr_pstrdup(fx->pool, json_object_get_string(tok));
    json_object_put(o);
    return token;
}

static void test_register_then_read_the_profile(void **state)
{
    fx_t *fx = *state;
    const char *token = sign_up(fx, "ada_unit");
    answer_t a = call(fx, "GET", "/api/users/profile", NULL, NULL, NULL, token);

    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.data, "\"username\":\"ada_unit\""));
    a = call(fx, "GET", "/api/users/profile", NULL, NULL, NULL, NULL);
    assert_int_equal(a.status, 401);
    a = call(fx, "POST", "/api/auth/register", NULL, NULL,
             "{\"username\":\"ada_unit\",\"email\":\"other@example.org\","
             "\"password\":\"correct horse battery\",\"firstName\":\"A\",\"lastName\":\"B\"}",
             NULL);
    assert_int_equal(a.status, 409);
}

static void test_skill_lists_under_the_models_own_names(void **state)
{
    fx_t *fx = *state;
    const char *token = sign_up(fx, "lists_unit");
    answer_t a;

    a = call(fx, "PUT", "/api/users/skills/offered", NULL, NULL,
             "{\"skillsOffered\":[{\"skill\":\"Guitar\",\"category\":\"Music\","
             "\"experience\":\"Expert\"}]}",
             token);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.data, "\"skill\":\"Guitar\""));
    a = call(fx, "PUT", "/api/users/skills/wanted", NULL, NULL,
             "{\"skillsWanted\":[{\"skill\":\"Spanish\",\"category\":\"Language\"}]}", token);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.data, "\"skill\":\"Spanish\""));
    /* the documented key still works */
    a = call(fx, "PUT", "/api/users/skills/wanted", NULL, NULL,
             "{\"skills\":[{\"skill\":\"Piano\",\"category\":\"Music\"}]}", token);
    assert_int_equal(a.status, 200);
    /* errors are named under the key that was sent */
    a = call(fx, "PUT", "/api/users/skills/offered", NULL, NULL,
             "{\"skillsOffered\":[{\"skill\":\"Guitar\",\"category\":\"Nope\"}]}", token);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.fields, "skillsOffered.0.category: "));
    /* an unknown key lists the accepted ones; a list under two keys is refused */
    a = call(fx, "PUT", "/api/users/skills/offered", NULL, NULL, "{\"skillz\":[]}", token);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.fields, "skillz: skillz is not an allowed field (accepted: skills "
                                     "or skillsOffered)"));
    a = call(fx, "PUT", "/api/users/skills/wanted", NULL, NULL,
             "{\"skills\":[],\"skillsWanted\":[]}", token);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.fields, "skillsWanted: "));
    a = call(fx, "PUT", "/api/users/skills/wanted", NULL, NULL, "{\"skillsOffered\":[]}", token);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.fields, "(accepted: skills or skillsWanted)"));
}

static void test_discover_pages_by_cursor_and_refuses_a_bad_one(void **state)
{
    fx_t *fx = *state;
    const char *viewer = sign_up(fx, "viewer_unit"), *next;
    json_object *pg, *cur;
    answer_t a;
    int i;

    for (i = 0; i < 3; i++) {
        const char *t = sign_up(fx, apr_psprintf(fx->pool, "teacher%d_unit", i));
        a = call(fx, "PUT", "/api/users/skills/offered", NULL, NULL,
                 "{\"skills\":[{\"skill\":\"Chess\",\"category\":\"Sports\"}]}", t);
        assert_int_equal(a.status, 200);
    }
    a = call(fx, "GET", "/api/discover", NULL, "limit=2", NULL, viewer);
    assert_int_equal(a.status, 200);
    pg = json_tokener_parse(a.pagination);
    assert_true(json_object_object_get_ex(pg, "nextCursor", &cur));
    next = apr_pstrdup(fx->pool, json_object_get_string(cur));
    json_object_put(pg);
    assert_non_null(strstr(a.pagination, "\"hasMore\":true"));
    assert_non_null(strstr(a.pagination, "\"count\":2"));

    a = call(fx, "GET", "/api/discover", NULL, apr_pstrcat(fx->pool, "limit=2&cursor=", next, NULL),
             NULL, viewer);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.pagination, "{\"hasMore\":false,\"nextCursor\":null,\"limit\":2,"
                                      "\"count\":1}");

    a = call(fx, "GET", "/api/discover", NULL, "cursor=garbage", NULL, viewer);
    assert_int_equal(a.status, 400);
    assert_string_equal(a.message, "Invalid query parameters");
    assert_non_null(strstr(a.fields, "cursor: "));

    a = call(fx, "GET", "/api/discover/search", NULL, "q=chess&limit=2&page=2", NULL, viewer);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.pagination, "{\"currentPage\":2,\"totalPages\":2,\"totalCount\":3,"
                                      "\"hasMore\":false,\"hasPrevious\":true,\"limit\":2}");
}

static void test_public_profile_by_id(void **state)
{
    fx_t *fx = *state;
    const char *token = sign_up(fx, "seen_unit");
    answer_t a = call(fx, "GET", "/api/users/profile", NULL, NULL, NULL, token);
    json_object *o = json_tokener_parse(a.data), *id;
    const char *uid;

    assert_true(json_object_object_get_ex(o, "_id", &id));
    uid = apr_pstrdup(fx->pool, json_object_get_string(id));
    json_object_put(o);
    a = call(fx, "GET", "/api/users/:id", uid, NULL, NULL, token);
    assert_int_equal(a.status, 200);
    assert_null(strstr(a.data, "\"email\"")); /* the public view */
    a = call(fx, "GET", "/api/users/:id", "0123456789abcdef01234567", NULL, NULL, token);
    assert_int_equal(a.status, 404);
}

/* The trending answer is written by hand: the same bytes as json-c's objects for the store's
 * rows, names that need escaping and a missing category included. */
static void test_trending_text_is_json_c_text(void **state)
{
    fx_t *fx = *state;
    const char *token = sign_up(fx, "trend_unit");
    answer_t a;
    sb_store_conn_t *conn;
    sb_store_error_t e = {0};
    apr_array_header_t *skills;
    const char *source = NULL;
    json_object *o, *arr;
    int64_t now = sb_now_ms();
    int i;

    a = call(fx, "PUT", "/api/users/skills/offered", NULL, NULL,
             "{\"skills\":[{\"skill\":\"Rock/Roll \\\"Jazz\\\" \\\\ \\u00dcber\","
             "\"category\":\"Music\"},{\"skill\":\"Chess\",\"category\":\"Sports\"}]}",
             token);
    assert_int_equal(a.status, 200);
    a = call(fx, "GET", "/api/discover/trending", NULL, "limit=5", NULL, token);
    assert_int_equal(a.status, 200);
    assert_int_equal(sb_store_acquire(fx->st.store, fx->pool, &conn, &e), SB_STORE_OK);
    assert_int_equal(sb_store_trending_skills(conn, fx->pool, now - 7 * 86400000LL, now, 5, &skills,
                                              &source, &e),
                     SB_STORE_OK);
    assert_int_equal(skills->nelts, 2);
    arr = json_object_new_array();
    for (i = 0; i < skills->nelts; i++) {
        const sb_skill_count_t *k = &APR_ARRAY_IDX(skills, i, sb_skill_count_t);
        json_object *s = json_object_new_object();
        json_object_object_add(s, "skill", json_object_new_string(k->skill));
        json_object_object_add(s, "category", json_object_new_string(k->category));
        json_object_object_add(s, "count", json_object_new_int64(k->count));
        json_object_array_add(arr, s);
    }
    o = json_object_new_object();
    json_object_object_add(o, "source", json_object_new_string(source));
    json_object_object_add(o, "windowDays", json_object_new_int(7));
    json_object_object_add(o, "skills", arr);
    assert_string_equal(a.data, json_object_to_json_string_ext(
                                    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    assert_non_null(strstr(a.data, "Rock/Roll \\\"Jazz\\\" \\\\ \xc3\x9c"));
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_then_read_the_profile, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_skill_lists_under_the_models_own_names, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_discover_pages_by_cursor_and_refuses_a_bad_one,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_public_profile_by_id, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_trending_text_is_json_c_text, fx_setup, fx_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("api_handlers", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
