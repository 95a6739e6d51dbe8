/* main.c - fcgi-lisp: a FastCGI responder that forwards requests to Lisp
 * backends speaking mod_lisp.
 * fcgi-lisp, MIT licence.
 *
 * Exit status: 0 after a normal stop (SIGTERM, SIGINT), 1 on a runtime
 * failure, 2 on a usage or configuration error. */
#include "config.h"

#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "server.h"
#include "settings.h"
#include "sock.h"

extern char **environ;

int main(int argc, char **argv)
{
    sock_guard_stdio();
    struct settings cfg;
    settings_init(&cfg);
    char err[1024];
    switch (settings_load(&cfg, argc, argv, environ, err, sizeof err)) {
    case SETTINGS_OK:
        break;
    case SETTINGS_EXIT:
        settings_free(&cfg);
        return 0;
    case SETTINGS_ERROR:
        fprintf(stderr, "fcgi-lisp: %s\n", err);
        settings_free(&cfg);
        return 2;
    }
    log_init("fcgi-lisp", cfg.log_level);
    signal(SIGPIPE, SIG_IGN);

    struct ev_loop *loop = ev_default_loop(0);
    if (loop == NULL) {
        log_err("cannot initialise the event loop (libev)");
        settings_free(&cfg);
        return 1;
    }
    struct server srv;
    server_init(&srv, loop, &cfg);
    srv.argc = argc;
    srv.argv = argv;
    if (server_listen(&srv, err, sizeof err) < 0) {
        fprintf(stderr, "fcgi-lisp: %s\n", err);
        server_free(&srv);
        settings_free(&cfg);
        return 2;
    }
    log_info("serving FastCGI on %s; %zu backend(s), first %s", srv.listeners[0].name,
             cfg.n_backends, cfg.backends[0].text);
    ev_run(loop, 0);
    log_info("stopped");
    server_free(&srv);
    ev_loop_destroy(loop);
    settings_free(&cfg);
    return 0;
}
