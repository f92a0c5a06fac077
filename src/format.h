/*
 * format.h — the canonical layout of policy text (regel fmt).
 */
#ifndef REGEL_FORMAT_H
#define REGEL_FORMAT_H

#include <stddef.h>

#include "ast.h"
#include "diag.h"

/* The text of module (parsed from file `file` of files, without syntax
 * errors) in the canonical layout, comments and blank lines kept. */
const char *format_module(const SourceSet *files, uint32_t file, const Node *module, size_t *len);

/* Expression n (of a parsed file in files) on one line, in the canonical
 * layout: how reports quote policy text. */
const char *format_flat(const SourceSet *files, const Node *n);

/* A canonical rendering of a parsed module that leaves out positions and
 * comments: two texts mean the same when their shapes are equal. The
 * formatter checks its own output with it. */
const char *format_shape(const Node *module);

#endif
