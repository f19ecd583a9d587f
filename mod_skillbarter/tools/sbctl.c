/*
 * sbctl — operator's tool over the same store code the module uses.
 *
 *   sbctl URI migrate                      bring the schema up to date
 *   sbctl URI seed-demo                    demo accounts, once (skips existing ones)
 *   sbctl URI ledger-check                 conservation of credits; exit 1 when unbalanced
 *   sbctl URI set-status ID active|inactive|banned [REASON]
 *   sbctl URI seed N [PASSWORD]            N realistic users in one transaction (password
 *                                          default "seed-password", bcrypt cost 4)
 *   sbctl URI seed-messages N [HUB [CONVERSATIONS]]  N messages among seeded users; HUB
 *                                          (login or id) gets CONVERSATIONS (200) partners
 *   sbctl URI seed-chat A B N [PER_INSTANT]  N messages between A and B, PER_INSTANT (1) a time
 *   sbctl URI outbox-read USER [AFTER [LIMIT]]  USER's outbox events after seq AFTER, JSON lines
 *   sbctl URI outbox-tail [AFTER [LIMIT]]  everyone's events after position AFTER, JSON lines
 *   sbctl URI outbox-prune [AGE]           delete events older than AGE (default 7d, as
 *                                          SkillBarterOutboxRetention)
 *   sbctl ratelimit-hit SHM LIMITER KEY [N]  count N hits (default 1) in httpd's live table
 *   sbctl ratelimit-show SHM               limiters published in the table, entries in use
 *
 * URI is a store URI as in SkillBarterStore (sqlite:/path/file.db); SHM is the rate-limit
 * table's file (SkillBarterRateLimitShm, default DefaultRuntimeDir/skillbarter-ratelimit.shm).
 * KEY is "ip:ADDRESS" or "u:USER_ID", as the module forms them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "sb_id.h"
#include "sb_model.h"
#include "sb_password.h"
#include "sb_seed.h"
#include "sb_ratelimit.h"
#include "sb_time.h"
#include "sb_units.h"
#include "store.h"

#define SB_DEMO_PASSWORD "barter-demo-2024"

static int usage(void)
{
    fprintf(stderr, "usage: sbctl STORE_URI migrate | seed-demo | ledger-check |\n"
                    "       set-status USER_ID active|inactive|banned [REASON] |\n"
                    "       seed N [PASSWORD] | seed-messages N [HUB [CONVERSATIONS]] |\n"
                    "       seed-chat A B N [PER_INSTANT] | outbox-read USER [AFTER [LIMIT]] |\n"
                    "       outbox-tail [AFTER [LIMIT]] | outbox-prune [AGE]\n"
                    "usage: sbctl ratelimit-hit SHM LIMITER KEY [N] | ratelimit-show SHM\n");
    return 2;
}

static int fail(const char *what, const sb_store_error_t *e)
{
    fprintf(stderr, "sbctl: %s: %s\n", what, e->message);
    return 1;
}

static apr_array_header_t *offered(apr_pool_t *p, const char *skill, const char *category,
                                   const char *experience, const char *description)
{
    apr_array_header_t *a = apr_array_make(p, 1, sizeof(sb_skill_offered_t));
    sb_skill_offered_t *s = apr_array_push(a);
    s->skill = skill;
    s->category = category;
    s->experience = experience;
    s->description = description;
    s->verified = 0;
    return a;
}

static apr_array_header_t *wanted(apr_pool_t *p, const char *skill, const char *category)
{
    apr_array_header_t *a = apr_array_make(p, 1, sizeof(sb_skill_wanted_t));
    sb_skill_wanted_t *s = apr_array_push(a);
    s->skill = skill;
    s->category = category;
    s->level = "Beginner";
    s->priority = "High";
    return a;
}

static int seed_demo(sb_store_conn_t *c, apr_pool_t *p)
{
    static const struct {
        const char *username, *first, *last, *skill, *category, *want, *want_category;
    } demo[] = {
        {"alice", "Alice", "Martin", "Python", "Technology", "Spanish", "Language"},
        {"bob", "Bob", "Garcia", "Spanish", "Language", "Guitar", "Music"},
        {"carol", "Carol", "Nguyen", "Guitar", "Music", "Python", "Technology"},
    };
    const char *hash = NULL;
    apr_size_t i;

    for (i = 0; i < sizeof demo / sizeof demo[0]; i++) {
        sb_store_error_t e = {0};
        sb_user_new_t nu;
        sb_user_t *u;
        const char *email = apr_psprintf(p, "%s@demo.skillbarter.local", demo[i].username);

        if (sb_store_user_by_login(c, p, demo[i].username, &u, &e) == SB_STORE_OK) {
            printf("demo user %s exists\n", demo[i].username);
            continue;
        }
        if (!hash && !(hash = sb_password_hash(p, SB_DEMO_PASSWORD, SB_BCRYPT_DEFAULT_COST))) {
            fprintf(stderr, "sbctl: bcrypt failed\n");
            return 1;
        }
        nu.username = demo[i].username;
        nu.email = email;
        nu.password_hash = hash;
        nu.first_name = demo[i].first;
        nu.last_name = demo[i].last;
        if (sb_store_user_create(c, p, &nu, SB_STARTING_CREDIT_MINUTES, sb_now_ms(), &u, &e)
            != SB_STORE_OK) {
            return fail("create demo user", &e);
        }
        if (sb_store_user_update_lists(
                c, p, u->id,
                offered(p, demo[i].skill, demo[i].category, "Expert",
                        apr_psprintf(p, "%s taught from the basics", demo[i].skill)),
                wanted(p, demo[i].want, demo[i].want_category), NULL, sb_now_ms(), &u, &e)
            != SB_STORE_OK) {
            return fail("set demo skills", &e);
        }
        printf("demo user %s <%s> password %s\n", u->username, u->email, SB_DEMO_PASSWORD);
    }
    return 0;
}

static int ledger_check(sb_store_conn_t *c)
{
    sb_ledger_audit_t a;
    sb_store_error_t e = {0};
    int64_t left, right;

    if (sb_store_ledger_audit(c, &a, &e) != SB_STORE_OK) {
        return fail("ledger audit", &e);
    }
    left = a.balances + a.escrow;
    right = a.bonuses - a.penalties + a.adjustments;
    printf("balances %lld + escrow %lld = %lld; bonuses %lld - penalties %lld + adjustments "
           "%lld = %lld (minutes); users off their ledger: %lld\n",
           (long long)a.balances, (long long)a.escrow, (long long)left, (long long)a.bonuses,
           (long long)a.penalties, (long long)a.adjustments, (long long)right,
           (long long)a.bad_rows);
    if (left != right || a.bad_rows) {
        printf("ledger: UNBALANCED\n");
        return 1;
    }
    printf("ledger: balanced\n");
    return 0;
}

static int set_status(sb_store_conn_t *c, int argc, char **argv)
{
    sb_store_error_t e = {0};
    const char *what;

    if (argc < 5) {
        return usage();
    }
    what = argv[4];
    if (strcmp(what, "active") && strcmp(what, "inactive") && strcmp(what, "banned")) {
        return usage();
    }
    if (sb_store_user_set_status(c, argv[3], strcmp(what, "inactive") != 0,
                                 !strcmp(what, "banned"), argc > 5 ? argv[5] : NULL, 0,
                                 sb_now_ms(), &e)
        != SB_STORE_OK) {
        return fail("set-status", &e);
    }
    return 0;
}

/* A user named by id, email or username; NULL (message printed) when there is none. */
static sb_user_t *find_user(sb_store_conn_t *c, apr_pool_t *p, const char *who)
{
    sb_store_error_t e = {0};
    sb_user_t *u = NULL;

    if (sb_id_valid(who) && sb_store_user_by_id(c, p, who, &u, &e) == SB_STORE_OK) {
        return u;
    }
    if (sb_store_user_by_login(c, p, who, &u, &e) == SB_STORE_OK) {
        return u;
    }
    fprintf(stderr, "sbctl: no user %s\n", who);
    return NULL;
}

