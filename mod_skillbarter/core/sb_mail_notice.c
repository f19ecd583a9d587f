/* Reminder and notification mail (sb_mail_notice.h). */
#include "sb_mail_notice.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_mail_template.h"

int sb_mail_notice_build(apr_pool_t *p, const sb_mail_notice_t *n, sb_mail_t *out, const char **why)
{
    const char *unsubscribe = apr_pstrcat(p, n->public_url, SB_MAIL_UNSUBSCRIBE_PATH, NULL);
    const char *vars[] = {"firstName",   n->first_name ? n->first_name : "",
                          "subject",     n->subject ? n->subject : "",
                          "body",        n->body ? n->body : "",
                          "link",        n->link ? n->link : n->public_url,
                          "publicURL",   n->public_url,
                          "unsubscribe", unsubscribe,
                          NULL};
    sb_mail_template_t t;

    memset(out, 0, sizeof *out);
    if (sb_mail_template_load(p, n->templates, "notification", &t, why) != APR_SUCCESS
        || sb_mail_template_fill(p, &t, vars, &out->subject, &out->text, &out->html, why)) {
        return -1;
    }
    out->from = n->from;
    out->to = n->to;
    out->list_unsubscribe = unsubscribe;
    return 0;
}
