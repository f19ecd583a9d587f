/*
 * Internal to the SQLite driver: connection state, statement cache, transaction
 * and binding helpers shared by the sqlite_*.c files.
 */
#ifndef SB_SQLITE_INT_H
#define SB_SQLITE_INT_H

#include <sqlite3.h>
#include <stdint.h>
#include <sys/types.h>
#include <apr_reslist.h>

#include "driver.h"

#define SB_SQLITE_STMT_CACHE 96

typedef struct {
    const char *sql; /* key: the static SQL text (pointer identity) */
    sqlite3_stmt *stmt;
} sb_sqlite_slot_t;

/* sqlite_turn.c: the write turn shared by the processes of one database file. */
typedef struct sb_sqlite_turn sb_sqlite_turn_t;
/* The turn of db_path (mapped once per process); NULL when it cannot be had (then the
 * process's own turn stands in). */
sb_sqlite_turn_t *sb_sqlite_turn_for(const char *db_path);
/* Take the turn within timeout_ms: 0, or an errno (ETIMEDOUT). A dead holder's turn is taken
 * over. */
int sb_sqlite_turn_take(sb_sqlite_turn_t *t, int timeout_ms);
void sb_sqlite_turn_give(sb_sqlite_turn_t *t);

/* sqlite_turn.c: the checkpointer's lock over every process of the file: 0 (taken; a dead
 * holder's taken over) or EBUSY; released with how many WAL frames the checkpoint had copied
 * back, which sb_sqlite_ckpt_done reads (0 before any). A NULL t: the process's own. */
int sb_sqlite_ckpt_try(sb_sqlite_turn_t *t);
void sb_sqlite_ckpt_release(sb_sqlite_turn_t *t, uint32_t done);
uint32_t sb_sqlite_ckpt_done(const sb_sqlite_turn_t *t);

/* A checkpoint is due once the WAL has this many frames more than the latest checkpoint
 * copied back; from SB_SQLITE_RESTART_PAGES frames on it restarts the WAL, with the write turn,
 * waiting at most SB_SQLITE_RESTART_WAIT_MS for readers of older snapshots (sqlite_conn.c). */
#define SB_SQLITE_CHECKPOINT_PAGES 1000
#define SB_SQLITE_RESTART_PAGES    (4 * SB_SQLITE_CHECKPOINT_PAGES)
#define SB_SQLITE_RESTART_WAIT_MS  50
/* A due checkpoint waits for its connection's answer to be out (sb_sqlite_after_answer);
 * one still waiting when the WAL has grown this many frames more runs at the next commit, so
 * a connection kept past its answers (a test's, sbctl's) still checkpoints. */
#define SB_SQLITE_CHECKPOINT_LATE_PAGES (SB_SQLITE_CHECKPOINT_PAGES / 2)

/* sqlite_checkpoint.c: a store's checkpointer in one process: a connection of its own that
 * checkpoints for every connection of the store. */
typedef struct sb_sqlite_ckpt sb_sqlite_ckpt_t;
/* Made with the store, closed with pool. background: checkpoints run on a thread of the
 * checkpointer's own (started in a process by its first checkpoint, stopped with pool),
 * and the thread asking for one returns at once. */
sb_sqlite_ckpt_t *sb_sqlite_ckpt_create(apr_pool_t *pool, const char *path, int busy_timeout_ms,
                                        int background);
/* After a commit, outside the write turn, the WAL at pages frames: checkpoint when one is due
 * and no other thread or process is checkpointing (then a later commit asks again). */
void sb_sqlite_ckpt_poke(sb_sqlite_ckpt_t *c, sb_sqlite_turn_t *t, int pages);
/* What it counted (for tests): pokes that found a checkpoint due, checkpoints it ran (on the
 * background thread: handed to it). */
void sb_sqlite_ckpt_counts(sb_sqlite_ckpt_t *c, int64_t *pokes, int64_t *runs);
/* The thread (gettid) that ran the latest checkpoint, 0 before any (for tests). */
pid_t sb_sqlite_ckpt_ran_on(sb_sqlite_ckpt_t *c);

