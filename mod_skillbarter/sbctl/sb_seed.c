/*
 * Seed data: n users with names, offered/wanted skills across all eight categories, languages,
 * IANA time zones, weekly availability, ratings and presence. lastSeen values are drawn from a
 * small set of instants so that many users share one (the case keyset pagination must get
 * right). A few users are inactive, banned or offer nothing, as on a real site. Every user has
 * the same password, hashed once at bcrypt cost 4. With a seed the people are the same on
 * every run (names, usernames, skills, places, ratings; ids and instants relative to now are
 * not); without one they are drawn from the clock.
 */
#include "sb_seed.h"

#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_model.h"
#include "sb_password.h"
#include "sb_time.h"

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const first_names[] = {
    "Alice", "Bruno", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kavya", "Liam", "Mei", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara", "Umar",
    "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bjorn", "Camila", "Dmitri", "Elif",
    "Felix", "Giulia", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Mateo", "Nadia"};
static const char *const last_names[] = {
    "Martin", "Garcia", "Nguyen", "Smith", "Muller", "Rossi", "Silva", "Kim", "Tanaka",
    "Okafor", "Novak", "Dubois", "Haddad", "Kowalski", "Larsen", "Mendes", "Ivanova", "Chen",
    "Patel", "Schmidt", "Lopez", "Andersen", "Moreau", "Sato", "Yilmaz", "Costa", "Fischer",
    "Mensah", "Eriksson", "Romano"};

typedef struct {
    const char *category;
    const char *skills[12];
} catalog_t;

static const catalog_t catalog[] = {
    {"Technology", {"Python", "JavaScript", "Rust", "SQL", "Linux administration", "React",
                    "Machine learning", "Go", "Docker", "Excel macros", "C programming",
                    "Web accessibility"}},
    {"Design", {"Figma", "Logo design", "Illustration", "Photography", "UX research",
                "Typography", "Photoshop", "Interior design", "3D modeling", "Watercolor",
                "Video editing", "Calligraphy"}},
    {"Business", {"Public speaking", "Accounting", "Marketing", "Negotiation", "Excel",
                  "Project management", "Copywriting", "SEO", "Sales", "Bookkeeping",
                  "Investing basics", "Resume writing"}},
    {"Language", {"Spanish", "French", "German", "Japanese", "Mandarin", "Italian",
                  "Portuguese", "Korean", "Arabic", "English conversation", "Russian",
                  "Sign language"}},
    {"Music", {"Guitar", "Piano", "Singing", "Drums", "Music theory", "Violin", "Ukulele",
               "Music production", "Bass guitar", "Saxophone", "DJing", "Songwriting"}},
    {"Sports", {"Yoga", "Running", "Rock climbing", "Swimming", "Tennis", "Chess",
                "Weight training", "Surfing", "Cycling", "Boxing", "Skateboarding",
                "Pilates"}},
    {"Cooking", {"Baking bread", "Italian cooking", "Sushi", "Vegan cooking", "Pastry",
                 "Indian cuisine", "Fermentation", "Coffee brewing", "BBQ", "Thai cooking",
                 "Cake decorating", "Meal prep"}},
    {"Other", {"Gardening", "Knitting", "Woodworking", "Meditation", "Car repair",
               "Creative writing", "Sewing", "Origami", "Astronomy", "Dog training",
               "Home repair", "Genealogy"}},
};

static const struct {
    const char *zone, *country;
} places[] = {
    {"Europe/Paris", "France"}, {"Europe/Berlin", "Germany"}, {"Europe/London", "United Kingdom"},
    {"Europe/Madrid", "Spain"}, {"Europe/Rome", "Italy"}, {"Europe/Lisbon", "Portugal"},
    {"America/New_York", "United States"}, {"America/Chicago", "United States"},
    {"America/Los_Angeles", "United States"}, {"America/Sao_Paulo", "Brazil"},
    {"America/Mexico_City", "Mexico"}, {"America/Toronto", "Canada"},
    {"Asia/Tokyo", "Japan"}, {"Asia/Seoul", "South Korea"}, {"Asia/Kolkata", "India"},
    {"Asia/Shanghai", "China"}, {"Asia/Singapore", "Singapore"}, {"Africa/Lagos", "Nigeria"},
    {"Africa/Nairobi", "Kenya"}, {"Australia/Sydney", "Australia"},
    {"Pacific/Auckland", "New Zealand"}, {"UTC", NULL}};

static const char *const languages[] = {"English", "Spanish", "French", "German", "Portuguese",
                                        "Mandarin", "Japanese", "Hindi", "Arabic", "Italian",
                                        "Korean", "Russian"};
static const char *const levels[] = {"Beginner", "Intermediate", "Expert"};
static const char *const priorities[] = {"Low", "Medium", "High"};
static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                   "Saturday", "Sunday"};
static const char *const bios[] = {
    "Happy to share what I know and learn something new in return.",
    "Weekend learner, weekday teacher. Patient with beginners.",
    "I love swapping skills with people from other countries.",
    "Teaching helps me learn. Let's trade an hour!",
    "Curious about everything; I explain things step by step.",
    "Looking for practice partners and friendly mentors."};

