/*
 * sbctl — the operator's tool, over the same store and rate-limit code the module uses.
 * `sbctl --help` lists every command (the table at the end of this file).
 *
 *   sbctl [--settings FILE] [STORE_URI] COMMAND [ARGS]
 *
 * STORE_URI is a store URI as in SkillBarterStore (sqlite:/path/file.db). Without one, the
 * store — and for the ratelimit-* commands the table's file — comes from the settings file
 * httpd writes at start-up (DefaultRuntimeDir/skillbarter.settings): --settings FILE, else
 * $SKILLBARTER_SETTINGS, else the default runtime directory compiled in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "sb_id.h"
#include "sb_jobs.h"
#include "sb_model.h"
#include "sb_password.h"
#include "sb_ratelimit.h"
#include "sb_seed.h"
#include "sb_session_jobs.h"
#include "sb_settings.h"
#include "sb_time.h"
#include "sb_units.h"
#include "store.h"

#ifndef SB_RUNTIME_DIR
#define SB_RUNTIME_DIR "/run/apache2"
#endif
#define SB_SETTINGS_ENV  "SKILLBARTER_SETTINGS"
#define SB_DEMO_PASSWORD "barter-demo-2024"

/* What a command works on, resolved before it runs. */
typedef struct {
    apr_pool_t *pool;
    sb_store_conn_t *conn;         /* store commands */
    const char *shm;               /* ratelimit commands */
    const sb_settings_t *settings; /* jobs: the settings file's values */
    const char *store_uri;         /* jobs */
} sbctl_t;

/* ON_JOBS: the command opens the store itself and needs the settings file. */
typedef enum { ON_STORE, ON_SHM, ON_JOBS } target_t;

typedef struct {
    const char *name;
    target_t target;
    int min_args, max_args; /* after the command's name */
    const char *args;       /* how they are written, for --help */
    const char *help;
    int (*run)(sbctl_t *x, int argc, char **argv); /* argv[0]: the first argument */
} command_t;

static int usage(void);

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

/* A demo week: mornings on Monday, Wednesday and Friday, afternoons on Tuesday and Thursday,
 * a late morning on Saturday (local times of the user's zone). */
static apr_array_header_t *demo_week(apr_pool_t *p)
{
    static const struct {
        const char *day, *start, *end;
    } week[] = {
        {"Monday", "09:00", "12:00"},    {"Tuesday", "14:00", "18:00"},
        {"Wednesday", "09:00", "12:00"}, {"Thursday", "14:00", "18:00"},
        {"Friday", "09:00", "12:00"},    {"Saturday", "10:00", "13:00"},
    };
    apr_array_header_t *a = apr_array_make(p, 6, sizeof(sb_availability_t));
    apr_size_t i;

    for (i = 0; i < sizeof week / sizeof week[0]; i++) {
        sb_availability_t *d = apr_array_push(a);
        sb_time_slot_t *t;

        d->day = week[i].day;
        d->time_slots = apr_array_make(p, 1, sizeof(sb_time_slot_t));
        t = apr_array_push(d->time_slots);
        t->start_time = week[i].start;
        t->end_time = week[i].end;
    }
    return a;
}

static apr_array_header_t *demo_languages(apr_pool_t *p, const char *a, const char *b)
{
    apr_array_header_t *l = apr_array_make(p, 2, sizeof(const char *));

    *(const char **)apr_array_push(l) = a;
    *(const char **)apr_array_push(l) = b;
    return l;
}

/* A short conversation between two new demo users (bob writes to alice), so the messages
 * screen has something to show; historical, so no outbox events or notifications. */
