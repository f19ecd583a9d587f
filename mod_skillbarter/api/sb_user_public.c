/* GET /api/users/:id — the public view of a user — and the card/profile helpers it shares
 * with /api/discover. */
#include "sb_routes.h"
#include "sb_public.h"

#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_time.h"
#include "sb_user_json.h"
#include "sb_user_rules.h"
#include "sb_validate.h"
#include "sb_json.h"

#define SB_RECENT_REVIEWS 5

/*
 * A list column as JSON. The store wrote it from validated data with json-c and the schema
 * CHECKs json_valid(), so the text is spliced into the answer verbatim instead of being parsed
 * and rebuilt for every card (most of a discover page's cost otherwise). Anything that does
 * not look like an array falls back to [] (sql/012's card text does the same).
 */
static json_object *stored_list(apr_pool_t *p, const char *text)
{
    apr_size_t n = text ? strlen(text) : 0;

    if (!n || text[0] != '[' || text[n - 1] != ']') {
        return json_object_new_array();
    }
    return sb_json_raw(p, text, n);
}

json_object *sb_card_to_json(apr_pool_t *p, const sb_user_card_t *u)
{
    json_object *o = json_object_new_object();
    sb_user_names_t n = {u->id,  u->username, u->first_name, u->last_name, u->profile_picture,
                         u->bio, u->timezone};

    sb_user_json_names(o, p, &n);
    sb_json_add_lit(o, "country", sb_json_str_or_null(u->country));
    sb_json_add_lit(o, "languages", stored_list(p, u->languages_json));
    sb_json_add_lit(o, "skillsOffered", stored_list(p, u->offered_json));
    sb_json_add_lit(o, "skillsWanted", stored_list(p, u->wanted_json));
    sb_json_add_lit(o, "rating", json_object_new_double(sb_rating_round(u->rating)));
    sb_json_add_lit(o, "totalReviews", json_object_new_int(u->total_reviews));
    sb_json_add_lit(o, "isVerified", json_object_new_boolean(u->is_verified));
    sb_json_add_lit(o, "lastSeen", json_object_new_string(sb_time_iso(p, u->last_seen)));
    return o;
}

/* The members a kept card text (card_head) lacks, closing the object: the bytes json-c
 * writes for sb_card_to_json's last four members, written by hand (a page has up to 50).
 * At most SB_CARD_TAIL_MAX bytes. */
#define SB_CARD_TAIL_MAX   (SB_JSON_DOUBLE_MAX + 128) /* 60 of names + 11 + a 31-byte date */
#define PUT_LIT(o, n, lit) (memcpy((o) + (n), lit, sizeof(lit) - 1), (n) += sizeof(lit) - 1)
/* v in decimal at o; its length. */
static apr_size_t put_int(char *o, int v)
{
    char digits[12];
    unsigned w = (unsigned)v;
    apr_size_t n = 0;
    int d = 0;

    if (v < 0) {
        o[n++] = '-';
        w = 0u - w;
    }
    do {
        digits[d++] = (char)('0' + w % 10);
        w /= 10;
    } while (w);
    while (d) {
        o[n++] = digits[--d];
    }
    return n;
}

static apr_size_t card_tail(char *o, apr_pool_t *p, const sb_user_card_t *u)
{
    char buf[SB_JSON_DOUBLE_MAX];
    apr_size_t n = 0, len;
    const char *rating = sb_rating_text(u->rating, buf, &len), *seen;

    PUT_LIT(o, n, ",\"rating\":");
    memcpy(o + n, rating, len);
    n += len;
    PUT_LIT(o, n, ",\"totalReviews\":");
    n += put_int(o + n, u->total_reviews);
    if (u->is_verified) {
        PUT_LIT(o, n, ",\"isVerified\":true,\"lastSeen\":\"");
    }
    else {
        PUT_LIT(o, n, ",\"isVerified\":false,\"lastSeen\":\"");
    }
    len = strlen(seen = sb_time_iso(p, u->last_seen));
    memcpy(o + n, seen, len);
    n += len;
    PUT_LIT(o, n, "\"}");
    return n;
}

