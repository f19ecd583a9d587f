/*
 * The MongoDB driver's infrastructure, without a server: URI and credentials, the refusal of
 * an incomplete driver, error mapping, the index table and its createIndexes commands, the
 * deployment probe, id and time conversions, and the real libmongoc client pool against a
 * port where nothing listens (unavailable within the selection timeout).
 */
#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "mongo_int.h"

/* ---- URI, credentials ---- */

static void test_uri_split_takes_out_password_file(void **state)
{
    apr_pool_t *p = *state;
    sb_store_error_t err;
    const char *u, *f;

    assert_int_equal(sb_mongo_uri_split(p,
                                        "mongodb://a@h1,h2/db?replicaSet=rs0&sbPasswordFile="
                                        "/etc/s%26b/pw&tls=true",
                                        &u, &f, &err),
                     SB_STORE_OK);
    assert_string_equal(u, "mongodb://a@h1,h2/db?replicaSet=rs0&tls=true");
    assert_string_equal(f, "/etc/s&b/pw");
    assert_int_equal(sb_mongo_uri_split(p, "mongodb://h/db?sbpasswordfile=/x", &u, &f, &err),
                     SB_STORE_OK);
    assert_string_equal(u, "mongodb://h/db");
    assert_string_equal(f, "/x");
    assert_int_equal(sb_mongo_uri_split(p, "mongodb://h/db?w=majority", &u, &f, &err), SB_STORE_OK);
    assert_string_equal(u, "mongodb://h/db?w=majority");
    assert_null(f);
    assert_int_equal(sb_mongo_uri_split(p, "mongodb://h/", &u, &f, &err), SB_STORE_OK);
    assert_string_equal(u, "mongodb://h/");
    assert_int_equal(
        sb_mongo_uri_split(p, "mongodb://h/?sbPasswordFile=/a&sbPasswordFile=/b", &u, &f, &err),
        SB_STORE_ERROR);
    assert_int_equal(sb_mongo_uri_split(p, "mongodb://h/?sbPasswordFile=%2", &u, &f, &err),
                     SB_STORE_ERROR);
    assert_int_equal(sb_mongo_uri_split(p, "mongodb://h/?sbPasswordFile=", &u, &f, &err),
                     SB_STORE_ERROR);
}

