/*
 * SQLite driver: one connection (open flags, pragmas), error mapping, the
 * per-connection prepared statement cache, transactions and binding helpers.
 */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1 /* declares sqlite3_preupdate_* (Debian's build has it) */
#include "sqlite_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <apr_strings.h>

/*
 * Waiting for a lock (the write lock, mostly). SQLite's own busy handler sleeps 1, 2, 5 ...
 * up to 100 ms between attempts, so with many concurrent writers a write spent most of its
 * time asleep long after the lock was free (sends ran at a fifth of the rate they reach with
 * short waits, p99 near a second). Retry every 50-250 µs instead, for the same timeout.
 */
static int sb_sqlite_busy(void *arg, int count)
{
    sb_sqlite_conn_t *sc = arg;
    struct timespec ts;
    int64_t now;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    if (count == 0) {
        sc->busy_since_us = now;
    }
    else if (now - sc->busy_since_us >= (int64_t)sc->busy_timeout_ms * 1000) {
        return 0;
    }
    usleep(count < 20 ? 50 : 250);
    return 1;
}

/*
 * Checkpoints outside the write turn. SQLite's automatic checkpoint runs inside the commit
 * of whichever write crosses 1000 WAL frames, so that writer (and every thread queued behind
 * its write turn) waited for the copy back into the database file. The hook only records the
 * WAL's size; sb_sqlite_checkpoint_due has a passive checkpoint run after the turn is given
 * back, and for a store's connection after the request's answer (sqlite_checkpoint.c).
 */
/* (SB_SQLITE_CHECKPOINT_PAGES, sqlite_int.h) */

static int sb_sqlite_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    ((sb_sqlite_conn_t *)arg)->wal_pages = pages;
    return SQLITE_OK;
}

/*
 * A passive checkpoint copies the WAL back but cannot start it over: the next writer restarts
 * it only when no reader holds an older snapshot at that moment, and under steady load there
 * always is one (the WAL reached 180 MB in a few seconds of sends, and every page lookup of
 * every reader searched its whole index). Past SB_SQLITE_RESTART_PAGES frames the checkpoint
 * is a RESTART instead, taken with the write turn so that writers queue on the turn while it
 * waits for the readers of old snapshots to finish (at most SB_SQLITE_RESTART_WAIT_MS; when
 * they do not, it is tried again after a later commit).
 */
/* (SB_SQLITE_RESTART_PAGES, SB_SQLITE_RESTART_WAIT_MS, sqlite_int.h) */

static int sb_sqlite_take_turn(sb_sqlite_conn_t *sc);
static void sb_sqlite_give_turn(sb_sqlite_conn_t *sc);

/*
 * The user cache's writer side (sqlite_user_cache.c). Every change of a users row or a
 * refresh_tokens row (and, for the match cache, of a match_pairs or user_blocks row; for the
 * conversation lists, of a conversations or messages row), made by
 * a statement or by a trigger, a REPLACE or a DELETE without WHERE,
 * records the bucket of its key (the user's id, the token's family, old and new values) in the
 * connection; once the connection is out of its transaction (COMMIT, ROLLBACK, an autocommit
 * write) the buckets are bumped. A COMMIT's bump comes before the turn is given back, so the
 * request that wrote answers only after every process can see its change. The preupdate hook,
 * not the update hook: refresh_tokens is a WITHOUT ROWID table, for which the update hook
 * never fires (and it gives rowids, which a reader cannot know before it reads).
 */
static void sb_sqlite_pending_bucket(sb_sqlite_conn_t *sc, uint32_t b)
{
    int i;

    for (i = 0; i < sc->npending && i < SB_SQLITE_PENDING_MAX; i++) {
        if (sc->pending[i] == b) {
            return;
        }
    }
    if (sc->npending < SB_SQLITE_PENDING_MAX) {
        sc->pending[sc->npending] = b;
    }
    sc->npending += sc->npending <= SB_SQLITE_PENDING_MAX; /* MAX + 1: too many, new epoch */
}

