/*
 * test_image.c — .rgc files: a saved program loads back as the same
 * program (the same bytecode, constants and tables), every kind of damage
 * is refused, a body changed anywhere (with its checksum made right again)
 * is refused or loads a program that verifies, and signatures hold.
 */
#include <glob.h>
#include <sodium.h>

#include "image.h"
#include "policy_helpers.h"
#include "verify.h"

#define SOURCE                                                                                       \
    "enum Status = aktiv | vilande as \"vilande\" | avslutad\n"                                     \
    "record Person {\n"                                                                              \
    "    id: Text\n"                                                                                 \
    "    status: Status\n"                                                                           \
    "    grad: Decimal?\n"                                                                           \
    "    start: Date\n"                                                                              \
    "    taggar: Set<Text>\n"                                                                        \
    "}\n"                                                                                            \
    "record Par {\n"                                                                                 \
    "    namn: Text\n"                                                                               \
    "    varde: Int\n"                                                                               \
    "}\n"                                                                                            \
    "source personer: Person from jsonl \"personer.jsonl\" key id\n"                                 \
    "const GRANSER = [Par(namn: \"låg\", varde: 1), Par(namn: \"hög\", varde: 10)]\n"                \
    "const START = 2026-01-01\n"                                                                     \
    "const ANDEL = 12.5\n"                                                                           \
    "decision prov for p in personer key p.id {\n"                                                   \
    "    outcome ja | nej\n"                                                                         \
    "    must A1 p.status == aktiv else \"{p.id} är {p.status}\"\n"                                  \
    "    must A2 p.start >= START - 3 months else \"började {p.start}\"\n"                           \
    "    should B1 (p.grad ?? 0) >= ANDEL else \"grad {p.grad ?? 0}\"\n"                             \
    "    field granser = count(GRANSER)\n"                                                           \
    "}\n"

static const char *disassembly(const Program *p)
{
    RgBuf b;
    buf_init(&b);
    disasm_program(p, NULL, &b);
    return b.data ? b.data : "";
}

static uint8_t *save(const Program *p, const uint8_t *key, size_t *len)
{
    uint8_t *data;
    const char *why = image_save(p, key, &data, len);
    cr_assert_null(why, "%s", why);
    return data;
}

static Program *load_ok(const uint8_t *data, size_t len, const uint8_t *key)
{
    Program *p;
    const char *error;
    ImageStatus st = image_load(data, len, key, &p, NULL, &error);
    cr_assert_eq(st, IMAGE_OK, "%s", error);
    return p;
}

static void load_refused(const uint8_t *data, size_t len, const uint8_t *key, ImageStatus want, const char *phrase)
{
    Program *p;
    const char *error = NULL;
    ImageStatus st = image_load(data, len, key, &p, NULL, &error);
    cr_assert_eq(st, want, "status %d, expected %d (%s)", st, want, error ? error : "no message");
    cr_assert_not_null(error);
    cr_expect(strstr(error, phrase), "expected \"%s\" in \"%s\"", phrase, error);
}

/* The checksum made right for data changed in place. */
static void reseal(uint8_t *data, size_t len)
{
    crypto_generichash(data + len - IMAGE_CHECKSUM_BYTES, IMAGE_CHECKSUM_BYTES, data, len - IMAGE_CHECKSUM_BYTES,
                       NULL, 0);
}

Test(image, round_trip_keeps_the_program)
{
    Program *p = compile_ok(SOURCE);
    size_t len;
    uint8_t *data = save(p, NULL, &len);
    Program *q = load_ok(data, len, NULL);
    cr_expect_str_eq(disassembly(q), disassembly(p));
    cr_assert_eq(q->nconsts, p->nconsts);
    /* Enum and record values name their types, which are the loaded
     * program's own: compared as policy text writes them. */
    for (uint32_t i = 0; i < p->nconsts; i++) {
        RgBuf a, b;
        buf_init(&a);
        buf_init(&b);
        value_write_literal(&a, p->consts[i]);
        value_write_literal(&b, q->consts[i]);
        cr_expect_str_eq(b.data, a.data, "constant %u differs", i);
        cr_expect_eq(q->consts[i].tag, p->consts[i].tag);
    }
    cr_expect_eq(q->ndecisions, p->ndecisions);
    cr_expect_eq(q->nrules, p->nrules);
    cr_expect_eq(q->nsources, p->nsources);
    cr_expect_str_eq(q->sources[0]->file, "personer.jsonl");
    cr_expect_eq(q->files->count, p->files->count);
    cr_expect_str_eq(q->files->files[0]->text, p->files->files[0]->text);
    /* Saving the loaded program gives the same bytes. */
    size_t len2;
    uint8_t *again = save(q, NULL, &len2);
    cr_expect_eq(len2, len);
    cr_expect(memcmp(again, data, len) == 0, "a saved, loaded and saved again program changed");
}

