/*
 * SQLite driver: a user's conversation list, kept per process (the page cache of
 * sqlite_page_cache.h) so that a list asked again - the inbox and its header badge are
 * re-read far more often than they change - costs a hash look-up and a check per row
 * instead of the summaries' count, two seeks per row and the partners' cards.
 *
 * What a page shows and what tells it has changed:
 * - the summaries, their counters and the last messages: every change of a conversations row
 *   (user_id) or of a messages row (both people) bumps the 'c' bucket of the user
 *   (sqlite_conn.c), after its COMMIT, in whatever process. A partner banned, unbanned,
 *   deactivated or back is such a change too: sql/010's trigger rewrites the partner_hidden
 *   flag of every summary that shows them. An entry follows its user's 'c' bucket.
 * - the partners' cards (name, picture, rating, last seen...): each partner's 'u' bucket,
 *   read before that card is taken from the store's cards cache and kept with the entry as
 *   its card_gens, which the page cache compares at every look-up. Read before the card, so
 *   a change committed after it makes the page stale at once, never the other way round.
 * - time alone: a hidden partner whose timed ban ends shows again without a write, so the
 *   entry is kept only until the earliest such end (valid_until).
 * Outside that (a transaction open on the connection, no shared generation table) the page
 * is read as before, in one statement.
 */
#include "sqlite_int.h"
#include "sqlite_page_cache.h"

#include <string.h>
#include <apr_strings.h>

/* A page of summaries with visible partners, newest first (?1 user, ?2 now, ?3 limit,
 * ?4 offset), each with its last message. */
#define CONV_PAGE_FROM                                                                             \
    " FROM conversations cv JOIN users u ON u.id = cv.partner_id"                                  \
    " JOIN messages m ON m.id = cv.last_message_id"                                                \
    " WHERE cv.user_id = ?1 AND " SB_SQLITE_VISIBLE(                                               \
        "u", "?2") " ORDER BY cv.last_at DESC, cv.partner_id DESC LIMIT ?3 OFFSET ?4"
/* The partner as the card text the store keeps ready (card_head, sql/012). */
#define CONV_PARTNER_NCOLS 6
static const char SQL_CONVERSATIONS[] =
    "SELECT " SB_SQLITE_HEAD_COLS ", " SB_SQLITE_MSG_COLS_OF("m.") ", cv.unread" CONV_PAGE_FROM;
/* The same rows with only the partner's id (the card comes from the cards cache). */
static const char SQL_CONVERSATION_ROWS[] =
    "SELECT cv.partner_id, " SB_SQLITE_MSG_COLS_OF("m.") ", cv.unread" CONV_PAGE_FROM;
/* The user's counters (sql/010: listed conversations, their unread total) plus the few
 * conversations whose partner is flagged hidden but visible again (a ban that expired). */
static const char SQL_CONVERSATIONS_COUNT[] =
    "SELECT coalesce((SELECT conversations FROM conversation_stats WHERE user_id = ?1), 0)"
    " + count(*), coalesce((SELECT unread FROM conversation_stats WHERE user_id = ?1), 0)"
    " + coalesce(sum(cv.unread), 0)"
    " FROM conversations cv INDEXED BY conversations_hidden JOIN users h ON h.id = cv.partner_id"
    " WHERE cv.user_id = ?1 AND cv.partner_hidden = 1 AND cv.last_message_id IS NOT NULL"
    " AND " SB_SQLITE_VISIBLE("h", "?2");
/* When the list changes by time alone: the earliest end of a hidden partner's timed ban. */
static const char SQL_CONVERSATIONS_NEXT_SHOWN[] =
    "SELECT min(h.ban_expires_at)"
    " FROM conversations cv INDEXED BY conversations_hidden JOIN users h ON h.id = cv.partner_id"
    " WHERE cv.user_id = ?1 AND cv.partner_hidden = 1 AND cv.last_message_id IS NOT NULL"
    " AND h.is_active = 1 AND h.is_banned = 1 AND h.ban_expires_at > ?2";

/* A row as the cache keeps it beside the partner's card (sb_page_t.extra): no pointers; the
 * message's texts at offsets into the text after the rows. */
typedef struct {
    int64_t unread;
    sb_message_t last; /* content, message_type and session NULL */
    uint32_t content_off, type_off;
} conv_row_t;

