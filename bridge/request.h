/* request.h - one FastCGI request (Responder role) forwarded to a Lisp
 * backend: PARAMS -> CGI request -> mod_lisp request (or a Lisplets
 * s-expression, request_lisplets.h); STDIN -> body; the Lisp reply -> CGI
 * response on STDOUT, log lines on STDERR.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_REQUEST_H
#define FCGI_LISP_REQUEST_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"
#include "cgi_request.h"
#include "fcgi_params.h"
#include "fcgi_record.h"
#include "modlisp.h"
#include "server.h"
#include "spool.h"
#include "upstream.h"

struct conn;
struct request_lisplets;

/* Body pieces of one read gathered into one writev to the Lisp (nginx sends
 * STDIN in records of 32 KiB, so a 256 KiB read holds about 8). */
#define REQUEST_GATHER_MAX 16
/* Backends a request tries before 503 when they refuse connections
 * (lighttpd re-dispatches up to 5 times). */
#define REQUEST_MAX_TRIES 5

enum request_phase {
    REQUEST_PARAMS,     /* reading PARAMS */
    REQUEST_SPOOLING,   /* body of unknown length: counting it before connecting */
    REQUEST_QUEUED,     /* every backend up is at max-load-per-backend: waiting */
    REQUEST_CONNECTING, /* non-blocking connect in progress */
    REQUEST_EXCHANGE,   /* connected: sending the request, reading the reply */
    REQUEST_DRAINING,   /* reply finished or failed; discarding STDIN until its end */
    REQUEST_ENDED,      /* on the server's reap list */
};

struct request {
    struct conn *conn;              /* borrowed: the connection it arrived on */
    struct server *srv;             /* borrowed */
    uint16_t id;
    bool keep_conn;                 /* FCGI_KEEP_CONN of its BEGIN_REQUEST */
    enum request_phase phase;
    int error_status;               /* an answer decided while PARAMS were read (400, 431), or 0 */

    struct fcgi_params_decoder params; /* embedded */
    struct cgi_request cgi;         /* embedded */
    bool head_request;              /* REQUEST_METHOD is HEAD */

    /* Request body (STDIN). */
    bool stdin_done;                /* the empty STDIN record arrived */
    bool body_known;                /* CONTENT_LENGTH gave the length: streamed as it comes */
    uint64_t body_length;           /* what the Lisp is told */
    uint64_t body_queued;           /* body bytes queued for the Lisp so far */
    struct spool spool;             /* embedded: the body while its length is unknown */
    bool blocking_conn;             /* this request holds one of conn->read_blockers */

    /* Backend connection. */
    struct backend *be;             /* borrowed: the backend in use, NULL before */
    bool holds_load;                /* counted in be's load (upstream_acquire) */
    uint32_t balance_key;           /* what hash and sticky balance on */
    size_t tried[REQUEST_MAX_TRIES]; /* backends that failed this request, by index */
    size_t n_tried;
    struct upstream_waiter wait;    /* embedded: in the server's queue while QUEUED */
    bool queued;                    /* wait is on the queue */
    int connect_errno;              /* why the last connection attempt failed */
    struct upstream_sock *bsock;    /* owned while held: the backend socket, NULL when
                                       none; its watcher calls request_backend_cb */
    bool may_reuse;                 /* small enough to re-send: a kept socket may carry it */
    bool reused;                    /* bsock is a kept socket */
    bool retried;                   /* already re-sent once on a fresh socket */
    struct buf bout;                /* owned: bytes for the Lisp, not yet written */
    struct iovec gather[REQUEST_GATHER_MAX]; /* borrowed: body bytes in the server's read
                                       buffer, before anything in bout, sent by one
                                       writev when the connection's read is parsed */
    size_t n_gather;
    struct buf scratch;             /* owned: the CGI head, an error page or STDERR
                                       lines while they are framed into records */
    struct buf replay;              /* owned: what was written on a kept socket, until
                                       the first reply byte (for the one re-send) */

    /* Lisplets backend (the body is spooled whole first). */
    bool lisplets;                  /* the backends speak Lisplets */
    struct request_lisplets *ll;    /* owned: its state, NULL until needed */

    /* Reply. */
    struct modlisp_response resp;   /* embedded */
    struct modlisp_parser rparser;  /* embedded */
    bool reply_started;             /* a byte of the reply came */
    bool head_sent;                 /* a CGI head went to the web server */
    int64_t body_left;              /* reply body bytes still to read; -1: until EOF */
    bool reuse_ok;                  /* nothing seen that forbids keeping bsock */
    bool output_paused;             /* stopped reading bsock: the client's queue is full */
    bool response_done;             /* the whole answer is queued for the web server */
    uint32_t app_status;            /* END_REQUEST appStatus once STDIN has ended: 0, or 1
                                       when the reply was cut short */

    ev_timer timer;                 /* connect, first-byte and I/O timeouts */
    struct list_link link;          /* in conn->reqs */
    struct request *reap_next;      /* server's reap list, then its spare list */
};

/* The connection parsed what one read returned: body bytes the request
 * holds in the server's read buffer go to the Lisp now (what the socket does
 * not take is copied into bout). */
void request_on_input_parsed(struct request *r);
/* Starts request id on c (BEGIN_REQUEST with the Responder role). */
struct request *request_new(struct conn *c, uint16_t id, bool keep_conn);
/* PARAMS, STDIN (any chunk, including the empty record that ends a stream). */
void request_on_params(struct request *r, const struct fcgi_chunk *ch);
void request_on_stdin(struct request *r, const struct fcgi_chunk *ch);
/* ABORT_REQUEST (FastCGI spec 5.4): ends it at once with END_REQUEST. */
void request_on_abort(struct request *r);
/* The connection is gone: releases the backend, sends nothing. */
void request_on_conn_closed(struct request *r);
/* The client's output queue fell below CONN_OUT_LOW. */
void request_on_output_drained(struct request *r);
/* Called by the server's reaper once the request has ended: r is kept, with
 * the memory of its buffers, for a later request_new, or freed. */
void request_free(struct request *r);
/* Frees the requests kept for reuse (at exit). */
void request_spares_free(struct server *srv);

#endif