/* sqlite_turn.c: the generation table in the turn's mapping (the user cache's validity). A
 * counter per bucket, bumped after a commit that changed a key of the bucket, and one epoch;
 * reads are acquire, bumps release. A NULL t reads 0 and ignores bumps. */
#define SB_SQLITE_GEN_SLOTS 65536
/* The bucket of key (len bytes) of a kind ('u' a user's id, 'f' a refresh token family, 'o' an
 * offered skill's lower-cased name in match_pairs, 'b' a blocker's id in user_blocks, 'c' the
 * id of a user whose conversation summaries or messages changed). */
uint32_t sb_sqlite_gen_bucket(char kind, const void *key, size_t len);
/* The bucket bumped by every change of users, user_skills or user_blocks: the validity of
 * the discover and search pages a process keeps (sqlite_page_cache.h). */
#define SB_SQLITE_GEN_DISCOVER sb_sqlite_gen_bucket('d', "", 0)
uint64_t sb_sqlite_gen_epoch(const sb_sqlite_turn_t *t);
uint64_t sb_sqlite_gen_get(const sb_sqlite_turn_t *t, uint32_t bucket);
void sb_sqlite_gen_bump(sb_sqlite_turn_t *t, uint32_t bucket);
void sb_sqlite_gen_new_epoch(sb_sqlite_turn_t *t);

/* sqlite_conn.c's change hook: the column of the key it records per table (the schema's order,
 * checked by test_store_user_cache.c), and how many buckets one transaction may collect before
 * its commit bumps the epoch instead. */
#define SB_SQLITE_USERS_ID_COL 0 /* users.id */
/* The users columns no discover or search page shows, filters or orders by (the balance and
 * its totals, credentials, preferences, the admin's notes): an UPDATE that changes none but
 * these leaves SB_SQLITE_GEN_DISCOVER alone, so a booking's hold, a settlement or a password
 * change keeps every process's discover pages. Listed rather than the columns shown, so a
 * column added later counts as shown until someone says otherwise. Bits of the schema's
 * positions (checked by test_store_user_cache.c). */
#define SB_SQLITE_USERS_COL(n) (UINT64_C(1) << (n))
#define SB_SQLITE_USERS_UNSHOWN_COLS                                                               \
    (SB_SQLITE_USERS_COL(2) /* email */ | SB_SQLITE_USERS_COL(3)            /* password_hash */    \
     | SB_SQLITE_USERS_COL(10) /* role */ | SB_SQLITE_USERS_COL(15)         /* credits */          \
     | SB_SQLITE_USERS_COL(16) /* total_earned */ | SB_SQLITE_USERS_COL(17) /* total_spent */      \
     | SB_SQLITE_USERS_COL(18)                                              /* minutes_taught */   \
     | SB_SQLITE_USERS_COL(19) /* minutes_learned */ | SB_SQLITE_USERS_COL(22) /* report_count */  \
     | SB_SQLITE_USERS_COL(26) /* ban_reason */ | SB_SQLITE_USERS_COL(30)      /* updated_at */    \
     | SB_SQLITE_USERS_COL(31) /* password_changed_at */                                           \
     | SB_SQLITE_USERS_COL(32) /* email_notifications */                                           \
     | SB_SQLITE_USERS_COL(34) /* calendar_token */)
#define SB_SQLITE_TOKENS_FAMILY_COL 2 /* refresh_tokens.family_id */
/* (a group commit's batch of sends collects two conversation buckets per send) */
#define SB_SQLITE_PENDING_MAX 128
/* The conversation lists' keys (sqlite_conv_list.c; checked by test_store_conv_list.c). */
#define SB_SQLITE_CONVERSATIONS_USER_COL 0 /* conversations.user_id */
#define SB_SQLITE_MESSAGES_SENDER_COL    1 /* messages.sender_id */
#define SB_SQLITE_MESSAGES_RECEIVER_COL  2 /* messages.receiver_id */
/* The match cache's keys (sqlite_match_cache.h; checked by test_store_matches.c). */
#define SB_SQLITE_PAIRS_OFFER_COL    0 /* match_pairs.offer_lower */
#define SB_SQLITE_BLOCKS_BLOCKER_COL 0 /* user_blocks.blocker_id */

