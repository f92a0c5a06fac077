/*
 * run.c — batch evaluation.
 */
#include "run.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "explain.h"
#include "index.h"
#include "opcodes.h"
#include "records.h"

typedef struct Runner {
    const Program *p;
    const RunOptions *o;
    RunSummary *s;
    DataSet data;
    Vm *vm;
    RgBuf out;
    bool *invalid_reported; /* per source: its invalid records were reported already */
    bool output_failed;
    size_t id_width; /* table output: the id column of the current decision */
    uint64_t nexplained;
    const char *same_error; /* the error of the last line that failed, and how many in a row had it */
    uint64_t same_count;
    time_t last_progress;
    OutputPlan *plan;
} Runner;

static void report(Runner *r, const char *line)
{
    if (r->o->report)
        r->o->report(r->o->report_ctx, line);
}

static OnInvalid policy_for(Runner *r, const SourceSpec *spec)
{
    if (r->o->on_invalid != INVALID_DEFAULT)
        return r->o->on_invalid;
    return spec->on_invalid != INVALID_DEFAULT ? spec->on_invalid : INVALID_FAIL;
}

static const char *path_of(Runner *r, const SourceSpec *spec)
{
    const char *dir = r->o->data_dir ? r->o->data_dir : ".";
    return rg_sprintf("%s/%s", dir, spec->file);
}

static void flush(Runner *r)
{
    if (r->o->format == OUT_TABLE)
        output_table_align(&r->out, &r->id_width);
    if (r->out.len && !r->output_failed) {
        if (!r->o->write(r->o->write_ctx, r->out.data, r->out.len))
            r->output_failed = true;
    }
    buf_clear(&r->out);
}

/* Tracks one file's invalid records: reports the first few, counts all. */
typedef struct Problems {
    uint64_t count;
    bool quiet; /* already reported in an earlier pass over the file */
} Problems;

static void invalid_record(Runner *r, Problems *pr, const char *msg)
{
    pr->count++;
    if (pr->quiet)
        return;
    r->s->invalid++;
    if (pr->count <= RUN_MAX_REPORTED)
        report(r, msg);
}

static void finish_problems(Runner *r, Problems *pr, const char *path)
{
    if (!pr->quiet && pr->count > RUN_MAX_REPORTED)
        report(r, rg_sprintf("%s: %llu more invalid records not shown", path,
                             (unsigned long long)(pr->count - RUN_MAX_REPORTED)));
}

/* Checks a record's key against the ones seen; reports a repeat. */
static bool key_is_new(Runner *r, ValueIndex *keys, const SourceSpec *spec, const char *path, Value rec, Problems *pr)
{
    if (spec->key_field < 0)
        return true;
    Value key = rec.as.rec->slots[spec->key_field];
    Value first;
    if (vindex_add_unique(keys, key, val_int(rec.as.rec->line), &first))
        return true;
    RgBuf b;
    buf_init(&b);
    buf_printf(&b, "%s:%u: field \"%s\": the key ", path, rec.as.rec->line, spec->type->fields[spec->key_field].column);
    value_render(&b, key);
    buf_printf(&b, " was already used on line %lld; the first record counts", (long long)first.as.i);
    invalid_record(r, pr, b.data);
    return false;
}

static int load_source(Runner *r, uint32_t si)
{
    const SourceSpec *spec = r->p->sources[si];
    SourceData *sd = &r->data.sources[si];
    const char *path = path_of(r, spec);
    const char *err;
    RecordReader *rd = records_open(spec, path, &err);
    if (!rd) {
        report(r, err);
        return RUN_DATA_ERROR;
    }
    /* Memory may run out anywhere below: the export is closed on the way. */
    RgTry t;
    int code = RG_TRY(&t);
    if (code) {
        records_close(rd);
        rg_throw(code);
    }
    ValueIndex *keys = spec->key_field >= 0 ? vindex_new() : NULL;
    List *records = list_new(64);
    Problems pr = {0, false};
    int status = RUN_OK;
    for (;;) {
        Value rec;
        RecordStatus st = records_next(rd, &rec);
        if (st == REC_END)
            break;
        if (st == REC_FATAL) {
            report(r, records_error(rd));
            status = RUN_DATA_ERROR;
            break;
        }
        r->s->read++;
        if (st == REC_INVALID) {
            invalid_record(r, &pr, records_error(rd));
            continue;
        }
        if (keys && !key_is_new(r, keys, spec, path, rec, &pr))
            continue;
        records = list_push(records, rec);
    }
    rg_try_end(&t);
    records_close(rd);
    finish_problems(r, &pr, path);
    r->invalid_reported[si] = true;
    if (status == RUN_OK && pr.count && policy_for(r, spec) == INVALID_FAIL)
        status = RUN_DATA_ERROR;
    sd->records = records;
    sd->loaded = true;
    data_build_indexes(r->p, si, sd);
    return status;
}

