/*
 * image.c — writing and reading .rgc files (the layout is in image.h),
 * their Ed25519 signatures and checksums (libsodium), and the hash of a
 * policy's sources.
 *
 * Reading is defensive throughout: the reader never trusts a count, an
 * index or a length before checking it against what is left and against
 * the tables read so far, and any problem unwinds (RG_EABORT) to
 * image_load with a message.
 */
#include "image.h"

#include <sodium.h>
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "builtins.h"
#include "opcodes.h"
#include "text.h"
#include "verify.h"

static const uint8_t magic[8] = {0x89, 'R', 'G', 'C', 0x0d, 0x0a, 0x1a, 0x0a};

#define NO_INDEX 0xFFFFFFFFu
#define NO_STRING 0xFFFFFFFFu
/* A record type with more fields than this is not one a policy declares. */
#define IMAGE_MAX_FIELDS 4096

/* ---------------------------------------------------------------- hashes */

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void image_source_hash(const SourceSet *files, uint8_t out[IMAGE_HASH_BYTES])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (uint32_t i = 0; files && i < files->count; i++) {
        const SourceFile *f = files->files[i];
        const char *name = strrchr(f->path, '/');
        name = name ? name + 1 : f->path;
        uint8_t n[8];
        put_le(n, strlen(name), 4);
        crypto_hash_sha256_update(&st, n, 4);
        crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
        put_le(n, f->len, 8);
        crypto_hash_sha256_update(&st, n, 8);
        crypto_hash_sha256_update(&st, (const uint8_t *)f->text, f->len);
    }
    crypto_hash_sha256_final(&st, out);
}

const char *image_version_text(const uint8_t hash[IMAGE_HASH_BYTES])
{
    char *s = rg_alloc_atomic(17);
    sodium_bin2hex(s, 17, hash, 8);
    return s;
}

/* What the code of a file means: the instruction set and the natives. */
static void engine_fingerprint(uint8_t out[8])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    for (int i = 0; i < BC__COUNT; i++) {
        const OpcodeInfo *o = &opcode_info[i];
        crypto_generichash_update(&st, (const uint8_t *)o->name, strlen(o->name) + 1);
        uint8_t shape[3] = {(uint8_t)o->operands, (uint8_t)o->pops, (uint8_t)o->pushes};
        crypto_generichash_update(&st, shape, sizeof shape);
    }
    for (size_t i = 0; i < builtin_count; i++) {
        crypto_generichash_update(&st, (const uint8_t *)builtin_table[i].name, strlen(builtin_table[i].name) + 1);
        crypto_generichash_update(&st, (const uint8_t *)builtin_table[i].sig, strlen(builtin_table[i].sig) + 1);
    }
    uint8_t full[32];
    crypto_generichash_final(&st, full, sizeof full);
    memcpy(out, full, 8);
}

/* ---------------------------------------------------------------- types */

typedef struct Collector {
    ImageTypes *t;
    uint32_t rcap, ecap;
} Collector;

static int32_t record_number(const ImageTypes *t, const RecordType *rt)
{
    for (uint32_t i = 0; i < t->nrecords; i++)
        if (t->records[i] == rt)
            return (int32_t)i;
    return -1;
}

static int32_t enum_number(const ImageTypes *t, const EnumType *et)
{
    for (uint32_t i = 0; i < t->nenums; i++)
        if (t->enums[i] == et)
            return (int32_t)i;
    return -1;
}

static void add_record(Collector *c, const RecordType *rt)
{
    if (!rt || record_number(c->t, rt) >= 0)
        return;
    if (c->t->nrecords == c->rcap) {
        c->rcap = c->rcap ? c->rcap * 2 : 16;
        const RecordType **r = rg_alloc(c->rcap * sizeof *r);
        if (c->t->nrecords)
            memcpy(r, c->t->records, c->t->nrecords * sizeof *r);
        c->t->records = r;
    }
    c->t->records[c->t->nrecords++] = rt;
}

static void add_enum(Collector *c, const EnumType *et)
{
    if (!et || enum_number(c->t, et) >= 0)
        return;
    if (c->t->nenums == c->ecap) {
        c->ecap = c->ecap ? c->ecap * 2 : 16;
        const EnumType **e = rg_alloc(c->ecap * sizeof *e);
        if (c->t->nenums)
            memcpy(e, c->t->enums, c->t->nenums * sizeof *e);
        c->t->enums = e;
    }
    c->t->enums[c->t->nenums++] = et;
}

static void add_type(Collector *c, const Type *t)
{
    for (; t; t = t->elem) {
        if (t->kind == T_RECORD)
            add_record(c, t->rec);
        else if (t->kind == T_ENUM)
            add_enum(c, t->enm);
    }
}

static void add_value(Collector *c, Value v)
{
    if (v.tag == V_ENUM) {
        add_enum(c, v.as.enm);
    } else if (v.tag == V_RECORD) {
        add_record(c, v.as.rec->type);
        for (size_t i = 0; i < v.as.rec->type->nfields; i++)
            add_value(c, v.as.rec->slots[i]);
    } else if (v.tag == V_LIST || v.tag == V_SET) {
        for (uint32_t i = 0; i < v.as.list->len; i++)
            add_value(c, v.as.list->items[i]);
    }
}

