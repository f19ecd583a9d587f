/*
 * Field rules from the spec. Each check appends a field error to err (and
 * returns 0) when the value breaks the rule, else returns 1.
 */
#ifndef SB_VALIDATE_H
#define SB_VALIDATE_H

#include <apr_pools.h>
#include "sb_error.h"

#define SB_USERNAME_MIN       3
#define SB_USERNAME_MAX       20
#define SB_NAME_MAX           50
#define SB_BIO_MAX            500
#define SB_EMAIL_MAX          254
#define SB_PASSWORD_MIN       8
#define SB_PASSWORD_MAX_BYTES 72

int sb_valid_username(sb_error_t *err, apr_pool_t *p, const char *field, const char *v);
int sb_valid_email(sb_error_t *err, apr_pool_t *p, const char *field, const char *v);
int sb_valid_password(sb_error_t *err, apr_pool_t *p, const char *field, const char *v);
/* Text of at most max characters (UTF-8 code points); required: non-empty after trimming. */
int sb_valid_text(sb_error_t *err, apr_pool_t *p, const char *field, const char *v, int max,
                  int required);
/* 1 when v is valid UTF-8 with no NUL or control characters other than \n \t. */
int sb_utf8_clean(const char *v);
/* Number of UTF-8 code points in v. */
apr_size_t sb_utf8_len(const char *v);
/* Lower-case ASCII copy. */
char *sb_lower(apr_pool_t *p, const char *v);
/* 1 when name is a zone in the system tz database (/usr/share/zoneinfo). */
int sb_valid_timezone(const char *name);

#endif