static void sb_sqlite_pending_add(sb_sqlite_conn_t *sc, char kind, sqlite3_value *v)
{
    if (v && sqlite3_value_type(v) == SQLITE_TEXT) {
        sb_sqlite_pending_bucket(
            sc, sb_sqlite_gen_bucket(kind, sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v)));
    }
}

/* Whether the users UPDATE under way changes a column that a discover page may show
 * (anything but SB_SQLITE_USERS_UNSHOWN_COLS). */
static int users_shown_change(sqlite3 *db)
{
    sqlite3_value *o, *n;
    int i, count = sqlite3_preupdate_count(db), t;

    for (i = 0; i < count; i++) {
        if (i < 64 && (SB_SQLITE_USERS_UNSHOWN_COLS & SB_SQLITE_USERS_COL(i))) {
            continue;
        }
        if (sqlite3_preupdate_old(db, i, &o) != SQLITE_OK
            || sqlite3_preupdate_new(db, i, &n) != SQLITE_OK) {
            return 1; /* cannot tell: as a change */
        }
        if ((t = sqlite3_value_type(o)) != sqlite3_value_type(n)) {
            return 1;
        }
        switch (t) {
        case SQLITE_NULL:
            break;
        case SQLITE_INTEGER:
            if (sqlite3_value_int64(o) != sqlite3_value_int64(n)) {
                return 1;
            }
            break;
        case SQLITE_FLOAT:
            if (sqlite3_value_double(o) != sqlite3_value_double(n)) {
                return 1;
            }
            break;
        default: /* text and blobs, as bytes */
            if (sqlite3_value_bytes(o) != sqlite3_value_bytes(n)
                || (sqlite3_value_bytes(o) > 0
                    && memcmp(sqlite3_value_blob(o), sqlite3_value_blob(n),
                              (size_t)sqlite3_value_bytes(o)))) {
                return 1;
            }
        }
    }
    return 0;
}

static void sb_sqlite_preupdate(void *arg, sqlite3 *db, int op, const char *dbname,
                                const char *table, sqlite3_int64 key1, sqlite3_int64 key2)
{
    sb_sqlite_conn_t *sc = arg;
    sqlite3_value *v;
    char kind;
    int col, col2 = -1;

    (void)dbname, (void)key1, (void)key2;
    if (table[0] == 'u'
        && ((strcmp(table, "users") == 0 && (op != SQLITE_UPDATE || users_shown_change(db)))
            || strcmp(table, "user_skills") == 0 || strcmp(table, "user_blocks") == 0)) {
        /* what a discover or search page shows (sqlite_page_cache.h) */
        sb_sqlite_pending_bucket(sc, SB_SQLITE_GEN_DISCOVER);
    }
    if (table[0] == 'u' && strcmp(table, "users") == 0) {
        kind = 'u';
        col = SB_SQLITE_USERS_ID_COL;
    }
    else if (table[0] == 'r' && strcmp(table, "refresh_tokens") == 0) {
        kind = 'f';
        col = SB_SQLITE_TOKENS_FAMILY_COL;
    }
    else if (table[0] == 'm' && strcmp(table, "match_pairs") == 0) {
        kind = 'o'; /* the match cache (sqlite_match_cache.h): an offered name's pair lists */
        col = SB_SQLITE_PAIRS_OFFER_COL;
    }
    else if (table[0] == 'u' && strcmp(table, "user_blocks") == 0) {
        kind = 'b'; /* the match cache: a blocker's blocks */
        col = SB_SQLITE_BLOCKS_BLOCKER_COL;
    }
    else if (table[0] == 'c' && strcmp(table, "conversations") == 0) {
        kind = 'c'; /* a user's conversation list (sqlite_conv_list.c): its summaries */
        col = SB_SQLITE_CONVERSATIONS_USER_COL;
    }
    else if (table[0] == 'm' && strcmp(table, "messages") == 0) {
        kind = 'c'; /* ... and the last messages it shows, both people's */
        col = SB_SQLITE_MESSAGES_SENDER_COL;
        col2 = SB_SQLITE_MESSAGES_RECEIVER_COL;
    }
    else {
        return;
    }
    for (; col >= 0; col = col2, col2 = -1) {
        if (op != SQLITE_INSERT && sqlite3_preupdate_old(db, col, &v) == SQLITE_OK) {
            sb_sqlite_pending_add(sc, kind, v);
        }
        if (op != SQLITE_DELETE && sqlite3_preupdate_new(db, col, &v) == SQLITE_OK) {
            sb_sqlite_pending_add(sc, kind, v);
        }
    }
}

