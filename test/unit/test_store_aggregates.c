/*
 * Discovery aggregates and the search cache against a from-scratch computation: a seeded
 * random sequence of writes (offered skills, bans with and without expiry, deactivation,
 * profile text, sessions) on one store, and after every few writes the category counts,
 * trending skills and search results of that store compared with a model of every user
 * kept here — at the write's instant and later, when some timed bans have run out. Search
 * is also compared with a store opened afresh (no cache): same members and totals at once,
 * the same order once the cached rankings' TTL has passed.
 */
#include "sb_store_fixture.h"

#include <ctype.h>
#include <strings.h>

#include "sb_skill_rules.h"
#include "sb_user_rules.h"

#define NUSERS 24
#define MAXSK  4
#define NSESS  64
#define DAY    (24 * HOUR)

typedef struct {
    const char *skill;
    const char *category;
} msk_t;

typedef struct {
    sb_user_t *u;
    sb_fx_status_t status;
    const char *first_name, *bio;
    int nsk;
    msk_t sk[MAXSK];
} muser_t;

typedef struct {
    const char *skill, *category;
    int64_t created_at;
    int live;
    char id[SB_ID_LEN + 1];
} msess_t;

typedef struct {
    sb_fx_t *fx;
    uint64_t rng;
    muser_t users[NUSERS];
    msess_t sess[NSESS];
    int nsess;
} model_t;

/* Spellings that share a lower-case name, and categories including none. */
static const msk_t vocab[] = {{"Guitar", "Music"},     {"guitar", "Music"}, {"GUITAR", "Other"},
                              {"Piano", "Music"},      {"piano", NULL},     {"Chess", "Sports"},
                              {"Sushi", "Cooking"},    {"Yoga", "Sports"},  {"yoga", "Other"},
                              {"Rust", "Technology"},  {"Figma", "Design"}, {"Sales", "Business"},
                              {"Spanish", "Language"}, {"Knitting", NULL}};
#define NVOCAB ((int)(sizeof(vocab) / sizeof(vocab[0])))
static const char *const firsts[] = {"Ada", "Zebulon", "Grace", "Yoko", "Guido"};
static const char *const bios[] = {NULL, "I love a zebra", "piano tuner by trade", "yoghurt maker",
                                   "chess club"};
static const char *const terms[] = {"gui", "piano", "yo", "zeb", "lov", "chess"};

static uint64_t rnd(model_t *m, uint64_t n)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng % n;
}

