/*
 * main.c — the `regel` command: parses the command line and hands each
 * verb to the public API.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lsp.h"
#include "regel.h"
#include "repl.h"
#include "serve.h"

static const char usage_text[] =
    "usage: regel <command> [arguments]\n"
    "\n"
    "commands:\n"
    "  check POLICY... [--format text|json]\n"
    "                              check policy files or folders and report every problem\n"
    "                              (errors and warnings; json: one object per line on stdout)\n"
    "  run POLICY... --data DIR    run the decisions over the exports in DIR\n"
    "      [--decision NAME]...    only these decisions\n"
    "      [--today YYYY-MM-DD]    the date rules see as today (default: the machine's date)\n"
    "      [--format jsonl|table|csv]  (default: table on a terminal, jsonl otherwise)\n"
    "      [--on-error fail|skip]  what an invalid record does (default: as the policy says, else fail)\n"
    "      [--max-steps N] [--max-memory BYTES] [--max-depth N]  limits per decision\n"
    "      [-o FILE]               write the decisions to FILE instead of standard output\n"
    "      [--explain [--id KEY]]  explain every line (or the line with id KEY) instead\n"
    "      [--policy-version]      end each JSON line with the policy's version\n"
    "      [--require-signature PUBKEY]  refuse a .rgc file not signed with PUBKEY's key\n"
    "                              (POLICY may be one .rgc file from regel compile)\n"
    "  explain POLICY... --data DIR --decision NAME --id KEY [--format text|json]\n"
    "                              why the line KEY of decision NAME came out as it did:\n"
    "                              each rule, the values it saw, what would make it hold\n"
    "  diff OLD... -- NEW... --data DIR [--decision NAME]... [--today D] [--format text|json]\n"
    "                              run two versions of a policy over the same exports and\n"
    "                              show every line whose outcome or reasons change, grouped\n"
    "                              by the change, with what changed in the rules; exits 1\n"
    "                              when some line changes\n"
    "  repl [POLICY...] [--data DIR] [--today YYYY-MM-DD]\n"
    "                              the interactive interpreter: expressions, lets,\n"
    "                              declarations and :commands (:help lists them)\n"
    "  test POLICY...              run the policies' test blocks and report rule coverage\n"
    "      [--today YYYY-MM-DD]    today, unless a test gives it\n"
    "      [--coverage]            list every rule's coverage, not only the gaps\n"
    "      [--filter TEXT]...      only the tests whose name contains TEXT (any case)\n"
    "      [--min-coverage PERCENT]  exit 8 unless PERCENT % of the rules are seen both ways\n"
    "  fmt POLICY... [--check]     lay policy files out in the canonical layout, in place;\n"
    "                              --check changes nothing, shows what would change and\n"
    "                              exits 1 if a file is not formatted; '-' formats standard input\n"
    "  disasm POLICY... [--decision NAME]   show the compiled bytecode\n"
    "  compile POLICY... -o FILE.rgc [--sign SECRETKEY]\n"
    "                              compile to a precompiled program that run, disasm and a\n"
    "                              host load without compiling; --sign signs it\n"
    "  keygen NAME                 make a key pair for signing: NAME.pub and NAME.key\n"
    "  serve POLICY... --data DIR [--listen 127.0.0.1:8181] [options]\n"
    "                              the decisions as an HTTP service (regel serve --help)\n"
    "  lsp                         a language server for editors (LSP over standard input/output)\n"
    "  version                     print the version\n"
    "\n"
    "exit status: 0 ok, 1 tests failed (fmt --check: a file is not formatted; diff: a line changed),\n"
    "             2 usage, 3 policy errors, 4 data errors, 5 a decision failed with an error,\n"
    "             6 output could not be written, 7 out of memory,\n"
    "             8 tests passed but rule coverage is below --min-coverage,\n"
    "             9 a .rgc file is damaged, of another version or does not verify,\n"
    "             10 a .rgc file is unsigned or not signed with the required key\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "regel: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(regel help shows the usage)\n");
    return REGEL_ERR_USAGE;
}

static void print_diag(void *ctx, const regel_diagnostic *d)
{
    unsigned long *errors = ctx;
    fputs(d->text, stderr);
    if (d->level == REGEL_LEVEL_ERROR)
        (*errors)++;
    *errors += d->errors_left_out;
}

static void print_report(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

static regel_status compile(char **paths, int n, unsigned flags, regel_program **p)
{
    unsigned long errors = 0;
    regel_status st = regel_compile_files_with((const char *const *)paths, (size_t)n, flags, print_diag, &errors, p);
    if (st == REGEL_ERR_POLICY && errors)
        fprintf(stderr, "%lu error%s\n", errors, errors == 1 ? "" : "s");
    else if (st == REGEL_ERR_NOMEM)
        fprintf(stderr, "regel: out of memory\n");
    return st;
}

/* What `regel check` counts, and how it shows each diagnostic: as text on
 * standard error, or as one JSON object per line on standard output. */
typedef struct CheckOutput {
    bool json;
    unsigned long errors, warnings;
} CheckOutput;

/* Length of the valid UTF-8 sequence at s, or 0 (overlong forms,
 * surrogates and code points past U+10FFFF are not valid). */
