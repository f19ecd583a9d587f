/* Client addresses as budget keys: one IPv6 host usually holds a whole /64. */
#ifndef SB_NET_H
#define SB_NET_H

#include <apr_pools.h>

/*
 * The key a per-address budget counts ip under, in p: an IPv4 address as itself (also when
 * written IPv4-mapped, ::ffff:a.b.c.d), an IPv6 address as its /64 ("2001:db8:1:2::/64"),
 * anything else (NULL included, as "-") unchanged.
 */
const char *sb_net_budget_key(apr_pool_t *p, const char *ip);

#endif
