/* Public views of other users, shared by /api/users/:id and /api/discover. */
#ifndef SB_PUBLIC_H
#define SB_PUBLIC_H

#include "sb_api.h"
#include "sb_messaging.h"
#include "sb_user_rules.h"
#include "sb_user_text.h"

/* Answer c with the public profile of user `id` (404 for malformed, unknown, inactive or
 * banned users). detailed adds recentReviews (the /api/discover/:id form). */
int sb_public_profile(sb_call_t *c, const char *id, int detailed);
/* A discovery card as JSON (the list form of a public profile). */
json_object *sb_card_to_json(apr_pool_t *p, const sb_user_card_t *u);
/* Cards kept ready by the store (card_head set: discover_list, discover_search) as the text
 * of a JSON array, the same bytes json-c writes for an array of sb_card_to_json (*len, when
 * len is not NULL, gets its length); NULL when a card has no kept text. */
const char *sb_cards_text(apr_pool_t *p, const apr_array_header_t *cards, apr_size_t *len);
/* One such card as the text of a JSON object, written into t: 0 (nothing written) when it
 * has no kept text. */
int sb_jtext_card(sb_jtext_t *t, const sb_user_card_t *u);
/* The same for the store's discover_matches cards (card_head, they_offer and they_want set):
 * each card with a last member "match": {"theyOffer", "theyWant", "score"}. */
const char *sb_match_cards_text(apr_pool_t *p, const apr_array_header_t *cards, apr_size_t *len);

#endif
