-- Per-user conversation counters, so the conversation list reads one row for its totals
-- instead of counting every conversation of the user on every page.
--
-- conversations.partner_hidden mirrors the partner's stored flags (is_active = 0 OR
-- is_banned = 1); the users trigger below keeps it in step in the same statement as a status
-- change. conversation_stats holds, per user, how many conversations are listed (a message
-- left, partner_hidden = 0) and their unread total; the conversations triggers keep it in step
-- with every change of a summary, whoever makes it. A partner whose ban has expired is visible
-- although still flagged: the list adds those few from the partial index conversations_hidden.

ALTER TABLE conversations ADD COLUMN partner_hidden INTEGER NOT NULL DEFAULT 0
    CHECK (partner_hidden IN (0, 1));
UPDATE conversations SET partner_hidden = 1
    WHERE partner_id IN (SELECT id FROM users WHERE is_active = 0 OR is_banned = 1);
CREATE INDEX conversations_partner ON conversations (partner_id);
CREATE INDEX conversations_hidden ON conversations (user_id) WHERE partner_hidden = 1;

-- No CHECK (>= 0) here: an upsert's deltas may be negative and CHECKs run before ON CONFLICT.
CREATE TABLE conversation_stats (
    user_id       TEXT    PRIMARY KEY NOT NULL REFERENCES users (id),
    conversations INTEGER NOT NULL DEFAULT 0,
    unread        INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO conversation_stats (user_id, conversations, unread)
    SELECT user_id, count(*), sum(unread) FROM conversations
    WHERE last_message_id IS NOT NULL AND partner_hidden = 0 GROUP BY user_id;

CREATE TRIGGER conversation_stats_insert AFTER INSERT ON conversations
    WHEN NEW.last_message_id IS NOT NULL AND NEW.partner_hidden = 0
BEGIN
    INSERT INTO conversation_stats (user_id, conversations, unread)
        VALUES (NEW.user_id, 1, NEW.unread)
        ON CONFLICT (user_id) DO UPDATE SET conversations = conversations + 1,
        unread = unread + excluded.unread;
END;

CREATE TRIGGER conversation_stats_update AFTER UPDATE OF last_message_id, unread, partner_hidden
    ON conversations
    WHEN (OLD.last_message_id IS NOT NULL AND OLD.partner_hidden = 0)
      OR (NEW.last_message_id IS NOT NULL AND NEW.partner_hidden = 0)
BEGIN
    INSERT INTO conversation_stats (user_id, conversations, unread) VALUES (NEW.user_id,
        (NEW.last_message_id IS NOT NULL AND NEW.partner_hidden = 0)
          - (OLD.last_message_id IS NOT NULL AND OLD.partner_hidden = 0),
        (CASE WHEN NEW.last_message_id IS NOT NULL AND NEW.partner_hidden = 0 THEN NEW.unread
         ELSE 0 END)
          - (CASE WHEN OLD.last_message_id IS NOT NULL AND OLD.partner_hidden = 0 THEN OLD.unread
             ELSE 0 END))
        ON CONFLICT (user_id) DO UPDATE SET conversations = conversations + excluded.conversations,
        unread = unread + excluded.unread;
END;

CREATE TRIGGER conversation_stats_delete AFTER DELETE ON conversations
    WHEN OLD.last_message_id IS NOT NULL AND OLD.partner_hidden = 0
BEGIN
    UPDATE conversation_stats SET conversations = conversations - 1, unread = unread - OLD.unread
        WHERE user_id = OLD.user_id;
END;

CREATE TRIGGER users_hidden_conversations AFTER UPDATE OF is_active, is_banned ON users
    WHEN (OLD.is_active = 0 OR OLD.is_banned = 1) IS NOT (NEW.is_active = 0 OR NEW.is_banned = 1)
BEGIN
    UPDATE conversations SET partner_hidden = (NEW.is_active = 0 OR NEW.is_banned = 1)
        WHERE partner_id = NEW.id;
END;