/* One connection; malloc'd by the pool constructor, freed by its destructor. */
typedef struct {
    sqlite3 *db;
    int broken;             /* an I/O-level failure was seen: invalidate, do not reuse */
    int busy_timeout_ms;    /* how long sb_sqlite_busy keeps retrying a lock */
    int64_t busy_since_us;  /* when the current wait for a lock began (monotonic) */
    int holds_write;        /* this connection holds the write turn (sqlite_conn.c) */
    sb_sqlite_turn_t *turn; /* the database's shared write turn, NULL: the process's own */
    int wal_pages;          /* frames in the WAL after this connection's last commit */
    int npending;           /* buckets changed since the last commit (sqlite_conn.c) */
    uint32_t pending[SB_SQLITE_PENDING_MAX]; /* > MAX changes: the commit bumps the epoch */
    int nslots;
    sb_sqlite_slot_t slots[SB_SQLITE_STMT_CACHE];
    struct sb_sqlite_writer *writer; /* the store's writer (sqlite_group.c); NULL outside one */
    struct sb_sqlite_ckpt *ckpt;     /* the store's checkpointer; NULL: checkpoints itself */
    int64_t checkpoints;             /* checkpoints this connection ran itself */
    int *ckpt_defer; /* set by a group leader: the next commit leaves the WAL's size there
                      * instead of asking for a checkpoint (cleared by commit and rollback) */
    /* a due checkpoint left for after the answer (sqlite_checkpoint.c): the WAL's frames at
     * the latest commit (0: none), when it was first left, and sb_sqlite_ckpt_done then */
    int ckpt_after, ckpt_after_since;
    uint32_t ckpt_after_done;
} sb_sqlite_conn_t;

/* sqlite_checkpoint.c: after a commit of sc (a connection of a store, outside the write turn),
 * the WAL at pages frames: a due checkpoint is left for sb_sqlite_after_answer, unless one
 * left before has waited SB_SQLITE_CHECKPOINT_LATE_PAGES frames: then it runs now. */
void sb_sqlite_ckpt_after_commit(sb_sqlite_conn_t *sc, int pages);
/* Once the answer of sc's last request is out (its release, sqlite_driver.c): the checkpoint
 * its commits left, if any. */
void sb_sqlite_after_answer(sb_sqlite_conn_t *sc);

/* sqlite_group.c: the writer connection of a store in one process, on which every group
 * commit's batches run, used only by the holder of the write turn; opened on the first batch
 * (again after a fork or an I/O failure) and closed with pool. */
typedef struct sb_sqlite_writer sb_sqlite_writer_t;
sb_sqlite_writer_t *sb_sqlite_writer_create(apr_pool_t *pool, const char *path,
                                            int busy_timeout_ms);
/* Its connection in this process, NULL before the first batch (for tests). */
sb_sqlite_conn_t *sb_sqlite_writer_conn(const sb_sqlite_writer_t *w);
/* sqlite_conn.c: take the write turn for sc within its busy timeout (sc->holds_write set), or
 * UNAVAILABLE; and hand a held turn from one connection of the file to another. */
sb_store_status_t sb_sqlite_hold_turn(sb_sqlite_conn_t *sc, sb_store_error_t *err);
void sb_sqlite_pass_turn(sb_sqlite_conn_t *from, sb_sqlite_conn_t *to);

/* sqlite_send.c: a store's send group (sqlite_group.c) and the writer connection its batches
 * run on. */
typedef struct sb_sqlite_sender sb_sqlite_sender_t;
/* Made with the store (closed with pool); the writer connection opens on the first send. */
sb_sqlite_sender_t *sb_sqlite_sender_create(apr_pool_t *pool, const char *path,
                                            int busy_timeout_ms);

