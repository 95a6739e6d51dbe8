/* test_spawn_args.c - fcgi-lisp-spawn's command line: spawn-fcgi's flags
 * with its meanings and defaults, the checks, the application's argv and
 * environment.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <syslog.h>

#include "spawn_args.h"
#include "unit.h"

#define ARGV(...) ((const char *const[]){"fcgi-lisp-spawn", __VA_ARGS__, NULL})

/* The argv of the last parse: a's strings point into it. */
static char **held;

static enum spawn_args_rc parse(struct spawn_args *a, const char *const *args, char *err)
{
    unit_strv_free(held);
    size_t n;
    held = unit_strv_dup(args, &n);
    return spawn_args_parse(a, (int)n, held, err, 256);
}

static void parse_done(void)
{
    unit_strv_free(held);
    held = NULL;
}

static void test_defaults(void)
{
    struct spawn_args a;
    char err[256];
    const char *const *v = ARGV("-s", "/run/app.sock", "--", "/usr/bin/app", "-x");
    CU_ASSERT_EQUAL_FATAL(parse(&a, v, err), SPAWN_ARGS_RUN);
    CU_ASSERT_STRING_EQUAL(a.unix_path, "/run/app.sock");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a.app_argv);
    CU_ASSERT_STRING_EQUAL(a.app_argv[0], "/usr/bin/app");
    CU_ASSERT_STRING_EQUAL(a.app_argv[1], "-x"); /* after --: the app's, not ours */
    CU_ASSERT_PTR_NULL(a.app_argv[2]);
    CU_ASSERT_EQUAL(a.port, 0);
    CU_ASSERT_EQUAL(a.socket_mode, -1);
    CU_ASSERT_EQUAL(a.php_children, -1);
    CU_ASSERT_EQUAL(a.children, 1);
    CU_ASSERT_EQUAL(a.backlog, 1024);
    CU_ASSERT_FALSE(a.foreground);
    CU_ASSERT_EQUAL(a.stop_signal, SIGUSR1);
    CU_ASSERT_DOUBLE_EQUAL(a.kill_grace, 5, 0);
    CU_ASSERT_DOUBLE_EQUAL(a.reload_wait, 1, 0);
    CU_ASSERT_EQUAL(a.log_level, LOG_NOTICE);
    CU_ASSERT_PTR_NULL(a.pid_file);
    CU_ASSERT_PTR_NULL(a.user);
    parse_done();
}

