-- Mail delivery queue, job leases and the notification opt-out (issue 15).
--
-- One row per outgoing message, written in the same transaction as the token it carries.
-- message is the whole RFC 5322 text (headers and MIME body, CRLF line ends) rendered once,
-- so every attempt sends the same bytes under the same Message-ID. state:
--   queued   waiting; due at next_attempt_at
--   claimed  taken by the delivery job (claim = its holder); nothing has left the host yet
--   sending  the SMTP server has accepted DATA: the message may have been delivered
--   sent     accepted by the server (sent_at)
--   failed   permanent failure, retry time spent, or interrupted while sending (last_error)
-- A crash leaves claimed (put back to queued at the next start) or sending (marked failed,
-- never sent twice; `sbctl mail-queue retry ID` sends it again on an operator's word).
CREATE TABLE mail_queue (
    id              TEXT    PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('account', 'notification')),
    user_id         TEXT,
    envelope_from   TEXT    NOT NULL,
    rcpt            TEXT    NOT NULL,
    message         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'claimed', 'sending', 'sent', 'failed')),
    claim           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX mail_queue_due ON mail_queue (state, next_attempt_at);

-- A lease per background job: exactly one runner (holder) acts on a job at a time across
-- processes and hosts sharing the store; a holder that stops renewing loses it at expires_at.
CREATE TABLE job_leases (
    name        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    acquired_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

-- Reminder and notification mail can be turned off in the profile; account mail
-- (verification, reset) always goes.
ALTER TABLE users ADD COLUMN email_notifications INTEGER NOT NULL DEFAULT 1;
