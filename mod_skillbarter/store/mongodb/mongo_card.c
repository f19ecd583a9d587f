/*
 * MongoDB driver: a user document as a discovery card, and what a user document keeps
 * derived from its card fields. The card's lists are JSON text, the same text the SQLite
 * driver stores, written by the same store-neutral code (sb_user_card.h), so a client cannot
 * tell the drivers apart.
 *
 * Derived fields, written in the same single-document write as the fields they come from
 * (user_create, users_bulk_insert, and the guarded edits of mongo_user_edit.c):
 * - cardHead: the card's wire text from "{" through skillsWanted (store_discovery.h's
 *   card_head), byte for byte what sql/012's users_card_text gives.
 * - searchTokens: the distinct lower-cased words of names, username, offered skill names and
 *   bio (the multikey index search_tokens answers a search term as an anchored prefix);
 *   searchName, searchSkills, searchBio: the same words per column, for the ranking.
 */
#include "mongo_blocks.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_user_card.h"

sb_user_card_t *sb_mongo_card_from_doc(apr_pool_t *p, const bson_t *doc, apr_array_header_t *a)
{
    sb_user_t *u = sb_mongo_user_from_doc(p, doc);

    return u ? sb_user_card_push(p, u, a) : NULL;
}

/* ---- derived fields ---- */

/* A word byte: ASCII letters and digits, and every byte of a multi-byte UTF-8 character. */
static int sb_mongo_word_byte(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
           || ch >= 0x80;
}

void sb_mongo_words(apr_pool_t *p, const char *text, apr_array_header_t *out)
{
    const char *s = text, *start;
    int i, dup;

    while (s && *s) {
        while (*s && !sb_mongo_word_byte((unsigned char)*s)) {
            s++;
        }
        for (start = s; *s && sb_mongo_word_byte((unsigned char)*s); s++) {
        }
        if (s > start) {
            const char *w = sb_mongo_lower(p, apr_pstrndup(p, start, (apr_size_t)(s - start)));
            for (i = 0, dup = 0; i < out->nelts && !dup; i++) {
                dup = !strcmp(APR_ARRAY_IDX(out, i, const char *), w);
            }
            if (!dup) {
                APR_ARRAY_PUSH(out, const char *) = w;
            }
        }
    }
}

static void sb_mongo_append_words(bson_t *b, const char *key, const apr_array_header_t *a)
{
    bson_t arr;
    char buf[16];
    const char *k;
    int i;

    bson_append_array_begin(b, key, -1, &arr);
    for (i = 0; i < a->nelts; i++) {
        bson_uint32_to_string((uint32_t)i, &k, buf, sizeof(buf));
        bson_append_utf8(&arr, k, -1, APR_ARRAY_IDX(a, i, const char *), -1);
    }
    bson_append_array_end(b, &arr);
}

void sb_mongo_append_derived(apr_pool_t *p, bson_t *b, const sb_user_t *u)
{
    apr_array_header_t *name = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *skills = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *bio = apr_array_make(p, 8, sizeof(const char *));
    apr_array_header_t *all;
    int i;

    sb_mongo_words(p, u->first_name, name);
    sb_mongo_words(p, u->last_name, name);
    sb_mongo_words(p, u->username, name);
    for (i = 0; u->skills_offered && i < u->skills_offered->nelts; i++) {
        sb_mongo_words(p, APR_ARRAY_IDX(u->skills_offered, i, sb_skill_offered_t).skill, skills);
    }
    sb_mongo_words(p, u->bio, bio);
    all = apr_array_copy(p, name);
    for (i = 0; i < skills->nelts; i++) {
        sb_mongo_words(p, APR_ARRAY_IDX(skills, i, const char *), all);
    }
    for (i = 0; i < bio->nelts; i++) {
        sb_mongo_words(p, APR_ARRAY_IDX(bio, i, const char *), all);
    }
    BSON_APPEND_UTF8(b, "cardHead", sb_user_card_head(p, u));
    sb_mongo_append_words(b, "searchTokens", all);
    sb_mongo_append_words(b, "searchName", name);
    sb_mongo_append_words(b, "searchSkills", skills);
    sb_mongo_append_words(b, "searchBio", bio);
}

sb_user_card_t *sb_mongo_card_kept(apr_pool_t *p, const bson_t *doc, apr_array_header_t *a)
{
    sb_user_card_t *card;
    bson_iter_t it;
    uint32_t len;
    const char *head;

    if (!bson_iter_init_find(&it, doc, "cardHead") || !BSON_ITER_HOLDS_UTF8(&it)) {
        return sb_mongo_card_from_doc(p, doc, a); /* a document older than cardHead */
    }
    head = bson_iter_utf8(&it, &len);
    card = apr_array_push(a);
    memset(card, 0, sizeof(*card));
    if (!sb_mongo_doc_id(doc, "_id", card->id)) {
        apr_array_pop(a);
        return NULL;
    }
    card->card_head = apr_pstrmemdup(p, head, len);
    card->card_head_len = len;
    card->rating = sb_mongo_doc_double(doc, "rating");
    card->total_reviews = (int)sb_mongo_doc_int(doc, "totalReviews");
    card->is_verified = sb_mongo_doc_int(doc, "isVerified") != 0;
    card->last_seen = sb_mongo_get_time(doc, "lastSeen");
    return card;
}
