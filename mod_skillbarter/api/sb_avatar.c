/*
 * POST /api/users/upload-avatar: the image as the raw body (image/png, image/jpeg,
 * image/webp) or as multipart/form-data with one file field "avatar". The type comes from the
 * file's signature; a declared type that disagrees with it (or a file that is no supported
 * image) is a 415. Over SkillBarterAvatarMaxSize is a 413. The image's own dimensions must be
 * readable, non-zero and within SkillBarterAvatarMaxSide / MaxPixels (400). The file is
 * written under the upload directory with a random name (temp file + rename, mode 0644),
 * profilePicture becomes "/uploads/<name>" and the previous avatar file is removed.
 */
#include "sb_routes.h"
#include "sb_kit.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <apr_portable.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "sb_image.h"
#include "sb_multipart.h"

#define SB_UPLOAD_PREFIX "/uploads/"

typedef struct {
    const unsigned char *data;
    apr_size_t len;
    const char *declared; /* Content-Type the client gave the file, or NULL */
} upload_t;

/* The file in the request; 0 or an error status (c->err set). */
static int take_upload(sb_call_t *c, upload_t *up)
{
    const char *boundary = sb_multipart_boundary(c->pool, c->content_type);

    memset(up, 0, sizeof *up);
    if (boundary) {
        const char *why = NULL;
        const sb_multipart_part_t *part;
        apr_array_header_t *parts =
            sb_multipart_parse(c->pool, c->raw_body ? c->raw_body : "", c->raw_len, boundary, &why);
        if (!parts) {
            return sb_fail(&c->err, c->pool, 400, "Malformed multipart body: %s.", why);
        }
        if (!(part = sb_multipart_find(parts, "avatar"))) {
            sb_field_fail(&c->err, c->pool, "avatar", "a file field named avatar is required");
            return c->err.status;
        }
        up->data = (const unsigned char *)part->data;
        up->len = part->len;
        up->declared = part->content_type;
        if (up->declared && !strncasecmp(up->declared, "application/octet-stream", 24)) {
            up->declared = NULL;
        }
    }
    else if (c->content_type && !strncasecmp(c->content_type, "multipart/", 10)) {
        return sb_fail(&c->err, c->pool, 400, "multipart/form-data needs a valid boundary.");
    }
    else if (sb_image_from_mime(c->content_type) != SB_IMAGE_UNKNOWN) {
        up->data = (const unsigned char *)c->raw_body;
        up->len = c->raw_body ? c->raw_len : 0;
        up->declared = c->content_type;
    }
    else {
        return sb_fail(&c->err, c->pool, 415,
                       "Send the avatar as image/png, image/jpeg, "
                       "image/webp or multipart/form-data with a field named avatar.");
    }
    if (!up->len) {
        sb_field_fail(&c->err, c->pool, "avatar", "the file is empty");
        return c->err.status;
    }
    if ((int64_t)up->len > c->settings->avatar_max) {
        return sb_fail(&c->err, c->pool, 413,
                       "The avatar is larger than %" APR_INT64_T_FMT " bytes.",
                       c->settings->avatar_max);
    }
    return 0;
}

/*
 * The image's own dimensions (not the client's word): 0 when they are within
 * SkillBarterAvatarMaxSide and SkillBarterAvatarMaxPixels, else a 400 naming the reason (also
 * for a truncated or malformed image), c->err set.
 */
static int check_dimensions(sb_call_t *c, const upload_t *up, sb_image_type_t type)
{
    const char *why = NULL;
    uint32_t w, h;

    if (sb_image_dimensions(up->data, up->len, type, &w, &h, &why) != SB_IMAGE_DIM_OK) {
        return sb_fail(&c->err, c->pool, 400, "The %s image is not usable: %s.", sb_image_ext(type),
                       why);
    }
    if ((int64_t)w > c->settings->avatar_max_side || (int64_t)h > c->settings->avatar_max_side) {
        return sb_fail(&c->err, c->pool, 400,
                       "The image is %ux%u pixels; at most %" APR_INT64_T_FMT
                       " pixels per side are accepted.",
                       w, h, c->settings->avatar_max_side);
    }
    if ((int64_t)w * h > c->settings->avatar_max_pixels) {
        return sb_fail(&c->err, c->pool, 400,
                       "The image is %ux%u = %" APR_INT64_T_FMT " pixels; at most %" APR_INT64_T_FMT
                       " are accepted.",
                       w, h, (int64_t)w * h, c->settings->avatar_max_pixels);
    }
    return 0;
}

