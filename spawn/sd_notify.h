/* sd_notify.h - tells systemd how the service is doing (sd_notify(3)'s
 * protocol: one datagram to $NOTIFY_SOCKET), without libsystemd.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_SD_NOTIFY_H
#define FCGI_LISP_SD_NOTIFY_H

/* Sends state ("READY=1\nMAINPID=123", "RELOADING=1", "STOPPING=1") when
 * NOTIFY_SOCKET is set (an absolute path, or "@name" in the abstract
 * namespace). 1 sent, 0 not asked for, -1 with errno on failure. */
int sd_notify_send(const char *state);

#endif
