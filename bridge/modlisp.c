/* modlisp.c - the mod_lisp protocol: request encoder and response parser; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * Section numbers refer to shared/reference/modlisp.md; ML2 is Apache's
 * mod_lisp2, whose bytes both halves of this file reproduce. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "modlisp.h"
#include "xalloc.h"

#define MODLISP_CGI_HEADER_PREFIX "HTTP_"

static struct slice modlisp_cstr(const char *s)
{
    return (struct slice){(const uint8_t *)s, strlen(s)};
}

/* A view of a buffer that is valid even before its first allocation. */
static struct slice modlisp_view(const struct buf *b)
{
    if (b->ptr == NULL)
        return (struct slice){(const uint8_t *)"", 0};
    return buf_slice(b);
}

/* ------------------------------------------------------------------------ */
/* Request encoder                                                           */
/* ------------------------------------------------------------------------ */

/* Keys the encoder writes itself, and "end". A client header with one of
 * these names (any case) would shadow or forge a fixed line for Lisps that
 * take the last match (UCW), or end the block: it is renamed to
 * "<key>-header", as ML2 does for "end" (section 7, items 2 and 3). */
static const struct slice modlisp_reserved_keys[] = {
    SLICE_INIT("ssl-session-id"), SLICE_INIT("https"), SLICE_INIT("server-protocol"),
    SLICE_INIT("method"), SLICE_INIT("url"), SLICE_INIT("content-length"),
    SLICE_INIT("content-type"), SLICE_INIT("server-ip-addr"), SLICE_INIT("server-ip-port"),
    SLICE_INIT("remote-ip-addr"), SLICE_INIT("script-filename"),
    SLICE_INIT("remote-ip-port"), SLICE_INIT("remote-user"), SLICE_INIT("server-id"),
    SLICE_INIT("server-baseversion"), SLICE_INIT("modlisp-version"),
    SLICE_INIT("modlisp-major-version"), SLICE_INIT("end"),
};

struct modlisp_encoder {
    struct buf *out;               /* borrowed: the block is appended here */
    const struct cgi_request *req; /* borrowed: the request being encoded */
    struct slice bad_name;         /* borrowed: first name whose bytes break the framing */
    bool bad;                      /* bad_name is set; the caller rolls out back */
};

/* Checks one line pair before it is written; remembers the first offender.
 * The protocol has no escaping (section 2), so LF ends a line, and CR and
 * NUL are read differently by different Lisps (section 4, line reading). */
static bool modlisp_encoder_check(struct modlisp_encoder *e, struct slice name, struct slice value)
{
    if (slice_is_one_line(name) && slice_is_one_line(value))
        return true;
    if (!e->bad) {
        e->bad = true;
        e->bad_name = name;
    }
    return false;
}

static void modlisp_pair_append(struct buf *out, struct slice key, struct slice value)
{
    buf_append(out, key.ptr, key.len);
    buf_append_byte(out, '\n');
    buf_append(out, value.ptr, value.len);
    buf_append_byte(out, '\n');
}

/* The value of a CGI variable, or false when it is absent or empty. Empty
 * values are never sent: cl-modlisp drops the connection on an empty value
 * line (section 7 item 4, section 8.1 T5). */
static bool modlisp_env_get(const struct cgi_request *req, const char *cgi, struct slice *value)
{
    return cgi_request_get(req, cgi, value) && value->len > 0;
}

/* "key\nvalue\n" with the value of the CGI variable `cgi`, when it has one. */
static void modlisp_env_append(struct modlisp_encoder *e, const char *key, const char *cgi)
{
    struct slice value;
    if (modlisp_env_get(e->req, cgi, &value) && modlisp_encoder_check(e, modlisp_cstr(cgi), value))
        modlisp_pair_append(e->out, modlisp_cstr(key), value);
}

