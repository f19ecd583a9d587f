/*
 * SQLite driver: the write turn shared by every process that opens one database file.
 *
 * SQLite lets one writer in at a time, and a process waiting for the write lock can only poll
 * it (the busy handler's sleeps): with several httpd children writing, the lock was often free
 * while every waiter slept, and the pollers' wake-ups cost CPU. The turn is a robust,
 * process-shared pthread mutex in a small file-backed mapping beside the database
 * ("<db>-turn", owned and moded like the database, as SQLite does for -wal and -shm), taken
 * before BEGIN IMMEDIATE: waiters sleep in the kernel and the next one runs the moment the
 * holder lets go. A holder that dies leaves the mutex to the next taker with EOWNERDEAD; its
 * transaction is already gone (the kernel dropped its file locks, SQLite ignores a WAL tail
 * without a commit), so the taker marks the mutex consistent and goes on.
 *
 * The mapping also holds the checkpointer's lock (another robust mutex, taken with trylock:
 * one checkpointer at a time over every process, a dead one's taken over) and how far the
 * latest checkpoint got, which tells every committer whether the WAL has grown enough since
 * to ask for the next one (sqlite_checkpoint.c).
 *
 * A mapping is made once per process and path (a connection only points at it). When the file
 * cannot be made (a read-only directory), the process falls back to a turn of its own and
 * SQLite's lock decides between processes, as before.
 *
 * The same mapping carries the generation table of the per-process user cache
 * (sqlite_user_cache.c): SB_SQLITE_GEN_SLOTS counters, each covering the keys that hash to it,
 * bumped by a writer after its COMMIT (inside the turn), and one epoch bumped when every cached
 * entry of every process must go (a dead holder may have committed without bumping, sbctl
 * cache-reset). A process without the shared mapping has no cache.
 */
#include "sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SB_TURN_MAGIC 0x53425455u /* "SBTU" */

struct sb_sqlite_turn {
    uint32_t magic;
    uint32_t size; /* sizeof(struct sb_sqlite_turn): a layout from another build is redone */
    pthread_mutex_t mu;
    pthread_mutex_t ckpt; /* the checkpointer's, over every process (sqlite_checkpoint.c) */
    uint32_t ckpt_done;   /* WAL frames the latest checkpoint had copied back */
    uint64_t epoch;       /* starts at the clock: a redone table matches nothing */
    uint64_t gen[SB_SQLITE_GEN_SLOTS]; /* counters of sb_sqlite_gen_bucket's keys */
};

/* The process's mappings, one per database path. */
typedef struct sb_turn_map {
    char *path;
    sb_sqlite_turn_t *turn;
    struct sb_turn_map *next;
} sb_turn_map_t;

static pthread_mutex_t sb_turn_maps_mu = PTHREAD_MUTEX_INITIALIZER;
static sb_turn_map_t *sb_turn_maps;

/* The turn of the process itself, when the shared one cannot be had. */
static pthread_mutex_t sb_turn_local = PTHREAD_MUTEX_INITIALIZER;

static int turn_init(sb_sqlite_turn_t *t)
{
    pthread_mutexattr_t a;
    int rc;

    if ((rc = pthread_mutexattr_init(&a)) != 0) {
        return rc;
    }
    if ((rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) == 0
        && (rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)) == 0
        && (rc = pthread_mutex_init(&t->mu, &a)) == 0) {
        rc = pthread_mutex_init(&t->ckpt, &a);
    }
    pthread_mutexattr_destroy(&a);
    if (rc == 0) {
        struct timespec now;

        clock_gettime(CLOCK_REALTIME, &now);
        memset(t->gen, 0, sizeof(t->gen));
        t->ckpt_done = 0;
        t->epoch = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
        t->size = sizeof(*t);
        __atomic_store_n(&t->magic, SB_TURN_MAGIC, __ATOMIC_RELEASE);
    }
    return rc;
}

/* Map (creating and initialising under flock when new) the turn file of db_path. */
static sb_sqlite_turn_t *turn_map(const char *db_path)
{
    char *path = malloc(strlen(db_path) + sizeof("-turn"));
    sb_sqlite_turn_t *t = MAP_FAILED;
    struct stat db, st;
    int fd;

    if (!path || stat(db_path, &db) != 0) {
        free(path);
        return NULL;
    }
    strcpy(path, db_path);
    strcat(path, "-turn");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, db.st_mode & 0666);
    free(path);
    if (fd < 0) {
        return NULL;
    }
    if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
        close(fd);
        return NULL;
    }
    if (geteuid() == 0 && (st.st_uid != db.st_uid || st.st_gid != db.st_gid)) {
        /* made by root (httpd's parent, sbctl): the workers must open it too */
        if (fchown(fd, db.st_uid, db.st_gid) != 0 || fchmod(fd, db.st_mode & 0666) != 0) {
            close(fd);
            return NULL;
        }
    }
    if ((st.st_size >= (off_t)sizeof(*t) || ftruncate(fd, sizeof(*t)) == 0)) {
        t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    if (t != MAP_FAILED
        && (__atomic_load_n(&t->magic, __ATOMIC_ACQUIRE) != SB_TURN_MAGIC
            || t->size != sizeof(*t))) {
        if (turn_init(t) != 0) {
            munmap(t, sizeof(*t));
            t = MAP_FAILED;
        }
    }
    flock(fd, LOCK_UN);
    close(fd); /* the mapping stays */
    return t == MAP_FAILED ? NULL : t;
}

