/*
 * The store worker's inside, shared by the worker (sbrt_worker.c) and its send lanes
 * (sbrt_lanes.c): the jobs the service thread posts and the results it drains.
 */
#ifndef SBRT_WORKER_INT_H
#define SBRT_WORKER_INT_H

#include "sbrt.h"

typedef enum { JOB_SEND, JOB_TOUCH, JOB_CONNECT, JOB_CALL } job_kind_t;

typedef struct job {
    struct job *next;
    job_kind_t kind;
    char sid[SBRT_SID_LEN + 1];
    char user_id[SB_ID_LEN + 1];
    int64_t ack_id;
    int64_t at;        /* ms: the send's or the disconnect's time */
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
    apr_size_t len;
    char text[]; /* the Engine.IO packet, NUL-terminated */
} result_t;

/* A result holding the Engine.IO packet text (len bytes, copied), or NULL. */
result_t *sbrt_result_new(res_kind_t kind, const char *text, apr_size_t len);
/* After a turn of work on conn (NULL: the store is unavailable): when read_tail, read every
 * event after the tail position and append them to the results *first..*tail (tail: the last
 * result's next, or first itself when there is none); then hand the
 * results to the service thread. Tail reads and hand-overs are serialised across the worker
 * and the lanes, so events reach the service thread in store order. */
void sbrt_worker_finish(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, int read_tail,
                        result_t **first, result_t **tail);

/* lanes.c: message:send on lanes of their own (see there). */
int sbrt_lanes_start(sbrt_server_t *srv);
void sbrt_lanes_stop(void);
/* Queue a JOB_SEND on its sender's lane: -1 when that lane is too far behind. */
int sbrt_lanes_post(job_t *j);

#endif
