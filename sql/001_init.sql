-- mod_skillbarter schema, version 1 (SQLite).
-- Ids are 24-hex ObjectIds, times are int64 milliseconds since the epoch,
-- credits and durations are integer minutes. Applied in one transaction by
-- sb_store_migrate; recorded in schema_migrations.

-- Users. The embedded lists of the spec's User model are JSON text columns;
-- user_skills mirrors the skills so discovery can filter and index them.
CREATE TABLE users (
    id              TEXT    PRIMARY KEY NOT NULL CHECK (length(id) = 24),
    username        TEXT    NOT NULL COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 64),
    email           TEXT    NOT NULL CHECK (email = lower(email) AND length(email) > 0),
    password_hash   TEXT    NOT NULL,
    first_name      TEXT    NOT NULL,
    last_name       TEXT    NOT NULL,
    profile_picture TEXT    NOT NULL DEFAULT '',
    bio             TEXT,
    timezone        TEXT    NOT NULL DEFAULT 'UTC',
    country         TEXT,
    role            TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    languages       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(languages)),
    skills_offered  TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(skills_offered)),
    skills_wanted   TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(skills_wanted)),
    availability    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(availability)),
    credits         INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0),
    total_earned    INTEGER NOT NULL DEFAULT 0 CHECK (total_earned >= 0),
    total_spent     INTEGER NOT NULL DEFAULT 0 CHECK (total_spent >= 0),
    minutes_taught  INTEGER NOT NULL DEFAULT 0 CHECK (minutes_taught >= 0),
    minutes_learned INTEGER NOT NULL DEFAULT 0 CHECK (minutes_learned >= 0),
    rating          REAL    NOT NULL DEFAULT 0 CHECK (rating >= 0 AND rating <= 5),
    total_reviews   INTEGER NOT NULL DEFAULT 0 CHECK (total_reviews >= 0),
    report_count    INTEGER NOT NULL DEFAULT 0 CHECK (report_count >= 0),
    is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_verified     INTEGER NOT NULL DEFAULT 0 CHECK (is_verified IN (0, 1)),
    is_banned       INTEGER NOT NULL DEFAULT 0 CHECK (is_banned IN (0, 1)),
    ban_reason      TEXT,
    ban_expires_at  INTEGER NOT NULL DEFAULT 0,
    last_seen       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- username is unique case-insensitively (the column's collation is NOCASE).
CREATE UNIQUE INDEX users_username ON users (username);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_last_seen ON users (last_seen DESC, id DESC);
CREATE INDEX users_rating ON users (rating DESC);
CREATE INDEX users_active ON users (is_active, last_seen DESC);

CREATE TABLE user_skills (
    user_id     TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('offered', 'wanted')),
    position    INTEGER NOT NULL,
    skill       TEXT    NOT NULL,
    skill_lower TEXT    NOT NULL,
    category    TEXT    CHECK (category IS NULL OR category IN ('Technology', 'Design',
                               'Business', 'Language', 'Music', 'Sports', 'Cooking', 'Other')),
    level       TEXT    CHECK (level IS NULL OR level IN ('Beginner', 'Intermediate', 'Expert')),
    PRIMARY KEY (user_id, kind, position)
) WITHOUT ROWID;
CREATE INDEX user_skills_skill ON user_skills (kind, skill_lower);
CREATE INDEX user_skills_category ON user_skills (kind, category);