/* "url": REQUEST_URI, the raw request target with its query, as ML2 sends
 * it. Without it (not every server sends one), the target is rebuilt as
 * SCRIPT_NAME PATH_INFO ["?" QUERY_STRING] (RFC 3875 sections 4.1.13,
 * 4.1.5, 4.1.7); PATH_INFO is already decoded, so this is only a fallback. */
static void modlisp_url_append(struct modlisp_encoder *e)
{
    static const char *const parts[] = {"SCRIPT_NAME", "PATH_INFO", "QUERY_STRING"};
    struct slice value;
    if (modlisp_env_get(e->req, "REQUEST_URI", &value)) {
        if (modlisp_encoder_check(e, SLICE_STR("REQUEST_URI"), value))
            modlisp_pair_append(e->out, SLICE_STR("url"), value);
        return;
    }
    struct buf url = BUF_INIT;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (!modlisp_env_get(e->req, parts[i], &value)
            || !modlisp_encoder_check(e, modlisp_cstr(parts[i]), value))
            continue;
        if (strcmp(parts[i], "QUERY_STRING") == 0)
            buf_append_byte(&url, '?');
        buf_append(&url, value.ptr, value.len);
    }
    if (buf_size(&url) > 0)
        modlisp_pair_append(e->out, SLICE_STR("url"), buf_slice(&url));
    buf_free(&url);
}

/* "server-baseversion": ML2 sends the Apache it was built against; the
 * nearest equivalent here is the web server's SERVER_SOFTWARE. */
static void modlisp_baseversion_append(struct modlisp_encoder *e, const char *fallback)
{
    struct slice value;
    if (modlisp_env_get(e->req, "SERVER_SOFTWARE", &value)) {
        if (modlisp_encoder_check(e, SLICE_STR("SERVER_SOFTWARE"), value))
            modlisp_pair_append(e->out, SLICE_STR("server-baseversion"), value);
        return;
    }
    if (fallback == NULL || *fallback == '\0')
        return;
    if (modlisp_encoder_check(e, SLICE_STR("server-baseversion"), modlisp_cstr(fallback)))
        modlisp_pair_append(e->out, SLICE_STR("server-baseversion"), modlisp_cstr(fallback));
}

static bool modlisp_name_is_header(struct slice name)
{
    size_t n = sizeof(MODLISP_CGI_HEADER_PREFIX) - 1;
    return name.len >= n && memcmp(name.ptr, MODLISP_CGI_HEADER_PREFIX, n) == 0;
}

