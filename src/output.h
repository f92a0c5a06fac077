/*
 * output.h — decision lines in the formats a run can write.
 *
 * JSON Lines is the contract (DECISIONS.md "Output"): one object per
 * decision and key, fields in the order decision, id, outcome, reasons,
 * then the decision's extra fields in declaration order. The table is for
 * people at a terminal; CSV is for spreadsheets.
 */
#ifndef REGEL_OUTPUT_H
#define REGEL_OUTPUT_H

#include "buf.h"
#include "program.h"
#include "vm.h"

typedef enum OutputFormat { OUT_JSONL, OUT_TABLE, OUT_CSV } OutputFormat;

/* The outcome word of a decision that failed with an evaluation error. */
#define OUTCOME_ERROR "fel"

/* The parts of JSON lines that are the same on every line (the decision's
 * name, its outcome words, the rules' refs and severities, field names),
 * encoded once per run instead of once per line. */
typedef struct OutputPlan OutputPlan;

OutputPlan *output_plan(const Program *p);

/* Appends the line(s) for one verdict of decision number di. */
void output_verdict(RgBuf *b, OutputFormat f, const OutputPlan *plan, uint32_t di, const Verdict *v);
/* Appends the line for a subject whose evaluation failed: outcome "fel"
 * with the error (and where in the policy it happened) as its reason. */
void output_failure(RgBuf *b, OutputFormat f, const DecisionInfo *d, Value key, const char *error);
/* Table: the heading before a decision's lines; CSV: the header row once. */
/* Table lines mark where an id ends; output_table_align pads every id of
 * the buffer to the widest (at least *id_width, which it updates), so the
 * outcomes of a decision line up. */
#define TABLE_PAD_MARK '\x01'
#define TABLE_ID_WIDTH 30
void output_table_align(RgBuf *b, size_t *id_width);
void output_begin_decision(RgBuf *b, OutputFormat f, const DecisionInfo *d, bool first);

#endif
