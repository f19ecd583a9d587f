/*
 * skillbarter-realtime: the shared state of the daemon. One libwebsockets service thread runs
 * every callback and owns everything here, so nothing is locked; the store worker
 * (sbrt_worker.c) does every store call (the writes, the outbox reads, the reads of presence
 * and of the ephemeral events) on a thread of its own and hands its results back through a
 * locked list of its own: no store call blocks the loop.
 *
 * An Engine.IO session (sbrt_session_t) outlives the HTTP requests of the polling transport and
 * may change transport (upgrade to WebSocket), so connections never hold a pointer to it: each
 * connection keeps the session id and looks it up (sbrt_session_find) on every callback; a
 * closed session is simply not found any more.
 */
#ifndef SBRT_H
#define SBRT_H

#include <stdio.h>
#include <stdint.h>
#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>
#include <libwebsockets.h>
#include <ev.h>
#include <json-c/json.h>

#include "sb_id.h"
#include "sb_settings.h"
#include "sb_model.h"
#include "store.h"

#define SBRT_SID_LEN                 20
#define SBRT_DEFAULT_PING_INTERVAL   25000   /* ms */
#define SBRT_DEFAULT_PING_TIMEOUT    20000   /* ms */
#define SBRT_DEFAULT_MAX_PAYLOAD     1000000 /* bytes */
#define SBRT_DEFAULT_CONNECT_TIMEOUT 45000   /* ms without a Socket.IO CONNECT */
#define SBRT_DEFAULT_QUEUE_MAX       1024    /* packets queued per session before it is dropped */
#define SBRT_DEFAULT_OUTBOX_POLL     1000    /* ms between outbox reads without a wake-up */
#define SBRT_DEFAULT_RECOVERY_WINDOW 120     /* s */
#define SBRT_DEFAULT_RECOVERY_MAX    500     /* events */
#define SBRT_DEFAULT_PRESENCE_GRACE  5000    /* ms */
#define SBRT_MAX_PARTNERS            1000    /* partners told of a presence change */
#define SBRT_MAX_JOINED              256     /* conversations one socket follows */
#define SBRT_MAX_HELD                64      /* packets held while a CONNECT is checked */
#define SBRT_DEFAULT_PRUNE_INTERVAL  600000  /* ms between outbox prunes */
#define SBRT_DEFAULT_SEND_LANES      4       /* threads storing message:send */

typedef enum { SBRT_LOG_ERROR, SBRT_LOG_WARN, SBRT_LOG_INFO, SBRT_LOG_DEBUG } sbrt_level_t;

typedef struct sbrt_server {
    apr_pool_t *pool;
    struct lws_context *ctx;
    struct ev_loop *loop; /* the event loop libwebsockets runs on (libev) */
    sb_settings_t st;
    const char *settings_path; /* the file st was read from */
    struct sb_rl_table *rl;    /* the shared limits table, attached on first use */
    sb_store_t *store;
    sb_jwt_key_t *jwt_key;
    apr_hash_t *sessions;        /* sid -> sbrt_session_t */
    apr_array_header_t *origins; /* allowed Origin values (const char *); empty: same site */
    int ping_interval;           /* ms */
    int ping_timeout;            /* ms */
    int connect_timeout;         /* ms */
    apr_size_t max_payload;      /* bytes */
    int queue_max;               /* packets */
    const unsigned char *secret; /* the JWT secret: also MACs recovery pids */
    apr_size_t secret_len;
    apr_hash_t *users;   /* user id -> its connected sessions (sbrt_outbox.c) */
    int64_t tail_pos;    /* this daemon's position in the outbox (the worker's, once started) */
    int outbox_poll;     /* ms between reads without a wake-up */
    int recovery_window; /* s: oldest missed event a reconnect recovers */
    int recovery_max;    /* most missed events a reconnect recovers */
    int presence_grace;  /* ms a user stays online after the last socket closes */
    int prune_interval;  /* ms between outbox prunes (0: never) */
    int send_lanes;      /* threads storing message:send (sbrt_lanes.c) */
    apr_pool_t *scratch; /* the service thread's unit of work, cleared after each */
    /* the I/O collect interval (sbrt_collect.c) */
    int io_collect;          /* us while busy (--io-collect; 0: never) */
    int64_t frames_in;       /* Engine.IO packets received so far */
    int64_t collect_frames;  /* ... when the current window began */
    ev_tstamp collect_since; /* the current window's start */
    int collecting;          /* the interval is on */
    ev_prepare collect_watch;
    FILE *log;
    sbrt_level_t log_level;
    int stopping;
    int requests_open;       /* HTTP requests received and not yet answered (held polls too) */
    int64_t last_request_ms; /* stopping: when the last request came */
} sbrt_server_t;

