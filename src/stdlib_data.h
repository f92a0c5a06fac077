/* stdlib_data.h — the stdlib's .regel sources, embedded at build time by
 * the Makefile (build/gen/stdlib_data.c), so regel needs no files beside
 * the binary. */
#ifndef REGEL_STDLIB_DATA_H
#define REGEL_STDLIB_DATA_H

#include <stddef.h>

typedef struct StdlibFile {
    const char *name; /* module name: the file name without .regel */
    const char *text;
    size_t len;
} StdlibFile;

/* Ends with an entry whose name is NULL. */
extern const StdlibFile stdlib_files[];

#endif
