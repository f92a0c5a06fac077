/*
 * value.c — equality, hashing, ordering, Swedish rendering and JSON
 * writing of runtime values.
 */
#include "value.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "text.h"

Value val_text_copy(const char *s, size_t n)
{
    return val_text(rg_strndup(s, n), n);
}

Value val_cstr(const char *s)
{
    return val_text(s, strlen(s));
}

List *list_new(size_t cap)
{
    if (cap < 4)
        cap = 4;
    List *l = rg_alloc(sizeof(List) + cap * sizeof(Value));
    l->cap = (uint32_t)cap;
    return l;
}

/* list_push when l is full: a block twice the size. */
List *list_push_grown(List *l, Value v)
{
    size_t cap = (size_t)l->cap * 2;
    List *bigger = rg_alloc(sizeof(List) + cap * sizeof(Value));
    memcpy(bigger->items, l->items, l->len * sizeof(Value));
    bigger->len = l->len;
    bigger->cap = (uint32_t)cap;
    bigger->items[bigger->len++] = v;
    return bigger;
}

static int order_cmp(const void *a, const void *b)
{
    return value_order(*(const Value *)a, *(const Value *)b);
}

Value set_from_list(const List *l)
{
    List *s = list_new(l->len);
    memcpy(s->items, l->items, l->len * sizeof(Value));
    s->len = l->len;
    qsort(s->items, s->len, sizeof(Value), order_cmp);
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->len; i++)
        if (k == 0 || value_order(s->items[k - 1], s->items[i]) != 0)
            s->items[k++] = s->items[i];
    s->len = k;
    Value v = val_list(s);
    v.tag = V_SET;
    return v;
}

