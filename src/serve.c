/*
 * serve.c — `regel serve`: the decisions of a policy as an HTTP service.
 *
 *   POST /v1/decisions/NAME         one record (a JSON object) -> the line `regel run` writes for it
 *   POST /v1/decisions/NAME/batch   JSON Lines -> one line per input line
 *   GET  /v1/decisions              the decisions, their record types, outcomes and rules
 *   GET  /health, GET /metrics      liveness; Prometheus text
 *   POST /v1/reload                 (with --allow-reload) as SIGHUP
 *
 * A "version" is a compiled program with its lookup data, loaded and
 * indexed once and shared read-only by all request threads. Contexts are
 * not thread-safe, so each version keeps a pool of contexts that a request
 * borrows for its duration. A reload builds a new version beside the old
 * one and swaps a pointer; versions are reference counted, so a request in
 * flight finishes on the version it started with, and the old one is freed
 * by whoever lets go of it last.
 *
 * The server is libmicrohttpd with a thread pool (epoll). The main thread
 * only waits for signals: SIGHUP reloads, SIGTERM and SIGINT drain.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "embed.h"
#include "json.h"
#include "types.h"
#include "regel.h"

/* ---------------------------------------------------------------- strings */

/* A growable malloc'd byte string; responses are handed to libmicrohttpd,
 * which frees them with free(). When memory runs out the string stops
 * growing and remembers it (failed): whoever built it answers 503 instead
 * of sending a truncated text, and the server goes on serving. */
typedef struct Str {
    char *s;
    size_t len, cap;
    bool failed;
} Str;

