/*
 * alloc.c — collector-backed allocation, and the thread's chain of protected
 * boundaries used to unwind on out-of-memory and limit errors.
 */
#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef REGEL_MALLOC_ALLOC
#define GC_THREADS
#include <gc/gc.h>
#endif

static _Thread_local RgTry *try_top;
static _Thread_local uint64_t bytes_handed_out;

#ifndef REGEL_MALLOC_ALLOC
static void *oom_returns_null(size_t size)
{
    (void)size;
    return NULL;
}
#endif

void rg_alloc_init(void)
{
#ifndef REGEL_MALLOC_ALLOC
    static int done; /* GC_INIT is itself idempotent; this saves the call. */
    if (!done) {
        GC_INIT();
        GC_set_oom_fn(oom_returns_null);
        done = 1;
    }
#endif
}

static void *checked(void *p)
{
    if (!p)
        rg_throw(RG_EOOM);
    return p;
}

void *rg_alloc(size_t size)
{
    bytes_handed_out += size;
#ifdef REGEL_MALLOC_ALLOC
    return checked(calloc(1, size ? size : 1));
#else
    return checked(GC_MALLOC(size));
#endif
}

void *rg_alloc_atomic(size_t size)
{
    bytes_handed_out += size;
#ifdef REGEL_MALLOC_ALLOC
    return checked(malloc(size ? size : 1));
#else
    return checked(GC_MALLOC_ATOMIC(size));
#endif
}

void *rg_realloc(void *block, size_t size)
{
    bytes_handed_out += size;
#ifdef REGEL_MALLOC_ALLOC
    return checked(realloc(block, size ? size : 1));
#else
    return checked(GC_REALLOC(block, size ? size : 1));
#endif
}

void *rg_alloc_root(size_t size)
{
#ifdef REGEL_MALLOC_ALLOC
    return checked(calloc(1, size ? size : 1));
#else
    return checked(GC_MALLOC_UNCOLLECTABLE(size));
#endif
}

void rg_free(void *block)
{
#ifdef REGEL_MALLOC_ALLOC
    /* Collected blocks are never freed in malloc builds (the sanitizer run
     * turns leak detection off); roots are freed like any malloc block. This
     * cannot tell the two apart, so it frees nothing. */
    (void)block;
#else
    if (block)
        GC_FREE(block);
#endif
}

char *rg_strndup(const char *s, size_t n)
{
    char *p = rg_alloc_atomic(n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *rg_strdup(const char *s)
{
    return rg_strndup(s, strlen(s));
}

char *rg_sprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = rg_alloc_atomic((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* Large enough that a block serves hundreds of records; small enough that
 * one long-lived string does not pin much memory. */
#define ARENA_BLOCK 65536
/* Longer strings get a block of their own. */
#define ARENA_MAX_PIECE 4096

char *rg_arena_copy(RgArena *a, const char *s, size_t n)
{
#ifndef REGEL_MALLOC_ALLOC
    if (n < ARENA_MAX_PIECE) {
        if (a->used + n + 1 > a->cap) {
            a->block = rg_alloc_atomic(ARENA_BLOCK);
            a->cap = ARENA_BLOCK;
            a->used = 0;
        }
        char *p = a->block + a->used;
        memcpy(p, s, n);
        p[n] = '\0';
        a->used += n + 1;
        return p;
    }
#else
    (void)a;
#endif
    return rg_strndup(s, n);
}

uint64_t rg_alloc_bytes(void)
{
    return bytes_handed_out;
}

size_t rg_heap_size(void)
{
#ifdef REGEL_MALLOC_ALLOC
    return 0;
#else
    return GC_get_heap_size();
#endif
}

void rg_try_begin(RgTry *t)
{
    t->prev = try_top;
    try_top = t;
}

void rg_try_end(RgTry *t)
{
    try_top = t->prev;
}

_Noreturn void rg_throw(int code)
{
    RgTry *t = try_top;
    if (!t)
        abort();
    try_top = t->prev;
    longjmp(t->env, code);
}
