#include "api/validation.h"

#include <catch2/catch.hpp>

namespace ddbx::api {
namespace {

Number Num(std::string_view text) {
  Result<Number> n = Number::Parse(text);
  REQUIRE(n.ok());
  return n.value();
}

AttributeValue N(std::string_view text) { return AttributeValue::N(Num(text)); }

TableDescription HashTable(ScalarAttributeType type = ScalarAttributeType::kS) {
  TableDescription t;
  t.table_name = "tbl";
  t.attribute_definitions = {{"id", type}};
  t.key_schema = {{"id", KeyType::kHash}};
  return t;
}

TableDescription RangeTable(ScalarAttributeType range_type = ScalarAttributeType::kN) {
  TableDescription t;
  t.table_name = "tbl";
  t.attribute_definitions = {{"pk", ScalarAttributeType::kS}, {"sk", range_type}};
  t.key_schema = {{"pk", KeyType::kHash}, {"sk", KeyType::kRange}};
  return t;
}

void CheckValidation(const Status& s, std::string_view message) {
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::kValidation);
  CHECK(s.error().message == message);
}

AttributeValue Nest(int wraps) {
  AttributeValue v = AttributeValue::S("leaf");
  for (int i = 0; i < wraps; ++i) {
    AttributeMap m;
    m.emplace("n", std::move(v));
    v = AttributeValue::M(std::move(m));
  }
  return v;
}

TEST_CASE("Attribute value sizes follow DynamoDB's item size rule", "[validation]") {
  CHECK(AttributeValueSizeBytes(AttributeValue::S("")) == 0);
  CHECK(AttributeValueSizeBytes(AttributeValue::S("abc")) == 3);
  CHECK(AttributeValueSizeBytes(AttributeValue::S("\xC3\xA9")) == 2);  // UTF-8 bytes
  CHECK(AttributeValueSizeBytes(AttributeValue::B(std::string(5, '\0'))) == 5);
  CHECK(AttributeValueSizeBytes(AttributeValue::Bool(false)) == 1);
  CHECK(AttributeValueSizeBytes(AttributeValue()) == 1);  // NULL
  CHECK(AttributeValueSizeBytes(N("0")) == 1);
  CHECK(AttributeValueSizeBytes(N("12345")) == Num("12345").SizeBytes());
  CHECK(AttributeValueSizeBytes(AttributeValue::SS({"a", "bc"})) == 3);
  CHECK(AttributeValueSizeBytes(AttributeValue::BS({"x", "yz"})) == 3);
  CHECK(AttributeValueSizeBytes(AttributeValue::NS({Num("1"), Num("-1")})) ==
        Num("1").SizeBytes() + Num("-1").SizeBytes());
  // Lists and maps: 3 bytes, plus 1 byte and the size of each element (and its name).
  CHECK(AttributeValueSizeBytes(AttributeValue::L({})) == 3);
  CHECK(AttributeValueSizeBytes(AttributeValue::M({})) == 3);
  CHECK(AttributeValueSizeBytes(AttributeValue::L({AttributeValue::S("xy")})) == 3 + 1 + 2);
  AttributeMap m;
  m.emplace("ab", AttributeValue::S("xyz"));
  m.emplace("c", AttributeValue::Bool(true));
  CHECK(AttributeValueSizeBytes(AttributeValue::M(m)) == 3 + (1 + 2 + 3) + (1 + 1 + 1));
}

TEST_CASE("Item size sums attribute names and values", "[validation]") {
  Item item;
  item.emplace("id", AttributeValue::S("abc"));                     // 2 + 3
  item.emplace("flag", AttributeValue::Bool(true));                 // 4 + 1
  item.emplace("l", AttributeValue::L({AttributeValue::S("xy")}));  // 1 + 6
  CHECK(ItemSizeBytes(item) == 5 + 5 + 7);
  CHECK(ItemSizeBytes(Item{}) == 0);
}

TEST_CASE("Nesting depth counts the attribute as level 1", "[validation]") {
  CHECK(NestingDepth(AttributeValue::S("x")) == 1);
  CHECK(NestingDepth(AttributeValue::M({})) == 1);
  CHECK(NestingDepth(AttributeValue::L({AttributeValue::L({})})) == 2);
  CHECK(NestingDepth(Nest(31)) == 32);
  CHECK(NestingDepth(Nest(32)) == 33);
}

TEST_CASE("ValidateItemForTable accepts an item with the key", "[validation]") {
  Item item;
  item.emplace("id", AttributeValue::S("a"));
  item.emplace("x", AttributeValue::S(""));  // empty non-key strings are allowed
  CHECK(ValidateItemForTable(item, HashTable()).ok());

  Item ranged;
  ranged.emplace("pk", AttributeValue::S("a"));
  ranged.emplace("sk", N("5"));
  CHECK(ValidateItemForTable(ranged, RangeTable()).ok());
}

TEST_CASE("Sets of non-key attributes may hold empty members; keys may not be empty",
          "[validation]") {
  // Empty members count 0 bytes toward the item size.
  CHECK(AttributeValueSizeBytes(AttributeValue::SS({"", "a"})) == 1);
  CHECK(AttributeValueSizeBytes(AttributeValue::BS({""})) == 0);

  Item item;
  item.emplace("id", AttributeValue::S("a"));
  item.emplace("ss", AttributeValue::SS({""}));
  item.emplace("ss2", AttributeValue::SS({"", "a"}));
  item.emplace("bs", AttributeValue::BS({""}));
  item.emplace("l", AttributeValue::L({AttributeValue::SS({""}), AttributeValue::B("")}));
  CHECK(ValidateItemForTable(item, HashTable()).ok());

  // The same sets do not make an empty key acceptable.
  item.insert_or_assign("id", AttributeValue::S(""));
  CheckValidation(ValidateItemForTable(item, HashTable()),
                  "One or more parameter values are not valid. The AttributeValue for a key "
                  "attribute cannot contain an empty string value. Key: id");
  // A set is never a key, empty member or not.
  item.insert_or_assign("id", AttributeValue::SS({""}));
  CheckValidation(
      ValidateItemForTable(item, HashTable()),
      "One or more parameter values were invalid: Type mismatch for key id expected: S actual: SS");
  Key key;
  key.emplace("id", AttributeValue::BS({""}));
  CheckValidation(ValidateKeyForTable(key, HashTable(ScalarAttributeType::kB)),
                  "The provided key element does not match the schema");
}

TEST_CASE("ValidateItemForTable reports a missing key attribute", "[validation]") {
  Item item;
  item.emplace("other", AttributeValue::S("a"));
  CheckValidation(ValidateItemForTable(item, HashTable()),
                  "One or more parameter values were invalid: Missing the key id in the item");

  Item no_range;
  no_range.emplace("pk", AttributeValue::S("a"));
  CheckValidation(ValidateItemForTable(no_range, RangeTable()),
                  "One or more parameter values were invalid: Missing the key sk in the item");
}

TEST_CASE("ValidateItemForTable reports a key of the wrong type", "[validation]") {
  Item item;
  item.emplace("id", N("1"));
  CheckValidation(
      ValidateItemForTable(item, HashTable()),
      "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N");

  Item ranged;
  ranged.emplace("pk", AttributeValue::S("a"));
  ranged.emplace("sk", AttributeValue::SS({"x"}));
  CheckValidation(
      ValidateItemForTable(ranged, RangeTable()),
      "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: SS");
}

TEST_CASE("ValidateItemForTable refuses empty key values", "[validation]") {
  Item item;
  item.emplace("id", AttributeValue::S(""));
  CheckValidation(ValidateItemForTable(item, HashTable()),
                  "One or more parameter values are not valid. The AttributeValue for a key "
                  "attribute cannot contain an empty string value. Key: id");

  Item binary;
  binary.emplace("id", AttributeValue::B(""));
  CheckValidation(ValidateItemForTable(binary, HashTable(ScalarAttributeType::kB)),
                  "One or more parameter values are not valid. The AttributeValue for a key "
                  "attribute cannot contain an empty binary value. Key: id");
}

TEST_CASE("ValidateItemForTable enforces the key size limits", "[validation]") {
  Item item;
  item.emplace("id", AttributeValue::S(std::string(2048, 'a')));
  CHECK(ValidateItemForTable(item, HashTable()).ok());
  item["id"] = AttributeValue::S(std::string(2049, 'a'));
  CheckValidation(ValidateItemForTable(item, HashTable()),
                  "One or more parameter values were invalid: Size of hashkey has exceeded the "
                  "maximum size limit of2048 bytes");

  Item binary;
  binary.emplace("id", AttributeValue::B(std::string(2049, 'a')));
  CHECK_FALSE(ValidateItemForTable(binary, HashTable(ScalarAttributeType::kB)).ok());

  Item ranged;
  ranged.emplace("pk", AttributeValue::S("a"));
  ranged.emplace("sk", AttributeValue::S(std::string(1024, 'b')));
  CHECK(ValidateItemForTable(ranged, RangeTable(ScalarAttributeType::kS)).ok());
  ranged["sk"] = AttributeValue::S(std::string(1025, 'b'));
  CheckValidation(ValidateItemForTable(ranged, RangeTable(ScalarAttributeType::kS)),
                  "One or more parameter values were invalid: Aggregated size of all range keys "
                  "has exceeded the size limit of 1024 bytes");
}

TEST_CASE("ValidateItemForTable enforces nesting and item size", "[validation]") {
  Item item;
  item.emplace("id", AttributeValue::S("a"));
  item.emplace("deep", Nest(31));
  CHECK(ValidateItemForTable(item, HashTable()).ok());
  item["deep"] = Nest(32);
  CheckValidation(ValidateItemForTable(item, HashTable()),
                  "Nesting Levels have exceeded supported limits: Attributes in the item have "
                  "nested levels beyond supported limit");

  Item big;
  big.emplace("id", AttributeValue::S("a"));                              // 3 bytes
  big.emplace("b", AttributeValue::S(std::string(409600 - 3 - 1, 'x')));  // total 409600
  CHECK(ItemSizeBytes(big) == 409600);
  CHECK(ValidateItemForTable(big, HashTable()).ok());
  big["b"] = AttributeValue::S(std::string(409600 - 3, 'x'));
  CheckValidation(ValidateItemForTable(big, HashTable()),
                  "Item size has exceeded the maximum allowed size");
}

TEST_CASE("ValidateKeyForTable requires exactly the key attributes", "[validation]") {
  Key key;
  key.emplace("id", AttributeValue::S("a"));
  CHECK(ValidateKeyForTable(key, HashTable()).ok());

  const std::string mismatch = "The provided key element does not match the schema";
  Key extra = key;
  extra.emplace("x", AttributeValue::S("b"));
  CheckValidation(ValidateKeyForTable(extra, HashTable()), mismatch);
  CheckValidation(ValidateKeyForTable(Key{}, HashTable()), mismatch);

  Key wrong_name;
  wrong_name.emplace("other", AttributeValue::S("a"));
  CheckValidation(ValidateKeyForTable(wrong_name, HashTable()), mismatch);

  Key wrong_type;
  wrong_type.emplace("id", N("1"));
  CheckValidation(ValidateKeyForTable(wrong_type, HashTable()), mismatch);

  Key partial;
  partial.emplace("pk", AttributeValue::S("a"));
  CheckValidation(ValidateKeyForTable(partial, RangeTable()), mismatch);
  partial.emplace("sk", N("-1.5"));
  CHECK(ValidateKeyForTable(partial, RangeTable()).ok());
}

TEST_CASE("ValidateKeyForTable refuses empty and oversized key values", "[validation]") {
  Key key;
  key.emplace("id", AttributeValue::S(""));
  CheckValidation(ValidateKeyForTable(key, HashTable()),
                  "One or more parameter values are not valid. The AttributeValue for a key "
                  "attribute cannot contain an empty string value. Key: id");
  key["id"] = AttributeValue::S(std::string(2049, 'k'));
  CheckValidation(ValidateKeyForTable(key, HashTable()),
                  "One or more parameter values were invalid: Size of hashkey has exceeded the "
                  "maximum size limit of2048 bytes");

  Key ranged;
  ranged.emplace("pk", AttributeValue::S("a"));
  ranged.emplace("sk", AttributeValue::B(std::string(1025, 'b')));
  CheckValidation(ValidateKeyForTable(ranged, RangeTable(ScalarAttributeType::kB)),
                  "One or more parameter values were invalid: Aggregated size of all range keys "
                  "has exceeded the size limit of 1024 bytes");
}

TEST_CASE("A table without a definition for its key is an internal error", "[validation]") {
  TableDescription broken = HashTable();
  broken.attribute_definitions.clear();
  Key key;
  key.emplace("id", AttributeValue::S("a"));
  const Status s = ValidateKeyForTable(key, broken);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::kInternalServerError);
}

TEST_CASE("ExtractKey takes the key attributes of an item", "[validation]") {
  Item item;
  item.emplace("pk", AttributeValue::S("a"));
  item.emplace("sk", N("2"));
  item.emplace("x", AttributeValue::Bool(true));
  const Key key = ExtractKey(item, RangeTable());
  REQUIRE(key.size() == 2);
  CHECK(key.at("pk") == AttributeValue::S("a"));
  CHECK(key.at("sk") == N("2"));
}

}  // namespace
}  // namespace ddbx::api
