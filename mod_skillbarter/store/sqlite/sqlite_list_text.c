/*
 * SQLite driver: the users' list columns read back without json-c. The columns hold what
 * sb_sqlite_json_* wrote (json-c, plain: arrays of strings or of flat objects of strings and
 * booleans, availability's slots one level down). Parsing that text with json_tokener built
 * and freed an object per value, most of a profile read's cost; this reader takes exactly
 * the shapes that writer makes and declines anything else (another value type, an escape it
 * never writes, text after the array), so that the caller parses that with json-c as before:
 * what a read yields does not depend on which reader took it (test_store_list_text.c).
 */
#include "sqlite_int.h"

#include <string.h>
#include <apr_strings.h>

typedef struct {
    const char *s;
    apr_pool_t *p;
} lt_t;

static void lt_ws(lt_t *r)
{
    while (*r->s == ' ' || *r->s == '\t' || *r->s == '\n' || *r->s == '\r') {
        r->s++;
    }
}

/* Consume c (after blanks): 1, or 0 when the next byte is another. */
static int lt_eat(lt_t *r, char c)
{
    lt_ws(r);
    if (*r->s != c) {
        return 0;
    }
    r->s++;
    return 1;
}

/* A string into the pool (*out); 0 for a control byte, \u0000, a \u escape json-c does not
 * write (beyond ASCII, upper-case digits) or an unterminated string. */
static int lt_string(lt_t *r, const char **out)
{
    const char *s, *e;
    char *o, *d;

    if (!lt_eat(r, '"')) {
        return 0;
    }
    s = r->s;
    for (e = s; *e != '"' && *e != '\\'; e++) {
        if ((unsigned char)*e < ' ') {
            return 0;
        }
    }
    if (*e == '"') { /* no escape: the usual case */
        *out = apr_pstrmemdup(r->p, s, (apr_size_t)(e - s));
        r->s = e + 1;
        return 1;
    }
    /* an escape: decode into a copy no longer than the text */
    e = s + strlen(s);
    d = o = apr_palloc(r->p, (apr_size_t)(e - s) + 1);
    for (; *s != '"'; s++) {
        if ((unsigned char)*s < ' ') {
            return 0;
        }
        if (*s != '\\') {
            *d++ = *s;
            continue;
        }
        switch (*++s) {
        case '"':
        case '\\':
        case '/':
            *d++ = *s;
            break;
        case 'b':
            *d++ = '\b';
            break;
        case 'f':
            *d++ = '\f';
            break;
        case 'n':
            *d++ = '\n';
            break;
        case 'r':
            *d++ = '\r';
            break;
        case 't':
            *d++ = '\t';
            break;
        case 'u': { /* json-c's own form: \u00 and two lower-case hex digits, below 0x80 */
            static const char hex[] = "0123456789abcdef";
            const char *hi = s[3] ? strchr(hex, s[3]) : NULL, *lo;
            if (s[1] != '0' || s[2] != '0' || !hi || hi - hex > 7 || !s[4]
                || !(lo = strchr(hex, s[4])) || (hi == hex && lo == hex)) {
                return 0;
            }
            *d++ = (char)((hi - hex) << 4 | (lo - hex));
            s += 4;
            break;
        }
        default:
            return 0;
        }
    }
    *d = '\0';
    *out = o;
    r->s = s + 1;
    return 1;
}

static int lt_bool(lt_t *r, int *out)
{
    lt_ws(r);
    if (!strncmp(r->s, "true", 4)) {
        *out = 1;
        r->s += 4;
        return 1;
    }
    if (!strncmp(r->s, "false", 5)) {
        *out = 0;
        r->s += 5;
        return 1;
    }
    return 0;
}

/* A member of a flat object: its key, then what follows the colon is the caller's. */
static int lt_key(lt_t *r, const char **key)
{
    return lt_string(r, key) && lt_eat(r, ':');
}

/* After a value inside an object or array: 1 and *more for ',' , 1 and !*more for close. */
static int lt_next(lt_t *r, char close, int *more)
{
    if (lt_eat(r, ',')) {
        *more = 1;
        return 1;
    }
    *more = 0;
    return lt_eat(r, close);
}

/* The members a list's objects have: strings at offsets into the element, one boolean, and
 * for availability the slots' array (read by slots). Keys not named here are declined. */
typedef struct {
    const char *key;
    apr_size_t off;
    char type; /* 's' string, 'b' boolean, 'a' the slots */
} lt_member_t;

static int lt_array(lt_t *r, apr_array_header_t *a, const lt_member_t *m);

