/*
 * test_repl.c — `regel repl` driven as a person drives it: through a
 * pseudo-terminal, typing lines, Tab and the arrow keys, and reading what
 * comes back; and as a script is, through a pipe. The policies are the
 * shipped ones over the sample exports.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds to wait for an answer; the sanitizer build is slow. */
#define WAIT_SECONDS 30

typedef struct Session {
    pid_t pid;
    int fd;
    char out[1 << 16];
    size_t len, seen; /* bytes read, and up to where expect() has looked */
} Session;

static char home[64];

static void setup(void)
{
    strcpy(home, "/tmp/regel-repl-XXXXXX");
    cr_assert_not_null(mkdtemp(home));
}

static void teardown(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/.regel_history", home);
    unlink(path);
    rmdir(home);
}

TestSuite(repl, .init = setup, .fini = teardown, .timeout = 120);

static void start(Session *s)
{
    memset(s, 0, sizeof *s);
    struct winsize ws = {.ws_row = 40, .ws_col = 120};
    s->pid = forkpty(&s->fd, NULL, NULL, &ws);
    cr_assert_neq(s->pid, -1);
    if (s->pid == 0) {
        setenv("HOME", home, 1);
        setenv("TERM", "xterm", 1);
        unsetenv("REGEL_HISTORY");
        if (chdir(SOURCE_ROOT) != 0)
            _exit(126);
        execl(REGEL_BIN, "regel", "repl", "policies", "--data", "policies/exports", "--today", "2026-11-22",
              (char *)NULL);
        _exit(127);
    }
}

/* Reads until `want` appears after what was matched before; fails with the
 * whole transcript when it does not come. */
static void expect(Session *s, const char *want)
{
    time_t deadline = time(NULL) + WAIT_SECONDS;
    for (;;) {
        s->out[s->len] = '\0';
        char *at = strstr(s->out + s->seen, want);
        if (at) {
            s->seen = (size_t)(at - s->out) + strlen(want);
            return;
        }
        int left = (int)(deadline - time(NULL));
        struct pollfd p = {s->fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left * 1000) <= 0 || s->len + 1 >= sizeof s->out)
            cr_assert_fail("\"%s\" did not come; the session said:\n%s", want, s->out);
        ssize_t n = read(s->fd, s->out + s->len, sizeof s->out - 1 - s->len);
        if (n <= 0)
            cr_assert_fail("the session ended before \"%s\"; it said:\n%s", want, s->out);
        s->len += (size_t)n;
    }
}

static void type(Session *s, const char *keys)
{
    size_t n = strlen(keys);
    cr_assert_eq(write(s->fd, keys, n), (ssize_t)n);
}

