/* test_fcgi_record.c - FastCGI record parser and record encoders.
 * fcgi-lisp, MIT licence.
 *
 * Golden bytes come from the FastCGI 1.0 specification (section 8 layouts,
 * section 5.5 END_REQUEST, section 4.2 UNKNOWN_TYPE) and from what nginx,
 * lighttpd and Apache send (shared/reference/fastcgi.md section 2.1). Every
 * parser fixture is fed whole, byte by byte and split at every index, each
 * piece from a heap copy of exactly its size (so ASan sees any read past
 * end); the records seen (type, request id, content length, concatenated
 * content, boundaries), the result and the bytes consumed must be identical. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/pieces.h"
#include "buf.h"
#include "fcgi_record.h"
#include "unit.h"

/* ------------------------------------------------------------------------ */
/* Encoders                                                                  */
/* ------------------------------------------------------------------------ */

static void test_header_encode(void)
{
    static const struct {
        uint8_t type;
        uint16_t id, len;
        uint8_t pad;
        const char *want;
    } cases[] = {
        /* spec section 8: version, type, requestIdB1, B0, contentLengthB1, B0, padding, reserved */
        {FCGI_BEGIN_REQUEST, 0x1234, 8, 0, "\x01\x01\x12\x34\x00\x08\x00\x00"},
        {FCGI_STDOUT, 1, 0x0102, 6, "\x01\x06\x00\x01\x01\x02\x06\x00"},
        {FCGI_STDERR, 0xffff, 0xffff, 255, "\x01\x07\xff\xff\xff\xff\xff\x00"},
        {FCGI_GET_VALUES_RESULT, FCGI_NULL_REQUEST_ID, 0, 0, "\x01\x0a\x00\x00\x00\x00\x00\x00"},
    };
    for (size_t i = 0; i < NELEMS(cases); i++) {
        uint8_t out[FCGI_HEADER_LEN];
        memset(out, 0xaa, sizeof(out)); /* the reserved byte must be written too */
        fcgi_header_encode(out, cases[i].type, cases[i].id, cases[i].len, cases[i].pad);
        CU_ASSERT(bytes_equal(out, sizeof(out), cases[i].want, FCGI_HEADER_LEN));
    }
}

static void test_record_append(void)
{
    struct buf b = BUF_INIT;
    fcgi_record_append(&b, FCGI_STDOUT, 1, "Status: 200 OK\r\n", 16);
    ASSERT_BUF_BYTES(&b, "\x01\x06\x00\x01\x00\x10\x00\x00"
                   "Status: 200 OK\r\n");
    /* appends after what is there; len 0 is the empty record ending a stream */
    fcgi_record_append(&b, FCGI_STDOUT, 1, "", 0);
    ASSERT_BUF_BYTES(&b, "\x01\x06\x00\x01\x00\x10\x00\x00"
                   "Status: 200 OK\r\n"
                   "\x01\x06\x00\x01\x00\x00\x00\x00");
    buf_clear(&b);
    /* request id and length are big-endian; binary content is copied as is */
    fcgi_record_append(&b, FCGI_STDERR, 0x1234, "\x00\xff\x01", 3);
    ASSERT_BUF_BYTES(&b, "\x01\x07\x12\x34\x00\x03\x00\x00"
                   "\x00\xff\x01");
    buf_clear(&b);

    /* the largest record */
    uint8_t *big = malloc(FCGI_MAX_CONTENT);
    CU_ASSERT_FATAL(big != NULL);
    for (size_t i = 0; i < FCGI_MAX_CONTENT; i++)
        big[i] = (uint8_t)(i % 253);
    fcgi_record_append(&b, FCGI_STDIN, 1, big, FCGI_MAX_CONTENT);
    CU_ASSERT_FATAL(buf_size(&b) == FCGI_HEADER_LEN + FCGI_MAX_CONTENT);
    CU_ASSERT(bytes_equal(buf_data(&b), FCGI_HEADER_LEN, "\x01\x05\x00\x01\xff\xff\x00\x00", 8));
    CU_ASSERT(memcmp(buf_data(&b) + FCGI_HEADER_LEN, big, FCGI_MAX_CONTENT) == 0);
    free(big);
    buf_free(&b);
}

/* Checks that [p, p+n) is a run of records of `type`/`id` holding `data`,
 * each as full as allowed (65535) except the last, none empty, no padding. */
static void check_stream_records(const uint8_t *p, size_t n, uint8_t type, uint16_t id,
                                 const uint8_t *data, size_t len)
{
    size_t off = 0, done = 0;
    while (off < n) {
        CU_ASSERT_FATAL(n - off >= FCGI_HEADER_LEN);
        size_t want = len - done < FCGI_MAX_CONTENT ? len - done : FCGI_MAX_CONTENT;
        uint8_t hdr[FCGI_HEADER_LEN];
        fcgi_header_encode(hdr, type, id, (uint16_t)want, 0);
        CU_ASSERT(bytes_equal(p + off, FCGI_HEADER_LEN, hdr, FCGI_HEADER_LEN));
        CU_ASSERT(want > 0);
        off += FCGI_HEADER_LEN;
        CU_ASSERT_FATAL(n - off >= want);
        CU_ASSERT(memcmp(p + off, data + done, want) == 0);
        off += want;
        done += want;
    }
    CU_ASSERT(off == n);
    CU_ASSERT(done == len);
}

