/*
 * mod_skillbarter: a peer-to-peer skill exchange API inside Apache httpd.
 * This file is only wiring: the module record, its hooks, and fan-out to the parts.
 */
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_general.h>

#include "sb_config.h"
#include "sb_handler.h"
#include "sb_http.h"
#include "sb_log.h"
#include "sb_ratelimit_httpd.h"
#include "sb_router.h"

static int sb_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int rc = sb_config_post_config(pconf, plog, ptemp, s);

    if (rc == OK) {
        rc = sb_ratelimit_post_config(pconf, plog, ptemp, s);
    }
    return rc != OK ? rc : sb_config_write_settings(pconf, ptemp, s);
}

static int sb_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int rc = sb_router_check_config(pconf, plog, ptemp, s);
    return rc != OK ? rc : sb_ratelimit_check_config(pconf, plog, ptemp, s);
}

static void sb_child_init(apr_pool_t *pchild, server_rec *s)
{
    sb_http_child_init();
    sb_config_child_init(pchild, s);
}

static void sb_register_hooks(apr_pool_t *p)
{
    static const char *const after_unique_id[] = {"mod_unique_id.c", NULL};

    ap_hook_pre_config(sb_ratelimit_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(sb_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(sb_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(sb_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(sb_http_assign_request_id, after_unique_id, NULL, APR_HOOK_LAST);
    ap_hook_map_to_storage(sb_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(sb_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

/* AP_DECLARE_MODULE spelled out: sb_log.h has already said APLOG_USE_MODULE(skillbarter). */
module AP_MODULE_DECLARE_DATA skillbarter_module = {
    STANDARD20_MODULE_STUFF,
    NULL, /* per-directory config: the module is configured per server */
    NULL,
    sb_create_server_conf,
    sb_merge_server_conf,
    sb_cmds,
    sb_register_hooks,
    AP_MODULE_FLAG_NONE};
