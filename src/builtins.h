/*
 * builtins.h — the functions every policy can call without importing.
 *
 * Two kinds:
 *  - natives: plain functions on values, listed once in builtin_table with
 *    a signature the checker reads ("(Period, Date) -> Bool"; T and U are
 *    type variables, Num is Int or Decimal, Coll<T> is a List<T> or a
 *    Set<T>). A name may appear several times (overloads); the checker
 *    takes the first entry whose parameters fit.
 *  - special forms (count, sum, min, max, any, all, map, sort_by): they
 *    take an element expression (`.field`, `it`, or `x => ...`) and are
 *    compiled to loops, so they are listed in special_table for the
 *    checker, the REPL and the language server, but have no C function.
 */
#ifndef REGEL_BUILTINS_H
#define REGEL_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>

#include "value.h"

typedef struct NativeCtx {
    const char *error; /* set (English or Swedish text) when a native fails */
} NativeCtx;

/* Returns false after setting ctx->error; *out is then undefined. The
 * checker guarantees argument types, but natives still check the tags of
 * anything they dereference: bytecode can come from a file. */
typedef bool (*NativeFn)(NativeCtx *ctx, const Value *args, Value *out);

typedef struct Builtin {
    const char *name;
    const char *sig;
    NativeFn fn;
    const char *doc;
} Builtin;

extern const Builtin builtin_table[];
extern const size_t builtin_count;

typedef enum SpecialForm {
    SPECIAL_COUNT,
    SPECIAL_SUM,
    SPECIAL_MIN,
    SPECIAL_MAX,
    SPECIAL_ANY,
    SPECIAL_ALL,
    SPECIAL_MAP,
    SPECIAL_SORT_BY,
    SPECIAL_FIRST_WHERE,
} SpecialForm;

typedef struct Special {
    const char *name;
    SpecialForm form;
    const char *doc;
} Special;

extern const Special special_table[];
extern const size_t special_count;

/* -1 when name is not a special form. */
int special_find(const char *name);
/* First index of a native called name at or after `from`, or -1. */
int builtin_find(const char *name, size_t from);

#endif
