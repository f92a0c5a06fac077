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
    /* Run only the tests whose name contains one of these texts, ignoring
     * case (full Unicode case folding); none: every test. */
    const char *const *filters;
    size_t nfilters;
    /* The percentage of rules (0 to 100) that the tests that ran must see
     * both holding and failing; 0 asks for nothing. */
    double min_coverage;
    void (*write)(void *ctx, const char *text, size_t n);
    void *write_ctx;
} TestOptions;

typedef struct TestSummary {
    uint32_t passed, failed;
    uint32_t filtered;       /* tests the filters left out */
    uint32_t rules, covered; /* rules, and those seen both holding and failing */
} TestSummary;

typedef enum TestResult {
    TEST_PASSED,
    TEST_FAILED,       /* a test failed (whatever the coverage) */
    TEST_COVERAGE_LOW, /* every test passed, but coverage is below o->min_coverage */
} TestResult;

/* The first of o's filters that no test name of p contains, or NULL: a
 * filter that selects nothing is a mistake to report, not an empty run. */
const char *test_unmatched_filter(const Program *p, const TestOptions *o);

/* Runs the tests of p (compiled with coverage) that o's filters select and
 * writes the report. */
TestResult test_run(const Program *p, const TestOptions *o, TestSummary *s);

#endif
