/*
 * compile.h — typed syntax trees to bytecode.
 *
 * Takes a Checked program without errors and produces an immutable
 * Program. Constant sub-expressions are folded; a `where .f == x` on a
 * source becomes an index lookup; `and`/`or`, `??` and `?.` become jumps.
 * Errors found only now (a constant that overflows when folded, a chunk
 * too large) become diagnostics and the result is NULL.
 */
#ifndef REGEL_COMPILE_H
#define REGEL_COMPILE_H

#include "check.h"
#include "program.h"

/* COMPILE_NO_OPT leaves out the optimisations (folding of operators and
 * calls, the NOT-before-jump peephole, index selections for `where`,
 * small functions compiled into their callers), so tests can check that
 * they change no decision.
 * With COMPILE_COVERAGE, every rule that holds also executes a PASS
 * instruction, so the VM can count rules seen passing (regel test). With
 * COMPILE_EXPLAIN, rules note the values of their conditions' parts and
 * lets their values in TRACE instructions (regel explain). Batch runs
 * compile with neither and pay nothing for them. */
enum { COMPILE_COVERAGE = 1, COMPILE_EXPLAIN = 2, COMPILE_NO_OPT = 4 };
Program *compile_program(const Checked *checked, DiagList *diags, unsigned flags);

#endif
