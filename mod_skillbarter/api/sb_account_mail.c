/* Account mail: link, template, and either the store's queue or the spool (sb_account_mail.h). */
#include "sb_account_mail.h"
#include "sb_kit.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_mail.h"
#include "sb_mail_template.h"
#include "sb_token.h"

typedef struct {
    sb_call_t *c;
    const sb_user_t *u;
    const char *purpose, *tmpl, *path;
    int64_t ttl;
    const char *why; /* what went wrong composing */
} link_mail_t;

/* The mail for the link made from nonce; 0, or -1 with lm->why. */
static int link_mail_build(link_mail_t *lm, apr_pool_t *p, const char *nonce, sb_mail_t *m)
{
    const sb_settings_t *st = lm->c->settings;
    const char *token =
        sb_token_derive(p, st->cursor_key, st->cursor_key_len, lm->purpose, lm->u->id, nonce);
    sb_mail_template_t t;
    const char *vars[7 * 2 + 1];
    const char *link;

    memset(m, 0, sizeof *m);
    if (!token) {
        lm->why = "deriving the link failed";
        return -1;
    }
    if (sb_mail_template_load(p, st->mail_templates, lm->tmpl, &t, &lm->why) != APR_SUCCESS) {
        return -1;
    }
    link = apr_pstrcat(p, st->public_url, lm->path, "?token=", token, NULL);
    vars[0] = "firstName";
    vars[1] = lm->u->first_name ? lm->u->first_name : "";
    vars[2] = "lastName";
    vars[3] = lm->u->last_name ? lm->u->last_name : "";
    vars[4] = "username";
    vars[5] = lm->u->username ? lm->u->username : "";
    vars[6] = "link";
    vars[7] = link;
    vars[8] = "minutes";
    vars[9] = apr_psprintf(p, "%" APR_INT64_T_FMT, lm->ttl / 60);
    vars[10] = "publicURL";
    vars[11] = st->public_url;
    vars[12] = NULL;
    m->from = st->mail_from;
    m->to = lm->u->email;
    return sb_mail_template_fill(p, &t, vars, &m->subject, &m->text, &m->html, &lm->why);
}

/* sb_store_mail_compose_fn: the queued form of the link mail. */
static int link_mail_compose(void *ctx, apr_pool_t *p, const char *nonce, sb_store_mail_new_t *out)
{
    link_mail_t *lm = ctx;
    char id[SB_ID_LEN + 1];
    const char *from_addr = sb_mail_address(p, lm->c->settings->mail_from), *domain;
    sb_mail_t m;

    if (link_mail_build(lm, p, nonce, &m)) {
        return -1;
    }
    if (!from_addr) {
        lm->why = "SkillBarterMailFrom has no address";
        return -1;
    }
    domain = strchr(from_addr, '@') + 1;
    sb_id_new(id);
    out->kind = SB_MAIL_KIND_ACCOUNT;
    out->user_id = lm->u->id;
    out->envelope_from = from_addr;
    out->rcpt = lm->u->email;
    out->message = sb_mail_render(p, &m, apr_pstrcat(p, id, "@", domain, NULL), lm->c->now);
    return 0;
}

void sb_account_mail_send(sb_call_t *c, const sb_user_t *u, const char *purpose, int64_t ttl,
                          const char *tmpl, const char *path)
{
    const sb_settings_t *st = c->settings;
    link_mail_t lm = {c, u, purpose, tmpl, path, ttl, NULL};
    sb_store_error_t e = {0};
    const char *nonce = sb_token_new(c->pool), *live = NULL, *token, *why = NULL;
    sb_mail_t m;

    token =
        nonce ? sb_token_derive(c->pool, st->cursor_key, st->cursor_key_len, purpose, u->id, nonce)
              : NULL;
    if (!token) {
        sb_call_log(c, SB_LOG_ERR, "making a %s token failed", purpose);
        return;
    }
    if (st->mail_transport && !strcmp(st->mail_transport, "smtp")) {
        if (sb_store_mail_issue_link(c->conn, c->pool, sb_token_hash(c->pool, token), nonce, u->id,
                                     purpose, c->now + ttl * 1000, c->now, link_mail_compose, &lm,
                                     NULL, &e)
            != SB_STORE_OK) {
            sb_call_log(c, SB_LOG_ERR, "queueing %s mail failed: %s", purpose,
                        lm.why ? lm.why : e.message);
        }
        return;
    }
    if (!st->mail) {
        sb_call_log(c, SB_LOG_NOTICE, "no mail transport: %s mail for user %s not sent", purpose,
                    u->id);
        return;
    }
    if (sb_store_onetime_issue(c->conn, c->pool, sb_token_hash(c->pool, token), nonce, u->id,
                               purpose, c->now + ttl * 1000, c->now, &live, &e)
        != SB_STORE_OK) {
        sb_call_log(c, SB_LOG_ERR, "storing a %s token failed: %s", purpose, e.message);
        return;
    }
    if (link_mail_build(&lm, c->pool, live, &m)) {
        sb_call_log(c, SB_LOG_ERR, "composing %s mail failed: %s", purpose, lm.why);
        return;
    }
    if (st->mail->send(st->mail, c->pool, &m, &why)) {
        sb_call_log(c, SB_LOG_ERR, "sending %s mail failed: %s", purpose, why);
    }
}
