/* request.c - one FastCGI request forwarded to a mod_lisp backend.
 * fcgi-lisp, MIT licence.
 *
 * Life of a request: PARAMS are collected into a cgi_request; when they end
 * the body's length is known (CONTENT_LENGTH) and the request is encoded and
 * sent at once, streaming STDIN after it, or the length is unknown and STDIN
 * is spooled first (mod_lisp needs content-length before the body). The Lisp
 * reply's header block becomes a CGI head on STDOUT, its body follows, its
 * Log and Note lines go to STDERR. END_REQUEST goes out once the reply is
 * complete and STDIN has ended, so nothing the web server still sends is
 * mistaken for a new request and no reset destroys the reply in flight.
 *
 * Every failure is logged once here, where the backend and the request are
 * known, and answered with 502, 503 or 504 when no head was sent yet. */
#include "config.h"

#include "request.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cgi_response.h"
#include "conn.h"
#include "log.h"
#include "pool.h"
#include "request_lisplets.h"
#include "sock.h"
#include "upstream.h"
#include "watch.h"
#include "xalloc.h"

/* Request bytes queued for the Lisp above which the web server's connection
 * stops being read; below REQUEST_BOUT_LOW it is read again. */
#define REQUEST_BOUT_HIGH (256 * 1024)
#define REQUEST_BOUT_LOW (64 * 1024)
/* A spooled body is read back in pieces of this size. */
#define REQUEST_SPOOL_READ 65536
/* A request whose body is at most this long may go out on a kept socket: it
 * is kept until the first reply byte, to be re-sent if the Lisp had closed
 * that socket (modlisp.md, Keep-Socket). */
#define REQUEST_REPLAY_MAX (64 * 1024)
/* Retry-After of the 503 sent when no backend accepts connections. */
#define REQUEST_RETRY_AFTER 5

static void request_backend_cb(struct ev_loop *loop, ev_io *w, int revents);
static void request_queue_ready(struct upstream_waiter *w);
static void request_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void request_connect_next(struct request *r);
static bool request_connect_to(struct request *r);

/* "GET /path?query" for log lines. */
static const char *request_describe(const struct request *r, char *out, size_t outlen)
{
    struct slice method = SLICE_STR("?"), uri = SLICE_STR("?");
    cgi_request_get(&r->cgi, "REQUEST_METHOD", &method);
    cgi_request_get(&r->cgi, "REQUEST_URI", &uri);
    snprintf(out, outlen, "%.*s %.*s", (int)(method.len > 16 ? 16 : method.len),
             (const char *)method.ptr, (int)(uri.len > 200 ? 200 : uri.len), (const char *)uri.ptr);
    return out;
}

#define DESCRIBE(r) request_describe((r), (char[240]){0}, 240)

static const char *request_backend_name(const struct request *r)
{
    return r->be ? r->be->url->text : "(none)";
}

static void request_timer_arm(struct request *r, double seconds)
{
    r->timer.repeat = seconds;
    ev_timer_again(r->srv->loop, &r->timer);
}

/* Everything for the Lisp is written. */
static bool request_sent(const struct request *r)
{
    return buf_size(&r->bout) == 0 && r->n_gather == 0 && r->body_queued == r->body_length;
}

/* Re-arms the timer for the exchange: first byte once the request is sent,
 * else the idle I/O limit; none while the web server is not reading. */
static void request_exchange_timer(struct request *r)
{
    const struct settings *cfg = r->srv->cfg;
    if (r->output_paused) {
        ev_timer_stop(r->srv->loop, &r->timer);
        return;
    }
    request_timer_arm(r, request_sent(r) && !r->reply_started ? cfg->first_byte_timeout
                                                               : cfg->io_timeout);
}

static void request_backend_update(struct request *r)
{
    if (r->bsock == NULL)
        return;
    int events = 0;
    if (r->phase == REQUEST_CONNECTING) {
        events = EV_WRITE;
    } else {
        if (buf_size(&r->bout) > 0)
            events |= EV_WRITE;
        if (!r->output_paused && !r->response_done)
            events |= EV_READ;
    }
    watch_io_events(r->srv->loop, &r->bsock->io, events);
}

/* Gives the backend socket back to the pool (keep) or closes it, and stops
 * counting the request on its backend. */
static void request_backend_release(struct request *r, bool keep)
{
    if (r->bsock != NULL) {
        if (keep)
            upstream_keep(r->srv, r->bsock);
        else
            upstream_sock_close(r->srv, r->bsock);
        r->bsock = NULL;
    }
    if (r->holds_load) {
        r->holds_load = false;
        upstream_release(r->srv, r->be);
    }
}

static void request_unqueue(struct request *r)
{
    if (!r->queued)
        return;
    r->queued = false;
    upstream_dequeue(r->srv, &r->wait);
}

static void request_unblock_conn(struct request *r)
{
    if (!r->blocking_conn)
        return;
    r->blocking_conn = false;
    conn_unblock_read(r->conn);
}

/* Takes r off its connection's list (done by the caller) and hands it to the
 * reaper; it must not be touched by callbacks any more. */
