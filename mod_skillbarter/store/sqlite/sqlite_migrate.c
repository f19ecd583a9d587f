/*
 * SQLite driver: schema migrations. Each embedded sql/NNN_name.sql runs in its
 * own BEGIN IMMEDIATE transaction, re-checking schema_migrations inside it, so
 * processes racing to migrate apply each version exactly once.
 */
#include "sqlite_int.h"

#include "migrations.h"
#include "sb_time.h"

static const char SQL_MIGRATIONS_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
static const char SQL_MIGRATION_APPLIED[] = "SELECT 1 FROM schema_migrations WHERE version = ?1";
static const char SQL_MIGRATION_RECORD[] =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)";

/* Apply one migration unless already recorded. */
static sb_store_status_t sb_sqlite_apply(sb_sqlite_conn_t *sc, const sb_migration_t *m,
                                         sb_store_error_t *err)
{
    sb_store_status_t st;
    sqlite3_stmt *q;
    char *msg = NULL;
    int rc;

    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MIGRATION_APPLIED, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sqlite3_bind_int(q, 1, m->version);
    rc = sb_sqlite_step(sc, q, err, "migration check");
    if (rc < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_done(q);
    if (rc == SQLITE_ROW) {
        return sb_sqlite_end(sc, SB_STORE_OK, err);
    }
    rc = sqlite3_exec(sc->db, m->sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        st = sb_sqlite_fail(sc, rc, err, "migration");
        sb_store_fail(err, st, NULL, "migration %s: %s", m->name, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return sb_sqlite_end(sc, st, err);
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MIGRATION_RECORD, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sqlite3_bind_int(q, 1, m->version);
    sb_sqlite_bind_text(q, 2, m->name);
    sqlite3_bind_int64(q, 3, sb_now_ms());
    st = sb_sqlite_exec_stmt(sc, q, err, "migration record");
    return sb_sqlite_end(sc, st, err);
}

/* Runs on a connection of its own (not from the pool), closed before returning. */
sb_store_status_t sb_sqlite_migrate(sb_store_t *store, sb_store_error_t *err)
{
    sb_sqlite_store_t *ss = store->priv;
    sb_store_status_t st = SB_STORE_OK;
    sb_sqlite_conn_t *sc;
    char *msg = NULL;
    int i, rc;

    if (!(sc = sb_sqlite_connect(ss->path, ss->busy_timeout_ms, err))) {
        return err->status;
    }
    rc = sqlite3_exec(sc->db, SQL_MIGRATIONS_TABLE, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        st = sb_sqlite_fail(sc, rc, err, "schema_migrations");
        sqlite3_free(msg);
    }
    for (i = 0; st == SB_STORE_OK && i < sb_migrations_count; i++) {
        st = sb_sqlite_apply(sc, &sb_migrations[i], err);
    }
    sb_sqlite_disconnect(sc);
    return st;
}
