/*
 * Store domain: what a user's credits are and were — balance, holds and totals, the ledger
 * filtered and paged, rows since an instant (monthly stats) — and the admin transfer. Holds
 * and settlement are written by the sessions domain. Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_CREDITS_H
#define SB_STORE_CREDITS_H

/* Minutes. */
typedef struct {
    int64_t available; /* users.credits: spendable now */
    int64_t held;      /* Σ escrow of the user's open sessions as learner */
    int64_t total_earned;
    int64_t total_spent;
    int64_t minutes_taught;
    int64_t minutes_learned;
} sb_credit_balance_t;

#define SB_STORE_CREDITS_OPS(X, d)                                                                 \
    /* NOT_FOUND for an unknown user. */                                                           \
    X(d, credit_balance,                                                                           \
      (sb_store_conn_t * c, const char *user_id, sb_credit_balance_t *out, sb_store_error_t *err), \
      (c, user_id, out, err))                                                                      \
    /* The user's ledger rows newest first, of type and category when given (NULL = any),          \
     * offset/limit; *out of sb_credit_tx_t, *total the count of matching rows. */                 \
    X(d, credit_tx_page,                                                                           \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, const char *type,                 \
       const char *category, int offset, int limit, apr_array_header_t **out, int64_t *total,      \
       sb_store_error_t *err),                                                                     \
      (c, p, user_id, type, category, offset, limit, out, total, err))                             \
    /* The user's rows created at or after since, oldest first; *out of sb_credit_tx_t. */         \
    X(d, credit_tx_since,                                                                          \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, int64_t since,                    \
       apr_array_header_t **out, sb_store_error_t *err),                                           \
      (c, p, user_id, since, out, err))                                                            \
    /* Move amount minutes (> 0) from one user to another by an admin: a `spent` and an            \
     * `earned` row, category admin, in one atomic step. NOT_FOUND field "from" / "to",            \
     * INSUFFICIENT "amount" when from's balance is short, CONFLICT "to" when from == to. */       \
    X(d, credit_transfer,                                                                          \
      (sb_store_conn_t * c, const char *from_id, const char *to_id, int64_t amount,                \
       const char *reason, const char *admin_id, int64_t now, sb_store_error_t *err),              \
      (c, from_id, to_id, amount, reason, admin_id, now, err))

#endif