static void request_retire(struct request *r)
{
    r->n_gather = 0;
    request_unqueue(r);
    ev_timer_stop(r->srv->loop, &r->timer);
    request_backend_release(r, false);
    request_unblock_conn(r);
    r->phase = REQUEST_ENDED;
    r->reap_next = r->srv->reap_requests;
    r->srv->reap_requests = r;
}

static void request_end(struct request *r, uint32_t app_status)
{
    if (r->phase == REQUEST_ENDED)
        return;
    struct conn *c = r->conn;
    request_retire(r);
    conn_end_request(c, r, app_status, FCGI_REQUEST_COMPLETE);
}

/* The answer is fully queued: end now if STDIN has ended, else discard what
 * the web server still sends and end when it has. */
static void request_after_response(struct request *r, uint32_t app_status)
{
    r->response_done = true;
    r->app_status = app_status;
    if (r->stdin_done) {
        request_end(r, app_status);
        return;
    }
    request_backend_release(r, false);
    request_unblock_conn(r);
    r->phase = REQUEST_DRAINING;
    request_timer_arm(r, r->srv->cfg->io_timeout);
    conn_flush(r->conn);
}

/* Answers with the bridge's own error page. No head may have been sent. */
static void request_reply_error(struct request *r, int status, unsigned retry_after)
{
    request_backend_release(r, false);
    buf_clear(&r->scratch);
    cgi_response_error_encode(&r->scratch, status, retry_after);
    conn_stream(r->conn, FCGI_STDOUT, r->id, buf_data(&r->scratch), buf_size(&r->scratch));
    r->head_sent = true;
    request_after_response(r, 0);
}

/* A failure after the PARAMS: an error page while no head was sent. Else the
 * reply ends here, short: lighttpd, nginx and mod_fcgid take an empty STDOUT
 * and END_REQUEST as a complete response whatever its appStatus, so the
 * broken reply is signalled by closing the connection without them (see
 * conn_abort_request). The caller has logged why. */
static void request_fail(struct request *r, int status)
{
    if (!r->head_sent) {
        request_reply_error(r, status, 0);
        return;
    }
    struct conn *c = r->conn;
    if (c->reqs.len > 1) {
        /* Closing would break the other requests: appStatus 1 is all that
         * can be said. Web servers do not multiplex, so this is rare. */
        request_backend_release(r, false);
        request_after_response(r, 1);
        return;
    }
    request_retire(r);
    conn_abort_request(c, r);
}

static void request_add_param(struct request *r, const struct fcgi_pair *pair)
{
    switch (cgi_request_add(&r->cgi, pair->name, pair->value)) {
    case CGI_REQUEST_OK:
        return;
    case CGI_REQUEST_TOO_LARGE:
        log_warn("request from %s: PARAMS over max-params (%zu bytes); answered 431",
                 r->conn->peer, r->srv->cfg->max_params);
        break;
    case CGI_REQUEST_TOO_MANY_HEADERS:
        log_warn("request from %s: more than max-headers (%zu) headers; answered 431",
                 r->conn->peer, r->srv->cfg->max_headers);
        break;
    }
    r->error_status = 431;
}

/* CONTENT_LENGTH absent or empty: unknown (nginx sends it empty for a GET and
 * for a chunked upload it streams). Otherwise it must be a decimal number. */
static void request_read_content_length(struct request *r)
{
    struct slice v;
    if (!cgi_request_get(&r->cgi, "CONTENT_LENGTH", &v) || v.len == 0)
        return;
    uint64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9' || n > (UINT64_MAX - 9) / 10) {
            log_warn("request %s from %s: CONTENT_LENGTH '%.*s' is not a number; answered 400",
                     DESCRIBE(r), r->conn->peer, (int)(v.len > 32 ? 32 : v.len),
                     (const char *)v.ptr);
            r->error_status = 400;
            return;
        }
        n = n * 10 + (uint64_t)(v.ptr[i] - '0');
    }
    r->body_known = true;
    r->body_length = n;
}

/* The Lisplets s-expression; 0, or -1 after answering. */
static int request_encode_lisplets(struct request *r)
{
    char err[256];
    int status = request_lisplets_encode(r, err, sizeof err);
    if (status != 0) {
        log_warn("request %s from %s: %s; answered %d", DESCRIBE(r), r->conn->peer, err, status);
        request_reply_error(r, status, 0);
        return -1;
    }
    r->may_reuse = false; /* a new connection for each request */
    return 0;
}

/* Appends the mod_lisp header block; 0, or -1 after answering 400. */
static int request_encode(struct request *r)
{
    if (r->lisplets)
        return request_encode_lisplets(r);
    struct modlisp_request_opts opts = {r->srv->cfg->server_id, r->srv->baseversion};
    struct slice bad;
    if (modlisp_request_encode(&r->bout, &r->cgi, &opts, r->body_length, &bad) !=
        MODLISP_ENCODE_OK) {
        log_warn("request %s from %s: CR or LF in %.*s, which mod_lisp cannot carry; answered 400",
                 DESCRIBE(r), r->conn->peer, (int)(bad.len > 64 ? 64 : bad.len),
                 (const char *)bad.ptr);
        request_reply_error(r, 400, 0);
        return -1;
    }
    r->may_reuse = r->body_length <= REQUEST_REPLAY_MAX;
    return 0;
}

