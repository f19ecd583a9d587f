/*
 * Internal to the SQLite driver: group commit (sqlite_group.c). Write steps of one process
 * queue on a group; whichever thread finds no batch in progress takes the write turn and runs
 * every step queued by then in one transaction, each in its own savepoint with its own
 * outcome, and commits once. A step returns only after the commit that stored it (or with
 * the error that kept it out).
 */
#ifndef SB_SQLITE_GROUP_H
#define SB_SQLITE_GROUP_H

#include <pthread.h>
#include <sys/types.h>

#include "sqlite_int.h"

typedef struct sb_sqlite_group_job sb_sqlite_group_job_t;

/* One step, inside the batch's transaction on sc: its outcome, with j->err set on failure. */
typedef sb_store_status_t (*sb_sqlite_group_fn)(sb_sqlite_conn_t *sc, sb_sqlite_group_job_t *j);

/* Embedded first in the caller's own job (which the step function casts back to). */
struct sb_sqlite_group_job {
    sb_sqlite_group_fn run;
    sb_store_status_t status; /* final once done */
    sb_store_error_t err;
    int state; /* waiting, may lead, done (sqlite_group.c); the word its thread sleeps on */
    sb_sqlite_group_job_t *next;
};

/* What a group counts; a group's tally, when set, adds them up over several groups. */
typedef struct {
    int64_t batches; /* write transactions that carried steps */
    int64_t jobs;    /* steps they carried */
    int64_t queued;  /* steps waiting right now */
    int64_t led_on;  /* batches led by a thread whose own step was done (no hand-over) */
    int64_t writers; /* writer connections opened */
} sb_sqlite_group_counts_t;

/* A process's queue (FIFO) for one kind of step. The counts are read under mu. */
typedef struct {
    pthread_mutex_t mu;
    sb_sqlite_group_job_t *head, *tail;
    int leading;
    int64_t batches, jobs, queued, led_on, writers; /* as sb_sqlite_group_counts_t says */
    sb_sqlite_group_counts_t *tally;                /* also counted there (atomically), when set */
    /* Batches run on a writer connection rather than on the leading thread's pooled one
     * (sqlite_group.c says why): the store's (the leader's connection names it), else this
     * group's own when made by sb_sqlite_group_create, else the leader's connection. */
    sb_sqlite_writer_t *writer;
} sb_sqlite_group_t;

/* A group on the caller's connections (a static one: every store of the process shares it). */
#define SB_SQLITE_GROUP_INIT                                                                       \
    {                                                                                              \
        .mu = PTHREAD_MUTEX_INITIALIZER                                                            \
    }

/* At most this many steps share one transaction. */
#define SB_SQLITE_GROUP_MAX 64
/* A leader goes on leading while steps are queued, up to this many batches in a row. */
#define SB_SQLITE_GROUP_LEAD_ROUNDS 8

/* A group of the store at path with a writer connection of its own for leaders whose
 * connection names no store writer, opened on the first such batch in the process and closed
 * with pool; tally may be NULL. */
sb_sqlite_group_t *sb_sqlite_group_create(apr_pool_t *pool, const char *path, int busy_timeout_ms,
                                          sb_sqlite_group_counts_t *tally);

/* Queue j (run set) on g and return once it is committed or has failed; sc is the caller's
 * connection: the batch runs on it when this thread leads a group without writer (or the
 * writer cannot be opened), and its busy timeout bounds the wait for the write turn.
 * Returns j->status (err = j->err). */
sb_store_status_t sb_sqlite_group_run(sb_sqlite_group_t *g, sb_sqlite_conn_t *sc,
                                      sb_sqlite_group_job_t *j, sb_store_error_t *err);

#endif
