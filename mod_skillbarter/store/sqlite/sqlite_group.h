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

#include "sqlite_int.h"

typedef struct sb_sqlite_group_job sb_sqlite_group_job_t;

/* One step, inside the batch's transaction on sc: its outcome, with j->err set on failure. */
typedef sb_store_status_t (*sb_sqlite_group_fn)(sb_sqlite_conn_t *sc, sb_sqlite_group_job_t *j);

/* Embedded first in the caller's own job (which the step function casts back to). */
struct sb_sqlite_group_job {
    sb_sqlite_group_fn run;
    sb_store_status_t status; /* final once done */
    sb_store_error_t err;
    int done;
    pthread_cond_t cv; /* signalled when done, or when this job may lead the next batch */
    sb_sqlite_group_job_t *next;
};

/* A process's queue (FIFO) for one kind of step. */
typedef struct {
    pthread_mutex_t mu;
    sb_sqlite_group_job_t *head, *tail;
    int leading;
    int64_t batches; /* write transactions that carried steps */
    int64_t jobs;    /* steps they carried */
    int64_t queued;  /* steps waiting right now */
} sb_sqlite_group_t;

#define SB_SQLITE_GROUP_INIT                                                                       \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, 0, 0, 0                                          \
    }

/* At most this many steps share one transaction. */
#define SB_SQLITE_GROUP_MAX 64

/* Queue j (run set) on g and return once it is committed or has failed; sc is the caller's
 * connection, used when this thread leads the batch. Returns j->status (err = j->err). */
sb_store_status_t sb_sqlite_group_run(sb_sqlite_group_t *g, sb_sqlite_conn_t *sc,
                                      sb_sqlite_group_job_t *j, sb_store_error_t *err);

#endif
