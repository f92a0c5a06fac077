/*
 * output.c — writing verdicts as JSON Lines, a table, or CSV.
 */
#include "output.h"

#include <string.h>

#include "alloc.h"
#include "text.h"

static const char *severity_word(Severity s)
{
    return s == SEV_SHOULD ? "should" : "must";
}

static void csv_cell(RgBuf *b, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    if (!quote) {
        buf_add(b, s, n);
        return;
    }
    buf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_addc(b, '"');
        buf_addc(b, s[i]);
    }
    buf_addc(b, '"');
}

static void csv_cell_str(RgBuf *b, const char *s)
{
    csv_cell(b, s, strlen(s));
}

void output_begin_decision(RgBuf *b, OutputFormat f, const DecisionInfo *d, bool first)
{
    if (f == OUT_TABLE) {
        if (!first)
            buf_addc(b, '\n');
        buf_printf(b, "%s\n", d->name);
    } else if (f == OUT_CSV && first) {
        buf_adds(b, "decision,id,outcome,refs,messages,fields\r\n");
    }
}

static void jsonl_head(RgBuf *b, const char *decision, Value key, const char *outcome)
{
    buf_adds(b, "{\"decision\":");
    json_write_string(b, decision, strlen(decision));
    buf_adds(b, ",\"id\":");
    if (key.tag == V_TEXT)
        json_write_string(b, key.as.s, key.aux);
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"outcome\":");
    json_write_string(b, outcome, strlen(outcome));
}

/* The id, then the mark where output_table_align puts the padding. A
 * control character in an id is shown as a space, so the mark is the first
 * one on its line. */
static void table_id(RgBuf *b, Value key)
{
    buf_adds(b, "  ");
    if (key.tag != V_TEXT) {
        buf_adds(b, "-");
    } else {
        for (uint32_t i = 0; i < key.aux; i++) {
            unsigned char c = (unsigned char)key.as.s[i];
            buf_addc(b, c < 0x20 ? ' ' : (char)c);
        }
    }
    buf_addc(b, TABLE_PAD_MARK);
}

void output_table_align(RgBuf *b, size_t *id_width)
{
    /* The widest id among these lines, and those written before. */
    size_t width = *id_width;
    if (!b->len)
        return;
    const char *p = b->data, *end = b->data + b->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        const char *mark = memchr(p, TABLE_PAD_MARK, (size_t)(line_end - p));
        if (mark) {
            size_t n = text_length(p, (size_t)(mark - p));
            if (n > width)
                width = n;
        }
        p = nl ? nl + 1 : end;
    }
    *id_width = width;
    RgBuf out;
    buf_init(&out);
    buf_reserve(&out, b->len + b->len / 4);
    p = b->data;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl + 1 : end;
        const char *mark = memchr(p, TABLE_PAD_MARK, (size_t)(line_end - p));
        if (!mark) {
            buf_add(&out, p, (size_t)(line_end - p));
        } else {
            buf_add(&out, p, (size_t)(mark - p));
            for (size_t n = text_length(p, (size_t)(mark - p)); n <= width; n++)
                buf_addc(&out, ' ');
            buf_add(&out, mark + 1, (size_t)(line_end - mark - 1));
        }
        p = line_end;
    }
    buf_clear(b);
    buf_add(b, out.data, out.len);
}

/* An encoded constant piece of output. */
typedef struct Piece {
    const char *s;
    size_t n;
} Piece;

typedef struct DecisionPlan {
    Piece head;    /* {"decision":"name","id": */
    Piece *words;  /* ,"outcome":"word","reasons":[ */
    Piece *fields; /* ,"field": */
} DecisionPlan;

struct OutputPlan {
    const Program *p;
    DecisionPlan *decisions;
    Piece *rules;  /* {"ref":"A1","severity":"must","message": */
};

static Piece piece(RgBuf *b)
{
    Piece pc = {buf_dup(b), b->len};
    buf_clear(b);
    return pc;
}

