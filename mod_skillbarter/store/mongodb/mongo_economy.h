/*
 * Internal to the MongoDB driver: the credit economy — the one way a balance changes
 * (sb_mongo_move), the admin transfer's intent record, the recovery of steps cut short, and
 * the ledger and credits domains' builders and operations.
 *
 * A move is recoverable without a transaction. Its first write, one findAndModify on the
 * user guarded by the balance, changes credits and the user's ledgerSeq and records the
 * complete ledger row as a pending move on the user (pendingMoves: the row's id, key,
 * amount, balance after, sequence, time and text); the second inserts that row (its _id and
 * unique idemKey make the insert idempotent); the third takes the pending entry off. A
 * process that stops between them leaves an entry that sb_mongo_recover rolls forward (the
 * row written from the entry) once it is older than SB_MONGO_RECOVER_AFTER_MS; a row whose key
 * another row took already is a refused move and its balance change is rolled back. With a
 * transaction the same writes are one atomic step and never leave an entry behind.
 *
 * Ledger rows carry seq, the user's ledgerSeq after the move: a user's rows in exactly the
 * order their balance changed (ObjectIds of several processes are not).
 *
 * Sessions (mongo_sessions.h) hold escrow as sessions.escrowMinutes of
 * the learner sessions.studentId while status is pending, scheduled or in_progress, with one
 * hold row keyed "<session id>:hold".
 */
#ifndef SB_MONGO_ECONOMY_H
#define SB_MONGO_ECONOMY_H

#include "mongo_int.h"

#define SB_MONGO_RECOVER_AFTER_MS (60 * 1000)

typedef struct {
    const char *user_id;
    const char *type;            /* earned | spent | bonus | refund | penalty */
    int64_t amount;              /* signed change of the balance, != 0 */
    const char *related_session; /* may be NULL */
    const char *related_user;    /* may be NULL */
    const char *description;
    const char *category;   /* teaching | learning | bonus | refund | admin */
    const char *idem_key;   /* NULL: one is made; a second row with the same key is refused */
    const char *admin_note; /* may be NULL */
} sb_mongo_move_t;

/* ---- builders (mongo_ledger_doc.c) ---- */

/* The move's first write: filter (the user, with the balance it needs and no pending entry
 * of key) and pipeline update (credits, ledgerSeq, the pending entry with the row's id
 * row_id). 0 for a bad user id. Request text enters as $literal values only. */
int sb_mongo_move_update(bson_t *filter, bson_t *pipeline, const sb_mongo_move_t *m,
                         const char *key, const char *row_id, int64_t now);
/* The ledger row of a pending entry (a document of pendingMoves) of user_id. */
int sb_mongo_row_from_pending(bson_t *row, const char *user_id, const bson_t *entry);
/* {_id: user, pendingMoves.k: key} + {$pull: {pendingMoves: {k: key}}}: the entry taken off. */
int sb_mongo_pending_done(bson_t *filter, bson_t *update, const char *user_id, const char *key);
/* A refused move undone: the entry's amount taken back and the entry off, guarded by it. */
int sb_mongo_pending_undo(bson_t *filter, bson_t *update, const char *user_id, const char *key,
                          int64_t amount);
/* Users with a pending entry older than before. */
void sb_mongo_pending_stale(bson_t *filter, int64_t before);

/* credit_tx_page: filter (user, type and category when given) and opts (newest first,
 * offset/limit); credit_tx_since: rows at or after since, oldest first. 0 for a bad id. */
int sb_mongo_tx_page(bson_t *filter, bson_t *opts, const char *user_id, const char *type,
                     const char *category, int offset, int limit);
int sb_mongo_tx_since(bson_t *filter, bson_t *opts, const char *user_id, int64_t since);
/* The held escrow of a learner: sessions pipeline yielding {held}. 0 for a bad id. */
int sb_mongo_held_pipeline(bson_t *pipeline, const char *user_id);
/* The audit's pipelines: over users {balances, bad_rows, bad_sums}, sessions {escrow,
 * bad_holds}, credit_transactions {bonuses, penalties, adjustments}. */
void sb_mongo_audit_users(bson_t *pipeline);
void sb_mongo_audit_sessions(bson_t *pipeline);
void sb_mongo_audit_ledger(bson_t *pipeline);
/* The admin transfer's intent (transfers collection) and its end state. */
int sb_mongo_transfer_doc(bson_t *b, const char *id, const char *from, const char *to,
                          int64_t amount, const char *reason, const char *admin_id, int64_t now);
void sb_mongo_transfer_state(bson_t *filter, bson_t *update, const char *id, const char *state);
/* Open transfers older than before. */
void sb_mongo_transfer_stale(bson_t *filter, int64_t before);

/* A ledger row document into t (strings in p). */
void sb_mongo_tx_from_doc(apr_pool_t *p, const bson_t *doc, sb_credit_tx_t *t);

/* ---- mongo_move.c ---- */

/* Inside the caller's atomic step (opts: its session or NULL): balance += amount (never below
 * 0) and its ledger row. INSUFFICIENT "credits" when the balance is short or the user is
 * missing; CONFLICT "idempotency" when the key was used already. *balance_after may be NULL. */
sb_store_status_t sb_mongo_move(sb_store_conn_t *c, const bson_t *opts, const sb_mongo_move_t *m,
                                int64_t now, int64_t *balance_after, sb_store_error_t *err);
/* Roll forward the moves and transfers cut short before `before` (start-up and sbctl
 * ledger-check); *fixed (may be NULL) counts what it completed or undid. */
sb_store_status_t sb_mongo_recover(sb_store_conn_t *c, int64_t before, int *fixed,
                                   sb_store_error_t *err);

SB_STORE_LEDGER_OPS(SB_MONGO_PROTOTYPE, ledger)
SB_STORE_CREDITS_OPS(SB_MONGO_PROTOTYPE, credits)

#endif
