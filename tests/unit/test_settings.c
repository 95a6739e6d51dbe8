/* test_settings.c - defaults, command line, config file, environment,
 * precedence, range checks and the exact error messages.
 * fcgi-lisp, MIT licence.
 *
 * Config files are written into a fresh mkdtemp directory per test and
 * removed at its end. Every load, good or bad, ends with settings_free, so
 * LeakSanitizer checks the error paths too. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "unit.h"

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                  */
/* ------------------------------------------------------------------------ */

#define TDIR_MAX_FILES 8

struct tdir {
    char path[256];
    char files[TDIR_MAX_FILES][320];
    size_t n_files;
};

static void tdir_make(struct tdir *t)
{
    memset(t, 0, sizeof *t);
    const char *tmp = getenv("TMPDIR");
    snprintf(t->path, sizeof t->path, "%s/fcgi-lisp-settings.XXXXXX",
             tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(t->path));
}

/* Writes len bytes of text into the directory as name; returns its path. */
static const char *tdir_write_len(struct tdir *t, const char *name, const char *text, size_t len)
{
    CU_ASSERT_FATAL(t->n_files < TDIR_MAX_FILES);
    char *path = t->files[t->n_files++];
    char joined[sizeof t->files[0]];
    snprintf(joined, sizeof joined, "%s/%s", t->path, name);
    memcpy(path, joined, sizeof joined);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(fwrite(text, 1, len, f) == len);
    CU_ASSERT(fclose(f) == 0);
    return path;
}

static const char *tdir_write(struct tdir *t, const char *name, const char *text)
{
    return tdir_write_len(t, name, text, strlen(text));
}

static void tdir_remove(struct tdir *t)
{
    for (size_t i = 0; i < t->n_files; i++)
        CU_ASSERT(unlink(t->files[i]) == 0);
    CU_ASSERT(rmdir(t->path) == 0);
}

/* settings_init + settings_load on copies of args (argv[0] included) and env
 * (NULL: an empty environment), freed before returning so that nothing
 * may keep pointing into them. */
static enum settings_rc load(struct settings *c, const char *const *args,
                             const char *const *env, char *err, size_t errlen)
{
    size_t argc;
    char **argv = unit_strv_dup(args, &argc);
    char **envp = env != NULL ? unit_strv_dup(env, NULL) : NULL;
    settings_init(c);
    err[0] = '\0';
    enum settings_rc rc = settings_load(c, (int)argc, argv, envp, err, errlen);
    unit_strv_free(argv);
    if (envp != NULL)
        unit_strv_free(envp);
    return rc;
}

/* Expects SETTINGS_ERROR with exactly `want` in err; frees c. */
static void expect_error(const char *const *args, const char *const *env, const char *want)
{
    struct settings c;
    char err[1024];
    enum settings_rc rc = load(&c, args, env, err, sizeof err);
    CU_ASSERT_EQUAL(rc, SETTINGS_ERROR);
    if (strcmp(err, want) != 0)
        fprintf(stderr, "\nwant: %s\ngot:  %s\n", want, err);
    CU_ASSERT_STRING_EQUAL(err, want);
    settings_free(&c);
}

/* Loads args/env, expects SETTINGS_OK; the caller inspects and frees c. */
static void expect_ok(struct settings *c, const char *const *args, const char *const *env)
{
    char err[1024];
    enum settings_rc rc = load(c, args, env, err, sizeof err);
    if (rc != SETTINGS_OK)
        fprintf(stderr, "\nunexpected error: %s\n", err);
    CU_ASSERT_EQUAL(rc, SETTINGS_OK);
}

#define ARGS(...) ((const char *const[]){"fcgi-lisp", __VA_ARGS__, NULL})
#define STRV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define BACKEND_A "modlisp://127.0.0.1:3000"
#define BACKEND_B "modlisp://127.0.0.1:3001"
#define BACKEND_C "modlisp+unix:/run/lisp.sock"

static void assert_backends(const struct settings *c, const char *const *want)
{
    size_t n = 0;
    while (want[n] != NULL)
        n++;
    CU_ASSERT_EQUAL_FATAL(c->n_backends, n);
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_STRING_EQUAL(c->backends[i].text, want[i]);
}

/* ------------------------------------------------------------------------ */
/* Defaults and the command line                                             */
/* ------------------------------------------------------------------------ */

static void test_settings_defaults(void)
{
    struct settings c;
    expect_ok(&c, ARGS("--backend", BACKEND_A), STRV("TMPDIR=/var/tmp"));
    CU_ASSERT_PTR_NULL(c.listen);
    CU_ASSERT_PTR_NULL(c.config_file);
    assert_backends(&c, STRV(BACKEND_A));
    CU_ASSERT_EQUAL(c.backends[0].proto, BACKEND_MODLISP);
    CU_ASSERT_STRING_EQUAL(c.server_id, "fcgi-lisp");
    CU_ASSERT_STRING_EQUAL(c.default_content_type, "application/octet-stream");
    CU_ASSERT_STRING_EQUAL(c.spool_dir, "/var/tmp");
    CU_ASSERT_EQUAL(c.log_level, 4);
    CU_ASSERT_EQUAL(c.max_sockets, 1024);
    CU_ASSERT_EQUAL(c.max_conns, 1024);
    CU_ASSERT_EQUAL(c.listen_backlog, 1024);
    CU_ASSERT_DOUBLE_EQUAL(c.connect_timeout, 5, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.first_byte_timeout, 60, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.io_timeout, 60, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.shutdown_timeout, 30, 0);
    CU_ASSERT_EQUAL(c.max_params, 65536);
    CU_ASSERT_EQUAL(c.max_headers, 100);
    CU_ASSERT_EQUAL(c.max_response_head, 65536);
    CU_ASSERT_EQUAL(c.spool_memory, 1048576);
    CU_ASSERT_EQUAL(c.max_body, 1073741824);
    CU_ASSERT_EQUAL(c.balance, BALANCE_LEAST_CONNECTION);
    CU_ASSERT_DOUBLE_EQUAL(c.disable_time, 1, 0);
    CU_ASSERT_EQUAL(c.max_load_per_backend, 0);
    CU_ASSERT_EQUAL(c.queue_max, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.queue_timeout, 30, 0);
    settings_free(&c);

    /* spool_dir: TMPDIR unset or empty gives /tmp; env may be NULL */
    expect_ok(&c, ARGS("-b", BACKEND_A), STRV("HOME=/nowhere"));
    CU_ASSERT_STRING_EQUAL(c.spool_dir, "/tmp");
    settings_free(&c);
    expect_ok(&c, ARGS("-b", BACKEND_A), STRV("TMPDIR="));
    CU_ASSERT_STRING_EQUAL(c.spool_dir, "/tmp");
    settings_free(&c);
    expect_ok(&c, ARGS("-b", BACKEND_A), NULL);
    CU_ASSERT_STRING_EQUAL(c.spool_dir, "/tmp");
    settings_free(&c);
    /* an explicit --spool-dir wins over TMPDIR */
    expect_ok(&c, ARGS("-b", BACKEND_A, "--spool-dir", "/srv/spool"), STRV("TMPDIR=/var/tmp"));
    CU_ASSERT_STRING_EQUAL(c.spool_dir, "/srv/spool");
    settings_free(&c);
}

