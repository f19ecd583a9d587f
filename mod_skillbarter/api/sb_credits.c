/*
 * /api/credits: the caller's balance (available, held, totals), ledger (offset pages, by type
 * and category), monthly statistics in the caller's time zone, and the admin transfer.
 * Amounts are hours with up to two decimals; the store keeps integer minutes.
 */
#include "sb_routes.h"
#include "sb_session_view.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"
#include "sb_json.h"
#include "sb_session_rules.h"
#include "sb_time.h"
#include "sb_tz.h"
#include "sb_validate.h"

#define SB_TX_PAGE_DEFAULT 20
#define SB_TX_PAGE_MAX     100
#define SB_PAGE_NUMBER_MAX 10000
#define SB_STATS_MONTHS    12

static const char *const tx_types[] = {"earned", "spent", "bonus", "refund", "penalty", NULL};
static const char *const tx_categories[] = {"teaching", "learning", "bonus",
                                            "refund",   "admin",    NULL};

static int one_of(const char *v, const char *const *set)
{
    for (; *set; set++) {
        if (!strcmp(v, *set)) {
            return 1;
        }
    }
    return 0;
}

static int h_balance(sb_call_t *c)
{
    sb_credit_balance_t b;
    sb_store_error_t e = {0};
    json_object *o;

    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_credit_balance(c->conn, c->user->id, &b, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    o = json_object_new_object();
    json_object_object_add(o, "available", sb_hours_json(c->pool, b.available));
    json_object_object_add(o, "held", sb_hours_json(c->pool, b.held));
    json_object_object_add(o, "balance", sb_hours_json(c->pool, b.available + b.held));
    json_object_object_add(o, "totalEarned", sb_hours_json(c->pool, b.total_earned));
    json_object_object_add(o, "totalSpent", sb_hours_json(c->pool, b.total_spent));
    json_object_object_add(o, "hoursTaught", sb_hours_json(c->pool, b.minutes_taught));
    json_object_object_add(o, "hoursLearned", sb_hours_json(c->pool, b.minutes_learned));
    return sb_call_ok(c, 200, o);
}

/* GET /api/credits/transactions?page&limit&type&category */
static int h_transactions(sb_call_t *c)
{
    const char *type = sb_query_param(c, "type"), *category = sb_query_param(c, "category");
    apr_array_header_t *rows;
    sb_store_error_t e = {0};
    json_object *arr;
    int64_t total = 0;
    int page, limit, i;

    if (type && !one_of(type, tx_types)) {
        sb_field_fail(&c->err, c->pool, "type",
                      "type must be one of earned, spent, bonus, "
                      "refund, penalty");
    }
    if (category && !one_of(category, tx_categories)) {
        sb_field_fail(&c->err, c->pool, "category",
                      "category must be one of teaching, "
                      "learning, bonus, refund, admin");
    }
    sb_query_int(c, "page", 1, SB_PAGE_NUMBER_MAX, 1, &page);
    sb_query_int(c, "limit", 1, SB_TX_PAGE_MAX, SB_TX_PAGE_DEFAULT, &limit);
    if (sb_query_failed(c)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_credit_tx_page(c->conn, c->pool, c->user->id, type, category, (page - 1) * limit,
                                limit, &rows, &total, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Transactions");
    }
    arr = json_object_new_array_ext(rows->nelts);
    for (i = 0; i < rows->nelts; i++) {
        json_object_array_add(arr,
                              sb_credit_tx_json(c->pool, &APR_ARRAY_IDX(rows, i, sb_credit_tx_t)));
    }
    sb_page_offset(c, page, limit, total);
    return sb_call_ok(c, 200, arr);
}

/* Local year and month of the UTC instant ms in zone z, as y * 12 + (m - 1). */
static int month_index(const sb_tz_t *z, int64_t ms)
{
    int64_t s = ms / 1000, local = s + (z ? sb_tz_offset(z, s) : 0);
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t zz = days + 719468, era = (zz >= 0 ? zz : zz - 146096) / 146097;
    int64_t doe = zz - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int y = (int)(yoe + era * 400 + (m <= 2));

    return y * 12 + (m - 1);
}

/*
 * GET /api/credits/stats: earned and spent per month for the last 12 months (this one
 * included) in the caller's zone. earned sums `earned` rows; spent is the net of holds,
 * penalties and the refunds that gave holds back — what the caller's learning cost.
 */
static int h_stats(sb_call_t *c)
{
    int64_t earned[SB_STATS_MONTHS] = {0}, spent[SB_STATS_MONTHS] = {0};
    sb_tz_t *z = sb_tz_load(c->pool, c->user->timezone ? c->user->timezone : "UTC");
    int now_m = month_index(z, c->now), i;
    apr_array_header_t *rows;
    sb_store_error_t e = {0};
    json_object *arr, *o;
    int64_t te = 0, ts = 0;

    if (!sb_call_store(c)) {
        return c->err.status;
    }
    /* 13 months back in UTC covers 12 local months in any zone */
    if (sb_store_credit_tx_since(c->conn, c->pool, c->user->id, c->now - 400LL * 86400 * 1000,
                                 &rows, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Transactions");
    }
    for (i = 0; i < rows->nelts; i++) {
        const sb_credit_tx_t *t = &APR_ARRAY_IDX(rows, i, sb_credit_tx_t);
        int k = now_m - month_index(z, t->created_at);
        if (k < 0 || k >= SB_STATS_MONTHS) {
            continue;
        }
        if (!strcmp(t->type, "earned")) {
            earned[k] += t->amount;
        }
        else if (!strcmp(t->type, "spent") || !strcmp(t->type, "penalty")
                 || (!strcmp(t->type, "refund") && strcmp(t->category, "admin"))) {
            spent[k] -= t->amount;
        }
    }
    arr = json_object_new_array_ext(SB_STATS_MONTHS);
    for (i = SB_STATS_MONTHS - 1; i >= 0; i--) {
        json_object *m = json_object_new_object();
        int mi = now_m - i;
        json_object_object_add(
            m, "month",
            json_object_new_string(apr_psprintf(c->pool, "%04d-%02d", mi / 12, mi % 12 + 1)));
        json_object_object_add(m, "earned", sb_hours_json(c->pool, earned[i]));
        json_object_object_add(m, "spent", sb_hours_json(c->pool, spent[i]));
        json_object_array_add(arr, m);
        te += earned[i];
        ts += spent[i];
    }
    o = json_object_new_object();
    json_object_object_add(o, "timezone",
                           json_object_new_string(c->user->timezone ? c->user->timezone : "UTC"));
    json_object_object_add(o, "months", arr);
    json_object_object_add(o, "totalEarned", sb_hours_json(c->pool, te));
    json_object_object_add(o, "totalSpent", sb_hours_json(c->pool, ts));
    return sb_call_ok(c, 200, o);
}

/* An amount of hours: a JSON number with at most two decimals that is whole minutes. */
static int hours_member(sb_call_t *c, json_object *body, const char *key, int64_t *minutes)
{
    json_object *v;
    const char *text;

    if (!json_object_object_get_ex(body, key, &v) || !v) {
        sb_field_fail(&c->err, c->pool, key, "%s is required", key);
        return 0;
    }
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
        sb_field_fail(&c->err, c->pool, key, "%s must be a number of hours", key);
        return 0;
    }
    text = json_object_is_type(v, json_type_int)
               ? apr_psprintf(c->pool, "%" APR_INT64_T_FMT, json_object_get_int64(v))
               : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    if (sb_credits_parse_hours(text, minutes)) {
        sb_field_fail(&c->err, c->pool, key,
                      "%s must be positive hours with at most two "
                      "decimals that make whole minutes (0.25 = 15 minutes)",
                      key);
        return 0;
    }
    return 1;
}

/* POST /api/credits/transfer {from, to, amount, reason}: admins only. */
static int h_transfer(sb_call_t *c)
{
    static const char *const allowed[] = {"from", "to", "amount", "reason", NULL};
    const char *from = NULL, *to = NULL, *reason = NULL;
    sb_store_error_t e = {0};
    json_object *body, *o;
    int64_t minutes = 0;

    if (strcmp(c->user->role, "admin")) {
        return sb_fail(&c->err, c->pool, 403, "Admins only.");
    }
    if (!(body = sb_call_body_object(c, allowed))) {
        return c->err.status;
    }
    if (sb_json_get_string(body, "from", &from, &c->err, c->pool, 1) && !sb_id_valid(from)) {
        sb_field_fail(&c->err, c->pool, "from", "from must be a 24-character hex id");
    }
    if (sb_json_get_string(body, "to", &to, &c->err, c->pool, 1) && !sb_id_valid(to)) {
        sb_field_fail(&c->err, c->pool, "to", "to must be a 24-character hex id");
    }
    if (from && to && sb_id_valid(from) && sb_id_valid(to) && !strcasecmp(from, to)) {
        sb_field_fail(&c->err, c->pool, "to", "from and to must differ");
    }
    hours_member(c, body, "amount", &minutes);
    if (sb_json_get_string(body, "reason", &reason, &c->err, c->pool, 1)) {
        sb_valid_text(&c->err, c->pool, "reason", reason, 500, 1);
    }
    if (sb_has_field_errors(&c->err)) {
        c->err.message = "Validation error";
        return c->err.status ? c->err.status : 400;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    from = sb_lower(c->pool, from);
    to = sb_lower(c->pool, to);
    if (sb_store_credit_transfer(c->conn, from, to, minutes, reason, c->user->id, c->now, &e)
        != SB_STORE_OK) {
        if (e.status == SB_STORE_NOT_FOUND) {
            sb_field_fail(&c->err, c->pool, e.field ? e.field : "from", "User not found");
            return sb_fail(&c->err, c->pool, 404, "User not found.");
        }
        if (e.status == SB_STORE_INSUFFICIENT) {
            sb_field_fail(&c->err, c->pool, "amount", "more than the sender's balance");
            return sb_fail(&c->err, c->pool, 409, "Not enough credits.");
        }
        return sb_call_store_fail(c, &e, "Transfer");
    }
    o = json_object_new_object();
    json_object_object_add(o, "from", json_object_new_string(from));
    json_object_object_add(o, "to", json_object_new_string(to));
    json_object_object_add(o, "amount", sb_hours_json(c->pool, minutes));
    json_object_object_add(o, "reason", json_object_new_string(reason));
    c->message = "Credits transferred";
    return sb_call_ok(c, 200, o);
}

const sb_route_t sb_credit_routes[] = {
    {"GET", "/api/credits/balance", h_balance, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/credits/transactions", h_transactions, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/credits/stats", h_stats, SB_ROUTE_AUTH, NULL},
    {"POST", "/api/credits/transfer", h_transfer, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {NULL, NULL, NULL, 0, NULL}};
