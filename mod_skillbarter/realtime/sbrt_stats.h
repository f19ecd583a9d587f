/*
 * Where a delivered message's time goes inside the daemon (--stats FILE): each message:send
 * is timed at every hand-over between threads, each stage into a histogram of its own
 * (log-linear buckets, 8 per power of two: a figure is at most 1/8 above the true value).
 * SIGUSR1 writes the percentiles since the last dump to FILE (JSON, microseconds, written
 * whole: a temporary file renamed over it) and starts new histograms. The bench
 * (test/bench/realtime/bench.mjs) reads them beside the latency its clients see.
 * Adding a sample is two relaxed atomic increments; nothing is timed without --stats.
 */
#ifndef SBRT_STATS_H
#define SBRT_STATS_H

#include <stdint.h>

typedef enum {
    SBRT_STAGE_QUEUE, /* the frame handled on the service thread -> its lane starts the send */
    SBRT_STAGE_STORE, /* the store's send: the sender's account read, sb_message_send, commit */
    SBRT_STAGE_TAIL,  /* send done -> ack and pushes handed over: the rest of the lane's batch,
                       * the outbox tail read */
    SBRT_STAGE_WAKE,  /* handed over -> the service thread starts writing them */
    SBRT_STAGE_WRITE, /* writing one hand-over's packets to their sockets */
    SBRT_STAGE_TOTAL, /* the frame handled -> its hand-over written: the pushes the lane read
                       * after the send, then its ack */
    SBRT_STAGE_N
} sbrt_stage_t;

/* CLOCK_MONOTONIC in microseconds. */
int64_t sbrt_now_us(void);
/* Time the stages from now on; dumps go to path (kept, not copied). */
void sbrt_stats_enable(const char *path);
int sbrt_stats_enabled(void);
/* One sample of stage st (any thread); ignored unless enabled or when us < 0. */
void sbrt_stats_add(sbrt_stage_t st, int64_t us);
/* Write the percentiles since the last dump to the file, then start afresh: 0, or -1 when
 * the file could not be written (or nothing is enabled). */
int sbrt_stats_dump(void);

#endif
