/*
 * Jitsi Meet room tokens: an HS256 JWT (cjose) in the shape Jitsi's token authentication
 * reads — aud "jitsi", iss the app id, sub the meeting domain, room the room name,
 * context.user {id, name, avatar}, moderator — valid from nbf to exp, so only the two
 * participants of a session can enter its room, and only around its time.
 */
#ifndef SB_JITSI_H
#define SB_JITSI_H

#include <stdint.h>
#include <apr_pools.h>

typedef struct {
    const char *app_id; /* iss */
    const char *domain; /* sub */
    const char *room;
    const char *user_id;
    const char *name;
    const char *avatar; /* may be "" */
    int moderator;
    int64_t nbf; /* seconds */
    int64_t exp; /* seconds */
} sb_jitsi_claims_t;

/* The signed token in p, or NULL when the secret or a claim is missing or signing fails. */
const char *sb_jitsi_token(apr_pool_t *p, const unsigned char *secret, apr_size_t len,
                           const sb_jitsi_claims_t *c);

#endif
