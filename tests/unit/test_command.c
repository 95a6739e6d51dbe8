/* test_command.c - a spawned Lisp's argv and environment (bridge/command.c).
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "unit.h"

/* words: the expected argv joined with '|', or NULL for an error whose
 * message contains `why`. */
static void check_split(const char *text, const char *words, const char *why)
{
    char err[128] = "";
    char **v = command_split(text, err, sizeof err);
    if (words == NULL) {
        CU_ASSERT_PTR_NULL(v);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, why));
        command_strv_free(v);
        return;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct buf got = BUF_INIT;
    for (size_t i = 0; v[i] != NULL; i++) {
        if (i > 0)
            buf_append_byte(&got, '|');
        buf_append_str(&got, v[i]);
    }
    CU_ASSERT(text_equal(buf_slice(&got), words, strlen(words)));
    buf_free(&got);
    command_strv_free(v);
}

static void test_split(void)
{
    check_split("/usr/bin/sbcl", "/usr/bin/sbcl", NULL);
    check_split("  sbcl   --script\tapp.lisp  ", "sbcl|--script|app.lisp", NULL);
    check_split("sbcl --eval '(load \"app.lisp\")'", "sbcl|--eval|(load \"app.lisp\")", NULL);
    check_split("a \"b c\" d", "a|b c|d", NULL);
    check_split("\"x \\\" \\\\ \\$ \\` \\n\"", "x \" \\ $ ` \\n", NULL);
    check_split("a\\ b c\\'d", "a b|c'd", NULL);
    check_split("pre'fix 'and\"\"post", "prefix andpost", NULL);
    check_split("'' \"\"", "|", NULL); /* two empty words */
    check_split("'it''s'", "its", NULL);
    check_split("/opt/my lisp/run", "/opt/my|lisp/run", NULL);
    check_split("'unclosed", NULL, "' is not closed");
    check_split("\"unclosed \\\"", NULL, "\" is not closed");
    check_split("end\\", NULL, "backslash");
    check_split("", NULL, "names no program");
    check_split("   \t ", NULL, "names no program");
    check_split("a\nb", NULL, "control character");
}

static void test_expand(void)
{
    char err[128];
    const char *argv[] = {"sbcl", "--port", "%p", "--sock=%s", "100%%", "%x", "%", NULL};
    struct command_slot tcp = {.slot = 2, .port = 3002};
    char **v = command_expand(argv, &tcp, err, sizeof err);
    CU_ASSERT_PTR_NULL(v); /* %s in a TCP pool */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "%s: the pool listens on a port"));
    const char *argv_tcp[] = {"sbcl", "--port", "%p", "p%p-%p", "100%%", "%x", "%", NULL};
    v = command_expand(argv_tcp, &tcp, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(command_strv_len((const char *const *)v), 7);
    CU_ASSERT_STRING_EQUAL(v[2], "3002");
    CU_ASSERT_STRING_EQUAL(v[3], "p3002-3002");
    CU_ASSERT_STRING_EQUAL(v[4], "100%");
    CU_ASSERT_STRING_EQUAL(v[5], "%x");
    CU_ASSERT_STRING_EQUAL(v[6], "%");
    command_strv_free(v);
    struct command_slot unix_slot = {.slot = 0, .path = "/run/lisp.sock-0"};
    const char *argv_unix[] = {"run", "--socket=%s", NULL};
    v = command_expand(argv_unix, &unix_slot, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(v[1], "--socket=/run/lisp.sock-0");
    command_strv_free(v);
    v = command_expand(argv_tcp, &unix_slot, err, sizeof err);
    CU_ASSERT_PTR_NULL(v);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "%p: the pool listens on a unix socket"));
}

static void test_env(void)
{
    const char *parent[] = {"PATH=/usr/bin:/bin", "HOME=/var/www", "SECRET=x", "LANG=C.UTF-8",
                      "PATHX=no", "TZ=UTC", NULL};
    struct command_slot tcp = {.slot = 1, .port = 3001};
    char **env = command_env(parent, NULL, NULL, &tcp);
    CU_ASSERT_EQUAL(command_strv_len((const char *const *)env), 5);
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "PATH"), "/usr/bin:/bin");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "HOME"), "/var/www");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "LANG"), "C.UTF-8");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "FCGI_LISP_SLOT"), "1");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "FCGI_LISP_PORT"), "3001");
    CU_ASSERT_PTR_NULL(unit_env_get(env, "SECRET"));
    CU_ASSERT_PTR_NULL(unit_env_get(env, "FCGI_LISP_SOCKET"));
    CU_ASSERT_PTR_NULL(unit_env_get(env, "FCGI_LISP_LISTEN_FD"));
    command_strv_free(env);

    const char *copy[] = {"TZ", "MISSING", "PATH", NULL};
    const char *set[] = {"PATH=/opt/sbcl/bin", "SBCL_HOME=/opt/sbcl/lib", "FCGI_LISP_SLOT=99", NULL};
    struct command_slot unix_slot = {.slot = 0, .path = "/run/l.sock-0"};
    env = command_env(parent, copy, set, &unix_slot);
    CU_ASSERT_EQUAL(command_strv_len((const char *const *)env), 5);
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "TZ"), "UTC");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "PATH"), "/opt/sbcl/bin"); /* set wins over copy */
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "SBCL_HOME"), "/opt/sbcl/lib");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "FCGI_LISP_SLOT"), "0");   /* the slot wins */
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "FCGI_LISP_SOCKET"), "/run/l.sock-0");
    CU_ASSERT_PTR_NULL(unit_env_get(env, "HOME"));
    command_strv_free(env);

    env = command_env(NULL, NULL, NULL, &tcp);
    CU_ASSERT_EQUAL(command_strv_len((const char *const *)env), 2);
    command_strv_free(env);

    /* an inherited socket: the Lisp is told to accept on fd 0 */
    struct command_slot inherited = {.slot = 2, .port = 3002, .inherited = true};
    const char *forged[] = {"FCGI_LISP_LISTEN_FD=7", NULL};
    env = command_env(NULL, NULL, forged, &inherited);
    CU_ASSERT_EQUAL(command_strv_len((const char *const *)env), 3);
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "FCGI_LISP_LISTEN_FD"), "0");
    CU_ASSERT_STRING_EQUAL(unit_env_get(env, "FCGI_LISP_PORT"), "3002");
    command_strv_free(env);
}

void suite_command(void)
{
    static const CU_TestInfo tests[] = {
        {"split with quoting", test_split},
        {"expand %p %s %%", test_expand},
        {"environment", test_env},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("command", tests);
}