static const char *write_file(apr_pool_t *p, const char *name, const char *content)
{
    const char *path = apr_pstrcat(p, sb_test_tmpdir(), "/", name, NULL);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

static void test_password_file(void **state)
{
    apr_pool_t *p = *state;
    sb_store_error_t err;
    const char *pw = NULL, *path;

    path = write_file(p, "sbmongo-pw", "s3cret word\n");
    assert_int_equal(sb_mongo_read_password(p, path, &pw, &err), SB_STORE_OK);
    assert_string_equal(pw, "s3cret word");
    unlink(path);
    path = write_file(p, "sbmongo-pw", "\n");
    assert_int_equal(sb_mongo_read_password(p, path, &pw, &err), SB_STORE_ERROR);
    assert_non_null(strstr(err.message, path));
    unlink(path);
    assert_int_equal(sb_mongo_read_password(p, path, &pw, &err), SB_STORE_ERROR);
    assert_non_null(strstr(err.message, "cannot read"));
}

static void test_db_names(void **state)
{
    assert_true(sb_mongo_db_name_ok("skillbarter"));
    assert_true(sb_mongo_db_name_ok("sbtest_0123"));
    assert_false(sb_mongo_db_name_ok(""));
    assert_false(sb_mongo_db_name_ok("a.b"));
    assert_false(sb_mongo_db_name_ok("a b"));
    assert_false(sb_mongo_db_name_ok("a$b"));
    assert_false(sb_mongo_db_name_ok("a/b"));
    assert_false(
        sb_mongo_db_name_ok("0123456789012345678901234567890123456789012345678901234567890123"));
}

/* ---- the driver is compiled in, and refused while operations are missing ---- */

static void test_compiled_in(void **state)
{
    const char *const *d;
    int found = 0;

    for (d = sb_store_drivers(); *d; d++) {
        found |= !strcmp(*d, "mongodb");
    }
    assert_true(found);
}

/* every operation of store.h is written: nothing is named missing, so nothing refuses it */
static void test_no_operation_missing(void **state)
{
    apr_pool_t *p = *state;

    assert_null(sb_store_driver_missing(p, "sqlite"));
    assert_null(sb_store_driver_missing(p, "nosuch"));
    assert_null(sb_store_driver_missing(p, "mongodb"));
}

/* ---- error mapping ---- */

static sb_store_status_t map(uint32_t domain, uint32_t code, const char *msg, const bson_t *reply,
                             sb_store_error_t *err)
{
    bson_error_t e;

    bson_set_error(&e, domain, code, "%s", msg);
    return sb_mongo_fail(&e, reply, err, "insert");
}

static void test_error_duplicate_key_names_field(void **state)
{
    static const struct {
        const char *msg, *field;
    } cases[] = {
        {"E11000 duplicate key error collection: sb.users index: username dup key: "
         "{ usernameLower: \"ada\" }",
         "username"},
        {"E11000 duplicate key error collection: sb.users index: email dup key: "
         "{ emailLower: \"a@b.c\" }",
         "email"},
        {"E11000 duplicate key error collection: sb.sessions index: roomId dup key: "
         "{ roomId: \"x\" }",
         "roomId"},
        {"E11000 duplicate key error collection: sb.reviews index: review_once dup key: "
         "{ sessionId: ObjectId('...'), reviewerId: ObjectId('...') }",
         "review"},
        {"E11000 duplicate key error collection: sb.credit_transactions index: idemKey dup key: "
         "{ idemKey: \"hold:s1\" }",
         "idemKey"},
        {"E11000 duplicate key error collection: sb.users index: _id_ dup key: { _id: 1 }", "id"},
    };
    sb_store_error_t err;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(map(MONGOC_ERROR_SERVER, 11000, cases[i].msg, NULL, &err),
                         SB_STORE_CONFLICT);
        assert_non_null(err.field);
        assert_string_equal(err.field, cases[i].field);
    }
    /* an index of another collection with the same name does not answer for this one */
    assert_int_equal(map(MONGOC_ERROR_SERVER, 11000,
                         "E11000 duplicate key error collection: sb.outbox index: email dup key",
                         NULL, &err),
                     SB_STORE_CONFLICT);
    assert_null(err.field);
    /* the write concern domain carries duplicates of bulk writes too */
    assert_int_equal(map(MONGOC_ERROR_WRITE_CONCERN, 11000, cases[0].msg, NULL, &err),
                     SB_STORE_CONFLICT);
    assert_string_equal(err.field, "username");
}

static void test_error_unavailable(void **state)
{
    sb_store_error_t err;
    bson_t reply;
    bson_error_t je;

    assert_int_equal(map(MONGOC_ERROR_SERVER_SELECTION, MONGOC_ERROR_SERVER_SELECTION_FAILURE,
                         "No suitable servers found", NULL, &err),
                     SB_STORE_UNAVAILABLE);
    assert_non_null(strstr(err.message, "No suitable servers found"));
    assert_null(err.field);
    assert_int_equal(
        map(MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET, "socket error", NULL, &err),
        SB_STORE_UNAVAILABLE);
    assert_int_equal(map(MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_AUTHENTICATE, "auth", NULL, &err),
                     SB_STORE_UNAVAILABLE);
    assert_int_equal(map(MONGOC_ERROR_SERVER, 10107, "not primary", NULL, &err),
                     SB_STORE_UNAVAILABLE);
    assert_int_equal(map(MONGOC_ERROR_SERVER, 91, "shutdown in progress", NULL, &err),
                     SB_STORE_UNAVAILABLE);
    assert_true(bson_init_from_json(
        &reply, "{\"ok\": 0, \"errorLabels\": [\"TransientTransactionError\"]}", -1, &je));
    assert_int_equal(map(MONGOC_ERROR_SERVER, 251, "no such transaction", &reply, &err),
                     SB_STORE_UNAVAILABLE);
    /* marked, so that sb_mongo_atomic runs the transaction again */
    assert_true(sb_mongo_err_transient(&err));
    bson_destroy(&reply);
    assert_int_equal(map(MONGOC_ERROR_SERVER, 251, "no such transaction", NULL, &err),
                     SB_STORE_ERROR);
    assert_false(sb_mongo_err_transient(&err));
    assert_int_equal(map(MONGOC_ERROR_SERVER, 10107, "not primary", NULL, &err),
                     SB_STORE_UNAVAILABLE);
    assert_false(sb_mongo_err_transient(&err));
    assert_int_equal(map(MONGOC_ERROR_SERVER, 2, "BadValue", NULL, &err), SB_STORE_ERROR);
    assert_int_equal(map(MONGOC_ERROR_BSON, 1, "bad bson", NULL, &err), SB_STORE_ERROR);
    assert_non_null(strstr(err.message, "mongodb insert: bad bson"));
}

