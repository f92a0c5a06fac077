/*
 * builtins.c — native functions on values, and the table that declares
 * them (names, signatures, documentation) for the checker and the tools.
 */
#include "builtins.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "alloc.h"
#include "text.h"

static bool fail(NativeCtx *ctx, const char *msg)
{
    ctx->error = msg;
    return false;
}

/* A text built by a native function, refused past the limit of a text
 * value as the VM refuses a concatenation. */
static bool text_result(NativeCtx *ctx, const RgBuf *b, Value *out)
{
    if (b->len > VALUE_MAX_TEXT)
        return fail(ctx, "the text would be longer than the limit of 64 MB");
    *out = val_text(b->data ? b->data : "", b->len);
    return true;
}

static bool is_list(Value v)
{
    return (v.tag == V_LIST || v.tag == V_SET) && v.as.list;
}

/* ---------------------------------------------------------------- dates */

static bool n_period(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_DATE || a[1].tag != V_DATE)
        return fail(ctx, "period() needs two dates");
    if (a[1].as.date < a[0].as.date)
        return fail(ctx, "a period cannot end before it starts");
    *out = val_period(a[0].as.date, a[1].as.date);
    return true;
}

static bool n_overlaps(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_PERIOD || a[1].tag != V_PERIOD)
        return fail(ctx, "overlaps() needs two periods");
    /* Both ends inclusive: touching on one day is an overlap. */
    *out = val_bool(a[0].as.period.start <= a[1].as.period.end &&
                    a[1].as.period.start <= a[0].as.period.end);
    return true;
}

static bool n_contains_date(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_PERIOD || a[1].tag != V_DATE)
        return fail(ctx, "contains() needs a period and a date");
    *out = val_bool(a[0].as.period.start <= a[1].as.date && a[1].as.date <= a[0].as.period.end);
    return true;
}

static bool n_days_of_period(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_PERIOD)
        return fail(ctx, "days() needs a period");
    *out = val_int((int64_t)a[0].as.period.end - a[0].as.period.start + 1);
    return true;
}

static bool n_days_between(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_DATE || a[1].tag != V_DATE)
        return fail(ctx, "days_between() needs two dates");
    *out = val_int((int64_t)a[1].as.date - a[0].as.date);
    return true;
}

static bool n_months_between(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_DATE || a[1].tag != V_DATE)
        return fail(ctx, "months_between() needs two dates");
    *out = val_int(date_months_between(a[0].as.date, a[1].as.date));
    return true;
}

static bool date_part(NativeCtx *ctx, const Value *a, Value *out, int which)
{
    if (a[0].tag != V_DATE)
        return fail(ctx, "expected a date");
    int y, m, d;
    date_to_ymd(a[0].as.date, &y, &m, &d);
    *out = val_int(which == 0 ? y : which == 1 ? m : d);
    return true;
}

static bool n_year(NativeCtx *ctx, const Value *a, Value *out) { return date_part(ctx, a, out, 0); }
static bool n_month(NativeCtx *ctx, const Value *a, Value *out) { return date_part(ctx, a, out, 1); }
static bool n_day(NativeCtx *ctx, const Value *a, Value *out) { return date_part(ctx, a, out, 2); }

static bool n_weekday(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_DATE)
        return fail(ctx, "expected a date");
    *out = val_int(date_weekday(a[0].as.date));
    return true;
}

static bool n_date(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_INT || a[1].tag != V_INT || a[2].tag != V_INT)
        return fail(ctx, "date() needs three integers");
    int64_t y = a[0].as.i, m = a[1].as.i, d = a[2].as.i;
    if (y < DATE_MIN_YEAR || y > DATE_MAX_YEAR || m < 1 || m > 12 || d < 1 ||
        !date_valid_ymd((int)y, (int)m, (int)d))
        return fail(ctx, "no such date");
    *out = val_date(date_from_ymd((int)y, (int)m, (int)d));
    return true;
}

/* ---------------------------------------------------------------- text */

static bool n_length_text(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_TEXT)
        return fail(ctx, "expected text");
    *out = val_int((int64_t)text_length(a[0].as.s, a[0].aux));
    return true;
}

