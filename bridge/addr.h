/* addr.h - socket addresses written as text: "unix:/PATH", "HOST:PORT",
 * "[IPV6]:PORT"; no I/O beyond name resolution.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_ADDR_H
#define FCGI_LISP_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct addr {
    struct sockaddr_storage sa;
    socklen_t len;
    int family;   /* AF_UNIX, AF_INET or AF_INET6 */
};

/* Parses `text`. "unix:" is followed by an absolute or relative path (at most
 * sizeof sun_path - 1 bytes). A host is a dotted IPv4 address, a bracketed IPv6
 * address, or a name resolved with getaddrinfo (first result). The port is
 * 1..65535 in plain decimal. Returns 0, or -1 with a one-line reason in err
 * (which does not repeat `text`; the caller names it). */
int addr_parse(struct addr *out, const char *text, char *err, size_t errlen);

/* Writes a printable form ("unix:/x", "127.0.0.1:3000", "[::1]:3000") of a,
 * truncated to outlen - 1 bytes; numeric, never resolves. */
void addr_format(const struct addr *a, char *out, size_t outlen);

/* a's printable form made a file name: ':' becomes '-', '/', '[' and ']'
 * become '_' ("127.0.0.1-3000", "_run_lisp.sock"). */
void addr_file_part(const struct addr *a, char *out, size_t outlen);

/* The TCP port of a, or 0 for a unix socket. */
unsigned addr_port(const struct addr *a);
/* The path of a unix socket address, or NULL. */
const char *addr_unix_path(const struct addr *a);
/* Slot N of a pool whose slot 0 is base, as lighttpd lays them out: port+N,
 * or the path with "-N" appended. 0, or -1 when the port would pass 65535
 * or the path would not fit. */
int addr_slot(struct addr *out, const struct addr *base, unsigned slot);

#endif
