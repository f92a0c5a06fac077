/*
 * testrun.h — `regel test`: runs the test blocks of a program compiled for
 * coverage, and reports each test and which rules were seen holding and
 * failing.
 */
#ifndef REGEL_TESTRUN_H
#define REGEL_TESTRUN_H

#include <stdbool.h>
#include <stdint.h>

#include "program.h"
#include "vm.h"

typedef struct TestOptions {
    Date today;          /* unless a test says `given today = ...` */
    VmLimits limits;
    bool every_rule;     /* list every rule's coverage, not only the gaps */
    void (*write)(void *ctx, const char *text, size_t n);
    void *write_ctx;
} TestOptions;

typedef struct TestSummary {
    uint32_t passed, failed;
    uint32_t rules, covered; /* rules, and those seen both holding and failing */
} TestSummary;

/* Runs every test of p (compiled with coverage). True when all passed. */
bool test_run(const Program *p, const TestOptions *o, TestSummary *s);

#endif
