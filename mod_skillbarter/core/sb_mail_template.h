/*
 * Mail templates an operator can edit (conf/mail/NAME.txt and NAME.html): the .txt file's
 * first line is "Subject: ...", the rest the plain text body; the .html file (optional) is
 * the HTML alternative. Placeholders are {{name}}, filled in one pass (a value is never read
 * as a template): in HTML a value is escaped (& < > " '), in the subject it loses its line
 * breaks and control characters, in text and HTML its control characters other than newline
 * and tab.
 * Without a directory the built-in copies of the shipped templates are used.
 */
#ifndef SB_MAIL_TEMPLATE_H
#define SB_MAIL_TEMPLATE_H

#include <apr_pools.h>

typedef enum { SB_FILL_TEXT, SB_FILL_HTML, SB_FILL_HEADER } sb_fill_mode_t;

typedef struct {
    const char *subject; /* template text of each part; html may be NULL */
    const char *text;
    const char *html;
} sb_mail_template_t;

/*
 * Fill tmpl: vars is a NULL-terminated list of name, value pairs. NULL with *why set when a
 * placeholder names no variable or is not closed.
 */
const char *sb_mail_fill(apr_pool_t *p, const char *tmpl, const char *const *vars,
                         sb_fill_mode_t mode, const char **why);

/*
 * Load template name ("verify", "reset", "notification") from dir, or the built-in copy when
 * dir is NULL. APR_SUCCESS, or a failure with *why naming the file.
 */
apr_status_t sb_mail_template_load(apr_pool_t *p, const char *dir, const char *name,
                                   sb_mail_template_t *out, const char **why);

/* The three parts filled (html NULL when the template has none); 0, or -1 with *why. */
int sb_mail_template_fill(apr_pool_t *p, const sb_mail_template_t *t, const char *const *vars,
                          const char **subject, const char **text, const char **html,
                          const char **why);

#endif