void image_types(const Program *p, ImageTypes *out)
{
    memset(out, 0, sizeof *out);
    Collector c = {out, 0, 0};
    for (uint32_t i = 0; i < p->nsources; i++)
        add_record(&c, p->sources[i]->type);
    for (uint32_t i = 0; i < p->nrecords; i++)
        add_record(&c, p->records[i]);
    add_record(&c, p->reason_type);
    add_record(&c, p->entry_type);
    for (uint32_t i = 0; i < p->ndecisions; i++)
        add_record(&c, p->decisions[i].result_type);
    for (uint32_t i = 0; i < p->nconsts; i++)
        add_value(&c, p->consts[i]);
    /* The fields of each record found, breadth first: the list grows as
     * it is walked, so no chain of types is followed by recursion. */
    for (uint32_t i = 0; i < out->nrecords; i++)
        for (size_t k = 0; k < out->records[i]->nfields; k++)
            add_type(&c, out->records[i]->fields[k].type);
}

/* ---------------------------------------------------------------- writing */

typedef struct Writer {
    RgBuf b;
    const ImageTypes *types;
} Writer;

static void w_le(Writer *w, uint64_t v, int n)
{
    uint8_t tmp[8];
    put_le(tmp, v, n);
    buf_add(&w->b, tmp, (size_t)n);
}

static void w_u8(Writer *w, uint8_t v) { w_le(w, v, 1); }
static void w_u16(Writer *w, uint16_t v) { w_le(w, v, 2); }
static void w_u32(Writer *w, uint32_t v) { w_le(w, v, 4); }
static void w_i32(Writer *w, int32_t v) { w_le(w, (uint32_t)v, 4); }
static void w_i64(Writer *w, int64_t v) { w_le(w, (uint64_t)v, 8); }

static void w_bytes(Writer *w, const void *s, size_t n)
{
    w_u32(w, (uint32_t)n);
    buf_add(&w->b, s, n);
}

static void w_str(Writer *w, const char *s)
{
    if (!s)
        w_u32(w, NO_STRING);
    else
        w_bytes(w, s, strlen(s));
}

static void w_span(Writer *w, Span s)
{
    w_u32(w, s.file);
    w_u32(w, s.start);
    w_u32(w, s.end);
}

static void w_record_ref(Writer *w, const RecordType *rt)
{
    w_u32(w, rt ? (uint32_t)record_number(w->types, rt) : NO_INDEX);
}

static void w_type(Writer *w, const Type *t)
{
    w_u8(w, (uint8_t)t->kind);
    switch (t->kind) {
    case T_LIST:
    case T_SET:
    case T_OPTIONAL: w_type(w, t->elem); break;
    case T_RECORD: w_record_ref(w, t->rec); break;
    case T_ENUM: w_u32(w, (uint32_t)enum_number(w->types, t->enm)); break;
    default: break;
    }
}

static void w_value(Writer *w, Value v)
{
    w_u8(w, v.tag);
    switch ((ValueTag)v.tag) {
    case V_NONE: break;
    case V_BOOL: w_u8(w, v.as.b); break;
    case V_INT: w_i64(w, v.as.i); break;
    case V_DEC:
        w_i64(w, v.as.i);
        w_u8(w, v.scale);
        break;
    case V_TEXT: w_bytes(w, v.as.s, v.aux); break;
    case V_DATE: w_i32(w, v.as.date); break;
    case V_PERIOD:
        w_i32(w, v.as.period.start);
        w_i32(w, v.as.period.end);
        break;
    case V_DURATION:
        w_i32(w, v.as.dur.months);
        w_i32(w, v.as.dur.days);
        break;
    case V_ENUM:
        w_u32(w, (uint32_t)enum_number(w->types, v.as.enm));
        w_u32(w, v.aux);
        break;
    case V_LIST:
    case V_SET:
        w_u32(w, v.as.list->len);
        for (uint32_t i = 0; i < v.as.list->len; i++)
            w_value(w, v.as.list->items[i]);
        break;
    case V_RECORD:
        w_record_ref(w, v.as.rec->type);
        w_u32(w, v.as.rec->line);
        for (size_t i = 0; i < v.as.rec->type->nfields; i++)
            w_value(w, v.as.rec->slots[i]);
        break;
    }
}

static void w_strings(Writer *w, const char *const *s, uint32_t n)
{
    w_u32(w, n);
    for (uint32_t i = 0; i < n; i++)
        w_str(w, s[i]);
}