static size_t utf8_length(const unsigned char *s)
{
    size_t n = s[0] < 0x80                   ? 1
               : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
               : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
               : s[0] >= 0xf0 && s[0] < 0xf5 ? 4
                                             : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
        (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

/* s as a JSON string, or null. A byte that is not UTF-8 (a file name may
 * hold any) becomes U+FFFD, so that every line is valid JSON. */
static void print_json_string(const char *s)
{
    if (!s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_length(p);
        if (n == 0) {
            fputs("\\ufffd", stdout);
            p++;
        } else if (*p == '"' || *p == '\\') {
            printf("\\%c", *p++);
        } else if (*p == '\n') {
            fputs("\\n", stdout);
            p++;
        } else if (*p == '\t') {
            fputs("\\t", stdout);
            p++;
        } else if (*p < 0x20) {
            printf("\\u%04x", *p++);
        } else {
            fwrite(p, 1, n, stdout);
            p += n;
        }
    }
    putchar('"');
}

/* "file", "line", "column", "end_line", "end_column" of a location; all
 * null when it is in no file. */
static void print_json_location(const char *file, long line, long column, long end_line, long end_column)
{
    fputs("\"file\":", stdout);
    print_json_string(file);
    if (file)
        printf(",\"line\":%ld,\"column\":%ld,\"end_line\":%ld,\"end_column\":%ld", line, column, end_line,
               end_column);
    else
        fputs(",\"line\":null,\"column\":null,\"end_line\":null,\"end_column\":null", stdout);
}

static void print_check_diag(void *ctx, const regel_diagnostic *d)
{
    CheckOutput *o = ctx;
    if (d->level == REGEL_LEVEL_ERROR)
        o->errors++;
    else if (d->level == REGEL_LEVEL_WARNING)
        o->warnings++;
    o->errors += d->errors_left_out;
    o->warnings += d->warnings_left_out;
    if (!o->json) {
        fputs(d->text, stderr);
        return;
    }
    static const char *const levels[] = {"error", "warning", "note"};
    printf("{\"level\":\"%s\",", levels[d->level]);
    print_json_location(d->file, d->line, d->column, d->end_line, d->end_column);
    fputs(",\"message\":", stdout);
    print_json_string(d->message);
    fputs(",\"hint\":", stdout);
    print_json_string(d->hint);
    fputs(",\"related\":[", stdout);
    for (size_t i = 0; i < d->nrelated; i++) {
        const regel_related *r = &d->related[i];
        fputs(i ? ",{" : "{", stdout);
        print_json_location(r->file, r->line, r->column, r->end_line, r->end_column);
        fputs(",\"message\":", stdout);
        print_json_string(r->message);
        putchar('}');
    }
    putchar(']');
    if (d->level == REGEL_LEVEL_NOTE)
        printf(",\"errors_left_out\":%lu,\"warnings_left_out\":%lu", d->errors_left_out, d->warnings_left_out);
    fputs("}\n", stdout);
}

static int cmd_check(int argc, char **argv)
{
    CheckOutput out = {false, 0, 0};
    char **paths = calloc((size_t)argc + 1, sizeof *paths);
    int npaths = 0;
    for (int i = 0; i < argc; i++) {
        const char *format;
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i] + 9;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            free(paths);
            return strcmp(argv[i], "--format") == 0 ? usage_error("%s needs a value", argv[i])
                                                    : usage_error("unknown option %s", argv[i]);
        } else {
            paths[npaths++] = argv[i];
            continue;
        }
        if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
            free(paths);
            return usage_error("--format of check is text or json, not '%s'", format);
        }
        out.json = strcmp(format, "json") == 0;
    }
    if (npaths < 1) {
        free(paths);
        return usage_error("%s", "check needs at least one policy file or folder");
    }
    regel_program *p;
    regel_status st = regel_compile_files((const char *const *)paths, (size_t)npaths, print_check_diag, &out, &p);
    free(paths);
    if (st == REGEL_OK)
        regel_program_free(p);
    if (st == REGEL_ERR_NOMEM) {
        fprintf(stderr, "regel: out of memory\n");
        return st;
    }
    /* In JSON the objects are the output, so not writing them is an output error. */
    if (out.json)
        return fflush(stdout) != 0 && st == REGEL_OK ? REGEL_ERR_OUTPUT : (int)st;
    if (out.errors && out.warnings)
        fprintf(stderr, "%lu error%s, %lu warning%s\n", out.errors, out.errors == 1 ? "" : "s", out.warnings,
                out.warnings == 1 ? "" : "s");
    else if (out.errors)
        fprintf(stderr, "%lu error%s\n", out.errors, out.errors == 1 ? "" : "s");
    else if (out.warnings)
        fprintf(stderr, "%lu warning%s\n", out.warnings, out.warnings == 1 ? "" : "s");
    return st;
}

static bool parse_count(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

/* A line on the terminal that each call overwrites. */
static void print_progress(void *ctx, unsigned long long read, unsigned long long written)
{
    bool *shown = ctx;
    fprintf(stderr, "\r  %llu records read, %llu lines written ", read, written);
    *shown = true;
}

typedef struct FileSink {
    FILE *f;
} FileSink;

static int write_file(void *ctx, const char *data, size_t n)
{
    FileSink *s = ctx;
    return fwrite(data, 1, n, s->f) == n ? 0 : -1;
}

enum {
    OPT_DATA = 256, OPT_DECISION, OPT_TODAY, OPT_FORMAT, OPT_ON_ERROR, OPT_MAX_STEPS, OPT_MAX_MEMORY, OPT_MAX_DEPTH,
    OPT_EXPLAIN, OPT_ID,
    OPT_FILTER, OPT_MIN_COVERAGE,
    OPT_POLICY_VERSION, OPT_REQUIRE_SIGNATURE, OPT_SIGN,
};

static bool is_image(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".rgc") == 0;
}

