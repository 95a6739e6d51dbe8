/* settings.h - fcgi-lisp's settings: defaults, config file, environment, argv.
 * fcgi-lisp, MIT licence.
 *
 * Precedence, lowest first: built-in defaults, the config file (--config or
 * FCGI_LISP_CONFIG), FCGI_LISP_BACKEND, the command line. Every long option
 * but --config, --help and --version is also a config-file key of the same
 * name. Backends given at a higher level replace those of a lower one. The
 * result is validated as a whole before the daemon uses it. */
#ifndef FCGI_LISP_SETTINGS_H
#define FCGI_LISP_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "backend_url.h"
#include "balance.h"

struct settings {
    char *listen;                   /* owned; NULL: fd 0 if it is a listening socket, else LISTEN_FDS */
    struct backend_url *backends;   /* owned, n_backends entries */
    size_t n_backends;
    char *config_file;              /* owned; the file read, NULL if none */
    char *server_id;                /* owned; mod_lisp server-id, default "fcgi-lisp" */
    char *default_content_type;     /* owned; for replies without one, default "application/octet-stream" */
    char *spool_dir;                /* owned; temp files for bodies of unknown length; NULL after
                                     * settings_init, settings_load sets $TMPDIR or /tmp */
    int log_level;                  /* 0..7 (syslog), default 4 */
    unsigned max_sockets;           /* idle kept backend sockets, default 1024 */
    unsigned max_conns;             /* client connections at once, default 1024 */
    unsigned listen_backlog;        /* default 1024 */
    double connect_timeout;         /* seconds, default 5 */
    double first_byte_timeout;      /* request fully sent -> first reply byte, default 60 */
    double io_timeout;              /* no progress in either direction, default 60 */
    double shutdown_timeout;        /* SIGTERM: drain in-flight requests this long, default 30 */
    size_t max_params;              /* PARAMS bytes per request, default 65536 */
    size_t max_headers;             /* HTTP_* params per request, default 100 */
    size_t max_response_head;       /* Lisp reply header block, default 65536 */
    size_t spool_memory;            /* body of unknown length kept in memory up to this, default 1 MiB */
    uint64_t max_body;              /* body of unknown length spooled up to this, default 1 GiB */
    enum balance_mode balance;      /* how a backend is picked, default least-connection */
    double disable_time;            /* a backend that refused a connection is skipped this
                                       long, default 1 (lighttpd's disable-time) */
    unsigned max_load_per_backend;  /* requests each backend serves at once, 0 (default):
                                       no limit */
    unsigned queue_max;             /* requests waiting for a backend below its limit;
                                       0 (default): 8 per backend */
    double queue_timeout;           /* longest wait in that queue before 503, default 30 */