OutputPlan *output_plan(const Program *p)
{
    OutputPlan *plan = rg_alloc(sizeof *plan);
    plan->p = p;
    RgBuf b;
    buf_init(&b);
    plan->rules = rg_alloc((p->nrules ? p->nrules : 1) * sizeof(Piece));
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        buf_adds(&b, "{\"ref\":");
        json_write_string(&b, r->ref, strlen(r->ref));
        buf_printf(&b, ",\"severity\":\"%s\",\"message\":", severity_word(r->severity));
        plan->rules[i] = piece(&b);
    }
    plan->decisions = rg_alloc((p->ndecisions ? p->ndecisions : 1) * sizeof(DecisionPlan));
    for (uint32_t k = 0; k < p->ndecisions; k++) {
        const DecisionInfo *d = &p->decisions[k];
        DecisionPlan *dp = &plan->decisions[k];
        buf_adds(&b, "{\"decision\":");
        json_write_string(&b, d->name, strlen(d->name));
        buf_adds(&b, ",\"id\":");
        dp->head = piece(&b);
        dp->words = rg_alloc((d->nwords + 1) * sizeof(Piece));
        for (uint32_t i = 0; i <= d->nwords; i++) {
            const char *w = i < d->nwords ? d->words[i] : OUTCOME_ERROR;
            buf_adds(&b, ",\"outcome\":");
            json_write_string(&b, w, strlen(w));
            buf_adds(&b, ",\"reasons\":[");
            dp->words[i] = piece(&b);
        }
        dp->fields = rg_alloc((d->nfields ? d->nfields : 1) * sizeof(Piece));
        for (uint32_t i = 0; i < d->nfields; i++) {
            buf_addc(&b, ',');
            json_write_string(&b, d->fields[i], strlen(d->fields[i]));
            buf_addc(&b, ':');
            dp->fields[i] = piece(&b);
        }
    }
    return plan;
}