/* What hash and sticky balance on: the authority and path (lighttpd hashes
 * the same, without the query), or the client's address. */
static uint32_t request_balance_key(const struct request *r)
{
    uint32_t h = BALANCE_HASH_INIT;
    struct slice v;
    switch (r->srv->cfg->balance) {
    case BALANCE_HASH:
        if (cgi_request_get(&r->cgi, "HTTP_HOST", &v))
            h = balance_hash(h, v.ptr, v.len);
        if (cgi_request_get(&r->cgi, "REQUEST_URI", &v)) {
            const uint8_t *q = memchr(v.ptr, '?', v.len);
            h = balance_hash(h, v.ptr, q ? (size_t)(q - v.ptr) : v.len);
        }
        break;
    case BALANCE_STICKY:
        if (cgi_request_get(&r->cgi, "REMOTE_ADDR", &v))
            h = balance_hash(h, v.ptr, v.len);
        break;
    case BALANCE_LEAST_CONNECTION:
    case BALANCE_FAIR:
    case BALANCE_ROUND_ROBIN:
        break;
    }
    return h;
}

static void request_connect(struct request *r)
{
    r->n_tried = 0;
    r->balance_key = request_balance_key(r);
    request_connect_next(r);
}

static void request_start(struct request *r)
{
    struct slice method;
    r->head_request = cgi_request_get(&r->cgi, "REQUEST_METHOD", &method) && slice_eq(method, "HEAD");
    if (r->error_status == 0)
        request_read_content_length(r);
    if (r->error_status != 0) {
        request_reply_error(r, r->error_status, 0);
        return;
    }
    r->lisplets = r->srv->backends[0].url->proto == BACKEND_LISPLETS;
    if (r->lisplets)
        r->body_known = false; /* the whole body first: a form becomes params */
    if (r->body_known) {
        if (request_encode(r) == 0)
            request_connect(r);
        return;
    }
    r->phase = REQUEST_SPOOLING;
    if (r->stdin_done) {
        r->body_length = 0;
        if (request_encode(r) == 0)
            request_connect(r);
    }
}

/* Ended requests are kept, with the memory of their buffers, for the next
 * ones: the hot path then allocates nothing. A buffer that grew past
 * REQUEST_SPARE_BUF_MAX (a large body) is freed rather than kept. */
#define REQUEST_SPARES_MAX 64
#define REQUEST_SPARE_BUF_MAX (64 * 1024)

/* A new request object, or a spare one with every field as new but the
 * memory of its buffers kept. */
static struct request *request_alloc(struct server *srv)
{
    const struct settings *cfg = srv->cfg;
    struct request *r = srv->spare_requests;
    if (r == NULL) {
        r = xcalloc(1, sizeof *r);
        cgi_request_init(&r->cgi, cfg->max_params, cfg->max_headers);
        buf_init(&r->bout);
        buf_init(&r->replay);
        buf_init(&r->scratch);
        modlisp_response_init(&r->resp);
        struct modlisp_limits limits = MODLISP_LIMITS_DEFAULT;
        limits.max_block = cfg->max_response_head;
        modlisp_parser_init(&r->rparser, &r->resp, &limits);
        return r;
    }
    srv->spare_requests = r->reap_next;
    srv->n_spare_requests--;
    /* Every field back to zero but the buffers request_free cleared. */
    struct cgi_request cgi = r->cgi;
    struct buf bout = r->bout, replay = r->replay, scratch = r->scratch;
    struct modlisp_response resp = r->resp;
    struct modlisp_parser rparser = r->rparser;
    memset(r, 0, sizeof *r);
    r->cgi = cgi;
    r->bout = bout;
    r->replay = replay;
    r->scratch = scratch;
    r->resp = resp;
    r->rparser = rparser;
    return r;
}

static void request_buf_recycle(struct buf *b)
{
    if (b->cap > REQUEST_SPARE_BUF_MAX)
        buf_free(b);
    else
        buf_clear(b);
}

/* Frees everything r owns and r itself. */
static void request_destroy(struct request *r)
{
    fcgi_params_free(&r->params);
    cgi_request_free(&r->cgi);
    spool_free(&r->spool);
    request_lisplets_free(r);
    buf_free(&r->bout);
    buf_free(&r->replay);
    buf_free(&r->scratch);
    modlisp_parser_free(&r->rparser);
    modlisp_response_free(&r->resp);
    free(r);
}

struct request *request_new(struct conn *c, uint16_t id, bool keep_conn)
{
    const struct settings *cfg = c->srv->cfg;
    struct request *r = request_alloc(c->srv);
    r->conn = c;
    r->srv = c->srv;
    r->id = id;
    r->keep_conn = keep_conn;
    r->phase = REQUEST_PARAMS;
    fcgi_params_init(&r->params, cfg->max_params);
    spool_init(&r->spool, cfg->spool_memory, cfg->spool_dir);
    ev_init(&r->timer, request_timer_cb);
    r->timer.data = r;
    r->wait.ready = request_queue_ready;
    conn_attach_request(c, r);
    request_timer_arm(r, cfg->io_timeout);
    return r;
}

