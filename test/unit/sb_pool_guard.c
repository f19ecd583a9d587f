/*
 * Test allocator for the checker layers (ASan, valgrind). Debian's libapr is built without
 * pool debugging: apr_palloc carves allocations out of 8 KiB nodes and apr_pool_clear keeps the
 * nodes, so neither tool sees an overflow inside a node or a read after a clear.
 *
 * Linked into every unit test binary. With SB_POOL_GUARD=1 in the environment (run-unit.sh
 * sets it for the unit-asan and unit-valgrind layers) each apr_palloc and apr_pvsprintf is a
 * malloc block of exactly the size asked for, freed when its pool (or an ancestor) is cleared
 * or destroyed; the checker then reports the overflow or the use after clear. Without it every
 * call goes straight to libapr. apr_pcalloc is a macro over apr_palloc in the headers, and
 * libapr's exported apr_pcalloc calls apr_palloc@plt, so it needs nothing of its own.
 *
 * Why definitions in the executable are enough: libapr calls these through its PLT (141 calls
 * to apr_palloc@plt, apr_pstrdup -> apr_pmemdup@plt, apr_psprintf -> apr_pvsprintf@plt,
 * apr_pool_clear -> apr_pool_destroy@plt; objdump -d libapr-1.so), and the executable comes
 * first in the lookup scope, so APR's own string, array, table and hash helpers and apr-util
 * land here too (-Wl,--wrap would only rewrite the test's own references). apr_pvsprintf does
 * not use apr_palloc (it writes into the node), so it is replaced whole. apr_pool_destroy
 * destroys its children by a direct call, which no interposition sees: blocks are therefore
 * kept per pool in a tree (parents from apr_pool_parent_get), and releasing a pool releases
 * its whole subtree. test_pool_guard.c checks the exact sizes in the checker layers.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_pools.h>
#include <apr_strings.h>

typedef struct guard_pool guard_pool_t;
struct guard_pool {
    apr_pool_t *pool;
    void **blk;
    size_t n, cap;
    guard_pool_t *parent, *child, *sibling; /* the pool tree, as far as it is known */
    guard_pool_t *next;                     /* hash chain */
};

#define GUARD_BUCKETS 4096

static guard_pool_t *guard_table[GUARD_BUCKETS];
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static int guard_on;

static void *(*real_palloc)(apr_pool_t *, apr_size_t);
static char *(*real_pvsprintf)(apr_pool_t *, const char *, va_list);
static void (*real_clear)(apr_pool_t *);
static void (*real_destroy)(apr_pool_t *);

static void *guard_sym(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);

    if (!f) {
        fprintf(stderr, "sb_pool_guard: %s not found in libapr\n", name);
        abort();
    }
    return f;
}

static void guard_init(void)
{
    const char *e = getenv("SB_POOL_GUARD");

    real_palloc = guard_sym("apr_palloc");
    real_pvsprintf = guard_sym("apr_pvsprintf");
    real_clear = guard_sym("apr_pool_clear");
    real_destroy = guard_sym("apr_pool_destroy");
    guard_on = e && strcmp(e, "1") == 0;
}

static int guard_enabled(void)
{
    pthread_once(&guard_once, guard_init);
    return guard_on;
}

static size_t guard_hash(const apr_pool_t *p)
{
    return ((uintptr_t)p >> 4) % GUARD_BUCKETS;
}

static guard_pool_t *guard_find(const apr_pool_t *p)
{
    guard_pool_t *g;

    for (g = guard_table[guard_hash(p)]; g; g = g->next) {
        if (g->pool == p) {
            return g;
        }
    }
    return NULL;
}

/* The entry of p, made (with its ancestors' entries) on first use. Lock held. */
static guard_pool_t *guard_get(apr_pool_t *p)
{
    guard_pool_t *g = guard_find(p);
    apr_pool_t *parent;

    if (g) {
        return g;
    }
    g = calloc(1, sizeof(*g));
    if (!g) {
        abort();
    }
    g->pool = p;
    g->next = guard_table[guard_hash(p)];
    guard_table[guard_hash(p)] = g;
    parent = apr_pool_parent_get(p);
    if (parent) {
        g->parent = guard_get(parent);
        g->sibling = g->parent->child;
        g->parent->child = g;
    }
    return g;
}