void output_verdict(RgBuf *b, OutputFormat f, const OutputPlan *plan, uint32_t di, const Verdict *v)
{
    const Program *p = plan->p;
    const DecisionInfo *d = &p->decisions[di];
    bool known = v->word >= 0 && (uint32_t)v->word < d->nwords;
    const char *word = known ? d->words[v->word] : OUTCOME_ERROR;
    switch (f) {
    case OUT_JSONL: {
        const DecisionPlan *dp = &plan->decisions[di];
        buf_add(b, dp->head.s, dp->head.n);
        if (v->key.tag == V_TEXT)
            json_write_string(b, v->key.as.s, v->key.aux);
        else
            buf_add(b, "null", 4);
        const Piece *w = &dp->words[known ? (uint32_t)v->word : d->nwords];
        buf_add(b, w->s, w->n);
        for (uint32_t i = 0; i < v->nreasons; i++) {
            const Piece *r = &plan->rules[v->reasons[i].rule];
            if (i)
                buf_addc(b, ',');
            buf_add(b, r->s, r->n);
            value_write_json(b, v->reasons[i].message);
            buf_addc(b, '}');
        }
        buf_addc(b, ']');
        /* A field without a value is left out of the line, not written
         * as null: "st_ko's ej_komplett lines carry no plats". */
        for (uint32_t i = 0; i < d->nfields; i++) {
            if (v->fields[i].tag == V_NONE)
                continue;
            buf_add(b, dp->fields[i].s, dp->fields[i].n);
            value_write_json(b, v->fields[i]);
        }
        buf_add(b, "}\n", 2);
        break;
    }
    case OUT_TABLE:
        table_id(b, v->key);
        buf_adds(b, word);
        if (d->nfields) {
            /* Fields line up whatever the outcome word. */
            size_t width = 0;
            for (uint32_t i = 0; i < d->nwords; i++) {
                size_t n = text_length(d->words[i], strlen(d->words[i]));
                if (n > width)
                    width = n;
            }
            for (size_t n = text_length(word, strlen(word)); n < width; n++)
                buf_addc(b, ' ');
            bool any = false;
            for (uint32_t i = 0; i < d->nfields; i++) {
                if (v->fields[i].tag == V_NONE)
                    continue;
                buf_adds(b, any ? ", " : "   (");
                any = true;
                buf_printf(b, "%s: ", d->fields[i]);
                value_render(b, v->fields[i]);
            }
            if (any)
                buf_addc(b, ')');
        }
        buf_addc(b, '\n');
        for (uint32_t i = 0; i < v->nreasons; i++) {
            const RuleInfo *r = &p->rules[v->reasons[i].rule];
            size_t line_start = b->len;
            buf_printf(b, "      %-5s %-6s ", r->ref, severity_word(r->severity));
            size_t start = b->len;
            value_render(b, v->reasons[i].message);
            /* A message of several lines goes on under its first line. */
            if (memchr(b->data + start, '\n', b->len - start)) {
                size_t n = b->len - start, indent = text_length(b->data + line_start, start - line_start);
                char *m = rg_strndup(b->data + start, n);
                b->len = start;
                for (size_t k = 0; k < n; k++) {
                    buf_addc(b, m[k]);
                    for (size_t s = 0; m[k] == '\n' && k + 1 < n && s < indent; s++)
                        buf_addc(b, ' ');
                }
            }
            buf_addc(b, '\n');
        }
        break;
    case OUT_CSV: {
        csv_cell_str(b, d->name);
        buf_addc(b, ',');
        if (v->key.tag == V_TEXT)
            csv_cell(b, v->key.as.s, v->key.aux);
        buf_addc(b, ',');
        csv_cell_str(b, word);
        RgBuf refs, msgs, fields;
        buf_init(&refs);
        buf_init(&msgs);
        buf_init(&fields);
        for (uint32_t i = 0; i < v->nreasons; i++) {
            if (i) {
                buf_adds(&refs, " ");
                buf_adds(&msgs, " | ");
            }
            buf_adds(&refs, p->rules[v->reasons[i].rule].ref);
            value_render(&msgs, v->reasons[i].message);
        }
        for (uint32_t i = 0; i < d->nfields; i++) {
            if (v->fields[i].tag == V_NONE)
                continue;
            if (fields.len)
                buf_adds(&fields, "; ");
            buf_printf(&fields, "%s=", d->fields[i]);
            value_render(&fields, v->fields[i]);
        }
        buf_addc(b, ',');
        csv_cell(b, refs.data ? refs.data : "", refs.len);
        buf_addc(b, ',');
        csv_cell(b, msgs.data ? msgs.data : "", msgs.len);
        buf_addc(b, ',');
        csv_cell(b, fields.data ? fields.data : "", fields.len);
        buf_adds(b, "\r\n");
        break;
    }
    }
}

void output_failure(RgBuf *b, OutputFormat f, const DecisionInfo *d, Value key, const char *error)
{
    switch (f) {
    case OUT_JSONL:
        jsonl_head(b, d->name, key, OUTCOME_ERROR);
        buf_adds(b, ",\"reasons\":[{\"ref\":\"" OUTCOME_ERROR "\",\"severity\":\"must\",\"message\":");
        json_write_string(b, error, strlen(error));
        buf_adds(b, "}]}\n");
        break;
    case OUT_TABLE:
        table_id(b, key);
        buf_adds(b, OUTCOME_ERROR "\n");
        buf_printf(b, "      %-5s %-6s %s\n", OUTCOME_ERROR, "must", error);
        break;
    case OUT_CSV:
        csv_cell_str(b, d->name);
        buf_addc(b, ',');
        if (key.tag == V_TEXT)
            csv_cell(b, key.as.s, key.aux);
        buf_adds(b, "," OUTCOME_ERROR "," OUTCOME_ERROR ",");
        csv_cell_str(b, error);
        buf_adds(b, ",\r\n");
        break;
    }
}
