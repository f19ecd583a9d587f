/*
 * The one symbol build/libskillbarter_mongo.so exports: the driver table, the store interface
 * it was built against (store.c refuses a shared object built from another version) and the
 * per-process set-up the loader runs right after loading it.
 */
#include "mongo_int.h"

__attribute__((visibility("default"))) const sb_store_plugin_t sb_store_mongodb_plugin = {
    .abi = SB_STORE_ABI,
    .sizes = {SB_STORE_ABI_SIZE_LIST},
    .init = sb_mongo_process_init,
    .driver = &sb_store_mongodb_driver,
};
