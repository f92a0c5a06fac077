/*
 * regel.h — the public C API of regel, a rules engine for policies written
 * in the regel language.
 *
 * Everything a host needs goes through this header; every symbol it names
 * starts with regel_ and nothing else is exported from libregel.so.
 *
 * Conventions
 *  - Functions that can fail return a regel_status; REGEL_OK is 0. The
 *    other values are also the exit statuses of the `regel` command.
 *  - Handles are opaque. A compiled regel_program is immutable: several
 *    threads may run it at once.
 *  - The library never prints. Diagnostics reach the host through the
 *    callback it passes; problems found while running through the report
 *    callback of regel_run_options.
 *  - The library never exits or aborts on bad input or exhausted memory;
 *    running out of memory returns REGEL_ERR_NOMEM.
 *  - Memory for handles is owned by the library until freed with the
 *    matching _free function. Strings handed to callbacks live only for the
 *    duration of the call. Strings returned by regel_disassemble are the
 *    caller's to free with regel_free.
 *
 * Typical use:
 *
 *     regel_program *p;
 *     const char *files[] = {"policies/"};
 *     if (regel_compile_files(files, 1, print_diag, NULL, &p) != REGEL_OK) ...
 *     regel_run_options o;
 *     regel_run_options_init(&o);
 *     o.data_dir = "exports";
 *     regel_run_summary s;
 *     regel_status st = regel_run(p, &o, &s);
 *     regel_program_free(p);
 */
#ifndef REGEL_H
#define REGEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REGEL_VERSION_MAJOR 0
#define REGEL_VERSION_MINOR 1
#define REGEL_VERSION_PATCH 0
#define REGEL_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define REGEL_API __attribute__((visibility("default")))
#else
#define REGEL_API
#endif

typedef enum regel_status {
    REGEL_OK = 0,
    REGEL_ERR_TESTS = 1,  /* regel_test: some tests failed */
    REGEL_ERR_USAGE = 2,  /* a bad argument (an unknown decision, a malformed date) */
    REGEL_ERR_POLICY = 3, /* the policy has errors; they were given to the diagnostic callback */
    REGEL_ERR_DATA = 4,   /* an export is missing or invalid; reported through the report callback */
    REGEL_ERR_EVAL = 5,   /* some decisions failed with an error; their lines say "fel" */
    REGEL_ERR_OUTPUT = 6, /* the write callback failed */
    REGEL_ERR_NOMEM = 7,  /* memory ran out */
    REGEL_ERR_COVERAGE = 8, /* regel_test: every test passed, but rule coverage is below min_coverage */
} regel_status;

/* The library's version as "major.minor.patch". */
REGEL_API const char *regel_version(void);

/* ------------------------------------------------------------ diagnostics */

typedef enum regel_level {
    REGEL_LEVEL_ERROR,   /* the policy does not compile */
    REGEL_LEVEL_WARNING, /* it compiles and runs, but this is probably not what was meant */
    REGEL_LEVEL_NOTE, /* "N more problems were found": says how many were left out */
} regel_level;

/* A secondary location of a diagnostic, explaining the main one: where a
 * type named in the message was declared ("field 'listade' of Vardcentral
 * is declared Int here"), or the earlier table row that hides this one.
 * Positions are as in regel_diagnostic. */
typedef struct regel_related {
    const char *file;
    long line, column;
    long end_line, end_column;
    const char *message;
} regel_related;

/* A problem found in a policy. The fields after errors_left_out were added
 * later, at the end, so a host built against the shorter struct reads the
 * same fields as before (the library fills in the struct, the host only
 * reads it). */
typedef struct regel_diagnostic {
    regel_level level;
    const char *file;    /* NULL when the problem is not in a file */
    long line, column;   /* 1-based; column counts characters */
    long end_line, end_column; /* where the marked text ends (exclusive) */
    const char *message; /* "unknown field 'listade_invanare' of Vardcentral" */
    const char *hint;    /* NULL, or a suggestion such as "did you mean 'listade'?" */
    const char *text;    /* the whole report: location, message, source line, caret, hint,
                            then each related location with its source line */
    unsigned long errors_left_out; /* REGEL_LEVEL_NOTE: errors beyond the ones delivered */
    const regel_related *related;  /* nrelated secondary locations, in order (NULL when none) */
    size_t nrelated;
    unsigned long warnings_left_out; /* REGEL_LEVEL_NOTE: warnings beyond the ones delivered */
} regel_diagnostic;

