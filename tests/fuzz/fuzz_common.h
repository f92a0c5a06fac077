/*
 * fuzz_common.h — what the libFuzzer harnesses of tests/fuzz share: a
 * private folder for the export files an input becomes, callbacks that
 * read every string the library hands out (so that AddressSanitizer sees a
 * bad one) and print nothing, and a run of a program over that folder the
 * way `regel run --data DIR` runs it, with small limits.
 */
#ifndef REGEL_FUZZ_COMMON_H
#define REGEL_FUZZ_COMMON_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regel.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Every string the library hands a callback is read to its end. */
static volatile size_t fuzz_sink;

static inline void fuzz_touch(const char *s)
{
    if (s)
        fuzz_sink += strlen(s);
}

static inline void fuzz_on_diag(void *ctx, const regel_diagnostic *d)
{
    (void)ctx;
    fuzz_touch(d->file);
    fuzz_touch(d->message);
    fuzz_touch(d->hint);
    fuzz_touch(d->text);
    for (size_t i = 0; i < d->nrelated; i++) {
        fuzz_touch(d->related[i].file);
        fuzz_touch(d->related[i].message);
    }
}

static inline void fuzz_on_report(void *ctx, const char *line)
{
    (void)ctx;
    fuzz_touch(line);
}

static inline int fuzz_on_write(void *ctx, const char *data, size_t n)
{
    (void)ctx;
    if (n)
        fuzz_sink += (unsigned char)data[0] + (unsigned char)data[n - 1];
    return 0;
}

/* The harness's own folder for export files, removed at exit. */
static char fuzz_dir[256];

static inline void fuzz_clear_dir(void)
{
    DIR *d = opendir(fuzz_dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static inline void fuzz_remove_dir(void)
{
    fuzz_clear_dir();
    rmdir(fuzz_dir);
}

static inline const char *fuzz_data_dir(void)
{
    if (!fuzz_dir[0]) {
        /* tests/fuzz/run gives each harness a TMPDIR of its own, and
         * empties it: libFuzzer's fork mode ends its jobs without atexit. */
        const char *base = getenv("TMPDIR");
        if (!base || !*base)
            base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/regel-fuzz-XXXXXX", base);
        if (!mkdtemp(fuzz_dir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(fuzz_remove_dir);
    }
    return fuzz_dir;
}

/* Writes data[0..n) as the file `name` in the harness's folder. */
static inline void fuzz_write_file(const char *name, const unsigned char *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_data_dir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    while (n) {
        ssize_t w = write(fd, data, n);
        if (w <= 0) {
            perror(path);
            abort();
        }
        data += w;
        n -= (size_t)w;
    }
    close(fd);
}

/* Runs every decision of p over the harness's folder with small limits,
 * as `regel run --data DIR --today 2026-11-22 --format FORMAT` would,
 * writing nowhere. A status outside the documented ones is a bug. */
static inline void fuzz_run(const regel_program *p, regel_format format, regel_on_invalid on_invalid)
{
    regel_run_options o;
    regel_run_options_init(&o);
    o.data_dir = fuzz_data_dir();
    o.today = "2026-11-22";
    o.format = format;
    o.on_invalid = on_invalid;
    o.limits.max_steps = 200000;
    o.limits.max_memory = 16u << 20;
    o.limits.max_depth = 32;
    o.write = fuzz_on_write;
    o.report = fuzz_on_report;
    regel_run_summary s;
    memset(&s, 0, sizeof s);
    regel_status st = regel_run(p, &o, &s);
    switch (st) {
    case REGEL_OK:
    case REGEL_ERR_DATA:
    case REGEL_ERR_EVAL:
    case REGEL_ERR_NOMEM:
        break;
    default:
        fprintf(stderr, "regel_run returned %d\n", (int)st);
        abort();
    }
    /* Nothing lost: a run that went to the end accounts for every record
     * read (README, Reliability). */
    if (st == REGEL_OK && s.failed) {
        fprintf(stderr, "regel_run: %llu failed but REGEL_OK\n", s.failed);
        abort();
    }
}

#endif
