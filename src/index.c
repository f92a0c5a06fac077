/* index.c — open-addressing hash indexes from a field's value to records. */
#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

typedef struct Bucket {
    Value key;
    uint64_t hash;
    List *records; /* NULL marks an empty bucket */
} Bucket;

struct ValueIndex {
    Bucket *buckets;
    size_t cap, count;
};

static const List empty_list = {0, 0};

static Bucket *find(const ValueIndex *ix, Value key, uint64_t h)
{
    size_t mask = ix->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        Bucket *b = &ix->buckets[i];
        if (!b->records || (b->hash == h && value_equal(b->key, key)))
            return b;
    }
}

static void grow(ValueIndex *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : 64;
    Bucket *old = ix->buckets;
    size_t oldcap = ix->cap;
    ix->buckets = rg_alloc(cap * sizeof(Bucket));
    ix->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].records)
            *find(ix, old[i].key, old[i].hash) = old[i];
}

ValueIndex *vindex_new(void)
{
    ValueIndex *ix = rg_alloc(sizeof *ix);
    grow(ix);
    return ix;
}

bool vindex_add_unique(ValueIndex *ix, Value key, Value value, Value *first)
{
    uint64_t h = value_hash(key);
    Bucket *b = find(ix, key, h);
    if (b->records) {
        *first = b->records->items[0];
        return false;
    }
    if ((ix->count + 1) * 4 > ix->cap * 3) {
        grow(ix);
        b = find(ix, key, h);
    }
    b->key = key;
    b->hash = h;
    b->records = list_push(list_new(1), value);
    ix->count++;
    return true;
}

ValueIndex *vindex_build(const List *records, int field)
{
    ValueIndex *ix = vindex_new();
    for (uint32_t r = 0; r < records->len; r++) {
        Value rec = records->items[r];
        if (rec.tag != V_RECORD)
            continue;
        Value key = rec.as.rec->slots[field];
        uint64_t h = value_hash(key);
        Bucket *b = find(ix, key, h);
        if (!b->records) {
            if ((ix->count + 1) * 4 > ix->cap * 3) {
                grow(ix);
                b = find(ix, key, h);
            }
            b->key = key;
            b->hash = h;
            b->records = list_new(1);
            ix->count++;
        }
        b->records = list_push(b->records, rec);
    }
    return ix;
}

ValueIndex *vindex_build_elements(const List *records, int field)
{
    ValueIndex *ix = vindex_new();
    for (uint32_t r = 0; r < records->len; r++) {
        Value rec = records->items[r];
        if (rec.tag != V_RECORD)
            continue;
        Value list = rec.as.rec->slots[field];
        if (list.tag != V_LIST && list.tag != V_SET)
            continue;
        for (uint32_t i = 0; i < list.as.list->len; i++) {
            Value key = list.as.list->items[i];
            /* A record is listed once under an element it holds twice. */
            bool repeated = false;
            for (uint32_t j = 0; j < i && !repeated; j++)
                repeated = value_equal(list.as.list->items[j], key);
            if (repeated)
                continue;
            uint64_t h = value_hash(key);
            Bucket *b = find(ix, key, h);
            if (!b->records) {
                if ((ix->count + 1) * 4 > ix->cap * 3) {
                    grow(ix);
                    b = find(ix, key, h);
                }
                b->key = key;
                b->hash = h;
                b->records = list_new(1);
                ix->count++;
            }
            b->records = list_push(b->records, rec);
        }
    }
    return ix;
}

const List *vindex_get(const ValueIndex *ix, Value key)
{
    if (!ix || !ix->cap)
        return &empty_list;
    Bucket *b = find(ix, key, value_hash(key));
    return b->records ? b->records : &empty_list;
}

/* ---------------------------------------------------------------- ranges */

typedef struct RangeEntry {
    Date start;
    uint32_t pos; /* in the source's records */
} RangeEntry;

typedef struct RangePart {
    RangeEntry *entries; /* by start, then position */
    uint32_t n, cap;
    /* The longest end - start in the part (0 at least): a record that ends
     * on or after lo starts on or after lo - longest. */
    int64_t longest;
    uint32_t *undated; /* records whose start or end is not a date: always candidates */
    uint32_t nundated, undated_cap;
} RangePart;

struct RangeIndex {
    const List *records;
    ValueIndex *parts; /* key -> [Int: part number] */
    RangePart *part;
    uint32_t nparts, parts_cap;
};