static bool n_length_list(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a list");
    *out = val_int(a[0].as.list->len);
    return true;
}

static bool n_lower_upper(NativeCtx *ctx, const Value *a, Value *out, bool upper)
{
    if (a[0].tag != V_TEXT)
        return fail(ctx, "expected text");
    RgBuf b;
    buf_init(&b);
    const char *s = a[0].as.s;
    size_t n = a[0].aux;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = text_decode(s + i, &cp);
        cp = (uint32_t)(upper ? utf8proc_toupper((utf8proc_int32_t)cp) : utf8proc_tolower((utf8proc_int32_t)cp));
        text_encode(&b, cp);
        i += (size_t)k;
    }
    return text_result(ctx, &b, out);
}

static bool n_lower(NativeCtx *ctx, const Value *a, Value *out) { return n_lower_upper(ctx, a, out, false); }
static bool n_upper(NativeCtx *ctx, const Value *a, Value *out) { return n_lower_upper(ctx, a, out, true); }

static bool n_trim(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_TEXT)
        return fail(ctx, "expected text");
    size_t n;
    const char *s = text_trim(a[0].as.s, a[0].aux, &n);
    *out = val_text(s, n);
    return true;
}

static bool two_texts(NativeCtx *ctx, const Value *a)
{
    if (a[0].tag != V_TEXT || a[1].tag != V_TEXT)
        return fail(ctx, "expected two texts");
    return true;
}

static bool n_starts_with(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!two_texts(ctx, a))
        return false;
    *out = val_bool(a[1].aux <= a[0].aux && memcmp(a[0].as.s, a[1].as.s, a[1].aux) == 0);
    return true;
}

static bool n_ends_with(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!two_texts(ctx, a))
        return false;
    *out = val_bool(a[1].aux <= a[0].aux &&
                    memcmp(a[0].as.s + a[0].aux - a[1].aux, a[1].as.s, a[1].aux) == 0);
    return true;
}

static bool n_contains_text(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!two_texts(ctx, a))
        return false;
    *out = val_bool(a[1].aux == 0 || memmem(a[0].as.s, a[0].aux, a[1].as.s, a[1].aux) != NULL);
    return true;
}

static bool n_join(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]) || a[1].tag != V_TEXT)
        return fail(ctx, "join() needs a list of texts and a separator");
    RgBuf b;
    buf_init(&b);
    const List *l = a[0].as.list;
    for (uint32_t i = 0; i < l->len; i++) {
        if (i)
            buf_add(&b, a[1].as.s, a[1].aux);
        value_render(&b, l->items[i]);
        if (b.len > VALUE_MAX_TEXT)
            break; /* no need to build the rest of a text that is refused */
    }
    return text_result(ctx, &b, out);
}

static bool n_code_points(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag != V_TEXT)
        return fail(ctx, "expected text");
    List *l = list_new(a[0].aux);
    for (size_t i = 0; i < a[0].aux;) {
        uint32_t cp;
        i += (size_t)text_decode(a[0].as.s + i, &cp);
        l = list_push(l, val_int(cp));
    }
    *out = val_list(l);
    return true;
}

static bool n_text(NativeCtx *ctx, const Value *a, Value *out)
{
    RgBuf b;
    buf_init(&b);
    value_render(&b, a[0]);
    return text_result(ctx, &b, out);
}

/* ---------------------------------------------------------------- numbers */

static bool round_with(NativeCtx *ctx, Value v, int places, DecRound mode, Value *out)
{
    if (v.tag == V_INT) {
        *out = v;
        return true;
    }
    if (v.tag != V_DEC)
        return fail(ctx, "expected a number");
    Decimal r;
    if (dec_round(val_as_dec(v), places, mode, &r) != DEC_OK)
        return fail(ctx, "the number does not fit after rounding");
    *out = val_dec(r);
    return true;
}

static bool n_round(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[1].tag != V_INT || a[1].as.i < 0 || a[1].as.i > DEC_MAX_SCALE)
        return fail(ctx, "round() takes 0 to 18 decimals");
    return round_with(ctx, a[0], (int)a[1].as.i, DEC_ROUND_HALF_UP, out);
}

