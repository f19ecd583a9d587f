/* Bounded multipart/form-data reader (see sb_multipart.h). */
#include "sb_multipart.h"

#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>

static int is_token_char(int c)
{
    return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/*
 * Parameter `name` of a header value such as `form-data; name="avatar"; filename="a.png"`
 * (quoted or token form; a quoted-pair unescapes). NULL when absent or malformed.
 */
static const char *header_param(apr_pool_t *p, const char *v, const char *name)
{
    apr_size_t nl = strlen(name);
    const char *q = strchr(v, ';');

    while (q) {
        q++;
        while (*q == ' ' || *q == '\t') {
            q++;
        }
        if (!strncasecmp(q, name, nl) && q[nl] == '=') {
            const char *s = q + nl + 1;
            if (*s == '"') {
                char *out = apr_palloc(p, strlen(s) + 1);
                apr_size_t o = 0;
                for (s++; *s && *s != '"'; s++) {
                    if (*s == '\\' && s[1]) {
                        s++;
                    }
                    out[o++] = *s;
                }
                if (*s != '"') {
                    return NULL;
                }
                out[o] = '\0';
                return out;
            }
            else {
                const char *e = s;
                while (*e && is_token_char((unsigned char)*e)) {
                    e++;
                }
                return e > s ? apr_pstrmemdup(p, s, (apr_size_t)(e - s)) : NULL;
            }
        }
        /* skip to the next ';' outside quotes */
        while (*q && *q != ';') {
            if (*q == '"') {
                for (q++; *q && *q != '"'; q++) {
                    if (*q == '\\' && q[1]) {
                        q++;
                    }
                }
                if (!*q) {
                    return NULL;
                }
            }
            q++;
        }
        if (!*q) {
            break;
        }
    }
    return NULL;
}

const char *sb_multipart_boundary(apr_pool_t *p, const char *ct)
{
    const char *b;
    apr_size_t n, i;

    if (!ct) {
        return NULL;
    }
    while (*ct == ' ') {
        ct++;
    }
    if (strncasecmp(ct, "multipart/form-data", 19) || (ct[19] && ct[19] != ';' && ct[19] != ' ')) {
        return NULL;
    }
    b = header_param(p, ct, "boundary");
    if (!b || !(n = strlen(b)) || n > SB_MULTIPART_BOUNDARY_MAX) {
        return NULL;
    }
    /* RFC 2046 bchars; a trailing space is not allowed */
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(b[i]) && !strchr("'()+_,-./:=? ", b[i])) {
            return NULL;
        }
    }
    return b[n - 1] == ' ' ? NULL : b;
}

static const char *find(const char *hay, apr_size_t n, const char *needle, apr_size_t m)
{
    return m <= n ? memmem(hay, n, needle, m) : NULL;
}

/* Parse the header block [h, h+n) of one part into part. 0 on success. */
static int part_headers(apr_pool_t *p, const char *h, apr_size_t n, sb_multipart_part_t *part,
                        const char **why)
{
    char *block = apr_pstrmemdup(p, h, n), *line, *state = NULL;
    int has_disposition = 0;

    if (memchr(h, '\0', n)) {
        *why = "NUL byte in part headers";
        return -1;
    }
    for (line = apr_strtok(block, "\r\n", &state); line; line = apr_strtok(NULL, "\r\n", &state)) {
        char *colon = strchr(line, ':'), *v;
        if (!colon || colon == line) {
            *why = "malformed part header";
            return -1;
        }
        *colon = '\0';
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++) {
        }
        if (!strcasecmp(line, "Content-Disposition")) {
            if (strncasecmp(v, "form-data", 9) || (v[9] && v[9] != ';' && v[9] != ' ')) {
                *why = "part disposition is not form-data";
                return -1;
            }
            part->name = header_param(p, v, "name");
            part->filename = header_param(p, v, "filename");
            has_disposition = 1;
        }
        else if (!strcasecmp(line, "Content-Type")) {
            part->content_type = apr_pstrdup(p, v);
        }
    }
    if (!has_disposition) {
        *why = "part without Content-Disposition";
        return -1;
    }
    if (!part->name) {
        part->name = "";
    }
    return 0;
}

apr_array_header_t *sb_multipart_parse(apr_pool_t *p, const char *body, apr_size_t len,
                                       const char *boundary, const char **why)
{
    apr_array_header_t *parts = apr_array_make(p, 2, sizeof(sb_multipart_part_t));
    apr_size_t bl = boundary ? strlen(boundary) : 0, pos;
    char *delim; /* "\r\n--" boundary */
    const char *d;

    *why = NULL;
    if (!bl || bl > SB_MULTIPART_BOUNDARY_MAX || !body) {
        *why = "missing multipart boundary";
        return NULL;
    }
    delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
    /* The first delimiter may open the body (no preamble) or follow a preamble line. */
    if (len >= bl + 2 && !memcmp(body, delim + 2, bl + 2)) {
        pos = bl + 2;
    }
    else if ((d = find(body, len, delim, bl + 4))) {
        pos = (apr_size_t)(d - body) + bl + 4;
    }
    else {
        *why = "no multipart boundary in the body";
        return NULL;
    }
    for (;;) {
        sb_multipart_part_t *part;
        const char *hend, *next;
        apr_size_t hstart;

        /* after a delimiter: "--" closes, else optional padding then CRLF */
        if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-') {
            return parts;
        }
        while (pos < len && (body[pos] == ' ' || body[pos] == '\t')) {
            pos++;
        }
        if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n') {
            *why = "malformed multipart delimiter line";
            return NULL;
        }
        pos += 2;
        if (parts->nelts == SB_MULTIPART_MAX_PARTS) {
            *why = "too many multipart parts";
            return NULL;
        }
        hstart = pos;
        /* a part with no headers starts with the empty line right away */
        if (len - pos >= 2 && body[pos] == '\r' && body[pos + 1] == '\n') {
            hend = body + pos;
        }
        else {
            apr_size_t window = len - pos;
            if (window > SB_MULTIPART_MAX_HEADERS + 4) {
                window = SB_MULTIPART_MAX_HEADERS + 4;
            }
            hend = find(body + pos, window, "\r\n\r\n", 4);
            if (!hend) {
                *why = "multipart part headers too long or unterminated";
                return NULL;
            }
            hend += 2; /* at the empty line */
        }
        part = apr_array_push(parts);
        memset(part, 0, sizeof *part);
        if (part_headers(p, body + hstart, (apr_size_t)(hend - body) - hstart, part, why)) {
            return NULL;
        }
        pos = (apr_size_t)(hend - body) + 2;
        next = find(body + pos, len - pos, delim, bl + 4);
        if (!next) {
            *why = "multipart body is not closed";
            return NULL;
        }
        part->data = body + pos;
        part->len = (apr_size_t)(next - (body + pos));
        pos = (apr_size_t)(next - body) + bl + 4;
    }
}

const sb_multipart_part_t *sb_multipart_find(const apr_array_header_t *parts, const char *name)
{
    int i;

    for (i = 0; parts && i < parts->nelts; i++) {
        const sb_multipart_part_t *pt = &APR_ARRAY_IDX(parts, i, sb_multipart_part_t);
        if (!strcmp(pt->name, name)) {
            return pt;
        }
    }
    return NULL;
}