void request_on_params(struct request *r, const struct fcgi_chunk *ch)
{
    if (r->phase != REQUEST_PARAMS)
        return;
    request_timer_arm(r, r->srv->cfg->io_timeout);
    const uint8_t *pos = ch->data, *end = ch->data + ch->len;
    struct fcgi_pair pair;
    enum parse_rc rc = PARSE_AGAIN;
    while (r->error_status == 0 && (rc = fcgi_params_feed(&r->params, &pos, end, &pair)) == PARSE_OK)
        request_add_param(r, &pair);
    if (r->error_status == 0 && rc == PARSE_ERROR) {
        log_warn("request from %s: PARAMS: %s; answered 431", r->conn->peer, r->params.err);
        r->error_status = 431;
    }
    /* FastCGI spec 3.3: an empty record ends the stream. */
    if (ch->content_length != 0)
        return;
    if (r->error_status == 0 && fcgi_params_finish(&r->params) < 0) {
        log_warn("request from %s: PARAMS: %s; answered 400", r->conn->peer, r->params.err);
        r->error_status = 400;
    }
    fcgi_params_free(&r->params);
    request_start(r);
}

/* Sends the gathered body pieces with one writev and copies what the socket
 * did not take into bout. Errors are left to request_backend_write, which
 * meets them again on the next write. */
static void request_gather_flush(struct request *r)
{
    if (r->n_gather == 0)
        return;
    ssize_t sent;
    do
        sent = writev(r->bsock->io.fd, r->gather, (int)r->n_gather);
    while (sent < 0 && errno == EINTR);
    size_t skip = sent > 0 ? (size_t)sent : 0;
    for (size_t i = 0; i < r->n_gather; i++) {
        const struct iovec *v = &r->gather[i];
        if (skip >= v->iov_len) {
            skip -= v->iov_len;
            continue;
        }
        buf_append(&r->bout, (const uint8_t *)v->iov_base + skip, v->iov_len - skip);
        skip = 0;
    }
    r->n_gather = 0;
    if (sent > 0)
        request_exchange_timer(r);
}

/* Holds body bytes of the current read for request_gather_flush when they
 * may go out as they are: connected, nothing queued before them, and not to
 * be kept for a re-send. False when the caller must copy them into bout. */
static bool request_gather(struct request *r, const uint8_t *data, size_t n)
{
    if (r->phase != REQUEST_EXCHANGE || buf_size(&r->bout) > 0 || (r->reused && !r->reply_started))
        return false;
    if (r->n_gather == REQUEST_GATHER_MAX) {
        request_gather_flush(r);
        if (buf_size(&r->bout) > 0)
            return false;
    }
    r->gather[r->n_gather++] = (struct iovec){(void *)data, n};
    return true;
}

void request_on_input_parsed(struct request *r)
{
    if (r->n_gather == 0)
        return;
    request_gather_flush(r);
    if (!r->blocking_conn && buf_size(&r->bout) >= REQUEST_BOUT_HIGH) {
        r->blocking_conn = true;
        conn_block_read(r->conn);
    }
    request_backend_update(r);
}

/* Queues body bytes (known length) for the Lisp, at most body_length. */
static void request_queue_body(struct request *r, const uint8_t *data, size_t len)
{
    uint64_t room = r->body_length - r->body_queued;
    size_t n = (uint64_t)len > room ? (size_t)room : len;
    if (n > 0 && !request_gather(r, data, n))
        buf_append(&r->bout, data, n);
    r->body_queued += n;
    if (r->stdin_done && r->body_queued < r->body_length) {
        log_warn("request %s from %s: STDIN ended after %" PRIu64 " of the %" PRIu64
                 " bytes of CONTENT_LENGTH",
                 DESCRIBE(r), r->conn->peer, r->body_queued, r->body_length);
        request_fail(r, 400);
        return;
    }
    if (!r->blocking_conn && buf_size(&r->bout) >= REQUEST_BOUT_HIGH) {
        r->blocking_conn = true;
        conn_block_read(r->conn);
    }
    if (r->phase == REQUEST_EXCHANGE)
        request_backend_update(r);
}

static void request_spool_stdin(struct request *r, const struct fcgi_chunk *ch)
{
    const struct settings *cfg = r->srv->cfg;
    if (r->spool.size + ch->len > cfg->max_body) {
        log_warn("request %s from %s: body of unknown length over max-body (%" PRIu64
                 " bytes); answered 413",
                 DESCRIBE(r), r->conn->peer, cfg->max_body);
        request_reply_error(r, 413, 0);
        return;
    }
    char err[256];
    if (ch->len > 0 && spool_append(&r->spool, ch->data, ch->len, err, sizeof err) < 0) {
        log_err("request %s from %s: %s; answered 500", DESCRIBE(r), r->conn->peer, err);
        request_reply_error(r, 500, 0);
        return;
    }
    request_timer_arm(r, cfg->io_timeout);
    if (!r->stdin_done)
        return;
    r->body_length = r->spool.size;
    if (request_encode(r) == 0)
        request_connect(r);
}

