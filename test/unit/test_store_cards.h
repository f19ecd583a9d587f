/*
 * Shared by the kept-card tests of both drivers (test_store_cards.c: SQLite through the store;
 * test_mongo_cards.c: the MongoDB driver's documents): the texts JSON must escape, the random
 * edits of a user's card fields drawn from them, and the check that a kept card text plus what
 * the API appends equals json-c's build of the full card, byte for byte.
 */
#ifndef TEST_STORE_CARDS_H
#define TEST_STORE_CARDS_H

#include "sb_test.h"

#include <string.h>

#include <json.h>

#include <apr_strings.h>

#include "sb_json.h"
#include "sb_public.h"
#include "store.h"

/* A seeded draw in [0, n) (each test file's own sequence). */
typedef int (*sb_cards_draw_fn)(int n);

static const char *const sb_cards_texts[] = {
    "Zoë",     "O'Brien \"Q\"", "back\\slash", "a/b/c", "tab\there\nline", "\x01\x1f ctl\x7f",
    "😀 emoji", "</script>",     "plain text",  "日本語"};
#define SB_CARDS_NTEXTS ((int)(sizeof(sb_cards_texts) / sizeof(sb_cards_texts[0])))
static const char *const sb_cards_cats[] = {"Music", "Cooking", "Other", NULL};

static inline const char *sb_cards_text_or_null(sb_cards_draw_fn draw)
{
    int k = draw(SB_CARDS_NTEXTS + 1);
    return k == SB_CARDS_NTEXTS ? NULL : sb_cards_texts[k];
}

static inline const char *sb_cards_pick(sb_cards_draw_fn draw)
{
    return sb_cards_texts[draw(SB_CARDS_NTEXTS)];
}

/* One random profile edit of a card field (kind 0..4: names, bio, country and zone,
 * languages, avatar) into patch; "" clears a field. */
static inline void sb_cards_random_patch(apr_pool_t *p, sb_profile_patch_t *patch, int kind,
                                         sb_cards_draw_fn draw)
{
    int i, n;

    memset(patch, 0, sizeof(*patch));
    switch (kind) {
    case 0:
        patch->first_name = sb_cards_pick(draw);
        patch->last_name = sb_cards_pick(draw);
        break;
    case 1:
        patch->bio = (patch->bio = sb_cards_text_or_null(draw)) ? patch->bio : "";
        break;
    case 2:
        patch->country = (patch->country = sb_cards_text_or_null(draw)) ? patch->country : "";
        patch->timezone = draw(2) ? "Europe/Berlin" : "UTC";
        break;
    case 3:
        patch->languages = apr_array_make(p, 3, sizeof(const char *));
        for (i = 0, n = draw(4); i < n; i++) {
            APR_ARRAY_PUSH(patch->languages, const char *) = sb_cards_pick(draw);
        }
        break;
    default:
        patch->profile_picture = draw(2) ? "/uploads/avatars/b\"x.webp" : "";
        break;
    }
}

/* Random offered (0..3) and wanted (0..2) skills with texts JSON must escape. */
static inline void sb_cards_random_lists(apr_pool_t *p, sb_cards_draw_fn draw,
                                         apr_array_header_t **offered, apr_array_header_t **wanted)
{
    int i, n;

    *offered = apr_array_make(p, 3, sizeof(sb_skill_offered_t));
    *wanted = apr_array_make(p, 2, sizeof(sb_skill_wanted_t));
    for (i = 0, n = draw(4); i < n; i++) {
        sb_skill_offered_t *s = apr_array_push(*offered);
        memset(s, 0, sizeof *s);
        s->skill = apr_psprintf(p, "S%d %s", draw(5), sb_cards_pick(draw));
        s->category = sb_cards_cats[draw(4)];
        s->experience = draw(2) ? "Expert" : NULL;
        s->description = sb_cards_text_or_null(draw);
        s->verified = draw(2);
    }
    for (i = 0, n = draw(3); i < n; i++) {
        sb_skill_wanted_t *s = apr_array_push(*wanted);
        memset(s, 0, sizeof *s);
        s->skill = sb_cards_pick(draw);
        s->category = sb_cards_cats[draw(4)];
        s->level = "Beginner";
        s->priority = draw(2) ? "High" : NULL;
    }
}

/* The kept cards' answer (sb_cards_text over kept: each card_head with the API's tail)
 * equals json-c's build of the full card, byte for byte. */
static inline void sb_cards_check_text(apr_pool_t *p, const apr_array_header_t *kept,
                                       const sb_user_card_t *full)
{
    json_object *arr = json_object_new_array();
    const char *text, *fresh;
    apr_size_t len = 0;

    json_object_array_add(arr, sb_card_to_json(p, full));
    fresh = json_object_to_json_string_ext(arr,
                                           JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    text = sb_cards_text(p, kept, &len);
    assert_non_null(text);
    assert_string_equal(text, fresh);
    assert_int_equal(len, strlen(fresh));
    json_object_put(arr);
}

#endif
