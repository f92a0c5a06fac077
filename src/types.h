/*
 * types.h — the static types of the language and the record and enum
 * declarations they refer to.
 *
 * Types are small immutable structs compared structurally (type_equal).
 * Primitive types are shared singletons; composite ones are made on demand.
 */
#ifndef REGEL_TYPES_H
#define REGEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"

typedef enum TypeKind {
    T_ERROR,    /* an expression that already had an error: fits anywhere */
    T_NONE,     /* the type of `none`: fits any optional type */
    T_BOOL,
    T_INT,
    T_DEC,
    T_TEXT,
    T_DATE,
    T_PERIOD,
    T_DURATION,
    T_LIST,     /* elem */
    T_SET,      /* elem */
    T_RECORD,   /* rec */
    T_ENUM,     /* enm */
    T_OPTIONAL, /* elem, never itself optional */
} TypeKind;

typedef struct Type Type;
typedef struct RecordType RecordType;
typedef struct EnumType EnumType;

struct Type {
    TypeKind kind;
    const Type *elem;
    RecordType *rec;
    EnumType *enm;
};

typedef struct FieldDef {
    const char *name;
    const Type *type;
    const char *column; /* CSV column title or JSON key (NFC) */
    uint32_t column_len;
    Span span;
} FieldDef;

struct RecordType {
    const char *name;
    Span span;
    size_t nfields;
    FieldDef *fields;
};

struct EnumType {
    const char *name;
    Span span;
    size_t nwords;
    const char **words;     /* as policies write them */
    const char **spellings; /* as exports write them (and JSON output shows them) */
    const char **texts;     /* as text shows them: messages, text(), tables */
};

extern const Type type_error, type_none, type_bool, type_int, type_dec, type_text, type_date,
    type_period, type_duration;

const Type *type_list(const Type *elem);
const Type *type_set(const Type *elem);
/* T? ; optional of an optional is the same optional; of none is none. */
const Type *type_optional(const Type *t);
const Type *type_record(RecordType *rt);
const Type *type_enum(EnumType *et);

bool type_equal(const Type *a, const Type *b);
/* A value of type `from` may be used where `to` is expected, possibly after
 * an implicit Int -> Decimal widening (see type_needs_widening). */
bool type_assignable(const Type *to, const Type *from);
bool type_needs_widening(const Type *to, const Type *from);
bool type_is_numeric(const Type *t);
bool type_is_optional(const Type *t);
/* T for T?, t itself otherwise. */
const Type *type_strip(const Type *t);
/* Values of the type can be ordered with < (numbers, text, dates, durations
 * of days only are not: see the checker). */
bool type_is_ordered(const Type *t);

/* "List<Personal>", "Date?" ... */
void type_print(const Type *t, RgBuf *out);
const char *type_name(const Type *t);

/* Where a source's records come from and how to read them; filled in by
 * the checker from a `source` declaration and its format. */
typedef enum SourceFormat { FMT_CSV, FMT_JSONL } SourceFormat;
typedef enum OnInvalid {
    INVALID_DEFAULT, /* whatever the run says (--on-error) */
    INVALID_FAIL,    /* the policy asks to stop at an invalid record */
    INVALID_SKIP,    /* the policy asks to report it and go on */
} OnInvalid;

typedef struct SourceSpec {
    const char *name;
    const RecordType *type;
    SourceFormat format;
    char separator;      /* CSV: ',' unless told */
    char decimal;        /* ',' accepts both ',' and '.'; '.' only '.' */
    const char *yes, *no;/* CSV booleans; "true"/"false" unless told */
    OnInvalid on_invalid;
    const char *file;    /* relative to the data folder */
    int key_field;       /* -1 when the source has no key */
    Span span;
} SourceSpec;

/* The slots of the record types the language itself defines (built by
 * the checker, filled in by the VM): a rule's reason, a queue entry, and
 * a decision's result (these fields, then the decision's extra fields). */
enum { REASON_REF, REASON_SEVERITY, REASON_MESSAGE, REASON_NFIELDS };
enum { ENTRY_POSITION, ENTRY_ADMITTED, ENTRY_CAPACITY, ENTRY_ADMITTED_BEFORE, ENTRY_FAILED, ENTRY_REASONS,
       ENTRY_NFIELDS };
enum { RESULT_KEY, RESULT_OUTCOME, RESULT_PASSED, RESULT_FAILED, RESULT_REASONS, RESULT_NFIXED };

/* Index of the field called name, or -1. */
int record_field_index(const RecordType *rt, const char *name);
/* Index of the word as policies write it, or -1. */
int enum_word_index(const EnumType *et, const char *word, size_t len);
/* Index of the word spelt as in exports, or -1. */
int enum_spelling_index(const EnumType *et, const char *text, size_t len);

#endif
