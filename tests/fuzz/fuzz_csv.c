/*
 * fuzz_csv.c — libFuzzer harness for the CSV reader, through the path of
 * `regel run` (make fuzz).
 *
 * An input is one byte of options and then the export file. The byte
 * picks the source's options: bit 0 separator ";" (else ","), bit 1
 * decimal "," (else "."), bit 2 yes/no "ja"/"nej" (else "true"/"false"),
 * bit 3 invalid: fail (else skip), bits 4-5 the output format (JSON
 * Lines, table, CSV). The rest is written to export.csv in a private
 * folder, and the policy below (the record type of tests/bad/csv: a field
 * of every kind a CSV cell holds, an optional one, a key, a lookup by the
 * key) is run over it with regel_run, as `regel run --data` would.
 */
#include "fuzz_common.h"

static const char policy_fmt[] =
    "enum Status = aktiv | vilande | avslutad from \"avslutad (stängd)\"\n"
    "\n"
    "record Vardcentral {\n"
    "    hsa_id: Text        from \"HSA-id\"\n"
    "    namn: Text          from \"Namn\"\n"
    "    listade: Int        from \"Listade\"\n"
    "    grad: Decimal       from \"Tjänstgöringsgrad\"\n"
    "    kvalitet: Bool      from \"Kvalitet\"\n"
    "    start: Date         from \"Start\"\n"
    "    status: Status      from \"Status\"\n"
    "    platser: Int?       from \"Platser\"\n"
    "}\n"
    "\n"
    "source vardcentraler: Vardcentral from csv(%s) \"export.csv\" key hsa_id\n"
    "\n"
    "decision storlek for vc in vardcentraler {\n"
    "    outcome ja | nej\n"
    "    must S1 vc.listade >= 1500 else \"{vc.namn}: {vc.listade} listade\"\n"
    "    should S2 vc.grad >= 0.5 else \"{vc.namn}: tjänstgöringsgrad {vc.grad}, {vc.status}\"\n"
    "    should S3 vc.kvalitet and vc.start < today else \"{vc.hsa_id} {vc.start} {vc.kvalitet}\"\n"
    "    should S4 (vc.platser ?? 0) < 100 else \"{vc.platser ?? 0} platser\"\n"
    "    must S5 vardcentraler[vc.hsa_id] != none else \"{vc.hsa_id} saknas\"\n"
    "}\n";

static regel_program *variants[16];

static regel_program *variant(unsigned v)
{
    if (!variants[v]) {
        char opts[160], text[sizeof policy_fmt + 160];
        snprintf(opts, sizeof opts, "separator: \"%s\", decimal: \"%s\", yes: \"%s\", no: \"%s\", invalid: %s",
                 v & 1 ? ";" : ",", v & 2 ? "," : ".", v & 4 ? "ja" : "true", v & 4 ? "nej" : "false",
                 v & 8 ? "fail" : "skip");
        int n = snprintf(text, sizeof text, policy_fmt, opts);
        if (regel_compile_string("fuzz_csv.regel", text, (size_t)n, fuzz_on_diag, NULL, &variants[v]) != REGEL_OK) {
            /* A separator and a decimal comma both "," is refused; any
             * other variant must compile. */
            if ((v & 3) != 2) {
                fprintf(stderr, "the harness's policy does not compile:\n%s", text);
                abort();
            }
            variants[v] = NULL;
        }
    }
    return variants[v];
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opts = data[0];
    regel_program *p = variant(opts & 15);
    if (!p)
        return 0;
    fuzz_write_file("export.csv", data + 1, size - 1);
    fuzz_run(p, (regel_format)(((opts >> 4) & 3) % 3), REGEL_INVALID_AS_POLICY);
    return 0;
}
