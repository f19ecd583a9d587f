/*
 * Domain model shared by every layer: plain C structs, no storage or HTTP types.
 * Strings are NUL-terminated and live in the pool the record was loaded into.
 * Times are int64 milliseconds since the epoch (0 = unset).
 * Credits are integer minutes (1 credit = 60 minutes).
 */
#ifndef SB_MODEL_H
#define SB_MODEL_H

#include <stdint.h>
#include <apr_pools.h>
#include <apr_tables.h>

#define SB_ID_LEN                  24 /* 24 hex chars of an ObjectId */
#define SB_MINUTES_PER_CREDIT      60
#define SB_STARTING_CREDIT_MINUTES (5 * SB_MINUTES_PER_CREDIT)

typedef struct {
    const char *skill;
    const char *category;    /* one of sb_categories, may be NULL */
    const char *experience;  /* Beginner | Intermediate | Expert */
    const char *description; /* may be NULL */
    int verified;
} sb_skill_offered_t;

typedef struct {
    const char *skill;
    const char *category; /* may be NULL */
    const char *level;    /* Beginner | Intermediate | Expert */
    const char *priority; /* Low | Medium | High */
} sb_skill_wanted_t;

typedef struct {
    const char *start_time; /* "HH:MM" */
    const char *end_time;
} sb_time_slot_t;

typedef struct {
    const char *day;                /* Monday .. Sunday */
    apr_array_header_t *time_slots; /* of sb_time_slot_t */
} sb_availability_t;

typedef struct {
    char id[SB_ID_LEN + 1];
    const char *username;
    const char *email;         /* lower-cased */
    const char *password_hash; /* bcrypt; never leaves the server */
    const char *first_name;
    const char *last_name;
    const char *profile_picture;        /* "" when unset */
    const char *bio;                    /* may be NULL */
    const char *timezone;               /* IANA name, default "UTC" */
    const char *country;                /* may be NULL */
    const char *role;                   /* "user" | "admin" */
    apr_array_header_t *languages;      /* of const char * */
    apr_array_header_t *skills_offered; /* of sb_skill_offered_t */
    apr_array_header_t *skills_wanted;  /* of sb_skill_wanted_t */
    apr_array_header_t *availability;   /* of sb_availability_t */

    int64_t credits;      /* minutes */
    int64_t total_earned; /* minutes */
    int64_t total_spent;  /* minutes */
    int64_t minutes_taught;
    int64_t minutes_learned;
    double rating; /* 0..5 */
    int total_reviews;
    int report_count;

    int is_active;
    int is_verified;
    int is_banned;
    const char *ban_reason; /* may be NULL */
    int64_t ban_expires_at; /* 0 = permanent while is_banned */

    int64_t last_seen;
    int64_t created_at;
    int64_t updated_at;
    int64_t password_changed_at; /* access tokens issued before it are refused */
    int email_notifications;     /* reminder and notification mail wanted (account mail always) */

    /* Set when a store handed the user out with the four lists above still as their stored
     * text (sb_store_user_by_session_lazy, the access-token guard's read): they are NULL
     * until sb_user_lists() fills them. NULL for a user whose lists are there. */
    void (*lists_fill)(void *user);
    void *lists_src;

    /* Set when the store that handed the user out can keep the user's public profile text
     * (sb_jtext_public_profile's short form: not detailed, slashes not escaped) for the
     * reading of the row this copy came from: public_kept gives a copy in p of the text kept
     * from an earlier rendering of that reading (NULL when none is), public_keep hands a
     * rendering of this copy back. public_src is the store's. A copy made by hand must not
     * carry them over once it changes a field the profile shows. */
    const char *(*public_kept)(const void *src, apr_pool_t *p, size_t *len);
    void (*public_keep)(const void *src, const char *text, size_t len);
    const void *public_src;
} sb_user_t;

/* u with its four lists filled (parsed on the first call for a lazily read user). */
static inline const sb_user_t *sb_user_lists(const sb_user_t *u)
{
    if (u && u->lists_fill) {
        u->lists_fill((void *)u); /* the lists are the user's own state, filled once */
    }
    return u;
}

/* Fields a new account starts with; everything else takes the model's default. */
typedef struct {
    const char *username;
    const char *email; /* already lower-cased */
    const char *password_hash;
    const char *first_name;
    const char *last_name;
} sb_user_new_t;

/*
 * A partial update of the user-editable profile fields: a NULL pointer means
 * "leave as is"; an empty string clears an optional text field.
 */
typedef struct {
    const char *first_name;
    const char *last_name;
    const char *bio;
    const char *timezone;
    const char *country;
    const char *profile_picture;
    apr_array_header_t *languages; /* NULL = leave as is */
    int set_email_notifications;   /* 0 = leave as is; else email_notifications is stored */
    int email_notifications;
} sb_profile_patch_t;

/* credit_transactions.type / category */
typedef struct {
    char id[SB_ID_LEN + 1];
    char user_id[SB_ID_LEN + 1];
    const char *type;            /* earned | spent | bonus | refund | penalty */
    int64_t amount;              /* minutes, signed as it changed the balance */
    int64_t balance_after;       /* minutes */
    const char *related_session; /* may be NULL */
    const char *related_user;    /* may be NULL */
    const char *description;
    const char *category; /* teaching | learning | bonus | refund | admin */
    const char *status;   /* completed | pending | failed | reversed */
    int64_t created_at;
} sb_credit_tx_t;

/* Purposes of one-time tokens (stored hashed, single use, expiring). */
#define SB_TOKEN_VERIFY_EMAIL   "verify-email"
#define SB_TOKEN_RESET_PASSWORD "reset-password"

#endif