static void test_stream_append(void)
{
    static const size_t sizes[] = {0, 1, FCGI_MAX_CONTENT - 1, FCGI_MAX_CONTENT,
                                   FCGI_MAX_CONTENT + 1, 2 * FCGI_MAX_CONTENT,
                                   3 * FCGI_MAX_CONTENT + 3395};
    size_t maxlen = sizes[NELEMS(sizes) - 1];
    uint8_t *data = malloc(maxlen);
    CU_ASSERT_FATAL(data != NULL);
    for (size_t i = 0; i < maxlen; i++)
        data[i] = (uint8_t)(i * 31 + (i >> 16));
    for (size_t i = 0; i < NELEMS(sizes); i++) {
        struct buf b = BUF_INIT;
        buf_append_str(&b, "keep"); /* appends after existing data */
        fcgi_stream_append(&b, FCGI_STDOUT, 0x0102, data, sizes[i]);
        size_t nrec = (sizes[i] + FCGI_MAX_CONTENT - 1) / FCGI_MAX_CONTENT;
        CU_ASSERT(buf_size(&b) == 4 + nrec * FCGI_HEADER_LEN + sizes[i]);
        CU_ASSERT(memcmp(buf_data(&b), "keep", 4) == 0);
        check_stream_records(buf_data(&b) + 4, buf_size(&b) - 4, FCGI_STDOUT, 0x0102, data,
                             sizes[i]);
        buf_free(&b);
    }
    /* exact bytes at the 65535 boundary: 65536 bytes are two records */
    struct buf b = BUF_INIT;
    fcgi_stream_append(&b, FCGI_PARAMS, 1, data, FCGI_MAX_CONTENT + 1);
    CU_ASSERT_FATAL(buf_size(&b) == 2 * FCGI_HEADER_LEN + FCGI_MAX_CONTENT + 1);
    CU_ASSERT(bytes_equal(buf_data(&b), 8, "\x01\x04\x00\x01\xff\xff\x00\x00", 8));
    CU_ASSERT(bytes_equal(buf_data(&b) + 8 + FCGI_MAX_CONTENT, 8,
                          "\x01\x04\x00\x01\x00\x01\x00\x00", 8));
    CU_ASSERT(buf_data(&b)[buf_size(&b) - 1] == data[FCGI_MAX_CONTENT]);
    buf_free(&b);
    free(data);
}

/* fcgi_stream_frame, a few records at a time, gives exactly the bytes of
 * fcgi_stream_append, and its content entries point into the data. */
static void test_stream_frame(void)
{
    static const size_t sizes[] = {1, FCGI_MAX_CONTENT, FCGI_MAX_CONTENT + 1,
                                   5 * FCGI_MAX_CONTENT + 17};
    size_t maxlen = sizes[NELEMS(sizes) - 1];
    uint8_t *data = malloc(maxlen);
    CU_ASSERT_FATAL(data != NULL);
    for (size_t i = 0; i < maxlen; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 12));
    for (size_t i = 0; i < NELEMS(sizes); i++) {
        for (size_t max_records = 1; max_records <= 4; max_records++) {
            struct buf want = BUF_INIT, got = BUF_INIT;
            fcgi_stream_append(&want, FCGI_STDERR, 0x0305, data, sizes[i]);
            size_t done = 0;
            while (done < sizes[i]) {
                uint8_t headers[4][FCGI_HEADER_LEN];
                struct iovec iov[8];
                size_t framed = 0;
                size_t n = fcgi_stream_frame(headers, iov, max_records, FCGI_STDERR, 0x0305,
                                             data + done, sizes[i] - done, &framed);
                CU_ASSERT_FATAL(n >= 2 && n <= 2 * max_records && n % 2 == 0);
                CU_ASSERT(iov[1].iov_base == data + done);
                size_t content = 0;
                for (size_t k = 0; k < n; k++) {
                    buf_append(&got, iov[k].iov_base, iov[k].iov_len);
                    if (k % 2 == 1)
                        content += iov[k].iov_len;
                }
                CU_ASSERT_FATAL(content == framed && framed > 0);
                done += framed;
            }
            CU_ASSERT(done == sizes[i]);
            CU_ASSERT(buf_size(&got) == buf_size(&want) &&
                      memcmp(buf_data(&got), buf_data(&want), buf_size(&want)) == 0);
            buf_free(&want);
            buf_free(&got);
        }
    }
    free(data);
}

