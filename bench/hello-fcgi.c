/* hello-fcgi.c - the direct FastCGI baseline of bench/run.sh: a "hello"
 * responder written against libfcgi, as an application without fcgi-lisp
 * would be. fcgi-lisp, MIT licence.
 *
 * Usage: spawn-fcgi -F 2 -s /path/app.sock -n -- hello-fcgi
 *        (or any FastCGI spawner that passes the listening socket as fd 0)
 *
 * Every request, whatever its URL, gets the very bytes that fcgi-lisp sends
 * the web server for fake-lisp's /hello (tests/integration/fake-lisp.c):
 *
 *   Status: 200 OK\r\n
 *   Content-Type: text/plain\r\n
 *   Content-Length: 21\r\n
 *   \r\n
 *   hello from fake-lisp\n
 *
 * so that nginx -> hello-fcgi and nginx -> fcgi-lisp -> fake-lisp put the
 * same response on the wire and a benchmark compares the paths, not the
 * pages. Each request is written with one FCGX_PutStr of the whole reply
 * and flushed by FCGX_Finish_r: one STDOUT record, one empty STDOUT record
 * and END_REQUEST, as libfcgi always does.
 *
 * libfcgi's accept loop serves one connection at a time (shared/reference/
 * fastcgi.md §4.3): run several processes (-F 2) and do not put it behind an
 * upstream with keep-alive, or an idle kept connection blocks the process. */
#include <fcgiapp.h>
#include <stdio.h>

#define HELLO_BODY "hello from fake-lisp\n"

static const char hello_reply[] =
    "Status: 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 21\r\n"
    "\r\n"
    HELLO_BODY;

_Static_assert(sizeof HELLO_BODY - 1 == 21, "Content-Length must match the body");

int main(void)
{
    FCGX_Request req;

    if (FCGX_Init() != 0) {
        fputs("hello-fcgi: FCGX_Init failed\n", stderr);
        return 1;
    }
    /* fd 0 is the listening socket (FCGI_LISTENSOCK_FILENO) */
    if (FCGX_InitRequest(&req, 0, 0) != 0) {
        fputs("hello-fcgi: FCGX_InitRequest failed\n", stderr);
        return 1;
    }
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(hello_reply, (int)(sizeof hello_reply - 1), req.out);
        FCGX_Finish_r(&req);
    }
    return 0;
}