-- Messages; the spec's sessionData sub-document is flattened into session_* columns.
CREATE TABLE messages (
    id                    TEXT    PRIMARY KEY NOT NULL CHECK (length(id) = 24),
    sender_id             TEXT    NOT NULL REFERENCES users (id),
    receiver_id           TEXT    NOT NULL REFERENCES users (id),
    content               TEXT    NOT NULL CHECK (length(content) <= 1000),
    message_type          TEXT    NOT NULL DEFAULT 'text' CHECK (message_type IN ('text',
                                  'session_request', 'session_accept', 'session_decline',
                                  'system')),
    session_id            TEXT    REFERENCES sessions (id),
    session_skill         TEXT,
    session_duration      INTEGER CHECK (session_duration IS NULL OR session_duration > 0),
    session_proposed_time INTEGER,
    session_description   TEXT,
    session_status        TEXT    CHECK (session_status IS NULL OR session_status IN
                                  ('pending', 'accepted', 'declined', 'expired')),
    is_read               INTEGER NOT NULL DEFAULT 0 CHECK (is_read IN (0, 1)),
    read_at               INTEGER,
    reply_to              TEXT    REFERENCES messages (id),
    is_deleted            INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
    deleted_at            INTEGER,
    deleted_by            TEXT    REFERENCES users (id),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX messages_pair ON messages (sender_id, receiver_id, created_at DESC, id DESC);
CREATE INDEX messages_receiver_unread ON messages (receiver_id, is_read);
CREATE INDEX messages_created ON messages (created_at DESC);
CREATE INDEX messages_session_status ON messages (session_status);

-- Sessions: the spec's statuses plus the request states pending/declined/expired.
-- escrow_minutes is what the learner's balance holds for this session right now.
CREATE TABLE sessions (
    id                    TEXT    PRIMARY KEY NOT NULL CHECK (length(id) = 24),
    teacher_id            TEXT    NOT NULL REFERENCES users (id),
    student_id            TEXT    NOT NULL REFERENCES users (id),
    skill                 TEXT    NOT NULL,
    category              TEXT,
    description           TEXT,
    scheduled_time        INTEGER NOT NULL,
    duration              INTEGER NOT NULL CHECK (duration > 0),
    actual_duration       INTEGER NOT NULL DEFAULT 0 CHECK (actual_duration >= 0),
    status                TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending',
                                  'scheduled', 'in_progress', 'completed', 'cancelled',
                                  'no_show', 'abandoned', 'declined', 'expired')),
    escrow_minutes        INTEGER NOT NULL DEFAULT 0 CHECK (escrow_minutes >= 0),
    room_id               TEXT    UNIQUE,
    room_password         TEXT,
    meeting_url           TEXT,
    started_at            INTEGER,
    ended_at              INTEGER,
    expires_at            INTEGER,
    credits_exchanged     INTEGER NOT NULL DEFAULT 0 CHECK (credits_exchanged >= 0),
    credit_transaction_id TEXT,
    teacher_notes         TEXT,
    student_notes         TEXT,
    session_summary       TEXT,
    cancelled_by          TEXT    REFERENCES users (id),
    cancel_reason         TEXT,
    reported_by           TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(reported_by)),
    report_reason         TEXT,
    is_disputed           INTEGER NOT NULL DEFAULT 0 CHECK (is_disputed IN (0, 1)),
    reminders_sent        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(reminders_sent)),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    CHECK (teacher_id <> student_id)
);
CREATE INDEX sessions_teacher_status ON sessions (teacher_id, status);
CREATE INDEX sessions_student_status ON sessions (student_id, status);
CREATE INDEX sessions_scheduled ON sessions (scheduled_time);
CREATE INDEX sessions_status_scheduled ON sessions (status, scheduled_time);
CREATE INDEX sessions_pair_scheduled ON sessions (teacher_id, student_id, scheduled_time);

-- One review per session per reviewer.
CREATE TABLE reviews (
    id              TEXT    PRIMARY KEY NOT NULL CHECK (length(id) = 24),
    session_id      TEXT    NOT NULL REFERENCES sessions (id),
    reviewer_id     TEXT    NOT NULL REFERENCES users (id),
    reviewee_id     TEXT    NOT NULL REFERENCES users (id),
    rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    feedback        TEXT    CHECK (feedback IS NULL OR length(feedback) <= 500),
    would_recommend INTEGER CHECK (would_recommend IS NULL OR would_recommend IN (0, 1)),
    created_at      INTEGER NOT NULL,
    UNIQUE (session_id, reviewer_id)
);
CREATE INDEX reviews_reviewee ON reviews (reviewee_id, created_at DESC);

-- The credit ledger. seq orders rows by insertion (the order balance_after was computed in).
CREATE TABLE credit_transactions (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE CHECK (length(id) = 24),
    user_id          TEXT    NOT NULL REFERENCES users (id),
    type             TEXT    NOT NULL CHECK (type IN ('earned', 'spent', 'bonus', 'refund',
                                                      'penalty')),
    amount           INTEGER NOT NULL,
    balance_after    INTEGER NOT NULL CHECK (balance_after >= 0),
    related_session  TEXT    REFERENCES sessions (id),
    related_user     TEXT    REFERENCES users (id),
    description      TEXT    NOT NULL,
    category         TEXT    NOT NULL CHECK (category IN ('teaching', 'learning', 'bonus',
                                                          'refund', 'admin')),
    status           TEXT    NOT NULL DEFAULT 'completed' CHECK (status IN ('completed',
                                                          'pending', 'failed', 'reversed')),
    session_duration INTEGER,
    admin_note       TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX credit_tx_user ON credit_transactions (user_id, created_at DESC, seq DESC);
CREATE INDEX credit_tx_type_status ON credit_transactions (type, status);
CREATE INDEX credit_tx_session ON credit_transactions (related_session);

-- Refresh tokens, stored as hashes; a family is one login's chain of rotations.
CREATE TABLE refresh_tokens (
    token_hash  TEXT    PRIMARY KEY NOT NULL,
    user_id     TEXT    NOT NULL REFERENCES users (id),
    family_id   TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER,
    replaced_by TEXT,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- One-time tokens (email verification, password reset), stored as hashes.
CREATE TABLE onetime_tokens (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    purpose    TEXT    NOT NULL CHECK (purpose IN ('verify-email', 'reset-password')),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX onetime_tokens_user ON onetime_tokens (user_id, purpose);

-- Durable realtime events, tailed by the daemon in seq order.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    type       TEXT    NOT NULL,
    data       TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_user ON outbox (user_id, seq);
