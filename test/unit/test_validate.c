/* sb_validate: the spec's field rules at their boundaries. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_validate.h"

#define E_ACUTE "\xc3\xa9"     /* 2 bytes */
#define EURO    "\xe2\x82\xac" /* 3 bytes */

static int check_username(apr_pool_t *p, const char *v)
{
    sb_error_t err = {0};
    int ok = sb_valid_username(&err, p, "username", v);
    assert_int_equal(ok, !sb_has_field_errors(&err));
    return ok;
}

static void test_username(void **state)
{
    apr_pool_t *p = *state;
    sb_error_t err = {0};
    const sb_field_error_t *fe;

    assert_false(check_username(p, "ab"));
    assert_true(check_username(p, "abc"));
    assert_true(check_username(p, "abcdefghij0123456789"));
    assert_false(check_username(p, "abcdefghij0123456789x"));
    assert_true(check_username(p, "Under_Score_9"));
    assert_false(check_username(p, "with space"));
    assert_false(check_username(p, "dash-ed"));
    assert_false(check_username(p, "caf\xc3\xa9"));
    assert_false(check_username(p, ""));
    assert_false(check_username(p, NULL));

    assert_false(sb_valid_username(&err, p, "username", "x"));
    assert_int_equal(err.status, 400);
    fe = &APR_ARRAY_IDX(err.fields, 0, sb_field_error_t);
    assert_string_equal(fe->field, "username");
    assert_string_equal(fe->message,
                        "username must be 3-20 characters of letters, digits and underscore");
}

static int check_email(apr_pool_t *p, const char *v)
{
    sb_error_t err = {0};
    return sb_valid_email(&err, p, "email", v);
}

static void test_email(void **state)
{
    apr_pool_t *p = *state;
    char *longmail;

    assert_true(check_email(p, "a@b.co"));
    assert_true(check_email(p, "first.last+tag@example.co.uk"));
    assert_true(check_email(p, "j\xc3\xb6rg@m\xc3\xbcller.de"));
    /* no empty part between dots, on either side of the '@' (Joi's email()) */
    assert_false(check_email(p, "a@b..c"));
    assert_false(check_email(p, "a@b.c."));
    assert_false(check_email(p, "a@.b.c"));
    assert_false(check_email(p, ".a@b.c"));
    assert_false(check_email(p, "a.@b.c"));
    assert_false(check_email(p, "a..b@c.d"));
    assert_true(check_email(p, "a.b@c.d.e"));
    assert_false(check_email(p, "plainaddress"));
    assert_false(check_email(p, "@example.com"));
    assert_false(check_email(p, "a@"));
    assert_false(check_email(p, "a@b"));
    assert_false(check_email(p, "a@.com"));
    assert_false(check_email(p, "a@com."));
    assert_false(check_email(p, "a@@b.com"));
    assert_false(check_email(p, "a@b@c.com"));
    assert_false(check_email(p, "a b@c.com"));
    assert_false(check_email(p, "a@c.com "));
    assert_false(check_email(p, "a\t@c.com"));
    assert_false(check_email(p, "a\xc2\xa0@c.com"));     /* no-break space */
    assert_false(check_email(p, "a\xe3\x80\x80@c.com")); /* ideographic space */
    assert_false(check_email(p, "a\xff@c.com"));
    assert_false(check_email(p, "a\xc0\xaf@c.com")); /* overlong '/' */
    assert_false(check_email(p, ""));
    assert_false(check_email(p, NULL));

    longmail = apr_pstrcat(p, apr_psprintf(p, "%0250d", 0), "@b.co", NULL); /* 255 bytes */
    assert_false(check_email(p, longmail));
    longmail = apr_pstrcat(p, apr_psprintf(p, "%0249d", 0), "@b.co", NULL); /* 254 bytes */
    assert_true(check_email(p, longmail));
}

static int check_password(apr_pool_t *p, const char *v, const char **msg)
{
    sb_error_t err = {0};
    int ok = sb_valid_password(&err, p, "password", v);
    if (msg) {
        *msg = ok ? NULL : APR_ARRAY_IDX(err.fields, 0, sb_field_error_t).message;
    }
    return ok;
}

static void test_password(void **state)
{
    apr_pool_t *p = *state;
    char buf[128];
    const char *msg;

    assert_false(check_password(p, "1234567", NULL));
    assert_true(check_password(p, "12345678", NULL));
    /* 8 characters, 16 bytes */
    assert_true(
        check_password(p, E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE, NULL));
    /* 7 characters, 14 bytes */
    assert_false(check_password(p, E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE, NULL));

    memset(buf, 'a', 72);
    buf[72] = '\0';
    assert_true(check_password(p, buf, NULL));
    buf[72] = 'a';
    buf[73] = '\0';
    assert_false(check_password(p, buf, &msg));
    assert_non_null(strstr(msg, "72 bytes"));
    assert_non_null(strstr(msg, "bcrypt"));

    /* 36 two-byte characters = 72 bytes: fine; 37 = 74 bytes: refused. */
    for (int i = 0; i < 36; i++) {
        memcpy(buf + 2 * i, "\xc3\xa9", 2);
    }
    buf[72] = '\0';
    assert_true(check_password(p, buf, NULL));
    memcpy(buf + 72, "\xc3\xa9", 3);
    assert_false(check_password(p, buf, NULL));
    /* 71 ASCII + one 2-byte character = 73 bytes: refused. */
    memset(buf, 'a', 71);
    memcpy(buf + 71, "\xc3\xa9", 3);
    assert_false(check_password(p, buf, NULL));

    assert_false(check_password(p, "abcdefg\xff", NULL));
    assert_false(check_password(p, "", NULL));
    assert_false(check_password(p, NULL, NULL));
}

