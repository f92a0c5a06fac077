/*
 * output.c — writing verdicts as JSON Lines, a table, or CSV.
 */
#include "output.h"

#include <string.h>

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

static void table_id(RgBuf *b, Value key)
{
    enum { ID_WIDTH = 28 };
    buf_adds(b, "  ");
    size_t n = 0;
    if (key.tag == V_TEXT) {
        buf_add(b, key.as.s, key.aux);
        n = text_length(key.as.s, key.aux);
    } else {
        buf_adds(b, "-");
        n = 1;
    }
    for (; n < ID_WIDTH; n++)
        buf_addc(b, ' ');
    buf_addc(b, ' ');
}

void output_verdict(RgBuf *b, OutputFormat f, const Program *p, const DecisionInfo *d, const Verdict *v)
{
    const char *word = v->word >= 0 && (uint32_t)v->word < d->nwords ? d->words[v->word] : OUTCOME_ERROR;
    switch (f) {
    case OUT_JSONL:
        jsonl_head(b, d->name, v->key, word);
        buf_adds(b, ",\"reasons\":[");
        for (uint32_t i = 0; i < v->nreasons; i++) {
            const RuleInfo *r = &p->rules[v->reasons[i].rule];
            if (i)
                buf_addc(b, ',');
            buf_adds(b, "{\"ref\":");
            json_write_string(b, r->ref, strlen(r->ref));
            buf_adds(b, r->severity == SEV_SHOULD ? ",\"severity\":\"should\",\"message\":"
                                                  : ",\"severity\":\"must\",\"message\":");
            value_write_json(b, v->reasons[i].message);
            buf_addc(b, '}');
        }
        buf_addc(b, ']');
        for (uint32_t i = 0; i < d->nfields; i++) {
            buf_addc(b, ',');
            json_write_string(b, d->fields[i], strlen(d->fields[i]));
            buf_addc(b, ':');
            value_write_json(b, v->fields[i]);
        }
        buf_adds(b, "}\n");
        break;
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
            buf_adds(b, "   (");
            for (uint32_t i = 0; i < d->nfields; i++) {
                if (i)
                    buf_adds(b, ", ");
                buf_printf(b, "%s: ", d->fields[i]);
                value_render(b, v->fields[i]);
            }
            buf_addc(b, ')');
        }
        buf_addc(b, '\n');
        for (uint32_t i = 0; i < v->nreasons; i++) {
            const RuleInfo *r = &p->rules[v->reasons[i].rule];
            buf_printf(b, "      %-5s %-6s ", r->ref, severity_word(r->severity));
            value_render(b, v->reasons[i].message);
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
            if (i)
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
