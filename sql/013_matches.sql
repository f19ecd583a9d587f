-- Matches at scale (SQLite): for every "counted" user (is_active = 1 AND (is_banned = 0 OR
-- ban_expires_at > 0), as in 007) one row per (skill they offer, skill they want) pair of
-- lower-cased names, with their last_seen. A viewer's matches are then the union of the
-- pair lists (a skill they want, a skill they offer), each read newest-first straight off
-- the primary key; sqlite_matches.c merges a bounded number of candidates from them
-- instead of joining every user who shares one of the viewer's skills. Triggers keep the
-- rows in the same transaction as every write that changes them (module, sbctl, other
-- processes, raw SQL alike); readers leave out the few users whose timed ban is still in
-- force. Depends on 001 and 007 (users_timed_ban).

CREATE TABLE match_pairs (
    offer_lower TEXT    NOT NULL,
    want_lower  TEXT    NOT NULL,
    last_seen   INTEGER NOT NULL,
    user_id     TEXT    NOT NULL,
    PRIMARY KEY (offer_lower, want_lower, last_seen, user_id)
) WITHOUT ROWID;
CREATE INDEX match_pairs_user ON match_pairs (user_id);

-- ---- skill rows: the pairs a new name adds, the pairs a name's last row takes along ----
CREATE TRIGGER match_pairs_skill_insert AFTER INSERT ON user_skills
WHEN (SELECT is_active = 1 AND (is_banned = 0 OR ban_expires_at > 0)
      FROM users WHERE id = NEW.user_id)
BEGIN
    INSERT OR IGNORE INTO match_pairs (offer_lower, want_lower, last_seen, user_id)
        SELECT NEW.skill_lower, w.skill_lower, u.last_seen, u.id
        FROM users u JOIN user_skills w ON w.user_id = u.id AND w.kind = 'wanted'
        WHERE u.id = NEW.user_id AND NEW.kind = 'offered';
    INSERT OR IGNORE INTO match_pairs (offer_lower, want_lower, last_seen, user_id)
        SELECT o.skill_lower, NEW.skill_lower, u.last_seen, u.id
        FROM users u JOIN user_skills o ON o.user_id = u.id AND o.kind = 'offered'
        WHERE u.id = NEW.user_id AND NEW.kind = 'wanted';
END;

CREATE TRIGGER match_pairs_skill_delete AFTER DELETE ON user_skills
WHEN NOT EXISTS (SELECT 1 FROM user_skills WHERE user_id = OLD.user_id AND kind = OLD.kind
                 AND skill_lower = OLD.skill_lower)
BEGIN
    DELETE FROM match_pairs WHERE user_id = OLD.user_id
        AND ((OLD.kind = 'offered' AND offer_lower = OLD.skill_lower)
             OR (OLD.kind = 'wanted' AND want_lower = OLD.skill_lower));
END;

-- An UPDATE in place (the module rewrites rows, other writers may update): the old row's
-- pairs go when no row of its name and kind is left, the new row's pairs are added.
CREATE TRIGGER match_pairs_skill_update AFTER UPDATE OF user_id, kind, skill_lower ON user_skills
BEGIN
    DELETE FROM match_pairs WHERE user_id = OLD.user_id
        AND NOT EXISTS (SELECT 1 FROM user_skills WHERE user_id = OLD.user_id
                        AND kind = OLD.kind AND skill_lower = OLD.skill_lower)
        AND ((OLD.kind = 'offered' AND offer_lower = OLD.skill_lower)
             OR (OLD.kind = 'wanted' AND want_lower = OLD.skill_lower));
    INSERT OR IGNORE INTO match_pairs (offer_lower, want_lower, last_seen, user_id)
        SELECT o.skill_lower, w.skill_lower, u.last_seen, u.id
        FROM users u JOIN user_skills o ON o.user_id = u.id AND o.kind = 'offered'
        JOIN user_skills w ON w.user_id = u.id AND w.kind = 'wanted'
        WHERE u.id = NEW.user_id AND u.is_active = 1 AND (u.is_banned = 0 OR u.ban_expires_at > 0)
        AND ((NEW.kind = 'offered' AND o.skill_lower = NEW.skill_lower)
             OR (NEW.kind = 'wanted' AND w.skill_lower = NEW.skill_lower));
END;

-- ---- users: a new last_seen or a change of "counted" rewrites the user's pairs ----
CREATE TRIGGER match_pairs_user_update
AFTER UPDATE OF last_seen, is_active, is_banned, ban_expires_at ON users
WHEN OLD.last_seen IS NOT NEW.last_seen
     OR (OLD.is_active = 1 AND (OLD.is_banned = 0 OR OLD.ban_expires_at > 0))
        IS NOT (NEW.is_active = 1 AND (NEW.is_banned = 0 OR NEW.ban_expires_at > 0))
BEGIN
    DELETE FROM match_pairs WHERE user_id = NEW.id;
    INSERT OR IGNORE INTO match_pairs (offer_lower, want_lower, last_seen, user_id)
        SELECT o.skill_lower, w.skill_lower, NEW.last_seen, NEW.id
        FROM user_skills o JOIN user_skills w ON w.user_id = o.user_id AND w.kind = 'wanted'
        WHERE o.user_id = NEW.id AND o.kind = 'offered'
        AND NEW.is_active = 1 AND (NEW.is_banned = 0 OR NEW.ban_expires_at > 0);
END;

CREATE TRIGGER match_pairs_user_delete AFTER DELETE ON users BEGIN
    DELETE FROM match_pairs WHERE user_id = OLD.id;
END;

INSERT OR IGNORE INTO match_pairs (offer_lower, want_lower, last_seen, user_id)
    SELECT o.skill_lower, w.skill_lower, u.last_seen, u.id
    FROM users u JOIN user_skills o ON o.user_id = u.id AND o.kind = 'offered'
    JOIN user_skills w ON w.user_id = u.id AND w.kind = 'wanted'
    WHERE u.is_active = 1 AND (u.is_banned = 0 OR u.ban_expires_at > 0);
