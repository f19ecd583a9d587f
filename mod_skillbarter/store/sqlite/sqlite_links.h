/*
 * SQLite driver: the one-time link step shared by the token and mail operations (a link
 * that is mailed again reuses the live one).
 */
#ifndef SQLITE_LINKS_H
#define SQLITE_LINKS_H

#include "sqlite_int.h"

sb_store_status_t sb_sqlite_link_live_or_issue(sb_sqlite_conn_t *sc, apr_pool_t *p,
                                               const char *token_hash, const char *nonce,
                                               const char *user_id, const char *purpose,
                                               int64_t expires_at, int64_t now, const char **live,
                                               sb_store_error_t *err);

#endif
