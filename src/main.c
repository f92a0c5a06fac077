/*
 * main.c — the `regel` command: parses the command line and hands each
 * verb to the public API.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regel.h"

static const char usage_text[] =
    "usage: regel <command> [arguments]\n"
    "\n"
    "commands:\n"
    "  check POLICY...             check policy files or folders and report every problem\n"
    "  run POLICY... --data DIR    run the decisions over the exports in DIR\n"
    "      [--decision NAME]...    only these decisions\n"
    "      [--today YYYY-MM-DD]    the date rules see as today (default: the machine's date)\n"
    "      [--format jsonl|table|csv]  (default: table on a terminal, jsonl otherwise)\n"
    "      [--on-error fail|skip]  what an invalid record does (default: as the policy says, else fail)\n"
    "      [--max-steps N] [--max-memory BYTES] [--max-depth N]  limits per decision\n"
    "      [-o FILE]               write the decisions to FILE instead of standard output\n"
    "  test POLICY... [--today YYYY-MM-DD] [--coverage]\n"
    "                              run the policies' test blocks and report rule coverage\n"
    "  disasm POLICY... [--decision NAME]   show the compiled bytecode\n"
    "  version                     print the version\n"
    "\n"
    "exit status: 0 ok, 1 tests failed, 2 usage, 3 policy errors, 4 data errors,\n"
    "             5 a decision failed with an error,\n"
    "             6 output could not be written, 7 out of memory\n";

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

static regel_status compile(char **paths, int n, regel_program **p)
{
    unsigned long errors = 0;
    regel_status st = regel_compile_files((const char *const *)paths, (size_t)n, print_diag, &errors, p);
    if (st == REGEL_ERR_POLICY && errors)
        fprintf(stderr, "%lu error%s\n", errors, errors == 1 ? "" : "s");
    else if (st == REGEL_ERR_NOMEM)
        fprintf(stderr, "regel: out of memory\n");
    return st;
}

static int cmd_check(int argc, char **argv)
{
    if (argc < 1)
        return usage_error("%s", "check needs at least one policy file or folder");
    regel_program *p;
    regel_status st = compile(argv, argc, &p);
    if (st == REGEL_OK)
        regel_program_free(p);
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

enum { OPT_DATA = 256, OPT_DECISION, OPT_TODAY, OPT_FORMAT, OPT_ON_ERROR, OPT_MAX_STEPS, OPT_MAX_MEMORY, OPT_MAX_DEPTH };

static int cmd_run(int argc, char **argv, bool disasm)
{
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
        {0, 0, 0, 0},
    };
    regel_run_options o;
    regel_run_options_init(&o);
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
            if (strcmp(optarg, "jsonl") == 0)
                o.format = REGEL_FORMAT_JSONL;
            else if (strcmp(optarg, "table") == 0)
                o.format = REGEL_FORMAT_TABLE;
            else if (strcmp(optarg, "csv") == 0)
                o.format = REGEL_FORMAT_CSV;
            else
                return usage_error("--format is jsonl, table or csv, not '%s'", optarg);
            break;
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
    /* People at a terminal get the table; files and pipes the contract. */
    if (!format_given)
        o.format = isatty(STDOUT_FILENO) && !output ? REGEL_FORMAT_TABLE : REGEL_FORMAT_JSONL;
    /* Policies may also come after the options. */
    char **policies = argv + optind;
    int npolicies = argc - optind;
    if (npolicies < 1)
        return usage_error("%s", disasm ? "disasm needs a policy file or folder" : "run needs a policy file or folder");
    if (!disasm && !o.data_dir)
        return usage_error("%s", "run needs --data DIR, the folder with the exports");
    regel_program *p;
    regel_status st = compile(policies, npolicies, &p);
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
    char *tmp = NULL;
    if (output) {
        /* Written beside the target and renamed at the end, so an
         * interrupted run never leaves half a result under its name. */
        size_t len = strlen(output) + 16;
        tmp = malloc(len);
        snprintf(tmp, len, "%s.tmpXXXXXX", output);
        int fd = mkstemp(tmp);
        if (fd < 0 || !(sink.f = fdopen(fd, "w"))) {
            fprintf(stderr, "regel: cannot write %s: %s\n", output, strerror(errno));
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
    if (output) {
        bool ok = fclose(sink.f) == 0 && (st == REGEL_OK || st == REGEL_ERR_EVAL);
        if (ok && rename(tmp, output) != 0) {
            fprintf(stderr, "regel: cannot write %s: %s\n", output, strerror(errno));
            st = REGEL_ERR_OUTPUT;
            ok = false;
        }
        if (!ok)
            unlink(tmp);
        free(tmp);
    }
    if (st == REGEL_ERR_NOMEM)
        fprintf(stderr, "regel: out of memory\n");
    if (st == REGEL_ERR_USAGE)
        fprintf(stderr, "(regel help shows the usage)\n");
    else
        fprintf(stderr, "regel: %llu records read, %llu decided, %llu failed, %llu invalid\n", s.read, s.decided,
                s.failed, s.invalid);
    free(decisions);
    return st;
}

static int write_stdout(void *ctx, const char *data, size_t n)
{
    (void)ctx;
    return fwrite(data, 1, n, stdout) == n ? 0 : -1;
}

static int cmd_test(int argc, char **argv)
{
    static const struct option longs[] = {
        {"today", required_argument, 0, OPT_TODAY},
        {"coverage", no_argument, 0, 'c'},
        {0, 0, 0, 0},
    };
    regel_test_options o;
    regel_test_options_init(&o);
    o.write = write_stdout;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", longs, NULL)) != -1) {
        switch (c) {
        case OPT_TODAY: o.today = optarg; break;
        case 'c': o.every_rule = 1; break;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "test needs a policy file or folder");
    unsigned long errors = 0;
    regel_test_summary s;
    regel_status st = regel_test((const char *const *)argv + optind, (size_t)(argc - optind), print_diag, &errors, &o, &s);
    if (st == REGEL_ERR_POLICY && errors)
        fprintf(stderr, "%lu error%s\n", errors, errors == 1 ? "" : "s");
    else if (st == REGEL_ERR_USAGE)
        return usage_error("the date for today is written YYYY-MM-DD, not '%s'", o.today);
    else if (st == REGEL_ERR_NOMEM)
        fprintf(stderr, "regel: out of memory\n");
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return REGEL_ERR_USAGE;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(verb, "run") == 0)
        return cmd_run(argc - 1, argv + 1, false);
    if (strcmp(verb, "disasm") == 0)
        return cmd_run(argc - 1, argv + 1, true);
    if (strcmp(verb, "test") == 0)
        return cmd_test(argc - 1, argv + 1);
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