static void write_body(Writer *w, const Program *p)
{
    const SourceSet *files = p->files;
    w_u32(w, files ? files->count : 0);
    for (uint32_t i = 0; files && i < files->count; i++) {
        w_str(w, files->files[i]->path);
        w_bytes(w, files->files[i]->text, files->files[i]->len);
    }
    const ImageTypes *t = w->types;
    w_u32(w, t->nenums);
    for (uint32_t i = 0; i < t->nenums; i++) {
        const EnumType *e = t->enums[i];
        w_str(w, e->name);
        w_span(w, e->span);
        w_u32(w, (uint32_t)e->nwords);
        for (size_t k = 0; k < e->nwords; k++)
            w_str(w, e->words[k]);
        for (size_t k = 0; k < e->nwords; k++)
            w_str(w, e->spellings[k]);
        for (size_t k = 0; k < e->nwords; k++)
            w_str(w, e->texts[k]);
    }
    w_u32(w, t->nrecords);
    for (uint32_t i = 0; i < t->nrecords; i++) {
        w_str(w, t->records[i]->name);
        w_span(w, t->records[i]->span);
        w_u32(w, (uint32_t)t->records[i]->nfields);
    }
    for (uint32_t i = 0; i < t->nrecords; i++)
        for (size_t k = 0; k < t->records[i]->nfields; k++) {
            const FieldDef *f = &t->records[i]->fields[k];
            w_str(w, f->name);
            w_type(w, f->type);
            if (f->column)
                w_bytes(w, f->column, f->column_len);
            else
                w_u32(w, NO_STRING);
            w_span(w, f->span);
        }
    w_u32(w, p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++)
        w_value(w, p->consts[i]);
    w_u32(w, p->nchunks);
    for (uint32_t i = 0; i < p->nchunks; i++) {
        const Chunk *c = &p->chunks[i];
        w_str(w, c->name);
        w_bytes(w, c->code, c->len);
        w_u32(w, c->nspans);
        for (uint32_t k = 0; k < c->nspans; k++) {
            w_u32(w, c->spans[k].pc);
            w_span(w, c->spans[k].span);
        }
        w_u16(w, c->nparams);
        w_u16(w, c->nlocals);
        w_u16(w, c->max_stack);
    }
    w_u32(w, p->nrules);
    for (uint32_t i = 0; i < p->nrules; i++) {
        w_str(w, p->rules[i].ref);
        w_u8(w, (uint8_t)p->rules[i].severity);
        w_str(w, p->rules[i].decision);
        w_span(w, p->rules[i].span);
    }
    w_u32(w, p->nsources);
    for (uint32_t i = 0; i < p->nsources; i++) {
        const SourceSpec *s = p->sources[i];
        w_str(w, s->name);
        w_record_ref(w, s->type);
        w_u8(w, (uint8_t)s->format);
        w_u8(w, (uint8_t)s->separator);
        w_u8(w, (uint8_t)s->decimal);
        w_str(w, s->yes);
        w_str(w, s->no);
        w_u8(w, (uint8_t)s->on_invalid);
        w_str(w, s->file);
        w_i32(w, s->key_field);
        w_span(w, s->span);
        const SourceUse *u = &p->uses[i];
        w_u32(w, u->nindexed);
        for (uint32_t k = 0; k < u->nindexed; k++)
            w_i32(w, u->indexed_fields[k]);
        w_u32(w, u->nelement);
        for (uint32_t k = 0; k < u->nelement; k++)
            w_i32(w, u->element_fields[k]);
        w_u32(w, u->nrange_fields);
        for (uint32_t k = 0; k < u->nrange_fields; k++)
            w_i32(w, u->range_fields[k]);
    }
    w_u32(w, p->nrecords);
    for (uint32_t i = 0; i < p->nrecords; i++)
        w_record_ref(w, p->records[i]);
    w_record_ref(w, p->reason_type);
    w_record_ref(w, p->entry_type);
    w_u32(w, p->ndecisions);
    for (uint32_t i = 0; i < p->ndecisions; i++) {
        const DecisionInfo *d = &p->decisions[i];
        w_str(w, d->name);
        w_span(w, d->span);
        w_u32(w, d->chunk);
        w_u32(w, d->body_pc);
        w_record_ref(w, d->result_type);
        w_i32(w, d->source);
        w_i32(w, d->over_chunk);
        w_u8(w, d->subject_slot);
        w_strings(w, d->words, d->nwords);
        w_strings(w, d->fields, d->nfields);
        w_u32(w, d->nrules);
        for (uint32_t k = 0; k < d->nrules; k++)
            w_u32(w, d->rules[k]);
        w_u8(w, d->root);
    }
    w_u32(w, p->nqueues);
    for (uint32_t i = 0; i < p->nqueues; i++) {
        const QueueInfo *q = &p->queues[i];
        w_str(w, q->name);
        w_span(w, q->span);
        w_u32(w, q->over_chunk);
        w_u32(w, q->key_chunk);
        w_i32(w, q->capacity_chunk);
        w_u32(w, q->admit_chunk);
        w_u32(w, q->ncounters);
        for (uint32_t k = 0; k < q->ncounters; k++)
            w_u32(w, q->counter_chunks[k]);
        w_u8(w, q->subject_slot);
    }
    w_u32(w, p->ntests);
    for (uint32_t i = 0; i < p->ntests; i++) {
        w_str(w, p->tests[i].name);
        w_span(w, p->tests[i].span);
        w_u32(w, p->tests[i].chunk);
    }
    w_u32(w, p->nexpects);
    for (uint32_t i = 0; i < p->nexpects; i++) {
        w_span(w, p->expects[i].span);
        w_str(w, p->expects[i].text);
        w_u32(w, p->expects[i].test);
    }
    w_u32(w, p->nhosts);
    for (uint32_t i = 0; i < p->nhosts; i++) {
        w_str(w, p->hosts[i].name);
        w_str(w, p->hosts[i].sig);
    }
}

static void engine_version_field(uint8_t out[16])
{
    memset(out, 0, 16);
    size_t n = strlen(REGEL_VERSION);
    memcpy(out, REGEL_VERSION, n < 16 ? n : 16);
}

const char *image_save(const Program *p, const uint8_t *secret_key, uint8_t **out, size_t *len)
{
    if (p->explain || p->coverage || p->ntrace_points)
        return "a program compiled for explaining or for tests with coverage cannot be saved; compile it without";
    if (sodium_init() < 0)
        return "the cryptography library could not start";
    ImageTypes types;
    image_types(p, &types);
    Writer w;
    buf_init(&w.b);
    w.types = &types;
    uint8_t header[IMAGE_HEADER_BYTES];
    buf_add(&w.b, header, sizeof header); /* filled in below */
    write_body(&w, p);
    size_t body = w.b.len - IMAGE_HEADER_BYTES;
    if (w.b.len + IMAGE_SIGNATURE_BYTES + IMAGE_CHECKSUM_BYTES > IMAGE_MAX_BYTES)
        return "the program is too large for a precompiled file";
    memcpy(header, magic, 8);
    put_le(header + 8, IMAGE_FORMAT_VERSION, 4);
    put_le(header + 12, secret_key ? 1 : 0, 4);
    engine_version_field(header + 16);
    engine_fingerprint(header + 32);
    image_source_hash(p->files, header + 40);
    put_le(header + 72, body, 8);
    memcpy(w.b.data, header, sizeof header);
    if (secret_key) {
        uint8_t sig[IMAGE_SIGNATURE_BYTES];
        crypto_sign_detached(sig, NULL, (const uint8_t *)w.b.data, w.b.len, secret_key);
        buf_add(&w.b, sig, sizeof sig);
    }
    uint8_t sum[IMAGE_CHECKSUM_BYTES];
    crypto_generichash(sum, sizeof sum, (const uint8_t *)w.b.data, w.b.len, NULL, 0);
    buf_add(&w.b, sum, sizeof sum);
    *out = (uint8_t *)w.b.data;
    *len = w.b.len;
    return NULL;
}

