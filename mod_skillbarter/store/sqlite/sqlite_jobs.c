/*
 * SQLite driver: job leases (store_jobs.h). Acquisition is one upsert whose update only
 * applies when the lease is expired or already the caller's, inside BEGIN IMMEDIATE, so two
 * runners racing for a lease cannot both come out holding it.
 */
#include "sqlite_int.h"

#include <string.h>

#include <apr_strings.h>

static const char SQL_LEASE_READ[] = "SELECT holder, expires_at FROM job_leases WHERE name = ?1";
static const char SQL_LEASE_TAKE[] =
    "INSERT INTO job_leases (name, holder, acquired_at, expires_at) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
    " acquired_at = CASE WHEN job_leases.holder = excluded.holder"
    " AND job_leases.expires_at > excluded.acquired_at THEN job_leases.acquired_at"
    " ELSE excluded.acquired_at END, expires_at = excluded.expires_at"
    " WHERE job_leases.expires_at <= excluded.acquired_at OR job_leases.holder = excluded.holder";
static const char SQL_LEASE_RENEW[] =
    "UPDATE job_leases SET expires_at = ?3 WHERE name = ?1 AND holder = ?2 AND expires_at > ?4";
static const char SQL_LEASE_TAKEOVER[] =
    "UPDATE job_leases SET holder = ?2, acquired_at = ?4, expires_at = ?5"
    " WHERE name = ?1 AND holder = ?3";
static const char SQL_LEASE_RELEASE[] = "DELETE FROM job_leases WHERE name = ?1 AND holder = ?2";

/* The current holder (pool copy in p, NULL when none) and expiry of name. */
static sb_store_status_t sb_sqlite_lease_read(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *name,
                                              const char **holder, int64_t *expires_at,
                                              sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_LEASE_READ, err);
    int rc;

    *holder = NULL;
    *expires_at = 0;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, name);
    rc = sb_sqlite_step(sc, q, err, "lease read");
    if (rc < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        *holder = sb_sqlite_col_text(p, q, 0);
        *expires_at = sqlite3_column_int64(q, 1);
    }
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_job_lease_acquire(sb_store_conn_t *c, const char *name,
                                              const char *holder, int64_t ttl_ms, int64_t now,
                                              int *held, int *fresh, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    const char *before = NULL;
    int64_t before_exp = 0;
    apr_pool_t *p;
    sb_store_status_t st;
    sqlite3_stmt *q;
    int dummy;

    *held = 0;
    if (!fresh) {
        fresh = &dummy;
    }
    *fresh = 0;
    if (!name || !holder || ttl_ms <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "job_lease_acquire: bad argument");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&p, c->pool);
    st = sb_sqlite_lease_read(sc, p, name, &before, &before_exp, err);
    if (st == SB_STORE_OK) {
        *fresh = !(before && !strcmp(before, holder) && before_exp > now);
        if ((q = sb_sqlite_prepare(sc, SQL_LEASE_TAKE, err))) {
            sb_sqlite_bind_text(q, 1, name);
            sb_sqlite_bind_text(q, 2, holder);
            sqlite3_bind_int64(q, 3, now);
            sqlite3_bind_int64(q, 4, now + ttl_ms);
            st = sb_sqlite_exec_stmt(sc, q, err, "lease take");
            *held = st == SB_STORE_OK && sqlite3_changes(sc->db) > 0;
        }
        else {
            st = err->status;
        }
    }
    apr_pool_destroy(p);
    if ((st = sb_sqlite_end(sc, st, err)) != SB_STORE_OK || !*held) {
        *held = *fresh = 0;
    }
    return st;
}

sb_store_status_t sb_sqlite_job_lease_renew(sb_store_conn_t *c, const char *name,
                                            const char *holder, int64_t ttl_ms, int64_t now,
                                            int *held, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_LEASE_RENEW, err);
    sb_store_status_t st;

    *held = 0;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, name);
    sb_sqlite_bind_text(q, 2, holder);
    sqlite3_bind_int64(q, 3, now + ttl_ms);
    sqlite3_bind_int64(q, 4, now);
    st = sb_sqlite_exec_stmt(sc, q, err, "lease renew");
    *held = st == SB_STORE_OK && sqlite3_changes(sc->db) > 0;
    return st;
}

sb_store_status_t sb_sqlite_job_lease_takeover(sb_store_conn_t *c, const char *name,
                                               const char *holder, const char *dead_holder,
                                               int64_t ttl_ms, int64_t now, int *held,
                                               sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q;
    sb_store_status_t st;

    *held = 0;
    if (!name || !holder || !dead_holder || ttl_ms <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "job_lease_takeover: bad argument");
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_LEASE_TAKEOVER, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, name);
    sb_sqlite_bind_text(q, 2, holder);
    sb_sqlite_bind_text(q, 3, dead_holder);
    sqlite3_bind_int64(q, 4, now);
    sqlite3_bind_int64(q, 5, now + ttl_ms);
    st = sb_sqlite_exec_stmt(sc, q, err, "lease takeover");
    *held = st == SB_STORE_OK && sqlite3_changes(sc->db) > 0;
    return st;
}

sb_store_status_t sb_sqlite_job_lease_release(sb_store_conn_t *c, const char *name,
                                              const char *holder, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_LEASE_RELEASE, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, name);
    sb_sqlite_bind_text(q, 2, holder);
    return sb_sqlite_exec_stmt(sc, q, err, "lease release");
}

sb_store_status_t sb_sqlite_job_lease_get(sb_store_conn_t *c, apr_pool_t *p, const char *name,
                                          const char **holder_out, int64_t *expires_at,
                                          sb_store_error_t *err)
{
    return sb_sqlite_lease_read(SB_SQLITE(c), p, name, holder_out, expires_at, err);
}
