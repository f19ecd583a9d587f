/*
 * /api/users/:id/block (POST, DELETE) and /api/users/blocked: whom the caller blocks. A
 * blocked user's messages to the caller are refused (403) and they leave the caller's
 * discover results. The fixed path /api/users/blocked is registered before /api/users/:id.
 */
#include "sb_routes.h"
#include "sb_messaging.h"
#include "sb_public.h"

#include <string.h>
#include <apr_strings.h>

static json_object *block_state(const char *id, int blocked)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "userId", json_object_new_string(id));
    json_object_object_add(o, "blocked", json_object_new_boolean(blocked));
    return o;
}

/* The :id of the route: another user's id, or a 400. */
static const char *other_id(sb_call_t *c)
{
    const char *id = sb_param_id(c, 0, "id");

    if (id && !strcmp(id, c->user->id)) {
        sb_field_fail(&c->err, c->pool, "id", "You cannot block yourself");
        c->err.message = "Invalid id.";
        return NULL;
    }
    return id;
}

/* POST /api/users/:id/block — idempotent; 404 for unknown users. */
static int h_block(sb_call_t *c)
{
    const char *id = other_id(c);
    sb_store_error_t e = {0};

    if (!id || !sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_block(c->conn, c->user->id, id, c->now, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    c->message = "User blocked";
    return sb_call_ok(c, 200, block_state(id, 1));
}

/* DELETE /api/users/:id/block — 404 when there was no block. */
static int h_unblock(sb_call_t *c)
{
    const char *id = other_id(c);
    sb_store_error_t e = {0};

    if (!id || !sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_unblock(c->conn, c->user->id, id, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Block");
    }
    c->message = "User unblocked";
    return sb_call_ok(c, 200, block_state(id, 0));
}

/* GET /api/users/blocked — the people the caller blocks, most recent first. */
static int h_blocked(sb_call_t *c)
{
    apr_array_header_t *cards;
    sb_store_error_t e = {0};
    json_object *arr;
    int i;

    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_blocks_list(c->conn, c->pool, c->user->id, &cards, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Blocks");
    }
    arr = json_object_new_array_ext(cards->nelts);
    for (i = 0; i < cards->nelts; i++) {
        json_object_array_add(arr,
                              sb_card_to_json(c->pool, &APR_ARRAY_IDX(cards, i, sb_user_card_t)));
    }
    return sb_call_ok(c, 200, arr);
}

const sb_route_t sb_block_routes[] = {
    {"GET", "/api/users/blocked", h_blocked, SB_ROUTE_AUTH, NULL},
    {"POST", "/api/users/:id/block", h_block, SB_ROUTE_AUTH, NULL},
    {"DELETE", "/api/users/:id/block", h_unblock, SB_ROUTE_AUTH, NULL},
    {NULL, NULL, NULL, 0, NULL}};
