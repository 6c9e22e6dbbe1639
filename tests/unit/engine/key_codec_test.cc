// Tests for backend/engine/key_codec: order preservation and round trips of item keys, and the
// framing of item values and counters.
#include "backend/engine/key_codec.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace ddbx::backend::engine {
namespace {

using api::AttributeValue;
using api::Number;
using api::ScalarAttributeType;

Number N(const char* text) {
  auto parsed = Number::Parse(text);
  REQUIRE(parsed.ok());
  return parsed.value();
}

std::string Encoded(const AttributeValue& value, ScalarAttributeType type) {
  std::string out;
  AppendKeyValue(value, type, &out);
  return out;
}

AttributeValue Decoded(std::string_view bytes, ScalarAttributeType type) {
  std::string_view in = bytes;
  AttributeValue value;
  REQUIRE(ParseKeyValue(&in, type, &value));
  REQUIRE(in.empty());
  return value;
}

KeyShape Shape(ScalarAttributeType hash, std::optional<ScalarAttributeType> range) {
  KeyShape shape;
  shape.hash = KeyAttribute{"pk", hash};
  if (range) shape.range = KeyAttribute{"sk", *range};
  return shape;
}

// Strings (and byte strings) in increasing unsigned byte order: prefixes, embedded and trailing
// zeros, 0x01 (the terminator byte) and 0xFF (the escape's second byte) inside values.
const std::vector<std::string> kOrderedBytes = {
    std::string(),
    std::string("\0", 1),
    std::string("\0\0", 2),
    std::string("\0\x01", 2),
    std::string("\0\xff", 2),
    std::string("\x01", 1),
    std::string("\x01\0", 2),
    "a",
    std::string("a\0", 2),
    std::string("a\0\0", 3),
    std::string("a\0b", 3),
    std::string("a\x01", 2),
    "aa",
    "ab",
    "abc",
    "b",
    "\x7f",
    "\xc3\xa9",  // U+00E9, UTF-8: sorts after ASCII as its bytes do
    "\xff",
    "\xff\xff",
};

TEST_CASE("S keys sort by their UTF-8 bytes, prefixes first, zeros escaped", "[key_codec]") {
  REQUIRE(std::is_sorted(kOrderedBytes.begin(), kOrderedBytes.end()));
  for (size_t i = 0; i < kOrderedBytes.size(); ++i) {
    std::string a = Encoded(AttributeValue::S(kOrderedBytes[i]), ScalarAttributeType::kS);
    CHECK(Decoded(a, ScalarAttributeType::kS) == AttributeValue::S(kOrderedBytes[i]));
    for (size_t j = i + 1; j < kOrderedBytes.size(); ++j) {
      std::string b = Encoded(AttributeValue::S(kOrderedBytes[j]), ScalarAttributeType::kS);
      INFO("i=" << i << " j=" << j);
      CHECK(a < b);
    }
  }
}

TEST_CASE("B keys sort as unsigned bytes and round-trip", "[key_codec]") {
  for (size_t i = 0; i < kOrderedBytes.size(); ++i) {
    std::string a = Encoded(AttributeValue::B(kOrderedBytes[i]), ScalarAttributeType::kB);
    CHECK(Decoded(a, ScalarAttributeType::kB) == AttributeValue::B(kOrderedBytes[i]));
    for (size_t j = i + 1; j < kOrderedBytes.size(); ++j) {
      std::string b = Encoded(AttributeValue::B(kOrderedBytes[j]), ScalarAttributeType::kB);
      INFO("i=" << i << " j=" << j);
      CHECK(a < b);
    }
  }
}

TEST_CASE("escaping writes 0x00 as 0x00 0xFF and ends with 0x00 0x01", "[key_codec]") {
  CHECK(Encoded(AttributeValue::S(std::string("a\0b", 3)), ScalarAttributeType::kS) ==
        std::string("a\0\xff"
                    "b\0\x01",
                    6));
  CHECK(Encoded(AttributeValue::S(""), ScalarAttributeType::kS) == std::string("\0\x01", 2));
}

TEST_CASE("N keys sort numerically, negatives and fractions included", "[key_codec]") {
  const std::vector<const char*> ordered = {
      "-9.9999999999999999999999999999999999999E+125",
      "-1E+125",
      "-12345678901234567890123456789012345678",
      "-1000",
      "-101",
      "-100",
      "-99.9",
      "-10",
      "-9.5",
      "-1",
      "-0.5",
      "-0.05",
      "-1E-130",
      "0",
      "1E-130",
      "0.05",
      "0.5",
      "1",
      "1.5",
      "9.99",
      "10",
      "10.01",
      "100",
      "101",
      "1000",
      "12345678901234567890123456789012345678",
      "1E+125",
      "9.9999999999999999999999999999999999999E+125",
  };
  std::vector<std::string> encoded;
  for (const char* text : ordered) {
    encoded.push_back(Encoded(AttributeValue::N(N(text)), ScalarAttributeType::kN));
    CHECK(Decoded(encoded.back(), ScalarAttributeType::kN) == AttributeValue::N(N(text)));
  }
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    REQUIRE(N(ordered[i]) < N(ordered[i + 1]));
    for (size_t j = i + 1; j < ordered.size(); ++j) {
      INFO(ordered[i] << " vs " << ordered[j]);
      CHECK(encoded[i] < encoded[j]);
    }
  }
  // Equal numbers written differently encode identically.
  CHECK(Encoded(AttributeValue::N(N("1.50")), ScalarAttributeType::kN) ==
        Encoded(AttributeValue::N(N("15E-1")), ScalarAttributeType::kN));
}

