/*
 * opcodes.h — the instruction set, defined once.
 *
 * Every user of the instruction set (the compiler, the VM's dispatch table,
 * the disassembler, the verifier) expands REGEL_OPCODES, so they cannot
 * drift apart. Each entry is
 *
 *     OP(NAME, OPERANDS, POPS, PUSHES, "meaning")
 *
 * OPERANDS is the operand layout after the one-byte opcode:
 *     NONE   nothing
 *     U8     one byte a          (local slots, field slots, counts)
 *     U16    two bytes a, little-endian (constants, functions, rules, sources)
 *     U8U8   bytes a, b
 *     U16U8  two bytes a, one byte b
 *     JUMP   four-byte signed offset, from the end of the instruction
 *     U8JUMP one byte a, then a jump offset
 *     U8U8JUMP bytes a, b, then a jump offset
 *     U8U8U16JUMP bytes a, b, two bytes c, then a jump offset
 *     U16JUMP two bytes a, then a jump offset
 * POPS/PUSHES give the stack effect when execution falls through to the
 * next instruction; VAR means it depends on an operand (see the notes of
 * that instruction). On the jump path: AND, OR, JUMP_SOME and JUMP_NONE
 * keep the value they tested; ITER pushes nothing; the other jumps have
 * the same effect as falling through.
 *
 * ITER_TO, FIELD_JUMP_* and FIELD_EQ_JUMP, FIELD_NE_JUMP are instructions
 * in one, which the compiler uses where they follow each other directly
 * (ITER, STORE b; LOCAL_FIELD a b, JUMP_FALSE or JUMP_TRUE; LOCAL_FIELD
 * a b, CONST c, EQ or NE, JUMP_FALSE or JUMP_TRUE), as is MOVE (LOAD a,
 * STORE b), LEN_LOCAL (LOAD a, LEN), SUM_FIELD and MAP_FIELD (the loops
 * of sum(xs, .field) and map(xs, .field)), APPEND_LOCAL (LOAD a, APPEND
 * b): each instruction
 * dispatched costs more than most instructions' own work.
 *
 * Notes:
 *  - Locals live below the operand stack in the frame; slots are numbered
 *    from 0. An iteration uses two consecutive slots: the list, then the
 *    next position (an Int).
 *  - Instructions that read a field, a list or a text check the value's tag
 *    and stop with an error instead of misreading memory: bytecode may come
 *    from a file.
 *  - The decision instructions (PASSED, FAIL, OUTCOME, EMIT, SET_KEY, SKIP)
 *    only appear in decision and queue chunks; QSTATE and QCOUNT only in a
 *    queue's admission chunk; GIVEN* and EXPECT_FAIL only in test chunks.
 *  - HOST calls a C function the host gave (Program.hosts: its name and
 *    signature; builtins.h: host_call), whose result is checked against
 *    the declared type before it is pushed.
 *  - RECORD pops the type's number of fields (Program.records); DECIDE runs
 *    the decision's code from its body_pc (past the `where` filter of its
 *    source) in a fresh verdict and pushes its result record.
 */
#ifndef REGEL_OPCODES_H
#define REGEL_OPCODES_H

#include <stdbool.h>

#define VAR (-1)

