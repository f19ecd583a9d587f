/*
 * Mutual matches against a from-scratch computation: a seeded random sequence of writes
 * (offered and wanted skills, lastSeen, bans with and without expiry, deactivation, profile
 * text, blocks and unblocks) on one store, and after every few writes every user's matches
 * compared with a model of every user kept here — at the write's instant and later, when
 * some timed bans have run out. Then the window (SB_STORE_MATCHES_WINDOW): only the most
 * recently seen candidates are ranked, and hidden people do not use it up. Then rows written
 * in place by another writer. Run against every driver; the SQLite driver answers repeated
 * asks from its per-process cache (sqlite_match_cache.h), so every comparison is made twice
 * (computed, then served) and the cache's own tests follow: every kind of write is seen by
 * the very next answer, in this process and from another one.
 */
#include "sb_store_fixture.h"

#include <strings.h>
#include <sys/wait.h>

#include "sb_user_rules.h"
#include "sqlite_int.h"
#include "sqlite_match_cache.h"

static uint64_t mc_hits(void)
{
    sb_mcache_stats_t s;

    sb_mcache_stats(&s);
    return s.hits;
}

#define NUSERS 28
#define MAXSK  5

typedef struct {
    sb_user_t *u;
    sb_fx_status_t status;
    int64_t last_seen;
    int noff, nwant;
    const char *off[MAXSK], *want[MAXSK];
    int blocks[NUSERS]; /* blocks[j]: this user blocked user j */
} muser_t;

typedef struct {
    sb_fx_t *fx;
    uint64_t rng;
    muser_t users[NUSERS];
} model_t;

/* Spellings that share a lower-case name: a few names, so that many people match. */
static const char *const vocab[] = {"Guitar", "guitar", "GUITAR", "Piano", "piano",
                                    "Chess",  "Sushi",  "Yoga",   "yoga"};
#define NVOCAB ((int)(sizeof(vocab) / sizeof(vocab[0])))

static uint64_t rnd(model_t *m, uint64_t n)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng % n;
}

/* ---- writes, applied to the store and to the model ---- */

static void w_lists(model_t *m, muser_t *x)
{
    apr_array_header_t *o = apr_array_make(m->fx->pool, MAXSK, sizeof(sb_skill_offered_t));
    apr_array_header_t *w = apr_array_make(m->fx->pool, MAXSK, sizeof(sb_skill_wanted_t));
    int which = (int)rnd(m, 3), i;
    sb_store_error_t err;

    if (which != 1) {
        x->noff = (int)rnd(m, MAXSK + 1);
        for (i = 0; i < x->noff; i++) {
            sb_skill_offered_t *s = apr_array_push(o);
            memset(s, 0, sizeof *s);
            s->skill = x->off[i] = vocab[rnd(m, NVOCAB)];
            s->experience = "Expert";
        }
    }
    if (which != 0) {
        x->nwant = (int)rnd(m, MAXSK + 1);
        for (i = 0; i < x->nwant; i++) {
            sb_skill_wanted_t *s = apr_array_push(w);
            memset(s, 0, sizeof *s);
            s->skill = x->want[i] = vocab[rnd(m, NVOCAB)];
            s->level = "Beginner";
            s->priority = "High";
        }
    }
    assert_int_equal(sb_store_user_update_lists(m->fx->conn, m->fx->pool, x->u->id,
                                                which != 1 ? o : NULL, which != 0 ? w : NULL, NULL,
                                                NOW, NULL, &err),
                     SB_STORE_OK);
}

static void w_status(model_t *m, muser_t *x)
{
    int c = rnd(m, 5);

    sb_fx_random_status(m->fx, x->u->id, c, (int)rnd(m, 3), &x->status);
}

/* Few distinct instants, so equal lastSeen values are ordered by id. */
static void w_touch(model_t *m, muser_t *x)
{
    sb_store_error_t err;

    x->last_seen = NOW - (int64_t)rnd(m, 4) * HOUR;
    assert_int_equal(sb_store_user_touch(m->fx->conn, x->u->id, x->last_seen, &err), SB_STORE_OK);
}

static void w_profile(model_t *m, muser_t *x)
{
    sb_profile_patch_t patch = {0};
    sb_store_error_t err;

    patch.first_name = rnd(m, 2) ? "Grace" : "Ada";
    patch.bio = rnd(m, 2) ? "guitar and piano" : "";
    assert_int_equal(
        sb_store_user_update_profile(m->fx->conn, m->fx->pool, x->u->id, &patch, NOW, NULL, &err),
        SB_STORE_OK);
}

