-- Discovery (SQLite): full-text search over names, offered skill names and bio, and indexes
-- for the discover filters and sorts.
--
-- users has no INTEGER PRIMARY KEY, so its rowids may change on VACUUM; the FTS rows are
-- keyed through users_fts_key, whose INTEGER PRIMARY KEY is stable.
CREATE TABLE users_fts_key (
    k       INTEGER PRIMARY KEY,
    user_id TEXT    NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
CREATE VIRTUAL TABLE users_fts USING fts5 (
    name, skills, bio,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Kept in sync by triggers, so every writer (module, tools, other processes) is covered.
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts_key (user_id) VALUES (NEW.id);
    INSERT INTO users_fts (rowid, name, skills, bio) VALUES (
        (SELECT k FROM users_fts_key WHERE user_id = NEW.id),
        NEW.first_name || ' ' || NEW.last_name || ' ' || NEW.username,
        (SELECT coalesce(group_concat(json_extract(value, '$.skill'), ' '), '')
           FROM json_each(NEW.skills_offered)),
        coalesce(NEW.bio, ''));
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF first_name, last_name, username, bio,
                                                skills_offered ON users BEGIN
    DELETE FROM users_fts WHERE rowid = (SELECT k FROM users_fts_key WHERE user_id = OLD.id);
    INSERT INTO users_fts (rowid, name, skills, bio) VALUES (
        (SELECT k FROM users_fts_key WHERE user_id = NEW.id),
        NEW.first_name || ' ' || NEW.last_name || ' ' || NEW.username,
        (SELECT coalesce(group_concat(json_extract(value, '$.skill'), ' '), '')
           FROM json_each(NEW.skills_offered)),
        coalesce(NEW.bio, ''));
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = (SELECT k FROM users_fts_key WHERE user_id = OLD.id);
    DELETE FROM users_fts_key WHERE user_id = OLD.id;
END;

-- Existing users.
INSERT INTO users_fts_key (user_id) SELECT id FROM users ORDER BY created_at;
INSERT INTO users_fts (rowid, name, skills, bio)
    SELECT m.k, u.first_name || ' ' || u.last_name || ' ' || u.username,
           (SELECT coalesce(group_concat(json_extract(value, '$.skill'), ' '), '')
              FROM json_each(u.skills_offered)),
           coalesce(u.bio, '')
      FROM users u JOIN users_fts_key m ON m.user_id = u.id;

-- (Category counts and matches use user_skills_category / user_skills_skill from 001: in a
-- WITHOUT ROWID table they already end with user_id.)
-- Trending: sessions requested in a window, by creation time.
CREATE INDEX sessions_created ON sessions (created_at);
