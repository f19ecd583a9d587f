/*
 * MongoDB driver: the parts of the store URI libmongoc does not parse (the password file),
 * reading that file, and database names.
 */
#include "mongo_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_file_io.h>
#include <apr_strings.h>

/* Undo %XX escapes of a query value (a path may hold '&' or '%'); NULL when malformed. */
static char *sb_mongo_unescape(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            char hex[3];
            char *end;
            if (i + 2 >= n) {
                return NULL;
            }
            hex[0] = s[i + 1];
            hex[1] = s[i + 2];
            hex[2] = '\0';
            *o = (char)strtol(hex, &end, 16);
            if (*end || !*o) {
                return NULL;
            }
            o++;
            i += 2;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

sb_store_status_t sb_mongo_uri_split(apr_pool_t *p, const char *uri, const char **mongo_uri,
                                     const char **password_file, sb_store_error_t *err)
{
    static const char opt[] = SB_MONGO_OPT_PASSWORD_FILE "=";
    const char *q = strchr(uri, '?'), *s;
    char *kept;
    int first = 1;

    *password_file = NULL;
    if (!q) {
        *mongo_uri = uri;
        return SB_STORE_OK;
    }
    kept = apr_pstrndup(p, uri, (apr_size_t)(q - uri) + 1);
    for (s = q + 1; *s;) {
        const char *amp = strchr(s, '&');
        apr_size_t n = amp ? (apr_size_t)(amp - s) : strlen(s);
        if (n >= sizeof(opt) - 1 && !strncasecmp(s, opt, sizeof(opt) - 1)) {
            char *v = sb_mongo_unescape(p, s + sizeof(opt) - 1, n - (sizeof(opt) - 1));
            if (!v || !*v || *password_file) {
                return sb_store_fail(err, SB_STORE_ERROR, NULL,
                                     "mongodb: bad or repeated %s option in the store URI",
                                     SB_MONGO_OPT_PASSWORD_FILE);
            }
            *password_file = v;
        }
        else if (n > 0) {
            kept = apr_pstrcat(p, kept, first ? "" : "&", apr_pstrndup(p, s, n), NULL);
            first = 0;
        }
        s += n + (amp ? 1 : 0);
    }
    if (first) {
        kept[q - uri] = '\0'; /* nothing left after '?' */
    }
    *mongo_uri = kept;
    return SB_STORE_OK;
}

sb_store_status_t sb_mongo_read_password(apr_pool_t *p, const char *path, const char **out,
                                         sb_store_error_t *err)
{
    apr_file_t *f;
    char buf[1025];
    apr_size_t n = sizeof(buf) - 1;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mongodb: cannot read the password file %s",
                             path);
    }
    rv = apr_file_read(f, buf, &n);
    apr_file_close(f);
    if ((rv != APR_SUCCESS && !APR_STATUS_IS_EOF(rv)) || n == sizeof(buf) - 1) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL,
                             "mongodb: the password file %s is unreadable or over 1024 bytes",
                             path);
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--;
    }
    if (n == 0 || memchr(buf, '\0', n)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL,
                             "mongodb: the password file %s is empty or binary", path);
    }
    *out = apr_pstrndup(p, buf, n);
    memset(buf, 0, sizeof(buf));
    return SB_STORE_OK;
}

int sb_mongo_db_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    return n > 0 && n <= 63 && !strpbrk(name, "/\\. \"$");
}