/* outbox-read / outbox-tail: one JSON object per line, in order. */
static int outbox_show(sb_store_conn_t *c, apr_pool_t *p, int argc, char **argv)
{
    int tail = !strcmp(argv[2], "outbox-tail"), first = tail ? 3 : 4, i;
    int64_t after = argc > first ? strtoll(argv[first], NULL, 10) : 0;
    int limit = argc > first + 1 ? atoi(argv[first + 1]) : 1000;
    sb_store_error_t e = {0};
    apr_array_header_t *rows;
    sb_user_t *u = NULL;

    if ((!tail && (argc < 4 || !(u = find_user(c, p, argv[3])))) || limit < 1) {
        return argc < 4 && !tail ? usage() : 1;
    }
    if ((tail ? sb_store_outbox_tail(c, p, after, limit, &rows, &e)
              : sb_store_outbox_read(c, p, u->id, after, limit, &rows, &e))
        != SB_STORE_OK) {
        return fail("outbox", &e);
    }
    for (i = 0; i < rows->nelts; i++) {
        const sb_outbox_row_t *r = &APR_ARRAY_IDX(rows, i, sb_outbox_row_t);
        /* type and data are the module's own JSON-safe text: event names and JSON */
        printf("{\"pos\":%lld,\"seq\":%lld,\"user\":\"%s\",\"type\":\"%s\",\"createdAt\":%lld,"
               "\"data\":%s}\n", (long long)r->pos, (long long)r->seq, r->user_id, r->type,
               (long long)r->created_at, r->data);
    }
    return 0;
}