/* A program from policy files, or from one .rgc file (signed with the
 * key in the file `pubkey`, when given). */
static regel_status open_program(char **paths, int n, unsigned flags, const char *pubkey, regel_program **p)
{
    bool image = n == 1 && is_image(paths[0]);
    if (!image && pubkey)
        return usage_error("%s", "--require-signature is for a precompiled program: give one .rgc file");
    if (!image)
        return compile(paths, n, flags, p);
    if (flags & REGEL_COMPILE_EXPLAIN)
        return usage_error("%s", "a precompiled program cannot explain: give the policy files");
    unsigned long errors = 0;
    unsigned char key[REGEL_PUBLIC_KEY_BYTES];
    regel_status st = REGEL_OK;
    if (pubkey)
        st = regel_key_read(pubkey, 0, key, print_diag, &errors);
    if (st == REGEL_OK)
        st = regel_program_load(paths[0], pubkey ? key : NULL, print_diag, &errors, p);
    if (st == REGEL_ERR_NOMEM)
        fprintf(stderr, "regel: out of memory\n");
    return st;
}

/* run, disasm and explain share their options: `explain` is `run
 * --explain` for one decision and id, written as text by default. */
/* The file a result written beside its name and renamed over it replaces:
 * what a symbolic link points to, so that the link stays a link. */
static char *rename_target(const char *path)
{
    char *real = realpath(path, NULL);
    return real ? real : strdup(path);
}

