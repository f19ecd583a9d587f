-- credit_tx_type_status (001) serves no query: every ledger read is a user's (credit_tx_user)
-- or the audit's scan of the whole table. It cost every ledger row an index entry, two per
-- settlement inside the write turn.
DROP INDEX IF EXISTS credit_tx_type_status;
