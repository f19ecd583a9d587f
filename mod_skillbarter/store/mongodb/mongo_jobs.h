/*
 * Internal to the MongoDB driver: job leases, one document per lease in job_leases ({_id:
 * name, holder, acquiredAt, expiresAt, fresh}). Builders (pure) and the operations, in
 * mongo_jobs.c.
 */
#ifndef SB_MONGO_JOBS_H
#define SB_MONGO_JOBS_H

#include "mongo_int.h"

/* The take: filter (free, expired or holder's own) and pipeline update (holder, expiry, and
 * acquiredAt kept for holder's live lease; `fresh` says whether this is a new tenure). Sent
 * with upsert: a lease another holder keeps live makes the upsert a duplicate key, not a
 * second document. */
void sb_mongo_lease_take(bson_t *filter, bson_t *pipeline, const char *name, const char *holder,
                         int64_t ttl_ms, int64_t now);
/* Renew: holder's live lease gets expiresAt now + ttl_ms. */
void sb_mongo_lease_renew(bson_t *filter, bson_t *update, const char *name, const char *holder,
                          int64_t ttl_ms, int64_t now);
/* Takeover: only while dead_holder still holds it; a new tenure. */
void sb_mongo_lease_takeover(bson_t *filter, bson_t *update, const char *name, const char *holder,
                             const char *dead_holder, int64_t ttl_ms, int64_t now);
/* {_id: name, holder: holder} (release). */
void sb_mongo_lease_of(bson_t *filter, const char *name, const char *holder);

SB_STORE_JOBS_OPS(SB_MONGO_PROTOTYPE, jobs)

#endif
