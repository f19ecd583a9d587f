/*
 * The store worker's inside, shared by the worker (sbrt_worker.c) and its send lanes
 * (sbrt_lanes.c): the jobs the service thread posts and the results it drains.
 */
#ifndef SBRT_WORKER_INT_H
#define SBRT_WORKER_INT_H

#include "sbrt.h"
#include "sbrt_stats.h"

#include <pthread.h>

typedef enum { JOB_SEND, JOB_TOUCH, JOB_CONNECT, JOB_CALL } job_kind_t;

typedef struct job {
    struct job *next;
    job_kind_t kind;
    char sid[SBRT_SID_LEN + 1];
    char user_id[SB_ID_LEN + 1];
    int64_t ack_id;
    int64_t at;        /* ms: the send's or the disconnect's time */
    int64_t posted_us; /* JOB_SEND: when the service thread posted it (sbrt_now_us) */
    json_object *body; /* JOB_SEND: the worker's own copy */
    char *token;       /* JOB_CONNECT: auth.token, auth.pid, auth.offset (malloc'd, or NULL) */
    char *pid;
    char *offset;
    sbrt_work_fn work; /* JOB_CALL: work(arg) here, then done(arg) on the service thread */
    sbrt_done_fn done;
    void *arg;
} job_t;

typedef enum { RES_PACKET, RES_EVENT, RES_CONNECT, RES_CALL } res_kind_t;

typedef struct result {
    struct result *next;
    res_kind_t kind;
    char sid[SBRT_SID_LEN + 1];  /* RES_PACKET: to this session */
    char user_id[SB_ID_LEN + 1]; /* RES_EVENT: to every socket of this user ... */
    int64_t seq;                 /* ... that has not had this seq */
    char peer[SB_ID_LEN + 1];    /* a message:received from someone else: its sender */
    sbrt_done_fn done;           /* RES_CALL: done(arg) */
    void *arg;
    sbrt_connect_t connect; /* RES_CONNECT: for session sid */
    int64_t posted_us;      /* an ack: its send's post time, its end, and when it was handed */
    int64_t sent_us;        /* over (the stage statistics; 0 for other results) */
    int64_t published_us;
    apr_size_t len;
    char text[]; /* the Engine.IO packet, NUL-terminated */
} result_t;

/* A result holding the Engine.IO packet text (len bytes, copied), or NULL. */
result_t *sbrt_result_new(res_kind_t kind, const char *text, apr_size_t len);
/* After a turn of work on conn (NULL: the store is unavailable): when read_tail, read every
 * event after the tail position and add them to the results *first..*tail (tail: the last
 * result's next, or first itself when there is none) — after them, or with events_first
 * before them (a lane: the pushes go out before the acks); then hand the results to the
 * service thread. Tail reads and hand-overs are serialised across the worker and the lanes,
 * so events reach the service thread in store order. The worker's results come first: a
 * CONNECT's session must be registered before the events after its head are delivered. */
void sbrt_worker_finish(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, int read_tail,
                        int events_first, result_t **first, result_t **tail);

/* A store thread and its queue (sbrt_queue.c): the worker's, and each lane's. */
typedef struct sbrt_turn sbrt_turn_t;
typedef struct sbrt_queue sbrt_queue_t;
struct sbrt_queue {
    sbrt_server_t *srv;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    job_t *jobs, **jobs_tail;
    int njobs;
    int pump;         /* read the tail at the next turn */
    int stop;         /* finish the queue, then end */
    int64_t due_ms;   /* wake by then even without work (0: no such time) */
    int events_first; /* the tail read's events before the turn's results (sbrt_worker_finish) */
    /* one turn's work: t->jobs (owned: freed here) on t->conn (NULL: store unavailable), the
     * results added with sbrt_turn_add; returns whether to read the outbox tail after it */
    int (*run)(sbrt_queue_t *q, sbrt_turn_t *t);
    /* at the end, when nothing is left (may be NULL); p holds a store connection if asked */
    void (*last)(sbrt_queue_t *q, apr_pool_t *p);
};
/* One turn of a store thread. */
struct sbrt_turn {
    job_t *jobs;
    sb_store_conn_t *conn;
    apr_pool_t *scratch; /* for one job's work: clear it before each */
    int pump, stop;
    result_t *first, **tail;
};
void sbrt_queue_init(sbrt_queue_t *q, sbrt_server_t *srv);
/* Start q's thread, named name (top shows it). -1 when it could not be created. */
int sbrt_queue_start(sbrt_queue_t *q, const char *name);
/* Queue j (any thread): -1 when max (0: no bound) jobs are waiting already. */
int sbrt_queue_post(sbrt_queue_t *q, job_t *j, int max);
/* Ask for a tail read at q's next turn. */
void sbrt_queue_pump(sbrt_queue_t *q);
/* The thread finishes the queue and ends; q's lock and condition are destroyed. */
void sbrt_queue_stop(sbrt_queue_t *q);
void sbrt_turn_add(sbrt_turn_t *t, result_t *r);

/* lanes.c: message:send on lanes of their own (see there). */
int sbrt_lanes_start(sbrt_server_t *srv);
void sbrt_lanes_stop(void);
/* Queue a JOB_SEND on its sender's lane: -1 when that lane is too far behind. */
int sbrt_lanes_post(job_t *j);

/* outbox.c: wake the daemon that listens on the outbox socket when it is another one (this
 * daemon has just read the tail itself). */
void sbrt_outbox_wake_others(sbrt_server_t *srv);

#endif
