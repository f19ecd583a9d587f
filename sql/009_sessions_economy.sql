-- Sessions and the credit economy: who joined a session's room and when, reschedule
-- proposals, disputes, idempotency keys on the ledger, exact review means, calendar feeds.

-- Each participant's first join; the session is in_progress (started_at) once both have.
-- last_presence_at is the latest sign of a participant in the room (join or room fetch):
-- an abandoned session is paid up to it.
ALTER TABLE sessions ADD COLUMN teacher_joined_at INTEGER;
ALTER TABLE sessions ADD COLUMN student_joined_at INTEGER;
ALTER TABLE sessions ADD COLUMN last_presence_at INTEGER;
-- A reschedule puts the session back to pending; the party who did not propose accepts.
ALTER TABLE sessions ADD COLUMN proposed_by TEXT REFERENCES users (id);
ALTER TABLE sessions ADD COLUMN dispute_reason TEXT;
ALTER TABLE sessions ADD COLUMN disputed_at INTEGER;
ALTER TABLE sessions ADD COLUMN dispute_resolved_at INTEGER;
ALTER TABLE sessions ADD COLUMN dispute_refund INTEGER NOT NULL DEFAULT 0
    CHECK (dispute_refund >= 0);
-- Overlap checks read a party's open sessions by start time.
CREATE INDEX sessions_teacher_open ON sessions (teacher_id, scheduled_time)
    WHERE status IN ('pending', 'scheduled', 'in_progress');
CREATE INDEX sessions_student_open ON sessions (student_id, scheduled_time)
    WHERE status IN ('pending', 'scheduled', 'in_progress');

-- A request's message follows its session's answers (accept, decline, expiry, a new time).
CREATE INDEX messages_session ON messages (session_id) WHERE session_id IS NOT NULL;

-- A ledger row written by a session transition carries a key naming it ("<session>:hold",
-- "<session>:settle:teacher" ...): a retried or concurrent transition cannot write it twice.
ALTER TABLE credit_transactions ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX credit_tx_idem ON credit_transactions (idem_key) WHERE idem_key IS NOT NULL;

-- The rating is the exact mean of every review: the sum and count are kept, not a running
-- float. calendar_token is the SHA-256 (hex) of the user's calendar feed token.
ALTER TABLE users ADD COLUMN rating_sum INTEGER NOT NULL DEFAULT 0 CHECK (rating_sum >= 0);
ALTER TABLE users ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX users_calendar_token ON users (calendar_token)
    WHERE calendar_token IS NOT NULL;
-- Reviews given before this migration: their sum from the stored mean and count.
UPDATE users SET rating_sum = CAST(round(rating * total_reviews) AS INTEGER)
    WHERE total_reviews > 0;