void request_on_stdin(struct request *r, const struct fcgi_chunk *ch)
{
    if (ch->content_length == 0)
        r->stdin_done = true;
    switch (r->phase) {
    case REQUEST_PARAMS:
        /* STDIN before the PARAMS ended: the web server broke spec 3.3. */
        if (ch->len > 0 && r->error_status == 0) {
            log_warn("request from %s: STDIN before the end of PARAMS; answered 400",
                     r->conn->peer);
            r->error_status = 400;
        }
        break;
    case REQUEST_SPOOLING:
        request_spool_stdin(r, ch);
        break;
    case REQUEST_QUEUED:
    case REQUEST_CONNECTING:
    case REQUEST_EXCHANGE:
        request_queue_body(r, ch->data, ch->len);
        break;
    case REQUEST_DRAINING:
        if (r->stdin_done)
            request_end(r, r->app_status);
        else
            request_timer_arm(r, r->srv->cfg->io_timeout);
        break;
    case REQUEST_ENDED:
        break;
    }
}

/* Moves spooled body bytes to bout; 0, or -1 after failing the request. */
static int request_fill_from_spool(struct request *r)
{
    while (!r->body_known && buf_size(&r->bout) < REQUEST_BOUT_LOW &&
           r->body_queued < r->body_length) {
        buf_reserve(&r->bout, REQUEST_SPOOL_READ);
        ssize_t n = spool_read(&r->spool, buf_tail(&r->bout), REQUEST_SPOOL_READ);
        if (n <= 0) {
            log_err("request %s from %s: cannot read back the spooled body: %s; answered 500",
                    DESCRIBE(r), r->conn->peer, n < 0 ? strerror(errno) : "file is short");
            request_fail(r, 500);
            return -1;
        }
        buf_commit(&r->bout, (size_t)n);
        r->body_queued += (uint64_t)n;
    }
    return 0;
}

/* Sends the request again on a new connection: the kept socket it went out
 * on was closed by the Lisp before any byte of the reply (modlisp.md). */
static void request_retry(struct request *r)
{
    log_info("backend %s: kept socket closed by the Lisp; sending %s again on a new connection",
             request_backend_name(r), DESCRIBE(r));
    request_backend_release(r, false);
    buf_append(&r->replay, buf_data(&r->bout), buf_size(&r->bout));
    struct buf again = r->replay;
    r->replay = r->bout;
    r->bout = again;
    buf_free(&r->replay);
    r->retried = true;
    r->reused = false;
    upstream_acquire_this(r->srv, r->be);
    r->holds_load = true;
    if (!request_connect_to(r)) {
        request_backend_release(r, false);
        request_connect_next(r);
    }
}

/* The backend broke the exchange (err is an errno, or 0 for EOF). */
static void request_backend_failed(struct request *r, int err, const char *what)
{
    if (r->reused && !r->reply_started && !r->retried) {
        request_retry(r);
        return;
    }
    const char *why = err ? strerror(err) : "connection closed";
    if (!r->head_sent) {
        log_err("backend %s: %s: %s before the reply to %s; answered 502",
                request_backend_name(r), what, why, DESCRIBE(r));
        request_reply_error(r, 502, 0);
    } else {
        log_err("backend %s: %s: %s in the middle of the reply to %s; the reply is cut short",
                request_backend_name(r), what, why, DESCRIBE(r));
        request_fail(r, 502);
    }
}

static void request_backend_write(struct request *r)
{
    bool progress = false;
    for (;;) {
        if (request_fill_from_spool(r) < 0)
            return;
        if (buf_size(&r->bout) == 0)
            break;
        ssize_t n = send(r->bsock->io.fd, buf_data(&r->bout), buf_size(&r->bout), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            request_backend_failed(r, errno, "write");
            return;
        }
        if (r->reused && !r->reply_started)
            buf_append(&r->replay, buf_data(&r->bout), (size_t)n);
        buf_consume(&r->bout, (size_t)n);
        progress = true;
    }
    if (r->blocking_conn && buf_size(&r->bout) < REQUEST_BOUT_LOW)
        request_unblock_conn(r);
    if (progress)
        request_exchange_timer(r);
    request_backend_update(r);
}

/* Makes s the request's backend socket, its watcher calling back r. */
static void request_hold_sock(struct request *r, struct upstream_sock *s)
{
    ev_set_cb(&s->io, request_backend_cb);
    s->io.data = r;
    r->bsock = s;
}

static void request_exchange_start(struct request *r)
{
    r->phase = REQUEST_EXCHANGE;
    r->reuse_ok = true;
    request_exchange_timer(r);
    request_backend_write(r);
}

static bool request_errno_means_down(int err)
{
    return err == ECONNREFUSED || err == ENOENT || err == ECONNRESET || err == EHOSTUNREACH ||
           err == ENETUNREACH || err == ETIMEDOUT || err == ECONNABORTED;
}