static int demo_conversation(sb_store_conn_t *c, const char *alice, const char *bob)
{
    static const struct {
        int from_bob;
        const char *text;
    } lines[] = {
        {1, "Hola Alice! I saw you want to learn Spanish. I would love some Python in return."},
        {0, "Hi Bob! Yes please. Could we start with greetings and ordering food?"},
        {1, "Perfect. Book any slot on my profile; my hours are shown in your time zone."},
    };
    int64_t now = sb_now_ms();
    apr_size_t i;

    for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        sb_store_error_t e = {0};
        char id[SB_ID_LEN + 1];
        sb_message_new_t m = {0};
        int notified = 0;

        sb_id_new(id);
        m.id = id;
        m.sender_id = lines[i].from_bob ? bob : alice;
        m.receiver_id = lines[i].from_bob ? alice : bob;
        m.content = lines[i].text;
        m.message_type = "text";
        if (sb_store_message_send(c, &m, NULL, 0, NULL, now - (int64_t)(3 - i) * 60000, &notified,
                                  &e)
            != SB_STORE_OK) {
            return fail("send demo message", &e);
        }
    }
    return 0;
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
    const char *made[3] = {NULL, NULL, NULL}; /* ids of the users created by this run */
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
        /* Something on every screen of the web app: a zone, a bio, languages, open hours. */
        {
            static const char *const zones[] = {"Europe/Paris", "America/Mexico_City",
                                                "Asia/Ho_Chi_Minh"};
            static const char *const countries[] = {"France", "Mexico", "Vietnam"};
            sb_profile_patch_t patch = {0};

            patch.timezone = zones[i];
            patch.country = countries[i];
            patch.bio = apr_psprintf(p, "Demo account: teaches %s, wants to learn %s.",
                                     demo[i].skill, demo[i].want);
            patch.languages = demo_languages(p, "English", i == 1 ? "Spanish" : "French");
            if (sb_store_user_update_profile(c, p, u->id, &patch, sb_now_ms(), &u, &e)
                != SB_STORE_OK) {
                return fail("set demo profile", &e);
            }
            if (sb_store_user_update_lists(c, p, u->id, NULL, NULL, demo_week(p), sb_now_ms(), &u,
                                           &e)
                != SB_STORE_OK) {
                return fail("set demo availability", &e);
            }
        }
        made[i] = apr_pstrdup(p, u->id);
        printf("demo user %s <%s> password %s\n", u->username, u->email, SB_DEMO_PASSWORD);
    }
    if (made[0] && made[1]) {
        return demo_conversation(c, made[0], made[1]);
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
    printf("users whose balance is not the sum of their rows: %lld; holds without exactly one "
           "open session: %lld\n",
           (long long)a.bad_sums, (long long)a.bad_holds);
    if (left != right) {
        printf("violation: balances + holds != bonuses - penalties + adjustments\n");
    }
    if (a.bad_rows) {
        printf("violation: %lld users' balances differ from their last balanceAfter\n",
               (long long)a.bad_rows);
    }
    if (a.bad_sums) {
        printf("violation: %lld users' balances differ from the sum of their ledger rows\n",
               (long long)a.bad_sums);
    }
    if (a.bad_holds) {
        printf("violation: %lld holds do not match exactly one open session\n",
               (long long)a.bad_holds);
    }
    if (left != right || a.bad_rows || a.bad_sums || a.bad_holds) {
        printf("ledger: UNBALANCED\n");
        return 1;
    }
    printf("ledger: balanced\n");
    return 0;
}

static int cmd_migrate(sbctl_t *x, int argc, char **argv)
{
    return 0; /* opening the store brought the schema up to date */
}

static int cmd_seed_demo(sbctl_t *x, int argc, char **argv)
{
    return seed_demo(x->conn, x->pool);
}

static int cmd_ledger_check(sbctl_t *x, int argc, char **argv)
{
    return ledger_check(x->conn);
}

static int cmd_set_status(sbctl_t *x, int argc, char **argv)
{
    sb_store_error_t e = {0};
    const char *what = argv[1];

    if (strcmp(what, "active") && strcmp(what, "inactive") && strcmp(what, "banned")) {
        return usage();
    }
    if (sb_store_user_set_status(x->conn, argv[0], strcmp(what, "inactive") != 0,
                                 !strcmp(what, "banned"), argc > 2 ? argv[2] : NULL, 0, sb_now_ms(),
                                 &e)
        != SB_STORE_OK) {
        return fail("set-status", &e);
    }
    return 0;
}

static sb_user_t *find_user(sb_store_conn_t *c, apr_pool_t *p, const char *who);

