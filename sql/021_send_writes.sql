-- What every message send pays inside the write turn (018 did the same for settlements).
--
-- (1) The CHECKs of messages.message_type (five constants) and messages.session_status (four)
-- were IN lists, which SQLite 3.40 evaluates by building an ephemeral b-tree each time the
-- statement runs: every message insert built one for its type (about 30k of a send's ~75k
-- instructions for the insert), every session-request mirror update one for its status. The
-- same constraints written as chains of `=` compile to comparisons and accept exactly the
-- values the lists did. Rewritten in place, as 018 did, behind a guard that refuses to go on
-- when the schema text is not the one 001 wrote.
CREATE TEMP TABLE m021_guard (ok INTEGER NOT NULL CHECK (ok = 1));
INSERT INTO m021_guard
    SELECT instr(sql, 'CHECK (message_type IN (''text'',') > 0
           AND instr(sql, '''system''))') > 0
           AND instr(sql, 'CHECK (session_status IS NULL OR session_status IN') > 0
           AND instr(sql, '''expired''))') > 0
    FROM sqlite_schema WHERE type = 'table' AND name = 'messages';

PRAGMA writable_schema = ON;
-- text up to the opening mark, the new constraint, text after the closing mark
UPDATE sqlite_schema SET sql =
    substr(sql, 1, instr(sql, 'CHECK (message_type IN (''text'',') - 1)
    || 'CHECK (message_type = ''text'' OR message_type = ''session_request'''
    || ' OR message_type = ''session_accept'' OR message_type = ''session_decline'''
    || ' OR message_type = ''system'')'
    || substr(sql, instr(sql, '''system''))') + length('''system''))'))
    WHERE type = 'table' AND name = 'messages';
UPDATE sqlite_schema SET sql =
    substr(sql, 1, instr(sql, 'CHECK (session_status IS NULL OR session_status IN') - 1)
    || 'CHECK (session_status IS NULL OR session_status = ''pending'''
    || ' OR session_status = ''accepted'' OR session_status = ''declined'''
    || ' OR session_status = ''expired'')'
    || substr(sql, instr(sql, '''expired''))') + length('''expired''))'))
    WHERE type = 'table' AND name = 'messages';
PRAGMA writable_schema = OFF;
DROP TABLE m021_guard;

-- (2) A new message updates both sides' conversation summaries; the stats trigger (010) fired
-- for both, although the sender's side changes neither its listed state nor its unread count
-- (an upsert of zeros into conversation_stats, its user row looked up for the foreign key,
-- its page dirtied). It now fires only when the change moves a counter: the listed state
-- changes, or the row is listed and its unread count changes. Its body is 010's.
DROP TRIGGER conversation_stats_update;
CREATE TRIGGER conversation_stats_update AFTER UPDATE OF last_message_id, unread, partner_hidden
    ON conversations
    WHEN (OLD.last_message_id IS NOT NULL AND OLD.partner_hidden = 0)
           IS NOT (NEW.last_message_id IS NOT NULL AND NEW.partner_hidden = 0)
      OR (NEW.last_message_id IS NOT NULL AND NEW.partner_hidden = 0
          AND OLD.unread IS NOT NEW.unread)
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