static bool to_int(NativeCtx *ctx, Value v, DecRound mode, Value *out)
{
    if (v.tag == V_INT) {
        *out = v;
        return true;
    }
    Value r;
    if (!round_with(ctx, v, 0, mode, &r))
        return false;
    int64_t i;
    if (!dec_to_int(val_as_dec(r), &i))
        return fail(ctx, "the number is too large for an integer");
    *out = val_int(i);
    return true;
}

static bool n_floor(NativeCtx *ctx, const Value *a, Value *out) { return to_int(ctx, a[0], DEC_ROUND_FLOOR, out); }
static bool n_ceil(NativeCtx *ctx, const Value *a, Value *out) { return to_int(ctx, a[0], DEC_ROUND_CEIL, out); }

static bool n_abs(NativeCtx *ctx, const Value *a, Value *out)
{
    if (a[0].tag == V_INT) {
        if (a[0].as.i == INT64_MIN)
            return fail(ctx, "integer overflow");
        *out = val_int(a[0].as.i < 0 ? -a[0].as.i : a[0].as.i);
        return true;
    }
    if (a[0].tag != V_DEC)
        return fail(ctx, "expected a number");
    Decimal d = val_as_dec(a[0]);
    if (d.coef < 0 && dec_neg(d, &d) != DEC_OK)
        return fail(ctx, "decimal overflow");
    *out = val_dec(d);
    return true;
}

/* ---------------------------------------------------------------- lists and sets */

static bool n_set(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a list");
    *out = set_from_list(a[0].as.list);
    return true;
}

static bool n_list(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a set");
    *out = a[0];
    out->tag = V_LIST;
    return true;
}

static bool n_distinct(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a list");
    const List *l = a[0].as.list;
    List *r = list_new(l->len);
    /* Keeps first occurrences in order; quadratic, but lists in a decision
     * are short and this keeps the order a reader expects. */
    for (uint32_t i = 0; i < l->len; i++) {
        bool seen = false;
        for (uint32_t j = 0; j < r->len && !seen; j++)
            seen = value_equal(r->items[j], l->items[i]);
        if (!seen)
            r = list_push(r, l->items[i]);
    }
    *out = val_list(r);
    return true;
}

static bool n_flatten(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a list of lists");
    const List *l = a[0].as.list;
    List *r = list_new(l->len);
    for (uint32_t i = 0; i < l->len; i++) {
        if (!is_list(l->items[i]))
            return fail(ctx, "expected a list of lists");
        const List *inner = l->items[i].as.list;
        for (uint32_t j = 0; j < inner->len; j++)
            r = list_push(r, inner->items[j]);
    }
    *out = val_list(r);
    return true;
}

static bool n_first(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a list");
    *out = a[0].as.list->len ? a[0].as.list->items[0] : val_none();
    return true;
}

static bool n_last(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a list");
    const List *l = a[0].as.list;
    *out = l->len ? l->items[l->len - 1] : val_none();
    return true;
}

static int compare_values(const void *x, const void *y)
{
    return value_compare(*(const Value *)x, *(const Value *)y);
}

static bool n_sort(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a list");
    const List *l = a[0].as.list;
    List *r = list_new(l->len);
    memcpy(r->items, l->items, l->len * sizeof(Value));
    r->len = l->len;
    /* qsort is not stable; equal elements are equal values, so order among
     * them cannot be seen. */
    qsort(r->items, r->len, sizeof(Value), compare_values);
    *out = val_list(r);
    return true;
}

static bool n_take(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]) || a[1].tag != V_INT)
        return fail(ctx, "expected a list and a number");
    if (a[1].as.i < 0)
        return fail(ctx, "take() of a negative number of elements");
    const List *l = a[0].as.list;
    uint32_t n = a[1].as.i < (int64_t)l->len ? (uint32_t)a[1].as.i : l->len;
    List *r = list_new(n);
    memcpy(r->items, l->items, n * sizeof(Value));
    r->len = n;
    *out = val_list(r);
    return true;
}

