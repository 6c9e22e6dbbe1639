// Tests for backend/engine/scan_range and the key_codec helpers it builds on: every sort-key
// operator selects exactly the keys whose values satisfy it (checked against value order, for
// S, N and B sort keys, with neighbouring partitions present), exclusive starts, and the
// parallel-scan segments covering every bucket exactly once for many TotalSegments.
#include "backend/engine/scan_range.h"

#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace ddbx::backend::engine {
namespace {

using api::AttributeValue;
using api::ScalarAttributeType;
using api::expr::KeyOperator;

AttributeValue Num(const char* text) {
  auto parsed = api::Number::Parse(text);
  REQUIRE(parsed.ok());
  return AttributeValue::N(parsed.value());
}

api::TableDescription Schema(ScalarAttributeType range_type) {
  api::TableDescription d;
  d.table_name = "t";
  d.attribute_definitions = {{"pk", ScalarAttributeType::kS}, {"sk", range_type}};
  d.key_schema = {{"pk", api::KeyType::kHash}, {"sk", api::KeyType::kRange}};
  return d;
}

// The value order DynamoDB defines for one scalar type.
int Compare(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() == api::AttributeType::kN) {
    auto c = a.n() <=> b.n();
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  const std::string& x = a.type() == api::AttributeType::kS ? a.s() : a.b();
  const std::string& y = b.type() == api::AttributeType::kS ? b.s() : b.b();
  return x.compare(y) < 0 ? -1 : x.compare(y) > 0 ? 1 : 0;
}

bool Satisfies(const api::expr::KeyCondition& condition, const AttributeValue& value) {
  const auto& v = condition.values;
  switch (condition.op) {
    case KeyOperator::kEq:
      return Compare(value, v[0]) == 0;
    case KeyOperator::kLt:
      return Compare(value, v[0]) < 0;
    case KeyOperator::kLe:
      return Compare(value, v[0]) <= 0;
    case KeyOperator::kGt:
      return Compare(value, v[0]) > 0;
    case KeyOperator::kGe:
      return Compare(value, v[0]) >= 0;
    case KeyOperator::kBetween:
      return Compare(value, v[0]) >= 0 && Compare(value, v[1]) <= 0;
    case KeyOperator::kBeginsWith: {
      const std::string& x = value.type() == api::AttributeType::kS ? value.s() : value.b();
      const std::string& p = v[0].type() == api::AttributeType::kS ? v[0].s() : v[0].b();
      return x.starts_with(p);
    }
  }
  return false;
}

bool InRange(const KeyRange& range, const std::string& key) {
  return key >= range.begin && key < range.end;
}

// For every condition, QueryRange holds exactly the keys of partition "p" whose sort keys
// satisfy it: none of the neighbouring partitions' keys, and none of the other values.
void CheckConditions(ScalarAttributeType type, const std::vector<AttributeValue>& values,
                     const std::vector<api::expr::KeyCondition>& conditions) {
  const api::TableDescription schema = Schema(type);
  const KeyShape shape = KeyShape::Of(schema);
  constexpr uint32_t kTableId = 7;
  std::vector<std::string> partitions = {"p", "o", "q", "p\x01", "pp", ""};
  partitions.back() = std::string("p\0", 2);
  for (const api::expr::KeyCondition& condition : conditions) {
    api::expr::KeyBounds bounds{AttributeValue::S("p"), condition};
    KeyRange range = QueryRange(kTableId, shape, bounds);
    for (const std::string& partition : partitions) {
      for (const AttributeValue& value : values) {
        api::Item item{{"pk", AttributeValue::S(partition)}, {"sk", value}};
        std::string key = EncodeItemKey(kTableId, shape, item);
        bool expected = partition == "p" && Satisfies(condition, value);
        INFO("op " << static_cast<int>(condition.op) << " partition " << partition);
        CHECK(InRange(range, key) == expected);
      }
    }
    // Other tables' items never fall in.
    api::Item other{{"pk", AttributeValue::S("p")}, {"sk", values.front()}};
    CHECK_FALSE(InRange(range, EncodeItemKey(kTableId + 1, shape, other)));
    CHECK_FALSE(InRange(range, EncodeItemKey(kTableId - 1, shape, other)));
  }
}

std::vector<api::expr::KeyCondition> AllComparisons(const std::vector<AttributeValue>& pivots) {
  std::vector<api::expr::KeyCondition> conditions;
  for (const AttributeValue& pivot : pivots) {
    for (KeyOperator op : {KeyOperator::kEq, KeyOperator::kLt, KeyOperator::kLe, KeyOperator::kGt,
                           KeyOperator::kGe}) {
      conditions.push_back({"sk", op, {pivot}});
    }
    for (const AttributeValue& upper : pivots) {
      conditions.push_back({"sk", KeyOperator::kBetween, {pivot, upper}});
    }
  }
  return conditions;
}

TEST_CASE("QueryRange selects exactly the matching numeric sort keys", "[scan_range]") {
  std::vector<AttributeValue> values;
  for (const char* text : {"-1000", "-10.5", "-10", "-1", "-0.001", "0", "0.001", "1", "1.5", "2",
                           "10", "99.99", "100", "1E+100", "-1E+100", "1E-100"}) {
    values.push_back(Num(text));
  }
  CheckConditions(ScalarAttributeType::kN, values,
                  AllComparisons({Num("-10"), Num("0"), Num("1.5"), Num("100"), Num("7")}));
}

TEST_CASE("QueryRange selects exactly the matching string sort keys, begins_with included",
          "[scan_range]") {
  std::vector<AttributeValue> values;
  for (std::string text :
       {std::string("a"), std::string("a\0", 2), std::string("a\0b", 3), std::string("a\x01"),
        std::string("ab"), std::string("abc"), std::string("abd"), std::string("ac"),
        std::string("b"), std::string("\xff"), std::string("\xff\xff"), std::string("z"),
        std::string("\xc3\xa9t\xc3\xa9")}) {
    values.push_back(AttributeValue::S(text));
  }
  std::vector<AttributeValue> pivots = {AttributeValue::S("a"), AttributeValue::S("ab"),
                                        AttributeValue::S(std::string("a\0", 2)),
                                        AttributeValue::S("\xff")};
  auto conditions = AllComparisons(pivots);
  for (std::string prefix : {std::string(""), std::string("a"), std::string("ab"),
                             std::string("a\0", 2), std::string("\xff"), std::string("zz")}) {
    conditions.push_back({"sk", KeyOperator::kBeginsWith, {AttributeValue::S(prefix)}});
  }
  CheckConditions(ScalarAttributeType::kS, values, conditions);
}

TEST_CASE("QueryRange selects exactly the matching binary sort keys", "[scan_range]") {
  std::vector<AttributeValue> values;
  for (std::string bytes :
       {std::string("\x00", 1), std::string("\x00\x00", 2), std::string("\x00\xff", 2),
        std::string("\x01"), std::string("\x7f"), std::string("\x80"), std::string("\xfe\xff"),
        std::string("\xff"), std::string("\xff\x00", 2)}) {
    values.push_back(AttributeValue::B(bytes));
  }
  std::vector<AttributeValue> pivots = {AttributeValue::B(std::string("\x00", 1)),
                                        AttributeValue::B("\x80"), AttributeValue::B("\xff")};
  auto conditions = AllComparisons(pivots);
  for (std::string prefix : {std::string("\x00", 1), std::string("\xff"), std::string("\xfe")}) {
    conditions.push_back({"sk", KeyOperator::kBeginsWith, {AttributeValue::B(prefix)}});
  }
  CheckConditions(ScalarAttributeType::kB, values, conditions);
}

TEST_CASE("QueryRange without a sort-key condition is the whole partition", "[scan_range]") {
  const KeyShape shape = KeyShape::Of(Schema(ScalarAttributeType::kN));
  KeyRange range = QueryRange(3, shape, api::expr::KeyBounds{AttributeValue::S("p"), {}});
  CHECK(range.begin == PartitionPrefix(3, shape, AttributeValue::S("p")));
  for (const char* sk : {"-5", "0", "12345"}) {
    api::Item item{{"pk", AttributeValue::S("p")}, {"sk", Num(sk)}};
    CHECK(InRange(range, EncodeItemKey(3, shape, item)));
  }
  api::Item neighbour{{"pk", AttributeValue::S("pq")}, {"sk", Num("0")}};
  CHECK_FALSE(InRange(range, EncodeItemKey(3, shape, neighbour)));

  // A hash-only table: the partition is one key.
  api::TableDescription hash_only;
  hash_only.attribute_definitions = {{"pk", ScalarAttributeType::kN}};
  hash_only.key_schema = {{"pk", api::KeyType::kHash}};
  const KeyShape hash_shape = KeyShape::Of(hash_only);
  KeyRange one = QueryRange(3, hash_shape, api::expr::KeyBounds{Num("5"), {}});
  CHECK(InRange(one, EncodeItemKey(3, hash_shape, api::Item{{"pk", Num("5")}})));
  CHECK_FALSE(InRange(one, EncodeItemKey(3, hash_shape, api::Item{{"pk", Num("50")}})));
  CHECK_FALSE(InRange(one, EncodeItemKey(3, hash_shape, api::Item{{"pk", Num("5.5")}})));
}

TEST_CASE("BETWEEN with the bounds reversed is an empty range", "[scan_range]") {
  const KeyShape shape = KeyShape::Of(Schema(ScalarAttributeType::kN));
  api::expr::KeyCondition between{"sk", KeyOperator::kBetween, {Num("5"), Num("1")}};
  KeyRange range = QueryRange(1, shape, api::expr::KeyBounds{AttributeValue::S("p"), between});
  CHECK(range.empty());
}

TEST_CASE("ApplyExclusiveStart resumes after the start key, in either direction", "[scan_range]") {
  KeyRange range{"b", "y"};
  ApplyExclusiveStart("m", /*forward=*/true, &range);
  CHECK(range.begin == std::string("m\0", 2));
  CHECK(range.end == "y");
  CHECK_FALSE(InRange(range, "m"));
  CHECK(InRange(range, "m\x01"));

  KeyRange backward{"b", "y"};
  ApplyExclusiveStart("m", /*forward=*/false, &backward);
  CHECK(backward.begin == "b");
  CHECK(backward.end == "m");
  CHECK_FALSE(InRange(backward, "m"));
  CHECK(InRange(backward, "l\xff"));

  // A start outside the range never widens it.
  KeyRange narrow{"d", "f"};
  ApplyExclusiveStart("a", true, &narrow);
  CHECK(narrow.begin == "d");
  ApplyExclusiveStart("z", false, &narrow);
  CHECK(narrow.end == "f");
  ApplyExclusiveStart("z", true, &narrow);
  CHECK(narrow.empty());
}

TEST_CASE("parallel-scan segments cover every bucket exactly once", "[scan_range]") {
  for (int32_t total : {1, 2, 3, 4, 7, 10, 16, 1000, 4096, 65535, 65536, 65537, 100000, 1000000}) {
    INFO("TotalSegments " << total);
    uint32_t next = 0;
    uint32_t non_empty = 0;
    bool contiguous = true;
    for (int32_t segment = 0; segment < total; ++segment) {
      BucketRange buckets = SegmentBuckets(segment, total);
      if (buckets.first != next || buckets.end < buckets.first) contiguous = false;
      if (buckets.end > buckets.first) ++non_empty;
      next = buckets.end;
    }
    CHECK(contiguous);
    CHECK(next == kBucketCount);
    CHECK(non_empty == std::min<uint32_t>(static_cast<uint32_t>(total), kBucketCount));
  }
  CHECK(SegmentBuckets(0, 1).first == 0);
  CHECK(SegmentBuckets(0, 1).end == kBucketCount);
  CHECK(SegmentBuckets(1, 4).first == 16384);
  CHECK(SegmentBuckets(1, 4).end == 32768);
  CHECK(SegmentBuckets(1, 4).Contains(16384));
  CHECK_FALSE(SegmentBuckets(1, 4).Contains(32768));
}

TEST_CASE("ScanRange spans the table's buckets and nothing else", "[scan_range]") {
  const KeyShape shape = KeyShape::Of(Schema(ScalarAttributeType::kN));
  KeyRange all = ScanRange(9);
  CHECK(all.begin == BucketBegin(9, 0));
  CHECK(all.begin > ItemRangeBegin(9));  // no item key is shorter than its bucket
  CHECK(all.end == ItemRangeEnd(9));
  // Each item key lies in the range of exactly one of 5 segments: the one owning its bucket.
  for (int i = 0; i < 200; ++i) {
    api::Item item{{"pk", AttributeValue::S("k" + std::to_string(i))}, {"sk", Num("1")}};
    std::string key = EncodeItemKey(9, shape, item);
    auto decoded = DecodeItemKey(key, shape);
    REQUIRE(decoded.ok());
    int owners = 0;
    for (int32_t segment = 0; segment < 5; ++segment) {
      BucketRange buckets = SegmentBuckets(segment, 5);
      bool in = InRange(ScanRange(9, buckets), key);
      CHECK(in == buckets.Contains(decoded.value().bucket));
      owners += in ? 1 : 0;
    }
    CHECK(owners == 1);
    CHECK(InRange(all, key));
    CHECK_FALSE(InRange(ScanRange(8), key));
    CHECK_FALSE(InRange(ScanRange(10), key));
  }
}

TEST_CASE("key codec helpers for ranges", "[scan_range]") {
  CHECK(PrefixSuccessor("abc") == "abd");
  CHECK(PrefixSuccessor(std::string("ab\xff\xff")) == "ac");
  CHECK(PrefixSuccessor(std::string("\xff\xff")).empty());
  CHECK(PrefixSuccessor("").empty());
  CHECK(PrefixSuccessor(std::string("a\x00", 2)) == std::string("a\x01"));

  CHECK(BucketBegin(5, 0) == ItemRangeBegin(5) + std::string("\x00\x00", 2));
  CHECK(BucketBegin(5, 0x1234) == ItemRangeBegin(5) + std::string("\x12\x34"));
  CHECK(BucketBegin(5, kBucketCount) == ItemRangeEnd(5));

  const KeyShape shape = KeyShape::Of(Schema(ScalarAttributeType::kS));
  api::Item item{{"pk", AttributeValue::S("user#1")}, {"sk", AttributeValue::S("x")}};
  std::string key = EncodeItemKey(5, shape, item);
  std::string prefix = PartitionPrefix(5, shape, AttributeValue::S("user#1"));
  CHECK(key.starts_with(prefix));
  CHECK(key.size() > prefix.size());

  std::string escaped;
  AppendKeyPrefix(AttributeValue::S(std::string("a\0b", 3)), ScalarAttributeType::kS, &escaped);
  CHECK(escaped == std::string("a\x00\xff"
                               "b",
                               4));
  std::string full;
  AppendKeyValue(AttributeValue::S(std::string("a\0bc", 4)), ScalarAttributeType::kS, &full);
  CHECK(full.starts_with(escaped));
}

}  // namespace
}  // namespace ddbx::backend::engine
