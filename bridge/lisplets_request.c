/* lisplets_request.c - the Lisplets request s-expression.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "lisplets_request.h"

#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "sexp.h"
#include "xalloc.h"

/* A growing list of pairs (the slices borrow from elsewhere). */
struct lr_pairs {
    struct lisplets_pair *v;
    size_t n, cap;
};

static void lr_pairs_add(struct lr_pairs *p, struct slice name, struct slice value)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = (struct lisplets_pair){name, value};
}

static void lr_cookie(void *ctx, struct slice name, struct slice value)
{
    lr_pairs_add(ctx, name, value);
}

static struct slice lr_str(const char *s)
{
    return (struct slice){(const uint8_t *)s, strlen(s)};
}

static void lr_tag(struct buf *out, const struct lisplets_opts *o, const char *tag)
{
    sexp_name_append(out, o->tag_prefix, o->tag_suffix, lr_str(tag));
}

/* "(tag " */
static void lr_open(struct buf *out, const struct lisplets_opts *o, const char *tag)
{
    buf_append_byte(out, '(');
    lr_tag(out, o, tag);
    buf_append_byte(out, ' ');
}

/* (tag "value") */
static void lr_string(struct buf *out, const struct lisplets_opts *o, const char *tag,
                      struct slice value)
{
    lr_open(out, o, tag);
    sexp_string_append(out, value);
    buf_append_byte(out, ')');
}

/* (tag LITERAL): a number or lisp-true / lisp-false */
static void lr_literal(struct buf *out, const struct lisplets_opts *o, const char *tag,
                       const char *literal)
{
    lr_open(out, o, tag);
    buf_append_str(out, literal);
    buf_append_byte(out, ')');
}

static void lr_number(struct buf *out, const struct lisplets_opts *o, const char *tag, int64_t v)
{
    lr_open(out, o, tag);
    buf_printf(out, "%lld", (long long)v);
    buf_append_byte(out, ')');
}

static bool lr_same(struct slice a, struct slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* A pair's name and place, sorted by name, then place. */
struct lr_key {
    struct slice name;
    size_t index;
};

static int lr_key_cmp(const void *pa, const void *pb)
{
    const struct lr_key *a = pa, *b = pb;
    size_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
    int c = n > 0 ? memcmp(a->name.ptr, b->name.ptr, n) : 0;
    if (c != 0)
        return c;
    if (a->name.len != b->name.len)
        return a->name.len < b->name.len ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* A run of one name in the sorted keys, and where the name first came. */
struct lr_group {
    size_t first, start, end;
};

static int lr_group_cmp(const void *pa, const void *pb)
{
    const struct lr_group *a = pa, *b = pb;
    return (a->first > b->first) - (a->first < b->first);
}

/* (tag (NAME "v1" "v2")...): the values of a name together, names in the
 * order they first came. Sorted, not compared pair with pair: a client
 * may send thousands of fields (or cookies) to one request. */
static void lr_grouped(struct buf *out, const struct lisplets_opts *o, const char *tag,
                       const struct lisplets_pair *v, size_t n)
{
    lr_open(out, o, tag);
    struct lr_key *keys = xcalloc(n + 1, sizeof *keys);
    struct lr_group *groups = xcalloc(n + 1, sizeof *groups);
    for (size_t i = 0; i < n; i++)
        keys[i] = (struct lr_key){v[i].name, i};
    if (n > 0)
        qsort(keys, n, sizeof *keys, lr_key_cmp);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || !lr_same(keys[i].name, keys[i - 1].name))
            groups[ng++] = (struct lr_group){keys[i].index, i, i};
        groups[ng - 1].end = i + 1;
    }
    if (ng > 0)
        qsort(groups, ng, sizeof *groups, lr_group_cmp);
    for (size_t g = 0; g < ng; g++) {
        buf_append_byte(out, '(');
        sexp_name_append(out, o->tag_prefix, o->tag_suffix, v[groups[g].first].name);
        for (size_t k = groups[g].start; k < groups[g].end; k++) {
            buf_append_byte(out, ' ');
            sexp_string_append(out, v[keys[k].index].value);
        }
        buf_append_byte(out, ')');
    }
    free(keys);
    free(groups);
    buf_append_byte(out, ')');
}

/* The HTTP_* params but Cookie, names rebuilt into names (which must
 * not move once the slices are taken: they are taken at the end). */
static void lr_headers(struct buf *out, const struct lisplets_opts *o,
                       const struct cgi_request *req)
{
    struct buf names = BUF_INIT;
    size_t *offs = xcalloc(req->n + 1, sizeof *offs);
    struct lr_pairs h = {0};
    for (size_t i = 0; i < req->n; i++) {
        struct slice name, value;
        cgi_request_at(req, i, &name, &value);
        if (name.len <= 5 || memcmp(name.ptr, "HTTP_", 5) != 0 ||
            (name.len == 11 && memcmp(name.ptr, "HTTP_COOKIE", 11) == 0))
            continue;
        offs[h.n] = buf_size(&names);
        cgi_header_name_append(&names, name);
        lr_pairs_add(&h, (struct slice){NULL, buf_size(&names) - offs[h.n]}, value);
    }
    for (size_t i = 0; i < h.n; i++)
        h.v[i].name.ptr = buf_data(&names) + offs[i];
    lr_grouped(out, o, "headers", h.v, h.n);
    free(h.v);
    free(offs);
    buf_free(&names);
}

