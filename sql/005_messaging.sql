-- Messaging: conversation summaries, notifications, blocks, and the outbox's per-recipient
-- sequence numbers. Every table here is written in the same transaction as the change it
-- follows (a message and both sides' summaries and its outbox events commit together).

-- The conversation a message belongs to, the same for both directions: the two user ids in
-- ascending order, concatenated. Virtual, so adding it rewrites nothing; the index holds it.
ALTER TABLE messages ADD COLUMN pair TEXT GENERATED ALWAYS AS (
    CASE WHEN sender_id < receiver_id THEN sender_id || receiver_id
         ELSE receiver_id || sender_id END) VIRTUAL;
CREATE INDEX messages_conversation ON messages (pair, created_at DESC, id DESC);
-- Every message query goes through the conversation index; these only cost on each insert.
DROP INDEX messages_pair;
DROP INDEX messages_created;
DROP INDEX messages_receiver_unread;
-- Only session messages carry a status: index those alone, not a NULL per text message.
DROP INDEX messages_session_status;
CREATE INDEX messages_session_status ON messages (session_status)
    WHERE session_status IS NOT NULL;

-- One row per (user, partner): the conversation list reads a page of these instead of
-- aggregating the whole history. last_message_id is the newest message not deleted (NULL
-- when every message of the pair is deleted: the conversation is then not listed); unread
-- counts the partner's messages to user_id that user_id has not read.
CREATE TABLE conversations (
    user_id         TEXT    NOT NULL REFERENCES users (id),
    partner_id      TEXT    NOT NULL REFERENCES users (id),
    last_message_id TEXT    REFERENCES messages (id),
    last_at         INTEGER NOT NULL,
    unread          INTEGER NOT NULL DEFAULT 0 CHECK (unread >= 0),
    PRIMARY KEY (user_id, partner_id),
    CHECK (user_id <> partner_id)
) WITHOUT ROWID;
-- Covering for a page of the list (no lookup back into the table per row).
CREATE INDEX conversations_recent ON conversations (user_id, last_at DESC, partner_id DESC,
                                                    last_message_id, unread);
-- The few users who might not be visible (core's rule decides on the row): counting a
-- conversation list probes this small index instead of reading every partner's row.
CREATE INDEX users_hidden ON users (id) WHERE is_active = 0 OR is_banned = 1;

-- What the header bell shows. subject_id is whom (or what) the notification is about: a
-- new-message notification is not repeated while one about the same sender is unread, and
-- opening that conversation (read-all) marks it read.
CREATE TABLE notifications (
    id         TEXT    PRIMARY KEY NOT NULL CHECK (length(id) = 24),
    user_id    TEXT    NOT NULL REFERENCES users (id),
    type       TEXT    NOT NULL CHECK (length(type) BETWEEN 1 AND 40),
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL DEFAULT '',
    link       TEXT,
    data       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    subject_id TEXT,
    is_read    INTEGER NOT NULL DEFAULT 0 CHECK (is_read IN (0, 1)),
    read_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id, is_read, type, subject_id);

-- blocker_id does not want to hear from blocked_id: messages refused, gone from discover.
CREATE TABLE user_blocks (
    blocker_id TEXT    NOT NULL REFERENCES users (id),
    blocked_id TEXT    NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
) WITHOUT ROWID;
CREATE INDEX user_blocks_blocked ON user_blocks (blocked_id);

-- The outbox: seq stays the global order (a tailing reader keeps its own position in it);
-- user_seq numbers each recipient's events 1, 2, 3 ... (the Socket.IO recovery offset),
-- drawn from outbox_heads in the appending transaction, so it never repeats or goes back,
-- even after old rows are pruned.
ALTER TABLE outbox ADD COLUMN user_seq INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET user_seq = (SELECT count(*) FROM outbox o WHERE o.user_id = outbox.user_id
                              AND o.seq <= outbox.seq);
CREATE TABLE outbox_heads (
    user_id TEXT    PRIMARY KEY NOT NULL REFERENCES users (id),
    seq     INTEGER NOT NULL CHECK (seq > 0)
) WITHOUT ROWID;
INSERT INTO outbox_heads (user_id, seq)
    SELECT user_id, max(user_seq) FROM outbox GROUP BY user_id;
DROP INDEX outbox_user;
CREATE UNIQUE INDEX outbox_user_seq ON outbox (user_id, user_seq);
