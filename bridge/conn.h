/* conn.h - one FastCGI connection from the web server: reads records,
 * dispatches them to requests, answers management records, writes output
 * with backpressure.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_CONN_H
#define FCGI_LISP_CONN_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fcgi_params.h"
#include "fcgi_record.h"
#include "list.h"
#include "server.h"

/* Output above this many queued bytes stops requests from reading their
 * backends; below CONN_OUT_LOW they resume. */
#define CONN_OUT_HIGH (256 * 1024)
#define CONN_OUT_LOW (64 * 1024)

struct conn {
    ev_io io;                          /* client socket; events follow want_read/want_write */
    ev_timer linger;                   /* lingering close: bounded wait for the peer's EOF */
    int fd;                            /* -1 once closed */
    struct server *srv;                /* borrowed */
    struct fcgi_parser parser;         /* embedded */
    struct fcgi_params_decoder mgmt;   /* embedded: GET_VALUES content */
    struct buf out;                    /* owned: records not yet written */
    struct list reqs;                  /* owned: requests in progress (request.link) */
    unsigned read_blockers;            /* requests whose backends cannot take more body now */
    bool out_throttled;                /* conn_output_full said yes; requests wait for
                                          out to fall under CONN_OUT_LOW */
    bool write_blocked;                /* the socket took less than offered; until out is
                                          flushed, nothing is written around it */
    bool close_after_write;            /* close once out is flushed */
    bool lingering;                    /* shut down for writing, discarding input until EOF */
    bool input_complete;               /* the last request's STDIN ended: the web server
                                          sends nothing more unless it aborts */
    bool closed;
    bool had_request;                  /* a request began on it: with none in progress it
                                          is kept alive, not freshly connected */
    char peer[64];                     /* for log lines */
    struct list_link link;             /* in the server's live list */
    struct conn *reap_next;            /* server's reap list */
};

/* Takes ownership of an accepted, non-blocking fd. */
void conn_new(struct server *srv, int fd, const char *peer);

/* Sends a stream's bytes (STDOUT or STDERR) for request id, after what is
 * queued: short data is queued, long data is written at once where it lies
 * (writev) and only what the socket does not take is copied into the queue.
 * Errors are left to conn_flush, which the caller calls next. */
void conn_stream(struct conn *c, uint8_t type, uint16_t id, const void *data, size_t len);
/* Links a new request into c's list. */
void conn_attach_request(struct conn *c, struct request *r);
/* Unlinks r and appends its END_REQUEST (FastCGI spec 5.5). Without
 * FCGI_KEEP_CONN (spec 5.1), or while draining, the connection closes once no
 * request is left and the output is written. */
void conn_end_request(struct conn *c, struct request *r, uint32_t app_status,
                      uint8_t protocol_status);
/* Unlinks r, the connection's only request, without END_REQUEST and closes
 * the connection once the queued output is written: the web server then
 * sees its response cut short and reports an error to the client. */
void conn_abort_request(struct conn *c, struct request *r);
/* Unlinks r without a reply (the connection is going away). */
void conn_detach_request(struct conn *c, struct request *r);
/* True while queued output is above CONN_OUT_HIGH: the caller stops reading
 * its backend, and every request is told by request_on_output_drained once
 * the queue is back under CONN_OUT_LOW. */
bool conn_output_full(struct conn *c);
/* Writes what it can now; arms the write watcher for the rest. */
void conn_flush(struct conn *c);

/* A request whose backend cannot take more body blocks reading (all requests
 * of the connection share its byte stream); unblock when it can again. */
void conn_block_read(struct conn *c);
void conn_unblock_read(struct conn *c);

/* Aborts every request, closes the socket; freed later by the reaper.
 * Safe to call more than once. `why` is logged at debug level. */
void conn_close(struct conn *c, const char *why);
/* Draining: a connection kept alive with no request in progress closes
 * once its queued output is written. One with a request in progress, or
 * with none yet (the web server just connected to send it), closes after
 * that request. */
void conn_close_when_idle(struct conn *c);
void conn_free(struct conn *c);

#endif
