/* core/sb_settings: defaults, and the settings file httpd writes for the other processes. */
#include "sb_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

#include "sb_settings.h"

typedef struct {
    apr_pool_t *pool;
    char dir[256];
    const char *path;
} fx_t;

static int fx_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);

    apr_pool_create(&fx->pool, NULL);
    snprintf(fx->dir, sizeof fx->dir, "%s/sb-settings.XXXXXX", sb_test_tmpdir());
    if (!mkdtemp(fx->dir)) {
        return -1;
    }
    fx->path = apr_pstrcat(fx->pool, fx->dir, "/" SB_SETTINGS_FILE, NULL);
    *state = fx;
    return 0;
}

/* Names in the directory other than "." and ".."; removes them when clear is set. */
static int dir_entries(const char *dir, int clear)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    while (d && (de = readdir(d))) {
        char path[600];
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
            continue;
        }
        n++;
        if (clear) {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static int fx_teardown(void **state)
{
    fx_t *fx = *state;

    dir_entries(fx->dir, 1);
    rmdir(fx->dir);
    apr_pool_destroy(fx->pool);
    free(fx);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_defaults(void **state)
{
    sb_settings_t st;

    sb_settings_defaults(&st);
    assert_int_equal(st.access_ttl, 15 * 60);
    assert_int_equal(st.refresh_ttl, 30 * 86400);
    assert_int_equal(st.verify_ttl, 24 * 3600);
    assert_int_equal(st.reset_ttl, 3600);
    assert_int_equal(st.avatar_max, 5 * 1024 * 1024);
    assert_string_equal(st.jwt_issuer, "skillbarter");
    assert_string_equal(st.version, SB_VERSION);
    assert_null(st.store_uri);
    assert_null(st.store);
}

static void test_round_trip_mode_and_no_leftovers(void **state)
{
    fx_t *fx = *state;
    sb_settings_t st, back;
    const char *why = NULL;
    struct stat sbuf;

    sb_settings_defaults(&st);
    st.store_uri = "sqlite:/var/lib/skillbarter/a b.db";
    st.jwt_secret_file = "/etc/skillbarter/jwt.key";
    st.jwt_issuer = "barter.example";
    st.ratelimit_shm = "/run/apache2/skillbarter-ratelimit.shm";
    st.outbox_socket = "/run/apache2/skillbarter-outbox.sock";
    st.access_ttl = 600;
    st.refresh_ttl = 7 * 86400;
    st.verify_ttl = 7200;
    st.reset_ttl = 1800;
    st.no_show_penalty = 0; /* a meaning of its own ("none"), not "unset" */
    assert_int_equal(sb_settings_write(fx->pool, fx->path, &st, -1, &why), APR_SUCCESS);
    assert_int_equal(stat(fx->path, &sbuf), 0);
    assert_int_equal(sbuf.st_mode & 0777, 0640);  /* names the secret's file: not for all */
    assert_int_equal(dir_entries(fx->dir, 0), 1); /* the temporary file was renamed */

    assert_int_equal(sb_settings_read(fx->pool, fx->path, &back, &why), APR_SUCCESS);
    assert_string_equal(back.store_uri, st.store_uri);
    assert_string_equal(back.jwt_secret_file, st.jwt_secret_file);
    assert_string_equal(back.jwt_issuer, st.jwt_issuer);
    assert_string_equal(back.ratelimit_shm, st.ratelimit_shm);
    assert_string_equal(back.outbox_socket, st.outbox_socket);
    assert_int_equal(back.access_ttl, 600);
    assert_int_equal(back.refresh_ttl, 7 * 86400);
    assert_int_equal(back.verify_ttl, 7200);
    assert_int_equal(back.reset_ttl, 1800);
    assert_int_equal(back.no_show_penalty, 0);
    assert_int_equal(back.avatar_max, SB_DEFAULT_AVATAR_MAX); /* not in the file: default */

    /* a second write replaces the first in place */
    st.access_ttl = 60;
    st.no_show_penalty = -1; /* the whole hold */
    assert_int_equal(sb_settings_write(fx->pool, fx->path, &st, -1, &why), APR_SUCCESS);
    assert_int_equal(sb_settings_read(fx->pool, fx->path, &back, &why), APR_SUCCESS);
    assert_int_equal(back.access_ttl, 60);
    assert_int_equal(back.no_show_penalty, -1);
    assert_int_equal(dir_entries(fx->dir, 0), 1);
}

static void test_refuses_a_value_with_a_line_break(void **state)
{
    fx_t *fx = *state;
    sb_settings_t st;
    const char *why = NULL;

    sb_settings_defaults(&st);
    st.store_uri = "sqlite:/x.db\nstore_uri sqlite:/elsewhere.db";
    assert_int_equal(sb_settings_write(fx->pool, fx->path, &st, -1, &why), APR_EINVAL);
    assert_non_null(strstr(why, "store_uri"));
    assert_int_equal(dir_entries(fx->dir, 0), 0);
}

static void test_write_failure_names_the_file(void **state)
{
    fx_t *fx = *state;
    sb_settings_t st;
    const char *why = NULL;

    sb_settings_defaults(&st);
    st.store_uri = "sqlite:/x.db";
    assert_int_not_equal(
        sb_settings_write(fx->pool, apr_pstrcat(fx->pool, fx->dir, "/missing/dir/file", NULL), &st,
                          -1, &why),
        APR_SUCCESS);
    assert_non_null(strstr(why, "/missing/dir/file"));
}

static void test_reader_skips_unknown_keys_and_refuses_bad_lines(void **state)
{
    fx_t *fx = *state;
    sb_settings_t st;
    const char *why = NULL;

    write_text(fx->path, "# comment\nformat 1\nstore_uri sqlite:/d.db\nfuture_key 42\n"
                         "access_ttl 120\n");
    assert_int_equal(sb_settings_read(fx->pool, fx->path, &st, &why), APR_SUCCESS);
    assert_string_equal(st.store_uri, "sqlite:/d.db");
    assert_int_equal(st.access_ttl, 120);
    assert_int_equal(st.refresh_ttl, SB_DEFAULT_REFRESH_TTL);

    write_text(fx->path, "store_uri sqlite:/d.db\naccess_ttl soon\n");
    assert_int_equal(sb_settings_read(fx->pool, fx->path, &st, &why), APR_EINVAL);
    assert_non_null(strstr(why, ":2:"));

    write_text(fx->path, "format 2\nstore_uri sqlite:/d.db\n");
    assert_int_equal(sb_settings_read(fx->pool, fx->path, &st, &why), APR_EINVAL);

    write_text(fx->path, "access_ttl 120\n");
    assert_int_equal(sb_settings_read(fx->pool, fx->path, &st, &why), APR_EINVAL);
    assert_non_null(strstr(why, "store_uri"));

    unlink(fx->path);
    assert_int_not_equal(sb_settings_read(fx->pool, fx->path, &st, &why), APR_SUCCESS);
    assert_non_null(strstr(why, fx->path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test_setup_teardown(test_round_trip_mode_and_no_leftovers, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_refuses_a_value_with_a_line_break, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_write_failure_names_the_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reader_skips_unknown_keys_and_refuses_bad_lines,
                                        fx_setup, fx_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("settings", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