static bool modlisp_slices_equal(struct slice a, struct slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* True when param i repeats the name of an earlier param. */
static bool modlisp_name_seen_before(const struct cgi_request *req, size_t i, struct slice name)
{
    struct slice n, v;
    for (size_t j = 0; j < i; j++) {
        cgi_request_at(req, j, &n, &v);
        if (modlisp_slices_equal(n, name))
            return true;
    }
    return false;
}

static bool modlisp_key_is_reserved(struct slice name)
{
    for (size_t i = 0; i < sizeof(modlisp_reserved_keys) / sizeof(modlisp_reserved_keys[0]); i++)
        if (slice_eq_nocase_slice(name, modlisp_reserved_keys[i]))
            return true;
    return false;
}

/* Appends the non-empty values of every param named like param i (from i
 * on), joined the way a web server merges a repeated header field: ", "
 * (RFC 9110 section 5.3), "; " for Cookie (RFC 6265 section 5.4), as nginx
 * 1.23+ and lighttpd do. Returns how many values were appended, or -1 when
 * one breaks the framing. */
static int modlisp_header_value_join(struct modlisp_encoder *e, size_t i, struct slice name)
{
    const char *sep = slice_eq(name, "HTTP_COOKIE") ? "; " : ", ";
    int joined = 0;
    struct slice n, v;
    for (size_t j = i; j < e->req->n; j++) {
        cgi_request_at(e->req, j, &n, &v);
        if (!modlisp_slices_equal(n, name) || v.len == 0)
            continue;
        if (!modlisp_encoder_check(e, name, v))
            return -1;
        if (joined++ > 0)
            buf_append_str(e->out, sep);
        buf_append(e->out, v.ptr, v.len);
    }
    return joined;
}

/* One client header from the HTTP_* param(s) named `name` (the first is
 * param i): HTTP spelling, merged values, reserved names renamed. Written
 * straight into the output; a header with no value is taken back out. */
static void modlisp_header_append(struct modlisp_encoder *e, size_t i, struct slice name)
{
    if (!modlisp_encoder_check(e, name, SLICE_STR("")))
        return;
    struct buf *out = e->out;
    size_t mark = buf_size(out);
    cgi_header_name_append(out, name);
    struct slice key = {buf_data(out) + mark, buf_size(out) - mark};
    if (key.len == 0)
        return;
    if (modlisp_key_is_reserved(key)) {
        /* ML2 writes "end-header" in lower case; the other renamed keys follow suit */
        uint8_t *k = out->ptr + out->off + mark;
        for (size_t j = 0; j < key.len; j++)
            if (k[j] >= 'A' && k[j] <= 'Z')
                k[j] = (uint8_t)(k[j] - 'A' + 'a');
        buf_append_str(out, "-header");
    }
    buf_append_byte(out, '\n');
    if (modlisp_header_value_join(e, i, name) <= 0) {
        buf_truncate(out, mark);
        return;
    }
    buf_append_byte(out, '\n');
}

/* The body-describing headers that ML2 forwards from r->headers_in
 * (section 5: "Content-Length\n7\nContent-Type\n..."), rebuilt from the
 * values the encoder stands behind: the real body length and CONTENT_TYPE. */
struct modlisp_body_headers {
    struct slice length; /* borrowed; empty when no length is announced */
    bool length_done;    /* Content-Length was written */
    bool type_done;      /* Content-Type was written (or CONTENT_TYPE is empty) */
};

static void modlisp_body_length_header(struct modlisp_encoder *e, struct modlisp_body_headers *bh)
{
    if (!bh->length_done && bh->length.len > 0)
        modlisp_pair_append(e->out, SLICE_STR("Content-Length"), bh->length);
    bh->length_done = true;
}

static void modlisp_body_type_header(struct modlisp_encoder *e, struct modlisp_body_headers *bh)
{
    struct slice value;
    if (!bh->type_done && modlisp_env_get(e->req, "CONTENT_TYPE", &value)
        && modlisp_encoder_check(e, SLICE_STR("CONTENT_TYPE"), value))
        modlisp_pair_append(e->out, SLICE_STR("Content-Type"), value);
    bh->type_done = true;
}

/* Every client header, in arrival order (section 3, step 6). HTTP_CONTENT_
 * LENGTH and HTTP_CONTENT_TYPE (nginx and lighttpd duplicate the CGI
 * variables there) only mark where Content-Length and Content-Type go;
 * without them both come last, as curl sends them. Transfer-Encoding is
 * dropped: the body is always sent whole with a known length (section 6),
 * and a Lisp that honours the header (Hunchentoot) would try to de-chunk it. */
static void modlisp_headers_append(struct modlisp_encoder *e, struct slice length)
{
    struct modlisp_body_headers bh = {length, false, false};
    struct slice name, value;
    for (size_t i = 0; i < e->req->n; i++) {
        cgi_request_at(e->req, i, &name, &value);
        if (!modlisp_name_is_header(name) || modlisp_name_seen_before(e->req, i, name))
            continue;
        if (slice_eq(name, "HTTP_CONTENT_LENGTH"))
            modlisp_body_length_header(e, &bh);
        else if (slice_eq(name, "HTTP_CONTENT_TYPE"))
            modlisp_body_type_header(e, &bh);
        else if (!slice_eq(name, "HTTP_TRANSFER_ENCODING"))
            modlisp_header_append(e, i, name);
    }
    modlisp_body_length_header(e, &bh);
    modlisp_body_type_header(e, &bh);
}

/* Field order is ML2's (section 3, "Order"): variables set before the
 * handler (mod_ssl's, here also HTTPS), the request line, the body
 * description, the addresses, the server identity (before the client
 * headers, so that first-match lookups find the real one), the client
 * headers, "end". content-length precedes content-type, as in the worked
 * example of section 5; ML2 uses the client's order, which CGI loses. */
enum modlisp_encode_rc modlisp_request_encode(struct buf *out, const struct cgi_request *req,
                                              const struct modlisp_request_opts *opts,
                                              uint64_t body_length, struct slice *bad_name)
{
    static const char *const addresses[][2] = {
        {"server-ip-addr", "SERVER_ADDR"},       {"server-ip-port", "SERVER_PORT"},
        {"remote-ip-addr", "REMOTE_ADDR"},       {"script-filename", "SCRIPT_FILENAME"},
        {"remote-ip-port", "REMOTE_PORT"},       {"remote-user", "REMOTE_USER"},
    };
    struct modlisp_encoder e = {out, req, {NULL, 0}, false};
    size_t mark = buf_size(out);

    modlisp_env_append(&e, "ssl-session-id", "SSL_SESSION_ID");
    modlisp_env_append(&e, "https", "HTTPS");
    modlisp_env_append(&e, "server-protocol", "SERVER_PROTOCOL");
    modlisp_env_append(&e, "method", "REQUEST_METHOD");
    modlisp_url_append(&e);

    char digits[20];
    struct slice length = {(const uint8_t *)digits, 0};
    struct slice declared;
    if (body_length != 0 || modlisp_env_get(req, "CONTENT_LENGTH", &declared)) {
        length.len = u64_decimal(digits, body_length);
        modlisp_pair_append(out, SLICE_STR("content-length"), length);
    }
    modlisp_env_append(&e, "content-type", "CONTENT_TYPE");
    for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++)
        modlisp_env_append(&e, addresses[i][0], addresses[i][1]);

    const char *server_id = opts != NULL ? opts->server_id : NULL;
    if (server_id != NULL && *server_id != '\0'
        && modlisp_encoder_check(&e, SLICE_STR("server-id"), modlisp_cstr(server_id)))
        modlisp_pair_append(out, SLICE_STR("server-id"), modlisp_cstr(server_id));
    modlisp_baseversion_append(&e, opts != NULL ? opts->server_baseversion : NULL);
    modlisp_pair_append(out, SLICE_STR("modlisp-version"), SLICE_STR(MODLISP_VERSION));
    modlisp_pair_append(out, SLICE_STR("modlisp-major-version"), SLICE_STR(MODLISP_MAJOR_VERSION));

    modlisp_headers_append(&e, length);
    buf_append_str(out, "end\n");

    if (e.bad) {
        /* roll back: the bytes before the mark are untouched, wherever
         * buf_reserve moved them */
        buf_truncate(out, mark);
        if (bad_name != NULL)
            *bad_name = e.bad_name;
        return MODLISP_ENCODE_BAD_BYTE;
    }
    return MODLISP_ENCODE_OK;
}

