/* index.c — open-addressing hash indexes from a field's value to records. */
#include "index.h"

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
