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
 *    threads may run it at once. Evaluation contexts (regel_context) are
 *    per thread. Any thread may call the library: it registers the thread
 *    with its garbage collector on the first call and unregisters it when
 *    the thread exits. Make the first call of all (any regel_ function)
 *    from the program's first thread, or from one that outlives every use
 *    of the library.
 *  - There is no global state to set up or tear down, and none that one
 *    handle's use changes for another.
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
 *
 * Deciding one request at a time, in a service (see "embedding" below):
 *
 *     regel_context *ctx;                    // one per thread
 *     regel_context_new(p, NULL, &ctx);
 *     int d = regel_decision_index(p, "ytterligare_st");
 *     regel_record *r;
 *     regel_record_new(p, regel_source_record_type(p, "vardcentraler"), &r);
 *     regel_record_set_int(r, regel_record_slot(r, "listade"), 6230);   // ... every field
 *     const regel_result *res;
 *     if (regel_decide(ctx, d, r, &res) == REGEL_OK)
 *         ... res->outcome_word, res->refs[i]; regel_result_message(ctx, i, ...)
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
    REGEL_ERR_IMAGE = 9,  /* a precompiled program (.rgc) is damaged, of another engine, or its bytecode
                             does not verify */
    REGEL_ERR_SIGNATURE = 10, /* a precompiled program is unsigned, or not signed with the required key */
    REGEL_ERR_LIMIT = 11, /* regel_decide: the evaluation went past a limit (steps, memory, depth); only
                             that evaluation failed */
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
    /* Receives the output; returns 0 on success. Required: the library
     * writes nowhere by itself (without it, REGEL_ERR_USAGE). */
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
    /* Each JSON line (REGEL_FORMAT_JSONL only; else REGEL_ERR_USAGE) ends
     * with "policy_version": the policy's version (regel_program_version). */
    int policy_version;
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
    int (*write)(void *ctx, const char *data, size_t n); /* the report; required (else REGEL_ERR_USAGE) */
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

/* ------------------------------------------------------------ precompiled programs */

/* A compiled program can be saved to a .rgc file and loaded later, so a
 * service ships bytecode instead of compiling at start. The file holds the
 * bytecode, its tables and the policy's source files (runtime errors point
 * at the policy text as usual), with a checksum and, optionally, an Ed25519
 * signature over the bytecode and the hash of the sources. Loading checks
 * the format and engine versions and the checksum, the signature when a
 * key is given, and then verifies the bytecode (every index in range,
 * every jump on an instruction, the stack balanced on every path) before
 * anything runs: a damaged or hostile file is refused with
 * REGEL_ERR_IMAGE, never run. */

#define REGEL_PUBLIC_KEY_BYTES 32
#define REGEL_SECRET_KEY_BYTES 64

/* Writes p to path (through a temporary file renamed at the end), signed
 * with secret_key unless it is NULL. Programs compiled with
 * REGEL_COMPILE_EXPLAIN cannot be saved (REGEL_ERR_USAGE). Problems reach
 * on_diag (file: path); a file that cannot be written is REGEL_ERR_OUTPUT. */
REGEL_API regel_status regel_program_save(const regel_program *p, const char *path, const unsigned char *secret_key,
                                          regel_diagnostic_fn on_diag, void *ctx);
/* The same file in memory: *out (free with regel_free), *len bytes. */
REGEL_API regel_status regel_program_save_buffer(const regel_program *p, const unsigned char *secret_key,
                                                 unsigned char **out, size_t *len, regel_diagnostic_fn on_diag,
                                                 void *ctx);
/* Loads a .rgc file. With public_key, the file must be signed with the
 * matching secret key (else REGEL_ERR_SIGNATURE); without, signed and
 * unsigned files load alike. Why a file is refused reaches on_diag:
 * "x.rgc: it is damaged (the checksum does not match)". */
REGEL_API regel_status regel_program_load(const char *path, const unsigned char *public_key,
                                          regel_diagnostic_fn on_diag, void *ctx, regel_program **out);
