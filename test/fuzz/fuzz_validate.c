/* libFuzzer target: the field validators on arbitrary NUL-terminated strings. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "sb_validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_initialize();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    sb_error_t err = {0};
    char *s;

    apr_pool_create(&p, NULL);
    s = apr_pstrmemdup(p, (const char *)data, size); /* stops at an embedded NUL for C code */
    sb_valid_username(&err, p, "username", s);
    if (sb_valid_email(&err, p, "email", s)
        && (!strchr(s, '@') || strlen(s) > SB_EMAIL_MAX || strstr(s, "..") || strstr(s, ".@"))) {
        __builtin_trap();
    }
    sb_valid_password(&err, p, "password", s);
    if (sb_valid_text(&err, p, "bio", s, SB_BIO_MAX, 1) && sb_utf8_len(s) > SB_BIO_MAX) {
        __builtin_trap();
    }
    sb_valid_text(&err, p, "name", s, 5, 0);
    sb_utf8_clean(s);
    sb_lower(p, s);
    if (sb_valid_timezone(s) && (strstr(s, "..") || s[0] == '/')) {
        __builtin_trap();
    }
    apr_pool_destroy(p);
    return 0;
}
