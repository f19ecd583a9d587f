/* The visibility rule (sb_user_rules.h). */
#include "sb_user_rules.h"

int sb_ban_in_force(int is_banned, int64_t ban_expires_at, int64_t now)
{
    return is_banned && (ban_expires_at == SB_BAN_PERMANENT || ban_expires_at > now);
}

int sb_user_visible(const sb_user_t *u, int64_t now)
{
    return u->is_active && !sb_ban_in_force(u->is_banned, u->ban_expires_at, now);
}
