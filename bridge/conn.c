/* conn.c - one FastCGI connection from the web server.
 * fcgi-lisp, MIT licence.
 *
 * Reads records into `in`, hands their chunks to the requests they belong to,
 * answers the management records itself, and queues whole records in `out`.
 * Several requests may share the connection (FCGI_MPXS_CONNS=1). */
#include "config.h"

#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "request.h"
#include "sock.h"
#include "watch.h"
#include "xalloc.h"

/* Lingering close: after our last byte, wait this long for the peer's EOF so
 * that unread input does not turn our close into a reset that destroys the
 * reply in flight. */
#define CONN_LINGER_SECONDS 2.0

#define CONN_FIRST_REQUEST(c) LIST_FIRST(&(c)->reqs, struct request, link)
#define CONN_NEXT_REQUEST(r) LIST_NEXT(r, struct request, link)

static void conn_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void conn_linger_cb(struct ev_loop *loop, ev_timer *w, int revents);

void conn_new(struct server *srv, int fd, const char *peer)
{
    struct conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    c->srv = srv;
    fcgi_parser_init(&c->parser);
    fcgi_params_init(&c->mgmt, 1024);
    buf_init(&c->out);
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    ev_io_init(&c->io, conn_io_cb, fd, EV_READ);
    ev_io_start(srv->loop, &c->io);
    ev_init(&c->linger, conn_linger_cb);
    list_push_front(&srv->conns, &c->link);
    log_debug("connection from %s", c->peer);
    /* Web servers write the request right after connecting, so it is
     * usually here already: reading now saves a trip through the loop. */
    conn_io_cb(srv->loop, &c->io, EV_READ);
}

/* Sets the watcher's events from the connection's state. */
static void conn_update_events(struct conn *c)
{
    if (c->closed)
        return;
    int events = 0;
    if (c->lingering || (c->read_blockers == 0 && !c->close_after_write))
        events |= EV_READ;
    if (buf_size(&c->out) > 0)
        events |= EV_WRITE;
    watch_io_events(c->srv->loop, &c->io, events);
}

static struct request *conn_find_request(const struct conn *c, uint16_t id)
{
    for (struct request *r = CONN_FIRST_REQUEST(c); r != NULL; r = CONN_NEXT_REQUEST(r))
        if (r->id == id)
            return r;
    return NULL;
}

void conn_attach_request(struct conn *c, struct request *r)
{
    list_push_front(&c->reqs, &r->link);
    c->srv->n_requests++;
    c->had_request = true;
}

void conn_detach_request(struct conn *c, struct request *r)
{
    list_remove(&c->reqs, &r->link);
    c->srv->n_requests--;
}

/* Stream data at least this long is written from where it lies, with what
 * is queued before it, by one writev; shorter data is queued, so that a small
 * reply's head, body and END_REQUEST still go out in one write. */
#define CONN_DIRECT_MIN 4096
/* Records per writev (each is a header and a content entry). */
#define CONN_WRITEV_RECORDS 8

/* Writes the queued output and as many whole records of data as the socket
 * takes, queueing the unwritten part of a record cut short. Returns the data
 * bytes written or queued. Stops at EAGAIN; on any other error it leaves the
 * rest to conn_flush, which reports it. */
static size_t conn_stream_direct(struct conn *c, uint8_t type, uint16_t id, const uint8_t *data,
                                 size_t len)
{
    uint8_t headers[CONN_WRITEV_RECORDS][FCGI_HEADER_LEN];
    struct iovec iov[1 + 2 * CONN_WRITEV_RECORDS];
    size_t done = 0;
    while (done < len) {
        size_t queued = buf_size(&c->out), n_iov = 0, framed;
        if (queued > 0)
            iov[n_iov++] = (struct iovec){(void *)buf_data(&c->out), queued};
        n_iov += fcgi_stream_frame(headers, iov + n_iov, CONN_WRITEV_RECORDS, type, id,
                                   data + done, len - done, &framed);
        ssize_t n = writev(c->fd, iov, (int)n_iov);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            c->write_blocked = true;
            return done;
        }
        size_t written = (size_t)n, from_queue = written < queued ? written : queued;
        buf_consume(&c->out, from_queue);
        written -= from_queue;
        bool whole = true;
        for (size_t i = queued > 0 ? 1 : 0; i < n_iov; i++) {
            if (written >= iov[i].iov_len) {
                written -= iov[i].iov_len;
                continue;
            }
            buf_append(&c->out, (const uint8_t *)iov[i].iov_base + written,
                       iov[i].iov_len - written);
            written = 0;
            whole = false;
        }
        done += framed;
        if (!whole) {
            c->write_blocked = true;
            break;
        }
    }
    return done;
}

