/* command.h - the command line and environment of a spawned Lisp process:
 * bin-path split into an argv (with quoting, which lighttpd's bin-path
 * lacks), %p / %s filled in per slot, and a clean environment.
 * fcgi-lisp, MIT licence.
 *
 * Pure: no I/O. Every array returned is NULL-terminated and owned by the
 * caller (command_strv_free). */
#ifndef FCGI_LISP_COMMAND_H
#define FCGI_LISP_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

/* Splits text into words as a POSIX shell does, without expansions: blanks
 * (space, tab) separate words; '...' keeps everything literally; "..."
 * keeps everything but \" \\ \$ \` (a backslash before anything else stays);
 * outside quotes a backslash keeps the next character. Returns the argv,
 * or NULL with a one-line reason in err (an unclosed quote, a trailing
 * backslash, no word at all, a control character other than tab anywhere). */
char **command_split(const char *text, char *err, size_t errlen);

/* Where slot N of a pool listens: port+N for TCP, "PATH-N" for a unix socket
 * (lighttpd's layout). port 0 or path NULL when not that kind. */
struct command_slot {
    unsigned slot;
    unsigned port;    /* TCP port of this slot, or 0 */
    const char *path; /* borrowed: unix socket path of this slot, or NULL */
    bool inherited;   /* its process gets the slot's listening socket as fd 0 */
};

/* A copy of argv with %p replaced by the slot's port, %s by its socket path
 * and %% by %; any other % stays. NULL with a reason in err when a %p or %s
 * has no value (a unix pool's %p, a TCP pool's %s). */
char **command_expand(const char *const *argv, const struct command_slot *s, char *err, size_t errlen);

/* The environment of a slot's process: the variables of parent named in copy
 * (NULL: PATH, HOME and LANG), then each "NAME=VALUE" of set (replacing a
 * copied one of the same name), then FCGI_LISP_SLOT, FCGI_LISP_PORT or
 * FCGI_LISP_SOCKET, and FCGI_LISP_LISTEN_FD=0 when the slot's socket is
 * inherited (the Lisp accepts on fd 0 and binds nothing). Names are matched exactly; a copy name absent from
 * parent is skipped. */
char **command_env(const char *const *parent, const char *const *copy, const char *const *set,
                   const struct command_slot *s);

size_t command_strv_len(const char *const *v);
void command_strv_free(char **v);

#endif
