/* A user's public object (and the caller's own profile) written as JSON text (core/sb_jtext.h),
 * shared by the profile routes (api/) and the send operation (store/sb_message_send.c, also the
 * real-time daemon's). */
#ifndef SB_USER_TEXT_H
#define SB_USER_TEXT_H

#include <apr_tables.h>

#include "sb_jtext.h"
#include "store.h"

/* The public profile of u as JSON text, the bytes json-c writes for sb_user_to_json(u,
 * SB_VIEW_PUBLIC) — with reviewCount and recentReviews (reviews: of sb_review_t) when
 * detailed — without building its objects (most of the profile routes' cost otherwise). */
void sb_jtext_public_profile(sb_jtext_t *t, const sb_user_t *u, const apr_array_header_t *reviews,
                             int detailed);
/* The caller's own profile as JSON text: the bytes json-c writes for sb_user_to_json(u,
 * SB_VIEW_SELF). */
void sb_jtext_self_profile(sb_jtext_t *t, const sb_user_t *u);

#endif