static int outbox_prune(sb_store_conn_t *c, int argc, char **argv)
{
    apr_int64_t age = 7 * 86400;
    sb_store_error_t e = {0};
    int64_t removed = 0;

    if (argc > 3 && (sb_parse_duration(argv[3], &age) || age <= 0)) {
        fprintf(stderr, "sbctl: outbox-prune: AGE is a duration such as 7d or 12h\n");
        return 2;
    }
    if (sb_store_outbox_prune(c, sb_now_ms() - age * 1000, &removed, &e) != SB_STORE_OK) {
        return fail("outbox-prune", &e);
    }
    printf("pruned %lld outbox events older than %llds\n", (long long)removed, (long long)age);
    return 0;
}

static int seed_messages(sb_store_conn_t *c, apr_pool_t *p, int argc, char **argv)
{
    sb_user_t *hub = NULL, *a, *b;

    if (!strcmp(argv[2], "seed-chat")) {
        if (argc < 6 || !(a = find_user(c, p, argv[3])) || !(b = find_user(c, p, argv[4]))) {
            return argc < 6 ? usage() : 1;
        }
        return sb_seed_chat(c, p, a, b, atoi(argv[5]), argc > 6 ? atoi(argv[6]) : 1);
    }
    if (argc < 4 || (argc > 4 && !(hub = find_user(c, p, argv[4])))) {
        return argc < 4 ? usage() : 1;
    }
    return sb_seed_messages(c, p, atoi(argv[3]), hub, argc > 5 ? atoi(argv[5]) : 200);
}

/* Consume from (or list) the table httpd uses, as skillbarter-realtime will. Exit status:
 * 0 every hit allowed, 1 a hit denied, 2 usage or attach failure. */
