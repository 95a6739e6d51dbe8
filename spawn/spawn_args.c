/* spawn_args.c - fcgi-lisp-spawn's command line.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "spawn_args.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <syslog.h>

#include "buf.h"
#include "value.h"
#include "xalloc.h"

/* spawn-fcgi 1.6.4's getopt string, but for its "?": -? is told from an
 * unknown option by getopt's optopt, which glibc sets only on errors. */
#define SPAWN_ARGS_SHORT "c:d:f:g:hna:p:b:u:vC:F:s:P:U:G:M:S"
#define SPAWN_ARGS_MAX_SECONDS 86400.0

enum {
    SPAWN_OPT_STOP_SIGNAL = 256,
    SPAWN_OPT_KILL_GRACE,
    SPAWN_OPT_RELOAD_WAIT,
    SPAWN_OPT_LOG_LEVEL,
};

static const struct option spawn_args_long[] = {
    {"stop-signal", required_argument, NULL, SPAWN_OPT_STOP_SIGNAL},
    {"kill-grace", required_argument, NULL, SPAWN_OPT_KILL_GRACE},
    {"reload-wait", required_argument, NULL, SPAWN_OPT_RELOAD_WAIT},
    {"log-level", required_argument, NULL, SPAWN_OPT_LOG_LEVEL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
};

static enum spawn_args_rc spawn_args_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum spawn_args_rc spawn_args_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return SPAWN_ARGS_ERROR;
}

/* A decimal number within [min, max]. */
static int spawn_args_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    return value_parse_u64(s, out) == 0 && *out >= min && *out <= max ? 0 : -1;
}

/* -M as spawn-fcgi reads it, strtol(s, NULL, 0): "0660" is octal, "0x1b0"
 * hex, "432" decimal; all of it a number, a mode (at most 07777). */
static int spawn_args_mode(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (end == s || *end != '\0' || errno != 0 || v < 0 || v > 07777)
        return -1;
    *out = (int)v;
    return 0;
}

static void spawn_args_defaults(struct spawn_args *a)
{
    *a = (struct spawn_args){
        .socket_mode = -1,
        .php_children = -1,
        .children = 1,
        .backlog = SPAWN_ARGS_DEFAULT_BACKLOG,
        .stop_signal = SIGUSR1,
        .kill_grace = 5,
        .reload_wait = 1,
        .log_level = LOG_NOTICE,
    };
}

/* One option; SPAWN_ARGS_RUN to go on. */
static enum spawn_args_rc spawn_args_option(struct spawn_args *a, int o, const char *v, char *err,
                                            size_t errlen)
{
    uint64_t n;
    double secs;
    switch (o) {
    case 'f': a->app_path = v; break;
    case 'd': a->dir = v; break;
    case 'a': a->bind_addr = v; break;
    case 's': a->unix_path = v; break;
    case 'P': a->pid_file = v; break;
    case 'n': a->foreground = true; break;
    case 'c': a->chroot_dir = v; break;
    case 'S': a->socket_before_chroot = true; break;
    case 'u': a->user = v; break;
    case 'g': a->group = v; break;
    case 'U': a->socket_user = v; break;
    case 'G': a->socket_group = v; break;
    case 'p':
        if (spawn_args_number(v, 1, 65535, &n) < 0)
            return spawn_args_fail(err, errlen, "-p: invalid port '%s' (1..65535)", v);
        a->port = (unsigned)n;
        break;
    case 'b':
        if (spawn_args_number(v, 1, INT_MAX, &n) < 0)
            return spawn_args_fail(err, errlen, "-b: invalid backlog '%s'", v);
        a->backlog = (unsigned)n;
        break;
    case 'C':
        if (spawn_args_number(v, 0, INT_MAX, &n) < 0)
            return spawn_args_fail(err, errlen, "-C: invalid number of PHP children '%s'", v);
        a->php_children = (long)n;
        break;
    case 'F':
        if (spawn_args_number(v, 1, SPAWN_ARGS_MAX_CHILDREN, &n) < 0)
            return spawn_args_fail(err, errlen, "-F: invalid number of children '%s' (1..%d)",
                                   v, SPAWN_ARGS_MAX_CHILDREN);
        a->children = (unsigned)n;
        break;
    case 'M':
        if (spawn_args_mode(v, &a->socket_mode) < 0)
            return spawn_args_fail(err, errlen, "-M: invalid socket mode '%s' (e.g. 0660)", v);
        break;
    case SPAWN_OPT_STOP_SIGNAL:
        if (value_parse_signal(v, &a->stop_signal) < 0)
            return spawn_args_fail(err, errlen, "--stop-signal: '%s' is not a signal (USR1, "
                                                "TERM, 15, ...)", v);
        break;
    case SPAWN_OPT_KILL_GRACE:
    case SPAWN_OPT_RELOAD_WAIT:
        if (value_parse_seconds(v, &secs) < 0 || secs > SPAWN_ARGS_MAX_SECONDS)
            return spawn_args_fail(err, errlen, "--%s: '%s' is not a number of seconds "
                                                "(0..%g)",
                                   o == SPAWN_OPT_KILL_GRACE ? "kill-grace" : "reload-wait", v,
                                   SPAWN_ARGS_MAX_SECONDS);
        *(o == SPAWN_OPT_KILL_GRACE ? &a->kill_grace : &a->reload_wait) = secs;
        break;
    case SPAWN_OPT_LOG_LEVEL:
        if (spawn_args_number(v, 0, 7, &n) < 0)
            return spawn_args_fail(err, errlen, "--log-level: '%s' is not 0..7", v);
        a->log_level = (int)n;
        break;
    case 'v':
        return SPAWN_ARGS_VERSION;
    case 'h':
        return SPAWN_ARGS_HELP;
    default:
        return SPAWN_ARGS_ERROR;
    }
    return SPAWN_ARGS_RUN;
}

