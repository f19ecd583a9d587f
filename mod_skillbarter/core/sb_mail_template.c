/* Mail templates: loading (files or built-in copies) and one-pass placeholder filling. */
#include "sb_mail_template.h"

#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>

/* The shipped conf/mail/NAME.txt and NAME.html (a unit test keeps them equal). */
static const struct {
    const char *name, *txt, *html;
} builtin[] = {
    {"verify",
     "Subject: Confirm your Skill Barter email address\n"
     "Hello {{firstName}},\n"
     "\n"
     "Welcome to Skill Barter! Please confirm your email address:\n"
     "\n"
     "{{link}}\n"
     "\n"
     "The link is valid for {{minutes}} minutes. If you did not ask for it, ignore this message.\n"
     "\n"
     "-- Skill Barter\n",
     "<!DOCTYPE html>\n"
     "<html><body>\n"
     "<p>Hello {{firstName}},</p>\n"
     "<p>Welcome to Skill Barter! Please confirm your email address:</p>\n"
     "<p><a href=\"{{link}}\">Confirm my address</a></p>\n"
     "<p>The link is valid for {{minutes}} minutes.\n"
     "If you did not ask for it, ignore this message.</p>\n"
     "<p>&mdash; Skill Barter</p>\n"
     "</body></html>\n"},
    {"reset",
     "Subject: Reset your Skill Barter password\n"
     "Hello {{firstName}},\n"
     "\n"
     "Someone asked to reset the password of your Skill Barter account. To choose a new one, "
     "open:\n"
     "\n"
     "{{link}}\n"
     "\n"
     "The link is valid for {{minutes}} minutes. If you did not ask for it, ignore this message.\n"
     "\n"
     "-- Skill Barter\n",
     "<!DOCTYPE html>\n"
     "<html><body>\n"
     "<p>Hello {{firstName}},</p>\n"
     "<p>Someone asked to reset the password of your Skill Barter account.\n"
     "To choose a new one, open:</p>\n"
     "<p><a href=\"{{link}}\">Reset my password</a></p>\n"
     "<p>The link is valid for {{minutes}} minutes.\n"
     "If you did not ask for it, ignore this message.</p>\n"
     "<p>&mdash; Skill Barter</p>\n"
     "</body></html>\n"},
    {"notification",
     "Subject: {{subject}}\n"
     "Hello {{firstName}},\n"
     "\n"
     "{{body}}\n"
     "\n"
     "{{link}}\n"
     "\n"
     "-- Skill Barter\n"
     "You get this mail because email notifications are on in your profile. Turn them off:\n"
     "{{unsubscribe}}\n",
     "<!DOCTYPE html>\n"
     "<html><body>\n"
     "<p>Hello {{firstName}},</p>\n"
     "<p>{{body}}</p>\n"
     "<p><a href=\"{{link}}\">{{link}}</a></p>\n"
     "<p>&mdash; Skill Barter</p>\n"
     "<p><small>You get this mail because email notifications are on in your profile.\n"
     "<a href=\"{{unsubscribe}}\">Turn them off</a>.</small></p>\n"
     "</body></html>\n"},
};

static const char *lookup(const char *const *vars, const char *name, apr_size_t n)
{
    for (; vars && vars[0]; vars += 2) {
        if (strlen(vars[0]) == n && !strncmp(vars[0], name, n)) {
            return vars[1] ? vars[1] : "";
        }
    }
    return NULL;
}

/* v made safe for mode, appended to the buffer b. */
static void put_value(apr_pool_t *p, char **b, apr_size_t *len, apr_size_t *cap, const char *v,
                      sb_fill_mode_t mode);

static void put(apr_pool_t *p, char **b, apr_size_t *len, apr_size_t *cap, const char *s,
                apr_size_t n)
{
    if (*len + n + 1 > *cap) {
        apr_size_t ncap = (*cap + n + 1) * 2;
        char *nb = apr_palloc(p, ncap);
        memcpy(nb, *b, *len);
        *b = nb;
        *cap = ncap;
    }
    memcpy(*b + *len, s, n);
    *len += n;
    (*b)[*len] = '\0';
}

static void put_value(apr_pool_t *p, char **b, apr_size_t *len, apr_size_t *cap, const char *v,
                      sb_fill_mode_t mode)
{
    for (; *v; v++) {
        unsigned char ch = (unsigned char)*v;
        if (mode == SB_FILL_HTML) {
            switch (ch) {
            case '&':
                put(p, b, len, cap, "&amp;", 5);
                continue;
            case '<':
                put(p, b, len, cap, "&lt;", 4);
                continue;
            case '>':
                put(p, b, len, cap, "&gt;", 4);
                continue;
            case '"':
                put(p, b, len, cap, "&quot;", 6);
                continue;
            case '\'':
                put(p, b, len, cap, "&#39;", 5);
                continue;
            }
        }
        if (ch < 0x20 || ch == 0x7f) {
            if (mode == SB_FILL_HEADER || (ch != '\n' && ch != '\t')) {
                put(p, b, len, cap, " ", 1);
                continue;
            }
        }
        put(p, b, len, cap, v, 1);
    }
}