static int cmd_run(int argc, char **argv, const char *verb)
{
    bool disasm = strcmp(verb, "disasm") == 0, explain = strcmp(verb, "explain") == 0;
    static const struct option longs[] = {
        {"data", required_argument, 0, OPT_DATA},
        {"decision", required_argument, 0, OPT_DECISION},
        {"today", required_argument, 0, OPT_TODAY},
        {"format", required_argument, 0, OPT_FORMAT},
        {"on-error", required_argument, 0, OPT_ON_ERROR},
        {"max-steps", required_argument, 0, OPT_MAX_STEPS},
        {"max-memory", required_argument, 0, OPT_MAX_MEMORY},
        {"max-depth", required_argument, 0, OPT_MAX_DEPTH},
        {"output", required_argument, 0, 'o'},
        {"explain", no_argument, 0, OPT_EXPLAIN},
        {"id", required_argument, 0, OPT_ID},
        {"policy-version", no_argument, 0, OPT_POLICY_VERSION},
        {"require-signature", required_argument, 0, OPT_REQUIRE_SIGNATURE},
        {0, 0, 0, 0},
    };
    const char *pubkey = NULL;
    regel_run_options o;
    regel_run_options_init(&o);
    o.explain = explain;
    int format_given = 0;
    const char **decisions = calloc((size_t)argc + 1, sizeof *decisions);
    size_t ndecisions = 0;
    const char *output = NULL;
    optind = 1;
    opterr = 0;
    int c;
    unsigned long long n;
    while ((c = getopt_long(argc, argv, ":o:", longs, NULL)) != -1) {
        switch (c) {
        case OPT_DATA: o.data_dir = optarg; break;
        case OPT_DECISION: decisions[ndecisions++] = optarg; break;
        case OPT_TODAY: o.today = optarg; break;
        case OPT_FORMAT:
            format_given = 1;
            if (strcmp(optarg, "jsonl") == 0 || (explain && strcmp(optarg, "json") == 0))
                o.format = REGEL_FORMAT_JSONL;
            else if (strcmp(optarg, "table") == 0 || (explain && strcmp(optarg, "text") == 0))
                o.format = REGEL_FORMAT_TABLE;
            else if (strcmp(optarg, "csv") == 0 && !explain)
                o.format = REGEL_FORMAT_CSV;
            else if (explain)
                return usage_error("explain's --format is text or json, not '%s'", optarg);
            else
                return usage_error("--format is jsonl, table or csv, not '%s'", optarg);
            break;
        case OPT_EXPLAIN: o.explain = 1; break;
        case OPT_ID: o.explain_id = optarg; break;
        case OPT_POLICY_VERSION: o.policy_version = 1; break;
        case OPT_REQUIRE_SIGNATURE: pubkey = optarg; break;
        case OPT_ON_ERROR:
            if (strcmp(optarg, "fail") == 0)
                o.on_invalid = REGEL_INVALID_FAIL;
            else if (strcmp(optarg, "skip") == 0)
                o.on_invalid = REGEL_INVALID_SKIP;
            else
                return usage_error("--on-error is fail or skip, not '%s'", optarg);
            break;
        case OPT_MAX_STEPS:
            if (!parse_count(optarg, &n))
                return usage_error("--max-steps needs a whole number, not '%s'", optarg);
            o.limits.max_steps = n;
            break;
        case OPT_MAX_MEMORY:
            if (!parse_count(optarg, &n))
                return usage_error("--max-memory needs a number of bytes, not '%s'", optarg);
            o.limits.max_memory = n;
            break;
        case OPT_MAX_DEPTH:
            if (!parse_count(optarg, &n) || n > 100000)
                return usage_error("--max-depth needs a whole number up to 100000, not '%s'", optarg);
            o.limits.max_depth = (unsigned)n;
            break;
        case 'o': output = optarg; break;
        case ':':
            return usage_error("%s needs a value", argv[optind - 1]);
        case '?':
            return usage_error("unknown option %s", argv[optind - 1]);
        default: break;
        }
    }
    /* People at a terminal get the table; files and pipes the contract.
     * An explanation is for reading unless JSON is asked for. */
    if (!format_given)
        o.format = explain || (isatty(STDOUT_FILENO) && !output) ? REGEL_FORMAT_TABLE : REGEL_FORMAT_JSONL;
    if (o.explain_id && !o.explain)
        return usage_error("%s", "--id names the line to explain: use it with explain or run --explain");
    if (explain && (ndecisions != 1 || !o.explain_id))
        return usage_error("%s", "explain needs --decision NAME and --id KEY (the line to explain)");
    /* Policies may also come after the options. */
    char **policies = argv + optind;
    int npolicies = argc - optind;
    if (npolicies < 1)
        return usage_error("%s needs a policy file or folder", verb);
    if (!disasm && !o.data_dir)
        return usage_error("%s needs --data DIR, the folder with the exports", verb);
    regel_program *p;
    regel_status st = open_program(policies, npolicies, o.explain ? REGEL_COMPILE_EXPLAIN : 0, pubkey, &p);
    if (st != REGEL_OK)
        return st;
    if (disasm) {
        if (ndecisions > 1) {
            regel_program_free(p);
            return usage_error("%s", "disasm takes at most one --decision");
        }
        char *text = regel_disassemble(p, ndecisions ? decisions[0] : NULL);
        regel_program_free(p);
        if (!text)
            return usage_error("the policy has no decision called '%s'", decisions[0]);
        fputs(text, stdout);
        regel_free(text);
        return REGEL_OK;
    }
    if (ndecisions) {
        o.decisions = decisions;
        o.ndecisions = ndecisions;
    }
    o.report = print_report;
    FileSink sink = {stdout};
    char *tmp = NULL, *target = NULL;
    struct stat out_stat;
    bool out_exists = output && stat(output, &out_stat) == 0;
    if (out_exists && !S_ISREG(out_stat.st_mode)) {
        /* A device, a pipe or a terminal (-o /dev/null, -o fifo) is
         * written as it is: renaming a file over it would replace it. */
        if (!(sink.f = fopen(output, "w"))) {
            fprintf(stderr, "regel: cannot write %s: %s\n", output, strerror(errno));
            regel_program_free(p);
            return REGEL_ERR_OUTPUT;
        }
    } else if (output) {
        /* Written beside the target and renamed at the end, so an
         * interrupted run never leaves half a result under its name. The
         * file gets the mode the target has, or a new file's. */
        target = rename_target(output);
        size_t len = strlen(target) + 16;
        tmp = malloc(len);
        snprintf(tmp, len, "%s.tmpXXXXXX", target);
        int fd = mkstemp(tmp);
        mode_t mask = umask(0);
        umask(mask);
        if (fd < 0 || fchmod(fd, out_exists ? out_stat.st_mode & 07777 : 0666 & ~mask) != 0 ||
            !(sink.f = fdopen(fd, "w"))) {
            fprintf(stderr, "regel: cannot write %s: %s\n", output, strerror(errno));
            if (fd >= 0) {
                close(fd);
                unlink(tmp);
            }
            free(tmp);
            free(target);
            regel_program_free(p);
            return REGEL_ERR_OUTPUT;
        }
    }
    o.write = write_file;
    o.write_ctx = &sink;
    bool progress_shown = false;
    if (isatty(STDERR_FILENO)) {
        o.progress = print_progress;
        o.progress_ctx = &progress_shown;
    }
    regel_run_summary s;
    st = regel_run(p, &o, &s);
    regel_program_free(p);
    if (progress_shown)
        fputs("\r\033[K", stderr);
    if (fflush(sink.f) != 0 && st == REGEL_OK)
        st = REGEL_ERR_OUTPUT;
    if (output && !tmp) {
        if (fclose(sink.f) != 0 && st == REGEL_OK)
            st = REGEL_ERR_OUTPUT;
    } else if (output) {
        bool ok = fclose(sink.f) == 0 && (st == REGEL_OK || st == REGEL_ERR_EVAL);
        if (ok && rename(tmp, target) != 0) {
            fprintf(stderr, "regel: cannot write %s: %s\n", output, strerror(errno));
            st = REGEL_ERR_OUTPUT;
            ok = false;
        }
        if (!ok)
            unlink(tmp);
        free(tmp);
        free(target);
    }
    if (st == REGEL_ERR_NOMEM)
        fprintf(stderr, "regel: out of memory\n");
    if (st == REGEL_ERR_USAGE)
        fprintf(stderr, "(regel help shows the usage)\n");
    else if (st != REGEL_ERR_NOMEM) /* the counts of a run cut short would mislead */
        fprintf(stderr, "regel: %llu record%s read, %llu decided, %llu failed, %llu invalid\n", s.read,
                s.read == 1 ? "" : "s", s.decided,
                s.failed, s.invalid);
    free(decisions);
    return st;
}

/* regel diff OLD... -- NEW... --data DIR [options]: options may come
 * anywhere, so `--` only separates the two versions. */
static int write_stdout(void *ctx, const char *data, size_t n)
{
    (void)ctx;
    return fwrite(data, 1, n, stdout) == n ? 0 : -1;
}