/* From memory; `name` stands for the file in messages. */
REGEL_API regel_status regel_program_load_buffer(const char *name, const void *data, size_t len,
                                                 const unsigned char *public_key, regel_diagnostic_fn on_diag,
                                                 void *ctx, regel_program **out);
/* 1 for a program loaded from a signed file (whose signature was checked
 * when a public key was given), else 0. */
REGEL_API int regel_program_is_signed(const regel_program *p);
/* The policy's version: the first 16 hex digits of the SHA-256 of its
 * source files (their names without folders, and their texts, in order),
 * the same whether compiled from source or loaded. Owned by p. */
REGEL_API const char *regel_program_version(const regel_program *p);

/* A new Ed25519 key pair for signing (REGEL_ERR_NOMEM: no randomness). */
REGEL_API regel_status regel_keygen(unsigned char public_key[REGEL_PUBLIC_KEY_BYTES],
                                    unsigned char secret_key[REGEL_SECRET_KEY_BYTES]);
/* Key files are one line of text: "regel-ed25519-public " (or "-secret ")
 * and the key in hex. regel_key_write writes one (a secret key readable by
 * its owner only); regel_key_read reads one, REGEL_ERR_USAGE with the
 * reason through on_diag when the file holds no key of the kind asked. */
REGEL_API regel_status regel_key_write(const char *path, const unsigned char *key, int secret,
                                       regel_diagnostic_fn on_diag, void *ctx);
REGEL_API regel_status regel_key_read(const char *path, int secret, unsigned char *key, regel_diagnostic_fn on_diag,
                                      void *ctx);

/* ------------------------------------------------------------ embedding: records */

/* Records built by the host, without any file: a request's data becomes a
 * regel_record of the type the decision is about, and regel_decide decides
 * it at once. Record types and fields are numbered per program; resolve a
 * name once (regel_field_slot) and set fields by slot on the hot path, or
 * by name with regel_record_slot. */

typedef struct regel_record regel_record;

/* The number of the record type called name, or -1. */
REGEL_API int regel_record_type(const regel_program *p, const char *name);
/* The record type of the source called name (the records a decision over
 * it decides), or -1. */
REGEL_API int regel_source_record_type(const regel_program *p, const char *source);
/* The slot of field `field` of record type `type`, or -1. */
REGEL_API int regel_field_slot(const regel_program *p, int type, const char *field);

/* A record of type `type` with no values yet: optional fields are none,
 * list and set fields empty; the others must be set before the record is
 * decided. Free with regel_record_free (before the program). */
REGEL_API regel_status regel_record_new(const regel_program *p, int type, regel_record **out);
REGEL_API void regel_record_free(regel_record *r);
/* The slot of a field of r's type, or -1 (a setter given -1 says so). */
REGEL_API int regel_record_slot(const regel_record *r, const char *field);
/* Back to the state of regel_record_new, to build the next request in the
 * same record. When memory runs out, r is refused (as a record with fields
 * missing) until a clear succeeds, and regel_record_error says why. */
REGEL_API void regel_record_clear(regel_record *r);

/* Setters check the field's type (a setter for Int fits Int and Decimal
 * fields; an optional field takes its type or none) and return
 * REGEL_ERR_USAGE otherwise, with the reason in regel_record_error. Text
 * must be UTF-8; like text read from an export, it is trimmed and
 * normalised (NFC). An enum word is given as the policy writes it, as
 * exports spell it, or as text shows it. A record value is copied:
 * changing it later does not change r. */
