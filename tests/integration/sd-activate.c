/* sd-activate.c - systemd's part in a test: socket activation and the
 * notify socket, without systemd.
 * fcgi-lisp, MIT licence.
 *
 * Usage: sd-activate [--listen unix:/PATH] [--notify FILE] -- CMD [ARGS...]
 *
 * --listen binds and listens on PATH (backlog 128) and hands the socket to
 * CMD as fd 3 with LISTEN_PID (CMD's pid) and LISTEN_FDS=1, as a .socket
 * unit does (sd_listen_fds(3)). --notify makes a datagram socket, sets
 * NOTIFY_SOCKET for CMD and appends each message it receives to FILE, one
 * line per message with its newlines written as ';' ("READY=1;MAINPID=12").
 * SIGTERM, SIGINT and SIGHUP are passed on to CMD; sd-activate exits with
 * CMD's status once CMD has exited (128+N for a signal). Standalone (libc
 * only). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t sd_child;

static void sd_forward(int sig)
{
    if (sd_child > 0)
        kill(sd_child, sig);
}

static int sd_unix_socket(int type, const char *path)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof un.sun_path) {
        fprintf(stderr, "sd-activate: path too long: %s\n", path);
        return -1;
    }
    strcpy(un.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, type, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof un) < 0 ||
        (type == SOCK_STREAM && listen(fd, 128) < 0)) {
        fprintf(stderr, "sd-activate: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return fd;
}

/* Appends the datagram waiting on fd to out, one line. */
static void sd_record(int fd, FILE *out)
{
    char msg[4096];
    ssize_t n = recv(fd, msg, sizeof msg - 1, MSG_DONTWAIT);
    if (n <= 0)
        return;
    for (ssize_t i = 0; i < n; i++)
        if (msg[i] == '\n')
            msg[i] = ';';
    msg[n] = '\0';
    fprintf(out, "%s\n", msg);
    fflush(out);
}

int main(int argc, char **argv)
{
    const char *listen_path = NULL, *notify_file = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc &&
            strncmp(argv[i + 1], "unix:", 5) == 0)
            listen_path = argv[++i] + 5;
        else if (strcmp(argv[i], "--notify") == 0 && i + 1 < argc)
            notify_file = argv[++i];
        else if (strcmp(argv[i], "--") == 0)
            break;
        else
            i = argc;
    }
    if (i + 1 >= argc) {
        fprintf(stderr,
                "usage: sd-activate [--listen unix:/PATH] [--notify FILE] -- CMD [ARGS...]\n");
        return 2;
    }
    char **cmd = &argv[i + 1];
    int lfd = listen_path != NULL ? sd_unix_socket(SOCK_STREAM, listen_path) : -1;
    char notify_path[108] = "";
    FILE *out = NULL;
    int nfd = -1;
    if (notify_file != NULL) {
        snprintf(notify_path, sizeof notify_path, "%s.sock", notify_file);
        nfd = sd_unix_socket(SOCK_DGRAM, notify_path);
        out = fopen(notify_file, "a");
        if (nfd < 0 || out == NULL)
            return 1;
    }
    if (listen_path != NULL && lfd < 0)
        return 1;
    struct sigaction sa = {.sa_handler = sd_forward};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("sd-activate: fork");
        return 1;
    }
    if (pid == 0) {
        char num[32];
        if (lfd >= 0) {
            if (lfd != 3) {
                dup2(lfd, 3);
                close(lfd);
            }
            snprintf(num, sizeof num, "%ld", (long)getpid());
            setenv("LISTEN_PID", num, 1);
            setenv("LISTEN_FDS", "1", 1);
        }
        if (nfd >= 0) {
            close(nfd);
            setenv("NOTIFY_SOCKET", notify_path, 1);
        }
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execvp(cmd[0], cmd);
        fprintf(stderr, "sd-activate: %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    sd_child = pid;
    if (lfd >= 0)
        close(lfd);
    int status;
    for (;;) {
        if (nfd >= 0) {
            struct pollfd p = {.fd = nfd, .events = POLLIN};
            if (poll(&p, 1, 50) > 0)
                sd_record(nfd, out);
        } else {
            usleep(50 * 1000);
        }
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
    }
    if (nfd >= 0) {
        sd_record(nfd, out);
        unlink(notify_path);
    }
    if (listen_path != NULL)
        unlink(listen_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