static int cmd_diff(int argc, char **argv)
{
    regel_run_options o;
    regel_run_options_init(&o);
    o.format = REGEL_FORMAT_TABLE;
    char **before = calloc((size_t)argc + 1, sizeof *before), **after = calloc((size_t)argc + 1, sizeof *after);
    const char **decisions = calloc((size_t)argc + 1, sizeof *decisions);
    int nbefore = 0, nafter = 0, ndecisions = 0, status = REGEL_OK;
    bool split = false;
    for (int i = 0; i < argc && status == REGEL_OK; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            if (split)
                status = usage_error("%s", "diff takes one -- between the old and the new policy");
            split = true;
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (split)
                after[nafter++] = argv[i];
            else
                before[nbefore++] = argv[i];
            continue;
        }
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "--data") == 0 || strcmp(a, "--today") == 0 || strcmp(a, "--decision") == 0 ||
                     strcmp(a, "--format") == 0 || strcmp(a, "--on-error") == 0;
        if (!takes) {
            status = usage_error("unknown option %s", a);
            break;
        }
        if (!value) {
            status = usage_error("%s needs a value", a);
            break;
        }
        i++;
        if (strcmp(a, "--data") == 0)
            o.data_dir = value;
        else if (strcmp(a, "--today") == 0)
            o.today = value;
        else if (strcmp(a, "--decision") == 0)
            decisions[ndecisions++] = value;
        else if (strcmp(a, "--format") == 0) {
            if (strcmp(value, "json") == 0 || strcmp(value, "jsonl") == 0)
                o.format = REGEL_FORMAT_JSONL;
            else if (strcmp(value, "text") == 0 || strcmp(value, "table") == 0)
                o.format = REGEL_FORMAT_TABLE;
            else
                status = usage_error("diff's --format is text or json, not '%s'", value);
        } else if (strcmp(value, "fail") == 0 || strcmp(value, "skip") == 0) {
            o.on_invalid = value[0] == 'f' ? REGEL_INVALID_FAIL : REGEL_INVALID_SKIP;
        } else {
            status = usage_error("--on-error is fail or skip, not '%s'", value);
        }
    }
    if (status == REGEL_OK && (!split || !nbefore || !nafter))
        status = usage_error("%s", "diff needs the old policy, --, and the new one: regel diff OLD... -- NEW... --data DIR");
    else if (status == REGEL_OK && !o.data_dir)
        status = usage_error("%s", "diff needs --data DIR, the folder with the exports");
    regel_program *old_p = NULL, *new_p = NULL;
    /* A precompiled side is loaded, so that regel_diff says why it cannot
     * be compared instead of it being read as a policy file. */
    if (status == REGEL_OK)
        status = open_program(before, nbefore, 0, NULL, &old_p);
    if (status == REGEL_OK)
        status = open_program(after, nafter, 0, NULL, &new_p);
    if (status == REGEL_OK) {
        if (ndecisions) {
            o.decisions = decisions;
            o.ndecisions = (size_t)ndecisions;
        }
        o.report = print_report;
        o.write = write_stdout;
        int changed = 0;
        status = regel_diff(old_p, new_p, &o, &changed);
        if (status == REGEL_OK && changed)
            status = 1;
        else if (status == REGEL_ERR_USAGE)
            fprintf(stderr, "(regel help shows the usage)\n");
        else if (status == REGEL_ERR_NOMEM)
            fprintf(stderr, "regel: out of memory\n");
    }
    if (old_p)
        regel_program_free(old_p);
    if (new_p)
        regel_program_free(new_p);
    free(before);
    free(after);
    free(decisions);
    return status;
}

/* A percentage written 95 or 87.5, from 0 to 100: digits, then perhaps a
 * point and more digits (no sign, exponent or spaces, which strtod would
 * take). */
static bool parse_percent(const char *s, double *out)
{
    const char *p = s;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == s)
        return false;
    if (*p == '.') {
        const char *frac = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == frac)
            return false;
    }
    if (*p)
        return false;
    *out = strtod(s, NULL);
    return *out <= 100;
}

static int cmd_test(int argc, char **argv)
{
    static const struct option longs[] = {
        {"today", required_argument, 0, OPT_TODAY},
        {"coverage", no_argument, 0, 'c'},
        {"filter", required_argument, 0, OPT_FILTER},
        {"min-coverage", required_argument, 0, OPT_MIN_COVERAGE},
        {0, 0, 0, 0},
    };
    regel_test_options o;
    regel_test_options_init(&o);
    o.write = write_stdout;
    o.report = print_report;
    const char **filters = calloc((size_t)argc + 1, sizeof *filters);
    size_t nfilters = 0;
    optind = 1;
    opterr = 0;
    int c, rc = -1;
    while (rc < 0 && (c = getopt_long(argc, argv, ":", longs, NULL)) != -1) {
        switch (c) {
        case OPT_TODAY: o.today = optarg; break;
        case 'c': o.every_rule = 1; break;
        case OPT_FILTER: filters[nfilters++] = optarg; break;
        case OPT_MIN_COVERAGE:
            if (!parse_percent(optarg, &o.min_coverage))
                rc = usage_error("--min-coverage is a percentage from 0 to 100, such as 95 or 87.5, not '%s'",
                                 optarg);
            break;
        case ':': rc = usage_error("%s needs a value", argv[optind - 1]); break;
        default: rc = usage_error("unknown option %s", argv[optind - 1]); break;
        }
    }
    if (rc < 0 && optind >= argc)
        rc = usage_error("%s", "test needs a policy file or folder");
    if (rc >= 0) {
        free(filters);
        return rc;
    }
    o.filters = filters;
    o.nfilters = nfilters;
    unsigned long errors = 0;
    regel_test_summary s;
    regel_status st = regel_test((const char *const *)argv + optind, (size_t)(argc - optind), print_diag, &errors, &o, &s);
    free(filters);
    if (st == REGEL_ERR_POLICY && errors)
        fprintf(stderr, "%lu error%s\n", errors, errors == 1 ? "" : "s");
    else if (st == REGEL_ERR_USAGE)
        fprintf(stderr, "(regel help shows the usage)\n");
    else if (st == REGEL_ERR_NOMEM)
        fprintf(stderr, "regel: out of memory\n");
    return st;
}

