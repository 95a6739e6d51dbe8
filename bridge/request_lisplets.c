/* request_lisplets.c - the Lisplets side of a request.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "request_lisplets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/random.h>
#include <time.h>

#include "conn.h"
#include "cookie.h"
#include "lisplets_request.h"
#include "log.h"
#include "request.h"
#include "store.h"
#include "xalloc.h"

#define REQUEST_LISPLETS_MAX_PAIRS 10000

/* The per-request state, made on first use. */
static struct request_lisplets *request_lisplets_get(struct request *r)
{
    if (r->ll == NULL) {
        r->ll = xcalloc(1, sizeof *r->ll);
        form_pairs_init(&r->ll->params, REQUEST_LISPLETS_MAX_PAIRS, r->srv->cfg->max_form);
        store_record_init(&r->ll->session);
        store_record_init(&r->ll->context);
        lisplets_reply_init(&r->ll->reply);
        lisplets_outcome_init(&r->ll->outcome);
    }
    return r->ll;
}

void request_lisplets_free(struct request *r)
{
    if (r->ll == NULL)
        return;
    form_pairs_free(&r->ll->params);
    store_record_free(&r->ll->session);
    store_record_free(&r->ll->context);
    lisplets_reply_free(&r->ll->reply);
    lisplets_outcome_free(&r->ll->outcome);
    free(r->ll);
    r->ll = NULL;
}

/* POST with Content-Type application/x-www-form-urlencoded (parameters
 * after ';' allowed, any case). */
static bool request_lisplets_is_form(const struct request *r)
{
    struct slice method, type;
    static const char form[] = "application/x-www-form-urlencoded";
    if (!cgi_request_get(&r->cgi, "REQUEST_METHOD", &method) || !slice_eq(method, "POST") ||
        !cgi_request_get(&r->cgi, "CONTENT_TYPE", &type) || type.len < sizeof form - 1 ||
        strncasecmp((const char *)type.ptr, form, sizeof form - 1) != 0)
        return false;
    return type.len == sizeof form - 1 || type.ptr[sizeof form - 1] == ';' ||
           type.ptr[sizeof form - 1] == ' ';
}

/* The spooled form body through the decoder. */
static int request_lisplets_form(struct request *r, struct form_pairs *params, char *err,
                                 size_t errlen)
{
    if (r->spool.size > r->srv->cfg->max_form) {
        snprintf(err, errlen, "form body of %llu bytes over max-form (%zu)",
                 (unsigned long long)r->spool.size, r->srv->cfg->max_form);
        return 413;
    }
    struct form_decoder d;
    form_decoder_init(&d, params);
    uint8_t chunk[16384];
    int status = 0;
    for (uint64_t left = r->spool.size; left > 0 && status == 0;) {
        ssize_t n = spool_read(&r->spool, chunk, left < sizeof chunk ? (size_t)left : sizeof chunk);
        if (n <= 0) {
            snprintf(err, errlen, "cannot read back the spooled form: %s",
                     n < 0 ? strerror(errno) : "file is short");
            status = 500;
            break;
        }
        const uint8_t *pos = chunk;
        if (form_decode_feed(&d, &pos, chunk + n) == PARSE_ERROR) {
            snprintf(err, errlen, "form body: %s", d.err);
            status = 413;
        }
        left -= (uint64_t)n;
    }
    if (status == 0 && form_decode_finish(&d) == PARSE_ERROR) {
        snprintf(err, errlen, "form body: %s", d.err);
        status = 413;
    }
    form_decoder_free(&d);
    return status;
}

/* NAME=VALUE settings as pairs (borrowing from the strings). */
static struct lisplets_pair *request_lisplets_pairs(char **list, size_t *n)
{
    size_t count = 0;
    while (list != NULL && list[count] != NULL)
        count++;
    struct lisplets_pair *v = xcalloc(count + 1, sizeof *v);
    for (size_t i = 0; i < count; i++) {
        const char *eq = strchr(list[i], '=');
        v[i].name = (struct slice){(const uint8_t *)list[i], (size_t)(eq - list[i])};
        v[i].value = (struct slice){(const uint8_t *)eq + 1, strlen(eq + 1)};
    }
    *n = count;
    return v;
}

