/*
 * Store domain: the credits ledger. Every balance change writes a row in the same atomic
 * step as the change (inside the operations of other domains); this domain reads it and
 * audits conservation. Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_LEDGER_H
#define SB_STORE_LEDGER_H

typedef struct {
    int64_t balances;    /* Σ users.credits */
    int64_t escrow;      /* Σ credits held by open session requests */
    int64_t bonuses;     /* Σ bonus rows */
    int64_t penalties;   /* Σ |penalty rows| */
    int64_t adjustments; /* Σ admin rows (signed) */
    int64_t bad_rows;    /* users whose balance ≠ their last ledger balanceAfter */
    int64_t bad_sums;    /* users whose balance ≠ the sum of their ledger rows */
    int64_t bad_holds;   /* open sessions whose hold is not exactly one matching ledger
                            row, and closed sessions still holding credits */
} sb_ledger_audit_t;

#define SB_STORE_LEDGER_OPS(X, d)                                                                  \
    /* Newest first, at most limit rows, skipping offset; *total gets the count. */                \
    X(d, ledger_list,                                                                              \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, int offset, int limit,            \
       apr_array_header_t **out, int64_t *total, sb_store_error_t *err),                           \
      (c, p, user_id, offset, limit, out, total, err))                                             \
    /* Conservation check inputs; balanced when balances + escrow == bonuses - penalties +         \
     * adjustments and bad_rows, bad_sums and bad_holds are 0. */                                  \
    X(d, ledger_audit, (sb_store_conn_t * c, sb_ledger_audit_t * out, sb_store_error_t * err),     \
      (c, out, err))

#endif