/* xorshift64*: deterministic for a given seed, fast, good enough for fake data. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

/* k distinct catalog picks (category index, skill index), no repeated skill names. */
static void pick_skills(int k, int *cat, int *sk)
{
    int i, j;

    for (i = 0; i < k; i++) {
        do {
            cat[i] = (int)rnd(N_OF(catalog));
            sk[i] = (int)rnd(12);
            for (j = 0; j < i && !(cat[j] == cat[i] && sk[j] == sk[i]); j++) {
            }
        } while (j < i);
    }
}

static void fill_user(apr_pool_t *p, sb_user_t *u, int i, const char *tag, const char *hash,
                      int64_t now)
{
    int cat[8], sk[8], k, j;
    const char *first = first_names[rnd(N_OF(first_names))];
    int place = (int)rnd(N_OF(places));

    memset(u, 0, sizeof *u);
    sb_id_new(u->id);
    u->first_name = first;
    u->last_name = last_names[rnd(N_OF(last_names))];
    u->username = apr_psprintf(p, "%.8s_%s%d", first, tag, i);
    u->email = apr_psprintf(p, "%s@seed.skillbarter.local", u->username);
    u->password_hash = hash;
    u->profile_picture = "";
    u->bio = rnd(5) ? bios[rnd(N_OF(bios))] : NULL;
    u->timezone = places[place].zone;
    u->country = places[place].country;
    u->role = "user";

    k = 1 + (int)rnd(3);
    u->languages = apr_array_make(p, k, sizeof(const char *));
    APR_ARRAY_PUSH(u->languages, const char *) = "English";
    for (j = 1; j < k; j++) {
        const char *l = languages[1 + rnd(N_OF(languages) - 1)];
        if (strcmp(APR_ARRAY_IDX(u->languages, j - 1, const char *), l)) {
            APR_ARRAY_PUSH(u->languages, const char *) = l;
        }
    }

    /* 4% offer nothing yet; the rest 1..4 skills; everyone wants 1..3 */
    k = rnd(25) == 0 ? 0 : 1 + (int)rnd(4);
    pick_skills(k + 3, cat, sk);
    u->skills_offered = apr_array_make(p, k + 1, sizeof(sb_skill_offered_t));
    for (j = 0; j < k; j++) {
        sb_skill_offered_t *s = apr_array_push(u->skills_offered);
        s->skill = catalog[cat[j]].skills[sk[j]];
        s->category = catalog[cat[j]].category;
        s->experience = levels[1 + rnd(2)];
        s->description = rnd(2) ? apr_psprintf(p, "%s lessons, from the basics to your own "
                                               "projects", s->skill) : NULL;
        s->verified = 0;
    }
    u->skills_wanted = apr_array_make(p, 4, sizeof(sb_skill_wanted_t));
    for (j = k; j < k + 1 + (int)rnd(3); j++) {
        sb_skill_wanted_t *s = apr_array_push(u->skills_wanted);
        s->skill = catalog[cat[j]].skills[sk[j]];
        s->category = catalog[cat[j]].category;
        s->level = levels[rnd(2)];
        s->priority = priorities[rnd(3)];
    }

    u->availability = apr_array_make(p, 4, sizeof(sb_availability_t));
    for (j = (int)rnd(3); j < 7; j += 1 + (int)rnd(3)) {
        sb_availability_t *d = apr_array_push(u->availability);
        sb_time_slot_t *t;
        int h = 7 + (int)rnd(10);
        d->day = days[j];
        d->time_slots = apr_array_make(p, 2, sizeof(sb_time_slot_t));
        t = apr_array_push(d->time_slots);
        t->start_time = apr_psprintf(p, "%02d:%s", h, rnd(2) ? "00" : "30");
        t->end_time = apr_psprintf(p, "%02d:%s", h + 1 + (int)rnd(3), rnd(2) ? "00" : "30");
        if (h < 13 && rnd(3) == 0) {
            t = apr_array_push(d->time_slots);
            t->start_time = "18:00";
            t->end_time = "20:00";
        }
    }

    u->credits = 60 * (1 + (int64_t)rnd(20));
    u->minutes_taught = 30 * (int64_t)rnd(60);
    u->minutes_learned = 30 * (int64_t)rnd(60);
    u->total_reviews = rnd(10) < 3 ? 0 : 1 + (int)rnd(60);
    u->rating = u->total_reviews ? 3.0 + (double)rnd(201) / 100.0 : 0.0;
    u->is_active = rnd(50) != 0;
    u->is_banned = rnd(100) == 0;
    u->is_verified = rnd(3) != 0;
    /* 40 distinct instants an hour apart: hundreds of users share each lastSeen */
    u->last_seen = now - (int64_t)rnd(40) * 3600 * 1000;
    u->created_at = now - (int64_t)(30 + rnd(300)) * 86400 * 1000;
    u->updated_at = u->created_at;
}

