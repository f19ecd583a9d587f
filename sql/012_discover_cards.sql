-- Discovery cards kept ready (issue 14): the per-request cost of a discover page no longer
-- depends on rebuilding every card's JSON, nor on scanning every recent user to find those
-- offering a category.
--
-- users.card_head: the wire text of a user's discovery card from "{" up to and including
-- skillsWanted — the fields that change only with a profile, list or avatar write. The rest
-- (rating, totalReviews, isVerified, lastSeen) is appended per request from the row's own
-- columns, so a rating or a login never rewrites it. Triggers keep it, so every writer is
-- covered in the same transaction as its write. The text is the one json-c writes for these
-- fields (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE: json_quote escapes
-- exactly the same characters); test_store_cards.c compares it with a fresh build.
ALTER TABLE users ADD COLUMN card_head TEXT;

-- The text, in one place: the triggers and the backfill read it from this view.
CREATE VIEW users_card_text AS SELECT id,
    '{"_id":' || json_quote(id) || ',"id":' || json_quote(id)
    || ',"username":' || json_quote(username) || ',"firstName":' || json_quote(first_name)
    || ',"lastName":' || json_quote(last_name)
    || ',"fullName":' || json_quote(first_name || ' ' || last_name)
    || ',"profilePicture":' || json_quote(coalesce(profile_picture, ''))
    || ',"bio":' || json_quote(bio) || ',"timezone":' || json_quote(coalesce(timezone, 'UTC'))
    || ',"country":' || json_quote(country)
    || ',"languages":' || (CASE WHEN languages LIKE '[%]' THEN languages ELSE '[]' END)
    || ',"skillsOffered":'
    || (CASE WHEN skills_offered LIKE '[%]' THEN skills_offered ELSE '[]' END)
    || ',"skillsWanted":'
    || (CASE WHEN skills_wanted LIKE '[%]' THEN skills_wanted ELSE '[]' END) AS head
    FROM users;
CREATE TRIGGER users_card_insert AFTER INSERT ON users BEGIN
    UPDATE users SET card_head = (SELECT head FROM users_card_text WHERE id = NEW.id)
        WHERE id = NEW.id;
END;
CREATE TRIGGER users_card_update AFTER UPDATE OF username, first_name, last_name,
        profile_picture, bio, timezone, country, languages, skills_offered, skills_wanted
ON users BEGIN
    UPDATE users SET card_head = (SELECT head FROM users_card_text WHERE id = NEW.id)
        WHERE id = NEW.id;
END;
-- Existing users.
UPDATE users SET card_head = (SELECT head FROM users_card_text v WHERE v.id = users.id);

-- discover_category_seen: one row per (user, category they offer a skill in), with the
-- user's last_seen, so GET /api/discover?category= reads the page straight from an index in
-- the list's order instead of testing every recent user. Kept by triggers on user_skills
-- (membership) and on users.last_seen.
CREATE TABLE discover_category_seen (
    user_id   TEXT    NOT NULL,
    category  TEXT    NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (user_id, category)
) WITHOUT ROWID;
CREATE INDEX discover_category_seen_order
    ON discover_category_seen (category, last_seen DESC, user_id DESC);

CREATE TRIGGER discover_category_seen_skill_insert AFTER INSERT ON user_skills
WHEN NEW.kind = 'offered' AND NEW.category IS NOT NULL BEGIN
    INSERT OR IGNORE INTO discover_category_seen (user_id, category, last_seen)
        SELECT NEW.user_id, NEW.category, last_seen FROM users WHERE id = NEW.user_id;
END;
CREATE TRIGGER discover_category_seen_skill_delete AFTER DELETE ON user_skills
WHEN OLD.kind = 'offered' AND OLD.category IS NOT NULL BEGIN
    DELETE FROM discover_category_seen WHERE user_id = OLD.user_id AND category = OLD.category
        AND NOT EXISTS (SELECT 1 FROM user_skills WHERE user_id = OLD.user_id
                        AND kind = 'offered' AND category = OLD.category);
END;
CREATE TRIGGER discover_category_seen_skill_update AFTER UPDATE OF user_id, kind, category
ON user_skills BEGIN
    DELETE FROM discover_category_seen WHERE OLD.kind = 'offered' AND OLD.category IS NOT NULL
        AND user_id = OLD.user_id AND category = OLD.category
        AND NOT EXISTS (SELECT 1 FROM user_skills WHERE user_id = OLD.user_id
                        AND kind = 'offered' AND category = OLD.category);
    INSERT OR IGNORE INTO discover_category_seen (user_id, category, last_seen)
        SELECT NEW.user_id, NEW.category, last_seen FROM users
        WHERE id = NEW.user_id AND NEW.kind = 'offered' AND NEW.category IS NOT NULL;
END;
CREATE TRIGGER discover_category_seen_user_seen AFTER UPDATE OF last_seen ON users
WHEN OLD.last_seen IS NOT NEW.last_seen BEGIN
    UPDATE discover_category_seen SET last_seen = NEW.last_seen WHERE user_id = NEW.id;
END;
CREATE TRIGGER discover_category_seen_user_delete AFTER DELETE ON users BEGIN
    DELETE FROM discover_category_seen WHERE user_id = OLD.id;
END;

INSERT OR IGNORE INTO discover_category_seen (user_id, category, last_seen)
    SELECT s.user_id, s.category, u.last_seen FROM user_skills s JOIN users u ON u.id = s.user_id
    WHERE s.kind = 'offered' AND s.category IS NOT NULL;
