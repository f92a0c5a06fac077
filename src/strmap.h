/*
 * strmap.h — a map from NUL-terminated names to pointers (open addressing,
 * collector memory). Used for symbol tables, column lookups and module
 * caches. Keys are not copied: they must outlive the map (names in the
 * syntax tree do).
 */
#ifndef REGEL_STRMAP_H
#define REGEL_STRMAP_H

#include <stddef.h>

typedef struct StrMap {
    const char **keys;
    void **vals;
    size_t cap, count;
} StrMap;

void strmap_init(StrMap *m);
/* NULL when absent. */
void *strmap_get(const StrMap *m, const char *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *strmap_put(StrMap *m, const char *key, void *val);

/* Iteration: for (size_t i = 0; i < m->cap; i++) if (m->keys && m->keys[i]) ... */

#endif
