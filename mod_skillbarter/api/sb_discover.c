/*
 * /api/discover: the filtered people list (cursor pagination over (lastSeen, id)), ranked
 * search (offset pagination), category counts, trending skills, a detailed profile and
 * mutual matches. Every route needs an access token.
 */
#include "sb_routes.h"
#include "sb_kit.h"
#include "sb_public.h"
#include "sb_messaging.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_cursor.h"
#include "sb_skill_rules.h"
#include "sb_validate.h"
#include "sb_json.h"

#define SB_PAGE_DEFAULT    12
#define SB_PAGE_MAX        50
#define SB_LANGUAGE_MAX    40
#define SB_QUERY_MAX       100
#define SB_QUERY_TERMS_MAX 8
#define SB_TRENDING_DAYS   7
#define SB_PAGE_NUMBER_MAX 10000

/*
 * The last cursor this thread wrote and the last it read, with the key each was made under.
 * Readers paging through the list hand in and get back the same few cursors again and again,
 * and once the page itself comes from the store's cache the cursor's MAC is a large part of
 * the answer's cost. Both directions are pure functions of (key, sort key, id), so a
 * remembered one is exactly what computing it again would give.
 */
#define SB_CURSOR_MEMO_KEY_MAX 64
typedef struct {
    unsigned char key[SB_CURSOR_MEMO_KEY_MAX];
    apr_size_t key_len;
    int64_t sort_key;
    char id[SB_ID_LEN + 1];
    char text[SB_CURSOR_TEXT_LEN + 1];
    int set;
} cursor_memo_t;
static _Thread_local cursor_memo_t sb_cursor_wrote, sb_cursor_read;

static int memo_key_is(const cursor_memo_t *m, const sb_settings_t *s)
{
    return m->set && m->key_len == s->cursor_key_len
           && memcmp(m->key, s->cursor_key, s->cursor_key_len) == 0;
}

static void memo_keep(cursor_memo_t *m, const sb_settings_t *s, int64_t sort_key, const char *id,
                      const char *text)
{
    m->set = 0;
    if (s->cursor_key_len > SB_CURSOR_MEMO_KEY_MAX || strlen(id) != SB_ID_LEN
        || strlen(text) != SB_CURSOR_TEXT_LEN) {
        return;
    }
    memcpy(m->key, s->cursor_key, s->cursor_key_len);
    m->key_len = s->cursor_key_len;
    m->sort_key = sort_key;
    memcpy(m->id, id, sizeof m->id);
    memcpy(m->text, text, sizeof m->text);
    m->set = 1;
}

/* sb_cursor_encode under the server's key, remembered. */
static const char *cursor_out(sb_call_t *c, int64_t sort_key, const char *id)
{
    cursor_memo_t *m = &sb_cursor_wrote;
    const char *text;

    if (memo_key_is(m, c->settings) && m->sort_key == sort_key && strcmp(m->id, id) == 0) {
        return apr_pstrmemdup(c->pool, m->text, SB_CURSOR_TEXT_LEN);
    }
    text = sb_cursor_encode(c->pool, c->settings->cursor_key, c->settings->cursor_key_len, sort_key,
                            id);
    if (text) {
        memo_keep(m, c->settings, sort_key, id, text);
    }
    return text;
}

/* sb_query_cursor, remembered. */
static int cursor_in(sb_call_t *c, int64_t *at, char *id, int *has)
{
    cursor_memo_t *m = &sb_cursor_read;
    const char *v = sb_query_param(c, "cursor");

    if (v && memo_key_is(m, c->settings) && strcmp(m->text, v) == 0) {
        *at = m->sort_key;
        memcpy(id, m->id, sizeof m->id);
        *has = 1;
        return 1;
    }
    if (!sb_query_cursor(c, at, id, has)) {
        return 0;
    }
    if (*has) {
        memo_keep(m, c->settings, *at, id, v);
    }
    return 1;
}