/* A session is small and malloc'd (no pool of its own): thousands are held idle. */
typedef struct sbrt_session {
    sbrt_server_t *srv;
    char sid[SBRT_SID_LEN + 1];
    struct lws *poll_wsi; /* the pending polling GET, if any */
    struct lws *ws_wsi;   /* the WebSocket, probing or upgraded */
    int upgraded;         /* the WebSocket is the transport */
    int probe_reply;      /* "3probe" to send on the WebSocket */
    int poll_noop;        /* release the pending GET with "6" (upgrade) */
    int probing;          /* "2probe" answered on the WebSocket, no "5" yet */
    int closing;
    /* outgoing Engine.IO packets (sbrt_packet_t, freed when written): a bounded ring, malloc'd
     * on first use and released when it is empty again */
    struct sbrt_packet **q;
    int q_head, q_len, q_cap;
    ev_timer ping_timer;    /* next ping, then the pong deadline */
    ev_timer connect_timer; /* the Socket.IO CONNECT deadline */
    int awaiting_pong;
    /* Socket.IO */
    int connected;
    int connecting; /* a CONNECT is with the store worker ... */
    char **held;    /* ... and the packets that came after it (malloc'd), handled once it is */
    int nheld;
    char sio_sid[SBRT_SID_LEN + 1];
    char user_id[SB_ID_LEN + 1]; /* once connected */
    char username[64];
    char *pid;                      /* recovery id of the connection (sbrt_outbox.c), malloc'd */
    int64_t last_seq;               /* the last outbox seq sent to this socket */
    struct sbrt_session *user_next; /* the next connected session of the same user */
    char (*joined)[SB_ID_LEN + 1];  /* partner ids of join:conversation (typing goes there) */
    int njoined;
} sbrt_session_t;

/* A queued packet: LWS_PRE bytes of headroom, then the text, so it is written in place. */
typedef struct sbrt_packet {
    apr_size_t len;
    unsigned char buf[]; /* LWS_PRE + len + 1 */
} sbrt_packet_t;

/* The daemon's own timers are libev timers on srv->loop (libwebsockets 4.1 on libev does not
 * move its timer earlier for a deadline scheduled while a later one is armed). Arm (re-arm)
 * t to call cb after ms; stop it (a zeroed or stopped timer may be stopped again). */
void sbrt_timer_arm(sbrt_server_t *srv, ev_timer *t, void (*cb)(struct ev_loop *, ev_timer *, int),
                    int ms);
void sbrt_timer_stop(sbrt_server_t *srv, ev_timer *t);

/* collect.c: libev's I/O collect interval (srv->io_collect us) while the daemon receives at
 * least SBRT_COLLECT_BUSY packets a second, judged over windows of SBRT_COLLECT_WINDOW s;
 * busy: the verdict for frames received in seconds. Start after srv->loop is made. */
#define SBRT_COLLECT_BUSY   2000
#define SBRT_COLLECT_WINDOW 0.01
int sbrt_collect_busy(int64_t frames, double seconds);
void sbrt_collect_start(sbrt_server_t *srv);
void sbrt_collect_stop(sbrt_server_t *srv);

