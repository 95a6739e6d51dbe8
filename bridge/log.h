/* log.h - the daemon's log: one line per event on stderr, with syslog levels.
 * fcgi-lisp, MIT licence.
 *
 * Spawned by a web server, stderr is that server's error log (lighttpd's
 * errorlog, Apache's ErrorLog through mod_fcgid), so lines go there. Each error
 * is logged once, by the layer that knows its context. */
#ifndef FCGI_LISP_LOG_H
#define FCGI_LISP_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* Messages with a level above this (numerically) are dropped; 0..7, default LOG_WARNING. */
extern int log_level;

void log_init(const char *ident, int level);
void log_at(int level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *log_level_name(int level);

#define log_enabled(lvl) ((lvl) <= log_level)
#define log_err(...) log_at(LOG_ERR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARNING, __FILE__, __LINE__, __VA_ARGS__)
#define log_notice(...) log_at(LOG_NOTICE, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...)                                            \
    do {                                                          \
        if (log_enabled(LOG_DEBUG))                               \
            log_at(LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__);   \
    } while (0)

#endif