/* The next word of *p (separated by blanks or commas), NULL at the end. */
static char *request_lisplets_word(const char **p)
{
    *p += strspn(*p, " \t,");
    size_t n = strcspn(*p, " \t,");
    if (n == 0)
        return NULL;
    char *w = xstrndup(*p, n);
    *p += n;
    return w;
}

/* lisp-roles, each with the users lisp-role gives it. */
static struct lisplets_role *request_lisplets_roles(const struct settings *cfg, size_t *n)
{
    size_t cap = 4, count = 0;
    struct lisplets_role *roles = xcalloc(cap, sizeof *roles);
    const char *p = cfg->lisp_roles;
    for (char *name; (name = request_lisplets_word(&p)) != NULL;) {
        if (count == cap) {
            cap *= 2;
            roles = xrealloc(roles, cap * sizeof *roles);
        }
        size_t ucap = 4, nu = 0;
        char **users = xcalloc(ucap, sizeof *users);
        for (char **line = cfg->lisp_role; line != NULL && *line != NULL; line++) {
            const char *q = *line;
            char *role = request_lisplets_word(&q);
            bool mine = role != NULL && strcmp(role, name) == 0;
            free(role);
            for (char *u; mine && (u = request_lisplets_word(&q)) != NULL;) {
                if (nu + 1 >= ucap) {
                    ucap *= 2;
                    users = xrealloc(users, ucap * sizeof *users);
                }
                users[nu++] = u;
            }
        }
        users[nu] = NULL;
        roles[count++] = (struct lisplets_role){name, (const char *const *)users};
    }
    *n = count;
    return roles;
}

static void request_lisplets_roles_free(struct lisplets_role *roles, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char **users = (char **)roles[i].users;
        for (size_t u = 0; users[u] != NULL; u++)
            free(users[u]);
        free(users);
        free((char *)roles[i].name);
    }
    free(roles);
}

/* What Lisplets requests take from the settings, derived once per
 * configuration (SIGHUP makes a new one; the old settings are kept until
 * exit, so a pointer names one configuration). */
struct request_lisplets_setup {
    const struct settings *cfg;        /* borrowed: what this was made from */
    struct lisplets_opts opts;         /* its arrays are the owned fields below */
    struct lisplets_pair *context;     /* owned: context-param */
    struct lisplets_pair *servlet;     /* owned: lisp-host, lisp-port, servlet-param */
    struct lisplets_role *roles;       /* owned */
    char host[160], port[8];           /* the first backend's, for lisp-host and lisp-port */
};

void request_lisplets_setup_free(struct request_lisplets_setup *st)
{
    if (st == NULL)
        return;
    free(st->context);
    free(st->servlet);
    request_lisplets_roles_free(st->roles, st->opts.n_roles);
    free(st);
}

static struct request_lisplets_setup *request_lisplets_setup_new(const struct server *srv)
{
    const struct settings *cfg = srv->cfg;
    struct request_lisplets_setup *st = xcalloc(1, sizeof *st);
    st->cfg = cfg;
    const struct addr *a = &srv->backends[0].url->addr;
    if (a->family == AF_UNIX) {
        snprintf(st->host, sizeof st->host, "%s", addr_unix_path(a));
    } else {
        addr_format(a, st->host, sizeof st->host);
        char *colon = strrchr(st->host, ':');
        if (colon != NULL)
            *colon = '\0';
        snprintf(st->port, sizeof st->port, "%u", addr_port(a));
    }
    size_t n_servlet, n_context, n_roles;
    struct lisplets_pair *params = request_lisplets_pairs(cfg->servlet_param, &n_servlet);
    st->context = request_lisplets_pairs(cfg->context_param, &n_context);
    st->servlet = xcalloc(n_servlet + 2, sizeof *st->servlet);
    st->servlet[0] = (struct lisplets_pair){SLICE_STR("lisp-host"),
                                            {(const uint8_t *)st->host, strlen(st->host)}};
    st->servlet[1] = (struct lisplets_pair){SLICE_STR("lisp-port"),
                                            {(const uint8_t *)st->port, strlen(st->port)}};
    memcpy(st->servlet + 2, params, n_servlet * sizeof *params);
    free(params);
    st->roles = request_lisplets_roles(cfg, &n_roles);
    st->opts = (struct lisplets_opts){.tag_prefix = cfg->lisp_tag_prefix,
                                      .tag_suffix = cfg->lisp_tag_suffix,
                                      .true_text = cfg->lisp_true,
                                      .false_text = cfg->lisp_false,
                                      .context_name = cfg->context_name,
                                      .context_params = st->context,
                                      .n_context_params = n_context,
                                      .servlet_name = cfg->servlet_name,
                                      .servlet_params = st->servlet,
                                      .n_servlet_params = n_servlet + 2,
                                      .roles = st->roles,
                                      .n_roles = n_roles};
    return st;
}

