/*
 * The bench's echo generator in C: CLIENTS WebSocket clients speaking Engine.IO v4 /
 * Socket.IO v5 by hand, each in a closed loop of one event with an ack at a time, for
 * SECONDS. Same arguments and the same JSON line as `load.mjs echo` (which it replaces for
 * the echo rows, make bench-realtime): {msgs, seconds, rate, p50, p99} (ms).
 *
 *   echo_load echo URL TOKENS_FILE CLIENTS SECONDS EVENT
 *
 * Why: the Node generator spends about 12 us of CPU per echo (ws framing, a Promise and a
 * Map per message), more than either server, so on the 2 shared cores it caps the rate it
 * can drive at about 84,000/s whatever the server does. This one spends a few us (two
 * syscalls per message and no allocation), so the rows compare the servers, not the
 * generator's ceiling. One thread on epoll; URL is http://IPv4:PORT (the daemon's own port,
 * or Apache's).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RX_CAP 65536

typedef enum { WAIT_OPEN, WAIT_CONNECT, RUNNING, DONE } phase_t;

typedef struct {
    int fd;
    phase_t phase;
    const char *token;
    unsigned char rx[RX_CAP];
    size_t rx_len;
    long ack_id; /* the id of the event in flight (-1: none) */
    double sent; /* when it was sent (s) */
} client_t;

static double *lat;
static size_t nlat, cap_lat;
static long msgs;
static int running = 1; /* new events are sent until the end time */
static const char *event;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "echo_load: %s: %s\n", what, errno ? strerror(errno) : "protocol error");
    exit(1);
}

/* Write all of buf (a blocking write on a non-blocking socket: retried; the frames are small
 * and the socket buffer empty in a closed loop, so this rarely loops). */
static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        if (n <= 0) {
            die("send");
        }
        p += n;
        len -= (size_t)n;
    }
}

/* One masked client frame (opcode) of payload[0..len). */
static void send_frame(client_t *c, int opcode, const char *payload, size_t len)
{
    static const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    unsigned char frame[16 + 4096];
    size_t h = 0, i;

    if (len > 4096) {
        die("frame too long");
    }
    frame[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        frame[h++] = (unsigned char)(0x80 | len);
    }
    else {
        frame[h++] = 0x80 | 126;
        frame[h++] = (unsigned char)(len >> 8);
        frame[h++] = (unsigned char)len;
    }
    memcpy(frame + h, key, 4);
    h += 4;
    for (i = 0; i < len; i++) {
        frame[h + i] = (unsigned char)payload[i] ^ key[i & 3];
    }
    write_all(c->fd, frame, h + len);
}

static void send_text(client_t *c, const char *text, size_t len)
{
    send_frame(c, 1, text, len);
}

static void send_event(client_t *c)
{
    char buf[256];
    int n;

    c->ack_id++;
    n = snprintf(buf, sizeof buf, "42%ld[\"%s\",{\"i\":%ld,\"text\":\"hello there\"}]", c->ack_id,
                 event, msgs);
    c->sent = now_s();
    send_text(c, buf, (size_t)n);
}

static void record(double ms)
{
    if (nlat == cap_lat) {
        cap_lat = cap_lat ? cap_lat * 2 : 65536;
        if (!(lat = realloc(lat, cap_lat * sizeof *lat))) {
            die("memory");
        }
    }
    lat[nlat++] = ms;
}