TEST_CASE("item keys order by sort key within a partition", "[key_codec]") {
  SECTION("S sort key") {
    KeyShape shape = Shape(ScalarAttributeType::kS, ScalarAttributeType::kS);
    std::vector<std::string> keys;
    for (const auto& sk : kOrderedBytes) {
      api::Item item{{"pk", AttributeValue::S("user#1")}, {"sk", AttributeValue::S(sk)}};
      keys.push_back(EncodeItemKey(7, shape, item));
    }
    CHECK(std::is_sorted(keys.begin(), keys.end()));
    CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
  }
  SECTION("N sort key") {
    KeyShape shape = Shape(ScalarAttributeType::kB, ScalarAttributeType::kN);
    std::vector<std::string> keys;
    for (const char* sk : {"-1000", "-1", "-0.001", "0", "0.001", "1", "2", "10", "1E+100"}) {
      api::Item item{{"pk", AttributeValue::B(std::string("\0p", 2))},
                     {"sk", AttributeValue::N(N(sk))}};
      keys.push_back(EncodeItemKey(7, shape, item));
    }
    CHECK(std::is_sorted(keys.begin(), keys.end()));
    CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
  }
  SECTION("B sort key") {
    KeyShape shape = Shape(ScalarAttributeType::kN, ScalarAttributeType::kB);
    std::vector<std::string> keys;
    for (const auto& sk : kOrderedBytes) {
      api::Item item{{"pk", AttributeValue::N(N("-42.5"))}, {"sk", AttributeValue::B(sk)}};
      keys.push_back(EncodeItemKey(7, shape, item));
    }
    CHECK(std::is_sorted(keys.begin(), keys.end()));
  }
}

TEST_CASE("a partition key that is a prefix of another never interleaves", "[key_codec]") {
  // Self-delimiting partition keys: ("a", anything) and ("a\0", anything) are separate groups
  // even though "a" is a prefix of "a\0"; the partition component alone decides their order.
  std::string a;
  std::string a0;
  AppendKeyValue(AttributeValue::S("a"), ScalarAttributeType::kS, &a);
  AppendKeyValue(AttributeValue::S(std::string("a\0", 2)), ScalarAttributeType::kS, &a0);
  std::string a_high = a;
  AppendKeyValue(AttributeValue::S("\xff\xff\xff"), ScalarAttributeType::kS, &a_high);
  std::string a0_low = a0;
  AppendKeyValue(AttributeValue::S(""), ScalarAttributeType::kS, &a0_low);
  CHECK(a_high < a0_low);
}

TEST_CASE("item keys have the documented layout", "[key_codec]") {
  KeyShape shape = Shape(ScalarAttributeType::kS, std::nullopt);
  api::Item item{{"pk", AttributeValue::S("x")}, {"other", AttributeValue::S("ignored")}};
  std::string key = EncodeItemKey(0x01020304, shape, item);
  std::string partition("x\0\x01", 3);
  uint16_t bucket = PartitionBucket(partition);
  std::string expected("\x10\x01\x02\x03\x04", 5);
  expected.push_back(static_cast<char>(bucket >> 8));
  expected.push_back(static_cast<char>(bucket & 0xFF));
  expected += partition;
  CHECK(key == expected);
  CHECK(key.compare(0, 5, ItemRangeBegin(0x01020304)) == 0);
  CHECK(ItemRangeBegin(0x01020304) < key);
  CHECK(key < ItemRangeEnd(0x01020304));
  CHECK(ItemRangeEnd(0xFFFFFFFF) > ItemRangeBegin(0xFFFFFFFF) + std::string(300, '\xff'));
}

TEST_CASE("partition buckets are a fixed function of the encoded partition key", "[key_codec]") {
  // Golden values: buckets are stored in every item key, so the function may never change.
  uint16_t a = PartitionBucket(std::string("a\0\x01", 3));
  uint16_t b = PartitionBucket(std::string("b\0\x01", 3));
  CHECK(a != b);
  CHECK(PartitionBucket(std::string("a\0\x01", 3)) == a);
  CHECK(PartitionBucket("") == 0xefd0);
  CHECK(PartitionBucket(std::string("a\0\x01", 3)) == 0xbc08);
  // They spread: 4096 distinct keys land in many distinct buckets.
  std::vector<uint16_t> buckets;
  for (int i = 0; i < 4096; ++i) {
    std::string encoded;
    AppendKeyValue(AttributeValue::S("user#" + std::to_string(i)), ScalarAttributeType::kS,
                   &encoded);
    buckets.push_back(PartitionBucket(encoded));
  }
  std::sort(buckets.begin(), buckets.end());
  size_t distinct = std::unique(buckets.begin(), buckets.end()) - buckets.begin();
  CHECK(distinct > 3800);
}

