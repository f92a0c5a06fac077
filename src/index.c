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

const List *vindex_get(const ValueIndex *ix, Value key)
{
    if (!ix || !ix->cap)
        return &empty_list;
    Bucket *b = find(ix, key, value_hash(key));
    return b->records ? b->records : &empty_list;
}