static void test_end_request_append(void)
{
    struct buf b = BUF_INIT;
    /* spec 5.5: appStatus B3..B0, protocolStatus, reserved[3] */
    fcgi_end_request_append(&b, 1, 0, FCGI_REQUEST_COMPLETE);
    ASSERT_BUF_BYTES(&b, "\x01\x03\x00\x01\x00\x08\x00\x00"
                   "\x00\x00\x00\x00\x00\x00\x00\x00");
    buf_clear(&b);
    fcgi_end_request_append(&b, 0x1234, 0x01020304, FCGI_OVERLOADED);
    ASSERT_BUF_BYTES(&b, "\x01\x03\x12\x34\x00\x08\x00\x00"
                   "\x01\x02\x03\x04\x02\x00\x00\x00");
    buf_clear(&b);
    fcgi_end_request_append(&b, 2, 0xffffffffu, FCGI_CANT_MPX_CONN);
    ASSERT_BUF_BYTES(&b, "\x01\x03\x00\x02\x00\x08\x00\x00"
                   "\xff\xff\xff\xff\x01\x00\x00\x00");
    buf_clear(&b);
    fcgi_end_request_append(&b, 1, 0, FCGI_UNKNOWN_ROLE);
    ASSERT_BUF_BYTES(&b, "\x01\x03\x00\x01\x00\x08\x00\x00"
                   "\x00\x00\x00\x00\x03\x00\x00\x00");
    buf_free(&b);
}

static void test_unknown_type_append(void)
{
    struct buf b = BUF_INIT;
    /* spec 4.2: {FCGI_UNKNOWN_TYPE, 0, {type}}, 8-byte body, request id 0 */
    fcgi_unknown_type_append(&b, 12);
    ASSERT_BUF_BYTES(&b, "\x01\x0b\x00\x00\x00\x08\x00\x00"
                   "\x0c\x00\x00\x00\x00\x00\x00\x00");
    fcgi_unknown_type_append(&b, 0xff);
    ASSERT_BUF_BYTES(&b, "\x01\x0b\x00\x00\x00\x08\x00\x00"
                   "\x0c\x00\x00\x00\x00\x00\x00\x00"
                   "\x01\x0b\x00\x00\x00\x08\x00\x00"
                   "\xff\x00\x00\x00\x00\x00\x00\x00");
    buf_free(&b);
}

static void test_begin_request_decode(void)
{
    static const struct {
        const char *body;
        uint16_t role;
        uint8_t flags;
    } cases[] = {
        /* nginx with fastcgi_keep_conn on: RESPONDER, KEEP_CONN */
        {"\x00\x01\x01\x00\x00\x00\x00\x00", FCGI_RESPONDER, FCGI_KEEP_CONN},
        /* lighttpd, mod_fcgid: RESPONDER, flags 0 */
        {"\x00\x01\x00\x00\x00\x00\x00\x00", FCGI_RESPONDER, 0},
        {"\x00\x02\x00\x00\x00\x00\x00\x00", FCGI_AUTHORIZER, 0},
        {"\x00\x03\x01\x00\x00\x00\x00\x00", FCGI_FILTER, FCGI_KEEP_CONN},
        /* role is big-endian; flags are the raw byte; reserved bytes ignored */
        {"\x12\x34\xfe\xff\xff\xff\xff\xff", 0x1234, 0xfe},
        {"\xff\xff\xff\x00\x00\x00\x00\x00", 0xffff, 0xff},
    };
    for (size_t i = 0; i < NELEMS(cases); i++) {
        uint16_t role = 0xdead;
        uint8_t flags = 0xaa;
        fcgi_begin_request_decode((const uint8_t *)cases[i].body, &role, &flags);
        CU_ASSERT(role == cases[i].role);
        CU_ASSERT(flags == cases[i].flags);
    }
}

/* ------------------------------------------------------------------------ */
/* Parser                                                                    */
/* ------------------------------------------------------------------------ */

/* Everything one run of the parser produced. */
struct run {
    struct buf desc;     /* one line per record: "type/id/content_length [content]" */
    enum parse_rc rc;    /* last result: PARSE_AGAIN or PARSE_ERROR */
    const char *err;     /* p.err at the end */
    size_t consumed;     /* input bytes consumed in total */
    size_t records;      /* records whose last chunk was seen */
    size_t chunks;       /* chunks handed out */
    size_t content;      /* content bytes handed out */
    size_t declared;     /* sum of content_length of the records begun */
    bool open;           /* the last record was not complete */
};

/* Adds one chunk (checked by pieces.h) to the description and the counts. */
static void run_chunk(void *user, const struct fcgi_chunk *c)
{
    struct run *r = user;
    r->chunks++;
    if (c->first) {
        /* a fixed-size body longer than 8 is handed out as its first 8 */
        size_t cl = c->content_length;
        r->declared += pieces_record_fixed_body(c->type) && cl > 8 ? 8 : cl;
        buf_printf(&r->desc, "%u/%u/%u [", c->type, c->request_id, c->content_length);
    }
    if (c->len > 0 && c->data != NULL)
        describe_bytes(&r->desc, c->data, c->len);
    r->content += c->len;
    if (c->last) {
        buf_append_str(&r->desc, "]\n");
        r->records++;
    }
}