static void w_block(model_t *m, int i)
{
    int j = (int)rnd(m, NUSERS);
    muser_t *x = &m->users[i];
    sb_store_error_t err;

    if (i == j) {
        return;
    }
    if (x->blocks[j]) {
        assert_int_equal(sb_store_user_unblock(m->fx->conn, x->u->id, m->users[j].u->id, &err),
                         SB_STORE_OK);
    }
    else {
        assert_int_equal(sb_store_user_block(m->fx->conn, x->u->id, m->users[j].u->id, NOW, &err),
                         SB_STORE_OK);
    }
    x->blocks[j] = !x->blocks[j];
}

/* ---- the from-scratch answer ---- */

/* How many distinct names (case-insensitive) of a[0..na) are in b[0..nb). */
static int common(const char *const *a, int na, const char *const *b, int nb)
{
    int n = 0, i, j, k;

    for (i = 0; i < na; i++) {
        int seen = 0, in = 0;
        for (k = 0; k < i; k++) {
            seen |= !strcasecmp(a[k], a[i]);
        }
        for (j = 0; j < nb && !seen; j++) {
            in |= !strcasecmp(a[i], b[j]);
        }
        n += !seen && in;
    }
    return n;
}

typedef struct {
    const muser_t *x;
    int they_offer, they_want;
} mmatch_t;

static int by_recent(const void *pa, const void *pb)
{
    const mmatch_t *a = pa, *b = pb;

    if (a->x->last_seen != b->x->last_seen) {
        return a->x->last_seen > b->x->last_seen ? -1 : 1;
    }
    return -strcmp(a->x->u->id, b->x->u->id);
}

static int by_rank(const void *pa, const void *pb)
{
    const mmatch_t *a = pa, *b = pb;
    int sa = a->they_offer + a->they_want, sb = b->they_offer + b->they_want;
    int ma = a->they_offer < a->they_want ? a->they_offer : a->they_want;
    int mb = b->they_offer < b->they_want ? b->they_offer : b->they_want;

    if (sa != sb) {
        return sa > sb ? -1 : 1;
    }
    if (ma != mb) {
        return ma > mb ? -1 : 1;
    }
    return by_recent(pa, pb);
}

static void check_matches(model_t *m, int64_t now, int limit)
{
    int v, i;

    for (v = 0; v < NUSERS; v++) {
        const muser_t *me = &m->users[v];
        mmatch_t want[NUSERS];
        apr_array_header_t *got;
        sb_store_error_t err;
        int n = 0;

        for (i = 0; i < NUSERS; i++) {
            const muser_t *x = &m->users[i];
            mmatch_t *w = &want[n];
            if (i == v || me->blocks[i] || !x->status.is_active || x->noff == 0
                || sb_ban_in_force(x->status.is_banned, x->status.ban_expires_at, now)) {
                continue;
            }
            w->x = x;
            w->they_offer = common(x->off, x->noff, me->want, me->nwant);
            w->they_want = common(x->want, x->nwant, me->off, me->noff);
            n += w->they_offer > 0 && w->they_want > 0;
        }
        qsort(want, n, sizeof want[0], by_recent);
        if (n > SB_STORE_MATCHES_WINDOW) {
            n = SB_STORE_MATCHES_WINDOW;
        }
        qsort(want, n, sizeof want[0], by_rank);
        assert_int_equal(
            sb_store_discover_matches(m->fx->conn, m->fx->pool, me->u->id, now, limit, &got, &err),
            SB_STORE_OK);
        if (got->nelts != (n < limit ? n : limit)) {
            fail_msg("viewer %d at %+lld ms: %d matches, want %d", v, (long long)(now - NOW),
                     got->nelts, n < limit ? n : limit);
        }
        for (i = 0; i < got->nelts; i++) {
            const sb_user_card_t *c = &APR_ARRAY_IDX(got, i, sb_user_card_t);
            if (strcmp(c->id, want[i].x->u->id) || c->they_offer != want[i].they_offer
                || c->they_want != want[i].they_want || c->last_seen != want[i].x->last_seen) {
                fail_msg("viewer %d at %+lld ms, match %d: %s %d/%d, want %s %d/%d", v,
                         (long long)(now - NOW), i, c->id, c->they_offer, c->they_want,
                         want[i].x->u->id, want[i].they_offer, want[i].they_want);
            }
        }
    }
}