/* Says how many more lines failed with the error reported last. */
static void end_same_errors(Runner *r, const DecisionInfo *d)
{
    if (r->same_count > RUN_MAX_SAME_ERRORS) {
        uint64_t more = r->same_count - RUN_MAX_SAME_ERRORS;
        report(r, rg_sprintf("%s: %llu more line%s failed with the same error", d->name, (unsigned long long)more,
                             more == 1 ? "" : "s"));
    }
    r->same_error = NULL;
    r->same_count = 0;
}

/* The VM answers memory running out in an evaluation with a failed
 * evaluation, so that a service's other decisions go on (regel_decide);
 * a run, a test or an explanation ends instead, with the out-of-memory
 * error, as a line saying fel would pass for a decision. */
static void end_if_out_of_memory(const Vm *vm)
{
    if (vm_error_kind(vm) == VM_ERROR_NOMEM)
        rg_throw(RG_EOOM);
}

/* Is this the key to explain? */
static bool explained(const Runner *r, const Verdict *v)
{
    if (!r->o->explain_id)
        return true;
    size_t n = strlen(r->o->explain_id);
    return v->key.tag == V_TEXT && v->key.aux == n && memcmp(v->key.as.s, r->o->explain_id, n) == 0;
}

/* Decides the subject again, noting what its rules saw, and writes that. */
static void explain_subject(Runner *r, uint32_t di, Value subject)
{
    Trace trace = {0};
    Verdict v;
    memset(&v, 0, sizeof v);
    vm_set_trace(r->vm, &trace);
    bool ok = vm_decide(r->vm, di, subject, &v);
    vm_set_trace(r->vm, NULL);
    if (ok)
        explain_write(r->p, r->vm, di, &v, &trace, r->o->format != OUT_TABLE, &r->out);
    else
        end_if_out_of_memory(r->vm);
    r->nexplained++;
}

/* The line just written ends with the policy's version, when asked. */
static void stamp_version(Runner *r, size_t line_start)
{
    if (!r->o->policy_version || r->out.len < line_start + 2)
        return;
    r->out.len -= 2; /* "}\n" */
    buf_adds(&r->out, ",\"policy_version\":");
    json_write_string(&r->out, r->o->policy_version, strlen(r->o->policy_version));
    buf_adds(&r->out, "}\n");
}

/* Decides one subject and writes its line. */
static void decide(Runner *r, uint32_t di, Value subject, Verdict *v)
{
    const DecisionInfo *d = &r->p->decisions[di];
    size_t line_start = r->out.len;
    if (!vm_decide(r->vm, di, subject, v)) {
        end_if_out_of_memory(r->vm);
        RgBuf msg;
        buf_init(&msg);
        diag_location(r->p->files, vm_error_span(r->vm), &msg);
        if (msg.len)
            buf_adds(&msg, ": ");
        buf_adds(&msg, vm_error(r->vm));
        Value key = v->key; /* none when the error came before the key was known */
        output_failure(&r->out, r->o->format, d, key, msg.data);
        stamp_version(r, line_start);
        RgBuf rep;
        buf_init(&rep);
        buf_adds(&rep, d->name);
        if (key.tag == V_TEXT) {
            buf_addc(&rep, ' ');
            buf_add(&rep, key.as.s, key.aux);
        } else if (subject.tag == V_RECORD && subject.as.rec->line) {
            buf_printf(&rep, " (the record on line %u)", subject.as.rec->line);
        }
        buf_printf(&rep, ": evaluation failed: %s", msg.data);
        /* One cause (a queue that could not be worked out, a limit too
         * tight) fails many lines alike: the first few are reported, the
         * rest counted. Every line still says fel in the output. */
        if (r->same_error && strcmp(r->same_error, msg.data) == 0) {
            if (++r->same_count <= RUN_MAX_SAME_ERRORS)
                report(r, rep.data);
        } else {
            end_same_errors(r, d);
            r->same_error = msg.data;
            r->same_count = 1;
            report(r, rep.data);
        }
        r->s->failed++;
    } else if (!v->skipped) {
        if (r->o->verdict)
            r->o->verdict(r->o->verdict_ctx, di, v);
        else if (!r->o->explain) {
            output_verdict(&r->out, r->o->format, r->plan, di, v);
            stamp_version(r, line_start);
        }
        else if (explained(r, v))
            explain_subject(r, di, subject);
        r->s->decided++;
    }
    if (r->out.len > 64 * 1024)
        flush(r);
    /* Looking at the clock costs little next to deciding 4096 records. */
    if (r->o->progress && ((r->s->decided + r->s->failed) & 4095) == 0) {
        time_t now = time(NULL);
        if (now != r->last_progress) {
            r->last_progress = now;
            r->o->progress(r->o->progress_ctx, r->s->read, r->s->decided + r->s->failed);
        }
    }
}

