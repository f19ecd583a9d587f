/*
 * SQLite driver: mutual matches. sql/013 keeps, for every counted user, one match_pairs row
 * per (skill they offer, skill they want) with their last_seen. A viewer who wants W and
 * offers O matches exactly the users in the pair lists W x O; each list is read newest first
 * off the primary key in small chunks and the lists are merged in C, so a user arrives once,
 * with all of their pairs together: the distinct offered names among them are they_offer,
 * the distinct wanted names they_want. The merge stops after SB_STORE_MATCHES_WINDOW visible
 * candidates (store_discovery.h), which are then ranked; the page's cards are read by id with
 * visibility checked again, as the text the store keeps ready (card_head, sql/012). The cost
 * follows the window and the viewer's own skills, not the number of users — but up to the
 * window, the more people match, the more rows are read (about ten times as many at 100,000
 * users as at 10,000 for the benchmark's viewer). So an answer is kept per process with the
 * generation counters of everything it depends on (sqlite_match_cache.h) and handed out again,
 * without SQL, until one of them moves: exact for every write made through the driver.
 */
#include "sqlite_match_cache.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#define MATCH_CHUNK      64 /* at most this many rows read from one pair list at a time */
#define MATCH_MAX_SKILLS 64 /* distinct names per kind the viewer can have (the API keeps 20) */

static const char SQL_MINE[] = "SELECT kind, skill_lower FROM user_skills WHERE user_id = ?1";
static const char SQL_PAIRS_FIRST[] =
    "SELECT last_seen, user_id FROM match_pairs WHERE offer_lower = ?1 AND want_lower = ?2"
    " ORDER BY last_seen DESC, user_id DESC LIMIT ?3";
static const char SQL_PAIRS_AFTER[] =
    "SELECT last_seen, user_id FROM match_pairs WHERE offer_lower = ?1 AND want_lower = ?2"
    " AND (last_seen, user_id) < (?4, ?5) ORDER BY last_seen DESC, user_id DESC LIMIT ?3";
/* Counted users are in match_pairs; those hidden from this viewer now: whom they blocked (0),
 * and whoever's timed ban is still in force, with its end (users_timed_ban, sql/007). */
static const char SQL_HIDDEN[] =
    "SELECT blocked_id, 0 FROM user_blocks WHERE blocker_id = ?1 UNION ALL"
    " SELECT id, ban_expires_at FROM users WHERE is_banned = 1 AND ban_expires_at > 0"
    " AND ban_expires_at > ?2";
/* The cards of the ids in the JSON array ?1, visibility checked again (json_each walks the
 * array: no temporary index of the ids). */
static const char SQL_MATCH_CARDS[] =
    "SELECT " SB_SQLITE_HEAD_COLS " FROM json_each(?1) j CROSS JOIN users u ON u.id = j.value"
    " WHERE " SB_SQLITE_VISIBLE("+u", "?2") " AND u.skills_offered <> '[]'";

typedef char match_id_t[SB_ID_LEN + 1];
typedef char match_key_t[SB_ID_LEN]; /* an id without its NUL, compared by memcmp */

/* A user hidden from the viewer: key first (compared as a match_key_t), until when (0: a
 * block, not a matter of time). */
typedef struct {
    match_key_t key;
    int64_t until;
} hidden_t;

typedef struct {
    int64_t last_seen;
    match_id_t id;
} pair_row_t;

/* One pair list (want[x] offered by them, offer[y] wanted by them) being merged. */
typedef struct {
    int x, y;
    int n, pos, done, chunk;
    pair_row_t *rows; /* chunk of them */
} pair_list_t;

typedef struct {
    int64_t last_seen;
    match_id_t id;
    int they_offer, they_want;
} match_cand_t;

typedef struct {
    sb_sqlite_conn_t *sc;
    const char *want[MATCH_MAX_SKILLS], *offer[MATCH_MAX_SKILLS];
    int nwant, noffer;
    hidden_t *hidden;
    int nhidden;
    apr_array_header_t *deps; /* uint32_t buckets the answer depends on (the match cache) */
    int64_t until;            /* the first timed ban among the passed over ends then */
} match_ctx_t;