bool set_contains(const List *set, Value v)
{
    size_t lo = 0, hi = set->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = value_order(set->items[mid], v);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

Record *record_new(const RecordType *rt)
{
    Record *r = rg_alloc(sizeof(Record) + rt->nfields * sizeof(Value));
    r->type = rt;
    return r;
}

static bool is_number(Value v)
{
    return v.tag == V_INT || v.tag == V_DEC;
}

bool value_equal_deep(Value a, Value b)
{
    if (a.tag != b.tag) {
        if (is_number(a) && is_number(b))
            return dec_cmp(val_as_dec(a), val_as_dec(b)) == 0;
        return false;
    }
    switch ((ValueTag)a.tag) {
    case V_NONE: return true;
    case V_BOOL: return a.as.b == b.as.b;
    case V_INT: return a.as.i == b.as.i;
    case V_DEC: return dec_cmp(val_as_dec(a), val_as_dec(b)) == 0;
    case V_TEXT: return a.aux == b.aux && memcmp(a.as.s, b.as.s, a.aux) == 0;
    case V_DATE: return a.as.date == b.as.date;
    case V_PERIOD: return a.as.period.start == b.as.period.start && a.as.period.end == b.as.period.end;
    case V_DURATION: return a.as.dur.months == b.as.dur.months && a.as.dur.days == b.as.dur.days;
    case V_ENUM: return a.as.enm == b.as.enm && a.aux == b.aux;
    case V_LIST:
    case V_SET:
        if (a.as.list->len != b.as.list->len)
            return false;
        for (uint32_t i = 0; i < a.as.list->len; i++)
            if (!value_equal(a.as.list->items[i], b.as.list->items[i]))
                return false;
        return true;
    case V_RECORD: {
        /* Records are values: equal when of one type with equal fields. */
        const Record *x = a.as.rec, *y = b.as.rec;
        if (x == y)
            return true;
        if (x->type != y->type)
            return false;
        for (size_t i = 0; i < x->type->nfields; i++)
            if (!value_equal(x->slots[i], y->slots[i]))
                return false;
        return true;
    }
    }
    return false;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t value_hash(Value v)
{
    switch ((ValueTag)v.tag) {
    case V_NONE: return 0x9e3779b97f4a7c15ULL;
    case V_BOOL: return mix(v.as.b ? 3 : 5);
    case V_INT: return mix((uint64_t)v.as.i);
    case V_DEC: {
        int64_t i;
        /* A whole decimal hashes like the Int it equals. */
        if (dec_to_int(val_as_dec(v), &i))
            return mix((uint64_t)i);
        return dec_hash(val_as_dec(v));
    }
    case V_TEXT: return hash_bytes(v.as.s, v.aux);
    case V_DATE: return mix((uint64_t)(int64_t)v.as.date * 31 + 7);
    case V_PERIOD: return mix(((uint64_t)(uint32_t)v.as.period.start << 32) | (uint32_t)v.as.period.end);
    case V_DURATION: return mix(((uint64_t)(uint32_t)v.as.dur.months << 32) | (uint32_t)v.as.dur.days);
    case V_ENUM: return mix(v.aux + 0x51);
    case V_LIST:
    case V_SET: {
        uint64_t h = 0x1234567;
        for (uint32_t i = 0; i < v.as.list->len; i++)
            h = mix(h ^ value_hash(v.as.list->items[i]));
        return h;
    }
    case V_RECORD: {
        uint64_t h = 0x7654321;
        for (size_t i = 0; i < v.as.rec->type->nfields; i++)
            h = mix(h ^ value_hash(v.as.rec->slots[i]));
        return h;
    }
    }
    return 0;
}

static int sign(int64_t x)
{
    return (x > 0) - (x < 0);
}

static int compare_with(Value a, Value b, bool collate)
{
    if (a.tag != b.tag) {
        if (is_number(a) && is_number(b))
            return dec_cmp(val_as_dec(a), val_as_dec(b));
        return a.tag < b.tag ? -1 : 1;
    }
    switch ((ValueTag)a.tag) {
    case V_NONE: return 0;
    case V_BOOL: return (int)a.as.b - (int)b.as.b;
    case V_INT: return (a.as.i > b.as.i) - (a.as.i < b.as.i);
    case V_DEC: return dec_cmp(val_as_dec(a), val_as_dec(b));
    case V_TEXT:
        return collate ? text_collate(a.as.s, a.aux, b.as.s, b.aux)
                       : text_cmp_bytes(a.as.s, a.aux, b.as.s, b.aux);
    case V_DATE: return sign((int64_t)a.as.date - b.as.date);
    case V_PERIOD:
        if (a.as.period.start != b.as.period.start)
            return sign((int64_t)a.as.period.start - b.as.period.start);
        return sign((int64_t)a.as.period.end - b.as.period.end);
    case V_DURATION:
        if (a.as.dur.months != b.as.dur.months)
            return sign((int64_t)a.as.dur.months - b.as.dur.months);
        return sign((int64_t)a.as.dur.days - b.as.dur.days);
    case V_ENUM: return sign((int64_t)a.aux - (int64_t)b.aux);
    case V_LIST:
    case V_SET: {
        uint32_t n = a.as.list->len < b.as.list->len ? a.as.list->len : b.as.list->len;
        for (uint32_t i = 0; i < n; i++) {
            int c = compare_with(a.as.list->items[i], b.as.list->items[i], collate);
            if (c)
                return c;
        }
        return sign((int64_t)a.as.list->len - (int64_t)b.as.list->len);
    }
    case V_RECORD: {
        /* Field by field, so that the order never depends on addresses. */
        const Record *x = a.as.rec, *y = b.as.rec;
        if (x->type != y->type)
            return strcmp(x->type->name, y->type->name) < 0 ? -1 : 1;
        for (size_t i = 0; i < x->type->nfields; i++) {
            int c = compare_with(x->slots[i], y->slots[i], collate);
            if (c)
                return c;
        }
        return 0;
    }
    }
    return 0;
}

int value_compare(Value a, Value b)
{
    return compare_with(a, b, true);
}

int value_order(Value a, Value b)
{
    return compare_with(a, b, false);
}

static void render_duration(RgBuf *b, Duration d)
{
    int32_t years = d.months / 12, months = d.months % 12;
    bool any = false;
    if (years) {
        buf_printf(b, "%d år", years);
        any = true;
    }
    if (months) {
        if (any)
            buf_adds(b, d.days ? ", " : " och ");
        buf_printf(b, "%d %s", months, (months == 1 || months == -1) ? "månad" : "månader");
        any = true;
    }
    if (d.days || !any) {
        if (any)
            buf_adds(b, " och ");
        buf_printf(b, "%d %s", d.days, (d.days == 1 || d.days == -1) ? "dag" : "dagar");
    }
}

static void write_record(RgBuf *b, const Record *r, void (*write)(RgBuf *, Value));

void value_render(RgBuf *b, Value v)
{
    char tmp[16];
    switch ((ValueTag)v.tag) {
    case V_NONE: buf_adds(b, "saknas"); break;
    case V_BOOL: buf_adds(b, v.as.b ? "ja" : "nej"); break;
    case V_INT: text_format_int_sv(b, v.as.i); break;
    case V_DEC: text_format_dec_sv(b, val_as_dec(v)); break;
    case V_TEXT: buf_add(b, v.as.s, v.aux); break;
    case V_DATE:
        date_format_iso(v.as.date, tmp);
        buf_adds(b, tmp);
        break;
    case V_PERIOD:
        date_format_iso(v.as.period.start, tmp);
        buf_adds(b, tmp);
        buf_adds(b, "\u2013");
        date_format_iso(v.as.period.end, tmp);
        buf_adds(b, tmp);
        break;
    case V_DURATION: render_duration(b, v.as.dur); break;
    case V_ENUM: buf_adds(b, v.as.enm->texts[v.aux]); break;
    case V_LIST:
    case V_SET: {
        const List *l = v.as.list;
        if (l->len == 0) {
            buf_adds(b, "inga");
            break;
        }
        for (uint32_t i = 0; i < l->len; i++) {
            if (i > 0)
                buf_adds(b, i + 1 == l->len ? " och " : ", ");
            value_render(b, l->items[i]);
        }
        break;
    }
    case V_RECORD: write_record(b, v.as.rec, value_render); break;
    }
}

void text_write_escaped(RgBuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '"': buf_adds(b, "\\\""); break;
        case '\\': buf_adds(b, "\\\\"); break;
        case '\n': buf_adds(b, "\\n"); break;
        case '\t': buf_adds(b, "\\t"); break;
        case '{': buf_adds(b, "\\{"); break;
        case '}': buf_adds(b, "\\}"); break;
        default: buf_addc(b, s[i]); break;
        }
    }
}

