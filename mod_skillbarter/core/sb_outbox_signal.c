/* The outbox wake-up datagram on a Unix socket (see sb_outbox_signal.h). */
#include "sb_outbox_signal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Fill a sockaddr_un with path; 0, or ENAMETOOLONG / EINVAL. */
static int socket_address(const char *path, struct sockaddr_un *sa)
{
    size_t n = path ? strlen(path) : 0;

    if (!n) {
        return EINVAL;
    }
    if (n >= sizeof(sa->sun_path)) {
        return ENAMETOOLONG;
    }
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, n + 1);
    return 0;
}

/* Each thread's sending socket, opened on its first signal and kept: an unbound datagram
 * socket can send to any path, and a socket()/close() pair per wake-up was ~3 % of a session
 * end's CPU. Close-on-exec; a forked child that inherits it shares a socket that still works. */
static __thread int sb_signal_fd = -1;

apr_status_t sb_outbox_signal(const char *path)
{
    struct sockaddr_un sa;
    int rc = socket_address(path, &sa);

    if (rc) {
        return rc;
    }
    if (sb_signal_fd < 0) {
        sb_signal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (sb_signal_fd < 0) {
            return errno;
        }
    }
    if (sendto(sb_signal_fd, SB_OUTBOX_SIGNAL_TEXT, sizeof(SB_OUTBOX_SIGNAL_TEXT) - 1, MSG_NOSIGNAL,
               (const struct sockaddr *)&sa, sizeof sa)
        < 0) {
        rc = errno;
        if (rc == EBADF || rc == ENOTSOCK) {
            sb_signal_fd = -1; /* closed under us (a daemon's fd sweep): a new one next time */
        }
    }
    return rc;
}

apr_status_t sb_outbox_signal_bind(const char *path, int *fd)
{
    struct sockaddr_un sa;
    struct stat st;
    int s, rc = socket_address(path, &sa);

    *fd = -1;
    if (rc) {
        return rc;
    }
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return errno;
    }
    if (bind(s, (const struct sockaddr *)&sa, sizeof sa) < 0) {
        rc = errno;
        close(s);
        return rc;
    }
    *fd = s;
    return 0;
}
