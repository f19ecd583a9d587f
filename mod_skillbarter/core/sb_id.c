#include "sb_id.h"

#include <bson/bson.h>

void sb_id_new(char out[SB_ID_LEN + 1])
{
    bson_oid_t oid;
    bson_oid_init(&oid, NULL);
    bson_oid_to_string(&oid, out);
}

int sb_id_valid(const char *s)
{
    int i;
    if (!s) {
        return 0;
    }
    for (i = 0; i < SB_ID_LEN; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return s[SB_ID_LEN] == '\0';
}
