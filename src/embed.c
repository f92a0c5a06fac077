/*
 * embed.c — the embedding half of the public API (regel.h): precompiled
 * programs and keys, records built by the host, shared source data, and
 * per-thread contexts that decide one record at a time.
 *
 * Handles are root blocks (rg_alloc_root) that hold everything a host's
 * objects refer to, so the collector never frees what a host still uses;
 * every entry point is a protected boundary, except regel_decide, whose
 * evaluation has its own (vm_decide).
 */
#include "regel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "builtins.h"
#include "embed.h"
#include "image.h"
#include "opcodes.h"
#include "output.h"
#include "records.h"
#include "run.h"
#include "text.h"
#include "verify.h"
#include "vm.h"

/* ---------------------------------------------------------------- programs */

regel_program *embed_program(Program *program, SourceSet *files)
{
    regel_program *p = rg_alloc_root(sizeof *p);
    p->program = program;
    p->files = files;
    pthread_mutex_init(&p->lock, NULL);
    atomic_init(&p->ready, false);
    return p;
}

void regel_program_free(regel_program *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->lock);
    rg_free(p);
}

/* The instructions a message's code may hold: it computes a text and may
 * use locals of its own, but changes nothing a decision reports. */
static bool message_instruction(uint8_t op)
{
    switch (op) {
    case BC_FAIL:
    case BC_PASS:
    case BC_OUTCOME:
    case BC_EMIT:
    case BC_SET_KEY:
    case BC_SKIP:
    case BC_QUEUE_REPLAY:
    case BC_TRACE:
    case BC_GIVEN:
    case BC_GIVEN_TODAY:
    case BC_GIVEN_FOLDER:
    case BC_EXPECT_FAIL: return false;
    default: return true;
    }
}

static int32_t jump_target(const uint8_t *code, uint32_t pc)
{
    OperandLayout l = opcode_info[code[pc]].operands;
    const uint8_t *o = code + pc + opcode_jump_operand(l);
    int32_t off = (int32_t)((uint32_t)o[0] | ((uint32_t)o[1] << 8) | ((uint32_t)o[2] << 16) | ((uint32_t)o[3] << 24));
    return (int32_t)pc + opcode_size(l) + off;
}

static bool is_jump(uint8_t op)
{
    return opcode_jumps(opcode_info[op].operands);
}

/* The jumps a rule's condition may end in: past the failure when it holds
 * (JUMP_FALSE when a `not` was folded into the jump, the FIELD_ ones when
 * the condition reads a field). Code inside a message never jumps past
 * the FAIL that ends it. */
static bool skips_the_failure(uint8_t op)
{
    switch (op) {
    case BC_JUMP_TRUE:
    case BC_JUMP_FALSE:
    case BC_FIELD_JUMP_TRUE:
    case BC_FIELD_JUMP_FALSE:
    case BC_FIELD_EQ_JUMP:
    case BC_FIELD_NE_JUMP: return true;
    default: return false;
    }
}

/*
 * A rule compiles to its condition, a jump past the failure, the code
 * of its message, and FAIL. The hot path needs to know that a rule failed,
 * not what its message says, so in the program it runs, the message code
 * and the FAIL of each rule are replaced by one instruction that notes the
 * failure with an empty message and jumps on:
 *
 *     JUMP_TRUE ok; <message code>; FAIL r; ok:
 *     JUMP_TRUE ok; FAIL_SKIP r -> ok; <dead>; FAIL r; ok:
 *
 * (or another jump of skips_the_failure).
 *
 * A message is rewritten only where that is provably the same apart from
 * the text: the region is entered only at its start, leaves one value
 * more than it found, and holds nothing that reports (another FAIL, an
 * outcome, a field, a key). Decisions that other decisions call (DECIDE)
 * keep their messages: a policy can read a called decision's reasons.
 * regel_result_message gets the real messages by evaluating the decision
 * again in the program as compiled.
 */
static void lazy_chunk(const Program *P, Program *F, uint32_t ci)
{
    const Chunk *c = &P->chunks[ci];
    int32_t *depth = verify_depths(P, ci);
    if (!depth)
        return;
    uint32_t *starts = rg_alloc_atomic(((size_t)c->len + 1) * sizeof *starts);
    uint32_t n = 0;
    for (uint32_t pc = 0; pc < c->len; pc += (uint32_t)opcode_size(opcode_info[c->code[pc]].operands))
        starts[n++] = pc;
    uint8_t *code = NULL;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t f = starts[k];
        if (c->code[f] != BC_FAIL || depth[f] < 1)
            continue;
        uint32_t s = 0;
        bool found = false;
        for (uint32_t j = k; j-- > 0;) {
            uint8_t op = c->code[starts[j]];
            if (!message_instruction(op))
                break;
            if (skips_the_failure(op) && jump_target(c->code, starts[j]) > (int32_t)f) {
                s = starts[j + 1];
                found = true;
                break;
            }
        }
        if (!found || f - s < 7 || depth[s] < 0 || depth[f] != depth[s] + 1)
            continue;
        bool entered = false;
        for (uint32_t j = 0; j < n && !entered; j++) {
            uint32_t pc = starts[j];
            if ((pc < s || pc >= f) && is_jump(c->code[pc])) {
                int32_t t = jump_target(c->code, pc);
                entered = t > (int32_t)s && t < (int32_t)f;
            }
        }
        if (entered)
            continue;
        if (!code) {
            code = rg_alloc_atomic((size_t)c->len + CHUNK_PADDING);
            memcpy(code, c->code, (size_t)c->len + CHUNK_PADDING);
        }
        uint32_t r = (uint32_t)c->code[f + 1] | ((uint32_t)c->code[f + 2] << 8);
        int32_t off = (int32_t)(f + 3) - (int32_t)(s + 7);
        uint8_t patch[7] = {BC_FAIL_SKIP, (uint8_t)r, (uint8_t)(r >> 8), (uint8_t)off, (uint8_t)(off >> 8),
                            (uint8_t)(off >> 16), (uint8_t)(off >> 24)};
        memcpy(code + s, patch, sizeof patch);
    }
    if (code)
        F->chunks[ci].code = code;
}

