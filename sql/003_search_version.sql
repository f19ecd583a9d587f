-- A store-wide counter of changes that can alter search results (membership, ranking text,
-- visibility). Each process caches ranked search results tagged with it, so a cached ranking
-- is used only while nothing it depends on has changed — in any process.
CREATE TABLE search_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    v  INTEGER NOT NULL
);
INSERT INTO search_version (id, v) VALUES (1, 0);

CREATE TRIGGER search_version_insert AFTER INSERT ON users BEGIN
    UPDATE search_version SET v = v + 1 WHERE id = 1;
END;
CREATE TRIGGER search_version_update AFTER UPDATE OF first_name, last_name, username, bio,
        skills_offered, is_active, is_banned, ban_expires_at ON users BEGIN
    UPDATE search_version SET v = v + 1 WHERE id = 1;
END;
CREATE TRIGGER search_version_delete AFTER DELETE ON users BEGIN
    UPDATE search_version SET v = v + 1 WHERE id = 1;
END;
