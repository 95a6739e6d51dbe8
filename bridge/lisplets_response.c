/* lisplets_response.c - a Lisplets reply's requests.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "lisplets_response.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "cgi_response.h"
#include "xalloc.h"

#define LR_NONE LISPLETS_REPLY_NONE

void lisplets_outcome_init(struct lisplets_outcome *o)
{
    *o = (struct lisplets_outcome){.max_inactive = INT64_MIN};
    buf_init(&o->body);
}

void lisplets_outcome_free(struct lisplets_outcome *o)
{
    buf_free(&o->body);
    free(o->session_ops.v);
    free(o->context_ops.v);
    o->session_ops = o->context_ops = (struct lisplets_ops){0};
}

static int lr_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int lr_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* An atom's text, a token losing a leading prefix (the servlet strips it
 * from tokens). */
static struct slice lr_text(const struct lisplets_reply *r, uint32_t node, const char *prefix)
{
    struct slice t = lisplets_node_text(r, node);
    size_t plen = strlen(prefix);
    if (!r->nodes[node].is_string && plen > 0 && t.len >= plen && memcmp(t.ptr, prefix, plen) == 0) {
        t.ptr += plen;
        t.len -= plen;
    }
    return t;
}

static bool lr_is_atom(const struct lisplets_reply *r, uint32_t node)
{
    return node != LR_NONE && !r->nodes[node].is_list;
}

/* The second element of list `node` (its value), or NONE. */
static uint32_t lr_value(const struct lisplets_reply *r, uint32_t node)
{
    uint32_t head = r->nodes[node].first;
    return head == LR_NONE ? LR_NONE : r->nodes[head].next;
}

/* A whole number, with an optional '-'. */
static bool lr_integer(struct slice t, int64_t *out)
{
    size_t i = t.len > 0 && t.ptr[0] == '-' ? 1 : 0;
    if (i == t.len || t.len - i > 18)
        return false;
    int64_t v = 0;
    for (; i < t.len; i++) {
        if (t.ptr[i] < '0' || t.ptr[i] > '9')
            return false;
        v = v * 10 + (t.ptr[i] - '0');
    }
    *out = t.ptr[0] == '-' ? -v : v;
    return true;
}

static bool lr_clean(struct slice v)
{
    for (size_t i = 0; i < v.len; i++)
        if (v.ptr[i] == '\r' || v.ptr[i] == '\n' || v.ptr[i] == '\0')
            return false;
    return true;
}

static bool lr_has_any(struct slice v, const char *bytes)
{
    for (size_t i = 0; i < v.len; i++)
        if (v.ptr[i] == '\0' || strchr(bytes, v.ptr[i]) != NULL)
            return true;
    return false;
}

static bool lr_eq_nocase(struct slice t, const char *s)
{
    return t.len == strlen(s) && strncasecmp((const char *)t.ptr, s, t.len) == 0;
}

/* The atom value of element `tag` of list, or NONE (the element missing,
 * or holding no atom). */
static uint32_t lr_find_value(const struct lisplets_reply *r, uint32_t list, const char *tag,
                              const char *prefix)
{
    uint32_t e = lisplets_reply_find(r, list, tag, prefix);
    if (e == LR_NONE)
        return LR_NONE;
    uint32_t v = lr_value(r, e);
    return lr_is_atom(r, v) ? v : LR_NONE;
}

/* A status or error code: 100..999. */
static int lr_code(const struct lisplets_reply *r, uint32_t node, const char *what, int *code,
                   char *err, size_t errlen)
{
    int64_t v;
    if (!lr_is_atom(r, node) || !lr_integer(lisplets_node_text(r, node), &v) || v < 100 ||
        v > 999)
        return lr_fail(err, errlen, "(%s ...) needs a code from 100 to 999", what);
    *code = (int)v;
    return 0;
}

static void lr_field(struct modlisp_response *resp, const char *name, struct slice value)
{
    modlisp_response_add(resp, MODLISP_FIELD_HEADER, 0,
                         (struct slice){(const uint8_t *)name, strlen(name)}, value);
}

