/*
 * records.c — CSV rows and JSON Lines objects to typed records.
 *
 * The JSON side is driven by the record type: the pull parser is asked
 * for exactly what each field needs, and members the type does not name
 * are validated and skipped without being built.
 */
#include "records.h"

#include <string.h>

#include "alloc.h"
#include "csvread.h"
#include "json.h"
#include "lines.h"
#include "text.h"

struct RecordReader {
    const SourceSpec *spec;
    const char *path;
    LineReader *lines;
    CsvReader *csv;
    JsonParser json;
    int *columns;      /* CSV: column of each field */
    size_t ncolumns;   /* CSV: fields in the header */
    const char **titles; /* CSV: the header's cells, cleaned */
    long line;
    const char *error;
    RgBuf msg;
    RgArena text; /* the text of the records read */
};

/* ---------------------------------------------------------------- messages */

/* A short quotation of what was found, for "got ...". */
static void quote_found(RgBuf *b, const char *s, size_t n)
{
    enum { MAX_QUOTED = 40 };
    buf_addc(b, '"');
    size_t k = n;
    if (k > MAX_QUOTED) {
        k = MAX_QUOTED;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
    }
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20)
            buf_printf(b, "\\x%02x", c);
        else
            buf_addc(b, (char)c);
    }
    if (k < n)
        buf_adds(b, "...");
    buf_addc(b, '"');
}

const char *records_expected(const SourceSpec *spec, const Type *t)
{
    t = type_strip(t);
    if (t->kind == T_ENUM) {
        RgBuf b;
        buf_init(&b);
        buf_adds(&b, "one of ");
        for (size_t i = 0; i < t->enm->nwords; i++) {
            if (i)
                buf_adds(&b, ", ");
            buf_adds(&b, t->enm->spellings[i]);
        }
        return buf_dup(&b);
    }
    if (t->kind == T_BOOL && spec && spec->format == FMT_CSV)
        return rg_sprintf("%s or %s", spec->yes, spec->no);
    if (t->kind == T_DATE)
        return "a date (YYYY-MM-DD)";
    if (t->kind == T_RECORD)
        return "an object";
    if (t->kind == T_LIST || t->kind == T_SET)
        return "a list";
    return type_name(t);
}

/* Starts the message "path:line: field "name": ". */
static void begin_msg(RecordReader *r, const char *field)
{
    buf_clear(&r->msg);
    buf_printf(&r->msg, "%s:%ld: ", r->path, r->line);
    if (field)
        buf_printf(&r->msg, "field \"%s\": ", field);
}

static RecordStatus invalid(RecordReader *r)
{
    r->error = buf_dup(&r->msg);
    return REC_INVALID;
}

/* ---------------------------------------------------------------- scalar conversion */

typedef enum Conv { CONV_OK, CONV_BAD, CONV_RANGE } Conv;

static Conv parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return CONV_BAD;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return CONV_BAD;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
            return CONV_RANGE;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return CONV_OK;
}

/* Whether a number dec_parse refused as out of range was refused for its
 * decimals rather than its size: at most 18 digits before the point, once
 * the exponent is applied (0.1234567890123456789, 1e-400). */
static bool too_precise(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] == '0')
        i++;
    long digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        digits++;
        i++;
    }
    if (i < n && (s[i] == '.' || s[i] == ','))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    long e = 0;
    if (i < n && (s[i] | 0x20) == 'e') {
        i++;
        bool neg = i < n && s[i] == '-';
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 1000000)
                e = e * 10 + (s[i] - '0');
        if (neg)
            e = -e;
    }
    return digits + e <= 18;
}

/* Converts cleaned text (a CSV cell, or a JSON string) to a value of type t
 * (not optional, not a record or list). */