/* ---- schema ---- */

static void test_index_table(void **state)
{
    const sb_mongo_index_t *ix;
    bson_error_t e;
    int i;

    for (ix = sb_mongo_indexes; ix->collection; ix++) {
        int known = 0;
        for (i = 0; sb_mongo_collections[i]; i++) {
            known |= !strcmp(sb_mongo_collections[i], ix->collection);
        }
        assert_true(known);
        /* a unique index names the field of its CONFLICT, a plain one none */
        assert_int_equal(ix->options && strstr(ix->options, "\"unique\": true") ? 1 : 0,
                         ix->field ? 1 : 0);
        assert_ptr_equal(sb_mongo_index_field(ix->collection, ix->name), ix->field);
    }
    for (i = 0; sb_mongo_collections[i]; i++) {
        bson_t cmd;
        assert_true(sb_mongo_index_command(sb_mongo_collections[i], &cmd, &e) >= 0);
        bson_destroy(&cmd);
    }
}

static void test_index_command_json(void **state)
{
    apr_pool_t *p = *state;
    bson_t cmd;
    bson_error_t e;

    assert_int_equal(sb_mongo_index_command("reviews", &cmd, &e), 2);
    assert_string_equal(
        sb_mongo_json(p, &cmd),
        "{ \"createIndexes\" : \"reviews\", \"indexes\" : [ { \"key\" : { \"sessionId\" : "
        "{ \"$numberInt\" : \"1\" }, \"reviewerId\" : { \"$numberInt\" : \"1\" } }, \"name\" : "
        "\"review_once\", \"unique\" : true }, { \"key\" : { \"revieweeId\" : { \"$numberInt\" : "
        "\"1\" }, \"createdAt\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { \"$numberInt\" : "
        "\"-1\" } }, \"name\" : \"reviewee_recent\" } ] }");
    bson_destroy(&cmd);
    assert_int_equal(sb_mongo_index_command("sessions", &cmd, &e), 8);
    /* trending reads the window's sessions by their creation */
    assert_non_null(strstr(sb_mongo_json(p, &cmd),
                           "{ \"key\" : { \"createdAt\" : { \"$numberInt\" : "
                           "\"-1\" } }, \"name\" : \"created\" }"));
    assert_non_null(strstr(sb_mongo_json(p, &cmd),
                           "{ \"key\" : { \"roomId\" : { \"$numberInt\" : \"1\" } }, \"name\" : "
                           "\"roomId\", \"unique\" : true, \"partialFilterExpression\" : { "
                           "\"roomId\" : { \"$type\" : \"string\" } } }"));
    bson_destroy(&cmd);
    assert_int_equal(sb_mongo_index_command("users", &cmd, &e), 11);
    assert_non_null(strstr(sb_mongo_json(p, &cmd),
                           "{ \"key\" : { \"emailLower\" : { \"$numberInt\" : \"1\" } }, "
                           "\"name\" : \"email\", \"unique\" : true }"));
    /* discovery: the list by category in its order, search words, pending counts, timed bans */
    assert_non_null(strstr(sb_mongo_json(p, &cmd),
                           "{ \"key\" : { \"skillsOffered.category\" : { \"$numberInt\" : \"1\" "
                           "}, \"lastSeen\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { "
                           "\"$numberInt\" : \"-1\" } }, \"name\" : \"category_seen\" }"));
    assert_non_null(strstr(sb_mongo_json(p, &cmd),
                           "{ \"key\" : { \"searchTokens\" : { \"$numberInt\" : \"1\" } }, "
                           "\"name\" : \"search_tokens\" }"));
    assert_non_null(strstr(sb_mongo_json(p, &cmd),
                           "{ \"key\" : { \"banExpiresAt\" : { \"$numberInt\" : \"1\" } }, "
                           "\"name\" : \"timed_ban\", \"partialFilterExpression\" : { "
                           "\"isBanned\" : true } }"));
    bson_destroy(&cmd);
    /* the conversation counters: a partner's summaries, the flagged ones, pending entries */
    assert_int_equal(sb_mongo_index_command("conversations", &cmd, &e), 5);
    assert_non_null(
        strstr(sb_mongo_json(p, &cmd),
               "{ \"key\" : { \"userId\" : { \"$numberInt\" : \"1\" } }, \"name\" : "
               "\"hidden\", \"partialFilterExpression\" : { \"partnerHidden\" : true } }"));
    assert_non_null(strstr(sb_mongo_json(p, &cmd), "\"name\" : \"stats_pending\""));
    bson_destroy(&cmd);
    /* the top names in order, and a name's spellings */
    assert_int_equal(sb_mongo_index_command("discover_counts", &cmd, &e), 2);
    assert_non_null(strstr(sb_mongo_json(p, &cmd), "\"name\" : \"counts_top\""));
    assert_non_null(strstr(sb_mongo_json(p, &cmd),
                           "{ \"key\" : { \"_id.t\" : { \"$numberInt\" : \"1\" }, \"_id.s\" : { "
                           "\"$numberInt\" : \"1\" } }, \"name\" : \"counts_name\" }"));
    bson_destroy(&cmd);
    assert_int_equal(sb_mongo_index_command("counters", &cmd, &e), 0);
    bson_destroy(&cmd);
}

