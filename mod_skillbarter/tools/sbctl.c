/*
 * sbctl — operator's tool over the same store code the module uses.
 *
 *   sbctl URI migrate                      bring the schema up to date
 *   sbctl URI seed-demo                    demo accounts, once (skips existing ones)
 *   sbctl URI ledger-check                 conservation of credits; exit 1 when unbalanced
 *   sbctl URI set-status ID active|inactive|banned [REASON]
 *
 * URI is a store URI as in SkillBarterStore (sqlite:/path/file.db).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "sb_model.h"
#include "sb_password.h"
#include "sb_time.h"
#include "store.h"

#define SB_DEMO_PASSWORD "barter-demo-2024"

static int usage(void)
{
    fprintf(stderr, "usage: sbctl STORE_URI migrate | seed-demo | ledger-check |\n"
                    "       set-status USER_ID active|inactive|banned [REASON]\n");
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

int main(int argc, char **argv)
{
    apr_pool_t *p;
    sb_store_t *store;
    sb_store_conn_t *c;
    sb_store_error_t e = {0};
    sb_store_options_t opts = {1, 2, 10000};
    int rc;

    if (argc < 3) {
        return usage();
    }
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
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
    else {
        rc = usage();
    }
    apr_pool_destroy(p);
    return rc;
}