/* Every long option reaches its field; --opt=value and short options too. */
static void test_settings_every_option(void)
{
    struct settings c;
    expect_ok(&c,
              ARGS("--backend", BACKEND_A, "--listen", "unix:/run/fcgi.sock", "--server-id",
                   "red-spiders", "--default-content-type=text/plain", "--spool-dir", "/srv",
                   "--log-level", "7", "--max-sockets", "0", "--max-conns", "10",
                   "--listen-backlog", "16", "--connect-timeout", "0.25",
                   "--first-byte-timeout", "1", "--io-timeout", "2.5", "--shutdown-timeout",
                   "31536000", "--max-params", "1024", "--max-headers", "7",
                   "--max-response-head", "4096", "--spool-memory", "0", "--max-body",
                   "9223372036854775807", "--balance", "sticky", "--disable-time", "0.5",
                   "--max-load-per-backend", "3", "--queue-max", "17", "--queue-timeout", "4"),
              NULL);
    assert_backends(&c, STRV(BACKEND_A));
    CU_ASSERT_STRING_EQUAL(c.listen, "unix:/run/fcgi.sock");
    CU_ASSERT_STRING_EQUAL(c.server_id, "red-spiders");
    CU_ASSERT_STRING_EQUAL(c.default_content_type, "text/plain");
    CU_ASSERT_STRING_EQUAL(c.spool_dir, "/srv");
    CU_ASSERT_EQUAL(c.log_level, 7);
    CU_ASSERT_EQUAL(c.max_sockets, 0);
    CU_ASSERT_EQUAL(c.max_conns, 10);
    CU_ASSERT_EQUAL(c.listen_backlog, 16);
    CU_ASSERT_DOUBLE_EQUAL(c.connect_timeout, 0.25, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.first_byte_timeout, 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.io_timeout, 2.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.shutdown_timeout, 31536000, 0);
    CU_ASSERT_EQUAL(c.max_params, 1024);
    CU_ASSERT_EQUAL(c.max_headers, 7);
    CU_ASSERT_EQUAL(c.max_response_head, 4096);
    CU_ASSERT_EQUAL(c.spool_memory, 0);
    CU_ASSERT_EQUAL(c.max_body, 9223372036854775807ull);
    CU_ASSERT_EQUAL(c.balance, BALANCE_STICKY);
    CU_ASSERT_DOUBLE_EQUAL(c.disable_time, 0.5, 0);
    CU_ASSERT_EQUAL(c.max_load_per_backend, 3);
    CU_ASSERT_EQUAL(c.queue_max, 17);
    CU_ASSERT_DOUBLE_EQUAL(c.queue_timeout, 4, 0);
    settings_free(&c);

    expect_ok(&c, ARGS("-l", "127.0.0.1:9000", "-bmodlisp://[::1]:3000", "--log-level=0"), NULL);
    CU_ASSERT_STRING_EQUAL(c.listen, "127.0.0.1:9000");
    assert_backends(&c, STRV("modlisp://[::1]:3000"));
    CU_ASSERT_EQUAL(c.log_level, 0);
    settings_free(&c);

    /* an empty default-content-type means "add none"; server-id may be empty */
    expect_ok(&c, ARGS("-b", BACKEND_A, "--default-content-type", "", "--server-id", ""), NULL);
    CU_ASSERT_STRING_EQUAL(c.default_content_type, "");
    CU_ASSERT_STRING_EQUAL(c.server_id, "");
    settings_free(&c);
}

/* Backends accumulate in order on one level; the last value of others wins. */
static void test_settings_repeated(void)
{
    struct settings c;
    expect_ok(&c,
              ARGS("--backend", BACKEND_A, "-b", BACKEND_B, "--backend=" BACKEND_C,
                   "--log-level", "1", "--log-level", "6", "-l", "unix:/a", "-l", "unix:/b"),
              NULL);
    assert_backends(&c, STRV(BACKEND_A, BACKEND_B, BACKEND_C));
    CU_ASSERT_EQUAL(c.backends[2].addr.family, AF_UNIX);
    CU_ASSERT_EQUAL(c.log_level, 6);
    CU_ASSERT_STRING_EQUAL(c.listen, "unix:/b");
    settings_free(&c);
}

/* Option errors: the option is named, getopt prints nothing of its own. */
static void test_settings_argv_errors(void)
{
    expect_error(ARGS("--nope"), NULL, "unknown option '--nope' (see --help)");
    expect_error(ARGS("--nope=1", "-b", BACKEND_A), NULL,
                 "unknown option '--nope=1' (see --help)");
    expect_error(ARGS("-x"), NULL, "unknown option '-x' (see --help)");
    expect_error(ARGS("-b", BACKEND_A, "--backend"), NULL, "--backend: missing value");
    expect_error(ARGS("-b"), NULL, "--backend: missing value");
    expect_error(ARGS("--help=yes"), NULL, "--help: takes no value");
    expect_error(ARGS("-b", BACKEND_A, "serve"), NULL,
                 "unexpected argument 'serve' (options are --KEY VALUE; see --help)");
    expect_error(ARGS("-b", BACKEND_A, "--", "-l"), NULL,
                 "unexpected argument '-l' (options are --KEY VALUE; see --help)");
    /* file-only keys are no options */
    expect_error(ARGS("--lisp.server-ip", "127.0.0.1"), NULL,
                 "unknown option '--lisp.server-ip' (see --help)");
    /* "--max" is a prefix of several options */
    expect_error(ARGS("--max", "5"), NULL, "unknown option '--max' (see --help)");
    expect_error(ARGS("-b", BACKEND_A, "--config", ""), NULL, "--config: missing file name");
    expect_error(ARGS("-b", "http://127.0.0.1:3000"), NULL,
                 "--backend: http://127.0.0.1:3000: unknown scheme \"http\": use "
                 "modlisp://HOST:PORT, modlisp+unix:/PATH, lisplets://HOST:PORT or "
                 "lisplets+unix:/PATH");
    expect_error(ARGS("-b", "modlisp://127.0.0.1:3000", "-b", "lisplets://127.0.0.1:3001"),
                 NULL,
                 "backend: modlisp://127.0.0.1:3000 and lisplets://127.0.0.1:3001 speak "
                 "different protocols; give backends of one protocol");
    expect_error(ARGS("-b", "lisplets://127.0.0.1:3000", "--lisp-tag-prefix", "#."), NULL,
                 "lisp-tag-prefix, lisp-tag-suffix: letters, digits, '-', '_' and '.' only "
                 "(and one leading ':' for the prefix)");
    expect_error(ARGS("-b", "lisplets://127.0.0.1:3000", "--lisp-true", "(t)"), NULL,
                 "lisp-true: '(t)' is not a plain Lisp symbol (a letter, then letters, digits, "
                 "'-', '_', '.')");
    expect_error(ARGS("-b", "lisplets://127.0.0.1:3000", "--lisp-role", "admin"), NULL,
                 "lisp-role: 'admin' is not ROLE USER...");
    expect_error(ARGS("-b", "lisplets://127.0.0.1:3000", "--servlet-param", "=x"), NULL,
                 "--servlet-param: '=x' is not NAME=VALUE");
    expect_error(ARGS("-b", BACKEND_A, "--listen", "127.0.0.1:0"), NULL,
                 "--listen: 127.0.0.1:0: port 0 is out of range (1..65535)");
    expect_error(ARGS("-b", BACKEND_A, "--listen", "unix:"), NULL,
                 "--listen: unix:: missing socket path after \"unix:\"");
    expect_error(ARGS("-b", BACKEND_A, "--server-id", "a\r\nX-Evil: 1"), NULL,
                 "--server-id: contains a control character");
    expect_error(ARGS("-b", BACKEND_A, "--default-content-type", "text/html\n"), NULL,
                 "--default-content-type: contains a control character");
    expect_error(ARGS("-b", BACKEND_A, "--spool-dir", ""), NULL, "--spool-dir: must not be empty");
}