/* ---------------------------------------------------------------- reading */

typedef struct Reader {
    const uint8_t *p, *end;
    const char *error;
    uint32_t depth; /* of the type or value being read */
    const SourceSet *files;
    RecordType **records;
    uint32_t nrecords;
    EnumType **enums;
    uint32_t nenums;
} Reader;

static _Noreturn void bad(Reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static _Noreturn void bad(Reader *r, const char *fmt, ...)
{
    RgBuf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->error = b.data;
    rg_throw(RG_EABORT);
}

static size_t left(const Reader *r)
{
    return (size_t)(r->end - r->p);
}

static uint64_t r_le(Reader *r, int n)
{
    if (left(r) < (size_t)n)
        bad(r, "the file ends in the middle of its contents");
    uint64_t v = get_le(r->p, n);
    r->p += n;
    return v;
}

static uint8_t r_u8(Reader *r) { return (uint8_t)r_le(r, 1); }
static uint16_t r_u16(Reader *r) { return (uint16_t)r_le(r, 2); }
static uint32_t r_u32(Reader *r) { return (uint32_t)r_le(r, 4); }
static int32_t r_i32(Reader *r) { return (int32_t)(uint32_t)r_le(r, 4); }
static int64_t r_i64(Reader *r) { return (int64_t)r_le(r, 8); }

/* A count of items that take at least `size` bytes each. */
static uint32_t r_count(Reader *r, size_t size, const char *what)
{
    uint32_t n = r_u32(r);
    if ((uint64_t)n * size > left(r))
        bad(r, "the file says it has %u %s, more than it holds", n, what);
    return n;
}

/* Raw bytes with their length; NULL (and *n = 0) for "none". */
static const uint8_t *r_raw(Reader *r, uint32_t *n)
{
    uint32_t len = r_u32(r);
    if (len == NO_STRING) {
        *n = 0;
        return NULL;
    }
    if (len > left(r))
        bad(r, "a string runs past the end of the file");
    const uint8_t *s = r->p;
    r->p += len;
    *n = len;
    return s;
}

/* A string, checked for UTF-8 and copied with a NUL; may be NULL. */
static const char *r_opt_str(Reader *r, uint32_t *n_out)
{
    uint32_t n;
    const uint8_t *s = r_raw(r, &n);
    if (n_out)
        *n_out = n;
    if (!s)
        return NULL;
    if (!text_valid_utf8((const char *)s, n, NULL))
        bad(r, "a string is not valid UTF-8");
    return rg_strndup((const char *)s, n);
}

static const char *r_str(Reader *r, const char *what)
{
    const char *s = r_opt_str(r, NULL);
    if (!s)
        bad(r, "%s has no name", what);
    return s;
}

static Span r_span(Reader *r)
{
    Span s;
    s.file = r_u32(r);
    s.start = r_u32(r);
    s.end = r_u32(r);
    if (s.file) {
        const SourceFile *f = sources_get(r->files, s.file);
        if (!f || s.start > s.end || s.end > f->len)
            bad(r, "a position points outside the policy's files");
    }
    return s;
}

static RecordType *r_record_ref(Reader *r, bool optional)
{
    uint32_t i = r_u32(r);
    if (i == NO_INDEX && optional)
        return NULL;
    if (i >= r->nrecords)
        bad(r, "a record type number is out of range");
    return r->records[i];
}

static const Type *r_type(Reader *r)
{
    if (++r->depth > IMAGE_MAX_NESTING)
        bad(r, "a type nests more than %d deep", IMAGE_MAX_NESTING);
    uint8_t kind = r_u8(r);
    const Type *t;
    switch ((TypeKind)kind) {
    case T_ERROR: t = &type_error; break;
    case T_NONE: t = &type_none; break;
    case T_BOOL: t = &type_bool; break;
    case T_INT: t = &type_int; break;
    case T_DEC: t = &type_dec; break;
    case T_TEXT: t = &type_text; break;
    case T_DATE: t = &type_date; break;
    case T_PERIOD: t = &type_period; break;
    case T_DURATION: t = &type_duration; break;
    case T_LIST: t = type_list(r_type(r)); break;
    case T_SET: t = type_set(r_type(r)); break;
    case T_OPTIONAL: t = type_optional(r_type(r)); break;
    case T_RECORD: t = type_record(r_record_ref(r, false)); break;
    case T_ENUM: {
        uint32_t i = r_u32(r);
        if (i >= r->nenums)
            bad(r, "an enum type number is out of range");
        t = type_enum(r->enums[i]);
        break;
    }
    default: bad(r, "unknown type kind %u", kind);
    }
    r->depth--;
    return t;
}

static Value r_value(Reader *r)
{
    if (++r->depth > IMAGE_MAX_NESTING)
        bad(r, "a constant nests more than %d deep", IMAGE_MAX_NESTING);
    uint8_t tag = r_u8(r);
    Value v = val_none();
    switch ((ValueTag)tag) {
    case V_NONE: break;
    case V_BOOL: {
        uint8_t b = r_u8(r);
        if (b > 1)
            bad(r, "a Bool constant is neither true nor false");
        v = val_bool(b);
        break;
    }
    case V_INT: v = val_int(r_i64(r)); break;
    case V_DEC: {
        Decimal d;
        d.coef = r_i64(r);
        d.scale = r_u8(r);
        if (d.scale > DEC_MAX_SCALE)
            bad(r, "a Decimal constant has %u fractional digits, more than %d", d.scale, DEC_MAX_SCALE);
        v = val_dec(d);
        break;
    }
    case V_TEXT: {
        uint32_t n;
        const uint8_t *s = r_raw(r, &n);
        if (!s || n > VALUE_MAX_TEXT || !text_valid_utf8((const char *)s, n, NULL))
            bad(r, "a Text constant is not valid UTF-8");
        v = val_text(rg_strndup((const char *)s, n), n);
        break;
    }
    case V_DATE:
    case V_PERIOD: {
        Date a = r_i32(r), b = tag == V_PERIOD ? r_i32(r) : a;
        if (a < DATE_MIN || a > DATE_MAX || b < DATE_MIN || b > DATE_MAX || b < a)
            bad(r, "a date constant is outside the years 1 to 9999");
        v = tag == V_DATE ? val_date(a) : val_period(a, b);
        break;
    }
    case V_DURATION: {
        Duration d;
        d.months = r_i32(r);
        d.days = r_i32(r);
        if (d.months == INT32_MIN || d.days == INT32_MIN)
            bad(r, "a duration constant is out of range");
        v = val_duration(d);
        break;
    }
    case V_ENUM: {
        uint32_t e = r_u32(r), w = r_u32(r);
        if (e >= r->nenums || w >= r->enums[e]->nwords)
            bad(r, "an enum constant names no word of its type");
        v = val_enum(r->enums[e], (int)w);
        break;
    }
    case V_LIST:
    case V_SET: {
        uint32_t n = r_count(r, 1, "list elements");
        List *l = list_new(n);
        for (uint32_t i = 0; i < n; i++)
            l->items[i] = r_value(r);
        l->len = n;
        /* A set is kept sorted without repeats; the file's order is not
         * trusted for that. */
        v = tag == V_SET ? set_from_list(l) : val_list(l);
        break;
    }
    case V_RECORD: {
        RecordType *rt = r_record_ref(r, false);
        Record *rec = record_new(rt);
        rec->line = r_u32(r);
        for (size_t i = 0; i < rt->nfields; i++)
            rec->slots[i] = r_value(r);
        v = val_record(rec);
        break;
    }
    default: bad(r, "unknown constant tag %u", tag);
    }
    r->depth--;
    return v;
}

static const char **r_strings(Reader *r, uint32_t *n, const char *what)
{
    *n = r_count(r, 4, what);
    const char **s = rg_alloc(((size_t)*n + 1) * sizeof *s);
    for (uint32_t i = 0; i < *n; i++)
        s[i] = r_str(r, what);
    return s;
}

static uint32_t r_chunk_ref(Reader *r, uint32_t nchunks)
{
    uint32_t c = r_u32(r);
    if (c >= nchunks)
        bad(r, "a chunk number is out of range");
    return c;
}

static int32_t r_opt_chunk(Reader *r, uint32_t nchunks)
{
    int32_t c = r_i32(r);
    if (c < -1 || c >= (int64_t)nchunks)
        bad(r, "a chunk number is out of range");
    return c;
}

static void read_types(Reader *r)
{
    uint32_t n = r_count(r, 16, "enum types");
    r->enums = rg_alloc(((size_t)n + 1) * sizeof *r->enums);
    r->nenums = n;
    for (uint32_t i = 0; i < n; i++) {
        EnumType *e = rg_alloc(sizeof *e);
        e->name = r_str(r, "an enum type");
        e->span = r_span(r);
        e->nwords = r_count(r, 12, "enum words");
        e->words = rg_alloc((e->nwords + 1) * sizeof *e->words);
        e->spellings = rg_alloc((e->nwords + 1) * sizeof *e->spellings);
        e->texts = rg_alloc((e->nwords + 1) * sizeof *e->texts);
        for (size_t k = 0; k < e->nwords; k++)
            e->words[k] = r_str(r, "an enum word");
        for (size_t k = 0; k < e->nwords; k++)
            e->spellings[k] = r_str(r, "an enum word");
        for (size_t k = 0; k < e->nwords; k++)
            e->texts[k] = r_str(r, "an enum word");
        r->enums[i] = e;
    }
    n = r_count(r, 20, "record types");
    r->records = rg_alloc(((size_t)n + 1) * sizeof *r->records);
    r->nrecords = n;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        RecordType *rt = rg_alloc(sizeof *rt);
        rt->name = r_str(r, "a record type");
        rt->span = r_span(r);
        rt->nfields = r_u32(r);
        if (rt->nfields > IMAGE_MAX_FIELDS)
            bad(r, "record type %s has %zu fields, more than %d", rt->name, rt->nfields, IMAGE_MAX_FIELDS);
        total += rt->nfields;
        /* Each field takes at least 21 bytes (a name, a type, a column, a
         * span): claims beyond what is left are refused before the
         * fields are allocated. */
        if (total * 21 > left(r))
            bad(r, "the file says its records have %llu fields, more than it holds", (unsigned long long)total);
        rt->fields = rg_alloc((rt->nfields + 1) * sizeof *rt->fields);
        r->records[i] = rt;
    }
    for (uint32_t i = 0; i < n; i++) {
        RecordType *rt = r->records[i];
        for (size_t k = 0; k < rt->nfields; k++) {
            FieldDef *f = &rt->fields[k];
            f->name = r_str(r, "a field");
            f->type = r_type(r);
            f->column = r_opt_str(r, &f->column_len);
            f->span = r_span(r);
        }
    }
}

