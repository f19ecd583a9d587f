/* The outbox wake-up datagram: it arrives at a bound reader, and sending never blocks or
 * fails hard when nobody listens. */
#include "sb_test.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sb_outbox_signal.h"

typedef struct {
    char dir[128];
    char path[160];
} sig_fx_t;

static int sig_setup(void **state)
{
    sig_fx_t *f = calloc(1, sizeof *f);

    snprintf(f->dir, sizeof f->dir, "%s/sbsig.XXXXXX", sb_test_tmpdir());
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/outbox.sock", f->dir);
    *state = f;
    return 0;
}

static int sig_teardown(void **state)
{
    sig_fx_t *f = *state;

    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_datagram_arrives(void **state)
{
    sig_fx_t *f = *state;
    struct pollfd pfd;
    char buf[64];
    ssize_t n;
    int fd, i;

    assert_int_equal(sb_outbox_signal_bind(f->path, &fd), 0);
    for (i = 0; i < 3; i++) {
        assert_int_equal(sb_outbox_signal(f->path), 0);
    }
    for (i = 0; i < 3; i++) {
        pfd.fd = fd;
        pfd.events = POLLIN;
        assert_int_equal(poll(&pfd, 1, 2000), 1);
        n = recv(fd, buf, sizeof buf, 0);
        assert_int_equal(n, (ssize_t)strlen(SB_OUTBOX_SIGNAL_TEXT));
        assert_memory_equal(buf, SB_OUTBOX_SIGNAL_TEXT, (size_t)n);
    }
    /* one datagram per signal, nothing more */
    assert_int_equal(recv(fd, buf, sizeof buf, 0), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    close(fd);
    /* a reader that went away leaves its file: sending is refused, not blocked */
    assert_int_equal(sb_outbox_signal(f->path), ECONNREFUSED);
    /* and a new reader binds over the stale file */
    assert_int_equal(sb_outbox_signal_bind(f->path, &fd), 0);
    assert_int_equal(sb_outbox_signal(f->path), 0);
    close(fd);
}

/* The lowest descriptor open now that was not open in was[] (-1: none). */
static int new_fd(const char *was)
{
    int fd;

    for (fd = 0; fd < 256; fd++) {
        if (!was[fd] && fcntl(fd, F_GETFD) != -1) {
            return fd;
        }
    }
    return -1;
}

static void *signal_thread(void *arg)
{
    const char *path = arg;
    char was[256];
    int fd, mine, i;

    for (fd = 0; fd < 256; fd++) {
        was[fd] = fcntl(fd, F_GETFD) != -1;
    }
    /* the first wake-up of a thread opens its socket; the next ones reuse it */
    if (sb_outbox_signal(path) != 0 || (mine = new_fd(was)) < 0) {
        return "no socket";
    }
    was[mine] = 1;
    for (i = 0; i < 5; i++) {
        if (sb_outbox_signal(path) != 0 || new_fd(was) != -1) {
            return "a socket per wake-up";
        }
    }
    /* closed under it: that signal fails, the next opens a new socket */
    close(mine);
    if (sb_outbox_signal(path) == 0) {
        return "sent on a closed socket";
    }
    if (sb_outbox_signal(path) != 0) {
        return "no new socket";
    }
    return NULL;
}

/* A thread keeps one sending socket for all its wake-ups. */
static void test_one_socket_per_thread(void **state)
{
    sig_fx_t *f = *state;
    pthread_t t;
    void *failed;
    char buf[64];
    int fd, i;

    assert_int_equal(sb_outbox_signal_bind(f->path, &fd), 0);
    assert_int_equal(pthread_create(&t, NULL, signal_thread, f->path), 0);
    assert_int_equal(pthread_join(t, &failed), 0);
    if (failed) {
        fail_msg("%s", (const char *)failed);
    }
    for (i = 0; i < 7; i++) {
        assert_int_equal(recv(fd, buf, sizeof buf, 0), (ssize_t)strlen(SB_OUTBOX_SIGNAL_TEXT));
    }
    close(fd);
}

static void test_nobody_listening(void **state)
{
    sig_fx_t *f = *state;
    char longpath[200];

    assert_int_equal(sb_outbox_signal(f->path), ENOENT);
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    assert_int_equal(sb_outbox_signal(longpath), ENAMETOOLONG);
    assert_int_equal(sb_outbox_signal(""), EINVAL);
}

/* A reader that never reads: the sender gets EAGAIN once the queue is full, never blocks. */
static void test_full_queue_does_not_block(void **state)
{
    sig_fx_t *f = *state;
    int fd, i, rc = 0;

    assert_int_equal(sb_outbox_signal_bind(f->path, &fd), 0);
    for (i = 0; i < 100000 && rc == 0; i++) {
        rc = sb_outbox_signal(f->path);
    }
    assert_int_equal(rc, EAGAIN);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_datagram_arrives, sig_setup, sig_teardown),
        cmocka_unit_test_setup_teardown(test_nobody_listening, sig_setup, sig_teardown),
        cmocka_unit_test_setup_teardown(test_full_queue_does_not_block, sig_setup, sig_teardown),
        cmocka_unit_test_setup_teardown(test_one_socket_per_thread, sig_setup, sig_teardown),
    };

    return cmocka_run_group_tests_name("outbox_signal", tests, NULL, NULL);
}