/* Per-process driver state. */
typedef struct {
    const char *path;
    int busy_timeout_ms;
    int no_memory_map; /* the pooled connections read with pread (sb_store_options_t) */
    apr_reslist_t *conns;
    struct sb_search_cache *search_cache; /* ranked search results, per process */
    struct sb_page_cache *pages;      /* discover pages, the search head (sqlite_page_cache.h) */
    struct sb_page_cache *viewers;    /* whom each viewer blocked */
    struct sb_page_cache *cards;      /* the cards search pages show */
    struct sb_page_cache *conv_lists; /* conversation list pages (sqlite_conv_list.c) */
    sb_sqlite_sender_t *sender;       /* sends and their writer (sqlite_send.c) */
    sb_sqlite_writer_t *writer;       /* every group commit's batches (sqlite_group.c) */
    sb_sqlite_ckpt_t *ckpt;           /* checkpoints (sqlite_checkpoint.c) */
} sb_sqlite_store_t;

#define SB_SQLITE(c) ((sb_sqlite_conn_t *)(c)->priv)

/*
 * core/sb_user_rules.h's "visible to others" in SQL, for table alias t (a string literal)
 * and the SQL parameter holding now (e.g. "?2"): active, and either not banned or banned
 * with an expiry (not SB_BAN_PERMANENT, 0) that is not ahead of now.
 */
#define SB_SQLITE_VISIBLE(t, now)                                                                  \
    t ".is_active = 1 AND (" t ".is_banned = 0 OR (" t ".ban_expires_at > 0 AND " t                \
      ".ban_expires_at <= " now "))"

/* A discovery card's columns of users alias u, in the order sb_sqlite_row_card reads them. */
#define SB_SQLITE_CARD_COLS                                                                        \
    "u.id, u.username, u.first_name, u.last_name, u.profile_picture, u.bio, u.timezone,"           \
    " u.country, u.languages, u.skills_offered, u.skills_wanted, u.rating, u.total_reviews,"       \
    " u.is_verified, u.last_seen"
#define SB_SQLITE_CARD_NCOLS 15
/* Map SB_SQLITE_CARD_COLS starting at column col0 of the current row into a new card pushed
 * onto a (sqlite_discover.c). */
sb_user_card_t *sb_sqlite_row_card(apr_pool_t *p, sqlite3_stmt *st, int col0,
                                   apr_array_header_t *a);
/* A card as the store keeps it ready (card_head, sql/012) with the columns appended to it,
 * of users alias u, in the order sb_sqlite_row_card_head reads them. */
#define SB_SQLITE_HEAD_COLS                                                                        \
    "u.id, u.last_seen, u.card_head, u.rating, u.total_reviews, u.is_verified"
/* Map SB_SQLITE_HEAD_COLS of the current row into a new card pushed onto a
 * (sqlite_discover.c). */
void sb_sqlite_row_card_head(apr_pool_t *p, sqlite3_stmt *st, apr_array_header_t *a);

/* sqlite_messages.c: a message's columns (of table alias t, e.g. "m.") in the order
 * sb_sqlite_row_message reads them, from column c0 of the current row into *m (session NULL). */
#define SB_SQLITE_MSG_COLS_OF(t)                                                                   \
    t "id, " t "sender_id, " t "receiver_id, " t "content, " t "message_type, " t "is_read, " t    \
      "read_at, " t "reply_to, " t "is_deleted, " t "deleted_at, " t "deleted_by, " t              \
      "created_at, " t "updated_at"
#define SB_SQLITE_MSG_NCOLS 13
void sb_sqlite_row_message(apr_pool_t *p, sqlite3_stmt *q, int c0, sb_message_t *m);

/* sqlite_row.c: a reader of the current row of a statement into one element (row). */
typedef void (*sb_sqlite_row_fn)(apr_pool_t *p, sqlite3_stmt *st, void *row);
/* Step st (prepared and bound) to its end, each row read by fn into a new element of rows,
 * at most max of them (-1: all); *more (may be NULL) = 1 when a row beyond max followed.
 * OK, or the failure of a step. */
sb_store_status_t sb_sqlite_rows(sb_sqlite_conn_t *sc, apr_pool_t *p, sqlite3_stmt *st,
                                 sb_sqlite_row_fn fn, int max, apr_array_header_t *rows, int *more,
                                 sb_store_error_t *err, const char *what);