/* redirect or error, when there is no status: the answer ends there.
 * 1 when one was found, 0 when not, -1 on a bad one. */
static int lr_ending(struct modlisp_response *resp, struct lisplets_outcome *out,
                     const struct lisplets_reply *r, const char *prefix, char *err, size_t errlen)
{
    uint32_t e = lisplets_reply_find(r, 0, "redirect", prefix);
    if (e != LR_NONE) {
        uint32_t url = lr_value(r, e);
        if (!lr_is_atom(r, url) || !lr_clean(lisplets_node_text(r, url)))
            return lr_fail(err, errlen, "(redirect ...) needs a URL on one line");
        resp->status = 302;
        lr_field(resp, "Location", lisplets_node_text(r, url));
        out->fixed_body = true;
        return 1;
    }
    e = lisplets_reply_find(r, 0, "error", prefix);
    if (e == LR_NONE)
        return 0;
    uint32_t code = lr_value(r, e);
    if (lr_code(r, code, "error", &resp->status, err, errlen) < 0)
        return -1;
    uint32_t msg = r->nodes[code].next;
    out->fixed_body = true;
    lr_field(resp, "Content-Type", (struct slice){(const uint8_t *)"text/plain", 10});
    if (lr_is_atom(r, msg)) {
        struct slice m = lisplets_node_text(r, msg);
        buf_append(&out->body, m.ptr, m.len);
    } else {
        buf_printf(&out->body, "%d %s", resp->status, cgi_status_reason(resp->status));
    }
    buf_append_byte(&out->body, '\n');
    return 1;
}

/* RFC 9110 tchar. */
static bool lr_token_ok(struct slice t)
{
    if (t.len == 0)
        return false;
    for (size_t i = 0; i < t.len; i++) {
        uint8_t c = t.ptr[i];
        bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        if (!alnum && (c == '\0' || strchr("!#$%&'*+-.^_`|~", c) == NULL))
            return false;
    }
    return true;
}

/* (headers (NAME "v" ...) ...) */
static int lr_headers(struct modlisp_response *resp, const struct lisplets_reply *r,
                      const char *prefix, char *err, size_t errlen)
{
    uint32_t h = lisplets_reply_find(r, 0, "headers", prefix);
    if (h == LR_NONE)
        return 0;
    for (uint32_t e = r->nodes[r->nodes[h].first].next; e != LR_NONE; e = r->nodes[e].next) {
        uint32_t name = r->nodes[e].is_list ? r->nodes[e].first : LR_NONE;
        if (!lr_is_atom(r, name))
            return lr_fail(err, errlen, "(headers ...) holds something that is not (NAME \"value\")");
        struct slice n = lr_text(r, name, prefix);
        if (!lr_token_ok(n))
            return lr_fail(err, errlen, "header name '%.*s' is not an HTTP token",
                           (int)(n.len > 64 ? 64 : n.len), (const char *)n.ptr);
        for (uint32_t v = r->nodes[name].next; v != LR_NONE; v = r->nodes[v].next) {
            if (!lr_is_atom(r, v) || !lr_clean(lisplets_node_text(r, v)))
                return lr_fail(err, errlen, "header %.*s: a value that is not one line of text",
                               (int)(n.len > 64 ? 64 : n.len), (const char *)n.ptr);
            modlisp_response_add(resp, MODLISP_FIELD_HEADER, 0, n, lisplets_node_text(r, v));
        }
    }
    return 0;
}