static int finish(Session *s)
{
    int status = 0;
    time_t deadline = time(NULL) + WAIT_SECONDS;
    while (waitpid(s->pid, &status, WNOHANG) == 0) {
        /* Drain what it still writes, so it never blocks on a full pty. */
        char buf[4096];
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0 && read(s->fd, buf, sizeof buf) <= 0)
            usleep(10000);
        if (time(NULL) > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            cr_assert_fail("the session did not end; it said:\n%s", s->out);
        }
    }
    close(s->fd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(repl, expressions_lets_and_errors_at_a_terminal)
{
    Session s;
    start(&s);
    expect(&s, "loaded");
    expect(&s, "vardcentraler: 12 records");
    expect(&s, "regel> ");
    type(&s, "1 + 2 * 3\r");
    expect(&s, "\n7");
    expect(&s, "regel> ");
    type(&s, "let n = count(vardcentraler)\r");
    expect(&s, "n = 12");
    expect(&s, "regel> ");
    /* An error leaves the bindings as they were. */
    type(&s, "n + nosuch\r");
    expect(&s, "unknown name 'nosuch'");
    expect(&s, "regel> ");
    type(&s, "n * 2\r");
    expect(&s, "24");
    expect(&s, "regel> ");
    /* A record shows its fields, lined up. */
    type(&s, "vardcentraler[\"SE2321000131-E000000000101\"]!\r");
    expect(&s, "Vardcentral");
    expect(&s, "  listade                  6230");
    expect(&s, "regel> ");
    type(&s, ":type n > 3\r");
    expect(&s, "Bool");
    expect(&s, "regel> ");
    type(&s, ":quit\r");
    cr_expect_eq(finish(&s), 0);
}

Test(repl, input_continues_while_a_bracket_is_open)
{
    Session s;
    start(&s);
    expect(&s, "regel> ");
    type(&s, "[1,\r");
    expect(&s, "...> ");
    type(&s, "2, 3]\r");
    expect(&s, "[1, 2, 3]");
    expect(&s, "regel> ");
    type(&s, "record Plats { namn: Text,\r");
    expect(&s, "...> ");
    type(&s, "antal: Int }\r");
    expect(&s, "regel> ");
    type(&s, "Plats(namn: \"Åmål\", antal: 2).antal\r");
    expect(&s, "\n2");
    expect(&s, "regel> ");
    /* A person does not type Ctrl-D within a millisecond of the prompt: the
     * terminal must be in libedit's mode, not the line discipline's. */
    usleep(300000);
    type(&s, "\x04"); /* Ctrl-D */
    cr_expect_eq(finish(&s), 0);
}

Test(repl, tab_completes_names_fields_and_enum_words)
{
    Session s;
    start(&s);
    expect(&s, "regel> ");
    /* The terminal shows the completed line with cursor moves; the answer
     * shows it was completed. */
    type(&s, "count(vardcentr\t)\r");
    expect(&s, "\n12");
    expect(&s, "regel> ");
    type(&s, "vardcentraler[\"SE2321000131-E000000000101\"]!.lista\t\r");
    expect(&s, "6230");
    expect(&s, "regel> ");
    type(&s, "Bt.paga\t\r");
    expect(&s, "pagaende");
    expect(&s, "regel> ");
    type(&s, "let k = 5\r");
    expect(&s, "k = 5");
    expect(&s, "regel> ");
    /* :reload reads the files again and redoes the lets. */
    type(&s, ":rel\t\r");
    expect(&s, "loaded");
    expect(&s, "k = 5");
    expect(&s, "regel> ");
    type(&s, "k + 1\r");
    expect(&s, "\n6");
    expect(&s, "regel> ");
    type(&s, ":quit\r");
    cr_expect_eq(finish(&s), 0);
}

Test(repl, history_is_kept_between_sessions)
{
    Session s;
    start(&s);
    expect(&s, "regel> ");
    type(&s, "40 + 2\r");
    expect(&s, "42");
    expect(&s, "regel> ");
    type(&s, ":quit\r");
    cr_expect_eq(finish(&s), 0);

    start(&s);
    expect(&s, "regel> ");
    /* Up twice: past ":quit" to "40 + 2". */
    type(&s, "\x1b[A\x1b[A\r");
    expect(&s, "42");
    expect(&s, "regel> ");
    type(&s, ":quit\r");
    cr_expect_eq(finish(&s), 0);
}

Test(repl, explain_and_rules_from_the_session)
{
    Session s;
    start(&s);
    expect(&s, "regel> ");
    type(&s, ":explain ytterligare_st SE2321000131-E000000000102\r");
    expect(&s, "ytterligare_st SE2321000131-E000000000102: nej");
    expect(&s, "would hold with vc.listade minst 4 500 (100 fler)");
    expect(&s, "regel> ");
    type(&s, ":rules\r");
    expect(&s, "B1    must   ytterligare_st");
    expect(&s, "regel> ");
    type(&s, ":quit\r");
    cr_expect_eq(finish(&s), 0);
}

/* A script through a pipe: no prompts, results on standard output, errors
 * on standard error, and the session goes on after an error. */
Test(repl, a_script_through_a_pipe)
{
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(in[1]);
        close(out[0]);
        if (chdir(SOURCE_ROOT) != 0)
            _exit(126);
        execl(REGEL_BIN, "regel", "repl", "policies", "--data", "policies/exports", "--today", "2026-11-22",
              (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    const char script[] = "let m = max(map(vardcentraler, .listade))!\nm + undefined\nm - 1\n"
                          ":disasm ytterligare_st\n:frob\n:quit\n";
    cr_assert_eq(write(in[1], script, strlen(script)), (ssize_t)strlen(script));
    close(in[1]);
    char buf[1 << 15];
    size_t len = 0;
    ssize_t n;
    while ((n = read(out[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_expect_null(strstr(buf, "regel>"), "a prompt in:\n%s", buf);
    cr_expect(strstr(buf, "m = 15957\n"), "%s", buf);
    cr_expect(strstr(buf, "unknown name 'undefined'"), "%s", buf);
    cr_expect(strstr(buf, "\n15956\n"), "%s", buf);
    cr_expect(strstr(buf, "== ytterligare_st"), "%s", buf);
    cr_expect(strstr(buf, "unknown command :frob"), "%s", buf);
}

/* ---------------------------------------------------------------- scripts through a pipe */

/* A session whose input is a pipe: lines are written as they are needed.
 * Its standard output and error share one pipe; the output of a pipe is
 * written when the session ends (or its buffer fills), errors at once. */
typedef struct Piped {
    Session s; /* s.fd: what the session writes */
    int in;
} Piped;

static void start_piped(Piped *p, const char *where, const char *const *args)
{
    memset(p, 0, sizeof *p);
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    p->s.pid = fork();
    cr_assert_neq(p->s.pid, -1);
    if (p->s.pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(in[1]);
        close(out[0]);
        if (chdir(where) != 0)
            _exit(126);
        const char *argv[16] = {"regel", "repl"};
        for (int i = 0; args[i] && i < 13; i++)
            argv[i + 2] = args[i];
        execv(REGEL_BIN, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->in = in[1];
    p->s.fd = out[0];
}

static void say(Piped *p, const char *lines)
{
    size_t n = strlen(lines);
    cr_assert_eq(write(p->in, lines, n), (ssize_t)n);
}

/* Ends the input, reads all the session wrote into p->s.out and returns
 * its exit status. */
static int end_piped(Piped *p)
{
    close(p->in);
    ssize_t n;
    while (p->s.len + 1 < sizeof p->s.out &&
           (n = read(p->s.fd, p->s.out + p->s.len, sizeof p->s.out - 1 - p->s.len)) > 0)
        p->s.len += (size_t)n;
    p->s.out[p->s.len] = '\0';
    close(p->s.fd);
    int status;
    waitpid(p->s.pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define START_PIPED(p, where, ...) start_piped((p), (where), (const char *const[]){__VA_ARGS__, NULL})

static void said(const Piped *p, const char *want)
{
    cr_expect(strstr(p->s.out, want), "no \"%s\" in:\n%s", want, p->s.out);
}

Test(repl, commands_say_how_they_are_used)
{
    Piped p;
    START_PIPED(&p, SOURCE_ROOT, "policies", "--data", "policies/exports", "--today", "2026-11-22");
    say(&p, ":help\n:load\n:data\n:data /nonexistent\n:today 2026-02-30\n:type\n:type let x = 1\n"
            ":explain\n:explain ytterligare_st\n:explain nope X\n:disasm\n:disasm nope\n:qiut\n"
            ":disasm komplett\n:today 2026-01-01\ntoday\n1 / 0\n\n   1 + 1   \n:quit\n");
    cr_expect_eq(end_piped(&p), 0);
    said(&p, "  :explain DECISION ID  why the line ID of DECISION came out as it did\n");
    said(&p, "usage: :load PATH...\n");
    said(&p, "usage: :data DIR\n");
    said(&p, "/nonexistent is not a folder\n");
    said(&p, "the date is written YYYY-MM-DD, not '2026-02-30'\n");
    said(&p, "usage: :type EXPRESSION\n");
    said(&p, ":type takes an expression\n");
    said(&p, "usage: :explain DECISION ID\nusage: :explain DECISION ID\n");
    said(&p, "there is no decision called 'nope'\n");
    said(&p, "usage: :disasm NAME\n");
    said(&p, "there is no decision or function called 'nope'\n");
    said(&p, "unknown command :qiut; did you mean :quit? (:help lists them)\n");
    /* A function's bytecode; a date for today; an error with its place. */
    said(&p, "== komplett (chunk ");
    said(&p, "\n2026-01-01\n");
    said(&p, "<input 2>:1:1: error: division by zero\n");
    said(&p, "\n2\n");
}

Test(repl, long_lists_of_records_are_shown_one_a_line)
{
    Piped p;
    START_PIPED(&p, SOURCE_ROOT, "policies", "--data", "policies/exports");
    say(&p, "let big = personal where .hsa_id != \"\"\nset(map(vardcentraler, .omrade))\n:quit\n");
    cr_expect_eq(end_piped(&p), 0);
    /* Twenty of them, each cut to the width, and how many more. */
    said(&p, "big = [\n  Personal(hsa_id: \"");
    said(&p, "…,\n");
    said(&p, "  … 10 more (30 in all)\n]\n");
    said(&p, "set([\"Fyrbodal\", \"Göteborg\", \"Skaraborg\", \"Södra Bohuslän\", \"Södra Älvsborg\"])\n");
}

static char tmp[64];

static void put_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(repl, reload_after_the_files_changed)
{
    strcpy(tmp, "/tmp/regel-repl-files-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    put_file("a.regel", "const K = 1\n");
    char empty[96];
    snprintf(empty, sizeof empty, "%s/tom", tmp);
    cr_assert_eq(mkdir(empty, 0700), 0);
    Piped p;
    START_PIPED(&p, tmp, "a.regel");
    /* A declaration and a let that use the file's constant; the error
     * about the last line says the ones before it are done. */
    say(&p, "fn dubbel() -> Int = K * 2\nlet k = K + 1\ndubbel()\nklar_nu\n");
    expect(&p.s, "unknown name 'klar_nu'");
    /* The file changes under the session: K is gone. */
    put_file("a.regel", "const L = 1\n");
    say(&p, ":reload\n:load tom\n:load nowhere.regel\n:quit\n");
    cr_expect_eq(end_piped(&p), 0);
    said(&p, "loaded 1 file: 0 decisions\n");
    said(&p, "k = 2\n");
    said(&p, "the declarations `fn dubbel() -> Int = K * 2` no longer hold and are gone\n");
    said(&p, "k is no longer bound\n");
    said(&p, "tom: the folder has no .regel files\n");
    said(&p, "nowhere.regel: No such file or directory\n");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    cr_expect_eq(system(cmd), 0);
}

Test(repl, problems_in_the_exports_are_reported_and_the_rest_loaded)
{
    strcpy(tmp, "/tmp/regel-repl-files-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    put_file("a.regel", "record R {\n    id: Text\n    n: Int\n}\n\n"
                        "source rs: R from jsonl(invalid: skip) \"r.jsonl\" key id\n");
    char data[96];
    snprintf(data, sizeof data, "%s/d", tmp);
    cr_assert_eq(mkdir(data, 0700), 0);
    put_file("d/r.jsonl", "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":\"x\"}\n");
    Piped p;
    START_PIPED(&p, tmp, "a.regel", "--data", "d");
    say(&p, "count(rs)\n:quit\n");
    cr_expect_eq(end_piped(&p), 0);
    said(&p, "d/r.jsonl:2: field \"n\": expected Int, got \"x\"\n");
    said(&p, "rs: 1 record from r.jsonl\n");
    said(&p, "\n1\n");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    cr_expect_eq(system(cmd), 0);
}

Test(repl, a_session_without_exports_and_with_mistakes_in_what_is_loaded)
{
    strcpy(tmp, "/tmp/regel-repl-files-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    put_file("a.regel", "record Inner {\n    x: Int\n}\n\nrecord R {\n    id: Text\n    inner: Inner\n    lista: List<Inner>\n}\n\n"
                        "source rs: R from jsonl \"r.jsonl\" key id\n\n"
                        "decision d for r in rs {\n    outcome ja | nej\n    must A1 r.inner.x > 0 else \"x\"\n}\n");
    put_file("trasig.regel", "const A = \n");
    char empty[96];
    snprintf(empty, sizeof empty, "%s/tom", tmp);
    cr_assert_eq(mkdir(empty, 0700), 0);
    Piped p;
    START_PIPED(&p, tmp, "a.regel");
    say(&p, ":explain d X\n"
            ":h\n"
            ":type     1 + 1\t \n"
            "fn f(x: Int) -> Int {\n    let y = 1\n    return x\n}\n"
            "let k = 1\nlet k = 2\nk\n"
            "R(id: \"a\", inner: Inner(x: 1), lista: [Inner(x: 2), Inner(x: 3)])\n"
            ":load trasig.regel\n"
            ":data tom\n"
            "count(rs)\n"
            "[1,\n");
    cr_expect_eq(end_piped(&p), 0);
    said(&p, "no exports are loaded: use :data DIR first\n");
    said(&p, "  :help                 this text\n");
    said(&p, "\nInt\n");
    said(&p, "warning: 'y' is never used");
    said(&p, "k = 1\n");
    said(&p, "k = 2\n");
    /* A record's record and list of records each on lines of their own. */
    said(&p, "R\n  id     \"a\"\n  inner  Inner\n    x  1\n  lista  [\n    Inner(x: 2),\n    Inner(x: 3),\n  ]\n");
    /* A file that does not parse is not loaded, and says so. */
    said(&p, "trasig.regel:1:11: error: unexpected end of file, expected an expression\n");
    said(&p, "nothing was loaded\n");
    const char *first = strstr(p.s.out, "loaded 1 file: 1 decision\n");
    cr_expect(first && !strstr(first + 1, "loaded 1 file"), "only a.regel was loaded:\n%s", p.s.out);
    said(&p, "rs: no r.jsonl, so no records\n");
    said(&p, "\n0\n");
    /* The input ended inside a bracket. */
    said(&p, "<input 7>:1:3: error: unexpected end of file, expected ']' or an expression\n");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    cr_expect_eq(system(cmd), 0);
}
