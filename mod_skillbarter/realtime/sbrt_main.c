/*
 * skillbarter-realtime: the Socket.IO server of mod_skillbarter. Reads the settings file httpd
 * writes at start-up (store, secret file, audience, limits table, outbox socket), listens on
 * loopback (or a Unix socket, or its own TLS port in direct mode) and serves /socket.io/.
 * SIGTERM / SIGINT stop it cleanly.
 */
#include "sbrt.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <ev.h>

#include "sb_jwt.h"
#include "sbrt_stats.h"

#ifndef SB_RUNTIME_DIR
#define SB_RUNTIME_DIR "/run/apache2"
#endif
#define SBRT_DEFAULT_PORT 3001
#define SBRT_RELEASE_MS   2000 /* at most this long to answer the requests at a stop */
/* us the loop gathers I/O for after a turn before it polls again (--io-collect) */
#define SBRT_DEFAULT_IO_COLLECT 200

static volatile sig_atomic_t stop_signal;

/* SIGTERM / SIGINT end the event loop; the daemon then closes everything in order. */
static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    stop_signal = w->signum;
    ev_break(loop, EVBREAK_ALL);
}

/* SIGUSR1: the stage statistics of --stats to their file. */
static void on_usr1(struct ev_loop *loop, ev_signal *w, int revents)
{
    sbrt_server_t *srv = w->data;

    (void)loop;
    (void)revents;
    if (sbrt_stats_dump() != 0) {
        sbrt_log(srv, SBRT_LOG_WARN, "cannot write the stage statistics");
    }
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: skillbarter-realtime [OPTIONS]\n"
        "The Socket.IO (Engine.IO v4 / Socket.IO v5) server of mod_skillbarter.\n"
        "\n"
        "  --settings FILE      settings written by httpd (default $SKILLBARTER_SETTINGS, else\n"
        "                       " SB_RUNTIME_DIR "/" SB_SETTINGS_FILE ")\n"
        "  --listen ADDR        address to listen on (default 127.0.0.1)\n"
        "  --port N             TCP port (default %d)\n"
        "  --unix PATH          listen on a Unix socket instead of TCP\n"
        "  --tls-cert FILE      direct mode: serve TLS with this certificate (PEM) ...\n"
        "  --tls-key FILE       ... and this key\n"
        "  --origin ORIGIN      an allowed Origin (repeatable); none: the site itself (the\n"
        "                       X-Forwarded-Host or Host the client addressed). No Origin: "
        "allowed\n"
        "  --ping-interval MS   Engine.IO pingInterval (default %d)\n"
        "  --ping-timeout MS    Engine.IO pingTimeout (default %d)\n"
        "  --connect-timeout MS close a session without a Socket.IO CONNECT (default %d)\n"
        "  --max-payload BYTES  Engine.IO maxPayload (default %d)\n"
        "  --queue-max N        packets queued per connection before it is dropped (default %d)\n"
        "  --log FILE           the daemon's log (default: standard error)\n"
        "  --log-level LEVEL    error | warn | info | debug (default info)\n"
        "  --pid-file FILE      write the process id there\n"
        "  --outbox-poll MS     read the outbox this often without a wake-up (default %d)\n"
        "  --recovery-window S  a reconnect recovers missed events up to S old (default %d)\n"
        "  --recovery-max N     ... and at most N of them (default %d)\n"
        "  --presence-grace MS  user:offline only after the last socket is gone this long\n"
        "                       (default %d)\n"
        "  --prune-interval MS  delete outbox events older than the retention setting this\n"
        "                       often, under the store lease \"outbox-prune\" (default %d; 0:\n"
        "                       never)\n"
        "  --send-lanes N       threads storing message:send, each with a store connection:\n"
        "                       sends that come together are stored in one transaction\n"
        "                       (default %d)\n"
        "  --stats FILE         time each message:send by stage; SIGUSR1 writes the\n"
        "                       percentiles since the last dump to FILE (JSON, us)\n"
        "  --io-collect US      while busy (%d packets a second or more), let the loop gather\n"
        "                       the sockets that became ready for up to US microseconds\n"
        "                       after a turn before it polls again: fewer wake-ups and polls\n"
        "                       per message, at most US more latency (default %d; 0: never)\n"
        "  --help               this text\n",
        SBRT_DEFAULT_PORT, SBRT_DEFAULT_PING_INTERVAL, SBRT_DEFAULT_PING_TIMEOUT,
        SBRT_DEFAULT_CONNECT_TIMEOUT, SBRT_DEFAULT_MAX_PAYLOAD, SBRT_DEFAULT_QUEUE_MAX,
        SBRT_DEFAULT_OUTBOX_POLL, SBRT_DEFAULT_RECOVERY_WINDOW, SBRT_DEFAULT_RECOVERY_MAX,
        SBRT_DEFAULT_PRESENCE_GRACE, SBRT_DEFAULT_PRUNE_INTERVAL, SBRT_DEFAULT_SEND_LANES,
        SBRT_COLLECT_BUSY, SBRT_DEFAULT_IO_COLLECT);
}

