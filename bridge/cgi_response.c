/* cgi_response.c - the CGI response head toward the web server, and the
 * bridge's own error responses; no I/O.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgi_response.h"

/* RFC 9110 section 15 (and RFC 6585 for 428, 429, 431, 511). */
const char *cgi_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 511: return "Network Authentication Required";
    default: return "";
    }
}

/* Fields about the Lisp connection or the body framing, which the bridge
 * decides itself (RFC 3875 section 6.3: no transport fields from the
 * script; modlisp.md section 4 for the mod_lisp keys). */
static const char *const cgi_dropped_fields[] = {
    "Connection", "Keep-Alive", "Transfer-Encoding", "Keep-Socket",
    "Lisp-Content-Length", "Content-Length", "Status",
};

/* RFC 9110 section 5.6.2 tchar. */
static bool cgi_is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool cgi_field_name_ok(struct slice name)
{
    if (name.len == 0)
        return false;
    for (size_t i = 0; i < name.len; i++)
        if (!cgi_is_tchar(name.ptr[i]))
            return false;
    return true;
}


/* A header field that may reach the client. The mod_lisp parser already
 * refuses CR and NUL; checking again here keeps this writer safe on its own
 * (no response splitting, fastcgi.md section 6.2). */
static bool cgi_field_passes(const struct modlisp_response *r, const struct modlisp_field *f)
{
    if (f->kind != MODLISP_FIELD_HEADER)
        return false;
    struct slice name = modlisp_field_name(r, f);
    if (!cgi_field_name_ok(name) || !slice_is_one_line(modlisp_field_value(r, f)))
        return false;
    for (size_t i = 0; i < sizeof(cgi_dropped_fields) / sizeof(cgi_dropped_fields[0]); i++)
        if (slice_eq_nocase(name, cgi_dropped_fields[i]))
            return false;
    return true;
}

static bool cgi_names_equal(struct slice a, struct slice b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++) {
        uint8_t x = a.ptr[i], y = b.ptr[i];
        if (x >= 'A' && x <= 'Z')
            x = (uint8_t)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (uint8_t)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* Index of the next passing field after `from` named like `name`, or nfields. */
static size_t cgi_field_find(const struct modlisp_response *r, size_t from, struct slice name)
{
    for (size_t i = from + 1; i < r->nfields; i++)
        if (cgi_field_passes(r, &r->fields[i])
            && cgi_names_equal(modlisp_field_name(r, &r->fields[i]), name))
            return i;
    return r->nfields;
}

/* "NNN reason", or "NNN" when there is no phrase to give. */
static void cgi_status_text_append(struct buf *out, int status, struct slice reason)
{
    if (reason.len == 0) {
        const char *standard = cgi_status_reason(status);
        reason = (struct slice){(const uint8_t *)standard, strlen(standard)};
    }
    buf_append_u64(out, (uint64_t)status);
    if (reason.len > 0) {
        buf_append_byte(out, ' ');
        buf_append(out, reason.ptr, reason.len);
    }
}

static void cgi_status_line_append(struct buf *out, int status, struct slice reason)
{
    buf_append_str(out, "Status: ");
    cgi_status_text_append(out, status, reason);
    buf_append_str(out, "\r\n");
}

static void cgi_field_line_append(struct buf *out, struct slice name, struct slice value)
{
    buf_append(out, name.ptr, name.len);
    buf_append_str(out, ": ");
    buf_append(out, value.ptr, value.len);
    buf_append_str(out, "\r\n");
}

/* RFC 3875 section 6: one Status field, then the others, then an empty line.
 * A repeated name keeps the place of its first occurrence and the value of
 * its last (as Apache's apr_table_set did behind mod_lisp2: modlisp.md
 * section 5, X-Dup); Set-Cookie cannot be merged (RFC 6265 section 3) and is
 * repeated; with repeat_fields (Lisplets) every field is. */
void cgi_response_head_encode(struct buf *out, const struct modlisp_response *resp,
                              bool head_request, const char *default_content_type)
{
    bool have_type = false;
    cgi_status_line_append(out, resp->status, resp->reason);
    for (size_t i = 0; i < resp->nfields; i++) {
        const struct modlisp_field *f = &resp->fields[i];
        if (!cgi_field_passes(resp, f))
            continue;
        struct slice name = modlisp_field_name(resp, f);
        if (resp->repeat_fields || slice_eq_nocase(name, "Set-Cookie")) {
            cgi_field_line_append(out, name, modlisp_field_value(resp, f));
            have_type = have_type || slice_eq_nocase(name, "Content-Type");
            continue;
        }
        bool repeat = false;
        for (size_t j = 0; j < i && !repeat; j++)
            repeat = cgi_field_passes(resp, &resp->fields[j])
                  && cgi_names_equal(modlisp_field_name(resp, &resp->fields[j]), name);
        if (repeat)
            continue;
        size_t last = i;
        for (size_t k = cgi_field_find(resp, i, name); k < resp->nfields;
             k = cgi_field_find(resp, k, name))
            last = k;
        cgi_field_line_append(out, name, modlisp_field_value(resp, &resp->fields[last]));
        if (slice_eq_nocase(name, "Content-Type"))
            have_type = true;
    }
    if (!have_type && default_content_type != NULL && *default_content_type != '\0') {
        buf_append_str(out, "Content-Type: ");
        buf_append_str(out, default_content_type);
        buf_append_str(out, "\r\n");
    }
    /* HEAD: the length a GET would have had (TBNL sends Content-Length N with
     * Lisp-Content-Length 0, modlisp.md section 4); otherwise the bytes that
     * will really follow. */
    int64_t length = head_request ? resp->content_length : resp->body_length;
    if (length >= 0) {
        buf_append_str(out, "Content-Length: ");
        buf_append_u64(out, (uint64_t)length);
        buf_append_str(out, "\r\n");
    }
    buf_append_str(out, "\r\n");
}

void cgi_response_error_encode(struct buf *out, int status, unsigned retry_after)
{
    struct buf body = BUF_INIT;
    cgi_status_text_append(&body, status, (struct slice){NULL, 0});
    buf_append_byte(&body, '\n');
    cgi_status_line_append(out, status, (struct slice){NULL, 0});
    buf_printf(out, "Content-Type: text/plain\r\nContent-Length: %zu\r\n", buf_size(&body));
    if (retry_after > 0)
        buf_printf(out, "Retry-After: %u\r\n", retry_after);
    buf_append_str(out, "\r\n");
    buf_append(out, buf_data(&body), buf_size(&body));
    buf_free(&body);
}