static int key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, SB_ID_LEN);
}

/* The id in column col of st's row into out: "" unless it has the length of an id (one copy,
 * not a scan: a window of pair rows reads hundreds of them). */
static void col_id(sqlite3_stmt *st, int col, char *out)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    out[0] = '\0';
    if (t && sqlite3_column_bytes(st, col) == SB_ID_LEN) {
        memcpy(out, t, SB_ID_LEN);
        out[SB_ID_LEN] = '\0';
    }
}

/* Whether name is among n[0..count). */
static int has_name(const char *const *n, int count, const char *name)
{
    int i;

    for (i = 0; i < count && strcmp(n[i], name); i++) {
    }
    return i < count;
}

/* The viewer's distinct wanted and offered names. */
static sb_store_status_t load_mine(match_ctx_t *m, apr_pool_t *p, const char *viewer_id,
                                   sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(m->sc, SQL_MINE, err);
    int rc;

    if (!st) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, viewer_id);
    while ((rc = sb_sqlite_step(m->sc, st, err, "match skills")) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        const char *name = sb_sqlite_col_text(p, st, 1);
        if (!kind || !name) {
            continue;
        }
        if (!strcmp(kind, "wanted") && m->nwant < MATCH_MAX_SKILLS
            && !has_name(m->want, m->nwant, name)) {
            m->want[m->nwant++] = name;
        }
        else if (!strcmp(kind, "offered") && m->noffer < MATCH_MAX_SKILLS
                 && !has_name(m->offer, m->noffer, name)) {
            m->offer[m->noffer++] = name;
        }
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

/* The viewer, whom they blocked and the users under a timed ban now, sorted. */
static sb_store_status_t load_hidden(match_ctx_t *m, apr_pool_t *p, const char *viewer_id,
                                     int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(m->sc, SQL_HIDDEN, err);
    apr_array_header_t *a = apr_array_make(p, 8, sizeof(hidden_t));
    hidden_t *h;
    int rc;

    if (!st) {
        return err->status;
    }
    h = apr_array_push(a);
    memcpy(h->key, viewer_id, SB_ID_LEN);
    h->until = 0;
    sb_sqlite_bind_text(st, 1, viewer_id);
    sqlite3_bind_int64(st, 2, now);
    while ((rc = sb_sqlite_step(m->sc, st, err, "match hidden")) == SQLITE_ROW) {
        match_id_t id;
        col_id(st, 0, id);
        if (id[0]) {
            h = apr_array_push(a);
            memcpy(h->key, id, SB_ID_LEN);
            h->until = sqlite3_column_int64(st, 1);
        }
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    qsort(a->elts, a->nelts, sizeof(hidden_t), key_cmp);
    m->hidden = (hidden_t *)a->elts;
    m->nhidden = a->nelts;
    return SB_STORE_OK;
}

/* The next chunk of list l, after its last row (l->done once the list has no more). */
static sb_store_status_t fill(match_ctx_t *m, pair_list_t *l, sb_store_error_t *err)
{
    int after = l->n > 0, rc;
    sqlite3_stmt *st = sb_sqlite_prepare(m->sc, after ? SQL_PAIRS_AFTER : SQL_PAIRS_FIRST, err);
    pair_row_t last;

    if (!st) {
        return err->status;
    }
    if (after) {
        last = l->rows[l->n - 1];
        sqlite3_bind_int64(st, 4, last.last_seen);
        sb_sqlite_bind_text(st, 5, last.id);
    }
    sb_sqlite_bind_text(st, 1, m->want[l->x]);
    sb_sqlite_bind_text(st, 2, m->offer[l->y]);
    sqlite3_bind_int(st, 3, l->chunk);
    l->n = l->pos = 0;
    while ((rc = sb_sqlite_step(m->sc, st, err, "match pairs")) == SQLITE_ROW) {
        pair_row_t *r = &l->rows[l->n++];
        r->last_seen = sqlite3_column_int64(st, 0);
        col_id(st, 1, r->id);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    l->done = l->n < l->chunk;
    return SB_STORE_OK;
}

/* -1, 0, 1 as row a comes before, with, after row b in the lists' order (newest first). */
static int row_cmp(const pair_row_t *a, const pair_row_t *b)
{
    if (a->last_seen != b->last_seen) {
        return a->last_seen > b->last_seen ? -1 : 1;
    }
    return -strcmp(a->id, b->id);
}

/* The rank of a candidate before recency: both counts together, then the smaller one
 * (at most MATCH_MAX_SKILLS, so below 256). */
static int rank_key(const match_cand_t *c)
{
    int lo = c->they_offer < c->they_want ? c->they_offer : c->they_want;

    return (c->they_offer + c->they_want) * 256 + lo;
}

/* The ranking: rank_key, then newest first (for qsort). */
static int cand_cmp(const void *pa, const void *pb)
{
    const match_cand_t *a = pa, *b = pb;
    int ka = rank_key(a), kb = rank_key(b);

    if (ka != kb) {
        return ka > kb ? -1 : 1;
    }
    if (a->last_seen != b->last_seen) {
        return a->last_seen > b->last_seen ? -1 : 1;
    }
    return -strcmp(a->id, b->id);
}

/* The first n of the ranking of cands (newest first): a stable insertion into the best n,
 * so equal keys keep their recency order. Most candidates are passed over at one compare. */
static apr_array_header_t *best_of(apr_pool_t *p, const apr_array_header_t *cands, int n)
{
    apr_array_header_t *top = apr_array_make(p, n > 0 ? n : 1, sizeof(match_cand_t));
    int i, j, k;

    for (i = 0; i < cands->nelts && n > 0; i++) {
        const match_cand_t *c = &APR_ARRAY_IDX(cands, i, match_cand_t);
        match_cand_t *t = (match_cand_t *)top->elts;
        k = rank_key(c);
        if (top->nelts == n && k <= rank_key(&t[n - 1])) {
            continue;
        }
        if (top->nelts < n) {
            apr_array_push(top);
            t = (match_cand_t *)top->elts;
        }
        for (j = top->nelts - 1; j > 0 && rank_key(&t[j - 1]) < k; j--) {
            t[j] = t[j - 1];
        }
        t[j] = *c;
    }
    return top;
}

/* The head row of list i. */
#define HEAD(lists, i) (&(lists)[i].rows[(lists)[i].pos])

/* Restore the heap of list indices h[0..n) (newest head on top) below position i. */
static void sift_down(const pair_list_t *lists, int *h, int n, int i)
{
    for (;;) {
        int c = 2 * i + 1, t;
        if (c >= n) {
            return;
        }
        if (c + 1 < n && row_cmp(HEAD(lists, h[c + 1]), HEAD(lists, h[c])) < 0) {
            c++;
        }
        if (row_cmp(HEAD(lists, h[c]), HEAD(lists, h[i])) >= 0) {
            return;
        }
        t = h[i];
        h[i] = h[c];
        h[c] = t;
        i = c;
    }
}

/*
 * Merge the pair lists newest first into up to SB_STORE_MATCHES_WINDOW visible candidates: a
 * heap of the lists by their head row; a user's rows (one per pair of theirs the viewer has)
 * come off it together.
 */
static sb_store_status_t merge(match_ctx_t *m, apr_pool_t *p, apr_array_header_t *cands,
                               sb_store_error_t *err)
{
    int nl = m->nwant * m->noffer, chunk, hn = 0, i;
    pair_list_t *lists = apr_palloc(p, sizeof(pair_list_t) * (nl > 0 ? nl : 1));
    int *heap = apr_palloc(p, sizeof(int) * (nl > 0 ? nl : 1));
    char xs[MATCH_MAX_SKILLS], ys[MATCH_MAX_SKILLS];
    sb_store_status_t s;

    /* twice a window's rows over all lists: few lists are mostly read in one go each */
    chunk = nl > 0 ? 2 * SB_STORE_MATCHES_WINDOW / nl : MATCH_CHUNK;
    chunk = chunk < 4 ? 4 : chunk > MATCH_CHUNK ? MATCH_CHUNK : chunk;
    for (i = 0; i < nl; i++) {
        lists[i].x = i / m->noffer;
        lists[i].y = i % m->noffer;
        lists[i].n = 0;
        lists[i].chunk = chunk;
        lists[i].rows = apr_palloc(p, sizeof(pair_row_t) * chunk);
        if ((s = fill(m, &lists[i], err)) != SB_STORE_OK) {
            return s;
        }
        if (lists[i].n > 0) {
            heap[hn++] = i;
        }
    }
    for (i = hn / 2 - 1; i >= 0; i--) {
        sift_down(lists, heap, hn, i);
    }
    while (hn > 0 && cands->nelts < SB_STORE_MATCHES_WINDOW) {
        pair_row_t head = *HEAD(lists, heap[0]);
        const hidden_t *h;
        match_cand_t *c;
        int a = 0, b = 0;

        memset(xs, 0, sizeof xs);
        memset(ys, 0, sizeof ys);
        while (hn > 0 && !row_cmp(HEAD(lists, heap[0]), &head)) {
            pair_list_t *l = &lists[heap[0]];
            a += !xs[l->x];
            b += !ys[l->y];
            xs[l->x] = ys[l->y] = 1;
            if (++l->pos == l->n && !l->done && (s = fill(m, l, err)) != SB_STORE_OK) {
                return s;
            }
            if (l->pos == l->n) {
                heap[0] = heap[--hn];
            }
            sift_down(lists, heap, hn, 0);
        }
        if (!head.id[0]) {
            continue;
        }
        if ((h = bsearch(head.id, m->hidden, m->nhidden, sizeof(hidden_t), key_cmp)) != NULL) {
            if (h->until > 0 && h->until < m->until) {
                m->until = h->until; /* shown once the ban runs out */
            }
            continue;
        }
        c = apr_array_push(cands);
        c->last_seen = head.last_seen;
        memcpy(c->id, head.id, sizeof c->id);
        c->they_offer = a;
        c->they_want = b;
    }
    return SB_STORE_OK;
}

/* Cards of the best candidates in rank order, up to limit, visibility checked again (a
 * candidate whose card is gone is passed over: the next ones are read). */
static sb_store_status_t page_cards(match_ctx_t *m, apr_pool_t *p, int64_t now,
                                    const apr_array_header_t *cands, int limit,
                                    apr_array_header_t **out, sb_store_error_t *err)
{
    const match_cand_t *c = (const match_cand_t *)cands->elts;
    apr_array_header_t *rows = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_user_card_t));
    int from = 0, k, i, j, rc;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_user_card_t));
    while ((*out)->nelts < limit && from < cands->nelts) {
        char *ids, *o;
        sqlite3_stmt *st;

        k = limit - (*out)->nelts;
        k = k < cands->nelts - from ? k : cands->nelts - from;
        o = ids = apr_palloc(p, (size_t)k * (SB_ID_LEN + 3) + 3);
        *o++ = '[';
        for (i = 0; i < k; i++) {
            /* a card read: its text, rating, visibility are the answer's */
            APR_ARRAY_PUSH(m->deps, uint32_t) = sb_mcache_user_bucket(c[from + i].id);
            *o++ = i ? ',' : '"';
            if (i) {
                *o++ = '"';
            }
            memcpy(o, c[from + i].id, SB_ID_LEN);
            o += SB_ID_LEN;
            *o++ = '"';
        }
        *o++ = ']';
        *o = '\0';
        if (!(st = sb_sqlite_prepare(m->sc, SQL_MATCH_CARDS, err))) {
            return err->status;
        }
        sb_sqlite_bind_text(st, 1, ids);
        sqlite3_bind_int64(st, 2, now);
        rows->nelts = 0;
        while ((rc = sb_sqlite_step(m->sc, st, err, "match cards")) == SQLITE_ROW) {
            sb_sqlite_row_card_head(p, st, rows);
        }
        if (rc < 0) {
            return err->status;
        }
        sb_sqlite_done(st);
        /* in rank order; a card no longer there is passed over */
        for (i = from; i < from + k; i++) {
            for (j = 0; j < rows->nelts; j++) {
                sb_user_card_t *u = &APR_ARRAY_IDX(rows, j, sb_user_card_t);
                if (!strcmp(u->id, c[i].id)) {
                    u->they_offer = c[i].they_offer;
                    u->they_want = c[i].they_want;
                    *(sb_user_card_t *)apr_array_push(*out) = *u;
                    break;
                }
            }
        }
        from += k;
    }
    return SB_STORE_OK;
}