/* The first row of st read by fn into row: OK, NOT_FOUND (message `missing`) or the failure. */
sb_store_status_t sb_sqlite_row1(sb_sqlite_conn_t *sc, apr_pool_t *p, sqlite3_stmt *st,
                                 sb_sqlite_row_fn fn, void *row, sb_store_error_t *err,
                                 const char *what, const char *missing);
/* sqlite_mail.c: queue m inside the caller's transaction (mail_enqueue's rules; *queued 0 for
 * a notification the user opted out of; id_out may be NULL). */
sb_store_status_t sb_sqlite_mail_insert(sb_sqlite_conn_t *sc, const sb_store_mail_new_t *m,
                                        int64_t now, int *queued, char *id_out,
                                        sb_store_error_t *err);
/* 1 when st (prepared and bound) yields a row, 0 when not, -1 on failure (err set). */
int sb_sqlite_yields(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err,
                     const char *what);
/* The first column of st's first row (0 when it yields none): OK or the failure. */
sb_store_status_t sb_sqlite_int64(sb_sqlite_conn_t *sc, sqlite3_stmt *st, int64_t *out,
                                  sb_store_error_t *err, const char *what);
/* sqlite_session_reads.c: the sessionData of the session_request messages among msgs[0..n),
 * as their sessions are now (sb_message_t.session). */
sb_store_status_t sb_sqlite_message_sessions(sb_sqlite_conn_t *sc, apr_pool_t *p,
                                             sb_message_t *msgs, int n, sb_store_error_t *err);

/* Open one configured connection (flags, pragmas, busy timeout); NULL + err on failure. */
sb_sqlite_conn_t *sb_sqlite_connect(const char *path, int busy_timeout_ms, sb_store_error_t *err);
/* Reads with pread from now on, without the file's memory map: for a connection whose reads
 * mostly follow other connections' commits, each of which invalidates its map (the writer, a
 * no_memory_map store's). Best effort: a failure only keeps the map. */
void sb_sqlite_no_memory_map(sb_sqlite_conn_t *sc);
void sb_sqlite_disconnect(sb_sqlite_conn_t *sc);

/* Map an sqlite result code to a status, fill err with the sqlite message. */
sb_store_status_t sb_sqlite_fail(sb_sqlite_conn_t *sc, int rc, sb_store_error_t *err,
                                 const char *what);

/* Cached prepared statement for a static SQL string; NULL + err on failure. */
sqlite3_stmt *sb_sqlite_prepare(sb_sqlite_conn_t *sc, const char *sql, sb_store_error_t *err);
/* Reset + clear bindings; call when done with a statement from sb_sqlite_prepare. */
void sb_sqlite_done(sqlite3_stmt *st);
/* Step once: SQLITE_ROW or SQLITE_DONE, or -1 with err filled and the statement reset. */
int sb_sqlite_step(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err, const char *what);
/* Step a write statement to completion and reset it; status OK or the failure. */
sb_store_status_t sb_sqlite_exec_stmt(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err,
                                      const char *what);
/* As exec_stmt, but NOT_FOUND when the statement changed no row. */
sb_store_status_t sb_sqlite_exec_one(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err,
                                     const char *what);

/* 1 when the statement (bound by the caller) yields a row, 0 when not, -1 with err filled. */
int sb_sqlite_has_row(sb_sqlite_conn_t *sc, sqlite3_stmt *q, sb_store_error_t *err,
                      const char *what);
/* SAVEPOINT / RELEASE / ROLLBACK TO of one nested step inside the caller's transaction. */
sb_store_status_t sb_sqlite_savepoint(sb_sqlite_conn_t *sc, sb_store_error_t *err);
sb_store_status_t sb_sqlite_savepoint_release(sb_sqlite_conn_t *sc, sb_store_error_t *err);
sb_store_status_t sb_sqlite_rollback_to(sb_sqlite_conn_t *sc, sb_store_error_t *err);