static void test_matches_follow_random_writes(void **state)
{
    FX_BEGIN(state);
    model_t *m = apr_pcalloc(fx->pool, sizeof *m);
    int step, i;

    m->fx = fx;
    m->rng = 0x9e3779b97f4a7c15ULL;
    for (i = 0; i < NUSERS; i++) {
        muser_t *x = &m->users[i];
        x->u =
            mk_user(fx, apr_psprintf(fx->pool, "m%02d", i), apr_psprintf(fx->pool, "m%d@x.org", i));
        x->status.is_active = 1;
        x->last_seen = x->u->last_seen;
        w_lists(m, x);
        w_lists(m, x);
        w_touch(m, x);
    }
    check_matches(m, NOW, 50);
    for (step = 0; step < 240; step++) {
        i = (int)rnd(m, NUSERS);
        switch (rnd(m, 7)) {
        case 0:
        case 1:
            w_lists(m, &m->users[i]);
            break;
        case 2:
            w_status(m, &m->users[i]);
            break;
        case 3:
            w_touch(m, &m->users[i]);
            break;
        case 4:
            w_profile(m, &m->users[i]);
            break;
        default:
            w_block(m, i);
            break;
        }
        if (step % 12 == 11) {
            check_matches(m, NOW, 50);
            check_matches(m, NOW, 50);           /* kept answers (SQLite) */
            check_matches(m, NOW + 2 * HOUR, 3); /* some timed bans ran out */
            check_matches(m, NOW, 12);           /* an earlier instant than the kept answer */
        }
    }
    if (!strcmp(fx->driver->name, "sqlite")) {
        assert_true(mc_hits() > 0); /* the comparisons covered served answers */
    }
}

/* A bulk user offering o1 (and o2) and wanting w1 (and w2), seen at last_seen. */
static void bulk_user(sb_fx_t *fx, sb_user_t *u, int i, int64_t last_seen, const char *o1,
                      const char *o2, const char *w1, const char *w2)
{
    sb_skill_offered_t *so;
    sb_skill_wanted_t *sw;

    memset(u, 0, sizeof *u);
    sb_id_new(u->id);
    u->username = apr_psprintf(fx->pool, "win%d", i);
    u->email = apr_psprintf(fx->pool, "win%d@x.org", i);
    u->password_hash = "$2y$04$hash";
    u->first_name = "W";
    u->last_name = "In";
    u->is_active = 1;
    u->last_seen = last_seen;
    u->created_at = NOW;
    u->skills_offered = apr_array_make(fx->pool, 2, sizeof(sb_skill_offered_t));
    u->skills_wanted = apr_array_make(fx->pool, 2, sizeof(sb_skill_wanted_t));
    for (; o1; o1 = o2, o2 = NULL) {
        so = apr_array_push(u->skills_offered);
        memset(so, 0, sizeof *so);
        so->skill = o1;
        so->experience = "Expert";
    }
    for (; w1; w1 = w2, w2 = NULL) {
        sw = apr_array_push(u->skills_wanted);
        memset(sw, 0, sizeof *sw);
        sw->skill = w1;
        sw->level = "Beginner";
        sw->priority = "High";
    }
}

/* Only the SB_STORE_MATCHES_WINDOW most recently seen candidates are ranked; hidden people
 * (blocked, under a timed ban) do not count against it. */