#define REGEL_OPCODES(OP)                                                                            \
    OP(CONST,       U16,    0, 1, "push constant a")                                                 \
    OP(NONE,        NONE,   0, 1, "push none")                                                       \
    OP(TRUE,        NONE,   0, 1, "push true")                                                       \
    OP(FALSE,       NONE,   0, 1, "push false")                                                      \
    OP(POP,         NONE,   1, 0, "drop the top value")                                              \
    OP(DUP,         NONE,   1, 2, "push a copy of the top value")                                    \
    OP(LOAD,        U8,     0, 1, "push local a")                                                    \
    OP(STORE,       U8,     1, 0, "pop into local a")                                                \
    OP(FIELD,       U8,     1, 1, "replace the record on top by its field a; none is an error")     \
    OP(FIELD_OPT,   U8,     1, 1, "like FIELD, but none gives none")                                 \
    OP(LOCAL_FIELD, U8U8,   0, 1, "push field b of the record in local a")                           \
    OP(PSEUDO,      U8,     1, 1, "replace a period, date or duration by its part a (see vm.c)")    \
    OP(NOT,         NONE,   1, 1, "logical not")                                                     \
    OP(NEG_INT,     NONE,   1, 1, "negate an Int (overflow is an error)")                            \
    OP(NEG_DEC,     NONE,   1, 1, "negate a Decimal")                                                \
    OP(ADD_INT,     NONE,   2, 1, "Int + Int")                                                       \
    OP(SUB_INT,     NONE,   2, 1, "Int - Int")                                                       \
    OP(MUL_INT,     NONE,   2, 1, "Int * Int")                                                       \
    OP(MOD_INT,     NONE,   2, 1, "Int % Int (division by zero is an error)")                        \
    OP(ADD_DEC,     NONE,   2, 1, "number + number as Decimal")                                      \
    OP(SUB_DEC,     NONE,   2, 1, "number - number as Decimal")                                      \
    OP(MUL_DEC,     NONE,   2, 1, "number * number as Decimal")                                      \
    OP(DIV,         NONE,   2, 1, "number / number as Decimal")                                      \
    OP(TO_DEC,      NONE,   1, 1, "widen an Int on top to Decimal")                                  \
    OP(CONCAT,      NONE,   2, 1, "Text + Text, or List + List")                                                     \
    OP(DATE_ADD,    NONE,   2, 1, "Date + Duration")                                                 \
    OP(DATE_SUB,    NONE,   2, 1, "Date - Duration")                                                 \
    OP(DATE_DIFF,   NONE,   2, 1, "Date - Date in days")                                             \
    OP(DUR_ADD,     NONE,   2, 1, "Duration + Duration")                                             \
    OP(DUR_SUB,     NONE,   2, 1, "Duration - Duration")                                             \
    OP(DUR_NEG,     NONE,   1, 1, "negate a Duration")                                               \
    OP(MAKE_DUR,    U8,     1, 1, "Int to a Duration of unit a (0 days, 1 weeks, 2 months, 3 years)") \
    OP(EQ,          NONE,   2, 1, "==")                                                              \
    OP(NE,          NONE,   2, 1, "!=")                                                              \
    OP(LT,          NONE,   2, 1, "<")                                                               \
    OP(LE,          NONE,   2, 1, "<=")                                                              \
    OP(GT,          NONE,   2, 1, ">")                                                               \
    OP(GE,          NONE,   2, 1, ">=")                                                              \
    OP(IN,          NONE,   2, 1, "element in list or set, or date in period")                       \
    OP(IS_NONE,     NONE,   1, 1, "true when the top value is none")                                 \
    OP(JUMP,        JUMP,   0, 0, "jump")                                                            \
    OP(JUMP_FALSE,  JUMP,   1, 0, "pop; jump when false")                                            \
    OP(JUMP_TRUE,   JUMP,   1, 0, "pop; jump when true")                                             \
    OP(AND,         JUMP,   1, 0, "if the top is false, jump and keep it; else pop it")              \
    OP(OR,          JUMP,   1, 0, "if the top is true, jump and keep it; else pop it")               \
    OP(JUMP_SOME,   JUMP,   1, 0, "if the top is not none, jump and keep it; else pop it")           \
    OP(JUMP_NONE,   JUMP,   0, 0, "if the top is none, jump and keep it")                            \
    OP(LIST,        U16,    VAR, 1, "pop a values into a new list (first pushed first)")             \
    OP(ITER_INIT,   U8,     1, 0, "pop a list or set into local a; local a+1 = 0")                   \
    OP(LIST_LIKE,   U8,     0, 1, "push a new empty list with room for as many values as the list or set in local a has") \
    OP(ITER,        U8JUMP, 0, 1, "push the next element of the iteration in locals a, a+1, or jump when done") \
    OP(APPEND,      U8,     1, 0, "pop a value and append it to the list in local a")                \
    OP(LEN,         NONE,   1, 1, "number of elements of a list or set")                             \
    OP(INDEX,       NONE,   2, 1, "list[position], 0-based; out of range is an error")               \
    OP(SORT,        U8,     0, 0, "sort local a, a list of [key..., element], by the keys, stably, and keep the elements")        \
    OP(SOURCE,      U16,    0, 1, "push every record of source a")                                   \
    OP(LOOKUP,      U16,    1, 1, "replace a key by the record of source a with that key, or none")  \
    OP(SELECT,      U16U8,  1, 1, "replace a value by the records of source a whose field b equals it") \
    OP(SELECT_IN,   U16U8,  1, 1, "replace a value by the records of source a whose list field b holds it") \
    OP(SELECT_RANGE, U16U8, 3, 1, "pop a key (or none), lo and hi: the records of source a that range index b finds (end >= lo, start <= hi)") \
    OP(CALL,        U16U8,  VAR, 1, "call function a with the top b values as arguments")           \
    OP(RETURN,      NONE,   1, 0, "return the top value to the caller")                              \
    OP(NATIVE,      U16U8,  VAR, 1, "call native a with the top b values as arguments")             \
    OP(TODAY,       NONE,   0, 1, "push the run's date")                                             \
    OP(RENDER,      U8,     VAR, 1, "pop a values, render them as in messages, push the joined text") \
    OP(TRACE,       U16,    1, 1, "when explaining, note the top value for trace point a")         \
    OP(SHOW,        NONE,   1, 1, "replace the top value by the text a test report shows for it")    \
    OP(PASSED,      NONE,   0, 1, "push true when no must-rule has failed yet")                      \
    OP(FAIL,        U16,    1, 0, "pop a message; rule a failed")                                    \
    OP(OUTCOME,     U16,    0, 0, "the outcome is word a of the decision")                           \
    OP(EMIT,        U8,     1, 0, "pop the value of output field a")                                 \
    OP(SET_KEY,     NONE,   1, 0, "pop the key of this decision line")                               \
    OP(SKIP,        NONE,   0, 0, "this record is not one the decision is about; stop")              \
    OP(HALT,        NONE,   0, 0, "end of the decision")                                             \
    OP(RECORD,      U16,    VAR, 1, "pop the field values of record type a into a new record")      \
    OP(UNWRAP,      NONE,   1, 1, "the top value must not be none (x!); none is an error")          \
    OP(ERROR,       U16,    0, 0, "stop with the error text in constant a")                         \
    OP(DECIDE,      U16,    1, 1, "replace a subject by the result of decision a for it")           \
    OP(QUEUE_GET,   U16,    1, 1, "replace an element by its entry in queue a, or none")            \
    OP(QUEUE_REPLAY, U16,   1, 0, "pop an element; its reasons in queue a become this verdict's")  \
    OP(QSTATE,      U8,     0, 1, "push the walk's admitted count (0), position (1) or capacity (2)") \
    OP(QCOUNT,      U8,     0, 1, "push how many admitted earlier have the same value of counter a") \
    OP(PASS,        U16,    0, 0, "rule a held (only in code compiled for coverage)")               \
    OP(GIVEN,       U16,    1, 0, "pop a list of records: in this test, they are source a")         \
    OP(GIVEN_TODAY, NONE,   1, 0, "pop a date: in this test, it is today")                          \
    OP(GIVEN_FOLDER, U16,   0, 0, "in this test, read the exports from the folder in constant a")   \
    OP(EXPECT_FAIL, U16,    3, 0, "pop the actual and the expected value (the sides of an ==, else none) and a text: expectation a of this test did not hold") \
    OP(HOST,        U16U8,  VAR, 1, "call host function a (Program.hosts) with the top b values as arguments") \
    OP(ITER_TO,     U8U8JUMP, 0, 0, "store the next element of the iteration in locals a, a+1 in local b, or jump when done") \
    OP(FIELD_JUMP_FALSE, U8U8JUMP, 0, 0, "jump when field b of the record in local a is false") \
    OP(FIELD_JUMP_TRUE, U8U8JUMP, 0, 0, "jump when field b of the record in local a is true") \
    OP(FIELD_EQ_JUMP, U8U8U16JUMP, 0, 0, "jump when field b of the record in local a equals constant c") \
    OP(FIELD_NE_JUMP, U8U8U16JUMP, 0, 0, "jump when field b of the record in local a does not equal constant c") \
    OP(LIST_SCRATCH, U16U8, 0, 1, "LIST_LIKE b, but the list is the VM's scratch list a, emptied (see compile.c)") \
    OP(MOVE,        U8U8,   0, 0, "local b = local a (LOAD a, STORE b)") \
    OP(LEN_LOCAL,   U8,     0, 1, "push the number of elements of the list or set in local a (LOAD a, LEN)") \
    OP(SUM_FIELD,   U8U8,   1, 1, "replace a list of records by the sum of their field b, as Int (a = 0) or Decimal (a = 1)") \
    OP(MAP_FIELD,   U8,     1, 1, "replace a list of records by the list of their field a") \
    OP(APPEND_LOCAL, U8U8,  0, 0, "append local a to the list in local b (LOAD a, APPEND b)") \
    OP(FAIL_SKIP,   U16JUMP, 0, 0, "rule a failed, with no message; jump (the hot path's stand-in for a message and its FAIL, see embed.c)")