/* A connection to r->be failed: it is not tried again for this request,
 * and it is disabled for disable-time when it refused. */
static void request_connect_failed(struct request *r, int err)
{
    r->connect_errno = err;
    log_info("backend %s: connect: %s", request_backend_name(r), strerror(err));
    if (request_errno_means_down(err))
        upstream_mark_down(r->srv, r->be);
    if (r->n_tried < REQUEST_MAX_TRIES)
        r->tried[r->n_tried++] = (size_t)(r->be - r->srv->backends);
}

/* Starts a connection to r->be: true when connected or in progress. */
static bool request_connect_to(struct request *r)
{
    bool in_progress;
    int fd = sock_connect(&r->be->url->addr, &in_progress);
    if (fd < 0) {
        request_connect_failed(r, errno);
        return false;
    }
    request_hold_sock(r, upstream_sock_new(r->be, fd));
    if (in_progress) {
        r->phase = REQUEST_CONNECTING;
        request_backend_update(r);
        request_timer_arm(r, r->srv->cfg->connect_timeout);
        return true;
    }
    upstream_mark_up(r->srv, r->be);
    request_exchange_start(r);
    return true;
}

/* Every backend up is at max-load-per-backend: r waits in the server's
 * queue (bounded by queue-max, for queue-timeout from its first wait). */
static void request_wait(struct request *r)
{
    struct server *srv = r->srv;
    if (!upstream_enqueue(srv, &r->wait)) {
        log_warn("request %s from %s: every backend is at max-load-per-backend (%u) and %zu "
                 "requests wait already (queue-max); answered 503",
                 DESCRIBE(r), r->conn->peer, srv->cfg->max_load_per_backend, srv->queue.len);
        request_reply_error(r, 503, REQUEST_RETRY_AFTER);
        return;
    }
    r->queued = true;
    if (r->phase != REQUEST_QUEUED) {
        r->phase = REQUEST_QUEUED;
        request_timer_arm(r, srv->cfg->queue_timeout);
    }
}

static void request_queue_ready(struct upstream_waiter *w)
{
    struct request *r = (struct request *)((char *)w - offsetof(struct request, wait));
    r->queued = false;
    r->n_tried = 0; /* after the wait, every backend may be tried again */
    request_connect_next(r);
}

/* Picks a backend with the balance mode among those this request has not
 * failed on: a kept socket when the request may be re-sent, else a new
 * connection; waits when all are full; 503 when none is up. */
static void request_connect_next(struct request *r)
{
    struct server *srv = r->srv;
    while (r->n_tried < REQUEST_MAX_TRIES) {
        struct balance_query q = {r->balance_key, r->tried, r->n_tried, ev_now(srv->loop)};
        struct backend *be;
        enum balance_rc rc = upstream_acquire(srv, &q, &be);
        if (rc == BALANCE_ALL_FULL) {
            request_wait(r);
            return;
        }
        if (rc == BALANCE_NONE_UP)
            break;
        r->be = be;
        r->holds_load = true;
        r->reused = false;
        if (r->may_reuse && !r->retried) {
            struct upstream_sock *s = upstream_take_idle(srv, be);
            if (s != NULL) {
                request_hold_sock(r, s);
                r->reused = true;
                request_exchange_start(r);
                return;
            }
        }
        if (request_connect_to(r))
            return;
        request_backend_release(r, false);
    }
    if (r->n_tried > 0)
        log_err("backend %s: cannot connect: %s; %s answered 503", request_backend_name(r),
                strerror(r->connect_errno), DESCRIBE(r));
    else if (srv->pool != NULL)
        log_info("request %s: %s; answered 503", DESCRIBE(r), pool_why_unavailable(srv->pool));
    else
        log_info("request %s: every backend is disabled after refusing a connection "
                 "(disable-time %gs); answered 503",
                 DESCRIBE(r), srv->cfg->disable_time);
    request_reply_error(r, 503, REQUEST_RETRY_AFTER);
}

static void request_on_connected(struct request *r)
{
    int err = sock_error(r->bsock->io.fd);
    if (err != 0) {
        request_backend_release(r, false);
        request_connect_failed(r, err);
        request_connect_next(r);
        return;
    }
    upstream_mark_up(r->srv, r->be);
    request_exchange_start(r);
}

/* Sends a line per Log* and Note field to FCGI_STDERR: the web server writes
 * it to its error log, where mod_lisp's ap_log_error put them. */
static void request_forward_log_fields(struct request *r)
{
    struct buf *lines = &r->scratch;
    buf_clear(lines);
    for (size_t i = 0; i < r->resp.nfields; i++) {
        const struct modlisp_field *f = &r->resp.fields[i];
        if (f->kind == MODLISP_FIELD_HEADER)
            continue;
        struct slice name = modlisp_field_name(&r->resp, f);
        struct slice value = modlisp_field_value(&r->resp, f);
        buf_printf(lines, "%s: %.*s: %.*s\n", request_backend_name(r), (int)name.len,
                   (const char *)name.ptr, (int)value.len, (const char *)value.ptr);
    }
    conn_stream(r->conn, FCGI_STDERR, r->id, buf_data(lines), buf_size(lines));
}