enum spawn_args_rc spawn_args_parse(struct spawn_args *a, int argc, char **argv, char *err,
                                    size_t errlen)
{
    spawn_args_defaults(a);
    *err = '\0';
    optind = 0; /* GNU: start over, permuting as a first call does */
    opterr = 0;
    for (;;) {
        int o = getopt_long(argc, argv, ":" SPAWN_ARGS_SHORT, spawn_args_long, NULL);
        if (o == -1)
            break;
        const char *word = argv[optind - 1];
        if (o == ':')
            return spawn_args_fail(err, errlen, "option requires an argument: %s", word);
        if (o == '?' && strncmp(word, "--", 2) == 0)
            return spawn_args_fail(err, errlen, "unknown option: %s", word);
        if (o == '?' && optopt != '?')
            return spawn_args_fail(err, errlen, "unknown option: -%c", optopt);
        /* -?: help, as in spawn-fcgi */
        enum spawn_args_rc rc = spawn_args_option(a, o == '?' ? 'h' : o, optarg, err, errlen);
        if (rc != SPAWN_ARGS_RUN)
            return rc;
    }
    if (optind < argc)
        a->app_argv = &argv[optind];
    if (a->app_argv == NULL && a->app_path == NULL)
        return spawn_args_fail(err, errlen, "no FastCGI application given");
    if (a->port != 0 && a->unix_path != NULL)
        return spawn_args_fail(err, errlen,
                               "either a Unix domain socket or a TCP-port, but not both");
    if (a->unix_path != NULL &&
        (a->unix_path[0] == '\0' ||
         strlen(a->unix_path) >= sizeof ((struct sockaddr_un *)NULL)->sun_path))
        return spawn_args_fail(err, errlen, "path of the Unix domain socket is %s",
                               a->unix_path[0] == '\0' ? "empty" : "too long");
    if (a->bind_addr != NULL && a->port == 0)
        return spawn_args_fail(err, errlen, "-a needs -p (a TCP port)");
    return SPAWN_ARGS_RUN;
}

char **spawn_args_app(const struct spawn_args *a)
{
    size_t n = 0;
    if (a->app_argv != NULL)
        while (a->app_argv[n] != NULL)
            n++;
    char **v = xcalloc(n > 0 ? n + 1 : 4, sizeof *v);
    if (n > 0) {
        for (size_t i = 0; i < n; i++)
            v[i] = xstrdup(a->app_argv[i]);
        return v;
    }
    struct buf b = BUF_INIT;
    buf_printf(&b, "exec %s", a->app_path);
    buf_append_byte(&b, '\0');
    v[0] = xstrdup("/bin/sh");
    v[1] = xstrdup("-c");
    v[2] = xstrdup((const char *)buf_data(&b));
    buf_free(&b);
    return v;
}