/* ---------------------------------------------------------------- fmt */

typedef struct Text {
    char *data;
    size_t len;
} Text;

static bool read_all(FILE *f, Text *t)
{
    size_t cap = 1 << 16;
    t->data = malloc(cap);
    t->len = 0;
    if (!t->data)
        return false;
    size_t got;
    while ((got = fread(t->data + t->len, 1, cap - t->len, f)) > 0) {
        t->len += got;
        if (t->len == cap) {
            char *bigger = realloc(t->data, cap * 2);
            if (!bigger) {
                free(t->data);
                return false;
            }
            t->data = bigger;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        free(t->data);
        return false;
    }
    return true;
}

/* The lines of a text: starts[i] .. starts[i + 1]. */
typedef struct Lines {
    const char *text;
    size_t *starts;
    size_t n;
} Lines;

static bool split_lines(const char *text, size_t len, Lines *l)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        count += text[i] == '\n';
    l->text = text;
    l->starts = malloc((count + 2) * sizeof *l->starts);
    if (!l->starts)
        return false;
    l->n = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            l->starts[l->n++] = start;
            start = i + 1;
        }
    if (start < len)
        l->starts[l->n++] = start;
    l->starts[l->n] = len;
    return true;
}

static bool same_line(const Lines *a, size_t i, const Lines *b, size_t j)
{
    size_t la = a->starts[i + 1] - a->starts[i], lb = b->starts[j + 1] - b->starts[j];
    return la == lb && memcmp(a->text + a->starts[i], b->text + b->starts[j], la) == 0;
}

static void print_line(char mark, const Lines *l, size_t i)
{
    size_t n = l->starts[i + 1] - l->starts[i];
    const char *s = l->text + l->starts[i];
    bool nl = n && s[n - 1] == '\n';
    printf("%c%.*s%s", mark, (int)(nl ? n - 1 : n), s, "\n");
}

/* Past this many line pairs the changed part is only named, not diffed:
 * the table below grows with their product. */
#define FMT_DIFF_MAX_CELLS 4000000

/* Prints what formatting would change as a unified diff (three lines of
 * context), from a longest common subsequence of the changed middle. */
static void print_diff(const char *path, const Text *old, const char *new_text, size_t new_len)
{
    Lines a, b;
    if (!split_lines(old->data, old->len, &a))
        return;
    if (!split_lines(new_text, new_len, &b)) {
        free(a.starts);
        return;
    }
    printf("--- %s\n+++ %s (formatted)\n", path, path);
    size_t pre = 0;
    while (pre < a.n && pre < b.n && same_line(&a, pre, &b, pre))
        pre++;
    size_t post = 0;
    while (post < a.n - pre && post < b.n - pre && same_line(&a, a.n - 1 - post, &b, b.n - 1 - post))
        post++;
    size_t n = a.n - pre - post, m = b.n - pre - post;
    unsigned *lcs = NULL;
    if ((unsigned long long)(n + 1) * (m + 1) <= FMT_DIFF_MAX_CELLS)
        lcs = calloc((n + 1) * (m + 1), sizeof *lcs);
    if (!lcs) {
        printf("@@ the file differs from line %zu on @@\n", pre + 1);
        free(a.starts);
        free(b.starts);
        return;
    }
#define L(i, j) lcs[(i) * (m + 1) + (j)]
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            L(i, j) = same_line(&a, pre + i, &b, pre + j) ? L(i + 1, j + 1) + 1
                      : L(i + 1, j) >= L(i, j + 1)      ? L(i + 1, j)
                                                        : L(i, j + 1);
    /* The edit script over whole files: ' ', '-', '+' with line numbers. */
    size_t total = a.n + b.n;
    char *op = malloc(total + 1);
    size_t *ai = malloc((total + 1) * sizeof *ai), *bi = malloc((total + 1) * sizeof *bi);
    size_t k = 0;
    if (op && ai && bi) {
        for (size_t x = 0; x < pre; x++, k++)
            op[k] = ' ', ai[k] = x, bi[k] = x;
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && same_line(&a, pre + i, &b, pre + j)) {
                op[k] = ' ', ai[k] = pre + i++, bi[k] = pre + j++;
            } else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
                op[k] = '-', ai[k] = pre + i++, bi[k] = pre + j;
            } else {
                op[k] = '+', ai[k] = pre + i, bi[k] = pre + j++;
            }
            k++;
        }
        for (size_t x = 0; x < post; x++, k++)
            op[k] = ' ', ai[k] = a.n - post + x, bi[k] = b.n - post + x;
        /* Hunks: changes with up to three lines of context around them. */
        enum { CONTEXT = 3 };
        size_t x = 0;
        while (x < k) {
            if (op[x] == ' ') {
                x++;
                continue;
            }
            size_t start = x > CONTEXT ? x - CONTEXT : 0;
            size_t end = x;
            /* Extend while the next change is near enough to share context. */
            for (;;) {
                while (end < k && op[end] != ' ')
                    end++;
                size_t next = end;
                while (next < k && op[next] == ' ')
                    next++;
                if (next < k && next - end <= 2 * CONTEXT)
                    end = next;
                else
                    break;
            }
            size_t stop = end + CONTEXT < k ? end + CONTEXT : k;
            size_t na = 0, nb = 0;
            for (size_t y = start; y < stop; y++) {
                na += op[y] != '+';
                nb += op[y] != '-';
            }
            printf("@@ -%zu,%zu +%zu,%zu @@\n", ai[start] + (na ? 1 : 0), na, bi[start] + (nb ? 1 : 0), nb);
            for (size_t y = start; y < stop; y++) {
                if (op[y] == '+')
                    print_line('+', &b, bi[y]);
                else
                    print_line(op[y], &a, ai[y]);
            }
            x = stop;
        }
    }