static int stream_decision(Runner *r, uint32_t di, Verdict *v)
{
    const DecisionInfo *d = &r->p->decisions[di];
    const SourceSpec *spec = r->p->sources[d->source];
    const char *path = path_of(r, spec);
    const char *err;
    RecordReader *rd = records_open(spec, path, &err);
    if (!rd) {
        report(r, err);
        return RUN_DATA_ERROR;
    }
    /* Memory may run out anywhere below: the export is closed on the way. */
    RgTry t;
    int code = RG_TRY(&t);
    if (code) {
        records_close(rd);
        rg_throw(code);
    }
    ValueIndex *keys = spec->key_field >= 0 ? vindex_new() : NULL;
    Problems pr = {0, r->invalid_reported[d->source]};
    bool fail_fast = policy_for(r, spec) == INVALID_FAIL;
    int status = RUN_OK;
    for (;;) {
        Value rec;
        RecordStatus st = records_next(rd, &rec);
        if (st == REC_END)
            break;
        if (st == REC_FATAL) {
            report(r, records_error(rd));
            status = RUN_DATA_ERROR;
            break;
        }
        if (!pr.quiet)
            r->s->read++;
        if (st == REC_INVALID || (keys && !key_is_new(r, keys, spec, path, rec, &pr))) {
            if (st == REC_INVALID)
                invalid_record(r, &pr, records_error(rd));
            if (fail_fast) {
                status = RUN_DATA_ERROR;
                break;
            }
            continue;
        }
        decide(r, di, rec, v);
        if (r->output_failed)
            break;
    }
    rg_try_end(&t);
    records_close(rd);
    finish_problems(r, &pr, path);
    r->invalid_reported[d->source] = true;
    return status;
}

static bool wanted(const RunOptions *o, const DecisionInfo *d)
{
    if (!o->decisions)
        return d->root;
    for (size_t i = 0; i < o->ndecisions; i++)
        if (strcmp(o->decisions[i], d->name) == 0)
            return true;
    return false;
}

/* Marks the sources chunk c reads as a whole (lists, lookups, selections),
 * following its calls. */
static void sources_read(const Program *p, uint32_t c, bool *need, bool *seen)
{
    if (c >= p->nchunks || seen[c])
        return;
    seen[c] = true;
    const Chunk *ch = &p->chunks[c];
    for (uint32_t pc = 0; pc < ch->len;) {
        uint8_t o = ch->code[pc];
        if (o >= BC__COUNT)
            break;
        const uint8_t *a = ch->code + pc + 1;
        uint32_t operand = (uint32_t)a[0] | ((uint32_t)a[1] << 8);
        if ((o == BC_SOURCE || o == BC_LOOKUP || o == BC_SELECT || o == BC_SELECT_IN || o == BC_SELECT_RANGE) &&
            operand < p->nsources) {
            need[operand] = true;
        } else if (o == BC_CALL) {
            sources_read(p, operand, need, seen);
        } else if (o == BC_DECIDE && operand < p->ndecisions) {
            sources_read(p, p->decisions[operand].chunk, need, seen);
        } else if ((o == BC_QUEUE_GET || o == BC_QUEUE_REPLAY) && operand < p->nqueues) {
            const QueueInfo *q = &p->queues[operand];
            sources_read(p, q->over_chunk, need, seen);
            sources_read(p, q->key_chunk, need, seen);
            if (q->capacity_chunk >= 0)
                sources_read(p, (uint32_t)q->capacity_chunk, need, seen);
            sources_read(p, q->admit_chunk, need, seen);
            for (uint32_t k = 0; k < q->ncounters; k++)
                sources_read(p, q->counter_chunks[k], need, seen);
        }
        pc += (uint32_t)opcode_size(opcode_info[o].operands);
    }
}

