-- SQLite (3.40) evaluates `x IN (a, b, c, ...)` of three or more constants by building an
-- ephemeral b-tree of the list every time the statement runs: a CHECK on a written column, and
-- a partial index's WHERE for the old and the new row of an UPDATE. A settlement paid for
-- sixteen of them (three per ledger row, five per session write-back), about a third of its
-- instructions inside the write turn. The same constraints written as chains of `=` compile
-- to comparisons; the partial indexes go (below).
--
-- The CHECK constraints are rewritten in place, the documented way for a change that leaves
-- the stored rows as they are (https://sqlite.org/lang_altertable.html#otheralter): the new
-- text accepts exactly the values the old one did. The guard table refuses to go on when the
-- schema text is not the one 001 wrote (a CHECK that failed to match would otherwise be left
-- as it was without a word).
CREATE TEMP TABLE m018_guard (ok INTEGER NOT NULL CHECK (ok = 1));
INSERT INTO m018_guard
    SELECT instr(sql, 'CHECK (type IN (''earned''') > 0
           AND instr(sql, '''penalty''))') > 0
           AND instr(sql, 'CHECK (category IN (''teaching''') > 0
           AND instr(sql, '''admin''))') > 0
           AND instr(sql, 'CHECK (status IN (''completed''') > 0
           AND instr(sql, '''reversed''))') > 0
    FROM sqlite_schema WHERE type = 'table' AND name = 'credit_transactions'
    UNION ALL
    SELECT instr(sql, 'CHECK (status IN (''pending''') > 0
           AND instr(sql, '''expired''))') > 0
    FROM sqlite_schema WHERE type = 'table' AND name = 'sessions';

PRAGMA writable_schema = ON;
-- text up to the opening mark, the new constraint, text after the closing mark
UPDATE sqlite_schema SET sql =
    substr(sql, 1, instr(sql, 'CHECK (type IN (''earned''') - 1)
    || 'CHECK (type = ''earned'' OR type = ''spent'' OR type = ''bonus'' OR type = ''refund'''
    || ' OR type = ''penalty'')'
    || substr(sql, instr(sql, '''penalty''))') + length('''penalty''))'))
    WHERE type = 'table' AND name = 'credit_transactions';
UPDATE sqlite_schema SET sql =
    substr(sql, 1, instr(sql, 'CHECK (category IN (''teaching''') - 1)
    || 'CHECK (category = ''teaching'' OR category = ''learning'' OR category = ''bonus'''
    || ' OR category = ''refund'' OR category = ''admin'')'
    || substr(sql, instr(sql, '''admin''))') + length('''admin''))'))
    WHERE type = 'table' AND name = 'credit_transactions';
UPDATE sqlite_schema SET sql =
    substr(sql, 1, instr(sql, 'CHECK (status IN (''completed''') - 1)
    || 'CHECK (status = ''completed'' OR status = ''pending'' OR status = ''failed'''
    || ' OR status = ''reversed'')'
    || substr(sql, instr(sql, '''reversed''))') + length('''reversed''))'))
    WHERE type = 'table' AND name = 'credit_transactions';
UPDATE sqlite_schema SET sql =
    substr(sql, 1, instr(sql, 'CHECK (status IN (''pending''') - 1)
    || 'CHECK (status = ''pending'' OR status = ''scheduled'' OR status = ''in_progress'''
    || ' OR status = ''completed'' OR status = ''cancelled'' OR status = ''no_show'''
    || ' OR status = ''abandoned'' OR status = ''declined'' OR status = ''expired'')'
    || substr(sql, instr(sql, '''expired''))') + length('''expired''))'))
    WHERE type = 'table' AND name = 'sessions';
PRAGMA writable_schema = OFF;
DROP TABLE m018_guard;

-- Indexes no query reads (EXPLAIN QUERY PLAN of every statement naming their columns: the
-- overlap check reads sessions_status_scheduled, the balance sessions_student_status, a
-- session's ledger rows are found by their idempotency keys), which every settlement paid
-- for inside the write turn: the open-session indexes (009) an entry removed for each party
-- at every close, credit_tx_session (001) one entry per ledger row. About four of the 23
-- pages an end wrote to the WAL. Dropping them also changes the schema cookie, so every open
-- connection reloads the schema rewritten above.
DROP INDEX sessions_teacher_open;
DROP INDEX sessions_student_open;
DROP INDEX credit_tx_session;