    /* A spawned pool (lighttpd's fastcgi.server host options): with bin-path
     * set, the one backend is slot 0's address, slot N's is port+N or PATH-N. */
    char *bin_path;                 /* owned; the Lisp's command line, NULL: none */
    char **bin_environment;         /* owned, NULL-terminated "NAME=VALUE" list, or NULL */
    char **bin_copy_environment;    /* owned, NULL-terminated names, NULL: PATH HOME LANG */
    unsigned min_procs;             /* default 1 */
    unsigned max_procs;             /* default 0: the number of CPUs, at least 2 */
    unsigned max_load_per_proc;     /* requests each process serves at once, default 1 */
    double idle_timeout;            /* an idle process above min-procs stops after this, 60 */
    double startup_timeout;         /* start to accepting connections, default 60 */
    int kill_signal;                /* asks a process to stop, default SIGTERM */
    double kill_grace;              /* then SIGKILL after this, default 5 */
    /* Lisplets backends: the servlet's init params (lisplets.md §5), and
     * what stands for the servlet container. */
    char *lisp_tag_prefix;          /* owned; default "" (":" makes tags keywords) */
    char *lisp_tag_suffix;          /* owned; default "" */
    char *lisp_true, *lisp_false;   /* owned; default "t", "nil" */
    char *lisp_null;                /* owned; an attribute value that removes it, "nil" */
    char *lisp_roles;               /* owned; roles reported in (user (roles ...)), "" */
    char **lisp_role;               /* owned, NULL-terminated "ROLE USER..." list, or NULL */
    char *context_name;             /* owned; (context (name ...)), default "fcgi-lisp" */
    char **context_param;           /* owned, NULL-terminated "NAME=VALUE" list, or NULL */
    char *servlet_name;             /* owned; (servlet (name ...)), default "lisplet" */
    char **servlet_param;           /* owned, NULL-terminated "NAME=VALUE" list, or NULL */
    bool lisp_create_session;       /* every request gets a session (the servlet's
                                       lisp-create-session), default false */
    char *session_cookie;           /* owned; the session cookie's name, "JSESSIONID" */
    char *session_store;            /* owned; the store's file, NULL: in spool-dir */
    size_t session_store_size;      /* the store's largest size, default 64 MiB */
    double session_timeout;         /* a new session's max-inactive-interval, 1800 */
    bool lisplets_raw_body;         /* send a body that is no form after the s-expression */
    size_t max_form;                /* a form body decoded into params up to this, 1 MiB */
    bool bin_inherit_socket;        /* fcgi-lisp binds each slot's address and hands the
                                       listening socket to its processes as fd 0, keeping
                                       it open across their restarts; default false: each
                                       process binds its own */
};

enum settings_rc {
    SETTINGS_OK,      /* run */
    SETTINGS_EXIT,    /* --help or --version was printed: exit 0 */
    SETTINGS_ERROR,   /* err holds the message: exit 2 */
};

/* Fills c with the built-in defaults (strings allocated, no backend). */
void settings_init(struct settings *c);
/* Frees everything c owns and leaves its pointers NULL; safe after a failed
 * settings_load and when called twice. */
void settings_free(struct settings *c);

/* Fills c (fresh from settings_init) from everything above. Messages name
 * where the bad value came from: "FILE:LINE: KEY: reason", "--KEY: reason",
 * "FCGI_LISP_BACKEND: reason". --help and --version print to stdout.
 * `env` is the process environment (a test passes its own; NULL is empty).
 * getopt's state is reset on entry, so it may run several times. */
enum settings_rc settings_load(struct settings *c, int argc, char **argv, char **env,
                               char *err, size_t errlen);

/* Reads one config file into c: lines "key = value", '#' comments (whole
 * lines, or after a blank outside quotes), blank lines, values optionally in
 * double quotes (with \" and \\ inside). `backend` may repeat; each adds one.
 * Also accepts mod_lisp-lighttpd's keys lisp.server-ip, lisp.server-port
 * (together one more backend, modlisp://IP:PORT, defaults 127.0.0.1 and
 * 3000), lisp.server-id, lisp.log-level, lisp.max-sockets. Returns 0, or -1
 * with "FILE:LINE: KEY: reason" (or why the file cannot be read) in err. */
int settings_read_file(struct settings *c, const char *path, char *err, size_t errlen);

/* Sets one config-file key (a long option's name, or a lisp.* alias);
 * `where` prefixes messages: "WHERE: KEY: reason", or "--KEY: reason" when
 * where is "--". Returns 0 or -1. */
int settings_set(struct settings *c, const char *key, const char *value, const char *where,
                 char *err, size_t errlen);

/* The first key whose new value needs a restart (SIGHUP cannot apply it):
 * "listen", "backend", "bin-path" (set or unset), "max-procs",
 * "listen-backlog", "bin-inherit-socket", "session-store"; NULL when new can replace old in a running daemon. */
const char *settings_reload_blocker(const struct settings *old, const struct settings *new);

/* Prints the --help text: every option and config-file key with its default. */
void settings_usage(FILE *out);

#endif
