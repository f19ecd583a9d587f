-- A user's pair rows (013) are rewritten on a change of their ban too, not only of whether
-- they are counted: a timed ban keeps them counted (readers hide it while in force), so it
-- used to leave the rows alone. The SQLite match cache (store/sqlite/sqlite_match_cache.h)
-- learns of changes to the people in a viewer's pair lists through the writes of those rows,
-- so with this a timed ban imposed, changed or lifted reaches it like a login does, and a
-- kept answer need not watch the row of everyone its merge met (only its page's cards).
-- Same rows as before: only when they are rewritten changes.
DROP TRIGGER match_pairs_user_update;
CREATE TRIGGER match_pairs_user_update
AFTER UPDATE OF last_seen, is_active, is_banned, ban_expires_at ON users
WHEN OLD.last_seen IS NOT NEW.last_seen
     OR OLD.is_active IS NOT NEW.is_active
     OR OLD.is_banned IS NOT NEW.is_banned
     OR OLD.ban_expires_at IS NOT NEW.ban_expires_at
BEGIN
    DELETE FROM match_pairs WHERE user_id = NEW.id;
    INSERT OR IGNORE INTO match_pairs (offer_lower, want_lower, last_seen, user_id)
        SELECT o.skill_lower, w.skill_lower, NEW.last_seen, NEW.id
        FROM user_skills o JOIN user_skills w ON w.user_id = o.user_id AND w.kind = 'wanted'
        WHERE o.user_id = NEW.id AND o.kind = 'offered'
        AND NEW.is_active = 1 AND (NEW.is_banned = 0 OR NEW.ban_expires_at > 0);
END;