REGEL_API regel_status regel_record_set_none(regel_record *r, int slot);
REGEL_API regel_status regel_record_set_bool(regel_record *r, int slot, int value);
REGEL_API regel_status regel_record_set_int(regel_record *r, int slot, long long value);
/* coefficient / 10^scale: (1250, 2) is 12.50; scale at most 18. */
REGEL_API regel_status regel_record_set_decimal(regel_record *r, int slot, long long coefficient, unsigned scale);
REGEL_API regel_status regel_record_set_text(regel_record *r, int slot, const char *text, size_t len);
REGEL_API regel_status regel_record_set_date(regel_record *r, int slot, int year, int month, int day);
REGEL_API regel_status regel_record_set_enum(regel_record *r, int slot, const char *word);
REGEL_API regel_status regel_record_set_record(regel_record *r, int slot, const regel_record *value);
/* Appending to a List or Set field (a set keeps one of each value). */
REGEL_API regel_status regel_record_append_bool(regel_record *r, int slot, int value);
REGEL_API regel_status regel_record_append_int(regel_record *r, int slot, long long value);
REGEL_API regel_status regel_record_append_decimal(regel_record *r, int slot, long long coefficient, unsigned scale);
REGEL_API regel_status regel_record_append_text(regel_record *r, int slot, const char *text, size_t len);
REGEL_API regel_status regel_record_append_date(regel_record *r, int slot, int year, int month, int day);
REGEL_API regel_status regel_record_append_enum(regel_record *r, int slot, const char *word);
REGEL_API regel_status regel_record_append_record(regel_record *r, int slot, const regel_record *value);
/* Why the last setter that failed on r failed; NULL if none did. */
REGEL_API const char *regel_record_error(const regel_record *r);
/* Sets every field of r from one JSON object (json, len bytes), read as a
 * line of a JSON Lines export of r's type is read: keys are the fields'
 * export names, members the type does not name are ignored, a missing key
 * or null is none for an optional field. On a problem r is as after
 * regel_record_clear and the result is REGEL_ERR_DATA, with the reason in
 * regel_record_error as the reader words it, `name` and `line` standing
 * for the file and line: `request:1: field "Listade invånare": expected
 * Int, got "6 230"`, or `request:1:14: invalid JSON: ...`. */
REGEL_API regel_status regel_record_read_json(regel_record *r, const char *name, long line, const char *json,
                                              size_t len);

/* ------------------------------------------------------------ embedding: data */

/* The records of the sources that decisions look up, select from or list
 * (`vardcentraler[id]`, `personal where ...`): loaded from export files,
 * added by the host, or both. Once a context is made over it, the data is
 * frozen (indexes built; regel_data_add is then REGEL_ERR_USAGE) and may
 * be shared by the contexts of all threads. A source given nothing is
 * empty. */

typedef struct regel_data regel_data;

REGEL_API regel_status regel_data_new(const regel_program *p, regel_data **out);
/* Loads every source of the program whose export file is in dir, as
 * `regel run --data dir` would; problems (a broken file, invalid records)
 * reach report, and make it REGEL_ERR_DATA. */
REGEL_API regel_status regel_data_load(regel_data *d, const char *dir, void (*report)(void *ctx, const char *line),
                                       void *report_ctx);
/* Adds a copy of r (of the source's record type) to the source called
 * `source`. With a key, the first record of each key counts. */
REGEL_API regel_status regel_data_add(regel_data *d, const char *source, const regel_record *r);
/* Free after the contexts made over it, before the program. */
REGEL_API void regel_data_free(regel_data *d);

/* ------------------------------------------------------------ embedding: deciding */

/* The hot path of a service: a context per thread, decisions by number,
 * one record at a time. The outcome and the refs of the rules that failed
 * are there as soon as regel_decide returns; the messages are rendered
 * only when asked for (regel_result_message), by evaluating the decision
 * again with its messages. */

typedef struct regel_context regel_context;

typedef struct regel_context_options {
    const char *today;        /* "YYYY-MM-DD"; NULL: the machine's date */
    regel_limits limits;      /* per decision; regel_default_limits() */
    const regel_data *data;   /* the sources decisions read; NULL: all empty */
} regel_context_options;

REGEL_API void regel_context_options_init(regel_context_options *o);
/* A context for one thread at a time (REGEL_ERR_USAGE for a malformed
 * date). Free with regel_context_free before the data and the program. */
REGEL_API regel_status regel_context_new(const regel_program *p, const regel_context_options *o,
                                         regel_context **out);