/* Bump what the connection changed, once it is out of its transaction. */
static void sb_sqlite_pending_flush(sb_sqlite_conn_t *sc)
{
    int i;

    if (sc->npending == 0 || !sqlite3_get_autocommit(sc->db)) {
        return;
    }
    if (sc->npending > SB_SQLITE_PENDING_MAX) {
        sb_sqlite_gen_new_epoch(sc->turn);
    }
    else {
        for (i = 0; i < sc->npending; i++) {
            sb_sqlite_gen_bump(sc->turn, sc->pending[i]);
        }
    }
    sc->npending = 0;
}

/*
 * A connection of a store leaves its checkpoints to the store's checkpointer connection
 * (sqlite_checkpoint.c, which also says when one is due); only a connection of no store
 * (sbctl's migration) runs its own.
 */
static void sb_sqlite_checkpoint_due(sb_sqlite_conn_t *sc)
{
    int pages = sc->wal_pages, timeout = sc->busy_timeout_ms;

    if (pages < SB_SQLITE_CHECKPOINT_PAGES || sc->holds_write || !sqlite3_get_autocommit(sc->db)) {
        return;
    }
    sc->wal_pages = 0;
    if (sc->ckpt) {
        sb_sqlite_ckpt_after_commit(sc, pages); /* after the answer, when it can wait */
        return;
    }
    sc->checkpoints++;
    if (pages >= SB_SQLITE_RESTART_PAGES) {
        sc->busy_timeout_ms = SB_SQLITE_RESTART_WAIT_MS;
        if (sb_sqlite_take_turn(sc) == 0) {
            sc->holds_write = 1;
            sqlite3_wal_checkpoint_v2(sc->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
            sb_sqlite_give_turn(sc);
        }
        sc->busy_timeout_ms = timeout;
        return;
    }
    sqlite3_wal_checkpoint_v2(sc->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

void sb_sqlite_no_memory_map(sb_sqlite_conn_t *sc)
{
    sqlite3_exec(sc->db, "PRAGMA mmap_size=0", NULL, NULL, NULL);
}

/* Once per process, before the first connection: SQLite's allocator statistics off. Kept,
 * every allocation of every connection takes one process-wide mutex for them, and httpd's
 * threads (Debian builds SQLite without lookaside, so a statement allocates often) waited on
 * it; nothing here reads them. A no-op (SQLITE_MISUSE) if SQLite was started already. */
static void sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

sb_sqlite_conn_t *sb_sqlite_connect(const char *path, int busy_timeout_ms, sb_store_error_t *err)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;

    /* mmap + a larger page cache: discovery reads rows scattered over the file; with the
     * default 2 MB cache every miss was a pread (most of a search's time at 10,000 users).
     * Temporary storage in memory: a group commit's savepoints keep a statement journal of
     * every page a step changes, which past 64 KiB went to a temporary file (open, pwrite,
     * unlink, close per batch: 7-9 % of a send's or an end's CPU); it is freed at commit. */
    static const char pragmas[] =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        " PRAGMA mmap_size=268435456; PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;";
    sb_sqlite_conn_t *sc;
    char *msg = NULL;
    int rc, waited;

    pthread_once(&configured, sqlite_configure);
    sc = calloc(1, sizeof(*sc));
    if (!sc) {
        sb_store_fail(err, SB_STORE_ERROR, NULL, "out of memory");
        return NULL;
    }
    rc = sqlite3_open_v2(path, &sc->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL, "cannot open %s: %s", path,
                      sc->db ? sqlite3_errmsg(sc->db) : sqlite3_errstr(rc));
        sb_sqlite_disconnect(sc);
        return NULL;
    }
    sqlite3_extended_result_codes(sc->db, 1);
    sc->busy_timeout_ms = busy_timeout_ms;
    sqlite3_busy_handler(sc->db, sb_sqlite_busy, sc);
    sqlite3_wal_hook(sc->db, sb_sqlite_wal_hook, sc);
    sqlite3_preupdate_hook(sc->db, sb_sqlite_preupdate, sc);
    /*
     * Switching a new database to WAL needs an exclusive lock and can answer BUSY without
     * consulting the busy handler when several processes start at once (httpd children on
     * a fresh file): retry for as long as the busy timeout allows.
     */
    for (waited = 0;; waited += 10) {
        rc = sqlite3_exec(sc->db, pragmas, NULL, NULL, &msg);
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
            break;
        }
        if (waited >= busy_timeout_ms) {
            break;
        }
        sqlite3_free(msg);
        msg = NULL;
        sqlite3_sleep(10);
    }
    if (rc != SQLITE_OK) {
        sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL, "cannot open %s: %s", path,
                      msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sb_sqlite_disconnect(sc);
        return NULL;
    }
    sc->turn = sb_sqlite_turn_for(path);
    return sc;
}