#undef L
    free(op);
    free(ai);
    free(bi);
    free(lcs);
    free(a.starts);
    free(b.starts);
}

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Formats one file (or standard input for "-"): 0 when it was formatted
 * already, 1 when it changed (or would, with check), else an exit status. */
static int fmt_one(const char *path, bool check, unsigned long *errors)
{
    bool std = strcmp(path, "-") == 0;
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "regel: cannot read %s: %s\n", path, strerror(errno));
        return REGEL_ERR_USAGE;
    }
    Text old;
    bool ok = read_all(f, &old);
    if (!std)
        fclose(f);
    if (!ok) {
        fprintf(stderr, "regel: cannot read %s\n", path);
        return REGEL_ERR_USAGE;
    }
    char *out;
    size_t len;
    regel_status st = regel_format_text(std ? "<stdin>" : path, old.data, old.len, print_diag, errors, &out, &len);
    if (st != REGEL_OK) {
        free(old.data);
        if (st == REGEL_ERR_NOMEM)
            fprintf(stderr, "regel: out of memory\n");
        return st;
    }
    bool changed = len != old.len || memcmp(out, old.data, len) != 0;
    int rc = changed ? 1 : 0;
    if (std && !check) {
        if (fwrite(out, 1, len, stdout) != len)
            rc = REGEL_ERR_OUTPUT;
    } else if (changed && check) {
        print_diff(std ? "<stdin>" : path, &old, out, len);
    } else if (changed) {
        /* Written beside the file and renamed over it, keeping its mode,
         * so an interrupted run never leaves half a policy. */
        struct stat st_old;
        char *target = rename_target(path);
        size_t tl = strlen(target) + 16;
        char *tmp = malloc(tl);
        snprintf(tmp, tl, "%s.tmpXXXXXX", target);
        int fd = mkstemp(tmp);
        bool written = fd >= 0 && write(fd, out, len) == (ssize_t)len;
        if (fd >= 0 && stat(target, &st_old) == 0)
            fchmod(fd, st_old.st_mode & 07777);
        if (fd >= 0 && close(fd) != 0)
            written = false;
        if (!written || rename(tmp, target) != 0) {
            fprintf(stderr, "regel: cannot write %s: %s\n", path, strerror(errno));
            if (fd >= 0)
                unlink(tmp);
            rc = REGEL_ERR_OUTPUT;
        } else {
            printf("formatted %s\n", path);
        }
        free(tmp);
        free(target);
    }
    regel_free(out);
    free(old.data);
    return rc;
}

static int cmd_fmt(int argc, char **argv)
{
    bool check = false;
    int npaths = 0;
    char **paths = calloc((size_t)argc + 1, sizeof *paths);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            check = true;
        else if (argv[i][0] == '-' && argv[i][1]) {
            free(paths);
            return usage_error("unknown option %s", argv[i]);
        } else
            paths[npaths++] = argv[i];
    }
    if (!npaths) {
        free(paths);
        return usage_error("%s", "fmt needs a policy file or folder ('-' for standard input)");
    }
    int worst = 0;
    unsigned long errors = 0, unformatted = 0;
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *dir = opendir(paths[i]);
            if (!dir) {
                fprintf(stderr, "regel: cannot read the folder %s\n", paths[i]);
                worst = REGEL_ERR_USAGE;
                continue;
            }
            size_t n = 0, cap = 16;
            char **files = malloc(cap * sizeof *files);
            struct dirent *e;
            while ((e = readdir(dir))) {
                size_t l = strlen(e->d_name);
                if (e->d_name[0] == '.' || l <= 6 || strcmp(e->d_name + l - 6, ".regel") != 0)
                    continue;
                if (n == cap)
                    files = realloc(files, (cap *= 2) * sizeof *files);
                size_t dl = strlen(paths[i]);
                files[n] = malloc(dl + l + 2);
                sprintf(files[n++], "%s%s%s", paths[i], dl && paths[i][dl - 1] == '/' ? "" : "/", e->d_name);
            }
            closedir(dir);
            qsort(files, n, sizeof *files, cmp_paths);
            for (size_t j = 0; j < n; j++) {
                int rc = fmt_one(files[j], check, &errors);
                if (rc == 1)
                    unformatted++;
                else if (rc > worst)
                    worst = rc;
                free(files[j]);
            }
            free(files);
            continue;
        }
        int rc = fmt_one(paths[i], check, &errors);
        if (rc == 1)
            unformatted++;
        else if (rc > worst)
            worst = rc;
    }
    free(paths);
    if (errors)
        fprintf(stderr, "%lu error%s\n", errors, errors == 1 ? "" : "s");
    if (worst)
        return worst;
    if (check && unformatted) {
        fprintf(stderr, "regel: %lu file%s not formatted (regel fmt formats them)\n", unformatted,
                unformatted == 1 ? " is" : "s are");
        return 1;
    }
    return REGEL_OK;
}