REGEL_API void regel_context_free(regel_context *c);
/* Changes the limits for the decisions that follow. */
REGEL_API void regel_context_set_limits(regel_context *c, const regel_limits *limits);

/* The number of the decision called name, or -1; its outcome words and
 * extra output fields. */
REGEL_API int regel_decision_index(const regel_program *p, const char *name);
REGEL_API size_t regel_decision_word_count(const regel_program *p, int decision);
REGEL_API const char *regel_decision_word(const regel_program *p, int decision, size_t i);
REGEL_API size_t regel_decision_field_count(const regel_program *p, int decision);
REGEL_API const char *regel_decision_field_name(const regel_program *p, int decision, size_t i);

typedef enum regel_severity { REGEL_SEVERITY_MUST, REGEL_SEVERITY_SHOULD } regel_severity;

/* What one decision concluded for one record. Valid until the next
 * regel_decide on the same context (or its free). */
typedef struct regel_result {
    int skipped;              /* the decision's `where` left the record out: no outcome */
    int outcome;              /* number of the outcome word; -1 when skipped */
    const char *outcome_word; /* NULL when skipped */
    int passed;               /* no must-rule failed */
    const char *key;          /* the line's id (key_len bytes, NUL-terminated); NULL when none */
    size_t key_len;
    size_t nreasons;          /* rules that failed, in the order they were checked */
    const char *const *refs;  /* their refs ("A3") */
    const regel_severity *severities;
} regel_result;

/* Decides `decision` for `subject`, a record of the type the decision is
 * about. The record must not change until the messages and fields of the
 * result have been read. On REGEL_OK *out is the result. On an error in
 * the evaluation (REGEL_ERR_EVAL), a limit (REGEL_ERR_LIMIT) or memory
 * running out (REGEL_ERR_NOMEM), only this evaluation failed, and
 * regel_context_error says what happened and where in the policy; a wrong
 * decision number or record is REGEL_ERR_USAGE. */
REGEL_API regel_status regel_decide(regel_context *c, int decision, const regel_record *subject,
                                    const regel_result **out);
/* The message of reason i, rendered now (the first call for a result
 * evaluates the decision once more, with messages): *text NUL-terminated,
 * *len bytes (len may be NULL). An error while rendering (say a value that
 * only the message uses is missing) is returned as by regel_decide. */
REGEL_API regel_status regel_result_message(regel_context *c, size_t i, const char **text, size_t *len);
/* Extra output field i of the result, as messages show values (json 0:
 * "6 230", "12,5") or as JSON lines do (json 1: 6230, "12.5"); *text is
 * NULL when the field has no value. */
REGEL_API regel_status regel_result_field(regel_context *c, size_t i, int json, const char **text, size_t *len);
/* The whole result as `regel run --format jsonl` writes its line (without
 * the newline). */
REGEL_API regel_status regel_result_json(regel_context *c, const char **line, size_t *len);
/* After a failed regel_decide or result call: what went wrong, with the
 * place in the policy ("policy.regel:12:9: ..."). Owned by c. */
REGEL_API const char *regel_context_error(const regel_context *c);

/* ------------------------------------------------------------ embedding: host functions */

