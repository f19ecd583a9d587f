/*
 * MongoDB driver: libmongoc and server errors in the store's words. The pool uses error API
 * version 2, so a server's own errors come in the MONGOC_ERROR_SERVER domain with the
 * server's code, apart from the driver's (stream, selection, client) domains.
 */
#include "mongo_int.h"

#include <string.h>

#include <apr_strings.h>

/* Server codes that mean the request can succeed later or on another member. */
int sb_mongo_code_unavailable(uint32_t code)
{
    switch (code) {
    case 6:     /* HostUnreachable */
    case 7:     /* HostNotFound */
    case 18:    /* AuthenticationFailed: the deployment's credentials, not the request */
    case 24:    /* LockTimeout */
    case 50:    /* MaxTimeMSExpired */
    case 89:    /* NetworkTimeout */
    case 91:    /* ShutdownInProgress */
    case 112:   /* WriteConflict */
    case 189:   /* PrimarySteppedDown */
    case 262:   /* ExceededTimeLimit */
    case 9001:  /* SocketException */
    case 10107: /* NotWritablePrimary */
    case 11600: /* InterruptedAtShutdown */
    case 11602: /* InterruptedDueToReplStateChange */
    case 13435: /* NotPrimaryNoSecondaryOk */
    case 13436: /* NotPrimaryOrSecondary */
        return 1;
    default:
        return 0;
    }
}

static int sb_mongo_code_duplicate(uint32_t code)
{
    return code == 11000 || code == 11001 || code == 12582;
}

/* A reply carrying the TransientTransactionError label: the whole transaction may be retried. */
static int sb_mongo_transient(const bson_t *reply)
{
    bson_iter_t it, labels;

    if (!reply || !bson_iter_init_find(&it, reply, "errorLabels") || !BSON_ITER_HOLDS_ARRAY(&it)
        || !bson_iter_recurse(&it, &labels)) {
        return 0;
    }
    while (bson_iter_next(&labels)) {
        if (BSON_ITER_HOLDS_UTF8(&labels)
            && !strcmp(bson_iter_utf8(&labels, NULL), "TransientTransactionError")) {
            return 1;
        }
    }
    return 0;
}

/*
 * The field of a duplicate key message, "E11000 duplicate key error collection: db.users
 * index: username dup key: { ... }": the collection after the first '.', the index name up
 * to the next space, looked up in the schema table.
 */
static const char *sb_mongo_dup_field(const char *msg)
{
    const char *coll = strstr(msg, "collection: "), *idx = strstr(msg, " index: ");
    char cname[128], iname[128];
    size_t n;

    if (!idx) {
        return NULL;
    }
    cname[0] = '\0';
    if (coll && coll < idx) {
        const char *dot = memchr(coll, '.', (size_t)(idx - coll));
        if (dot) {
            n = (size_t)(idx - dot - 1);
            if (n < sizeof(cname)) {
                memcpy(cname, dot + 1, n);
                cname[n] = '\0';
            }
        }
    }
    idx += 8;
    n = strcspn(idx, " ");
    if (n == 0 || n >= sizeof(iname)) {
        return NULL;
    }
    memcpy(iname, idx, n);
    iname[n] = '\0';
    return sb_mongo_index_field(cname[0] ? cname : NULL, iname);
}

sb_store_status_t sb_mongo_fail(const bson_error_t *e, const bson_t *reply, sb_store_error_t *err,
                                const char *what)
{
    sb_store_status_t st = SB_STORE_ERROR;
    const char *field = NULL;

    switch (e->domain) {
    case MONGOC_ERROR_SERVER_SELECTION:
    case MONGOC_ERROR_STREAM:
        st = SB_STORE_UNAVAILABLE;
        break;
    case MONGOC_ERROR_CLIENT:
        if (e->code == MONGOC_ERROR_CLIENT_AUTHENTICATE) {
            st = SB_STORE_UNAVAILABLE;
        }
        break;
    case MONGOC_ERROR_SERVER:
    case MONGOC_ERROR_WRITE_CONCERN:
    case MONGOC_ERROR_QUERY:
    case MONGOC_ERROR_COMMAND:
    case MONGOC_ERROR_COLLECTION:
        if (sb_mongo_code_duplicate(e->code)) {
            st = SB_STORE_CONFLICT;
            field = sb_mongo_dup_field(e->message);
        }
        else if (sb_mongo_code_unavailable(e->code) || sb_mongo_transient(reply)) {
            st = SB_STORE_UNAVAILABLE;
        }
        break;
    default:
        break;
    }
    return sb_store_fail(err, st, field, "mongodb %s: %s (%u.%u)%s", what, e->message, e->domain,
                         e->code, sb_mongo_transient(reply) ? " " SB_MONGO_TRANSIENT_MARK : "");
}

int sb_mongo_err_transient(const sb_store_error_t *err)
{
    return err && err->status == SB_STORE_UNAVAILABLE
           && strstr(err->message, SB_MONGO_TRANSIENT_MARK) != NULL;
}
