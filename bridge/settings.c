/* settings.c - fcgi-lisp's settings: defaults, config file, environment, argv.
 * fcgi-lisp, MIT licence.
 *
 * One table, settings_keys, drives getopt_long, the config-file parser and
 * --help: a setting is added by adding one row (and its field and default). */
#include "config.h"

#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "command.h"
#include "sexp.h"
#include "value.h"
#include "xalloc.h"

#define SETTINGS_MAX_SECONDS 31536000   /* one year: a timeout longer than that is a typo */
#define SETTINGS_MAX_MEMORY ((uint64_t)1 << 30)
#define SETTINGS_ENV_CONFIG "FCGI_LISP_CONFIG"
#define SETTINGS_ENV_BACKEND "FCGI_LISP_BACKEND"
#define SETTINGS_ARGV_WHERE "--"
/* mod_lisp-lighttpd's defaults for lisp.server-ip and lisp.server-port
 * (agrostis/mod_lisp-lighttpd mod_lisp.README, "Configuration"). */
#define SETTINGS_LISP_DEFAULT_IP "127.0.0.1"
#define SETTINGS_LISP_DEFAULT_PORT 3000
#define SETTINGS_STRINGIFY(x) SETTINGS_STRINGIFY_(x)
#define SETTINGS_STRINGIFY_(x) #x

/* ------------------------------------------------------------------------ */
/* The table                                                                 */
/* ------------------------------------------------------------------------ */

enum settings_type {
    SETTINGS_T_STRING,    /* char * field; no control characters */
    SETTINGS_T_LISTEN,    /* char * field; must pass addr_parse */
    SETTINGS_T_BACKEND,   /* appended to backends; may be repeated */
    SETTINGS_T_INT,       /* int field */
    SETTINGS_T_UNSIGNED,  /* unsigned field */
    SETTINGS_T_SIZE,      /* size_t field */
    SETTINGS_T_U64,       /* uint64_t field */
    SETTINGS_T_SECONDS,   /* double field; decimal seconds, more than 0 */
    SETTINGS_T_BALANCE,   /* enum balance_mode field; balance_mode_parse's names */
    SETTINGS_T_COMMAND,   /* char * field; must pass command_split */
    SETTINGS_T_ENV_SET,   /* char ** list field; NAME=VALUE, each use adds one */
    SETTINGS_T_ENV_NAMES, /* char ** list field; names separated by blanks or commas */
    SETTINGS_T_PAIR_SET,  /* char ** list field; NAME=VALUE, any NAME without '=' */
    SETTINGS_T_LIST,      /* char ** list field; each use adds one value */
    SETTINGS_T_SIGNAL,    /* int field; a signal name (TERM, SIGTERM) or number */
    SETTINGS_T_BOOL,      /* bool field; yes/no, true/false, on/off, enable/disable, 1/0 */
    SETTINGS_T_CONFIG,    /* command line only: the config file to read */
    SETTINGS_T_HELP,      /* command line only, takes no value */
    SETTINGS_T_VERSION,   /* command line only, takes no value */
    SETTINGS_T_LISP_IP,   /* config file only: mod_lisp-lighttpd lisp.server-ip */
    SETTINGS_T_LISP_PORT, /* config file only: mod_lisp-lighttpd lisp.server-port */
    SETTINGS_T_ALIAS,     /* config file only: mod_lisp-lighttpd's name for another key */
};

struct settings_key {
    const char *name;         /* borrowed (literal): long option and config-file key */
    char short_name;          /* getopt letter, 0 for none */
    enum settings_type type;
    size_t offset;            /* the field in struct settings, for types that have one */
    uint64_t min, max;        /* numbers: accepted range; strings: min 1 = must not be empty */
    const char *arg;          /* borrowed (literal): value placeholder in --help, or NULL */
    const char *help;         /* borrowed (literal): one line for --help */
    const char *default_text; /* borrowed (literal): --help's default when no field shows it */
    const char *alias_of;     /* borrowed (literal): SETTINGS_T_ALIAS: the key this one sets */
};

#define SETTINGS_FIELD(f) offsetof(struct settings, f)

