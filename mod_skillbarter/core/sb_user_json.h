/* The wire form of a user (spec's User model in JSON), in the views the API needs. */
#ifndef SB_USER_JSON_H
#define SB_USER_JSON_H

#include <json.h>
#include <apr_pools.h>

#include "sb_model.h"

typedef enum {
    SB_VIEW_SELF,  /* the user themself: everything but the password hash */
    SB_VIEW_PUBLIC /* anyone: no email, balance, ban details or tokens */
} sb_user_view_t;

/* A new json object (caller owns it, or hands it to a parent). */
json_object *sb_user_to_json(apr_pool_t *p, const sb_user_t *u, sb_user_view_t view);
/* Credits in minutes → hours as a JSON number with at most two decimals. */
json_object *sb_credits_to_json(int64_t minutes);

#endif