/* One (cookies ...) entry: ((name "n")(value "v")[(comment "c")] ...). */
static int lr_cookie(struct modlisp_response *resp, const struct lisplets_reply *r, uint32_t c,
                     const struct lisplets_response_opts *o, struct buf *line, char *err,
                     size_t errlen)
{
    const char *prefix = o->tag_prefix;
    uint32_t name = lr_find_value(r, c, "name", prefix);
    uint32_t value = lr_find_value(r, c, "value", prefix);
    if (name == LR_NONE || value == LR_NONE)
        return lr_fail(err, errlen, "a cookie without (name ...) and (value ...)");
    struct slice n = lisplets_node_text(r, name), v = lisplets_node_text(r, value);
    if (!lr_token_ok(n) || lr_has_any(v, ";, \t\r\n"))
        return lr_fail(err, errlen, "cookie '%.*s': a name that is not a token or a value "
                                    "with ';', ',', a blank or a line break",
                       (int)(n.len > 64 ? 64 : n.len), (const char *)n.ptr);
    buf_clear(line);
    buf_append(line, n.ptr, n.len);
    buf_append_byte(line, '=');
    buf_append(line, v.ptr, v.len);
    static const struct {
        const char *tag, *attr;
        bool number;
    } attrs[] = {{"comment", "Comment", false}, {"domain", "Domain", false},
                 {"max-age", "Max-Age", true},  {"path", "Path", false},
                 {"version", "Version", true}};
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        uint32_t a = lr_find_value(r, c, attrs[i].tag, prefix);
        if (a == LR_NONE)
            continue;
        struct slice t = lisplets_node_text(r, a);
        int64_t num;
        if (attrs[i].number && !lr_integer(t, &num))
            return lr_fail(err, errlen, "cookie %.*s: %s is not a whole number",
                           (int)(n.len > 64 ? 64 : n.len), (const char *)n.ptr, attrs[i].tag);
        if (!attrs[i].number && lr_has_any(t, ";\r\n"))
            return lr_fail(err, errlen, "cookie %.*s: %s holds ';' or a line break",
                           (int)(n.len > 64 ? 64 : n.len), (const char *)n.ptr, attrs[i].tag);
        if (attrs[i].number && num < 0)
            continue; /* max-age -1: the servlet's "until the browser closes" */
        buf_printf(line, "; %s=%.*s", attrs[i].attr, (int)t.len, (const char *)t.ptr);
    }
    uint32_t secure = lr_find_value(r, c, "secure", prefix);
    if (secure != LR_NONE && lr_eq_nocase(lr_text(r, secure, prefix), o->true_text))
        buf_append_str(line, "; Secure");
    lr_field(resp, "Set-Cookie", buf_slice(line));
    return 0;
}

static int lr_cookies(struct modlisp_response *resp, const struct lisplets_reply *r,
                      const struct lisplets_response_opts *o, char *err, size_t errlen)
{
    uint32_t cs = lisplets_reply_find(r, 0, "cookies", o->tag_prefix);
    if (cs == LR_NONE)
        return 0;
    struct buf line = BUF_INIT;
    int rc = 0;
    for (uint32_t c = r->nodes[r->nodes[cs].first].next; c != LR_NONE && rc == 0;
         c = r->nodes[c].next)
        rc = r->nodes[c].is_list ? lr_cookie(resp, r, c, o, &line, err, errlen)
                                 : lr_fail(err, errlen, "(cookies ...) holds an atom");
    buf_free(&line);
    return rc;
}

static void lr_op_add(struct lisplets_ops *ops, struct slice name, struct slice value, bool remove)
{
    if (ops->n == ops->cap) {
        ops->cap = ops->cap ? ops->cap * 2 : 8;
        ops->v = xrealloc(ops->v, ops->cap * sizeof *ops->v);
    }
    ops->v[ops->n++] = (struct lisplets_attr_op){name, value, remove};
}