static void lower(char *out, const char *s, size_t max)
{
    size_t i;
    for (i = 0; s[i] && i + 1 < max; i++) {
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[i] = '\0';
}

static int m_visible(const muser_t *x, int64_t now)
{
    return x->status.is_active
           && !sb_ban_in_force(x->status.is_banned, x->status.ban_expires_at, now);
}

/* ---- writes, applied to the store and to the model ---- */

static void w_offered(model_t *m, muser_t *x)
{
    apr_array_header_t *a = apr_array_make(m->fx->pool, MAXSK, sizeof(sb_skill_offered_t));
    sb_store_error_t err;
    int i;

    x->nsk = (int)rnd(m, MAXSK + 1);
    for (i = 0; i < x->nsk; i++) {
        sb_skill_offered_t *s = apr_array_push(a);
        x->sk[i] = vocab[rnd(m, NVOCAB)];
        memset(s, 0, sizeof *s);
        s->skill = x->sk[i].skill;
        s->category = x->sk[i].category;
        s->experience = "Expert";
    }
    assert_int_equal(sb_store_user_update_lists(m->fx->conn, m->fx->pool, x->u->id, a, NULL, NULL,
                                                NOW, NULL, &err),
                     SB_STORE_OK);
}

static void w_status(model_t *m, muser_t *x)
{
    int c = rnd(m, 5);

    sb_fx_random_status(m->fx, x->u->id, c == 3 ? 2 : c, (int)rnd(m, 3), &x->status);
}

static void w_profile(model_t *m, muser_t *x)
{
    sb_profile_patch_t patch = {0};
    sb_store_error_t err;

    x->first_name = firsts[rnd(m, 5)];
    x->bio = bios[rnd(m, 5)];
    patch.first_name = x->first_name;
    patch.bio = x->bio ? x->bio : "";
    assert_int_equal(
        sb_store_user_update_profile(m->fx->conn, m->fx->pool, x->u->id, &patch, NOW, NULL, &err),
        SB_STORE_OK);
}

/* Sessions have no store operation yet: raw rows, as the integration suite writes them. */
static void sql_exec(model_t *m, const char *sql)
{
    sqlite3 *db;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(m->fx->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail_msg("%s: %s", sql, msg);
    }
    sqlite3_close(db);
}

static void w_session(model_t *m)
{
    msess_t *s;
    const msk_t *k = &vocab[rnd(m, NVOCAB)];
    int i;

    if (m->nsess > 0 && rnd(m, 4) == 0) {
        i = (int)rnd(m, m->nsess);
        if (m->sess[i].live) {
            m->sess[i].live = 0;
            sql_exec(m, apr_psprintf(m->fx->pool, "DELETE FROM sessions WHERE id = '%s'",
                                     m->sess[i].id));
        }
        return;
    }
    if (m->nsess == NSESS) {
        return;
    }
    s = &m->sess[m->nsess++];
    sb_id_new(s->id);
    s->skill = k->skill;
    s->category = k->category;
    /* around the 7-day window's edge, inside its partial first hour too */
    s->created_at =
        NOW - 7 * DAY + (int64_t)rnd(m, 4 * HOUR) - 2 * HOUR + (rnd(m, 2) ? 3 * DAY : 0);
    s->live = 1;
    sql_exec(m, apr_psprintf(m->fx->pool,
                             "INSERT INTO sessions (id, teacher_id, student_id, skill, category,"
                             " scheduled_time, duration, created_at, updated_at) VALUES ('%s',"
                             " '%s', '%s', '%s', %s%s%s, %" APR_INT64_T_FMT
                             ", 60, %" APR_INT64_T_FMT ", %" APR_INT64_T_FMT ")",
                             s->id, m->users[0].u->id, m->users[1].u->id, s->skill,
                             s->category ? "'" : "", s->category ? s->category : "NULL",
                             s->category ? "'" : "", (apr_int64_t)NOW, (apr_int64_t)s->created_at,
                             (apr_int64_t)NOW));
}

/* ---- the from-scratch answers ---- */

static void check_categories(model_t *m, int64_t now)
{
    int64_t got[SB_CATEGORY_COUNT];
    sb_store_error_t err;
    int c, i, j;

    assert_int_equal(
        sb_store_category_counts(m->fx->conn, now, sb_categories, SB_CATEGORY_COUNT, got, &err),
        SB_STORE_OK);
    for (c = 0; c < SB_CATEGORY_COUNT; c++) {
        int64_t want = 0;
        for (i = 0; i < NUSERS; i++) {
            const muser_t *x = &m->users[i];
            int has = 0;
            for (j = 0; j < x->nsk; j++) {
                has |= x->sk[j].category && !strcmp(x->sk[j].category, sb_categories[c]);
            }
            want += has && m_visible(x, now);
        }
        if (got[c] != want) {
            fail_msg("category %s at %+lld ms: %lld, want %lld", sb_categories[c],
                     (long long)(now - NOW), (long long)got[c], (long long)want);
        }
    }
}

typedef struct {
    char lower[32];
    const char *skill, *category;
    int64_t n;
} group_t;

/* Add one row (skill, category) of the group named lower(skill), counting it when counted. */
static void group_add(group_t *g, int *ng, const char *skill, const char *category, int counted)
{
    char lo[32];
    int i;

    lower(lo, skill, sizeof lo);
    for (i = 0; i < *ng && strcmp(g[i].lower, lo); i++) {
    }
    if (i == *ng) {
        memset(&g[i], 0, sizeof g[i]);
        strcpy(g[i].lower, lo);
        g[i].skill = skill;
        (*ng)++;
    }
    if (strcmp(skill, g[i].skill) < 0) {
        g[i].skill = skill;
    }
    if (category && (!g[i].category || strcmp(category, g[i].category) > 0)) {
        g[i].category = category;
    }
    g[i].n += counted;
}

static int group_cmp(const void *a, const void *b)
{
    const group_t *x = a, *y = b;
    if (x->n != y->n) {
        return x->n > y->n ? -1 : 1;
    }
    return strcmp(x->lower, y->lower);
}

static void check_trending(model_t *m, int64_t now, int limit)
{
    group_t g[NVOCAB + NSESS];
    apr_array_header_t *got;
    const char *source, *want_source = "sessions";
    sb_store_error_t err;
    int ng = 0, i, j;

    for (i = 0; i < m->nsess; i++) {
        if (m->sess[i].live && m->sess[i].created_at >= now - 7 * DAY) {
            group_add(g, &ng, m->sess[i].skill, m->sess[i].category, 1);
        }
    }
    if (!ng) {
        want_source = "offered";
        for (i = 0; i < NUSERS; i++) {
            const muser_t *x = &m->users[i];
            for (j = 0; j < x->nsk && m_visible(x, now); j++) {
                int k, first = 1;
                char a[32], b[32];
                lower(a, x->sk[j].skill, sizeof a);
                for (k = 0; k < j; k++) {
                    lower(b, x->sk[k].skill, sizeof b);
                    first &= strcmp(a, b) != 0;
                }
                group_add(g, &ng, x->sk[j].skill, x->sk[j].category, first);
            }
        }
    }
    qsort(g, ng, sizeof g[0], group_cmp);
    assert_int_equal(sb_store_trending_skills(m->fx->conn, m->fx->pool, now - 7 * DAY, now, limit,
                                              &got, &source, &err),
                     SB_STORE_OK);
    assert_string_equal(source, want_source);
    assert_int_equal(got->nelts, ng < limit ? ng : limit);
    for (i = 0; i < got->nelts; i++) {
        const sb_skill_count_t *k = &APR_ARRAY_IDX(got, i, sb_skill_count_t);
        if (strcmp(k->skill, g[i].skill) || k->count != g[i].n
            || (k->category == NULL) != (g[i].category == NULL)
            || (k->category && strcmp(k->category, g[i].category))) {
            fail_msg("trending %d at %+lld ms: %s/%s/%lld, want %s/%s/%lld", i,
                     (long long)(now - NOW), k->skill, k->category ? k->category : "-",
                     (long long)k->count, g[i].skill, g[i].category ? g[i].category : "-",
                     (long long)g[i].n);
        }
    }
}

/* A word of text starting with the prefix (ASCII, case-insensitive, as unicode61 splits). */
static int text_has_prefix(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    const char *s = text;

    while (text && *s) {
        while (*s && !isalnum((unsigned char)*s)) {
            s++;
        }
        if (*s && !strncasecmp(s, prefix, n)) {
            return 1;
        }
        while (*s && isalnum((unsigned char)*s)) {
            s++;
        }
    }
    return 0;
}

static int m_matches(const muser_t *x, const char *term, const char *category, int64_t now)
{
    int j, hit, cat = !category;

    if (!m_visible(x, now) || x->nsk == 0) {
        return 0;
    }
    hit = text_has_prefix(x->first_name, term) || text_has_prefix(x->u->last_name, term)
          || text_has_prefix(x->u->username, term) || text_has_prefix(x->bio, term);
    for (j = 0; j < x->nsk; j++) {
        hit |= text_has_prefix(x->sk[j].skill, term);
        cat |= category && x->sk[j].category && !strcmp(x->sk[j].category, category);
    }
    return hit && cat;
}

/* Every page of a search, concatenated; *total as the first page says. */
static apr_array_header_t *search_all(sb_fx_t *fx, sb_store_conn_t *c, const char *viewer,
                                      const char *term, const char *category, int64_t now,
                                      int64_t *total)
{
    apr_array_header_t *t = apr_array_make(fx->pool, 1, sizeof(char *));
    apr_array_header_t *all = apr_array_make(fx->pool, 16, sizeof(char *)), *cards;
    sb_store_error_t err;
    int page, i;
    int64_t tot;

    APR_ARRAY_PUSH(t, const char *) = term;
    for (page = 0; page < 50; page++) {
        assert_int_equal(sb_store_discover_search(c, fx->pool, viewer, now, t, category, page * 5,
                                                  5, &cards, &tot, &err),
                         SB_STORE_OK);
        if (page == 0) {
            *total = tot;
        }
        assert_int_equal(tot, *total);
        for (i = 0; i < cards->nelts; i++) {
            APR_ARRAY_PUSH(all, const char *) =
                apr_pstrdup(fx->pool, APR_ARRAY_IDX(cards, i, sb_user_card_t).id);
        }
        if (cards->nelts < 5) {
            break;
        }
    }
    return all;
}

static int has_id(const apr_array_header_t *a, const char *id)
{
    int i;
    for (i = 0; i < a->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(a, i, const char *), id)) {
            return 1;
        }
    }
    return 0;
}