/* Feeds input in pieces ending at cuts[] (increasing), each from a heap copy
 * of exactly its size, until the end or the first PARSE_ERROR. */
static void run_pieces(struct run *r, const uint8_t *input, size_t len, const size_t *cuts,
                       size_t ncuts)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->desc);
    struct pieces_record f = {.on_chunk = run_chunk, .user = r};
    const struct pieces_parser pp = pieces_record_start(&f, unit_check);
    r->rc = pieces_feed(&pp, input, len, cuts, ncuts, &r->consumed);
    r->err = f.p.err;
    r->open = f.open;
    if (r->open)
        buf_append_str(&r->desc, "...\n");
}

static bool runs_agree(const struct run *a, const struct run *b, const char *how, size_t at)
{
    bool same = buf_size(&a->desc) == buf_size(&b->desc)
                && memcmp(buf_data(&a->desc), buf_data(&b->desc), buf_size(&a->desc)) == 0
                && a->rc == b->rc && a->consumed == b->consumed && a->records == b->records
                && a->content == b->content && (a->err == NULL) == (b->err == NULL)
                && (a->err == NULL || strcmp(a->err, b->err) == 0);
    if (!same)
        fprintf(stderr,
                "\n%s %zu: rc %d/%d consumed %zu/%zu err %s/%s\n--- whole\n%.*s--- split\n%.*s",
                how, at, (int)a->rc, (int)b->rc, a->consumed, b->consumed, a->err ? a->err : "-",
                b->err ? b->err : "-", (int)buf_size(&a->desc), (const char *)buf_data(&a->desc),
                (int)buf_size(&b->desc), (const char *)buf_data(&b->desc));
    return same;
}

/* Parses input whole, byte by byte and split at every index (or, for big
 * inputs, at every `step`-th index); all runs must agree. Returns the whole
 * run (caller frees desc). */
static struct run parse_everyway(const uint8_t *input, size_t len, size_t step)
{
    struct run whole, other;
    run_pieces(&whole, input, len, NULL, 0);
    /* fed whole, each record comes as one chunk */
    CU_ASSERT(whole.chunks == whole.records + (whole.open ? 1 : 0));

    size_t *cuts = pieces_every_byte(len);
    CU_ASSERT_FATAL(cuts != NULL);
    run_pieces(&other, input, len, cuts, len);
    CU_ASSERT(runs_agree(&whole, &other, "byte by byte", 0));
    buf_free(&other.desc);
    free(cuts);

    for (size_t split = 0; split <= len; split += step) {
        run_pieces(&other, input, len, &split, 1);
        CU_ASSERT(runs_agree(&whole, &other, "split at", split));
        buf_free(&other.desc);
    }
    /* two cuts: around each record header boundary region */
    if (len >= 2 && step == 1) {
        for (size_t a = 0; a < len && a < 24; a++) {
            size_t two[2] = {a, len - a > a ? len - a : a};
            run_pieces(&other, input, len, two, 2);
            CU_ASSERT(runs_agree(&whole, &other, "split twice at", a));
            buf_free(&other.desc);
        }
    }
    return whole;
}

#define BYTES(lit) ((const uint8_t *)(lit)), (sizeof(lit) - 1)

/* Expects the stream to parse completely (PARSE_AGAIN with every byte
 * consumed, no record left open) into exactly `want`. */
static void expect_records(const uint8_t *input, size_t len, const char *want)
{
    struct run r = parse_everyway(input, len, 1);
    CU_ASSERT(text_equal(buf_slice(&r.desc), want, strlen(want)));
    CU_ASSERT(r.rc == PARSE_AGAIN);
    CU_ASSERT(r.err == NULL);
    CU_ASSERT(r.consumed == len); /* padding skipped, nothing left over */
    CU_ASSERT(!r.open);
    CU_ASSERT(r.content == r.declared); /* content lengths add up */
    buf_free(&r.desc);
}

#define EXPECT_RECORDS(lit, want) expect_records(BYTES(lit), (want))

/* Expects `want` records, then PARSE_ERROR with err set. */
static void expect_error(const uint8_t *input, size_t len, const char *want)
{
    struct run r = parse_everyway(input, len, 1);
    CU_ASSERT(text_equal(buf_slice(&r.desc), want, strlen(want)));
    CU_ASSERT(r.rc == PARSE_ERROR);
    CU_ASSERT(r.err != NULL && r.err[0] != '\0');
    CU_ASSERT(r.consumed <= len);
    buf_free(&r.desc);
}

#define EXPECT_ERROR(lit, want) expect_error(BYTES(lit), (want))

/* Record bodies in the fixtures, as literals (split after each hex escape). */
#define NGINX_PARAMS                                                                      \
    "\x0b\x04" "SCRIPT_NAME" "/app"                                                       \
    "\x0e\x03" "REQUEST_METHOD" "GET"                                                     \
    "\x0c\x00" "QUERY_STRING"                                                             \
    "\x0e\x00" "CONTENT_LENGTH"                                                           \
    "\x09\x09" "HTTP_HOST" "localhost"