static void test_matches_window(void **state)
{
    FX_BEGIN(state);
    enum { NEWER = SB_STORE_MATCHES_WINDOW + 10 };
    sb_user_t *me = mk_user(fx, "me", "me@x.org");
    sb_user_t *bulk = apr_pcalloc(fx->pool, sizeof(sb_user_t) * (NEWER + 2));
    apr_array_header_t *got, *o = apr_array_make(fx->pool, 2, sizeof(sb_skill_offered_t));
    apr_array_header_t *w = apr_array_make(fx->pool, 2, sizeof(sb_skill_wanted_t));
    sb_skill_offered_t *so;
    sb_skill_wanted_t *sw;
    sb_store_error_t err;
    int i;

    so = apr_array_push(o);
    memset(so, 0, sizeof *so);
    so->skill = "Alto";
    so = apr_array_push(o);
    memset(so, 0, sizeof *so);
    so->skill = "Drums";
    sw = apr_array_push(w);
    memset(sw, 0, sizeof *sw);
    sw->skill = "Bass";
    sw = apr_array_push(w);
    memset(sw, 0, sizeof *sw);
    sw->skill = "Cello";
    assert_int_equal(
        sb_store_user_update_lists(fx->conn, fx->pool, me->id, o, w, NULL, NOW, NULL, &err),
        SB_STORE_OK);
    /* NEWER ordinary matches (score 2), one second apart, newest first */
    for (i = 0; i < NEWER; i++) {
        bulk_user(fx, &bulk[i], i, NOW - (int64_t)i * 1000, "bass", NULL, "ALTO", NULL);
    }
    /* the best possible match, seen after all of them but two from the oldest ... */
    bulk_user(fx, &bulk[NEWER], NEWER, NOW - (int64_t)(NEWER - 2) * 1000 - 500, "Bass", "Cello",
              "Alto", "Drums");
    /* ... and one more, older than everyone */
    bulk_user(fx, &bulk[NEWER + 1], NEWER + 1, NOW - 1000LL * 1000, "Cello", NULL, "Drums", NULL);
    assert_int_equal(sb_store_users_bulk_insert(fx->conn, bulk, NEWER + 2, &err), SB_STORE_OK);

    /* the best match is the (NEWER - 1)th most recent: past the window */
    assert_int_equal(sb_store_discover_matches(fx->conn, fx->pool, me->id, NOW, 50, &got, &err),
                     SB_STORE_OK);
    assert_int_equal(got->nelts, 50);
    for (i = 0; i < 50; i++) {
        const sb_user_card_t *c = &APR_ARRAY_IDX(got, i, sb_user_card_t);
        assert_string_equal(c->id, bulk[i].id);
        assert_int_equal(c->they_offer + c->they_want, 2);
    }
    /* hide 9 of the newest (blocks, timed bans in force): it is the first one past the window;
     * one more, and it is the last one in, ranked first */
    for (i = 0; i < 10; i++) {
        if (i == 9) {
            assert_int_equal(
                sb_store_discover_matches(fx->conn, fx->pool, me->id, NOW, 1, &got, &err),
                SB_STORE_OK);
            assert_string_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).id, bulk[9].id);
        }
        if (i % 2) {
            assert_int_equal(sb_store_user_block(fx->conn, me->id, bulk[i].id, NOW, &err),
                             SB_STORE_OK);
        }
        else {
            assert_int_equal(
                sb_store_user_set_status(fx->conn, bulk[i].id, 1, 1, "x", NOW + HOUR, NOW, &err),
                SB_STORE_OK);
        }
    }
    assert_int_equal(sb_store_discover_matches(fx->conn, fx->pool, me->id, NOW, 3, &got, &err),
                     SB_STORE_OK);
    assert_int_equal(got->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).id, bulk[NEWER].id);
    assert_int_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).they_offer, 2);
    assert_int_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).they_want, 2);
    assert_string_equal(APR_ARRAY_IDX(got, 1, sb_user_card_t).id, bulk[10].id);
    assert_string_equal(APR_ARRAY_IDX(got, 2, sb_user_card_t).id, bulk[11].id);
    /* once the bans run out, it is past the window again */
    assert_int_equal(
        sb_store_discover_matches(fx->conn, fx->pool, me->id, NOW + 2 * HOUR, 1, &got, &err),
        SB_STORE_OK);
    assert_string_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).id, bulk[0].id);
    /* a newer lastSeen (a login) brings the oldest one to the front of the window */
    assert_int_equal(sb_store_user_touch(fx->conn, bulk[NEWER + 1].id, NOW + 1, &err), SB_STORE_OK);
    assert_int_equal(
        sb_store_discover_matches(fx->conn, fx->pool, me->id, NOW + 2 * HOUR, 2, &got, &err),
        SB_STORE_OK);
    assert_string_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).id, bulk[NEWER + 1].id);
    assert_int_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).they_offer, 1);
    assert_string_equal(APR_ARRAY_IDX(got, 1, sb_user_card_t).id, bulk[0].id);
    /* with the answer kept: a login of the best match, past the full window, brings it in at
     * once (its pair rows are rewritten, which moves the counter of the names it offers) */
    for (i = 0; i < 3; i++) {
        assert_int_equal(
            sb_store_discover_matches(fx->conn, fx->pool, me->id, NOW + 2 * HOUR, 2, &got, &err),
            SB_STORE_OK);
        assert_string_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).id, bulk[NEWER + 1].id);
    }
    assert_int_equal(sb_store_user_touch(fx->conn, bulk[NEWER].id, NOW + 2, &err), SB_STORE_OK);
    assert_int_equal(
        sb_store_discover_matches(fx->conn, fx->pool, me->id, NOW + 2 * HOUR, 2, &got, &err),
        SB_STORE_OK);
    assert_string_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).id, bulk[NEWER].id);
    assert_int_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).they_offer, 2);
    assert_string_equal(APR_ARRAY_IDX(got, 1, sb_user_card_t).id, bulk[NEWER + 1].id);
}