void spawn_args_strv_free(char **argv)
{
    for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
        free(argv[i]);
    free(argv);
}

/* Names the supervisor consumes: its children must not see them. */
static bool spawn_args_env_consumed(const char *entry)
{
    static const char *const names[] = {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
                                        "NOTIFY_SOCKET", "PHP_FCGI_CHILDREN"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(entry, names[i], n) == 0 && entry[n] == '=')
            return true;
    }
    return false;
}

char **spawn_args_env(const struct spawn_args *a, const char *const *parent)
{
    size_t n = 0;
    while (parent != NULL && parent[n] != NULL)
        n++;
    char **env = xcalloc(n + 2, sizeof *env);
    size_t k = 0;
    const char *php = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(parent[i], "PHP_FCGI_CHILDREN=", 18) == 0)
            php = parent[i];
        if (!spawn_args_env_consumed(parent[i]))
            env[k++] = xstrdup(parent[i]);
    }
    struct buf b = BUF_INIT;
    if (a->php_children >= 0) {
        buf_printf(&b, "PHP_FCGI_CHILDREN=%ld", a->php_children);
        buf_append_byte(&b, '\0');
        env[k++] = xstrdup((const char *)buf_data(&b));
    } else if (php != NULL) {
        env[k++] = xstrdup(php); /* left as it was, as spawn-fcgi leaves it */
    }
    buf_free(&b);
    return env;
}

void spawn_args_usage(FILE *out)
{
    fputs("Usage: fcgi-lisp-spawn [options] [-- <fcgiapp> [fcgi app arguments]]\n"
          "\n"
          "fcgi-lisp-spawn " PACKAGE_VERSION " - spawns FastCGI processes and keeps them alive\n"
          "(spawn-fcgi's options, with the same meaning)\n"
          "\n"
          "Options:\n"
          " -f <path>      filename of the fcgi-application (deprecated; ignored if\n"
          "                <fcgiapp> is given; needs /bin/sh)\n"
          " -d <directory> chdir to directory before spawning\n"
          " -a <address>   bind to IPv4/IPv6 address (defaults to 0.0.0.0)\n"
          " -p <port>      bind to TCP-port\n"
          " -s <path>      bind to Unix domain socket\n"
          "                (neither -p nor -s: the socket systemd passes, LISTEN_FDS,\n"
          "                or a listening socket on fd 0)\n"
          " -M <mode>      change Unix domain socket mode (octal integer, default: allow\n"
          "                read+write for user and group as far as umask allows it)\n"
          " -C <children>  (PHP only) numbers of childs to spawn (default: not setting\n"
          "                the PHP_FCGI_CHILDREN environment variable - PHP defaults to 0)\n"
          " -F <children>  number of children to fork and keep alive (default 1)\n"
          " -b <backlog>   backlog to allow on the socket (default 1024)\n"
          " -P <path>      name of PID-file: fcgi-lisp-spawn's own PID\n"
          " -n             no fork: stay in the foreground (systemd, daemontools)\n"
          " -v             show version\n"
          " -?, -h         show this help\n"
          "(root only)\n"
          " -c <directory> chroot to directory\n"
          " -S             create socket before chroot() (default is to create the socket\n"
          "                in the chroot)\n"
          " -u <user>      change to user-id\n"
          " -g <group>     change to group-id (default: primary group of user if -u\n"
          "                is given)\n"
          " -U <user>      change Unix domain socket owner to user-id\n"
          " -G <group>     change Unix domain socket group to group-id\n"
          "(supervision)\n"
          " --stop-signal <sig>   asks a child to finish its requests and exit (default USR1)\n"
          " --kill-grace <secs>   then SIGKILL after this long (default 5)\n"
          " --reload-wait <secs>  SIGHUP: new children must stay up this long before the\n"
          "                       old ones are asked to finish (default 1)\n"
          " --log-level <n>       0 emerg ... 5 notice (default) ... 7 debug\n",
          out);
}
