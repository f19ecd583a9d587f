#include "sb_net.h"

#include <arpa/inet.h>
#include <string.h>
#include <apr_strings.h>

const char *sb_net_budget_key(apr_pool_t *p, const char *ip)
{
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned char a[16];
    char buf[INET6_ADDRSTRLEN];

    if (!ip || !*ip) {
        return "-";
    }
    if (!strchr(ip, ':') || inet_pton(AF_INET6, ip, a) != 1) {
        return apr_pstrdup(p, ip);
    }
    if (!memcmp(a, v4mapped, sizeof v4mapped)) {
        return inet_ntop(AF_INET, a + 12, buf, sizeof buf) ? apr_pstrdup(p, buf)
                                                           : apr_pstrdup(p, ip);
    }
    memset(a + 8, 0, 8);
    if (!inet_ntop(AF_INET6, a, buf, sizeof buf)) {
        return apr_pstrdup(p, ip);
    }
    return apr_pstrcat(p, buf, "/64", NULL);
}
