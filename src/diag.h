/*
 * diag.h — source files, spans, and the one diagnostic printer.
 *
 * Every token, AST node and instruction carries a Span: a file number and a
 * byte range. Line and column are worked out only when a diagnostic is
 * printed, from the file's table of line starts.
 *
 * Stages never print. They add Diagnostics to a DiagList; the CLI prints
 * them with diag_render (the library hands them to a host's callback).
 */
#ifndef REGEL_DIAG_H
#define REGEL_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct Span {
    uint32_t file;  /* index in the SourceSet; 0 means "no file" */
    uint32_t start; /* byte offsets, end exclusive */
    uint32_t end;
} Span;

typedef struct SourceFile {
    const char *path; /* as given by the user, or "<stdlib>/name" */
    const char *text; /* NUL-terminated (the NUL is not part of len) */
    size_t len;
    uint32_t *line_starts;
    size_t nlines;
} SourceFile;

/* All source files of one compilation; file numbers start at 1. */
typedef struct SourceSet {
    SourceFile **files;
    uint32_t count;
} SourceSet;

SourceSet *sources_new(void);
/* Takes text as given (it must stay alive; it is kept by reference). */
uint32_t sources_add(SourceSet *set, const char *path, const char *text, size_t len);
const SourceFile *sources_get(const SourceSet *set, uint32_t file);
/* 1-based line and column (column counted in code points). */
void sources_position(const SourceSet *set, uint32_t file, uint32_t offset, long *line, long *col);

/* An error stops the compilation; a warning does not (the policy still
 * compiles and runs), it only points at something that is probably not
 * what the author meant. */
typedef enum DiagLevel { DIAG_ERROR, DIAG_WARNING } DiagLevel;

/* A secondary location that explains the main one: where a type named in
 * the message was declared, or the earlier table row that hides this one. */
typedef struct DiagNote {
    Span span;
    const char *message; /* "field 'listade' of Vardcentral is declared Int here" */
} DiagNote;

typedef struct Diagnostic {
    DiagLevel level;
    Span span;
    const char *message;
    const char *hint; /* NULL or a short suggestion, e.g. "did you mean 'listade'?" */
    DiagNote *notes;  /* in the order they were attached */
    size_t nnotes;
} Diagnostic;

/* Beyond this many errors the rest are counted, not kept: a run over a
 * broken 10,000-line file should not print a novel. Warnings have a limit
 * of their own, so that many of them never crowd out an error. */
#define DIAG_MAX_KEPT 100

typedef struct DiagList {
    Diagnostic *items;
    size_t count, cap;
    size_t errors, warnings;   /* all found, kept or not */
    size_t dropped;            /* found but not kept */
    size_t dropped_errors;
    bool last_dropped;         /* the one added last was not kept: hints and notes go nowhere */
    const SourceSet *sources;
} DiagList;

DiagList *diags_new(const SourceSet *sources);
void diag_error(DiagList *d, Span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(DiagList *d, Span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Attaches a hint to the diagnostic added last. */
void diag_hint(DiagList *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Attaches a secondary location to the diagnostic added last. A span
 * without a file, or one equal to a note attached already, is left out. */
void diag_note(DiagList *d, Span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sorts by file and position, keeping the order of equal positions. */
void diags_sort(DiagList *d);

/* The printed form: the location, the level and the message, the source
 * line with the marked text underlined, the hint, then each note with its
 * own location and source line (the gutters of all of them as wide as the
 * widest line number):
 *
 *   path:12:13: error: `>=` cannot compare Int with Text
 *    12 |     must B1 vc.listade >= "6000" else "..."
 *       |             ^^^^^^^^^^^^^^^^^^^^
 *   path:4:5: note: field 'listade' of Vardcentral is declared Int here
 *     4 |     listade: Int from "Listade invånare"
 *       |     ^^^^^^^
 *
 * A span that covers several lines is underlined to the end of its first. */
void diag_render(const DiagList *d, const Diagnostic *g, RgBuf *out);
/* "file:line:col" of a span's start, or "" for no file. */
void diag_location(const SourceSet *set, Span span, RgBuf *out);

Span span_join(Span a, Span b);

#endif