/* The counters, inside the read transaction. */
static sb_store_status_t read_counts(sb_sqlite_conn_t *sc, const char *user_id, int64_t now,
                                     int64_t *total, int64_t *unread, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_CONVERSATIONS_COUNT, err);
    int rc;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int64(q, 2, now);
    if ((rc = sb_sqlite_step(sc, q, err, "conversations count")) < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        *total = sqlite3_column_int64(q, 0);
        *unread = sqlite3_column_int64(q, 1);
    }
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

/* When the page changes by time alone (valid_until: INT64_MAX when never), inside the read. */
static sb_store_status_t read_next_shown(sb_sqlite_conn_t *sc, const char *user_id, int64_t now,
                                         int64_t *valid_until, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_CONVERSATIONS_NEXT_SHOWN, err);
    int rc;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int64(q, 2, now);
    if ((rc = sb_sqlite_step(sc, q, err, "conversations next shown")) < 0) {
        return err->status;
    }
    *valid_until = rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL
                       ? sqlite3_column_int64(q, 0)
                       : INT64_MAX;
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

/* The counters and the page in one read transaction: with the partners' cards
 * (valid_until NULL), or with only their ids and the instant the page changes by time. */
static sb_store_status_t page_read(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *user_id,
                                   int64_t now, int offset, int limit, apr_array_header_t *out,
                                   int64_t *total, int64_t *unread, int64_t *valid_until,
                                   sb_store_error_t *err)
{
    apr_array_header_t *cards = apr_array_make(p, 1, sizeof(sb_user_card_t));
    int c0 = valid_until ? 1 : CONV_PARTNER_NCOLS;
    sb_store_status_t s;
    sqlite3_stmt *q;
    int rc;

    if ((s = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return s;
    }
    if ((s = read_counts(sc, user_id, now, total, unread, err)) != SB_STORE_OK
        || (valid_until
            && (s = read_next_shown(sc, user_id, now, valid_until, err)) != SB_STORE_OK)) {
        return sb_sqlite_end(sc, s, err);
    }
    if (!(q = sb_sqlite_prepare(sc, valid_until ? SQL_CONVERSATION_ROWS : SQL_CONVERSATIONS,
                                err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int(q, 3, limit);
    sqlite3_bind_int(q, 4, offset);
    while ((rc = sb_sqlite_step(sc, q, err, "conversations")) == SQLITE_ROW) {
        sb_conversation_t *cv = apr_array_push(out);
        if (valid_until) {
            memset(&cv->partner, 0, sizeof cv->partner);
            sb_sqlite_col_id(q, 0, cv->partner.id);
        }
        else {
            cards->nelts = 0;
            sb_sqlite_row_card_head(p, q, cards);
            cv->partner = APR_ARRAY_IDX(cards, 0, sb_user_card_t);
        }
        sb_sqlite_row_message(p, q, c0, &cv->last);
        cv->unread = sqlite3_column_int64(q, c0 + SB_SQLITE_MSG_NCOLS);
    }
    if (rc < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_done(q);
    return sb_sqlite_end(sc, SB_STORE_OK, err);
}

/* The rows of out (their cards set) and their partners' generations as the cache keeps them:
 * pg's cards are out's partners, pg->extra the rows and their texts. */
static void page_of(apr_pool_t *p, const apr_array_header_t *out, const uint64_t *gens,
                    int64_t total, int64_t unread, int64_t valid_until, sb_page_t *pg)
{
    const sb_conversation_t *cv = (const sb_conversation_t *)out->elts;
    size_t text = 0, at;
    conv_row_t *rows;
    char *t;
    int i;

    for (i = 0; i < out->nelts; i++) {
        text += strlen(cv[i].last.content) + strlen(cv[i].last.message_type) + 2;
    }
    rows = apr_pcalloc(p, sizeof(conv_row_t) * (size_t)out->nelts + text);
    t = (char *)(rows + out->nelts);
    pg->cards = apr_palloc(p, sizeof(sb_user_card_t) * (size_t)(out->nelts ? out->nelts : 1));
    for (i = 0, at = 0; i < out->nelts; i++) {
        size_t lc = strlen(cv[i].last.content) + 1, lt = strlen(cv[i].last.message_type) + 1;
        pg->cards[i] = cv[i].partner;
        rows[i].unread = cv[i].unread;
        rows[i].last = cv[i].last;
        rows[i].last.content = rows[i].last.message_type = NULL;
        rows[i].last.session = NULL;
        rows[i].content_off = (uint32_t)at;
        memcpy(t + at, cv[i].last.content, lc);
        at += lc;
        rows[i].type_off = (uint32_t)at;
        memcpy(t + at, cv[i].last.message_type, lt);
        at += lt;
    }
    pg->shown_from = NULL;
    pg->card_gens = gens;
    pg->n = out->nelts;
    pg->aux[0] = total;
    pg->aux[1] = unread;
    pg->valid_until = valid_until;
    pg->extra = rows;
    pg->extra_len = sizeof(conv_row_t) * (size_t)out->nelts + text;
}

/* The list from a cached page; the texts stay the cache's, lent to the hit's pool. */
static void list_from(const sb_page_t *pg, apr_array_header_t *out)
{
    const conv_row_t *rows = pg->extra;
    const char *text = (const char *)(rows + pg->n);
    int i;

    for (i = 0; i < pg->n; i++) {
        sb_conversation_t *cv = apr_array_push(out);
        cv->partner = pg->cards[i];
        cv->last = rows[i].last;
        cv->last.content = text + rows[i].content_off;
        cv->last.message_type = text + rows[i].type_off;
        cv->unread = rows[i].unread;
    }
}

/* The page through the cache: a hit, else the rows read, each partner's card from the cards
 * cache (its generation read first), and the page kept. */
static sb_store_status_t list_cached(sb_sqlite_conn_t *sc, sb_sqlite_store_t *ss, apr_pool_t *p,
                                     const char *user_id, int64_t now, int offset, int limit,
                                     apr_array_header_t *out, int64_t *total, int64_t *unread,
                                     sb_store_error_t *err)
{
    const char *key = apr_psprintf(p, "v\x1f%s\x1f%d\x1f%d", user_id, offset, limit);
    sb_page_stamp_t stamp;
    sb_page_t pg;
    sb_store_status_t s;
    int64_t valid_until = INT64_MAX;
    uint64_t *gens;
    int i;

    if (sb_page_cache_get(ss->conv_lists, sc->turn, p, key, now, &pg)) {
        list_from(&pg, out);
        *total = pg.aux[0];
        *unread = pg.aux[1];
        return SB_STORE_OK;
    }
    sb_page_stamp(sc->turn, sb_sqlite_gen_bucket('c', user_id, strlen(user_id)), &stamp);
    s = page_read(sc, p, user_id, now, offset, limit, out, total, unread, &valid_until, err);
    if (s != SB_STORE_OK) {
        return s;
    }
    gens = apr_palloc(p, sizeof *gens * (size_t)(out->nelts ? out->nelts : 1));
    for (i = 0; i < out->nelts; i++) {
        sb_conversation_t *cv = &APR_ARRAY_IDX(out, i, sb_conversation_t);
        sb_page_t card;
        gens[i] = sb_page_card_gen(sc->turn, cv->partner.id);
        if ((s = sb_sqlite_card_cached(sc, ss, p, cv->partner.id, &card, err)) != SB_STORE_OK) {
            return s;
        }
        if (card.n != 1) { /* gone since the rows were read: the page as one read, not kept */
            out->nelts = 0;
            return page_read(sc, p, user_id, now, offset, limit, out, total, unread, NULL, err);
        }
        cv->partner = card.cards[0];
    }
    page_of(p, out, gens, *total, *unread, valid_until, &pg);
    sb_page_cache_put(ss->conv_lists, sc->turn, key, &stamp, &pg);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_conversations_list(sb_store_conn_t *c, apr_pool_t *p,
                                               const char *user_id, int64_t now, int offset,
                                               int limit, apr_array_header_t **out, int64_t *total,
                                               int64_t *unread, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_sqlite_store_t *ss = c->store->priv;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_conversation_t));
    *total = *unread = 0;
    if (ss->conv_lists && ss->cards && sb_page_cache_usable(sc)) {
        return list_cached(sc, ss, p, user_id, now, offset, limit, *out, total, unread, err);
    }
    return page_read(sc, p, user_id, now, offset, limit, *out, total, unread, NULL, err);
}
