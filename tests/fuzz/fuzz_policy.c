/*
 * fuzz_policy.c — libFuzzer harness for policy source text: the scanner,
 * the parser, the checker and the compiler (regel_compile_string), the
 * disassembler on what compiles, and the formatter (make fuzz).
 *
 * An input is the text of one policy file. Every diagnostic's strings are
 * read to the end. A program that compiles is disassembled whole and per
 * decision. Text the formatter accepts is formatted twice: formatting
 * formatted text must change nothing (regel.h), and text that compiled
 * must still compile once formatted; a harness that sees otherwise stops
 * with a crash.
 */
#include "fuzz_common.h"

static void check_format(const unsigned char *data, size_t size, int compiled)
{
    char *once, *twice;
    size_t n1, n2;
    if (regel_format_text("fuzz.regel", (const char *)data, size, fuzz_on_diag, NULL, &once, &n1) != REGEL_OK)
        return;
    if (regel_format_text("fuzz.regel", once, n1, fuzz_on_diag, NULL, &twice, &n2) != REGEL_OK) {
        fprintf(stderr, "formatted text does not format again:\n%.*s\n", (int)n1, once);
        abort();
    }
    if (n1 != n2 || memcmp(once, twice, n1) != 0) {
        fprintf(stderr, "formatting is not idempotent:\n--- once\n%.*s\n--- twice\n%.*s\n", (int)n1, once, (int)n2,
                twice);
        abort();
    }
    if (compiled) {
        regel_program *q;
        if (regel_compile_string("fuzz.regel", once, n1, fuzz_on_diag, NULL, &q) != REGEL_OK) {
            fprintf(stderr, "the policy compiles, but not once formatted:\n%.*s\n", (int)n1, once);
            abort();
        }
        regel_program_free(q);
    }
    regel_free(twice);
    regel_free(once);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    regel_program *p;
    regel_status st = regel_compile_string("fuzz.regel", (const char *)data, size, fuzz_on_diag, NULL, &p);
    if (st == REGEL_OK) {
        regel_free(regel_disassemble(p, NULL));
        size_t n = regel_decision_count(p);
        for (size_t i = 0; i < n && i < 8; i++)
            regel_free(regel_disassemble(p, regel_decision_name(p, i)));
        fuzz_touch(regel_program_version(p));
        regel_program_free(p);
    } else if (st != REGEL_ERR_POLICY && st != REGEL_ERR_NOMEM) {
        fprintf(stderr, "regel_compile_string returned %d\n", (int)st);
        abort();
    }
    check_format(data, size, st == REGEL_OK);
    return 0;
}
