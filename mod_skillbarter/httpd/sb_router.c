#include "sb_router.h"

#include <string.h>
#include <apr_strings.h>

#include <http_config.h>

#include "sb_log.h"

int sb_router_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    const char *why = NULL;

    if (!sb_routes_check(sb_route_table(), ptemp, &why)) {
        sb_slog(s, APLOG_STARTUP | APLOG_CRIT, 0, "refusing to start: %s", why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/*
 * Segment-wise match: literal segments compare exactly, ":name" takes one
 * non-empty segment. A single trailing slash on the path is ignored.
 */
static int pattern_match(const char *pat, const char *path, const char **params, apr_pool_t *p)
{
    int np = 0;

    while (*pat && *path) {
        if (*pat == ':') {
            const char *seg_end = strchr(path, '/');
            apr_size_t n = seg_end ? (apr_size_t)(seg_end - path) : strlen(path);
            if (n == 0 || np >= SB_MAX_PARAMS) {
                return 0;
            }
            params[np++] = apr_pstrndup(p, path, n);
            path += n;
            while (*pat && *pat != '/') {
                pat++;
            }
            continue;
        }
        if (*pat != *path) {
            return 0;
        }
        pat++;
        path++;
    }
    if (!*pat && path[0] == '/' && path[1] == '\0') {
        path++;
    }
    return !*pat && !*path;
}

void sb_route_match(apr_pool_t *p, const char *method, const char *path, sb_match_t *m)
{
    const sb_route_t *const *g;
    const sb_route_t *rt;
    const char *params[SB_MAX_PARAMS];
    const char *want = strcmp(method, "HEAD") ? method : "GET";

    memset(m, 0, sizeof *m);
    for (g = sb_route_table(); *g; g++) {
        for (rt = *g; rt->method; rt++) {
            memset(params, 0, sizeof params);
            if (!pattern_match(rt->pattern, path, params, p)) {
                continue;
            }
            if (!m->route && !strcmp(rt->method, want)) {
                m->route = rt;
                memcpy(m->params, params, sizeof params);
            }
            /* Only list the method once when several patterns match the same path. */
            if (!m->allow) {
                m->allow = rt->method;
            }
            else if (!strstr(m->allow, rt->method)) {
                m->allow = apr_pstrcat(p, m->allow, ", ", rt->method, NULL);
            }
        }
    }
    if (m->allow) {
        if (strstr(m->allow, "GET")) {
            m->allow = apr_pstrcat(p, m->allow, ", HEAD", NULL);
        }
        m->allow = apr_pstrcat(p, m->allow, ", OPTIONS", NULL);
    }
}