static void test_settings_no_backend(void)
{
    static const char want[] =
        "no Lisp backend: give --backend modlisp://HOST:PORT (or modlisp+unix:/PATH), set "
        "FCGI_LISP_BACKEND, or write 'backend = URL' in the config file";
    expect_error(ARGS("--listen", "unix:/x"), NULL, want);
    expect_error(ARGS("--log-level", "5"), STRV("FCGI_LISP_BACKEND= ,, "), want);
    expect_error((const char *const[]){"fcgi-lisp", NULL}, STRV("FCGI_LISP_BACKEND="), want);
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                   */
/* ------------------------------------------------------------------------ */

struct bad_value {
    const char *key;
    const char *value;
    const char *reason;   /* the whole message after "--KEY: " or "FILE:1: KEY: " */
};

#define SECONDS_RANGE "(more than 0, at most 31536000 seconds)"
#define BODY_RANGE "(0..9223372036854775807)"

static const struct bad_value bad_values[] = {
    {"log-level", "8", "8 is out of range (0..7)"},
    {"log-level", "-1", "\"-1\" is not a whole number"},
    {"log-level", "", "\"\" is not a whole number"},
    {"log-level", "4x", "\"4x\" is not a whole number"},
    {"max-sockets", "2147483648", "2147483648 is out of range (0..2147483647)"},
    {"max-sockets", "+5", "\"+5\" is not a whole number"},
    {"max-conns", "0", "0 is out of range (1..2147483647)"},
    {"max-conns", "10k", "\"10k\" is not a whole number"},
    {"max-conns", " 10", "\" 10\" is not a whole number"},
    {"max-conns", "10 ", "\"10 \" is not a whole number"},
    {"max-conns", "0x10", "\"0x10\" is not a whole number"},
    {"max-conns", "1.5", "\"1.5\" is not a whole number"},
    {"max-conns", "4294967297", "4294967297 is out of range (1..2147483647)"},
    {"listen-backlog", "0", "0 is out of range (1..2147483647)"},
    {"listen-backlog", "2147483648", "2147483648 is out of range (1..2147483647)"},
    {"max-params", "0", "0 is out of range (1..1073741824)"},
    {"max-params", "1073741825", "1073741825 is out of range (1..1073741824)"},
    {"max-headers", "0", "0 is out of range (1..1048576)"},
    {"max-headers", "1048577", "1048577 is out of range (1..1048576)"},
    {"max-response-head", "0", "0 is out of range (1..1073741824)"},
    {"max-response-head", "1073741825", "1073741825 is out of range (1..1073741824)"},
    {"spool-memory", "1073741825", "1073741825 is out of range (0..1073741824)"},
    {"spool-memory", "-0", "\"-0\" is not a whole number"},
    {"max-body", "9223372036854775808", "9223372036854775808 is out of range " BODY_RANGE},
    {"max-body", "18446744073709551616", "18446744073709551616 is out of range " BODY_RANGE},
    {"max-body", "99999999999999999999999999",
     "99999999999999999999999999 is out of range " BODY_RANGE},
    {"max-body", "1G", "\"1G\" is not a whole number"},
    {"connect-timeout", "0", "0 is out of range " SECONDS_RANGE},
    {"connect-timeout", "0.0", "0.0 is out of range " SECONDS_RANGE},
    {"connect-timeout", "-1", "\"-1\" is not a number of seconds"},
    {"connect-timeout", "31536001", "31536001 is out of range " SECONDS_RANGE},
    {"first-byte-timeout", "0", "0 is out of range " SECONDS_RANGE},
    {"first-byte-timeout", "31536001", "31536001 is out of range " SECONDS_RANGE},
    {"io-timeout", "0", "0 is out of range " SECONDS_RANGE},
    {"shutdown-timeout", "0", "0 is out of range " SECONDS_RANGE},
    {"shutdown-timeout", "31536001", "31536001 is out of range " SECONDS_RANGE},
    {"first-byte-timeout", "inf", "\"inf\" is not a number of seconds"},
    {"first-byte-timeout", "nan", "\"nan\" is not a number of seconds"},
    {"first-byte-timeout", "1e3", "\"1e3\" is not a number of seconds"},
    {"io-timeout", "31536000.5", "31536000.5 is out of range " SECONDS_RANGE},
    {"io-timeout", "99999999999999999999999999999",
     "99999999999999999999999999999 is out of range " SECONDS_RANGE},
    {"io-timeout", ".", "\".\" is not a number of seconds"},
    {"io-timeout", "", "\"\" is not a number of seconds"},
    {"shutdown-timeout", "5s", "\"5s\" is not a number of seconds"},
    {"shutdown-timeout", " 5", "\" 5\" is not a number of seconds"},
    {"shutdown-timeout", "1.2.3", "\"1.2.3\" is not a number of seconds"},
    {"shutdown-timeout", "0x10", "\"0x10\" is not a number of seconds"},
};

/* Each bad value, on the command line and in a config file. */
static void test_settings_bad_numbers(void)
{
    struct tdir t;
    tdir_make(&t);
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        const struct bad_value *b = &bad_values[i];
        char opt[64];
        char want[512];
        snprintf(opt, sizeof opt, "--%s", b->key);
        snprintf(want, sizeof want, "--%s: %s", b->key, b->reason);
        expect_error(ARGS("-b", BACKEND_A, opt, b->value), NULL, want);

        char name[32];
        char text[256];
        snprintf(name, sizeof name, "bad%zu.conf", i);
        snprintf(text, sizeof text, "%s = \"%s\"\nbackend = " BACKEND_A "\n", b->key, b->value);
        const char *path = tdir_write(&t, name, text);
        snprintf(want, sizeof want, "%s:1: %s: %s", path, b->key, b->reason);
        expect_error(ARGS("--config", path), NULL, want);
        /* tdir holds few files: remove each at once */
        CU_ASSERT(unlink(path) == 0);
        t.n_files--;
    }
    tdir_remove(&t);
}