static int hello_tx(const char *json)
{
    bson_t b;
    bson_error_t e;
    int r;

    assert_true(bson_init_from_json(&b, json, -1, &e));
    r = sb_mongo_hello_transactions(&b);
    bson_destroy(&b);
    return r;
}

static void test_deployment_probe(void **state)
{
    assert_int_equal(hello_tx("{\"isWritablePrimary\": true, \"maxWireVersion\": 21}"), 0);
    assert_int_equal(hello_tx("{\"setName\": \"rs0\", \"maxWireVersion\": 21}"), 1);
    assert_int_equal(hello_tx("{\"setName\": \"rs0\", \"maxWireVersion\": 6}"), 0);
    assert_int_equal(hello_tx("{\"msg\": \"isdbgrid\", \"maxWireVersion\": 8}"), 1);
    assert_int_equal(hello_tx("{\"msg\": \"isdbgrid\", \"maxWireVersion\": 7}"), 0);
}

/* ---- ids, times ---- */

/* typed reads: a review's wouldRecommend is yes, no or not said */
static void test_doc_reads(void **state)
{
    apr_pool_t *p = *state;
    bson_t b = BSON_INITIALIZER;

    BSON_APPEND_BOOL(&b, "yes", true);
    BSON_APPEND_BOOL(&b, "no", false);
    bson_append_null(&b, "null", -1);
    BSON_APPEND_INT32(&b, "one", 1);
    BSON_APPEND_UTF8(&b, "s", "text");
    assert_int_equal(sb_mongo_doc_tristate(&b, "yes"), 1);
    assert_int_equal(sb_mongo_doc_tristate(&b, "no"), 0);
    assert_int_equal(sb_mongo_doc_tristate(&b, "null"), -1);
    assert_int_equal(sb_mongo_doc_tristate(&b, "one"), -1);
    assert_int_equal(sb_mongo_doc_tristate(&b, "absent"), -1);
    assert_int_equal(sb_mongo_doc_int(&b, "one"), 1);
    assert_int_equal(sb_mongo_doc_int(&b, "absent"), 0);
    assert_string_equal(sb_mongo_doc_str(p, &b, "s"), "text");
    assert_null(sb_mongo_doc_str(p, &b, "null"));
    bson_destroy(&b);
}

