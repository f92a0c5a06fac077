/*
 * types.c — construction, comparison and printing of static types.
 */
#include "types.h"

#include <string.h>

#include "alloc.h"

const Type type_error = {T_ERROR, NULL, NULL, NULL};
const Type type_none = {T_NONE, NULL, NULL, NULL};
const Type type_bool = {T_BOOL, NULL, NULL, NULL};
const Type type_int = {T_INT, NULL, NULL, NULL};
const Type type_dec = {T_DEC, NULL, NULL, NULL};
const Type type_text = {T_TEXT, NULL, NULL, NULL};
const Type type_date = {T_DATE, NULL, NULL, NULL};
const Type type_period = {T_PERIOD, NULL, NULL, NULL};
const Type type_duration = {T_DURATION, NULL, NULL, NULL};

static const Type *make(TypeKind kind, const Type *elem, RecordType *rec, EnumType *enm)
{
    Type *t = rg_alloc(sizeof *t);
    t->kind = kind;
    t->elem = elem;
    t->rec = rec;
    t->enm = enm;
    return t;
}

const Type *type_list(const Type *elem)
{
    return make(T_LIST, elem, NULL, NULL);
}

const Type *type_set(const Type *elem)
{
    return make(T_SET, elem, NULL, NULL);
}

const Type *type_optional(const Type *t)
{
    if (t->kind == T_OPTIONAL || t->kind == T_NONE || t->kind == T_ERROR)
        return t;
    return make(T_OPTIONAL, t, NULL, NULL);
}

const Type *type_record(RecordType *rt)
{
    return make(T_RECORD, NULL, rt, NULL);
}

const Type *type_enum(EnumType *et)
{
    return make(T_ENUM, NULL, NULL, et);
}

bool type_equal(const Type *a, const Type *b)
{
    if (a == b)
        return true;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case T_LIST: case T_SET: case T_OPTIONAL:
        return type_equal(a->elem, b->elem);
    case T_RECORD:
        return a->rec == b->rec;
    case T_ENUM:
        return a->enm == b->enm;
    default:
        return true;
    }
}

bool type_needs_widening(const Type *to, const Type *from)
{
    const Type *t = type_strip(to), *f = type_strip(from);
    return t->kind == T_DEC && f->kind == T_INT;
}

bool type_assignable(const Type *to, const Type *from)
{
    if (to->kind == T_ERROR || from->kind == T_ERROR)
        return true;
    if (type_equal(to, from))
        return true;
    if (to->kind == T_OPTIONAL) {
        if (from->kind == T_NONE)
            return true;
        const Type *f = from->kind == T_OPTIONAL ? from->elem : from;
        return type_equal(to->elem, f) || (to->elem->kind == T_DEC && f->kind == T_INT);
    }
    if (to->kind == T_DEC && from->kind == T_INT)
        return true;
    /* An empty list literal has element type error and fits any list. */
    if ((to->kind == T_LIST || to->kind == T_SET) && from->kind == to->kind)
        return from->elem->kind == T_ERROR ||
               (type_assignable(to->elem, from->elem) && !type_needs_widening(to->elem, from->elem));
    return false;
}

bool type_is_numeric(const Type *t)
{
    return t->kind == T_INT || t->kind == T_DEC || t->kind == T_ERROR;
}

bool type_is_optional(const Type *t)
{
    return t->kind == T_OPTIONAL || t->kind == T_NONE;
}

const Type *type_strip(const Type *t)
{
    return t->kind == T_OPTIONAL ? t->elem : t;
}

bool type_is_ordered(const Type *t)
{
    switch (t->kind) {
    case T_INT: case T_DEC: case T_TEXT: case T_DATE: case T_ERROR:
        return true;
    default:
        return false;
    }
}



void type_print(const Type *t, RgBuf *out)
{
    switch (t->kind) {
    case T_ERROR: buf_adds(out, "<error>"); break;
    case T_NONE: buf_adds(out, "none"); break;
    case T_BOOL: buf_adds(out, "Bool"); break;
    case T_INT: buf_adds(out, "Int"); break;
    case T_DEC: buf_adds(out, "Decimal"); break;
    case T_TEXT: buf_adds(out, "Text"); break;
    case T_DATE: buf_adds(out, "Date"); break;
    case T_PERIOD: buf_adds(out, "Period"); break;
    case T_DURATION: buf_adds(out, "Duration"); break;
    case T_LIST:
        buf_adds(out, "List<");
        type_print(t->elem, out);
        buf_addc(out, '>');
        break;
    case T_SET:
        buf_adds(out, "Set<");
        type_print(t->elem, out);
        buf_addc(out, '>');
        break;
    case T_RECORD: buf_adds(out, t->rec->name); break;
    case T_ENUM: buf_adds(out, t->enm->name); break;
    case T_OPTIONAL:
        type_print(t->elem, out);
        buf_addc(out, '?');
        break;
    }
}

const char *type_name(const Type *t)
{
    RgBuf b;
    buf_init(&b);
    type_print(t, &b);
    return buf_dup(&b);
}

int record_field_index(const RecordType *rt, const char *name)
{
    for (size_t i = 0; i < rt->nfields; i++)
        if (strcmp(rt->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

int enum_word_index(const EnumType *et, const char *word, size_t len)
{
    for (size_t i = 0; i < et->nwords; i++)
        if (strlen(et->words[i]) == len && memcmp(et->words[i], word, len) == 0)
            return (int)i;
    return -1;
}

int enum_spelling_index(const EnumType *et, const char *text, size_t len)
{
    for (size_t i = 0; i < et->nwords; i++)
        if (strlen(et->spellings[i]) == len && memcmp(et->spellings[i], text, len) == 0)
            return (int)i;
    return -1;
}
