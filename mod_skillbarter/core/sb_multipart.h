/*
 * A small, bounded multipart/form-data reader (RFC 7578) over a body already in memory.
 * Parts point into the body (no copies of the data). Limits: at most SB_MULTIPART_MAX_PARTS
 * parts, SB_MULTIPART_MAX_HEADERS bytes of headers per part, boundary of 1..70 characters.
 */
#ifndef SB_MULTIPART_H
#define SB_MULTIPART_H

#include <apr_pools.h>
#include <apr_tables.h>

#define SB_MULTIPART_MAX_PARTS    8
#define SB_MULTIPART_MAX_HEADERS  4096
#define SB_MULTIPART_BOUNDARY_MAX 70

typedef struct {
    const char *name;         /* Content-Disposition name, "" when absent */
    const char *filename;     /* NULL when the part is not a file */
    const char *content_type; /* NULL when absent */
    const char *data;         /* into the body */
    apr_size_t len;
} sb_multipart_part_t;

/* The boundary parameter of a multipart/form-data Content-Type (in p), or NULL. */
const char *sb_multipart_boundary(apr_pool_t *p, const char *content_type);
/* Split body into parts (array of sb_multipart_part_t). Returns NULL and sets *why on a
 * malformed body. */
apr_array_header_t *sb_multipart_parse(apr_pool_t *p, const char *body, apr_size_t len,
                                       const char *boundary, const char **why);
/* The first part named name, or NULL. */
const sb_multipart_part_t *sb_multipart_find(const apr_array_header_t *parts, const char *name);

#endif