/* regel compile POLICY... -o FILE.rgc [--sign SECRETKEY] */
static int cmd_compile(int argc, char **argv)
{
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'},
        {"sign", required_argument, 0, OPT_SIGN},
        {0, 0, 0, 0},
    };
    const char *output = NULL, *keyfile = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:", longs, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case OPT_SIGN: keyfile = optarg; break;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "compile needs a policy file or folder");
    if (!output)
        return usage_error("%s", "compile needs -o FILE.rgc, the file to write");
    if (!is_image(output))
        return usage_error("the precompiled file's name ends in .rgc, not '%s'", output);
    unsigned long errors = 0;
    unsigned char key[REGEL_SECRET_KEY_BYTES];
    if (keyfile) {
        regel_status st = regel_key_read(keyfile, 1, key, print_diag, &errors);
        if (st != REGEL_OK)
            return st;
    }
    regel_program *p;
    regel_status st = compile(argv + optind, argc - optind, 0, &p);
    if (st != REGEL_OK)
        return st;
    st = regel_program_save(p, output, keyfile ? key : NULL, print_diag, &errors);
    if (st == REGEL_OK)
        fprintf(stderr, "regel: wrote %s (%zu decisions, policy version %s%s)\n", output, regel_decision_count(p),
                regel_program_version(p), keyfile ? ", signed" : "");
    else if (st == REGEL_ERR_NOMEM)
        fprintf(stderr, "regel: out of memory\n");
    regel_program_free(p);
    return st;
}

/* regel keygen NAME: NAME.pub and NAME.key, never over existing files. */
static int cmd_keygen(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return usage_error("%s", "keygen needs one name: regel keygen NAME writes NAME.pub and NAME.key");
    size_t n = strlen(argv[0]) + 5;
    char *pub = malloc(n), *sec = malloc(n);
    snprintf(pub, n, "%s.pub", argv[0]);
    snprintf(sec, n, "%s.key", argv[0]);
    int rc = REGEL_OK;
    unsigned char pk[REGEL_PUBLIC_KEY_BYTES], sk[REGEL_SECRET_KEY_BYTES];
    unsigned long errors = 0;
    if (access(pub, F_OK) == 0 || access(sec, F_OK) == 0) {
        fprintf(stderr, "regel: %s or %s exists already; keygen does not replace keys\n", pub, sec);
        rc = REGEL_ERR_OUTPUT;
    } else if ((rc = regel_keygen(pk, sk)) == REGEL_OK &&
               (rc = regel_key_write(sec, sk, 1, print_diag, &errors)) == REGEL_OK &&
               (rc = regel_key_write(pub, pk, 0, print_diag, &errors)) == REGEL_OK) {
        fprintf(stderr, "regel: wrote %s (the public key, for checking) and %s (the secret key, for signing: keep it "
                        "secret)\n", pub, sec);
    }
    free(pub);
    free(sec);
    return rc;
}

/* What a command writes to standard output is its result: when it could
 * not all be written (a full disk), say so, and a command that would have
 * succeeded fails with the status of an output error. */
static int output_written(int rc)
{
    int err = fflush(stdout) != 0 ? errno : 0;
    if (!ferror(stdout))
        return rc;
    fprintf(stderr, "regel: the output could not be written%s%s\n", err ? ": " : "", err ? strerror(err) : "");
    return rc == REGEL_OK || rc == 1 ? REGEL_ERR_OUTPUT : rc;
}

static int run_verb(int argc, char **argv);

int main(int argc, char **argv)
{
    int rc = run_verb(argc, argv);
    /* The language server and the service speak their own protocols. */
    if (argc >= 2 && (strcmp(argv[1], "lsp") == 0 || strcmp(argv[1], "serve") == 0))
        return rc;
    return output_written(rc);
}

static int run_verb(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return REGEL_ERR_USAGE;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(verb, "run") == 0 || strcmp(verb, "disasm") == 0 || strcmp(verb, "explain") == 0)
        return cmd_run(argc - 1, argv + 1, verb);
    if (strcmp(verb, "diff") == 0)
        return cmd_diff(argc - 2, argv + 2);
    if (strcmp(verb, "repl") == 0)
        return repl_main(argc - 2, argv + 2);
    if (strcmp(verb, "test") == 0)
        return cmd_test(argc - 1, argv + 1);
    if (strcmp(verb, "fmt") == 0)
        return cmd_fmt(argc - 2, argv + 2);
    if (strcmp(verb, "compile") == 0)
        return cmd_compile(argc - 1, argv + 1);
    if (strcmp(verb, "keygen") == 0)
        return cmd_keygen(argc - 2, argv + 2);
    if (strcmp(verb, "serve") == 0)
        return serve_main(argc - 1, argv + 1);
    if (strcmp(verb, "lsp") == 0) {
        /* Clients built on vscode-languageclient ask for the one transport
         * there is with --stdio. */
        if (argc == 2 || (argc == 3 && strcmp(argv[2], "--stdio") == 0))
            return lsp_serve(stdin, stdout);
        return usage_error("%s", "lsp takes no arguments but --stdio (it speaks over standard input and output)");
    }
    if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
        printf("regel %s\n", regel_version());
        return REGEL_OK;
    }
    if (strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        fputs(usage_text, stdout);
        return REGEL_OK;
    }
    return usage_error("unknown command '%s'", verb);
}