#define NGINX_PARAMS_DESC                                                                 \
    "\\x0b\\x04SCRIPT_NAME/app\\x0e\\x03REQUEST_METHODGET\\x0c\\x00QUERY_STRING"         \
    "\\x0e\\x00CONTENT_LENGTH\\x09\\x09HTTP_HOSTlocalhost"

/* nginx 1.22 with fastcgi_keep_conn on: KEEP_CONN, request id 1, every
 * record padded to a multiple of 8, one PARAMS record and the empty one,
 * the body, the empty STDIN. */
static void test_parse_nginx(void)
{
    EXPECT_RECORDS("\x01\x01\x00\x01\x00\x08\x00\x00"
                   "\x00\x01\x01\x00\x00\x00\x00\x00"
                   "\x01\x04\x00\x01\x00\x56\x02\x00" NGINX_PARAMS "\x00\x00"
                   "\x01\x04\x00\x01\x00\x00\x00\x00"
                   "\x01\x05\x00\x01\x00\x0b\x05\x00"
                   "hello=world"
                   "\x00\x00\x00\x00\x00"
                   "\x01\x05\x00\x01\x00\x00\x00\x00",
                   "1/1/8 [\\x00\\x01\\x01\\x00\\x00\\x00\\x00\\x00]\n"
                   "4/1/86 [" NGINX_PARAMS_DESC "]\n"
                   "4/1/0 []\n"
                   "5/1/11 [hello=world]\n"
                   "5/1/0 []\n");
}

/* lighttpd 1.4 / mod_fcgid: flags 0, no padding, a POST body. */
static void test_parse_lighttpd(void)
{
    EXPECT_RECORDS("\x01\x01\x00\x01\x00\x08\x00\x00"
                   "\x00\x01\x00\x00\x00\x00\x00\x00"
                   "\x01\x04\x00\x01\x00\x25\x00\x00"
                   "\x0e\x04" "REQUEST_METHOD" "POST"
                   "\x0e\x01" "CONTENT_LENGTH" "7"
                   "\x01\x04\x00\x01\x00\x00\x00\x00"
                   "\x01\x05\x00\x01\x00\x07\x00\x00"
                   "a=1&b=2"
                   "\x01\x05\x00\x01\x00\x00\x00\x00",
                   "1/1/8 [\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00]\n"
                   "4/1/37 [\\x0e\\x04REQUEST_METHODPOST\\x0e\\x01CONTENT_LENGTH7]\n"
                   "4/1/0 []\n"
                   "5/1/7 [a=1&b=2]\n"
                   "5/1/0 []\n");
}

/* h2o-style PARAMS cut inside a pair, two STDIN records; padding bytes are
 * not zero here, to show they are skipped and not read as a header. */
static void test_parse_split_params_and_padding(void)
{
    EXPECT_RECORDS("\x01\x01\x00\x01\x00\x08\x00\x00"
                   "\x00\x01\x01\x00\x00\x00\x00\x00"
                   "\x01\x04\x00\x01\x00\x05\x03\x00"
                   "\x0b\x04" "SCR"
                   "\x01\x01\x01"
                   "\x01\x04\x00\x01\x00\x0c\x04\x00"
                   "IPT_NAME/app"
                   "PPPP"
                   "\x01\x04\x00\x01\x00\x00\x00\x00"
                   "\x01\x05\x00\x01\x00\x03\x05\x00"
                   "abc"
                   "\x01\x05\x00\x01\x00"
                   "\x01\x05\x00\x01\x00\x02\x00\x00"
                   "de"
                   "\x01\x05\x00\x01\x00\x00\x08\x00"
                   "\xff\xff\xff\xff\xff\xff\xff\xff",
                   "1/1/8 [\\x00\\x01\\x01\\x00\\x00\\x00\\x00\\x00]\n"
                   "4/1/5 [\\x0b\\x04SCR]\n"
                   "4/1/12 [IPT_NAME/app]\n"
                   "4/1/0 []\n"
                   "5/1/3 [abc]\n"
                   "5/1/2 [de]\n"
                   "5/1/0 []\n");
}

/* Management records (request id 0), ABORT_REQUEST, the app-side records,
 * a type the spec does not define (handed out for an UNKNOWN_TYPE reply),
 * big-endian request id and length. */
