/* /api/discover's answers that are built outside json-c, for the unit tests. */
#ifndef SB_DISCOVER_H
#define SB_DISCOVER_H

#include "sb_api.h"

/* Match cards kept ready by the store (card_head set, they_offer and they_want: the store's
 * discover_matches) as the text of a JSON array: the bytes json-c writes for an array of
 * sb_card_to_json, each card with a last member "match": {"theyOffer", "theyWant", "score"}
 * (*len, when len is not NULL, gets its length); NULL when a card has no kept text. */
const char *sb_match_cards_text(apr_pool_t *p, const apr_array_header_t *cards, apr_size_t *len);

#endif
