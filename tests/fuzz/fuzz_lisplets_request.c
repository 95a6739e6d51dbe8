/* fuzz_lisplets_request.c - libFuzzer target for the Lisplets request
 * encoder.
 * fcgi-lisp, MIT licence.
 *
 * The input, split at NUL bytes, is a list of CGI param names and values
 * (QUERY_STRING among them gives the params, HTTP_COOKIE the cookies); its
 * first byte picks the tag prefix (":" or none) and whether a session and
 * a raw body are announced. The encoded request, read back with
 * cl_read.h's Common Lisp rules, must be exactly one list whose elements
 * are each a list headed by one of the request's tags, each tag at most
 * once, the eight the servlet always sends present, every token a string,
 * a symbol or a number, and nothing after the list: no client byte may add,
 * remove or forge an element. */
#include "config.h"

#include "cl_read.h"
#include "fuzz.h"
#include "lisplets_request.h"

static const char *const fuzz_tags[] = {"method", "uri",     "protocol", "is-secure",
                                        "headers", "cookies", "params",   "context",
                                        "servlet", "session", "user",     "body-length"};
#define FUZZ_N_TAGS (sizeof fuzz_tags / sizeof fuzz_tags[0])
/* method, uri, protocol, is-secure, headers, params, context, servlet: the
 * servlet always sends them */
static bool fuzz_always(size_t tag)
{
    return tag <= 4 || tag == 6 || tag == 7 || tag == 8;
}

/* Which tag text (the prefix stripped) is, or FUZZ_N_TAGS. */
static size_t fuzz_tag_index(const struct buf *text, const char *prefix)
{
    size_t plen = strlen(prefix);
    if (buf_size(text) < plen || memcmp(buf_data(text), prefix, plen) != 0)
        return FUZZ_N_TAGS;
    for (size_t i = 0; i < FUZZ_N_TAGS; i++)
        if (buf_size(text) - plen == strlen(fuzz_tags[i]) &&
            memcmp(buf_data(text) + plen, fuzz_tags[i], strlen(fuzz_tags[i])) == 0)
            return i;
    return FUZZ_N_TAGS;
}

/* Skips the rest of a list whose '(' was read; false on a bad token or EOF. */
static bool fuzz_skip_list(const uint8_t **p, const uint8_t *end, struct buf *text)
{
    size_t depth = 1;
    bool escaped;
    while (depth > 0) {
        switch (cl_next(p, end, text, &escaped)) {
        case CL_OPEN:
            depth++;
            break;
        case CL_CLOSE:
            depth--;
            break;
        case CL_STRING:
        case CL_SYMBOL:
            break;
        case CL_END:
        case CL_BAD:
            return false;
        }
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t flags = data[0];
    struct cgi_request req;
    cgi_request_init(&req, 1 << 20, 1000);
    const uint8_t *p = data + 1, *end = data + size;
    for (size_t i = 0; i < 64 && p < end; i++) {
        const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
        const uint8_t *nend = nul != NULL ? nul : end;
        const uint8_t *vstart = nend < end ? nend + 1 : end;
        const uint8_t *vnul = memchr(vstart, '\0', (size_t)(end - vstart));
        const uint8_t *vend = vnul != NULL ? vnul : end;
        cgi_request_add(&req, (struct slice){p, (size_t)(nend - p)},
                        (struct slice){vstart, (size_t)(vend - vstart)});
        p = vend < end ? vend + 1 : end;
    }
    struct form_pairs params;
    form_pairs_init(&params, 1000, 1 << 20);
    struct slice qs;
    const char *err;
    if (cgi_request_get(&req, "QUERY_STRING", &qs))
        form_decode(&params, qs, &err);
    static const struct lisplets_pair attrs[] = {{SLICE_INIT("k"), SLICE_INIT("v")}};
    struct lisplets_session_info session = {SLICE_INIT("id"), true, 1, 2, 60, attrs, 1};
    const char *prefix = flags & 1 ? ":" : "";
    struct lisplets_opts o = {.tag_prefix = prefix, .tag_suffix = "", .true_text = "t",
                              .false_text = "nil", .context_name = "c", .servlet_name = "s"};
    struct lisplets_request_input in = {.cgi = &req, .params = &params,
                                        .session = flags & 2 ? &session : NULL,
                                        .body_length = flags & 4 ? 7 : -1};
    struct buf out = BUF_INIT, text = BUF_INIT;
    lisplets_request_encode(&out, &in, &o);

    const uint8_t *r = buf_data(&out), *rend = r + buf_size(&out);
    bool escaped, seen[FUZZ_N_TAGS] = {false};
    FUZZ_ASSERT(cl_next(&r, rend, &text, &escaped) == CL_OPEN);
    for (;;) {
        enum cl_token_kind k = cl_next(&r, rend, &text, &escaped);
        if (k == CL_CLOSE)
            break;
        FUZZ_ASSERT(k == CL_OPEN); /* every element is a list */
        FUZZ_ASSERT(cl_next(&r, rend, &text, &escaped) == CL_SYMBOL);
        FUZZ_ASSERT(!escaped);
        size_t tag = fuzz_tag_index(&text, prefix);
        FUZZ_ASSERT(tag < FUZZ_N_TAGS && !seen[tag]);
        seen[tag] = true;
        FUZZ_ASSERT(fuzz_skip_list(&r, rend, &text));
    }
    FUZZ_ASSERT(cl_next(&r, rend, &text, &escaped) == CL_END);
    for (size_t i = 0; i < FUZZ_N_TAGS; i++)
        if (fuzz_always(i))
            FUZZ_ASSERT(seen[i]);
    FUZZ_ASSERT(seen[9] == ((flags & 2) != 0));  /* session */
    FUZZ_ASSERT(seen[11] == ((flags & 4) != 0)); /* body-length */
    buf_free(&out);
    buf_free(&text);
    form_pairs_free(&params);
    cgi_request_free(&req);
    return 0;
}