static int entry_cmp(const void *x, const void *y)
{
    const RangeEntry *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static int pos_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

static RangePart *range_part(RangeIndex *ix, Value key)
{
    const List *hit = vindex_get(ix->parts, key);
    if (hit->len)
        return &ix->part[hit->items[0].as.i];
    if (ix->nparts == ix->parts_cap) {
        uint32_t cap = ix->parts_cap ? ix->parts_cap * 2 : 8;
        RangePart *p = rg_alloc(cap * sizeof *p);
        if (ix->nparts)
            memcpy(p, ix->part, ix->nparts * sizeof *p);
        ix->part = p;
        ix->parts_cap = cap;
    }
    Value ignored;
    vindex_add_unique(ix->parts, key, val_int(ix->nparts), &ignored);
    return &ix->part[ix->nparts++];
}

/* A copy of the n items of an atomic array with room for twice as many. */
static void *grown(const void *items, uint32_t n, uint32_t *cap, size_t size)
{
    *cap = *cap ? *cap * 2 : 8;
    void *b = rg_alloc_atomic(*cap * size);
    if (n)
        memcpy(b, items, n * size);
    return b;
}

RangeIndex *rindex_build(const List *records, int key_field, int start_field, int end_field)
{
    RangeIndex *ix = rg_alloc(sizeof *ix);
    ix->records = records;
    ix->parts = vindex_new();
    for (uint32_t r = 0; r < records->len; r++) {
        Value rec = records->items[r];
        if (rec.tag != V_RECORD)
            continue;
        const Value *slots = rec.as.rec->slots;
        RangePart *p = range_part(ix, key_field >= 0 ? slots[key_field] : val_none());
        Value s = slots[start_field], e = slots[end_field];
        if (s.tag != V_DATE || e.tag != V_DATE) {
            if (p->nundated == p->undated_cap)
                p->undated = grown(p->undated, p->nundated, &p->undated_cap, sizeof *p->undated);
            p->undated[p->nundated++] = r;
            continue;
        }
        if (p->n == p->cap)
            p->entries = grown(p->entries, p->n, &p->cap, sizeof *p->entries);
        p->entries[p->n++] = (RangeEntry){s.as.date, r};
        if ((int64_t)e.as.date - s.as.date > p->longest)
            p->longest = (int64_t)e.as.date - s.as.date;
    }
    for (uint32_t i = 0; i < ix->nparts; i++)
        if (ix->part[i].n > 1)
            qsort(ix->part[i].entries, ix->part[i].n, sizeof(RangeEntry), entry_cmp);
    return ix;
}

List *rindex_get(const RangeIndex *ix, Value key, Date lo, Date hi)
{
    const List *hit = vindex_get(ix->parts, key);
    if (!hit->len)
        return list_new(0);
    const RangePart *p = &ix->part[hit->items[0].as.i];
    int64_t from = (int64_t)lo - p->longest;
    uint32_t a = 0, b = p->n;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (p->entries[m].start < from)
            a = m + 1;
        else
            b = m;
    }
    uint32_t end = a;
    while (end < p->n && p->entries[end].start <= hi)
        end++;
    uint32_t n = end - a + p->nundated;
    uint32_t *pos = rg_alloc_atomic(((size_t)n + 1) * sizeof *pos);
    for (uint32_t i = a; i < end; i++)
        pos[i - a] = p->entries[i].pos;
    if (p->nundated)
        memcpy(pos + (end - a), p->undated, p->nundated * sizeof *pos);
    if (n > 1)
        qsort(pos, n, sizeof *pos, pos_cmp);
    List *l = list_new(n);
    for (uint32_t i = 0; i < n; i++)
        l->items[i] = ix->records->items[pos[i]];
    l->len = n;
    return l;
}

typedef struct CountSlot {
    Value key;
    uint64_t hash;
    int64_t count;
    bool used;
} CountSlot;

struct CountMap {
    CountSlot *slots;
    size_t cap, count;
};

static CountSlot *cmap_find(const CountMap *m, Value key, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        CountSlot *s = &m->slots[i];
        if (!s->used || (s->hash == h && value_equal(s->key, key)))
            return s;
    }
}

CountMap *cmap_new(void)
{
    CountMap *m = rg_alloc(sizeof *m);
    m->cap = 16;
    m->slots = rg_alloc(m->cap * sizeof *m->slots);
    return m;
}

int64_t cmap_get(const CountMap *m, Value key)
{
    CountSlot *s = cmap_find(m, key, value_hash(key));
    return s->used ? s->count : 0;
}

void cmap_add(CountMap *m, Value key, int64_t n)
{
    if ((m->count + 1) * 4 > m->cap * 3) {
        CountSlot *old = m->slots;
        size_t oldcap = m->cap;
        m->cap *= 2;
        m->slots = rg_alloc(m->cap * sizeof *m->slots);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].used)
                *cmap_find(m, old[i].key, old[i].hash) = old[i];
    }
    uint64_t h = value_hash(key);
    CountSlot *s = cmap_find(m, key, h);
    if (!s->used) {
        s->used = true;
        s->key = key;
        s->hash = h;
        m->count++;
    }
    s->count += n;
}