/* Periods and durations in types and constants, a field read from
 * another column, and a decision's result (whose fields have no column). */
Test(image, round_trip_of_periods_durations_and_decision_results)
{
    Program *p = compile_ok("record P {\n    id: Text\n    fran: Date from \"Från\"\n    till: Date\n}\n"
                            "source ps: P from jsonl \"p.jsonl\" key id\n"
                            "const D = 3 months\n"
                            "fn lang(p: Period, d: Duration) -> Bool = days(p) > 30 and d == D\n"
                            "decision a for x in ps {\n    outcome ja | nej\n"
                            "    must A1 lang(period(x.fran, x.till), D) else \"kort\"\n}\n"
                            "decision b for x in ps {\n    outcome ja | nej\n"
                            "    must B1 a(x).outcome == ja else \"a\"\n}\n");
    size_t len;
    uint8_t *data = save(p, NULL, &len);
    Program *q = load_ok(data, len, NULL);
    cr_expect_str_eq(disassembly(q), disassembly(p));
    cr_assert_eq(q->nconsts, p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++) {
        RgBuf a, b;
        buf_init(&a);
        buf_init(&b);
        value_write_literal(&a, p->consts[i]);
        value_write_literal(&b, q->consts[i]);
        cr_expect_str_eq(b.data, a.data, "constant %u differs", i);
    }
    cr_expect_str_eq(q->sources[0]->type->fields[1].column, "Från");
    size_t len2;
    uint8_t *again = save(q, NULL, &len2);
    cr_expect(len2 == len && memcmp(again, data, len) == 0, "a saved, loaded and saved again program changed");
}

Test(image, round_trip_of_the_shipped_policies)
{
    rg_alloc_init();
    glob_t g;
    cr_assert_eq(glob(SOURCE_ROOT "/policies/*.regel", 0, NULL, &g), 0);
    SourceSet *files = sources_new();
    DiagList *d = diags_new(files);
    Checked *c = check_files(files, (const char **)g.gl_pathv, g.gl_pathc, d);
    cr_assert_eq(d->errors, 0);
    Program *p = compile_program(c, d, 0);
    globfree(&g);
    size_t len;
    uint8_t *data = save(p, NULL, &len);
    Program *q = load_ok(data, len, NULL);
    cr_expect_str_eq(disassembly(q), disassembly(p));
    cr_expect_eq(q->nqueues, p->nqueues);
    cr_expect_eq(q->ntests, p->ntests);
    cr_expect_eq(q->nexpects, p->nexpects);
}

Test(image, programs_for_explaining_are_not_saved)
{
    Compiled c = compile_text(SOURCE);
    Program *p = compile_program(c.checked, c.diags, COMPILE_EXPLAIN);
    uint8_t *data;
    size_t len;
    const char *why = image_save(p, NULL, &data, &len);
    cr_assert_not_null(why);
    cr_expect(strstr(why, "explaining"), "%s", why);
}

Test(image, damage_is_refused)
{
    Program *p = compile_ok(SOURCE);
    size_t len;
    uint8_t *data = save(p, NULL, &len);
    uint8_t *copy = rg_alloc_atomic(len);
    load_refused(data, 0, NULL, IMAGE_INVALID, "not a precompiled regel program");
    load_refused((const uint8_t *)"hello", 5, NULL, IMAGE_INVALID, "not a precompiled regel program");
    load_refused(data, 50, NULL, IMAGE_INVALID, "cut short");
    load_refused(data, len - 1, NULL, IMAGE_INVALID, "length does not match");
    memcpy(copy, data, len);
    copy[8] = 99;
    load_refused(copy, len, NULL, IMAGE_INVALID, "format version 99");
    memcpy(copy, data, len);
    copy[16] = '9';
    load_refused(copy, len, NULL, IMAGE_INVALID, "compiled by regel 9");
    memcpy(copy, data, len);
    copy[33] ^= 1;
    load_refused(copy, len, NULL, IMAGE_INVALID, "another instruction set");
    for (size_t at = IMAGE_HEADER_BYTES; at < len; at += len / 17) {
        memcpy(copy, data, len);
        copy[at] ^= 0x5a;
        load_refused(copy, len, NULL, IMAGE_INVALID, "checksum does not match");
    }
    /* Sources that do not match their hash, the checksum made right. */
    memcpy(copy, data, len);
    copy[40] ^= 1;
    reseal(copy, len);
    load_refused(copy, len, NULL, IMAGE_INVALID, "do not match their hash");
}

/* A mutation test that runs on every build: bytes of the body changed one
 * at a time, the checksum made right, must be refused with a message or
 * load a program that verifies; never crash (the sanitizer build watches). */