static void test_parse_other_types(void)
{
    EXPECT_RECORDS("\x01\x09\x00\x00\x00\x30\x00\x00"
                   "\x0e\x00" "FCGI_MAX_CONNS"
                   "\x0d\x00" "FCGI_MAX_REQS"
                   "\x0f\x00" "FCGI_MPXS_CONNS"
                   "\x01\x02\x00\x01\x00\x00\x00\x00"
                   "\x01\x0c\x00\x00\x00\x03\x05\x00"
                   "xyz" "\x00\x00\x00\x00\x00"
                   "\x01\x00\x00\x00\x00\x01\x00\x00"
                   "!"
                   "\x01\x06\x12\x34\x00\x06\x02\x00"
                   "hello\n" "\x00\x00"
                   "\x01\x07\x12\x34\x00\x00\x00\x00"
                   "\x01\x03\x12\x34\x00\x08\x00\x00"
                   "\x01\x02\x03\x04\x00\x00\x00\x00"
                   "\x01\x0a\x00\x00\x00\x12\x05\x00"
                   "\x0f\x01" "FCGI_MPXS_CONNS" "0"
                   "\x00\x00\x00\x00\x00"
                   "\x01\x0b\x00\x00\x00\x08\x00\x00"
                   "\x0c\x00\x00\x00\x00\x00\x00\x00"
                   "\x01\x08\xff\xff\x00\x00\x00\x00",
                   "9/0/48 [\\x0e\\x00FCGI_MAX_CONNS\\x0d\\x00FCGI_MAX_REQS"
                   "\\x0f\\x00FCGI_MPXS_CONNS]\n"
                   "2/1/0 []\n"
                   "12/0/3 [xyz]\n"
                   "0/0/1 [!]\n"
                   "6/4660/6 [hello\\x0a]\n"
                   "7/4660/0 []\n"
                   "3/4660/8 [\\x01\\x02\\x03\\x04\\x00\\x00\\x00\\x00]\n"
                   "10/0/18 [\\x0f\\x01FCGI_MPXS_CONNS0]\n"
                   "11/0/8 [\\x0c\\x00\\x00\\x00\\x00\\x00\\x00\\x00]\n"
                   "8/65535/0 []\n");
}

/* Zero-length records, with and without padding, back to back. */
static void test_parse_empty_records(void)
{
    EXPECT_RECORDS("", "");
    EXPECT_RECORDS("\x01\x05\x00\x01\x00\x00\x00\x00", "5/1/0 []\n");
    EXPECT_RECORDS("\x01\x05\x00\x01\x00\x00\xff\x00" /* padding only */
                   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
                   "\x01\x02\x00\x01\x00\x00\x00\x00"
                   "\x01\x02\x00\x02\x00\x00\x01\x00"
                   "\x00"
                   "\x01\x04\x00\x01\x00\x00\x00\x00",
                   "5/1/0 []\n2/1/0 []\n2/2/0 []\n4/1/0 []\n");
}

/* The spec fixes BEGIN_REQUEST, END_REQUEST and UNKNOWN_TYPE bodies at 8
 * bytes; content beyond them is skipped like padding, and the stream stays
 * in step. */
static void test_parse_long_fixed_body(void)
{
    EXPECT_RECORDS("\x01\x01\x00\x01\x00\x10\x03\x00"
                   "\x00\x01\x01\x00\x00\x00\x00\x00"
                   "\x01\x05\x00\x01\x00\x00\x00\x00" /* looks like a header: skipped */
                   "\x01\x02\x03"
                   "\x01\x0b\x00\x00\x00\x09\x00\x00"
                   "\x0c\x00\x00\x00\x00\x00\x00\x00" "\xee"
                   "\x01\x05\x00\x01\x00\x00\x00\x00",
                   "1/1/16 [\\x00\\x01\\x01\\x00\\x00\\x00\\x00\\x00]\n"
                   "11/0/9 [\\x0c\\x00\\x00\\x00\\x00\\x00\\x00\\x00]\n"
                   "5/1/0 []\n");
}

/* A stream cut anywhere is not an error: the parser waits. Stream content
 * already received is handed out; a fixed-size body is not. */
static void test_parse_truncated(void)
{
    struct {
        const char *bytes;
        size_t len;
        const char *want;
        bool open;
    } cases[] = {
        {"\x01\x05\x00", 3, "", false},
        {"\x01\x05\x00\x01\x00\x05\x00", 7, "", false},
        {"\x01\x05\x00\x01\x00\x05\x03\x00" "ab", 10, "5/1/5 [ab...\n", true},
        {"\x01\x05\x00\x01\x00\x02\x03\x00" "ab" "\x00", 11, "5/1/2 [ab]\n", false},
        {"\x01\x01\x00\x01\x00\x08\x00\x00" "\x00\x01\x01\x00\x00", 13, "", false},
    };
    for (size_t i = 0; i < NELEMS(cases); i++) {
        struct run r = parse_everyway((const uint8_t *)cases[i].bytes, cases[i].len, 1);
        CU_ASSERT(text_equal(buf_slice(&r.desc), cases[i].want, strlen(cases[i].want)));
        CU_ASSERT(r.rc == PARSE_AGAIN && r.err == NULL);
        CU_ASSERT(r.consumed == cases[i].len);
        CU_ASSERT(r.open == cases[i].open);
        buf_free(&r.desc);
    }
}

