-- Sessions and account mail (issue 13).
--
-- An access token names its session (sid = the refresh-token family). The guard asks whether
-- the family still has an unrevoked token; this partial index answers that with one seek,
-- covering (family_id, user_id), and stays small because revoked rows leave it.
CREATE INDEX refresh_tokens_family_live ON refresh_tokens (family_id, user_id)
    WHERE revoked_at IS NULL;

-- A one-time link is derived from the server secret and this nonce, so a live link can be
-- mailed again instead of being superseded by a new one (NULL: a link of the old kind).
ALTER TABLE onetime_tokens ADD COLUMN nonce TEXT;
CREATE INDEX onetime_tokens_live ON onetime_tokens (user_id, purpose, expires_at)
    WHERE used_at IS NULL;

-- Account mail sent (verification, password reset): the per-account and per-IP budgets.
-- ip is the asking client's address for mail under the per-IP budget, else NULL.
CREATE TABLE mail_log (
    user_id TEXT    NOT NULL,
    ip      TEXT,
    sent_at INTEGER NOT NULL
);
CREATE INDEX mail_log_user ON mail_log (user_id, sent_at);
CREATE INDEX mail_log_ip ON mail_log (ip, sent_at);
