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

Program *compile_program(const Checked *checked, DiagList *diags);

#endif