/* (attrs (NAME "v") ...) inside `group` into ops. */
static int lr_attrs(struct lisplets_ops *ops, const struct lisplets_reply *r, uint32_t group,
                    const struct lisplets_response_opts *o, char *err, size_t errlen)
{
    uint32_t attrs = lisplets_reply_find(r, group, "attrs", o->tag_prefix);
    if (attrs == LR_NONE)
        return 0;
    for (uint32_t e = r->nodes[r->nodes[attrs].first].next; e != LR_NONE; e = r->nodes[e].next) {
        uint32_t name = r->nodes[e].is_list ? r->nodes[e].first : LR_NONE;
        uint32_t value = name != LR_NONE ? r->nodes[name].next : LR_NONE;
        if (!lr_is_atom(r, name) || !lr_is_atom(r, value))
            return lr_fail(err, errlen, "(attrs ...) holds something that is not (NAME \"value\")");
        struct slice v = lisplets_node_text(r, value);
        lr_op_add(ops, lr_text(r, name, o->tag_prefix), v, lr_eq_nocase(v, o->null_text));
    }
    return 0;
}

static int lr_state(struct lisplets_outcome *out, const struct lisplets_reply *r,
                    const struct lisplets_response_opts *o, char *err, size_t errlen)
{
    uint32_t ctx = lisplets_reply_find(r, 0, "context", o->tag_prefix);
    if (ctx != LR_NONE && lr_attrs(&out->context_ops, r, ctx, o, err, errlen) < 0)
        return -1;
    uint32_t s = lisplets_reply_find(r, 0, "session", o->tag_prefix);
    if (s == LR_NONE)
        return 0;
    out->session = true;
    for (uint32_t e = r->nodes[r->nodes[s].first].next; e != LR_NONE; e = r->nodes[e].next)
        if (r->nodes[e].is_list && lr_is_atom(r, r->nodes[e].first) &&
            lr_eq_nocase(lr_text(r, r->nodes[e].first, o->tag_prefix), "invalidate")) {
            out->session_invalidate = true;
            return 0; /* the rest of (session ...) is ignored, as by the servlet */
        }
    uint32_t mi = lr_find_value(r, s, "max-inactive-interval", o->tag_prefix);
    if (mi != LR_NONE && !lr_integer(lisplets_node_text(r, mi), &out->max_inactive))
        return lr_fail(err, errlen, "(max-inactive-interval ...) is not a whole number");
    return lr_attrs(&out->session_ops, r, s, o, err, errlen);
}

static int lr_log(struct modlisp_response *resp, const struct lisplets_reply *r,
                  const char *prefix, char *err, size_t errlen)
{
    uint32_t l = lisplets_reply_find(r, 0, "log", prefix);
    if (l == LR_NONE)
        return 0;
    for (uint32_t m = r->nodes[r->nodes[l].first].next; m != LR_NONE; m = r->nodes[m].next) {
        if (!lr_is_atom(r, m))
            return lr_fail(err, errlen, "(log ...) holds a list");
        modlisp_response_add(resp, MODLISP_FIELD_LOG, LOG_NOTICE,
                             (struct slice){(const uint8_t *)"log", 3},
                             lisplets_node_text(r, m));
    }
    return 0;
}

int lisplets_response_build(struct modlisp_response *resp, struct lisplets_outcome *out,
                            const struct lisplets_reply *r, const struct lisplets_response_opts *o,
                            char *err, size_t errlen)
{
    modlisp_response_clear(resp);
    resp->repeat_fields = true;
    lisplets_outcome_free(out);
    lisplets_outcome_init(out);
    uint32_t st = lr_find_value(r, 0, "status", o->tag_prefix);
    if (lisplets_reply_find(r, 0, "status", o->tag_prefix) != LR_NONE &&
        lr_code(r, st, "status", &resp->status, err, errlen) < 0)
        return -1;
    if (st == LR_NONE) {
        int ended = lr_ending(resp, out, r, o->tag_prefix, err, errlen);
        if (ended != 0)
            return ended < 0 ? -1 : 0;
    }
    if (lr_headers(resp, r, o->tag_prefix, err, errlen) < 0 ||
        lr_cookies(resp, r, o, err, errlen) < 0 || lr_state(out, r, o, err, errlen) < 0 ||
        lr_log(resp, r, o->tag_prefix, err, errlen) < 0)
        return -1;
    return 0;
}