static void test_ids(void **state)
{
    apr_pool_t *p = *state;
    bson_oid_t oid;
    char back[SB_ID_LEN + 1];
    bson_t b = BSON_INITIALIZER;

    assert_true(sb_mongo_oid_from_id("65a1b2c3d4e5f60718293a4b", &oid));
    sb_mongo_id_from_oid(&oid, back);
    assert_string_equal(back, "65a1b2c3d4e5f60718293a4b");
    assert_true(sb_mongo_oid_from_id("65A1B2C3D4E5F60718293A4B", &oid));
    sb_mongo_id_from_oid(&oid, back);
    assert_string_equal(back, "65a1b2c3d4e5f60718293a4b");
    assert_false(sb_mongo_oid_from_id("65a1b2c3d4e5f60718293a4", &oid));
    assert_false(sb_mongo_oid_from_id("65a1b2c3d4e5f60718293a4bc", &oid));
    assert_false(sb_mongo_oid_from_id("{\"$gt\": \"\"}", &oid));
    assert_false(sb_mongo_oid_from_id(NULL, &oid));
    assert_true(sb_mongo_append_id(&b, "_id", "65a1b2c3d4e5f60718293a4b"));
    assert_false(sb_mongo_append_id(&b, "x", "nope"));
    assert_string_equal(sb_mongo_json(p, &b),
                        "{ \"_id\" : { \"$oid\" : \"65a1b2c3d4e5f60718293a4b\" } }");
    bson_destroy(&b);
}

static void test_times(void **state)
{
    apr_pool_t *p = *state;
    bson_t b = BSON_INITIALIZER;

    sb_mongo_append_time(&b, "createdAt", 1750000000123LL);
    sb_mongo_append_time(&b, "deletedAt", 0);
    BSON_APPEND_INT64(&b, "legacy", 42);
    assert_string_equal(
        sb_mongo_json(p, &b),
        "{ \"createdAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000123\" } }, "
        "\"deletedAt\" : null, \"legacy\" : { \"$numberLong\" : \"42\" } }");
    assert_int_equal(sb_mongo_get_time(&b, "createdAt"), 1750000000123LL);
    assert_int_equal(sb_mongo_get_time(&b, "deletedAt"), 0);
    assert_int_equal(sb_mongo_get_time(&b, "legacy"), 42);
    assert_int_equal(sb_mongo_get_time(&b, "absent"), 0);
    bson_destroy(&b);
    /* times before 1970 stay negative, not unset */
    bson_init(&b);
    sb_mongo_append_time(&b, "t", -86400000LL);
    assert_int_equal(sb_mongo_get_time(&b, "t"), -86400000LL);
    bson_destroy(&b);
}

/* ---- the real client pool, with no server behind the URI ---- */

/* A store on the driver itself (sb_store_open refuses the driver while it is incomplete). */
static sb_store_t *raw_store(apr_pool_t *p, const char *uri, int timeout_ms, int pool_max)
{
    sb_store_t *s = apr_pcalloc(p, sizeof(*s));

    s->driver = &sb_store_mongodb_driver;
    s->pool = p;
    s->uri = uri;
    s->opts.pool_min = 0;
    s->opts.pool_max = pool_max;
    s->opts.busy_timeout_ms = timeout_ms;
    return s;
}