static void request_send_head(struct request *r)
{
    buf_clear(&r->scratch);
    cgi_response_head_encode(&r->scratch, &r->resp, r->head_request,
                             r->srv->cfg->default_content_type);
    conn_stream(r->conn, FCGI_STDOUT, r->id, buf_data(&r->scratch), buf_size(&r->scratch));
    request_forward_log_fields(r);
    r->head_sent = true;
    r->body_left = r->resp.body_length;
}

/* True if a byte of p[0, n) is not ASCII; eight bytes at a time. */
static bool request_has_high_byte(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, sizeof w);
        if ((w[0] | w[1] | w[2] | w[3]) & UINT64_C(0x8080808080808080))
            return true;
    }
    for (; i < n; i++)
        if (p[i] & 0x80)
            return true;
    return false;
}

/* The reply is complete: the socket goes back to the pool when the Lisp
 * asked for it and nothing makes the next reply's framing doubtful. */
static void request_reply_complete(struct request *r)
{
    bool keep = r->reuse_ok && r->resp.keep_socket && r->body_left == 0 && request_sent(r);
    request_backend_release(r, keep);
    request_after_response(r, 0);
}

/* Forwards n reply body bytes just read. */
static void request_forward_body(struct request *r, const uint8_t *data, size_t n)
{
    if (r->body_left >= 0 && (uint64_t)n > (uint64_t)r->body_left) {
        /* More than the Lisp announced: never parsed as the next reply. */
        r->reuse_ok = false;
        n = (size_t)r->body_left;
    }
    /* cl-modlisp counts characters, not bytes, in Content-Length; a body with
     * non-ASCII bytes may therefore be longer than announced, and its socket
     * is not reused. */
    if (r->reuse_ok && r->resp.keep_socket && request_has_high_byte(data, n))
        r->reuse_ok = false;
    if (n > 0 && !r->head_request)
        conn_stream(r->conn, FCGI_STDOUT, r->id, data, n);
    if (r->body_left >= 0)
        r->body_left -= (int64_t)n;
    if (r->body_left == 0) {
        request_reply_complete(r);
        return;
    }
    if (conn_output_full(r->conn)) {
        r->output_paused = true;
        request_exchange_timer(r);
        request_backend_update(r);
    }
    conn_flush(r->conn);
}

/* Up to 48 bytes of p for a log line, bytes outside ASCII text as \xNN. */
static const char *request_quote(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 48 && o + 5 < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, p[i] >= 0x20 && p[i] < 0x7f ? "%c" : "\\x%02x",
                              p[i]);
    out[o] = '\0';
    return out;
}

/* A Lisplets reply's s-expression; true once the answer's head is sent
 * (*pos at the body). */
static bool request_handle_lisplets_head(struct request *r, const uint8_t **pos,
                                         const uint8_t *end)
{
    const uint8_t *start = *pos;
    char err[256], quoted[240];
    enum parse_rc rc = request_lisplets_feed(r, pos, end, err, sizeof err);
    if (rc == PARSE_AGAIN)
        return false;
    if (rc == PARSE_ERROR) {
        log_err("backend %s: malformed Lisplets reply to %s: %s (it read: %s); answered 502",
                request_backend_name(r), DESCRIBE(r), err,
                request_quote(start, (size_t)(end - start), quoted, sizeof quoted));
        request_reply_error(r, 502, 0);
        return false;
    }
    request_send_head(r);
    if (r->ll->outcome.fixed_body) {
        /* redirect or error: this text, not the Lisp's body */
        struct buf *b = &r->ll->outcome.body;
        if (buf_size(b) > 0 && !r->head_request)
            conn_stream(r->conn, FCGI_STDOUT, r->id, buf_data(b), buf_size(b));
        r->body_left = 0;
        request_reply_complete(r);
        conn_flush(r->conn);
        return false;
    }
    return true;
}

/* Handles n reply bytes just read: the header block (which the parser
 * copies what it needs of), then body. */
static void request_handle_reply(struct request *r, const uint8_t *data, size_t n)
{
    const uint8_t *pos = data, *end = data + n;
    if (!r->head_sent && r->lisplets) {
        if (!request_handle_lisplets_head(r, &pos, end))
            return;
    } else if (!r->head_sent) {
        enum parse_rc rc = modlisp_response_feed(&r->rparser, &pos, end);
        if (rc == PARSE_AGAIN)
            return;
        if (rc == PARSE_ERROR) {
            log_err("backend %s: malformed reply to %s: %s; answered 502",
                    request_backend_name(r), DESCRIBE(r), r->rparser.err);
            request_reply_error(r, 502, 0);
            return;
        }
        request_send_head(r);
    }
    request_forward_body(r, pos, (size_t)(end - pos));
}