/* BEGIN IMMEDIATE (writes) / BEGIN (consistent reads) / COMMIT / ROLLBACK. */
sb_store_status_t sb_sqlite_begin(sb_sqlite_conn_t *sc, sb_store_error_t *err);
sb_store_status_t sb_sqlite_begin_read(sb_sqlite_conn_t *sc, sb_store_error_t *err);
sb_store_status_t sb_sqlite_commit(sb_sqlite_conn_t *sc, sb_store_error_t *err);
void sb_sqlite_rollback(sb_sqlite_conn_t *sc);
/* Roll back when st is not OK, then return st. */
sb_store_status_t sb_sqlite_end(sb_sqlite_conn_t *sc, sb_store_status_t st, sb_store_error_t *err);

/* Bind text, or NULL when s is NULL. */
int sb_sqlite_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Column as a pool copy, or NULL when SQL NULL. */
const char *sb_sqlite_col_text(apr_pool_t *p, sqlite3_stmt *st, int col);
/* Copy a 24-hex id column into out (SB_ID_LEN+1); "" when NULL. */
void sb_sqlite_col_id(sqlite3_stmt *st, int col, char *out);

/* sqlite_migrate.c */
sb_store_status_t sb_sqlite_migrate(sb_store_t *store, sb_store_error_t *err);

/* sqlite_row.c: the users columns in the order sb_sqlite_row_user reads them. */
#define SB_SQLITE_USER_COLS                                                                        \
    "id, username, email, password_hash, first_name, last_name, profile_picture, bio, "            \
    "timezone, country, role, languages, skills_offered, skills_wanted, availability, "            \
    "credits, total_earned, total_spent, minutes_taught, minutes_learned, rating, "                \
    "total_reviews, report_count, is_active, is_verified, is_banned, ban_reason, "                 \
    "ban_expires_at, last_seen, created_at, updated_at, password_changed_at, email_notifications"
/* How many columns SB_SQLITE_USER_COLS names (a query's next column has this index). */
#define SB_SQLITE_USER_NCOLS 33

sb_user_t *sb_sqlite_row_user(apr_pool_t *p, sqlite3_stmt *st);
/* The same, with the four JSON list columns copied as text and parsed by sb_user_lists(). */
sb_user_t *sb_sqlite_row_user_lazy(apr_pool_t *p, sqlite3_stmt *st);
/* A user whose four lists are the stored text[4] (languages, offered, wanted, availability),
 * parsed into p by sb_user_lists(); the text of such a user's lists (NULL for a parsed one). */
