/*
 * /api/notifications: what the header bell lists (cursor pages newest first, with the unread
 * count), one read mark, all read. Notifications are created by the changes they announce
 * (a new message: sb_messages.c) together with their notification:new outbox event.
 */
#include "sb_routes.h"
#include "sb_messaging.h"

#include <apr_strings.h>

#include "sb_cursor.h"
#include "sb_time.h"

#define SB_NOTIF_PAGE_DEFAULT 20
#define SB_NOTIF_PAGE_MAX     50

/* GET /api/notifications?cursor&limit */
static int h_list(sb_call_t *c)
{
    char after[SB_ID_LEN + 1];
    apr_array_header_t *rows;
    sb_store_error_t e = {0};
    const char *next = NULL;
    int64_t after_at = 0, unread = 0;
    int limit, has_cursor = 0, more = 0, i;
    json_object *arr;

    sb_query_int(c, "limit", 1, SB_NOTIF_PAGE_MAX, SB_NOTIF_PAGE_DEFAULT, &limit);
    sb_query_cursor(c, &after_at, after, &has_cursor);
    if (sb_query_failed(c)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_notifications_list(c->conn, c->pool, c->user->id, after_at,
                                    has_cursor ? after : NULL, limit, &rows, &more, &unread, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Notifications");
    }
    arr = json_object_new_array_ext(rows->nelts);
    for (i = 0; i < rows->nelts; i++) {
        json_object_array_add(
            arr, sb_notification_json(c->pool, &APR_ARRAY_IDX(rows, i, sb_notification_t)));
    }
    if (more && rows->nelts) {
        const sb_notification_t *last = &APR_ARRAY_IDX(rows, rows->nelts - 1, sb_notification_t);
        next = sb_cursor_encode(c->pool, c->settings->cursor_key, c->settings->cursor_key_len,
                                last->created_at, last->id);
    }
    sb_page_cursor(c, limit, rows->nelts, more, next);
    c->extra = json_object_new_object();
    json_object_object_add(c->extra, "unreadCount", json_object_new_int64(unread));
    return sb_call_ok(c, 200, arr);
}

/* PUT /api/notifications/:id/read — the caller's own only (404 otherwise); idempotent. */
static int h_read(sb_call_t *c)
{
    const char *id = sb_param_id(c, 0, "id");
    sb_store_error_t e = {0};
    sb_notification_t *n;

    if (!id || !sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_notification_mark_read(c->conn, c->pool, c->user->id, id, c->now, &n, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Notification");
    }
    return sb_call_ok(c, 200, sb_notification_json(c->pool, n));
}

/* PUT /api/notifications/read-all */
static int h_read_all(sb_call_t *c)
{
    sb_store_error_t e = {0};
    json_object *o;
    int64_t n = 0;

    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_notifications_mark_all_read(c->conn, c->user->id, c->now, &n, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Notifications");
    }
    o = json_object_new_object();
    json_object_object_add(o, "modifiedCount", json_object_new_int64(n));
    json_object_object_add(o, "readAt", json_object_new_string(sb_time_iso(c->pool, c->now)));
    return sb_call_ok(c, 200, o);
}

const sb_route_t sb_notification_routes[] = {
    {"GET", "/api/notifications", h_list, SB_ROUTE_AUTH, NULL},
    {"PUT", "/api/notifications/read-all", h_read_all, SB_ROUTE_AUTH, NULL},
    {"PUT", "/api/notifications/:id/read", h_read, SB_ROUTE_AUTH, NULL},
    {NULL, NULL, NULL, 0, NULL}};
