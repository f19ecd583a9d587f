/*
 * bcrypt through APR-util ($2y$). bcrypt only reads the first 72 bytes of a password: the
 * validation layer refuses longer ones (sb_valid_password), and sb_password_hash refuses them
 * too so that no hash is ever made of a silently truncated password.
 */
#include "sb_password.h"

#include <pthread.h>
#include <string.h>
#include <apr_general.h>
#include <apr_md5.h>
#include <apr_strings.h>

#include "sb_validate.h"

#define SB_BCRYPT_SALT 16
#define SB_BCRYPT_LEN  64 /* a $2y$ hash is 60 chars */

/* bcrypt of password with a fresh salt into buf[SB_BCRYPT_LEN]; 1 on success. */
static int sb_bcrypt_encode(const char *password, int cost, char *buf)
{
    unsigned char salt[SB_BCRYPT_SALT];

    return apr_generate_random_bytes(salt, sizeof salt) == APR_SUCCESS
           && apr_bcrypt_encode(password, (unsigned int)cost, salt, sizeof salt, buf, SB_BCRYPT_LEN)
                  == APR_SUCCESS;
}

const char *sb_password_hash(apr_pool_t *p, const char *password, int cost)
{
    char buf[SB_BCRYPT_LEN];

    if (!password || strlen(password) > SB_PASSWORD_MAX_BYTES || cost < SB_BCRYPT_MIN_COST
        || cost > SB_BCRYPT_MAX_COST) {
        return NULL;
    }
    return sb_bcrypt_encode(password, cost, buf) ? apr_pstrdup(p, buf) : NULL;
}

/* Only bcrypt hashes are accepted: apr_password_validate would also take MD5, SHA1 and crypt(3)
 * formats, which must never authenticate anyone here. */
static int sb_is_bcrypt(const char *hash)
{
    return strlen(hash) == 60 && hash[0] == '$' && hash[1] == '2'
           && (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$';
}

int sb_password_verify(apr_pool_t *p, const char *password, const char *hash)
{
    if (!password || !hash || !sb_is_bcrypt(hash)) {
        return 0;
    }
    return apr_password_validate(password, hash) == APR_SUCCESS;
}

/* One dummy hash per cost, made on first use and kept for the life of the process. */
static pthread_mutex_t sb_dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static char sb_dummy[SB_BCRYPT_MAX_COST + 1][SB_BCRYPT_LEN];

const char *sb_password_dummy_hash(apr_pool_t *p, int cost)
{
    const char *h = NULL;

    if (cost < SB_BCRYPT_MIN_COST || cost > SB_BCRYPT_MAX_COST) {
        return NULL;
    }
    pthread_mutex_lock(&sb_dummy_lock);
    if (sb_dummy[cost][0]) {
        h = sb_dummy[cost];
    }
    else {
        unsigned char rnd[24];
        char pw[2 * sizeof rnd + 1];
        apr_size_t i;
        if (apr_generate_random_bytes(rnd, sizeof rnd) == APR_SUCCESS) {
            for (i = 0; i < sizeof rnd; i++) {
                pw[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
                pw[2 * i + 1] = "0123456789abcdef"[rnd[i] & 15];
            }
            pw[2 * sizeof rnd] = '\0';
            if (sb_bcrypt_encode(pw, cost, sb_dummy[cost])) {
                h = sb_dummy[cost];
            }
            else {
                sb_dummy[cost][0] = '\0';
            }
        }
    }
    pthread_mutex_unlock(&sb_dummy_lock);
    return h;
}
