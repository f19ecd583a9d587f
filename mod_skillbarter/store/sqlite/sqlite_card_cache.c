/*
 * SQLite driver: the store's cards cache (sqlite_page_cache.h, sb_sqlite_card_cached): one
 * user's card as search pages and conversation lists show it, kept per process under the
 * user's own generation bucket, with the instant from which search may show it.
 */
#include "sqlite_page_cache.h"

#include <string.h>
#include <apr_strings.h>

/* A card as the cards cache keeps it: the card's columns, then what its visibility rests
 * on. */
static const char SQL_CARD_CACHED[] =
    "SELECT " SB_SQLITE_HEAD_COLS
    ", u.is_active, u.is_banned, u.ban_expires_at, u.skills_offered <> '[]'"
    " FROM users u WHERE u.id = ?1";

sb_store_status_t sb_sqlite_card_cached(sb_sqlite_conn_t *sc, sb_sqlite_store_t *ss, apr_pool_t *p,
                                        const char *id, sb_page_t *pg, sb_store_error_t *err)
{
    const char *key = apr_pstrcat(p, "c\x1f", id, NULL);
    apr_array_header_t *cards;
    sb_page_stamp_t stamp;
    sqlite3_stmt *st;
    int64_t *from;
    int rc;

    if (sb_page_cache_get(ss->cards, sc->turn, p, key, 0, pg)) {
        return SB_STORE_OK;
    }
    sb_page_stamp(sc->turn, sb_sqlite_gen_bucket('u', id, strlen(id)), &stamp);
    if (!(st = sb_sqlite_prepare(sc, SQL_CARD_CACHED, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, id);
    cards = apr_array_make(p, 1, sizeof(sb_user_card_t));
    from = apr_palloc(p, sizeof *from);
    if ((rc = sb_sqlite_step(sc, st, err, "search card")) < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        int active = sqlite3_column_int(st, 6), banned = sqlite3_column_int(st, 7);
        int64_t ban_end = sqlite3_column_int64(st, 8);
        sb_sqlite_row_card_head(p, st, cards);
        *from = !active || !sqlite3_column_int(st, 9) ? INT64_MAX
                : !banned                             ? 0
                : ban_end > 0                         ? ban_end
                                                      : INT64_MAX;
    }
    sb_sqlite_done(st);
    *pg = (sb_page_t){
        (sb_user_card_t *)cards->elts, from, cards->nelts, {0, 0}, INT64_MAX, NULL, NULL, 0};
    sb_page_cache_put(ss->cards, sc->turn, key, &stamp, pg);
    return SB_STORE_OK;
}
