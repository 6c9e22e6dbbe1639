// Tests for cache/keys: item keys (schema order, canonical numbers, requests that do not fit the
// schema), and the canonical form of Query and Scan requests: what must share an entry (JSON
// member order, whitespace, placeholder names, legacy versus expression syntax, condition and
// projection order, ConsistentRead, ReturnConsumedCapacity) and what must not.
#include "cache/keys.h"

#include <catch2/catch.hpp>
#include <string>

#include "api/codec.h"

namespace ddbx::cache {
namespace {

api::AttributeValue S(std::string s) { return api::AttributeValue::S(std::move(s)); }
api::AttributeValue N(const char* text) {
  auto n = api::Number::Parse(text);
  REQUIRE(n.ok());
  return api::AttributeValue::N(n.value());
}

std::string QueryKeyOf(const std::string& body) {
  api::Result<api::QueryRequest> request = api::DecodeQuery(body);
  if (!request.ok()) FAIL(request.error().message);
  return QueryKey(request.value(), /*is_scan=*/false);
}

std::string ScanKeyOf(const std::string& body) {
  api::Result<api::ScanRequest> request = api::DecodeScan(body);
  if (!request.ok()) FAIL(request.error().message);
  return QueryKey(request.value(), /*is_scan=*/true);
}

TEST_CASE("Item keys follow the schema and canonical numbers", "[cache][keys]") {
  const KeyNames hash_range{"pk", "sk"};
  auto a = ItemKey("t", hash_range, {{"pk", S("a")}, {"sk", N("1.50")}});
  auto b = ItemKey("t", hash_range, {{"sk", N("15E-1")}, {"pk", S("a")}});
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
  CHECK(a->starts_with(TablePrefix(EntryKind::kItem, "t")));
  // Another table, another value, another type: other keys.
  CHECK(*ItemKey("u", hash_range, {{"pk", S("a")}, {"sk", N("1.5")}}) != *a);
  CHECK(*ItemKey("t", hash_range, {{"pk", S("a")}, {"sk", N("1.6")}}) != *a);
  CHECK(*ItemKey("t", KeyNames{"pk", {}}, {{"pk", S("1")}}) !=
        *ItemKey("t", KeyNames{"pk", {}}, {{"pk", N("1")}}));
  // Keys that do not fit the schema are left to the backend.
  CHECK_FALSE(ItemKey("t", hash_range, {{"pk", S("a")}}));
  CHECK_FALSE(ItemKey("t", KeyNames{"pk", {}}, {{"pk", S("a")}, {"x", S("b")}}));
  CHECK_FALSE(ItemKey("t", KeyNames{"pk", {}}, {{"pk", api::AttributeValue::Bool(true)}}));
  // An item's key ignores its other attributes.
  auto of_item = ItemKeyOfItem("t", hash_range, {{"pk", S("a")}, {"sk", N("1.5")}, {"x", S("y")}});
  REQUIRE(of_item);
  CHECK(*of_item == *a);
  CHECK_FALSE(ItemKeyOfItem("t", hash_range, {{"pk", S("a")}}));
  // Table names cannot run into key bytes: "ab" + "c..." differs from "a" + "bc...".
  CHECK(*ItemKey("ab", KeyNames{"pk", {}}, {{"pk", S("c")}}) !=
        *ItemKey("a", KeyNames{"pk", {}}, {{"pk", S("bc")}}));
}

TEST_CASE("Query keys: same meaning, same key", "[cache][keys]") {
  const std::string base = QueryKeyOf(
      R"({"TableName":"tab","KeyConditionExpression":"#p = :v AND #s > :n",)"
      R"("FilterExpression":"#c = :c","ProjectionExpression":"a, b.c[1]",)"
      R"("ExpressionAttributeNames":{"#p":"pk","#s":"sk","#c":"color"},)"
      R"("ExpressionAttributeValues":{":v":{"S":"x"},":n":{"N":"5"},":c":{"S":"red"}}})");
  // Members reordered, whitespace changed, placeholders renamed, numbers spelled differently,
  // key conditions and projection paths in another order, ConsistentRead false and
  // ReturnConsumedCapacity set.
  CHECK(QueryKeyOf(R"({"ReturnConsumedCapacity":"TOTAL","ConsistentRead":false,)"
                   R"("ExpressionAttributeValues":{":k":{"N":"5.0"},":c2":{"S":"red"},)"
                   R"(":pv":{"S":"x"}},"ProjectionExpression":"b.c[1],a",)"
                   R"("ExpressionAttributeNames":{"#sort":"sk","#part":"pk","#col":"color"},)"
                   R"("KeyConditionExpression":"  #sort >:k and #part=:pv ",)"
                   R"("FilterExpression":"#col = :c2","TableName":"tab"})") == base);
  // Legacy parameters with the same meaning.
  CHECK(QueryKeyOf(R"({"TableName":"tab","KeyConditions":{)"
                   R"("pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]},)"
                   R"("sk":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"5"}]}},)"
                   R"("FilterExpression":"color = :c","ProjectionExpression":"a, b.c[1]",)"
                   R"("ExpressionAttributeValues":{":c":{"S":"red"}}})") == base);
}

TEST_CASE("Query keys: every parameter that changes the result changes the key", "[cache][keys]") {
  const std::string plain = R"({"TableName":"tab","KeyConditionExpression":"pk = :v",)"
                            R"("ExpressionAttributeValues":{":v":{"S":"x"}})";
  const std::string base = QueryKeyOf(plain + "}");
  CHECK(QueryKeyOf(plain + R"(,"Limit":5})") != base);
  CHECK(QueryKeyOf(plain + R"(,"Limit":5})") != QueryKeyOf(plain + R"(,"Limit":6})"));
  CHECK(QueryKeyOf(plain + R"(,"ScanIndexForward":false})") != base);
  CHECK(QueryKeyOf(plain + R"(,"IndexName":"gsi"})") != base);
  CHECK(QueryKeyOf(plain + R"(,"Select":"COUNT"})") != base);
  CHECK(QueryKeyOf(plain + R"(,"ExclusiveStartKey":{"pk":{"S":"x"}}})") != base);
  CHECK(QueryKeyOf(plain + R"(,"ProjectionExpression":"a"})") != base);
  CHECK(QueryKeyOf(plain + R"(,"FilterExpression":"a = :v"})") != base);
  CHECK(QueryKeyOf(R"({"TableName":"tab","KeyConditionExpression":"pk = :v",)"
                   R"("ExpressionAttributeValues":{":v":{"S":"y"}}})") != base);
  CHECK(QueryKeyOf(R"({"TableName":"tub","KeyConditionExpression":"pk = :v",)"
                   R"("ExpressionAttributeValues":{":v":{"S":"x"}}})") != base);
  // Filters that differ in structure: a AND (b OR c) against (a AND b) OR c.
  const std::string values = R"(,"ExpressionAttributeValues":{":v":{"S":"x"},":a":{"N":"1"}}})";
  CHECK(QueryKeyOf(plain.substr(0, plain.find(",\"Expr")) +
                   R"x(,"FilterExpression":"a = :a AND (b = :a OR c = :a)")x" + values) !=
        QueryKeyOf(plain.substr(0, plain.find(",\"Expr")) +
                   R"x(,"FilterExpression":"(a = :a AND b = :a) OR c = :a")x" + values));
  // A Scan and a Query never share an entry.
  CHECK(ScanKeyOf(R"({"TableName":"tab"})") != base);
  CHECK(ScanKeyOf(R"({"TableName":"tab","Segment":0,"TotalSegments":2})") !=
        ScanKeyOf(R"({"TableName":"tab","Segment":1,"TotalSegments":2})"));
  CHECK(ScanKeyOf(R"({"TableName":"tab","ConsistentRead":false})") ==
        ScanKeyOf(R"({"TableName":"tab"})"));
}

TEST_CASE("The queried partition is the hash key's equality", "[cache][keys]") {
  api::Result<api::QueryRequest> request =
      api::DecodeQuery(R"({"TableName":"tab","KeyConditionExpression":"sk > :n AND pk = :v",)"
                       R"("ExpressionAttributeValues":{":v":{"S":"x"},":n":{"N":"1"}}})");
  REQUIRE(request.ok());
  auto partition = QueriedPartition(request.value(), "pk");
  REQUIRE(partition);
  CHECK(*partition == *KeyValueBytes(S("x")));
  CHECK_FALSE(QueriedPartition(request.value(), "other"));
}

}  // namespace
}  // namespace ddbx::cache