/* The server's setup for its current settings. */
static const struct lisplets_opts *request_lisplets_opts(struct server *srv)
{
    if (srv->lisplets == NULL || srv->lisplets->cfg != srv->cfg) {
        request_lisplets_setup_free(srv->lisplets);
        srv->lisplets = request_lisplets_setup_new(srv);
    }
    return &srv->lisplets->opts;
}

/* ------------------------------------------------------------------------ */
/* Sessions and context                                                      */
/* ------------------------------------------------------------------------ */

static int64_t request_lisplets_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "s:" + the session id, or the context's key. */
static struct slice request_lisplets_key(const struct request_lisplets *ll, char out[36])
{
    memcpy(out, "s:", 2);
    memcpy(out + 2, ll->session_id, 32);
    return (struct slice){(const uint8_t *)out, 34};
}

static void request_lisplets_store_failed(const struct request *r, const char *err)
{
    log_warn("request from %s: %s; answered without it", r->conn->peer, err);
}

struct request_lisplets_cookie {
    const char *name;
    struct slice value;
    bool found;
};

static void request_lisplets_cookie_cb(void *ctx, struct slice name, struct slice value)
{
    struct request_lisplets_cookie *c = ctx;
    if (!c->found && slice_eq(name, c->name)) {
        c->value = value;
        c->found = true;
    }
}

/* 32 lower-case hex digits, as fcgi-lisp makes them. */
static bool request_lisplets_id_ok(struct slice v)
{
    if (v.len != 32)
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (!((v.ptr[i] >= '0' && v.ptr[i] <= '9') || (v.ptr[i] >= 'a' && v.ptr[i] <= 'f')))
            return false;
    return true;
}

struct request_lisplets_touch {
    int64_t now_ms, previous_ms; /* previous: when it was last accessed before */
    bool existed;
};

static enum store_action request_lisplets_touch_cb(void *ctx, struct store_record *rec,
                                                   bool existed)
{
    struct request_lisplets_touch *t = ctx;
    t->existed = existed;
    if (!existed)
        return STORE_KEEP;
    t->previous_ms = rec->accessed_ms;
    rec->accessed_ms = t->now_ms;
    return STORE_SAVE;
}

struct request_lisplets_create {
    int64_t now_ms, max_inactive_s;
};

static enum store_action request_lisplets_create_cb(void *ctx, struct store_record *rec,
                                                    bool existed)
{
    const struct request_lisplets_create *c = ctx;
    if (existed)
        return STORE_KEEP; /* 128 random bits that collide: left alone */
    rec->created_ms = rec->accessed_ms = c->now_ms;
    rec->max_inactive_s = c->max_inactive_s;
    return STORE_SAVE;
}

/* A new session for r, stored, its cookie to be set. */
static void request_lisplets_new_session(struct request *r)
{
    struct request_lisplets *ll = r->ll;
    uint8_t raw[16];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        request_lisplets_store_failed(r, "no random bytes for a session id");
        return;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(ll->session_id + 2 * i, 3, "%02x", raw[i]);
    struct request_lisplets_create c = {ll->now_ms, (int64_t)r->srv->cfg->session_timeout};
    char key[36], err[256];
    if (store_update(r->srv->store, request_lisplets_key(ll, key), ll->now_ms,
                     request_lisplets_create_cb, &c, &ll->session, err, sizeof err) < 0) {
        request_lisplets_store_failed(r, err);
        return;
    }
    ll->has_session = ll->session_new = true;
}

/* The session the request's cookie names (touched), or a new one with
 * lisp-create-session; the context's attributes. *previous_ms: when the
 * session was last accessed before this request. */
