/*
 * run.h — batch runs: load the exports a program needs, run its decisions
 * over them, and write one line per decision and key.
 *
 * Sources that the policy only walks as a decision's subject are streamed:
 * read, decided and written one record at a time, so memory does not grow
 * with the file. Sources it looks up or lists are loaded once and indexed.
 */
#ifndef REGEL_RUN_H
#define REGEL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"
#include "program.h"
#include "vm.h"

/* Exit statuses of a run, as the CLI returns them. */
enum {
    RUN_OK = 0,
    RUN_DATA_ERROR = 4,  /* an export is missing, unreadable or has invalid records (when they stop the run) */
    RUN_EVAL_ERROR = 5,  /* a decision failed with an error for some key (its line says fel) */
    RUN_OUTPUT_ERROR = 6,/* the output could not be written */
    RUN_NOT_FOUND = 2,   /* explaining one id that no line of the decision has */
};

/* How many invalid records of one file are reported one by one; the rest
 * are counted. */
#define RUN_MAX_REPORTED 100
/* How many lines failing with one and the same error are reported one by
 * one before the rest are only counted. */
#define RUN_MAX_SAME_ERRORS 3

typedef struct RunOptions {
    const char *data_dir;
    const char *const *decisions; /* names to run; NULL runs every root decision */
    size_t ndecisions;
    Date today;
    OutputFormat format;
    OnInvalid on_invalid;         /* INVALID_DEFAULT: each source's own choice, else fail */
    VmLimits limits;
    /* Output lines go here; false means the sink failed (disk full). */
    bool (*write)(void *ctx, const char *data, size_t n);
    void *write_ctx;
    /* One line per problem (invalid record, evaluation error). */
    void (*report)(void *ctx, const char *line);
    void *report_ctx;
    /* About once a second: records read, lines written. */
    void (*progress)(void *ctx, uint64_t read, uint64_t written);
    void *progress_ctx;
    /* Explaining (the program compiled with COMPILE_EXPLAIN): instead of
     * its line, each key gets its explanation (explain.h), text for
     * OUT_TABLE and JSON otherwise; with explain_id, only that key. */
    bool explain;
    const char *explain_id;
    /* When set, each verdict goes here instead of to the output (regel
     * diff); an evaluation error still writes its `fel` line. */
    void (*verdict)(void *ctx, uint32_t decision, const Verdict *v);
    void *verdict_ctx;
    /* When set (JSON Lines only), each line ends with this as
     * "policy_version". */
    const char *policy_version;
} RunOptions;

typedef struct RunSummary {
    uint64_t read;     /* records read from the exports */
    uint64_t decided;  /* decision lines written with an outcome */
    uint64_t failed;   /* decision lines written with outcome fel */
    uint64_t invalid;  /* records reported as invalid and left out */
} RunSummary;

int run_batch(const Program *p, const RunOptions *o, RunSummary *s);

/* Loads into data every source of p whose export file is in folder
 * (a test's `given "folder"`); sources without a file are left as they
 * are. RUN_OK, or RUN_DATA_ERROR with the problems reported. */
int run_load_folder(const Program *p, const char *folder, DataSet *data, void (*report)(void *ctx, const char *line),
                    void *report_ctx);

#endif
