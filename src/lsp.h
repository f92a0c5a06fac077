/*
 * lsp.h — `regel lsp`: a Language Server Protocol server on the compiler's
 * own front end (the same parser, checker and formatter as `regel check`
 * and `regel fmt`).
 */
#ifndef REGEL_LSP_H
#define REGEL_LSP_H

#include <stdio.h>

/* Serves one client: JSON-RPC messages with Content-Length headers are
 * read from in's file descriptor and answered on out, until the client
 * sends `exit`, closes its end, or out cannot be written any more.
 * SIGPIPE is ignored from then on, so a client that went away is an
 * error to notice, not a signal that kills. Returns 0 after `shutdown`
 * and `exit`, 1 when the client left without asking for a shutdown (the
 * exit status the protocol asks for). Memory that runs out in a request's
 * handler gets an error answer; anywhere else it ends the server with 1,
 * as the client could no longer be kept in step. */
int lsp_serve(FILE *in, FILE *out);

#endif