static void guard_free_blocks(guard_pool_t *g)
{
    size_t i;

    for (i = 0; i < g->n; i++) {
        free(g->blk[i]);
    }
    g->n = 0;
}

/* Forget a destroyed pool and everything below it. Lock held. */
static void guard_drop(guard_pool_t *g)
{
    guard_pool_t **pp;

    while (g->child) {
        guard_drop(g->child);
    }
    guard_free_blocks(g);
    free(g->blk);
    if (g->parent) {
        for (pp = &g->parent->child; *pp != g; pp = &(*pp)->sibling) {
        }
        *pp = g->sibling;
    }
    for (pp = &guard_table[guard_hash(g->pool)]; *pp != g; pp = &(*pp)->next) {
    }
    *pp = g->next;
    free(g);
}

static void *guard_track(apr_pool_t *p, void *b)
{
    guard_pool_t *g;

    if (!b) {
        abort();
    }
    pthread_mutex_lock(&guard_lock);
    g = guard_get(p);
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        void **nb = realloc(g->blk, cap * sizeof(*nb));
        if (!nb) {
            abort();
        }
        g->blk = nb;
        g->cap = cap;
    }
    g->blk[g->n++] = b;
    pthread_mutex_unlock(&guard_lock);
    return b;
}

APR_DECLARE(void *) apr_palloc(apr_pool_t *p, apr_size_t size)
{
    if (!guard_enabled()) {
        return real_palloc(p, size);
    }
    return guard_track(p, malloc(size ? size : 1));
}

typedef struct {
    apr_vformatter_buff_t vb;
    char *buf;
    size_t cap;
} guard_fmt_t;

static int guard_fmt_flush(apr_vformatter_buff_t *vb)
{
    guard_fmt_t *f = (guard_fmt_t *)vb;
    size_t used = (size_t)(vb->curpos - f->buf);
    char *nb = realloc(f->buf, f->cap * 2);

    if (!nb) {
        return -1;
    }
    f->buf = nb;
    f->cap *= 2;
    vb->curpos = nb + used;
    vb->endpos = nb + f->cap;
    return 0;
}

APR_DECLARE(char *) apr_pvsprintf(apr_pool_t *p, const char *fmt, va_list ap)
{
    guard_fmt_t f;
    size_t len;
    char *out;

    if (!guard_enabled()) {
        return real_pvsprintf(p, fmt, ap);
    }
    f.cap = 64;
    f.buf = malloc(f.cap);
    if (!f.buf) {
        return NULL;
    }
    f.vb.curpos = f.buf;
    f.vb.endpos = f.buf + f.cap;
    if (apr_vformatter(guard_fmt_flush, &f.vb, fmt, ap) == -1
        || (f.vb.curpos == f.vb.endpos && guard_fmt_flush(&f.vb) != 0)) {
        free(f.buf);
        return NULL;
    }
    len = (size_t)(f.vb.curpos - f.buf);
    out = guard_track(p, malloc(len + 1));
    memcpy(out, f.buf, len);
    out[len] = '\0';
    free(f.buf);
    return out;
}

/* The blocks go after the real call: cleanups still read what they were registered with. */
APR_DECLARE(void) apr_pool_clear(apr_pool_t *p)
{
    guard_pool_t *g;

    if (!guard_enabled()) {
        real_clear(p);
        return;
    }
    real_clear(p);
    pthread_mutex_lock(&guard_lock);
    g = guard_find(p);
    if (g) {
        while (g->child) {
            guard_drop(g->child);
        }
        guard_free_blocks(g);
    }
    pthread_mutex_unlock(&guard_lock);
}

APR_DECLARE(void) apr_pool_destroy(apr_pool_t *p)
{
    guard_pool_t *g;

    if (!guard_enabled()) {
        real_destroy(p);
        return;
    }
    real_destroy(p);
    pthread_mutex_lock(&guard_lock);
    g = guard_find(p);
    if (g) {
        guard_drop(g);
    }
    pthread_mutex_unlock(&guard_lock);
}