struct good_value {
    const char *key;
    const char *value;
};

/* The ends of every range are accepted. */
static const struct good_value good_values[] = {
    {"log-level", "0"},          {"log-level", "7"},
    {"max-sockets", "0"},        {"max-sockets", "2147483647"},
    {"max-conns", "1"},          {"max-conns", "2147483647"},
    {"listen-backlog", "1"},     {"listen-backlog", "2147483647"},
    {"max-params", "1"},         {"max-params", "1073741824"},
    {"max-headers", "1"},        {"max-headers", "1048576"},
    {"max-response-head", "1"},  {"max-response-head", "1073741824"},
    {"spool-memory", "0"},       {"spool-memory", "1073741824"},
    {"max-body", "0"},           {"max-body", "9223372036854775807"},
    {"max-conns", "0010"},
    {"connect-timeout", "0.001"}, {"connect-timeout", "31536000"},
    {"first-byte-timeout", "5."}, {"io-timeout", ".5"},
    {"shutdown-timeout", "31536000.0"},
};

static void test_settings_good_numbers(void)
{
    for (size_t i = 0; i < sizeof good_values / sizeof good_values[0]; i++) {
        char opt[64];
        snprintf(opt, sizeof opt, "--%s", good_values[i].key);
        struct settings c;
        expect_ok(&c, ARGS("-b", BACKEND_A, opt, good_values[i].value), NULL);
        settings_free(&c);
    }
    struct settings c;
    expect_ok(&c, ARGS("-b", BACKEND_A, "--max-conns", "0010", "--io-timeout", ".5"), NULL);
    CU_ASSERT_EQUAL(c.max_conns, 10);
    CU_ASSERT_DOUBLE_EQUAL(c.io_timeout, 0.5, 0);
    settings_free(&c);
}

/* ------------------------------------------------------------------------ */
/* Config file                                                               */
/* ------------------------------------------------------------------------ */

static void test_settings_file_syntax(void)
{
    struct tdir t;
    tdir_make(&t);
    const char *path = tdir_write(
        &t, "syntax.conf",
        "# fcgi-lisp test configuration\n"
        "\n"
        "   \t\n"
        "  # an indented comment\n"
        "backend = " BACKEND_A "\n"
        "backend=" BACKEND_B "   # trailing comment\n"
        "\tbackend\t=\t" BACKEND_C "\r\n"
        "server-id = \"a \\\"quoted\\\" id # not a comment \\\\ end\"  # comment\n"
        "default-content-type = text/html#charset\n"
        "spool-dir = \"/srv/spool dir\"\n"
        "log-level = 3\n"
        "log-level = 6\n"
        "listen = unix:/run/fcgi.sock\n"
        "max-conns = 77 # comment\n"
        "io-timeout = \"1.5\"\n");
    struct settings c;
    expect_ok(&c, ARGS("--config", path), NULL);
    CU_ASSERT_STRING_EQUAL(c.config_file, path);
    assert_backends(&c, STRV(BACKEND_A, BACKEND_B, BACKEND_C));
    CU_ASSERT_STRING_EQUAL(c.server_id, "a \"quoted\" id # not a comment \\ end");
    CU_ASSERT_STRING_EQUAL(c.default_content_type, "text/html#charset");
    CU_ASSERT_STRING_EQUAL(c.spool_dir, "/srv/spool dir");
    CU_ASSERT_EQUAL(c.log_level, 6);
    CU_ASSERT_STRING_EQUAL(c.listen, "unix:/run/fcgi.sock");
    CU_ASSERT_EQUAL(c.max_conns, 77);
    CU_ASSERT_DOUBLE_EQUAL(c.io_timeout, 1.5, 0);
    settings_free(&c);

    /* "" is the way to write an empty value */
    path = tdir_write(&t, "empty.conf", "backend = " BACKEND_A "\ndefault-content-type = \"\"\n");
    expect_ok(&c, ARGS("-c", path), NULL);
    CU_ASSERT_STRING_EQUAL(c.default_content_type, "");
    settings_free(&c);

    /* a last line without a newline still counts */
    path = tdir_write(&t, "nonl.conf", "backend = " BACKEND_A "\nlog-level = 2");
    expect_ok(&c, ARGS("-c", path), NULL);
    CU_ASSERT_EQUAL(c.log_level, 2);
    settings_free(&c);
    tdir_remove(&t);
}

struct bad_line {
    const char *line;
    const char *reason;   /* after "FILE:2: " */
};

static const struct bad_line bad_lines[] = {
    {"log-levle = 7", "log-levle: unknown key"},
    {"server.modules = (\"mod_lisp\")", "server.modules: unknown key"},
    {"log-level 7", "log-level: expected '=' after the key"},
    {"log-level", "log-level: expected '=' after the key"},
    {"= 7", "expected KEY = VALUE"},
    {"\"log-level\" = 7", "expected KEY = VALUE"},
    {"log-level =", "log-level: missing value (write \"\" for an empty one)"},
    {"log-level =   # nothing", "log-level: missing value (write \"\" for an empty one)"},
    {"server-id = \"abc", "server-id: missing closing '\"'"},
    {"server-id = \"abc\\\"", "server-id: missing closing '\"'"},
    {"server-id = \"a\\nb\"", "server-id: only \\\" and \\\\ may follow a backslash in quotes"},
    {"server-id = \"abc\" def", "server-id: text after the closing '\"'"},
    {"server-id = \"abc\"#x", "server-id: text after the closing '\"'"},
    {"server-id = \"a\tb\"", "server-id: contains a control character"},
    {"log-level = 4 4", "log-level: \"4 4\" is not a whole number"},
    {"config = /etc/other.conf", "config: only on the command line"},
    {"help = 1", "help: only on the command line"},
    {"version = 1", "version: only on the command line"},
    {"backend = modlisp://127.0.0.1", "backend: modlisp://127.0.0.1: expected modlisp://HOST:PORT"},
    {"listen = 127.0.0.1:99999", "listen: 127.0.0.1:99999: port 99999 is out of range (1..65535)"},
    {"lisp.server-port = 0", "lisp.server-port: 0 is out of range (1..65535)"},
    {"lisp.server-port = 3000x", "lisp.server-port: \"3000x\" is not a whole number"},
    {"lisp.server-ip = \"\"", "lisp.server-ip: must not be empty"},
    {"lisp.log-level = 9", "lisp.log-level: 9 is out of range (0..7)"},
    {"lisp.max-sockets = -1", "lisp.max-sockets: \"-1\" is not a whole number"},
    {"lisp.server-id = \"x\ny\"", "lisp.server-id: missing closing '\"'"},
};

