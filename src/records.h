/*
 * records.h — typed records from the exports: CSV and JSON Lines files read
 * one record at a time against a source's record type.
 *
 * Text is trimmed and NFC-normalised; numbers are exact; a CSV cell that is
 * empty and a JSON null or absent key are "no value", which only optional
 * fields accept. A record that breaks its type is reported, with the file,
 * line and field, and the reader goes on to the next; only a broken file
 * (unreadable, a CSV header without a needed column, a CSV quote that never
 * closes) stops it.
 */
#ifndef REGEL_RECORDS_H
#define REGEL_RECORDS_H

#include <stdbool.h>

#include "types.h"
#include "value.h"

typedef enum RecordStatus {
    REC_OK,      /* *out holds the record */
    REC_INVALID, /* this record is broken; records_error says how; go on */
    REC_END,
    REC_FATAL,   /* the file cannot be read further; records_error says why */
} RecordStatus;

typedef struct RecordReader RecordReader;

/* Opens the export at path for the source. NULL with *err set when the file
 * cannot be opened or (CSV) its header does not fit the record type. */
RecordReader *records_open(const SourceSpec *spec, const char *path, const char **err);
RecordStatus records_next(RecordReader *r, Value *out);
/* The message of the last REC_INVALID or REC_FATAL, complete with file
 * and line: `vardcentraler.csv:12: field "Listade invånare": expected Int,
 * got "6 230"`. */
const char *records_error(const RecordReader *r);
/* Line where the last record started. */
long records_line(const RecordReader *r);
void records_close(RecordReader *r);

/* One JSON object (text, len bytes) as a record of type rt, read as a line
 * of a JSON Lines export is: REC_OK with *out, or REC_INVALID with *err
 * ("name:line: field ...", "name:line:column: invalid JSON: ..."). */
RecordStatus records_read_json(const RecordType *rt, const char *name, long line, const char *text, size_t len,
                               Value *out, const char **err);

/* The type name used in messages ("Int", "Date", "one of ja, nej"). */
const char *records_expected(const SourceSpec *spec, const Type *t);

#endif
