/*
 * The outbox wake-up: after a change that wrote outbox events commits, the writer sends one
 * datagram to a Unix socket the real-time daemon listens on, so it reads the outbox at once
 * instead of at its next poll. Best effort on both sides: the send never blocks, nobody
 * listening is normal (the daemon polls anyway), and the datagram carries no data the
 * reader needs — the outbox is the truth. The module (httpd/) sends, the daemon binds; both
 * take the path from SkillBarterOutboxSocket.
 */
#ifndef SB_OUTBOX_SIGNAL_H
#define SB_OUTBOX_SIGNAL_H

#include <apr_errno.h>

/* The socket's file name under DefaultRuntimeDir when SkillBarterOutboxSocket is not set. */
#define SB_OUTBOX_SOCKET_FILE "skillbarter-outbox.sock"
/* What a wake-up datagram holds. */
#define SB_OUTBOX_SIGNAL_TEXT "outbox"

/* Send one wake-up datagram to path (non-blocking). APR_SUCCESS when it was queued, else the
 * errno (ENOENT / ECONNREFUSED: nobody listening; EAGAIN: the reader has wake-ups queued
 * already; ENAMETOOLONG: path longer than a socket address holds). */
apr_status_t sb_outbox_signal(const char *path);

/* The reader's side: a non-blocking datagram socket bound at path (a stale socket file left
 * by an earlier reader is replaced). *fd gets it; APR_SUCCESS or the errno. */
apr_status_t sb_outbox_signal_bind(const char *path, int *fd);

#endif
