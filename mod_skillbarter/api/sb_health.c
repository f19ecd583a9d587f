/* GET /api/health: version, store driver and whether the store answers (503 when not). */
#include "sb_routes.h"

static int h_health(sb_call_t *c)
{
    sb_store_error_t e = {0};
    json_object *data = json_object_new_object(), *store = json_object_new_object(), *rt;
    int up;

    /* when acquiring fails, sb_call_store has logged why */
    up = sb_call_store(c) && sb_store_ping(c->conn, &e) == SB_STORE_OK;
    if (!up && c->conn) {
        sb_call_log(c, SB_LOG_ERR, "store ping failed: %s", e.message);
    }
    c->err.status = 0; /* health answers with its own body either way */
    json_object_object_add(store, "driver",
                           json_object_new_string(c->settings->store
                                                      ? sb_store_driver_name(c->settings->store)
                                                      : "none"));
    json_object_object_add(store, "reachable", json_object_new_boolean(up));
    json_object_object_add(data, "status", json_object_new_string(up ? "ok" : "degraded"));
    json_object_object_add(data, "version", json_object_new_string(c->settings->version));
    json_object_object_add(data, "store", store);
    /* where the SPA opens its Socket.IO connection: this origin, or the daemon's own URL */
    rt = json_object_new_object();
    json_object_object_add(
        rt, "url",
        c->settings->realtime_url ? json_object_new_string(c->settings->realtime_url) : NULL);
    json_object_object_add(rt, "path", json_object_new_string("/socket.io/"));
    json_object_object_add(data, "realtime", rt);
    if (!up) {
        c->message = "Store is unreachable.";
    }
    return sb_call_ok(c, up ? 200 : 503, data);
}

const sb_route_t sb_health_routes[] = {{"GET", "/api/health", h_health, 0, NULL},
                                       {NULL, NULL, NULL, 0, NULL}};
