/* sb_password: bcrypt hash/verify through APR-util (cost 4 to stay fast). */
#include "sb_test.h"

#include <string.h>

#include "sb_password.h"

static void test_hash_verify(void **state)
{
    apr_pool_t *p = *state;
    const char *h = sb_password_hash(p, "correct horse", 4);

    assert_non_null(h);
    assert_int_equal(strlen(h), 60);
    assert_true(sb_password_verify(p, "correct horse", h));
    assert_false(sb_password_verify(p, "correct hors", h));
    assert_false(sb_password_verify(p, "correct horse ", h));
    assert_false(sb_password_verify(p, "", h));
    assert_false(sb_password_verify(p, NULL, h));
}

static void test_salted(void **state)
{
    apr_pool_t *p = *state;
    const char *a = sb_password_hash(p, "same password", 4);
    const char *b = sb_password_hash(p, "same password", 4);

    assert_string_not_equal(a, b);
    assert_true(sb_password_verify(p, "same password", a));
    assert_true(sb_password_verify(p, "same password", b));
}

static void test_cost_honoured(void **state)
{
    apr_pool_t *p = *state;

    assert_int_equal(strncmp(sb_password_hash(p, "password1", 4), "$2y$04$", 7), 0);
    assert_int_equal(strncmp(sb_password_hash(p, "password1", 5), "$2y$05$", 7), 0);
    assert_null(sb_password_hash(p, "password1", 3));
    assert_null(sb_password_hash(p, "password1", 32));
    assert_null(sb_password_hash(p, NULL, 4));
}

static void test_72_bytes(void **state)
{
    apr_pool_t *p = *state;
    char pw[80];

    memset(pw, 'a', 72);
    pw[72] = '\0';
    assert_non_null(sb_password_hash(p, pw, 4));
    pw[72] = 'b';
    pw[73] = '\0';
    assert_null(sb_password_hash(p, pw, 4)); /* would be silently truncated by bcrypt */
}

static void test_foreign_hashes_refused(void **state)
{
    apr_pool_t *p = *state;

    /* apr_password_validate would accept these formats; we only take bcrypt. */
    assert_false(sb_password_verify(p, "password", "password"));
    assert_false(sb_password_verify(p, "password", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="));
    assert_false(sb_password_verify(p, "password", "$apr1$x$"));
    assert_false(sb_password_verify(p, "password", ""));
    assert_false(sb_password_verify(p, "password", NULL));
    assert_false(sb_password_verify(p, "password", "$2y$04$short"));
}

static void test_known_vector(void **state)
{
    apr_pool_t *p = *state;
    /* $2a$ hashes from other implementations (bcryptjs) keep working: OpenBSD test vectors. */
    assert_true(sb_password_verify(p, "U*U",
                                   "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
    assert_true(sb_password_verify(p, "U*U*",
                                   "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"));
    assert_false(sb_password_verify(
        p, "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"));
}

static void test_dummy_hash(void **state)
{
    apr_pool_t *p = *state;
    const char *d = sb_password_dummy_hash(p, 4), *d2 = sb_password_dummy_hash(p, 4);

    assert_non_null(d);
    assert_ptr_equal(d, d2); /* computed once per cost */
    assert_int_equal(strncmp(d, "$2y$04$", 7), 0);
    assert_false(sb_password_verify(p, "password", d));
    assert_false(sb_password_verify(p, "", d));
    assert_int_equal(strncmp(sb_password_dummy_hash(p, 5), "$2y$05$", 7), 0);
    assert_null(sb_password_dummy_hash(p, 2));
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_hash_verify),
    T(test_salted),
    T(test_cost_honoured),
    T(test_72_bytes),
    T(test_foreign_hashes_refused),
    T(test_known_vector),
    T(test_dummy_hash),
};

SB_TEST_MAIN("password", tests)
