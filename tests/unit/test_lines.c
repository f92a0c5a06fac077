/*
 * test_lines.c — line framing from memory and from files: terminators,
 * BOM, the length limit, constant memory on a large file, and errors.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "lines.h"

/* Both readers must frame the same bytes the same way, so most cases run
 * through memory and through a file. */
static char *temp_file(const char *data, size_t len)
{
    char *path = strdup("/tmp/regel-lines-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

typedef struct Expect {
    const char *line;
    size_t len;
} Expect;

static void expect_lines_in(LineReader *r, const Expect *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *line;
        size_t len;
        cr_assert_eq(lines_next(r, &line, &len), 1, "line %zu missing: %s", i + 1,
                     lines_error(r) ? lines_error(r) : "end");
        cr_expect_eq(len, want[i].len, "line %zu: length %zu", i + 1, len);
        cr_expect(memcmp(line, want[i].line, want[i].len) == 0, "line %zu differs", i + 1);
        cr_expect_eq(lines_number(r), (long)i + 1);
    }
    const char *line;
    size_t len;
    cr_expect_eq(lines_next(r, &line, &len), 0);
    cr_expect_eq(lines_next(r, &line, &len), 0, "the end is sticky");
    cr_expect_null(lines_error(r));
}

static void expect_lines(const char *data, size_t len, const Expect *want, size_t n, bool bom)
{
    LineReader *r = lines_open_mem(data, len, 0);
    expect_lines_in(r, want, n);
    cr_expect_eq(lines_had_bom(r), bom);
    lines_close(r);

    char *path = temp_file(data, len);
    const char *err = NULL;
    r = lines_open_file(path, 0, &err);
    cr_assert_not_null(r, "%s", err);
    expect_lines_in(r, want, n);
    cr_expect_eq(lines_had_bom(r), bom);
    lines_close(r);
    unlink(path);
    free(path);
}

#define E(s) {s, sizeof s - 1}

Test(lines, lf_and_crlf)
{
    static const char data[] = "a,b\r\nc\nd\r\n";
    Expect want[] = {E("a,b\r\n"), E("c\n"), E("d\r\n")};
    expect_lines(data, sizeof data - 1, want, 3, false);
}

Test(lines, last_line_without_newline)
{
    static const char data[] = "one\ntwo";
    Expect want[] = {E("one\n"), E("two")};
    expect_lines(data, sizeof data - 1, want, 2, false);
    Expect single[] = {E("x")};
    expect_lines("x", 1, single, 1, false);
}

Test(lines, bom_dropped_only_at_the_start)
{
    static const char data[] = "\xEF\xBB\xBF" "head\n\xEF\xBB\xBF" "body\n";
    Expect want[] = {E("head\n"), E("\xEF\xBB\xBF" "body\n")};
    expect_lines(data, sizeof data - 1, want, 2, true);
    /* A BOM and nothing else is an empty input. */
    expect_lines("\xEF\xBB\xBF", 3, NULL, 0, true);
    /* Part of a BOM is data. */
    Expect part[] = {E("\xEF\xBB")};
    expect_lines("\xEF\xBB", 2, part, 1, false);
}

Test(lines, blank_lines_are_lines)
{
    static const char data[] = "\n\r\n\nx\n\n";
    Expect want[] = {E("\n"), E("\r\n"), E("\n"), E("x\n"), E("\n")};
    expect_lines(data, sizeof data - 1, want, 5, false);
    expect_lines("", 0, NULL, 0, false);
}

Test(lines, lone_cr_is_not_a_terminator)
{
    static const char data[] = "a\rb\nc\r";
    Expect want[] = {E("a\rb\n"), E("c\r")};
    expect_lines(data, sizeof data - 1, want, 2, false);
}

Test(lines, nul_bytes_are_data)
{
    static const char data[] = "a\0b\n\0\n";
    Expect want[] = {E("a\0b\n"), E("\0\n")};
    expect_lines(data, sizeof data - 1, want, 2, false);
}

Test(lines, content_len)
{
    cr_expect_eq(lines_content_len("ab\r\n", 4), 2);
    cr_expect_eq(lines_content_len("ab\n", 3), 2);
    cr_expect_eq(lines_content_len("ab", 2), 2);
    cr_expect_eq(lines_content_len("ab\r", 3), 3);
    cr_expect_eq(lines_content_len("\n", 1), 0);
    cr_expect_eq(lines_content_len("\r\n", 2), 0);
    cr_expect_eq(lines_content_len("", 0), 0);
}

static void expect_too_long(LineReader *r, long good_lines, const char *msg)
{
    const char *line;
    size_t len;
    for (long i = 0; i < good_lines; i++)
        cr_assert_eq(lines_next(r, &line, &len), 1, "%s", lines_error(r));
    cr_expect_eq(lines_next(r, &line, &len), -1);
    cr_expect_str_eq(lines_error(r) ? lines_error(r) : "", msg);
    cr_expect_eq(lines_next(r, &line, &len), -1, "errors are sticky");
}

Test(lines, line_past_the_limit)
{
    /* The limit counts the terminator: "abc\n" is 4 bytes. */
    static const char data[] = "abc\nabcd\n";
    LineReader *r = lines_open_mem(data, sizeof data - 1, 4);
    expect_too_long(r, 1, "line 2 is longer than the limit of 4 bytes");
    lines_close(r);

    char *path = temp_file(data, sizeof data - 1);
    r = lines_open_file(path, 4, NULL);
    cr_assert_not_null(r);
    expect_too_long(r, 1, "line 2 is longer than the limit of 4 bytes");
    lines_close(r);
    unlink(path);
    free(path);

    /* Exactly at the limit, with or without a terminator, is fine. */
    static const char exact[] = "abc\nabcd";
    path = temp_file(exact, sizeof exact - 1);
    r = lines_open_file(path, 4, NULL);
    Expect want[] = {E("abc\n"), E("abcd")};
    expect_lines_in(r, want, 2);
    lines_close(r);
    unlink(path);
    free(path);
}

Test(lines, long_lines_grow_the_block_up_to_the_limit)
{
    /* Lines longer than the 256 KiB block but within the limit come out
     * whole; one past the limit is refused. */
    size_t big = 700 * 1024;
    char *data = malloc(3 * big);
    size_t n = 0;
    memset(data + n, 'x', big - 1);
    n += big - 1;
    data[n++] = '\n';
    memcpy(data + n, "short\n", 6);
    n += 6;
    memset(data + n, 'y', big);
    n += big;
    data[n++] = '\n';
    char *path = temp_file(data, n);
    LineReader *r = lines_open_file(path, big, NULL);
    const char *line;
    size_t len;
    cr_assert_eq(lines_next(r, &line, &len), 1);
    cr_expect_eq(len, big);
    cr_expect(line[0] == 'x' && line[big - 2] == 'x' && line[big - 1] == '\n');
    cr_assert_eq(lines_next(r, &line, &len), 1);
    cr_expect(len == 6 && memcmp(line, "short\n", 6) == 0);
    cr_expect_eq(lines_next(r, &line, &len), -1);
    char msg[100];
    snprintf(msg, sizeof msg, "line 3 is longer than the limit of %zu bytes", big);
    cr_expect_str_eq(lines_error(r), msg);
    lines_close(r);
    unlink(path);
    free(path);
    free(data);
}

Test(lines, large_file_in_constant_memory)
{
    /* 50 MB of short lines: what the reader hands out on this thread, and
     * the collector's heap, must not grow with the file. */
    const size_t target = 50u * 1000u * 1000u;
    char path[] = "/tmp/regel-lines-big-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    char chunk[1 << 16];
    size_t used = 0;
    long lines_written = 0;
    FILE *f = fdopen(fd, "w");
    while (used < target) {
        int k = snprintf(chunk, sizeof chunk,
                         "{\"id\":%ld,\"text\":\"line number %ld of the big file\"}\n",
                         lines_written, lines_written);
        fwrite(chunk, 1, (size_t)k, f);
        used += (size_t)k;
        lines_written++;
    }
    fclose(f);

    LineReader *r = lines_open_file(path, 0, NULL);
    cr_assert_not_null(r);
    size_t heap0 = rg_heap_size();
    uint64_t bytes0 = rg_alloc_bytes();
    const char *line;
    size_t len, total = 0;
    long count = 0;
    while (lines_next(r, &line, &len) == 1) {
        total += len;
        count++;
    }
    cr_expect_null(lines_error(r));
    cr_expect_eq(count, lines_written);
    cr_expect_eq(total, used);
    cr_expect_lt(rg_alloc_bytes() - bytes0, 64 * 1024, "allocated %llu bytes while streaming",
                 (unsigned long long)(rg_alloc_bytes() - bytes0));
    cr_expect_lt(rg_heap_size(), heap0 + 4 * 1024 * 1024);
    lines_close(r);
    unlink(path);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

Test(lines, descriptor_closed_and_close_on_exec)
{
    char *path = temp_file("a\n", 2);
    int before = count_fds();
    /* The descriptor open() will hand out is the lowest free one. */
    int probe = open("/dev/null", O_RDONLY);
    close(probe);
    LineReader *r = lines_open_file(path, 0, NULL);
    cr_assert_not_null(r);
    cr_expect_eq(count_fds(), before + 1);
    int flags = fcntl(probe, F_GETFD);
    cr_expect(flags >= 0 && (flags & FD_CLOEXEC), "descriptor is not close-on-exec");
    lines_close(r);
    cr_expect_eq(count_fds(), before);
    lines_close(r); /* twice is fine */
    const char *line;
    size_t len;
    cr_expect_eq(lines_next(r, &line, &len), 0, "a closed reader is at its end");
    lines_close(NULL);
    unlink(path);
    free(path);
}

Test(lines, missing_file)
{
    const char *err = NULL;
    int before = count_fds();
    LineReader *r = lines_open_file("/nonexistent/regel/x.csv", 0, &err);
    cr_expect_null(r);
    cr_expect_str_eq(err, "cannot open /nonexistent/regel/x.csv: No such file or directory");
    cr_expect_eq(count_fds(), before);
}

Test(lines, folder_refused_at_open)
{
    const char *err = NULL;
    cr_expect_null(lines_open_file("/tmp", 0, &err));
    cr_expect_str_eq(err, "cannot open /tmp: Is a directory");
}

Test(lines, read_error_is_reported)
{
    /* /proc/self/mem opens, but reading at offset 0 (an unmapped address)
     * fails with EIO. */
    LineReader *r = lines_open_file("/proc/self/mem", 0, NULL);
    cr_assert_not_null(r);
    const char *line;
    size_t len;
    cr_expect_eq(lines_next(r, &line, &len), -1);
    cr_expect_str_eq(lines_error(r), "cannot read /proc/self/mem: Input/output error");
    cr_expect_eq(lines_next(r, &line, &len), -1);
    lines_close(r);
}

Test(lines, many_lines_across_block_boundaries)
{
    /* Lines of every length from 1 to 3000 bytes so that terminators fall
     * on and around every offset of a block refill. */
    size_t n = 0;
    for (size_t k = 1; k <= 3000; k++)
        n += k;
    char *data = malloc(n);
    size_t at = 0;
    for (size_t k = 1; k <= 3000; k++) {
        memset(data + at, 'a' + (char)(k % 26), k - 1);
        data[at + k - 1] = '\n';
        at += k;
    }
    char *path = temp_file(data, n);
    LineReader *r = lines_open_file(path, 0, NULL);
    const char *line;
    size_t len;
    for (size_t k = 1; k <= 3000; k++) {
        cr_assert_eq(lines_next(r, &line, &len), 1);
        cr_assert_eq(len, k);
        cr_assert_eq(line[k - 1], '\n');
        if (k > 1)
            cr_assert_eq(line[0], 'a' + (char)(k % 26));
    }
    cr_expect_eq(lines_next(r, &line, &len), 0);
    lines_close(r);
    unlink(path);
    free(path);
    free(data);
}