sb_sqlite_turn_t *sb_sqlite_turn_for(const char *db_path)
{
    sb_turn_map_t *m;
    sb_sqlite_turn_t *t = NULL;

    pthread_mutex_lock(&sb_turn_maps_mu);
    for (m = sb_turn_maps; m && strcmp(m->path, db_path); m = m->next) {
    }
    if (m) {
        t = m->turn;
    }
    else if ((t = turn_map(db_path)) != NULL && (m = calloc(1, sizeof(*m))) != NULL
             && (m->path = strdup(db_path)) != NULL) {
        m->turn = t;
        m->next = sb_turn_maps;
        sb_turn_maps = m;
    }
    else if (m) {
        free(m); /* out of memory: a mapping per connection then, harmless */
    }
    pthread_mutex_unlock(&sb_turn_maps_mu);
    return t;
}

int sb_sqlite_turn_take(sb_sqlite_turn_t *t, int timeout_ms)
{
    pthread_mutex_t *mu = t ? &t->mu : &sb_turn_local;
    struct timespec until;
    int rc;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    rc = pthread_mutex_timedlock(mu, &until);
    if (rc == EOWNERDEAD) {
        /* the holder died: its transaction died with it (see the top of the file), but it may
         * have committed one without bumping its counters */
        rc = pthread_mutex_consistent(mu);
        sb_sqlite_gen_new_epoch(t);
    }
    return rc;
}

void sb_sqlite_turn_give(sb_sqlite_turn_t *t)
{
    pthread_mutex_unlock(t ? &t->mu : &sb_turn_local);
}

/* ---- the checkpointer's lock ---- */

/* The checkpointer of the process itself, when the shared mapping cannot be had. */
static pthread_mutex_t sb_ckpt_local = PTHREAD_MUTEX_INITIALIZER;
static uint32_t sb_ckpt_local_done;

int sb_sqlite_ckpt_try(sb_sqlite_turn_t *t)
{
    pthread_mutex_t *mu = t ? &t->ckpt : &sb_ckpt_local;
    int rc = pthread_mutex_trylock(mu);

    if (rc == EOWNERDEAD) {
        /* a checkpointer died in its checkpoint: SQLite's own locks went with it, and a
         * checkpoint can be run again from any point */
        rc = pthread_mutex_consistent(mu);
    }
    return rc;
}

void sb_sqlite_ckpt_release(sb_sqlite_turn_t *t, uint32_t done)
{
    __atomic_store_n(t ? &t->ckpt_done : &sb_ckpt_local_done, done, __ATOMIC_RELEASE);
    pthread_mutex_unlock(t ? &t->ckpt : &sb_ckpt_local);
}

uint32_t sb_sqlite_ckpt_done(const sb_sqlite_turn_t *t)
{
    return __atomic_load_n(t ? &t->ckpt_done : &sb_ckpt_local_done, __ATOMIC_ACQUIRE);
}

/* ---- the generation table ---- */

uint32_t sb_sqlite_gen_bucket(char kind, const void *key, size_t len)
{
    const unsigned char *k = key;
    uint32_t h = 2166136261u; /* FNV-1a over the kind and the key */
    size_t i;

    h = (h ^ (unsigned char)kind) * 16777619u;
    for (i = 0; i < len; i++) {
        h = (h ^ k[i]) * 16777619u;
    }
    return (h ^ (h >> 16)) & (SB_SQLITE_GEN_SLOTS - 1);
}

uint64_t sb_sqlite_gen_epoch(const sb_sqlite_turn_t *t)
{
    return t ? __atomic_load_n(&t->epoch, __ATOMIC_ACQUIRE) : 0;
}

uint64_t sb_sqlite_gen_get(const sb_sqlite_turn_t *t, uint32_t bucket)
{
    return t ? __atomic_load_n(&t->gen[bucket & (SB_SQLITE_GEN_SLOTS - 1)], __ATOMIC_ACQUIRE) : 0;
}

void sb_sqlite_gen_bump(sb_sqlite_turn_t *t, uint32_t bucket)
{
    if (t) {
        __atomic_add_fetch(&t->gen[bucket & (SB_SQLITE_GEN_SLOTS - 1)], 1, __ATOMIC_RELEASE);
    }
}

void sb_sqlite_gen_new_epoch(sb_sqlite_turn_t *t)
{
    if (t) {
        __atomic_add_fetch(&t->epoch, 1, __ATOMIC_RELEASE);
    }
}