/* Errors name the file, the line (2: after a good first line) and the key. */
static void test_settings_file_errors(void)
{
    struct tdir t;
    tdir_make(&t);
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        char text[512];
        char want[1024];
        snprintf(text, sizeof text, "backend = " BACKEND_A "\n%s\nlog-level = 5\n",
                 bad_lines[i].line);
        const char *path = tdir_write(&t, "bad.conf", text);
        snprintf(want, sizeof want, "%s:2: %s", path, bad_lines[i].reason);
        expect_error(ARGS("-c", path), NULL, want);
        CU_ASSERT(unlink(path) == 0);
        t.n_files--;
    }

    /* the t-direct.sh case, word for word */
    const char *path = tdir_write(&t, "typo.conf", "backend = modlisp://127.0.0.1:3000\n"
                                                   "log-levle = 7\n");
    char want[512];
    snprintf(want, sizeof want, "%s:2: log-levle: unknown key", path);
    expect_error(ARGS("--config", path), NULL, want);

    /* a NUL byte in a line */
    static const char with_nul[] = "backend = " BACKEND_A "\nserver-id = a\0b\n";
    path = tdir_write_len(&t, "nul.conf", with_nul, sizeof with_nul - 1);
    snprintf(want, sizeof want, "%s:2: NUL byte in the line", path);
    expect_error(ARGS("--config", path), NULL, want);

    /* the file is missing, or is a directory */
    char missing[400];
    snprintf(missing, sizeof missing, "%s/missing.conf", t.path);
    snprintf(want, sizeof want, "cannot open config file %s: %s", missing, strerror(ENOENT));
    expect_error(ARGS("-b", BACKEND_A, "--config", missing), NULL, want);
    snprintf(want, sizeof want, "cannot read config file %s: %s", t.path, strerror(EISDIR));
    expect_error(ARGS("-b", BACKEND_A, "--config", t.path), NULL, want);
    tdir_remove(&t);
}

/* mod_lisp-lighttpd's keys, with its defaults for the half not given. */
static void test_settings_lisp_keys(void)
{
    struct tdir t;
    tdir_make(&t);
    struct settings c;
    const char *path = tdir_write(&t, "both.conf",
                                  "lisp.server-ip = \"10.0.0.5\"\n"
                                  "lisp.server-port = 4000\n"
                                  "lisp.server-id = \"red-spiders\"\n"
                                  "lisp.log-level = 5\n"
                                  "lisp.max-sockets = 128\n");
    expect_ok(&c, ARGS("-c", path), NULL);
    assert_backends(&c, STRV("modlisp://10.0.0.5:4000"));
    CU_ASSERT_STRING_EQUAL(c.server_id, "red-spiders");
    CU_ASSERT_EQUAL(c.log_level, 5);
    CU_ASSERT_EQUAL(c.max_sockets, 128);
    settings_free(&c);

    path = tdir_write(&t, "ip.conf", "lisp.server-ip = 192.0.2.7\n");
    expect_ok(&c, ARGS("-c", path), NULL);
    assert_backends(&c, STRV("modlisp://192.0.2.7:3000"));
    settings_free(&c);

    path = tdir_write(&t, "port.conf", "lisp.server-port = 3456\n");
    expect_ok(&c, ARGS("-c", path), NULL);
    assert_backends(&c, STRV("modlisp://127.0.0.1:3456"));
    settings_free(&c);

    /* IPv6 gets brackets; explicit backends come first; the last ip/port win */
    path = tdir_write(&t, "mixed.conf",
                      "lisp.server-ip = 10.9.9.9\n"
                      "lisp.server-ip = ::1\n"
                      "backend = " BACKEND_A "\n"
                      "lisp.server-port = 3100\n");
    expect_ok(&c, ARGS("-c", path), NULL);
    assert_backends(&c, STRV(BACKEND_A, "modlisp://[::1]:3100"));
    CU_ASSERT_EQUAL(c.backends[1].addr.family, AF_INET6);
    settings_free(&c);

    /* a bad ip is reported on its own line, once the file is read */
    path = tdir_write(&t, "badip.conf", "log-level = 5\nlisp.server-ip = \"bad ip\"\n"
                                        "lisp.server-port = 3000\n");
    char want[512];
    snprintf(want, sizeof want,
             "%s:2: lisp.server-ip: modlisp://bad ip:3000: \"bad ip\" is not a host name or IPv4 "
             "address",
             path);
    expect_error(ARGS("-c", path), NULL, want);

    /* the command line's backends replace the lisp.* one too */
    expect_ok(&c, ARGS("-c", t.files[0], "-b", BACKEND_B), NULL);
    assert_backends(&c, STRV(BACKEND_B));
    CU_ASSERT_STRING_EQUAL(c.server_id, "red-spiders");
    settings_free(&c);
    tdir_remove(&t);
}

/* ------------------------------------------------------------------------ */
/* Precedence: defaults < file < FCGI_LISP_BACKEND < argv                    */
/* ------------------------------------------------------------------------ */