void conn_stream(struct conn *c, uint8_t type, uint16_t id, const void *data, size_t len)
{
    if (c->closed)
        return;
    size_t done = 0;
    if (len >= CONN_DIRECT_MIN && !c->write_blocked && !c->lingering)
        done = conn_stream_direct(c, type, id, data, len);
    fcgi_stream_append(&c->out, type, id, (const uint8_t *)data + done, len - done);
}

static void conn_after_last_request(struct conn *c, bool keep_conn)
{
    if (c->reqs.len == 0 && (!keep_conn || c->srv->draining)) {
        c->close_after_write = true;
        conn_update_events(c);
    }
}

void conn_end_request(struct conn *c, struct request *r, uint32_t app_status,
                      uint8_t protocol_status)
{
    conn_detach_request(c, r);
    if (c->closed)
        return;
    /* FastCGI spec 5.3: a Responder's stdout ends with an empty record. */
    fcgi_record_append(&c->out, FCGI_STDOUT, r->id, NULL, 0);
    fcgi_end_request_append(&c->out, r->id, app_status, protocol_status);
    c->input_complete = c->reqs.len == 0 && r->stdin_done;
    conn_after_last_request(c, r->keep_conn);
    conn_flush(c);
}

void conn_abort_request(struct conn *c, struct request *r)
{
    conn_detach_request(c, r);
    if (c->closed)
        return;
    c->close_after_write = true;
    conn_flush(c);
}

bool conn_output_full(struct conn *c)
{
    if (buf_size(&c->out) < CONN_OUT_HIGH)
        return false;
    c->out_throttled = true;
    return true;
}

void conn_block_read(struct conn *c)
{
    c->read_blockers++;
    conn_update_events(c);
}

void conn_unblock_read(struct conn *c)
{
    c->read_blockers--;
    conn_update_events(c);
}

/* Closes after the last reply. A close with unread input makes the kernel
 * send a reset, which can destroy the reply before the web server read it;
 * so unless the web server has said all it will and nothing of it is
 * unread, shut down for writing and wait (bounded) for its EOF. */
static void conn_start_linger(struct conn *c)
{
    if (c->input_complete && sock_input_empty(c->fd)) {
        conn_close(c, "request done");
        return;
    }
    if (shutdown(c->fd, SHUT_WR) < 0) {
        conn_close(c, "shutdown failed");
        return;
    }
    c->lingering = true;
    ev_timer_set(&c->linger, CONN_LINGER_SECONDS, 0.);
    ev_timer_start(c->srv->loop, &c->linger);
    conn_update_events(c);
}

static void conn_linger_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, linger));
    conn_close(c, "no EOF from the peer after the last reply");
}

void conn_flush(struct conn *c)
{
    if (c->closed)
        return;
    while (buf_size(&c->out) > 0) {
        ssize_t n = write(c->fd, buf_data(&c->out), buf_size(&c->out));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->write_blocked = true;
                break;
            }
            log_info("connection from %s: write failed: %s", c->peer, strerror(errno));
            conn_close(c, "write failed");
            return;
        }
        buf_consume(&c->out, (size_t)n);
    }
    if (buf_size(&c->out) == 0)
        c->write_blocked = false;
    if (buf_size(&c->out) == 0 && c->close_after_write && !c->lingering) {
        conn_start_linger(c);
        return;
    }
    conn_update_events(c);
    if (c->out_throttled && buf_size(&c->out) < CONN_OUT_LOW) {
        c->out_throttled = false;
        /* Requests may end (and unlink themselves) while resuming. */
        struct request *r = CONN_FIRST_REQUEST(c);
        while (r != NULL && !c->closed) {
            struct request *next = CONN_NEXT_REQUEST(r);
            request_on_output_drained(r);
            r = next;
        }
    }
}