static bool str_room(Str *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    if (n > SIZE_MAX / 4 - b->len) {
        b->failed = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

static void str_add(Str *b, const char *s, size_t n)
{
    if (!str_room(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void str_adds(Str *b, const char *s)
{
    str_add(b, s, strlen(s));
}

static void str_printf(Str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void str_printf(Str *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !str_room(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t k = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
                                : s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((k == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (k == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
        (k == 4 && s[0] == 0xf0 && s[1] < 0x90) || (k == 4 && s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return k;
}

/* s as a JSON string (null for NULL). Bytes that are not UTF-8 become
 * U+FFFD, so every answer is valid JSON whatever a client sent. */
static void str_json(Str *b, const char *s, size_t n)
{
    if (!s) {
        str_adds(b, "null");
        return;
    }
    if (!str_room(b, n + 2))
        return;
    b->s[b->len++] = '"';
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            str_add(b, e, 2);
            p++;
        } else if (c < 0x20) {
            str_printf(b, "\\u%04x", c);
            p++;
        } else {
            size_t k = utf8_len(p, (size_t)(end - p));
            if (k == 0) {
                str_adds(b, "\xEF\xBF\xBD");
                p++;
            } else {
                str_add(b, (const char *)p, k);
                p += k;
            }
        }
    }
    str_add(b, "\"", 1);
}

static void str_jsons(Str *b, const char *s)
{
    str_json(b, s, s ? strlen(s) : 0);
}

/* ---------------------------------------------------------------- configuration */

typedef struct Config {
    char **policies;
    int npolicies;
    const char *data_dir;
    const char *today;
    struct sockaddr_storage addr; /* what --listen names: IPv4 or IPv6 */
    bool ipv6;
    const char *listen;
    unsigned threads;
    /* With a token, only its SHA-256 is kept: requests are compared with
     * it, and the token itself is not left in the process's memory. */
    bool auth;
    unsigned char token_hash[crypto_hash_sha256_BYTES];
    const char *token_file;
    bool allow_reload;
    const char *public_key_file;
    unsigned char public_key[REGEL_PUBLIC_KEY_BYTES];
    const char *audit_path;
    bool sync_line;          /* fsync after every audit write */
    long sync_interval_ms;   /* else fsync this often (0: leave it to the system) */
    unsigned long long audit_max_bytes;
    size_t max_body, max_batch_body;
    unsigned long long max_buffered; /* request bodies held at once, all connections */
    unsigned max_connections;
    unsigned timeout_s;
    unsigned request_timeout_s; /* from a request's headers to its answer; 0: none */
    unsigned drain_s;
    regel_limits limits;
} Config;

static Config cfg;

/* ---------------------------------------------------------------- metrics */

enum { EP_DECIDE, EP_BATCH, EP_LIST, EP_HEALTH, EP_METRICS, EP_RELOAD, EP_OTHER, NENDPOINTS };
static const char *const endpoint_names[NENDPOINTS] = {"decide", "batch", "decisions", "health",
                                                       "metrics", "reload", "other"};
static const int status_codes[] = {200, 400, 401, 404, 405, 413, 415, 500, 503};
#define NSTATUS (sizeof status_codes / sizeof status_codes[0] + 1) /* the last: any other */
static const double buckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                 0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

enum {
    ERR_INPUT, ERR_EVAL, ERR_LIMIT, ERR_AUDIT, ERR_OVERLOAD, ERR_TOO_LARGE, ERR_AUTH, ERR_TIMEOUT, ERR_MEMORY,
    NERRKINDS
};
static const char *const error_names[NERRKINDS] = {"invalid_input", "evaluation",   "limit",
                                                   "audit_write",   "overload",     "body_too_large",
                                                   "unauthorized",  "request_timeout", "out_of_memory"};

/* Decisions by outcome: one counter per (decision, outcome) ever loaded,
 * so counts survive reloads; a version holds pointers to its counters and
 * the hot path only adds. */
typedef struct OutcomeCounter {
    char *decision, *outcome;
    atomic_ullong n;
} OutcomeCounter;
#define MAX_OUTCOME_COUNTERS 1024

static struct {
    atomic_ullong requests[NENDPOINTS][NSTATUS];
    atomic_ullong hist[NENDPOINTS][NBUCKETS];
    atomic_ullong hist_count[NENDPOINTS];
    atomic_ullong hist_sum_us[NENDPOINTS];
    atomic_ullong errors[NERRKINDS];
    atomic_ullong reloads_ok, reloads_failed;
    atomic_long in_flight, connections;
    atomic_ullong buffered;
    pthread_mutex_t lock; /* the outcome table's growth */
    OutcomeCounter counters[MAX_OUTCOME_COUNTERS];
    atomic_size_t ncounters;
    OutcomeCounter overflow; /* when the table is full */
} M = {.lock = PTHREAD_MUTEX_INITIALIZER};

static atomic_ullong *outcome_counter(const char *decision, const char *outcome)
{
    pthread_mutex_lock(&M.lock);
    size_t n = atomic_load(&M.ncounters);
    atomic_ullong *c = &M.overflow.n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(M.counters[i].decision, decision) == 0 && strcmp(M.counters[i].outcome, outcome) == 0) {
            c = &M.counters[i].n;
            goto done;
        }
    if (n < MAX_OUTCOME_COUNTERS) {
        M.counters[n].decision = strdup(decision);
        M.counters[n].outcome = strdup(outcome);
        if (M.counters[n].decision && M.counters[n].outcome) {
            c = &M.counters[n].n;
            atomic_store(&M.ncounters, n + 1);
        }
    }
done:
    pthread_mutex_unlock(&M.lock);
    return c;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void count_request(int ep, int status, double seconds)
{
    size_t si = NSTATUS - 1;
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (status_codes[i] == status)
            si = i;
    atomic_fetch_add_explicit(&M.requests[ep][si], 1, memory_order_relaxed);
    for (size_t i = 0; i < NBUCKETS; i++)
        if (seconds <= buckets[i]) {
            atomic_fetch_add_explicit(&M.hist[ep][i], 1, memory_order_relaxed);
            break; /* cumulated when written */
        }
    atomic_fetch_add_explicit(&M.hist_count[ep], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&M.hist_sum_us[ep], (unsigned long long)(seconds * 1e6), memory_order_relaxed);
}

static void count_error(int kind)
{
    atomic_fetch_add_explicit(&M.errors[kind], 1, memory_order_relaxed);
}

/* ---------------------------------------------------------------- logging */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* One line on standard error with the time: the service's log. */
static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s regel serve: ", when);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    va_end(ap);
}

/* ---------------------------------------------------------------- versions */

typedef struct Decision {
    const char *name;
    int index;
    int type;           /* the record type a request sends, or -1: computed subjects */
    const char *source; /* the source whose records it decides, or NULL */
    atomic_ullong **outcomes; /* per outcome word, then "fel", then "skipped" */
    size_t nwords;
} Decision;

/* What a request borrows: a context, and a record per decision to read
 * its input into (built on first use). */
typedef struct Slot {
    regel_context *ctx;
    regel_record **records;
    unsigned long today_gen; /* the day the context was made for (without --today) */
    struct Slot *next;
} Slot;

typedef struct Version {
    regel_program *program;
    regel_data *data;
    unsigned long id;
    char *policy_version;
    Decision *decisions;
    size_t ndecisions;
    Str catalog; /* the answer of GET /v1/decisions */
    int refs;    /* under cur_lock: `current` holds one, each request one */
    Slot *pool;  /* idle slots, under cur_lock */
} Version;

static pthread_mutex_t cur_lock = PTHREAD_MUTEX_INITIALIZER;
static Version *current;
static unsigned long next_version_id = 1;
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;
/* Bumped by the main thread when the machine's date changes, so contexts
 * without --today are remade for the new day. */
static atomic_ulong today_gen;

static void slot_free(Version *v, Slot *s)
{
    if (s->records)
        for (size_t i = 0; i < v->ndecisions; i++)
            regel_record_free(s->records[i]);
    free(s->records);
    regel_context_free(s->ctx);
    free(s);
}

static Slot *slot_new(Version *v)
{
    Slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->records = calloc(v->ndecisions ? v->ndecisions : 1, sizeof *s->records);
    regel_context_options o;
    regel_context_options_init(&o);
    o.today = cfg.today;
    o.limits = cfg.limits;
    o.data = v->data;
    s->today_gen = atomic_load(&today_gen);
    if (!s->records || regel_context_new(v->program, &o, &s->ctx) != REGEL_OK) {
        free(s->records);
        free(s);
        return NULL;
    }
    return s;
}

static void version_free(Version *v)
{
    if (!v)
        return;
    while (v->pool) {
        Slot *s = v->pool;
        v->pool = s->next;
        slot_free(v, s);
    }
    regel_data_free(v->data);
    regel_program_free(v->program);
    for (size_t i = 0; i < v->ndecisions; i++)
        free(v->decisions[i].outcomes);
    free(v->decisions);
    free(v->catalog.s);
    free(v->policy_version);
    free(v);
}

static void collect_diag(void *ctx, const regel_diagnostic *d)
{
    if (d->level == REGEL_LEVEL_ERROR || d->level == REGEL_LEVEL_NOTE)
        str_adds(ctx, d->text);
}

static void collect_report(void *ctx, const char *line)
{
    str_adds(ctx, line);
    str_adds(ctx, "\n");
}

static bool is_image(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".rgc") == 0;
}

/* The catalog: what each decision takes and can answer. */
static void build_catalog(Version *v)
{
    const Program *P = v->program->program;
    Str *b = &v->catalog;
    str_adds(b, "{\"policy_version\":");
    str_jsons(b, v->policy_version);
    str_adds(b, ",\"decisions\":[");
    for (size_t i = 0; i < v->ndecisions; i++) {
        const Decision *d = &v->decisions[i];
        const DecisionInfo *di = &P->decisions[d->index];
        str_adds(b, i ? ",{\"name\":" : "{\"name\":");
        str_jsons(b, d->name);
        str_adds(b, ",\"source\":");
        str_jsons(b, d->source);
        str_adds(b, ",\"record_type\":");
        str_jsons(b, di->source >= 0 ? P->sources[di->source]->type->name : NULL);
        str_adds(b, d->type >= 0 ? ",\"accepts_records\":true" : ",\"accepts_records\":false");
        /* The keys a request's object has, with their types: a client
         * needs no policy text to build one. */
        str_adds(b, ",\"record_fields\":[");
        const RecordType *rt = di->source >= 0 ? P->sources[di->source]->type : NULL;
        for (size_t k = 0; rt && k < rt->nfields; k++) {
            str_adds(b, k ? ",{\"key\":" : "{\"key\":");
            str_jsons(b, rt->fields[k].column);
            str_adds(b, ",\"field\":");
            str_jsons(b, rt->fields[k].name);
            str_adds(b, ",\"type\":");
            str_jsons(b, type_name(rt->fields[k].type));
            str_adds(b, "}");
        }
        str_adds(b, "]");
        str_adds(b, ",\"outcomes\":[");
        for (uint32_t k = 0; k < di->nwords; k++) {
            if (k)
                str_adds(b, ",");
            str_jsons(b, di->words[k]);
        }
        str_adds(b, "],\"fields\":[");
        for (uint32_t k = 0; k < di->nfields; k++) {
            if (k)
                str_adds(b, ",");
            str_jsons(b, di->fields[k]);
        }
        str_adds(b, "],\"rules\":[");
        for (uint32_t k = 0; k < di->nrules; k++) {
            const RuleInfo *r = &P->rules[di->rules[k]];
            str_adds(b, k ? ",{\"ref\":" : "{\"ref\":");
            str_jsons(b, r->ref);
            str_adds(b, r->severity == SEV_SHOULD ? ",\"severity\":\"should\"}" : ",\"severity\":\"must\"}");
        }
        str_adds(b, "]}");
    }
    str_adds(b, "]}");
}

/* Compiles (or loads) the policy and loads its data; NULL with the
 * problems in *err. Nothing here touches the version that is serving. */
static Version *version_load(Str *err)
{
    Version *v = calloc(1, sizeof *v);
    if (!v) {
        str_adds(err, "out of memory\n");
        return NULL;
    }
    regel_status st;
    bool image = cfg.npolicies == 1 && is_image(cfg.policies[0]);
    if (cfg.public_key_file && !image) {
        str_adds(err, "--public-key accepts only one signed .rgc file as the policy\n");
        goto fail;
    }
    if (image)
        st = regel_program_load(cfg.policies[0], cfg.public_key_file ? cfg.public_key : NULL, collect_diag, err,
                                &v->program);
    else
        st = regel_compile_files((const char *const *)cfg.policies, (size_t)cfg.npolicies, collect_diag, err,
                                 &v->program);
    if (st != REGEL_OK) {
        if (!err->len)
            str_printf(err, "the policy could not be loaded (status %d)\n", (int)st);
        goto fail;
    }
    if (regel_data_new(v->program, &v->data) != REGEL_OK ||
        regel_data_load(v->data, cfg.data_dir, collect_report, err) != REGEL_OK) {
        if (!err->len)
            str_adds(err, "the data could not be loaded\n");
        goto fail;
    }
    v->policy_version = strdup(regel_program_version(v->program));
    const Program *P = v->program->program;
    v->ndecisions = regel_decision_count(v->program);
    v->decisions = calloc(v->ndecisions ? v->ndecisions : 1, sizeof *v->decisions);
    if (!v->policy_version || !v->decisions)
        goto nomem;
    for (size_t i = 0; i < v->ndecisions; i++) {
        Decision *d = &v->decisions[i];
        d->name = regel_decision_name(v->program, i);
        d->index = regel_decision_index(v->program, d->name);
        const DecisionInfo *di = &P->decisions[d->index];
        d->source = di->source >= 0 ? P->sources[di->source]->name : NULL;
        d->type = d->source ? regel_source_record_type(v->program, d->source) : -1;
        d->nwords = di->nwords;
        d->outcomes = calloc(di->nwords + 2, sizeof *d->outcomes);
        if (!d->outcomes)
            goto nomem;
        for (uint32_t k = 0; k < di->nwords; k++)
            d->outcomes[k] = outcome_counter(d->name, di->words[k]);
        d->outcomes[di->nwords] = outcome_counter(d->name, "fel");
        d->outcomes[di->nwords + 1] = outcome_counter(d->name, "skipped");
    }
    /* The first context indexes the data now, not on the first request. */
    Slot *s = slot_new(v);
    if (!s)
        goto nomem;
    s->next = v->pool;
    v->pool = s;
    build_catalog(v);
    if (v->catalog.failed)
        goto nomem;
    return v;
nomem:
    str_adds(err, "out of memory while loading the policy\n");
fail:
    version_free(v);
    return NULL;
}

typedef struct Lease {
    Version *v;
    Slot *slot;
} Lease;

/* Borrows the current version and a context of it. */
static bool lease_get(Lease *l)
{
    pthread_mutex_lock(&cur_lock);
    Version *v = current;
    v->refs++;
    Slot *s = v->pool;
    if (s)
        v->pool = s->next;
    pthread_mutex_unlock(&cur_lock);
    if (s && !cfg.today && s->today_gen != atomic_load(&today_gen)) {
        slot_free(v, s); /* made for yesterday */
        s = NULL;
    }
    if (!s)
        s = slot_new(v);
    l->v = v;
    l->slot = s;
    if (!s) {
        pthread_mutex_lock(&cur_lock);
        bool dead = --v->refs == 0;
        pthread_mutex_unlock(&cur_lock);
        if (dead)
            version_free(v);
        return false;
    }
    return true;
}

static void lease_put(Lease *l)
{
    Version *v = l->v;
    pthread_mutex_lock(&cur_lock);
    l->slot->next = v->pool;
    v->pool = l->slot;
    bool dead = --v->refs == 0;
    pthread_mutex_unlock(&cur_lock);
    if (dead)
        version_free(v); /* replaced, and this was its last request */
}

/* Builds a new version and swaps it in; the old one keeps serving when
 * the new one cannot be built. The message goes to *msg either way. */
static bool reload(Str *msg, const char *why)
{
    pthread_mutex_lock(&reload_lock);
    Str err = {0};
    Version *v = version_load(&err);
    bool ok = v != NULL;
    if (ok) {
        v->refs = 1;
        pthread_mutex_lock(&cur_lock);
        v->id = next_version_id++;
        Version *old = current;
        current = v;
        bool dead = --old->refs == 0;
        pthread_mutex_unlock(&cur_lock);
        if (dead)
            version_free(old);
        atomic_fetch_add(&M.reloads_ok, 1);
        str_printf(msg, "reloaded (%s): policy version %s", why, v->policy_version);
        log_line("reloaded (%s): policy version %s", why, v->policy_version);
    } else {
        atomic_fetch_add(&M.reloads_failed, 1);
        while (err.len && err.s[err.len - 1] == '\n')
            err.s[--err.len] = '\0';
        str_printf(msg, "reload (%s) failed; the previous version keeps serving:\n%s", why, err.s ? err.s : "");
        log_line("reload (%s) failed; the previous version keeps serving:\n%s", why, err.s ? err.s : "");
    }
    free(err.s);
    pthread_mutex_unlock(&reload_lock);
    return ok;
}

/* ---------------------------------------------------------------- audit log */

static struct {
    pthread_mutex_t lock;
    int fd;
    unsigned long long size;
    bool dirty;
    unsigned rotation; /* the last FILE.N written */
} audit = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

static bool audit_open(void)
{
    audit.fd = open(cfg.audit_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (audit.fd < 0)
        return false;
    struct stat st;
    audit.size = fstat(audit.fd, &st) == 0 ? (unsigned long long)st.st_size : 0;
    return true;
}

/* Moves a full log to FILE.N (the next free N) and starts a new one. */
static void audit_rotate(void)
{
    fsync(audit.fd);
    close(audit.fd);
    audit.fd = -1;
    size_t n = strlen(cfg.audit_path) + 16;
    char *name = malloc(n);
    if (name) {
        struct stat st;
        do
            snprintf(name, n, "%s.%u", cfg.audit_path, ++audit.rotation);
        while (stat(name, &st) == 0);
        if (rename(cfg.audit_path, name) != 0)
            log_line("cannot rotate the audit log to %s: %s", name, strerror(errno));
        free(name);
    }
    if (!audit_open())
        log_line("cannot reopen the audit log %s: %s", cfg.audit_path, strerror(errno));
}

/* Appends whole lines with one write(), so that each line is in the file
 * completely or not at all; a decision is answered only once its line is
 * written. */
static bool audit_write(const Str *lines)
{
    if (!cfg.audit_path || lines->len == 0)
        return true;
    pthread_mutex_lock(&audit.lock);
    bool ok = audit.fd >= 0;
    if (ok) {
        ssize_t w = write(audit.fd, lines->s, lines->len);
        ok = w == (ssize_t)lines->len;
        if (w > 0)
            audit.size += (unsigned long long)w;
        if (ok && cfg.sync_line)
            ok = fdatasync(audit.fd) == 0;
        audit.dirty = true;
        if (cfg.audit_max_bytes && audit.size >= cfg.audit_max_bytes)
            audit_rotate();
    }
    pthread_mutex_unlock(&audit.lock);
    if (!ok)
        count_error(ERR_AUDIT);
    return ok;
}

static void audit_sync(void)
{
    pthread_mutex_lock(&audit.lock);
    if (audit.fd >= 0 && audit.dirty) {
        fdatasync(audit.fd);
        audit.dirty = false;
    }
    pthread_mutex_unlock(&audit.lock);
}

/* What --audit-fields lets the audit show, as a tree of export names: a
 * path such as adress.gata is the member gata of the object adress. A
 * node that ends a path (whole) shows its value as sent, whatever it
 * holds; any other node shows only the members named below it. */
typedef struct AuditPath {
    char *name;
    bool whole;
    struct AuditPath *sub;
    size_t nsub;
} AuditPath;

static AuditPath audit_paths;

/* Adds one dotted path; false for an empty name (a.b., .a, a..b) or
 * when memory runs out. */
static bool audit_path_add(const char *path)
{
    AuditPath *node = &audit_paths;
    for (const char *seg = path;;) {
        const char *dot = strchr(seg, '.');
        size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
        if (n == 0)
            return false;
        AuditPath *next = NULL;
        for (size_t i = 0; i < node->nsub && !next; i++)
            if (strlen(node->sub[i].name) == n && memcmp(node->sub[i].name, seg, n) == 0)
                next = &node->sub[i];
        if (!next) {
            AuditPath *sub = realloc(node->sub, (node->nsub + 1) * sizeof *sub);
            if (!sub)
                return false;
            node->sub = sub;
            next = &sub[node->nsub];
            *next = (AuditPath){.name = strndup(seg, n)};
            if (!next->name)
                return false;
            node->nsub++;
        }
        node = next;
        if (!dot) {
            node->whole = true; /* a.b and a: all of a */
            return true;
        }
        seg = dot + 1;
    }
}

static bool audit_mask_array(JsonParser *j, const AuditPath *node, Str *b);

/* The object at j, with only the members node names. */
static bool audit_mask_object(JsonParser *j, const AuditPath *node, Str *b)
{
    if (!json_object_begin(j))
        return false;
    str_adds(b, "{");
    bool first = true;
    const char *key;
    size_t klen;
    int more;
    while ((more = json_object_next(j, &key, &klen)) > 0) {
        const AuditPath *sub = NULL;
        for (size_t i = 0; i < node->nsub && !sub; i++)
            if (strlen(node->sub[i].name) == klen && memcmp(node->sub[i].name, key, klen) == 0)
                sub = &node->sub[i];
        JsonType t = json_peek(j);
        /* Below a path's end only objects and arrays are looked into: a
         * number or text there would show a value nobody named. */
        if (!sub || (!sub->whole && t != JSON_OBJECT && t != JSON_ARRAY)) {
            if (!json_skip(j))
                return false;
            continue;
        }
        if (!first)
            str_adds(b, ",");
        first = false;
        str_json(b, key, klen); /* written before the value is read: the key may live in the parser's scratch */
        str_adds(b, ":");
        if (sub->whole) {
            const char *from = j->p;
            if (!json_skip(j))
                return false;
            str_add(b, from, (size_t)(j->p - from));
        } else if (!(t == JSON_OBJECT ? audit_mask_object(j, sub, b) : audit_mask_array(j, sub, b))) {
            return false;
        }
    }
    str_adds(b, "}");
    return more == 0;
}

/* A path through an array applies to each of its elements, so that
 * kurser.kurs_id shows every course's id, in order; an element that is
 * not an object (nor an array) shows as null, keeping the positions. */
static bool audit_mask_array(JsonParser *j, const AuditPath *node, Str *b)
{
    if (!json_array_begin(j))
        return false;
    str_adds(b, "[");
    int more;
    for (bool first = true; (more = json_array_next(j)) > 0; first = false) {
        if (!first)
            str_adds(b, ",");
        JsonType t = json_peek(j);
        if (t == JSON_OBJECT || t == JSON_ARRAY) {
            if (!(t == JSON_OBJECT ? audit_mask_object(j, node, b) : audit_mask_array(j, node, b)))
                return false;
        } else {
            if (!json_skip(j))
                return false;
            str_adds(b, "null");
        }
    }
    str_adds(b, "]");
    return more == 0;
}

/* The parts of the input the audit may show (--audit-fields), as sent;
 * every other field, names above all, stays out of the log. Input that is
 * not an object (the decision refused it anyway) shows as null. */
static void audit_fields(Str *b, const char *json, size_t len)
{
    str_adds(b, ",\"fields\":");
    size_t mark = b->len;
    JsonParser j;
    json_init(&j, json, len, JSON_MAX_DEPTH_DEFAULT);
    if (json_peek(&j) != JSON_OBJECT || !audit_mask_object(&j, &audit_paths, b)) {
        b->len = mark;
        str_adds(b, "null");
    }
}

static void audit_line(Str *b, const char *id, const char *decision, const regel_result *r, const char *outcome,
                       const char *policy_version, const char *input, size_t input_len)
{
    if (!cfg.audit_path)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)input, input_len);
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    str_adds(b, "{\"id\":");
    str_jsons(b, id);
    str_printf(b, ",\"time\":\"%s\",\"decision\":", when);
    str_jsons(b, decision);
    str_adds(b, ",\"key\":");
    if (r && r->key)
        str_json(b, r->key, r->key_len);
    else
        str_adds(b, "null");
    str_adds(b, ",\"outcome\":");
    str_jsons(b, outcome);
    str_adds(b, ",\"failed\":[");
    for (size_t i = 0; r && i < r->nreasons; i++) {
        if (i)
            str_adds(b, ",");
        str_jsons(b, r->refs[i]);
    }
    str_adds(b, "],\"policy_version\":");
    str_jsons(b, policy_version);
    str_printf(b, ",\"input_sha256\":\"%s\"", hex);
    if (audit_paths.nsub)
        audit_fields(b, input, input_len);
    str_adds(b, "}\n");
}

/* ---------------------------------------------------------------- requests */

typedef struct Request {
    int endpoint;
    double start; /* when its headers were in: --request-timeout counts from here */
    Str body;
    bool too_large;
    unsigned long long reserved; /* bytes counted in M.buffered */
    char id[40];
} Request;

static atomic_bool draining;
static atomic_ullong request_counter;
static unsigned long long start_epoch;

/* Made at start, so that running out of memory can still be answered:
 * libmicrohttpd lets one response be queued on many connections. */
static struct MHD_Response *oom_response;

static enum MHD_Result respond_oom(struct MHD_Connection *c, Request *rq)
{
    count_error(ERR_MEMORY);
    if (rq)
        count_request(rq->endpoint, 503, now_s() - rq->start);
    return MHD_queue_response(c, 503, oom_response);
}

/* Hands body to libmicrohttpd (which frees it). A body that could not be
 * built whole, or a response that cannot be made, is answered with the
 * prepared 503; when not even that can be queued, the connection is
 * dropped: the server itself goes on. */
static enum MHD_Result respond(struct MHD_Connection *c, Request *rq, int status, Str *body, const char *type)
{
    if (body->failed) {
        free(body->s);
        body->s = NULL;
        return respond_oom(c, rq);
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(body->len, body->s ? body->s : (void *)"", body->s ? MHD_RESPMEM_MUST_FREE
                                                                                          : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body->s);
        body->s = NULL;
        return respond_oom(c, rq);
    }
    body->s = NULL; /* libmicrohttpd frees it */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (rq)
        MHD_add_response_header(r, "X-Request-Id", rq->id);
    if (atomic_load(&draining) || status == 503 || status == 413)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    if (rq)
        count_request(rq->endpoint, status, now_s() - rq->start);
    return ret;
}

/* message is NULL when building it ran out of memory. */
static enum MHD_Result respond_error(struct MHD_Connection *c, Request *rq, int status, const char *message)
{
    if (!message)
        return respond_oom(c, rq);
    Str b = {0};
    str_adds(&b, "{\"error\":");
    str_jsons(&b, message);
    str_adds(&b, "}\n");
    return respond(c, rq, status, &b, "application/json");
}

static const Decision *find_decision(const Version *v, const char *name, size_t len)
{
    for (size_t i = 0; i < v->ndecisions; i++)
        if (strlen(v->decisions[i].name) == len && memcmp(v->decisions[i].name, name, len) == 0)
            return &v->decisions[i];
    return NULL;
}

/* Decides one record (one line of the body); the answer line goes to out
 * (without a newline), the audit line to audit. Returns the status the
 * line stands for: 200, or 400 for input that is not a record. */
static int decide_one(Lease *l, const Decision *d, const char *id, long line, const char *json, size_t len,
                      Str *out, Str *aud)
{
    regel_record **rp = &l->slot->records[d - l->v->decisions];
    if (!*rp && regel_record_new(l->v->program, d->type, rp) != REGEL_OK) {
        str_adds(out, "{\"error\":\"out of memory\"}");
        return 500;
    }
    regel_context *ctx = l->slot->ctx;
    if (regel_record_read_json(*rp, "request", line, json, len) != REGEL_OK) {
        count_error(ERR_INPUT);
        str_printf(out, "{\"line\":%ld,\"error\":", line);
        str_jsons(out, regel_record_error(*rp));
        str_adds(out, "}");
        return 400;
    }
    const regel_result *r;
    regel_status st = regel_decide(ctx, d->index, *rp, &r);
    const char *lj = NULL;
    size_t lj_len = 0;
    if (st == REGEL_OK && !r->skipped)
        st = regel_result_json(ctx, &lj, &lj_len);
    if (st == REGEL_OK && r->skipped) {
        atomic_fetch_add_explicit(d->outcomes[d->nwords + 1], 1, memory_order_relaxed);
        str_adds(out, "{\"decision\":");
        str_jsons(out, d->name);
        str_adds(out, ",\"skipped\":true}");
        audit_line(aud, id, d->name, r, NULL, l->v->policy_version, json, len);
        return 200;
    }
    if (st == REGEL_OK) {
        atomic_fetch_add_explicit(d->outcomes[r->outcome >= 0 ? (size_t)r->outcome : d->nwords], 1,
                                  memory_order_relaxed);
        str_add(out, lj, lj_len);
        audit_line(aud, id, d->name, r, r->outcome_word, l->v->policy_version, json, len);
        return 200;
    }
    if (st == REGEL_ERR_USAGE) {
        count_error(ERR_INPUT);
        str_printf(out, "{\"line\":%ld,\"error\":", line);
        str_jsons(out, regel_context_error(ctx));
        str_adds(out, "}");
        return 400;
    }
    /* As `regel run` writes a decision that failed: the outcome fel, with
     * the error as its reason. */
    count_error(st == REGEL_ERR_LIMIT ? ERR_LIMIT : ERR_EVAL);
    atomic_fetch_add_explicit(d->outcomes[d->nwords], 1, memory_order_relaxed);
    str_adds(out, "{\"decision\":");
    str_jsons(out, d->name);
    str_adds(out, ",\"id\":null,\"outcome\":\"fel\",\"reasons\":[{\"ref\":\"fel\",\"severity\":\"must\",\"message\":");
    str_jsons(out, regel_context_error(ctx) ? regel_context_error(ctx) : "the evaluation failed");
    str_adds(out, "}]}");
    audit_line(aud, id, d->name, NULL, "fel", l->v->policy_version, json, len);
    return 200;
}

static enum MHD_Result handle_decide(struct MHD_Connection *c, Request *rq, const char *name, size_t nlen, bool batch)
{
    Lease l;
    if (!lease_get(&l))
        return respond_error(c, rq, 503, "out of memory: no evaluation context");
    const Decision *d = find_decision(l.v, name, nlen);
    enum MHD_Result ret;
    if (!d) {
        Str m = {0};
        str_printf(&m, "there is no decision called '%.*s' (GET /v1/decisions lists them)", (int)nlen, name);
        ret = respond_error(c, rq, 404, m.s);
        free(m.s);
        lease_put(&l);
        return ret;
    }
    if (d->type < 0) {
        Str m = {0};
        str_printf(&m, "the decision '%s' decides subjects the policy computes, not records of a source: it takes "
                       "no record (regel run decides it)", d->name);
        ret = respond_error(c, rq, 400, m.s);
        free(m.s);
        lease_put(&l);
        return ret;
    }
    Str out = {0}, aud = {0};
    int status = 200;
    if (!batch) {
        /* A final newline is not part of the record (nor of its hash). */
        size_t n = rq->body.len;
        while (n && (rq->body.s[n - 1] == '\n' || rq->body.s[n - 1] == '\r'))
            n--;
        status = decide_one(&l, d, rq->id, 1, rq->body.s ? rq->body.s : "", n, &out, &aud);
        str_adds(&out, "\n");
    } else {
        const char *p = rq->body.s ? rq->body.s : "", *end = p + rq->body.len;
        long line = 0;
        char id[64];
        double deadline = cfg.request_timeout_s ? rq->start + cfg.request_timeout_s : 0;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *e = nl ? nl : end;
            line++;
            size_t n = (size_t)(e - p);
            if (n && p[n - 1] == '\r')
                n--;
            size_t i = 0;
            while (i < n && (p[i] == ' ' || p[i] == '\t'))
                i++;
            if (i < n && deadline && now_s() > deadline) {
                /* The lines decided so far are not answered (nor audited):
                 * a batch is answered whole or not at all. */
                lease_put(&l);
                free(out.s);
                free(aud.s);
                count_error(ERR_TIMEOUT);
                Str b = {0};
                str_printf(&b, "{\"error\":\"the batch took longer than --request-timeout (%u s) allows: stopped "
                               "before line %ld, and no line of it is answered; send smaller batches\",\"line\":%ld}\n",
                           cfg.request_timeout_s, line, line);
                return respond(c, rq, 503, &b, "application/json");
            }
            if (i < n) { /* blank lines mean nothing, as in an export */
                snprintf(id, sizeof id, "%s.%ld", rq->id, line);
                int s = decide_one(&l, d, id, line, p, n, &out, &aud);
                if (s == 500)
                    status = 500;
                str_adds(&out, "\n");
            }
            p = nl ? nl + 1 : end;
        }
    }
    lease_put(&l);
    if (out.failed || aud.failed) {
        free(out.s);
        free(aud.s);
        return respond_oom(c, rq);
    }
    if (!audit_write(&aud)) {
        free(out.s);
        free(aud.s);
        return respond_error(c, rq, 503, "the audit log cannot be written: no decision is given without it");
    }
    free(aud.s);
    return respond(c, rq, status, &out, batch ? "application/x-ndjson" : "application/json");
}

static void metrics_text(Str *b)
{
    str_adds(b, "# HELP regel_http_requests_total HTTP requests by endpoint and status.\n"
                "# TYPE regel_http_requests_total counter\n");
    for (int e = 0; e < NENDPOINTS; e++)
        for (size_t s = 0; s < NSTATUS; s++) {
            unsigned long long n = atomic_load(&M.requests[e][s]);
            if (!n)
                continue;
            if (s + 1 < NSTATUS)
                str_printf(b, "regel_http_requests_total{endpoint=\"%s\",code=\"%d\"} %llu\n", endpoint_names[e],
                           status_codes[s], n);
            else
                str_printf(b, "regel_http_requests_total{endpoint=\"%s\",code=\"other\"} %llu\n", endpoint_names[e], n);
        }
    str_adds(b, "# HELP regel_http_request_duration_seconds Time from a request's headers to its answer.\n"
                "# TYPE regel_http_request_duration_seconds histogram\n");
    for (int e = 0; e < NENDPOINTS; e++) {
        unsigned long long count = atomic_load(&M.hist_count[e]);
        if (!count)
            continue;
        unsigned long long cum = 0;
        for (size_t i = 0; i < NBUCKETS; i++) {
            cum += atomic_load(&M.hist[e][i]);
            str_printf(b, "regel_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
                       endpoint_names[e], buckets[i], cum);
        }
        str_printf(b, "regel_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
                   endpoint_names[e], count);
        str_printf(b, "regel_http_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n", endpoint_names[e],
                   (double)atomic_load(&M.hist_sum_us[e]) / 1e6);
        str_printf(b, "regel_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n", endpoint_names[e], count);
    }
    str_adds(b, "# HELP regel_decisions_total Decisions by decision and outcome (fel: failed; skipped: left out).\n"
                "# TYPE regel_decisions_total counter\n");
    size_t n = atomic_load(&M.ncounters);
    for (size_t i = 0; i < n; i++) {
        str_adds(b, "regel_decisions_total{decision=");
        str_jsons(b, M.counters[i].decision);
        str_adds(b, ",outcome=");
        str_jsons(b, M.counters[i].outcome);
        str_printf(b, "} %llu\n", (unsigned long long)atomic_load(&M.counters[i].n));
    }
    str_adds(b, "# HELP regel_errors_total Problems by kind.\n# TYPE regel_errors_total counter\n");
    for (int k = 0; k < NERRKINDS; k++)
        str_printf(b, "regel_errors_total{kind=\"%s\"} %llu\n", error_names[k],
                   (unsigned long long)atomic_load(&M.errors[k]));
    str_printf(b, "# HELP regel_reloads_total Reloads by result.\n# TYPE regel_reloads_total counter\n"
                  "regel_reloads_total{result=\"ok\"} %llu\nregel_reloads_total{result=\"failed\"} %llu\n",
               (unsigned long long)atomic_load(&M.reloads_ok), (unsigned long long)atomic_load(&M.reloads_failed));
    str_printf(b, "# HELP regel_in_flight_requests Requests being received or decided.\n"
                  "# TYPE regel_in_flight_requests gauge\nregel_in_flight_requests %ld\n"
                  "# HELP regel_open_connections Open client connections.\n"
                  "# TYPE regel_open_connections gauge\nregel_open_connections %ld\n",
               atomic_load(&M.in_flight), atomic_load(&M.connections));
    pthread_mutex_lock(&cur_lock);
    str_adds(b, "# HELP regel_policy_info The policy version serving.\n# TYPE regel_policy_info gauge\n"
                "regel_policy_info{policy_version=");
    str_jsons(b, current->policy_version);
    str_printf(b, ",generation=\"%lu\"} 1\n", current->id);
    pthread_mutex_unlock(&cur_lock);
}

static bool authorized(struct MHD_Connection *c)
{
    if (!cfg.auth)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) /* the scheme is case-insensitive (RFC 9110) */
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    /* The hashes are compared, in constant time: the answer's timing tells
     * nothing about how much of a guess was right, nor its length. */
    unsigned char got[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(got, (const unsigned char *)h, strlen(h));
    return sodium_memcmp(got, cfg.token_hash, sizeof got) == 0;
}

static int endpoint_of(const char *url, const char **name, size_t *nlen)
{
    static const char prefix[] = "/v1/decisions/";
    if (strcmp(url, "/v1/decisions") == 0)
        return EP_LIST;
    if (strcmp(url, "/health") == 0)
        return EP_HEALTH;
    if (strcmp(url, "/metrics") == 0)
        return EP_METRICS;
    if (strcmp(url, "/v1/reload") == 0)
        return EP_RELOAD;
    if (strncmp(url, prefix, sizeof prefix - 1) == 0) {
        const char *n = url + sizeof prefix - 1;
        const char *slash = strchr(n, '/');
        *name = n;
        if (!slash) {
            *nlen = strlen(n);
            return *nlen ? EP_DECIDE : EP_OTHER;
        }
        *nlen = (size_t)(slash - n);
        return strcmp(slash, "/batch") == 0 && *nlen ? EP_BATCH : EP_OTHER;
    }
    return EP_OTHER;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    Request *rq = *con_cls;
    const char *name = NULL;
    size_t nlen = 0;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        rq->start = now_s();
        rq->endpoint = endpoint_of(url, &name, &nlen);
        snprintf(rq->id, sizeof rq->id, "%llx-%llx", start_epoch,
                 (unsigned long long)atomic_fetch_add(&request_counter, 1) + 1);
        atomic_fetch_add(&M.in_flight, 1);
        bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
        bool needs_post = rq->endpoint == EP_DECIDE || rq->endpoint == EP_BATCH || rq->endpoint == EP_RELOAD;
        /* What can be refused from the headers alone is refused before a
         * byte of the body is read. */
        if (cfg.max_connections && atomic_load(&M.connections) > (long)cfg.max_connections) {
            count_error(ERR_OVERLOAD);
            return respond_error(c, rq, 503, "overloaded: too many connections; try again later");
        }
        if (rq->endpoint != EP_HEALTH && !authorized(c)) {
            count_error(ERR_AUTH);
            return respond_error(c, rq, 401, "a valid token is needed: Authorization: Bearer TOKEN");
        }
        if (rq->endpoint == EP_OTHER)
            return respond_error(c, rq, 404, "no such endpoint: POST /v1/decisions/NAME, POST "
                                             "/v1/decisions/NAME/batch, GET /v1/decisions, GET /health, GET /metrics");
        if (rq->endpoint == EP_RELOAD && !cfg.allow_reload)
            return respond_error(c, rq, 404, "reloading over HTTP is off (start regel serve with --allow-reload)");
        if (needs_post != post)
            return respond_error(c, rq, 405, needs_post ? "use POST" : "use GET");
        if (post) {
            size_t limit = rq->endpoint == EP_BATCH ? cfg.max_batch_body : cfg.max_body;
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            unsigned long long want = cl ? strtoull(cl, NULL, 10) : 0;
            if (want > limit) {
                count_error(ERR_TOO_LARGE);
                return respond_error(c, rq, 413, "the request body is too large");
            }
            /* Bodies held at once are bounded, so a flood of large
             * requests is refused instead of growing memory. */
            unsigned long long reserve = want ? want : 4096;
            if (atomic_fetch_add(&M.buffered, reserve) + reserve > cfg.max_buffered) {
                atomic_fetch_sub(&M.buffered, reserve);
                count_error(ERR_OVERLOAD);
                return respond_error(c, rq, 503, "overloaded: too many requests in progress; try again later");
            }
            rq->reserved = reserve;
        }
        return MHD_YES;
    }
    if (*upload_size) {
        /* A client that trickles its body would otherwise hold its
         * connection for as long as it likes: --timeout only counts
         * silence. libmicrohttpd 0.9 cannot answer before the whole body
         * is in, so the connection is closed without an answer. */
        if (cfg.request_timeout_s && now_s() - rq->start > cfg.request_timeout_s) {
            count_error(ERR_TIMEOUT);
            log_line("request %s: its body took longer than --request-timeout (%u s) to arrive; connection closed",
                     rq->id, cfg.request_timeout_s);
            return MHD_NO;
        }
        size_t limit = rq->endpoint == EP_BATCH ? cfg.max_batch_body : cfg.max_body;
        if (!rq->too_large && rq->body.len + *upload_size > limit) {
            rq->too_large = true;
            free(rq->body.s);
            rq->body = (Str){0};
        }
        if (!rq->too_large) {
            str_add(&rq->body, upload, *upload_size);
            if (rq->body.failed) { /* answered 503 once the body is in */
                free(rq->body.s);
                rq->body.s = NULL;
                rq->body.len = rq->body.cap = 0;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    rq->endpoint = endpoint_of(url, &name, &nlen);
    switch (rq->endpoint) {
    case EP_DECIDE:
    case EP_BATCH:
        if (rq->too_large) {
            count_error(ERR_TOO_LARGE);
            return respond_error(c, rq, 413, "the request body is too large");
        }
        if (rq->body.failed)
            return respond_oom(c, rq);
        return handle_decide(c, rq, name, nlen, rq->endpoint == EP_BATCH);
    case EP_LIST: {
        Str b = {0};
        pthread_mutex_lock(&cur_lock);
        str_add(&b, current->catalog.s, current->catalog.len);
        pthread_mutex_unlock(&cur_lock);
        str_adds(&b, "\n");
        return respond(c, rq, 200, &b, "application/json");
    }
    case EP_HEALTH: {
        Str b = {0};
        pthread_mutex_lock(&cur_lock);
        str_printf(&b, "{\"status\":\"%s\",\"policy_version\":", atomic_load(&draining) ? "draining" : "ok");
        str_jsons(&b, current->policy_version);
        pthread_mutex_unlock(&cur_lock);
        str_adds(&b, "}\n");
        return respond(c, rq, atomic_load(&draining) ? 503 : 200, &b, "application/json");
    }
    case EP_METRICS: {
        Str b = {0};
        metrics_text(&b);
        return respond(c, rq, 200, &b, "text/plain; version=0.0.4");
    }
    case EP_RELOAD: {
        Str msg = {0};
        bool ok = reload(&msg, "POST /v1/reload");
        Str b = {0};
        str_adds(&b, ok ? "{\"reloaded\":true,\"message\":" : "{\"reloaded\":false,\"error\":");
        str_jsons(&b, msg.s);
        pthread_mutex_lock(&cur_lock);
        str_adds(&b, ",\"policy_version\":");
        str_jsons(&b, current->policy_version);
        pthread_mutex_unlock(&cur_lock);
        str_adds(&b, "}\n");
        free(msg.s);
        return respond(c, rq, ok ? 200 : 500, &b, "application/json");
    }
    default: return respond_error(c, rq, 404, "no such endpoint");
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    Request *rq = *con_cls;
    if (!rq)
        return;
    if (rq->reserved)
        atomic_fetch_sub(&M.buffered, rq->reserved);
    free(rq->body.s);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&M.in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    atomic_fetch_add(&M.connections, toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    log_line("libmicrohttpd: %s", line);
}

/* ---------------------------------------------------------------- command line */

static const char serve_usage[] =
    "usage: regel serve POLICY... --data DIR [options]\n"
    "  --listen ADDR:PORT        where to listen (default 127.0.0.1:8181): localhost:8181 and :8181 are\n"
    "                            127.0.0.1; [::1]:8181 IPv6 loopback; [::]:8181 every address, IPv6 and\n"
    "                            IPv4; an address alone (::1, 127.0.0.1): port 8181; port 0: any free port\n"
    "  --today YYYY-MM-DD        the date rules see as today (default: the machine's date)\n"
    "  --threads N               request threads (default: one per processor)\n"
    "  --token-file FILE         require Authorization: Bearer TOKEN (all but /health), TOKEN being the\n"
    "                            file's first line; a file other users may read or write is refused\n"
    "                            (REGEL_SERVE_TOKEN in the environment does the same)\n"
    "  --token TOKEN             as --token-file, but every user of the machine can read it (ps)\n"
    "  --allow-reload            enable POST /v1/reload (SIGHUP always reloads)\n"
    "  --public-key PUBKEY       POLICY is one .rgc file signed with PUBKEY's key\n"
    "  --audit FILE              append one JSON line per decision to FILE\n"
    "  --audit-fields F,...      input fields the audit may show; a.b is the member b of the object a,\n"
    "                            and of each object in a when a is a list (default: none)\n"
    "  --log-sync line|interval[:MS]  fsync the audit per line or every MS ms (default interval:1000)\n"
    "  --audit-max-bytes N       rotate the audit to FILE.1, FILE.2, ... past N bytes\n"
    "  --max-body BYTES          largest single-record body (default 1048576)\n"
    "  --max-batch-body BYTES    largest batch body (default 67108864)\n"
    "  --max-buffered BYTES      request bodies held at once, else 503 (default 268435456)\n"
    "  --max-connections N       connections served at once, else 503 (default 1024)\n"
    "  --timeout SECONDS         close connections silent this long (default 30)\n"
    "  --request-timeout SECONDS  from a request's headers to its answer: a body still arriving then is\n"
    "                            cut off, a batch still being decided gets 503 (default 10; 0: no limit)\n"
    "  --drain SECONDS           on SIGTERM, wait this long for requests in flight (default 30)\n"
    "  --max-steps N, --max-memory BYTES, --max-depth N   limits per decision\n";

static int serve_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "regel serve: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(regel serve --help shows the options)\n");
    return REGEL_ERR_USAGE;
}

static bool parse_ull(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        return false;
    *out = v;
    return true;
}

/* --listen: ADDRESS:PORT for IPv4 (localhost is 127.0.0.1, and so is an
 * empty address), [ADDRESS]:PORT for IPv6, or an address alone (IPv6
 * ones with or without brackets) for port 8181. Other names are refused:
 * the address a service binds should be read from its command line, not
 * looked up. */
static bool parse_listen(const char *s)
{
    const char *host = s, *port = NULL;
    size_t n;
    bool v6;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || (close[1] && close[1] != ':'))
            return false;
        host = s + 1;
        n = (size_t)(close - host);
        port = close[1] ? close + 2 : NULL;
        v6 = true;
    } else {
        const char *colon = strchr(s, ':');
        v6 = colon && strchr(colon + 1, ':'); /* two colons or more: an IPv6 address alone */
        n = colon && !v6 ? (size_t)(colon - s) : strlen(s);
        port = colon && !v6 ? colon + 1 : NULL;
    }
    char h[INET6_ADDRSTRLEN];
    if (!*s || n >= sizeof h)
        return false;
    memcpy(h, host, n);
    h[n] = '\0';
    unsigned long long p = 8181;
    if (port && (*port < '0' || *port > '9' || !parse_ull(port, &p) || p > 65535))
        return false;
    memset(&cfg.addr, 0, sizeof cfg.addr);
    cfg.ipv6 = v6;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&cfg.addr;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)p);
        return inet_pton(AF_INET6, h, &a->sin6_addr) == 1;
    }
    if (n == 0 || strcmp(h, "localhost") == 0)
        strcpy(h, "127.0.0.1");
    struct sockaddr_in *a = (struct sockaddr_in *)&cfg.addr;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)p);
    return inet_pton(AF_INET, h, &a->sin_addr) == 1;
}

