-- When the password last changed (ms): access tokens issued before it stop working at once,
-- not only the refresh tokens that a reset revokes.
ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;