const char *sb_mail_fill(apr_pool_t *p, const char *tmpl, const char *const *vars,
                         sb_fill_mode_t mode, const char **why)
{
    apr_size_t len = 0, cap = strlen(tmpl) + 64;
    char *b = apr_palloc(p, cap);
    const char *s = tmpl, *open;

    b[0] = '\0';
    while ((open = strstr(s, "{{"))) {
        const char *name = open + 2, *close = strstr(name, "}}"), *v;
        put(p, &b, &len, &cap, s, (apr_size_t)(open - s));
        if (!close) {
            *why = "a placeholder is not closed with }}";
            return NULL;
        }
        if (!(v = lookup(vars, name, (apr_size_t)(close - name)))) {
            *why = apr_psprintf(p, "no value for {{%.*s}}", (int)(close - name), name);
            return NULL;
        }
        put_value(p, &b, &len, &cap, v, mode);
        s = close + 2;
    }
    put(p, &b, &len, &cap, s, strlen(s));
    return b;
}

/* The whole file path, or NULL (*why set); a missing file is NULL with *why NULL if optional. */
static const char *read_file(apr_pool_t *p, const char *path, int optional, const char **why)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    char err[128], *buf;
    apr_size_t n;

    *why = NULL;
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);
    if (rv != APR_SUCCESS) {
        if (!(optional && APR_STATUS_IS_ENOENT(rv))) {
            *why = apr_psprintf(p, "%s: %s", path, apr_strerror(rv, err, sizeof err));
        }
        return NULL;
    }
    if ((rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f)) == APR_SUCCESS && fi.size > 256 * 1024) {
        rv = APR_EINVAL;
    }
    if (rv == APR_SUCCESS) {
        n = (apr_size_t)fi.size;
        buf = apr_palloc(p, n + 1);
        rv = n ? apr_file_read_full(f, buf, n, &n) : APR_SUCCESS;
        buf[n] = '\0';
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        *why =
            apr_psprintf(p, "%s: %s", path,
                         rv == APR_EINVAL ? "larger than 256K" : apr_strerror(rv, err, sizeof err));
        return NULL;
    }
    return buf;
}

/* Split "Subject: ...\n" off the text template. */
static int split_subject(apr_pool_t *p, const char *txt, sb_mail_template_t *out)
{
    const char *nl = strchr(txt, '\n');

    if (strncmp(txt, "Subject: ", 9) || !nl) {
        return -1;
    }
    out->subject = apr_pstrndup(p, txt + 9, (apr_size_t)(nl - txt - 9));
    out->text = nl + 1;
    return 0;
}

apr_status_t sb_mail_template_load(apr_pool_t *p, const char *dir, const char *name,
                                   sb_mail_template_t *out, const char **why)
{
    const char *txt, *path;
    apr_size_t i;

    memset(out, 0, sizeof *out);
    if (!dir) {
        for (i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
            if (!strcmp(builtin[i].name, name)) {
                split_subject(p, builtin[i].txt, out);
                out->html = builtin[i].html;
                return APR_SUCCESS;
            }
        }
        *why = apr_psprintf(p, "no built-in mail template %s", name);
        return APR_ENOENT;
    }
    path = apr_pstrcat(p, dir, "/", name, ".txt", NULL);
    if (!(txt = read_file(p, path, 0, why))) {
        return APR_ENOENT;
    }
    if (split_subject(p, txt, out)) {
        *why = apr_psprintf(p, "%s: the first line must be \"Subject: ...\"", path);
        return APR_EINVAL;
    }
    out->html = read_file(p, apr_pstrcat(p, dir, "/", name, ".html", NULL), 1, why);
    return *why ? APR_EINVAL : APR_SUCCESS;
}

int sb_mail_template_fill(apr_pool_t *p, const sb_mail_template_t *t, const char *const *vars,
                          const char **subject, const char **text, const char **html,
                          const char **why)
{
    *html = NULL;
    if (!(*subject = sb_mail_fill(p, t->subject, vars, SB_FILL_HEADER, why))
        || !(*text = sb_mail_fill(p, t->text, vars, SB_FILL_TEXT, why))
        || (t->html && !(*html = sb_mail_fill(p, t->html, vars, SB_FILL_HTML, why)))) {
        return -1;
    }
    return 0;
}