/* A write by another writer, straight into the file (not through the driver, so no
 * generation counter moves). */
static void sql_raw(sb_fx_t *fx, const char *sql)
{
    sqlite3 *db;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail_msg("%s: %s", sql, msg);
    }
    sqlite3_close(db);
}

/* The same, followed by what its operator does after such a write (sbctl cache-reset): every
 * process's kept answers go. */
static void sql_exec(sb_fx_t *fx, const char *sql)
{
    sb_store_error_t err;

    sql_raw(fx, sql);
    assert_int_equal(sb_store_users_cache_reset(fx->conn, &err), SB_STORE_OK);
}

static int n_matches(sb_fx_t *fx, const char *viewer)
{
    apr_array_header_t *got;
    sb_store_error_t err;

    assert_int_equal(sb_store_discover_matches(fx->conn, fx->pool, viewer, NOW, 50, &got, &err),
                     SB_STORE_OK);
    return got->nelts;
}

/* Rows written in place by another writer (not the module's delete + insert) count too. */
static void test_matches_follow_raw_updates(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a, *b, *c;
    apr_array_header_t *got;
    sb_store_error_t err;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    a = mk_user(fx, "rawa", "rawa@x.org");
    b = mk_user(fx, "rawb", "rawb@x.org");
    set_offered(fx, a->id, "Chess", NULL);
    set_wanted(fx, a->id, "Piano");
    set_offered(fx, b->id, "Sushi", NULL);
    set_wanted(fx, b->id, "Chess");
    assert_int_equal(n_matches(fx, a->id), 0);
    sql_exec(fx, apr_psprintf(fx->pool,
                              "UPDATE user_skills SET skill = 'PIANO', skill_lower = 'piano'"
                              " WHERE user_id = '%s' AND kind = 'offered'",
                              b->id));
    assert_int_equal(n_matches(fx, a->id), 1);
    assert_int_equal(n_matches(fx, b->id), 1);
    sql_exec(fx, apr_psprintf(fx->pool, "UPDATE users SET is_active = 0 WHERE id = '%s'", b->id));
    assert_int_equal(n_matches(fx, a->id), 0);
    sql_exec(fx, apr_psprintf(fx->pool, "UPDATE users SET is_active = 1 WHERE id = '%s'", b->id));
    assert_int_equal(n_matches(fx, a->id), 1);
    /* a better match whose card says it offers nothing (an inconsistent writer) is passed
     * over, and the next one fills the page */
    c = mk_user(fx, "rawd", "rawd@x.org");
    set_offered(fx, c->id, "Piano", NULL);
    set_wanted(fx, c->id, "Chess");
    assert_int_equal(n_matches(fx, a->id), 2);
    sql_exec(fx, apr_psprintf(fx->pool,
                              "UPDATE users SET skills_offered = '[]', last_seen = last_seen + 1"
                              " WHERE id = '%s'",
                              c->id));
    assert_int_equal(sb_store_discover_matches(fx->conn, fx->pool, a->id, NOW, 1, &got, &err),
                     SB_STORE_OK);
    assert_int_equal(got->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(got, 0, sb_user_card_t).id, b->id);
    sql_exec(fx, apr_psprintf(fx->pool, "DELETE FROM users WHERE id = '%s'", c->id));
    sql_exec(fx, apr_psprintf(fx->pool,
                              "UPDATE user_skills SET kind = 'wanted', position = 7 WHERE"
                              " user_id = '%s' AND kind = 'offered'",
                              b->id));
    assert_int_equal(n_matches(fx, a->id), 0);
    /* two rows of one name: the pair stays while one of them does */
    c = mk_user(fx, "rawc", "rawc@x.org");
    set_offered(fx, c->id, "piano", NULL);
    set_wanted(fx, c->id, "CHESS");
    sql_exec(fx, apr_psprintf(fx->pool,
                              "INSERT INTO user_skills (user_id, kind, position, skill,"
                              " skill_lower) VALUES ('%s', 'offered', 1, 'Piano', 'piano')",
                              c->id));
    sql_exec(fx, apr_psprintf(fx->pool,
                              "DELETE FROM user_skills WHERE user_id = '%s' AND position = 0"
                              " AND kind = 'offered'",
                              c->id));
    assert_int_equal(n_matches(fx, a->id), 1);
    sql_exec(fx, apr_psprintf(fx->pool, "DELETE FROM users WHERE id = '%s'", c->id));
    assert_int_equal(n_matches(fx, a->id), 0);
    sql_exec(fx, "DELETE FROM user_skills WHERE user_id NOT IN (SELECT id FROM users)");
    assert_int_equal(n_matches(fx, a->id), 0);
}

