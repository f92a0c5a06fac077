/*
 * json.c — the strict RFC 8259 pull parser behind the JSON Lines reader.
 *
 * Every record of a batch run passes through here, so the code favours
 * straight loops over the input: plain string bytes are scanned eight at a
 * time, strings without escapes are handed out in place, and skipping a
 * value is a loop with an explicit stack instead of recursion, so hostile
 * nesting costs neither stack nor time beyond the depth limit.
 */
#include "json.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"

typedef unsigned char uchar;

/* 1 for the bytes a string scan must stop at: the closing quote, the start
 * of an escape, control characters (must be escaped) and non-ASCII (must be
 * checked as UTF-8). */
static const uchar string_stop[256] = {
    [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JSON_SWAR 1
#else
#define JSON_SWAR 0
#endif

static inline const uchar *P(const JsonParser *j)
{
    return (const uchar *)j->p;
}

static inline const uchar *E(const JsonParser *j)
{
    return (const uchar *)j->end;
}

static inline bool is_ws(uchar c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline const uchar *skip_ws(const uchar *p, const uchar *end)
{
    /* Compact JSON has no white space at all, so test the common case of
     * a significant byte with one comparison. */
    while (p < end && *p <= ' ' && is_ws(*p))
        p++;
    return p;
}

static inline bool is_digit(uchar c)
{
    return (unsigned)(c - '0') < 10u;
}

static void set_error(JsonParser *j, const uchar *at, const char *msg)
{
    j->error = msg;
    j->error_offset = (size_t)((const char *)at - j->begin);
    j->p = (const char *)at;
}

static inline const uchar *utf8_seq(const uchar *p, const uchar *end);

/* For structural errors: names the byte that is really there when it is
 * one a reader could not guess from "expected ...": the end, a NUL, a
 * byte order mark (anywhere: two files pasted together put one mid-file),
 * or a byte that is not UTF-8 at all. */
static void unexpected(JsonParser *j, const uchar *at, const char *expected)
{
    const char *msg = expected;
    if (at >= E(j))
        msg = "unexpected end of input";
    else if (*at == 0)
        msg = "unexpected NUL byte";
    else if (E(j) - at >= 3 && memcmp(at, "\xEF\xBB\xBF", 3) == 0)
        msg = "unexpected byte order mark";
    else if (*at >= 0x80 && !utf8_seq(at, E(j)))
        msg = "invalid UTF-8";
    set_error(j, at, msg);
}

static void depth_error(JsonParser *j, const uchar *at)
{
    const char *msg = j->max_depth == JSON_MAX_DEPTH_DEFAULT
                          ? "nesting deeper than 256"
                          : rg_sprintf("nesting deeper than %d", j->max_depth);
    set_error(j, at, msg);
}

_Static_assert(JSON_MAX_DEPTH_DEFAULT == 256, "update the static depth message");

/* Returns the end of the one well-formed UTF-8 sequence at p (lead byte
 * >= 0x80), or NULL. Overlong forms, UTF-16 surrogates and code points
 * past U+10FFFF are refused, as RFC 3629 requires. */
static inline const uchar *utf8_seq(const uchar *p, const uchar *end)
{
    uchar c = p[0];
    size_t left = (size_t)(end - p);
    if (c < 0xC2)
        return NULL;
    if (c < 0xE0) {
        if (left < 2 || (p[1] & 0xC0) != 0x80)
            return NULL;
        return p + 2;
    }
    if (c < 0xF0) {
        if (left < 3)
            return NULL;
        uchar lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
            return NULL;
        return p + 3;
    }
    if (c < 0xF5) {
        if (left < 4)
            return NULL;
        uchar lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return NULL;
        return p + 4;
    }
    return NULL;
}

static inline int hex_digit(uchar c)
{
    if (is_digit(c))
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The four hex digits at p, or -1. */
static inline long hex4(const uchar *p, const uchar *end)
{
    if (end - p < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p[i]);
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static void put_utf8(RgBuf *b, unsigned long cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | cp >> 6);
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | cp >> 12);
        t[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | cp >> 18);
        t[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        t[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_add(b, t, n);
}

/* One escape at p (the backslash); returns the byte after it. */
static const uchar *escape(JsonParser *j, const uchar *p, const uchar *quote, bool decode)
{
    const uchar *end = E(j);
    if (end - p < 2) {
        set_error(j, quote, "unterminated string");
        return NULL;
    }
    char c;
    switch (p[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
        long cp = hex4(p + 2, end);
        if (cp < 0) {
            set_error(j, p, "invalid \\u escape");
            return NULL;
        }
        const uchar *q = p + 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* Only a low surrogate escape right after makes a character;
             * anything else would leave text that is not UTF-8. */
            if (end - q < 2 || q[0] != '\\' || q[1] != 'u') {
                set_error(j, p, "unpaired surrogate escape");
                return NULL;
            }
            long lo = hex4(q + 2, end);
            if (lo < 0) {
                set_error(j, q, "invalid \\u escape");
                return NULL;
            }
            if (lo < 0xDC00 || lo > 0xDFFF) {
                set_error(j, p, "unpaired surrogate escape");
                return NULL;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            q += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            set_error(j, p, "unpaired surrogate escape");
            return NULL;
        }
        if (decode)
            put_utf8(&j->scratch, (unsigned long)cp);
        return q;
    }
    default:
        set_error(j, p, "invalid escape");
        return NULL;
    }
    if (decode)
        buf_addc(&j->scratch, c);
    return p + 2;
}

#if JSON_SWAR
/* Non-zero when any of the eight bytes of x is one string_stop marks; the
 * lowest set bit is in the first such byte (borrows only run upwards). */
static inline uint64_t stop_mask(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t q = x ^ (ones * '"');
    uint64_t b = x ^ (ones * '\\');
    uint64_t m = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x;
    return m & high;
}
#endif

/* The string whose opening quote is at `quote`. With decode, its value is
 * stored through out/outlen: in place when it had no escape, else in
 * scratch. Returns the byte after the closing quote, or NULL on an error. */
static inline __attribute__((always_inline)) const uchar *
string_body(JsonParser *j, const uchar *quote, bool decode, const char **out, size_t *outlen)
{
    const uchar *end = E(j);
    const uchar *p = quote + 1;
    const uchar *run = p; /* first byte not yet copied to scratch */
    bool escaped = false, high = false;
    for (;;) {
#if JSON_SWAR
        while (end - p >= 8) {
            uint64_t x;
            memcpy(&x, p, 8);
            uint64_t m = stop_mask(x);
            if (m) {
                p += __builtin_ctzll(m) >> 3;
                goto stop;
            }
            p += 8;
        }
#endif
        while (p < end && !string_stop[*p])
            p++;
        if (p >= end) {
            set_error(j, quote, "unterminated string");
            return NULL;
        }
#if JSON_SWAR
    stop:;
#endif
        uchar c = *p;
        if (c == '"')
            break;
        if (c >= 0x80) {
            high = true;
            do {
                const uchar *q = utf8_seq(p, end);
                if (!q) {
                    set_error(j, p, "invalid UTF-8");
                    return NULL;
                }
                p = q;
            } while (p < end && *p >= 0x80);
            continue;
        }
        if (c < 0x20) {
            set_error(j, p, "control character in string");
            return NULL;
        }
        if (decode) {
            if (!escaped) {
                buf_clear(&j->scratch);
                escaped = true;
            }
            buf_add(&j->scratch, run, (size_t)(p - run));
        }
        p = escape(j, p, quote, decode);
        if (!p)
            return NULL;
        run = p;
    }
    if (decode) {
        j->ascii = !high && !escaped;
        if (escaped) {
            buf_add(&j->scratch, run, (size_t)(p - run));
            *out = j->scratch.data;
            *outlen = j->scratch.len;
        } else {
            *out = (const char *)quote + 1;
            *outlen = (size_t)(p - quote - 1);
        }
    }
    return p + 1;
}

static const uchar *skip_string(JsonParser *j, const uchar *quote)
{
    return string_body(j, quote, false, NULL, NULL);
}

static const uchar *decode_string(JsonParser *j, const uchar *quote, const char **s, size_t *n)
{
    return string_body(j, quote, true, s, n);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? starting at p. */
static const uchar *scan_number(JsonParser *j, const uchar *p)
{
    const uchar *end = E(j);
    const uchar *q = p;
    if (*q == '-')
        q++;
    if (q < end && *q == '0') {
        q++;
        if (q < end && is_digit(*q)) {
            set_error(j, q - 1, "leading zeros are not allowed");
            return NULL;
        }
    } else if (q < end && is_digit(*q)) {
        do
            q++;
        while (q < end && is_digit(*q));
    } else {
        unexpected(j, q, "expected a digit after '-'");
        return NULL;
    }
    if (q < end && *q == '.') {
        q++;
        if (q >= end || !is_digit(*q)) {
            unexpected(j, q, "expected a digit after the decimal point");
            return NULL;
        }
        do
            q++;
        while (q < end && is_digit(*q));
    }
    if (q < end && (*q | 0x20) == 'e') {
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q >= end || !is_digit(*q)) {
            unexpected(j, q, "expected a digit in the exponent");
            return NULL;
        }
        do
            q++;
        while (q < end && is_digit(*q));
    }
    return q;
}

static const uchar *literal(JsonParser *j, const uchar *p, const char *word, size_t n, const char *msg)
{
    if ((size_t)(E(j) - p) >= n && memcmp(p, word, n) == 0)
        return p + n;
    set_error(j, p, msg);
    return NULL;
}

void json_init(JsonParser *j, const char *data, size_t len, int max_depth)
{
    rg_alloc_init();
    j->begin = j->p = data;
    j->end = data + len;
    j->depth = 0;
    j->max_depth = max_depth > 0 ? max_depth : JSON_MAX_DEPTH_DEFAULT;
    j->error = NULL;
    j->error_offset = 0;
    buf_init(&j->scratch);
}

void json_reset(JsonParser *j, const char *data, size_t len)
{
    j->begin = j->p = data;
    j->end = data + len;
    j->depth = 0;
    j->error = NULL;
    j->error_offset = 0;
    buf_clear(&j->scratch);
}

JsonType json_peek(JsonParser *j)
{
    if (j->error)
        return JSON_INVALID;
    const uchar *p = skip_ws(P(j), E(j));
    j->p = (const char *)p;
    if (p < E(j)) {
        switch (*p) {
        case 'n': return JSON_NULL;
        case 'f': return JSON_FALSE;
        case 't': return JSON_TRUE;
        case '"': return JSON_STRING;
        case '[': return JSON_ARRAY;
        case '{': return JSON_OBJECT;
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            return JSON_NUMBER;
        default: break;
        }
    }
    unexpected(j, p, "expected a value");
    return JSON_INVALID;
}

bool json_read_null(JsonParser *j)
{
    if (j->error)
        return false;
    const uchar *p = skip_ws(P(j), E(j));
    if (p >= E(j) || *p != 'n') {
        unexpected(j, p, "expected null");
        return false;
    }
    p = literal(j, p, "null", 4, "expected null");
    if (!p)
        return false;
    j->p = (const char *)p;
    return true;
}

bool json_read_bool(JsonParser *j, bool *out)
{
    if (j->error)
        return false;
    const uchar *p = skip_ws(P(j), E(j));
    bool value = p < E(j) && *p == 't';
    if (value)
        p = literal(j, p, "true", 4, "expected true");
    else if (p < E(j) && *p == 'f')
        p = literal(j, p, "false", 5, "expected false");
    else {
        unexpected(j, p, "expected true or false");
        return false;
    }
    if (!p)
        return false;
    *out = value;
    j->p = (const char *)p;
    return true;
}

bool json_read_number(JsonParser *j, const char **lexeme, size_t *n)
{
    if (j->error)
        return false;
    const uchar *p = skip_ws(P(j), E(j));
    if (p >= E(j) || (*p != '-' && !is_digit(*p))) {
        unexpected(j, p, "expected a number");
        return false;
    }
    const uchar *q = scan_number(j, p);
    if (!q)
        return false;
    *lexeme = (const char *)p;
    *n = (size_t)(q - p);
    j->p = (const char *)q;
    return true;
}

bool json_read_string(JsonParser *j, const char **s, size_t *n)
{
    if (j->error)
        return false;
    const uchar *p = skip_ws(P(j), E(j));
    if (p >= E(j) || *p != '"') {
        unexpected(j, p, "expected a string");
        return false;
    }
    p = decode_string(j, p, s, n);
    if (!p)
        return false;
    j->p = (const char *)p;
    return true;
}

static bool open_container(JsonParser *j, uchar open, const char *msg)
{
    if (j->error)
        return false;
    const uchar *p = skip_ws(P(j), E(j));
    if (p >= E(j) || *p != open) {
        unexpected(j, p, msg);
        return false;
    }
    if (j->depth >= j->max_depth) {
        depth_error(j, p);
        return false;
    }
    j->depth++;
    j->p = (const char *)p + 1;
    return true;
}

bool json_object_begin(JsonParser *j)
{
    return open_container(j, '{', "expected an object");
}

bool json_array_begin(JsonParser *j)
{
    return open_container(j, '[', "expected an array");
}

/* The pull API keeps no per-level state, so "is this the first member?"
 * is read off the input: right after the opening bracket (white space
 * aside) it is, right after a value it is not, and no value ends in '{'
 * or '['. */
static bool just_opened(const JsonParser *j, uchar open)
{
    const uchar *b = (const uchar *)j->begin, *q = P(j);
    while (q > b && is_ws(q[-1]))
        q--;
    return q > b && q[-1] == open;
}

int json_object_next(JsonParser *j, const char **key, size_t *klen)
{
    if (j->error)
        return -1;
    bool first = just_opened(j, '{');
    const uchar *end = E(j);
    const uchar *p = skip_ws(P(j), end);
    if (p < end && *p == '}') {
        j->depth--;
        j->p = (const char *)p + 1;
        return 0;
    }
    if (!first) {
        if (p >= end || *p != ',') {
            unexpected(j, p, "expected ',' or '}' after an object member");
            return -1;
        }
        p = skip_ws(p + 1, end);
    }
    if (p >= end || *p != '"') {
        unexpected(j, p, first ? "expected a string key or '}'" : "expected a string key after ','");
        return -1;
    }
    p = decode_string(j, p, key, klen);
    if (!p)
        return -1;
    p = skip_ws(p, end);
    if (p >= end || *p != ':') {
        unexpected(j, p, "expected ':' after an object key");
        return -1;
    }
    j->p = (const char *)p + 1;
    return 1;
}

int json_array_next(JsonParser *j)
{
    if (j->error)
        return -1;
    bool first = just_opened(j, '[');
    const uchar *end = E(j);
    const uchar *p = skip_ws(P(j), end);
    if (p < end && *p == ']') {
        j->depth--;
        j->p = (const char *)p + 1;
        return 0;
    }
    if (!first) {
        if (p >= end || *p != ',') {
            unexpected(j, p, "expected ',' or ']' after an array element");
            return -1;
        }
        p = skip_ws(p + 1, end);
    }
    j->p = (const char *)p;
    return 1;
}

/* Bits of the skip stack kept on the C stack; deeper documents (only
 * possible with a max_depth above this) spill to the heap. */
#define SKIP_STACK_WORDS 16

bool json_skip(JsonParser *j)
{
    if (j->error)
        return false;
    const uchar *p = P(j), *end = E(j);
    /* One bit per open container: 1 for an object, 0 for an array. */
    uint64_t small[SKIP_STACK_WORDS];
    uint64_t *stack = small;
    size_t cap = SKIP_STACK_WORDS * 64;
    size_t d = 0;
    size_t room = j->max_depth > j->depth ? (size_t)(j->max_depth - j->depth) : 0;

value:
    p = skip_ws(p, end);
    if (p >= end)
        goto expected_value;
    switch (*p) {
    case '{':
    case '[':
        if (d >= room) {
            depth_error(j, p);
            return false;
        }
        if (d == cap) {
            uint64_t *bigger = rg_alloc_atomic(cap / 64 * 2 * sizeof *bigger);
            memcpy(bigger, stack, cap / 64 * sizeof *stack);
            stack = bigger;
            cap *= 2;
        }
        if (*p == '{') {
            stack[d / 64] |= 1ull << (d % 64);
            d++;
            p = skip_ws(p + 1, end);
            if (p < end && *p == '}') {
                p++;
                d--;
                goto after_value;
            }
            goto key;
        }
        stack[d / 64] &= ~(1ull << (d % 64));
        d++;
        p = skip_ws(p + 1, end);
        if (p < end && *p == ']') {
            p++;
            d--;
            goto after_value;
        }
        goto value;
    case '"':
        p = skip_string(j, p);
        if (!p)
            return false;
        goto after_value;
    case 't':
        p = literal(j, p, "true", 4, "expected true");
        break;
    case 'f':
        p = literal(j, p, "false", 5, "expected false");
        break;
    case 'n':
        p = literal(j, p, "null", 4, "expected null");
        break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        p = scan_number(j, p);
        break;
    default:
        goto expected_value;
    }
    if (!p)
        return false;
    goto after_value;

key:
    if (p >= end || *p != '"') {
        unexpected(j, p, "expected a string key");
        return false;
    }
    p = skip_string(j, p);
    if (!p)
        return false;
    p = skip_ws(p, end);
    if (p >= end || *p != ':') {
        unexpected(j, p, "expected ':' after an object key");
        return false;
    }
    p++;
    goto value;

after_value:
    if (d == 0) {
        j->p = (const char *)p;
        return true;
    }
    p = skip_ws(p, end);
    if (stack[(d - 1) / 64] >> ((d - 1) % 64) & 1) {
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            goto key;
        }
        if (p < end && *p == '}') {
            p++;
            d--;
            goto after_value;
        }
        unexpected(j, p, "expected ',' or '}' after an object member");
        return false;
    }
    if (p < end && *p == ',') {
        p++;
        goto value;
    }
    if (p < end && *p == ']') {
        p++;
        d--;
        goto after_value;
    }
    unexpected(j, p, "expected ',' or ']' after an array element");
    return false;

expected_value:
    unexpected(j, p, "expected a value");
    return false;
}

bool json_finish(JsonParser *j)
{
    if (j->error)
        return false;
    const uchar *p = skip_ws(P(j), E(j));
    j->p = (const char *)p;
    if (p < E(j)) {
        unexpected(j, p, "unexpected data after the value");
        return false;
    }
    return true;
}

bool json_validate(const char *data, size_t len, int max_depth, const char **error, size_t *error_offset)
{
    JsonParser j;
    json_init(&j, data, len, max_depth);
    bool ok = json_skip(&j) && json_finish(&j);
    if (error)
        *error = j.error;
    if (error_offset)
        *error_offset = ok ? 0 : j.error_offset;
    return ok;
}