/* set-role USER (id or login) user|admin */
static int cmd_set_role(sbctl_t *x, int argc, char **argv)
{
    sb_store_error_t e = {0};
    sb_user_t *u;

    if (strcmp(argv[1], "user") && strcmp(argv[1], "admin")) {
        return usage();
    }
    if (!(u = find_user(x->conn, x->pool, argv[0]))) {
        return 1;
    }
    if (sb_store_user_set_role(x->conn, u->id, argv[1], sb_now_ms(), &e) != SB_STORE_OK) {
        return fail("set-role", &e);
    }
    return 0;
}

/* cache-reset */
static int cmd_cache_reset(sbctl_t *x, int argc, char **argv)
{
    sb_store_error_t e = {0};

    if (sb_store_users_cache_reset(x->conn, &e) != SB_STORE_OK) {
        return fail("cache reset", &e);
    }
    printf("cache-reset: every process reads users, discover pages and matches from the store "
           "again\n");
    return 0;
}

static int cmd_seed(sbctl_t *x, int argc, char **argv)
{
    const char *password = NULL;
    uint64_t seed = 0;
    int i, n = 0, have_n = 0, have_seed = 0;

    for (i = 0; i < argc; i++) {
        char *end = NULL;
        if (!strcmp(argv[i], "--seed")) {
            if (i + 1 == argc) {
                return usage();
            }
            seed = strtoull(argv[++i], &end, 10);
            if (!*argv[i] || *end) {
                fprintf(stderr, "sbctl: seed: --seed takes a number, got '%s'\n", argv[i]);
                return 2;
            }
            have_seed = 1;
        }
        else if (!have_n) {
            n = atoi(argv[i]);
            have_n = 1;
        }
        else if (!password) {
            password = argv[i];
        }
        else {
            return usage();
        }
    }
    if (!have_n) {
        return usage();
    }
    return sb_seed_run(x->conn, x->pool, n, password, have_seed ? &seed : NULL);
}

/* Consume from the table httpd uses, as skillbarter-realtime will. Exit status: 0 every hit
 * allowed, 1 a hit denied, 2 usage or attach failure. */
