/*
 * explain.h — why one decision came out as it did (regel explain).
 *
 * A program compiled with COMPILE_EXPLAIN notes, as it runs, the value of
 * every part of each rule's condition, each let, each element of a
 * `for`-rule and each queue lookup (vm.h: Trace). This turns such a trace
 * into the evaluation a policy author reads: every rule with its ref,
 * whether it held, the values its condition saw, the message, and for a
 * failed comparison of numbers or dates the smallest change of the value
 * that would make it hold; for a queue, where the subject stands and who
 * is ahead of it on which ordering key.
 */
#ifndef REGEL_EXPLAIN_H
#define REGEL_EXPLAIN_H

#include <stdbool.h>

#include "buf.h"
#include "program.h"
#include "vm.h"

/* Writes the explanation of decision di for the subject whose verdict is v
 * and whose evaluation noted trace: text for a reader (ending in a blank
 * line), or one JSON object on one line. vm is the one that evaluated it
 * (queues are looked up in it). */
void explain_write(const Program *p, Vm *vm, uint32_t di, const Verdict *v, const Trace *trace, bool json,
                   RgBuf *out);

#endif