/* GET_VALUES (FastCGI spec 4.1): answer the names we know, each once. */
static void conn_get_values(struct conn *c, const struct fcgi_chunk *ch)
{
    static const char *const names[] = {"FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"};
    bool asked[3] = {false, false, false};
    const uint8_t *pos = ch->data, *end = ch->data + ch->len;
    struct fcgi_pair pair;
    enum parse_rc rc;
    while ((rc = fcgi_params_feed(&c->mgmt, &pos, end, &pair)) == PARSE_OK)
        for (size_t i = 0; i < 3; i++)
            if (slice_eq(pair.name, names[i]))
                asked[i] = true;
    if (rc == PARSE_ERROR) {
        log_warn("connection from %s: malformed GET_VALUES: %s", c->peer, c->mgmt.err);
        conn_close(c, "malformed GET_VALUES");
        return;
    }
    if (!ch->last)
        return;
    fcgi_params_finish(&c->mgmt);
    fcgi_params_free(&c->mgmt);
    fcgi_params_init(&c->mgmt, 1024);
    char values[3][24];
    unsigned max_conns = c->srv->cfg->max_conns;
    snprintf(values[0], sizeof values[0], "%u", max_conns);
    snprintf(values[1], sizeof values[1], "%u", max_conns);
    snprintf(values[2], sizeof values[2], "1");
    struct buf body = BUF_INIT;
    for (size_t i = 0; i < 3; i++)
        if (asked[i])
            fcgi_pair_append(&body, names[i], strlen(names[i]), values[i], strlen(values[i]));
    fcgi_record_append(&c->out, FCGI_GET_VALUES_RESULT, FCGI_NULL_REQUEST_ID, buf_data(&body),
                       buf_size(&body));
    buf_free(&body);
}

static void conn_management(struct conn *c, const struct fcgi_chunk *ch)
{
    if (ch->type == FCGI_GET_VALUES) {
        conn_get_values(c, ch);
        return;
    }
    /* FastCGI spec 4.2: an unknown management record gets UNKNOWN_TYPE. Sent
     * only in answer to one: nginx fails on unsolicited management records. */
    if (ch->first)
        fcgi_unknown_type_append(&c->out, ch->type);
}

static void conn_begin_request(struct conn *c, const struct fcgi_chunk *ch)
{
    uint16_t role;
    uint8_t flags;
    fcgi_begin_request_decode(ch->data, &role, &flags);
    bool keep_conn = (flags & FCGI_KEEP_CONN) != 0;
    if (conn_find_request(c, ch->request_id) != NULL) {
        log_warn("connection from %s: BEGIN_REQUEST for request %u, which is already active",
                 c->peer, ch->request_id);
        conn_close(c, "duplicate request id");
        return;
    }
    if (role != FCGI_RESPONDER) {
        log_info("connection from %s: request %u asks for role %u; only the Responder role is served",
                 c->peer, ch->request_id, role);
        fcgi_end_request_append(&c->out, ch->request_id, 0, FCGI_UNKNOWN_ROLE);
        conn_after_last_request(c, keep_conn);
        return;
    }
    request_new(c, ch->request_id, keep_conn);
}

static void conn_dispatch(struct conn *c, const struct fcgi_chunk *ch)
{
    if (ch->request_id == FCGI_NULL_REQUEST_ID) {
        conn_management(c, ch);
        return;
    }
    if (ch->type == FCGI_BEGIN_REQUEST) {
        conn_begin_request(c, ch);
        return;
    }
    /* FastCGI spec 3.3: records for an inactive request id are ignored. */
    struct request *r = conn_find_request(c, ch->request_id);
    if (r == NULL)
        return;
    switch (ch->type) {
    case FCGI_PARAMS:
        request_on_params(r, ch);
        break;
    case FCGI_STDIN:
        request_on_stdin(r, ch);
        break;
    case FCGI_ABORT_REQUEST:
        request_on_abort(r);
        break;
    default:
        break; /* DATA (Filter role) and types a web server does not send */
    }
}