static int cmd_ratelimit_hit(sbctl_t *x, int argc, char **argv)
{
    sb_rl_table_t *t;
    sb_rl_hit_t h;
    const char *why = NULL;
    long i, n = argc > 2 ? strtol(argv[2], NULL, 10) : 1;

    if (n < 1) {
        return usage();
    }
    if (sb_rl_attach(x->pool, x->shm, &t, &why) != APR_SUCCESS) {
        fprintf(stderr, "sbctl: %s\n", why);
        return 2;
    }
    for (i = 0; i < n; i++) {
        sb_rl_status_t st = sb_rl_hit_named(t, argv[0], argv[1], sb_now_ms(), &h);
        if (st == SB_RL_NOT_FOUND || st == SB_RL_RETIRED || st == SB_RL_ERROR) {
            fprintf(stderr, "sbctl: %s\n",
                    st == SB_RL_NOT_FOUND ? "no such limiter"
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

/* The limiters published in the table and the entries in use. */
static int cmd_ratelimit_show(sbctl_t *x, int argc, char **argv)
{
    sb_rl_def_t defs[SB_RL_MAX_LIMITERS];
    sb_rl_table_t *t;
    const char *why = NULL;
    uint32_t cap, used;
    int i, nd;

    if (sb_rl_attach(x->pool, x->shm, &t, &why) != APR_SUCCESS) {
        fprintf(stderr, "sbctl: %s\n", why);
        return 2;
    }
    nd = sb_rl_definitions(t, defs, SB_RL_MAX_LIMITERS);
    for (i = 0; i < nd; i++) {
        const sb_rl_def_t *d = &defs[i];
        if (!d->max) {
            printf("%s off\n", d->name);
            continue;
        }
        printf("%s %u per %us by %s%s\n", d->name, d->max, d->window_s,
               d->flags & SB_RL_F_KEY_USER ? "user" : "ip",
               d->flags & SB_RL_F_SKIP_SUCCESS ? " skip-successful" : "");
    }
    used = sb_rl_used(t, sb_now_ms(), &cap);
    printf("entries %u/%u%s\n", used, cap, sb_rl_retired(t) ? " (retired)" : "");
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

/* One outbox row as a JSON line; type and data are the module's own JSON-safe text (event
 * names and JSON). */
static void print_outbox_rows(const apr_array_header_t *rows)
{
    int i;

    for (i = 0; i < rows->nelts; i++) {
        const sb_outbox_row_t *r = &APR_ARRAY_IDX(rows, i, sb_outbox_row_t);
        printf("{\"pos\":%lld,\"seq\":%lld,\"user\":\"%s\",\"type\":\"%s\",\"createdAt\":%lld,"
               "\"data\":%s}\n",
               (long long)r->pos, (long long)r->seq, r->user_id, r->type, (long long)r->created_at,
               r->data);
    }
}

/* outbox-read USER [AFTER [LIMIT]] */
static int cmd_outbox_read(sbctl_t *x, int argc, char **argv)
{
    int64_t after = argc > 1 ? strtoll(argv[1], NULL, 10) : 0;
    int limit = argc > 2 ? atoi(argv[2]) : 1000;
    sb_store_error_t e = {0};
    apr_array_header_t *rows;
    sb_user_t *u;

    if (limit < 1) {
        return usage();
    }
    if (!(u = find_user(x->conn, x->pool, argv[0]))) {
        return 1;
    }
    if (sb_store_outbox_read(x->conn, x->pool, u->id, after, limit, &rows, &e) != SB_STORE_OK) {
        return fail("outbox-read", &e);
    }
    print_outbox_rows(rows);
    return 0;
}

/* outbox-tail [AFTER [LIMIT]] */
static int cmd_outbox_tail(sbctl_t *x, int argc, char **argv)
{
    int64_t after = argc > 0 ? strtoll(argv[0], NULL, 10) : 0;
    int limit = argc > 1 ? atoi(argv[1]) : 1000;
    sb_store_error_t e = {0};
    apr_array_header_t *rows;

    if (limit < 1) {
        return usage();
    }
    if (sb_store_outbox_tail(x->conn, x->pool, after, limit, &rows, &e) != SB_STORE_OK) {
        return fail("outbox-tail", &e);
    }
    print_outbox_rows(rows);
    return 0;
}

/* outbox-prune [AGE] */
static int cmd_outbox_prune(sbctl_t *x, int argc, char **argv)
{
    apr_int64_t age = 7 * 86400;
    sb_store_error_t e = {0};
    int64_t removed = 0;

    if (argc > 0 && (sb_parse_duration(argv[0], &age) || age <= 0)) {
        fprintf(stderr, "sbctl: outbox-prune: AGE is a duration such as 7d or 12h\n");
        return 2;
    }
    if (sb_store_outbox_prune(x->conn, sb_now_ms() - age * 1000, &removed, &e) != SB_STORE_OK) {
        return fail("outbox-prune", &e);
    }
    printf("pruned %lld outbox events older than %llds\n", (long long)removed, (long long)age);
    return 0;
}

/* seed-messages N [HUB [CONVERSATIONS]] */
static int cmd_seed_messages(sbctl_t *x, int argc, char **argv)
{
    sb_user_t *hub = NULL;

    if (argc > 1 && !(hub = find_user(x->conn, x->pool, argv[1]))) {
        return 1;
    }
    return sb_seed_messages(x->conn, x->pool, atoi(argv[0]), hub, argc > 2 ? atoi(argv[2]) : 200);
}

/* seed-chat A B N [PER_INSTANT] */
static int cmd_seed_chat(sbctl_t *x, int argc, char **argv)
{
    sb_user_t *a, *b;

    if (!(a = find_user(x->conn, x->pool, argv[0]))
        || !(b = find_user(x->conn, x->pool, argv[1]))) {
        return 1;
    }
    return sb_seed_chat(x->conn, x->pool, a, b, atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 1);
}

/* jobs [--once] [--log FILE] [--interval MS] */
static int cmd_jobs(sbctl_t *x, int argc, char **argv)
{
    const char *log = NULL;
    int64_t interval = 0;
    int once = 0, i;

    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--once")) {
            once = 1;
        }
        else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
            log = argv[++i];
        }
        else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
            interval = strtoll(argv[++i], NULL, 10);
            if (interval < 10 || interval > 3600000) {
                return usage();
            }
        }
        else {
            return usage();
        }
    }
    return sb_jobs_run(x->pool, x->store_uri, x->settings, log, once, interval);
}

/* mail-queue [list [STATE] | retry ID | drop ID] */
static int cmd_mail_queue(sbctl_t *x, int argc, char **argv)
{
    sb_store_error_t e = {0};
    sb_store_mail_counts_t n;
    apr_array_header_t *list;
    int i;

    if (argc == 2 && !strcmp(argv[0], "retry")) {
        if (sb_store_mail_retry(x->conn, argv[1], sb_now_ms(), &e) != SB_STORE_OK) {
            return fail(apr_psprintf(x->pool, "retry %s (only a failed message)", argv[1]), &e);
        }
        printf("queued %s again\n", argv[1]);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[0], "drop")) {
        if (sb_store_mail_drop(x->conn, argv[1], &e) != SB_STORE_OK) {
            return fail(apr_psprintf(x->pool, "drop %s (only a queued or failed message)", argv[1]),
                        &e);
        }
        printf("dropped %s\n", argv[1]);
        return 0;
    }
    if (argc > 2 || (argc >= 1 && strcmp(argv[0], "list"))) {
        return usage();
    }
    if (sb_store_mail_counts(x->conn, &n, &e) != SB_STORE_OK) {
        return fail("mail counts", &e);
    }
    printf("queued %" APR_INT64_T_FMT " sending %" APR_INT64_T_FMT " sent %" APR_INT64_T_FMT
           " failed %" APR_INT64_T_FMT "\n",
           n.queued, n.claimed + n.sending, n.sent, n.failed);
    if (argc == 0) {
        return 0;
    }
    if (sb_store_mail_list(x->conn, x->pool, argc == 2 ? argv[1] : NULL, 100, &list, &e)
        != SB_STORE_OK) {
        return fail("mail list", &e);
    }
    for (i = 0; i < list->nelts; i++) {
        const sb_store_mail_t *m = APR_ARRAY_IDX(list, i, const sb_store_mail_t *);
        printf("%s %s %s attempts=%d %s%s\n", m->id, m->state, m->rcpt, m->attempts, m->kind,
               m->last_error ? apr_pstrcat(x->pool, " error=", m->last_error, NULL) : "");
    }
    return 0;
}