/* The JWT secret from its file: 32 to 4096 bytes, a trailing newline not included (as httpd
 * reads it). NULL with *why on error. */
static const unsigned char *read_secret(apr_pool_t *p, const char *path, apr_size_t *len,
                                        const char **why)
{
    apr_file_t *f;
    char *buf = apr_palloc(p, 4097);
    apr_size_t n = 0;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, buf, 4097, &n);
        apr_file_close(f);
        if (rv == APR_EOF) {
            rv = APR_SUCCESS;
        }
    }
    if (rv != APR_SUCCESS) {
        *why = apr_psprintf(p, "cannot read the secret file %s", path);
        return NULL;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--;
    }
    if (n < SB_JWT_MIN_SECRET || n > 4096) {
        *why = apr_psprintf(p, "%s must hold %d to 4096 bytes of secret", path, SB_JWT_MIN_SECRET);
        return NULL;
    }
    *len = n;
    return (const unsigned char *)buf;
}

static int parse_level(const char *s, sbrt_level_t *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    int i;

    for (i = 0; i < 4; i++) {
        if (!strcmp(s, names[i])) {
            *out = (sbrt_level_t)i;
            return 0;
        }
    }
    return -1;
}

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < min || v > max) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

static void lws_to_log(int level, const char *line)
{
    (void)level;
    (void)line; /* libwebsockets' own chatter stays out of the daemon's log */
}