void sb_sqlite_disconnect(sb_sqlite_conn_t *sc)
{
    int i;

    if (!sc) {
        return;
    }
    sb_sqlite_pending_flush(sc); /* an autocommit RETURNING write committed at its reset */
    sb_sqlite_give_turn(sc);     /* closing ends any transaction */
    for (i = 0; i < sc->nslots; i++) {
        sqlite3_finalize(sc->slots[i].stmt);
    }
    sqlite3_close_v2(sc->db);
    free(sc);
}

/* Name the unique key in a constraint message ("UNIQUE constraint failed: users.email"). */
static const char *sb_sqlite_conflict_field(const char *msg)
{
    static const struct {
        const char *column;
        const char *field;
    } map[] = {
        {"users.username", "username"},
        {"users.email", "email"},
        {"sessions.room_id", "roomId"},
        {"reviews.session_id", "session"},
        {"refresh_tokens.token_hash", "token"},
        {"onetime_tokens.token_hash", "token"},
        {".id", "id"},
    };
    size_t i;

    for (i = 0; msg && i < sizeof(map) / sizeof(map[0]); i++) {
        if (strstr(msg, map[i].column)) {
            return map[i].field;
        }
    }
    return NULL;
}

sb_store_status_t sb_sqlite_fail(sb_sqlite_conn_t *sc, int rc, sb_store_error_t *err,
                                 const char *what)
{
    const char *msg = (sc && sc->db) ? sqlite3_errmsg(sc->db) : sqlite3_errstr(rc);
    sb_store_status_t st;
    const char *field = NULL;

    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        st = SB_STORE_UNAVAILABLE;
        break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        st = SB_STORE_UNAVAILABLE;
        if (sc) {
            sc->broken = 1;
        }
        break;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
            st = SB_STORE_CONFLICT;
            field = sb_sqlite_conflict_field(msg);
        }
        else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
            st = SB_STORE_NOT_FOUND; /* the referenced record does not exist */
        }
        else {
            st = SB_STORE_ERROR;
        }
        break;
    default:
        st = SB_STORE_ERROR;
        break;
    }
    return sb_store_fail(err, st, field, "sqlite %s: %s (%d)", what, msg, rc);
}

