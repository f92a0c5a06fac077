/*
 * test_serve_json.c — regel_record_read_json, the record a request of
 * `regel serve` sends: the JSON Lines reader's rules and messages, with
 * the name and line the caller gives.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "regel.h"

#define POLICY                                                                           \
    "record Centrum {\n    id: Text from \"HSA-id\"\n    listade: Int\n    start: Date?\n" \
    "    taggar: List<Text>\n}\n"                                                        \
    "source centrum: Centrum from jsonl \"centrum.jsonl\" key id\n"                      \
    "decision stor for vc in centrum key vc.id {\n"                                      \
    "    outcome ja | nej\n"                                                             \
    "    must S1 vc.listade > 5000 else \"{vc.listade} listade\"\n"                      \
    "}\n"

static regel_program *prog;
static regel_record *rec;

static void setup(void)
{
    cr_assert_eq(regel_compile_string("t.regel", POLICY, strlen(POLICY), NULL, NULL, &prog), REGEL_OK);
    cr_assert_eq(regel_record_new(prog, regel_source_record_type(prog, "centrum"), &rec), REGEL_OK);
}

static void teardown(void)
{
    regel_record_free(rec);
    regel_program_free(prog);
}

TestSuite(serve_json, .init = setup, .fini = teardown);

static regel_status read(const char *json)
{
    return regel_record_read_json(rec, "request", 3, json, strlen(json));
}

Test(serve_json, a_valid_object_decides)
{
    cr_assert_eq(read("{\"HSA-id\": \" a1 \", \"listade\": 6000, \"taggar\": [], \"okänd\": [1, {}]}"), REGEL_OK);
    cr_assert_null(regel_record_error(rec));
    regel_context *c;
    cr_assert_eq(regel_context_new(prog, NULL, &c), REGEL_OK);
    const regel_result *r;
    cr_assert_eq(regel_decide(c, regel_decision_index(prog, "stor"), rec, &r), REGEL_OK);
    cr_assert_str_eq(r->outcome_word, "ja");
    cr_assert_str_eq(r->key, "a1"); /* trimmed, as the reader does */
    regel_context_free(c);
}

Test(serve_json, the_readers_messages)
{
    cr_assert_eq(read("{\"HSA-id\": \"a\", \"listade\": \"6 230\", \"taggar\": []}"), REGEL_ERR_DATA);
    cr_assert_str_eq(regel_record_error(rec), "request:3: field \"listade\": expected Int, got \"6 230\"");
    cr_assert_eq(read("{\"listade\": 1, \"taggar\": []}"), REGEL_ERR_DATA);
    cr_assert_str_eq(regel_record_error(rec), "request:3: field \"HSA-id\": is missing (expected Text)");
    cr_assert_eq(read("{\"HSA-id\": \"a\", \"listade\": 1, \"taggar\": [1]}"), REGEL_ERR_DATA);
    cr_assert_str_eq(regel_record_error(rec), "request:3: field \"taggar[0]\": expected Text, got 1");
    cr_assert_eq(read("{\"HSA-id\": \"a\", "), REGEL_ERR_DATA);
    cr_assert(strncmp(regel_record_error(rec), "request:3:17: invalid JSON", 26) == 0, "%s", regel_record_error(rec));
    cr_assert_eq(read("[]"), REGEL_ERR_DATA);
    cr_assert_str_eq(regel_record_error(rec), "request:3: expected an object, got a list");
}

Test(serve_json, a_failed_read_leaves_the_record_empty)
{
    cr_assert_eq(read("{\"HSA-id\": \"a\", \"listade\": 6000, \"taggar\": [\"x\"]}"), REGEL_OK, "%s",
                 regel_record_error(rec));
    cr_assert_eq(read("{\"HSA-id\": 1}"), REGEL_ERR_DATA);
    regel_context *c;
    cr_assert_eq(regel_context_new(prog, NULL, &c), REGEL_OK);
    const regel_result *r;
    cr_assert_eq(regel_decide(c, regel_decision_index(prog, "stor"), rec, &r), REGEL_ERR_USAGE);
    regel_context_free(c);
}