static const Program *lazy_messages(const Program *P)
{
    bool *called = rg_alloc_atomic((size_t)P->nchunks + 1);
    memset(called, 0, (size_t)P->nchunks + 1);
    for (uint32_t i = 0; i < P->nchunks; i++) {
        const Chunk *c = &P->chunks[i];
        for (uint32_t pc = 0; pc < c->len; pc += (uint32_t)opcode_size(opcode_info[c->code[pc]].operands)) {
            uint32_t d = (uint32_t)c->code[pc + 1] | ((uint32_t)c->code[pc + 2] << 8);
            if (c->code[pc] == BC_DECIDE && d < P->ndecisions)
                called[P->decisions[d].chunk] = true;
        }
    }
    Program *F = rg_alloc(sizeof *F);
    *F = *P;
    F->chunks = rg_alloc(((size_t)P->nchunks + 1) * sizeof *F->chunks);
    if (P->nchunks)
        memcpy(F->chunks, P->chunks, P->nchunks * sizeof *F->chunks);
    for (uint32_t i = 0; i < P->ndecisions; i++)
        if (!called[P->decisions[i].chunk])
            lazy_chunk(P, F, P->decisions[i].chunk);
    return F;
}

static __attribute__((noinline)) void work_out(regel_program *p)
{
    if (!p->hash_known)
        image_source_hash(p->files, p->source_hash);
    p->version = image_version_text(p->source_hash);
    image_types(p->program, &p->types);
    p->fast = lazy_messages(p->program);
}

/* work_out behind a protected boundary; false when memory ran out. */
static bool work_out_protected(regel_program *p)
{
    regel_program *volatile q = p;
    RgTry t;
    if (RG_TRY(&t))
        return false;
    work_out(q);
    rg_try_end(&t);
    return true;
}

