#include "backend/engine/scan_range.h"

#include <cassert>

namespace ddbx::backend::engine {

namespace {

// The smallest key greater than `key` itself (and smaller than every longer key that begins
// with it): an inclusive upper bound turned exclusive, or an exclusive lower bound turned
// inclusive.
std::string JustAfter(std::string key) {
  key.push_back('\0');
  return key;
}

}  // namespace

KeyRange QueryRange(uint32_t table_id, const KeyShape& shape, const api::expr::KeyBounds& bounds) {
  return QueryRangeIn(ItemRangeBegin(table_id), shape, bounds);
}

// A bound "at v" covers every key that starts with P enc(v): for a table's items that is the one
// key P enc(v); for index entries, every entry with that sort-key value. PrefixSuccessor gives
// the end of both; encodings are self-delimiting, so no other value's keys fall in between.
KeyRange QueryRangeIn(std::string_view space, const KeyShape& shape,
                      const api::expr::KeyBounds& bounds) {
  const std::string partition = PartitionPrefixIn(space, shape, bounds.hash_value);
  KeyRange range{partition, PrefixSuccessor(partition)};
  if (!bounds.range || !shape.range) return range;

  const api::expr::KeyCondition& condition = *bounds.range;
  const api::ScalarAttributeType type = shape.range->type;
  auto encoded = [&](size_t i) {
    std::string key = partition;
    AppendKeyValue(condition.values.at(i), type, &key);
    return key;
  };
  switch (condition.op) {
    case api::expr::KeyOperator::kEq:
      range.begin = encoded(0);
      range.end = PrefixSuccessor(range.begin);
      break;
    case api::expr::KeyOperator::kLt:
      range.end = encoded(0);
      break;
    case api::expr::KeyOperator::kLe:
      range.end = PrefixSuccessor(encoded(0));
      break;
    case api::expr::KeyOperator::kGt:
      range.begin = PrefixSuccessor(encoded(0));
      break;
    case api::expr::KeyOperator::kGe:
      range.begin = encoded(0);
      break;
    case api::expr::KeyOperator::kBetween:
      range.begin = encoded(0);
      range.end = PrefixSuccessor(encoded(1));
      break;
    case api::expr::KeyOperator::kBeginsWith: {
      std::string prefix = partition;
      AppendKeyPrefix(condition.values.at(0), type, &prefix);
      range.begin = prefix;
      range.end = PrefixSuccessor(std::move(prefix));
      break;
    }
  }
  return range;
}

BucketRange SegmentBuckets(int32_t segment, int32_t total_segments) {
  assert(total_segments >= 1 && segment >= 0 && segment < total_segments);
  auto boundary = [total_segments](int64_t i) {
    return static_cast<uint32_t>(i * kBucketCount / total_segments);
  };
  return BucketRange{boundary(segment), boundary(int64_t{segment} + 1)};
}

KeyRange ScanRange(uint32_t table_id, BucketRange buckets) {
  return ScanRangeIn(ItemRangeBegin(table_id), buckets);
}

KeyRange ScanRangeIn(std::string_view space, BucketRange buckets) {
  return KeyRange{BucketBeginIn(space, buckets.first), BucketBeginIn(space, buckets.end)};
}

void ApplyExclusiveStart(const std::string& start_key, bool forward, KeyRange* range) {
  if (forward) {
    std::string after = JustAfter(start_key);
    if (after > range->begin) range->begin = std::move(after);
  } else if (start_key < range->end) {
    range->end = start_key;
  }
}

}  // namespace ddbx::backend::engine