static bool n_reverse(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]))
        return fail(ctx, "expected a list");
    const List *l = a[0].as.list;
    List *r = list_new(l->len);
    for (uint32_t i = 0; i < l->len; i++)
        r->items[i] = l->items[l->len - 1 - i];
    r->len = l->len;
    *out = val_list(r);
    return true;
}

/* The argument as a set, sorting a list when needed. */
static const List *as_set(Value v)
{
    if (v.tag == V_SET)
        return v.as.list;
    return set_from_list(v.as.list).as.list;
}

/* subset_of compares every element with every other when there are at
 * most this many pairs: cheaper than sorting the second list into a set. */
#define SUBSET_SCAN_MAX_PAIRS 256

static bool list_has(const List *l, Value v)
{
    for (uint32_t i = 0; i < l->len; i++)
        if (value_equal(l->items[i], v))
            return true;
    return false;
}

static bool n_subset_of(NativeCtx *ctx, const Value *a, Value *out)
{
    if (!is_list(a[0]) || !is_list(a[1]))
        return fail(ctx, "expected two lists or sets");
    const List *small = a[0].as.list, *big = a[1].as.list;
    bool scan = a[1].tag != V_SET && (uint64_t)small->len * big->len <= SUBSET_SCAN_MAX_PAIRS;
    if (!scan)
        big = as_set(a[1]);
    for (uint32_t i = 0; i < small->len; i++)
        if (scan ? !list_has(big, small->items[i]) : !set_contains(big, small->items[i])) {
            *out = val_bool(false);
            return true;
        }
    *out = val_bool(true);
    return true;
}

static bool set_op(NativeCtx *ctx, const Value *a, Value *out, int op)
{
    if (!is_list(a[0]) || !is_list(a[1]))
        return fail(ctx, "expected two lists or sets");
    const List *x = as_set(a[0]), *y = as_set(a[1]);
    List *r = list_new(x->len + y->len);
    for (uint32_t i = 0; i < x->len; i++) {
        bool in_y = set_contains(y, x->items[i]);
        if ((op == 0) || (op == 1 && in_y) || (op == 2 && !in_y))
            r = list_push(r, x->items[i]);
    }
    if (op == 0)
        for (uint32_t i = 0; i < y->len; i++)
            r = list_push(r, y->items[i]);
    *out = set_from_list(r);
    return true;
}

static bool n_union(NativeCtx *ctx, const Value *a, Value *out) { return set_op(ctx, a, out, 0); }
static bool n_intersection(NativeCtx *ctx, const Value *a, Value *out) { return set_op(ctx, a, out, 1); }
static bool n_difference(NativeCtx *ctx, const Value *a, Value *out) { return set_op(ctx, a, out, 2); }

