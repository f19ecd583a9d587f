/* The wire form of a user (spec's User model in JSON), in the views the API needs. */
#ifndef SB_USER_JSON_H
#define SB_USER_JSON_H

#include <json.h>
#include <apr_pools.h>

#include "sb_model.h"

typedef enum {
    SB_VIEW_SELF,  /* the user themself: everything but the password hash */
    SB_VIEW_PUBLIC /* anyone: no email, balance, ban details or tokens */
} sb_user_view_t;

/* The members every public form of a user starts with, in order: _id, id, username,
 * firstName, lastName, fullName, profilePicture ("" when NULL), bio (null when NULL),
 * timezone ("UTC" when NULL). The one builder of them (sb_user_to_json, the card). */
typedef struct {
    const char *id, *username, *first_name, *last_name, *profile_picture, *bio, *timezone;
} sb_user_names_t;
void sb_user_json_names(json_object *o, apr_pool_t *p, const sb_user_names_t *n);
/* A rating as the wire shows it: rounded half up to two decimals. */
double sb_rating_round(double r);
/* The text json-c writes for json_object_new_double(sb_rating_round(r)): from a table made
 * once for 0..5 (every rating the schema allows), else written into buf
 * (SB_JSON_DOUBLE_MAX bytes). *len gets its length. */
const char *sb_rating_text(double r, char *buf, apr_size_t *len);

/* A new json object (caller owns it, or hands it to a parent). */
json_object *sb_user_to_json(apr_pool_t *p, const sb_user_t *u, sb_user_view_t view);
/* Credits in minutes → hours as a JSON number with at most two decimals. */
json_object *sb_credits_to_json(int64_t minutes);
/* The same number's text (what json-c writes for it) into buf, SB_CREDITS_TEXT_MAX bytes; its
 * length. *cents (when not NULL) gets the hundredths of an hour. */
#define SB_CREDITS_TEXT_MAX 32
int sb_credits_text(char *buf, int64_t minutes, int64_t *cents);

#endif
