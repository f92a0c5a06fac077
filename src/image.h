/*
 * image.h — precompiled programs: the .rgc file format, its signatures,
 * and the hash of a policy's sources.
 *
 * A .rgc file holds everything a Program needs to run (bytecode with its
 * spans, constants, record and enum types, the tables of rules, decisions,
 * sources and queues, the tests) and the policy's source files, so that an
 * error found while running points at the policy text as it does for a
 * program compiled from source. Programs compiled for explaining or with
 * coverage hold syntax trees and are not saved.
 *
 * Layout (all integers little-endian):
 *
 *     offset  size  field
 *     0       8     magic: 89 'R' 'G' 'C' 0D 0A 1A 0A
 *     8       4     format version (IMAGE_FORMAT_VERSION)
 *     12      4     flags: bit 0 = signed
 *     16      16    engine version, NUL-padded ("0.1.0")
 *     32      8     engine fingerprint: the first 8 bytes of the BLAKE2b-256
 *                   of the instruction set and the native functions (names,
 *                   operands, stack effects, signatures), so that a file of
 *                   an engine whose code means something else is refused
 *     40      32    source hash: SHA-256 of the sources (image_source_hash)
 *     72      8     body length B
 *     80      B     body (below)
 *     80+B    64    signed files only: Ed25519 signature of bytes [0, 80+B):
 *                   the header, with the source hash, and the whole body,
 *                   with the bytecode
 *     end-32  32    checksum: BLAKE2b-256 of every byte before it
 *
 * The body is a sequence of sections; a count is a u32, a string a u32
 * length (0xFFFFFFFF for none) and its bytes, a span three u32 (file,
 * start, end), a type a kind byte followed by its element type (List, Set,
 * optional) or the u32 number of its record or enum type. In order:
 *
 *     files      count; each: path, text
 *     enums      count; each: name, span, count of words, then the words,
 *                the export spellings and the texts, one string per word
 *     records    count; each: name, span, count of fields; then for each
 *                record each field: name, type, column, span
 *     constants  count; each a value: tag byte, then Bool u8, Int i64,
 *                Decimal i64 coefficient and u8 scale, Text string, Date
 *                i32, Period two i32, Duration i32 months and i32 days,
 *                enum u32 type and u32 word, List and Set a count and the
 *                values, a record u32 type, u32 line, and one value per
 *                field
 *     chunks     count; each: name, code (a string of bytes), count of
 *                spans, each u32 pc and a span, then u16 parameters, u16
 *                locals, u16 stack
 *     rules      count; each: ref, u8 severity, decision, span
 *     sources    count; each: name, u32 record type, u8 format, u8
 *                separator, u8 decimal mark, yes, no, u8 on-invalid, file,
 *                i32 key field, span, count and i32 indexed fields, count
 *                and i32 element-indexed fields, count and i32 range-index
 *                fields (three per index)
 *     types      count and u32 record types RECORD builds; u32 reason
 *                type; u32 queue entry type (0xFFFFFFFF: none)
 *     decisions  count; each: name, span, u32 chunk, u32 body pc, u32
 *                result type (or none), i32 source, i32 list chunk, u8
 *                subject slot, count and outcome words, count and output
 *                fields, count and u32 rules, u8 root
 *     queues     count; each: name, span, u32 element chunk, u32 key
 *                chunk, i32 capacity chunk, u32 admission chunk, count and
 *                u32 counter chunks, u8 subject slot
 *     tests      count; each: name, span, u32 chunk; then count of
 *                expectations, each: span, text, u32 test
 *     hosts      count; each: name, signature (normalised, as
 *                builtins.h: host_signature writes it): the host
 *                functions HOST calls, which the loader's caller binds
 *                by name and signature to the host's table (format
 *                version 2 on)
 *
 * The loader checks the magic, versions, fingerprint, length, checksum and
 * (when asked) the signature before it reads the body; reading checks
 * every count against the bytes left, every index against its table,
 * every string for UTF-8, decimal scales, dates, enum words and spans,
 * and that the sources match the source hash; then verify_program
 * (verify.h) checks the bytecode. Anything else is refused with a message
 * that says what is wrong.
 */
#ifndef REGEL_IMAGE_H
#define REGEL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "program.h"

#define IMAGE_FORMAT_VERSION 3
#define IMAGE_HEADER_BYTES 80
#define IMAGE_SIGNATURE_BYTES 64
#define IMAGE_CHECKSUM_BYTES 32
#define IMAGE_HASH_BYTES 32
#define IMAGE_PUBLIC_KEY_BYTES 32
#define IMAGE_SECRET_KEY_BYTES 64
/* No policy comes near this; it bounds what a damaged length can make the
 * loader read or allocate. */
#define IMAGE_MAX_BYTES (256u * 1024 * 1024)
/* Types and constant values nest a few levels in real policies; deeper
 * nesting in a file is refused, so reading it needs no deep recursion. */
#define IMAGE_MAX_NESTING 64

/* SHA-256 of a compilation's sources: for each file in order, the u32
 * length and bytes of its name (the path without its folders), then the
 * u64 length and bytes of its text. The same policy compiled from another
 * folder has the same hash. */
void image_source_hash(const SourceSet *files, uint8_t out[IMAGE_HASH_BYTES]);
/* The first 8 bytes of a hash as 16 hex digits: a policy's version as
 * decision output shows it. */
const char *image_version_text(const uint8_t hash[IMAGE_HASH_BYTES]);

/* The file of p (compiled from files) in *out, *len bytes (collector
 * memory); signed with secret_key (IMAGE_SECRET_KEY_BYTES) unless it is
 * NULL. NULL on success, else why the program cannot be saved. */
const char *image_save(const Program *p, const uint8_t *secret_key, uint8_t **out, size_t *len);

typedef enum ImageStatus {
    IMAGE_OK,
    IMAGE_INVALID,   /* not a .rgc file of this engine, damaged, or refused by the verifier */
    IMAGE_SIGNATURE, /* unsigned, or not signed with the required key */
    IMAGE_NOMEM,
} ImageStatus;

typedef struct ImageInfo {
    bool is_signed;
    uint8_t source_hash[IMAGE_HASH_BYTES];
} ImageInfo;

/* Reads a file made by image_save. With public_key (IMAGE_PUBLIC_KEY_BYTES)
 * the file must be signed with the matching secret key. On IMAGE_OK, *out
 * is the verified program (its files are (*out)->files); otherwise *error
 * says what is wrong. */
ImageStatus image_load(const uint8_t *data, size_t len, const uint8_t *public_key, Program **out, ImageInfo *info,
                       const char **error);

/* A new Ed25519 key pair; false when the system gives no randomness. */
bool image_keypair(uint8_t public_key[IMAGE_PUBLIC_KEY_BYTES], uint8_t secret_key[IMAGE_SECRET_KEY_BYTES]);
/* Key files are one line: "regel-ed25519-public " or "regel-ed25519-secret
 * " and the key in lower-case hex, then a newline. image_key_text makes
 * that line; image_key_parse reads it (secret says which kind is wanted)
 * and returns NULL or what is wrong with the text. */
const char *image_key_text(const uint8_t *key, bool secret);
const char *image_key_parse(const char *text, size_t len, bool secret, uint8_t *key);

/* Every record and enum type that p's values can have: those of its
 * sources, constants, decision results, reasons and queue entries, the
 * ones RECORD builds, and all reachable through their fields. Each once. */
typedef struct ImageTypes {
    const RecordType **records;
    uint32_t nrecords;
    const EnumType **enums;
    uint32_t nenums;
} ImageTypes;

void image_types(const Program *p, ImageTypes *out);

#endif
