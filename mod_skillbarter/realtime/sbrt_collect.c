/*
 * libev's I/O collect interval (--io-collect), on only while the daemon is busy. After a
 * short turn libev then sleeps out the rest of the interval before it polls again, and the
 * sockets that became ready meanwhile are served in one turn: under echo load a wake-up (a
 * context switch and two polls: libwebsockets' idle watcher makes the turn after any I/O poll
 * once more at once) came every few messages, with it every twenty or so. A lightly loaded
 * daemon would only add the sleep to each message's latency (a delivery crosses the loop
 * twice), so below SBRT_COLLECT_BUSY frames a second the interval is 0: each window of
 * SBRT_COLLECT_WINDOW decides the next one. A prepare watcher (run before every poll) keeps
 * the count; ev_now is the loop's cached time, no system call.
 */
#include "sbrt.h"

static void decide(struct ev_loop *loop, ev_prepare *w, int revents)
{
    sbrt_server_t *srv = w->data;
    ev_tstamp now = ev_now(loop), span = now - srv->collect_since;

    (void)revents;
    if (span < SBRT_COLLECT_WINDOW) {
        return;
    }
    srv->collecting = sbrt_collect_busy(srv->frames_in - srv->collect_frames, span);
    ev_set_io_collect_interval(loop, srv->collecting ? srv->io_collect / 1e6 : 0.);
    srv->collect_since = now;
    srv->collect_frames = srv->frames_in;
}

int sbrt_collect_busy(int64_t frames, double seconds)
{
    return seconds > 0 && (double)frames >= SBRT_COLLECT_BUSY * seconds;
}

void sbrt_collect_start(sbrt_server_t *srv)
{
    if (srv->io_collect <= 0) {
        return;
    }
    srv->collect_since = ev_now(srv->loop);
    ev_prepare_init(&srv->collect_watch, decide);
    srv->collect_watch.data = srv;
    ev_prepare_start(srv->loop, &srv->collect_watch);
}

void sbrt_collect_stop(sbrt_server_t *srv)
{
    if (srv->io_collect > 0) {
        ev_prepare_stop(srv->loop, &srv->collect_watch);
        ev_set_io_collect_interval(srv->loop, 0.);
    }
}