static const struct settings_key settings_keys[] = {
    {"backend", 'b', SETTINGS_T_BACKEND, 0, 0, 0, "URL",
     "Lisp backend, modlisp://HOST:PORT or modlisp+unix:/PATH; repeat for several", "none", NULL},
    {"listen", 'l', SETTINGS_T_LISTEN, SETTINGS_FIELD(listen), 0, 0, "ADDR",
     "FastCGI socket to open: unix:/PATH, HOST:PORT or [IPV6]:PORT",
     "fd 0 if it is a listening socket, else LISTEN_FDS", NULL},
    {"config", 'c', SETTINGS_T_CONFIG, 0, 0, 0, "FILE", "read settings from FILE",
     "$" SETTINGS_ENV_CONFIG ", else none", NULL},
    {"server-id", 0, SETTINGS_T_STRING, SETTINGS_FIELD(server_id), 0, 0, "ID",
     "server-id sent to the Lisp with each request (empty: none)", NULL, NULL},
    {"default-content-type", 0, SETTINGS_T_STRING, SETTINGS_FIELD(default_content_type), 0, 0,
     "TYPE", "Content-Type of replies that name none (empty: add none)", NULL, NULL},
    {"spool-dir", 0, SETTINGS_T_STRING, SETTINGS_FIELD(spool_dir), 1, 0, "DIR",
     "directory for temporary files holding bodies of unknown length", "$TMPDIR, else /tmp",
     NULL},
    {"log-level", 0, SETTINGS_T_INT, SETTINGS_FIELD(log_level), 0, 7, "N",
     "log up to this syslog level: 0 emerg ... 4 warning ... 7 debug", NULL, NULL},
    {"max-sockets", 0, SETTINGS_T_UNSIGNED, SETTINGS_FIELD(max_sockets), 0, INT_MAX, "N",
     "idle backend connections kept for reuse (0: none)", NULL, NULL},
    {"max-conns", 0, SETTINGS_T_UNSIGNED, SETTINGS_FIELD(max_conns), 1, INT_MAX, "N",
     "client connections served at once", NULL, NULL},
    {"listen-backlog", 0, SETTINGS_T_UNSIGNED, SETTINGS_FIELD(listen_backlog), 1, INT_MAX, "N",
     "listen(2) backlog of the --listen socket", NULL, NULL},
    {"connect-timeout", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(connect_timeout), 0,
     SETTINGS_MAX_SECONDS, "SECONDS", "time allowed to connect to a backend", NULL, NULL},
    {"first-byte-timeout", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(first_byte_timeout), 0,
     SETTINGS_MAX_SECONDS, "SECONDS", "request fully sent -> first reply byte from the Lisp",
     NULL, NULL},
    {"io-timeout", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(io_timeout), 0, SETTINGS_MAX_SECONDS,
     "SECONDS", "longest time without progress in either direction", NULL, NULL},
    {"shutdown-timeout", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(shutdown_timeout), 0,
     SETTINGS_MAX_SECONDS, "SECONDS", "SIGTERM: time in-flight requests get to finish", NULL,
     NULL},
    {"max-params", 0, SETTINGS_T_SIZE, SETTINGS_FIELD(max_params), 1, SETTINGS_MAX_MEMORY,
     "BYTES", "FastCGI PARAMS bytes accepted per request", NULL, NULL},
    {"max-headers", 0, SETTINGS_T_SIZE, SETTINGS_FIELD(max_headers), 1, 1048576, "N",
     "HTTP_* params (request headers) accepted per request", NULL, NULL},
    {"max-response-head", 0, SETTINGS_T_SIZE, SETTINGS_FIELD(max_response_head), 1,
     SETTINGS_MAX_MEMORY, "BYTES", "reply header block accepted from the Lisp", NULL, NULL},
    {"spool-memory", 0, SETTINGS_T_SIZE, SETTINGS_FIELD(spool_memory), 0, SETTINGS_MAX_MEMORY,
     "BYTES", "body of unknown length kept in memory up to this, then in a file", NULL, NULL},
    {"max-body", 0, SETTINGS_T_U64, SETTINGS_FIELD(max_body), 0, INT64_MAX, "BYTES",
     "body of unknown length accepted up to this (413 beyond)", NULL, NULL},
    {"balance", 0, SETTINGS_T_BALANCE, SETTINGS_FIELD(balance), 0, 0, "MODE",
     "least-connection (or fair), round-robin, hash (URL) or sticky (client address)", NULL,
     NULL},
    {"disable-time", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(disable_time), 0,
     SETTINGS_MAX_SECONDS, "SECONDS", "a backend that refused a connection is skipped this long",
     NULL, NULL},
    {"max-load-per-backend", 0, SETTINGS_T_UNSIGNED, SETTINGS_FIELD(max_load_per_backend), 0,
     INT_MAX, "N", "requests each backend serves at once (0: no limit)", NULL, NULL},
    {"queue-max", 0, SETTINGS_T_UNSIGNED, SETTINGS_FIELD(queue_max), 0, INT_MAX, "N",
     "requests that wait for a backend below its limit (503 beyond)", "8 per backend", NULL},
    {"queue-timeout", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(queue_timeout), 0,
     SETTINGS_MAX_SECONDS, "SECONDS", "longest wait for a backend before 503", NULL, NULL},
    {"bin-path", 0, SETTINGS_T_COMMAND, SETTINGS_FIELD(bin_path), 0, 0, "COMMAND",
     "start and supervise the Lisp: its command line, quoted as in sh; %p and %s are "
     "the slot's port and socket", "none", NULL},
    {"bin-environment", 0, SETTINGS_T_ENV_SET, SETTINGS_FIELD(bin_environment), 0, 0,
     "NAME=VALUE", "one more variable in the Lisp's environment (repeatable)", "none", NULL},
    {"bin-copy-environment", 0, SETTINGS_T_ENV_NAMES, SETTINGS_FIELD(bin_copy_environment), 0,
     0, "NAMES", "the variables of fcgi-lisp's environment the Lisp gets", "PATH HOME LANG",
     NULL},
    {"min-procs", 0, SETTINGS_T_UNSIGNED, SETTINGS_FIELD(min_procs), 0, 1024, "N",
     "Lisp processes kept running", NULL, NULL},
    {"max-procs", 0, SETTINGS_T_UNSIGNED, SETTINGS_FIELD(max_procs), 0, 1024, "N",
     "Lisp processes at most (0: the number of CPUs, at least 2)", NULL, NULL},
    {"max-load-per-proc", 0, SETTINGS_T_UNSIGNED, SETTINGS_FIELD(max_load_per_proc), 1, INT_MAX,
     "N", "requests each Lisp process serves at once", NULL, NULL},
    {"idle-timeout", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(idle_timeout), 0,
     SETTINGS_MAX_SECONDS, "SECONDS", "a Lisp process above min-procs idle this long stops",
     NULL, NULL},
    {"startup-timeout", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(startup_timeout), 0,
     SETTINGS_MAX_SECONDS, "SECONDS", "a started Lisp must accept connections within this",
     NULL, NULL},
    {"kill-signal", 0, SETTINGS_T_SIGNAL, SETTINGS_FIELD(kill_signal), 1, 64, "SIGNAL",
     "asks a Lisp process to stop", "TERM", NULL},
    {"kill-grace", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(kill_grace), 0, SETTINGS_MAX_SECONDS,
     "SECONDS", "then SIGKILL after this", NULL, NULL},
    {"lisp-tag-prefix", 0, SETTINGS_T_STRING, SETTINGS_FIELD(lisp_tag_prefix), 0, 0, "TEXT",
     "Lisplets: before every tag and name sent (\":\": keywords)", NULL, NULL},
    {"lisp-tag-suffix", 0, SETTINGS_T_STRING, SETTINGS_FIELD(lisp_tag_suffix), 0, 0, "TEXT",
     "Lisplets: after every tag and name sent", NULL, NULL},
    {"lisp-true", 0, SETTINGS_T_STRING, SETTINGS_FIELD(lisp_true), 1, 0, "TOKEN",
     "Lisplets: how true is written", NULL, NULL},
    {"lisp-false", 0, SETTINGS_T_STRING, SETTINGS_FIELD(lisp_false), 1, 0, "TOKEN",
     "Lisplets: how false is written", NULL, NULL},
    {"lisp-null", 0, SETTINGS_T_STRING, SETTINGS_FIELD(lisp_null), 1, 0, "TOKEN",
     "Lisplets: an attribute value that removes the attribute", NULL, NULL},
    {"lisp-roles", 0, SETTINGS_T_STRING, SETTINGS_FIELD(lisp_roles), 0, 0, "ROLES",
     "Lisplets: the roles reported in (user (roles ...)), separated by commas", NULL, NULL},
    {"lisp-role", 0, SETTINGS_T_LIST, SETTINGS_FIELD(lisp_role), 1, 0, "ROLE USER...",
     "Lisplets: the users (REMOTE_USER) who have ROLE (repeatable)", "none", NULL},
    {"context-name", 0, SETTINGS_T_STRING, SETTINGS_FIELD(context_name), 0, 0, "TEXT",
     "Lisplets: (context (name ...))", NULL, NULL},
    {"context-param", 0, SETTINGS_T_PAIR_SET, SETTINGS_FIELD(context_param), 0, 0, "NAME=VALUE",
     "Lisplets: one (context (params ...)) entry (repeatable)", "none", NULL},
    {"servlet-name", 0, SETTINGS_T_STRING, SETTINGS_FIELD(servlet_name), 0, 0, "TEXT",
     "Lisplets: (servlet (name ...))", NULL, NULL},
    {"servlet-param", 0, SETTINGS_T_PAIR_SET, SETTINGS_FIELD(servlet_param), 0, 0, "NAME=VALUE",
     "Lisplets: one (servlet (params ...)) entry besides lisp-host and lisp-port (repeatable)",
     "none", NULL},
    {"lisp-create-session", 0, SETTINGS_T_BOOL, SETTINGS_FIELD(lisp_create_session), 0, 0,
     "yes|no", "Lisplets: give every request a session", NULL, NULL},
    {"session-cookie", 0, SETTINGS_T_STRING, SETTINGS_FIELD(session_cookie), 1, 0, "NAME",
     "Lisplets: the session cookie's name", NULL, NULL},
    {"session-store", 0, SETTINGS_T_STRING, SETTINGS_FIELD(session_store), 1, 0, "FILE",
     "Lisplets: the LMDB file of sessions and context attributes, shared by the fcgi-lisps "
     "of this host", "SPOOL-DIR/fcgi-lisp-sessions-ADDR", NULL},
    {"session-store-size", 0, SETTINGS_T_SIZE, SETTINGS_FIELD(session_store_size), 65536,
     (uint64_t)1 << 40, "BYTES", "Lisplets: the session store's largest size", NULL, NULL},
    {"session-timeout", 0, SETTINGS_T_SECONDS, SETTINGS_FIELD(session_timeout), 0,
     SETTINGS_MAX_SECONDS, "SECONDS", "Lisplets: a new session's max-inactive-interval", NULL,
     NULL},
    {"lisplets-raw-body", 0, SETTINGS_T_BOOL, SETTINGS_FIELD(lisplets_raw_body), 0, 0, "yes|no",
     "Lisplets: send a body that is no form after the s-expression, announced as "
     "(body-length N)", NULL, NULL},
    {"max-form", 0, SETTINGS_T_SIZE, SETTINGS_FIELD(max_form), 0, SETTINGS_MAX_MEMORY, "BYTES",
     "Lisplets: a form body decoded into params up to this (413 beyond)", NULL, NULL},
    {"bin-inherit-socket", 0, SETTINGS_T_BOOL, SETTINGS_FIELD(bin_inherit_socket), 0, 0,
     "yes|no", "fcgi-lisp binds each slot's address and gives the Lisp the listening socket "
     "as fd 0, kept open across restarts", NULL, NULL},
    {"help", 'h', SETTINGS_T_HELP, 0, 0, 0, NULL, "print this help and exit", NULL, NULL},
    {"version", 'V', SETTINGS_T_VERSION, 0, 0, 0, NULL, "print the version and exit", NULL,
     NULL},
    {"lisp.server-ip", 0, SETTINGS_T_LISP_IP, 0, 1, 0, "IP",
     "with lisp.server-port: one more backend, modlisp://IP:PORT", SETTINGS_LISP_DEFAULT_IP,
     NULL},
    {"lisp.server-port", 0, SETTINGS_T_LISP_PORT, 0, 1, 65535, "PORT",
     "with lisp.server-ip: one more backend, modlisp://IP:PORT",
     SETTINGS_STRINGIFY(SETTINGS_LISP_DEFAULT_PORT), NULL},
    {"lisp.server-id", 0, SETTINGS_T_ALIAS, 0, 0, 0, NULL, NULL, NULL, "server-id"},
    {"lisp.log-level", 0, SETTINGS_T_ALIAS, 0, 0, 0, NULL, NULL, NULL, "log-level"},
    {"lisp.max-sockets", 0, SETTINGS_T_ALIAS, 0, 0, 0, NULL, NULL, NULL, "max-sockets"},
};

