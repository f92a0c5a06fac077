/*
 * fuzz_image.c — libFuzzer harness for the .rgc loader and the bytecode
 * verifier (make fuzz).
 *
 * An input is a .rgc file. So that mutations reach the reader and the
 * verifier instead of stopping at the checksum, the harness first makes
 * the frame right again: the engine version and fingerprint of this build,
 * the body length, the checksum. Whatever then loads has been verified, so
 * it must run without harm: each decision is run on a record of its type
 * with small limits, its messages and its JSON line are read, and the
 * program is disassembled. The VM's own stack and local checks are built
 * in (REGEL_VM_CHECKS); if one of them ever fires on a verified program,
 * the verifier missed something, and the harness stops with a crash.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "image.h"
#include "regel.h"

static uint8_t engine[24]; /* version and fingerprint of this build */

static void learn_engine(void)
{
    static const char policy[] = "record R {\n    id: Text\n}\nsource rs: R from jsonl \"r.jsonl\" key id\n"
                                 "decision d for r in rs key r.id {\n    outcome ja | nej\n}\n";
    regel_program *p;
    unsigned char *data;
    size_t len;
    if (regel_compile_string("seed.regel", policy, sizeof policy - 1, NULL, NULL, &p) != REGEL_OK ||
        regel_program_save_buffer(p, NULL, &data, &len, NULL, NULL) != REGEL_OK)
        abort();
    memcpy(engine, data + 16, sizeof engine);
    regel_free(data);
    regel_program_free(p);
}

/* A record of type rt with a plain value in every field that needs one;
 * NULL when a field needs a record (not worth the recursion here). */
static regel_record *plain_record(const regel_program *p, int type, const RecordType *rt)
{
    regel_record *r;
    if (regel_record_new(p, type, &r) != REGEL_OK)
        return NULL;
    for (size_t i = 0; i < rt->nfields; i++) {
        const Type *t = rt->fields[i].type;
        int slot = (int)i;
        switch (t->kind) {
        case T_BOOL: regel_record_set_bool(r, slot, 1); break;
        case T_INT: regel_record_set_int(r, slot, 3); break;
        case T_DEC: regel_record_set_decimal(r, slot, 125, 1); break;
        case T_TEXT: regel_record_set_text(r, slot, "x", 1); break;
        case T_DATE: regel_record_set_date(r, slot, 2026, 1, 31); break;
        case T_ENUM:
            if (t->enm->nwords)
                regel_record_set_enum(r, slot, t->enm->words[0]);
            break;
        default: break;
        }
    }
    return r;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && memcmp(s + n - t, tail, t) == 0;
}

/* The message ends with what went wrong; the file name at its start is the
 * input's own and may say anything. */
static void check_error(const regel_context *c)
{
    const char *e = regel_context_error(c);
    if (e && (ends_with(e, "internal error: the operand stack is out of balance") ||
              ends_with(e, "internal error: local slot out of range"))) {
        fprintf(stderr, "a verified program misused the VM: %s\n", e);
        abort();
    }
}

static void exercise(regel_program *p)
{
    char *text = regel_disassemble(p, NULL);
    regel_free(text);
    regel_context_options o;
    regel_context_options_init(&o);
    o.today = "2026-11-22";
    o.limits.max_steps = 20000;
    o.limits.max_memory = 4 * 1024 * 1024;
    o.limits.max_depth = 32;
    regel_context *c;
    if (regel_context_new(p, &o, &c) != REGEL_OK)
        return;
    const Program *P = p->program;
    for (uint32_t d = 0; d < P->ndecisions && d < 8; d++) {
        const DecisionInfo *di = &P->decisions[d];
        if (di->source < 0)
            continue;
        const RecordType *rt = P->sources[di->source]->type;
        int type = -1;
        for (uint32_t k = 0; k < p->types.nrecords; k++)
            if (p->types.records[k] == rt)
                type = (int)k;
        regel_record *r = type >= 0 ? plain_record(p, type, rt) : NULL;
        const regel_result *res;
        if (r && regel_decide(c, (int)d, r, &res) == REGEL_OK) {
            const char *m;
            for (size_t i = 0; i < res->nreasons; i++)
                if (regel_result_message(c, i, &m, NULL) != REGEL_OK)
                    check_error(c);
            size_t n;
            if (regel_result_json(c, &m, &n) != REGEL_OK)
                check_error(c);
        } else {
            check_error(c);
        }
        regel_record_free(r);
    }
    regel_context_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        learn_engine();
        ready = 1;
    }
    if (size < IMAGE_HEADER_BYTES + IMAGE_CHECKSUM_BYTES || size > IMAGE_MAX_BYTES)
        return 0;
    uint8_t *copy = malloc(size);
    memcpy(copy, data, size);
    memcpy(copy + 16, engine, sizeof engine);
    int is_signed = copy[12] & 1;
    memset(copy + 12, 0, 4);
    copy[12] = (uint8_t)is_signed;
    size_t frame = IMAGE_HEADER_BYTES + IMAGE_CHECKSUM_BYTES + (is_signed ? IMAGE_SIGNATURE_BYTES : 0);
    if (size >= frame) {
        uint64_t body = size - frame;
        for (int i = 0; i < 8; i++)
            copy[72 + i] = (uint8_t)(body >> (8 * i));
    }
    crypto_generichash(copy + size - IMAGE_CHECKSUM_BYTES, IMAGE_CHECKSUM_BYTES, copy, size - IMAGE_CHECKSUM_BYTES,
                       NULL, 0);
    regel_program *p;
    if (regel_program_load_buffer("fuzz.rgc", copy, size, NULL, NULL, NULL, &p) == REGEL_OK) {
        exercise(p);
        regel_program_free(p);
    }
    free(copy);
    return 0;
}