/* ---- the SQLite driver's kept answers (sqlite_match_cache.h) ---- */

/* viewer's matches at now, at most limit. */
static apr_array_header_t *ask(sb_fx_t *fx, const char *viewer, int64_t now, int limit)
{
    apr_array_header_t *got;
    sb_store_error_t err;

    assert_int_equal(sb_store_discover_matches(fx->conn, fx->pool, viewer, now, limit, &got, &err),
                     SB_STORE_OK);
    return got;
}

/* The ids of a, space-separated, in order ("" for none). */
static const char *ids_of(sb_fx_t *fx, const apr_array_header_t *a)
{
    const char *s = "";
    int i;

    for (i = 0; i < a->nelts; i++) {
        s = apr_pstrcat(fx->pool, s, i ? " " : "", APR_ARRAY_IDX(a, i, sb_user_card_t).id, NULL);
    }
    return s;
}

/* Ask until the answer is served from the cache (the first answer of a viewer is a memo of
 * its keys only, the next is kept), and return that answer: it must be the computed one. */
static const char *served(sb_fx_t *fx, const char *viewer, int64_t now, int limit)
{
    const char *computed = ids_of(fx, ask(fx, viewer, now, limit)), *again;
    uint64_t h;
    int i;

    for (i = 0; i < 3; i++) {
        h = mc_hits();
        again = ids_of(fx, ask(fx, viewer, now, limit));
        assert_string_equal(again, computed);
        if (mc_hits() == h + 1) {
            return again;
        }
    }
    fail_msg("the answer for %s was never served from the cache", viewer);
    return NULL;
}

static const char *ids2(sb_fx_t *fx, const sb_user_t *a, const sb_user_t *b)
{
    return apr_pstrcat(fx->pool, a->id, " ", b->id, NULL);
}

/* Whether the card text of the answer's first card holds s. */
static int first_card_says(const apr_array_header_t *a, const char *s)
{
    const sb_user_card_t *c = &APR_ARRAY_IDX(a, 0, sb_user_card_t);

    return a->nelts > 0 && c->card_head
           && strstr(apr_pstrmemdup(a->pool, c->card_head, c->card_head_len), s) != NULL;
}

/* Every kind of write that changes a viewer's matches is seen by their very next answer,
 * however warm the cache: their own skills, their blocks, a match's card text, lastSeen,
 * timed ban and skills, a newcomer; and the instant asked, against timed bans. */
