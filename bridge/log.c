/* log.c - one line per event on stderr, with syslog levels.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int log_level = LOG_WARNING;
static const char *log_ident = "fcgi-lisp";

static const char *const log_level_names[] = {
    "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
};

void log_init(const char *ident, int level)
{
    log_ident = ident;
    log_level = level;
}

const char *log_level_name(int level)
{
    if (level < 0 || level > LOG_DEBUG)
        return "?";
    return log_level_names[level];
}

void log_at(int level, const char *file, int line, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    int saved_errno = errno;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    /* One write per line so concurrent writers (several fcgi-lisp processes
     * under mod_fcgid) do not interleave within a line. */
    char line_buf[2300];
    const char *base = strrchr(file, '/');
    int len = snprintf(line_buf, sizeof line_buf, "%s[%ld]: %s: %s", log_ident, (long)getpid(),
                       log_level_name(level), msg);
    if (log_enabled(LOG_DEBUG) && len >= 0 && (size_t)len < sizeof line_buf)
        len += snprintf(line_buf + len, sizeof line_buf - (size_t)len, " (%s:%d)",
                        base ? base + 1 : file, line);
    if (len < 0)
        len = 0;
    if ((size_t)len >= sizeof line_buf - 1)
        len = (int)sizeof line_buf - 2;
    line_buf[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line_buf, (size_t)len);
    (void)w;
    errno = saved_errno;
}