const Builtin builtin_table[] = {
    {"period", "(Date, Date) -> Period", n_period, "The period from the first date to the second, both days included."},
    {"overlaps", "(Period, Period) -> Bool", n_overlaps, "True when the two periods share at least one day."},
    {"contains", "(Period, Date) -> Bool", n_contains_date, "True when the date falls inside the period (ends included)."},
    {"contains", "(Text, Text) -> Bool", n_contains_text, "True when the first text contains the second."},
    {"days", "(Period) -> Int", n_days_of_period, "The number of days in the period, both ends counted."},
    {"days_between", "(Date, Date) -> Int", n_days_between, "Days from the first date to the second (negative when it is earlier)."},
    {"months_between", "(Date, Date) -> Int", n_months_between, "Whole calendar months from the first date to the second."},
    {"year", "(Date) -> Int", n_year, "The year of a date."},
    {"month", "(Date) -> Int", n_month, "The month of a date, 1 to 12."},
    {"day", "(Date) -> Int", n_day, "The day of the month."},
    {"weekday", "(Date) -> Int", n_weekday, "1 for Monday to 7 for Sunday."},
    {"date", "(Int, Int, Int) -> Date", n_date, "The date of a year, month and day."},
    {"length", "(Text) -> Int", n_length_text, "The number of characters in a text."},
    {"length", "(Coll<T>) -> Int", n_length_list, "The number of elements."},
    {"lower", "(Text) -> Text", n_lower, "The text in lower case."},
    {"upper", "(Text) -> Text", n_upper, "The text in upper case."},
    {"trim", "(Text) -> Text", n_trim, "The text without white space at either end."},
    {"starts_with", "(Text, Text) -> Bool", n_starts_with, "True when the first text begins with the second."},
    {"ends_with", "(Text, Text) -> Bool", n_ends_with, "True when the first text ends with the second."},
    {"join", "(Coll<T>, Text) -> Text", n_join, "The elements rendered as in messages, with the separator between them."},
    {"text", "(T) -> Text", n_text, "The value rendered as in messages (6 230, 12,5, 2026-02-28)."},
    {"code_points", "(Text) -> List<Int>", n_code_points,
     "The text's code points: as a sort key, it orders text by code point instead of in Swedish order."},
    {"round", "(Num, Int) -> Num", n_round, "Rounded to the given number of decimals, halves away from zero."},
    {"floor", "(Num) -> Int", n_floor, "The largest integer not above the number."},
    {"ceil", "(Num) -> Int", n_ceil, "The smallest integer not below the number."},
    {"abs", "(Num) -> Num", n_abs, "The absolute value."},
    {"set", "(Coll<T>) -> Set<T>", n_set, "The distinct elements as a set."},
    {"list", "(Coll<T>) -> List<T>", n_list, "The elements as a list (a set's in its order)."},
    {"distinct", "(List<T>) -> List<T>", n_distinct, "The list without repeated elements, first occurrences kept."},
    {"flatten", "(List<List<T>>) -> List<T>", n_flatten, "The lists joined into one."},
    {"first", "(List<T>) -> T?", n_first, "The first element, or none for an empty list."},
    {"last", "(List<T>) -> T?", n_last, "The last element, or none for an empty list."},
    {"sort", "(List<T>) -> List<T>", n_sort, "The elements in ascending order (text in Swedish order)."},
    {"reverse", "(List<T>) -> List<T>", n_reverse, "The elements in reverse order."},
    {"take", "(List<T>, Int) -> List<T>", n_take, "The first n elements (all of them when there are fewer)."},
    {"subset_of", "(Coll<T>, Coll<T>) -> Bool", n_subset_of, "True when every element of the first is in the second (a ⊆ b)."},
    {"union", "(Coll<T>, Coll<T>) -> Set<T>", n_union, "The elements in either."},
    {"intersection", "(Coll<T>, Coll<T>) -> Set<T>", n_intersection, "The elements in both."},
    {"difference", "(Coll<T>, Coll<T>) -> Set<T>", n_difference, "The elements of the first that are not in the second."},
};
const size_t builtin_count = sizeof builtin_table / sizeof builtin_table[0];

const Special special_table[] = {
    {"count", SPECIAL_COUNT, "count(xs) is the number of elements; count(xs, cond) the number for which cond holds."},
    {"sum", SPECIAL_SUM, "sum(xs) adds numbers; sum(xs, .field) adds a number of each element. 0 when empty."},
    {"min", SPECIAL_MIN, "min(xs) or min(xs, .field): the smallest, or none when empty; min(a, b) the smaller."},
    {"max", SPECIAL_MAX, "max(xs) or max(xs, .field): the largest, or none when empty; max(a, b) the larger."},
    {"any", SPECIAL_ANY, "any(xs, cond): true when cond holds for some element."},
    {"all", SPECIAL_ALL, "all(xs, cond): true when cond holds for every element (true when empty)."},
    {"map", SPECIAL_MAP, "map(xs, expr): the list of expr for each element."},
    {"sort_by", SPECIAL_SORT_BY, "sort_by(xs, key, ...): the elements ordered by the keys, first key first; stable."},
    {"first_where", SPECIAL_FIRST_WHERE, "first_where(xs, cond): the first element for which cond holds, or none."},
};
const size_t special_count = sizeof special_table / sizeof special_table[0];

int special_find(const char *name)
{
    for (size_t i = 0; i < special_count; i++)
        if (strcmp(special_table[i].name, name) == 0)
            return (int)i;
    return -1;
}