static void test_every_flag(void)
{
    struct spawn_args a;
    char err[256];
    const char *const *v = ARGV("-f", "/usr/bin/php-cgi", "-d", "/srv", "-a", "::1", "-p", "9000", "-M",
                    "0600", "-C", "4", "-F", "3", "-b", "64", "-P", "/run/x.pid", "-n", "-c",
                    "/jail", "-S", "-u", "www-data", "-g", "www-data", "-U", "nobody", "-G",
                    "nogroup", "--stop-signal", "TERM", "--kill-grace", "0.5",
                    "--reload-wait", "2", "--log-level", "7");
    CU_ASSERT_EQUAL_FATAL(parse(&a, v, err), SPAWN_ARGS_RUN);
    CU_ASSERT_STRING_EQUAL(a.app_path, "/usr/bin/php-cgi");
    CU_ASSERT_PTR_NULL(a.app_argv);
    CU_ASSERT_STRING_EQUAL(a.dir, "/srv");
    CU_ASSERT_STRING_EQUAL(a.bind_addr, "::1");
    CU_ASSERT_EQUAL(a.port, 9000);
    CU_ASSERT_EQUAL(a.socket_mode, 0600);
    CU_ASSERT_EQUAL(a.php_children, 4);
    CU_ASSERT_EQUAL(a.children, 3);
    CU_ASSERT_EQUAL(a.backlog, 64);
    CU_ASSERT_STRING_EQUAL(a.pid_file, "/run/x.pid");
    CU_ASSERT_TRUE(a.foreground);
    CU_ASSERT_STRING_EQUAL(a.chroot_dir, "/jail");
    CU_ASSERT_TRUE(a.socket_before_chroot);
    CU_ASSERT_STRING_EQUAL(a.user, "www-data");
    CU_ASSERT_STRING_EQUAL(a.group, "www-data");
    CU_ASSERT_STRING_EQUAL(a.socket_user, "nobody");
    CU_ASSERT_STRING_EQUAL(a.socket_group, "nogroup");
    CU_ASSERT_EQUAL(a.stop_signal, SIGTERM);
    CU_ASSERT_DOUBLE_EQUAL(a.kill_grace, 0.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(a.reload_wait, 2, 0);
    CU_ASSERT_EQUAL(a.log_level, 7);
    /* -f: the app runs through /bin/sh, as spawn-fcgi runs it */
    char **app = spawn_args_app(&a);
    CU_ASSERT_STRING_EQUAL(app[0], "/bin/sh");
    CU_ASSERT_STRING_EQUAL(app[1], "-c");
    CU_ASSERT_STRING_EQUAL(app[2], "exec /usr/bin/php-cgi");
    CU_ASSERT_PTR_NULL(app[3]);
    spawn_args_strv_free(app);
    parse_done();
}

/* -M as spawn-fcgi's strtol(s, NULL, 0) reads it. */
static void test_mode(void)
{
    struct spawn_args a;
    char err[256];
    static const struct {
        const char *text;
        int mode;
    } cases[] = {{"0660", 0660}, {"0", 0}, {"0x1b6", 0666}, {"438", 0666}, {"07777", 07777}};
    for (size_t i = 0; i < NELEMS(cases); i++) {
        const char *const *v = ARGV("-s", "x", "-M", (char *)cases[i].text, "--", "app");
        CU_ASSERT_EQUAL(parse(&a, v, err), SPAWN_ARGS_RUN);
        CU_ASSERT_EQUAL(a.socket_mode, cases[i].mode);
    }
    parse_done();
}

static void expect_error(const char *const *v, const char *want)
{
    struct spawn_args a;
    char err[256];
    CU_ASSERT_EQUAL(parse(&a, v, err), SPAWN_ARGS_ERROR);
    if (strcmp(err, want) != 0)
        fprintf(stderr, "\nwant: %s\ngot:  %s\n", want, err);
    CU_ASSERT_STRING_EQUAL(err, want);
}

static void test_errors(void)
{
    expect_error(ARGV("-s", "x"), "no FastCGI application given");
    expect_error(ARGV("-s", "x", "-p", "9000", "--", "app"),
                 "either a Unix domain socket or a TCP-port, but not both");
    expect_error(ARGV("-p", "0", "--", "app"), "-p: invalid port '0' (1..65535)");
    expect_error(ARGV("-p", "65536", "--", "app"), "-p: invalid port '65536' (1..65535)");
    expect_error(ARGV("-p", "80x", "--", "app"), "-p: invalid port '80x' (1..65535)");
    expect_error(ARGV("-s", "x", "-F", "0", "--", "app"),
                 "-F: invalid number of children '0' (1..1024)");
    expect_error(ARGV("-s", "x", "-M", "0888", "--", "app"),
                 "-M: invalid socket mode '0888' (e.g. 0660)");
    expect_error(ARGV("-s", "x", "-M", "010000", "--", "app"),
                 "-M: invalid socket mode '010000' (e.g. 0660)");
    expect_error(ARGV("-s", "x", "-b", "0", "--", "app"), "-b: invalid backlog '0'");
    expect_error(ARGV("-s", "x", "-C", "-1", "--", "app"),
                 "-C: invalid number of PHP children '-1'");
    expect_error(ARGV("-s", "x", "--stop-signal", "NOPE", "--", "app"),
                 "--stop-signal: 'NOPE' is not a signal (USR1, TERM, 15, ...)");
    expect_error(ARGV("-s", "x", "--kill-grace", "1e3", "--", "app"),
                 "--kill-grace: '1e3' is not a number of seconds (0..86400)");
    expect_error(ARGV("-s", "x", "--log-level", "8", "--", "app"),
                 "--log-level: '8' is not 0..7");
    expect_error(ARGV("-x", "--", "app"), "unknown option: -x");
    expect_error(ARGV("--nope", "--", "app"), "unknown option: --nope");
    expect_error(ARGV("-s"), "option requires an argument: -s");
    expect_error(ARGV("-a", "127.0.0.1", "-s", "x", "--", "app"), "-a needs -p (a TCP port)");
    expect_error(ARGV("-s", "", "--", "app"), "path of the Unix domain socket is empty");
    char long_path[200];
    memset(long_path, 'p', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    expect_error(ARGV("-s", long_path, "--", "app"), "path of the Unix domain socket is too long");
    parse_done();
}

static void test_help_version(void)
{
    struct spawn_args a;
    char err[256];
    CU_ASSERT_EQUAL(parse(&a, ARGV("-h"), err), SPAWN_ARGS_HELP);
    CU_ASSERT_EQUAL(parse(&a, ARGV("-?"), err), SPAWN_ARGS_HELP);
    CU_ASSERT_EQUAL(parse(&a, ARGV("-v"), err), SPAWN_ARGS_VERSION);
    /* getopt's state is reset between calls */
    CU_ASSERT_EQUAL(parse(&a, ARGV("-n", "-s", "x", "--", "app"), err), SPAWN_ARGS_RUN);
    CU_ASSERT_TRUE(a.foreground);
    parse_done();
}

static void test_env(void)
{
    struct spawn_args a;
    char err[256];
    const char *const parent[] = {"PATH=/usr/bin", "LISTEN_PID=1", "LISTEN_FDS=1", "LISTEN_FDNAMES=x",
                      "NOTIFY_SOCKET=/run/systemd/notify", "PHP_FCGI_CHILDREN=9", "A=b", NULL};
    CU_ASSERT_EQUAL_FATAL(parse(&a, ARGV("-s", "x", "--", "app"), err), SPAWN_ARGS_RUN);
    char **env = spawn_args_env(&a, parent);
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "PATH"), "/usr/bin");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "A"), "b");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "PHP_FCGI_CHILDREN"), "9"); /* no -C: left alone */
    CU_ASSERT_PTR_NULL(unit_env_get(env, "LISTEN_PID"));
    CU_ASSERT_PTR_NULL(unit_env_get(env, "LISTEN_FDS"));
    CU_ASSERT_PTR_NULL(unit_env_get(env, "LISTEN_FDNAMES"));
    CU_ASSERT_PTR_NULL(unit_env_get(env, "NOTIFY_SOCKET"));
    spawn_args_strv_free(env);
    CU_ASSERT_EQUAL_FATAL(parse(&a, ARGV("-s", "x", "-C", "0", "--", "app"), err),
                          SPAWN_ARGS_RUN);
    env = spawn_args_env(&a, parent);
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "PHP_FCGI_CHILDREN"), "0");
    size_t n = 0;
    while (env[n] != NULL)
        n++;
    CU_ASSERT_EQUAL(n, 3);
    spawn_args_strv_free(env);
    parse_done();
}

void suite_spawn_args(void)
{
    static const CU_TestInfo tests[] = {
        {"defaults, app after --", test_defaults},
        {"every flag", test_every_flag},
        {"-M read as strtol base 0", test_mode},
        {"errors", test_errors},
        {"help, version, reset", test_help_version},
        {"children's environment", test_env},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("spawn_args", tests);
}