Test(image, every_changed_body_is_refused_or_verifies)
{
    Program *p = compile_ok(SOURCE);
    size_t len;
    uint8_t *data = save(p, NULL, &len);
    uint8_t *copy = rg_alloc_atomic(len);
    unsigned loaded = 0, refused = 0;
    uint64_t seed = 42;
    for (int i = 0; i < 3000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t at = IMAGE_HEADER_BYTES + (size_t)((seed >> 33) % (len - IMAGE_HEADER_BYTES - IMAGE_CHECKSUM_BYTES));
        memcpy(copy, data, len);
        copy[at] ^= (uint8_t)(1u << ((seed >> 20) & 7)) | (uint8_t)((seed >> 40) & 0xff);
        reseal(copy, len);
        Program *q;
        const char *error;
        ImageStatus st = image_load(copy, len, NULL, &q, NULL, &error);
        if (st == IMAGE_OK) {
            cr_expect_null(verify_program(q));
            loaded++;
        } else {
            cr_expect_eq(st, IMAGE_INVALID);
            cr_expect_not_null(error);
            refused++;
        }
    }
    cr_expect_gt(refused, 100);
}

Test(image, signatures)
{
    rg_alloc_init();
    uint8_t pk[IMAGE_PUBLIC_KEY_BYTES], sk[IMAGE_SECRET_KEY_BYTES];
    uint8_t pk2[IMAGE_PUBLIC_KEY_BYTES], sk2[IMAGE_SECRET_KEY_BYTES];
    cr_assert(image_keypair(pk, sk) && image_keypair(pk2, sk2));
    Program *p = compile_ok(SOURCE);
    size_t len, ulen;
    uint8_t *signed_data = save(p, sk, &len);
    uint8_t *unsigned_data = save(p, NULL, &ulen);
    cr_expect_eq(len, ulen + IMAGE_SIGNATURE_BYTES);
    load_ok(signed_data, len, pk);
    load_ok(signed_data, len, NULL);
    ImageInfo info;
    Program *q;
    const char *error;
    cr_assert_eq(image_load(signed_data, len, NULL, &q, &info, &error), IMAGE_OK);
    cr_expect(info.is_signed);
    load_refused(signed_data, len, pk2, IMAGE_SIGNATURE, "signature does not match");
    load_refused(unsigned_data, ulen, pk, IMAGE_SIGNATURE, "not signed");
    /* A signed body changed, with the checksum made right: the signature
     * no longer matches. */
    uint8_t *copy = rg_alloc_atomic(len);
    memcpy(copy, signed_data, len);
    copy[IMAGE_HEADER_BYTES + 10] ^= 1;
    reseal(copy, len);
    load_refused(copy, len, pk, IMAGE_SIGNATURE, "signature does not match");
}

Test(image, keys_as_text)
{
    rg_alloc_init();
    uint8_t pk[IMAGE_PUBLIC_KEY_BYTES], sk[IMAGE_SECRET_KEY_BYTES], back[IMAGE_SECRET_KEY_BYTES];
    cr_assert(image_keypair(pk, sk));
    const char *pt = image_key_text(pk, false), *st = image_key_text(sk, true);
    cr_expect_eq(strncmp(pt, "regel-ed25519-public ", 21), 0);
    cr_expect_eq(strlen(pt), 21 + 64 + 1);
    cr_assert_null(image_key_parse(pt, strlen(pt), false, back));
    cr_expect(memcmp(back, pk, sizeof pk) == 0);
    cr_assert_null(image_key_parse(st, strlen(st), true, back));
    cr_expect(memcmp(back, sk, sizeof sk) == 0);
    cr_expect(strstr(image_key_parse(st, strlen(st), false, back), "is a secret key"));
    cr_expect(strstr(image_key_parse(pt, strlen(pt), true, back), "is a public key"));
    cr_expect(strstr(image_key_parse("nonsense", 8, false, back), "not a regel public key"));
    cr_expect(strstr(image_key_parse(pt, 40, false, back), "64 hex digits"));
}

Test(image, source_hash_ignores_the_folder)
{
    rg_alloc_init();
    SourceSet *a = sources_new(), *b = sources_new(), *c = sources_new();
    sources_add(a, "x/policy.regel", "abc", 3);
    sources_add(b, "/elsewhere/policy.regel", "abc", 3);
    sources_add(c, "x/policy.regel", "abd", 3);
    uint8_t ha[IMAGE_HASH_BYTES], hb[IMAGE_HASH_BYTES], hc[IMAGE_HASH_BYTES];
    image_source_hash(a, ha);
    image_source_hash(b, hb);
    image_source_hash(c, hc);
    cr_expect(memcmp(ha, hb, sizeof ha) == 0);
    cr_expect(memcmp(ha, hc, sizeof ha) != 0);
    cr_expect_eq(strlen(image_version_text(ha)), 16);
}