/* The cards the store kept ready, as the answer's data (their text spliced, not rebuilt);
 * with_match: the matches form. */
static int cards_ok(sb_call_t *c, const apr_array_header_t *cards, int with_match)
{
    apr_size_t len = 0;
    const char *text = with_match ? sb_match_cards_text(c->pool, cards, &len)
                                  : sb_cards_text(c->pool, cards, &len);

    if (!text) {
        return sb_call_internalf(c, __func__, "a discover card has no kept text");
    }
    return sb_call_ok(c, 200, sb_json_raw(c->pool, text, len));
}

/*
 * The answer of a list or search page written in one pool buffer: the envelope, the cards'
 * kept text with their tails, and the pagination, as the bytes json-c writes for them
 * (sb_page_cursor's or sb_page_offset's object) — no json-c object, one piece to send.
 */
static int cards_page_begin(sb_call_t *c, const apr_array_header_t *cards, sb_jtext_t *t)
{
    apr_size_t size = 256;
    int i;

    for (i = 0; i < cards->nelts; i++) {
        size += APR_ARRAY_IDX(cards, i, sb_user_card_t).card_head_len + 160;
    }
    sb_jtext_init(t, c->pool, size);
    sb_jtext_lit(t, "{\"success\":true,\"data\":[");
    for (i = 0; i < cards->nelts; i++) {
        if (i) {
            sb_jtext_lit(t, ",");
        }
        if (!sb_jtext_card(t, &APR_ARRAY_IDX(cards, i, sb_user_card_t))) {
            return sb_call_internalf(c, __func__, "a discover card has no kept text");
        }
    }
    sb_jtext_lit(t, "],\"pagination\":");
    return 0;
}

static int cards_page_end(sb_call_t *c, sb_jtext_t *t)
{
    sb_jtext_lit(t, "}}");
    c->status = 200;
    c->raw_type = "application/json; charset=utf-8";
    c->raw_out = t->buf;
    c->raw_out_len = t->len;
    return 200;
}

/* sb_page_cursor's pagination. */
static int cards_cursor_page(sb_call_t *c, const apr_array_header_t *cards, int limit, int more,
                             const char *next)
{
    sb_jtext_t t;
    int rc;

    if ((rc = cards_page_begin(c, cards, &t))) {
        return rc;
    }
    sb_jtext_lit(&t, "{\"hasMore\":");
    sb_jtext_bool(&t, more);
    sb_jtext_lit(&t, ",\"nextCursor\":");
    sb_jtext_str(&t, next);
    sb_jtext_lit(&t, ",\"limit\":");
    sb_jtext_int(&t, limit);
    sb_jtext_lit(&t, ",\"count\":");
    sb_jtext_int(&t, cards->nelts);
    return cards_page_end(c, &t);
}

/* sb_page_offset's pagination. */
static int cards_offset_page(sb_call_t *c, const apr_array_header_t *cards, int page, int limit,
                             int64_t total)
{
    int64_t pages = limit > 0 ? (total + limit - 1) / limit : 0;
    sb_jtext_t t;
    int rc;

    if ((rc = cards_page_begin(c, cards, &t))) {
        return rc;
    }
    sb_jtext_lit(&t, "{\"currentPage\":");
    sb_jtext_int(&t, page);
    sb_jtext_lit(&t, ",\"totalPages\":");
    sb_jtext_int(&t, pages);
    sb_jtext_lit(&t, ",\"totalCount\":");
    sb_jtext_int(&t, total);
    sb_jtext_lit(&t, ",\"hasMore\":");
    sb_jtext_bool(&t, page < pages);
    sb_jtext_lit(&t, ",\"hasPrevious\":");
    sb_jtext_bool(&t, page > 1);
    sb_jtext_lit(&t, ",\"limit\":");
    sb_jtext_int(&t, limit);
    return cards_page_end(c, &t);
}

