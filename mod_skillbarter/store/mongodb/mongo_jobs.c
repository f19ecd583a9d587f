/*
 * MongoDB driver: job leases. Each change is one write whose filter states who may make it,
 * so two runners never both hold a lease.
 */
#include "mongo_jobs.h"

#include <string.h>

#include <apr_strings.h>

#define SB_LEASES "job_leases"

void sb_mongo_lease_of(bson_t *filter, const char *name, const char *holder)
{
    bson_init(filter);
    BSON_APPEND_UTF8(filter, "_id", name);
    BSON_APPEND_UTF8(filter, "holder", holder);
}

void sb_mongo_lease_take(bson_t *filter, bson_t *pipeline, const char *name, const char *holder,
                         int64_t ttl_ms, int64_t now)
{
    bson_t alt, a, b, lte, st, set, not, nargs, and, aargs, eq, eargs, gt, gargs, cond, cargs, lit;

    bson_init(filter);
    BSON_APPEND_UTF8(filter, "_id", name);
    BSON_APPEND_ARRAY_BEGIN(filter, "$or", &alt);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "0", &a);
    BSON_APPEND_DOCUMENT_BEGIN(&a, "expiresAt", &lte);
    bson_append_date_time(&lte, "$lte", -1, now);
    bson_append_document_end(&a, &lte);
    bson_append_document_end(&alt, &a);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "1", &b);
    BSON_APPEND_UTF8(&b, "holder", holder);
    bson_append_document_end(&alt, &b);
    bson_append_array_end(filter, &alt);

    bson_init(pipeline);
    /* stage 0: fresh = not (holder's lease, live at now) */
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "fresh", &not );
    BSON_APPEND_ARRAY_BEGIN(&not, "$not", &nargs);
    BSON_APPEND_DOCUMENT_BEGIN(&nargs, "0", &and);
    BSON_APPEND_ARRAY_BEGIN(&and, "$and", &aargs);
    BSON_APPEND_DOCUMENT_BEGIN(&aargs, "0", &eq);
    BSON_APPEND_ARRAY_BEGIN(&eq, "$eq", &eargs);
    BSON_APPEND_UTF8(&eargs, "0", "$holder");
    BSON_APPEND_DOCUMENT_BEGIN(&eargs, "1", &lit);
    BSON_APPEND_UTF8(&lit, "$literal", holder);
    bson_append_document_end(&eargs, &lit);
    bson_append_array_end(&eq, &eargs);
    bson_append_document_end(&aargs, &eq);
    BSON_APPEND_DOCUMENT_BEGIN(&aargs, "1", &gt);
    BSON_APPEND_ARRAY_BEGIN(&gt, "$gt", &gargs);
    BSON_APPEND_UTF8(&gargs, "0", "$expiresAt");
    bson_append_date_time(&gargs, "1", -1, now);
    bson_append_array_end(&gt, &gargs);
    bson_append_document_end(&aargs, &gt);
    bson_append_array_end(&and, &aargs);
    bson_append_document_end(&nargs, &and);
    bson_append_array_end(&not, &nargs);
    bson_append_document_end(&set, &not );
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
    /* stage 1: the lease is holder's until now + ttl; a new tenure starts now */
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "1", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "holder", &lit);
    BSON_APPEND_UTF8(&lit, "$literal", holder);
    bson_append_document_end(&set, &lit);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "acquiredAt", &cond);
    BSON_APPEND_ARRAY_BEGIN(&cond, "$cond", &cargs);
    BSON_APPEND_UTF8(&cargs, "0", "$fresh");
    bson_append_date_time(&cargs, "1", -1, now);
    BSON_APPEND_UTF8(&cargs, "2", "$acquiredAt");
    bson_append_array_end(&cond, &cargs);
    bson_append_document_end(&set, &cond);
    bson_append_date_time(&set, "expiresAt", -1, now + ttl_ms);
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
}

void sb_mongo_lease_renew(bson_t *filter, bson_t *update, const char *name, const char *holder,
                          int64_t ttl_ms, int64_t now)
{
    bson_t gt, set;

    sb_mongo_lease_of(filter, name, holder);
    BSON_APPEND_DOCUMENT_BEGIN(filter, "expiresAt", &gt);
    bson_append_date_time(&gt, "$gt", -1, now);
    bson_append_document_end(filter, &gt);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    bson_append_date_time(&set, "expiresAt", -1, now + ttl_ms);
    bson_append_document_end(update, &set);
}

