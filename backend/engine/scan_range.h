// Scan ranges: which RocksDB item keys a Query, a Scan, or one segment of a parallel Scan reads.
//
// Every read of many items is one walk over a half-open key range [begin, end), forwards or
// backwards (key_codec.h has the key layout; docs/storage-format.md the reasons):
//   - Query: the partition key's value fixes the bucket and the encoded partition key, so the
//     partition is the contiguous run of keys under PartitionPrefix(). A sort-key condition
//     narrows that run with the order-preserving encoding: = v is exactly one key, < v ends
//     before enc(v), <= v ends just after it, > and >= start after or at it, BETWEEN a AND b
//     spans [enc(a), enc(b)], and begins_with(p) on S or B is the run of keys sharing the
//     escaped bytes of p.
//   - Scan: the whole table is [ItemRangeBegin(id), ItemRangeEnd(id)), in bucket order. A
//     parallel Scan gives segment i of N the buckets [i*65536/N, (i+1)*65536/N): contiguous,
//     disjoint, together all 65,536 buckets, so the segments return every item exactly once.
//     Since a partition lives in one bucket, a partition is never split between segments.
//     With more than 65,536 segments some segments own no bucket and return nothing.
//   - ExclusiveStartKey narrows the range: a forward walk resumes just after the start key, a
//     backward one just before it.
// Pure functions over plain values; any thread.
#pragma once

#include <cstdint>
#include <string>

#include "api/expression.h"
#include "backend/engine/key_codec.h"

namespace ddbx::backend::engine {

// A half-open range of RocksDB keys, [begin, end). Empty when begin >= end.
struct KeyRange {
  std::string begin;
  std::string end;
  bool empty() const { return begin >= end; }
};

// The keys of the items a Query with these bounds reads. REQUIRES: bounds.hash_value has the
// table's hash key type, and bounds.range (if any) names the table's sort key with values of its
// type (what expr::ResolveKeyCondition guarantees); BEGINS_WITH only on S or B sort keys.
KeyRange QueryRange(uint32_t table_id, const KeyShape& shape, const api::expr::KeyBounds& bounds);
// The same in any key space (a secondary index: key_codec.h), whose keys may continue after the
// sort key (index entries end with the table key): every bound on a sort-key value covers all
// the keys that start with it.
KeyRange QueryRangeIn(std::string_view space, const KeyShape& shape,
                      const api::expr::KeyBounds& bounds);

// The buckets [first, end) of segment `segment` of `total_segments` (0 <= segment < total).
struct BucketRange {
  uint32_t first = 0;
  uint32_t end = kBucketCount;
  bool Contains(uint32_t bucket) const { return bucket >= first && bucket < end; }
};
BucketRange SegmentBuckets(int32_t segment, int32_t total_segments);

// The keys of a table's items in `buckets` (all of them by default).
KeyRange ScanRange(uint32_t table_id, BucketRange buckets = {});
KeyRange ScanRangeIn(std::string_view space, BucketRange buckets = {});

// Narrows `range` to the keys after `start_key` (forward) or before it (backward).
void ApplyExclusiveStart(const std::string& start_key, bool forward, KeyRange* range);

}  // namespace ddbx::backend::engine
