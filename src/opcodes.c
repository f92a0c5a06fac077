/* opcodes.c — the table of instruction names, layouts and stack effects,
 * expanded from REGEL_OPCODES. */
#include "opcodes.h"

const OpcodeInfo opcode_info[BC__COUNT] = {
#define OP_INFO(name, operands, pops, pushes, doc) {#name, OPND_##operands, pops, pushes, doc},
    REGEL_OPCODES(OP_INFO)
#undef OP_INFO
};
