/*
 * vm.h — the bytecode interpreter.
 *
 * A Vm is one evaluation context: a value stack and the limits of one
 * evaluation. It reads a shared, immutable Program and DataSet, so each
 * thread evaluates with its own Vm. Nothing it does can crash on bad
 * bytecode or data: every failure becomes an error with the policy span
 * where it happened.
 */
#ifndef REGEL_VM_H
#define REGEL_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "index.h"
#include "program.h"
#include "value.h"

/* Per evaluation of one decision for one subject. Ten million instructions
 * is about a second of work: far beyond any real decision, and short
 * enough that a runaway policy is stopped before anyone waits for it. */
#define VM_DEFAULT_MAX_STEPS 10000000ULL
/* Memory one evaluation may allocate; a decision needs kilobytes. */
#define VM_DEFAULT_MAX_MEMORY (256ULL * 1024 * 1024)
/* Nested function calls; policies cannot recurse, so this only bounds how
 * long a chain of helper functions may be. */
#define VM_DEFAULT_MAX_DEPTH 200
/* Functions that read the exports have their results remembered, for
 * functions of up to this many arguments, each function in a table of its
 * own that starts at the first size, doubles when half full, and is
 * emptied when half full at the largest. */
#define VM_REMEMBER_MAX_ARGS 4
/* Lists and sets of plain values up to this long are compared by value
 * when looking a result up, longer ones by identity. */
#define VM_REMEMBER_LIST_BY_VALUE 8
#define VM_REMEMBER_FIRST_SLOTS (1u << 10)
#define VM_REMEMBER_SLOTS (1u << 18)
/* The memory limit is checked every 1024 instructions; the allocator
 * refuses at once anything past twice the limit plus this much (vm.c:
 * hard_memory_cap), which no evaluation that the check would stop first
 * comes near. */
#define VM_HARD_MEMORY_SLACK (1024ULL * 1024)

typedef struct VmLimits {
    uint64_t max_steps;
    uint64_t max_memory;
    uint32_t max_depth;
} VmLimits;

VmLimits vm_default_limits(void);

typedef struct Reason {
    uint32_t rule;
    Value message;
} Reason;

/* What one decision concluded for one subject. */
typedef struct Verdict {
    bool skipped;       /* a `for x in src where ...` filter left it out */
    Value key;          /* Text */
    int word;           /* index in the decision's outcome words */
    bool must_failed;
    Reason *reasons;
    uint32_t nreasons, reasons_cap;
    Value *fields;      /* the decision's extra fields, in order */
    uint32_t fields_cap;
} Verdict;

typedef struct Vm Vm;

/* The values a program compiled for explaining noted (TRACE), in order. */
typedef struct TraceEvent {
    uint32_t point; /* in Program.trace_points */
    Value value;
} TraceEvent;

typedef struct Trace {
    TraceEvent *events;
    uint32_t n, cap;
} Trace;

/* Where an element stands in a queue worked out while explaining. */
typedef struct QueueView {
    Value entry;             /* its QueueEntry record */
    const List *keys;        /* [partition, order keys...] */
    uint32_t size;           /* elements in its partition */
    const Value *ahead;      /* the elements before it, first first */
    const List **ahead_keys;
    const bool *ahead_admitted;
    uint32_t nahead;
} QueueView;

Vm *vm_new(const Program *p, const DataSet *data, Date today, VmLimits limits);
/* The limits of the evaluations that follow. */
void vm_set_limits(Vm *vm, VmLimits limits);
/* Runs a chunk that takes no arguments (a test). */
bool vm_run_chunk(Vm *vm, uint32_t chunk);

/* Evaluates decision d for one subject. False on an error (vm_error);
 * the verdict is then incomplete. Start from a zeroed Verdict; its arrays
 * are reused (and grown) from call to call, for any decision. */
bool vm_decide(Vm *vm, uint32_t decision, Value subject, Verdict *v);
/* Runs a chunk that takes no arguments and returns a value (the list a
 * decision runs over). */
bool vm_eval(Vm *vm, uint32_t chunk, Value *out);

/* What a test run needs from the VM (regel test): sources it may
 * replace (given), expectations that failed, and a loader for fixture
 * folders (given "folder"), which returns NULL or an error message. */
typedef struct TestFailure {
    uint32_t expect;     /* Program.expects */
    Value detail;        /* "r.outcome is nej; ja is ja" */
    Value expected, actual; /* the two sides of a failed ==; none for other expectations */
} TestFailure;

typedef struct VmTest {
    DataSet *data;
    const char *(*load_folder)(void *ctx, const char *folder, DataSet *data);
    void *load_ctx;
    TestFailure *failures;
    uint32_t nfailures, failures_cap;
} VmTest;

/* Builds the indexes source src's records need (its key, and the fields
 * the program selects on), for records just loaded or given. */
void data_build_indexes(const Program *p, uint32_t src, SourceData *sd);

/* Turns test mode on (data must be the DataSet given to vm_new). */
void vm_set_test(Vm *vm, VmTest *test);
/* Rules seen: flags[rule] gets bit 1 when it held (PASS, only in code
 * compiled for coverage) and bit 2 when it failed. */
void vm_set_coverage(Vm *vm, uint8_t *flags);
/* Forgets the queues worked out so far (their inputs changed). */
void vm_reset_queues(Vm *vm);
/* Forgets the remembered results of functions that read the exports: for
 * a host whose records may change or be freed between decisions, as
 * arguments are remembered by identity. */
void vm_forget_remembered(Vm *vm);

/* Explaining: TRACE instructions note into trace (NULL: not at all), and
 * queues keep each element's trace and order for vm_queue_view. A nested
 * decision call notes nothing: its rules are not the ones explained. */
void vm_set_trace(Vm *vm, Trace *trace);
void vm_set_explaining(Vm *vm, bool on);
/* Where element stands in queue qi (worked out while explaining); false
 * when it is not in the queue or the queue was not worked out so. */
bool vm_queue_view(Vm *vm, uint32_t qi, Value element, QueueView *out);

const char *vm_error(const Vm *vm);
/* What stopped the last evaluation that failed: an error in the policy or
 * its data, one of the limits, or memory that ran out. Either way only
 * that evaluation failed; the Vm can go on with the next. */
typedef enum VmErrorKind { VM_ERROR_EVAL, VM_ERROR_LIMIT, VM_ERROR_NOMEM } VmErrorKind;
VmErrorKind vm_error_kind(const Vm *vm);
Span vm_error_span(const Vm *vm);
/* Instructions executed by the last evaluation. */
uint64_t vm_steps(const Vm *vm);

#endif