/* session-jobs [--now MS] [--no-show-penalty MINUTES]: one tick of the session jobs. */
static int cmd_session_jobs(sbctl_t *x, int argc, char **argv)
{
    sb_session_jobs_opts_t o = {-1, 0, NULL, NULL, NULL};
    sb_session_jobs_report_t r;
    sb_store_error_t e = {0};
    int64_t now = sb_now_ms();
    int i;

    for (i = 0; i < argc; i++) {
        int64_t v;
        if (i + 1 < argc && !strcmp(argv[i], "--now")
            && sb_parse_int(argv[i + 1], 0, INT64_MAX, &v) == 0) {
            now = v;
            i++;
        }
        else if (i + 1 < argc && !strcmp(argv[i], "--no-show-penalty")
                 && sb_parse_int(argv[i + 1], -1, 24 * 60, &v) == 0) {
            o.no_show_penalty = v;
            i++;
        }
        else {
            fprintf(stderr,
                    "sbctl: session-jobs: bad argument '%s' (--now MS, "
                    "--no-show-penalty MINUTES)\n",
                    argv[i]);
            return 2;
        }
    }
    if (x->settings) { /* reminder mail as the settings file says (no store URI given) */
        o.mail_from = x->settings->mail_from;
        o.public_url = x->settings->public_url;
        o.mail_templates = x->settings->mail_templates;
    }
    if (sb_session_jobs_tick(x->conn, x->pool, &o, now, &r, &e) != SB_STORE_OK) {
        return fail("session jobs", &e);
    }
    printf("session-jobs: expired %d, no_show %d, abandoned %d, reminders %d, skipped %d, "
           "mail errors %d\n",
           r.expired, r.no_show, r.abandoned, r.reminders, r.skipped, r.mail_errors);
    return 0;
}

