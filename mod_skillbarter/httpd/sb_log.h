/*
 * Logging of the glue, one line format everywhere: "FUNCTION: [rid ID] message" for requests,
 * "FUNCTION: message" for server scope. APLOG_USE_MODULE tags every line of every file that
 * includes this header "[skillbarter:LEVEL]", so `LogLevel skillbarter:debug` turns on this
 * module's debug lines alone.
 */
#ifndef SB_LOG_H
#define SB_LOG_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

/* The one symbol the shared object exports: the build compiles with -fvisibility=hidden. */
#define SB_EXPORT __attribute__((visibility("default")))
extern module AP_MODULE_DECLARE_DATA SB_EXPORT skillbarter_module;
APLOG_USE_MODULE(skillbarter);

/* The request id: mod_unique_id's UNIQUE_ID when loaded, else the module's own. */
const char *sb_request_id(request_rec *r);

/* A request line on behalf of func (the handlers' sb_call_log passes its caller's name). */
#define sb_rlog_func(r, level, func, fmt, ...)                                                     \
    ap_log_rerror(APLOG_MARK, level, 0, r, "%s: [rid %s] " fmt, func, sb_request_id(r),            \
                  ##__VA_ARGS__)
#define sb_rlog(r, level, fmt, ...) sb_rlog_func(r, level, __func__, fmt, ##__VA_ARGS__)
#define sb_error(r, fmt, ...)       sb_rlog(r, APLOG_ERR, fmt, ##__VA_ARGS__)
#define sb_warn(r, fmt, ...)        sb_rlog(r, APLOG_WARNING, fmt, ##__VA_ARGS__)
#define sb_info(r, fmt, ...)        sb_rlog(r, APLOG_INFO, fmt, ##__VA_ARGS__)
#define sb_debug(r, fmt, ...)       sb_rlog(r, APLOG_DEBUG, fmt, ##__VA_ARGS__)

#define sb_slog(s, level, rv, fmt, ...)                                                            \
    ap_log_error(APLOG_MARK, level, rv, s, "%s: " fmt, __func__, ##__VA_ARGS__)
#define sb_serror(s, fmt, ...) sb_slog(s, APLOG_ERR, 0, fmt, ##__VA_ARGS__)
#define sb_swarn(s, fmt, ...)  sb_slog(s, APLOG_WARNING, 0, fmt, ##__VA_ARGS__)
#define sb_sinfo(s, fmt, ...)  sb_slog(s, APLOG_INFO, 0, fmt, ##__VA_ARGS__)

#endif