static Conv from_text(RecordReader *r, const Type *t, const char *s, size_t n, bool csv, Value *out)
{
    const SourceSpec *spec = r->spec;
    switch (t->kind) {
    case T_TEXT:
        *out = val_text(rg_arena_copy(&r->text, s, n), n);
        return CONV_OK;
    case T_INT: {
        int64_t v;
        Conv c = parse_int(s, n, &v);
        if (c == CONV_OK)
            *out = val_int(v);
        return c;
    }
    case T_DEC: {
        Decimal d;
        DecStatus st = dec_parse(s, n, '.', false, &d);
        if (st == DEC_SYNTAX && csv && spec->decimal == ',')
            st = dec_parse(s, n, ',', false, &d);
        if (st == DEC_OK) {
            *out = val_dec(d);
            return CONV_OK;
        }
        return st == DEC_OVERFLOW ? CONV_RANGE : CONV_BAD;
    }
    case T_BOOL:
        if (csv) {
            if (strlen(spec->yes) == n && memcmp(spec->yes, s, n) == 0) {
                *out = val_bool(true);
                return CONV_OK;
            }
            if (strlen(spec->no) == n && memcmp(spec->no, s, n) == 0) {
                *out = val_bool(false);
                return CONV_OK;
            }
        }
        return CONV_BAD;
    case T_DATE: {
        Date d;
        if (!date_parse_iso(s, n, &d))
            return CONV_BAD;
        *out = val_date(d);
        return CONV_OK;
    }
    case T_ENUM: {
        int w = enum_spelling_index(t->enm, s, n);
        if (w < 0)
            return CONV_BAD;
        *out = val_enum(t->enm, w);
        return CONV_OK;
    }
    default:
        return CONV_BAD;
    }
}

/* ---------------------------------------------------------------- CSV */

static RgBuf *header_names(RecordReader *r, const CsvRow *row)
{
    RgBuf *b = rg_alloc(sizeof *b);
    buf_init(b);
    for (size_t i = 0; i < row->count; i++) {
        size_t n;
        const char *t = text_clean(row->fields[i], row->lens[i], &n);
        if (i)
            buf_adds(b, ", ");
        buf_addc(b, '"');
        buf_add(b, t, n);
        buf_addc(b, '"');
    }
    (void)r;
    return b;
}

/* For a header read as one column: the separator the file seems to use
 * instead of the source's, as "; is the separator ...?", or "". */
static const char *separator_hint(const SourceSpec *spec, const CsvRow *row)
{
    if (row->count != 1)
        return "";
    static const char candidates[] = ";,\t|";
    for (const char *c = candidates; *c; c++)
        if (*c != spec->separator && memchr(row->fields[0], *c, row->lens[0]))
            return rg_sprintf("; is the separator %s? (the source says %s)", *c == '\t' ? "a tab" : rg_sprintf("\"%c\"", *c),
                              spec->separator == '\t' ? "a tab" : rg_sprintf("\"%c\"", spec->separator));
    return "";
}

/* A row that repeats the header, as when two exports are joined into one
 * file. Only asked about a row that is already invalid. */
static bool repeats_header(const RecordReader *r, const CsvRow *row)
{
    if (row->count != r->ncolumns)
        return false;
    for (size_t i = 0; i < row->count; i++) {
        size_t n;
        const char *t = text_clean(row->fields[i], row->lens[i], &n);
        if (strlen(r->titles[i]) != n || memcmp(r->titles[i], t, n) != 0)
            return false;
    }
    return true;
}

static RecordStatus header_again(RecordReader *r)
{
    begin_msg(r, NULL);
    buf_adds(&r->msg, "the header appears again as a row; were two exports joined into one file?");
    return invalid(r);
}

static bool map_header(RecordReader *r, const char **err)
{
    CsvRow row;
    int st = csvr_next(r->csv, &row);
    if (st <= 0) {
        if (st == 0)
            *err = rg_sprintf("%s: the file is empty; it needs a header row", r->path);
        else
            *err = rg_sprintf("%s:%ld:%ld: %s", r->path, csvr_error_line(r->csv), csvr_error_col(r->csv),
                              csvr_error(r->csv));
        return false;
    }
    const RecordType *rt = r->spec->type;
    r->ncolumns = row.count;
    r->columns = rg_alloc_atomic((rt->nfields ? rt->nfields : 1) * sizeof(int));
    const char **titles = rg_alloc(row.count * sizeof *titles);
    for (size_t i = 0; i < row.count; i++) {
        size_t n;
        const char *t = text_clean(row.fields[i], row.lens[i], &n);
        titles[i] = rg_strndup(t, n);
    }
    r->titles = titles;
    for (size_t f = 0; f < rt->nfields; f++) {
        const char *want = rt->fields[f].column;
        int found = -1;
        for (size_t i = 0; i < row.count; i++) {
            if (strcmp(titles[i], want) != 0)
                continue;
            if (found >= 0) {
                *err = rg_sprintf("%s:%ld: the column \"%s\" appears twice in the header", r->path, row.line, want);
                return false;
            }
            found = (int)i;
        }
        if (found < 0) {
            const char *best = text_suggest(want, titles, row.count);
            *err = rg_sprintf("%s:%ld: the header has no column \"%s\" (field %s of %s)%s%s%s; the columns are %s%s",
                              r->path, row.line, want, rt->fields[f].name, rt->name, best ? "; did you mean \"" : "",
                              best ? best : "", best ? "\"?" : "", header_names(r, &row)->data,
                              separator_hint(r->spec, &row));
            return false;
        }
        r->columns[f] = found;
    }
    return true;
}

