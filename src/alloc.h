/*
 * alloc.h — the one module that talks to the garbage collector (libgc).
 *
 * Every allocation in regel goes through here, so that the collector can be
 * swapped for plain malloc in sanitizer builds (REGEL_MALLOC_ALLOC), where
 * AddressSanitizer must see the bounds of each block, and so that running out
 * of memory has exactly one path: rg_throw(RG_EOOM) to the innermost
 * protected boundary (see rg_try below), never exit() or abort().
 *
 * Ownership: memory from rg_alloc and rg_alloc_atomic belongs to the
 * collector; nobody frees it. Memory from rg_alloc_root is scanned and never
 * collected until rg_free: use it for roots that only C code (malloc'd
 * structures of a host, static tables) points at.
 */
#ifndef REGEL_ALLOC_H
#define REGEL_ALLOC_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Idempotent; every public entry point calls it, so a test process or a host
 * never has to. It also registers the calling thread with the collector
 * the first time that thread comes in (and unregisters it when the thread
 * exits), so hosts may call the library from threads of their own. The
 * first call should come from the program's first thread or from one that
 * outlives every use of the library. */
void rg_alloc_init(void);

/* Zeroed block that may hold pointers to other collected blocks. */
void *rg_alloc(size_t size);
/* Like rg_alloc, but not counted in rg_alloc_bytes nor held to the cap:
 * for tables kept across evaluations (the VM's remembered results), which
 * no one evaluation should be charged for. */
void *rg_alloc_uncounted(size_t size);
/* Block the collector never scans for pointers (text, bytecode, numbers).
 * Not zeroed. */
void *rg_alloc_atomic(size_t size);
/* Resize a block from rg_alloc or rg_alloc_atomic; new bytes are not zeroed. */
void *rg_realloc(void *block, size_t size);
/* Scanned, never collected until rg_free. Zeroed. */
void *rg_alloc_root(size_t size);
/* Frees a root at once; for other blocks it is only a hint. NULL is fine. */
void rg_free(void *block);

/* Copies of byte strings, NUL-terminated, atomic. */
char *rg_strndup(const char *s, size_t n);
char *rg_strdup(const char *s);
/* printf into a fresh atomic string. */
char *rg_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An arena for many small strings that live and die together (the text
 * of the records read from one export): they are carved from large atomic
 * blocks, which the collector frees once no string in them is referenced.
 * Saves an allocation per string on the hot path of batch runs. In malloc
 * builds each string gets its own block, so the sanitizer sees its bounds.
 * Start from a zeroed RgArena. */
typedef struct RgArena {
    char *block;
    size_t used, cap;
} RgArena;

/* A NUL-terminated copy of s[0..n) in the arena. */
char *rg_arena_copy(RgArena *a, const char *s, size_t n);

/* Bytes handed out on this thread since it started; the VM compares two
 * readings to enforce a per-evaluation memory cap. */
uint64_t rg_alloc_bytes(void);
/* Sets the thread's allocation cap, a total of rg_alloc_bytes that no
 * allocation may take it past: one that would is refused with
 * rg_throw(RG_ELIMIT), and the cap is then lifted. UINT64_MAX means none.
 * Returns the cap that was set before. */
uint64_t rg_alloc_set_cap(uint64_t cap);
/* Bytes the collector's heap occupies now (0 in malloc builds). */
size_t rg_heap_size(void);

/*
 * Fault injection, for the out-of-memory tests (tests/unit/test_oom.c):
 * rg_alloc_fail_at(n, keep_failing) makes the n-th allocation counted
 * from now on the calling thread fail exactly as exhausted memory does
 * (rg_throw(RG_EOOM), or NULL from rg_malloc), and with keep_failing
 * every allocation after it too; n = 0 turns injection off. Every
 * allocation of this module counts, and so do rg_malloc/rg_realloc_plain,
 * which stand for malloc and realloc in the library's own code and in
 * the C libraries it hands an allocator to (libcsv).
 *
 * Per thread, like the boundaries: the failure must happen on the thread
 * whose boundary it unwinds to, and other threads (a host's, the
 * collector's) must not move the count a test relies on. Not part of the
 * public API: the unit tests link the library's objects.
 */
void rg_alloc_fail_at(uint64_t n, bool keep_failing);
/* Allocations counted on this thread since rg_alloc_fail_at was last
 * called (or since it started). */
uint64_t rg_alloc_count(void);

/* malloc and realloc for blocks handed out as plain C memory (freed with
 * free(): strings a host frees with regel_free, libcsv's buffers). NULL
 * when memory ran out; they never unwind. */
void *rg_malloc(size_t size);
void *rg_realloc_plain(void *block, size_t size);

/*
 * Protected boundaries. Errors that cannot be returned through every caller
 * (out of memory deep inside the parser, a VM limit) unwind with longjmp to
 * the innermost boundary of the current thread, like Lua's luaD_throw.
 *
 *     RgTry t;
 *     int code = RG_TRY(&t);
 *     if (code == 0) { ...work...; rg_try_end(&t); }
 *     else           { ...t was already popped; handle code... }
 *
 * Code between RG_TRY and rg_try_end must not return without rg_try_end.
 */
enum { RG_EOOM = 1, RG_ELIMIT = 2, RG_EABORT = 3 };

typedef struct RgTry {
    jmp_buf env;
    struct RgTry *prev;
} RgTry;

void rg_try_begin(RgTry *t);
void rg_try_end(RgTry *t);
/* Unwinds to the innermost boundary with a non-zero code. With no boundary
 * set (a bug in the caller) it prints nothing and aborts, the one place the
 * library may: there is nowhere to return to. */
_Noreturn void rg_throw(int code);

#define RG_TRY(t) (rg_try_begin(t), setjmp((t)->env))

#endif