sqlite3_stmt *sb_sqlite_prepare(sb_sqlite_conn_t *sc, const char *sql, sb_store_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int i, rc;

    for (i = 0; i < sc->nslots; i++) {
        if (sc->slots[i].sql == sql) {
            return sc->slots[i].stmt;
        }
    }
    if (sc->nslots == SB_SQLITE_STMT_CACHE) {
        sb_store_fail(err, SB_STORE_ERROR, NULL,
                      "sqlite statement cache full (raise "
                      "SB_SQLITE_STMT_CACHE)");
        return NULL;
    }
    rc = sqlite3_prepare_v3(sc->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        sb_sqlite_fail(sc, rc, err, "prepare");
        sqlite3_finalize(st);
        return NULL;
    }
    sc->slots[sc->nslots].sql = sql;
    sc->slots[sc->nslots].stmt = st;
    sc->nslots++;
    return st;
}

void sb_sqlite_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int sb_sqlite_step(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err, const char *what)
{
    int rc;

    sb_sqlite_pending_flush(sc); /* a write whose commit came at its statement's reset */
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sb_sqlite_pending_flush(sc); /* COMMIT, ROLLBACK or an autocommit write */
        return rc;
    }
    if (rc == SQLITE_ROW) {
        return rc;
    }
    sb_sqlite_pending_flush(sc); /* a failed statement may have ended the transaction */
    sb_sqlite_fail(sc, rc, err, what);
    sb_sqlite_done(st);
    return -1;
}

sb_store_status_t sb_sqlite_exec_stmt(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err,
                                      const char *what)
{
    int rc;

    while ((rc = sb_sqlite_step(sc, st, err, what)) == SQLITE_ROW) {
    }
    if (rc < 0) {
        return err ? err->status : SB_STORE_ERROR;
    }
    sb_sqlite_done(st);
    sb_sqlite_checkpoint_due(sc); /* a write outside a transaction has committed */
    return SB_STORE_OK;
}

static sb_store_status_t sb_sqlite_exec_sql(sb_sqlite_conn_t *sc, const char *sql,
                                            sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, sql, err);

    if (!st) {
        return err ? err->status : SB_STORE_ERROR;
    }
    return sb_sqlite_exec_stmt(sc, st, err, sql);
}

int sb_sqlite_has_row(sb_sqlite_conn_t *sc, sqlite3_stmt *q, sb_store_error_t *err,
                      const char *what)
{
    int rc = sb_sqlite_step(sc, q, err, what);

    if (rc < 0) {
        return -1;
    }
    sb_sqlite_done(q);
    return rc == SQLITE_ROW;
}

static const char SQL_SAVEPOINT[] = "SAVEPOINT sb_step";
static const char SQL_RELEASE[] = "RELEASE sb_step";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO sb_step";

sb_store_status_t sb_sqlite_savepoint(sb_sqlite_conn_t *sc, sb_store_error_t *err)
{
    return sb_sqlite_exec_sql(sc, SQL_SAVEPOINT, err);
}

sb_store_status_t sb_sqlite_savepoint_release(sb_sqlite_conn_t *sc, sb_store_error_t *err)
{
    return sb_sqlite_exec_sql(sc, SQL_RELEASE, err);
}

/* Undo the step and end it (a savepoint stays open after ROLLBACK TO until released). */
sb_store_status_t sb_sqlite_rollback_to(sb_sqlite_conn_t *sc, sb_store_error_t *err)
{
    sb_store_status_t st = sb_sqlite_exec_sql(sc, SQL_ROLLBACK_TO, err);

    return st == SB_STORE_OK ? sb_sqlite_exec_sql(sc, SQL_RELEASE, err) : st;
}

static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

/*
 * One write transaction at a time per database file, over every process and thread: writers
 * queue on the shared turn (sqlite_turn.c) and are woken one by one as each commits, instead
 * of all polling SQLite's file lock (which only the busy handler's sleeps can wait on).
 * Waiting is bounded like the busy timeout (then UNAVAILABLE, as a lock that stays busy
 * would be).
 */
static int sb_sqlite_take_turn(sb_sqlite_conn_t *sc)
{
    return sb_sqlite_turn_take(sc->turn, sc->busy_timeout_ms);
}

static void sb_sqlite_give_turn(sb_sqlite_conn_t *sc)
{
    if (sc->holds_write) {
        sc->holds_write = 0;
        sb_sqlite_turn_give(sc->turn);
    }
}