/* Write data to dir/name through a temp file and a rename; APR_SUCCESS or the failure. */
static apr_status_t write_file(apr_pool_t *p, const char *dir, const char *name,
                               const unsigned char *data, apr_size_t len)
{
    char *tmp = apr_pstrcat(p, dir, "/.avatar-XXXXXX", NULL);
    apr_file_t *f;
    apr_size_t written = 0;
    apr_status_t rv;

    if ((rv = apr_file_mktemp(
             &f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_EXCL | APR_FOPEN_BINARY, p))
        != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, data, len, &written);
    if (rv == APR_SUCCESS) {
        /* On the open file, not by path: the name could be swapped for a link meanwhile. */
        apr_os_file_t fd;
        rv = apr_os_file_get(&fd, f);
        if (rv == APR_SUCCESS && fchmod(fd, 0644) != 0) {
            rv = APR_FROM_OS_ERROR(errno);
        }
    }
    apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, apr_pstrcat(p, dir, "/", name, NULL), p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
    }
    return rv;
}

/* Remove the file behind a previous "/uploads/<name>" value (only plain names of ours). */
static void remove_previous(sb_call_t *c, const char *previous)
{
    const char *name;
    apr_status_t rv;

    if (!previous || strncmp(previous, SB_UPLOAD_PREFIX, sizeof(SB_UPLOAD_PREFIX) - 1)) {
        return;
    }
    name = previous + sizeof(SB_UPLOAD_PREFIX) - 1;
    if (!*name || strchr(name, '/') || name[0] == '.') {
        return;
    }
    rv = apr_file_remove(apr_pstrcat(c->pool, c->settings->upload_dir, "/", name, NULL), c->pool);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_ENOENT(rv)) {
        sb_call_log(c, SB_LOG_WARNING, "could not remove the previous avatar %s (%d)", name, rv);
    }
}

static int h_upload_avatar(sb_call_t *c)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char rnd[16];
    char name[64];
    sb_image_type_t type, declared;
    sb_store_error_t e = {0};
    const char *previous = NULL, *picture;
    json_object *o;
    upload_t up;
    apr_status_t rv;
    int i;

    if (!c->settings->upload_dir) {
        return sb_fail(&c->err, c->pool, 503, "Uploads are not configured.");
    }
    if (take_upload(c, &up)) {
        return c->err.status;
    }
    type = sb_image_sniff(up.data, up.len);
    if (type == SB_IMAGE_UNKNOWN) {
        return sb_fail(&c->err, c->pool, 415, "The file is not a PNG, JPEG or WebP image.");
    }
    declared = sb_image_from_mime(up.declared);
    if (up.declared && declared != type) {
        return sb_fail(&c->err, c->pool, 415, "The file is a %s image but was sent as %s.",
                       sb_image_mime(type), up.declared);
    }
    if (check_dimensions(c, &up, type)) {
        return c->err.status;
    }
    if (apr_generate_random_bytes(rnd, sizeof rnd) != APR_SUCCESS) {
        return sb_call_internal(c, "no random bytes for an avatar name");
    }
    for (i = 0; i < (int)sizeof rnd; i++) {
        name[2 * i] = hex[rnd[i] >> 4];
        name[2 * i + 1] = hex[rnd[i] & 15];
    }
    apr_snprintf(name + 2 * sizeof rnd, sizeof name - 2 * sizeof rnd, ".%s", sb_image_ext(type));
    if ((rv = write_file(c->pool, c->settings->upload_dir, name, up.data, up.len)) != APR_SUCCESS) {
        sb_call_log(c, SB_LOG_ERR, "cannot write avatar under %s (%d)", c->settings->upload_dir,
                    rv);
        return sb_fail(&c->err, c->pool, 500, "Could not store the avatar.");
    }
    picture = apr_pstrcat(c->pool, SB_UPLOAD_PREFIX, name, NULL);
    if (!sb_call_store(c)
        || sb_store_user_set_avatar(c->conn, c->pool, c->user->id, picture, c->now, &previous, &e)
               != SB_STORE_OK) {
        apr_file_remove(apr_pstrcat(c->pool, c->settings->upload_dir, "/", name, NULL), c->pool);
        return c->err.status ? c->err.status : sb_call_store_fail(c, &e, "User");
    }
    remove_previous(c, previous);
    o = json_object_new_object();
    json_object_object_add(o, "profilePicture", json_object_new_string(picture));
    json_object_object_add(o, "contentType", json_object_new_string(sb_image_mime(type)));
    json_object_object_add(o, "size", json_object_new_int64((int64_t)up.len));
    c->message = "Avatar updated.";
    return sb_call_ok(c, 200, o);
}

const sb_route_t sb_avatar_routes[] = {
    {"POST", "/api/users/upload-avatar", h_upload_avatar, SB_ROUTE_AUTH | SB_ROUTE_RAW, NULL},
    {NULL, NULL, NULL, 0, NULL}};
