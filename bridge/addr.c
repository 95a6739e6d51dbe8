/* addr.c - socket addresses written as text: "unix:/PATH", "HOST:PORT",
 * "[IPV6]:PORT"; no I/O beyond name resolution.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "addr.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#define ADDR_UNIX_PREFIX "unix:"

/* "unix:PATH": the path goes into sun_path as it is, NUL-terminated. */
static int addr_parse_unix(struct addr *out, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
    size_t len = strlen(path);
    if (len == 0) {
        snprintf(err, errlen, "missing socket path after \"unix:\"");
        return -1;
    }
    if (len >= sizeof un->sun_path) {
        snprintf(err, errlen, "socket path is %zu bytes long, at most %zu fit", len,
                 sizeof un->sun_path - 1);
        return -1;
    }
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, len + 1);
    out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    out->family = AF_UNIX;
    return 0;
}

/* A port is 1..65535 in plain decimal digits: no sign, no spaces. Returns
 * the port, or -1 with a reason in err. */
static int addr_parse_port(const char *s, char *err, size_t errlen)
{
    if (*s == '\0') {
        snprintf(err, errlen, "missing port after ':'");
        return -1;
    }
    long port = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            snprintf(err, errlen, "port \"%s\" is not a decimal number", s);
            return -1;
        }
        if (port <= 65535)
            port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > 65535) {
        snprintf(err, errlen, "port %s is out of range (1..65535)", s);
        return -1;
    }
    return (int)port;
}

/* Host names and dotted IPv4 addresses: letters, digits, '-', '.', '_'.
 * This also keeps inet_aton's leniency (trailing blanks, junk after a
 * space) out. */
static bool addr_host_is_plain(const char *host)
{
    for (const char *p = host; *p != '\0'; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
                  || *p == '-' || *p == '.' || *p == '_';
        if (!ok)
            return false;
    }
    return true;
}

/* Resolves host and port into out with getaddrinfo; takes the first
 * result. numeric_v6: host is the inside of "[...]" (an IPv6 literal,
 * possibly with a %scope). */
static int addr_resolve(struct addr *out, const char *host, const char *port, bool numeric_v6,
                        char *err, size_t errlen)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = numeric_v6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_flags = AI_NUMERICSERV | (numeric_v6 ? AI_NUMERICHOST : 0);
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        if (numeric_v6)
            snprintf(err, errlen, "\"%s\" is not an IPv6 address", host);
        else
            snprintf(err, errlen, "cannot resolve host \"%s\": %s", host,
                     rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return -1;
    }
    if (res == NULL || res->ai_addrlen > sizeof out->sa
        || (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
        snprintf(err, errlen, "host \"%s\" has no IPv4 or IPv6 address", host);
        freeaddrinfo(res);
        return -1;
    }
    memcpy(&out->sa, res->ai_addr, res->ai_addrlen);
    out->len = res->ai_addrlen;
    out->family = res->ai_family;
    freeaddrinfo(res);
    return 0;
}

/* "HOST:PORT" or "[IPV6]:PORT". */
static int addr_parse_inet(struct addr *out, const char *text, char *err, size_t errlen)
{
    char host[256];
    const char *port;
    bool bracketed = text[0] == '[';
    size_t host_len;
    const char *host_start;
    if (bracketed) {
        const char *close = strchr(text, ']');
        if (close == NULL) {
            snprintf(err, errlen, "missing ']' after the IPv6 address");
            return -1;
        }
        if (close[1] != ':') {
            snprintf(err, errlen, "expected \":PORT\" after \"]\"");
            return -1;
        }
        host_start = text + 1;
        host_len = (size_t)(close - host_start);
        port = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon == NULL) {
            snprintf(err, errlen, "expected unix:/PATH, HOST:PORT or [IPV6]:PORT");
            return -1;
        }
        host_start = text;
        host_len = (size_t)(colon - text);
        port = colon + 1;
        if (memchr(text, ':', host_len) != NULL) {
            snprintf(err, errlen, "an IPv6 address must be in brackets, as [::1]:PORT");
            return -1;
        }
    }
    if (host_len == 0) {
        snprintf(err, errlen, "missing host before \":PORT\"");
        return -1;
    }
    if (host_len >= sizeof host) {
        snprintf(err, errlen, "host is %zu bytes long, at most %zu allowed", host_len,
                 sizeof host - 1);
        return -1;
    }
    memcpy(host, host_start, host_len);
    host[host_len] = '\0';
    if (!bracketed && !addr_host_is_plain(host)) {
        snprintf(err, errlen, "\"%s\" is not a host name or IPv4 address", host);
        return -1;
    }
    int port_num = addr_parse_port(port, err, errlen);
    if (port_num < 0)
        return -1;
    char port_text[12];
    snprintf(port_text, sizeof port_text, "%d", port_num);
    return addr_resolve(out, host, port_text, bracketed, err, errlen);
}

int addr_parse(struct addr *out, const char *text, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (strncmp(text, ADDR_UNIX_PREFIX, strlen(ADDR_UNIX_PREFIX)) == 0)
        return addr_parse_unix(out, text + strlen(ADDR_UNIX_PREFIX), err, errlen);
    if (*text == '\0') {
        snprintf(err, errlen, "empty address: expected unix:/PATH, HOST:PORT or [IPV6]:PORT");
        return -1;
    }
    if (addr_parse_inet(out, text, err, errlen) < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

void addr_format(const struct addr *a, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    if (a->family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)&a->sa;
        snprintf(out, outlen, ADDR_UNIX_PREFIX "%s", un->sun_path);
        return;
    }
    char host[NI_MAXHOST];
    char port[NI_MAXSERV];
    if ((a->family != AF_INET && a->family != AF_INET6)
        || getnameinfo((const struct sockaddr *)&a->sa, a->len, host, sizeof host, port,
                       sizeof port, NI_NUMERICHOST | NI_NUMERICSERV)
               != 0) {
        snprintf(out, outlen, "(address family %d)", a->family);
        return;
    }
    if (a->family == AF_INET6)
        snprintf(out, outlen, "[%s]:%s", host, port);
    else
        snprintf(out, outlen, "%s:%s", host, port);
}

void addr_file_part(const struct addr *a, char *out, size_t outlen)
{
    const char *path = addr_unix_path(a);
    if (path != NULL)
        snprintf(out, outlen, "%s", path);
    else
        addr_format(a, out, outlen);
    for (char *c = out; *c != '\0'; c++)
        if (*c == ':')
            *c = '-';
        else if (*c == '/' || *c == '[' || *c == ']')
            *c = '_';
}

unsigned addr_port(const struct addr *a)
{
    if (a->family == AF_INET)
        return ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);
    if (a->family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port);
    return 0;
}

const char *addr_unix_path(const struct addr *a)
{
    return a->family == AF_UNIX ? ((const struct sockaddr_un *)&a->sa)->sun_path : NULL;
}

int addr_slot(struct addr *out, const struct addr *base, unsigned slot)
{
    *out = *base;
    if (base->family == AF_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
        size_t len = strlen(un->sun_path);
        int n = snprintf(un->sun_path + len, sizeof un->sun_path - len, "-%u", slot);
        if (n < 0 || (size_t)n >= sizeof un->sun_path - len)
            return -1;
        out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (size_t)n + 1);
        return 0;
    }
    unsigned port = addr_port(base) + slot;
    if (port > 65535)
        return -1;
    if (base->family == AF_INET)
        ((struct sockaddr_in *)&out->sa)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)&out->sa)->sin6_port = htons((uint16_t)port);
    return 0;
}