static void test_parse_errors(void)
{
    /* version 2, version 0, version 255 */
    EXPECT_ERROR("\x02\x01\x00\x01\x00\x08\x00\x00"
                 "\x00\x01\x01\x00\x00\x00\x00\x00",
                 "");
    EXPECT_ERROR("\x00\x05\x00\x01\x00\x00\x00\x00", "");
    EXPECT_ERROR("\xff\x05\x00\x01\x00\x00\x00\x00", "");
    /* records before the bad one are handed out first */
    EXPECT_ERROR("\x01\x05\x00\x01\x00\x02\x06\x00"
                 "ok" "\x00\x00\x00\x00\x00\x00"
                 "\x02\x05\x00\x01\x00\x00\x00\x00",
                 "5/1/2 [ok]\n");
    /* a padding length that was not honoured shows up as a bad version */
    EXPECT_ERROR("\x01\x05\x00\x01\x00\x01\x01\x00"
                 "x" "\x01"
                 "\x07\x05\x00\x01\x00\x00\x00\x00",
                 "5/1/1 [x]\n");
    /* fixed-size bodies shorter than 8 bytes */
    EXPECT_ERROR("\x01\x01\x00\x01\x00\x07\x00\x00"
                 "\x00\x01\x01\x00\x00\x00\x00",
                 "");
    EXPECT_ERROR("\x01\x01\x00\x01\x00\x00\x00\x00", "");
    EXPECT_ERROR("\x01\x03\x00\x01\x00\x04\x04\x00"
                 "\x00\x00\x00\x00" "\x00\x00\x00\x00",
                 "");
    EXPECT_ERROR("\x01\x0b\x00\x00\x00\x01\x07\x00"
                 "\x0c" "\x00\x00\x00\x00\x00\x00\x00",
                 "");
    EXPECT_ERROR("\x01\x02\x00\x01\x00\x00\x00\x00"
                 "\x01\x0b\x00\x00\x00\x00\x00\x00",
                 "2/1/0 []\n");
}

/* A maximal record (65535 content bytes, 255 padding) with a big-endian
 * request id, borrowed straight from the input when fed whole. */
static void test_parse_max_record(void)
{
    size_t len = FCGI_HEADER_LEN + FCGI_MAX_CONTENT + 255 + FCGI_HEADER_LEN;
    uint8_t *in = malloc(len);
    CU_ASSERT_FATAL(in != NULL);
    fcgi_header_encode(in, FCGI_STDIN, 0x1234, FCGI_MAX_CONTENT, 255);
    for (size_t i = 0; i < FCGI_MAX_CONTENT; i++)
        in[FCGI_HEADER_LEN + i] = (uint8_t)('a' + i % 26);
    memset(in + FCGI_HEADER_LEN + FCGI_MAX_CONTENT, 0x01, 255);
    fcgi_header_encode(in + len - FCGI_HEADER_LEN, FCGI_STDIN, 0x1234, 0, 0);

    /* whole: one chunk pointing into the input, then the empty record */
    struct fcgi_parser p;
    struct fcgi_chunk c;
    fcgi_parser_init(&p);
    const uint8_t *pos = in;
    CU_ASSERT_FATAL(fcgi_parser_feed(&p, &pos, in + len, &c) == PARSE_OK);
    CU_ASSERT(c.type == FCGI_STDIN && c.request_id == 0x1234);
    CU_ASSERT(c.content_length == FCGI_MAX_CONTENT && c.len == FCGI_MAX_CONTENT);
    CU_ASSERT(c.first && c.last);
    CU_ASSERT(c.data == in + FCGI_HEADER_LEN);
    CU_ASSERT_FATAL(fcgi_parser_feed(&p, &pos, in + len, &c) == PARSE_OK);
    CU_ASSERT(c.type == FCGI_STDIN && c.len == 0 && c.content_length == 0 && c.first && c.last);
    CU_ASSERT(fcgi_parser_feed(&p, &pos, in + len, &c) == PARSE_AGAIN);
    CU_ASSERT(pos == in + len);

    /* byte by byte and at a spread of split points */
    struct run r = parse_everyway(in, len, 4099);
    CU_ASSERT(r.records == 2 && r.rc == PARSE_AGAIN && r.consumed == len);
    CU_ASSERT(r.content == FCGI_MAX_CONTENT);
    buf_free(&r.desc);
    free(in);
}