static sb_store_conn_t *raw_acquire(sb_store_t *s, apr_pool_t *p, sb_store_error_t *err)
{
    sb_store_conn_t *c = apr_pcalloc(p, sizeof(*c));

    c->store = s;
    c->pool = p;
    return s->driver->acquire(c, err) == SB_STORE_OK ? c : NULL;
}

static void test_unreachable_server_is_unavailable_fast(void **state)
{
    apr_pool_t *p = *state;
    sb_store_t *s = raw_store(p, "mongodb://127.0.0.1:1/sbtest", 300, 4);
    sb_store_conn_t *c;
    sb_store_error_t err;
    apr_time_t t0;
    sb_mongo_store_t *ms;

    assert_true(sb_store_mongodb_driver.accepts("mongodb://h/"));
    assert_true(sb_store_mongodb_driver.accepts("mongodb+srv://h/"));
    assert_false(sb_store_mongodb_driver.accepts("sqlite:/x"));
    assert_int_equal(s->driver->open(s, &err), SB_STORE_OK);
    ms = s->priv;
    assert_string_equal(ms->db, "sbtest");
    assert_int_equal(ms->timeout_ms, 300);
    t0 = apr_time_now();
    assert_int_equal(s->driver->migrate(s, &err), SB_STORE_UNAVAILABLE);
    assert_true(apr_time_now() - t0 < apr_time_from_msec(1000));
    assert_true(apr_time_now() - t0 >= apr_time_from_msec(250));
    assert_non_null(strstr(err.message, "mongodb hello: No suitable servers found"));
    c = raw_acquire(s, p, &err);
    assert_non_null(c);
    t0 = apr_time_now();
    assert_int_equal(s->driver->ping(c, &err), SB_STORE_UNAVAILABLE);
    assert_true(apr_time_now() - t0 < apr_time_from_msec(1000));
    assert_non_null(strstr(err.message, "mongodb ping: No suitable servers found"));
}

static void test_uri_timeout_wins(void **state)
{
    apr_pool_t *p = *state;
    sb_store_t *s = raw_store(p, "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=150", 5000, 1);
    sb_store_error_t err;

    assert_int_equal(s->driver->open(s, &err), SB_STORE_OK);
    assert_int_equal(((sb_mongo_store_t *)s->priv)->timeout_ms, 150);
    assert_string_equal(((sb_mongo_store_t *)s->priv)->db, SB_MONGO_DEFAULT_DB);
}

static void test_pool_bounded_and_given_back(void **state)
{
    apr_pool_t *p = *state, *r1, *r2;
    sb_store_t *s = raw_store(p, "mongodb://127.0.0.1:1/sbtest", 100, 1);
    sb_store_error_t err;
    apr_time_t t0;

    assert_int_equal(s->driver->open(s, &err), SB_STORE_OK);
    apr_pool_create(&r1, p);
    apr_pool_create(&r2, p);
    assert_non_null(raw_acquire(s, r1, &err));
    t0 = apr_time_now();
    assert_null(raw_acquire(s, r2, &err));
    assert_int_equal(err.status, SB_STORE_UNAVAILABLE);
    assert_non_null(strstr(err.message, "no free connection within 100 ms"));
    assert_true(apr_time_now() - t0 >= apr_time_from_msec(90));
    /* the request pool's cleanup gives the client back */
    apr_pool_destroy(r1);
    assert_non_null(raw_acquire(s, r2, &err));
    apr_pool_destroy(r2);
}

