/*
 * test_cli.c — the `regel` command where a golden case cannot reach: files
 * it rewrites in place (fmt), text on standard input, file names a
 * repository does not hold (a tab, a byte that is not UTF-8), and files it
 * writes first (a precompiled policy given to diff). Each test runs the
 * command in a fresh folder and reads its exit status, its output and the
 * files it left.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/regel-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 60);

typedef struct Ran {
    int status;
    char out[16384], err[16384];
} Ran;

static void slurp(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    ssize_t n;
    while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
}

/* Where the next run's standard output goes instead of r->out, if set. */
static const char *stdout_to;

/* Runs regel with args (NULL-terminated) in dir, input on its standard
 * input (NULL: none). */
static void run(Ran *r, const char *input, const char *const *args)
{
    char in_path[128], out_path[128], err_path[128];
    snprintf(in_path, sizeof in_path, "%s/.in", dir);
    snprintf(out_path, sizeof out_path, "%s/.out", dir);
    snprintf(err_path, sizeof err_path, "%s/.err", dir);
    FILE *f = fopen(in_path, "w");
    cr_assert_not_null(f);
    if (input)
        fputs(input, f);
    fclose(f);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int in = open(in_path, O_RDONLY), out = open(stdout_to ? stdout_to : out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
            err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        const char *argv[32] = {"regel"};
        for (int i = 0; args[i] && i < 30; i++)
            argv[i + 1] = args[i];
        execv(REGEL_BIN, (char *const *)argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int fd = open(out_path, O_RDONLY);
    slurp(fd, r->out, sizeof r->out);
    close(fd);
    fd = open(err_path, O_RDONLY);
    slurp(fd, r->err, sizeof r->err);
    close(fd);
    unlink(in_path);
    unlink(out_path);
    unlink(err_path);
}

#define RUN(r, input, ...) run((r), (input), (const char *const[]){__VA_ARGS__, NULL})

static void put(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static char *get(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static const char UNFORMATTED[] = "const   A=1\n# the limit\nconst B = A+2\n";
static const char FORMATTED[] = "const A = 1\n# the limit\nconst B = A + 2\n";

/* ---------------------------------------------------------------- fmt */

Test(cli, fmt_rewrites_files_in_place_and_keeps_their_mode)
{
    put("a.regel", UNFORMATTED);
    put("b.regel", FORMATTED);
    char path[256];
    snprintf(path, sizeof path, "%s/a.regel", dir);
    cr_assert_eq(chmod(path, 0640), 0);
    Ran r;
    RUN(&r, NULL, "fmt", "a.regel", "b.regel");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "formatted a.regel\n", "only the file that changed is named");
    cr_expect_str_eq(get("a.regel"), FORMATTED);
    cr_expect_str_eq(get("b.regel"), FORMATTED);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0640, "the mode is kept: %o", st.st_mode & 07777);
    /* Nothing is left beside it. */
    RUN(&r, NULL, "fmt", "--check", ".");
    cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
}

Test(cli, fmt_of_a_folder_formats_each_policy_file_in_it)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/p", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    put("p/x.regel", UNFORMATTED);
    put("p/y.regel", UNFORMATTED);
    put("p/notes.txt", UNFORMATTED);
    Ran r;
    RUN(&r, NULL, "fmt", "p/");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "formatted p/x.regel\nformatted p/y.regel\n");
    cr_expect_str_eq(get("p/y.regel"), FORMATTED);
    cr_expect_str_eq(get("p/notes.txt"), UNFORMATTED, "only .regel files");
}

Test(cli, fmt_check_shows_what_would_change_and_changes_nothing)
{
    put("a.regel", UNFORMATTED);
    Ran r;
    RUN(&r, NULL, "fmt", "--check", "a.regel");
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.out, "--- a.regel\n"
                            "+++ a.regel (formatted)\n"
                            "@@ -1,3 +1,3 @@\n"
                            "-const   A=1\n"
                            "+const A = 1\n"
                            " # the limit\n"
                            "-const B = A+2\n"
                            "+const B = A + 2\n");
    cr_expect_str_eq(r.err, "regel: 1 file is not formatted (regel fmt formats them)\n");
    cr_expect_str_eq(get("a.regel"), UNFORMATTED);
}

Test(cli, fmt_of_standard_input_writes_standard_output)
{
    Ran r;
    RUN(&r, UNFORMATTED, "fmt", "-");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, FORMATTED);
    RUN(&r, UNFORMATTED, "fmt", "--check", "-");
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.out, "--- <stdin>\n+++ <stdin> (formatted)\n"), "%s", r.out);
    RUN(&r, "const A = \n", "fmt", "-");
    cr_expect_eq(r.status, 3);
    cr_expect(strstr(r.err, "<stdin>:1:11: error: unexpected end of file, expected an expression\n"), "%s", r.err);
    cr_expect(strstr(r.err, "1 error\n"), "%s", r.err);
}