/* The answer in the snapshot begun by the caller: the first limit of the ranking (the
 * viewer's names and what the answer depends on left in m). */
static sb_store_status_t compute(match_ctx_t *m, apr_pool_t *p, const char *viewer_id, int64_t now,
                                 int limit, apr_array_header_t **out, sb_store_error_t *err)
{
    apr_array_header_t *cands = apr_array_make(p, 64, sizeof(match_cand_t)), *top;
    sb_store_status_t s;
    int i;

    if ((s = load_mine(m, p, viewer_id, err)) != SB_STORE_OK || !m->nwant || !m->noffer) {
        return s;
    }
    for (i = 0; i < m->nwant; i++) {
        APR_ARRAY_PUSH(m->deps, uint32_t) = sb_mcache_offer_bucket(m->want[i]);
    }
    if ((s = load_hidden(m, p, viewer_id, now, err)) != SB_STORE_OK
        || (s = merge(m, p, cands, err)) != SB_STORE_OK) {
        return s;
    }
    top = best_of(p, cands, limit);
    s = page_cards(m, p, now, top, limit, out, err);
    if (s == SB_STORE_OK && (*out)->nelts < top->nelts && cands->nelts > top->nelts) {
        /* a card was gone (no offered skill left in its list): rank them all */
        qsort(cands->elts, cands->nelts, sizeof(match_cand_t), cand_cmp);
        s = page_cards(m, p, now, cands, limit, out, err);
    }
    return s;
}