/* ------------------------------------------------------------------------ */
/* Response parser                                                           */
/* ------------------------------------------------------------------------ */

/* Log keys and their levels (section 4; ML2 logs plain "Log" at error level). */
static const struct {
    const char *key;
    int level;
} modlisp_log_keys[] = {
    {"Log", LOG_ERR},           {"Log-Emerg", LOG_EMERG},   {"Log-Alert", LOG_ALERT},
    {"Log-Crit", LOG_CRIT},     {"Log-Error", LOG_ERR},     {"Log-Warning", LOG_WARNING},
    {"Log-Notice", LOG_NOTICE}, {"Log-Info", LOG_INFO},     {"Log-Debug", LOG_DEBUG},
};

void modlisp_response_init(struct modlisp_response *r)
{
    buf_init(&r->store);
    r->fields = NULL;
    r->cap = 0;
    modlisp_response_clear(r);
}

void modlisp_response_clear(struct modlisp_response *r)
{
    r->status = 200;
    r->reason = (struct slice){(const uint8_t *)"", 0};
    r->content_length = -1;
    r->body_length = -1;
    r->keep_socket = false;
    r->repeat_fields = false;
    buf_clear(&r->store);
    r->nfields = 0;
}

void modlisp_response_free(struct modlisp_response *r)
{
    buf_free(&r->store);
    free(r->fields);
    modlisp_response_init(r);
}

