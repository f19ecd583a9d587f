/*
 * Store-neutral: a user's lists as the JSON text every store keeps (json-c, the spec's keys
 * in the spec's order, absent values left out), and a discovery card built from a user row.
 * The SQLite driver writes the texts into its users columns (sqlite_row.c); the MongoDB
 * driver builds its cards and their kept text (cardHead) from them (mongo_card.c), so a
 * client cannot tell the drivers' cards apart.
 */
#ifndef SB_USER_CARD_H
#define SB_USER_CARD_H

#include "store.h"

/* The JSON text (in p) of languages (strings), skills offered, skills wanted, availability;
 * a NULL array is "[]". */
const char *sb_user_languages_text(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_user_offered_text(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_user_wanted_text(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_user_availability_text(apr_pool_t *p, const apr_array_header_t *a);

/* The card text of u from "{" through skillsWanted (store_discovery.h's card_head: what
 * sql/012's users_card_text gives), in p. */
const char *sb_user_card_head(apr_pool_t *p, const sb_user_t *u);

/* u's card pushed onto a (an array of sb_user_card_t): its fields, the lists as their text,
 * no card_head. */
sb_user_card_t *sb_user_card_push(apr_pool_t *p, const sb_user_t *u, apr_array_header_t *a);

#endif
