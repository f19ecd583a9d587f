-- Discovery at scale (SQLite): the aggregates behind /discover/categories and
-- /discover/trending, kept by triggers in the same transaction as every write that changes
-- them (module, sbctl, other processes, raw SQL alike), and a log of the users whose search
-- text or visibility changed, so a cached search ranking is patched instead of recomputed.
-- Depends on 001-003 only.
--
-- "Counted" users: is_active = 1 AND (is_banned = 0 OR ban_expires_at > 0), i.e. visible
-- now or once a ban with an expiry runs out. The readers (sqlite_aggregates.c) subtract the
-- users whose timed ban is still in force at the time asked, read through users_timed_ban,
-- so the answers equal core/sb_user_rules.h's "visible to others" at that instant.

CREATE INDEX users_timed_ban ON users (ban_expires_at) WHERE is_banned = 1 AND ban_expires_at > 0;

-- Counted users offering at least one skill in the category.
CREATE TABLE discover_category_users (
    category TEXT    PRIMARY KEY NOT NULL,
    n        INTEGER NOT NULL
) WITHOUT ROWID;
-- Counted users offering the skill (names compared lower-cased).
CREATE TABLE discover_skill_users (
    skill_lower TEXT    PRIMARY KEY NOT NULL,
    n           INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX discover_skill_users_n ON discover_skill_users (n DESC, skill_lower);
-- Offered skill rows of counted users per spelling and category ('' = none): the trending
-- answer shows min(skill) and max(category) of a name's rows, as a from-scratch query does.
CREATE TABLE discover_skill_names (
    skill_lower TEXT    NOT NULL,
    skill       TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (skill_lower, skill, category)
) WITHOUT ROWID;
-- Sessions per creation hour (created_at / 3600000), skill spelling and category ('' = none).
CREATE TABLE discover_session_hours (
    hour     INTEGER NOT NULL,
    skill    TEXT    NOT NULL,
    category TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (hour, skill, category)
) WITHOUT ROWID;

-- ---- offered skill rows ----
CREATE TRIGGER discover_agg_skill_insert AFTER INSERT ON user_skills
WHEN NEW.kind = 'offered' AND (SELECT is_active = 1 AND (is_banned = 0 OR ban_expires_at > 0)
                               FROM users WHERE id = NEW.user_id)
BEGIN
    INSERT INTO discover_skill_names (skill_lower, skill, category, n)
        VALUES (NEW.skill_lower, NEW.skill, coalesce(NEW.category, ''), 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO discover_skill_users (skill_lower, n)
        SELECT NEW.skill_lower, 1 WHERE (SELECT count(*) FROM user_skills
            WHERE user_id = NEW.user_id AND kind = 'offered' AND skill_lower = NEW.skill_lower) = 1
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO discover_category_users (category, n)
        SELECT NEW.category, 1 WHERE NEW.category IS NOT NULL AND (SELECT count(*)
            FROM user_skills WHERE user_id = NEW.user_id AND kind = 'offered'
            AND category = NEW.category) = 1
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER discover_agg_skill_delete AFTER DELETE ON user_skills
WHEN OLD.kind = 'offered' AND (SELECT is_active = 1 AND (is_banned = 0 OR ban_expires_at > 0)
                               FROM users WHERE id = OLD.user_id)
BEGIN
    UPDATE discover_skill_names SET n = n - 1
        WHERE skill_lower = OLD.skill_lower AND skill = OLD.skill
        AND category = coalesce(OLD.category, '');
    UPDATE discover_skill_users SET n = n - 1
        WHERE skill_lower = OLD.skill_lower AND NOT EXISTS (SELECT 1 FROM user_skills
            WHERE user_id = OLD.user_id AND kind = 'offered' AND skill_lower = OLD.skill_lower);
    UPDATE discover_category_users SET n = n - 1
        WHERE category = OLD.category AND NOT EXISTS (SELECT 1 FROM user_skills
            WHERE user_id = OLD.user_id AND kind = 'offered' AND category = OLD.category);
END;

-- An UPDATE is the delete of OLD and the insert of NEW (the module never updates these rows
-- in place; other writers may).
CREATE TRIGGER discover_agg_skill_update AFTER UPDATE ON user_skills BEGIN
    UPDATE discover_skill_names SET n = n - 1
        WHERE OLD.kind = 'offered' AND (SELECT is_active = 1 AND (is_banned = 0
            OR ban_expires_at > 0) FROM users WHERE id = OLD.user_id)
        AND skill_lower = OLD.skill_lower AND skill = OLD.skill
        AND category = coalesce(OLD.category, '');
    UPDATE discover_skill_users SET n = n - 1
        WHERE OLD.kind = 'offered' AND (SELECT is_active = 1 AND (is_banned = 0
            OR ban_expires_at > 0) FROM users WHERE id = OLD.user_id)
        AND skill_lower = OLD.skill_lower AND NOT EXISTS (SELECT 1 FROM user_skills
            WHERE user_id = OLD.user_id AND kind = 'offered' AND skill_lower = OLD.skill_lower);
    UPDATE discover_category_users SET n = n - 1
        WHERE OLD.kind = 'offered' AND (SELECT is_active = 1 AND (is_banned = 0
            OR ban_expires_at > 0) FROM users WHERE id = OLD.user_id)
        AND category = OLD.category AND NOT EXISTS (SELECT 1 FROM user_skills
            WHERE user_id = OLD.user_id AND kind = 'offered' AND category = OLD.category);
    INSERT INTO discover_skill_names (skill_lower, skill, category, n)
        SELECT NEW.skill_lower, NEW.skill, coalesce(NEW.category, ''), 1
        WHERE NEW.kind = 'offered' AND (SELECT is_active = 1 AND (is_banned = 0
            OR ban_expires_at > 0) FROM users WHERE id = NEW.user_id)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO discover_skill_users (skill_lower, n)
        SELECT NEW.skill_lower, 1
        WHERE NEW.kind = 'offered' AND (SELECT is_active = 1 AND (is_banned = 0
            OR ban_expires_at > 0) FROM users WHERE id = NEW.user_id)
        AND (SELECT count(*) FROM user_skills WHERE user_id = NEW.user_id AND kind = 'offered'
             AND skill_lower = NEW.skill_lower) = 1
        AND NOT (OLD.kind = 'offered' AND OLD.user_id = NEW.user_id
                 AND OLD.skill_lower = NEW.skill_lower)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO discover_category_users (category, n)
        SELECT NEW.category, 1
        WHERE NEW.kind = 'offered' AND NEW.category IS NOT NULL AND (SELECT is_active = 1
            AND (is_banned = 0 OR ban_expires_at > 0) FROM users WHERE id = NEW.user_id)
        AND (SELECT count(*) FROM user_skills WHERE user_id = NEW.user_id AND kind = 'offered'
             AND category = NEW.category) = 1
        AND NOT (OLD.kind = 'offered' AND OLD.user_id = NEW.user_id
                 AND OLD.category IS NEW.category)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- ---- a user starts or stops being counted: add or remove all of their offered rows ----
CREATE TRIGGER discover_agg_user_counted AFTER UPDATE OF is_active, is_banned, ban_expires_at
ON users
WHEN (OLD.is_active = 1 AND (OLD.is_banned = 0 OR OLD.ban_expires_at > 0))
     <> (NEW.is_active = 1 AND (NEW.is_banned = 0 OR NEW.ban_expires_at > 0))
BEGIN
    INSERT INTO discover_skill_names (skill_lower, skill, category, n)
        SELECT skill_lower, skill, coalesce(category, ''),
               count(*) * (CASE WHEN NEW.is_active = 1 AND (NEW.is_banned = 0
                                     OR NEW.ban_expires_at > 0) THEN 1 ELSE -1 END)
        FROM user_skills WHERE user_id = NEW.id AND kind = 'offered' GROUP BY 1, 2, 3
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO discover_skill_users (skill_lower, n)
        SELECT DISTINCT skill_lower, CASE WHEN NEW.is_active = 1 AND (NEW.is_banned = 0
                                     OR NEW.ban_expires_at > 0) THEN 1 ELSE -1 END
        FROM user_skills WHERE user_id = NEW.id AND kind = 'offered'
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO discover_category_users (category, n)
        SELECT DISTINCT category, CASE WHEN NEW.is_active = 1 AND (NEW.is_banned = 0
                                  OR NEW.ban_expires_at > 0) THEN 1 ELSE -1 END
        FROM user_skills WHERE user_id = NEW.id AND kind = 'offered' AND category IS NOT NULL
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- Before the row goes (its skill rows follow by ON DELETE CASCADE, when the user_skills
-- triggers no longer find the user and change nothing).
CREATE TRIGGER discover_agg_user_delete BEFORE DELETE ON users
WHEN OLD.is_active = 1 AND (OLD.is_banned = 0 OR OLD.ban_expires_at > 0)
BEGIN
    UPDATE discover_skill_names SET n = n - (SELECT count(*) FROM user_skills s
        WHERE s.user_id = OLD.id AND s.kind = 'offered'
        AND s.skill_lower = discover_skill_names.skill_lower
        AND s.skill = discover_skill_names.skill
        AND coalesce(s.category, '') = discover_skill_names.category)
        WHERE (skill_lower, skill, category) IN (SELECT skill_lower, skill, coalesce(category, '')
            FROM user_skills WHERE user_id = OLD.id AND kind = 'offered');
    UPDATE discover_skill_users SET n = n - 1 WHERE skill_lower IN (SELECT skill_lower
        FROM user_skills WHERE user_id = OLD.id AND kind = 'offered');
    UPDATE discover_category_users SET n = n - 1 WHERE category IN (SELECT category
        FROM user_skills WHERE user_id = OLD.id AND kind = 'offered');
END;

-- ---- sessions by creation hour ----
CREATE TRIGGER discover_agg_session_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO discover_session_hours (hour, skill, category, n)
        VALUES (NEW.created_at / 3600000, NEW.skill, coalesce(NEW.category, ''), 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER discover_agg_session_delete AFTER DELETE ON sessions BEGIN
    UPDATE discover_session_hours SET n = n - 1 WHERE hour = OLD.created_at / 3600000
        AND skill = OLD.skill AND category = coalesce(OLD.category, '');
END;
CREATE TRIGGER discover_agg_session_update AFTER UPDATE OF created_at, skill, category
ON sessions BEGIN
    UPDATE discover_session_hours SET n = n - 1 WHERE hour = OLD.created_at / 3600000
        AND skill = OLD.skill AND category = coalesce(OLD.category, '');
    INSERT INTO discover_session_hours (hour, skill, category, n)
        VALUES (NEW.created_at / 3600000, NEW.skill, coalesce(NEW.category, ''), 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- ---- what search sees changed, per user (pruned to the newest 4096 rows) ----
CREATE TABLE search_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT    NOT NULL
);
CREATE TRIGGER search_changes_insert AFTER INSERT ON users BEGIN
    INSERT INTO search_changes (user_id) VALUES (NEW.id);
    DELETE FROM search_changes WHERE seq <= (SELECT max(seq) FROM search_changes) - 4096;
END;
CREATE TRIGGER search_changes_update AFTER UPDATE OF first_name, last_name, username, bio,
        skills_offered, is_active, is_banned, ban_expires_at ON users BEGIN
    INSERT INTO search_changes (user_id) VALUES (NEW.id);
    DELETE FROM search_changes WHERE seq <= (SELECT max(seq) FROM search_changes) - 4096;
END;
CREATE TRIGGER search_changes_delete AFTER DELETE ON users BEGIN
    INSERT INTO search_changes (user_id) VALUES (OLD.id);
    DELETE FROM search_changes WHERE seq <= (SELECT max(seq) FROM search_changes) - 4096;
END;
INSERT INTO search_changes (user_id) VALUES ('');

-- ---- the aggregates of the existing rows ----
INSERT INTO discover_skill_names (skill_lower, skill, category, n)
    SELECT s.skill_lower, s.skill, coalesce(s.category, ''), count(*) FROM user_skills s
    JOIN users u ON u.id = s.user_id
    WHERE s.kind = 'offered' AND u.is_active = 1 AND (u.is_banned = 0 OR u.ban_expires_at > 0)
    GROUP BY 1, 2, 3;
INSERT INTO discover_skill_users (skill_lower, n)
    SELECT s.skill_lower, count(DISTINCT s.user_id) FROM user_skills s
    JOIN users u ON u.id = s.user_id
    WHERE s.kind = 'offered' AND u.is_active = 1 AND (u.is_banned = 0 OR u.ban_expires_at > 0)
    GROUP BY 1;
INSERT INTO discover_category_users (category, n)
    SELECT s.category, count(DISTINCT s.user_id) FROM user_skills s
    JOIN users u ON u.id = s.user_id
    WHERE s.kind = 'offered' AND s.category IS NOT NULL AND u.is_active = 1
    AND (u.is_banned = 0 OR u.ban_expires_at > 0)
    GROUP BY 1;
INSERT INTO discover_session_hours (hour, skill, category, n)
    SELECT created_at / 3600000, skill, coalesce(category, ''), count(*) FROM sessions
    GROUP BY 1, 2, 3;