static const command_t commands[] = {
    {"migrate", ON_STORE, 0, 0, "", "bring the schema up to date", cmd_migrate},
    {"seed-demo", ON_STORE, 0, 0, "", "demo accounts, once (skips existing ones)", cmd_seed_demo},
    {"ledger-check", ON_STORE, 0, 0, "", "conservation of credits; exit 1 when unbalanced",
     cmd_ledger_check},
    {"set-status", ON_STORE, 2, 3, "USER_ID active|inactive|banned [REASON]",
     "activate, deactivate or ban an account", cmd_set_status},
    {"set-role", ON_STORE, 2, 2, "USER user|admin",
     "make a user (id or login) an admin, or a user again", cmd_set_role},
    {"cache-reset", ON_STORE, 0, 0, "",
     "make every process forget what it cached (users, discover and search pages,\n"
     "      matches) after changing the database around the store, e.g. with the\n"
     "      sqlite3 shell",
     cmd_cache_reset},
    {"seed", ON_STORE, 1, 4, "N [PASSWORD] [--seed S]",
     "N realistic users in one transaction (password seed-password, bcrypt\n"
     "      cost 4); the same people again for the same seed S",
     cmd_seed},
    {"seed-messages", ON_STORE, 1, 3, "N [HUB [CONVERSATIONS]]",
     "N messages among seeded users; HUB (login or id) gets CONVERSATIONS\n"
     "      (default 200) partners",
     cmd_seed_messages},
    {"seed-chat", ON_STORE, 3, 4, "A B N [PER_INSTANT]",
     "N messages between A and B, PER_INSTANT (default 1) sharing a time", cmd_seed_chat},
    {"session-jobs", ON_STORE, 0, 4, "[--now MS] [--no-show-penalty MINUTES]",
     "one tick of the session jobs (expiry, no-show, abandonment, reminders)\n"
     "      at MS (default: now); the no-show penalty defaults to the whole hold",
     cmd_session_jobs},
    {"outbox-read", ON_STORE, 1, 3, "USER [AFTER [LIMIT]]",
     "USER's outbox events after seq AFTER, one JSON object a line", cmd_outbox_read},
    {"outbox-tail", ON_STORE, 0, 2, "[AFTER [LIMIT]]",
     "everyone's outbox events after position AFTER, one JSON object a line", cmd_outbox_tail},
    {"outbox-prune", ON_STORE, 0, 1, "[AGE]",
     "delete outbox events older than AGE (default 7d, as SkillBarterOutboxRetention)",
     cmd_outbox_prune},
    {"ratelimit-hit", ON_SHM, 2, 3, "[SHM] LIMITER KEY [N]",
     "count N hits (default 1) in httpd's live table; KEY is ip:ADDRESS or\n"
     "      u:USER_ID; exit 1 when a hit is denied",
     cmd_ratelimit_hit},
    {"ratelimit-show", ON_SHM, 0, 0, "[SHM]", "limiters published in the table, entries in use",
     cmd_ratelimit_show},
    {"jobs", ON_JOBS, 0, 5, "[--once] [--log FILE] [--interval MS]",
     "run the background jobs (mail delivery first), each under its store lease so\n"
     "      one runner acts at a time; until SIGTERM (or one pass with --once); needs\n"
     "      the settings file for the SMTP settings; logs to FILE (default stderr)",
     cmd_jobs},
    {"mail-queue", ON_STORE, 0, 2, "[list [STATE] | retry ID | drop ID]",
     "queued, sending, sent and failed counts; list the newest messages; send a\n"
     "      failed message again; drop a queued or failed one",
     cmd_mail_queue},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static void print_help(FILE *out)
{
    const command_t *cmd;

    fprintf(out, "usage: sbctl [--settings FILE] [STORE_URI] COMMAND [ARGS]\n\ncommands:\n");
    for (cmd = commands; cmd->name; cmd++) {
        fprintf(out, "  %s%s%s\n      %s\n", cmd->name, *cmd->args ? " " : "", cmd->args,
                cmd->help);
    }
    fprintf(out, "\nSTORE_URI is a store URI as in SkillBarterStore (sqlite:/path/file.db); SHM\n"
                 "is the rate-limit table's file (SkillBarterRateLimitShm). Either comes, when\n"
                 "left out, from the settings file httpd writes at start-up: --settings FILE,\n"
                 "else $" SB_SETTINGS_ENV ", else " SB_RUNTIME_DIR "/" SB_SETTINGS_FILE ".\n");
}

static int usage(void)
{
    print_help(stderr);
    return 2;
}

static const command_t *find_command(const char *name)
{
    const command_t *cmd;

    for (cmd = commands; cmd->name && strcmp(cmd->name, name); cmd++) {
    }
    return cmd->name ? cmd : NULL;
}

/* The settings file's values; NULL (message printed) when it cannot be read. */
static const sb_settings_t *load_settings(apr_pool_t *p, const char *path)
{
    sb_settings_t *st = apr_palloc(p, sizeof *st);
    const char *why = NULL;

    if (!path) {
        path = getenv(SB_SETTINGS_ENV);
    }
    if (!path || !*path) {
        path = SB_RUNTIME_DIR "/" SB_SETTINGS_FILE;
    }
    if (sb_settings_read(p, path, st, &why) != APR_SUCCESS) {
        fprintf(stderr, "sbctl: no STORE_URI given and %s\n", why);
        return NULL;
    }
    return st;
}

/* Open the store (bringing its schema up to date), take a connection, run cmd. */
static int run_on_store(sbctl_t *x, const command_t *cmd, const char *uri, int argc, char **argv)
{
    sb_store_t *store;
    sb_store_error_t e = {0};
    sb_store_options_t opts = {.pool_min = 1, .pool_max = 2, .busy_timeout_ms = 10000};

    if (sb_store_open(x->pool, uri, &opts, &store, &e) != SB_STORE_OK) {
        return fail("open", &e);
    }
    if (sb_store_migrate(store, &e) != SB_STORE_OK) {
        return fail("migrate", &e);
    }
    if (sb_store_acquire(store, x->pool, &x->conn, &e) != SB_STORE_OK) {
        return fail("acquire", &e);
    }
    return cmd->run(x, argc, argv);
}

int main(int argc, char **argv)
{
    const char *settings_path = NULL, *uri = NULL;
    const sb_settings_t *st = NULL;
    const command_t *cmd;
    sbctl_t x = {0};
    int i = 1, rc, nargs;

    if (argc > 1
        && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
        print_help(stdout);
        return 0;
    }
    if (i + 1 < argc && !strcmp(argv[i], "--settings")) {
        settings_path = argv[i + 1];
        i += 2;
    }
    if (i < argc && strchr(argv[i], ':')) {
        uri = argv[i++];
    }
    if (i >= argc || !(cmd = find_command(argv[i]))) {
        if (i < argc) {
            fprintf(stderr, "sbctl: no command '%s'\n\n", argv[i]);
        }
        return usage();
    }
    argv += i + 1;
    nargs = argc - i - 1;
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&x.pool, NULL);
    if (cmd->target == ON_SHM) {
        /* the table's file is the first argument when it looks like a path */
        if (nargs > 0 && strchr(argv[0], '/')) {
            x.shm = argv[0];
            argv++;
            nargs--;
        }
        else if (!(st = load_settings(x.pool, settings_path))) {
            return 2;
        }
        else if (!(x.shm = st->ratelimit_shm)) {
            fprintf(stderr, "sbctl: the settings file names no rate-limit table\n");
            return 2;
        }
    }
    if (nargs < cmd->min_args || nargs > cmd->max_args) {
        return usage();
    }
    if (cmd->target == ON_STORE) {
        if (!uri && !(st = load_settings(x.pool, settings_path))) {
            return 2;
        }
        x.settings = st;
        rc = run_on_store(&x, cmd, uri ? uri : st->store_uri, nargs, argv);
    }
    else if (cmd->target == ON_JOBS) {
        if (!(st = load_settings(x.pool, settings_path))) {
            return 2;
        }
        x.settings = st;
        x.store_uri = uri ? uri : st->store_uri;
        rc = cmd->run(&x, nargs, argv);
    }
    else {
        rc = cmd->run(&x, nargs, argv);
    }
    apr_pool_destroy(x.pool);
    return rc;
}
