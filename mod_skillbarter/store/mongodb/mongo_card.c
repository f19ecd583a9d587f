/*
 * MongoDB driver: a user document as a discovery card. The card's lists are JSON text, the
 * same text the SQLite driver stores (json-c, the spec's keys in the same order, absent
 * values left out), so a client cannot tell the drivers apart.
 */
#include "mongo_blocks.h"
#include "mongo_users.h"

#include <string.h>

#include <json.h>

#include <apr_strings.h>

static void sb_mongo_put_str(json_object *o, const char *key, const char *val)
{
    if (val) {
        json_object_object_add(o, key, json_object_new_string(val));
    }
}

static const char *sb_mongo_json_text(apr_pool_t *p, json_object *o)
{
    const char *s = apr_pstrdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

    json_object_put(o);
    return s;
}

static const char *sb_mongo_languages_text(apr_pool_t *p, const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        const char *s = APR_ARRAY_IDX(a, i, const char *);
        if (s) {
            json_object_array_add(arr, json_object_new_string(s));
        }
    }
    return sb_mongo_json_text(p, arr);
}

static const char *sb_mongo_offered_text(apr_pool_t *p, const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_offered_t *s = &APR_ARRAY_IDX(a, i, sb_skill_offered_t);
        json_object *o = json_object_new_object();
        sb_mongo_put_str(o, "skill", s->skill);
        sb_mongo_put_str(o, "category", s->category);
        sb_mongo_put_str(o, "experience", s->experience);
        sb_mongo_put_str(o, "description", s->description);
        json_object_object_add(o, "verified", json_object_new_boolean(s->verified != 0));
        json_object_array_add(arr, o);
    }
    return sb_mongo_json_text(p, arr);
}

static const char *sb_mongo_wanted_text(apr_pool_t *p, const apr_array_header_t *a)
{
    json_object *arr = json_object_new_array();
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        const sb_skill_wanted_t *s = &APR_ARRAY_IDX(a, i, sb_skill_wanted_t);
        json_object *o = json_object_new_object();
        sb_mongo_put_str(o, "skill", s->skill);
        sb_mongo_put_str(o, "category", s->category);
        sb_mongo_put_str(o, "level", s->level);
        sb_mongo_put_str(o, "priority", s->priority);
        json_object_array_add(arr, o);
    }
    return sb_mongo_json_text(p, arr);
}

sb_user_card_t *sb_mongo_card_from_doc(apr_pool_t *p, const bson_t *doc, apr_array_header_t *a)
{
    sb_user_t *u = sb_mongo_user_from_doc(p, doc);
    sb_user_card_t *card;

    if (!u) {
        return NULL;
    }
    card = apr_array_push(a);
    memset(card, 0, sizeof(*card));
    apr_cpystrn(card->id, u->id, sizeof(card->id));
    card->username = u->username;
    card->first_name = u->first_name;
    card->last_name = u->last_name;
    card->profile_picture = u->profile_picture;
    card->bio = u->bio;
    card->timezone = u->timezone;
    card->country = u->country;
    card->languages_json = sb_mongo_languages_text(p, u->languages);
    card->offered_json = sb_mongo_offered_text(p, u->skills_offered);
    card->wanted_json = sb_mongo_wanted_text(p, u->skills_wanted);
    card->rating = u->rating;
    card->total_reviews = u->total_reviews;
    card->is_verified = u->is_verified;
    card->last_seen = u->last_seen;
    return card;
}