#define SETTINGS_N_KEYS (sizeof settings_keys / sizeof settings_keys[0])
/* getopt_long's val for long-only options: past every letter. */
#define SETTINGS_OPT_BASE 256

static bool settings_key_on_command_line(const struct settings_key *k)
{
    return k->type != SETTINGS_T_LISP_IP && k->type != SETTINGS_T_LISP_PORT
           && k->type != SETTINGS_T_ALIAS;
}

static bool settings_key_takes_value(const struct settings_key *k)
{
    return k->type != SETTINGS_T_HELP && k->type != SETTINGS_T_VERSION;
}

static const struct settings_key *settings_key_find(const char *name)
{
    for (size_t i = 0; i < SETTINGS_N_KEYS; i++) {
        if (strcmp(settings_keys[i].name, name) == 0)
            return &settings_keys[i];
    }
    return NULL;
}

static void *settings_field(struct settings *c, const struct settings_key *k)
{
    return (char *)c + k->offset;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */
/* ------------------------------------------------------------------------ */

/* Formats "--KEY: reason" (where is SETTINGS_ARGV_WHERE) or "WHERE: KEY:
 * reason" into err. Returns -1 for the caller to pass on. */
__attribute__((format(printf, 5, 6)))
static int settings_fail(char *err, size_t errlen, const char *where, const char *key,
                         const char *fmt, ...)
{
    int n;
    if (strcmp(where, SETTINGS_ARGV_WHERE) == 0)
        n = snprintf(err, errlen, "--%s: ", key);
    else
        n = snprintf(err, errlen, "%s: %s: ", where, key);
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A whole number within k's range. */
static int settings_parse_number(const struct settings_key *k, const char *key,
                                 const char *value, const char *where, uint64_t *out,
                                 char *err, size_t errlen)
{
    int rc = value_parse_u64(value, out);
    if (rc == -1)
        return settings_fail(err, errlen, where, key, "\"%s\" is not a whole number", value);
    if (rc == -2 || *out < k->min || *out > k->max)
        return settings_fail(err, errlen, where, key,
                             "%s is out of range (%" PRIu64 "..%" PRIu64 ")", value, k->min,
                             k->max);
    return 0;
}

/* Seconds (value.h), more than 0 and at most k->max. */
static int settings_parse_seconds(const struct settings_key *k, const char *key,
                                  const char *value, const char *where, double *out,
                                  char *err, size_t errlen)
{
    double v;
    if (value_parse_seconds(value, &v) < 0)
        return settings_fail(err, errlen, where, key, "\"%s\" is not a number of seconds",
                             value);
    if (!(v > 0) || v > (double)k->max)
        return settings_fail(err, errlen, where, key,
                             "%s is out of range (more than 0, at most %" PRIu64 " seconds)",
                             value, k->max);
    *out = v;
    return 0;
}

/* Text that ends up in protocol lines (server-id, Content-Type) or paths:
 * no control characters, so no CR or LF can split a line. */
static int settings_check_text(const struct settings_key *k, const char *key, const char *value,
                               const char *where, char *err, size_t errlen)
{
    if (k->min > 0 && *value == '\0')
        return settings_fail(err, errlen, where, key, "must not be empty");
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return settings_fail(err, errlen, where, key, "contains a control character");
    }
    return 0;
}

static void settings_backends_clear(struct settings *c)
{
    for (size_t i = 0; i < c->n_backends; i++)
        backend_url_free(&c->backends[i]);
    free(c->backends);
    c->backends = NULL;
    c->n_backends = 0;
}

/* Parses url and appends it to c->backends. Returns 0, or -1 with "URL:
 * reason" in why. */
static int settings_backend_add(struct settings *c, const char *url, char *why, size_t whylen)
{
    struct backend_url u;
    char reason[256];
    if (backend_url_parse(&u, url, reason, sizeof reason) < 0) {
        snprintf(why, whylen, "%s: %s", url, reason);
        return -1;
    }
    c->backends = xrealloc(c->backends, (c->n_backends + 1) * sizeof *c->backends);
    c->backends[c->n_backends++] = u;
    return 0;
}

/* Stores n, already within k's range, in k's integer field. */
static void settings_store_number(struct settings *c, const struct settings_key *k, uint64_t n)
{
    void *f = settings_field(c, k);
    if (k->type == SETTINGS_T_INT)
        *(int *)f = (int)n;
    else if (k->type == SETTINGS_T_UNSIGNED)
        *(unsigned *)f = (unsigned)n;
    else if (k->type == SETTINGS_T_SIZE)
        *(size_t *)f = (size_t)n;
    else
        *(uint64_t *)f = n;
}

/* The length of the environment variable name at the start of s: a letter
 * or '_', then letters, digits and '_'. */
static size_t settings_name_len(const char *s)
{
    size_t n = 0;
    if (!isalpha((unsigned char)s[0]) && s[0] != '_')
        return 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_')
        n++;
    return n;
}

/* Appends a copy of s[0, n) to the NULL-terminated list *v (NULL: empty). */
static void settings_strv_push(char ***v, const char *s, size_t n)
{
    size_t len = *v ? command_strv_len((const char *const *)*v) : 0;
    *v = xrealloc(*v, (len + 2) * sizeof **v);
    (*v)[len] = xstrndup(s, n);
    (*v)[len + 1] = NULL;
}

/* Names separated by blanks or commas, replacing k's list; empty: none. */
static int settings_env_names(struct settings *c, const struct settings_key *k, const char *key,
                              const char *value, const char *where, char *err, size_t errlen)
{
    char **names = xcalloc(1, sizeof *names);
    for (const char *p = value; *p != '\0';) {
        p += strspn(p, " \t,");
        if (*p == '\0')
            break;
        size_t n = settings_name_len(p);
        if (n == 0 || (p[n] != '\0' && strchr(" \t,", p[n]) == NULL)) {
            command_strv_free(names);
            return settings_fail(err, errlen, where, key,
                                 "'%s' is not a list of variable names", value);
        }
        settings_strv_push(&names, p, n);
        p += n;
    }
    command_strv_free(*(char ***)settings_field(c, k));
    *(char ***)settings_field(c, k) = names;
    return 0;
}

/* yes/no, true/false, on/off, enable/disable (lighttpd's words), 1/0, in
 * any case. 0 or -1. */
static int settings_parse_bool(const char *value, bool *out)
{
    static const char *const words[][2] = {
        {"yes", "no"}, {"true", "false"}, {"on", "off"}, {"enable", "disable"}, {"1", "0"}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        for (int no = 0; no < 2; no++)
            if (strcasecmp(value, words[i][no]) == 0) {
                *out = no == 0;
                return 0;
            }
    return -1;
}

/* TERM, SIGTERM or 15 (any signal number 1..64, case as written). */
static int settings_parse_signal(const struct settings_key *k, const char *key,
                                 const char *value, const char *where, int *out, char *err,
                                 size_t errlen)
{
    int sig;
    if (value_parse_signal(value, &sig) == 0 && (uint64_t)sig >= k->min &&
        (uint64_t)sig <= k->max) {
        *out = sig;
        return 0;
    }
    return settings_fail(err, errlen, where, key, "'%s' is not a signal (TERM, SIGINT, 15, ...)",
                         value);
}

/* Stores value for k, a key with a field or the backend list; `key` is
 * the name as written (an alias's own name) for messages. */
static int settings_apply(struct settings *c, const struct settings_key *k, const char *key,
                          const char *value, const char *where, char *err, size_t errlen)
{
    char why[512];
    uint64_t n;
    switch (k->type) {
    case SETTINGS_T_STRING:
        if (settings_check_text(k, key, value, where, err, errlen) < 0)
            return -1;
        free(*(char **)settings_field(c, k));
        *(char **)settings_field(c, k) = xstrdup(value);
        return 0;
    case SETTINGS_T_LISTEN: {
        struct addr a;
        if (addr_parse(&a, value, why, sizeof why) < 0)
            return settings_fail(err, errlen, where, key, "%s: %s", value, why);
        free(c->listen);
        c->listen = xstrdup(value);
        return 0;
    }
    case SETTINGS_T_BACKEND:
        if (settings_backend_add(c, value, why, sizeof why) < 0)
            return settings_fail(err, errlen, where, key, "%s", why);
        return 0;
    case SETTINGS_T_INT:
    case SETTINGS_T_UNSIGNED:
    case SETTINGS_T_SIZE:
    case SETTINGS_T_U64:
        if (settings_parse_number(k, key, value, where, &n, err, errlen) < 0)
            return -1;
        settings_store_number(c, k, n);
        return 0;
    case SETTINGS_T_SECONDS:
        return settings_parse_seconds(k, key, value, where, (double *)settings_field(c, k), err,
                                      errlen);
    case SETTINGS_T_BALANCE:
        if (balance_mode_parse(value, (enum balance_mode *)settings_field(c, k)) < 0)
            return settings_fail(err, errlen, where, key,
                                 "'%s' is not least-connection, fair, round-robin, hash or sticky",
                                 value);
        return 0;
    case SETTINGS_T_COMMAND: {
        char **argv = command_split(value, why, sizeof why);
        if (argv == NULL)
            return settings_fail(err, errlen, where, key, "%s", why);
        command_strv_free(argv);
        free(*(char **)settings_field(c, k));
        *(char **)settings_field(c, k) = xstrdup(value);
        return 0;
    }
    case SETTINGS_T_ENV_SET:
        if (settings_name_len(value) == 0 || value[settings_name_len(value)] != '=')
            return settings_fail(err, errlen, where, key, "'%s' is not NAME=VALUE", value);
        settings_strv_push((char ***)settings_field(c, k), value, strlen(value));
        return 0;
    case SETTINGS_T_ENV_NAMES:
        return settings_env_names(c, k, key, value, where, err, errlen);
    case SETTINGS_T_PAIR_SET:
        if (settings_check_text(k, key, value, where, err, errlen) < 0)
            return -1;
        if (value[0] == '=' || strchr(value, '=') == NULL)
            return settings_fail(err, errlen, where, key, "'%s' is not NAME=VALUE", value);
        settings_strv_push((char ***)settings_field(c, k), value, strlen(value));
        return 0;
    case SETTINGS_T_LIST:
        if (settings_check_text(k, key, value, where, err, errlen) < 0)
            return -1;
        settings_strv_push((char ***)settings_field(c, k), value, strlen(value));
        return 0;
    case SETTINGS_T_SIGNAL:
        return settings_parse_signal(k, key, value, where, (int *)settings_field(c, k), err,
                                     errlen);
    case SETTINGS_T_BOOL:
        return settings_parse_bool(value, (bool *)settings_field(c, k)) < 0
                   ? settings_fail(err, errlen, where, key, "'%s' is not yes or no", value)
                   : 0;
    case SETTINGS_T_CONFIG:
    case SETTINGS_T_HELP:
    case SETTINGS_T_VERSION:
        return settings_fail(err, errlen, where, key, "only on the command line");
    case SETTINGS_T_LISP_IP:
    case SETTINGS_T_LISP_PORT:
    case SETTINGS_T_ALIAS:
        break;
    }
    return settings_fail(err, errlen, where, key, "only in a config file");
}

int settings_set(struct settings *c, const char *key, const char *value, const char *where,
                 char *err, size_t errlen)
{
    const struct settings_key *k = settings_key_find(key);
    if (k == NULL)
        return settings_fail(err, errlen, where, key, "unknown key");
    if (k->type == SETTINGS_T_ALIAS)
        k = settings_key_find(k->alias_of);
    return settings_apply(c, k, key, value, where, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* Config file                                                               */
/* ------------------------------------------------------------------------ */

/* lisp.server-ip and lisp.server-port of one file: together one backend. */
struct settings_lisp {
    char *ip;          /* owned: lisp.server-ip's value, NULL if not given */
    unsigned ip_line;  /* its line, for messages */
    unsigned port;     /* lisp.server-port, 0 if not given */
};

/* Appends the backend modlisp://IP:PORT that lisp.server-ip and
 * lisp.server-port name, with mod_lisp-lighttpd's default for the one
 * missing. */
static int settings_lisp_finish(struct settings *c, const struct settings_lisp *lisp,
                                const char *path, char *err, size_t errlen)
{
    const char *ip = lisp->ip != NULL ? lisp->ip : SETTINGS_LISP_DEFAULT_IP;
    unsigned port = lisp->port != 0 ? lisp->port : SETTINGS_LISP_DEFAULT_PORT;
    bool v6 = strchr(ip, ':') != NULL && ip[0] != '[';
    size_t len = strlen(ip) + 32;
    char *url = xmalloc(len);
    snprintf(url, len, "modlisp://%s%s%s:%u", v6 ? "[" : "", ip, v6 ? "]" : "", port);
    char why[512];
    int rc = settings_backend_add(c, url, why, sizeof why);
    free(url);
    if (rc < 0)
        snprintf(err, errlen, "%s:%u: lisp.server-ip: %s", path, lisp->ip_line, why);
    return rc;
}

static bool settings_is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static bool settings_is_key_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
           || ch == '-' || ch == '_' || ch == '.';
}

/* Reads the value starting at p (just after "=" and blanks) in place:
 * either "quoted" with \" and \\ as the only escapes, or bare up to a '#'
 * that follows a blank. Returns the NUL-terminated value, or NULL with the
 * reason in why. */
static char *settings_file_value(char *p, char *why, size_t whylen)
{
    if (*p == '"') {
        char *value = p + 1;
        char *w = value;
        const char *r = value;
        for (; *r != '"'; r++) {
            if (*r == '\0') {
                snprintf(why, whylen, "missing closing '\"'");
                return NULL;
            }
            if (*r == '\\') {
                r++;
                if (*r != '"' && *r != '\\') {
                    snprintf(why, whylen, "only \\\" and \\\\ may follow a backslash in quotes");
                    return NULL;
                }
            }
            *w++ = *r;
        }
        const char *after = ++r;
        while (settings_is_blank(*r))
            r++;
        if (*r != '\0' && !(*r == '#' && r > after)) {
            snprintf(why, whylen, "text after the closing '\"'");
            return NULL;
        }
        *w = '\0';
        return value;
    }
    char *end = p;
    while (*end != '\0' && !(*end == '#' && end > p && settings_is_blank(end[-1])))
        end++;
    while (end > p && settings_is_blank(end[-1]))
        end--;
    *end = '\0';
    if (*p == '\0' || *p == '#') {
        snprintf(why, whylen, "missing value (write \"\" for an empty one)");
        return NULL;
    }
    return p;
}

/* One line of a config file (without its newline), changed in place. */
static int settings_file_line(struct settings *c, struct settings_lisp *lisp, char *line,
                              const char *where, unsigned lineno, char *err, size_t errlen)
{
    char *p = line;
    while (settings_is_blank(*p))
        p++;
    if (*p == '\0' || *p == '#')
        return 0;
    char *key = p;
    while (settings_is_key_char(*p))
        p++;
    char *key_end = p;
    while (settings_is_blank(*p))
        p++;
    if (key_end == key) {
        snprintf(err, errlen, "%s: expected KEY = VALUE", where);
        return -1;
    }
    if (*p != '=') {
        *key_end = '\0';
        return settings_fail(err, errlen, where, key, "expected '=' after the key");
    }
    *key_end = '\0';
    p++;
    while (settings_is_blank(*p))
        p++;
    const struct settings_key *k = settings_key_find(key);
    if (k == NULL)
        return settings_fail(err, errlen, where, key, "unknown key");
    char why[256];
    char *value = settings_file_value(p, why, sizeof why);
    if (value == NULL)
        return settings_fail(err, errlen, where, key, "%s", why);
    if (k->type == SETTINGS_T_LISP_IP) {
        if (settings_check_text(k, key, value, where, err, errlen) < 0)
            return -1;
        free(lisp->ip);
        lisp->ip = xstrdup(value);
        lisp->ip_line = lineno;
        return 0;
    }
    if (k->type == SETTINGS_T_LISP_PORT) {
        uint64_t port;
        if (settings_parse_number(k, key, value, where, &port, err, errlen) < 0)
            return -1;
        lisp->port = (unsigned)port;
        return 0;
    }
    return settings_set(c, key, value, where, err, errlen);
}

int settings_read_file(struct settings *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open config file %s: %s", path, strerror(errno));
        return -1;
    }
    free(c->config_file);
    c->config_file = xstrdup(path);

    struct settings_lisp lisp = {NULL, 0, 0};
    size_t where_len = strlen(path) + 16;
    char *where = xmalloc(where_len);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        snprintf(where, where_len, "%s:%u", path, lineno);
        if (strlen(line) != (size_t)n) {
            snprintf(err, errlen, "%s: NUL byte in the line", where);
            rc = -1;
            break;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        rc = settings_file_line(c, &lisp, line, where, lineno, err, errlen);
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && (lisp.ip != NULL || lisp.port != 0))
        rc = settings_lisp_finish(c, &lisp, path, err, errlen);
    free(lisp.ip);
    free(line);
    free(where);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Environment and command line                                              */
/* ------------------------------------------------------------------------ */

static const char *settings_env_get(char **env, const char *name)
{
    size_t len = strlen(name);
    for (char **e = env; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    }
    return NULL;
}

/* FCGI_LISP_BACKEND: URLs separated by blanks or commas; when it names
 * any, they replace the config file's backends. */
static int settings_env_backends(struct settings *c, const char *list, char *err, size_t errlen)
{
    static const char seps[] = " \t\r\n,";
    const char *p = list + strspn(list, seps);
    if (*p != '\0')
        settings_backends_clear(c);
    while (*p != '\0') {
        size_t len = strcspn(p, seps);
        char *url = xstrndup(p, len);
        char why[512];
        int rc = settings_backend_add(c, url, why, sizeof why);
        free(url);
        if (rc < 0) {
            snprintf(err, errlen, SETTINGS_ENV_BACKEND ": %s", why);
            return -1;
        }
        p += len;
        p += strspn(p, seps);
    }
    return 0;
}

/* One option from argv, applied after the config file and environment. */
struct settings_arg {
    const struct settings_key *key; /* borrowed: a row of settings_keys */
    const char *value;              /* borrowed from argv */
};

/* Fills the getopt_long tables from settings_keys. */
static void settings_getopt_tables(struct option *longopts, char *shortopts)
{
    size_t n_long = 0;
    char *s = shortopts;
    *s++ = '+';   /* stop at the first non-option: no argv permutation */
    *s++ = ':';   /* report a missing value as ':' and print nothing */
    for (size_t i = 0; i < SETTINGS_N_KEYS; i++) {
        const struct settings_key *k = &settings_keys[i];
        if (!settings_key_on_command_line(k))
            continue;
        bool has_arg = settings_key_takes_value(k);
        longopts[n_long++] = (struct option){k->name, has_arg ? required_argument : no_argument,
                                             NULL, SETTINGS_OPT_BASE + (int)i};
        if (k->short_name != 0) {
            *s++ = k->short_name;
            if (has_arg)
                *s++ = ':';
        }
    }
    *s = '\0';
    longopts[n_long] = (struct option){NULL, 0, NULL, 0};
}

static const struct settings_key *settings_key_for_opt(int opt)
{
    if (opt >= SETTINGS_OPT_BASE && opt < SETTINGS_OPT_BASE + (int)SETTINGS_N_KEYS)
        return &settings_keys[opt - SETTINGS_OPT_BASE];
    for (size_t i = 0; i < SETTINGS_N_KEYS; i++) {
        if (opt != 0 && settings_keys[i].short_name == opt)
            return &settings_keys[i];
    }
    return NULL;
}

/* Explains getopt_long's '?' (unknown option, or a value given to an
 * option that takes none) and ':' (missing value). */
static void settings_getopt_error(int opt, char **argv, char *err, size_t errlen)
{
    const struct settings_key *k = settings_key_for_opt(optopt);
    if (opt == ':' && k != NULL)
        snprintf(err, errlen, "--%s: missing value", k->name);
    else if (k != NULL && optopt >= SETTINGS_OPT_BASE)
        snprintf(err, errlen, "--%s: takes no value", k->name);
    else if (optopt != 0)
        snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
    else
        snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
}

/* Reads argv into args (n_args entries); handles --help and --version. */
static enum settings_rc settings_parse_argv(int argc, char **argv, struct settings_arg *args,
                                            size_t *n_args, char *err, size_t errlen)
{
    struct option longopts[SETTINGS_N_KEYS + 1];
    char shortopts[3 + 2 * SETTINGS_N_KEYS];
    settings_getopt_tables(longopts, shortopts);
    optind = 0;   /* glibc: a full reset, so settings_load can run again */
    opterr = 0;
    *n_args = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const struct settings_key *k = settings_key_for_opt(opt);
        if (opt == '?' || opt == ':' || k == NULL) {
            settings_getopt_error(opt, argv, err, errlen);
            return SETTINGS_ERROR;
        }
        if (k->type == SETTINGS_T_HELP) {
            settings_usage(stdout);
            return SETTINGS_EXIT;
        }
        if (k->type == SETTINGS_T_VERSION) {
            printf("fcgi-lisp %s\n", PACKAGE_VERSION);
            return SETTINGS_EXIT;
        }
        args[(*n_args)++] = (struct settings_arg){k, optarg};
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s' (options are --KEY VALUE; see --help)",
                 argv[optind]);
        return SETTINGS_ERROR;
    }
    return SETTINGS_OK;
}

/* The config file named by the last --config, else FCGI_LISP_CONFIG (an
 * empty FCGI_LISP_CONFIG is no file). */
static int settings_load_file(struct settings *c, const struct settings_arg *args, size_t n_args,
                              char **env, char *err, size_t errlen)
{
    const char *path = settings_env_get(env, SETTINGS_ENV_CONFIG);
    if (path != NULL && *path == '\0')
        path = NULL;
    for (size_t i = 0; i < n_args; i++) {
        if (args[i].key->type != SETTINGS_T_CONFIG)
            continue;
        if (*args[i].value == '\0') {
            snprintf(err, errlen, "--config: missing file name");
            return -1;
        }
        path = args[i].value;
    }
    return path != NULL ? settings_read_file(c, path, err, errlen) : 0;
}

/* The command line's settings, last; its backends replace all others. */
static int settings_apply_argv(struct settings *c, const struct settings_arg *args,
                               size_t n_args, char *err, size_t errlen)
{
    bool backends_replaced = false;
    for (size_t i = 0; i < n_args; i++) {
        const struct settings_key *k = args[i].key;
        if (k->type == SETTINGS_T_CONFIG)
            continue;
        if (k->type == SETTINGS_T_BACKEND && !backends_replaced) {
            settings_backends_clear(c);
            backends_replaced = true;
        }
        if (settings_apply(c, k, k->name, args[i].value, SETTINGS_ARGV_WHERE, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Public                                                                    */
/* ------------------------------------------------------------------------ */

void settings_init(struct settings *c)
{
    *c = (struct settings){
        .server_id = xstrdup("fcgi-lisp"),
        .default_content_type = xstrdup("application/octet-stream"),
        .lisp_tag_prefix = xstrdup(""),
        .lisp_tag_suffix = xstrdup(""),
        .lisp_true = xstrdup("t"),
        .lisp_false = xstrdup("nil"),
        .lisp_null = xstrdup("nil"),
        .lisp_roles = xstrdup(""),
        .context_name = xstrdup("fcgi-lisp"),
        .servlet_name = xstrdup("lisplet"),
        .session_cookie = xstrdup("JSESSIONID"),
        .session_store_size = (size_t)64 << 20,
        .session_timeout = 1800,
        .max_form = (size_t)1 << 20,
        .log_level = 4,
        .max_sockets = 1024,
        .max_conns = 1024,
        .listen_backlog = 1024,
        .connect_timeout = 5,
        .first_byte_timeout = 60,
        .io_timeout = 60,
        .shutdown_timeout = 30,
        .max_params = 65536,
        .max_headers = 100,
        .max_response_head = 65536,
        .spool_memory = (size_t)1 << 20,
        .max_body = (uint64_t)1 << 30,
        .balance = BALANCE_LEAST_CONNECTION,
        .disable_time = 1,
        .queue_timeout = 30,
        .min_procs = 1,
        .max_load_per_proc = 1,
        .idle_timeout = 60,
        .startup_timeout = 60,
        .kill_signal = SIGTERM,
        .kill_grace = 5,
    };
}

void settings_free(struct settings *c)
{
    settings_backends_clear(c);
    free(c->bin_path);
    command_strv_free(c->bin_environment);
    command_strv_free(c->bin_copy_environment);
    c->bin_path = NULL;
    c->bin_environment = c->bin_copy_environment = NULL;
    free(c->listen);
    free(c->config_file);
    free(c->server_id);
    free(c->default_content_type);
    free(c->spool_dir);
    c->listen = c->config_file = c->server_id = c->default_content_type = c->spool_dir = NULL;
    char **strings[] = {&c->lisp_tag_prefix, &c->lisp_tag_suffix, &c->lisp_true,
                        &c->lisp_false,      &c->lisp_null,       &c->lisp_roles,
                        &c->context_name,    &c->servlet_name,    &c->session_cookie,
                        &c->session_store};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
    char ***lists[] = {&c->lisp_role, &c->context_param, &c->servlet_param};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        command_strv_free(*lists[i]);
        *lists[i] = NULL;
    }
}

/* The Lisplets words that are written into requests as they are: tag
 * prefix and suffix that cannot change how a tag reads, booleans and null
 * that read as one plain symbol (sexp.h); every backend of one protocol. */
static int settings_check_lisplets(const struct settings *c, char *err, size_t errlen)
{
    for (size_t i = 1; i < c->n_backends; i++)
        if (c->backends[i].proto != c->backends[0].proto) {
            snprintf(err, errlen, "backend: %s and %s speak different protocols; give backends "
                                  "of one protocol",
                     c->backends[0].text, c->backends[i].text);
            return -1;
        }
    if (!sexp_tag_ok(c->lisp_tag_prefix, true) || !sexp_tag_ok(c->lisp_tag_suffix, false)) {
        snprintf(err, errlen, "lisp-tag-prefix, lisp-tag-suffix: letters, digits, '-', '_' and "
                              "'.' only (and one leading ':' for the prefix)");
        return -1;
    }
    const char *const words[][2] = {{"lisp-true", c->lisp_true},
                                    {"lisp-false", c->lisp_false},
                                    {"lisp-null", c->lisp_null}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!sexp_name_is_plain((struct slice){(const uint8_t *)words[i][1],
                                               strlen(words[i][1])})) {
            snprintf(err, errlen, "%s: '%s' is not a plain Lisp symbol (a letter, then "
                                  "letters, digits, '-', '_', '.')",
                     words[i][0], words[i][1]);
            return -1;
        }
    if (!sexp_name_is_plain((struct slice){(const uint8_t *)c->session_cookie,
                                           strlen(c->session_cookie)})) {
        snprintf(err, errlen, "session-cookie: '%s' is not a cookie name (a letter, then "
                              "letters, digits, '-', '_', '.')",
                 c->session_cookie);
        return -1;
    }
    for (char **r = c->lisp_role; r != NULL && *r != NULL; r++)
        if (strcspn(*r, " \t") == 0 || (*r)[strcspn(*r, " \t")] == '\0') {
            snprintf(err, errlen, "lisp-role: '%s' is not ROLE USER...", *r);
            return -1;
        }
    return 0;
}

/* With bin-path: one backend (slot 0's address), min-procs <= max-procs,
 * and every slot's port a port. max-procs 0 becomes the number of CPUs. */
static int settings_check_pool(struct settings *c, char *err, size_t errlen)
{
    if (c->bin_path == NULL)
        return 0;
    if (c->max_procs == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        c->max_procs = cpus > 2 ? (unsigned)cpus : 2;
        if (c->max_procs < c->min_procs)
            c->max_procs = c->min_procs;
    }
    if (c->n_backends != 1) {
        snprintf(err, errlen,
                 "bin-path: give exactly one backend, the address of the first Lisp process "
                 "(%zu given)", c->n_backends);
        return -1;
    }
    if (c->min_procs > c->max_procs) {
        snprintf(err, errlen, "min-procs: %u is more than max-procs (%u)", c->min_procs,
                 c->max_procs);
        return -1;
    }
    const struct addr *a = &c->backends[0].addr;
    struct addr last;
    if (addr_slot(&last, a, c->max_procs - 1) < 0) {
        if (a->family == AF_UNIX)
            snprintf(err, errlen, "max-procs: the socket path of slot %u is too long",
                     c->max_procs - 1);
        else
            snprintf(err, errlen, "max-procs: %u processes from port %u go past port 65535",
                     c->max_procs, addr_port(a));
        return -1;
    }
    /* %p in a unix pool, %s in a TCP one */
    char why[256];
    char **argv = command_split(c->bin_path, why, sizeof why);
    struct command_slot cs = {0, addr_port(a), addr_unix_path(a), c->bin_inherit_socket};
    char **expanded = command_expand((const char *const *)argv, &cs, why, sizeof why);
    command_strv_free(argv);
    if (expanded == NULL) {
        snprintf(err, errlen, "bin-path: %s", why);
        return -1;
    }
    command_strv_free(expanded);
    return 0;
}

/* Everything after argv is read: file, environment, argv, then the
 * defaults that depend on the environment, then the checks of the whole. */
static int settings_load_levels(struct settings *c, const struct settings_arg *args,
                                size_t n_args, char **env, char *err, size_t errlen)
{
    if (settings_load_file(c, args, n_args, env, err, errlen) < 0)
        return -1;
    const char *env_backends = settings_env_get(env, SETTINGS_ENV_BACKEND);
    if (env_backends != NULL && settings_env_backends(c, env_backends, err, errlen) < 0)
        return -1;
    if (settings_apply_argv(c, args, n_args, err, errlen) < 0)
        return -1;
    if (c->spool_dir == NULL) {
        const char *tmp = settings_env_get(env, "TMPDIR");
        c->spool_dir = xstrdup(tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    }
    if (c->session_store == NULL && c->n_backends > 0) {
        /* one store per application: named after its first backend */
        char addr[160];
        addr_file_part(&c->backends[0].addr, addr, sizeof addr);
        struct buf b = BUF_INIT;
        buf_printf(&b, "%s/fcgi-lisp-sessions-%s", c->spool_dir, addr);
        buf_append_byte(&b, '\0');
        c->session_store = xstrdup((const char *)buf_data(&b));
        buf_free(&b);
    }
    if (c->n_backends == 0) {
        snprintf(err, errlen,
                 "no Lisp backend: give --backend modlisp://HOST:PORT (or modlisp+unix:/PATH), "
                 "set " SETTINGS_ENV_BACKEND ", or write 'backend = URL' in the config file");
        return -1;
    }
    if (settings_check_lisplets(c, err, errlen) < 0)
        return -1;
    return settings_check_pool(c, err, errlen);
}

enum settings_rc settings_load(struct settings *c, int argc, char **argv, char **env, char *err,
                               size_t errlen)
{
    /* Every option but -h and -V (which end the parse) takes a value, so
     * argv holds at most argc options. */
    struct settings_arg *args = xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *args);
    size_t n_args;
    enum settings_rc rc = settings_parse_argv(argc, argv, args, &n_args, err, errlen);
    if (rc == SETTINGS_OK && settings_load_levels(c, args, n_args, env, err, errlen) < 0)
        rc = SETTINGS_ERROR;
    free(args);
    return rc;
}

static bool settings_str_same(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

const char *settings_reload_blocker(const struct settings *old, const struct settings *new)
{
    if (!settings_str_same(old->listen, new->listen))
        return "listen";
    if (old->n_backends != new->n_backends)
        return "backend";
    for (size_t i = 0; i < old->n_backends; i++)
        if (strcmp(old->backends[i].text, new->backends[i].text) != 0)
            return "backend";
    if ((old->bin_path == NULL) != (new->bin_path == NULL))
        return "bin-path";
    if (old->max_procs != new->max_procs)
        return "max-procs";
    if (old->listen_backlog != new->listen_backlog)
        return "listen-backlog";
    if (old->bin_inherit_socket != new->bin_inherit_socket)
        return "bin-inherit-socket";
    if (!settings_str_same(old->session_store, new->session_store) ||
        old->session_store_size != new->session_store_size)
        return "session-store";
    return NULL;
}

/* The default of k as --help shows it, from a settings_init'ed d. */
static void settings_default_text(const struct settings_key *k, struct settings *d, char *out,
                                  size_t outlen)
{
    if (k->default_text != NULL) {
        snprintf(out, outlen, "%s", k->default_text);
        return;
    }
    void *f = settings_field(d, k);
    switch (k->type) {
    case SETTINGS_T_STRING:
        snprintf(out, outlen, "\"%s\"", *(char **)f);
        return;
    case SETTINGS_T_INT:
        snprintf(out, outlen, "%d", *(int *)f);
        return;
    case SETTINGS_T_UNSIGNED:
        snprintf(out, outlen, "%u", *(unsigned *)f);
        return;
    case SETTINGS_T_SIZE:
        snprintf(out, outlen, "%zu", *(size_t *)f);
        return;
    case SETTINGS_T_U64:
        snprintf(out, outlen, "%" PRIu64, *(uint64_t *)f);
        return;
    case SETTINGS_T_SECONDS:
        snprintf(out, outlen, "%g", *(double *)f);
        return;
    case SETTINGS_T_BALANCE:
        snprintf(out, outlen, "%s", balance_mode_name(*(enum balance_mode *)f));
        return;
    case SETTINGS_T_BOOL:
        snprintf(out, outlen, "%s", *(bool *)f ? "yes" : "no");
        return;

    default:
        *out = '\0';
        return;
    }
}

/* One --help entry: "  -b, --backend URL" (or "  lisp.server-ip = IP" for
 * a config-file key), then the help and the default, indented, below it. */
static void settings_usage_key(FILE *out, const struct settings_key *k, struct settings *d,
                               bool as_option)
{
    const char *arg = k->arg != NULL ? k->arg : "";
    const char *space = k->arg != NULL ? " " : "";
    if (!as_option)
        fprintf(out, "  %s = %s\n", k->name, arg);
    else if (k->short_name != 0)
        fprintf(out, "  -%c, --%s%s%s\n", k->short_name, k->name, space, arg);
    else
        fprintf(out, "      --%s%s%s\n", k->name, space, arg);
    char def[128];
    settings_default_text(k, d, def, sizeof def);
    fprintf(out, "        %s", k->help);
    if (*def != '\0')
        fprintf(out, "%s(default: %s)", strlen(k->help) + strlen(def) > 56 ? "\n        " : " ",
                def);
    fputc('\n', out);
}

void settings_usage(FILE *out)
{
    struct settings d;
    settings_init(&d);
    fprintf(out,
            "Usage: fcgi-lisp [OPTION]...\n"
            "A FastCGI responder that forwards requests to Lisp backends speaking mod_lisp.\n"
            "\n"
            "Options:\n");
    for (size_t i = 0; i < SETTINGS_N_KEYS; i++) {
        if (settings_key_on_command_line(&settings_keys[i]))
            settings_usage_key(out, &settings_keys[i], &d, true);
    }
    fprintf(out, "\nEvery option but config, help and version is also a config-file key\n"
                 "(\"key = value\"). Config-file only, from mod_lisp-lighttpd:\n");
    for (size_t i = 0; i < SETTINGS_N_KEYS; i++) {
        const struct settings_key *k = &settings_keys[i];
        if (k->type == SETTINGS_T_ALIAS)
            fprintf(out, "  %s = ...\n        same as %s\n", k->name, k->alias_of);
        else if (!settings_key_on_command_line(k))
            settings_usage_key(out, k, &d, false);
    }
    fprintf(out,
            "\nEnvironment: " SETTINGS_ENV_CONFIG " (config file), " SETTINGS_ENV_BACKEND
            " (backend URLs,\nseparated by blanks or commas), FCGI_WEB_SERVER_ADDRS, TMPDIR.\n"
            "Precedence, lowest first: config file, " SETTINGS_ENV_BACKEND ", command line.\n"
            "See fcgi-lisp(1).\n");
    settings_free(&d);
}