static void read_chunks(Reader *r, Program *p)
{
    p->nchunks = r_count(r, 16, "chunks");
    p->chunks = rg_alloc(((size_t)p->nchunks + 1) * sizeof *p->chunks);
    for (uint32_t i = 0; i < p->nchunks; i++) {
        Chunk *c = &p->chunks[i];
        c->name = r_str(r, "a chunk");
        uint32_t len;
        const uint8_t *code = r_raw(r, &len);
        if (!code)
            bad(r, "chunk %s has no code", c->name);
        c->code = rg_alloc_atomic((size_t)len + CHUNK_PADDING);
        memcpy(c->code, code, len);
        memset(c->code + len, BC_HALT, CHUNK_PADDING);
        c->len = len;
        c->nspans = r_count(r, 16, "positions");
        c->spans = rg_alloc_atomic(((size_t)c->nspans + 1) * sizeof *c->spans);
        for (uint32_t k = 0; k < c->nspans; k++) {
            c->spans[k].pc = r_u32(r);
            c->spans[k].span = r_span(r);
            if (c->spans[k].pc > len || (k && c->spans[k].pc < c->spans[k - 1].pc))
                bad(r, "the positions of chunk %s are out of order", c->name);
        }
        c->nparams = r_u16(r);
        c->nlocals = r_u16(r);
        c->max_stack = r_u16(r);
    }
}