TEST_CASE("item keys decode back to the key attributes", "[key_codec]") {
  for (auto hash : {ScalarAttributeType::kS, ScalarAttributeType::kN, ScalarAttributeType::kB}) {
    for (auto range :
         {std::optional<ScalarAttributeType>(), std::optional(ScalarAttributeType::kS),
          std::optional(ScalarAttributeType::kN), std::optional(ScalarAttributeType::kB)}) {
      KeyShape shape = Shape(hash, range);
      auto value_of = [](ScalarAttributeType type, int variant) {
        switch (type) {
          case ScalarAttributeType::kS:
            return AttributeValue::S(variant ? std::string("z\0y", 3) : "");
          case ScalarAttributeType::kN:
            return AttributeValue::N(N(variant ? "-0.000123" : "0"));
          case ScalarAttributeType::kB:
            return AttributeValue::B(variant ? std::string("\0\xff\0", 3) : "\x01");
        }
        return AttributeValue();
      };
      for (int variant = 0; variant < 2; ++variant) {
        api::Key key{{"pk", value_of(hash, variant)}};
        if (range) key.emplace("sk", value_of(*range, 1 - variant));
        std::string encoded = EncodeItemKey(99, shape, key);
        auto decoded = DecodeItemKey(encoded, shape);
        REQUIRE(decoded.ok());
        CHECK(decoded.value().table_id == 99);
        CHECK(decoded.value().key == key);
        CHECK(decoded.value().bucket ==
              static_cast<uint16_t>((static_cast<uint8_t>(encoded[5]) << 8) |
                                    static_cast<uint8_t>(encoded[6])));
      }
    }
  }
}

TEST_CASE("malformed item keys are rejected", "[key_codec]") {
  KeyShape shape = Shape(ScalarAttributeType::kS, ScalarAttributeType::kN);
  api::Key key{{"pk", AttributeValue::S("p")}, {"sk", AttributeValue::N(N("5"))}};
  std::string good = EncodeItemKey(3, shape, key);
  REQUIRE(DecodeItemKey(good, shape).ok());

  std::string wrong_prefix = good;
  wrong_prefix[0] = kCatalogPrefix;
  std::string bad_bucket = good;
  bad_bucket[6] = static_cast<char>(bad_bucket[6] ^ 1);
  for (const std::string& bad :
       {wrong_prefix, bad_bucket, good + "x", good.substr(0, 6), good.substr(0, good.size() - 1)}) {
    auto decoded = DecodeItemKey(bad, shape);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == api::ErrorCode::kInternalServerError);
  }
  std::string_view unterminated("ab\0", 3);
  AttributeValue value;
  CHECK_FALSE(ParseKeyValue(&unterminated, ScalarAttributeType::kS, &value));
  std::string_view bad_escape("a\0\x05", 3);
  CHECK_FALSE(ParseKeyValue(&bad_escape, ScalarAttributeType::kB, &value));
}

TEST_CASE("item values carry the item size in front of the JSON", "[key_codec]") {
  std::string value = EncodeItemValue(300, R"({"pk":{"S":"a"}})");
  CHECK(value[0] == kItemValueFormat);
  ItemValueView view;
  REQUIRE(ParseItemValue(value, &view));
  CHECK(view.item_size == 300);
  CHECK(view.json == R"({"pk":{"S":"a"}})");
  CHECK_FALSE(ParseItemValue("", &view));
  CHECK_FALSE(ParseItemValue(std::string("\x02\x01{}", 4), &view));
  CHECK_FALSE(ParseItemValue(std::string("\x01\x80", 2), &view));  // truncated varint
}

TEST_CASE("counters and fixed-width helpers round-trip", "[key_codec]") {
  TableCounters counters{-3, 1234567890123};
  TableCounters parsed;
  REQUIRE(ParseCounters(EncodeCounters(counters), &parsed));
  CHECK(parsed.item_count == -3);
  CHECK(parsed.size_bytes == 1234567890123);
  CHECK_FALSE(ParseCounters("short", &parsed));

  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{300}, ~uint64_t{0}}) {
    std::string buf;
    AppendVarint64(v, &buf);
    buf += "rest";
    std::string_view in = buf;
    uint64_t out = 1;
    REQUIRE(ParseVarint64(&in, &out));
    CHECK(out == v);
    CHECK(in == "rest");
  }
  std::string be;
  AppendUint32BE(0xA1B2C3D4, &be);
  AppendUint64BE(0x0102030405060708ULL, &be);
  CHECK(ReadUint32BE(be.data()) == 0xA1B2C3D4);
  CHECK(ReadUint64BE(be.data() + 4) == 0x0102030405060708ULL);
  CHECK(CounterKey(1) < CounterKey(2));
  CHECK(CatalogKey("b") > CatalogKey("a"));
}

}  // namespace
}  // namespace ddbx::backend::engine
