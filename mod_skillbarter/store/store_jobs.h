/*
 * Store domain: leases of background jobs. A runner (sbctl jobs) acts on a job only while it
 * holds the job's lease, so exactly one runner acts at a time across processes and hosts that
 * share the store; a holder that stops renewing (crashed, hung) loses the lease at its expiry.
 * Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_JOBS_H
#define SB_STORE_JOBS_H

#define SB_STORE_JOBS_OPS(X, d)                                                                    \
    /* Take the lease name for holder until now + ttl_ms when it is free, expired or already       \
     * holder's (then extended). *held is 1 when holder has it afterwards, else 0; *fresh (may     \
     * be NULL) is 1 when holder did not hold it live before (a new tenure: recover first). */     \
    X(d, job_lease_acquire,                                                                        \
      (sb_store_conn_t * c, const char *name, const char *holder, int64_t ttl_ms, int64_t now,     \
       int *held, int *fresh, sb_store_error_t *err),                                              \
      (c, name, holder, ttl_ms, now, held, fresh, err))                                            \
    /* Extend holder's live lease to now + ttl_ms; *held 0 when holder no longer has it. */        \
    X(d, job_lease_renew,                                                                          \
      (sb_store_conn_t * c, const char *name, const char *holder, int64_t ttl_ms, int64_t now,     \
       int *held, sb_store_error_t *err),                                                          \
      (c, name, holder, ttl_ms, now, held, err))                                                   \
    /* Give the lease up (nothing happens when holder does not hold it). */                        \
    X(d, job_lease_release,                                                                        \
      (sb_store_conn_t * c, const char *name, const char *holder, sb_store_error_t *err),          \
      (c, name, holder, err))                                                                      \
    /* Take a lease from a holder known to be dead (a runner on the same host whose process is     \
     * gone): only while the holder is still dead_holder, so two runners cannot both take it.      \
     * *held as job_lease_acquire; a takeover is always a new tenure. */                           \
    X(d, job_lease_takeover,                                                                       \
      (sb_store_conn_t * c, const char *name, const char *holder, const char *dead_holder,         \
       int64_t ttl_ms, int64_t now, int *held, sb_store_error_t *err),                             \
      (c, name, holder, dead_holder, ttl_ms, now, held, err))                                      \
    /* The lease's holder and expiry into holder_out (in p; NULL when nobody ever held it). */     \
    X(d, job_lease_get,                                                                            \
      (sb_store_conn_t * c, apr_pool_t * p, const char *name, const char **holder_out,             \
       int64_t *expires_at, sb_store_error_t *err),                                                \
      (c, p, name, holder_out, expires_at, err))

#endif
