/*
 * The route table — every resource's rows, stacked in order — and its precedence check: rows
 * are read top to bottom, so a row must not come after one that takes every path it would.
 */
#include "sb_routes.h"

#include <string.h>
#include <apr_strings.h>

/* Fixed /api/users/... paths before /api/users/:id; sb_routes_check() enforces it. */
static const sb_route_t *const groups[] = {sb_health_routes,
                                           sb_auth_routes,
                                           sb_user_routes,
                                           sb_skill_routes,
                                           sb_avatar_routes,
                                           sb_block_routes,
                                           sb_user_public_routes,
                                           sb_discover_routes,
                                           sb_session_request_routes,
                                           sb_message_routes,
                                           sb_notification_routes,
                                           sb_session_routes,
                                           sb_credit_routes,
                                           NULL};

const sb_route_t *const *sb_route_table(void)
{
    return groups;
}

/* Length of the segment at s (up to '/' or the end). */
static apr_size_t seg_len(const char *s)
{
    const char *e = strchr(s, '/');
    return e ? (apr_size_t)(e - s) : strlen(s);
}

/*
 * 1 when pattern a matches every path pattern b matches: the same number of segments, and
 * each segment of a is ":name" or the same literal as b's (b's ":name" segments need a
 * ":name" in a).
 */
static int pattern_covers(const char *a, const char *b)
{
    for (;;) {
        apr_size_t na = seg_len(a), nb = seg_len(b);
        if (*a == ':') {
            if (nb == 0) {
                return 0;
            }
        }
        else if (*b == ':' || na != nb || strncmp(a, b, na)) {
            return 0;
        }
        a += na;
        b += nb;
        if (!*a || !*b) {
            return !*a && !*b;
        }
        a++; /* both at '/' */
        b++;
    }
}

int sb_routes_check(const sb_route_t *const *table, apr_pool_t *p, const char **why)
{
    const sb_route_t *const *g, *const *h;
    const sb_route_t *a, *b;

    for (g = table; *g; g++) {
        for (a = *g; a->method; a++) {
            if (!strchr(a->pattern, ':')) {
                continue;
            }
            /* every row after a, in its own group and in the later ones */
            for (h = g; *h; h++) {
                for (b = h == g ? a + 1 : *h; b->method; b++) {
                    if (!strcmp(a->method, b->method) && pattern_covers(a->pattern, b->pattern)) {
                        *why = apr_psprintf(p,
                                            "route %s %s comes before %s %s, which it would "
                                            "swallow: list the literal row first",
                                            a->method, a->pattern, b->method, b->pattern);
                        return 0;
                    }
                }
            }
        }
    }
    return 1;
}
