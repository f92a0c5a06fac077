/*
 * alloc.c — collector-backed allocation, and the thread's chain of protected
 * boundaries used to unwind on out-of-memory and limit errors.
 */
#include "alloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef REGEL_MALLOC_ALLOC
#define GC_THREADS
#include <gc/gc.h>
#endif

/* initial-exec: these are read on every allocation, and the general
 * dynamic model of a shared library would make each read a call. */
#define THREAD_STATE _Thread_local __attribute__((tls_model("initial-exec")))
static THREAD_STATE RgTry *try_top;
static THREAD_STATE uint64_t bytes_handed_out;
static THREAD_STATE uint64_t alloc_cap = UINT64_MAX;
static THREAD_STATE bool thread_attached;
/* Fault injection (alloc.h): allocations counted on this thread, the
 * count from which they fail (UINT64_MAX: none does), and whether they
 * go on failing after the first. */
static THREAD_STATE uint64_t allocs_counted;
static THREAD_STATE uint64_t fail_from = UINT64_MAX;
static THREAD_STATE bool fail_keeps;

#ifndef REGEL_MALLOC_ALLOC
static void *oom_returns_null(size_t size)
{
    (void)size;
    return NULL;
}
#endif

#ifndef REGEL_MALLOC_ALLOC
#define MIN_HEAP_BYTES (8u << 20)
static pthread_once_t collector_once = PTHREAD_ONCE_INIT;
/* Set (to a non-NULL value) in each thread that must leave the collector
 * when it exits: its destructor runs then. */
static pthread_key_t detach_key;

static void detach_thread(void *unused)
{
    (void)unused;
    GC_unregister_my_thread();
}

static bool primordial_thread(void)
{
    return gettid() == getpid();
}

static void start_collector(void)
{
    /* The collector takes the thread that starts it for the program's
     * first thread and scans it from that thread's stack bottom. When a
     * host's worker thread comes first, tell the collector where that
     * thread's stack is, and let the thread leave the collector when it
     * ends, as the threads registered below do. */
    bool worker = !primordial_thread();
    struct GC_stack_base sb;
    if (worker && GC_get_stack_base(&sb) == GC_SUCCESS)
        GC_set_stackbottom(NULL, &sb);
    GC_INIT();
    /* A heap of a few MB at least: a service deciding one small record
     * at a time keeps little alive, and the collector, sized to that,
     * would collect every few thousand decisions (a tenth of the time of
     * the embedded hot path). GC_INITIAL_HEAP_SIZE still decides when set. */
    if (GC_get_heap_size() < MIN_HEAP_BYTES)
        GC_expand_hp(MIN_HEAP_BYTES - GC_get_heap_size());
    GC_set_oom_fn(oom_returns_null);
    /* The library prints nothing: the collector's warnings ("repeated
     * allocation of very large block") would go to the host's stderr. */
    GC_set_warn_proc(GC_ignore_warn_proc);
    GC_allow_register_threads();
    pthread_key_create(&detach_key, detach_thread);
    if (worker)
        pthread_setspecific(detach_key, &detach_key);
}
#endif

void rg_alloc_init(void)
{
    if (__builtin_expect(thread_attached, 1))
        return;
#ifndef REGEL_MALLOC_ALLOC
    pthread_once(&collector_once, start_collector);
    /* A host thread the collector has not seen yet: register it, so that
     * the collector scans its stack and stops it during a collection, and
     * unregister it when it exits. */
    if (!GC_thread_is_registered()) {
        struct GC_stack_base sb;
        if (GC_get_stack_base(&sb) == GC_SUCCESS && GC_register_my_thread(&sb) == GC_SUCCESS)
            pthread_setspecific(detach_key, &detach_key);
    }
#endif
    thread_attached = true;
}

static void *checked(void *p)
{
    if (!p)
        rg_throw(RG_EOOM);
    return p;
}

static __attribute__((noinline, cold)) bool injected_failure(void)
{
    if (!fail_keeps)
        fail_from = UINT64_MAX;
    return true;
}

/* Counts an allocation; true when it is to fail as if memory ran out.
 * Without injection, fail_from is UINT64_MAX and the branch is never
 * taken. */
static inline bool fails_now(void)
{
    if (__builtin_expect(++allocs_counted >= fail_from, 0))
        return injected_failure();
    return false;
}

void rg_alloc_fail_at(uint64_t n, bool keep_failing)
{
    allocs_counted = 0;
    fail_from = n ? n : UINT64_MAX;
    fail_keeps = keep_failing;
}

uint64_t rg_alloc_count(void)
{
    return allocs_counted;
}

void *rg_malloc(size_t size)
{
    return fails_now() ? NULL : malloc(size ? size : 1);
}

void *rg_realloc_plain(void *block, size_t size)
{
    return fails_now() ? NULL : realloc(block, size ? size : 1);
}

/* Counts a request and enforces the thread's allocation cap. */
static inline void count_bytes(size_t size)
{
    bytes_handed_out += size;
    if (__builtin_expect(bytes_handed_out > alloc_cap, 0)) {
        alloc_cap = UINT64_MAX;
        rg_throw(RG_ELIMIT);
    }
}

void *rg_alloc(size_t size)
{
    count_bytes(size);
    if (fails_now())
        rg_throw(RG_EOOM);
#ifdef REGEL_MALLOC_ALLOC
    return checked(calloc(1, size ? size : 1));
#else
    return checked(GC_MALLOC(size));
#endif
}

void *rg_alloc_uncounted(size_t size)
{
    if (fails_now())
        rg_throw(RG_EOOM);
#ifdef REGEL_MALLOC_ALLOC
    return checked(calloc(1, size ? size : 1));
#else
    return checked(GC_MALLOC(size));
#endif
}

void *rg_alloc_atomic(size_t size)
{
    count_bytes(size);
    if (fails_now())
        rg_throw(RG_EOOM);
#ifdef REGEL_MALLOC_ALLOC
    return checked(malloc(size ? size : 1));
#else
    return checked(GC_MALLOC_ATOMIC(size));
#endif
}

void *rg_realloc(void *block, size_t size)
{
    count_bytes(size);
    if (fails_now())
        rg_throw(RG_EOOM);
#ifdef REGEL_MALLOC_ALLOC
    return checked(realloc(block, size ? size : 1));
#else
    return checked(GC_REALLOC(block, size ? size : 1));
#endif
}

void *rg_alloc_root(size_t size)
{
    if (fails_now())
        rg_throw(RG_EOOM);
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

uint64_t rg_alloc_set_cap(uint64_t cap)
{
    uint64_t old = alloc_cap;
    alloc_cap = cap;
    return old;
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