static int lt_object(lt_t *r, void *elt, const lt_member_t *m)
{
    const char *key;
    int more = 1, i;

    if (!lt_eat(r, '{')) {
        return 0;
    }
    if (lt_eat(r, '}')) {
        return 1;
    }
    while (more) {
        if (!lt_key(r, &key)) {
            return 0;
        }
        for (i = 0; m[i].key && strcmp(m[i].key, key); i++) {
        }
        if (!m[i].key) {
            return 0;
        }
        switch (m[i].type) {
        case 's':
            if (!lt_string(r, (const char **)((char *)elt + m[i].off))) {
                return 0;
            }
            break;
        case 'b':
            if (!lt_bool(r, (int *)((char *)elt + m[i].off))) {
                return 0;
            }
            break;
        default: { /* availability's timeSlots */
            static const lt_member_t slot[] = {
                {"startTime", APR_OFFSETOF(sb_time_slot_t, start_time), 's'},
                {"endTime", APR_OFFSETOF(sb_time_slot_t, end_time), 's'},
                {NULL, 0, 0}};
            apr_array_header_t *slots = apr_array_make(r->p, 2, sizeof(sb_time_slot_t));
            if (!lt_array(r, slots, slot)) {
                return 0;
            }
            *(apr_array_header_t **)((char *)elt + m[i].off) = slots;
        }
        }
        if (!lt_next(r, '}', &more)) {
            return 0;
        }
    }
    return 1;
}

/* An array onto a: strings when m is NULL, else objects of members m. */
static int lt_array(lt_t *r, apr_array_header_t *a, const lt_member_t *m)
{
    int more = 1;

    if (!lt_eat(r, '[')) {
        return 0;
    }
    if (lt_eat(r, ']')) {
        return 1;
    }
    while (more) {
        void *elt = apr_array_push(a);
        memset(elt, 0, (apr_size_t)a->elt_size);
        if (!(m ? lt_object(r, elt, m) : lt_string(r, (const char **)elt))) {
            return 0;
        }
        if (!lt_next(r, ']', &more)) {
            return 0;
        }
    }
    return 1;
}

static const lt_member_t lt_offered[] = {
    {"skill", APR_OFFSETOF(sb_skill_offered_t, skill), 's'},
    {"category", APR_OFFSETOF(sb_skill_offered_t, category), 's'},
    {"experience", APR_OFFSETOF(sb_skill_offered_t, experience), 's'},
    {"description", APR_OFFSETOF(sb_skill_offered_t, description), 's'},
    {"verified", APR_OFFSETOF(sb_skill_offered_t, verified), 'b'},
    {NULL, 0, 0}};
static const lt_member_t lt_wanted[] = {
    {"skill", APR_OFFSETOF(sb_skill_wanted_t, skill), 's'},
    {"category", APR_OFFSETOF(sb_skill_wanted_t, category), 's'},
    {"level", APR_OFFSETOF(sb_skill_wanted_t, level), 's'},
    {"priority", APR_OFFSETOF(sb_skill_wanted_t, priority), 's'},
    {NULL, 0, 0}};
static const lt_member_t lt_availability[] = {
    {"day", APR_OFFSETOF(sb_availability_t, day), 's'},
    {"timeSlots", APR_OFFSETOF(sb_availability_t, time_slots), 'a'},
    {NULL, 0, 0}};

apr_array_header_t *sb_sqlite_list_text_read(apr_pool_t *p, sb_sqlite_list_t which,
                                             const char *text)
{
    static const struct {
        const lt_member_t *members;
        int elt_size;
    } kinds[] = {{NULL, sizeof(const char *)},
                 {lt_offered, sizeof(sb_skill_offered_t)},
                 {lt_wanted, sizeof(sb_skill_wanted_t)},
                 {lt_availability, sizeof(sb_availability_t)}};
    apr_array_header_t *a = apr_array_make(p, 4, kinds[which].elt_size);
    lt_t r = {text, p};
    int i;

    if (!text) { /* no column: an empty list, as json-c's reader makes it */
        return a;
    }
    if (!lt_array(&r, a, kinds[which].members)) {
        return NULL;
    }
    lt_ws(&r);
    if (*r.s) {
        return NULL;
    }
    if (which == SB_SQLITE_LIST_AVAILABILITY) {
        for (i = 0; i < a->nelts; i++) { /* a day without timeSlots has none */
            sb_availability_t *d = &APR_ARRAY_IDX(a, i, sb_availability_t);
            if (!d->time_slots) {
                d->time_slots = apr_array_make(p, 1, sizeof(sb_time_slot_t));
            }
        }
    }
    return a;
}
