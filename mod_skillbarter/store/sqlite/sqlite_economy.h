/*
 * Internal to the SQLite driver: the balance change shared by the sessions and credits
 * files — one call moves a user's balance and writes its ledger row, keyed when the change
 * belongs to a transition that must apply once — and the ledger row reader of the credits
 * and ledger files.
 */
#ifndef SB_SQLITE_ECONOMY_H
#define SB_SQLITE_ECONOMY_H

#include "sqlite_int.h"

typedef struct {
    const char *user_id;
    const char *type;            /* earned | spent | bonus | refund | penalty */
    int64_t amount;              /* signed change of the balance, != 0 */
    const char *related_session; /* may be NULL */
    const char *related_user;    /* may be NULL */
    const char *description;
    const char *category;   /* teaching | learning | bonus | refund | admin */
    const char *idem_key;   /* NULL = none; a second row with the same key fails */
    const char *admin_note; /* may be NULL */
} sb_sqlite_move_t;

/*
 * Inside the caller's transaction: balance += amount (never below 0) and the ledger row with
 * the new balance. INSUFFICIENT (field m->user_id's role is the caller's to name) when the
 * balance would go negative or the user is missing; CONFLICT "idempotency" when the key was
 * used already. *balance_after may be NULL.
 */
sb_store_status_t sb_sqlite_move(sb_sqlite_conn_t *sc, const sb_sqlite_move_t *m, int64_t now,
                                 int64_t *balance_after, sb_store_error_t *err);
/* sb_sqlite_move that also adds totals[0..3] to the user's total_earned, total_spent,
 * minutes_taught and minutes_learned in the same UPDATE (totals NULL: none). */
sb_store_status_t sb_sqlite_move_totals(sb_sqlite_conn_t *sc, const sb_sqlite_move_t *m,
                                        const int64_t *totals, int64_t now, int64_t *balance_after,
                                        sb_store_error_t *err);

/* The ledger's columns in the order sb_sqlite_credit_tx_row reads them. */
#define SB_SQLITE_TX_COLS                                                                          \
    "id, user_id, type, amount, balance_after, related_session, related_user, description,"        \
    " category, status, created_at"
/* The current row of SB_SQLITE_TX_COLS into an sb_credit_tx_t (an sb_sqlite_row_fn). */
void sb_sqlite_credit_tx_row(apr_pool_t *p, sqlite3_stmt *q, void *row);

#endif
