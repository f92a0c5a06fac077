/*
 * verify.h — the bytecode verifier: proves that a Program read from a file
 * can be handed to the VM.
 *
 * The VM trusts the shape of its code: it dispatches on the opcode byte
 * without a bounds check, reads operands where the instruction says they
 * are, and indexes locals, constants and tables with them. A compiled
 * Program has that shape by construction; a loaded one must be shown to
 * have it first. verify_program checks every chunk:
 *
 *  - every opcode is known and every instruction ends inside the chunk;
 *  - every operand is in range: constants, locals (< nlocals; both slots
 *    of an iteration), chunks, natives (with their arity), sources (with
 *    a key for LOOKUP, an index for SELECT and SELECT_IN), rules, record
 *    types, decisions, queues, expectations, trace points, field slots,
 *    outcome words and output fields of the decision the chunk belongs to,
 *    and the small enumerations (PSEUDO, MAKE_DUR, QSTATE);
 *  - the constants that ERROR and GIVEN_FOLDER name are Text;
 *  - jump targets are instruction boundaries inside the chunk (or its end);
 *  - the operand stack, followed along every path from each entry (the
 *    start, and a decision's body_pc), never underflows, never exceeds
 *    max_stack, and has one depth wherever paths meet;
 *  - APPEND only grows a list that the same frame made with LIST (the one
 *    in-place mutation the VM has: anything else could be a constant or
 *    a loaded source, shared between threads);
 *  - decision chunks are entered only as decisions (not called, not run
 *    as queue, test or list chunks), each belongs to one decision, and
 *    only they set outcomes and output fields;
 *  - calls (CALL, DECIDE, and the chunks a queue lookup runs) form no
 *    cycle and no chain longer than VERIFY_MAX_CHAIN, so the VM's C
 *    recursion is bounded whatever limits a host sets;
 *  - the tables agree with the code: decision, queue and test chunks
 *    exist, body_pc is a boundary, subject slots are locals.
 *
 * Values inside constants and tables (UTF-8 text, decimal scales, enum
 * words, record shapes, spans) are checked by the loader as it reads them
 * (image.c).
 */
#ifndef REGEL_VERIFY_H
#define REGEL_VERIFY_H

#include <stdint.h>

#include "program.h"

/* A policy's longest chain of calls is a few levels deep. Each level costs
 * the VM about 1 KB of C stack (more in sanitizer builds), and a host's
 * thread may have little: a file whose code could nest deeper is refused. */
#define VERIFY_MAX_CHAIN 256

/* NULL when p is safe to run; otherwise what is wrong, naming the chunk
 * and the offset ("chunk 3 (utbildning), offset 42: jump into the middle
 * of an instruction"). */
const char *verify_program(const Program *p);

/* The operand stack depth before each instruction of chunk c of a
 * verified program: depths[pc] for an instruction that some path
 * reaches, -1 elsewhere (inside instructions, unreachable code); the
 * array has c->len + 1 entries, the last for the end of the chunk. NULL
 * if the chunk does not verify. */
int32_t *verify_depths(const Program *p, uint32_t c);

#endif
