/*
 * Account mail (verification, password reset): a one-time link filled into the operator's
 * template (SkillBarterMailTemplates, conf/mail/NAME.txt|html) with links built from
 * SkillBarterPublicURL, never the request's Host. With SkillBarterMailTransport smtp the
 * message is queued in the same store transaction as its token (the delivery job of
 * `sbctl jobs` sends it); with spool it is written to SkillBarterMailSpool. Failures are
 * logged, never shown.
 */
#ifndef SB_ACCOUNT_MAIL_H
#define SB_ACCOUNT_MAIL_H

#include "sb_api.h"

/* Issue (or reuse the live) link of purpose for u, valid ttl seconds, and mail it with
 * template tmpl ("verify", "reset") pointing at public_url + path. */
void sb_account_mail_send(sb_call_t *c, const sb_user_t *u, const char *purpose, int64_t ttl,
                          const char *tmpl, const char *path);

#endif
