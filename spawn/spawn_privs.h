/* spawn_privs.h - who fcgi-lisp-spawn and its children run as, and who owns
 * the socket: -u -g -U -G looked up as spawn-fcgi does, and privileges
 * dropped in its order (setgid, setgroups, initgroups, chroot, setuid).
 * fcgi-lisp, MIT licence.
 *
 * Only for a root caller (main ignores these flags otherwise). Functions
 * write a reason into err; main says it once. */
#ifndef FCGI_LISP_SPAWN_PRIVS_H
#define FCGI_LISP_SPAWN_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

#include "spawn_args.h"

struct spawn_privs {
    uid_t uid;             /* -u; 0: keep */
    gid_t gid;             /* -g, or -u's primary group; 0: keep */
    char username[256];    /* -u's name, for initgroups; "" when unknown */
    uid_t socket_uid;      /* -U, else uid; (uid_t)-1: keep */
    gid_t socket_gid;      /* -G, else -U's or uid's group; (gid_t)-1: keep */
};

/* Looks the users and groups up: a number or a name; a name that is uid or
 * gid 0 is refused ("will not set uid to 0"). 0 or -1. */
int spawn_privs_lookup(struct spawn_privs *p, const struct spawn_args *a, char *err,
                       size_t errlen);

/* setgid, setgroups(0), initgroups when the user is known; then chroot to
 * dir (unless NULL) and chdir("/"). 0 or -1. */
int spawn_privs_drop_group_and_chroot(const struct spawn_privs *p, const char *dir, char *err,
                                      size_t errlen);

/* setuid (unless uid is 0). 0 or -1. */
int spawn_privs_drop_user(const struct spawn_privs *p, char *err, size_t errlen);

#endif
