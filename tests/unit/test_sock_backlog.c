/* test_sock_backlog.c - the accept queue's length, on real loopback TCP and
 * unix sockets: it grows with each connection made and shrinks with each
 * accept.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock_backlog.h"
#include "unit.h"

#define CLIENTS 3

/* Listens on a (family AF_INET: 127.0.0.1, any port; AF_UNIX: path), makes
 * CLIENTS connections, then accepts them one by one, checking the length
 * at each step. */
static void check_queue(int family, const char *path)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (family == AF_UNIX) {
        struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
        sun->sun_family = AF_UNIX;
        snprintf(sun->sun_path, sizeof sun->sun_path, "%s", path);
        len = sizeof *sun;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *sin;
    }
    int lfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CU_ASSERT_FATAL(lfd >= 0);
    CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&ss, len) == 0);
    CU_ASSERT_FATAL(listen(lfd, 16) == 0);
    CU_ASSERT_FATAL(getsockname(lfd, (struct sockaddr *)&ss, &len) == 0);
    CU_ASSERT_EQUAL(sock_backlog_length(lfd), 0);
    int clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CU_ASSERT_FATAL(connect(clients[i], (struct sockaddr *)&ss, len) == 0);
        CU_ASSERT_EQUAL(sock_backlog_length(lfd), i + 1);
    }
    for (int i = 0; i < CLIENTS; i++) {
        int c = accept(lfd, NULL, NULL);
        CU_ASSERT(c >= 0);
        CU_ASSERT_EQUAL(sock_backlog_length(lfd), CLIENTS - 1 - i);
        close(c);
    }
    for (int i = 0; i < CLIENTS; i++)
        close(clients[i]);
    close(lfd);
}

static void test_tcp(void)
{
    check_queue(AF_INET, NULL);
}

static void test_unix(void)
{
    char dir[] = "/tmp/fcgi-lisp-unit-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/s", dir);
    check_queue(AF_UNIX, path);
    unlink(path);
    rmdir(dir);
}

/* Not a listening socket: -1 with errno, nothing made up. */
static void test_not_listening(void)
{
    int fds[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    errno = 0;
    CU_ASSERT_EQUAL(sock_backlog_length(fds[0]), -1);
    CU_ASSERT_NOT_EQUAL(errno, 0);
    close(fds[0]);
    close(fds[1]);
    int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CU_ASSERT_EQUAL(sock_backlog_length(t), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    close(t);
    CU_ASSERT_EQUAL(sock_backlog_length(-1), -1);
    CU_ASSERT_EQUAL(errno, EBADF);
}

void suite_sock_backlog(void)
{
    static const CU_TestInfo tests[] = {
        {"TCP: one more per connect, one less per accept", test_tcp},
        {"unix: one more per connect, one less per accept", test_unix},
        {"not a listening socket", test_not_listening},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("sock_backlog", tests);
}
