/* Schema migrations, embedded at build time from sql/NNN_name.sql (tools/embed-sql.sh). */
#ifndef SB_MIGRATIONS_H
#define SB_MIGRATIONS_H

typedef struct {
    int version;      /* NNN */
    const char *name; /* file name without .sql */
    const char *sql;  /* whole file */
} sb_migration_t;

extern const sb_migration_t sb_migrations[];
extern const int sb_migrations_count;

#endif