void sb_mongo_lease_takeover(bson_t *filter, bson_t *update, const char *name, const char *holder,
                             const char *dead_holder, int64_t ttl_ms, int64_t now)
{
    bson_t set;

    sb_mongo_lease_of(filter, name, dead_holder);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    BSON_APPEND_UTF8(&set, "holder", holder);
    bson_append_date_time(&set, "acquiredAt", -1, now);
    bson_append_date_time(&set, "expiresAt", -1, now + ttl_ms);
    BSON_APPEND_BOOL(&set, "fresh", true);
    bson_append_document_end(update, &set);
}

sb_store_status_t sb_mongo_job_lease_acquire(sb_store_conn_t *c, const char *name,
                                             const char *holder, int64_t ttl_ms, int64_t now,
                                             int *held, int *fresh, sb_store_error_t *err)
{
    bson_t filter, pipeline, after;
    sb_store_status_t st;
    int dummy;

    *held = 0;
    if (!fresh) {
        fresh = &dummy;
    }
    *fresh = 0;
    if (!name || !holder || ttl_ms <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "job_lease_acquire: bad argument");
    }
    sb_mongo_lease_take(&filter, &pipeline, name, holder, ttl_ms, now);
    st = sb_mongo_find_modify_pipeline(c, SB_LEASES, &filter, &pipeline, 1, NULL, &after,
                                       "lease take", err);
    if (st == SB_STORE_OK) {
        *held = 1;
        *fresh = sb_mongo_doc_int(&after, "fresh") != 0;
    }
    else if (st == SB_STORE_CONFLICT) {
        st = SB_STORE_OK; /* another holder keeps it live: the upsert met its document */
        err->status = SB_STORE_OK;
        err->field = NULL;
        err->message[0] = '\0';
    }
    bson_destroy(&after);
    bson_destroy(&pipeline);
    bson_destroy(&filter);
    return st;
}

sb_store_status_t sb_mongo_job_lease_renew(sb_store_conn_t *c, const char *name, const char *holder,
                                           int64_t ttl_ms, int64_t now, int *held,
                                           sb_store_error_t *err)
{
    bson_t filter, update;
    int64_t matched = 0;
    sb_store_status_t st;

    *held = 0;
    if (!name || !holder) {
        return SB_STORE_OK;
    }
    sb_mongo_lease_renew(&filter, &update, name, holder, ttl_ms, now);
    st = sb_mongo_update(c, SB_LEASES, &filter, &update, NULL, 0, &matched, "lease renew", err);
    *held = st == SB_STORE_OK && matched > 0;
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_job_lease_release(sb_store_conn_t *c, const char *name,
                                             const char *holder, sb_store_error_t *err)
{
    bson_t filter;
    sb_store_status_t st;

    if (!name || !holder) {
        return SB_STORE_OK;
    }
    sb_mongo_lease_of(&filter, name, holder);
    st = sb_mongo_delete(c, SB_LEASES, &filter, NULL, 0, NULL, "lease release", err);
    bson_destroy(&filter);
    return st;
}

sb_store_status_t sb_mongo_job_lease_takeover(sb_store_conn_t *c, const char *name,
                                              const char *holder, const char *dead_holder,
                                              int64_t ttl_ms, int64_t now, int *held,
                                              sb_store_error_t *err)
{
    bson_t filter, update;
    int64_t matched = 0;
    sb_store_status_t st;

    *held = 0;
    if (!name || !holder || !dead_holder || ttl_ms <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "job_lease_takeover: bad argument");
    }
    sb_mongo_lease_takeover(&filter, &update, name, holder, dead_holder, ttl_ms, now);
    st = sb_mongo_update(c, SB_LEASES, &filter, &update, NULL, 0, &matched, "lease takeover", err);
    *held = st == SB_STORE_OK && matched > 0;
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_job_lease_get(sb_store_conn_t *c, apr_pool_t *p, const char *name,
                                         const char **holder_out, int64_t *expires_at,
                                         sb_store_error_t *err)
{
    bson_t filter, doc;
    sb_store_status_t st;

    *holder_out = NULL;
    *expires_at = 0;
    if (!name) {
        return SB_STORE_OK;
    }
    bson_init(&filter);
    BSON_APPEND_UTF8(&filter, "_id", name);
    st = sb_mongo_find_one(c, SB_LEASES, &filter, NULL, &doc, "lease read", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK) {
        *holder_out = sb_mongo_doc_str(p, &doc, "holder");
        *expires_at = sb_mongo_get_time(&doc, "expiresAt");
    }
    bson_destroy(&doc);
    /* nobody ever held it */
    return sb_mongo_not_found_ok(st, err);
}