static void check_search(model_t *m, sb_store_conn_t *fresh, int64_t now, int same_order)
{
    int t, i, want;
    int64_t total, ftotal;

    for (t = 0; t < (int)(sizeof(terms) / sizeof(terms[0])); t++) {
        const char *category = t % 3 == 0 ? "Music" : NULL;
        const muser_t *viewer = &m->users[rnd(m, NUSERS)];
        apr_array_header_t *got =
            search_all(m->fx, m->fx->conn, viewer->u->id, terms[t], category, now, &total);
        apr_array_header_t *ref =
            search_all(m->fx, fresh, viewer->u->id, terms[t], category, now, &ftotal);
        want = 0;
        for (i = 0; i < NUSERS; i++) {
            const muser_t *x = &m->users[i];
            int should = x != viewer && m_matches(x, terms[t], category, now);
            want += should;
            if (should != has_id(got, x->u->id)) {
                fail_msg("search %s/%s: user %d %s", terms[t], category ? category : "-", i,
                         should ? "missing" : "listed");
            }
        }
        assert_int_equal(got->nelts, want);
        assert_int_equal(total, want);
        assert_int_equal(ftotal, want);
        assert_int_equal(ref->nelts, want);
        for (i = 0; same_order && i < want; i++) {
            assert_string_equal(APR_ARRAY_IDX(got, i, const char *),
                                APR_ARRAY_IDX(ref, i, const char *));
        }
    }
}

