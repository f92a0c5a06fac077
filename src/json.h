/*
 * json.h — a strict RFC 8259 pull parser over one JSON text in memory.
 *
 * The record reader drives it field by field, so values the schema does not
 * ask for are validated and skipped without being built, and strings
 * without escapes are returned in place without copying. Every error stops
 * the parser and leaves a message and the byte offset where it was found.
 *
 * Accepted as documented in tests/conformance/README.md: nesting up to
 * max_depth arrays/objects; any number syntactically valid (range is the
 * caller's business); strings must be valid UTF-8 after decoding, so
 * lone surrogate escapes (\ud800) are rejected; \u0000 is kept.
 */
#ifndef REGEL_JSON_H
#define REGEL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Deep enough for any export; shallow enough that a hostile line of
 * brackets is refused quickly. */
#define JSON_MAX_DEPTH_DEFAULT 256

typedef enum JsonType {
    JSON_INVALID = 0, /* error, or end of input where a value was expected */
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} JsonType;

typedef struct JsonParser {
    const char *begin, *p, *end;
    int depth, max_depth;
    const char *error;   /* NULL until an error; an English message */
    size_t error_offset; /* bytes from begin */
    RgBuf scratch;       /* decoded strings that had escapes */
    bool ascii;          /* the string read last was plain ASCII without escapes */
} JsonParser;

void json_init(JsonParser *j, const char *data, size_t len, int max_depth);
/* Starts over on new input, keeping the depth limit and the scratch
 * buffer (so a reader that parses line after line does not allocate it
 * again for each). */
void json_reset(JsonParser *j, const char *data, size_t len);

/* Skips white space and tells what the next value is without consuming it. */
JsonType json_peek(JsonParser *j);

bool json_read_null(JsonParser *j);
bool json_read_bool(JsonParser *j, bool *out);
/* The number's lexeme exactly as written, validated against the grammar. */
bool json_read_number(JsonParser *j, const char **lexeme, size_t *n);
/* The decoded string (valid UTF-8, may contain NUL). Valid until the next
 * call on this parser. */
bool json_read_string(JsonParser *j, const char **s, size_t *n);

/* Consumes '{'. */
bool json_object_begin(JsonParser *j);
/* 1: a member follows; its decoded key is returned and the ':' consumed,
 * the value is next. 0: '}' consumed. -1: error. */
int json_object_next(JsonParser *j, const char **key, size_t *klen);
/* Consumes '['. */
bool json_array_begin(JsonParser *j);
/* 1: an element follows (the value is next). 0: ']' consumed. -1: error. */
int json_array_next(JsonParser *j);

/* Validates and skips one value of any kind. */
bool json_skip(JsonParser *j);
/* True when only white space is left; otherwise an error. */
bool json_finish(JsonParser *j);

/* A whole document: exactly one value and nothing else. */
bool json_validate(const char *data, size_t len, int max_depth, const char **error, size_t *error_offset);

#endif
