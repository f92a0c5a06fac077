/*
 * value.h — runtime values.
 *
 * A Value is a 16-byte tagged struct passed by value. Numbers, booleans,
 * dates, periods, durations and enum words live inside it; text, lists and
 * records point to collector blocks. There are no hidden pointers (no NaN
 * boxing, no tag bits in pointers) because the collector must see every
 * pointer as it is.
 *
 * Text is valid NFC UTF-8 (readers and the scanner make it so) and is
 * counted, so it may hold NUL bytes. Lists and records are immutable once
 * built; the VM only mutates a list it has just created.
 */
#ifndef REGEL_VALUE_H
#define REGEL_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "decimal.h"
#include "types.h"

typedef enum ValueTag {
    V_NONE = 0,
    V_BOOL,
    V_INT,
    V_DEC,
    V_TEXT,
    V_DATE,
    V_PERIOD,
    V_DURATION,
    V_ENUM,
    V_LIST,
    V_SET,
    V_RECORD,
} ValueTag;

typedef struct List List;
typedef struct Record Record;

typedef struct Value {
    uint8_t tag;
    uint8_t scale; /* V_DEC */
    uint16_t pad;
    uint32_t aux;  /* V_TEXT: byte length; V_ENUM: word index */
    union {
        int64_t i;  /* V_INT; V_DEC coefficient */
        bool b;
        Date date;
        struct {
            Date start, end;
        } period;
        Duration dur;
        const char *s;       /* V_TEXT */
        List *list;          /* V_LIST, V_SET */
        Record *rec;
        const EnumType *enm; /* V_ENUM */
    } as;
} Value;

struct List {
    uint32_t len, cap;
    Value items[];
};

struct Record {
    const RecordType *type;
    uint32_t line; /* line in its export file, 0 when built in a policy */
    uint32_t pad;
    Value slots[];
};

/* Text longer than this is refused by readers and by concatenation: no
 * message or export field comes near it, and it keeps lengths in 32 bits. */
#define VALUE_MAX_TEXT (64u * 1024u * 1024u)

static inline Value val_none(void) { Value v = {0}; return v; }
static inline Value val_bool(bool b) { Value v = {0}; v.tag = V_BOOL; v.as.b = b; return v; }
static inline Value val_int(int64_t i) { Value v = {0}; v.tag = V_INT; v.as.i = i; return v; }
static inline Value val_date(Date d) { Value v = {0}; v.tag = V_DATE; v.as.date = d; return v; }
static inline Value val_dec(Decimal d)
{
    Value v = {0};
    v.tag = V_DEC;
    v.scale = d.scale;
    v.as.i = d.coef;
    return v;
}
static inline Decimal val_as_dec(Value v)
{
    Decimal d;
    if (v.tag == V_INT) {
        d.coef = v.as.i;
        d.scale = 0;
    } else {
        d.coef = v.as.i;
        d.scale = v.scale;
    }
    return d;
}
static inline Value val_text(const char *s, size_t n)
{
    Value v = {0};
    v.tag = V_TEXT;
    v.aux = (uint32_t)n;
    v.as.s = s;
    return v;
}
static inline Value val_period(Date a, Date b)
{
    Value v = {0};
    v.tag = V_PERIOD;
    v.as.period.start = a;
    v.as.period.end = b;
    return v;
}
static inline Value val_duration(Duration d) { Value v = {0}; v.tag = V_DURATION; v.as.dur = d; return v; }
static inline Value val_enum(const EnumType *et, int word)
{
    Value v = {0};
    v.tag = V_ENUM;
    v.aux = (uint32_t)word;
    v.as.enm = et;
    return v;
}
static inline Value val_list(List *l) { Value v = {0}; v.tag = V_LIST; v.as.list = l; return v; }
static inline Value val_record(Record *r) { Value v = {0}; v.tag = V_RECORD; v.as.rec = r; return v; }

/* A copy of s[0..n) as a text value (no normalisation). */
Value val_text_copy(const char *s, size_t n);
Value val_cstr(const char *s);

List *list_new(size_t cap);
/* Appends in place, growing the block; returns the list (possibly moved). */
List *list_push_grown(List *l, Value v);
/* Appends in place, growing the block when it is full; returns the list
 * (moved if it grew). */
static inline List *list_push(List *l, Value v)
{
    if (l->len == l->cap)
        return list_push_grown(l, v);
    l->items[l->len++] = v;
    return l;
}
/* A set: the distinct elements of l in value_order. */
Value set_from_list(const List *l);
bool set_contains(const List *set, Value v);

Record *record_new(const RecordType *rt);

/* Equality as `==` sees it: deep, Int and Decimal compare by value. The
 * kinds that policies compare most often (whole numbers, dates, enum
 * words, text) are decided here without a call, the rest in
 * value_equal_deep: `==` and `in` are on the VM's hot path. */
bool value_equal_deep(Value a, Value b);
/* Whether n bytes at a and b are the same: texts of 8 to 16 bytes (ids,
 * codes, words of an export) in two overlapping words, without a call. */
static inline bool bytes_equal(const char *a, const char *b, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t x, y, u, v;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        memcpy(&u, a + n - 8, 8);
        memcpy(&v, b + n - 8, 8);
        return ((x ^ y) | (u ^ v)) == 0;
    }
    return memcmp(a, b, n) == 0;
}

static inline bool value_equal(Value a, Value b)
{
    if (a.tag == b.tag) {
        switch ((ValueTag)a.tag) {
        case V_INT: return a.as.i == b.as.i;
        case V_DATE: return a.as.date == b.as.date;
        case V_ENUM: return a.as.enm == b.as.enm && a.aux == b.aux;
        case V_TEXT: return a.aux == b.aux && (a.as.s == b.as.s || bytes_equal(a.as.s, b.as.s, a.aux));
        default: break;
        }
    }
    return value_equal_deep(a, b);
}
/* Consistent with value_equal (1 and 1.0 hash alike). */
uint64_t value_hash(Value v);
/* The order of `<`: numbers by value, text by Swedish collation, dates and
 * durations chronologically, enum words in declaration order, false before
 * true, none before everything, lists element by element. */
int value_compare(Value a, Value b);
/* A fast total order used inside sets (text by bytes). */
int value_order(Value a, Value b);

/* The Swedish rendering used in messages: 6 230, 12,5, ja/nej,
 * 2026-02-28, "a, b och c", "3 månader", "saknas" for none. */
void value_render(RgBuf *b, Value v);
/* The form a test report shows: as policy text writes the value, so a
 * list's brackets, a text's quotes and an enum's word can be seen:
 * ["A3", "B2"], 12.5, none, Reason(ref: "C2", ...). */
void value_write_literal(RgBuf *b, Value v);
/* Appends text as it is written between the quotes of a policy string:
 * '"', '\\', '{', '}', newline and tab escaped. */
void text_write_escaped(RgBuf *b, const char *s, size_t n);
/* The JSON form used in decision output. Decimals are strings without
 * exponent or trailing zeros ("3.2"); dates are "YYYY-MM-DD". */
void value_write_json(RgBuf *b, Value v);
/* Appends s as a JSON string literal. */
void json_write_string(RgBuf *b, const char *s, size_t n);

const char *value_tag_name(ValueTag tag);

#endif