static int *r_fields(Reader *r, uint32_t *n)
{
    *n = r_count(r, 4, "indexed fields");
    int *f = rg_alloc_atomic(((size_t)*n + 1) * sizeof *f);
    for (uint32_t i = 0; i < *n; i++)
        f[i] = r_i32(r);
    return f;
}

static void read_sources(Reader *r, Program *p)
{
    p->nsources = r_count(r, 40, "sources");
    p->sources = rg_alloc(((size_t)p->nsources + 1) * sizeof *p->sources);
    p->uses = rg_alloc(((size_t)p->nsources + 1) * sizeof *p->uses);
    for (uint32_t i = 0; i < p->nsources; i++) {
        SourceSpec *s = rg_alloc(sizeof *s);
        s->name = r_str(r, "a source");
        s->type = r_record_ref(r, false);
        uint8_t format = r_u8(r);
        if (format > FMT_JSONL)
            bad(r, "source %s has an unknown format", s->name);
        s->format = (SourceFormat)format;
        s->separator = (char)r_u8(r);
        s->decimal = (char)r_u8(r);
        s->yes = r_str(r, "a source's yes");
        s->no = r_str(r, "a source's no");
        uint8_t inv = r_u8(r);
        if (inv > INVALID_SKIP)
            bad(r, "source %s has an unknown way with invalid records", s->name);
        s->on_invalid = (OnInvalid)inv;
        s->file = r_str(r, "a source's file");
        s->key_field = r_i32(r);
        s->span = r_span(r);
        p->sources[i] = s;
        p->uses[i].indexed_fields = r_fields(r, &p->uses[i].nindexed);
        p->uses[i].element_fields = r_fields(r, &p->uses[i].nelement);
        p->uses[i].range_fields = r_fields(r, &p->uses[i].nrange_fields);
    }
}

static void read_decisions(Reader *r, Program *p)
{
    p->ndecisions = r_count(r, 40, "decisions");
    p->decisions = rg_alloc(((size_t)p->ndecisions + 1) * sizeof *p->decisions);
    for (uint32_t i = 0; i < p->ndecisions; i++) {
        DecisionInfo *d = &p->decisions[i];
        d->name = r_str(r, "a decision");
        d->span = r_span(r);
        d->chunk = r_chunk_ref(r, p->nchunks);
        d->body_pc = r_u32(r);
        d->result_type = r_record_ref(r, true);
        d->source = r_i32(r);
        d->over_chunk = r_opt_chunk(r, p->nchunks);
        d->subject_slot = r_u8(r);
        d->words = r_strings(r, &d->nwords, "outcome words");
        d->fields = r_strings(r, &d->nfields, "output fields");
        d->nrules = r_count(r, 4, "rules");
        d->rules = rg_alloc_atomic(((size_t)d->nrules + 1) * sizeof *d->rules);
        for (uint32_t k = 0; k < d->nrules; k++)
            d->rules[k] = r_u32(r);
        d->root = r_u8(r) != 0;
    }
}

static void read_queues(Reader *r, Program *p)
{
    p->nqueues = r_count(r, 40, "queues");
    p->queues = rg_alloc(((size_t)p->nqueues + 1) * sizeof *p->queues);
    for (uint32_t i = 0; i < p->nqueues; i++) {
        QueueInfo *q = &p->queues[i];
        q->name = r_str(r, "a queue");
        q->span = r_span(r);
        q->over_chunk = r_chunk_ref(r, p->nchunks);
        q->key_chunk = r_chunk_ref(r, p->nchunks);
        q->capacity_chunk = r_opt_chunk(r, p->nchunks);
        q->admit_chunk = r_chunk_ref(r, p->nchunks);
        q->ncounters = r_count(r, 4, "counters");
        q->counter_chunks = rg_alloc_atomic(((size_t)q->ncounters + 1) * sizeof *q->counter_chunks);
        for (uint32_t k = 0; k < q->ncounters; k++)
            q->counter_chunks[k] = r_chunk_ref(r, p->nchunks);
        q->subject_slot = r_u8(r);
    }
}

