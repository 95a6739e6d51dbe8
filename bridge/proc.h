/* proc.h - one supervised child process: started in a process group of its
 * own with the environment it is given, nothing inherited but its stdin,
 * its stdout and stderr logged line by line, its exit reported.
 * fcgi-lisp, MIT licence.
 *
 * The child: setsid(); PR_SET_PDEATHSIG(SIGTERM), so that it does not
 * outlive the bridge; default signal dispositions and an empty signal mask;
 * fd 0 from /dev/null (or the socket given); fds 1 and 2 pipes to the
 * bridge; every other descriptor closed; then execvp. Exits are seen through
 * libev's child watcher (the default loop reaps with waitpid); whatever is
 * left of its process group then is killed (SIGKILL), so none of its
 * children is orphaned. */
#ifndef FCGI_LISP_PROC_H
#define FCGI_LISP_PROC_H

#include <ev.h>
#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"

/* A line of output longer than this is logged in pieces, each marked as a
 * continuation: nothing is cut off. */
#define PROC_LINE_MAX 16384

struct proc;
/* The process exited (status as from waitpid). Its output may still be
 * arriving; proc_spawn may be called again from here. */
typedef void proc_exit_fn(struct proc *p, int status);

struct proc {
    pid_t pid;                /* 0 when no process runs */
    ev_tstamp started;        /* ev_now when it was started */
    ev_child child;           /* its exit */
    ev_io out, err;           /* the read ends of its stdout and stderr pipes */
    struct buf out_line, err_line; /* owned: a line not ended yet */
    char tag[64];             /* "slot 2 pid 1234": prefixes its log lines */
    char name[32];            /* "slot 2": the tag without the pid */
    proc_exit_fn *on_exit;    /* borrowed */
    void *data;               /* borrowed: the owner's */
};

/* Sets p up, without a process; name prefixes the log lines. */
void proc_init(struct proc *p, const char *name, proc_exit_fn *on_exit, void *data);
/* Starts argv[0] (found on PATH) with envp; stdin_fd, unless -1, becomes its
 * fd 0. 0, or -1 with a reason in err (fork or pipe failed; a program that
 * cannot be executed exits with status 127 after saying why on stderr). */
int proc_spawn(struct proc *p, struct ev_loop *loop, char *const argv[], char *const envp[],
               int stdin_fd, char *err, size_t errlen);
/* Sends sig to the process's whole group. */
void proc_signal(struct proc *p, int sig);
/* "exited with status 3", "killed by SIGSEGV (core dumped)". */
void proc_describe_status(int status, char *out, size_t outlen);
/* Stops the watchers and frees the buffers; the process, if any, is left
 * alone (its owner signals it first). */
void proc_free(struct proc *p, struct ev_loop *loop);

#endif