typedef void (*regel_diagnostic_fn)(void *ctx, const regel_diagnostic *d);

/* ------------------------------------------------------------ compiling */

typedef struct regel_program regel_program;

/* Compiles policy files. A folder stands for the .regel files directly in
 * it, in name order. Every diagnostic (errors and warnings, sorted by
 * file and position) goes to on_diag, which may be NULL. On REGEL_OK,
 * *out is the program; otherwise *out is NULL. */
REGEL_API regel_status regel_compile_files(const char *const *paths, size_t npaths, regel_diagnostic_fn on_diag,
                                           void *ctx, regel_program **out);
/* Compiles policy text; `name` is the file name used in diagnostics and
 * `import` of a bare name looks in the stdlib only. */
REGEL_API regel_status regel_compile_string(const char *name, const char *text, size_t len,
                                            regel_diagnostic_fn on_diag, void *ctx, regel_program **out);
/* As regel_compile_files, with flags: REGEL_COMPILE_EXPLAIN makes a
 * program that can explain its decisions (regel_run_options.explain); its
 * rules note the values their conditions see, which costs a little time
 * on every run, so batch runs compile without. */
#define REGEL_COMPILE_EXPLAIN 1u
REGEL_API regel_status regel_compile_files_with(const char *const *paths, size_t npaths, unsigned flags,
                                                regel_diagnostic_fn on_diag, void *ctx, regel_program **out);
REGEL_API void regel_program_free(regel_program *p);

/* The decisions of a program, in the order a run writes them: the order of
 * the policy files (a folder's in name order, imports after the files that
 * name them) and of the declarations in each. */
REGEL_API size_t regel_decision_count(const regel_program *p);
REGEL_API const char *regel_decision_name(const regel_program *p, size_t i);

/* The bytecode as text, for all chunks or those of one decision; NULL when
 * there is no such decision or memory ran out. Free with regel_free. */
REGEL_API char *regel_disassemble(const regel_program *p, const char *decision);
REGEL_API void regel_free(void *p);

/* ------------------------------------------------------------ formatting */

/* Lays policy text out in the canonical layout of `regel fmt`: the same
 * declarations, comments and blank lines (at most one in a row), with
 * indentation, spacing and line breaks decided by regel. `name` is used in
 * diagnostics. Text with syntax errors is not formatted (REGEL_ERR_POLICY,
 * the errors go to on_diag). Formatting formatted text changes nothing.
 * On REGEL_OK *out is the new text, NUL-terminated, *out_len its length;
 * free it with regel_free. */
REGEL_API regel_status regel_format_text(const char *name, const char *text, size_t len,
                                         regel_diagnostic_fn on_diag, void *ctx, char **out, size_t *out_len);

/* ------------------------------------------------------------ running */

typedef enum regel_format { REGEL_FORMAT_JSONL, REGEL_FORMAT_TABLE, REGEL_FORMAT_CSV } regel_format;

typedef enum regel_on_invalid {
    REGEL_INVALID_AS_POLICY, /* each source as its policy says (`invalid: skip`), else stop */
    REGEL_INVALID_FAIL,      /* stop the run (REGEL_ERR_DATA) after reporting */
    REGEL_INVALID_SKIP,      /* report the record, leave it out, go on */
} regel_on_invalid;

typedef struct regel_limits {
    unsigned long long max_steps;  /* instructions per decision and subject; 0: no limit */
    unsigned long long max_memory; /* bytes allocated per decision and subject */
    unsigned max_depth;            /* nested function calls */
} regel_limits;

REGEL_API regel_limits regel_default_limits(void);

