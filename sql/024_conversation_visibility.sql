-- A partner's summaries (010's partner_hidden) are rewritten on any change of what their
-- visibility rests on - active, banned, the ban's end - not only when the stored flag flips:
-- a timed ban ended early, changed, or a banned account reactivated changes whether the
-- partner is shown while the flag stays 1. The SQLite conversation lists
-- (store/sqlite/sqlite_conv_list.c) learn of changes through the writes of a user's
-- summaries, so with this every visibility change made by a write reaches them; the end of
-- a timed ban, which no write marks, they keep track of themselves. The flag's value is as
-- before; only when it is rewritten changes.
DROP TRIGGER users_hidden_conversations;
CREATE TRIGGER users_hidden_conversations AFTER UPDATE OF is_active, is_banned, ban_expires_at
ON users
WHEN OLD.is_active IS NOT NEW.is_active
     OR OLD.is_banned IS NOT NEW.is_banned
     OR OLD.ban_expires_at IS NOT NEW.ban_expires_at
BEGIN
    UPDATE conversations SET partner_hidden = (NEW.is_active = 0 OR NEW.is_banned = 1)
        WHERE partner_id = NEW.id;
END;