static void test_matches_cache_sees_every_write(void **state)
{
    FX_BEGIN(state);
    sb_user_t *me = mk_user(fx, "cme", "cme@x.org"), *a = mk_user(fx, "ca", "ca@x.org"),
              *b = mk_user(fx, "cb", "cb@x.org"), *n;
    sb_profile_patch_t patch = {0};
    sb_store_error_t err;

    set_offered(fx, me->id, "Alto", NULL);
    set_wanted(fx, me->id, "Bass");
    set_offered(fx, a->id, "bass", NULL);
    set_wanted(fx, a->id, "ALTO");
    set_offered(fx, b->id, "Bass", NULL);
    set_wanted(fx, b->id, "alto");
    assert_int_equal(sb_store_user_touch(fx->conn, a->id, NOW - 1000, &err), SB_STORE_OK);
    assert_int_equal(sb_store_user_touch(fx->conn, b->id, NOW - 2000, &err), SB_STORE_OK);
    assert_string_equal(served(fx, me->id, NOW, 12), ids2(fx, a, b));

    /* lastSeen of a match */
    assert_int_equal(sb_store_user_touch(fx->conn, b->id, NOW - 500, &err), SB_STORE_OK);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), ids2(fx, b, a));
    /* a match's card text */
    assert_string_equal(served(fx, me->id, NOW, 12), ids2(fx, b, a));
    patch.first_name = "Renamed";
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, b->id, &patch, NOW, NULL, &err),
        SB_STORE_OK);
    assert_true(first_card_says(ask(fx, me->id, NOW, 12), "\"firstName\":\"Renamed\""));
    /* the viewer's own skills, at once */
    served(fx, me->id, NOW, 12);
    set_wanted(fx, me->id, "Cello");
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), "");
    set_wanted(fx, me->id, "bass");
    assert_string_equal(served(fx, me->id, NOW, 12), ids2(fx, b, a));
    /* the viewer's blocks */
    assert_int_equal(sb_store_user_block(fx->conn, me->id, b->id, NOW, &err), SB_STORE_OK);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), a->id);
    assert_string_equal(served(fx, me->id, NOW, 12), a->id);
    assert_int_equal(sb_store_user_unblock(fx->conn, me->id, b->id, &err), SB_STORE_OK);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), ids2(fx, b, a));
    /* a match's skills */
    served(fx, me->id, NOW, 12);
    set_offered(fx, a->id, "Drums", NULL);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), b->id);
    /* a newcomer, met by nobody before */
    served(fx, me->id, NOW, 12);
    n = mk_user(fx, "cn", "cn@x.org");
    set_offered(fx, n->id, "BASS", NULL);
    set_wanted(fx, n->id, "Alto");
    assert_int_equal(sb_store_user_touch(fx->conn, n->id, NOW - 100, &err), SB_STORE_OK);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), ids2(fx, n, b));
    /* a timed ban: hidden at once, shown once it ran out, hidden again at an earlier instant */
    served(fx, me->id, NOW, 12);
    assert_int_equal(sb_store_user_set_status(fx->conn, n->id, 1, 1, "x", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_string_equal(served(fx, me->id, NOW, 12), b->id);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW + HOUR - 1, 12)), b->id);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW + HOUR, 12)), ids2(fx, n, b));
    assert_string_equal(served(fx, me->id, NOW + HOUR, 12), ids2(fx, n, b));
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), b->id);
    /* a timed ban lifted early (by a write, not by time): shown at once, though the kept
     * answer read no card of theirs (sql/023 rewrites their pair rows) */
    assert_int_equal(sb_store_user_set_status(fx->conn, n->id, 1, 1, "x", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_string_equal(served(fx, me->id, NOW, 12), b->id);
    assert_int_equal(sb_store_user_set_status(fx->conn, n->id, 1, 0, NULL, 0, NOW, &err),
                     SB_STORE_OK);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), ids2(fx, n, b));
    /* more cards than the kept answer holds are read */
    assert_string_equal(served(fx, me->id, NOW + HOUR, 1), n->id);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW + HOUR, 2)), ids2(fx, n, b));
    assert_string_equal(served(fx, me->id, NOW + HOUR, 1), n->id);
}

/* A served answer's cards stay readable for as long as the pool it was handed to lives, even
 * when the kept answer is replaced meanwhile (under ASan a freed block would be caught). */
static void test_matches_cache_answer_outlives_its_entry(void **state)
{
    FX_BEGIN(state);
    sb_user_t *me = mk_user(fx, "ome", "ome@x.org"), *a = mk_user(fx, "oa", "oa@x.org");
    sb_profile_patch_t patch = {0};
    apr_array_header_t *held;
    sb_store_error_t err;
    apr_pool_t *p;
    uint64_t h;

    set_offered(fx, me->id, "Alto", NULL);
    set_wanted(fx, me->id, "Bass");
    set_offered(fx, a->id, "Bass", NULL);
    set_wanted(fx, a->id, "Alto");
    served(fx, me->id, NOW, 12);
    assert_int_equal(apr_pool_create(&p, fx->pool), APR_SUCCESS);
    h = mc_hits();
    assert_int_equal(sb_store_discover_matches(fx->conn, p, me->id, NOW, 12, &held, &err),
                     SB_STORE_OK);
    assert_int_equal(mc_hits(), h + 1);
    patch.first_name = "Second";
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, a->id, &patch, NOW, NULL, &err),
        SB_STORE_OK);
    assert_true(first_card_says(ask(fx, me->id, NOW, 12), "\"firstName\":\"Second\""));
    served(fx, me->id, NOW, 12); /* the kept answer replaced twice by now */
    assert_true(first_card_says(held, "\"firstName\":\"Ada\""));
    apr_pool_destroy(p);
}