/* The match member a matches card closes with, at most this long (three ints). */
#define SB_MATCH_MEMBER_MAX 96

static const char *cards_text(apr_pool_t *p, const apr_array_header_t *cards, int with_match,
                              apr_size_t *len)
{
    apr_size_t size = 3, n = 0;
    char *o;
    int i;

    for (i = 0; i < cards->nelts; i++) {
        const sb_user_card_t *u = &APR_ARRAY_IDX(cards, i, sb_user_card_t);
        if (!u->card_head) {
            return NULL;
        }
        size += u->card_head_len + SB_CARD_TAIL_MAX + 1 + (with_match ? SB_MATCH_MEMBER_MAX : 0);
    }
    o = apr_palloc(p, size);
    o[n++] = '[';
    for (i = 0; i < cards->nelts; i++) {
        const sb_user_card_t *u = &APR_ARRAY_IDX(cards, i, sb_user_card_t);
        if (i) {
            o[n++] = ',';
        }
        memcpy(o + n, u->card_head, u->card_head_len);
        n += u->card_head_len;
        n += card_tail(o + n, p, u);
        if (with_match) {
            n--; /* the card's closing brace moves after the match member */
            PUT_LIT(o, n, ",\"match\":{\"theyOffer\":");
            n += put_int(o + n, u->they_offer);
            PUT_LIT(o, n, ",\"theyWant\":");
            n += put_int(o + n, u->they_want);
            PUT_LIT(o, n, ",\"score\":");
            n += put_int(o + n, u->they_offer + u->they_want);
            PUT_LIT(o, n, "}}");
        }
    }
    o[n++] = ']';
    o[n] = '\0';
    if (len) {
        *len = n;
    }
    return o;
}

int sb_jtext_card(sb_jtext_t *t, const sb_user_card_t *u)
{
    char *o;

    if (!u->card_head) {
        return 0;
    }
    o = sb_jtext_room(t, u->card_head_len + SB_CARD_TAIL_MAX);
    memcpy(o, u->card_head, u->card_head_len);
    t->len += u->card_head_len + card_tail(o + u->card_head_len, t->p, u);
    t->buf[t->len] = '\0';
    return 1;
}

const char *sb_cards_text(apr_pool_t *p, const apr_array_header_t *cards, apr_size_t *len)
{
    return cards_text(p, cards, 0, len);
}

const char *sb_match_cards_text(apr_pool_t *p, const apr_array_header_t *cards, apr_size_t *len)
{
    return cards_text(p, cards, 1, len);
}

int sb_public_profile(sb_call_t *c, const char *id, int detailed)
{
    sb_store_error_t e = {0};
    apr_array_header_t *reviews = NULL;
    sb_jtext_t t;
    sb_user_t *u;

    /* a malformed id names no user: 404, as for an unknown one */
    if (!id || !sb_id_valid(id)) {
        return sb_fail(&c->err, c->pool, 404, "User not found.");
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_by_id(c->conn, c->pool, sb_lower(c->pool, id), &u, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    if (!sb_user_visible(u, c->now)) {
        return sb_fail(&c->err, c->pool, 404, "User not found.");
    }
    if (detailed
        && sb_store_reviews_recent(c->conn, c->pool, u->id, SB_RECENT_REVIEWS, &reviews, &e)
               != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Reviews");
    }
    sb_jtext_init(&t, c->pool, 4096);
    sb_jtext_public_profile(&t, u, reviews, detailed);
    return sb_call_ok(c, 200, sb_json_raw(c->pool, t.buf, t.len));
}

static int h_user_get(sb_call_t *c)
{
    return sb_public_profile(c, c->params[0], 0);
}

const sb_route_t sb_user_public_routes[] = {
    {"GET", "/api/users/:id", h_user_get, SB_ROUTE_AUTH, NULL}, {NULL, NULL, NULL, 0, NULL}};
