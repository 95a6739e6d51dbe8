/* sock_backlog.h - how many connections wait in a listening socket's accept
 * queue: the kernel's count, read without accepting any.
 * fcgi-lisp, MIT licence.
 *
 * With bin-inherit-socket fcgi-lisp holds each slot's listening socket and
 * its Lisp accepts on it (fd 0); the queue shrinking is how fcgi-lisp sees
 * that a Lisp accepts connections without taking one from it. */
#ifndef FCGI_LISP_SOCK_BACKLOG_H
#define FCGI_LISP_SOCK_BACKLOG_H

/* The length of fd's accept queue: for TCP the tcpi_unacked of TCP_INFO
 * (which Linux fills with the accept queue's length on a listening
 * socket), for a unix socket the udiag_rqueue of a sock_diag query
 * (UNIX_DIAG_RQLEN, as `ss -xl` shows it). -1 with errno when fd is not a
 * listening socket (EINVAL) or the kernel does not answer (no unix_diag:
 * ENOENT). No logging. */
int sock_backlog_length(int fd);

#endif