/* A store on the same file opened afresh: its search cache is empty. */
static sb_store_conn_t *fresh_conn(sb_fx_t *fx, apr_pool_t *p)
{
    sb_store_options_t opts = {.pool_min = 1, .pool_max = 1, .busy_timeout_ms = 2000};
    sb_store_error_t err;
    sb_store_t *s;
    sb_store_conn_t *c;

    assert_int_equal(sb_store_open(p, fx->uri, &opts, &s, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(s, p, &c, &err), SB_STORE_OK);
    return c;
}

static void check_all(model_t *m, int same_order)
{
    apr_pool_t *p;

    check_categories(m, NOW);
    check_categories(m, NOW + 2 * HOUR); /* the one-hour bans have run out */
    check_trending(m, NOW, 5);
    check_trending(m, NOW, 50);
    check_trending(m, NOW + 2 * HOUR, 50);
    check_trending(m, NOW + 3 * DAY + 3 * HOUR, 50);
    apr_pool_create(&p, m->fx->pool);
    check_search(m, fresh_conn(m->fx, p), NOW, same_order);
    apr_pool_destroy(p);
}

static void test_aggregates_follow_random_writes(void **state)
{
    FX_BEGIN(state);
    model_t *m = apr_pcalloc(fx->pool, sizeof *m);
    int i, op, sessions = !strcmp(fx->driver->name, "sqlite");
    apr_pool_t *p;

    m->fx = fx;
    m->rng = 0x5eed2026u;
    for (i = 0; i < NUSERS; i++) {
        muser_t *x = &m->users[i];
        const char *name = apr_psprintf(fx->pool, "agg%02d", i);
        x->u = mk_user(fx, name, apr_pstrcat(fx->pool, name, "@x.org", NULL));
        x->status.is_active = 1;
        x->first_name = x->u->first_name;
        w_offered(m, x);
    }
    check_all(m, 1);
    for (op = 1; op <= 240; op++) {
        muser_t *x = &m->users[rnd(m, NUSERS)];
        switch (rnd(m, 8)) {
        case 0:
        case 1:
        case 2:
            w_offered(m, x);
            break;
        case 3:
        case 4:
            w_status(m, x);
            break;
        case 5:
        case 6:
            w_profile(m, x);
            break;
        default:
            /* the first two thirds without sessions: trending shows offered skills */
            if (sessions && op > 160) {
                w_session(m);
            }
            break;
        }
        if (op % 12 == 0) {
            check_all(m, 0);
        }
    }
    /* past the cache's TTL every ranking is computed again: the same order as a fresh one */
    apr_pool_create(&p, fx->pool);
    check_search(m, fresh_conn(fx, p), NOW + SB_STORE_SEARCH_MAX_AGE_MS, 1);
    apr_pool_destroy(p);
}

/* Rows written in place by another writer (not the module's delete + insert) count too. */
static void test_aggregates_follow_raw_updates(void **state)
{
    FX_BEGIN(state);
    model_t *m = apr_pcalloc(fx->pool, sizeof *m);
    sb_user_t *a, *b;
    int64_t counts[SB_CATEGORY_COUNT];
    apr_array_header_t *got;
    const char *source;
    sb_store_error_t err;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    m->fx = fx;
    a = mk_user(fx, "rawa", "rawa@x.org");
    b = mk_user(fx, "rawb", "rawb@x.org");
    set_offered(fx, a->id, "Chess", "Sports");
    set_offered(fx, b->id, "Chess", "Sports");
    sql_exec(m, apr_psprintf(fx->pool,
                             "UPDATE user_skills SET skill = 'Piano', skill_lower ="
                             " 'piano', category = 'Music' WHERE user_id = '%s'",
                             a->id));
    assert_int_equal(
        sb_store_category_counts(fx->conn, NOW, sb_categories, SB_CATEGORY_COUNT, counts, &err),
        SB_STORE_OK);
    assert_int_equal(counts[sb_enum_index(sb_categories, "Sports")], 1);
    assert_int_equal(counts[sb_enum_index(sb_categories, "Music")], 1);
    assert_int_equal(
        sb_store_trending_skills(fx->conn, fx->pool, NOW - 7 * DAY, NOW, 10, &got, &source, &err),
        SB_STORE_OK);
    assert_int_equal(got->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(got, 0, sb_skill_count_t).skill, "Chess");
    assert_string_equal(APR_ARRAY_IDX(got, 1, sb_skill_count_t).skill, "Piano");
    /* a spelling change within one name keeps one user, shows the smaller spelling */
    sql_exec(m, apr_psprintf(fx->pool,
                             "UPDATE user_skills SET skill = 'CHESS' WHERE user_id ="
                             " '%s'",
                             b->id));
    assert_int_equal(
        sb_store_trending_skills(fx->conn, fx->pool, NOW - 7 * DAY, NOW, 10, &got, &source, &err),
        SB_STORE_OK);
    assert_int_equal(APR_ARRAY_IDX(got, 0, sb_skill_count_t).count, 1);
    assert_string_equal(APR_ARRAY_IDX(got, 0, sb_skill_count_t).skill, "CHESS");
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_aggregates_follow_random_writes, d), FX_TEST(test_aggregates_follow_raw_updates, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_aggregates", tests)
