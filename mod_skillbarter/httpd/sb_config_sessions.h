/*
 * The directives of sessions and the credit economy: the Jitsi meeting host and room tokens,
 * the late-cancellation and no-show penalties, the dispute window, and the test clock (only
 * under -D SB_TESTING). Kept apart from sb_config.c; its record hangs off sb_server_conf_t.
 */
#ifndef SB_CONFIG_SESSIONS_H
#define SB_CONFIG_SESSIONS_H

#include <httpd.h>
#include <http_config.h>

#include "sb_settings.h"

#define SB_DIRECTIVE_JITSI_DOMAIN        "SkillBarterJitsiDomain"
#define SB_DIRECTIVE_JITSI_APP_ID        "SkillBarterJitsiAppId"
#define SB_DIRECTIVE_JITSI_SECRET_FILE   "SkillBarterJitsiSecretFile"
#define SB_DIRECTIVE_LATE_CANCEL_PENALTY "SkillBarterLateCancelPenalty"
#define SB_DIRECTIVE_NO_SHOW_PENALTY     "SkillBarterNoShowPenalty"
#define SB_DIRECTIVE_DISPUTE_WINDOW      "SkillBarterDisputeWindow"
#define SB_DIRECTIVE_TEST_CLOCK_FILE     "SkillBarterTestClockFile"

/* The define that lets SkillBarterTestClockFile be read: `httpd -D SB_TESTING`. */
#define SB_TESTING_DEFINE "SB_TESTING"

typedef struct sb_session_conf {
    const char *jitsi_domain;
    const char *jitsi_app_id;
    const unsigned char *jitsi_secret;
    apr_size_t jitsi_secret_len;
    apr_int64_t late_cancel_penalty; /* minutes, -1 = the hold, -2 = unset */
    apr_int64_t no_show_penalty;
    apr_int64_t dispute_window; /* seconds, -1 = unset */
    const char *test_clock_file;
} sb_session_conf_t;

const char *sb_cmd_jitsi_domain_set(cmd_parms *cmd, void *dc, const char *arg);
const char *sb_cmd_jitsi_app_id_set(cmd_parms *cmd, void *dc, const char *arg);
const char *sb_cmd_jitsi_secret_file_set(cmd_parms *cmd, void *dc, const char *arg);
const char *sb_cmd_penalty_set(cmd_parms *cmd, void *dc, const char *arg);
const char *sb_cmd_dispute_window_set(cmd_parms *cmd, void *dc, const char *arg);
const char *sb_cmd_test_clock_file_set(cmd_parms *cmd, void *dc, const char *arg);

#define SB_SESSION_CMDS                                                                            \
    AP_INIT_TAKE1(SB_DIRECTIVE_JITSI_DOMAIN, sb_cmd_jitsi_domain_set, NULL, RSRC_CONF,             \
                  "Jitsi Meet host of session rooms (default meet.jit.si)"),                       \
        AP_INIT_TAKE1(SB_DIRECTIVE_JITSI_APP_ID, sb_cmd_jitsi_app_id_set, NULL, RSRC_CONF,         \
                      "Jitsi token app id (iss); with the secret file, rooms need a token"),       \
        AP_INIT_TAKE1(SB_DIRECTIVE_JITSI_SECRET_FILE, sb_cmd_jitsi_secret_file_set, NULL,          \
                      RSRC_CONF, "File holding the Jitsi HS256 token secret (at least 32 bytes)"), \
        AP_INIT_TAKE1(SB_DIRECTIVE_LATE_CANCEL_PENALTY, sb_cmd_penalty_set, (void *)0, RSRC_CONF,  \
                      "Minutes (or `hold`) charged a learner cancelling within 24 h (default 0)"), \
        AP_INIT_TAKE1(SB_DIRECTIVE_NO_SHOW_PENALTY, sb_cmd_penalty_set, (void *)1, RSRC_CONF,      \
                      "Minutes (or `hold`) charged a learner who did not come (default hold)"),    \
        AP_INIT_TAKE1(SB_DIRECTIVE_DISPUTE_WINDOW, sb_cmd_dispute_window_set, NULL, RSRC_CONF,     \
                      "How long after completion a learner may dispute (default 48h)"),            \
        AP_INIT_TAKE1(SB_DIRECTIVE_TEST_CLOCK_FILE, sb_cmd_test_clock_file_set, NULL, RSRC_CONF,   \
                      "Tests only (httpd -D " SB_TESTING_DEFINE                                    \
                      "): file holding a clock offset in ms")

/* post_config: copy the directives' values (or the defaults) into st. */
void sb_config_sessions_apply(const sb_session_conf_t *sc, sb_settings_t *st);

/* The request clock: now, moved by the test clock file's offset when one is configured. */
int64_t sb_config_clock(const sb_settings_t *st, int64_t now);

#endif
