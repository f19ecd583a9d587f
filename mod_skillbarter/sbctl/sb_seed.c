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
    "Alice", "Bruno", "Chloe",  "Diego",  "Emma",  "Farid", "Grace", "Hiro",  "Ines",   "Jonas",
    "Kavya", "Liam",  "Mei",    "Noah",   "Olga",  "Pablo", "Quinn", "Rosa",  "Sami",   "Tara",
    "Umar",  "Vera",  "Wen",    "Ximena", "Yusuf", "Zoe",   "Amara", "Bjorn", "Camila", "Dmitri",
    "Elif",  "Felix", "Giulia", "Hana",   "Ivan",  "Jade",  "Kofi",  "Lena",  "Mateo",  "Nadia"};
static const char *const last_names[] = {
    "Martin",  "Garcia", "Nguyen",  "Smith",   "Muller",   "Rossi",    "Silva",  "Kim",
    "Tanaka",  "Okafor", "Novak",   "Dubois",  "Haddad",   "Kowalski", "Larsen", "Mendes",
    "Ivanova", "Chen",   "Patel",   "Schmidt", "Lopez",    "Andersen", "Moreau", "Sato",
    "Yilmaz",  "Costa",  "Fischer", "Mensah",  "Eriksson", "Romano"};

typedef struct {
    const char *category;
    const char *skills[12];
} catalog_t;

static const catalog_t catalog[] = {
    {"Technology",
     {"Python", "JavaScript", "Rust", "SQL", "Linux administration", "React", "Machine learning",
      "Go", "Docker", "Excel macros", "C programming", "Web accessibility"}},
    {"Design",
     {"Figma", "Logo design", "Illustration", "Photography", "UX research", "Typography",
      "Photoshop", "Interior design", "3D modeling", "Watercolor", "Video editing", "Calligraphy"}},
    {"Business",
     {"Public speaking", "Accounting", "Marketing", "Negotiation", "Excel", "Project management",
      "Copywriting", "SEO", "Sales", "Bookkeeping", "Investing basics", "Resume writing"}},
    {"Language",
     {"Spanish", "French", "German", "Japanese", "Mandarin", "Italian", "Portuguese", "Korean",
      "Arabic", "English conversation", "Russian", "Sign language"}},
    {"Music",
     {"Guitar", "Piano", "Singing", "Drums", "Music theory", "Violin", "Ukulele",
      "Music production", "Bass guitar", "Saxophone", "DJing", "Songwriting"}},
    {"Sports",
     {"Yoga", "Running", "Rock climbing", "Swimming", "Tennis", "Chess", "Weight training",
      "Surfing", "Cycling", "Boxing", "Skateboarding", "Pilates"}},
    {"Cooking",
     {"Baking bread", "Italian cooking", "Sushi", "Vegan cooking", "Pastry", "Indian cuisine",
      "Fermentation", "Coffee brewing", "BBQ", "Thai cooking", "Cake decorating", "Meal prep"}},
    {"Other",
     {"Gardening", "Knitting", "Woodworking", "Meditation", "Car repair", "Creative writing",
      "Sewing", "Origami", "Astronomy", "Dog training", "Home repair", "Genealogy"}},
};

static const struct {
    const char *zone, *country;
} places[] = {{"Europe/Paris", "France"},
              {"Europe/Berlin", "Germany"},
              {"Europe/London", "United Kingdom"},
              {"Europe/Madrid", "Spain"},
              {"Europe/Rome", "Italy"},
              {"Europe/Lisbon", "Portugal"},
              {"America/New_York", "United States"},
              {"America/Chicago", "United States"},
              {"America/Los_Angeles", "United States"},
              {"America/Sao_Paulo", "Brazil"},
              {"America/Mexico_City", "Mexico"},
              {"America/Toronto", "Canada"},
              {"Asia/Tokyo", "Japan"},
              {"Asia/Seoul", "South Korea"},
              {"Asia/Kolkata", "India"},
              {"Asia/Shanghai", "China"},
              {"Asia/Singapore", "Singapore"},
              {"Africa/Lagos", "Nigeria"},
              {"Africa/Nairobi", "Kenya"},
              {"Australia/Sydney", "Australia"},
              {"Pacific/Auckland", "New Zealand"},
              {"UTC", NULL}};