/* Another process (another httpd child, sbctl, the daemon) changes a match: seen here next. */
static void test_matches_cache_sees_another_process(void **state)
{
    FX_BEGIN(state);
    sb_user_t *me = mk_user(fx, "pme", "pme@x.org"), *a = mk_user(fx, "pa", "pa@x.org");
    char id[SB_ID_LEN + 1];
    int status = -1;
    pid_t pid;

    set_offered(fx, me->id, "Alto", NULL);
    set_wanted(fx, me->id, "Bass");
    set_offered(fx, a->id, "Bass", NULL);
    set_wanted(fx, a->id, "Alto");
    assert_string_equal(served(fx, me->id, NOW, 12), a->id);
    memcpy(id, a->id, sizeof id);
    sb_fx_close(fx); /* no connection crosses the fork; the cache stays */
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        apr_array_header_t *o = apr_array_make(fx->pool, 1, sizeof(sb_skill_offered_t));
        sb_skill_offered_t *so = apr_array_push(o);
        sb_store_error_t err;
        memset(so, 0, sizeof *so);
        so->skill = "Drums";
        so->experience = "Expert";
        _exit(sb_fx_open(fx, 0) != 0
              || sb_store_user_update_lists(fx->conn, fx->pool, id, o, NULL, NULL, NOW, NULL, &err)
                     != SB_STORE_OK);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, 0);
    assert_int_equal(sb_fx_open(fx, 0), 0);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), "");
}

/* A write made around the driver (the sqlite3 shell) moves no counter: the kept answer stays
 * until sbctl cache-reset (users_cache_reset), as for the user cache. */
static void test_matches_cache_reset_sees_raw_writes(void **state)
{
    FX_BEGIN(state);
    sb_user_t *me = mk_user(fx, "rme", "rme@x.org"), *a = mk_user(fx, "ra", "ra@x.org");
    sb_store_error_t err;

    set_offered(fx, me->id, "Alto", NULL);
    set_wanted(fx, me->id, "Bass");
    set_offered(fx, a->id, "Bass", NULL);
    set_wanted(fx, a->id, "Alto");
    assert_string_equal(served(fx, me->id, NOW, 12), a->id);
    sql_raw(fx, apr_psprintf(fx->pool, "UPDATE users SET is_active = 0 WHERE id = '%s'", a->id));
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), a->id); /* still the kept one */
    assert_int_equal(sb_store_users_cache_reset(fx->conn, &err), SB_STORE_OK);
    assert_string_equal(ids_of(fx, ask(fx, me->id, NOW, 12)), "");
}

/* Inside a transaction the cache is not used (its snapshot may predate the counters). */
static void test_matches_cache_unused_inside_a_transaction(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn);
    sb_store_error_t err;

    assert_true(sb_mcache_usable(sc));
    assert_int_equal(sb_sqlite_begin_read(sc, &err), SB_STORE_OK);
    assert_false(sb_mcache_usable(sc));
    assert_int_equal(sb_sqlite_commit(sc, &err), SB_STORE_OK);
    assert_true(sb_mcache_usable(sc));
}

/* The change hook reads the match cache's key columns by position. */
static void test_matches_cache_key_columns_match_the_schema(void **state)
{
    FX_BEGIN(state);
    sqlite3_stmt *st;

    assert_int_equal(sqlite3_prepare_v2(SB_SQLITE(fx->conn)->db,
                                        "SELECT (SELECT cid FROM pragma_table_info('match_pairs')"
                                        " WHERE name = 'offer_lower'), (SELECT cid FROM"
                                        " pragma_table_info('user_blocks')"
                                        " WHERE name = 'blocker_id')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), SB_SQLITE_PAIRS_OFFER_COL);
    assert_int_equal(sqlite3_column_int(st, 1), SB_SQLITE_BLOCKS_BLOCKER_COL);
    sqlite3_finalize(st);
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_matches_follow_random_writes, d), FX_TEST(test_matches_window, d),                \
        FX_TEST(test_matches_follow_raw_updates, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
    FX_TEST(test_matches_cache_sees_every_write, sqlite),
    FX_TEST(test_matches_cache_answer_outlives_its_entry, sqlite),
    FX_TEST(test_matches_cache_sees_another_process, sqlite),
    FX_TEST(test_matches_cache_reset_sees_raw_writes, sqlite),
    FX_TEST(test_matches_cache_unused_inside_a_transaction, sqlite),
    FX_TEST(test_matches_cache_key_columns_match_the_schema, sqlite),
};

FX_MAIN("store_matches", tests)