/* Host functions are C functions of the host that policies call like
 * built-ins: `kurs_pris(.kurskod)`. The host gives a table of them when it
 * compiles (regel_compile_files_opts, regel_compile_string_opts) and when
 * it loads a precompiled program (regel_program_load_opts); the checker
 * then resolves a call by name and checks its arguments against the
 * declared signature as it does for built-ins, and the compiled program
 * calls the function through `fn` whenever the call is evaluated.
 *
 * A signature is written as built-ins' are, "(Text, Int) -> Bool" or
 * "(Date) -> Int?": parameters and result are Bool, Int, Decimal, Text or
 * Date, or one of them optional (T?, which may be none); at most 16
 * parameters. Anything else (List<Text>, a record type, a misspelled
 * type), a name that is not an identifier, a name of a built-in, two
 * entries with one name, or a NULL fn is refused with a diagnostic
 * (REGEL_ERR_USAGE); a policy declaring something with a host function's
 * name is a policy error (REGEL_ERR_POLICY). The table itself is not kept:
 * names and signatures are copied; fn and ctx are kept and must stay valid
 * as long as the program.
 *
 * During a call the function reads its arguments with regel_host_arg_*
 * and gives its result with one regel_host_return_* (or none), then
 * returns REGEL_OK. An Int argument for a Decimal parameter arrives as a
 * Decimal; an Int result for a declared Decimal is widened. A result of
 * another type than the declared one, none for a result that is not
 * optional, no result at all, or a status other than REGEL_OK fails the
 * evaluation with an error such as "host function kurs_pris returned Text
 * for a declared Int"; regel_host_fail(call, message) fails it with the
 * host's own message. A failed evaluation is like any other: regel_decide
 * returns REGEL_ERR_EVAL and regel_context_error gives the message with
 * the place of the call in the policy; a batch run writes the line as
 * `fel`. The next evaluation is not affected.
 *
 * Threads: fn is called, with ctx, on whatever thread evaluates, and
 * contexts of several threads may call it at once: a host function used
 * from contexts on several threads must be thread-safe. It must not use
 * the context that is evaluating, and it should give the same result for
 * the same arguments during one decision (regel may remember results of
 * functions that read the exports, though never of one that calls a host
 * function).
 *
 * A saved program (.rgc) holds the names and signatures of the host
 * functions it calls, and a load binds them by name to the host's table:
 * a function missing from the table, or given with another signature, is
 * REGEL_ERR_IMAGE with "x.rgc: the program needs host function
 * kurs_pris(Text) -> Int?, which the host did not give". The command line
 * gives no host functions: `regel check` and `regel run` report a call of
 * one as an unknown function, and cannot run a .rgc file that needs one.
 *
 * Example:
 *
 *     static regel_status kurs_pris(void *ctx, regel_host_call *call)
 *     {
 *         const char *kod;
 *         size_t len;
 *         regel_host_arg_text(call, 0, &kod, &len);
 *         long long kr;
 *         if (!prislista_find(ctx, kod, len, &kr))
 *             return regel_host_return_none(call);       // Int? : no price
 *         return regel_host_return_int(call, kr);
 *     }
 *     regel_host_function hosts[] = {{"kurs_pris", "(Text) -> Int?", kurs_pris, prislista}};
 *     regel_compile_options o;
 *     regel_compile_options_init(&o);
 *     o.hosts = hosts;
 *     o.nhosts = 1;
 *     regel_compile_files_opts(files, 1, &o, print_diag, NULL, &p);
 */

/* One call of a host function; valid only until the function returns. */
typedef struct regel_host_call regel_host_call;

typedef regel_status (*regel_host_fn)(void *ctx, regel_host_call *call);

typedef struct regel_host_function {
    const char *name;      /* as policies call it: an identifier */
    const char *signature; /* "(Text, Int) -> Bool", "(Date) -> Int?" */
    regel_host_fn fn;
    void *ctx;             /* passed to fn */
} regel_host_function;

/* The name of the function called (so one fn can serve several). */
REGEL_API const char *regel_host_name(const regel_host_call *call);
/* The number of arguments (as many as the signature's parameters). */
REGEL_API size_t regel_host_arg_count(const regel_host_call *call);
/* 1 when argument i is none (only an optional parameter's can be), else 0. */
REGEL_API int regel_host_arg_is_none(const regel_host_call *call, size_t i);
/* Argument i as a value of its type. REGEL_ERR_USAGE (and zeros) when
 * there is no argument i, it is none, or it is of another type. Text is
 * UTF-8 (NFC), text bytes long and not necessarily NUL-terminated; it and
 * the pointer stay valid until the function returns. A decimal is
 * coefficient / 10^scale. */
REGEL_API regel_status regel_host_arg_bool(const regel_host_call *call, size_t i, int *value);
REGEL_API regel_status regel_host_arg_int(const regel_host_call *call, size_t i, long long *value);
REGEL_API regel_status regel_host_arg_decimal(const regel_host_call *call, size_t i, long long *coefficient,
                                              unsigned *scale);
