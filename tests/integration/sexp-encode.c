/* sexp-encode.c - writes test cases for the Lisp reader check of the
 * Lisplets writer (t-lisplets-sexp.sh).
 * fcgi-lisp, MIT licence.
 *
 * sexp-encode [NAME VALUE]...: for each pair, the element fcgi-lisp would
 * send, "(" name " " value ")" (bridge/sexp.h, prefix ":"), then the
 * name's and the value's bytes as two vectors of octets, "#(78 65 ...)",
 * and :plain or :quoted, for the reader to compare with; one case per
 * line (a value may hold newlines).
 *
 * sexp-encode --request [NAME VALUE]...: one whole request, as fcgi-lisp
 * encodes it (lisplets_request.h, prefix ":"), whose query string carries
 * every pair (each byte percent-encoded, decoded again as for a real
 * request) and whose headers carry every value (X-Hostile-N); then one list
 * of the cases, ((#(name) #(value) :plain|:quoted) ...). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lisplets_request.h"
#include "sexp.h"

static void sexp_encode_octets(struct buf *out, const char *s)
{
    buf_append_str(out, " #(");
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        buf_printf(out, "%s%u", p == (const unsigned char *)s ? "" : " ", *p);
    buf_append_byte(out, ')');
}

static void sexp_encode_percent(struct buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        buf_printf(out, "%%%02X", *p);
}

static struct slice sexp_encode_str(const char *s)
{
    return (struct slice){(const uint8_t *)s, strlen(s)};
}

static int sexp_encode_request(int argc, char **argv, struct buf *out)
{
    struct cgi_request req;
    cgi_request_init(&req, 1 << 20, 1000);
    struct buf qs = BUF_INIT;
    for (int i = 0; i + 1 < argc; i += 2) {
        buf_append_str(&qs, i > 0 ? "&" : "");
        sexp_encode_percent(&qs, argv[i]);
        buf_append_byte(&qs, '=');
        sexp_encode_percent(&qs, argv[i + 1]);
    }
    buf_append_byte(&qs, '\0');
    const char *fixed[] = {"REQUEST_METHOD", "GET", "REQUEST_URI", "/hostile",
                           "SERVER_PROTOCOL", "HTTP/1.1",
                           "QUERY_STRING", (const char *)buf_data(&qs)};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i += 2)
        cgi_request_add(&req, sexp_encode_str(fixed[i]), sexp_encode_str(fixed[i + 1]));
    for (int i = 0; i + 1 < argc; i += 2) {
        char name[32];
        snprintf(name, sizeof name, "HTTP_X_HOSTILE_%d", i / 2);
        cgi_request_add(&req, sexp_encode_str(name), sexp_encode_str(argv[i + 1]));
    }
    struct form_pairs params;
    form_pairs_init(&params, 1000, 1 << 20);
    const char *err;
    if (form_decode(&params, sexp_encode_str((const char *)buf_data(&qs)), &err) != PARSE_OK) {
        fprintf(stderr, "sexp-encode: %s\n", err);
        return 1;
    }
    struct lisplets_opts o = {.tag_prefix = ":", .tag_suffix = "", .true_text = "t",
                              .false_text = "nil", .context_name = "test",
                              .servlet_name = "lisplet"};
    struct lisplets_request_input in = {.cgi = &req, .params = &params, .body_length = -1};
    lisplets_request_encode(out, &in, &o);
    buf_append_str(out, "\n(");
    for (int i = 0; i + 1 < argc; i += 2) {
        buf_append_byte(out, '(');
        sexp_encode_octets(out, argv[i]);
        sexp_encode_octets(out, argv[i + 1]);
        buf_printf(out, " %s)", sexp_name_is_plain(sexp_encode_str(argv[i])) ? ":plain"
                                                                              : ":quoted");
    }
    buf_append_str(out, ")\n");
    form_pairs_free(&params);
    cgi_request_free(&req);
    buf_free(&qs);
    return 0;
}

int main(int argc, char **argv)
{
    struct buf out = BUF_INIT;
    if (argc > 1 && strcmp(argv[1], "--request") == 0 && argc % 2 == 0) {
        int rc = sexp_encode_request(argc - 2, argv + 2, &out);
        rc = rc == 0 && fwrite(buf_data(&out), 1, buf_size(&out), stdout) == buf_size(&out) ? 0 : 1;
        buf_free(&out);
        return rc;
    }
    if (argc % 2 != 1) {
        fprintf(stderr, "usage: sexp-encode [--request] [NAME VALUE]...\n");
        return 2;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        struct slice name = {(const uint8_t *)argv[i], strlen(argv[i])};
        struct slice value = {(const uint8_t *)argv[i + 1], strlen(argv[i + 1])};
        buf_append_byte(&out, '(');
        sexp_name_append(&out, ":", "", name);
        buf_append_byte(&out, ' ');
        sexp_string_append(&out, value);
        buf_append_byte(&out, ')');
        sexp_encode_octets(&out, argv[i]);
        sexp_encode_octets(&out, argv[i + 1]);
        buf_printf(&out, " %s\n", sexp_name_is_plain(name) ? ":plain" : ":quoted");
    }
    int rc = fwrite(buf_data(&out), 1, buf_size(&out), stdout) == buf_size(&out) ? 0 : 1;
    buf_free(&out);
    return rc;
}