/* The host functions the code calls, unbound (embed.c binds them to the
 * host's table). */
static void read_hosts(Reader *r, Program *p)
{
    p->nhosts = r_count(r, 8, "host functions");
    p->hosts = rg_alloc(((size_t)p->nhosts + 1) * sizeof *p->hosts);
    for (uint32_t i = 0; i < p->nhosts; i++) {
        HostInfo *h = &p->hosts[i];
        const char *name = r_str(r, "a host function");
        const char *sig = r_str(r, "a host function's signature");
        const char *why = host_name_problem(name);
        if (!why)
            why = host_signature(sig, h);
        if (why)
            bad(r, "its table of host functions is damaged: %s", why);
        if (strcmp(h->sig, sig) != 0)
            bad(r, "its table of host functions is damaged: %s%s is not written as regel writes it", name, sig);
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(p->hosts[k].name, name) == 0)
                bad(r, "its table of host functions is damaged: %s is in it twice", name);
        h->name = name;
    }
}

static void read_body(Reader *r, Program *p)
{
    SourceSet *files = sources_new();
    uint32_t nfiles = r_count(r, 8, "files");
    for (uint32_t i = 0; i < nfiles; i++) {
        const char *path = r_str(r, "a file");
        uint32_t n;
        const char *text = r_opt_str(r, &n);
        if (!text)
            bad(r, "file %s has no text", path);
        sources_add(files, path, text, n);
    }
    p->files = files;
    r->files = files;
    read_types(r);
    p->nconsts = r_count(r, 1, "constants");
    p->consts = rg_alloc(((size_t)p->nconsts + 1) * sizeof *p->consts);
    for (uint32_t i = 0; i < p->nconsts; i++)
        p->consts[i] = r_value(r);
    read_chunks(r, p);
    p->nrules = r_count(r, 21, "rules");
    p->rules = rg_alloc(((size_t)p->nrules + 1) * sizeof *p->rules);
    for (uint32_t i = 0; i < p->nrules; i++) {
        RuleInfo *ri = &p->rules[i];
        ri->ref = r_str(r, "a rule");
        ri->severity = (Severity)r_u8(r);
        ri->decision = r_opt_str(r, NULL);
        ri->span = r_span(r);
    }
    read_sources(r, p);
    p->nrecords = r_count(r, 4, "record types");
    p->records = rg_alloc(((size_t)p->nrecords + 1) * sizeof *p->records);
    for (uint32_t i = 0; i < p->nrecords; i++)
        p->records[i] = r_record_ref(r, false);
    p->reason_type = r_record_ref(r, true);
    p->entry_type = r_record_ref(r, true);
    read_decisions(r, p);
    read_queues(r, p);
    p->ntests = r_count(r, 20, "tests");
    p->tests = rg_alloc(((size_t)p->ntests + 1) * sizeof *p->tests);
    for (uint32_t i = 0; i < p->ntests; i++) {
        p->tests[i].name = r_str(r, "a test");
        p->tests[i].span = r_span(r);
        p->tests[i].chunk = r_chunk_ref(r, p->nchunks);
    }
    p->nexpects = r_count(r, 20, "expectations");
    p->expects = rg_alloc(((size_t)p->nexpects + 1) * sizeof *p->expects);
    for (uint32_t i = 0; i < p->nexpects; i++) {
        p->expects[i].span = r_span(r);
        p->expects[i].text = r_str(r, "an expectation");
        p->expects[i].test = r_u32(r);
    }
    read_hosts(r, p);
    if (r->p != r->end)
        bad(r, "the file has %zu bytes after its contents", left(r));
}

/* The header and the trailer: NULL, or why the file is refused. */
static const char *check_frame(const uint8_t *data, size_t len, const uint8_t *public_key, size_t *body,
                               ImageStatus *status, ImageInfo *info)
{
    *status = IMAGE_INVALID;
    if (len < 8 || memcmp(data, magic, 8) != 0)
        return "it is not a precompiled regel program (.rgc)";
    if (len > IMAGE_MAX_BYTES)
        return "it is larger than any precompiled program can be";
    if (len < IMAGE_HEADER_BYTES + IMAGE_CHECKSUM_BYTES)
        return "it is cut short";
    uint32_t version = (uint32_t)get_le(data + 8, 4);
    if (version != IMAGE_FORMAT_VERSION)
        return rg_sprintf("it is in format version %u; this regel reads version %d: compile the policy again",
                          version, IMAGE_FORMAT_VERSION);
    uint8_t engine[16];
    engine_version_field(engine);
    if (memcmp(data + 16, engine, 16) != 0) {
        char written[17];
        memcpy(written, data + 16, 16);
        written[16] = '\0';
        if (!text_valid_utf8(written, strlen(written), NULL))
            strcpy(written, "?");
        return rg_sprintf("it was compiled by regel %s; this is regel %s: compile the policy again", written,
                          REGEL_VERSION);
    }
    uint8_t fp[8];
    engine_fingerprint(fp);
    if (memcmp(data + 32, fp, 8) != 0)
        return "it was compiled by a build of regel with another instruction set: compile the policy again";
    uint32_t flags = (uint32_t)get_le(data + 12, 4);
    if (flags > 1)
        return "its header is damaged (unknown flags)";
    bool is_signed = flags & 1;
    uint64_t b = get_le(data + 72, 8);
    uint64_t want = IMAGE_HEADER_BYTES + b + (is_signed ? IMAGE_SIGNATURE_BYTES : 0) + IMAGE_CHECKSUM_BYTES;
    if (b > IMAGE_MAX_BYTES || want != len)
        return "it is damaged (its length does not match its header)";
    uint8_t sum[IMAGE_CHECKSUM_BYTES];
    crypto_generichash(sum, sizeof sum, data, len - IMAGE_CHECKSUM_BYTES, NULL, 0);
    if (sodium_memcmp(sum, data + len - IMAGE_CHECKSUM_BYTES, IMAGE_CHECKSUM_BYTES) != 0)
        return "it is damaged (the checksum does not match)";
    if (public_key) {
        *status = IMAGE_SIGNATURE;
        if (!is_signed)
            return "it is not signed, and a signature is required";
        const uint8_t *sig = data + IMAGE_HEADER_BYTES + b;
        if (crypto_sign_verify_detached(sig, data, IMAGE_HEADER_BYTES + b, public_key) != 0)
            return "its signature does not match the public key";
    }
    info->is_signed = is_signed;
    memcpy(info->source_hash, data + 40, IMAGE_HASH_BYTES);
    *body = (size_t)b;
    *status = IMAGE_OK;
    return NULL;
}