REGEL_API regel_status regel_host_arg_text(const regel_host_call *call, size_t i, const char **text, size_t *len);
REGEL_API regel_status regel_host_arg_date(const regel_host_call *call, size_t i, int *year, int *month, int *day);

/* The result of the call (the last one set counts). Each returns REGEL_OK,
 * so a function can end with `return regel_host_return_int(call, n);`.
 * Text is copied (it must be UTF-8, and is normalised to NFC); a decimal
 * has a scale of at most 18; a date is between the years 1 and 9999. A
 * value that breaks these returns REGEL_ERR_USAGE and fails the
 * evaluation with the reason once the function returns. */
REGEL_API regel_status regel_host_return_none(regel_host_call *call);
REGEL_API regel_status regel_host_return_bool(regel_host_call *call, int value);
REGEL_API regel_status regel_host_return_int(regel_host_call *call, long long value);
REGEL_API regel_status regel_host_return_decimal(regel_host_call *call, long long coefficient, unsigned scale);
REGEL_API regel_status regel_host_return_text(regel_host_call *call, const char *text, size_t len);
REGEL_API regel_status regel_host_return_date(regel_host_call *call, int year, int month, int day);
/* Fails the evaluation with message (copied; NULL: "host function NAME
 * failed"), whatever the function then sets or returns. Returns
 * REGEL_ERR_EVAL, so a function can end with `return regel_host_fail(...)`. */
REGEL_API regel_status regel_host_fail(regel_host_call *call, const char *message);

/* How to compile: regel_compile_options_init sets no flags and no host
 * functions; fields may be added at the end in later versions, so always
 * start from init. */
typedef struct regel_compile_options {
    unsigned flags;                         /* REGEL_COMPILE_EXPLAIN */
    const regel_host_function *hosts;       /* the host functions policies may call */
    size_t nhosts;
} regel_compile_options;

REGEL_API void regel_compile_options_init(regel_compile_options *o);
/* regel_compile_files_with and regel_compile_string with options (o may be
 * NULL: the defaults). A bad host table is REGEL_ERR_USAGE with a
 * diagnostic per problem ("host function 'kurs_pris': its signature
 * names List<Text>; ..."). */
REGEL_API regel_status regel_compile_files_opts(const char *const *paths, size_t npaths,
                                                const regel_compile_options *o, regel_diagnostic_fn on_diag,
                                                void *ctx, regel_program **out);
REGEL_API regel_status regel_compile_string_opts(const char *name, const char *text, size_t len,
                                                 const regel_compile_options *o, regel_diagnostic_fn on_diag,
                                                 void *ctx, regel_program **out);

/* How to load a precompiled program: the public key its signature must
 * match (NULL: none required), and the host functions to bind its calls
 * to. regel_load_options_init sets neither. */
typedef struct regel_load_options {
    const unsigned char *public_key;
    const regel_host_function *hosts;
    size_t nhosts;
} regel_load_options;

REGEL_API void regel_load_options_init(regel_load_options *o);
/* regel_program_load and regel_program_load_buffer with options (o may be
 * NULL). Those two load with no host functions. */
REGEL_API regel_status regel_program_load_opts(const char *path, const regel_load_options *o,
                                               regel_diagnostic_fn on_diag, void *ctx, regel_program **out);
REGEL_API regel_status regel_program_load_buffer_opts(const char *name, const void *data, size_t len,
                                                      const regel_load_options *o, regel_diagnostic_fn on_diag,
                                                      void *ctx, regel_program **out);
/* The host functions a program calls, in the order of the table saved
 * with it: their names and (normalised) signatures. */
REGEL_API size_t regel_program_host_count(const regel_program *p);
REGEL_API const char *regel_program_host_name(const regel_program *p, size_t i);
REGEL_API const char *regel_program_host_signature(const regel_program *p, size_t i);

#ifdef __cplusplus
}
#endif

#endif