static void test_settings_precedence(void)
{
    struct tdir t;
    tdir_make(&t);
    const char *file = tdir_write(&t, "a.conf",
                                  "backend = " BACKEND_A "\n"
                                  "server-id = from-file\n"
                                  "log-level = 5\n"
                                  "max-conns = 11\n");
    const char *other = tdir_write(&t, "b.conf", "backend = " BACKEND_B "\nlog-level = 2\n");
    char cfg_env[400];
    snprintf(cfg_env, sizeof cfg_env, "FCGI_LISP_CONFIG=%s", file);
    struct settings c;

    /* the file alone; FCGI_LISP_CONFIG names it */
    expect_ok(&c, (const char *const[]){"fcgi-lisp", NULL}, STRV(cfg_env));
    CU_ASSERT_STRING_EQUAL(c.config_file, file);
    assert_backends(&c, STRV(BACKEND_A));
    CU_ASSERT_STRING_EQUAL(c.server_id, "from-file");
    CU_ASSERT_EQUAL(c.log_level, 5);
    settings_free(&c);

    /* FCGI_LISP_BACKEND replaces the file's backends, nothing else */
    expect_ok(&c, ARGS("--log-level", "6"),
              STRV(cfg_env, "FCGI_LISP_BACKEND=" BACKEND_B ", " BACKEND_C));
    assert_backends(&c, STRV(BACKEND_B, BACKEND_C));
    CU_ASSERT_EQUAL(c.log_level, 6);
    CU_ASSERT_EQUAL(c.max_conns, 11);
    CU_ASSERT_STRING_EQUAL(c.server_id, "from-file");
    settings_free(&c);

    /* blanks, tabs, newlines and commas all separate; an empty list is no list */
    expect_ok(&c, (const char *const[]){"fcgi-lisp", NULL},
              STRV("FCGI_LISP_BACKEND=\t" BACKEND_A ",," BACKEND_B "\n" BACKEND_C " ,"));
    assert_backends(&c, STRV(BACKEND_A, BACKEND_B, BACKEND_C));
    settings_free(&c);
    expect_ok(&c, (const char *const[]){"fcgi-lisp", NULL}, STRV(cfg_env, "FCGI_LISP_BACKEND= , "));
    assert_backends(&c, STRV(BACKEND_A));
    settings_free(&c);

    /* the command line replaces both */
    expect_ok(&c, ARGS("-b", BACKEND_C, "--server-id", "from-argv"),
              STRV(cfg_env, "FCGI_LISP_BACKEND=" BACKEND_B));
    assert_backends(&c, STRV(BACKEND_C));
    CU_ASSERT_STRING_EQUAL(c.server_id, "from-argv");
    CU_ASSERT_EQUAL(c.log_level, 5);
    settings_free(&c);

    /* --config wins over FCGI_LISP_CONFIG, and the last --config counts */
    expect_ok(&c, ARGS("--config", file, "-c", other), STRV(cfg_env));
    CU_ASSERT_STRING_EQUAL(c.config_file, other);
    assert_backends(&c, STRV(BACKEND_B));
    CU_ASSERT_EQUAL(c.log_level, 2);
    CU_ASSERT_STRING_EQUAL(c.server_id, "fcgi-lisp");
    settings_free(&c);

    /* argv values override the file wherever they stand relative to --config */
    expect_ok(&c, ARGS("--log-level", "7", "--config", file), NULL);
    CU_ASSERT_EQUAL(c.log_level, 7);
    settings_free(&c);

    /* an empty FCGI_LISP_CONFIG is no file */
    expect_ok(&c, ARGS("-b", BACKEND_A), STRV("FCGI_LISP_CONFIG="));
    CU_ASSERT_PTR_NULL(c.config_file);
    settings_free(&c);

    /* errors at each level name their source */
    expect_error((const char *const[]){"fcgi-lisp", NULL},
                 STRV(cfg_env, "FCGI_LISP_BACKEND=" BACKEND_B " http://x:1"),
                 "FCGI_LISP_BACKEND: http://x:1: unknown scheme \"http\": use "
                 "modlisp://HOST:PORT, modlisp+unix:/PATH, lisplets://HOST:PORT or "
                 "lisplets+unix:/PATH");
    expect_error((const char *const[]){"fcgi-lisp", NULL}, STRV("FCGI_LISP_BACKEND=modlisp://h"),
                 "FCGI_LISP_BACKEND: modlisp://h: expected modlisp://HOST:PORT");
    char want[512];
    snprintf(want, sizeof want, "cannot open config file %s/none.conf: %s", t.path,
             strerror(ENOENT));
    char none_env[400];
    snprintf(none_env, sizeof none_env, "FCGI_LISP_CONFIG=%s/none.conf", t.path);
    expect_error(ARGS("-b", BACKEND_A), STRV(none_env), want);
    tdir_remove(&t);
}

/* ------------------------------------------------------------------------ */
/* --help, --version, settings_set, repeated loads                           */
/* ------------------------------------------------------------------------ */

/* Runs a load with stdout sent to a temp file; returns what was printed
 * (malloc'ed). */
static char *load_capture(const char *const *args, enum settings_rc *rc)
{
    FILE *cap = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    CU_ASSERT_FATAL(saved >= 0);
    CU_ASSERT_FATAL(dup2(fileno(cap), STDOUT_FILENO) >= 0);
    struct settings c;
    char err[256];
    *rc = load(&c, args, NULL, err, sizeof err);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    settings_free(&c);
    long len = ftell(cap);
    CU_ASSERT_FATAL(len >= 0);
    char *text = calloc((size_t)len + 1, 1);
    rewind(cap);
    CU_ASSERT(fread(text, 1, (size_t)len, cap) == (size_t)len);
    fclose(cap);
    return text;
}

static const char *const every_option[] = {
    "-b, --backend URL", "-l, --listen ADDR", "-c, --config FILE", "--server-id ID",
    "--default-content-type TYPE", "--spool-dir DIR", "--log-level N", "--max-sockets N",
    "--max-conns N", "--listen-backlog N", "--connect-timeout SECONDS",
    "--first-byte-timeout SECONDS", "--io-timeout SECONDS", "--shutdown-timeout SECONDS",
    "--max-params BYTES", "--max-headers N", "--max-response-head BYTES", "--spool-memory BYTES",
    "--max-body BYTES", "-h, --help", "-V, --version", "lisp.server-ip = IP",
    "lisp.server-port = PORT", "lisp.server-id", "lisp.log-level", "lisp.max-sockets",
    "(default: \"fcgi-lisp\")", "(default: \"application/octet-stream\")", "(default: 4)",
    "(default: 1024)", "(default: 5)", "(default: 60)", "(default: 30)", "(default: 65536)",
    "(default: 100)", "(default: 1048576)", "(default: 1073741824)", "(default: 127.0.0.1)",
    "(default: 3000)", "(default: $TMPDIR, else /tmp)", "FCGI_LISP_CONFIG", "FCGI_LISP_BACKEND",
};

static void test_settings_help_version(void)
{
    enum settings_rc rc;
    char *out = load_capture(ARGS("--version"), &rc);
    CU_ASSERT_EQUAL(rc, SETTINGS_EXIT);
    CU_ASSERT_STRING_EQUAL(out, "fcgi-lisp " PACKAGE_VERSION "\n");
    free(out);
    out = load_capture(ARGS("-V", "--nope"), &rc);
    CU_ASSERT_EQUAL(rc, SETTINGS_EXIT);
    free(out);

    /* --help comes before any check: no backend needed */
    out = load_capture(ARGS("-h"), &rc);
    CU_ASSERT_EQUAL(rc, SETTINGS_EXIT);
    CU_ASSERT(strncmp(out, "Usage: fcgi-lisp [OPTION]...\n", 29) == 0);
    for (size_t i = 0; i < sizeof every_option / sizeof every_option[0]; i++) {
        if (strstr(out, every_option[i]) == NULL)
            fprintf(stderr, "\n--help lacks \"%s\"\n", every_option[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, every_option[i]));
    }
    free(out);

    /* options are read in order: an error before --help wins */
    out = load_capture(ARGS("--nope", "--help"), &rc);
    CU_ASSERT_EQUAL(rc, SETTINGS_ERROR);
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out);

    /* settings_usage prints the same text anywhere */
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    settings_usage(f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(mem, "--first-byte-timeout SECONDS"));
    free(mem);
}