int run_batch(const Program *p, const RunOptions *o, RunSummary *s)
{
    memset(s, 0, sizeof *s);
    Runner *r = rg_alloc(sizeof *r);
    r->p = p;
    r->o = o;
    r->s = s;
    buf_init(&r->out);
    r->data.nsources = p->nsources;
    r->data.sources = rg_alloc((p->nsources ? p->nsources : 1) * sizeof(SourceData));
    r->invalid_reported = rg_alloc_atomic(p->nsources + 1);
    memset(r->invalid_reported, 0, p->nsources + 1);

    /* The sources the wanted decisions read as a whole are loaded before
     * any decision runs, so that an invalid one stops the run before any
     * output exists. (A streamed source can only stop it midway.) */
    bool *need = rg_alloc_atomic(p->nsources + 1);
    bool *seen = rg_alloc_atomic(p->nchunks + 1);
    memset(need, 0, p->nsources + 1);
    memset(seen, 0, p->nchunks + 1);
    for (uint32_t k = 0; k < p->ndecisions; k++) {
        const DecisionInfo *d = &p->decisions[k];
        if (!wanted(o, d))
            continue;
        sources_read(p, d->chunk, need, seen);
        if (d->over_chunk >= 0)
            sources_read(p, (uint32_t)d->over_chunk, need, seen);
    }
    int status = RUN_OK;
    for (uint32_t i = 0; i < p->nsources; i++) {
        if (!need[i])
            continue;
        int st = load_source(r, i);
        if (st != RUN_OK)
            status = st;
    }
    if (status != RUN_OK)
        return status;

    r->vm = vm_new(p, &r->data, o->today, o->limits);
    if (o->explain)
        vm_set_explaining(r->vm, true);
    r->plan = output_plan(p);
    bool first = true;
    for (uint32_t di = 0; di < p->ndecisions && !r->output_failed; di++) {
        const DecisionInfo *d = &p->decisions[di];
        if (!wanted(o, d))
            continue;
        r->id_width = TABLE_ID_WIDTH;
        if (!o->explain && !o->verdict)
            output_begin_decision(&r->out, o->format, d, first);
        first = false;
        Verdict v;
        memset(&v, 0, sizeof v);
        if (d->source >= 0 && !r->data.sources[d->source].loaded) {
            int st = stream_decision(r, di, &v);
            if (st != RUN_OK) {
                flush(r);
                return st;
            }
        } else if (d->source >= 0) {
            const List *recs = r->data.sources[d->source].records;
            for (uint32_t i = 0; i < recs->len && !r->output_failed; i++)
                decide(r, di, recs->items[i], &v);
        } else {
            Value list;
            if (!vm_eval(r->vm, (uint32_t)d->over_chunk, &list) || (list.tag != V_LIST && list.tag != V_SET)) {
                end_if_out_of_memory(r->vm);
                RgBuf msg;
                buf_init(&msg);
                diag_location(p->files, vm_error_span(r->vm), &msg);
                buf_printf(&msg, "%sthe list of decision %s could not be computed: %s", msg.len ? ": " : "", d->name,
                           vm_error(r->vm) ? vm_error(r->vm) : "it is not a list");
                report(r, msg.data);
                s->failed++;
                continue;
            }
            for (uint32_t i = 0; i < list.as.list->len && !r->output_failed; i++)
                decide(r, di, list.as.list->items[i], &v);
        }
        end_same_errors(r, d);
        flush(r);
    }
    flush(r);
    if (r->output_failed)
        return RUN_OUTPUT_ERROR;
    if (o->explain_id && !r->nexplained) {
        RgBuf msg;
        buf_init(&msg);
        if (o->ndecisions == 1)
            buf_printf(&msg, "decision %s has no line with the id '%s'", o->decisions[0], o->explain_id);
        else
            buf_printf(&msg, "no line of the decisions run has the id '%s'", o->explain_id);
        report(r, msg.data);
        return RUN_NOT_FOUND;
    }
    return s->failed ? RUN_EVAL_ERROR : RUN_OK;
}

int run_load_folder(const Program *p, const char *folder, DataSet *data, void (*report_fn)(void *ctx, const char *line),
                    void *report_ctx)
{
    RunOptions o;
    memset(&o, 0, sizeof o);
    o.data_dir = folder;
    o.on_invalid = INVALID_DEFAULT;
    o.report = report_fn;
    o.report_ctx = report_ctx;
    RunSummary s;
    memset(&s, 0, sizeof s);
    Runner *r = rg_alloc(sizeof *r);
    r->p = p;
    r->o = &o;
    r->s = &s;
    r->data = *data;
    r->invalid_reported = rg_alloc_atomic(p->nsources + 1);
    memset(r->invalid_reported, 0, p->nsources + 1);
    int status = RUN_OK;
    for (uint32_t i = 0; i < p->nsources; i++) {
        if (access(path_of(r, p->sources[i]), F_OK) != 0)
            continue;
        if (load_source(r, i) != RUN_OK)
            status = RUN_DATA_ERROR;
    }
    return status;
}
