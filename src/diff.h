/*
 * diff.h — what a change of policy does to real cases (regel diff).
 *
 * Runs two versions of a policy over the same exports and reports every
 * decision line whose outcome or reasons differ, grouped by the change
 * ("nej → ja, B1 no longer fails: 14"), with the constants and rule
 * conditions that changed between the versions and that those rules read.
 */
#ifndef REGEL_DIFF_H
#define REGEL_DIFF_H

#include <stdbool.h>

#include "program.h"
#include "run.h"

/* Runs before and after as o says (its write callback receives the
 * report: text, or one JSON object per decision when json) and sets
 * *changed when some line differs. Returns a run status (run.h); a run
 * that fails stops the comparison. */
int diff_programs(const Program *before, const Program *after, const RunOptions *o, bool json, bool *changed);

#endif