bool embed_prepare(regel_program *p)
{
    if (atomic_load_explicit(&p->ready, memory_order_acquire))
        return true;
    pthread_mutex_lock(&p->lock);
    bool ok = true;
    if (!atomic_load_explicit(&p->ready, memory_order_relaxed)) {
        ok = work_out_protected(p);
        if (ok)
            atomic_store_explicit(&p->ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

/* A diagnostic about a file as a whole (a .rgc file, a key file). */
static void file_problem(regel_diagnostic_fn fn, void *ctx, const char *file, const char *message)
{
    if (!fn)
        return;
    regel_diagnostic d;
    memset(&d, 0, sizeof d);
    d.level = REGEL_LEVEL_ERROR;
    d.file = file;
    d.message = message;
    char *text = file ? rg_sprintf("%s: error: %s\n", file, message) : rg_sprintf("error: %s\n", message);
    d.text = text;
    fn(ctx, &d);
}

int regel_program_is_signed(const regel_program *p)
{
    return p && p->is_signed;
}

const char *regel_program_version(const regel_program *p)
{
    if (!p)
        return NULL;
    rg_alloc_init();
    return embed_prepare((regel_program *)p) ? p->version : NULL;
}

static regel_status save_image(const regel_program *p, const unsigned char *secret_key, uint8_t **data, size_t *len,
                               const char *name, regel_diagnostic_fn on_diag, void *ctx)
{
    const char *problem = image_save(p->program, secret_key, data, len);
    if (problem) {
        file_problem(on_diag, ctx, name, problem);
        return REGEL_ERR_USAGE;
    }
    return REGEL_OK;
}

regel_status regel_program_save_buffer(const regel_program *p, const unsigned char *secret_key, unsigned char **out,
                                       size_t *len, regel_diagnostic_fn on_diag, void *ctx)
{
    rg_alloc_init();
    *out = NULL;
    *len = 0;
    if (!p)
        return REGEL_ERR_USAGE;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    uint8_t *data;
    size_t n;
    regel_status st = save_image(p, secret_key, &data, &n, NULL, on_diag, ctx);
    rg_try_end(&t);
    if (st != REGEL_OK)
        return st;
    *out = rg_malloc(n ? n : 1);
    if (!*out)
        return REGEL_ERR_NOMEM;
    memcpy(*out, data, n);
    *len = n;
    return REGEL_OK;
}

/* Writes data to path through a temporary file beside it, renamed at the
 * end, so a reader never sees half a file; mode applies to a new file.
 * NULL, or why it failed. */
static const char *write_whole(const char *path, const void *data, size_t n, mode_t mode)
{
    char *tmp = rg_sprintf("%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return strerror(errno);
    fchmod(fd, mode);
    const char *p = data;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            const char *why = strerror(errno);
            close(fd);
            unlink(tmp);
            return why;
        }
        done += (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        const char *why = strerror(errno);
        unlink(tmp);
        return why;
    }
    return NULL;
}

regel_status regel_program_save(const regel_program *p, const char *path, const unsigned char *secret_key,
                                regel_diagnostic_fn on_diag, void *ctx)
{
    rg_alloc_init();
    if (!p || !path)
        return REGEL_ERR_USAGE;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    uint8_t *data;
    size_t n;
    regel_status st = save_image(p, secret_key, &data, &n, path, on_diag, ctx);
    if (st == REGEL_OK) {
        const char *why = write_whole(path, data, n, 0644);
        if (why) {
            file_problem(on_diag, ctx, path, rg_sprintf("cannot write the file: %s", why));
            st = REGEL_ERR_OUTPUT;
        }
    }
    rg_try_end(&t);
    return st;
}

static regel_status load_image(const char *name, const void *data, size_t len, const regel_load_options *o,
                               regel_diagnostic_fn on_diag, void *ctx, regel_program **out)
{
    Program *prog;
    ImageInfo info;
    const char *error;
    ImageStatus st = image_load(data, len, o ? o->public_key : NULL, &prog, &info, &error);
    if (st == IMAGE_NOMEM)
        return REGEL_ERR_NOMEM;
    if (st != IMAGE_OK) {
        file_problem(on_diag, ctx, name, error);
        return st == IMAGE_SIGNATURE ? REGEL_ERR_SIGNATURE : REGEL_ERR_IMAGE;
    }
    /* The host functions the program calls, bound by name and signature
     * (builtins.h: host_bind). */
    if (o && o->nhosts && !o->hosts) {
        file_problem(on_diag, ctx, name, "the options give host functions but no table of them");
        return REGEL_ERR_USAGE;
    }
    const char *unbound = host_bind(prog->hosts, prog->nhosts, o ? o->hosts : NULL, o ? o->nhosts : 0);
    if (unbound) {
        file_problem(on_diag, ctx, name, unbound);
        return REGEL_ERR_IMAGE;
    }
    regel_program *p = embed_program(prog, (SourceSet *)prog->files);
    p->loaded = true;
    p->is_signed = info.is_signed;
    memcpy(p->source_hash, info.source_hash, sizeof p->source_hash);
    p->hash_known = true;
    /* As for a compiled program (api.c: finish_compile). */
    if (!embed_prepare(p)) {
        regel_program_free(p);
        return REGEL_ERR_NOMEM;
    }
    *out = p;
    return REGEL_OK;
}

regel_status regel_program_load_buffer(const char *name, const void *data, size_t len, const unsigned char *public_key,
                                       regel_diagnostic_fn on_diag, void *ctx, regel_program **out)
{
    regel_load_options o;
    regel_load_options_init(&o);
    o.public_key = public_key;
    return regel_program_load_buffer_opts(name, data, len, &o, on_diag, ctx, out);
}

regel_status regel_program_load(const char *path, const unsigned char *public_key, regel_diagnostic_fn on_diag,
                                void *ctx, regel_program **out)
{
    regel_load_options o;
    regel_load_options_init(&o);
    o.public_key = public_key;
    return regel_program_load_opts(path, &o, on_diag, ctx, out);
}

void regel_load_options_init(regel_load_options *o)
{
    if (o)
        memset(o, 0, sizeof *o);
}

regel_status regel_program_load_buffer_opts(const char *name, const void *data, size_t len,
                                            const regel_load_options *o, regel_diagnostic_fn on_diag, void *ctx,
                                            regel_program **out)
{
    rg_alloc_init();
    *out = NULL;
    if (!data && len)
        return REGEL_ERR_USAGE;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    regel_status st = load_image(name ? name : "<buffer>", data ? data : "", len, o, on_diag, ctx, out);
    rg_try_end(&t);
    return st;
}

regel_status regel_program_load_opts(const char *path, const regel_load_options *o, regel_diagnostic_fn on_diag,
                                     void *ctx, regel_program **out)
{
    rg_alloc_init();
    *out = NULL;
    if (!path)
        return REGEL_ERR_USAGE;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    RgBuf b;
    buf_init(&b);
    const char *err;
    regel_status st;
    if (!buf_read_file(&b, path, IMAGE_MAX_BYTES, &err)) {
        file_problem(on_diag, ctx, NULL, err);
        st = REGEL_ERR_IMAGE;
    } else {
        st = load_image(path, b.data ? b.data : "", b.len, o, on_diag, ctx, out);
    }
    rg_try_end(&t);
    return st;
}

regel_status regel_keygen(unsigned char public_key[REGEL_PUBLIC_KEY_BYTES],
                          unsigned char secret_key[REGEL_SECRET_KEY_BYTES])
{
    rg_alloc_init();
    return image_keypair(public_key, secret_key) ? REGEL_OK : REGEL_ERR_NOMEM;
}

regel_status regel_key_write(const char *path, const unsigned char *key, int secret, regel_diagnostic_fn on_diag,
                             void *ctx)
{
    rg_alloc_init();
    if (!path || !key)
        return REGEL_ERR_USAGE;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    const char *text = image_key_text(key, secret != 0);
    const char *why = write_whole(path, text, strlen(text), secret ? 0600 : 0644);
    if (why)
        file_problem(on_diag, ctx, path, rg_sprintf("cannot write the key: %s", why));
    rg_try_end(&t);
    return why ? REGEL_ERR_OUTPUT : REGEL_OK;
}

regel_status regel_key_read(const char *path, int secret, unsigned char *key, regel_diagnostic_fn on_diag, void *ctx)
{
    rg_alloc_init();
    if (!path || !key)
        return REGEL_ERR_USAGE;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    RgBuf b;
    buf_init(&b);
    const char *err;
    regel_status st = REGEL_OK;
    if (!buf_read_file(&b, path, 4096, &err)) {
        file_problem(on_diag, ctx, NULL, err);
        st = REGEL_ERR_USAGE;
    } else {
        const char *why = image_key_parse(b.data ? b.data : "", b.len, secret != 0, key);
        if (why) {
            file_problem(on_diag, ctx, path, why);
            st = REGEL_ERR_USAGE;
        }
    }
    rg_try_end(&t);
    return st;
}

/* ---------------------------------------------------------------- names */

static const Program *program_of(const regel_program *p)
{
    return p ? p->program : NULL;
}

int regel_decision_index(const regel_program *p, const char *name)
{
    return p && name ? program_decision(p->program, name) : -1;
}

static const DecisionInfo *decision_of(const regel_program *p, int d)
{
    const Program *P = program_of(p);
    return P && d >= 0 && (uint32_t)d < P->ndecisions ? &P->decisions[d] : NULL;
}

size_t regel_decision_word_count(const regel_program *p, int decision)
{
    const DecisionInfo *d = decision_of(p, decision);
    return d ? d->nwords : 0;
}

const char *regel_decision_word(const regel_program *p, int decision, size_t i)
{
    const DecisionInfo *d = decision_of(p, decision);
    return d && i < d->nwords ? d->words[i] : NULL;
}

size_t regel_decision_field_count(const regel_program *p, int decision)
{
    const DecisionInfo *d = decision_of(p, decision);
    return d ? d->nfields : 0;
}

const char *regel_decision_field_name(const regel_program *p, int decision, size_t i)
{
    const DecisionInfo *d = decision_of(p, decision);
    return d && i < d->nfields ? d->fields[i] : NULL;
}

int regel_record_type(const regel_program *p, const char *name)
{
    if (!p || !name)
        return -1;
    rg_alloc_init();
    if (!embed_prepare((regel_program *)p))
        return -1;
    for (uint32_t i = 0; i < p->types.nrecords; i++)
        if (strcmp(p->types.records[i]->name, name) == 0)
            return (int)i;
    return -1;
}

int regel_source_record_type(const regel_program *p, const char *source)
{
    if (!p || !source)
        return -1;
    rg_alloc_init();
    if (!embed_prepare((regel_program *)p))
        return -1;
    for (uint32_t i = 0; i < p->program->nsources; i++)
        if (strcmp(p->program->sources[i]->name, source) == 0)
            for (uint32_t k = 0; k < p->types.nrecords; k++)
                if (p->types.records[k] == p->program->sources[i]->type)
                    return (int)k;
    return -1;
}

static const RecordType *record_type_of(const regel_program *p, int type)
{
    if (!p || type < 0)
        return NULL;
    rg_alloc_init();
    if (!embed_prepare((regel_program *)p) || (uint32_t)type >= p->types.nrecords)
        return NULL;
    return p->types.records[type];
}

int regel_field_slot(const regel_program *p, int type, const char *field)
{
    const RecordType *rt = record_type_of(p, type);
    return rt && field ? record_field_index(rt, field) : -1;
}

/* ---------------------------------------------------------------- records */

struct regel_record {
    const RecordType *type;
    Record *rec;
    uint32_t missing; /* fields that need a value and have none */
    const char *error;
};

static bool required(const Type *t)
{
    return t->kind != T_OPTIONAL && t->kind != T_NONE && t->kind != T_LIST && t->kind != T_SET;
}

static void fill_empty(regel_record *r)
{
    const RecordType *rt = r->type;
    r->rec = record_new(rt);
    r->missing = 0;
    for (size_t i = 0; i < rt->nfields; i++) {
        const Type *t = rt->fields[i].type;
        if (t->kind == T_LIST)
            r->rec->slots[i] = val_list(list_new(0));
        else if (t->kind == T_SET)
            r->rec->slots[i] = set_from_list(list_new(0));
        else if (required(t))
            r->missing++;
    }
}

regel_status regel_record_new(const regel_program *p, int type, regel_record **out)
{
    *out = NULL;
    const RecordType *rt = record_type_of(p, type);
    if (!rt)
        return REGEL_ERR_USAGE;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    regel_record *r = rg_alloc_root(sizeof *r);
    r->type = rt;
    fill_empty(r);
    rg_try_end(&t);
    *out = r;
    return REGEL_OK;
}

void regel_record_free(regel_record *r)
{
    rg_free(r);
}

void regel_record_clear(regel_record *r)
{
    if (!r)
        return;
    rg_alloc_init();
    RgTry t;
    if (RG_TRY(&t)) {
        /* Memory ran out and r keeps its old values: it counts as missing
         * fields until a clear succeeds, so that the next request is never
         * decided with the last one's values. */
        r->missing = UINT32_MAX;
        r->error = "memory ran out while the record was cleared";
        return;
    }
    fill_empty(r);
    r->error = NULL;
    rg_try_end(&t);
}

int regel_record_slot(const regel_record *r, const char *field)
{
    return r && field ? record_field_index(r->type, field) : -1;
}

const char *regel_record_error(const regel_record *r)
{
    return r ? r->error : NULL;
}

regel_status regel_record_read_json(regel_record *r, const char *name, long line, const char *json, size_t len)
{
    if (!r || (!json && len))
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    regel_record *volatile q = r;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    Value v;
    const char *err = NULL;
    RecordStatus st = records_read_json(q->type, name ? name : "record", line, json ? json : "", len, &v, &err);
    if (st == REC_OK) {
        q->rec = v.as.rec;
        q->missing = 0;
        q->error = NULL;
    } else {
        fill_empty(q);
        q->error = err ? err : "the JSON object could not be read";
    }
    rg_try_end(&t);
    return st == REC_OK ? REGEL_OK : REGEL_ERR_DATA;
}

/* A copy of rec that later changes of rec (its lists grow in place) do
 * not reach. */
static Record *snapshot(const Record *rec)
{
    const RecordType *rt = rec->type;
    Record *c = record_new(rt);
    for (size_t i = 0; i < rt->nfields; i++) {
        Value v = rec->slots[i];
        if (v.tag == V_LIST || v.tag == V_SET) {
            List *l = list_new(v.as.list->len);
            memcpy(l->items, v.as.list->items, v.as.list->len * sizeof(Value));
            l->len = v.as.list->len;
            v.as.list = l;
        }
        c->slots[i] = v;
    }
    return c;
}

/* What a setter offers, before it is fitted to the field's type. */
typedef enum Offer { OFFER_NONE, OFFER_BOOL, OFFER_INT, OFFER_DEC, OFFER_TEXT, OFFER_DATE, OFFER_WORD, OFFER_RECORD } Offer;

static const char *const offer_names[] = {"none", "a Bool", "an Int", "a Decimal", "a Text", "a Date",
                                          "an enum word", "a record"};

static regel_status refuse(regel_record *r, const char *message)
{
    r->error = message;
    return REGEL_ERR_USAGE;
}

/* The value of type t (not optional) that the offer makes, or what is
 * wrong with the offer; `declared` is the field's type, for the message. */
static const char *fit(const Type *t, const Type *declared, Offer offer, Value v, const char *word,
                       const regel_record *rec, Value *out)
{
    switch (t->kind) {
    case T_BOOL:
    case T_INT:
    case T_TEXT:
    case T_DATE:
        if ((t->kind == T_BOOL && offer == OFFER_BOOL) || (t->kind == T_INT && offer == OFFER_INT) ||
            (t->kind == T_TEXT && offer == OFFER_TEXT) || (t->kind == T_DATE && offer == OFFER_DATE)) {
            *out = v;
            return NULL;
        }
        break;
    case T_DEC:
        if (offer == OFFER_INT || offer == OFFER_DEC) {
            *out = offer == OFFER_INT ? val_dec(dec_from_int(v.as.i)) : v;
            return NULL;
        }
        break;
    case T_ENUM:
        if (offer == OFFER_WORD) {
            int w = enum_word_index(t->enm, word, strlen(word));
            if (w < 0)
                w = enum_spelling_index(t->enm, word, strlen(word));
            for (size_t k = 0; w < 0 && k < t->enm->nwords; k++)
                if (t->enm->texts[k] && strcmp(t->enm->texts[k], word) == 0)
                    w = (int)k;
            if (w < 0)
                return rg_sprintf("'%s' is not a word of %s", word, t->enm->name);
            *out = val_enum(t->enm, w);
            return NULL;
        }
        break;
    case T_RECORD:
        if (offer == OFFER_RECORD) {
            if (rec->type != t->rec)
                return rg_sprintf("the record is a %s, not a %s", rec->type->name, t->rec->name);
            if (rec->missing)
                return rg_sprintf("the %s has fields without a value that need one", rec->type->name);
            *out = val_record(snapshot(rec->rec));
            return NULL;
        }
        break;
    default: break;
    }
    return rg_sprintf("it is %s, not %s", type_name(declared), offer_names[offer]);
}

static regel_status put(regel_record *r, int slot, Offer offer, Value v, const char *word, const regel_record *rec,
                        bool append)
{
    if (!r)
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    RgTry tr;
    if (RG_TRY(&tr))
        return REGEL_ERR_NOMEM;
    if (slot < 0 || (size_t)slot >= r->type->nfields) {
        rg_try_end(&tr);
        return refuse(r, rg_sprintf("%s has no field number %d", r->type->name, slot));
    }
    const FieldDef *f = &r->type->fields[slot];
    const Type *t = f->type;
    const char *why = NULL;
    Value fitted = val_none();
    bool optional = t->kind == T_OPTIONAL;
    const Type *base = optional ? t->elem : t;
    if (append) {
        if (base->kind != T_LIST && base->kind != T_SET)
            why = rg_sprintf("it is %s, not a list", type_name(t));
        else if (offer == OFFER_NONE && !type_is_optional(base->elem))
            why = "its elements are never none";
        else if (offer != OFFER_NONE)
            why = fit(type_strip(base->elem), base->elem, offer, v, word, rec, &fitted);
    } else if (offer == OFFER_NONE) {
        if (!optional)
            why = rg_sprintf("it is %s, which is never none", type_name(t));
    } else {
        why = fit(base, t, offer, v, word, rec, &fitted);
    }
    if (why) {
        const char *message = rg_sprintf("field '%s' of %s: %s", f->name, r->type->name, why);
        rg_try_end(&tr);
        return refuse(r, message);
    }
    Value *cell = &r->rec->slots[slot];
    if (append) {
        List *l = cell->tag == V_LIST || cell->tag == V_SET ? cell->as.list : list_new(1);
        if (base->kind == T_SET) {
            List *grown = list_new((size_t)l->len + 1);
            memcpy(grown->items, l->items, l->len * sizeof(Value));
            grown->items[l->len] = fitted;
            grown->len = l->len + 1;
            *cell = set_from_list(grown);
        } else {
            *cell = val_list(list_push(l, fitted));
        }
    } else {
        bool was_none = cell->tag == V_NONE;
        *cell = fitted;
        if (was_none && offer != OFFER_NONE && required(t))
            r->missing--;
    }
    r->error = NULL;
    rg_try_end(&tr);
    return REGEL_OK;
}

/* Text as readers take it in: valid UTF-8, trimmed, NFC. */
static regel_status offer_text(regel_record *r, const char *text, size_t len, Value *out)
{
    if (!r)
        return REGEL_ERR_USAGE;
    if (!text && len)
        return refuse(r, "the text is NULL");
    if (len > VALUE_MAX_TEXT)
        return refuse(r, "the text is longer than the limit");
    size_t bad;
    if (!text_valid_utf8(text ? text : "", len, &bad))
        return refuse(r, rg_sprintf("the text is not valid UTF-8 (at byte %zu)", bad));
    rg_alloc_init();
    /* volatile: read after the boundary is set */
    const char *volatile src = text ? text : "";
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    size_t n;
    const char *clean = text_clean(src, len, &n);
    *out = val_text(rg_strndup(clean, n), n);
    rg_try_end(&t);
    return REGEL_OK;
}

static regel_status offer_date(regel_record *r, int y, int m, int d, Value *out)
{
    if (!r)
        return REGEL_ERR_USAGE;
    if (!date_valid_ymd(y, m, d))
        return refuse(r, "there is no such date in the years 1 to 9999");
    *out = val_date(date_from_ymd(y, m, d));
    return REGEL_OK;
}

static regel_status offer_decimal(regel_record *r, long long coef, unsigned scale, Value *out)
{
    if (!r)
        return REGEL_ERR_USAGE;
    if (scale > DEC_MAX_SCALE)
        return refuse(r, "a decimal has at most 18 digits after the point");
    Decimal d = {coef, (uint8_t)scale};
    *out = val_dec(d);
    return REGEL_OK;
}

regel_status regel_record_set_none(regel_record *r, int slot)
{
    return put(r, slot, OFFER_NONE, val_none(), NULL, NULL, false);
}

regel_status regel_record_set_bool(regel_record *r, int slot, int value)
{
    return put(r, slot, OFFER_BOOL, val_bool(value != 0), NULL, NULL, false);
}

regel_status regel_record_set_int(regel_record *r, int slot, long long value)
{
    return put(r, slot, OFFER_INT, val_int(value), NULL, NULL, false);
}

regel_status regel_record_set_decimal(regel_record *r, int slot, long long coefficient, unsigned scale)
{
    Value v;
    regel_status st = offer_decimal(r, coefficient, scale, &v);
    return st ? st : put(r, slot, OFFER_DEC, v, NULL, NULL, false);
}

regel_status regel_record_set_text(regel_record *r, int slot, const char *text, size_t len)
{
    Value v;
    regel_status st = offer_text(r, text, len, &v);
    return st ? st : put(r, slot, OFFER_TEXT, v, NULL, NULL, false);
}

regel_status regel_record_set_date(regel_record *r, int slot, int year, int month, int day)
{
    Value v;
    regel_status st = offer_date(r, year, month, day, &v);
    return st ? st : put(r, slot, OFFER_DATE, v, NULL, NULL, false);
}

regel_status regel_record_set_enum(regel_record *r, int slot, const char *word)
{
    if (r && !word)
        return refuse(r, "the word is NULL");
    return put(r, slot, OFFER_WORD, val_none(), word, NULL, false);
}

regel_status regel_record_set_record(regel_record *r, int slot, const regel_record *value)
{
    if (r && !value)
        return refuse(r, "the record is NULL");
    return put(r, slot, OFFER_RECORD, val_none(), NULL, value, false);
}

regel_status regel_record_append_bool(regel_record *r, int slot, int value)
{
    return put(r, slot, OFFER_BOOL, val_bool(value != 0), NULL, NULL, true);
}

regel_status regel_record_append_int(regel_record *r, int slot, long long value)
{
    return put(r, slot, OFFER_INT, val_int(value), NULL, NULL, true);
}

regel_status regel_record_append_decimal(regel_record *r, int slot, long long coefficient, unsigned scale)
{
    Value v;
    regel_status st = offer_decimal(r, coefficient, scale, &v);
    return st ? st : put(r, slot, OFFER_DEC, v, NULL, NULL, true);
}

regel_status regel_record_append_text(regel_record *r, int slot, const char *text, size_t len)
{
    Value v;
    regel_status st = offer_text(r, text, len, &v);
    return st ? st : put(r, slot, OFFER_TEXT, v, NULL, NULL, true);
}

regel_status regel_record_append_date(regel_record *r, int slot, int year, int month, int day)
{
    Value v;
    regel_status st = offer_date(r, year, month, day, &v);
    return st ? st : put(r, slot, OFFER_DATE, v, NULL, NULL, true);
}

regel_status regel_record_append_enum(regel_record *r, int slot, const char *word)
{
    if (r && !word)
        return refuse(r, "the word is NULL");
    return put(r, slot, OFFER_WORD, val_none(), word, NULL, true);
}

regel_status regel_record_append_record(regel_record *r, int slot, const regel_record *value)
{
    if (r && !value)
        return refuse(r, "the record is NULL");
    return put(r, slot, OFFER_RECORD, val_none(), NULL, value, true);
}

/* ---------------------------------------------------------------- data */

struct regel_data {
    const regel_program *prog;
    DataSet set;
    List **added; /* per source: the host's records */
    pthread_mutex_t lock;
    atomic_bool frozen;
};

regel_status regel_data_new(const regel_program *p, regel_data **out)
{
    *out = NULL;
    if (!p)
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    regel_data *d = rg_alloc_root(sizeof *d);
    const Program *P = p->program;
    d->prog = p;
    d->set.nsources = P->nsources;
    d->set.sources = rg_alloc(((size_t)P->nsources + 1) * sizeof *d->set.sources);
    d->added = rg_alloc(((size_t)P->nsources + 1) * sizeof *d->added);
    pthread_mutex_init(&d->lock, NULL);
    atomic_init(&d->frozen, false);
    rg_try_end(&t);
    *out = d;
    return REGEL_OK;
}

void regel_data_free(regel_data *d)
{
    if (!d)
        return;
    pthread_mutex_destroy(&d->lock);
    rg_free(d);
}

regel_status regel_data_load(regel_data *d, const char *dir, void (*report)(void *ctx, const char *line),
                             void *report_ctx)
{
    if (!d || !dir)
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    if (atomic_load(&d->frozen)) {
        if (report)
            report(report_ctx, "the data is in use by a context: load it before making contexts");
        return REGEL_ERR_USAGE;
    }
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    int st = run_load_folder(d->prog->program, dir, &d->set, report, report_ctx);
    rg_try_end(&t);
    return st == RUN_OK ? REGEL_OK : REGEL_ERR_DATA;
}

regel_status regel_data_add(regel_data *d, const char *source, const regel_record *r)
{
    if (!d || !source || !r)
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    const Program *P = d->prog->program;
    int s = -1;
    for (uint32_t i = 0; i < P->nsources && s < 0; i++)
        if (strcmp(P->sources[i]->name, source) == 0)
            s = (int)i;
    if (s < 0 || P->sources[s]->type != r->type || r->missing || atomic_load(&d->frozen))
        return REGEL_ERR_USAGE;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    List *l = d->added[s] ? d->added[s] : list_new(16);
    d->added[s] = list_push(l, val_record(snapshot(r->rec)));
    rg_try_end(&t);
    return REGEL_OK;
}

static __attribute__((noinline)) void index_sources(regel_data *d)
{
    const Program *P = d->prog->program;
    for (uint32_t i = 0; i < P->nsources; i++) {
        SourceData *sd = &d->set.sources[i];
        List *recs = sd->loaded ? sd->records : list_new(0);
        const List *more = d->added[i];
        for (uint32_t k = 0; more && k < more->len; k++)
            recs = list_push(recs, more->items[k]);
        sd->records = recs;
        sd->loaded = true;
        data_build_indexes(P, i, sd);
    }
}

/* index_sources behind a protected boundary; false when memory ran out. */
static bool index_protected(regel_data *d)
{
    regel_data *volatile q = d;
    RgTry t;
    if (RG_TRY(&t))
        return false;
    index_sources(q);
    rg_try_end(&t);
    return true;
}

/* Builds the indexes once, before the first context reads the data. */
static bool freeze(regel_data *d)
{
    if (atomic_load_explicit(&d->frozen, memory_order_acquire))
        return true;
    pthread_mutex_lock(&d->lock);
    bool ok = true;
    if (!atomic_load_explicit(&d->frozen, memory_order_relaxed)) {
        ok = index_protected(d);
        if (ok)
            atomic_store_explicit(&d->frozen, true, memory_order_release);
    }
    pthread_mutex_unlock(&d->lock);
    return ok;
}

/* ---------------------------------------------------------------- contexts */

struct regel_context {
    regel_program *prog;
    const Program *P;
    Vm *fast, *full;
    Date today;
    VmLimits limits;
    /* the last decision */
    int decision;
    Value subject;
    Verdict verdict, full_verdict;
    bool have_full;
    regel_result result;
    const char **refs;
    regel_severity *severities;
    uint32_t cap;
    /* Strings handed to the host for the last result: kept reachable
     * here until the next decision, as the host's copies are not seen by
     * the collector. */
    const char **kept;
    uint32_t nkept, kept_cap;
    const char *error;
    OutputPlan *plan;
};

void regel_context_options_init(regel_context_options *o)
{
    memset(o, 0, sizeof *o);
    o->limits = regel_default_limits();
}

static VmLimits vm_limits(const regel_limits *l)
{
    VmLimits v = {l->max_steps, l->max_memory, l->max_depth};
    return v;
}

regel_status regel_context_new(const regel_program *p, const regel_context_options *o, regel_context **out)
{
    *out = NULL;
    if (!p)
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    regel_context_options defaults;
    if (!o) {
        regel_context_options_init(&defaults);
        o = &defaults;
    }
    Date today = date_today();
    if (o->today && !date_parse_iso(o->today, strlen(o->today), &today))
        return REGEL_ERR_USAGE;
    if (o->data && o->data->prog != p)
        return REGEL_ERR_USAGE;
    if (!embed_prepare((regel_program *)p) || (o->data && !freeze((regel_data *)o->data)))
        return REGEL_ERR_NOMEM;
    const regel_context_options *volatile opts = o;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    regel_context *c = rg_alloc_root(sizeof *c);
    c->prog = (regel_program *)p;
    c->P = p->program;
    c->today = today;
    c->limits = vm_limits(&opts->limits);
    const DataSet *data = opts->data ? &opts->data->set : NULL;
    if (!data) {
        DataSet *empty = rg_alloc(sizeof *empty);
        empty->nsources = c->P->nsources;
        empty->sources = rg_alloc(((size_t)c->P->nsources + 1) * sizeof *empty->sources);
        for (uint32_t i = 0; i < c->P->nsources; i++) {
            empty->sources[i].records = list_new(0);
            empty->sources[i].loaded = true;
            data_build_indexes(c->P, i, &empty->sources[i]);
        }
        data = empty;
    }
    c->fast = vm_new(p->fast, data, today, c->limits);
    c->full = vm_new(c->P, data, today, c->limits);
    c->cap = c->P->nrules > 16 ? c->P->nrules : 16;
    c->refs = rg_alloc(c->cap * sizeof *c->refs);
    c->severities = rg_alloc_atomic(c->cap * sizeof *c->severities);
    c->decision = -1;
    rg_try_end(&t);
    *out = c;
    return REGEL_OK;
}

void regel_context_free(regel_context *c)
{
    rg_free(c);
}

void regel_context_set_limits(regel_context *c, const regel_limits *limits)
{
    if (!c || !limits)
        return;
    c->limits = vm_limits(limits);
    vm_set_limits(c->fast, c->limits);
    vm_set_limits(c->full, c->limits);
}

const char *regel_context_error(const regel_context *c)
{
    return c ? c->error : NULL;
}

static regel_status usage(regel_context *c, const char *message)
{
    c->error = message;
    return REGEL_ERR_USAGE;
}

/* The error of the VM's last evaluation, with where in the policy. */
static regel_status failed(regel_context *c, const Vm *vm)
{
    VmErrorKind kind = vm_error_kind(vm);
    RgTry t;
    if (RG_TRY(&t)) {
        c->error = vm_error(vm);
    } else {
        RgBuf b;
        buf_init(&b);
        diag_location(c->P->files, vm_error_span(vm), &b);
        if (b.len)
            buf_adds(&b, ": ");
        buf_adds(&b, vm_error(vm) ? vm_error(vm) : "the evaluation failed");
        c->error = b.data;
        rg_try_end(&t);
    }
    return kind == VM_ERROR_LIMIT ? REGEL_ERR_LIMIT : kind == VM_ERROR_NOMEM ? REGEL_ERR_NOMEM : REGEL_ERR_EVAL;
}

/* Room for n reasons in the result's arrays. */
static bool room(regel_context *c, uint32_t n)
{
    if (n <= c->cap)
        return true;
    RgTry t;
    if (RG_TRY(&t))
        return false;
    uint32_t cap = c->cap;
    while (cap < n)
        cap *= 2;
    c->refs = rg_alloc(cap * sizeof *c->refs);
    c->severities = rg_alloc_atomic(cap * sizeof *c->severities);
    c->cap = cap;
    rg_try_end(&t);
    return true;
}

regel_status regel_decide(regel_context *c, int decision, const regel_record *subject, const regel_result **out)
{
    if (out)
        *out = NULL;
    if (!c)
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    c->error = NULL;
    c->decision = -1;
    c->have_full = false;
    c->nkept = 0;
    const Program *P = c->P;
    if (decision < 0 || (uint32_t)decision >= P->ndecisions)
        return usage(c, "there is no decision with that number");
    if (!subject)
        return usage(c, "the record is NULL");
    const DecisionInfo *d = &P->decisions[decision];
    if (d->source >= 0 && P->sources[d->source]->type != subject->type)
        return usage(c, "the record is not of the type the decision is about");
    if (subject->missing)
        return usage(c, "the record has fields without a value that need one");
    c->subject = val_record(subject->rec);
    /* The host's records change and are freed between decisions; the
     * exports' records do not, but results about them may be about the
     * host's too. */
    vm_forget_remembered(c->fast);
    vm_forget_remembered(c->full);
    Verdict *v = &c->verdict;
    if (!vm_decide(c->fast, (uint32_t)decision, c->subject, v))
        return failed(c, c->fast);
    if (v->nreasons > c->cap && !room(c, v->nreasons))
        return REGEL_ERR_NOMEM;
    regel_result *r = &c->result;
    r->skipped = v->skipped;
    bool known = !v->skipped && v->word >= 0 && (uint32_t)v->word < d->nwords;
    r->outcome = known ? v->word : -1;
    r->outcome_word = known ? d->words[v->word] : NULL;
    r->passed = !v->must_failed;
    r->key = NULL;
    r->key_len = 0;
    if (v->key.tag == V_TEXT) {
        /* Text values end with a NUL in practice; one that does not (a
         * part of another text) is copied. */
        r->key = v->key.as.s;
        r->key_len = v->key.aux;
        if (r->key[r->key_len] != '\0') {
            RgTry t;
            if (RG_TRY(&t))
                return REGEL_ERR_NOMEM;
            r->key = rg_strndup(v->key.as.s, v->key.aux);
            v->key = val_text(r->key, r->key_len);
            rg_try_end(&t);
        }
    }
    r->nreasons = v->nreasons;
    for (uint32_t i = 0; i < v->nreasons; i++) {
        const RuleInfo *rule = &P->rules[v->reasons[i].rule];
        c->refs[i] = rule->ref;
        c->severities[i] = rule->severity == SEV_SHOULD ? REGEL_SEVERITY_SHOULD : REGEL_SEVERITY_MUST;
    }
    r->refs = c->refs;
    r->severities = c->severities;
    c->decision = decision;
    if (out)
        *out = r;
    return REGEL_OK;
}

/* The decision evaluated again with its messages, once per result. */
static regel_status with_messages(regel_context *c)
{
    if (c->decision < 0)
        return usage(c, "there is no result: regel_decide did not succeed");
    if (c->have_full)
        return REGEL_OK;
    if (!vm_decide(c->full, (uint32_t)c->decision, c->subject, &c->full_verdict))
        return failed(c, c->full);
    if (c->full_verdict.nreasons != c->verdict.nreasons)
        return usage(c, "the record changed after it was decided");
    c->have_full = true;
    return REGEL_OK;
}

/* Keeps s reachable until the next decision. */
static void keep(regel_context *c, const char *s)
{
    if (c->nkept == c->kept_cap) {
        uint32_t cap = c->kept_cap ? c->kept_cap * 2 : 16;
        const char **k = rg_alloc(cap * sizeof *k);
        if (c->nkept)
            memcpy(k, c->kept, c->nkept * sizeof *k);
        c->kept = k;
        c->kept_cap = cap;
    }
    c->kept[c->nkept++] = s;
}

regel_status regel_result_message(regel_context *c, size_t i, const char **text, size_t *len)
{
    *text = NULL;
    if (len)
        *len = 0;
    if (!c)
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    regel_status st = with_messages(c);
    if (st != REGEL_OK)
        return st;
    if (i >= c->full_verdict.nreasons)
        return usage(c, "the result has no reason with that number");
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    Value m = c->full_verdict.reasons[i].message;
    char *s = rg_strndup(m.as.s, m.aux);
    keep(c, s);
    rg_try_end(&t);
    *text = s;
    if (len)
        *len = m.aux;
    return REGEL_OK;
}

regel_status regel_result_field(regel_context *c, size_t i, int json, const char **text, size_t *len)
{
    *text = NULL;
    if (len)
        *len = 0;
    if (!c)
        return REGEL_ERR_USAGE;
    if (c->decision < 0)
        return usage(c, "there is no result: regel_decide did not succeed");
    const DecisionInfo *d = &c->P->decisions[c->decision];
    if (i >= d->nfields)
        return usage(c, "the decision has no output field with that number");
    Value v = c->verdict.fields[i];
    if (v.tag == V_NONE || c->verdict.skipped)
        return REGEL_OK;
    rg_alloc_init();
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    RgBuf b;
    buf_init(&b);
    if (json)
        value_write_json(&b, v);
    else
        value_render(&b, v);
    const char *s = b.data ? b.data : "";
    keep(c, s);
    rg_try_end(&t);
    *text = s;
    if (len)
        *len = b.len;
    return REGEL_OK;
}

regel_status regel_result_json(regel_context *c, const char **line, size_t *len)
{
    *line = NULL;
    if (len)
        *len = 0;
    if (!c)
        return REGEL_ERR_USAGE;
    rg_alloc_init();
    regel_status st = with_messages(c);
    if (st != REGEL_OK || c->full_verdict.skipped)
        return st;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    if (!c->plan)
        c->plan = output_plan(c->P);
    RgBuf b;
    buf_init(&b);
    output_verdict(&b, OUT_JSONL, c->plan, (uint32_t)c->decision, &c->full_verdict);
    if (b.len && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';
    keep(c, b.data);
    rg_try_end(&t);
    *line = b.data;
    if (len)
        *len = b.len;
    return REGEL_OK;
}