int main(int argc, char **argv)
{
    enum {
        O_SETTINGS = 256,
        O_LISTEN,
        O_PORT,
        O_UNIX,
        O_CERT,
        O_KEY,
        O_ORIGIN,
        O_PING_I,
        O_PING_T,
        O_CONN_T,
        O_MAX_P,
        O_QUEUE,
        O_LOG,
        O_LEVEL,
        O_PID,
        O_HELP,
        O_OB_POLL,
        O_REC_WIN,
        O_REC_MAX,
        O_GRACE,
        O_PRUNE,
        O_LANES,
        O_STATS,
        O_IO_COLLECT
    };
    static const struct option opts[] = {{"settings", required_argument, NULL, O_SETTINGS},
                                         {"listen", required_argument, NULL, O_LISTEN},
                                         {"port", required_argument, NULL, O_PORT},
                                         {"unix", required_argument, NULL, O_UNIX},
                                         {"tls-cert", required_argument, NULL, O_CERT},
                                         {"tls-key", required_argument, NULL, O_KEY},
                                         {"origin", required_argument, NULL, O_ORIGIN},
                                         {"ping-interval", required_argument, NULL, O_PING_I},
                                         {"ping-timeout", required_argument, NULL, O_PING_T},
                                         {"connect-timeout", required_argument, NULL, O_CONN_T},
                                         {"max-payload", required_argument, NULL, O_MAX_P},
                                         {"queue-max", required_argument, NULL, O_QUEUE},
                                         {"log", required_argument, NULL, O_LOG},
                                         {"log-level", required_argument, NULL, O_LEVEL},
                                         {"pid-file", required_argument, NULL, O_PID},
                                         {"help", no_argument, NULL, O_HELP},
                                         {"outbox-poll", required_argument, NULL, O_OB_POLL},
                                         {"recovery-window", required_argument, NULL, O_REC_WIN},
                                         {"recovery-max", required_argument, NULL, O_REC_MAX},
                                         {"presence-grace", required_argument, NULL, O_GRACE},
                                         {"prune-interval", required_argument, NULL, O_PRUNE},
                                         {"send-lanes", required_argument, NULL, O_LANES},
                                         {"stats", required_argument, NULL, O_STATS},
                                         {"io-collect", required_argument, NULL, O_IO_COLLECT},
                                         {NULL, 0, NULL, 0}};
    struct lws_context_creation_info info;
    struct ev_loop *loop;
    void *loops[1];
    ev_signal sig_int, sig_term, sig_usr1;
    sbrt_server_t *srv;
    apr_pool_t *pool;
    const char *settings = getenv("SKILLBARTER_SETTINGS"), *listen_on = "127.0.0.1";
    const char *unix_path = NULL, *cert = NULL, *key = NULL, *log_path = NULL, *pid_path = NULL;
    const char *why;
    const unsigned char *secret;
    apr_size_t secret_len = 0;
    sb_store_options_t sopts = {0};
    sb_store_error_t se = {0};
    int port = SBRT_DEFAULT_PORT, max_payload = SBRT_DEFAULT_MAX_PAYLOAD, c, rc = 0;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    srv = apr_pcalloc(pool, sizeof *srv);
    srv->pool = pool;
    srv->sessions = apr_hash_make(pool);
    srv->origins = apr_array_make(pool, 2, sizeof(const char *));
    srv->ping_interval = SBRT_DEFAULT_PING_INTERVAL;
    srv->ping_timeout = SBRT_DEFAULT_PING_TIMEOUT;
    srv->connect_timeout = SBRT_DEFAULT_CONNECT_TIMEOUT;
    srv->queue_max = SBRT_DEFAULT_QUEUE_MAX;
    srv->log_level = SBRT_LOG_INFO;
    srv->users = apr_hash_make(pool);
    srv->outbox_poll = SBRT_DEFAULT_OUTBOX_POLL;
    srv->recovery_window = SBRT_DEFAULT_RECOVERY_WINDOW;
    srv->recovery_max = SBRT_DEFAULT_RECOVERY_MAX;
    srv->presence_grace = SBRT_DEFAULT_PRESENCE_GRACE;
    srv->prune_interval = SBRT_DEFAULT_PRUNE_INTERVAL;
    srv->send_lanes = SBRT_DEFAULT_SEND_LANES;
    srv->io_collect = SBRT_DEFAULT_IO_COLLECT;
    apr_pool_create(&srv->scratch, pool);
    srv->log = stderr;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_SETTINGS:
            settings = optarg;
            break;
        case O_LISTEN:
            listen_on = optarg;
            break;
        case O_PORT:
            bad = parse_int(optarg, 1, 65535, &port);
            break;
        case O_UNIX:
            unix_path = optarg;
            break;
        case O_CERT:
            cert = optarg;
            break;
        case O_KEY:
            key = optarg;
            break;
        case O_ORIGIN:
            APR_ARRAY_PUSH(srv->origins, const char *) = optarg;
            break;
        case O_PING_I:
            bad = parse_int(optarg, 100, 3600000, &srv->ping_interval);
            break;
        case O_PING_T:
            bad = parse_int(optarg, 100, 3600000, &srv->ping_timeout);
            break;
        case O_CONN_T:
            bad = parse_int(optarg, 100, 3600000, &srv->connect_timeout);
            break;
        case O_MAX_P:
            bad = parse_int(optarg, 1024, 100000000, &max_payload);
            break;
        case O_QUEUE:
            bad = parse_int(optarg, 16, 1000000, &srv->queue_max);
            break;
        case O_LOG:
            log_path = optarg;
            break;
        case O_LEVEL:
            bad = parse_level(optarg, &srv->log_level);
            break;
        case O_PID:
            pid_path = optarg;
            break;
        case O_HELP:
        case 'h':
            usage(stdout);
            return 0;
        case O_OB_POLL:
            bad = parse_int(optarg, 10, 3600000, &srv->outbox_poll);
            break;
        case O_REC_WIN:
            bad = parse_int(optarg, 0, 86400 * 30, &srv->recovery_window);
            break;
        case O_REC_MAX:
            bad = parse_int(optarg, 0, 1000000, &srv->recovery_max);
            break;
        case O_GRACE:
            bad = parse_int(optarg, 0, 3600000, &srv->presence_grace);
            break;
        case O_PRUNE:
            bad = parse_int(optarg, 0, 86400000, &srv->prune_interval);
            if (!bad && srv->prune_interval && srv->prune_interval < 100) {
                bad = 1;
            }
            break;
        case O_LANES:
            bad = parse_int(optarg, 1, 16, &srv->send_lanes);
            break;
        case O_STATS:
            sbrt_stats_enable(optarg);
            break;
        case O_IO_COLLECT:
            bad = parse_int(optarg, 0, 10000, &srv->io_collect);
            break;
        default:
            usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "skillbarter-realtime: bad value for --%s: %s\n",
                    opts[c - O_SETTINGS].name, optarg);
            return 2;
        }
    }
    if (optind < argc || (!cert) != (!key)) {
        usage(stderr);
        return 2;
    }
    srv->max_payload = (apr_size_t)max_payload;
    if (log_path && !(srv->log = fopen(log_path, "a"))) {
        fprintf(stderr, "skillbarter-realtime: cannot open the log %s\n", log_path);
        return 1;
    }
    if (!settings) {
        settings = SB_RUNTIME_DIR "/" SB_SETTINGS_FILE;
    }
    srv->settings_path = settings;
    if (sb_settings_read(pool, settings, &srv->st, &why) != APR_SUCCESS
        || !(secret = read_secret(pool, srv->st.jwt_secret_file, &secret_len, &why))) {
        sbrt_log(srv, SBRT_LOG_ERROR, "%s", why);
        return 1;
    }
    if (!(srv->jwt_key = sb_jwt_key_make(pool, secret, secret_len, srv->st.jwt_issuer))) {
        sbrt_log(srv, SBRT_LOG_ERROR, "cannot build the JWT key");
        return 1;
    }
    sb_jwt_key_set_audience(srv->jwt_key, srv->st.jwt_audience);
    srv->secret = secret;
    srv->secret_len = secret_len;
    sopts.pool_min = 0;
    sopts.pool_max = 4;
    sopts.busy_timeout_ms = 5000;
    sopts.lazy = 1;
    sopts.background_checkpoints = 1; /* no lane waits behind a checkpoint */
    sopts.no_memory_map = 1;          /* reads after other processes' commits stay cheap */
    if (sb_store_open(pool, srv->st.store_uri, &sopts, &srv->store, &se) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "cannot open the store %s: %s", srv->st.store_uri,
                 se.message);
        return 1;
    }

    lws_set_log_level(LLL_ERR, lws_to_log);
    /* libev's loop (epoll) rather than libwebsockets' own poll(), which walks every socket on
     * each turn: lws runs on this loop (its libev plugin) and the daemon drives it */
    if (!(loop = ev_default_loop(EVFLAG_AUTO))) {
        sbrt_log(srv, SBRT_LOG_ERROR, "cannot create the event loop");
        return 1;
    }
    loops[0] = loop;
    srv->loop = loop;
    sbrt_collect_start(srv);
    memset(&info, 0, sizeof info);
    info.options |= LWS_SERVER_OPTION_LIBEV;
    info.foreign_loops = loops;
    info.protocols = sbrt_protocols;
    info.user = srv;
    if (unix_path) {
        info.options |= LWS_SERVER_OPTION_UNIX_SOCK;
        info.iface = unix_path;
        info.port = 0;
    }
    else {
        info.iface = listen_on;
        info.port = port;
    }
    if (cert) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cert;
        info.ssl_private_key_filepath = key;
    }
    info.timeout_secs = 60;
    info.ka_time = 0;
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        sbrt_log(srv, SBRT_LOG_ERROR, "cannot listen on %s", unix_path ? unix_path : listen_on);
        return 1;
    }
    if (pid_path) {
        FILE *pf = fopen(pid_path, "w");
        if (pf) {
            fprintf(pf, "%ld\n", (long)getpid());
            fclose(pf);
        }
    }
    ev_signal_init(&sig_int, on_signal, SIGINT);
    ev_signal_init(&sig_term, on_signal, SIGTERM);
    ev_signal_start(loop, &sig_int);
    ev_signal_start(loop, &sig_term);
    ev_signal_init(&sig_usr1, on_usr1, SIGUSR1);
    sig_usr1.data = srv;
    ev_signal_start(loop, &sig_usr1);
    signal(SIGPIPE, SIG_IGN);
    sbrt_log(srv, SBRT_LOG_INFO, "skillbarter-realtime %s listening on %s%s%s%s", SB_VERSION,
             unix_path ? "unix:" : "", unix_path ? unix_path : listen_on,
             unix_path ? "" : apr_psprintf(pool, ":%d", port), cert ? " (TLS)" : "");
    if (sbrt_outbox_start(srv) != 0 || sbrt_worker_start(srv) != 0) {
        sbrt_outbox_stop(srv);
        lws_context_destroy(srv->ctx);
        return 1;
    }
    ev_run(loop, 0);
    srv->stopping = 1;
    sbrt_sessions_close_all(srv);
    sbrt_outbox_stop(srv);
    sbrt_worker_stop(srv); /* after the signal thread, which may still ask for a read */
    /* the threads are done: the last thing before the exit is to answer what came, so that
     * nothing is accepted and then cut between the two */
    sbrt_engine_finish_requests(srv, SBRT_RELEASE_MS);
    sbrt_log(srv, SBRT_LOG_INFO, "stopping (signal %d)", (int)stop_signal);
    lws_context_destroy(srv->ctx);
    ev_signal_stop(loop, &sig_int);
    ev_signal_stop(loop, &sig_term);
    ev_signal_stop(loop, &sig_usr1);
    sbrt_collect_stop(srv);
    ev_loop_destroy(loop);
    if (pid_path) {
        unlink(pid_path);
    }
    apr_pool_destroy(pool);
    return rc;
}
