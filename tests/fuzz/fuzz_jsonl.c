/*
 * fuzz_jsonl.c — libFuzzer harness for the JSON Lines reader (and the JSON
 * parser under it), through the path of `regel run` (make fuzz).
 *
 * An input is one byte of options and then the export file. The byte
 * picks the source's option invalid (bit 0: fail, else skip) and the
 * output format (bits 4-5: JSON Lines, table, CSV). The rest is written to
 * export.jsonl in a private folder, and the policy below (the record type
 * of tests/bad/jsonl: a field of every kind, a nested record, a list of
 * records, optional fields of every kind, a list and a set of plain
 * values, a key, a lookup by the key) is run over it with regel_run, as
 * `regel run --data` would.
 */
#include "fuzz_common.h"

static const char policy_fmt[] =
    "enum Bt = ej_aktuell | pagaende from \"pågående\" | klar\n"
    "\n"
    "record Anstallning {\n"
    "    arbetsplats: Text\n"
    "    grad: Decimal\n"
    "}\n"
    "\n"
    "record Kurs {\n"
    "    namn: Text\n"
    "    klar: Date?\n"
    "}\n"
    "\n"
    "record StLakare {\n"
    "    hsa_id: Text                from \"hsaId\"\n"
    "    namn: Text\n"
    "    manader: Int\n"
    "    legitimerad: Bool\n"
    "    start: Date\n"
    "    bt: Bt\n"
    "    anstallning: Anstallning\n"
    "    kurser: List<Kurs>\n"
    "    handledare: Text?\n"
    "    lon: Decimal?\n"
    "    antal: Int?\n"
    "    slut: Date?\n"
    "    aktiv: Bool?\n"
    "    tidigare_bt: Bt?\n"
    "    chef: Anstallning?\n"
    "    poang: List<Int>\n"
    "    taggar: Set<Text>\n"
    "}\n"
    "\n"
    "source st_lakare: StLakare from jsonl(invalid: %s) \"export.jsonl\" key hsa_id\n"
    "\n"
    "decision kurser for st in st_lakare {\n"
    "    outcome ja | nej\n"
    "    must K1 count(st.kurser) >= 1 else \"{st.namn} har inga kurser\"\n"
    "    should K2 st.manader <= 60 else \"{st.namn}: {st.manader} månader, {st.bt}, {st.start}\"\n"
    "    should K3 st.anstallning.grad >= 50 else \"{st.anstallning.arbetsplats}: {st.anstallning.grad}\"\n"
    "    should K4 st.legitimerad and (st.aktiv ?? true) and st.handledare != \"x\" else \"{st.lon ?? 0}\"\n"
    "    should K5 (st.antal ?? 0) + count(st.poang) + count(st.taggar) < 50 else \"{st.slut ?? today}\"\n"
    "    should K6 st_lakare[st.hsa_id] != none and st.tidigare_bt != klar else \"{st.kurser}\"\n"
    "    should K7 st.chef == none else \"{st.poang} {st.taggar}\"\n"
    "}\n";

static regel_program *variants[2];

static regel_program *variant(unsigned v)
{
    if (!variants[v]) {
        char text[sizeof policy_fmt + 16];
        int n = snprintf(text, sizeof text, policy_fmt, v ? "fail" : "skip");
        if (regel_compile_string("fuzz_jsonl.regel", text, (size_t)n, fuzz_on_diag, NULL, &variants[v]) !=
            REGEL_OK) {
            fprintf(stderr, "the harness's policy does not compile:\n%s", text);
            abort();
        }
    }
    return variants[v];
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opts = data[0];
    regel_program *p = variant(opts & 1);
    fuzz_write_file("export.jsonl", data + 1, size - 1);
    fuzz_run(p, (regel_format)(((opts >> 4) & 3) % 3), REGEL_INVALID_AS_POLICY);
    return 0;
}
