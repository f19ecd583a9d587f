/* A user's lists as JSON text and a card from a user row (see sb_user_card.h). */
#include "sb_user_card.h"

#include <string.h>

#include <json.h>

#include <apr_strings.h>

#include "sb_json.h"
#include "sb_user_json.h"

static void sb_card_put_str(json_object *o, const char *key, const char *val)
{
    if (val) {
        json_object_object_add(o, key, json_object_new_string(val));
    }
}

/* Serialise o into the pool and free it. */
static const char *sb_card_json_text(apr_pool_t *p, json_object *o)
{
    const char *s = apr_pstrdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

    json_object_put(o);
    return s;
}

const char *sb_user_languages_text(apr_pool_t *p, const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        const char *s = APR_ARRAY_IDX(a, i, const char *);
        if (s) {
            json_object_array_add(arr, json_object_new_string(s));
        }
    }
    return sb_card_json_text(p, arr);
}

const char *sb_user_offered_text(apr_pool_t *p, const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_offered_t *s = &APR_ARRAY_IDX(a, i, sb_skill_offered_t);
        json_object *o = json_object_new_object();
        sb_card_put_str(o, "skill", s->skill);
        sb_card_put_str(o, "category", s->category);
        sb_card_put_str(o, "experience", s->experience);
        sb_card_put_str(o, "description", s->description);
        json_object_object_add(o, "verified", json_object_new_boolean(s->verified != 0));
        json_object_array_add(arr, o);
    }
    return sb_card_json_text(p, arr);
}

const char *sb_user_wanted_text(apr_pool_t *p, const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_wanted_t *s = &APR_ARRAY_IDX(a, i, sb_skill_wanted_t);
        json_object *o = json_object_new_object();
        sb_card_put_str(o, "skill", s->skill);
        sb_card_put_str(o, "category", s->category);
        sb_card_put_str(o, "level", s->level);
        sb_card_put_str(o, "priority", s->priority);
        json_object_array_add(arr, o);
    }
    return sb_card_json_text(p, arr);
}

const char *sb_user_availability_text(apr_pool_t *p, const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i, j;

    for (i = 0; a && i < a->nelts; i++) {
        const sb_availability_t *d = &APR_ARRAY_IDX(a, i, sb_availability_t);
        json_object *o = json_object_new_object();
        json_object *slots = json_object_new_array();
        for (j = 0; d->time_slots && j < d->time_slots->nelts; j++) {
            const sb_time_slot_t *t = &APR_ARRAY_IDX(d->time_slots, j, sb_time_slot_t);
            json_object *so = json_object_new_object();
            sb_card_put_str(so, "startTime", t->start_time);
            sb_card_put_str(so, "endTime", t->end_time);
            json_object_array_add(slots, so);
        }
        sb_card_put_str(o, "day", d->day);
        json_object_object_add(o, "timeSlots", slots);
        json_object_array_add(arr, o);
    }
    return sb_card_json_text(p, arr);
}

const char *sb_user_card_head(apr_pool_t *p, const sb_user_t *u)
{
    sb_user_names_t n;
    json_object *o;
    const char *names;
    apr_size_t len;

    u = sb_user_lists(u);
    n = (sb_user_names_t){u->id,  u->username, u->first_name, u->last_name, u->profile_picture,
                          u->bio, u->timezone};
    o = json_object_new_object();
    sb_user_json_names(o, p, &n);
    sb_json_add_lit(o, "country", sb_json_str_or_null(u->country));
    names =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    len = strlen(names);
    names = apr_pstrndup(p, names, len ? len - 1 : 0); /* without the closing brace */
    json_object_put(o);
    return apr_pstrcat(p, names, ",\"languages\":", sb_user_languages_text(p, u->languages),
                       ",\"skillsOffered\":", sb_user_offered_text(p, u->skills_offered),
                       ",\"skillsWanted\":", sb_user_wanted_text(p, u->skills_wanted), NULL);
}

sb_user_card_t *sb_user_card_push(apr_pool_t *p, const sb_user_t *u, apr_array_header_t *a)
{
    sb_user_card_t *card = apr_array_push(a);

    u = sb_user_lists(u);
    memset(card, 0, sizeof(*card));
    apr_cpystrn(card->id, u->id, sizeof(card->id));
    card->username = u->username;
    card->first_name = u->first_name;
    card->last_name = u->last_name;
    card->profile_picture = u->profile_picture;
    card->bio = u->bio;
    card->timezone = u->timezone;
    card->country = u->country;
    card->languages_json = sb_user_languages_text(p, u->languages);
    card->offered_json = sb_user_offered_text(p, u->skills_offered);
    card->wanted_json = sb_user_wanted_text(p, u->skills_wanted);
    card->rating = u->rating;
    card->total_reviews = u->total_reviews;
    card->is_verified = u->is_verified;
    card->last_seen = u->last_seen;
    return card;
}