/* R(f: v, ...), each value written by `write`. */
static void write_record(RgBuf *b, const Record *r, void (*write)(RgBuf *, Value))
{
    buf_adds(b, r->type->name);
    buf_addc(b, '(');
    for (size_t i = 0; i < r->type->nfields; i++) {
        if (i)
            buf_adds(b, ", ");
        buf_printf(b, "%s: ", r->type->fields[i].name);
        write(b, r->slots[i]);
    }
    buf_addc(b, ')');
}

void value_write_literal(RgBuf *b, Value v)
{
    char tmp[DEC_FORMAT_MAX + 1];
    switch ((ValueTag)v.tag) {
    case V_NONE: buf_adds(b, "none"); break;
    case V_BOOL: buf_adds(b, v.as.b ? "true" : "false"); break;
    case V_INT: buf_printf(b, "%lld", (long long)v.as.i); break;
    case V_DEC:
        dec_format(val_as_dec(v), '.', tmp);
        buf_adds(b, tmp);
        break;
    case V_TEXT:
        buf_addc(b, '"');
        text_write_escaped(b, v.as.s, v.aux);
        buf_addc(b, '"');
        break;
    case V_ENUM: buf_adds(b, v.as.enm->words[v.aux]); break;
    case V_LIST:
    case V_SET: {
        const List *l = v.as.list;
        buf_adds(b, v.tag == V_SET ? "set([" : "[");
        for (uint32_t i = 0; i < l->len; i++) {
            if (i)
                buf_adds(b, ", ");
            value_write_literal(b, l->items[i]);
        }
        buf_adds(b, v.tag == V_SET ? "])" : "]");
        break;
    }
    case V_RECORD: write_record(b, v.as.rec, value_write_literal); break;
    default:
        /* Dates, periods and durations read the same either way. */
        value_render(b, v);
        break;
    }
}

/* Bytes that JSON output escapes: control characters, '"', '\\' and DEL.
 * Bytes from 0x80 up, valid UTF-8 or not, are copied as they are. */
