/*
 * Mail building (core/sb_mail.c) and templates (core/sb_mail_template.c): RFC 2047 header
 * encoding, header injection, the MIME structure, and filling templates with hostile names.
 * Runs from the top of the tree (conf/mail is compared with the built-in copies).
 */
#include "sb_test.h"

#include <stdio.h>
#include <string.h>
#include <apr_base64.h>
#include <apr_strings.h>

#include "sb_mail.h"
#include "sb_mail_notice.h"
#include "sb_mail_template.h"

static apr_pool_t *pool;

static int setup(void **state)
{
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    apr_pool_destroy(pool);
    return 0;
}

/* Decode the concatenation of every encoded word of v; each word must hold whole UTF-8. */
static const char *decode_words(const char *v)
{
    const char *out = "", *s = v;

    while ((s = strstr(s, "=?UTF-8?B?"))) {
        const char *b = s + 10, *e = strstr(b, "?=");
        char *enc, *dec;
        int n;
        assert_non_null(e);
        assert_true(e + 2 - s <= 75);
        enc = apr_pstrndup(pool, b, (apr_size_t)(e - b));
        dec = apr_palloc(pool, apr_base64_decode_len(enc) + 1);
        n = apr_base64_decode(dec, enc);
        dec[n] = '\0';
        /* no word starts with a continuation byte */
        assert_true(((unsigned char)dec[0] & 0xC0) != 0x80);
        out = apr_pstrcat(pool, out, dec, NULL);
        s = e + 2;
    }
    return out;
}

static void test_encode_header(void **state)
{
    const char *subj = "Réinitialisez votre mot de passe — Skill Barter 😀 ünïcödé ñandú "
                       "日本語のテキストも長く続きます";
    const char *enc = sb_mail_encode_header(pool, subj);

    assert_string_equal(sb_mail_encode_header(pool, "Plain ASCII"), "Plain ASCII");
    assert_null(strchr(enc, 0xC3));                  /* no raw 8-bit byte left */
    assert_non_null(strstr(enc, "\r\n =?UTF-8?B?")); /* long: folded into several words */
    assert_string_equal(decode_words(enc), subj);
}

static void test_address(void **state)
{
    assert_string_equal(sb_mail_address(pool, "Skill Barter <no-reply@x.org>"), "no-reply@x.org");
    assert_string_equal(sb_mail_address(pool, "a@x.org"), "a@x.org");
    assert_null(sb_mail_address(pool, "nobody"));
    assert_null(sb_mail_address(pool, "Broken <a@x.org"));
}

static const char *header_block(const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");
    assert_non_null(end);
    return apr_pstrndup(pool, msg, (apr_size_t)(end - msg + 2));
}

