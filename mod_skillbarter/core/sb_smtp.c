/* SMTP delivery of one message with libcurl's SMTP support. */
#include "sb_smtp.h"

#include <string.h>
#include <curl/curl.h>
#include <apr_strings.h>

typedef struct {
    const char *data;
    size_t len, off;
    sb_smtp_data_fn on_data;
    void *ctx;
    int started;
} upload_t;

/* libcurl asks for the body once DATA got its 354: that is when on_data runs. */
static size_t read_body(char *buf, size_t size, size_t nitems, void *userdata)
{
    upload_t *u = userdata;
    size_t room = size * nitems, n = u->len - u->off;

    if (!u->started) {
        u->started = 1;
        if (u->on_data) {
            u->on_data(u->ctx);
        }
    }
    if (n > room) {
        n = room;
    }
    memcpy(buf, u->data + u->off, n);
    u->off += n;
    return n;
}

void sb_smtp_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static sb_smtp_result_t classify(CURLcode rc, long reply)
{
    if (reply >= 500 && reply < 600) {
        return SB_SMTP_PERMFAIL;
    }
    if (reply >= 400 && reply < 500) {
        return SB_SMTP_TEMPFAIL;
    }
    switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return SB_SMTP_PERMFAIL;
    default:
        return SB_SMTP_TEMPFAIL;
    }
}

sb_smtp_result_t sb_smtp_send(apr_pool_t *p, const sb_smtp_config_t *cfg, const char *from,
                              const char *rcpt, const char *message, sb_smtp_data_fn on_data,
                              void *ctx, const char **why)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    upload_t u = {message, strlen(message), 0, on_data, ctx, 0};
    struct curl_slist *rcpts = NULL;
    int implicit = cfg->tls && !strcmp(cfg->tls, "tls");
    int port = cfg->port ? cfg->port : (implicit ? 465 : 25);
    const char *url;
    sb_smtp_result_t res;
    long reply = 0;
    CURLcode rc;
    CURL *h;

    *why = NULL;
    if (!cfg->host || !from || !rcpt || strpbrk(rcpt, "\r\n<>") || strpbrk(from, "\r\n<>")) {
        *why = "no SMTP host, or a malformed address";
        return SB_SMTP_PERMFAIL;
    }
    if (!(h = curl_easy_init())) {
        *why = "curl_easy_init failed";
        return SB_SMTP_TEMPFAIL;
    }
    url = apr_psprintf(p, "%s://%s:%d/%s", implicit ? "smtps" : "smtp", cfg->host, port,
                       cfg->helo ? cfg->helo : "");
    rcpts = curl_slist_append(rcpts, apr_pstrcat(p, "<", rcpt, ">", NULL));
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, apr_pstrcat(p, "<", from, ">", NULL));
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.len);
    if (cfg->connect_timeout_ms > 0) {
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    }
    if (cfg->timeout_ms > 0) {
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    }
    if (cfg->tls && !strcmp(cfg->tls, "starttls")) {
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    }
    if (cfg->user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, cfg->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(h);
    if (rc == CURLE_OK) {
        return SB_SMTP_SENT;
    }
    res = classify(rc, reply);
    *why = apr_psprintf(p, "smtp %s:%d: %s (reply %ld)", cfg->host, port,
                        errbuf[0] ? errbuf : curl_easy_strerror(rc), reply);
    return res;
}