static void request_lisplets_load_state(struct request *r, int64_t *previous_ms)
{
    struct request_lisplets *ll = r->ll;
    const struct settings *cfg = r->srv->cfg;
    char key[36], err[256];
    ll->has_session = ll->session_new = false;
    ll->now_ms = request_lisplets_now_ms();
    *previous_ms = ll->now_ms;
    struct slice header;
    struct request_lisplets_cookie c = {cfg->session_cookie, {NULL, 0}, false};
    if (cgi_request_get(&r->cgi, "HTTP_COOKIE", &header))
        cookie_parse(header, request_lisplets_cookie_cb, &c);
    if (c.found && request_lisplets_id_ok(c.value)) {
        memcpy(ll->session_id, c.value.ptr, 32);
        ll->session_id[32] = '\0';
        struct request_lisplets_touch t = {ll->now_ms, ll->now_ms, false};
        if (store_update(r->srv->store, request_lisplets_key(ll, key), ll->now_ms,
                         request_lisplets_touch_cb, &t, &ll->session, err, sizeof err) < 0)
            request_lisplets_store_failed(r, err);
        ll->has_session = t.existed;
        *previous_ms = t.previous_ms;
    }
    if (!ll->has_session && cfg->lisp_create_session)
        request_lisplets_new_session(r);
    if (store_get(r->srv->store, SLICE_STR("c"), ll->now_ms, &ll->context, err, sizeof err) < 0)
        request_lisplets_store_failed(r, err);
}

/* A record's attributes as pairs (borrowing from it). */
static struct lisplets_pair *request_lisplets_attrs(const struct store_record *rec)
{
    struct lisplets_pair *v = xcalloc(rec->n + 1, sizeof *v);
    for (size_t i = 0; i < rec->n; i++)
        v[i] = (struct lisplets_pair){store_attr_name(rec, i), store_attr_value(rec, i)};
    return v;
}

struct request_lisplets_apply {
    const struct lisplets_ops *ops;
    int64_t now_ms, max_inactive_s; /* max_inactive_s INT64_MIN: unchanged */
    int64_t new_max_inactive_s;     /* a record made here */
};

static enum store_action request_lisplets_apply_cb(void *ctx, struct store_record *rec,
                                                   bool existed)
{
    const struct request_lisplets_apply *a = ctx;
    if (!existed) {
        rec->created_ms = a->now_ms;
        rec->max_inactive_s = a->new_max_inactive_s;
    }
    rec->accessed_ms = a->now_ms;
    if (a->max_inactive_s != INT64_MIN)
        rec->max_inactive_s = a->max_inactive_s;
    for (size_t i = 0; i < a->ops->n; i++) {
        const struct lisplets_attr_op *op = &a->ops->v[i];
        if (store_record_set(rec, op->name, op->remove ? NULL : &op->value) < 0)
            return STORE_KEEP; /* past the attribute limit: nothing of it */
    }
    return STORE_SAVE;
}

static enum store_action request_lisplets_delete_cb(void *ctx, struct store_record *rec,
                                                    bool existed)
{
    return existed ? STORE_DELETE : STORE_KEEP;
}

/* The reply's (session ...) and (context ...), and the new session's
 * cookie into r->resp. */
static void request_lisplets_save_state(struct request *r)
{
    struct request_lisplets *ll = r->ll;
    const struct lisplets_outcome *oc = &ll->outcome;
    const struct settings *cfg = r->srv->cfg;
    char key[36], err[256];
    int rc = 0;
    if (oc->session_invalidate && ll->has_session) {
        rc = store_update(r->srv->store, request_lisplets_key(ll, key), ll->now_ms,
                          request_lisplets_delete_cb, NULL, &ll->session, err, sizeof err);
    } else if (oc->session && !oc->session_invalidate) {
        if (!ll->has_session)
            request_lisplets_new_session(r);
        struct request_lisplets_apply a = {&oc->session_ops, ll->now_ms, oc->max_inactive,
                                           (int64_t)cfg->session_timeout};
        if (ll->has_session)
            rc = store_update(r->srv->store, request_lisplets_key(ll, key), ll->now_ms,
                              request_lisplets_apply_cb, &a, &ll->session, err, sizeof err);
    }
    if (rc < 0)
        request_lisplets_store_failed(r, err);
    if (oc->context_ops.n > 0) {
        struct request_lisplets_apply a = {&oc->context_ops, ll->now_ms, INT64_MIN, -1};
        if (store_update(r->srv->store, SLICE_STR("c"), ll->now_ms, request_lisplets_apply_cb,
                         &a, &ll->context, err, sizeof err) < 0)
            request_lisplets_store_failed(r, err);
    }
    if (ll->session_new) {
        struct buf b = BUF_INIT;
        buf_printf(&b, "%s=%s; Path=/; HttpOnly", cfg->session_cookie, ll->session_id);
        modlisp_response_add(&r->resp, MODLISP_FIELD_HEADER, 0, SLICE_STR("Set-Cookie"),
                             buf_slice(&b));
        buf_free(&b);
    }
}