/* Reads the body behind a protected boundary: a problem unwinds here. */
static ImageStatus read_protected(const uint8_t *body, size_t n, Program **out, const char **error)
{
    Reader r;
    memset(&r, 0, sizeof r);
    r.p = body;
    r.end = body + n;
    RgTry t;
    int code = RG_TRY(&t);
    if (code) {
        *error = code == RG_EABORT ? r.error : NULL;
        return code == RG_EABORT ? IMAGE_INVALID : IMAGE_NOMEM;
    }
    Program *p = rg_alloc(sizeof *p);
    read_body(&r, p);
    rg_try_end(&t);
    *out = p;
    return IMAGE_OK;
}

ImageStatus image_load(const uint8_t *data, size_t len, const uint8_t *public_key, Program **out, ImageInfo *info,
                       const char **error)
{
    *out = NULL;
    *error = NULL;
    if (sodium_init() < 0) {
        *error = "the cryptography library could not start";
        return IMAGE_INVALID;
    }
    ImageInfo ignored;
    if (!info)
        info = &ignored;
    memset(info, 0, sizeof *info);
    size_t body = 0;
    ImageStatus status;
    const char *problem = check_frame(data, len, public_key, &body, &status, info);
    if (problem) {
        *error = problem;
        return status;
    }
    Program *p;
    status = read_protected(data + IMAGE_HEADER_BYTES, body, &p, error);
    if (status != IMAGE_OK)
        return status;
    uint8_t hash[IMAGE_HASH_BYTES];
    image_source_hash(p->files, hash);
    if (memcmp(hash, info->source_hash, IMAGE_HASH_BYTES) != 0) {
        *error = "it is damaged (its sources do not match their hash)";
        return IMAGE_INVALID;
    }
    const char *unsafe = verify_program(p);
    if (unsafe) {
        *error = rg_sprintf("its bytecode does not verify: %s", unsafe);
        return IMAGE_INVALID;
    }
    *out = p;
    return IMAGE_OK;
}

/* ---------------------------------------------------------------- keys */

static const char public_prefix[] = "regel-ed25519-public ";
static const char secret_prefix[] = "regel-ed25519-secret ";

bool image_keypair(uint8_t public_key[IMAGE_PUBLIC_KEY_BYTES], uint8_t secret_key[IMAGE_SECRET_KEY_BYTES])
{
    if (sodium_init() < 0)
        return false;
    return crypto_sign_keypair(public_key, secret_key) == 0;
}

const char *image_key_text(const uint8_t *key, bool secret)
{
    size_t n = secret ? IMAGE_SECRET_KEY_BYTES : IMAGE_PUBLIC_KEY_BYTES;
    const char *prefix = secret ? secret_prefix : public_prefix;
    size_t pl = strlen(prefix);
    char *s = rg_alloc_atomic(pl + 2 * n + 2);
    memcpy(s, prefix, pl);
    sodium_bin2hex(s + pl, 2 * n + 1, key, n);
    s[pl + 2 * n] = '\n';
    s[pl + 2 * n + 1] = '\0';
    return s;
}

const char *image_key_parse(const char *text, size_t len, bool secret, uint8_t *key)
{
    size_t n = secret ? IMAGE_SECRET_KEY_BYTES : IMAGE_PUBLIC_KEY_BYTES;
    const char *prefix = secret ? secret_prefix : public_prefix;
    const char *other = secret ? public_prefix : secret_prefix;
    size_t pl = strlen(prefix);
    if (len >= pl && memcmp(text, other, pl) == 0)
        return secret ? "it is a public key; signing needs the secret key"
                      : "it is a secret key; checking a signature needs the public key";
    if (len < pl || memcmp(text, prefix, pl) != 0)
        return secret ? "it is not a regel secret key (the file starts with \"regel-ed25519-secret \")"
                      : "it is not a regel public key (the file starts with \"regel-ed25519-public \")";
    size_t end = len;
    while (end > pl && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' '))
        end--;
    size_t got = 0;
    if (end - pl != 2 * n || sodium_hex2bin(key, n, text + pl, end - pl, NULL, &got, NULL) != 0 || got != n)
        return rg_sprintf("the key is not %zu hex digits", 2 * n);
    return NULL;
}