static void test_pool_not_used_across_fork(void **state)
{
    apr_pool_t *p = *state;
    sb_store_t *s = raw_store(p, "mongodb://127.0.0.1:1/sbtest", 100, 2);
    sb_store_error_t err;
    int status = 0;
    pid_t pid;

    assert_int_equal(s->driver->open(s, &err), SB_STORE_OK);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        apr_pool_t *cp;
        sb_store_conn_t *c;
        apr_pool_create(&cp, NULL);
        c = raw_acquire(s, cp, &err);
        _exit(!c && err.status == SB_STORE_ERROR && strstr(err.message, "after fork") ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A read whose cursor fails (here at once, on an option libmongoc refuses before it selects a
 * server) answers that failure in the store's words, named by the read; a status the reader
 * already had stands, and the collection is left to a caller that passes none. */
static void test_cursor_end(void **state)
{
    apr_pool_t *p = *state;
    sb_store_t *s = raw_store(p, "mongodb://127.0.0.1:1/sbtest", 300, 1);
    sb_store_conn_t *c;
    sb_store_error_t err;
    mongoc_collection_t *col;
    bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER;

    assert_int_equal(s->driver->open(s, &err), SB_STORE_OK);
    c = raw_acquire(s, p, &err);
    assert_non_null(c);
    BSON_APPEND_UTF8(&opts, "serverId", "one");
    col = sb_mongo_coll(c, "users");
    assert_int_equal(
        sb_mongo_cursor_end(mongoc_collection_find_with_opts(col, &filter, &opts, NULL), NULL,
                            SB_STORE_OK, "test read", &err),
        SB_STORE_ERROR);
    assert_non_null(strstr(err.message, "mongodb test read: "));
    assert_non_null(strstr(err.message, "serverId"));
    sb_store_fail(&err, SB_STORE_CONFLICT, NULL, "the reader's own");
    assert_int_equal(
        sb_mongo_cursor_end(mongoc_collection_find_with_opts(col, &filter, &opts, NULL), col,
                            SB_STORE_CONFLICT, "test read", &err),
        SB_STORE_CONFLICT);
    assert_string_equal(err.message, "the reader's own");
    bson_destroy(&filter);
    bson_destroy(&opts);
}

static void test_open_errors(void **state)
{
    apr_pool_t *p = *state;
    sb_store_error_t err;
    const char *pw;

    assert_int_equal(sb_store_mongodb_driver.open(raw_store(p, "mongodb://", 100, 1), &err),
                     SB_STORE_ERROR);
    assert_non_null(strstr(err.message, "bad store URI"));
    assert_int_equal(sb_store_mongodb_driver.open(raw_store(p, "mongodb://h/a.b", 100, 1), &err),
                     SB_STORE_ERROR);
    pw = write_file(p, "sbmongo-pw2", "pw\n");
    assert_int_equal(
        sb_store_mongodb_driver.open(
            raw_store(p, apr_pstrcat(p, "mongodb://h/?sbPasswordFile=", pw, NULL), 100, 1), &err),
        SB_STORE_ERROR);
    assert_non_null(strstr(err.message, "needs a user name"));
    assert_int_equal(
        sb_store_mongodb_driver.open(
            raw_store(p, apr_pstrcat(p, "mongodb://u@h/?sbPasswordFile=", pw, NULL), 100, 1), &err),
        SB_STORE_OK);
    unlink(pw);
    assert_int_equal(
        sb_store_mongodb_driver.open(
            raw_store(p, apr_pstrcat(p, "mongodb://u@h/?sbPasswordFile=", pw, NULL), 100, 1), &err),
        SB_STORE_ERROR);
    assert_non_null(strstr(err.message, "cannot read the password file"));
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_uri_split_takes_out_password_file),
    T(test_password_file),
    T(test_db_names),
    T(test_compiled_in),
    T(test_no_operation_missing),
    T(test_error_duplicate_key_names_field),
    T(test_error_unavailable),
    T(test_index_table),
    T(test_index_command_json),
    T(test_deployment_probe),
    T(test_doc_reads),
    T(test_ids),
    T(test_times),
    T(test_unreachable_server_is_unavailable_fast),
    T(test_uri_timeout_wins),
    T(test_pool_bounded_and_given_back),
    T(test_pool_not_used_across_fork),
    T(test_open_errors),
    T(test_cursor_end),
#undef T
};

SB_TEST_MAIN("mongo_driver", tests)
