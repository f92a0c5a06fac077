/*
 * disasm.c — the disassembler.
 */
#include "disasm.h"

#include <stdio.h>
#include <string.h>

#include "builtins.h"
#include "opcodes.h"

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static int32_t rd32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}

/* A short comment for an operand: the constant, rule, function ... */
static void comment(const Program *p, Opcode o, uint32_t a, uint32_t b, RgBuf *out)
{
    switch (o) {
    case BC_CONST:
    case BC_FIELD_EQ_JUMP:
    case BC_FIELD_NE_JUMP:
        if (a < p->nconsts) {
            buf_adds(out, "  ; ");
            RgBuf v;
            buf_init(&v);
            value_write_json(&v, p->consts[a]);
            buf_add(out, v.data, v.len > 60 ? 60 : v.len);
            if (v.len > 60)
                buf_adds(out, "...");
        }
        break;
    case BC_FAIL:
    case BC_FAIL_SKIP:
        if (a < p->nrules)
            buf_printf(out, "  ; rule %s", p->rules[a].ref);
        break;
    case BC_CALL:
        if (a < p->nchunks)
            buf_printf(out, "  ; %s", p->chunks[a].name);
        break;
    case BC_DECIDE:
        if (a < p->ndecisions)
            buf_printf(out, "  ; %s", p->decisions[a].name);
        break;
    case BC_RECORD:
        if (a < p->nrecords)
            buf_printf(out, "  ; %s", p->records[a]->name);
        break;
    case BC_QUEUE_GET:
    case BC_QUEUE_REPLAY:
        if (a < p->nqueues)
            buf_printf(out, "  ; %s", p->queues[a].name);
        break;
    case BC_NATIVE:
        if (a < builtin_count)
            buf_printf(out, "  ; %s", builtin_table[a].name);
        break;
    case BC_HOST:
        if (a < p->nhosts)
            buf_printf(out, "  ; %s%s (host)", p->hosts[a].name, p->hosts[a].sig);
        break;
    case BC_SOURCE:
    case BC_LOOKUP:
        if (a < p->nsources)
            buf_printf(out, "  ; %s", p->sources[a]->name);
        break;
    case BC_SELECT:
    case BC_SELECT_IN:
        if (a < p->nsources && p->sources[a]->type && b < p->sources[a]->type->nfields)
            buf_printf(out, "  ; %s.%s", p->sources[a]->name, p->sources[a]->type->fields[b].name);
        break;
    case BC_SELECT_RANGE:
        if (a < p->nsources && p->sources[a]->type && b < p->uses[a].nrange_fields / 3) {
            const int *f = &p->uses[a].range_fields[3 * b];
            const FieldDef *fs = p->sources[a]->type->fields;
            if (f[0] >= 0)
                buf_printf(out, "  ; %s by %s, %s..%s", p->sources[a]->name, fs[f[0]].name, fs[f[1]].name,
                           fs[f[2]].name);
            else
                buf_printf(out, "  ; %s, %s..%s", p->sources[a]->name, fs[f[1]].name, fs[f[2]].name);
        }
        break;
    default:
        break;
    }
}

void disasm_chunk(const Program *p, uint32_t chunk, RgBuf *out)
{
    const Chunk *c = &p->chunks[chunk];
    buf_printf(out, "== %s (chunk %u: %u parameters, %u locals, stack %u, %u bytes)\n", c->name, chunk, c->nparams,
               c->nlocals, c->max_stack, c->len);
    long last_line = -1;
    for (uint32_t pc = 0; pc < c->len;) {
        Opcode o = (Opcode)c->code[pc];
        if (o >= BC__COUNT) {
            buf_printf(out, "%04u  <unknown opcode %u>\n", pc, (unsigned)o);
            pc++;
            continue;
        }
        const OpcodeInfo *info = &opcode_info[o];
        int size = opcode_size(info->operands);
        if (pc + (uint32_t)size > c->len) {
            buf_printf(out, "%04u  %s <truncated>\n", pc, info->name);
            break;
        }
        Span sp = chunk_span_at(c, pc);
        long line, col;
        sources_position(p->files, sp.file, sp.start, &line, &col);
        char where[32] = "";
        if (line != last_line && line > 0)
            snprintf(where, sizeof where, "%ld:%ld", line, col);
        last_line = line;
        buf_printf(out, "%04u  %-8s %-12s", pc, where, info->name);
        const uint8_t *a = c->code + pc + 1;
        uint32_t x = 0, y = 0;
        switch (info->operands) {
        case OPND_NONE: break;
        case OPND_U8: x = a[0]; buf_printf(out, " %u", x); break;
        case OPND_U16: x = rd16(a); buf_printf(out, " %u", x); break;
        case OPND_U8U8: x = a[0]; y = a[1]; buf_printf(out, " %u %u", x, y); break;
        case OPND_U16U8: x = rd16(a); y = a[2]; buf_printf(out, " %u %u", x, y); break;
        case OPND_JUMP: buf_printf(out, " -> %04d", (int)(pc + 5 + (uint32_t)rd32(a))); break;
        case OPND_U8JUMP: buf_printf(out, " %u -> %04d", a[0], (int)(pc + 6 + (uint32_t)rd32(a + 1))); break;
        case OPND_U8U8JUMP:
            x = a[0];
            y = a[1];
            buf_printf(out, " %u %u -> %04d", x, y, (int)(pc + 7 + (uint32_t)rd32(a + 2)));
            break;
        case OPND_U16JUMP:
            x = rd16(a);
            buf_printf(out, " %u -> %04d", x, (int)(pc + 7 + (uint32_t)rd32(a + 2)));
            break;
        case OPND_U8U8U16JUMP:
            x = rd16(a + 2);
            buf_printf(out, " %u %u %u -> %04d", a[0], a[1], x, (int)(pc + 9 + (uint32_t)rd32(a + 4)));
            break;
        }
        comment(p, o, x, y, out);
        buf_addc(out, '\n');
        pc += (uint32_t)size;
    }
}

void disasm_program(const Program *p, const char *only, RgBuf *out)
{
    bool first = true;
    for (uint32_t i = 0; i < p->nchunks; i++) {
        const char *name = p->chunks[i].name;
        if (only) {
            size_t n = strlen(only);
            /* a decision's own chunk and its "(list)" chunk */
            if (strncmp(name, only, n) != 0 || (name[n] != '\0' && name[n] != ' '))
                continue;
        }
        if (!first)
            buf_addc(out, '\n');
        first = false;
        disasm_chunk(p, i, out);
    }
}
