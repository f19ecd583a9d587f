/* Logging wrappers: every line names the function and, for requests, the request id. */
#ifndef SB_LOG_H
#define SB_LOG_H

#include <httpd.h>
#include <http_log.h>

/* The request id: mod_unique_id's UNIQUE_ID when loaded, else the module's own. */
const char *sb_request_id(request_rec *r);

#define sb_rlog(r, level, fmt, ...)                                                               \
    ap_log_rerror(APLOG_MARK, level, 0, r, "%s: [rid %s] " fmt, __func__, sb_request_id(r),      \
                  ##__VA_ARGS__)
#define sb_error(r, fmt, ...) sb_rlog(r, APLOG_ERR, fmt, ##__VA_ARGS__)
#define sb_warn(r, fmt, ...) sb_rlog(r, APLOG_WARNING, fmt, ##__VA_ARGS__)
#define sb_info(r, fmt, ...) sb_rlog(r, APLOG_INFO, fmt, ##__VA_ARGS__)
#define sb_debug(r, fmt, ...) sb_rlog(r, APLOG_DEBUG, fmt, ##__VA_ARGS__)

#define sb_slog(s, level, rv, fmt, ...)                                                           \
    ap_log_error(APLOG_MARK, level, rv, s, "%s: " fmt, __func__, ##__VA_ARGS__)
#define sb_serror(s, fmt, ...) sb_slog(s, APLOG_ERR, 0, fmt, ##__VA_ARGS__)
#define sb_swarn(s, fmt, ...) sb_slog(s, APLOG_WARNING, 0, fmt, ##__VA_ARGS__)
#define sb_sinfo(s, fmt, ...) sb_slog(s, APLOG_INFO, 0, fmt, ##__VA_ARGS__)

#endif