int sb_seed_run(sb_store_conn_t *c, apr_pool_t *p, int n, const char *password,
                const uint64_t *seed)
{
    static const char b36[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    sb_store_error_t e = {0};
    int64_t now = sb_now_ms();
    const char *hash;
    char tag[4];
    sb_user_t *users;
    int i;

    if (n <= 0 || n > 1000000) {
        fprintf(stderr, "sbctl: seed: N must be 1..1000000\n");
        return 2;
    }
    rng_state = (seed ? *seed + 1 : (uint64_t)now) * 0x9e3779b97f4a7c15ULL | 1;
    /* a per-run tag keeps usernames unique when seeding twice (with another seed) */
    for (i = 0; i < 3; i++) {
        tag[i] = b36[rnd(36)];
    }
    tag[3] = '\0';
    hash = sb_password_hash(p, password ? password : "seed-password", SB_BCRYPT_MIN_COST);
    if (!hash) {
        fprintf(stderr, "sbctl: bcrypt failed\n");
        return 1;
    }
    users = apr_palloc(p, sizeof(sb_user_t) * (apr_size_t)n);
    for (i = 0; i < n; i++) {
        fill_user(p, &users[i], i, tag, hash, now);
    }
    if (sb_store_users_bulk_insert(c, users, n, &e) != SB_STORE_OK) {
        fprintf(stderr, "sbctl: seed: %s\n", e.message);
        return 1;
    }
    printf("seeded %d users (usernames *_%s<n>, password %s)\n", n, tag,
           password ? "as given" : "seed-password");
    return 0;
}