/* One text message from the server. */
static void on_text(client_t *c, const char *m, size_t len)
{
    char buf[512];
    int n;

    if (len == 1 && m[0] == '2') {
        send_text(c, "3", 1); /* ping */
        return;
    }
    switch (c->phase) {
    case WAIT_OPEN:
        if (len && m[0] == '0') {
            n = snprintf(buf, sizeof buf, "40{\"token\":\"%s\"}", c->token);
            if (n <= 0 || (size_t)n >= sizeof buf) {
                die("token too long");
            }
            send_text(c, buf, (size_t)n);
            c->phase = WAIT_CONNECT;
        }
        return;
    case WAIT_CONNECT:
        if (len >= 2 && !memcmp(m, "44", 2)) {
            fprintf(stderr, "echo_load: refused: %.*s\n", (int)len, m);
            exit(1);
        }
        if (len >= 2 && !memcmp(m, "40", 2)) {
            c->phase = RUNNING;
        }
        return;
    case RUNNING:
        if (len > 2 && !memcmp(m, "43", 2) && c->ack_id >= 0
            && strtol(m + 2, NULL, 10) == c->ack_id) {
            record((now_s() - c->sent) * 1000.0);
            msgs++;
            if (running) {
                send_event(c);
            }
            else {
                c->phase = DONE;
            }
        }
        return;
    case DONE:
        return;
    }
}

/* Handle every whole frame in c->rx; keep the rest. */
static void drain_frames(client_t *c)
{
    size_t pos = 0;

    for (;;) {
        unsigned char *f = c->rx + pos;
        size_t avail = c->rx_len - pos, h = 2, len;
        int opcode;
        if (avail < 2) {
            break;
        }
        opcode = f[0] & 0x0F;
        len = f[1] & 0x7F;
        if (f[1] & 0x80 || !(f[0] & 0x80)) {
            die("masked or fragmented server frame");
        }
        if (len == 126) {
            if (avail < 4) {
                break;
            }
            len = (size_t)f[2] << 8 | f[3];
            h = 4;
        }
        else if (len == 127) {
            if (avail < 10) {
                break;
            }
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = len << 8 | f[2 + i];
            }
            h = 10;
        }
        if (h + len > RX_CAP) {
            die("server frame too long");
        }
        if (avail < h + len) {
            break;
        }
        if (opcode == 1) {
            on_text(c, (const char *)f + h, len);
        }
        else if (opcode == 9) {
            send_frame(c, 10, (const char *)f + h, len);
        }
        else if (opcode == 8) {
            errno = 0;
            die("server closed the WebSocket");
        }
        pos += h + len;
    }
    memmove(c->rx, c->rx + pos, c->rx_len - pos);
    c->rx_len -= pos;
}

/* Read what is there and handle every whole frame. */
static void on_readable(client_t *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, c->rx + c->rx_len, RX_CAP - c->rx_len, 0);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        if (n <= 0) {
            die("connection closed by the server");
        }
        c->rx_len += (size_t)n;
        drain_frames(c);
    }
}

