/*
 * text.h — UTF-8 text: validation, NFC normalisation (utf8proc), trimming,
 * Swedish collation (ICU), Swedish rendering of numbers, and the edit
 * distance behind "did you mean".
 *
 * All text inside regel is valid UTF-8 in NFC. Readers and the scanner call
 * text_clean on what they take in; everything after that may assume it.
 */
#ifndef REGEL_TEXT_H
#define REGEL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "decimal.h"

/* True when s[0..n) is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF). On false, *bad (if not NULL) is the offset of the first
 * byte of the first invalid sequence. NUL bytes are valid UTF-8. */
bool text_valid_utf8(const char *s, size_t n, size_t *bad);

/* Decodes one code point at s (valid UTF-8 assumed); returns its length in
 * bytes (1..4) and stores the code point. */
int text_decode(const char *s, uint32_t *cp);
/* Appends the UTF-8 encoding of cp. */
void text_encode(RgBuf *b, uint32_t cp);

/* May cp appear in a name? Letters anywhere; digits, combining marks and
 * connector punctuation ('_') after the first character. */
bool text_is_name_char(uint32_t cp, bool first);

/* Number of code points in valid UTF-8. */
size_t text_length(const char *s, size_t n);

/* NFC form of valid UTF-8 s[0..n). Returns s itself when it is already NFC
 * (the common case, checked without allocating: text that has no code point
 * at or above U+0300 is always NFC); otherwise a fresh atomic NUL-terminated
 * string. *out_n receives the length. */
const char *text_nfc(const char *s, size_t n, size_t *out_n);

/* s without leading and trailing white space (Unicode White_Space, which
 * includes U+00A0 and U+FEFF). Returns a pointer into s. */
const char *text_trim(const char *s, size_t n, size_t *out_n);

/* The form every value read from outside takes: trimmed, then NFC. The
 * result may point into s; it is not necessarily NUL-terminated. */
const char *text_clean(const char *s, size_t n, size_t *out_n);

/* Swedish collation (ICU, locale "sv"): a < b < ... < z < å < ä < ö,
 * case and accents as ICU orders them. Returns <0, 0, >0; 0 only for
 * identical bytes (ties are broken by code point), so it is a total order
 * consistent with equality of NFC text. Safe to call from several
 * threads. */
int text_collate(const char *a, size_t an, const char *b, size_t bn);
/* Plain code-point order (the same as byte order in UTF-8). */
int text_cmp_bytes(const char *a, size_t an, const char *b, size_t bn);

/* Case folding (Unicode full case folding via utf8proc: ß becomes ss),
 * used for case-insensitive comparison and suggestions. Fresh atomic
 * string; invalid UTF-8 comes back unchanged. */
const char *text_casefold(const char *s, size_t n, size_t *out_n);

/* Swedish rendering of numbers: groups of three digits separated by a
 * space, decimal comma, minus sign U+2212 is NOT used (plain '-').
 *   6230 -> "6 230", -1500 -> "-1 500", 12.5 -> "12,5", 1234.75 ->
 *   "1 234,75", 0.25 -> "0,25". Decimals are printed without trailing
 * fractional zeros. Numbers below 10 000 are grouped too ("1 500"). */
void text_format_int_sv(RgBuf *b, int64_t v);
void text_format_dec_sv(RgBuf *b, Decimal d);

/* Optimal-string-alignment edit distance (insert, delete, substitute,
 * swap of neighbours) over code points, comparing case-folded text. */
size_t text_edit_distance(const char *a, size_t an, const char *b, size_t bn);
/* The candidate closest to name, if it is close enough to be a plausible
 * typo: distance <= max(1, length(name) / 3), and for names of 1-2 code
 * points only case differences. Ties go to the earlier candidate. NULL
 * when none qualifies. */
const char *text_suggest(const char *name, const char *const *candidates, size_t count);

/* 1-based column, in code points, of byte offset `offset` in a line that
 * starts at line_start. Invalid UTF-8 bytes count one column each. */
size_t text_column(const char *line_start, size_t offset);

#endif
