/*
 * The rate-limit tests' fixture: a fresh table of the smallest size in a file of its own under
 * $TMPDIR (the runner gives each binary an empty one), removed again at teardown.
 */
#ifndef SB_RL_FIXTURE_H
#define SB_RL_FIXTURE_H

#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "sb_ratelimit.h"

typedef struct {
    apr_pool_t *p;
    const char *path;
    sb_rl_table_t *t;
} fx_t;

static inline int fx_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    const char *why = NULL;
    char dir[256];

    apr_pool_create(&fx->p, NULL);
    snprintf(dir, sizeof(dir), "%s/sb-rl-test-XXXXXX", sb_test_tmpdir());
    if (!mkdtemp(dir)) {
        return -1;
    }
    fx->path = apr_pstrcat(fx->p, dir, "/rl.shm", NULL);
    if (sb_rl_create(fx->p, fx->path, SB_RL_MIN_CAPACITY, APR_FPROT_UREAD | APR_FPROT_UWRITE,
                     &fx->t, &why)) {
        fprintf(stderr, "create: %s\n", why);
        return -1;
    }
    *state = fx;
    return 0;
}

static inline int fx_teardown(void **state)
{
    fx_t *fx = *state;
    char *dir = apr_pstrdup(fx->p, fx->path);

    apr_file_remove(fx->path, fx->p);
    *strrchr(dir, '/') = '\0';
    apr_dir_remove(dir, fx->p);
    apr_pool_destroy(fx->p);
    free(fx);
    return 0;
}

#endif
