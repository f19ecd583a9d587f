/*
 * Who may be seen by others, defined once. A user is visible to other people (discover,
 * search, public profiles, messaging partners) when the account is active and no ban is in
 * force; a ban is in force while it has no expiry (SB_BAN_PERMANENT) or its expiry is still
 * ahead. Store drivers express the same rule in their query language (the SQLite form is
 * SB_SQLITE_VISIBLE in store/sqlite/sqlite_int.h) and the store conformance suite checks
 * that they agree with these functions case by case.
 */
#ifndef SB_USER_RULES_H
#define SB_USER_RULES_H

#include <stdint.h>

#include "sb_model.h"

/* ban_expires_at of a ban without end. */
#define SB_BAN_PERMANENT 0

/* 1 when a ban (is_banned, ban_expires_at in ms) is in force at now (ms). */
int sb_ban_in_force(int is_banned, int64_t ban_expires_at, int64_t now);
/* 1 when u is visible to others at now. */
int sb_user_visible(const sb_user_t *u, int64_t now);

#endif
