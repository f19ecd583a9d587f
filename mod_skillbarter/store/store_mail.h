/*
 * Store domain: the outgoing mail queue. A request writes a message in the same transaction
 * as the token it carries (mail_issue_link); the delivery job claims due messages under its
 * lease (store_jobs.h), sends them and records the outcome per message, so a crash mid-send
 * never sends one twice (sql/008_mail_queue.sql explains the states). Rows expand as
 * store_gen.h says.
 */
#ifndef SB_STORE_MAIL_H
#define SB_STORE_MAIL_H

#define SB_MAIL_KIND_ACCOUNT      "account"      /* verification, reset: always sent */
#define SB_MAIL_KIND_NOTIFICATION "notification" /* reminders, notices: emailNotifications */

/* A message to queue; strings are copied by the store. */
typedef struct {
    const char *kind;          /* SB_MAIL_KIND_* */
    const char *user_id;       /* the recipient's account, or NULL */
    const char *envelope_from; /* bare address for MAIL FROM */
    const char *rcpt;          /* bare address for RCPT TO */
    const char *message;       /* the whole RFC 5322 text */
} sb_store_mail_new_t;

/* A queued message as read back. */
typedef struct {
    char id[SB_ID_LEN + 1];
    const char *kind, *user_id, *envelope_from, *rcpt, *message, *state, *last_error;
    int attempts;
    int64_t created_at, next_attempt_at, updated_at, sent_at;
} sb_store_mail_t;

typedef struct {
    int64_t queued, claimed, sending, sent, failed;
} sb_store_mail_counts_t;

/*
 * mail_issue_link's composer: given the nonce of the link that will be live (the new one, or
 * the one still live), fill *out with the message to queue (strings in p). Non-zero: queue
 * nothing and roll the token back (the store answers ERROR).
 */
typedef int (*sb_store_mail_compose_fn)(void *ctx, apr_pool_t *p, const char *nonce,
                                        sb_store_mail_new_t *out);

#define SB_STORE_MAIL_OPS(X, d)                                                                    \
    /* Queue a message; *id gets its id (SB_ID_LEN+1 buffer, may be NULL). A notification to       \
     * a user who turned emailNotifications off is not queued: *queued is 0 (else 1). */           \
    X(d, mail_enqueue,                                                                             \
      (sb_store_conn_t * c, const sb_store_mail_new_t *m, int64_t now, int *queued, char *id,      \
       sb_store_error_t *err),                                                                     \
      (c, m, now, queued, id, err))                                                                \
    /* onetime_issue and mail_enqueue in one transaction: the link's token is stored (or the       \
     * live one kept, as onetime_issue does) and the message compose() makes for that link's       \
     * nonce is queued, or neither. *id as mail_enqueue. */                                        \
    X(d, mail_issue_link,                                                                          \
      (sb_store_conn_t * c, apr_pool_t * p, const char *token_hash, const char *nonce,             \
       const char *user_id, const char *purpose, int64_t expires_at, int64_t now,                  \
       sb_store_mail_compose_fn compose, void *ctx, char *id, sb_store_error_t *err),              \
      (c, p, token_hash, nonce, user_id, purpose, expires_at, now, compose, ctx, id, err))         \
    /* Claim the oldest queued message due at now for holder: state claimed, attempts + 1.         \
     * NOT_FOUND when none is due. *out in p. */                                                   \
    X(d, mail_claim,                                                                               \
      (sb_store_conn_t * c, apr_pool_t * p, const char *holder, int64_t now,                       \
       sb_store_mail_t **out, sb_store_error_t *err),                                              \
      (c, p, holder, now, out, err))                                                               \
    /* claimed -> sending (the server took DATA). STALE unless id is claimed by holder. */         \
    X(d, mail_mark_sending,                                                                        \
      (sb_store_conn_t * c, const char *id, const char *holder, int64_t now,                       \
       sb_store_error_t *err),                                                                     \
      (c, id, holder, now, err))                                                                   \
    /* claimed|sending of holder -> sent. STALE otherwise. */                                      \
    X(d, mail_mark_sent,                                                                           \
      (sb_store_conn_t * c, const char *id, const char *holder, int64_t now,                       \
       sb_store_error_t *err),                                                                     \
      (c, id, holder, now, err))                                                                   \
    /* claimed|sending of holder -> queued, due at next_at, why recorded. STALE otherwise. */      \
    X(d, mail_mark_retry,                                                                          \
      (sb_store_conn_t * c, const char *id, const char *holder, int64_t next_at, const char *why,  \
       int64_t now, sb_store_error_t *err),                                                        \
      (c, id, holder, next_at, why, now, err))                                                     \
    /* claimed|sending of holder -> failed, why recorded. STALE otherwise. */                      \
    X(d, mail_mark_failed,                                                                         \
      (sb_store_conn_t * c, const char *id, const char *holder, const char *why, int64_t now,      \
       sb_store_error_t *err),                                                                     \
      (c, id, holder, why, now, err))                                                              \
    /* After a runner took the delivery lease afresh: claimed messages (nothing left the host)     \
     * go back to queued, sending ones (maybe delivered) to failed. Counts in *requeued and        \
     * *failed. */                                                                                 \
    X(d, mail_recover,                                                                             \
      (sb_store_conn_t * c, int64_t now, int *requeued, int *failed, sb_store_error_t *err),       \
      (c, now, requeued, failed, err))                                                             \
    X(d, mail_counts, (sb_store_conn_t * c, sb_store_mail_counts_t * out, sb_store_error_t * err), \
      (c, out, err))                                                                               \
    /* The newest messages, at most limit, of state (NULL: every state), newest first; an          \
     * array of sb_store_mail_t * in p (message bodies left out: NULL). */                         \
    X(d, mail_list,                                                                                \
      (sb_store_conn_t * c, apr_pool_t * p, const char *state, int limit,                          \
       apr_array_header_t **out, sb_store_error_t *err),                                           \
      (c, p, state, limit, out, err))                                                              \
    /* An operator's retry: failed -> queued, due now, attempts and time budget restarted.         \
     * NOT_FOUND unless id is failed. */                                                           \
    X(d, mail_retry, (sb_store_conn_t * c, const char *id, int64_t now, sb_store_error_t *err),    \
      (c, id, now, err))                                                                           \
    /* Delete a queued or failed message. NOT_FOUND otherwise (unknown, in flight or sent). */     \
    X(d, mail_drop, (sb_store_conn_t * c, const char *id, sb_store_error_t *err), (c, id, err))

#endif
