/*
 * index.h — hash indexes over the records of a loaded source, and the set
 * of loaded sources a run evaluates against.
 *
 * A lookup by key (vardcentraler[id]) and a selection on a field
 * (personal where .arbetsplats == vc.hsa_id) each cost one hash probe, so a
 * batch stays linear in the size of its input instead of scanning a source
 * per record.
 */
#ifndef REGEL_INDEX_H
#define REGEL_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "value.h"

typedef struct ValueIndex ValueIndex;

/* Index of records (a list of record values) on field `field`; equality
 * is value_equal (1 and 1.0 are one key). */
ValueIndex *vindex_build(const List *records, int field);
/* Index of records on the elements of list field `field`: a record is
 * found under each distinct element. */
ValueIndex *vindex_build_elements(const List *records, int field);
/* The records whose field equals key, in source order; an empty list when
 * there are none. Never NULL. */
const List *vindex_get(const ValueIndex *ix, Value key);
/* An empty index, for adding one value per key. */
ValueIndex *vindex_new(void);
/* Adds value under key unless the key is there already; then returns
 * false and stores the value that came first in *first. */
bool vindex_add_unique(ValueIndex *ix, Value key, Value value, Value *first);

/* Index of records by a range of dates, for `where` conditions that ask
 * whether a record's [start, end] and a given [lo, hi] share a day (the
 * clash of a course with the calendar): the records are partitioned by
 * the value of key_field (-1: one partition), and sorted in each by their
 * start. */
typedef struct RangeIndex RangeIndex;

RangeIndex *rindex_build(const List *records, int key_field, int start_field, int end_field);
/* The records of key's partition that may have start <= hi and end >= lo
 * (all that do, and perhaps others: the caller's condition decides), in
 * source order. */
List *rindex_get(const RangeIndex *ix, Value key, Date lo, Date hi);

/* Counts by value, for admitted_with in a queue walk. */
typedef struct CountMap CountMap;

CountMap *cmap_new(void);
int64_t cmap_get(const CountMap *m, Value key);
void cmap_add(CountMap *m, Value key, int64_t n);

typedef struct SourceData {
    List *records;          /* every valid record, first of each key only */
    ValueIndex *by_key;     /* NULL when the source has no key */
    ValueIndex **by_field;  /* by field slot; NULL entries where not needed */
    ValueIndex **by_element;/* by list field slot, on its elements */
    RangeIndex **by_range;  /* by SourceUse range number */
    bool loaded;
} SourceData;

typedef struct DataSet {
    uint32_t nsources;
    SourceData *sources;
} DataSet;

#endif