/* ------------------------------------------------------------------------ */
/* The request and the reply                                                 */
/* ------------------------------------------------------------------------ */

int request_lisplets_encode(struct request *r, char *err, size_t errlen)
{
    const struct settings *cfg = r->srv->cfg;
    struct request_lisplets *ll = request_lisplets_get(r);
    struct slice qs;
    const char *why;
    form_pairs_clear(&ll->params);
    if (cgi_request_get(&r->cgi, "QUERY_STRING", &qs) &&
        form_decode(&ll->params, qs, &why) == PARSE_ERROR) {
        snprintf(err, errlen, "query string: %s", why);
        return 414;
    }
    int64_t raw = -1;
    r->body_length = 0;
    if (request_lisplets_is_form(r)) {
        int status = request_lisplets_form(r, &ll->params, err, errlen);
        if (status != 0)
            return status;
    } else if (cfg->lisplets_raw_body) {
        r->body_length = r->spool.size;
        raw = (int64_t)r->spool.size;
    }
    const struct lisplets_opts *o = request_lisplets_opts(r->srv);
    int64_t previous_ms;
    request_lisplets_load_state(r, &previous_ms);
    struct lisplets_pair *session_attrs = request_lisplets_attrs(&ll->session);
    struct lisplets_pair *context_attrs = request_lisplets_attrs(&ll->context);
    struct lisplets_session_info session = {
        {(const uint8_t *)ll->session_id, 32}, ll->session_new, ll->session.created_ms,
        previous_ms, ll->session.max_inactive_s, session_attrs, ll->session.n};
    struct lisplets_request_input in = {.cgi = &r->cgi,
                                        .params = &ll->params,
                                        .context_attrs = context_attrs,
                                        .n_context_attrs = ll->context.n,
                                        .session = ll->has_session ? &session : NULL,
                                        .body_length = raw};
    lisplets_request_encode(&r->bout, &in, o);
    free(session_attrs);
    free(context_attrs);
    /* A newline ends it (the servlet wrote none): CL's READ, which SBCL and
     * CCL servers use, reads one character past the closing parenthesis
     * and would wait for it; the raw body, if any, follows the newline. */
    buf_append_byte(&r->bout, '\n');
    static const struct lisplets_reply_limits base = LISPLETS_REPLY_LIMITS_DEFAULT;
    struct lisplets_reply_limits limits = base;
    limits.max_bytes = cfg->max_response_head;
    lisplets_reader_init(&ll->reader, &ll->reply, &limits);
    return 0;
}

enum parse_rc request_lisplets_feed(struct request *r, const uint8_t **pos, const uint8_t *end,
                                    char *err, size_t errlen)
{
    struct request_lisplets *ll = r->ll;
    enum parse_rc rc = lisplets_reader_feed(&ll->reader, pos, end);
    if (rc == PARSE_ERROR) {
        snprintf(err, errlen, "%s", ll->reader.err);
        return PARSE_ERROR;
    }
    if (rc == PARSE_AGAIN)
        return PARSE_AGAIN;
    const struct settings *cfg = r->srv->cfg;
    struct lisplets_response_opts o = {cfg->lisp_tag_prefix, cfg->lisp_true, cfg->lisp_null};
    if (lisplets_response_build(&r->resp, &ll->outcome, &ll->reply, &o, err, errlen) < 0)
        return PARSE_ERROR;
    request_lisplets_save_state(r);
    if (ll->outcome.fixed_body)
        r->resp.body_length = (int64_t)buf_size(&ll->outcome.body);
    return PARSE_OK;
}
