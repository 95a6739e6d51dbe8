/* command.c - argv and environment of a spawned Lisp process.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "command.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

size_t command_strv_len(const char *const *v)
{
    size_t n = 0;
    while (v[n] != NULL)
        n++;
    return n;
}

void command_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

/* Appends s (owned) to the NULL-terminated *v of *n entries. */
static void command_strv_push(char ***v, size_t *n, char *s)
{
    *v = xrealloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

static char *command_buf_take(struct buf *b)
{
    char *s = xmalloc(buf_size(b) + 1);
    memcpy(s, buf_data(b), buf_size(b));
    s[buf_size(b)] = '\0';
    buf_clear(b);
    return s;
}

static char **command_fail(char **v, struct buf *word, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    command_strv_free(v);
    buf_free(word);
    return NULL;
}

char **command_split(const char *text, char *err, size_t errlen)
{
    char **v = NULL;
    size_t n = 0;
    struct buf word = BUF_INIT;
    bool in_word = false;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return command_fail(v, &word, err, errlen, "contains a control character");
    for (const char *p = text;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\0' || c == ' ' || c == '\t') {
            if (in_word)
                command_strv_push(&v, &n, command_buf_take(&word));
            in_word = false;
            if (c == '\0')
                break;
            continue;
        }
        in_word = true;
        if (c == '\\') {
            if (p[1] == '\0')
                return command_fail(v, &word, err, errlen, "ends with a backslash");
            buf_append_byte(&word, (uint8_t)*++p);
        } else if (c == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (end == NULL)
                return command_fail(v, &word, err, errlen, "a ' is not closed");
            buf_append(&word, p + 1, (size_t)(end - p - 1));
            p = end;
        } else if (c == '"') {
            for (p++; *p != '"'; p++) {
                if (*p == '\0')
                    return command_fail(v, &word, err, errlen, "a \" is not closed");
                if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`", p[1]) != NULL)
                    p++;
                buf_append_byte(&word, (uint8_t)*p);
            }
        } else {
            buf_append_byte(&word, c);
        }
    }
    buf_free(&word);
    if (n == 0) {
        snprintf(err, errlen, "names no program");
        return NULL;
    }
    return v;
}

char **command_expand(const char *const *argv, const struct command_slot *s, char *err, size_t errlen)
{
    char **out = xcalloc(1, sizeof *out);
    size_t n = 0;
    struct buf word = BUF_INIT;
    for (size_t i = 0; argv[i] != NULL; i++) {
        for (const char *p = argv[i]; *p != '\0'; p++) {
            if (*p != '%' || (p[1] != 'p' && p[1] != 's' && p[1] != '%')) {
                buf_append_byte(&word, (uint8_t)*p);
                continue;
            }
            p++;
            if (*p == '%') {
                buf_append_byte(&word, '%');
            } else if (*p == 'p' && s->port != 0) {
                buf_append_u64(&word, s->port);
            } else if (*p == 's' && s->path != NULL) {
                buf_append_str(&word, s->path);
            } else {
                return command_fail(out, &word, err, errlen,
                                    *p == 'p' ? "%p: the pool listens on a unix socket, not a port"
                                              : "%s: the pool listens on a port, not a socket");
            }
        }
        command_strv_push(&out, &n, command_buf_take(&word));
    }
    buf_free(&word);
    return out;
}

/* The index in v[0, n) of "NAME=..." whose name is the first namelen bytes of
 * name, or n. */
static size_t command_env_find(const char *const *v, size_t n, const char *name, size_t namelen)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(v[i], name, namelen) == 0 && v[i][namelen] == '=')
            return i;
    return n;
}

/* Sets "NAME=VALUE" in *v, replacing an entry of the same name. */
static void command_env_put(char ***v, size_t *n, char *entry)
{
    const char *eq = strchr(entry, '=');
    size_t namelen = eq ? (size_t)(eq - entry) : strlen(entry);
    size_t i = command_env_find((const char *const *)*v, *n, entry, namelen);
    if (i < *n) {
        free((*v)[i]);
        (*v)[i] = entry;
        return;
    }
    command_strv_push(v, n, entry);
}

char **command_env(const char *const *parent, const char *const *copy, const char *const *set,
                   const struct command_slot *s)
{
    static const char *const default_copy[] = {"PATH", "HOME", "LANG", NULL};
    char **env = xcalloc(1, sizeof *env);
    size_t n = 0;
    if (copy == NULL)
        copy = default_copy;
    size_t n_parent = parent ? command_strv_len(parent) : 0;
    for (size_t i = 0; copy[i] != NULL; i++) {
        size_t at = command_env_find(parent, n_parent, copy[i], strlen(copy[i]));
        if (at < n_parent)
            command_env_put(&env, &n, xstrdup(parent[at]));
    }
    for (size_t i = 0; set != NULL && set[i] != NULL; i++)
        command_env_put(&env, &n, xstrdup(set[i]));
    struct buf b = BUF_INIT;
    buf_printf(&b, "FCGI_LISP_SLOT=%u", s->slot);
    command_env_put(&env, &n, command_buf_take(&b));
    if (s->port != 0)
        buf_printf(&b, "FCGI_LISP_PORT=%u", s->port);
    else if (s->path != NULL)
        buf_printf(&b, "FCGI_LISP_SOCKET=%s", s->path);
    if (buf_size(&b) > 0)
        command_env_put(&env, &n, command_buf_take(&b));
    if (s->inherited)
        command_env_put(&env, &n, xstrdup("FCGI_LISP_LISTEN_FD=0"));
    buf_free(&b);
    return env;
}