/* A token travels in a header, which cannot carry spaces or control
 * characters intact: such a token could never be sent. */
static bool token_ok(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] <= ' ' || t[i] == 0x7f)
            return false;
    return n > 0;
}

/* The first line of --token-file, without its line end, into buf (n
 * bytes); false after saying why not. */
static bool read_token_file(const char *path, char *buf, size_t n, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "regel serve: cannot read the token file %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    /* Others who can read the token can use it, and others who can
     * write it can choose it. The group may read (a file root owns and
     * the service's group reads), with a warning. */
    if (st.st_mode & (S_IRWXO | S_IWGRP)) {
        fprintf(stderr, "regel serve: the token file %s may be read or written by other users (mode %03o): "
                        "chmod 600 it (or 640 for a group of its own)\n", path, (unsigned)(st.st_mode & 0777));
        close(fd);
        return false;
    }
    size_t got = 0;
    while (got < n && !memchr(buf, '\n', got)) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "regel serve: cannot read the token file %s: %s\n", path, strerror(errno));
            close(fd);
            return false;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    const char *nl = memchr(buf, '\n', got);
    if (!nl && got == n) {
        fprintf(stderr, "regel serve: the token in %s is longer than %zu bytes\n", path, n - 1);
        return false;
    }
    *len = nl ? (size_t)(nl - buf) : got;
    if (*len && buf[*len - 1] == '\r')
        --*len;
    if (*len == 0) {
        fprintf(stderr, "regel serve: the token file %s is empty (the token is its first line)\n", path);
        return false;
    }
    if (st.st_mode & S_IRGRP)
        log_line("warning: the token file %s may be read by its group (mode %03o)", path,
                 (unsigned)(st.st_mode & 0777));
    return true;
}