static RecordStatus csv_next(RecordReader *r, Value *out)
{
    CsvRow row;
    int st = csvr_next(r->csv, &row);
    if (st == 0)
        return REC_END;
    if (st < 0) {
        r->line = csvr_error_line(r->csv);
        r->error = rg_sprintf("%s:%ld:%ld: %s", r->path, csvr_error_line(r->csv), csvr_error_col(r->csv),
                              csvr_error(r->csv));
        return REC_FATAL;
    }
    r->line = row.line;
    if (row.count != r->ncolumns) {
        begin_msg(r, NULL);
        buf_printf(&r->msg, "the row has %zu field%s but the header has %zu", row.count, row.count == 1 ? "" : "s",
                   r->ncolumns);
        return invalid(r);
    }
    const SourceSpec *spec = r->spec;
    const RecordType *rt = spec->type;
    Record *rec = record_new(rt);
    rec->line = (uint32_t)row.line;
    for (size_t f = 0; f < rt->nfields; f++) {
        int col = r->columns[f];
        const FieldDef *fd = &rt->fields[f];
        size_t n;
        const char *raw = row.fields[col];
        size_t rawn = row.lens[col];
        const char *s = text_clean(raw, rawn, &n);
        if (n == 0) {
            if (fd->type->kind == T_OPTIONAL) {
                rec->slots[f] = val_none();
                continue;
            }
            if (repeats_header(r, &row))
                return header_again(r);
            begin_msg(r, fd->column);
            buf_printf(&r->msg, "expected %s, got an empty cell", records_expected(spec, fd->type));
            return invalid(r);
        }
        Conv c = from_text(r, type_strip(fd->type), s, n, true, &rec->slots[f]);
        if (c != CONV_OK) {
            if (repeats_header(r, &row))
                return header_again(r);
            begin_msg(r, fd->column);
            if (c == CONV_RANGE && type_strip(fd->type)->kind == T_DEC && too_precise(s, n))
                buf_adds(&r->msg, "the number is too precise for Decimal (at most 18 decimals): ");
            else if (c == CONV_RANGE)
                buf_printf(&r->msg, "the number is too large for %s: ", records_expected(spec, fd->type));
            else
                buf_printf(&r->msg, "expected %s, got ", records_expected(spec, fd->type));
            quote_found(&r->msg, s, n);
            return invalid(r);
        }
    }
    *out = val_record(rec);
    return REC_OK;
}

/* ---------------------------------------------------------------- JSON */

/* Describes the JSON value at the parser's position (without consuming
 * it) for "got ...". */
static void describe_json(JsonParser *j, RgBuf *b)
{
    JsonType t = json_peek(j);
    switch (t) {
    case JSON_NULL: buf_adds(b, "null"); break;
    case JSON_TRUE: buf_adds(b, "true"); break;
    case JSON_FALSE: buf_adds(b, "false"); break;
    case JSON_ARRAY: buf_adds(b, "a list"); break;
    case JSON_OBJECT: buf_adds(b, "an object"); break;
    case JSON_NUMBER: {
        const char *lx;
        size_t n;
        if (json_read_number(j, &lx, &n))
            buf_add(b, lx, n > 40 ? 40 : n);
        else
            buf_adds(b, "an invalid number");
        break;
    }
    case JSON_STRING: {
        const char *s;
        size_t n;
        if (json_read_string(j, &s, &n)) {
            size_t m;
            const char *c = text_clean(s, n, &m);
            quote_found(b, c, m);
        } else {
            buf_adds(b, "an invalid string");
        }
        break;
    }
    default: buf_adds(b, "nothing"); break;
    }
}

typedef struct Path {
    const struct Path *parent;
    const char *name; /* key, or NULL for a list element */
    size_t index;
} Path;

