/*
 * embed.h — the program handle behind regel.h, shared by api.c (compiling,
 * batch runs) and embed.c (precompiled files, host records, contexts).
 */
#ifndef REGEL_EMBED_H
#define REGEL_EMBED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "image.h"
#include "program.h"
#include "regel.h"

/* A root block (rg_alloc_root): the host holds it, the collector scans it. */
struct regel_program {
    Program *program;
    SourceSet *files;
    bool loaded;     /* from a .rgc file */
    bool is_signed;
    /* Worked out on first use, under `lock`, and read without it once
     * `ready` is set: compiling for a batch run pays nothing for them. */
    pthread_mutex_t lock;
    atomic_bool ready;
    uint8_t source_hash[IMAGE_HASH_BYTES];
    bool hash_known; /* a loaded program's hash comes from its file */
    const char *version;
    ImageTypes types;
    /* The program the hot path runs: its decisions skip rendering their
     * messages (embed.c: lazy_messages). */
    const Program *fast;
};

/* A handle for a program just compiled or loaded; NULL when memory ran
 * out. */
regel_program *embed_program(Program *program, SourceSet *files);
/* Works out what is worked out on first use; false when memory ran out. */
bool embed_prepare(regel_program *p);

#endif
