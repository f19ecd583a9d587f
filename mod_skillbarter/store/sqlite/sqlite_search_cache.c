#include "sqlite_search_cache.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

typedef struct {
    char *key;             /* NULL: free slot */
    int64_t version;       /* search_version the ranking was computed at */
    int64_t at;            /* when the ranking was computed */
    int64_t total;
    int n;
    sb_id_buf_t *ids;
} entry_t;

struct sb_search_cache {
    apr_thread_mutex_t *lock;
    entry_t slots[SB_SEARCH_CACHE_ENTRIES];
};

static void entry_clear(entry_t *e)
{
    free(e->key);
    free(e->ids);
    memset(e, 0, sizeof *e);
}

static apr_status_t cache_cleanup(void *data)
{
    sb_search_cache_t *sc = data;
    int i;
    for (i = 0; i < SB_SEARCH_CACHE_ENTRIES; i++) {
        entry_clear(&sc->slots[i]);
    }
    return APR_SUCCESS;
}

sb_search_cache_t *sb_search_cache_create(apr_pool_t *p)
{
    sb_search_cache_t *sc = apr_pcalloc(p, sizeof *sc);
    if (apr_thread_mutex_create(&sc->lock, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_cleanup_register(p, sc, cache_cleanup, apr_pool_cleanup_null);
    return sc;
}

/* The slot holding key, or NULL. Caller holds the lock. */
static entry_t *find(sb_search_cache_t *sc, const char *key)
{
    int i;
    for (i = 0; i < SB_SEARCH_CACHE_ENTRIES; i++) {
        if (sc->slots[i].key && !strcmp(sc->slots[i].key, key)) {
            return &sc->slots[i];
        }
    }
    return NULL;
}

int sb_search_cache_get(sb_search_cache_t *sc, apr_pool_t *p, const char *key,
                        int64_t version, int64_t now, sb_id_buf_t **ids, int *n, int64_t *total)
{
    entry_t *e;
    int hit = 0;

    apr_thread_mutex_lock(sc->lock);
    e = find(sc, key);
    if (e && e->version == version && now - e->at >= 0 && now - e->at < SB_SEARCH_CACHE_TTL_MS) {
        *n = e->n;
        *total = e->total;
        *ids = apr_pmemdup(p, e->ids, sizeof(sb_id_buf_t) * (e->n ? e->n : 1));
        hit = 1;
    }
    apr_thread_mutex_unlock(sc->lock);
    return hit;
}

void sb_search_cache_put(sb_search_cache_t *sc, const char *key, int64_t version, int64_t now,
                         const sb_id_buf_t *ids, int n, int64_t total)
{
    entry_t *e, *victim = NULL;
    char *k = strdup(key);
    sb_id_buf_t *copy = malloc(sizeof(sb_id_buf_t) * (n ? n : 1));
    int i;

    if (!k || !copy) {
        free(k);
        free(copy);
        return;
    }
    memcpy(copy, ids, sizeof(sb_id_buf_t) * n);
    apr_thread_mutex_lock(sc->lock);
    /* the same key, else a free slot, else the oldest entry */
    if (!(e = find(sc, key))) {
        for (i = 0; i < SB_SEARCH_CACHE_ENTRIES; i++) {
            entry_t *s = &sc->slots[i];
            if (!s->key) {
                victim = s;
                break;
            }
            if (!victim || s->at < victim->at) {
                victim = s;
            }
        }
        e = victim;
    }
    entry_clear(e);
    e->key = k;
    e->ids = copy;
    e->n = n;
    e->total = total;
    e->version = version;
    e->at = now;
    apr_thread_mutex_unlock(sc->lock);
}
