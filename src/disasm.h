/*
 * disasm.h — bytecode as text, for `regel disasm` and for debugging the
 * compiler. Expanded from the same opcode table as the VM.
 */
#ifndef REGEL_DISASM_H
#define REGEL_DISASM_H

#include "buf.h"
#include "program.h"

void disasm_chunk(const Program *p, uint32_t chunk, RgBuf *out);
/* Every chunk, or only those of decision `only` (and the functions it
 * calls are not followed: they are listed by name at each CALL). */
void disasm_program(const Program *p, const char *only, RgBuf *out);

#endif