static void path_print(RgBuf *b, const Path *p)
{
    if (!p)
        return;
    path_print(b, p->parent);
    if (p->name) {
        if (p->parent)
            buf_addc(b, '.');
        buf_adds(b, p->name);
    } else {
        buf_printf(b, "[%zu]", p->index);
    }
}

/* text_clean for a string the parser just read: plain ASCII (the usual
 * case) only needs its ends trimmed. */
static const char *clean_json_string(const JsonParser *j, const char *s, size_t n, size_t *out_n)
{
    if (!j->ascii)
        return text_clean(s, n, out_n);
    while (n && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
        n--;
    *out_n = n;
    return s;
}

static RecordStatus json_problem(RecordReader *r, const Path *p, const char *fmt, const char *arg)
{
    RgBuf f;
    buf_init(&f);
    path_print(&f, p);
    begin_msg(r, f.len ? f.data : NULL);
    buf_printf(&r->msg, fmt, arg);
    return invalid(r);
}

static RecordStatus json_syntax(RecordReader *r, const char *line)
{
    buf_clear(&r->msg);
    long col = (long)text_column(line, r->json.error_offset);
    buf_printf(&r->msg, "%s:%ld:%ld: invalid JSON: %s", r->path, r->line, col, r->json.error);
    return invalid(r);
}

static RecordStatus read_json_value(RecordReader *r, const Type *t, const Path *p, Value *out);

static RecordStatus read_json_record(RecordReader *r, const RecordType *rt, const Path *p, Value *out)
{
    JsonParser *j = &r->json;
    if (json_peek(j) != JSON_OBJECT) {
        if (j->error)
            return REC_FATAL;
        RgBuf got;
        buf_init(&got);
        describe_json(j, &got);
        return json_problem(r, p, "expected an object, got %s", got.data);
    }
    json_object_begin(j);
    Record *rec = record_new(rt);
    rec->line = (uint32_t)r->line;
    uint64_t seen = 0; /* fields 0..63 seen; more are checked by value */
    size_t next = 0;   /* exports write keys in one order: try the field after the last match first */
    bool *seen_more = rt->nfields > 64 ? rg_alloc_atomic(rt->nfields) : NULL;
    if (seen_more)
        memset(seen_more, 0, rt->nfields);
    for (;;) {
        const char *key;
        size_t klen;
        int st = json_object_next(j, &key, &klen);
        if (st < 0)
            return REC_FATAL;
        if (st == 0)
            break;
        int f = -1;
        for (size_t k = 0; k < rt->nfields; k++) {
            size_t i = next + k < rt->nfields ? next + k : next + k - rt->nfields;
            const FieldDef *fd = &rt->fields[i];
            if (fd->column_len == klen && memcmp(fd->column, key, klen) == 0) {
                f = (int)i;
                next = i + 1;
                break;
            }
        }
        if (f < 0 && klen && (!j->ascii || (unsigned char)key[0] <= ' ' || (unsigned char)key[klen - 1] <= ' ')) {
            /* Keys are compared as cleaned text too, like values. */
            size_t m;
            const char *c = text_clean(key, klen, &m);
            for (size_t i = 0; i < rt->nfields; i++)
                if (rt->fields[i].column_len == m && memcmp(rt->fields[i].column, c, m) == 0) {
                    f = (int)i;
                    break;
                }
        }
        if (f < 0) {
            if (!json_skip(j))
                return REC_FATAL;
            continue;
        }
        bool already = f < 64 ? (seen >> f) & 1 : seen_more[f];
        Path here = {p, rt->fields[f].column, 0};
        if (already)
            return json_problem(r, &here, "%s", "appears twice in the object");
        if (f < 64)
            seen |= (uint64_t)1 << f;
        else
            seen_more[f] = true;
        RecordStatus s = read_json_value(r, rt->fields[f].type, &here, &rec->slots[f]);
        if (s != REC_OK)
            return s;
    }
    for (size_t i = 0; i < rt->nfields; i++) {
        bool got = i < 64 ? (seen >> i) & 1 : seen_more[i];
        if (got)
            continue;
        if (rt->fields[i].type->kind == T_OPTIONAL) {
            rec->slots[i] = val_none();
            continue;
        }
        Path here = {p, rt->fields[i].column, 0};
        return json_problem(r, &here, "is missing (expected %s)", records_expected(r->spec, rt->fields[i].type));
    }
    *out = val_record(rec);
    return REC_OK;
}

static RecordStatus read_json_value(RecordReader *r, const Type *t, const Path *p, Value *out)
{
    JsonParser *j = &r->json;
    JsonType jt = json_peek(j);
    if (jt == JSON_INVALID)
        return REC_FATAL;
    if (jt == JSON_NULL) {
        if (t->kind == T_OPTIONAL) {
            json_read_null(j);
            *out = val_none();
            return REC_OK;
        }
        return json_problem(r, p, "expected %s, got null", records_expected(r->spec, t));
    }
    t = type_strip(t);
    RgBuf got;
    switch (t->kind) {
    case T_BOOL:
        if (jt == JSON_TRUE || jt == JSON_FALSE) {
            bool b;
            if (!json_read_bool(j, &b))
                return REC_FATAL;
            *out = val_bool(b);
            return REC_OK;
        }
        break;
    case T_INT:
    case T_DEC:
        if (jt == JSON_NUMBER || (jt == JSON_STRING && t->kind == T_DEC)) {
            const char *s;
            size_t n;
            bool ok = jt == JSON_NUMBER ? json_read_number(j, &s, &n) : json_read_string(j, &s, &n);
            if (!ok)
                return REC_FATAL;
            if (jt == JSON_STRING)
                s = clean_json_string(j, s, n, &n);
            if (t->kind == T_INT && n < 19 && jt == JSON_NUMBER) {
                /* Plain digits, the usual case, need no decimal parsing. */
                int64_t v = 0;
                size_t i = s[0] == '-';
                size_t digits = i;
                while (digits < n && s[digits] >= '0' && s[digits] <= '9')
                    v = v * 10 + (s[digits++] - '0');
                if (digits == n && n > i) {
                    *out = val_int(s[0] == '-' ? -v : v);
                    return REC_OK;
                }
            }
            Decimal d;
            DecStatus st = dec_parse(s, n, '.', jt == JSON_NUMBER, &d);
            if (st == DEC_OVERFLOW && too_precise(s, n))
                return json_problem(r, p, t->kind == T_DEC ? "the number is too precise for Decimal (at most 18 decimals): %s"
                                                           : "expected Int, got %s",
                                    rg_sprintf("%.*s", (int)(n > 40 ? 40 : n), s));
            if (st == DEC_OVERFLOW)
                return json_problem(r, p, "the number is too large for %s",
                                    rg_sprintf("%s: %.*s", type_name(t), (int)(n > 40 ? 40 : n), s));
            if (st != DEC_OK) {
                buf_init(&got);
                quote_found(&got, s, n);
                return json_problem(r, p, "expected Decimal, got %s", got.data);
            }
            if (t->kind == T_INT) {
                int64_t v;
                if (!dec_to_int(d, &v)) {
                    buf_init(&got);
                    buf_add(&got, s, n > 40 ? 40 : n);
                    return json_problem(r, p, "expected Int, got %s", got.data);
                }
                *out = val_int(v);
            } else {
                *out = val_dec(d);
            }
            return REC_OK;
        }
        break;
    case T_TEXT:
    case T_DATE:
    case T_ENUM:
        if (jt == JSON_STRING) {
            const char *s;
            size_t n;
            if (!json_read_string(j, &s, &n))
                return REC_FATAL;
            size_t m;
            const char *c = clean_json_string(&r->json, s, n, &m);
            if (from_text(r, t, c, m, false, out) == CONV_OK)
                return REC_OK;
            buf_init(&got);
            quote_found(&got, c, m);
            return json_problem(r, p, "%s", rg_sprintf("expected %s, got %s", records_expected(r->spec, t), got.data));
        }
        break;
    case T_RECORD:
        return read_json_record(r, t->rec, p, out);
    case T_LIST:
    case T_SET:
        if (jt == JSON_ARRAY) {
            json_array_begin(j);
            List *l = list_new(4);
            for (size_t i = 0;; i++) {
                int st = json_array_next(j);
                if (st < 0)
                    return REC_FATAL;
                if (st == 0)
                    break;
                Path here = {p, NULL, i};
                Value v;
                RecordStatus s = read_json_value(r, t->elem, &here, &v);
                if (s != REC_OK)
                    return s;
                l = list_push(l, v);
            }
            *out = t->kind == T_SET ? set_from_list(l) : val_list(l);
            return REC_OK;
        }
        break;
    default:
        break;
    }
    buf_init(&got);
    describe_json(j, &got);
    if (j->error)
        return REC_FATAL;
    return json_problem(r, p, "%s", rg_sprintf("expected %s, got %s", records_expected(r->spec, t), got.data));
}

/* One line of JSON Lines (without its terminator) as a record of type rt. */
static RecordStatus json_line(RecordReader *r, const RecordType *rt, const char *line, size_t len, Value *out)
{
    json_reset(&r->json, line, len);
    RecordStatus s = read_json_record(r, rt, NULL, out);
    if (s == REC_FATAL)
        return json_syntax(r, line); /* a syntax error spoils only this line */
    if (s == REC_OK && !json_finish(&r->json))
        return json_syntax(r, line);
    if (s == REC_INVALID) {
        /* A type error may hide a syntax error later on the line: the
         * syntax error is the more basic complaint. */
        const char *problem = r->error;
        const char *e;
        size_t off;
        if (!json_validate(line, len, JSON_MAX_DEPTH_DEFAULT, &e, &off)) {
            r->json.error = e;
            r->json.error_offset = off;
            return json_syntax(r, line);
        }
        r->error = problem;
    }
    return s;
}

static RecordStatus jsonl_next(RecordReader *r, Value *out)
{
    for (;;) {
        const char *line;
        size_t len;
        int st = lines_next(r->lines, &line, &len);
        if (st == 0)
            return REC_END;
        r->line = lines_number(r->lines);
        if (st < 0) {
            /* The line that could not be read is the one after the last. */
            r->line++;
            r->error = rg_sprintf("%s:%ld: %s", r->path, r->line, lines_error(r->lines));
            return REC_FATAL;
        }
        len = lines_content_len(line, len);
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            continue; /* blank lines separate nothing and mean nothing */
        return json_line(r, r->spec->type, line, len, out);
    }
}

RecordStatus records_read_json(const RecordType *rt, const char *name, long line, const char *text, size_t len,
                               Value *out, const char **err)
{
    /* The reader's own code on one line held in memory, so that a host's
     * JSON gets exactly the rules and messages an export's line gets. */
    RecordReader r = {0};
    r.path = name;
    r.line = line;
    buf_init(&r.msg);
    json_init(&r.json, "", 0, JSON_MAX_DEPTH_DEFAULT);
    RecordStatus s = json_line(&r, rt, text, len, out);
    *err = s == REC_OK ? NULL : r.error;
    return s;
}

/* ---------------------------------------------------------------- open/close */

/* The format's own reader over r->lines; false (after setting *err) when
 * a CSV export's header does not fit the record type. */
static bool start_format(RecordReader *r, const char **err)
{
    if (r->spec->format == FMT_CSV) {
        CsvOptions o = csv_default_options();
        o.separator = r->spec->separator;
        r->csv = csvr_open(r->lines, o);
        return map_header(r, err);
    }
    json_init(&r->json, "", 0, JSON_MAX_DEPTH_DEFAULT);
    return true;
}

RecordReader *records_open(const SourceSpec *spec, const char *path, const char **err)
{
    RecordReader *r = rg_alloc(sizeof *r);
    r->spec = spec;
    r->path = path;
    buf_init(&r->msg);
    r->lines = lines_open_file(path, LINES_MAX_DEFAULT, err);
    if (!r->lines)
        return NULL;
    /* Reading the header may run out of memory and unwind: the file is
     * closed on the way. */
    RgTry t;
    int code = RG_TRY(&t);
    if (code) {
        records_close(r);
        rg_throw(code);
    }
    bool ok = start_format(r, err);
    rg_try_end(&t);
    if (!ok) {
        records_close(r);
        return NULL;
    }
    return r;
}

RecordStatus records_next(RecordReader *r, Value *out)
{
    r->error = NULL;
    return r->csv ? csv_next(r, out) : jsonl_next(r, out);
}

const char *records_error(const RecordReader *r)
{
    return r->error;
}

long records_line(const RecordReader *r)
{
    return r->line;
}

void records_close(RecordReader *r)
{
    if (r->csv) {
        csvr_close(r->csv);
        r->csv = NULL;
        r->lines = NULL;
    }
    if (r->lines) {
        lines_close(r->lines);
        r->lines = NULL;
    }
}
