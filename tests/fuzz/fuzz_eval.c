/*
 * fuzz_eval.c — libFuzzer harness for a policy and its data together: the
 * compiler, the record readers and the VM (make fuzz).
 *
 * An input is a policy, then the export files, each after a line
 *
 *     %%% NAME
 *
 * (NAME letters, digits, '.', '_' and '-', at most 64 of them; a section
 * with another name is left out). The policy is compiled and, if it
 * compiles, every decision is run over the files with regel_run, as
 * `regel run --data DIR --today 2026-11-22` would, with small limits
 * (200 000 steps, 16 MB, 32 nested calls) and the output thrown away; the
 * input's length modulo 3 picks the output format (JSON Lines, table,
 * CSV).
 */
#include "fuzz_common.h"

static const unsigned char *find_marker(const unsigned char *p, const unsigned char *end)
{
    for (; p + 4 <= end; p++) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (end - p >= 4 && memcmp(p, "%%% ", 4) == 0)
            return p;
        if (!nl)
            return NULL;
        p = nl;
    }
    return NULL;
}

static int good_name(const unsigned char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const unsigned char *end = data + size;
    const unsigned char *m = find_marker(data, end);
    size_t policy_len = m ? (size_t)(m - data) : size;
    regel_program *p;
    regel_status st = regel_compile_string("fuzz.regel", (const char *)data, policy_len, fuzz_on_diag, NULL, &p);
    if (st != REGEL_OK)
        return 0;
    fuzz_data_dir();
    fuzz_clear_dir();
    while (m) {
        const unsigned char *name = m + 4;
        const unsigned char *nl = memchr(name, '\n', (size_t)(end - name));
        const unsigned char *body = nl ? nl + 1 : end;
        size_t name_len = (size_t)((nl ? nl : end) - name);
        if (name_len && name[name_len - 1] == '\r')
            name_len--;
        const unsigned char *next = find_marker(body, end);
        const unsigned char *body_end = next ? next : end;
        if (good_name(name, name_len)) {
            char file[65];
            memcpy(file, name, name_len);
            file[name_len] = 0;
            fuzz_write_file(file, body, (size_t)(body_end - body));
        }
        m = next;
    }
    fuzz_run(p, (regel_format)(size % 3), REGEL_INVALID_AS_POLICY);
    regel_program_free(p);
    return 0;
}