/* Parses n bytes just read. The parser consumes them all: chunks are handed
 * out as they come and every consumer copies what it keeps. */
static void conn_parse_input(struct conn *c, const uint8_t *data, size_t n)
{
    const uint8_t *pos = data, *end = data + n;
    struct fcgi_chunk ch;
    enum parse_rc rc;
    while (!c->closed && (rc = fcgi_parser_feed(&c->parser, &pos, end, &ch)) == PARSE_OK)
        conn_dispatch(c, &ch);
    /* Body bytes gathered from data are sent before data is reused. */
    for (struct request *r = CONN_FIRST_REQUEST(c), *next; r != NULL; r = next) {
        next = CONN_NEXT_REQUEST(r);
        request_on_input_parsed(r);
    }
    if (c->closed)
        return;
    if (rc == PARSE_ERROR) {
        log_warn("connection from %s: malformed FastCGI record: %s", c->peer, c->parser.err);
        conn_close(c, "malformed record");
        return;
    }
}

/* The peer sent EOF: its requests are aborted (it can no longer read their
 * replies, FastCGI spec 3.5); what is queued is still written. */
static void conn_on_eof(struct conn *c)
{
    if (c->lingering || buf_size(&c->out) == 0) {
        conn_close(c, "peer closed the connection");
        return;
    }
    struct request *r = CONN_FIRST_REQUEST(c);
    while (r != NULL) {
        struct request *next = CONN_NEXT_REQUEST(r);
        request_on_conn_closed(r);
        r = next;
    }
    c->close_after_write = true;
    conn_flush(c);
}

static void conn_read(struct conn *c)
{
    for (int round = 0; round < 4 && !c->closed; round++) {
        uint8_t *rbuf = c->srv->rbuf;
        ssize_t n = read(c->fd, rbuf, SERVER_READ_SIZE);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            log_info("connection from %s: read failed: %s", c->peer, strerror(errno));
            conn_close(c, "read failed");
            return;
        }
        if (n == 0) {
            conn_on_eof(c);
            return;
        }
        if (c->lingering)
            continue;
        conn_parse_input(c, rbuf, (size_t)n);
        if (c->closed || c->read_blockers > 0 || c->close_after_write)
            return;
        if ((size_t)n < SERVER_READ_SIZE)
            return;
    }
}

static void conn_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct conn *c = (struct conn *)w;
    if (revents & EV_READ)
        conn_read(c);
    if (!c->closed)
        conn_flush(c);
}

void conn_close_when_idle(struct conn *c)
{
    /* A connection that has not carried a request yet was opened to send
     * one (its BEGIN_REQUEST may be on the way, or half read): it is served,
     * then closed (conn_after_last_request); shutdown-timeout bounds it. */
    if (c->closed || c->reqs.len > 0 || !c->had_request)
        return;
    c->close_after_write = true;
    conn_flush(c);
}

void conn_close(struct conn *c, const char *why)
{
    if (c->closed)
        return;
    log_debug("connection from %s closed: %s", c->peer, why);
    c->closed = true;
    struct request *r = CONN_FIRST_REQUEST(c);
    while (r != NULL) {
        struct request *next = CONN_NEXT_REQUEST(r);
        request_on_conn_closed(r);
        r = next;
    }
    struct server *srv = c->srv;
    ev_io_stop(srv->loop, &c->io);
    ev_timer_stop(srv->loop, &c->linger);
    close(c->fd);
    c->fd = -1;
    list_remove(&srv->conns, &c->link);
    c->reap_next = srv->reap_conns;
    srv->reap_conns = c;
    server_conn_gone(srv);
}

void conn_free(struct conn *c)
{
    buf_free(&c->out);
    fcgi_params_free(&c->mgmt);
    free(c);
}