typedef enum Opcode {
#define OP_ENUM(name, operands, pops, pushes, doc) BC_##name,
    REGEL_OPCODES(OP_ENUM)
#undef OP_ENUM
    BC__COUNT
} Opcode;

typedef enum OperandLayout {
    OPND_NONE,
    OPND_U8,
    OPND_U16,
    OPND_U8U8,
    OPND_U16U8,
    OPND_JUMP,
    OPND_U8JUMP,
    OPND_U8U8JUMP,
    OPND_U8U8U16JUMP,
    OPND_U16JUMP,
} OperandLayout;

typedef struct OpcodeInfo {
    const char *name;
    OperandLayout operands;
    int pops, pushes;
    const char *doc;
} OpcodeInfo;

extern const OpcodeInfo opcode_info[BC__COUNT];

/* Bytes taken by an instruction with this layout, opcode included. */
static inline int opcode_size(OperandLayout l)
{
    switch (l) {
    case OPND_NONE: return 1;
    case OPND_U8: return 2;
    case OPND_U16: return 3;
    case OPND_U8U8: return 3;
    case OPND_U16U8: return 4;
    case OPND_JUMP: return 5;
    case OPND_U8JUMP: return 6;
    case OPND_U8U8JUMP: return 7;
    case OPND_U8U8U16JUMP: return 9;
    case OPND_U16JUMP: return 7;
    }
    return 1;
}

/* Whether an instruction with this layout jumps (always or on a condition). */
static inline bool opcode_jumps(OperandLayout l)
{
    return l == OPND_JUMP || l == OPND_U8JUMP || l == OPND_U8U8JUMP || l == OPND_U8U8U16JUMP || l == OPND_U16JUMP;
}

/* Where its jump offset starts, counted from the opcode; the offset
 * counts from the end of the instruction. */
static inline int opcode_jump_operand(OperandLayout l)
{
    return l == OPND_U8U8U16JUMP ? 5 : l == OPND_U8U8JUMP || l == OPND_U16JUMP ? 3 : l == OPND_U8JUMP ? 2 : 1;
}

#endif
