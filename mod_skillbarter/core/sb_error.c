#include "sb_error.h"

#include <stdarg.h>
#include <apr_strings.h>

int sb_fail(sb_error_t *err, apr_pool_t *p, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err->status = status;
    err->message = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return status;
}

void sb_field_fail(sb_error_t *err, apr_pool_t *p, const char *field, const char *fmt, ...)
{
    va_list ap;
    sb_field_error_t *fe;

    if (!err->fields) {
        err->fields = apr_array_make(p, 4, sizeof(sb_field_error_t));
    }
    fe = apr_array_push(err->fields);
    fe->field = apr_pstrdup(p, field);
    va_start(ap, fmt);
    fe->message = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    if (!err->status) {
        err->status = 400;
        err->message = "Validation error";
    }
}

int sb_has_field_errors(const sb_error_t *err)
{
    return err->fields && err->fields->nelts > 0;
}