static void lr_pairs_of_form(struct lr_pairs *p, const struct form_pairs *f)
{
    for (size_t i = 0; f != NULL && i < f->n; i++)
        lr_pairs_add(p, form_pair_name(f, i), form_pair_value(f, i));
}

/* The request's path: REQUEST_URI up to '?', else SCRIPT_NAME PATH_INFO. */
static void lr_uri(struct buf *out, const struct lisplets_opts *o, const struct cgi_request *req)
{
    struct slice uri;
    if (cgi_request_get(req, "REQUEST_URI", &uri)) {
        const uint8_t *q = memchr(uri.ptr, '?', uri.len);
        if (q != NULL)
            uri.len = (size_t)(q - uri.ptr);
        lr_string(out, o, "uri", uri);
        return;
    }
    struct slice script = {NULL, 0}, path = {NULL, 0};
    cgi_request_get(req, "SCRIPT_NAME", &script);
    cgi_request_get(req, "PATH_INFO", &path);
    struct buf b = BUF_INIT;
    buf_append(&b, script.ptr, script.len);
    buf_append(&b, path.ptr, path.len);
    lr_string(out, o, "uri", buf_slice(&b));
    buf_free(&b);
}

static struct slice lr_param(const struct cgi_request *req, const char *name)
{
    struct slice v = {(const uint8_t *)"", 0};
    cgi_request_get(req, name, &v);
    return v;
}

static void lr_context(struct buf *out, const struct lisplets_request_input *in,
                       const struct lisplets_opts *o)
{
    lr_open(out, o, "context");
    lr_string(out, o, "name", lr_str(o->context_name));
    if (o->n_context_params > 0)
        lr_grouped(out, o, "params", o->context_params, o->n_context_params);
    if (in->n_context_attrs > 0)
        lr_grouped(out, o, "attrs", in->context_attrs, in->n_context_attrs);
    buf_append_byte(out, ')');
    lr_open(out, o, "servlet");
    lr_string(out, o, "name", lr_str(o->servlet_name));
    if (o->n_servlet_params > 0)
        lr_grouped(out, o, "params", o->servlet_params, o->n_servlet_params);
    buf_append_byte(out, ')');
}

static void lr_session(struct buf *out, const struct lisplets_session_info *s,
                       const struct lisplets_opts *o)
{
    lr_open(out, o, "session");
    lr_string(out, o, "id", s->id);
    lr_literal(out, o, "is-new", s->is_new ? o->true_text : o->false_text);
    lr_number(out, o, "creation-time", s->creation_ms);
    lr_number(out, o, "last-accessed-time", s->last_accessed_ms);
    lr_number(out, o, "max-inactive-interval", s->max_inactive_s);
    if (s->n_attrs > 0)
        lr_grouped(out, o, "attrs", s->attrs, s->n_attrs);
    buf_append_byte(out, ')');
}

static bool lr_has_role(const struct lisplets_role *r, struct slice user)
{
    for (const char *const *u = r->users; u != NULL && *u != NULL; u++)
        if (lr_same(lr_str(*u), user))
            return true;
    return false;
}

static void lr_user(struct buf *out, const struct cgi_request *req, const struct lisplets_opts *o)
{
    struct slice user, auth;
    if (!cgi_request_get(req, "REMOTE_USER", &user) || user.len == 0)
        return;
    lr_open(out, o, "user");
    lr_string(out, o, "name", user);
    if (cgi_request_get(req, "AUTH_TYPE", &auth) && auth.len > 0)
        lr_string(out, o, "auth-type", auth);
    if (o->n_roles > 0) {
        lr_open(out, o, "roles");
        for (size_t i = 0; i < o->n_roles; i++) {
            buf_append_byte(out, '(');
            sexp_name_append(out, o->tag_prefix, o->tag_suffix, lr_str(o->roles[i].name));
            buf_append_byte(out, ' ');
            buf_append_str(out, lr_has_role(&o->roles[i], user) ? o->true_text : o->false_text);
            buf_append_byte(out, ')');
        }
        buf_append_byte(out, ')');
    }
    buf_append_byte(out, ')');
}

void lisplets_request_encode(struct buf *out, const struct lisplets_request_input *in,
                             const struct lisplets_opts *o)
{
    const struct cgi_request *req = in->cgi;
    buf_append_byte(out, '(');
    lr_string(out, o, "method", lr_param(req, "REQUEST_METHOD"));
    lr_uri(out, o, req);
    lr_string(out, o, "protocol", lr_param(req, "SERVER_PROTOCOL"));
    struct slice https = lr_param(req, "HTTPS");
    bool secure = https.len == 2 && (https.ptr[0] | 0x20) == 'o' && (https.ptr[1] | 0x20) == 'n';
    lr_literal(out, o, "is-secure", secure ? o->true_text : o->false_text);
    lr_headers(out, o, req);
    struct slice cookie;
    if (cgi_request_get(req, "HTTP_COOKIE", &cookie)) {
        struct lr_pairs c = {0};
        cookie_parse(cookie, lr_cookie, &c);
        lr_grouped(out, o, "cookies", c.v, c.n);
        free(c.v);
    }
    struct lr_pairs p = {0};
    lr_pairs_of_form(&p, in->params);
    lr_grouped(out, o, "params", p.v, p.n);
    free(p.v);
    lr_context(out, in, o);
    if (in->session != NULL)
        lr_session(out, in->session, o);
    lr_user(out, req, o);
    if (in->body_length >= 0)
        lr_number(out, o, "body-length", in->body_length);
    buf_append_byte(out, ')');
}