static const unsigned char json_escaped[256] = {
    [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

/* Whether any of the 8 bytes of w needs escaping, tested all at once: the
 * output is mostly short ids, and going through json_escaped a byte at a
 * time was most of the writer's time. In each term a byte's high bit ends
 * up set where that byte matches: - 0x21 for "below 0x21" after ^ 2, which
 * takes '"' to 0x20 and keeps control characters below 0x20; - 1 for
 * "zero" after ^ '\\'; (& 0x7f) + 1 for DEL. A borrow only carries upwards
 * from a byte that matched, so the answer for the word as a whole is
 * exact. & ~w leaves out bytes from 0x80 up, which are copied as they are
 * (UTF-8, valid or not). */
static inline bool json_word_escapes(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u;
    uint64_t ctl_quote = (w ^ (ones * 2)) - ones * 0x21;
    uint64_t backslash = (w ^ (ones * '\\')) - ones;
    uint64_t del = (w & (ones * 0x7f)) + ones;
    return ((ctl_quote | backslash | del) & ~w & (ones * 0x80)) != 0;
}

/* How many bytes at the start of s need no escaping. */
static inline __attribute__((always_inline)) size_t json_plain_prefix(const unsigned char *s,
                                                                      size_t n)
{
    uint64_t w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if (json_word_escapes(w))
            break;
    }
    /* Every whole block was plain and a few bytes are left: the last 8
     * bytes, overlapping ones seen already, settle them in one test. */
    if (i < n && i + 8 > n && n >= 8) {
        memcpy(&w, s + n - 8, 8);
        if (!json_word_escapes(w))
            return n;
    }
    while (i < n && !json_escaped[s[i]])
        i++;
    return i;
}

/* Writes the rest of a string from p, its first byte that needs escaping.
 * Kept out of json_write_string so that the usual case, a string with
 * nothing to escape, runs without this path's registers and calls. */
static __attribute__((noinline)) void json_write_escaped(RgBuf *b, const unsigned char *p,
                                                         const unsigned char *end)
{
    static const char hex[] = "0123456789abcdef";
    while (p < end) {
        unsigned char c = *p++;
        switch (c) {
        case '"': buf_add(b, "\\\"", 2); break;
        case '\\': buf_add(b, "\\\\", 2); break;
        case '\n': buf_add(b, "\\n", 2); break;
        case '\r': buf_add(b, "\\r", 2); break;
        case '\t': buf_add(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_add(b, u, 6);
            break;
        }
        }
        size_t k = json_plain_prefix(p, (size_t)(end - p));
        buf_add(b, p, k);
        p += k;
    }
}

void json_write_string(RgBuf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    /* Room for the quotes and the string as it is, so the first run of
     * plain bytes, the whole string in the usual case, needs no checks. */
    if (b->len + n + 3 > b->cap)
        buf_reserve(b, n + 2);
    size_t k = json_plain_prefix(p, n);
    char *d = b->data + b->len;
    d[0] = '"';
    /* Two overlapping words copy the usual id without a call to memcpy. */
    if (k >= 8 && k <= 16) {
        memcpy(d + 1, p, 8);
        memcpy(d + 1 + k - 8, p + k - 8, 8);
    } else if (k) {
        memcpy(d + 1, p, k);
    }
    if (k == n) {
        d[n + 1] = '"';
        d[n + 2] = '\0';
        b->len += n + 2;
        return;
    }
    b->len += k + 1;
    json_write_escaped(b, p + k, p + n);
    buf_addc(b, '"');
}

void value_write_json(RgBuf *b, Value v)
{
    char tmp[DEC_FORMAT_MAX + 1];
    switch ((ValueTag)v.tag) {
    case V_NONE: buf_adds(b, "null"); break;
    case V_BOOL: buf_adds(b, v.as.b ? "true" : "false"); break;
    case V_INT: buf_printf(b, "%lld", (long long)v.as.i); break;
    case V_DEC: {
        size_t n = dec_format(val_as_dec(v), '.', tmp);
        buf_addc(b, '"');
        buf_add(b, tmp, n);
        buf_addc(b, '"');
        break;
    }
    case V_TEXT: json_write_string(b, v.as.s, v.aux); break;
    case V_DATE:
        date_format_iso(v.as.date, tmp);
        buf_printf(b, "\"%s\"", tmp);
        break;
    case V_PERIOD:
        date_format_iso(v.as.period.start, tmp);
        buf_printf(b, "{\"start\":\"%s\",", tmp);
        date_format_iso(v.as.period.end, tmp);
        buf_printf(b, "\"end\":\"%s\"}", tmp);
        break;
    case V_DURATION:
        buf_printf(b, "{\"months\":%d,\"days\":%d}", v.as.dur.months, v.as.dur.days);
        break;
    case V_ENUM: {
        const char *w = v.as.enm->spellings[v.aux];
        json_write_string(b, w, strlen(w));
        break;
    }
    case V_LIST:
    case V_SET: {
        const List *l = v.as.list;
        buf_addc(b, '[');
        for (uint32_t i = 0; i < l->len; i++) {
            /* The texts of a list lie all over the heap, and waiting for
             * each one's bytes in turn was most of the time spent writing
             * a long list of ids: ask for the text some items ahead, so
             * the waits overlap. */
            if (i + 16 < l->len && l->items[i + 16].tag == V_TEXT)
                __builtin_prefetch(l->items[i + 16].as.s);
            if (i)
                buf_addc(b, ',');
            value_write_json(b, l->items[i]);
        }
        buf_addc(b, ']');
        break;
    }
    case V_RECORD: {
        const Record *r = v.as.rec;
        buf_addc(b, '{');
        for (size_t i = 0; i < r->type->nfields; i++) {
            if (i)
                buf_addc(b, ',');
            json_write_string(b, r->type->fields[i].name, strlen(r->type->fields[i].name));
            buf_addc(b, ':');
            value_write_json(b, r->slots[i]);
        }
        buf_addc(b, '}');
        break;
    }
    }
}

const char *value_tag_name(ValueTag tag)
{
    static const char *const names[] = {
        [V_NONE] = "none", [V_BOOL] = "Bool", [V_INT] = "Int", [V_DEC] = "Decimal",
        [V_TEXT] = "Text", [V_DATE] = "Date", [V_PERIOD] = "Period", [V_DURATION] = "Duration",
        [V_ENUM] = "enum", [V_LIST] = "List", [V_SET] = "Set", [V_RECORD] = "record",
    };
    return tag <= V_RECORD ? names[tag] : "?";
}