/* The token from --token-file, --token or REGEL_SERVE_TOKEN (the options
 * win over the environment), kept as its hash. */
static int set_token(const char *arg)
{
    if (arg && cfg.token_file)
        return serve_usage_error("%s", "--token and --token-file both give the token: give one");
    const char *env = getenv("REGEL_SERVE_TOKEN");
    const char *from = cfg.token_file ? "--token-file" : arg ? "--token" : "REGEL_SERVE_TOKEN";
    char buf[4097];
    const char *t = arg ? arg : env;
    size_t n = t ? strlen(t) : 0;
    if (cfg.token_file) {
        if (!read_token_file(cfg.token_file, buf, sizeof buf, &n))
            return REGEL_ERR_USAGE;
        t = buf;
    }
    if (!t)
        return 0;
    if (!token_ok(t, n)) {
        sodium_memzero(buf, sizeof buf);
        return serve_usage_error(n ? "the token of %s has a space or control character, which a header "
                                     "cannot carry"
                                   : "%s gives an empty token",
                                 from);
    }
    crypto_hash_sha256(cfg.token_hash, (const unsigned char *)t, n);
    sodium_memzero(buf, sizeof buf);
    cfg.auth = true;
    if (arg)
        log_line("warning: --token shows the token to every user of this machine (ps, /proc); "
                 "--token-file or REGEL_SERVE_TOKEN keep it out of sight");
    return 0;
}