static struct slice modlisp_store_slice(const struct modlisp_response *r, uint32_t off, uint32_t len)
{
    struct slice all = modlisp_view(&r->store);
    return (struct slice){all.ptr + off, len};
}

struct slice modlisp_field_name(const struct modlisp_response *r, const struct modlisp_field *f)
{
    return modlisp_store_slice(r, f->name_off, f->name_len);
}

struct slice modlisp_field_value(const struct modlisp_response *r, const struct modlisp_field *f)
{
    return modlisp_store_slice(r, f->value_off, f->value_len);
}

/* Copies s into the store and returns its offset. r->reason points into the
 * store, so it is moved along when the store is reallocated. The store never
 * outgrows max_block, which the parser keeps below 4 GiB. */
static uint32_t modlisp_store_append(struct modlisp_response *r, struct slice s)
{
    size_t off = buf_size(&r->store);
    size_t reason_off = r->reason.len > 0 ? (size_t)(r->reason.ptr - buf_data(&r->store)) : 0;
    buf_append(&r->store, s.ptr, s.len);
    if (r->reason.len > 0)
        r->reason.ptr = buf_data(&r->store) + reason_off;
    return (uint32_t)off;
}

void modlisp_response_add(struct modlisp_response *r, enum modlisp_field_kind kind, int level,
                          struct slice name, struct slice value)
{
    r->fields = xgrow(r->fields, &r->cap, r->nfields + 1, sizeof(*r->fields));
    struct modlisp_field *f = &r->fields[r->nfields++];
    f->kind = kind;
    f->log_level = level;
    f->name_off = modlisp_store_append(r, name);
    f->name_len = (uint32_t)name.len;
    f->value_off = modlisp_store_append(r, value);
    f->value_len = (uint32_t)value.len;
}

void modlisp_parser_init(struct modlisp_parser *p, struct modlisp_response *resp,
                         const struct modlisp_limits *limits)
{
    static const struct modlisp_limits defaults = MODLISP_LIMITS_DEFAULT;
    buf_init(&p->line);
    buf_init(&p->key);
    p->limits = limits != NULL ? *limits : defaults;
    /* field offsets are 32-bit */
    if (p->limits.max_block > UINT32_MAX)
        p->limits.max_block = UINT32_MAX;
    p->resp = resp;
    modlisp_parser_clear(p);
}

void modlisp_parser_clear(struct modlisp_parser *p)
{
    p->state = MODLISP_PARSER_KEY;
    buf_clear(&p->line);
    buf_clear(&p->key);
    p->block_bytes = 0;
    p->pairs = 0;
    p->err = NULL;
}

void modlisp_parser_free(struct modlisp_parser *p)
{
    buf_free(&p->line);
    buf_free(&p->key);
}

static enum parse_rc modlisp_parser_fail(struct modlisp_parser *p, const char *why)
{
    p->state = MODLISP_PARSER_FAILED;
    p->err = why;
    return PARSE_ERROR;
}

static struct slice modlisp_trim(struct slice s)
{
    while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}

