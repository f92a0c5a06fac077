/*
 * repl.h — `regel repl`: the interactive interpreter.
 *
 * Part of the command, not of the library: it edits lines with libedit,
 * which an embedding host should not have to link.
 */
#ifndef REGEL_REPL_H
#define REGEL_REPL_H

/* regel repl [POLICY...] [--data DIR] [--today YYYY-MM-DD]; returns the
 * exit status. Reads standard input, with line editing, history and
 * completion when it is a terminal. */
int repl_main(int argc, char **argv);

#endif
