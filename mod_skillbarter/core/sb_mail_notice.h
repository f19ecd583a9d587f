/*
 * Reminder and notification mail (kind "notification" in the queue): the "notification"
 * template filled with a subject, a body and a link, always with List-Unsubscribe pointing at
 * the profile's notification setting. The caller queues it with mail_enqueue, kind
 * SB_MAIL_KIND_NOTIFICATION, which skips users whose emailNotifications is off.
 */
#ifndef SB_MAIL_NOTICE_H
#define SB_MAIL_NOTICE_H

#include "sb_mail.h"

/* Where List-Unsubscribe points, under SkillBarterPublicURL. */
#define SB_MAIL_UNSUBSCRIBE_PATH "/settings/notifications"

typedef struct {
    const char *templates;  /* SkillBarterMailTemplates, or NULL for the built-in copy */
    const char *public_url; /* SkillBarterPublicURL */
    const char *from;       /* SkillBarterMailFrom */
    const char *to;
    const char *first_name;
    const char *subject, *body, *link;
} sb_mail_notice_t;

/* Fill *out (strings in p); 0, or -1 with *why. */
int sb_mail_notice_build(apr_pool_t *p, const sb_mail_notice_t *n, sb_mail_t *out,
                         const char **why);

#endif