enum {
    O_DATA = 300, O_LISTEN, O_TODAY, O_THREADS, O_TOKEN, O_ALLOW_RELOAD, O_PUBLIC_KEY, O_AUDIT, O_AUDIT_FIELDS,
    O_LOG_SYNC, O_AUDIT_MAX, O_MAX_BODY, O_MAX_BATCH, O_MAX_BUFFERED, O_MAX_CONN, O_TIMEOUT, O_DRAIN, O_STEPS,
    O_MEMORY, O_DEPTH, O_HELP, O_TOKEN_FILE, O_REQUEST_TIMEOUT,
};

static int parse_args(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, O_DATA},           {"listen", required_argument, 0, O_LISTEN},
        {"today", required_argument, 0, O_TODAY},         {"threads", required_argument, 0, O_THREADS},
        {"token", required_argument, 0, O_TOKEN},         {"allow-reload", no_argument, 0, O_ALLOW_RELOAD},
        {"public-key", required_argument, 0, O_PUBLIC_KEY}, {"audit", required_argument, 0, O_AUDIT},
        {"audit-fields", required_argument, 0, O_AUDIT_FIELDS}, {"log-sync", required_argument, 0, O_LOG_SYNC},
        {"audit-max-bytes", required_argument, 0, O_AUDIT_MAX}, {"max-body", required_argument, 0, O_MAX_BODY},
        {"max-batch-body", required_argument, 0, O_MAX_BATCH}, {"max-buffered", required_argument, 0, O_MAX_BUFFERED},
        {"max-connections", required_argument, 0, O_MAX_CONN}, {"timeout", required_argument, 0, O_TIMEOUT},
        {"drain", required_argument, 0, O_DRAIN},         {"max-steps", required_argument, 0, O_STEPS},
        {"max-memory", required_argument, 0, O_MEMORY},   {"max-depth", required_argument, 0, O_DEPTH},
        {"help", no_argument, 0, O_HELP},                 {"token-file", required_argument, 0, O_TOKEN_FILE},
        {"request-timeout", required_argument, 0, O_REQUEST_TIMEOUT}, {0, 0, 0, 0},
    };
    cfg.listen = "127.0.0.1:8181";
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.threads = nproc > 0 ? (unsigned)nproc : 2;
    cfg.sync_interval_ms = 1000;
    cfg.max_body = 1u << 20;
    cfg.max_batch_body = 64u << 20;
    cfg.max_buffered = 256ull << 20;
    cfg.max_connections = 1024;
    cfg.timeout_s = 30;
    cfg.request_timeout_s = 10;
    cfg.drain_s = 30;
    cfg.limits = regel_default_limits();
    opterr = 0;
    optind = 1;
    int ch;
    unsigned long long v;
    const char *token = NULL;
    int rc;
    int li = 0;
    while ((ch = getopt_long(argc, argv, ":", opts, &li)) != -1) {
        switch (ch) {
        case O_DATA: cfg.data_dir = optarg; break;
        case O_LISTEN: cfg.listen = optarg; break;
        case O_TODAY: cfg.today = optarg; break;
        case O_TOKEN: token = optarg; break;
        case O_TOKEN_FILE: cfg.token_file = optarg; break;
        case O_ALLOW_RELOAD: cfg.allow_reload = true; break;
        case O_PUBLIC_KEY: cfg.public_key_file = optarg; break;
        case O_AUDIT: cfg.audit_path = optarg; break;
        case O_AUDIT_FIELDS:
            for (const char *f = optarg;; f++) {
                size_t n = strcspn(f, ",");
                char path[512];
                if (n && n < sizeof path) {
                    memcpy(path, f, n);
                    path[n] = '\0';
                }
                if (n == 0 || n >= sizeof path || !audit_path_add(path))
                    return serve_usage_error("--audit-fields takes names and dotted paths (a,b.c) with "
                                             "commas between them, not '%s'", optarg);
                f += n;
                if (!*f)
                    break;
            }
            break;
        case O_LOG_SYNC:
            if (strcmp(optarg, "line") == 0) {
                cfg.sync_line = true;
            } else if (strncmp(optarg, "interval", 8) == 0 &&
                       (optarg[8] == '\0' || (optarg[8] == ':' && parse_ull(optarg + 9, &v) && v > 0 && v < 3600000))) {
                if (optarg[8])
                    cfg.sync_interval_ms = (long)v;
            } else {
                return serve_usage_error("--log-sync is line or interval[:MS], not '%s'", optarg);
            }
            break;
        case O_THREADS:
        case O_AUDIT_MAX:
        case O_MAX_BODY:
        case O_MAX_BATCH:
        case O_MAX_BUFFERED:
        case O_MAX_CONN:
        case O_TIMEOUT:
        case O_REQUEST_TIMEOUT:
        case O_DRAIN:
        case O_STEPS:
        case O_MEMORY:
        case O_DEPTH:
            if (!parse_ull(optarg, &v) || (ch == O_THREADS && (v < 1 || v > 256)) || (ch == O_DEPTH && v > 100000) ||
                ((ch == O_TIMEOUT || ch == O_REQUEST_TIMEOUT || ch == O_DRAIN) && v > 86400))
                return serve_usage_error("--%s needs a whole number in range", opts[li].name);
            if (ch == O_THREADS) cfg.threads = (unsigned)v;
            else if (ch == O_AUDIT_MAX) cfg.audit_max_bytes = v;
            else if (ch == O_MAX_BODY) cfg.max_body = (size_t)v;
            else if (ch == O_MAX_BATCH) cfg.max_batch_body = (size_t)v;
            else if (ch == O_MAX_BUFFERED) cfg.max_buffered = v;
            else if (ch == O_MAX_CONN) cfg.max_connections = (unsigned)v;
            else if (ch == O_TIMEOUT) cfg.timeout_s = (unsigned)v;
            else if (ch == O_REQUEST_TIMEOUT) cfg.request_timeout_s = (unsigned)v;
            else if (ch == O_DRAIN) cfg.drain_s = (unsigned)v;
            else if (ch == O_STEPS) cfg.limits.max_steps = v;
            else if (ch == O_MEMORY) cfg.limits.max_memory = v;
            else cfg.limits.max_depth = (unsigned)v;
            break;
        case O_HELP: fputs(serve_usage, stdout); return -1;
        case ':': return serve_usage_error("%s needs a value", argv[optind - 1]);
        default: return serve_usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    cfg.policies = argv + optind;
    cfg.npolicies = argc - optind;
    if (cfg.npolicies == 0)
        return serve_usage_error("%s", "serve needs a policy file or folder");
    if (!cfg.data_dir)
        return serve_usage_error("%s", "serve needs --data DIR, the folder with the exports");
    if (!parse_listen(cfg.listen))
        return serve_usage_error("--listen takes ADDRESS:PORT, such as 127.0.0.1:8181, localhost:8181, :8181, "
                                 "[::1]:8181 or [::]:8181, or an address alone for port 8181; not '%s'",
                                 cfg.listen);
    if ((rc = set_token(token)) != 0)
        return rc;
    if (cfg.today) {
        regel_context_options o;
        regel_context_options_init(&o);
        (void)o;
        int y, m, d;
        char extra;
        if (sscanf(cfg.today, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
            return serve_usage_error("--today takes a date as YYYY-MM-DD, not '%s'", cfg.today);
    }
    if (cfg.public_key_file) {
        Str err = {0};
        if (regel_key_read(cfg.public_key_file, 0, cfg.public_key, collect_diag, &err) != REGEL_OK) {
            fprintf(stderr, "%s", err.s ? err.s : "regel serve: the public key cannot be read\n");
            free(err.s);
            return REGEL_ERR_USAGE;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- main */

static unsigned long day_number(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return (unsigned long)(tm.tm_year * 400 + tm.tm_yday);
}

int serve_main(int argc, char **argv)
{
    int rc = parse_args(argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (sodium_init() < 0) {
        fputs("regel serve: libsodium cannot start\n", stderr);
        return 1;
    }
    start_epoch = (unsigned long long)time(NULL);
    /* Every request allocates a little from the collector; a heap that
     * starts small is collected every few hundred requests, which shows
     * in the tail latency. The user's setting wins. */
    setenv("GC_INITIAL_HEAP_SIZE", "134217728", 0);
    /* Signals are taken by the main thread only (sigtimedwait below): the
     * request threads inherit this mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    Str err = {0};
    /* The first call of the library from the main thread, which outlives
     * every use (regel.h). */
    Version *v = version_load(&err);
    if (!v) {
        fputs(err.s ? err.s : "", stderr);
        free(err.s);
        return cfg.public_key_file ? REGEL_ERR_SIGNATURE : REGEL_ERR_POLICY;
    }
    v->refs = 1;
    v->id = next_version_id++;
    current = v;
    if (cfg.audit_path && !audit_open()) {
        fprintf(stderr, "regel serve: cannot open the audit log %s: %s\n", cfg.audit_path, strerror(errno));
        return REGEL_ERR_OUTPUT;
    }
    atomic_store(&today_gen, day_number());

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    /* Dual stack: [::] takes IPv4 clients too, as "every address" says;
     * for one address it makes no difference. */
    if (cfg.ipv6)
        flags |= MHD_USE_DUAL_STACK;
    static const char oom_text[] = "{\"error\":\"out of memory: try again later\"}\n";
    oom_response = MHD_create_response_from_buffer(sizeof oom_text - 1, (void *)oom_text, MHD_RESPMEM_PERSISTENT);
    if (!oom_response || MHD_add_response_header(oom_response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") != MHD_YES ||
        MHD_add_response_header(oom_response, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES) {
        fputs("regel serve: out of memory\n", stderr);
        return 1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&cfg.addr,
        MHD_OPTION_THREAD_POOL_SIZE, cfg.threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_CONNECTION_TIMEOUT, cfg.timeout_s,
        /* Headers beyond this are refused by libmicrohttpd (431). */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        /* A hard bound beyond the soft one (503), so that memory stays bounded. */
        MHD_OPTION_CONNECTION_LIMIT, cfg.max_connections + 64, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "regel serve: cannot listen on %s: %s\n", cfg.listen, strerror(errno));
        return REGEL_ERR_USAGE;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char addr[INET6_ADDRSTRLEN];
    if (cfg.ipv6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&cfg.addr)->sin6_addr, addr, sizeof addr);
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&cfg.addr)->sin_addr, addr, sizeof addr);
    log_line("listening on http://%s%s%s:%u (policy version %s, %zu decisions, %u threads)", cfg.ipv6 ? "[" : "",
             addr, cfg.ipv6 ? "]" : "", info ? (unsigned)info->port : 0, v->policy_version, v->ndecisions,
             cfg.threads);

    long tick_ms = cfg.sync_interval_ms && cfg.audit_path && !cfg.sync_line ? cfg.sync_interval_ms : 1000;
    if (tick_ms > 1000)
        tick_ms = 1000;
    double last_sync = now_s();
    for (;;) {
        struct timespec to = {tick_ms / 1000, (tick_ms % 1000) * 1000000L};
        int sig = sigtimedwait(&set, NULL, &to);
        if (sig == SIGHUP) {
            Str msg = {0};
            reload(&msg, "SIGHUP");
            free(msg.s);
        } else if (sig == SIGTERM || sig == SIGINT) {
            break;
        }
        if (cfg.audit_path && !cfg.sync_line && now_s() - last_sync >= (double)cfg.sync_interval_ms / 1000) {
            audit_sync();
            last_sync = now_s();
        }
        unsigned long day = day_number();
        if (day != atomic_load(&today_gen))
            atomic_store(&today_gen, day);
    }

    /* Draining: no new connections; requests in flight are answered (with
     * Connection: close), then the server stops. */
    atomic_store(&draining, true);
    log_line("draining: %ld request(s) in flight", atomic_load(&M.in_flight));
    MHD_socket ls = MHD_quiesce_daemon(d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    double until = now_s() + cfg.drain_s;
    while (atomic_load(&M.in_flight) > 0 && now_s() < until) {
        struct timespec ms = {0, 10 * 1000000L};
        nanosleep(&ms, NULL);
    }
    long left = atomic_load(&M.in_flight);
    MHD_stop_daemon(d);
    MHD_destroy_response(oom_response);
    if (cfg.audit_path) {
        audit_sync();
        close(audit.fd);
    }
    log_line("stopped%s", left ? " with requests still in flight after --drain seconds" : "");
    pthread_mutex_lock(&cur_lock);
    v = current;
    current = NULL;
    bool dead = --v->refs == 0;
    pthread_mutex_unlock(&cur_lock);
    if (dead)
        version_free(v);
    return left ? 1 : 0;
}