/* What the encoders write, the parser reads back. */
static void test_round_trip(void)
{
    struct buf b = BUF_INIT;
    size_t body_len = 2 * FCGI_MAX_CONTENT + 10;
    uint8_t *body = malloc(body_len);
    CU_ASSERT_FATAL(body != NULL);
    for (size_t i = 0; i < body_len; i++)
        body[i] = (uint8_t)(i % 7 == 0 ? '\n' : 'A' + i % 23);
    fcgi_record_append(&b, FCGI_STDOUT, 7, "Status: 200 OK\r\n\r\n", 18);
    fcgi_stream_append(&b, FCGI_STDOUT, 7, body, body_len);
    fcgi_record_append(&b, FCGI_STDOUT, 7, "", 0);
    fcgi_record_append(&b, FCGI_STDERR, 7, "oops", 4);
    fcgi_end_request_append(&b, 7, 3, FCGI_REQUEST_COMPLETE);
    fcgi_unknown_type_append(&b, 42);

    struct fcgi_parser p;
    fcgi_parser_init(&p);
    const uint8_t *pos = buf_data(&b), *end = pos + buf_size(&b);
    struct fcgi_chunk c;
    static const struct {
        uint8_t type;
        uint16_t id;
        size_t len;
    } want[] = {
        {FCGI_STDOUT, 7, 18},
        {FCGI_STDOUT, 7, FCGI_MAX_CONTENT},
        {FCGI_STDOUT, 7, FCGI_MAX_CONTENT},
        {FCGI_STDOUT, 7, 10},
        {FCGI_STDOUT, 7, 0},
        {FCGI_STDERR, 7, 4},
        {FCGI_END_REQUEST, 7, 8},
        {FCGI_UNKNOWN_TYPE, 0, 8},
    };
    size_t body_off = 0;
    for (size_t i = 0; i < NELEMS(want); i++) {
        CU_ASSERT_FATAL(fcgi_parser_feed(&p, &pos, end, &c) == PARSE_OK);
        CU_ASSERT(c.type == want[i].type && c.request_id == want[i].id);
        CU_ASSERT(c.len == want[i].len && c.content_length == want[i].len);
        CU_ASSERT(c.first && c.last);
        if (i >= 1 && i <= 3) {
            CU_ASSERT(memcmp(c.data, body + body_off, c.len) == 0);
            body_off += c.len;
        }
        if (c.type == FCGI_END_REQUEST)
            CU_ASSERT(bytes_equal(c.data, c.len, "\x00\x00\x00\x03\x00\x00\x00\x00", 8));
        if (c.type == FCGI_UNKNOWN_TYPE)
            CU_ASSERT(bytes_equal(c.data, c.len, "\x2a\x00\x00\x00\x00\x00\x00\x00", 8));
    }
    CU_ASSERT(body_off == body_len);
    CU_ASSERT(fcgi_parser_feed(&p, &pos, end, &c) == PARSE_AGAIN);
    CU_ASSERT(pos == end);

    struct run r = parse_everyway(buf_data(&b), buf_size(&b), 997);
    CU_ASSERT(r.records == NELEMS(want) && r.rc == PARSE_AGAIN && r.consumed == buf_size(&b));
    buf_free(&r.desc);
    free(body);
    buf_free(&b);
}

/* A parser can be re-initialised after an error and used again. */
static void test_parser_reinit(void)
{
    struct fcgi_parser p;
    struct fcgi_chunk c;
    fcgi_parser_init(&p);
    static const uint8_t bad[] = {2, 5, 0, 1, 0, 0, 0, 0};
    static const uint8_t abort_record[] = {1, FCGI_ABORT_REQUEST, 0, 1, 0, 0, 0, 0};
    const uint8_t *pos = bad;
    CU_ASSERT(fcgi_parser_feed(&p, &pos, bad + sizeof(bad), &c) == PARSE_ERROR);
    CU_ASSERT(p.err != NULL);
    fcgi_parser_init(&p);
    CU_ASSERT(p.err == NULL);
    pos = abort_record;
    CU_ASSERT(fcgi_parser_feed(&p, &pos, abort_record + sizeof(abort_record), &c) == PARSE_OK);
    CU_ASSERT(c.type == FCGI_ABORT_REQUEST && c.request_id == 1 && c.len == 0);
    /* an empty range is PARSE_AGAIN and consumes nothing */
    const uint8_t *at = pos;
    CU_ASSERT(fcgi_parser_feed(&p, &pos, pos, &c) == PARSE_AGAIN);
    CU_ASSERT(pos == at);
}

void suite_fcgi_record(void)
{
    static const CU_TestInfo tests[] = {
        {"header encode", test_header_encode},
        {"record append", test_record_append},
        {"stream append splits at 65535", test_stream_append},
        {"stream frame gives the appended bytes without copying", test_stream_frame},
        {"END_REQUEST append", test_end_request_append},
        {"UNKNOWN_TYPE append", test_unknown_type_append},
        {"BEGIN_REQUEST decode", test_begin_request_decode},
        {"parse nginx request", test_parse_nginx},
        {"parse lighttpd request", test_parse_lighttpd},
        {"parse split params and padding", test_parse_split_params_and_padding},
        {"parse other record types", test_parse_other_types},
        {"parse empty records", test_parse_empty_records},
        {"parse fixed body longer than 8", test_parse_long_fixed_body},
        {"parse truncated", test_parse_truncated},
        {"parse errors", test_parse_errors},
        {"parse maximal record", test_parse_max_record},
        {"encode then parse", test_round_trip},
        {"parser reinit", test_parser_reinit},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("fcgi_record", tests);
}
