/* spawn_args.h - fcgi-lisp-spawn's command line: spawn-fcgi 1.6's flags with
 * the same letters and meanings, plus the supervision options.
 * fcgi-lisp, MIT licence.
 *
 * Pure: no I/O, no process environment read, no uid checks (main decides what the
 * root-only flags do for a non-root caller). Like spawn-fcgi it uses GNU
 * getopt, which permutes: the application's own flags must come after
 * "--". Strings point into argv. */
#ifndef FCGI_LISP_SPAWN_ARGS_H
#define FCGI_LISP_SPAWN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SPAWN_ARGS_DEFAULT_BACKLOG 1024 /* spawn-fcgi's and lighttpd's */
#define SPAWN_ARGS_MAX_CHILDREN 1024

struct spawn_args {
    const char *app_path;       /* borrowed: -f, run as /bin/sh -c "exec PATH"; NULL: none */
    char **app_argv;            /* borrowed: the words after the options; NULL: none */
    const char *dir;            /* borrowed: -d, chdir before spawning; NULL: stay */
    const char *bind_addr;      /* borrowed: -a, with -p; NULL: 0.0.0.0 */
    unsigned port;              /* -p; 0: none */
    const char *unix_path;      /* borrowed: -s; NULL: none */
    int socket_mode;            /* -M, as strtol base 0 reads it; -1: 0660 & ~umask */
    long php_children;          /* -C: PHP_FCGI_CHILDREN; -1: not set */
    unsigned children;          /* -F, default 1 */
    unsigned backlog;           /* -b, default 1024 */
    const char *pid_file;       /* borrowed: -P; NULL: none */
    bool foreground;            /* -n */
    /* root only */
    const char *chroot_dir;     /* borrowed: -c */
    bool socket_before_chroot;  /* -S */
    const char *user;           /* borrowed: -u */
    const char *group;          /* borrowed: -g */
    const char *socket_user;    /* borrowed: -U */
    const char *socket_group;   /* borrowed: -G */
    /* supervision */
    int stop_signal;            /* --stop-signal, default SIGUSR1 */
    double kill_grace;          /* --kill-grace, default 5 */
    double reload_wait;         /* --reload-wait, default 1 */
    int log_level;              /* --log-level, default LOG_NOTICE */
};

enum spawn_args_rc {
    SPAWN_ARGS_RUN,
    SPAWN_ARGS_HELP,    /* -h or -?: print spawn_args_usage, exit 0 */
    SPAWN_ARGS_VERSION, /* -v */
    SPAWN_ARGS_ERROR,   /* err says why (without the program's name): exit 2 */
};

/* Parses argv into a (every field set, defaults included). Checks what
 * needs no system call: an application given, -p and -s not both, a unix
 * path that fits sockaddr_un, numbers in range. getopt's state is reset on
 * entry. */
enum spawn_args_rc spawn_args_parse(struct spawn_args *a, int argc, char **argv, char *err,
                                    size_t errlen);

/* The application's argv: app_argv, or /bin/sh -c "exec PATH" for -f.
 * Owned by the caller (spawn_args_strv_free). */
char **spawn_args_app(const struct spawn_args *a);
/* The children's environment: parent's (as spawn-fcgi passes it), without
 * what the supervisor consumed (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES,
 * NOTIFY_SOCKET), with PHP_FCGI_CHILDREN=N for -C. Owned by the caller. */
char **spawn_args_env(const struct spawn_args *a, const char *const *parent);
void spawn_args_strv_free(char **v);

void spawn_args_usage(FILE *out);

#endif
