/* spawn_privs.c - users, groups, chroot.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "spawn_privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* spawn-fcgi's find_user_group: a positive number is taken as is (its name
 * looked up for initgroups); anything else is a name, which must not be 0.
 * *gid is the group's, or the user's primary group when no group is given.
 * name, when not NULL, receives the user's name. */
static int spawn_privs_find(const char *user, const char *group, uid_t *uid, gid_t *gid,
                            char *name, size_t namelen, char *err, size_t errlen)
{
    *uid = 0;
    *gid = 0;
    if (name != NULL)
        *name = '\0';
    const struct passwd *pw = NULL;
    char *end;
    if (user != NULL) {
        long n = strtol(user, &end, 10);
        if (n <= 0 || *end != '\0') {
            pw = getpwnam(user);
            if (pw == NULL) {
                snprintf(err, errlen, "can't find user name %s", user);
                return -1;
            }
            if (pw->pw_uid == 0) {
                snprintf(err, errlen, "I will not set uid to 0");
                return -1;
            }
        } else {
            pw = getpwuid((uid_t)n);
        }
        *uid = pw != NULL ? pw->pw_uid : (uid_t)n;
        if (name != NULL && pw != NULL)
            snprintf(name, namelen, "%s", pw->pw_name);
    }
    if (group != NULL) {
        long n = strtol(group, &end, 10);
        if (n <= 0 || *end != '\0') {
            const struct group *gr = getgrnam(group);
            if (gr == NULL) {
                snprintf(err, errlen, "can't find group name %s", group);
                return -1;
            }
            if (gr->gr_gid == 0) {
                snprintf(err, errlen, "I will not set gid to 0");
                return -1;
            }
            *gid = gr->gr_gid;
        } else {
            *gid = (gid_t)n;
        }
    } else if (pw != NULL) {
        if (pw->pw_gid == 0) {
            snprintf(err, errlen, "I will not set gid to 0");
            return -1;
        }
        *gid = pw->pw_gid;
    }
    return 0;
}

int spawn_privs_lookup(struct spawn_privs *p, const struct spawn_args *a, char *err,
                       size_t errlen)
{
    uid_t su;
    gid_t sg;
    if (spawn_privs_find(a->user, a->group, &p->uid, &p->gid, p->username, sizeof p->username,
                         err, errlen) < 0 ||
        spawn_privs_find(a->socket_user, a->socket_group, &su, &sg, NULL, 0, err, errlen) < 0)
        return -1;
    /* the socket belongs to -U/-G, else to -u/-g; 0 is "keep" as in spawn-fcgi */
    su = su != 0 ? su : p->uid;
    sg = sg != 0 ? sg : p->gid;
    p->socket_uid = su != 0 ? su : (uid_t)-1;
    p->socket_gid = sg != 0 ? sg : (gid_t)-1;
    return 0;
}

int spawn_privs_drop_group_and_chroot(const struct spawn_privs *p, const char *dir, char *err,
                                      size_t errlen)
{
    /* the group first, while /etc/group is still reachable */
    if (p->gid != 0 && (setgid(p->gid) < 0 || setgroups(0, NULL) < 0 ||
                        (p->username[0] != '\0' && initgroups(p->username, p->gid) < 0))) {
        snprintf(err, errlen, "cannot change to group %u: %s", (unsigned)p->gid,
                 strerror(errno));
        return -1;
    }
    if (dir != NULL && (chroot(dir) < 0 || chdir("/") < 0)) {
        snprintf(err, errlen, "chroot('%s') failed: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int spawn_privs_drop_user(const struct spawn_privs *p, char *err, size_t errlen)
{
    if (p->uid != 0 && setuid(p->uid) < 0) {
        snprintf(err, errlen, "cannot change to user %u: %s", (unsigned)p->uid, strerror(errno));
        return -1;
    }
    return 0;
}