sb_store_status_t sb_sqlite_hold_turn(sb_sqlite_conn_t *sc, sb_store_error_t *err)
{
    int rc;

    if (!sc->holds_write) {
        if ((rc = sb_sqlite_take_turn(sc)) != 0) {
            return sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL,
                                 "sqlite: no write turn "
                                 "within %d ms (%s)",
                                 sc->busy_timeout_ms, strerror(rc));
        }
        sc->holds_write = 1;
    }
    return SB_STORE_OK;
}

void sb_sqlite_pass_turn(sb_sqlite_conn_t *from, sb_sqlite_conn_t *to)
{
    if (from != to && from->holds_write) {
        from->holds_write = 0;
        to->holds_write = 1;
    }
}

sb_store_status_t sb_sqlite_begin(sb_sqlite_conn_t *sc, sb_store_error_t *err)
{
    sb_store_status_t st;

    if ((st = sb_sqlite_hold_turn(sc, err)) != SB_STORE_OK) {
        return st;
    }
    st = sb_sqlite_exec_sql(sc, SQL_BEGIN_IMMEDIATE, err);
    if (st != SB_STORE_OK) {
        sb_sqlite_give_turn(sc);
    }
    return st;
}

sb_store_status_t sb_sqlite_begin_read(sb_sqlite_conn_t *sc, sb_store_error_t *err)
{
    return sb_sqlite_exec_sql(sc, SQL_BEGIN, err);
}

sb_store_status_t sb_sqlite_commit(sb_sqlite_conn_t *sc, sb_store_error_t *err)
{
    sb_store_status_t st = sb_sqlite_exec_sql(sc, SQL_COMMIT, err);

    if (st != SB_STORE_OK) {
        sb_sqlite_rollback(sc);
    }
    if (sqlite3_get_autocommit(sc->db)) {
        if (sc->ckpt_defer) { /* a group leader checkpoints once it has woken its batch */
            *sc->ckpt_defer = sc->wal_pages;
            sc->wal_pages = 0;
            sc->ckpt_defer = NULL;
        }
        sb_sqlite_give_turn(sc);
        sb_sqlite_checkpoint_due(sc);
    }
    return st;
}

void sb_sqlite_rollback(sb_sqlite_conn_t *sc)
{
    if (sc->db && !sqlite3_get_autocommit(sc->db)) {
        /* A failed rollback leaves the connection unusable: do not pool it again. */
        if (sb_sqlite_exec_sql(sc, SQL_ROLLBACK, NULL) != SB_STORE_OK) {
            sc->broken = 1;
        }
    }
    sc->ckpt_defer = NULL;
    sb_sqlite_give_turn(sc);
}

sb_store_status_t sb_sqlite_end(sb_sqlite_conn_t *sc, sb_store_status_t st, sb_store_error_t *err)
{
    if (st != SB_STORE_OK) {
        sb_sqlite_rollback(sc);
        return st;
    }
    return sb_sqlite_commit(sc, err);
}

int sb_sqlite_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    if (!s) {
        return sqlite3_bind_null(st, idx);
    }
    return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

const char *sb_sqlite_col_text(apr_pool_t *p, sqlite3_stmt *st, int col)
{
    const unsigned char *t;

    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        return NULL;
    }
    t = sqlite3_column_text(st, col);
    if (!t) {
        return NULL;
    }
    return apr_pstrmemdup(p, (const char *)t, (apr_size_t)sqlite3_column_bytes(st, col));
}

void sb_sqlite_col_id(sqlite3_stmt *st, int col, char *out)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    out[0] = '\0';
    if (t) {
        apr_cpystrn(out, (const char *)t, SB_ID_LEN + 1);
    }
}

sb_store_status_t sb_sqlite_exec_one(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err,
                                     const char *what)
{
    sb_store_status_t s = sb_sqlite_exec_stmt(sc, st, err, what);

    if (s == SB_STORE_OK && sqlite3_changes(sc->db) == 0) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "%s: no such record", what);
    }
    return s;
}