int builtin_find(const char *name, size_t from)
{
    for (size_t i = from; i < builtin_count; i++)
        if (strcmp(builtin_table[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---------------------------------------------------------------- host functions */

static const struct {
    const char *name;
    const Type *type;
} host_types[] = {
    {"Bool", &type_bool}, {"Int", &type_int}, {"Decimal", &type_dec}, {"Text", &type_text}, {"Date", &type_date},
};

static const char host_types_words[] =
    "a host function takes and gives Bool, Int, Decimal, Text or Date, or one of them optional (Int?)";

static void skip_spaces(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

static bool ident_char(char c, bool first)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* One type of a host signature at *p; NULL after setting *why. */
static const Type *host_type(const char **p, const char *sig, const char **why)
{
    skip_spaces(p);
    const char *start = *p;
    while (ident_char(**p, *p == start))
        (*p)++;
    size_t n = (size_t)(*p - start);
    if (n == 0) {
        *why = rg_sprintf("its signature \"%s\" is not of the form (Text, Int) -> Bool", sig);
        return NULL;
    }
    const Type *t = NULL;
    for (size_t i = 0; i < sizeof host_types / sizeof host_types[0]; i++)
        if (strlen(host_types[i].name) == n && memcmp(host_types[i].name, start, n) == 0)
            t = host_types[i].type;
    if (!t) {
        /* Name the whole type written: List<Text>, not List. */
        if (**p == '<') {
            int depth = 0;
            for (; **p; (*p)++) {
                if (**p == '<')
                    depth++;
                else if (**p == '>' && --depth == 0) {
                    (*p)++;
                    break;
                }
            }
        }
        *why = rg_sprintf("its signature \"%s\" names %.*s; %s", sig, (int)(*p - start), start, host_types_words);
        return NULL;
    }
    skip_spaces(p);
    if (**p == '?') {
        (*p)++;
        t = type_optional(t);
    }
    return t;
}

const char *host_signature(const char *sig, HostInfo *h)
{
    if (!sig || !*sig)
        return "it has no signature; give one such as \"(Text, Int) -> Bool\"";
    const char *why = NULL;
    const char *p = sig;
    const Type *params[HOST_MAX_PARAMS];
    uint32_t n = 0;
    skip_spaces(&p);
    if (*p != '(')
        return rg_sprintf("its signature \"%s\" is not of the form (Text, Int) -> Bool", sig);
    p++;
    skip_spaces(&p);
    if (*p != ')') {
        for (;;) {
            if (n == HOST_MAX_PARAMS)
                return rg_sprintf("its signature \"%s\" has more than %d parameters", sig, HOST_MAX_PARAMS);
            const Type *t = host_type(&p, sig, &why);
            if (!t)
                return why;
            params[n++] = t;
            skip_spaces(&p);
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == ')')
                break;
            return rg_sprintf("its signature \"%s\" is not of the form (Text, Int) -> Bool", sig);
        }
    }
    p++; /* ')' */
    skip_spaces(&p);
    if (p[0] != '-' || p[1] != '>')
        return rg_sprintf("its signature \"%s\" has no result: write it as (Text, Int) -> Bool", sig);
    p += 2;
    const Type *result = host_type(&p, sig, &why);
    if (!result)
        return why;
    skip_spaces(&p);
    if (*p)
        return rg_sprintf("its signature \"%s\" has more after its result type", sig);
    RgBuf b;
    buf_init(&b);
    buf_addc(&b, '(');
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            buf_adds(&b, ", ");
        type_print(params[i], &b);
    }
    buf_adds(&b, ") -> ");
    type_print(result, &b);
    h->sig = b.data;
    h->nparams = n;
    h->params = rg_alloc((n ? n : 1) * sizeof *h->params);
    memcpy(h->params, params, n * sizeof *params);
    h->result = result;
    return NULL;
}

const char *host_name_problem(const char *name)
{
    bool ident = name && ident_char(name[0], true);
    for (const char *q = name; ident && *q; q++)
        ident = ident_char(*q, false);
    if (!ident)
        return rg_sprintf("host function '%s': its name is not a name a policy can call (letters, digits and _)",
                          name ? name : "(null)");
    if (builtin_find(name, 0) >= 0 || special_find(name) >= 0 || strcmp(name, "admitted_with") == 0)
        return rg_sprintf("host function '%s': a built-in function has that name; choose another", name);
    return NULL;
}

const char *host_entry(const regel_host_function *f, HostInfo *h)
{
    memset(h, 0, sizeof *h);
    const char *name = f->name;
    const char *why = host_name_problem(name);
    if (why)
        return why;
    why = host_signature(f->signature, h);
    if (why)
        return rg_sprintf("host function '%s': %s", name, why);
    if (!f->fn)
        return rg_sprintf("host function '%s': it has no C function (fn is NULL)", name);
    h->name = rg_strdup(name);
    h->fn = f->fn;
    h->ctx = f->ctx;
    return NULL;
}

const char *host_bind(HostInfo *hosts, uint32_t n, const regel_host_function *table, size_t ntable)
{
    HostInfo *given = rg_alloc((ntable ? ntable : 1) * sizeof *given);
    for (size_t i = 0; i < ntable; i++) {
        const char *why = host_entry(&table[i], &given[i]);
        if (why)
            return why;
        for (size_t k = 0; k < i; k++)
            if (strcmp(given[k].name, given[i].name) == 0)
                return rg_sprintf("host function '%s' is given twice", given[i].name);
    }
    for (uint32_t i = 0; i < n; i++) {
        const HostInfo *g = NULL;
        for (size_t k = 0; k < ntable && !g; k++)
            if (strcmp(given[k].name, hosts[i].name) == 0)
                g = &given[k];
        if (!g)
            return rg_sprintf("the program needs host function %s%s, which the host did not give", hosts[i].name,
                              hosts[i].sig);
        if (strcmp(g->sig, hosts[i].sig) != 0)
            return rg_sprintf("the program needs host function %s%s, and the host gives %s%s", hosts[i].name,
                              hosts[i].sig, g->name, g->sig);
        hosts[i].fn = g->fn;
        hosts[i].ctx = g->ctx;
    }
    return NULL;
}

/* What a value is, in the words of the language, for messages. */
static const char *host_value_type(Value v)
{
    switch (v.tag) {
    case V_NONE: return "none";
    case V_BOOL: return "Bool";
    case V_INT: return "Int";
    case V_DEC: return "Decimal";
    case V_TEXT: return "Text";
    case V_DATE: return "Date";
    default: return value_tag_name(v.tag);
    }
}

static bool host_fits(const Type *t, Value *v)
{
    if (v->tag == V_NONE)
        return type_is_optional(t);
    t = type_strip(t);
    switch (t->kind) {
    case T_BOOL: return v->tag == V_BOOL;
    case T_INT: return v->tag == V_INT;
    case T_DEC:
        if (v->tag == V_INT)
            *v = val_dec(dec_from_int(v->as.i));
        return v->tag == V_DEC;
    case T_TEXT: return v->tag == V_TEXT;
    case T_DATE: return v->tag == V_DATE;
    default: return false;
    }
}

const char *host_call(const HostInfo *h, const Value *args, uint32_t argc, Value *out)
{
    if (!h->fn)
        return rg_sprintf("host function %s was not given by the host", h->name);
    if (argc != h->nparams)
        return rg_sprintf("internal error: host function %s called with %u arguments", h->name, argc);
    /* The arguments are not checked against the parameters: the getters
     * check each value's tag, so bytecode from a file cannot make them
     * misread one. */
    struct regel_host_call call;
    memset(&call, 0, sizeof call);
    call.host = h;
    call.args = args;
    call.argc = argc;
    regel_status st = h->fn(h->ctx, &call);
    if (call.thrown)
        rg_throw(call.thrown);
    if (call.failed)
        return call.failed;
    if (call.bad)
        return rg_sprintf("host function %s %s", h->name, call.bad);
    if (st != REGEL_OK)
        return rg_sprintf("host function %s failed (status %d) without saying why", h->name, (int)st);
    if (!call.returned)
        return rg_sprintf("host function %s returned nothing for a declared %s", h->name, type_name(h->result));
    Value r = call.result;
    if (!host_fits(h->result, &r))
        return rg_sprintf("host function %s returned %s for a declared %s", h->name, host_value_type(r),
                          type_name(h->result));
    *out = r;
    return NULL;
}