/* A decimal length: digits only (blanks around them tolerated), no sign. */
static bool modlisp_length_parse(struct slice s, int64_t *out)
{
    s = modlisp_trim(s);
    if (s.len == 0)
        return false;
    int64_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
        int d = s.ptr[i] - '0';
        if (n > (INT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *out = n;
    return true;
}

/* "NNN" or "NNN reason" (section 4; RFC 9110 section 15: three digits). ML2
 * takes atoi() of anything; a code nginx or lighttpd would refuse is an
 * error here, so that the bridge answers 502 itself. */
static bool modlisp_status_parse(struct modlisp_response *r, struct slice s)
{
    s = modlisp_trim(s);
    if (s.len < 3 || (s.len > 3 && s.ptr[3] != ' ' && s.ptr[3] != '\t'))
        return false;
    int code = 0;
    for (size_t i = 0; i < 3; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
        code = code * 10 + (s.ptr[i] - '0');
    }
    if (code < 100)
        return false;
    struct slice reason = modlisp_trim((struct slice){s.ptr + 3, s.len - 3});
    r->status = code;
    r->reason = (struct slice){(const uint8_t *)"", 0};
    if (reason.len > 0) {
        uint32_t off = modlisp_store_append(r, reason);
        r->reason = (struct slice){buf_data(&r->store) + off, reason.len};
    }
    return true;
}

/* Content-Length sets both the client's header and, unless a
 * Lisp-Content-Length was given, the body length. Two different values are
 * refused (RFC 9112 section 6.3 item 5): a reader that took either one
 * could be desynchronised. */
static enum parse_rc modlisp_content_length_apply(struct modlisp_parser *p, struct slice value)
{
    struct modlisp_response *r = p->resp;
    int64_t n;
    if (!modlisp_length_parse(value, &n))
        return modlisp_parser_fail(p, "Content-Length is not a decimal number");
    if (r->content_length >= 0 && r->content_length != n)
        return modlisp_parser_fail(p, "conflicting Content-Length values");
    /* a body length set before the first Content-Length came from Lisp-Content-Length */
    if (r->content_length < 0 && r->body_length < 0)
        r->body_length = n;
    r->content_length = n;
    return PARSE_AGAIN;
}

/* Keep-Socket: ML2 keeps the socket when atoi(value) != 0; here a decimal
 * number other than zero, anything else means close. */
static bool modlisp_keep_socket_parse(struct slice s)
{
    int64_t n;
    return modlisp_length_parse(s, &n) && n != 0;
}

/* Interprets one key/value pair (section 4 table). */
static enum parse_rc modlisp_pair_apply(struct modlisp_parser *p, struct slice key, struct slice value)
{
    struct modlisp_response *r = p->resp;
    if (slice_eq_nocase(key, "Status")) {
        if (!modlisp_status_parse(r, value))
            return modlisp_parser_fail(p, "Status is not a 3-digit code 100..999");
        return PARSE_AGAIN;
    }
    if (slice_eq_nocase(key, "Content-Length"))
        return modlisp_content_length_apply(p, value);
    if (slice_eq_nocase(key, "Lisp-Content-Length")) {
        if (!modlisp_length_parse(value, &r->body_length))
            return modlisp_parser_fail(p, "Lisp-Content-Length is not a decimal number");
        return PARSE_AGAIN;
    }
    if (slice_eq_nocase(key, "Keep-Socket")) {
        r->keep_socket = modlisp_keep_socket_parse(value);
        return PARSE_AGAIN;
    }
    if (slice_eq_nocase(key, "Note")) {
        modlisp_response_add(r, MODLISP_FIELD_NOTE, 0, key, value);
        return PARSE_AGAIN;
    }
    for (size_t i = 0; i < sizeof(modlisp_log_keys) / sizeof(modlisp_log_keys[0]); i++) {
        if (slice_eq_nocase(key, modlisp_log_keys[i].key)) {
            modlisp_response_add(r, MODLISP_FIELD_LOG, modlisp_log_keys[i].level, key, value);
            return PARSE_AGAIN;
        }
    }
    modlisp_response_add(r, MODLISP_FIELD_HEADER, 0, key, value);
    return PARSE_AGAIN;
}

/* Strips the one CR that ML2's read_lisp_line drops before the LF. */
static struct slice modlisp_line_content(const struct buf *line)
{
    struct slice s = modlisp_view(line);
    if (s.len > 0 && s.ptr[s.len - 1] == '\r')
        s.len--;
    return s;
}

/* A whole line (its LF consumed) is in p->line: a key or a value. */
static enum parse_rc modlisp_line_end(struct modlisp_parser *p)
{
    struct slice line = modlisp_line_content(&p->line);
    if (line.len > p->limits.max_line)
        return modlisp_parser_fail(p, "line too long");
    if (!slice_is_one_line(line))
        return modlisp_parser_fail(p, "CR or NUL inside a line");

    if (p->state == MODLISP_PARSER_KEY) {
        if (line.len == 0)
            return modlisp_parser_fail(p, "empty key");
        if (slice_eq_nocase(line, "end")) {
            p->state = MODLISP_PARSER_DONE;
            buf_clear(&p->line);
            return PARSE_OK;
        }
        if (p->pairs >= p->limits.max_fields)
            return modlisp_parser_fail(p, "too many fields");
        p->pairs++;
        buf_clear(&p->key);
        buf_append(&p->key, line.ptr, line.len);
        buf_clear(&p->line);
        p->state = MODLISP_PARSER_VALUE;
        return PARSE_AGAIN;
    }

    enum parse_rc rc = modlisp_pair_apply(p, modlisp_view(&p->key), line);
    if (rc != PARSE_AGAIN)
        return rc;
    buf_clear(&p->key);
    buf_clear(&p->line);
    p->state = MODLISP_PARSER_KEY;
    return PARSE_AGAIN;
}

/* Limits are checked byte by byte, so where the input is split never
 * changes which error is reported. */
enum parse_rc modlisp_response_feed(struct modlisp_parser *p, const uint8_t **pos, const uint8_t *end)
{
    if (p->state == MODLISP_PARSER_DONE)
        return PARSE_OK;
    if (p->state == MODLISP_PARSER_FAILED)
        return PARSE_ERROR;
    while (*pos < end) {
        const uint8_t *start = *pos, *q;
        size_t line_len = buf_size(&p->line);
        bool eol = false;
        for (q = start; q < end; q++) {
            if (p->block_bytes >= p->limits.max_block) {
                *pos = q;
                return modlisp_parser_fail(p, "header block too large");
            }
            p->block_bytes++;
            if (*q == '\n') {
                eol = true;
                break;
            }
            /* max_line counts neither the LF nor a CR right before it */
            if (++line_len - 1 > p->limits.max_line) {
                *pos = q;
                return modlisp_parser_fail(p, "line too long");
            }
        }
        buf_append(&p->line, start, (size_t)(q - start));
        if (!eol) {
            *pos = end;
            return PARSE_AGAIN;
        }
        *pos = q + 1;
        enum parse_rc rc = modlisp_line_end(p);
        if (rc != PARSE_AGAIN)
            return rc;
    }
    return PARSE_AGAIN;
}

/* cl-modlisp answers "end" without its LF at EOF (section 8.1), and a Lisp
 * that closes right after it may write nothing more. */
enum parse_rc modlisp_response_finish(struct modlisp_parser *p)
{
    if (p->state == MODLISP_PARSER_DONE)
        return PARSE_OK;
    if (p->state == MODLISP_PARSER_FAILED)
        return PARSE_ERROR;
    if (p->state == MODLISP_PARSER_KEY && slice_eq_nocase(modlisp_line_content(&p->line), "end")) {
        p->state = MODLISP_PARSER_DONE;
        buf_clear(&p->line);
        return PARSE_OK;
    }
    return modlisp_parser_fail(p, p->block_bytes == 0 ? "EOF before any response byte"
                                                      : "EOF inside the header block");
}