static void test_render_no_injection(void **state)
{
    sb_mail_t m = {0};
    const char *msg, *head;

    m.from = "Skill Barter <no-reply@x.org>";
    m.to = "ada@x.org\r\nBcc: evil@x.org";
    m.subject = "Hello\r\nBcc: evil@x.org";
    m.text = "line one\nline two\n";
    msg = sb_mail_render(pool, &m, "abc@x.org", 0);
    head = header_block(msg);
    assert_null(strstr(head, "\r\nBcc:"));
    assert_non_null(strstr(head, "Subject: Hello  Bcc: evil@x.org\r\n"));
    assert_true(!strncmp(msg, "From: Skill Barter <no-reply@x.org>\r\nTo: ", 40));
    assert_non_null(strstr(head, "\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
    assert_non_null(strstr(head, "\r\nMessage-ID: <abc@x.org>\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(head, "Content-Transfer-Encoding: 7bit"));
    assert_null(strstr(head, "List-Unsubscribe"));
    /* bare LF became CRLF */
    assert_non_null(strstr(msg, "\r\n\r\nline one\r\nline two\r\n"));
    assert_null(strstr(msg, "two\r\n\r\n"));
}

static void test_render_multipart(void **state)
{
    sb_mail_t m = {0};
    const char *msg, *b, *text;

    m.from = "Zoë Barter <no-reply@x.org>";
    m.to = "ada@x.org";
    m.subject = "Bonjour Zoë";
    m.text = "Salut Zoë,\nclick\n";
    m.html = "<p>Salut Zo&euml;</p>";
    m.list_unsubscribe = "https://app.example/settings/notifications";
    msg = sb_mail_render(pool, &m, "id1@x.org", 0);
    assert_non_null(strstr(msg, "From: =?UTF-8?B?"));
    assert_non_null(strstr(msg, "?= <no-reply@x.org>\r\n"));
    assert_string_equal(decode_words(strstr(msg, "Subject: ")), "Bonjour Zoë");
    assert_non_null(strstr(msg, "\r\nList-Unsubscribe: <https://app.example/settings/"
                                "notifications>\r\n"));
    b = strstr(msg, "boundary=\"=_sb_id1xorg\"");
    assert_non_null(b);
    assert_non_null(strstr(msg, "\r\n--=_sb_id1xorg\r\nContent-Type: text/plain; charset=UTF-8"
                                "\r\nContent-Transfer-Encoding: base64\r\n\r\n"));
    assert_non_null(strstr(msg, "\r\n--=_sb_id1xorg\r\nContent-Type: text/html; charset=UTF-8"
                                "\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>Salut"));
    assert_non_null(strstr(msg, "\r\n--=_sb_id1xorg--\r\n"));
    text = strstr(msg, "base64\r\n\r\n");
    assert_non_null(text);
    text += 10;
    {
        char enc[200], dec[200];
        const char *end = strstr(text, "\r\n");
        int n;
        memcpy(enc, text, (size_t)(end - text));
        enc[end - text] = '\0';
        n = apr_base64_decode(dec, enc);
        dec[n] = '\0';
        assert_string_equal(dec, "Salut Zoë,\nclick\n");
    }
}

static void test_render_boundary_in_text(void **state)
{
    sb_mail_t m = {0};
    const char *msg;

    m.from = "a@x.org";
    m.to = "b@x.org";
    m.subject = "s";
    m.text = "--=_sb_idxorg-- a hostile line\n";
    m.html = "<p>x</p>";
    msg = sb_mail_render(pool, &m, "id@x.org", 0);
    /* the text holding the boundary went as base64: the delimiter occurs only as such */
    assert_non_null(strstr(msg, "text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: "
                                "base64"));
    assert_null(strstr(msg, "a hostile line"));
}

static void test_fill_hostile(void **state)
{
    const char *hostile = "<script>alert('x')</script> & \"{{link}}\"\r\nBcc: evil@x.org";
    const char *vars[] = {"firstName", hostile, "link", "https://app/x?token=T", NULL};
    const char *why = NULL, *out;

    out = sb_mail_fill(pool, "<p>Hi {{firstName}}</p><a href=\"{{link}}\">", vars, SB_FILL_HTML,
                       &why);
    assert_non_null(out);
    assert_string_equal(out, "<p>Hi &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                             "&quot;{{link}}&quot; \nBcc: evil@x.org</p>"
                             "<a href=\"https://app/x?token=T\">");
    out = sb_mail_fill(pool, "Welcome {{firstName}}", vars, SB_FILL_HEADER, &why);
    assert_null(strpbrk(out, "\r\n"));
    /* a value is never read as a template */
    assert_non_null(strstr(out, "\"{{link}}\""));
    out = sb_mail_fill(pool, "Hi {{firstName}}\n", vars, SB_FILL_TEXT, &why);
    assert_null(strchr(out, '\r'));
    assert_non_null(strstr(out, "<script>"));
    assert_null(sb_mail_fill(pool, "{{nope}}", vars, SB_FILL_TEXT, &why));
    assert_string_equal(why, "no value for {{nope}}");
    assert_null(sb_mail_fill(pool, "{{firstName", vars, SB_FILL_TEXT, &why));
    assert_string_equal(sb_mail_fill(pool, "no placeholder }} {", vars, SB_FILL_TEXT, &why),
                        "no placeholder }} {");
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = apr_palloc(pool, 65536);
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_templates_shipped_and_builtin(void **state)
{
    static const char *const names[] = {"verify", "reset", "notification", NULL};
    const char *vars[] = {"firstName",   "Ada",
                          "lastName",    "L",
                          "username",    "ada",
                          "link",        "https://app/l",
                          "minutes",     "60",
                          "publicURL",   "https://app",
                          "subject",     "A reminder",
                          "body",        "Your session starts soon.",
                          "unsubscribe", "https://app/u",
                          NULL};
    int i;

    for (i = 0; names[i]; i++) {
        sb_mail_template_t file, builtin;
        const char *why = NULL, *s, *t, *h, *s2, *t2, *h2;
        assert_int_equal(sb_mail_template_load(pool, "conf/mail", names[i], &file, &why),
                         APR_SUCCESS);
        assert_int_equal(sb_mail_template_load(pool, NULL, names[i], &builtin, &why), APR_SUCCESS);
        assert_string_equal(file.subject, builtin.subject);
        assert_string_equal(file.text, builtin.text);
        assert_string_equal(file.html, builtin.html);
        assert_string_equal(builtin.html,
                            slurp(apr_pstrcat(pool, "conf/mail/", names[i], ".html", NULL)));
        assert_int_equal(sb_mail_template_fill(pool, &file, vars, &s, &t, &h, &why), 0);
        assert_int_equal(sb_mail_template_fill(pool, &builtin, vars, &s2, &t2, &h2, &why), 0);
        assert_string_equal(t, t2);
        assert_non_null(strstr(t, "https://app/l"));
        assert_null(strstr(t, "{{"));
        assert_null(strstr(h, "{{"));
    }
    {
        sb_mail_template_t t;
        const char *why = NULL;
        assert_int_not_equal(sb_mail_template_load(pool, "conf/mail", "absent", &t, &why),
                             APR_SUCCESS);
        assert_non_null(strstr(why, "conf/mail/absent.txt"));
    }
}

static void test_notice_has_unsubscribe(void **state)
{
    sb_mail_notice_t n = {NULL,
                          "https://app.example",
                          "Skill Barter <no-reply@app.example>",
                          "ada@x.org",
                          "<b>Ada</b>",
                          "Reminder:\r\nBcc: x@y.org",
                          "Your session <i>Python</i> starts in 1 hour.",
                          "https://app.example/sessions/1"};
    const char *why = NULL, *msg;
    sb_mail_t m;

    assert_int_equal(sb_mail_notice_build(pool, &n, &m, &why), 0);
    assert_string_equal(m.list_unsubscribe, "https://app.example/settings/notifications");
    msg = sb_mail_render(pool, &m, "n1@app.example", 0);
    assert_non_null(strstr(msg, "\r\nList-Unsubscribe: <https://app.example/settings/"
                                "notifications>\r\n"));
    assert_non_null(strstr(msg, "\r\nSubject: Reminder:  Bcc: x@y.org\r\n"));
    assert_null(strstr(msg, "\r\nBcc:"));
    assert_non_null(strstr(m.html, "Hello &lt;b&gt;Ada&lt;/b&gt;"));
    assert_non_null(strstr(m.html, "&lt;i&gt;Python&lt;/i&gt;"));
    assert_non_null(strstr(m.html, "href=\"https://app.example/settings/notifications\""));
    assert_non_null(strstr(m.text, "https://app.example/sessions/1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_encode_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_no_injection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_multipart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_boundary_in_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_templates_shipped_and_builtin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notice_has_unsubscribe, setup, teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("mail", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