void sb_sqlite_user_make_lazy(apr_pool_t *p, sb_user_t *u, const char *const text[4]);
const char *const *sb_sqlite_user_lazy_text(const sb_user_t *u);
/* JSON text for the embedded lists (malloc-free: pool strings). */
const char *sb_sqlite_json_languages(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_sqlite_json_offered(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_sqlite_json_wanted(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_sqlite_json_availability(apr_pool_t *p, const apr_array_header_t *a);
/* sqlite_list_text.c: a list column's text as the model's array (of const char *,
 * sb_skill_offered_t, sb_skill_wanted_t, sb_availability_t) when it has the shape
 * sb_sqlite_json_* write; NULL for any other text, which json-c is then to parse. NULL text
 * is an empty list. */
typedef enum {
    SB_SQLITE_LIST_LANGUAGES,
    SB_SQLITE_LIST_OFFERED,
    SB_SQLITE_LIST_WANTED,
    SB_SQLITE_LIST_AVAILABILITY
} sb_sqlite_list_t;
apr_array_header_t *sb_sqlite_list_text_read(apr_pool_t *p, sb_sqlite_list_t which,
                                             const char *text);
/* The list as sb_sqlite_row_user reads it: by the reader above, or by json-c when that
 * declines (json_only: always by json-c, for tests comparing the two). */
apr_array_header_t *sb_sqlite_list_read(apr_pool_t *p, sb_sqlite_list_t which, const char *text,
                                        int json_only);
/* Rewrite user_skills rows of one kind from the list (inside the caller's transaction). */
sb_store_status_t sb_sqlite_sync_offered(sb_sqlite_conn_t *sc, const char *user_id,
                                         const apr_array_header_t *a, sb_store_error_t *err);
sb_store_status_t sb_sqlite_sync_wanted(sb_sqlite_conn_t *sc, const char *user_id,
                                        const apr_array_header_t *a, sb_store_error_t *err);

/* The operations: every row of every domain list (store_gen.h) has a body
 * sb_sqlite_<name>, one file per concern (sqlite_users.c, sqlite_tokens.c, ...). */
#define SB_SQLITE_PROTOTYPE(d, op, params, args) sb_store_status_t sb_sqlite_##op params;
#define SB_SQLITE_DECLARE_DOMAIN(dom, DOM)       SB_STORE_##DOM##_OPS(SB_SQLITE_PROTOTYPE, dom)
SB_STORE_DOMAINS(SB_SQLITE_DECLARE_DOMAIN)

sb_store_status_t sb_sqlite_ping(sb_store_conn_t *c, sb_store_error_t *err);

/* Revoke every live refresh token of a user inside the caller's transaction. */
sb_store_status_t sb_sqlite_revoke_user_tokens(sb_sqlite_conn_t *sc, const char *user_id,
                                               int64_t now, sb_store_error_t *err);
/* Append a ledger row inside the caller's transaction (balance already updated). */
typedef struct {
    const char *user_id;
    const char *type; /* earned | spent | bonus | refund | penalty */
    int64_t amount;   /* signed */
    int64_t balance_after;
    const char *related_session; /* may be NULL */
    const char *related_user;    /* may be NULL */
    const char *description;
    const char *category; /* teaching | learning | bonus | refund | admin */
    const char *status;   /* NULL = completed */
} sb_sqlite_ledger_row_t;
/* sqlite_outbox.c: append one event inside the caller's transaction (*seq may be NULL), or
 * each of n events. */
sb_store_status_t sb_sqlite_outbox_add(sb_sqlite_conn_t *sc, const char *user_id, const char *type,
                                       const char *data, int64_t now, int64_t *seq,
                                       sb_store_error_t *err);
sb_store_status_t sb_sqlite_outbox_add_all(sb_sqlite_conn_t *sc, const sb_outbox_event_t *ev, int n,
                                           int64_t now, sb_store_error_t *err);
/* sqlite_messages.c: insert a notification and its notification:new event (inside the
 * caller's transaction). */
sb_store_status_t sb_sqlite_notification_add(sb_sqlite_conn_t *sc, const sb_notification_new_t *n,
                                             int64_t now, sb_store_error_t *err);
/* sqlite_messages.c: the conversation key of users a and b (both ids, ascending), as the
 * messages.pair column computes it, into buf (SB_SQLITE_PAIR_LEN); returns buf. */
#define SB_SQLITE_PAIR_LEN (2 * SB_ID_LEN + 1)
const char *sb_sqlite_pair(char *buf, const char *a, const char *b);
/* sqlite_messages.c: insert one complete message row (inside the caller's transaction). */
sb_store_status_t sb_sqlite_message_insert(sb_sqlite_conn_t *sc, const sb_message_t *m,
                                           sb_store_error_t *err);
/* sqlite_send.c: how sends were grouped into transactions in this process (for tests). */
typedef struct {
    int64_t batches; /* write transactions that carried sends */
    int64_t jobs;    /* sends they carried */
    int64_t queued;  /* sends waiting for the next batch right now */
    int64_t led_on;  /* batches led by a thread whose own send was done (no hand-over) */
    int64_t writers; /* writer connections opened */
} sb_sqlite_send_stats_t;
void sb_sqlite_send_stats(sb_sqlite_send_stats_t *out);
/* sqlite_messages.c: both conversation summaries of a new message from sender to receiver
 * (inside the caller's transaction). */
sb_store_status_t sb_sqlite_message_summaries(sb_sqlite_conn_t *sc, const char *sender_id,
                                              const char *receiver_id, const char *message_id,
                                              int64_t now, sb_store_error_t *err);
sb_store_status_t sb_sqlite_ledger_add(sb_sqlite_conn_t *sc, const sb_sqlite_ledger_row_t *row,
                                       int64_t now, sb_store_error_t *err);
#endif