static int ratelimit(apr_pool_t *p, int argc, char **argv)
{
    sb_rl_table_t *t;
    sb_rl_hit_t h;
    sb_rl_def_t d;
    const char *why = NULL;
    long i, n = argc > 5 ? strtol(argv[5], NULL, 10) : 1;
    uint32_t cap, used;

    if (argc < 3 || sb_rl_attach(p, argv[2], &t, &why) != APR_SUCCESS) {
        fprintf(stderr, "sbctl: %s\n", why ? why : "usage: ratelimit-* SHM ...");
        return 2;
    }
    if (!strcmp(argv[1], "ratelimit-show")) {
        sb_rl_def_t defs[SB_RL_MAX_LIMITERS];
        int nd = sb_rl_definitions(t, defs, SB_RL_MAX_LIMITERS);
        for (i = 0; i < nd; i++) {
            d = defs[i];
            if (!d.max) {
                printf("%s off\n", d.name);
                continue;
            }
            printf("%s %u per %us by %s%s\n", d.name, d.max, d.window_s,
                   d.flags & SB_RL_F_KEY_USER ? "user" : "ip",
                   d.flags & SB_RL_F_SKIP_SUCCESS ? " skip-successful" : "");
        }
        used = sb_rl_used(t, sb_now_ms(), &cap);
        printf("entries %u/%u%s\n", used, cap, sb_rl_retired(t) ? " (retired)" : "");
        return 0;
    }
    if (argc < 5 || n < 1) {
        return usage();
    }
    for (i = 0; i < n; i++) {
        sb_rl_status_t st = sb_rl_hit_named(t, argv[3], argv[4], sb_now_ms(), &h);
        if (st == SB_RL_NOT_FOUND || st == SB_RL_RETIRED || st == SB_RL_ERROR) {
            fprintf(stderr, "sbctl: %s\n", st == SB_RL_NOT_FOUND ? "no such limiter"
                                           : st == SB_RL_RETIRED ? "table retired: attach again"
                                                                 : "lock failed");
            return 2;
        }
        if (st == SB_RL_DENY) {
            printf("deny limit=%u remaining=0 retry=%u\n", h.max, h.retry_s);
            return 1;
        }
    }
    printf("allow limit=%u remaining=%u reset=%u\n", h.max, h.remaining, h.reset_s);
    return 0;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    sb_store_t *store;
    sb_store_conn_t *c;
    sb_store_error_t e = {0};
    sb_store_options_t opts = {.pool_min = 1, .pool_max = 2, .busy_timeout_ms = 10000};
    int rc;

    if (argc < 3) {
        return usage();
    }
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (!strncmp(argv[1], "ratelimit-", 10)) {
        return ratelimit(p, argc, argv);
    }
    if (sb_store_open(p, argv[1], &opts, &store, &e) != SB_STORE_OK) {
        return fail("open", &e);
    }
    if (sb_store_migrate(store, &e) != SB_STORE_OK) {
        return fail("migrate", &e);
    }
    if (sb_store_acquire(store, p, &c, &e) != SB_STORE_OK) {
        return fail("acquire", &e);
    }
    if (!strcmp(argv[2], "migrate")) {
        rc = 0;
    }
    else if (!strcmp(argv[2], "seed-demo")) {
        rc = seed_demo(c, p);
    }
    else if (!strcmp(argv[2], "ledger-check")) {
        rc = ledger_check(c);
    }
    else if (!strcmp(argv[2], "set-status")) {
        rc = set_status(c, argc, argv);
    }
    else if (!strcmp(argv[2], "seed")) {
        rc = argc < 4 ? usage() : sb_seed_run(c, p, atoi(argv[3]), argc > 4 ? argv[4] : NULL);
    }
    else if (!strcmp(argv[2], "seed-messages") || !strcmp(argv[2], "seed-chat")) {
        rc = seed_messages(c, p, argc, argv);
    }
    else if (!strcmp(argv[2], "outbox-read") || !strcmp(argv[2], "outbox-tail")) {
        rc = outbox_show(c, p, argc, argv);
    }
    else if (!strcmp(argv[2], "outbox-prune")) {
        rc = outbox_prune(c, argc, argv);
    }
    else {
        rc = usage();
    }
    apr_pool_destroy(p);
    return rc;
}
