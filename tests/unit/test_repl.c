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