typedef struct regel_run_options {
    const char *data_dir;            /* where the export files are; "." when NULL */
    const char *const *decisions;    /* names of the decisions to run; NULL: all */
    size_t ndecisions;
    const char *today;               /* "YYYY-MM-DD"; NULL: the machine's date */
    regel_format format;
    regel_on_invalid on_invalid;
    regel_limits limits;
    /* Receives the output; returns 0 on success. NULL writes to stdout. */
    int (*write)(void *ctx, const char *data, size_t n);
    void *write_ctx;
    /* Receives one line per problem found while running (an invalid
     * record, a decision that failed); may be NULL. */
    void (*report)(void *ctx, const char *line);
    void *report_ctx;
    /* Called about once a second during a long run with the records read
     * and the lines written so far (for a progress line); may be NULL. */
    void (*progress)(void *ctx, unsigned long long read, unsigned long long written);
    void *progress_ctx;
    /* Explain instead of deciding (a program compiled with
     * REGEL_COMPILE_EXPLAIN; otherwise REGEL_ERR_USAGE): each key's rules
     * with the values their conditions saw, messages, the change that
     * would make a failed comparison hold, and queue places. Text with
     * REGEL_FORMAT_TABLE, one JSON object per line with REGEL_FORMAT_JSONL.
     * With explain_id, only the line with that id (none: REGEL_ERR_USAGE). */
    int explain;
    const char *explain_id;
} regel_run_options;

REGEL_API void regel_run_options_init(regel_run_options *o);

typedef struct regel_run_summary {
    unsigned long long read;    /* records read from the exports */
    unsigned long long decided; /* lines written with an outcome */
    unsigned long long failed;  /* lines written with the outcome fel */
    unsigned long long invalid; /* records reported as invalid and left out */
} regel_run_summary;

/* Runs the program's decisions over the exports in o->data_dir. */
REGEL_API regel_status regel_run(const regel_program *p, const regel_run_options *o, regel_run_summary *s);

/* Runs two versions of a policy over the same exports (as o says; the
 * decisions named must be in both) and writes every line whose outcome or
 * reasons differ, grouped per decision by the change ("nej → ja, B1 no
 * longer fails: 14"), with the constants and rule conditions that changed
 * in the rules involved. Text with REGEL_FORMAT_TABLE, one JSON object per
 * decision with REGEL_FORMAT_JSONL. *changed (may be NULL) is set when
 * some line differs. */
REGEL_API regel_status regel_diff(const regel_program *before, const regel_program *after,
                                  const regel_run_options *o, int *changed);

/* ------------------------------------------------------------ testing */

typedef struct regel_test_options {
    const char *today;     /* "YYYY-MM-DD" unless a test gives today; NULL: the machine's date */
    int every_rule;        /* list every rule's coverage, not only the rules seen one way */
    regel_limits limits;
    int (*write)(void *ctx, const char *data, size_t n); /* the report; NULL writes to stdout */
    void *write_ctx;
    /* Run only the tests whose name contains one of these texts, ignoring
     * case (Unicode case folding: "ÅTER" finds "återbud"); NULL: all. */
    const char *const *filters;
    size_t nfilters;
    /* The percentage of rules, 0 to 100 (87.5 allowed), that the tests that
     * ran must see both holding and failing; 0 asks for nothing. A program
     * without rules meets any requirement. */
    double min_coverage;
    /* Receives one line per problem with the options (a malformed date, a
     * filter no test name contains, a percentage out of range); may be
     * NULL. */
    void (*report)(void *ctx, const char *line);
    void *report_ctx;
} regel_test_options;

REGEL_API void regel_test_options_init(regel_test_options *o);

typedef struct regel_test_summary {
    unsigned passed, failed;
    unsigned rules, covered; /* rules, and those seen both holding and failing */
    unsigned filtered;       /* tests the filters left out */
} regel_test_summary;

/* Compiles the policy files (folders as in regel_compile_files) with
 * coverage and runs their test blocks (those the filters select), writing
 * a report that ends with a line "N passed, M failed" (", K filtered out"
 * with filters), then, when coverage is below o->min_coverage, a line
 * saying so. A failed expectation of an == shows how the two sides differ.
 * REGEL_ERR_TESTS when a test failed; REGEL_ERR_COVERAGE when none failed
 * but coverage is below the requirement; REGEL_ERR_USAGE (reported through
 * o->report) for a malformed date, a filter that selects no test or a
 * percentage outside 0 to 100. */
REGEL_API regel_status regel_test(const char *const *paths, size_t npaths, regel_diagnostic_fn on_diag, void *ctx,
                                  const regel_test_options *o, regel_test_summary *s);

#ifdef __cplusplus
}
#endif

#endif