Test(cli, fmt_of_a_file_that_is_not_there)
{
    Ran r;
    RUN(&r, NULL, "fmt", "nowhere.regel");
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "regel: cannot read nowhere.regel: No such file or directory\n");
}

/* ---------------------------------------------------------------- check --format json */

Test(cli, check_json_is_valid_json_whatever_the_file_is_called)
{
    /* A tab, a quote, a 2-, 3- and 4-byte character, and a byte that is
     * not UTF-8 in the name; an error in each. */
    const char *names[] = {"tab\there.regel", "quote\"d.regel", "åsa€😀.regel", "bad\xff.regel"};
    const char *json[] = {"tab\\there.regel", "quote\\\"d.regel", "åsa€😀.regel", "bad\\ufffd.regel"};
    for (size_t i = 0; i < 4; i++) {
        put(names[i], "const A = undefined_name\n");
        Ran r;
        RUN(&r, NULL, "check", "--format", "json", names[i]);
        cr_expect_eq(r.status, 3, "%s", r.err);
        char want[256];
        snprintf(want, sizeof want,
                 "{\"level\":\"error\",\"file\":\"%s\",\"line\":1,\"column\":11,\"end_line\":1,\"end_column\":25,"
                 "\"message\":\"unknown name 'undefined_name'\",",
                 json[i]);
        cr_expect_eq(strncmp(r.out, want, strlen(want)), 0, "got %s\nwant %s", r.out, want);
    }
}

/* ---------------------------------------------------------------- diff of a precompiled policy */

/* A policy with one decision, and its exports in data/. */
static void one_decision_policy(void)
{
    put("p.regel", "record R {\n    id: Text\n}\n\nsource rs: R from jsonl \"r.jsonl\" key id\n\n"
                   "decision d for r in rs {\n    outcome ja | nej\n    must A1 r.id != \"\" else \"tom\"\n}\n");
    char data[128];
    snprintf(data, sizeof data, "%s/data", dir);
    cr_assert_eq(mkdir(data, 0700), 0);
    put("data/r.jsonl", "{\"id\":\"a\"}\n");
}

Test(cli, diff_needs_both_versions_from_their_policy_files)
{
    one_decision_policy();
    Ran r;
    RUN(&r, NULL, "compile", "p.regel", "-o", "p.rgc");
    cr_assert_eq(r.status, 0, "%s", r.err);
    RUN(&r, NULL, "diff", "p.rgc", "--", "p.regel", "--data", "data");
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "a comparison needs both versions compiled from their policy files, not precompiled\n"
                            "(regel help shows the usage)\n");
    RUN(&r, NULL, "diff", "p.regel", "--", "p.regel", "--data", "data");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, "d: 1 line, no change\n");
}

/* ---------------------------------------------------------------- repl's options */

Test(cli, repl_refuses_options_it_does_not_know)
{
    Ran r;
    RUN(&r, NULL, "repl", "--today", "2026-13-01");
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "regel: the date for today is written YYYY-MM-DD, not '2026-13-01'\n");
    RUN(&r, NULL, "repl", "--color");
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "regel: unknown option --color\n(regel help shows the usage)\n");
}

/* ---------------------------------------------------------------- output that cannot be written */

Test(cli, output_that_cannot_be_written_is_an_error)
{
    put("p.regel", "record R {\n    id: Text\n}\n\nsource rs: R from jsonl \"r.jsonl\" key id\n\n"
                   "decision d for r in rs {\n    outcome ja | nej\n    must A1 r.id != \"\" else \"tom\"\n}\n\n"
                   "test \"t\" {\n    given rs = [R(id: \"a\")]\n    expect d(rs[\"a\"]!).outcome == ja\n}\n");
    char data[128];
    snprintf(data, sizeof data, "%s/data", dir);
    cr_assert_eq(mkdir(data, 0700), 0);
    put("data/r.jsonl", "{\"id\":\"a\"}\n");
    /* A full disk: every command whose result is its output says so and
     * exits 6, whatever it would have said otherwise. */
    stdout_to = "/dev/full";
    const char *const *commands[] = {
        (const char *const[]){"run", "p.regel", "--data", "data", NULL},
        (const char *const[]){"fmt", "-", NULL},
        (const char *const[]){"diff", "p.regel", "--", "p.regel", "--data", "data", NULL},
        (const char *const[]){"test", "p.regel", NULL},
        (const char *const[]){"disasm", "p.regel", NULL},
        (const char *const[]){"help", NULL},
    };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        Ran r;
        run(&r, "const A = 1\n", commands[i]);
        cr_expect_eq(r.status, 6, "%s: %d\n%s", commands[i][0], r.status, r.err);
        cr_expect(strstr(r.err, "regel: the output could not be written"), "%s: %s", commands[i][0], r.err);
    }
    /* Errors in the policy keep their own status; the lost output is said. */
    Ran r;
    RUN(&r, NULL, "check", "--format", "json", "nowhere.regel");
    cr_expect_eq(r.status, 3);
    cr_expect(strstr(r.err, "regel: the output could not be written"), "%s", r.err);
    stdout_to = NULL;
}

