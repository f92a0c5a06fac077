/*
 * lines.h — streaming physical lines from a file or a memory block.
 *
 * The readers of exports sit on this: it reads in large blocks, so memory
 * stays constant whatever the file size, and hands out one line at a time.
 */
#ifndef REGEL_LINES_H
#define REGEL_LINES_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line accepted by default (bytes, terminator included). A record
 * longer than this is an error, not a reason to grow without bound. */
#define LINES_MAX_DEFAULT (16u * 1024u * 1024u)

typedef struct LineReader LineReader;

/* NULL on failure, with *err set to a message naming the path and the
 * system's reason ("cannot open x.csv: No such file or directory"). */
LineReader *lines_open_file(const char *path, size_t max_line, const char **err);
/* Reads from memory; data must stay alive while the reader is used. */
LineReader *lines_open_mem(const char *data, size_t len, size_t max_line);

/* Next physical line including its terminator ("\n", "\r\n", or none for a
 * last line without one). A UTF-8 byte order mark at the very start of the
 * input is dropped. Returns 1 with a line, 0 at the end, -1 on an error
 * (I/O failure, or a line longer than max_line) described by lines_error.
 * The pointer stays valid until the next call. */
int lines_next(LineReader *r, const char **line, size_t *len);
/* 1-based number of the line last returned. */
long lines_number(const LineReader *r);
bool lines_had_bom(const LineReader *r);
const char *lines_error(const LineReader *r);
/* Releases the file descriptor; safe to call twice. */
void lines_close(LineReader *r);

/* Length of line without its terminator. */
size_t lines_content_len(const char *line, size_t len);

#endif