sb_store_status_t sb_sqlite_discover_matches(sb_store_conn_t *c, apr_pool_t *p,
                                             const char *viewer_id, int64_t now, int limit,
                                             apr_array_header_t **out, sb_store_error_t *err)
{
    match_ctx_t m;
    sb_mcache_stamp_t stamp;
    sb_mcache_answer_t a;
    int cached, fill_limit;
    sb_store_status_t s;

    memset(&m, 0, sizeof m);
    m.sc = SB_SQLITE(c);
    viewer_id = viewer_id ? viewer_id : "";
    *out = apr_array_make(p, 1, sizeof(sb_user_card_t));
    if (strlen(viewer_id) != SB_ID_LEN) {
        return SB_STORE_OK;
    }
    /* the counters are read before the snapshot begins (sqlite_match_cache.h) */
    cached = sb_mcache_usable(m.sc);
    if (cached && sb_mcache_get(m.sc->turn, p, viewer_id, now, limit, out, &stamp)) {
        return SB_STORE_OK;
    }
    /* as many cards as the kept answer had, so a page of fewer does not shrink it */
    fill_limit = cached && stamp.memo_limit > limit ? stamp.memo_limit : limit;
    m.deps = apr_array_make(p, SB_STORE_MATCHES_WINDOW + 16, sizeof(uint32_t));
    APR_ARRAY_PUSH(m.deps, uint32_t) = sb_mcache_user_bucket(viewer_id);
    APR_ARRAY_PUSH(m.deps, uint32_t) = sb_mcache_blocks_bucket(viewer_id);
    m.until = INT64_MAX;
    if ((s = sb_sqlite_begin_read(m.sc, err)) != SB_STORE_OK) {
        return s;
    }
    s = sb_sqlite_end(m.sc, compute(&m, p, viewer_id, now, fill_limit, out, err), err);
    if (s != SB_STORE_OK) {
        return s;
    }
    if (cached) {
        a.buckets = (const uint32_t *)m.deps->elts;
        a.nbuckets = m.deps->nelts;
        a.from = now;
        a.until = m.until;
        a.cards = *out;
        a.limit = fill_limit;
        sb_mcache_put(m.sc->turn, viewer_id, &stamp, &a);
    }
    if ((*out)->nelts > limit) {
        (*out)->nelts = limit;
    }
    return SB_STORE_OK;
}