static const char *const languages[] = {"English",    "Spanish",  "French",   "German",
                                        "Portuguese", "Mandarin", "Japanese", "Hindi",
                                        "Arabic",     "Italian",  "Korean",   "Russian"};
static const char *const levels[] = {"Beginner", "Intermediate", "Expert"};
static const char *const priorities[] = {"Low", "Medium", "High"};
static const char *const days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                   "Friday", "Saturday", "Sunday"};
static const char *const bios[] = {"Happy to share what I know and learn something new in return.",
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
        s->description = rnd(2) ? apr_psprintf(p,
                                               "%s lessons, from the basics to your own "
                                               "projects",
                                               s->skill)
                                : NULL;
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

/* ---- messages ---- */

static const char *const lines[] = {"Hi! I saw you teach %s, would you have an hour this week?",
                                    "Thanks for the session yesterday, that really helped.",
                                    "Sure, Tuesday evening works for me.",
                                    "Could we move our call to 18:00?",
                                    "I can show you the basics of %s in exchange.",
                                    "Great, see you then!",
                                    "Do you have any material I could read before we start?",
                                    "Sorry for the late answer, busy week."};

/* Up to max visible users with offered skills, newest lastSeen first (the discover list). */
static int seed_people(sb_store_conn_t *c, apr_pool_t *p, int max, sb_user_card_t **out)
{
    sb_discover_query_t q = {0};
    sb_store_error_t e = {0};
    apr_array_header_t *page, *all = apr_array_make(p, max, sizeof(sb_user_card_t));
    int more = 1, i;

    q.viewer_id = "";
    q.now = sb_now_ms();
    q.min_rating = -1;
    q.limit = 50;
    while (more && all->nelts < max) {
        if (sb_store_discover_list(c, p, &q, &page, &more, &e) != SB_STORE_OK) {
            fprintf(stderr, "sbctl: seed-messages: %s\n", e.message);
            return -1;
        }
        for (i = 0; i < page->nelts && all->nelts < max; i++) {
            *(sb_user_card_t *)apr_array_push(all) = APR_ARRAY_IDX(page, i, sb_user_card_t);
        }
        if (page->nelts) {
            const sb_user_card_t *last = &APR_ARRAY_IDX(page, page->nelts - 1, sb_user_card_t);
            q.after_id = last->id;
            q.after_last_seen = last->last_seen;
        }
    }
    *out = (sb_user_card_t *)all->elts;
    return all->nelts;
}

static void fill_message(apr_pool_t *p, sb_message_t *m, const char *from, const char *to,
                         int64_t at, int read)
{
    const char *line = lines[rnd(N_OF(lines))];

    memset(m, 0, sizeof *m);
    sb_id_new(m->id);
    apr_cpystrn(m->sender_id, from, sizeof m->sender_id);
    apr_cpystrn(m->receiver_id, to, sizeof m->receiver_id);
    m->content = strstr(line, "%s")
                     ? apr_psprintf(p, line, catalog[rnd(N_OF(catalog))].skills[rnd(12)])
                     : line;
    m->message_type = "text";
    m->created_at = m->updated_at = at;
    m->is_read = read;
    m->read_at = read ? at + 60000 : 0;
}

/* Insert in chunks of 10,000 (one transaction each). */
static int insert_messages(sb_store_conn_t *c, sb_message_t *msgs, int n)
{
    sb_store_error_t e = {0};
    int i, k;

    for (i = 0; i < n; i += k) {
        k = n - i < 10000 ? n - i : 10000;
        if (sb_store_messages_bulk_insert(c, msgs + i, k, &e) != SB_STORE_OK) {
            fprintf(stderr, "sbctl: seed-messages: %s\n", e.message);
            return 1;
        }
    }
    return 0;
}

int sb_seed_messages(sb_store_conn_t *c, apr_pool_t *p, int n, const sb_user_t *hub,
                     int conversations)
{
    int64_t now = sb_now_ms();
    sb_user_card_t *people;
    sb_message_t *msgs;
    int np, i, k = 0, hub_msgs = 0;

    if (n <= 0 || n > 5000000 || conversations < 0) {
        fprintf(stderr, "sbctl: seed-messages: N must be 1..5000000\n");
        return 2;
    }
    rng_state = (uint64_t)now * 0x9e3779b97f4a7c15ULL | 1;
    np = seed_people(c, p, 5000, &people);
    if (np < 0) {
        return 1;
    }
    if (np < 2 || (hub && np <= conversations)) {
        fprintf(stderr, "sbctl: seed-messages: only %d people to write to (seed users first)\n",
                np);
        return 1;
    }
    msgs = apr_palloc(p, sizeof(sb_message_t) * (apr_size_t)n);
    if (hub && conversations > 0) {
        /* the hub's conversations: each partner at least one message, a tenth of n overall */
        hub_msgs = n / 10 > conversations ? n / 10 : conversations;
        hub_msgs = hub_msgs > n ? n : hub_msgs;
        for (k = 0; k < hub_msgs; k++) {
            const sb_user_card_t *o = &people[k % conversations];
            /* minute resolution over 30 days: many messages share a createdAt */
            int64_t at = now - (int64_t)rnd(30 * 24 * 60) * 60000;
            if (!strcmp(o->id, hub->id)) {
                o = &people[conversations];
            }
            if (rnd(2)) {
                fill_message(p, &msgs[k], hub->id, o->id, at, 1);
            }
            else {
                fill_message(p, &msgs[k], o->id, hub->id, at, rnd(3) != 0);
            }
        }
    }
    for (i = k; i < n; i++) {
        int a = (int)rnd((uint32_t)np), b = (int)rnd((uint32_t)np - 1);
        if (b >= a) {
            b++;
        }
        if ((hub && (!strcmp(people[a].id, hub->id) || !strcmp(people[b].id, hub->id)))) {
            i--;
            continue;
        }
        fill_message(p, &msgs[i], people[a].id, people[b].id,
                     now - (int64_t)rnd(30 * 24 * 60) * 60000, rnd(4) != 0);
    }
    if (insert_messages(c, msgs, n)) {
        return 1;
    }
    printf("seeded %d messages among %d people", n, np);
    if (hub) {
        printf(" (%s: %d messages in %d conversations)", hub->username, hub_msgs, conversations);
    }
    printf("\n");
    return 0;
}

int sb_seed_chat(sb_store_conn_t *c, apr_pool_t *p, const sb_user_t *a, const sb_user_t *b, int n,
                 int per_instant)
{
    int64_t base;
    sb_message_t *msgs;
    int i;

    if (n <= 0 || n > 1000000 || per_instant < 1) {
        fprintf(stderr, "sbctl: seed-chat: N must be 1..1000000, PER_INSTANT at least 1\n");
        return 2;
    }
    rng_state = (uint64_t)sb_now_ms() * 0x9e3779b97f4a7c15ULL | 1;
    base = sb_now_ms() - (int64_t)(n / per_instant + 1) * 1000;
    msgs = apr_palloc(p, sizeof(sb_message_t) * (apr_size_t)n);
    for (i = 0; i < n; i++) {
        int from_a = i % 3 != 0;
        fill_message(p, &msgs[i], from_a ? a->id : b->id, from_a ? b->id : a->id,
                     base + (int64_t)(i / per_instant) * 1000, 0);
        msgs[i].content = apr_psprintf(p, "chat %d", i);
    }
    if (insert_messages(c, msgs, n)) {
        return 1;
    }
    printf("seeded %d messages between %s and %s, %d per instant\n", n, a->username, b->username,
           per_instant);
    return 0;
}
