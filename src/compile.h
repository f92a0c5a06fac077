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

/* With coverage, every rule that holds also executes a PASS instruction,
 * so the VM can count rules seen passing (regel test); batch runs compile
 * without and pay nothing for it. */
Program *compile_program(const Checked *checked, DiagList *diags, bool coverage);

#endif
