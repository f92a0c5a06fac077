/*
 * program.h — a compiled policy: bytecode chunks, constants, and the tables
 * of rules, decisions and sources that the VM and the runner read.
 *
 * A Program is immutable once the compiler returns it, so threads can share
 * it; everything that changes during evaluation lives in a VM context.
 */
#ifndef REGEL_PROGRAM_H
#define REGEL_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "regel.h"
#include "types.h"
#include "value.h"

/* The span of the instructions from pc on (until the next run). */
typedef struct SpanRun {
    uint32_t pc;
    Span span;
} SpanRun;

/* Every chunk's code is followed by this many HALT bytes, so the VM can
 * never run past its end whatever the code says (a last instruction with
 * missing operands reads HALTs, falling off the end halts), and needs no
 * bounds check per instruction. */
#define CHUNK_PADDING 8

typedef struct Chunk {
    const char *name;
    uint8_t *code;      /* len bytes, then CHUNK_PADDING HALT bytes */
    uint32_t len;
    SpanRun *spans;
    uint32_t nspans;
    uint16_t nparams;
    uint16_t nlocals;   /* parameters included */
    uint16_t max_stack; /* deepest operand stack above the locals */
} Chunk;

typedef struct RuleInfo {
    const char *ref;
    Severity severity;
    const char *decision; /* where it is written */
    Span span;
    const Node *node;     /* the N_RULE (regel diff compares versions by it) */
} RuleInfo;

typedef struct DecisionInfo {
    const char *name;
    Span span;
    uint32_t chunk;     /* runs once per subject; local `subject_slot` holds it */
    uint32_t body_pc;   /* where a call of the decision starts: past the source's filter */
    const RecordType *result_type; /* what a call gives (check.h: RESULT_*) */
    int source;         /* the source it runs over, or -1 */
    int over_chunk;     /* when it runs over a computed list: the chunk giving it, else -1 */
    uint8_t subject_slot;
    const char **words; /* outcome words */
    uint32_t nwords;
    const char **fields;/* extra output fields, in order */
    uint32_t nfields;
    uint32_t *rules;    /* every rule it can report (own and included), in order */
    uint32_t nrules;
    bool root;          /* declared in a file the user named */
} DecisionInfo;

/* The fields of a source that policies select on, which get a hash index
 * when the source is loaded: `where .f == x`, and `where x in .f` for a
 * list field f (each record under each of its elements); and the range
 * indexes for `where` conditions on the days a record spans (index.h):
 * three fields each, the partition's field (-1: none), start and end. */
typedef struct SourceUse {
    int *indexed_fields;
    uint32_t nindexed;
    int *element_fields;
    uint32_t nelement;
    int *range_fields;
    uint32_t nrange_fields; /* three per range index */
} SourceUse;

/* A queue (check.c: check_queue): chunks run with an element in the
 * subject slot of a frame of the queue's size. */
typedef struct QueueInfo {
    const char *name;
    Span span;
    uint32_t over_chunk;     /* the elements */
    uint32_t key_chunk;      /* element -> [partition, order keys...] */
    int capacity_chunk;      /* element -> Int places of its partition, or -1 */
    uint32_t admit_chunk;    /* the admission rules, like a decision's body */
    uint32_t *counter_chunks;/* element -> the value admitted_with counts by */
    uint32_t ncounters;
    uint8_t subject_slot;
    const Node *by;            /* the partition, or NULL (for explaining) */
    const Node *const *order;  /* the ordering keys */
    uint32_t norder;
} QueueInfo;

typedef struct TestInfo {
    const char *name;
    Span span;
    uint32_t chunk;
} TestInfo;

/* What a TRACE instruction notes, in programs compiled for explaining. */
typedef enum TraceKind {
    TRACE_EXPR,  /* a part of a rule's condition */
    TRACE_COND,  /* a rule's whole condition: its evaluation ends here */
    TRACE_EACH,  /* the element a `for`-rule is about to check */
    TRACE_LET,   /* the value a let names */
    TRACE_QUEUE, /* the element an `include` of a queue looks up */
    TRACE_RANKING, /* a sort_by's elements with their keys, before sorting */
} TraceKind;

typedef struct TracePoint {
    const Node *node;  /* the expression; the let, rule or include for the others */
    int32_t rule;      /* the rule (RuleInfo number) it belongs to, -1 for a let */
    int32_t queue;     /* TRACE_QUEUE: the queue */
    TraceKind kind;
} TracePoint;

/* Where each expectation of a test is written, for failure messages. */
typedef struct ExpectInfo {
    Span span;
    const char *text; /* the condition on one line, for the report */
    uint32_t test;
} ExpectInfo;

/* A host function the program calls (HOST a): its name and signature as
 * the host declared them (the signature normalised, "(Text, Int?) ->
 * Bool"; builtins.h: host_signature), their types, and the host's C
 * function, bound when the program is compiled or loaded with the host's
 * table (fn is NULL until then). */
typedef struct HostInfo {
    const char *name;
    const char *sig;
    const Type **params;
    uint32_t nparams;
    const Type *result;
    regel_host_fn fn;
    void *ctx;
} HostInfo;

typedef struct Program {
    const SourceSet *files;
    Value *consts;
    uint32_t nconsts;
    Chunk *chunks;
    uint32_t nchunks;
    RuleInfo *rules;
    uint32_t nrules;
    DecisionInfo *decisions;
    uint32_t ndecisions;
    SourceSpec **sources;
    SourceUse *uses;      /* by source */
    uint32_t nsources;
    const RecordType **records; /* record types RECORD can build */
    uint32_t nrecords;
    const RecordType *reason_type, *entry_type;
    QueueInfo *queues;
    uint32_t nqueues;
    TestInfo *tests;
    uint32_t ntests;
    ExpectInfo *expects;
    uint32_t nexpects;
    bool coverage;        /* compiled with PASS instructions */
    bool explain;         /* compiled with TRACE instructions */
    /* the named constants the code uses, with their values */
    const Node **const_decls;
    Value *const_values;
    uint32_t nconst_decls;
    TracePoint *trace_points; /* what each TRACE notes */
    uint32_t ntrace_points;
    HostInfo *hosts;      /* the host functions HOST calls, in order of first use */
    uint32_t nhosts;
} Program;

/* The span of the instruction at pc in chunk c. */
Span chunk_span_at(const Chunk *c, uint32_t pc);
/* The decision called name, or -1. */
int program_decision(const Program *p, const char *name);

#endif
