/*
 * The expanders of the store's operation lists. Each domain header (store_users.h, ...)
 * holds one list, SB_STORE_<DOMAIN>_OPS(X, d), with a row per operation:
 *
 *     X(d, name, (parameters), (argument names))
 *
 * The first parameter is always `sb_store_conn_t *c` and the last `sb_store_error_t *err`.
 * From that one row come the public prototype (here), the driver table member (here), the
 * dispatcher (store.c) and each driver's prototype and table entry (its own folder): a new
 * operation is its row, each driver's body and its conformance test.
 */
#ifndef SB_STORE_GEN_H
#define SB_STORE_GEN_H

/*
 * The domains, each as (member name, list prefix): D(users, USERS) stands for the list
 * SB_STORE_USERS_OPS in store_users.h and the driver table member `users`.
 */
#define SB_STORE_DOMAINS(D)                                                                        \
    D(users, USERS)                                                                                \
    D(tokens, TOKENS)                                                                              \
    D(ledger, LEDGER)                                                                              \
    D(outbox, OUTBOX)                                                                              \
    D(discovery, DISCOVERY)                                                                        \
    D(messages, MESSAGES)                                                                          \
    D(notifications, NOTIFICATIONS)                                                                \
    D(blocks, BLOCKS)                                                                              \
    D(mail, MAIL)                                                                                  \
    D(jobs, JOBS)                                                                                  \
    D(sessions, SESSIONS)                                                                          \
    D(credits, CREDITS)

/* sb_store_status_t sb_store_<name>(...); */
#define SB_STORE_PROTOTYPE(d, name, params, args) sb_store_status_t sb_store_##name params;
#define SB_STORE_DECLARE_DOMAIN(dom, DOM)         SB_STORE_##DOM##_OPS(SB_STORE_PROTOTYPE, dom)

/* sb_store_status_t (*<name>)(...); — a member of the domain's driver table */
#define SB_STORE_MEMBER(d, name, params, args) sb_store_status_t(*name) params;
/* typedef struct {...} sb_store_<dom>_ops_t; — one driver's table for one domain */
#define SB_STORE_DOMAIN_TABLE_TYPE(dom, DOM)                                                       \
    typedef struct {                                                                               \
        SB_STORE_##DOM##_OPS(SB_STORE_MEMBER, dom)                                                 \
    } sb_store_##dom##_ops_t;
/* const sb_store_<dom>_ops_t *<dom>; — a member of sb_store_driver_t */
#define SB_STORE_DOMAIN_TABLE_REF(dom, DOM) const sb_store_##dom##_ops_t *dom;

#endif