/* GET /api/discover?skill&category&language&minRating&cursor&limit */
static int h_discover(sb_call_t *c)
{
    sb_discover_query_t q = {0};
    sb_store_error_t e = {0};
    apr_array_header_t *cards;
    const char *v, *next = NULL;
    char after[SB_ID_LEN + 1];
    int more = 0, has_cursor = 0;

    q.viewer_id = c->user->id;
    q.now = c->now;
    q.min_rating = -1;
    q.skill = sb_query_text(c, "skill", SB_SKILL_NAME_MAX);
    q.category = sb_query_category(c);
    q.language = sb_query_text(c, "language", SB_LANGUAGE_MAX);
    if ((v = sb_query_param(c, "minRating"))) {
        char *end = NULL;
        double r = strtod(v, &end);
        if (!end || *end || end == v || !isfinite(r) || r < 0 || r > 5
            || !isdigit((unsigned char)*v)) {
            sb_field_fail(&c->err, c->pool, "minRating",
                          "minRating must be a number from 0 "
                          "to 5");
        }
        else {
            q.min_rating = r;
        }
    }
    sb_query_int(c, "limit", 1, SB_PAGE_MAX, SB_PAGE_DEFAULT, &q.limit);
    if (cursor_in(c, &q.after_last_seen, after, &has_cursor) && has_cursor) {
        q.after_id = after;
    }
    if (sb_query_failed(c)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_discover_list(c->conn, c->pool, &q, &cards, &more, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Users");
    }
    if (more && cards->nelts) {
        const sb_user_card_t *last = &APR_ARRAY_IDX(cards, cards->nelts - 1, sb_user_card_t);
        next = cursor_out(c, last->last_seen, last->id);
    }
    return cards_cursor_page(c, cards, q.limit, more, next);
}

/* Words of q that hold a letter or digit (anything else the tokenizer would drop). */
static apr_array_header_t *search_terms(sb_call_t *c, const char *q)
{
    apr_array_header_t *terms = apr_array_make(c->pool, SB_QUERY_TERMS_MAX, sizeof(char *));
    char *copy = apr_pstrdup(c->pool, q), *w, *state = NULL;

    for (w = apr_strtok(copy, " \t\r\n", &state); w; w = apr_strtok(NULL, " \t\r\n", &state)) {
        const unsigned char *s;
        for (s = (const unsigned char *)w; *s && !isalnum(*s) && *s < 0x80; s++) {
        }
        if (!*s) {
            continue;
        }
        if (terms->nelts == SB_QUERY_TERMS_MAX) {
            sb_field_fail(&c->err, c->pool, "q", "q may hold at most %d words", SB_QUERY_TERMS_MAX);
            return NULL;
        }
        APR_ARRAY_PUSH(terms, char *) = w;
    }
    if (!terms->nelts) {
        sb_field_fail(&c->err, c->pool, "q", "q must contain a letter or a digit");
        return NULL;
    }
    return terms;
}

/* GET /api/discover/search?q&category&page&limit — best match first, offset pagination. */
static int h_search(sb_call_t *c)
{
    const char *q = sb_query_text(c, "q", SB_QUERY_MAX), *category = sb_query_category(c);
    apr_array_header_t *terms = NULL, *cards;
    sb_store_error_t e = {0};
    int64_t total = 0;
    int page, limit;

    if (!q && !sb_call_fields_failed(c)) {
        sb_field_fail(&c->err, c->pool, "q", "q is required");
    }
    else if (q) {
        terms = search_terms(c, q);
    }
    sb_query_int(c, "page", 1, SB_PAGE_NUMBER_MAX, 1, &page);
    sb_query_int(c, "limit", 1, SB_PAGE_MAX, SB_PAGE_DEFAULT, &limit);
    if (sb_query_failed(c)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_discover_search(c->conn, c->pool, c->user->id, c->now, terms, category,
                                 (page - 1) * limit, limit, &cards, &total, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Users");
    }
    return cards_offset_page(c, cards, page, limit, total);
}

/* GET /api/discover/categories — all eight, in the spec's order, with zero counts too. */
static int h_categories(sb_call_t *c)
{
    int64_t counts[SB_CATEGORY_COUNT];
    sb_store_error_t e = {0};
    json_object *arr;
    int i;

    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_category_counts(c->conn, c->now, sb_categories, SB_CATEGORY_COUNT, counts, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Categories");
    }
    arr = json_object_new_array();
    for (i = 0; i < SB_CATEGORY_COUNT; i++) {
        json_object *o = json_object_new_object();
        sb_json_add_lit(o, "name", json_object_new_string(sb_categories[i]));
        sb_json_add_lit(o, "count", json_object_new_int64(counts[i]));
        json_object_array_add(arr, o);
    }
    return sb_call_ok(c, 200, arr);
}

/* GET /api/discover/trending?limit — data.source says "sessions" or "offered" (fallback).
 * The answer is written by hand: the bytes json-c writes for {source, windowDays, skills:
 * [{skill, category, count}]}, without its objects (most of this route's cost otherwise). */
static int h_trending(sb_call_t *c)
{
    apr_array_header_t *skills;
    sb_store_error_t e = {0};
    const char *source = NULL;
    sb_jtext_t t;
    int limit, i;

    if (!sb_query_int(c, "limit", 1, SB_PAGE_MAX, 10, &limit)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_trending_skills(c->conn, c->pool,
                                 c->now - (int64_t)SB_TRENDING_DAYS * 86400 * 1000, c->now, limit,
                                 &skills, &source, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Trending skills");
    }
    sb_jtext_init(&t, c->pool, 64 + (apr_size_t)skills->nelts * 80);
    sb_jtext_lit(&t, "{\"source\":");
    sb_jtext_str(&t, source);
    sb_jtext_lit(&t, ",\"windowDays\":");
    sb_jtext_int(&t, SB_TRENDING_DAYS);
    sb_jtext_lit(&t, ",\"skills\":[");
    for (i = 0; i < skills->nelts; i++) {
        const sb_skill_count_t *k = &APR_ARRAY_IDX(skills, i, sb_skill_count_t);
        if (i) {
            sb_jtext_lit(&t, ",");
        }
        sb_jtext_lit(&t, "{\"skill\":");
        sb_jtext_str(&t, k->skill ? k->skill : "");
        sb_jtext_lit(&t, ",\"category\":");
        sb_jtext_str(&t, k->category);
        sb_jtext_lit(&t, ",\"count\":");
        sb_jtext_int(&t, k->count);
        sb_jtext_lit(&t, "}");
    }
    sb_jtext_lit(&t, "]}");
    return sb_call_ok(c, 200, sb_json_raw(c->pool, t.buf, t.len));
}

/* GET /api/discover/matches?limit — offer what I want AND want what I offer. */
static int h_matches(sb_call_t *c)
{
    apr_array_header_t *cards;
    sb_store_error_t e = {0};
    int limit;

    if (!sb_query_int(c, "limit", 1, SB_PAGE_MAX, SB_PAGE_DEFAULT, &limit)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_discover_matches(c->conn, c->pool, c->user->id, c->now, limit, &cards, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Matches");
    }
    sb_page_list(c, limit, cards->nelts);
    return cards_ok(c, cards, 1);
}

static int h_profile(sb_call_t *c)
{
    return sb_public_profile(c, c->params[0], 1);
}

/* The fixed paths come before /api/discover/:id. */
const sb_route_t sb_discover_routes[] = {
    {"GET", "/api/discover", h_discover, SB_ROUTE_AUTH, "discover"},
    {"GET", "/api/discover/search", h_search, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/discover/categories", h_categories, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/discover/trending", h_trending, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/discover/matches", h_matches, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/discover/:id", h_profile, SB_ROUTE_AUTH, NULL},
    {NULL, NULL, NULL, 0, NULL}};