static int check_text(apr_pool_t *p, const char *v, int max, int required)
{
    sb_error_t err = {0};
    int ok = sb_valid_text(&err, p, "bio", v, max, required);
    assert_int_equal(ok, !sb_has_field_errors(&err));
    return ok;
}

static void test_text(void **state)
{
    apr_pool_t *p = *state;
    char buf[64];

    assert_true(check_text(p, "hello", 5, 1));
    assert_false(check_text(p, "hello!", 5, 1));
    /* five 3-byte characters are five characters */
    assert_true(check_text(p, EURO EURO EURO EURO EURO, 5, 1));
    assert_false(check_text(p, EURO EURO EURO EURO EURO EURO, 5, 1));
    assert_true(check_text(p, "\xf0\x9f\x98\x80", 1, 1)); /* one emoji */
    assert_true(check_text(p, "line\nnext\tcol", 50, 1));
    assert_false(check_text(p, "carriage\r", 50, 1));
    assert_false(check_text(p, "bell\a", 50, 1));
    assert_false(check_text(p, "del\x7f", 50, 1));
    assert_false(check_text(p, "c1\xc2\x85", 50, 1));
    assert_false(check_text(p, "bad\xff", 50, 1));
    assert_false(check_text(p, "trunc\xe2\x82", 50, 1));
    assert_false(check_text(p, "surrogate\xed\xa0\x80", 50, 1));
    assert_false(check_text(p, "overlong\xc0\x80", 50, 1));
    assert_false(check_text(p, "big\xf4\x90\x80\x80", 50, 1));
    assert_false(check_text(p, "   ", 50, 1));
    assert_true(check_text(p, "   ", 50, 0));
    assert_true(check_text(p, "", 50, 0));
    assert_false(check_text(p, "", 50, 1));
    assert_false(check_text(p, NULL, 50, 1));
    assert_true(check_text(p, NULL, 50, 0));
    memset(buf, 'x', 50);
    buf[50] = '\0';
    assert_true(check_text(p, buf, SB_NAME_MAX, 1));
    buf[50] = 'x';
    buf[51] = '\0';
    assert_false(check_text(p, buf, SB_NAME_MAX, 1));
}

static void test_utf8_helpers(void **state)
{
    apr_pool_t *p = *state;

    assert_int_equal(sb_utf8_len(""), 0);
    assert_int_equal(sb_utf8_len("abc"), 3);
    assert_int_equal(sb_utf8_len("\xc3\xa9t\xc3\xa9"), 3);
    assert_int_equal(sb_utf8_len("\xf0\x9f\x98\x80"), 1);
    assert_true(sb_utf8_clean("ok\n\t"));
    assert_false(sb_utf8_clean(NULL));
    assert_string_equal(sb_lower(p, "MiXeD@Example.COM"), "mixed@example.com");
    assert_string_equal(sb_lower(p, "\xc3\x89T\xc3\x89"), "\xc3\x89t\xc3\x89"); /* ASCII only */
    assert_null(sb_lower(p, NULL));
}

static void test_timezone(void **state)
{
    assert_true(sb_valid_timezone("UTC"));
    assert_true(sb_valid_timezone("Europe/Paris"));
    assert_true(sb_valid_timezone("America/New_York"));
    assert_true(sb_valid_timezone("Etc/GMT+5"));
    assert_true(sb_valid_timezone("America/Argentina/Buenos_Aires"));
    assert_false(sb_valid_timezone("../etc/passwd"));
    assert_false(sb_valid_timezone("Europe/../../../etc/passwd"));
    assert_false(sb_valid_timezone("/etc/passwd"));
    assert_false(sb_valid_timezone("/usr/share/zoneinfo/UTC"));
    assert_false(sb_valid_timezone("Mars/Olympus"));
    assert_false(sb_valid_timezone(""));
    assert_false(sb_valid_timezone(NULL));
    assert_false(sb_valid_timezone("Europe")); /* a directory */
    assert_false(sb_valid_timezone("Europe/"));
    assert_false(sb_valid_timezone("Europe//Paris"));
    assert_false(sb_valid_timezone("zone.tab")); /* not TZif */
    assert_false(sb_valid_timezone("tzdata.zi"));
    assert_false(sb_valid_timezone("Europe/Paris "));
    assert_false(sb_valid_timezone("Europe/Paris\n"));
    assert_false(sb_valid_timezone("europe/paris"));
    assert_false(sb_valid_timezone("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/UTC")); /* 68 chars */
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_username), T(test_email),        T(test_password),
    T(test_text),     T(test_utf8_helpers), T(test_timezone),
};

SB_TEST_MAIN("validate", tests)