/* Connect and upgrade (blocking); what came after the 101 stays in c->rx. */
static void open_ws(client_t *c, const struct sockaddr_in *addr, const char *host)
{
    char req[512];
    int n, one = 1;
    char *end;

    if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
        die("socket");
    }
    if (connect(c->fd, (const struct sockaddr *)addr, sizeof *addr) != 0) {
        die("connect");
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    n = snprintf(req, sizeof req,
                 "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\n"
                 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                 host);
    write_all(c->fd, req, (size_t)n);
    c->rx_len = 0;
    for (;;) {
        ssize_t r = recv(c->fd, c->rx + c->rx_len, RX_CAP - 1 - c->rx_len, 0);
        if (r <= 0) {
            die("upgrade");
        }
        c->rx_len += (size_t)r;
        c->rx[c->rx_len] = '\0';
        if ((end = strstr((char *)c->rx, "\r\n\r\n"))) {
            break;
        }
    }
    if (strncmp((char *)c->rx, "HTTP/1.1 101", 12) != 0) {
        errno = 0;
        die("upgrade refused");
    }
    end += 4;
    c->rx_len -= (size_t)(end - (char *)c->rx);
    memmove(c->rx, end, c->rx_len);
    c->phase = WAIT_OPEN;
    c->ack_id = -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double q)
{
    size_t i = (size_t)(nlat * q);
    return nlat ? lat[i < nlat ? i : nlat - 1] : 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {0};
    struct epoll_event ev, evs[256];
    char host[128], *colon, *tokens_buf, **tokens = NULL;
    size_t ntok = 0, cap_tok = 0, tlen;
    client_t *cs;
    int n, secs, ep, i, ready;
    double t0, end_at, dt;
    FILE *f;

    if (argc != 7 || strcmp(argv[1], "echo") != 0 || strncmp(argv[2], "http://", 7) != 0) {
        fprintf(stderr,
                "usage: echo_load echo http://IPV4:PORT TOKENS_FILE CLIENTS SECONDS EVENT\n");
        return 2;
    }
    snprintf(host, sizeof host, "%s", argv[2] + 7);
    host[strcspn(host, "/")] = '\0';
    if (!(colon = strchr(host, ':'))) {
        return 2;
    }
    *colon = '\0';
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        return 2;
    }
    *colon = ':';
    n = atoi(argv[4]);
    secs = atoi(argv[5]);
    event = argv[6];
    if (!(f = fopen(argv[3], "r"))) {
        die(argv[3]);
    }
    fseek(f, 0, SEEK_END);
    tlen = (size_t)ftell(f);
    rewind(f);
    tokens_buf = calloc(1, tlen + 1);
    if (!tokens_buf || fread(tokens_buf, 1, tlen, f) != tlen) {
        die("tokens");
    }
    fclose(f);
    for (char *line = strtok(tokens_buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (ntok == cap_tok
            && !(tokens = realloc(tokens, (cap_tok = cap_tok * 2 + 16) * sizeof *tokens))) {
            die("memory");
        }
        tokens[ntok++] = line;
    }
    if (!ntok || n < 1 || !(cs = calloc((size_t)n, sizeof *cs))) {
        die("arguments");
    }
    if ((ep = epoll_create1(0)) < 0) {
        die("epoll");
    }
    for (i = 0; i < n; i++) {
        cs[i].token = tokens[i % ntok];
        open_ws(&cs[i], &addr, host);
        fcntl(cs[i].fd, F_SETFL, fcntl(cs[i].fd, F_GETFL) | O_NONBLOCK);
        drain_frames(&cs[i]); /* the open packet may have come with the 101 */
        ev.events = EPOLLIN;
        ev.data.ptr = &cs[i];
        if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) != 0) {
            die("epoll_ctl");
        }
    }
    /* everyone connected (Socket.IO CONNECT answered) before the clock starts */
    for (;;) {
        int waiting = 0;
        for (i = 0; i < n; i++) {
            waiting += cs[i].phase != RUNNING;
        }
        if (!waiting) {
            break;
        }
        ready = epoll_wait(ep, evs, 256, 10000);
        if (ready <= 0) {
            die("connect timeout");
        }
        for (i = 0; i < ready; i++) {
            on_readable(evs[i].data.ptr);
        }
    }
    t0 = now_s();
    end_at = t0 + secs;
    for (i = 0; i < n; i++) {
        send_event(&cs[i]);
    }
    for (;;) {
        int busy = 0;
        if (running && now_s() >= end_at) {
            running = 0;
        }
        for (i = 0; i < n && !busy; i++) {
            busy = cs[i].phase == RUNNING;
        }
        if (!busy) {
            break;
        }
        if (now_s() > end_at + 10) {
            errno = 0;
            die("acks missing 10 s after the end");
        }
        ready = epoll_wait(ep, evs, 256, 1000);
        if (ready < 0 && errno != EINTR) {
            die("epoll_wait");
        }
        for (i = 0; i < ready; i++) {
            on_readable(evs[i].data.ptr);
        }
    }
    dt = now_s() - t0;
    qsort(lat, nlat, sizeof *lat, cmp_double);
    printf("{\"msgs\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"p50\":%.3f,\"p99\":%.3f}\n", msgs, dt,
           msgs / dt, pct(0.5), pct(0.99));
    return 0;
}