/* ---------------------------------------------------------------- run -o */

/* A result file is written beside its name and renamed over it at the end;
 * it gets the mode a new file gets, or the mode of the file it replaces. */
Test(cli, run_output_file_has_the_usual_mode)
{
    one_decision_policy();
    mode_t old = umask(022);
    Ran r;
    RUN(&r, NULL, "run", "p.regel", "--data", "data", "-o", "new.jsonl");
    cr_expect_eq(r.status, 0, "%s", r.err);
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/new.jsonl", dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0644, "a new file: %o", st.st_mode & 07777);
    cr_expect(strstr(get("new.jsonl"), "\"id\":\"a\""), "%s", get("new.jsonl"));
    cr_assert_eq(chmod(path, 0640), 0);
    RUN(&r, NULL, "run", "p.regel", "--data", "data", "-o", "new.jsonl");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0640, "the old file's mode: %o", st.st_mode & 07777);
    umask(old);
}

/* -o naming a pipe (or a device: -o /dev/null) writes into it: renaming a
 * file over it would put a file in its place. */
Test(cli, run_output_to_a_pipe_is_written_into_it)
{
    one_decision_policy();
    char fifo[256], got[256];
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    snprintf(got, sizeof got, "%s/got", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    pid_t reader = fork();
    cr_assert_neq(reader, -1);
    if (reader == 0) {
        int in = open(fifo, O_RDONLY), out = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        char buf[4096];
        ssize_t n;
        while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                _exit(1);
        _exit(in >= 0 && out >= 0 ? 0 : 1);
    }
    Ran r;
    RUN(&r, NULL, "run", "p.regel", "--data", "data", "--format", "jsonl", "-o", "pipe");
    int status = -1;
    for (int i = 0; i < 500 && waitpid(reader, &status, WNOHANG) == 0; i++)
        usleep(10000);
    if (status == -1) {
        kill(reader, SIGKILL);
        waitpid(reader, &status, 0);
        cr_assert_fail("nothing was written into the pipe");
    }
    cr_expect_eq(r.status, 0, "%s", r.err);
    struct stat st;
    cr_assert_eq(stat(fifo, &st), 0);
    cr_expect(S_ISFIFO(st.st_mode), "the pipe is still a pipe");
    cr_expect(strstr(get("got"), "\"decision\":\"d\""), "%s", get("got"));
}

/* A result or policy file reached through a symbolic link is written
 * where the link points, and the link stays a link. */
Test(cli, files_behind_a_symbolic_link_stay_behind_it)
{
    one_decision_policy();
    put("real.jsonl", "old\n");
    put("real.regel", UNFORMATTED);
    char link_out[256], link_pol[256];
    snprintf(link_out, sizeof link_out, "%s/out.jsonl", dir);
    snprintf(link_pol, sizeof link_pol, "%s/p2.regel", dir);
    cr_assert_eq(symlink("real.jsonl", link_out), 0);
    cr_assert_eq(symlink("real.regel", link_pol), 0);
    Ran r;
    RUN(&r, NULL, "run", "p.regel", "--data", "data", "--format", "jsonl", "-o", "out.jsonl");
    cr_expect_eq(r.status, 0, "%s", r.err);
    RUN(&r, NULL, "fmt", "p2.regel");
    cr_expect_eq(r.status, 0, "%s", r.err);
    struct stat st;
    cr_assert_eq(lstat(link_out, &st), 0);
    cr_expect(S_ISLNK(st.st_mode), "out.jsonl is still a link");
    cr_assert_eq(lstat(link_pol, &st), 0);
    cr_expect(S_ISLNK(st.st_mode), "p2.regel is still a link");
    cr_expect(strstr(get("real.jsonl"), "\"decision\":\"d\""), "%s", get("real.jsonl"));
    cr_expect_str_eq(get("real.regel"), FORMATTED);
}