static void request_backend_eof(struct request *r)
{
    r->reuse_ok = false;
    if (!r->head_sent && r->lisplets) {
        /* the connection closed inside the s-expression (or before it) */
        request_backend_failed(r, 0, r->reply_started ? "reply s-expression" : "read");
        return;
    }
    if (!r->head_sent) {
        if (!r->reply_started || modlisp_response_finish(&r->rparser) != PARSE_OK) {
            request_backend_failed(r, 0, r->reply_started ? "reply header" : "read");
            return;
        }
        request_send_head(r);
    }
    if (r->body_left > 0) {
        log_err("backend %s: connection closed %" PRId64 " bytes before the end of the reply to %s;"
                " the reply is cut short",
                request_backend_name(r), r->body_left, DESCRIBE(r));
        request_fail(r, 502);
        conn_flush(r->conn);
        return;
    }
    request_reply_complete(r);
}

static void request_backend_read(struct request *r)
{
    uint8_t *rbuf = r->srv->rbuf;
    ssize_t n = read(r->bsock->io.fd, rbuf, SERVER_READ_SIZE);
    if (n < 0) {
        if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
            request_backend_failed(r, errno, "read");
        return;
    }
    if (n == 0) {
        request_backend_eof(r);
        return;
    }
    if (!r->reply_started) {
        r->reply_started = true;
        buf_free(&r->replay);
    }
    request_exchange_timer(r);
    request_handle_reply(r, rbuf, (size_t)n);
}

static void request_backend_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct request *r = w->data;
    if (r->phase == REQUEST_CONNECTING) {
        request_on_connected(r);
        return;
    }
    if (revents & EV_READ)
        request_backend_read(r);
    if ((revents & EV_WRITE) && r->phase == REQUEST_EXCHANGE && r->bsock != NULL)
        request_backend_write(r);
}

static void request_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct request *r = w->data;
    const struct settings *cfg = r->srv->cfg;
    switch (r->phase) {
    case REQUEST_QUEUED:
        log_err("request %s from %s: no backend below max-load-per-backend (%u) within "
                "queue-timeout (%gs); answered 503",
                DESCRIBE(r), r->conn->peer, cfg->max_load_per_backend, cfg->queue_timeout);
        request_unqueue(r);
        request_reply_error(r, 503, REQUEST_RETRY_AFTER);
        break;
    case REQUEST_CONNECTING:
        log_err("backend %s: no connection within %gs; %s answered 504", request_backend_name(r),
                cfg->connect_timeout, DESCRIBE(r));
        upstream_mark_down(r->srv, r->be);
        request_reply_error(r, 504, 0);
        break;
    case REQUEST_EXCHANGE:
        if (!r->head_sent) {
            log_err("backend %s: no reply to %s within %gs; answered 504", request_backend_name(r),
                    DESCRIBE(r), request_sent(r) ? cfg->first_byte_timeout : cfg->io_timeout);
            request_reply_error(r, 504, 0);
        } else {
            log_err("backend %s: reply to %s stalled for %gs; the reply is cut short",
                    request_backend_name(r), DESCRIBE(r), cfg->io_timeout);
            request_fail(r, 504);
        }
        break;
    case REQUEST_PARAMS:
    case REQUEST_SPOOLING:
    case REQUEST_DRAINING:
        log_info("request %s from %s: the web server sent nothing for %gs; ending it",
                 DESCRIBE(r), r->conn->peer, cfg->io_timeout);
        if (!r->head_sent)
            request_reply_error(r, 408, 0);
        r->stdin_done = true;
        request_end(r, 1);
        return;
    case REQUEST_ENDED:
        return;
    }
    conn_flush(r->conn);
}

void request_on_abort(struct request *r)
{
    log_info("request %s from %s: aborted by the web server", DESCRIBE(r), r->conn->peer);
    request_end(r, 0);
}

void request_on_conn_closed(struct request *r)
{
    if (r->phase == REQUEST_ENDED)
        return;
    struct conn *c = r->conn;
    request_retire(r);
    conn_detach_request(c, r);
}

void request_on_output_drained(struct request *r)
{
    if (!r->output_paused || r->phase != REQUEST_EXCHANGE)
        return;
    r->output_paused = false;
    request_exchange_timer(r);
    request_backend_update(r);
}

void request_free(struct request *r)
{
    struct server *srv = r->srv;
    if (srv->n_spare_requests >= REQUEST_SPARES_MAX || srv->draining) {
        request_destroy(r);
        return;
    }
    fcgi_params_free(&r->params);
    spool_free(&r->spool);
    request_lisplets_free(r);
    cgi_request_clear(&r->cgi);
    request_buf_recycle(&r->bout);
    request_buf_recycle(&r->replay);
    request_buf_recycle(&r->scratch);
    request_buf_recycle(&r->cgi.store);
    request_buf_recycle(&r->resp.store);
    modlisp_response_clear(&r->resp);
    modlisp_parser_clear(&r->rparser);
    request_buf_recycle(&r->rparser.line);
    request_buf_recycle(&r->rparser.key);
    r->reap_next = srv->spare_requests;
    srv->spare_requests = r;
    srv->n_spare_requests++;
}

void request_spares_free(struct server *srv)
{
    while (srv->spare_requests != NULL) {
        struct request *r = srv->spare_requests;
        srv->spare_requests = r->reap_next;
        request_destroy(r);
    }
    srv->n_spare_requests = 0;
}