static void test_settings_set(void)
{
    struct settings c;
    settings_init(&c);
    char err[256];
    CU_ASSERT_EQUAL(settings_set(&c, "max-conns", "12", "x.conf:9", err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.max_conns, 12);
    CU_ASSERT_EQUAL(settings_set(&c, "lisp.max-sockets", "3", "x.conf:9", err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.max_sockets, 3);
    CU_ASSERT_EQUAL(settings_set(&c, "max-conns", "0", "x.conf:9", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "x.conf:9: max-conns: 0 is out of range (1..2147483647)");
    CU_ASSERT_EQUAL(settings_set(&c, "max-conns", "0", "--", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "--max-conns: 0 is out of range (1..2147483647)");
    CU_ASSERT_EQUAL(settings_set(&c, "balance", "fair", "x.conf:4", err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.balance, BALANCE_FAIR);
    CU_ASSERT_EQUAL(settings_set(&c, "balance", "rr", "x.conf:5", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "x.conf:5: balance: 'rr' is not least-connection, fair, "
                                "round-robin, hash or sticky");
    CU_ASSERT_EQUAL(c.balance, BALANCE_FAIR);
    CU_ASSERT_EQUAL(settings_set(&c, "nope", "1", "--", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "--nope: unknown key");
    CU_ASSERT_EQUAL(settings_set(&c, "lisp.server-ip", "1.2.3.4", "x.conf:1", err, sizeof err),
                    -1);
    CU_ASSERT_STRING_EQUAL(err, "x.conf:1: lisp.server-ip: only in a config file");
    CU_ASSERT_EQUAL(settings_set(&c, "backend", BACKEND_A, "x.conf:2", err, sizeof err), 0);
    CU_ASSERT_EQUAL(settings_set(&c, "backend", BACKEND_B, "x.conf:3", err, sizeof err), 0);
    assert_backends(&c, STRV(BACKEND_A, BACKEND_B));
    /* a short err buffer is truncated, not overrun */
    char tiny[8];
    CU_ASSERT_EQUAL(settings_set(&c, "nope", "1", "x.conf:1", tiny, sizeof tiny), -1);
    CU_ASSERT_STRING_EQUAL(tiny, "x.conf:");
    settings_free(&c);
    settings_free(&c);
}

/* getopt is reset on each load: the same argv gives the same result, also
 * after an error left getopt mid-argv. */
static void test_settings_reload(void)
{
    for (int i = 0; i < 3; i++) {
        expect_error(ARGS("-b", BACKEND_A, "--max-conns", "x", "--log-level", "1"), NULL,
                     "--max-conns: \"x\" is not a whole number");
        struct settings c;
        expect_ok(&c, ARGS("-b", BACKEND_A, "--log-level", "1", "-b", BACKEND_B), NULL);
        assert_backends(&c, STRV(BACKEND_A, BACKEND_B));
        CU_ASSERT_EQUAL(c.log_level, 1);
        settings_free(&c);
    }
}

/* settings_free right after init, twice, and after every kind of failure
 * (LeakSanitizer watches). */
static void test_settings_free(void)
{
    struct settings c;
    settings_init(&c);
    settings_free(&c);
    settings_free(&c);
    CU_ASSERT_PTR_NULL(c.server_id);
    CU_ASSERT_PTR_NULL(c.backends);
    CU_ASSERT_EQUAL(c.n_backends, 0);

    struct tdir t;
    tdir_make(&t);
    const char *path = tdir_write(&t, "late.conf", "backend = " BACKEND_A "\nlisten = unix:/x\n"
                                                   "server-id = x\nmax-conns = 0\n");
    char err[512];
    CU_ASSERT_EQUAL(load(&c, ARGS("-c", path), NULL, err, sizeof err), SETTINGS_ERROR);
    CU_ASSERT_EQUAL(c.n_backends, 1);
    settings_free(&c);
    settings_free(&c);
    CU_ASSERT_EQUAL(load(&c, ARGS("-b", BACKEND_A, "-b", BACKEND_B, "--spool-dir", "/x", "-l",
                                  "unix:/y", "--max-body", "-1"),
                         NULL, err, sizeof err),
                    SETTINGS_ERROR);
    settings_free(&c);
    CU_ASSERT_EQUAL(load(&c, ARGS("-c", path), STRV("FCGI_LISP_BACKEND=" BACKEND_B " bad"), err,
                         sizeof err),
                    SETTINGS_ERROR);
    settings_free(&c);
    tdir_remove(&t);
}

/* The pool keys: defaults, every one set, and the checks of the whole. */
static void test_settings_pool(void)
{
    struct settings c;
    expect_ok(&c, ARGS("-b", BACKEND_A), NULL);
    CU_ASSERT_PTR_NULL(c.bin_path);
    CU_ASSERT_EQUAL(c.max_procs, 0); /* no bin-path: left as given */
    CU_ASSERT_EQUAL(c.min_procs, 1);
    CU_ASSERT_EQUAL(c.max_load_per_proc, 1);
    CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 60, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.startup_timeout, 60, 0);
    CU_ASSERT_EQUAL(c.kill_signal, SIGTERM);
    CU_ASSERT_DOUBLE_EQUAL(c.kill_grace, 5, 0);
    CU_ASSERT_FALSE(c.bin_inherit_socket);
    settings_free(&c);

    expect_ok(&c,
              ARGS("-b", BACKEND_C, "--bin-path", "sbcl --load 'my app.lisp' --socket %s",
                   "--bin-environment", "SBCL_HOME=/opt/sbcl", "--bin-environment", "A_1=",
                   "--bin-copy-environment", "PATH, TZ", "--min-procs", "2", "--max-procs",
                   "5", "--max-load-per-proc", "3", "--idle-timeout", "7", "--startup-timeout",
                   "0.5", "--kill-signal", "SIGQUIT", "--kill-grace", "2"),
              NULL);
    CU_ASSERT_STRING_EQUAL(c.bin_path, "sbcl --load 'my app.lisp' --socket %s");
    CU_ASSERT_STRING_EQUAL(c.bin_environment[0], "SBCL_HOME=/opt/sbcl");
    CU_ASSERT_STRING_EQUAL(c.bin_environment[1], "A_1=");
    CU_ASSERT_PTR_NULL(c.bin_environment[2]);
    CU_ASSERT_STRING_EQUAL(c.bin_copy_environment[0], "PATH");
    CU_ASSERT_STRING_EQUAL(c.bin_copy_environment[1], "TZ");
    CU_ASSERT_PTR_NULL(c.bin_copy_environment[2]);
    CU_ASSERT_EQUAL(c.min_procs, 2);
    CU_ASSERT_EQUAL(c.max_procs, 5);
    CU_ASSERT_EQUAL(c.max_load_per_proc, 3);
    CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 7, 0);
    CU_ASSERT_DOUBLE_EQUAL(c.startup_timeout, 0.5, 0);
    CU_ASSERT_EQUAL(c.kill_signal, SIGQUIT);
    CU_ASSERT_DOUBLE_EQUAL(c.kill_grace, 2, 0);
    CU_ASSERT_FALSE(c.bin_inherit_socket);
    settings_free(&c);

    /* every spelling of a bool, in any case; the last one given wins */
    static const char *const yes[] = {"yes", "TRUE", "on", "Enable", "1"};
    static const char *const no[] = {"NO", "false", "Off", "disable", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        expect_ok(&c, ARGS("-b", BACKEND_A, "--bin-inherit-socket", yes[i]), NULL);
        CU_ASSERT_TRUE(c.bin_inherit_socket);
        settings_free(&c);
        expect_ok(&c,
                  ARGS("-b", BACKEND_A, "--bin-inherit-socket", yes[i], "--bin-inherit-socket",
                       no[i]),
                  NULL);
        CU_ASSERT_FALSE(c.bin_inherit_socket);
        settings_free(&c);
    }
    expect_error(ARGS("-b", BACKEND_A, "--bin-inherit-socket", "yess"), NULL,
                 "--bin-inherit-socket: 'yess' is not yes or no");
    expect_error(ARGS("-b", BACKEND_A, "--bin-inherit-socket", ""), NULL,
                 "--bin-inherit-socket: '' is not yes or no");

    /* max-procs 0 with bin-path: the number of CPUs, at least 2 */
    expect_ok(&c, ARGS("-b", BACKEND_A, "--bin-path", "sbcl", "--kill-signal", "9"), NULL);
    CU_ASSERT(c.max_procs >= 2);
    CU_ASSERT_EQUAL(c.kill_signal, SIGKILL);
    settings_free(&c);

    expect_error(ARGS("-b", BACKEND_A, "--bin-path", "sbcl --eval '(oops"), NULL,
                 "--bin-path: a ' is not closed");
    expect_error(ARGS("-b", BACKEND_A, "--bin-environment", "1X=y"), NULL,
                 "--bin-environment: '1X=y' is not NAME=VALUE");
    expect_error(ARGS("-b", BACKEND_A, "--bin-environment", "NOVALUE"), NULL,
                 "--bin-environment: 'NOVALUE' is not NAME=VALUE");
    expect_error(ARGS("-b", BACKEND_A, "--bin-copy-environment", "PATH;HOME"), NULL,
                 "--bin-copy-environment: 'PATH;HOME' is not a list of variable names");
    expect_error(ARGS("-b", BACKEND_A, "--kill-signal", "SIGNOPE"), NULL,
                 "--kill-signal: 'SIGNOPE' is not a signal (TERM, SIGINT, 15, ...)");
    expect_error(ARGS("-b", BACKEND_A, "-b", BACKEND_B, "--bin-path", "sbcl"), NULL,
                 "bin-path: give exactly one backend, the address of the first Lisp process "
                 "(2 given)");
    expect_error(ARGS("-b", BACKEND_A, "--bin-path", "sbcl", "--min-procs", "3", "--max-procs",
                      "2"),
                 NULL, "min-procs: 3 is more than max-procs (2)");
    expect_error(ARGS("-b", "modlisp://127.0.0.1:65534", "--bin-path", "sbcl", "--max-procs",
                      "3"),
                 NULL, "max-procs: 3 processes from port 65534 go past port 65535");
    expect_error(ARGS("-b", BACKEND_A, "--bin-path", "sbcl --socket %s"), NULL,
                 "bin-path: %s: the pool listens on a port, not a socket");
    expect_error(ARGS("-b", BACKEND_C, "--bin-path", "sbcl --port %p"), NULL,
                 "bin-path: %p: the pool listens on a unix socket, not a port");
}

/* What SIGHUP cannot apply: each key that needs a restart is named, and
 * the pool's tunables are not. */
static void test_settings_reload_blocker(void)
{
    struct settings old, new;
    expect_ok(&old, ARGS("-b", BACKEND_A, "--bin-path", "sbcl", "--max-procs", "2"), NULL);
    const struct {
        const char *const *args;
        const char *want; /* NULL: can be applied */
    } cases[] = {
        {ARGS("-b", BACKEND_A, "--bin-path", "sbcl", "--max-procs", "2"), NULL},
        {ARGS("-b", BACKEND_A, "--bin-path", "sbcl --dynamic-space-size 1024", "--max-procs",
              "2", "--min-procs", "2", "--idle-timeout", "3", "--kill-grace", "1"),
         NULL},
        {ARGS("-b", BACKEND_A, "--bin-path", "sbcl", "--max-procs", "2", "-l", "unix:/x"),
         "listen"},
        {ARGS("-b", BACKEND_B, "--bin-path", "sbcl", "--max-procs", "2"), "backend"},
        {ARGS("-b", BACKEND_A), "bin-path"},
        {ARGS("-b", BACKEND_A, "--bin-path", "sbcl", "--max-procs", "3"), "max-procs"},
        {ARGS("-b", BACKEND_A, "--bin-path", "sbcl", "--max-procs", "2", "--listen-backlog",
              "7"),
         "listen-backlog"},
        {ARGS("-b", BACKEND_A, "--bin-path", "sbcl", "--max-procs", "2", "--bin-inherit-socket",
              "yes"),
         "bin-inherit-socket"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_ok(&new, cases[i].args, NULL);
        const char *got = settings_reload_blocker(&old, &new);
        if (cases[i].want == NULL) {
            CU_ASSERT_PTR_NULL(got);
        } else {
            CU_ASSERT_PTR_NOT_NULL_FATAL(got);
            CU_ASSERT_STRING_EQUAL(got, cases[i].want);
        }
        settings_free(&new);
    }
    settings_free(&old);
}

void suite_settings(void)
{
    static const CU_TestInfo tests[] = {
        {"defaults", test_settings_defaults},
        {"every option sets its field", test_settings_every_option},
        {"repeated options", test_settings_repeated},
        {"command-line errors", test_settings_argv_errors},
        {"no backend at all", test_settings_no_backend},
        {"bad numbers, argv and file", test_settings_bad_numbers},
        {"range ends accepted", test_settings_good_numbers},
        {"config file syntax", test_settings_file_syntax},
        {"config file errors name file, line, key", test_settings_file_errors},
        {"mod_lisp-lighttpd lisp.* keys", test_settings_lisp_keys},
        {"precedence file < env < argv", test_settings_precedence},
        {"--help and --version", test_settings_help_version},
        {"settings_set", test_settings_set},
        {"pool keys", test_settings_pool},
        {"what SIGHUP cannot apply", test_settings_reload_blocker},
        {"getopt state is reset", test_settings_reload},
        {"settings_free after errors", test_settings_free},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("settings", tests);
}