/* log.c: one line "[time] [level] message" to the daemon's log. */
void sbrt_log(sbrt_server_t *srv, sbrt_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* engine.c: the transports */
extern const struct lws_protocols sbrt_protocols[];
/* At shutdown, once every session is closed: run the loop until every HTTP request received
 * has been answered, at most ms — a held poll with the close packet (the client reconnects,
 * to the next daemon), so a proxy in front gets a whole response instead of a connection
 * closed under its request (Apache's AH01102). Meanwhile each connection is closed after its
 * answer, a new handshake is answered 503 and a new WebSocket closed. */
void sbrt_engine_finish_requests(sbrt_server_t *srv, int ms);

/* session.c */
sbrt_session_t *sbrt_session_find(sbrt_server_t *srv, const char *sid);
/* Queue one Engine.IO packet (type digit + data, copied) and wake the transport. Returns 0, or
 * -1 when the queue is full: the session is then closed (the client recovers on reconnect). */
int sbrt_session_send(sbrt_session_t *s, const char *packet, apr_size_t len);
/* A new session (heartbeats and the CONNECT deadline armed); its open packet
 * into buf; one Engine.IO packet from the client (wsi: the WebSocket it came on, NULL for a
 * POST); the oldest queued packet, taken off the queue (the caller frees it), or NULL. */
sbrt_session_t *sbrt_session_new(sbrt_server_t *srv);
apr_size_t sbrt_session_open_packet(sbrt_session_t *s, int can_upgrade, char *buf, apr_size_t size);
void sbrt_session_on_packet(sbrt_session_t *s, struct lws *wsi, const char *data, apr_size_t len);
sbrt_packet_t *sbrt_session_pop(sbrt_session_t *s);
static inline const char *sbrt_packet_text(const sbrt_packet_t *pk)
{
    return (const char *)pk->buf + LWS_PRE;
}
/* Close a session: both transports are ended, its timers cancelled, its memory freed. */
void sbrt_session_close(sbrt_session_t *s, const char *reason);
/* Close every session (at shutdown). */
void sbrt_sessions_close_all(sbrt_server_t *srv);
/* A random id of SBRT_SID_LEN url-safe characters. */
void sbrt_random_id(char out[SBRT_SID_LEN + 1]);

/* socket.c: the Socket.IO layer on top of a session. */
void sbrt_socket_on_message(sbrt_session_t *s, const char *data, apr_size_t len);
void sbrt_socket_on_open(sbrt_session_t *s);
void sbrt_socket_on_close(sbrt_session_t *s, const char *reason);
/* Handle the packets held while the CONNECT was checked (after its answer). */
void sbrt_socket_run_held(sbrt_session_t *s);
/* Emit an event: name and one JSON argument (NULL: none), no ack. */
int sbrt_socket_emit(sbrt_session_t *s, const char *event, json_object *arg);

/* A user with connected sessions (or an offline announcement pending): sbrt_outbox.c keeps
 * one per user id in srv->users. */
typedef struct sbrt_user {
    sbrt_server_t *srv;
    char id[SB_ID_LEN + 1];
    char username[64];
    sbrt_session_t *first; /* the user's connected sessions (session->user_next) */
    int online;            /* partners were told user:online */
    int offline_pending;   /* the grace period before user:offline runs */
    ev_timer offline_timer;
    /* the conversation partners as last read (while the user is here), and those a message
     * made since: a message between two people who are not yet partners tells both sides'
     * presence (sbrt_presence_pair) */
    char (*partners)[SB_ID_LEN + 1];
    int npartners;
} sbrt_user_t;

/* presence.c: user:online when a user's first socket connects, user:offline when the last
 * one has been gone for the grace period, to conversation partners only; every new socket
 * (the first or a further one) is told which partners are online. */
void sbrt_presence_first(sbrt_user_t *u, sbrt_session_t *s);
void sbrt_presence_another(sbrt_user_t *u, sbrt_session_t *s);
void sbrt_presence_last(sbrt_user_t *u);
sbrt_user_t *sbrt_user_find(sbrt_server_t *srv, const char *user_id);
/* A message from sender_id reached user_id (any path: socket, REST, another daemon): when
 * they were not partners yet and both are here, each side is told the other is online. */
void sbrt_presence_pair(sbrt_server_t *srv, const char *user_id, const char *sender_id);

/* outbox.c: the tail and recovery (see there). */
int sbrt_outbox_start(sbrt_server_t *srv);
void sbrt_outbox_stop(sbrt_server_t *srv);
/* What the store worker found for a CONNECT (sbrt_outbox_prepare), for the service thread
 * (sbrt_outbox_connected). */
typedef struct {
    int ok;            /* the token was accepted (else message says why) */
    int failed;        /* the store failed: the session is closed */
    char message[160]; /* the refusal, as the module words it */
    char user_id[SB_ID_LEN + 1];
    char username[64];
    char *pid;        /* the recovery id of the connection (malloc'd) */
    int64_t last_seq; /* the last seq the socket has (after the replay) */
    int recovered;    /* a recovery from base: the replay follows */
    int64_t base;
    int nreplay;
    char *replay; /* nreplay packets, each NUL-terminated (malloc'd) */
} sbrt_connect_t;
void sbrt_outbox_prepare(sbrt_server_t *srv, apr_pool_t *p, const char *token, const char *pid,
                         const char *offset, sbrt_connect_t *c);
void sbrt_outbox_connected(sbrt_session_t *s, sbrt_connect_t *c);
const char *sbrt_outbox_packet(apr_pool_t *p, const sb_outbox_row_t *r);
void sbrt_outbox_register(sbrt_session_t *s);
void sbrt_outbox_unregister(sbrt_session_t *s);
sbrt_session_t *sbrt_outbox_sessions_of(sbrt_server_t *srv, const char *user_id);

/* worker.c: the store worker (see there). */
int sbrt_worker_start(sbrt_server_t *srv);
void sbrt_worker_stop(sbrt_server_t *srv);
/* message:send's store part for s (body is copied); the answer comes back as s's ack. -1 when
 * the worker is too far behind (the caller refuses). */
int sbrt_worker_send(sbrt_session_t *s, int64_t ack_id, json_object *body);
/* The store part of a CONNECT (auth: the CONNECT's data); the outcome comes back through
 * sbrt_outbox_connected. -1 when it could not be queued. */
int sbrt_worker_connect(sbrt_session_t *s, json_object *auth);
/* Store lastSeen of user_id. */
void sbrt_worker_touch(sbrt_server_t *srv, const char *user_id, int64_t at);
/* A store read for the service thread: work(srv, conn, p, arg) runs on the worker (conn NULL
 * when the store is unavailable; p cleared after it), then done(srv, arg) on the service
 * thread, in order with the other results; done(NULL, arg) only releases arg (the daemon
 * stops). -1 when it could not be queued (arg is the caller's still). */
typedef void (*sbrt_work_fn)(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, void *arg);
typedef void (*sbrt_done_fn)(sbrt_server_t *srv, void *arg);
int sbrt_worker_call(sbrt_server_t *srv, sbrt_work_fn work, sbrt_done_fn done, void *arg);
/* Read the outbox tail soon (any thread). */
void sbrt_worker_pump(sbrt_server_t *srv);
/* Service thread: write the worker's results to their sessions. */
void sbrt_worker_drain(sbrt_server_t *srv);

/* auth.c: the access-token check of the module's guard (api/sb_call.c sb_call_authenticate),
 * with the same store call and the same refusals. 0 with *out set, else -1 with *msg (the
 * module's own text, e.g. "Token expired.", "Session has ended. Please log in again."). */
int sbrt_auth_verify(sbrt_server_t *srv, apr_pool_t *p, const char *token, sb_user_t **out,
                     const char **msg);

#endif
