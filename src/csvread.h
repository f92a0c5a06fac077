/*
 * csvread.h — streaming CSV rows (RFC 4180, via libcsv) on top of lines.h.
 *
 * Rows come out as raw fields: quotes removed and "" unescaped, nothing
 * trimmed or normalised (the record reader does that), line breaks inside
 * quoted fields kept as written. The first row is the header like any other.
 * Strict: a bare quote inside an unquoted field, text after a closing quote,
 * an unterminated quoted field, a NUL byte or invalid UTF-8 is an error with
 * line and column.
 */
#ifndef REGEL_CSVREAD_H
#define REGEL_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "lines.h"

/* Wider than any export; stops a runaway row from eating memory. */
#define CSV_MAX_FIELDS_DEFAULT 4096

typedef struct CsvOptions {
    char separator; /* ',' by default; ';' for the region's spreadsheets */
    char quote;     /* '"' */
    size_t max_fields;
} CsvOptions;

CsvOptions csv_default_options(void);

typedef struct CsvRow {
    size_t count;
    const char **fields; /* field i is fields[i][0..lens[i]) */
    const size_t *lens;
    long line;           /* physical line where the row starts, 1-based */
    long end_line;       /* physical line where it ends */
} CsvRow;

typedef struct CsvReader CsvReader;

/* The reader takes over `lines` (csvr_close closes it). */
CsvReader *csvr_open(LineReader *lines, CsvOptions opts);
/* 1: a row (valid until the next call), 0: end, -1: error. Blank lines
 * between rows are skipped. */
int csvr_next(CsvReader *r, CsvRow *row);
const char *csvr_error(const CsvReader *r);
long csvr_error_line(const CsvReader *r);
long csvr_error_col(const CsvReader *r); /* 1-based, in code points */
void csvr_close(CsvReader *r);

#endif
