// BatchGetItem and BatchWriteItem decoders: limits, duplicates, per-table expressions, and
// DynamoDB's order of checks (see api/codec_batch.cc).
#include <catch2/catch.hpp>
#include <string>

#include "api/codec.h"
#include "api/expression.h"
#include "tests/unit/api/codec_test_util.h"

namespace ddbx::api {
namespace {

constexpr std::string_view kMapKeys =
    "failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length "
    "less than or equal to 255, Member must have length greater than or equal to 3, Member must "
    "satisfy regular expression pattern: [a-zA-Z0-9_.-]+]";
constexpr std::string_view kMapValues =
    "failed to satisfy constraint: Map value must satisfy constraint: [Member must have length "
    "less than or equal to 25, Member must have length greater than or equal to 1]";

// {"a":{"S":"<i>"}} keys, joined by commas.
std::string Keys(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) {
    if (i != from) out.push_back(',');
    out += R"({"a":{"S":")" + std::to_string(i) + R"("}})";
  }
  return out;
}

// ---- BatchGetItem ----

TEST_CASE("DecodeBatchGetItem decodes every table's keys and projection", "[codec][batch]") {
  Result<BatchGetItemRequest> r = DecodeBatchGetItem(
      R"({"RequestItems":{"users":{"Keys":[{"id":{"S":"a"}},{"id":{"S":"b"}}],)"
      R"("ProjectionExpression":"#n, age","ExpressionAttributeNames":{"#n":"name"},)"
      R"("ConsistentRead":true},"orders":{"Keys":[{"id":{"N":"1"},"sk":{"S":"x"}}],)"
      R"("AttributesToGet":["total"]},"plain":{"Keys":[{"id":{"S":"c"}}]}},)"
      R"("ReturnConsumedCapacity":"TOTAL"})");
  REQUIRE(r.ok());
  const BatchGetItemRequest& b = r.value();
  CHECK(b.return_consumed_capacity == ReturnConsumedCapacity::kTotal);
  REQUIRE(b.request_items.size() == 3);
  const KeysAndAttributes& users = b.request_items.at("users");
  CHECK(users.keys.size() == 2);
  CHECK(users.keys[1].at("id") == AttributeValue::S("b"));
  CHECK(users.consistent_read);
  REQUIRE(users.projection != nullptr);
  CHECK(users.projection->source.text == "#n, age");
  CHECK(users.projection->source.names.at("#n") == "name");
  const KeysAndAttributes& orders = b.request_items.at("orders");
  CHECK_FALSE(orders.consistent_read);
  REQUIRE(orders.projection != nullptr);
  CHECK(orders.projection->source.legacy);
  CHECK(b.request_items.at("plain").projection == nullptr);
}

TEST_CASE("BatchGetItem's constraint list", "[codec][batch]") {
  CheckValidation(DecodeBatchGetItem("{}"),
                  "1 validation error detected: Value null at 'requestItems' failed to satisfy "
                  "constraint: Member must not be null");
  CheckValidation(DecodeBatchGetItem(R"({"RequestItems":{}})"),
                  "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy "
                  "constraint: Member must have length greater than or equal to 1");
  CheckValidation(DecodeBatchGetItem(R"({"RequestItems":{"a":{}},"ReturnConsumedCapacity":"hi"})"),
                  "3 validation errors detected: Value 'hi' at 'returnConsumedCapacity' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, "
                  "NONE]; Value '{a={}}' at 'requestItems' " +
                      std::string(kMapKeys) +
                      "; Value null at 'requestItems.a.member.keys' failed to satisfy constraint: "
                      "Member must not be null");
  // The map is printed the way DynamoDB (Java) prints it.
  CheckValidation(
      DecodeBatchGetItem(R"({"RequestItems":{"ab":{"Keys":[{"a":{"S":"x"},"n":{"N":"1.0"}}],)"
                         R"("ConsistentRead":true,"ProjectionExpression":"#a",)"
                         R"("ExpressionAttributeNames":{"#a":"b"}}}})"),
      "1 validation error detected: Value '{ab={Keys: [{a={S: x,}, n={N: 1,}}],ConsistentRead: "
      "true,ProjectionExpression: #a,ExpressionAttributeNames: {#a=b}}}' at 'requestItems' " +
          std::string(kMapKeys));
  CheckValidation(
      DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[],"AttributesToGet":[]}}})"),
      "2 validation errors detected: Value '[]' at 'requestItems.abc.member.keys' "
      "failed to satisfy constraint: Member must have length greater than or equal "
      "to 1; Value '[]' at 'requestItems.abc.member.attributesToGet' failed to "
      "satisfy constraint: Member must have length greater than or equal to 1");
  Result<BatchGetItemRequest> many =
      DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[)" + Keys(0, 101) + "]}}}");
  REQUIRE_FALSE(many.ok());
  CHECK(many.error().message.rfind(
            "1 validation error detected: Value '[{a={S: 0,}}, {a={S: 1,}}, ", 0) == 0);
  CHECK(many.error().message.find("{a={S: 100,}}]' at 'requestItems.abc.member.keys' failed to "
                                  "satisfy constraint: Member must have length less than or "
                                  "equal to 100") != std::string::npos);
}

TEST_CASE("BatchGetItem's checks per table", "[codec][batch]") {
  CheckValidation(
      DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{}],"AttributesToGet":["a"],)"
                         R"("ExpressionAttributeNames":{},"ProjectionExpression":""}}})"),
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {AttributesToGet} Expression parameters: "
      "{ProjectionExpression}");
  CheckValidation(DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{}],)"
                                     R"("AttributesToGet":["a"],"ExpressionAttributeNames":{}}}})"),
                  "ExpressionAttributeNames can only be specified when using expressions");
  CheckValidation(
      DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{}],)"
                         R"("ExpressionAttributeNames":{},"ProjectionExpression":""}}})"),
      "ExpressionAttributeNames must not be empty");
  CheckValidation(
      DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{}],)"
                         R"("ExpressionAttributeNames":{"a":"a"},"ProjectionExpression":""}}})"),
      "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"");
  CheckValidation(
      DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{}],"ProjectionExpression":""}}})"),
      "Invalid ProjectionExpression: The expression can not be empty;");
  CheckValidation(DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{"a":{"SS":[]}}]}}})"),
                  "One or more parameter values were invalid: An string set  may not be empty");
  // Duplicates: equal keys, whatever the order their attributes were sent in.
  CheckValidation(
      DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{"a":{"S":"x"},"b":{"N":"1"}},)"
                         R"({"b":{"N":"1.0"},"a":{"S":"x"}}]}}})"),
      "Provided list of item keys contains duplicates");
  // Duplicates come before the AttributesToGet check, which comes before the expressions.
  CheckValidation(DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{"a":{"S":"x"}},)"
                                     R"({"a":{"S":"x"}}],"AttributesToGet":["a","a"]}}})"),
                  "Provided list of item keys contains duplicates");
  CheckValidation(DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{"a":{"S":"x"}},)"
                                     R"({"a":{"S":"y"}}],"AttributesToGet":["a","a"]}}})"),
                  "One or more parameter values were invalid: Duplicate value in attribute "
                  "name: a");
  // The same key in two tables is fine.
  REQUIRE(DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[{"a":{"S":"x"}}]},)"
                             R"("abd":{"Keys":[{"a":{"S":"x"}}]}}})")
              .ok());
  // 100 keys in all, over every table.
  REQUIRE(DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[)" + Keys(0, 100) + "]}}}").ok());
  CheckValidation(DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":[)" + Keys(0, 60) +
                                     R"(]},"abd":{"Keys":[)" + Keys(60, 101) + "]}}}"),
                  "Too many items requested for the BatchGetItem call");
  CheckSerialization(DecodeBatchGetItem(R"({"RequestItems":{"abc":{"Keys":{}}}})"),
                     "Start of structure or map found where not expected");
  CheckSerialization(DecodeBatchGetItem(R"({"RequestItems":{"abc":[]}})"),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.KeysAndAttributes");
}

// ---- BatchWriteItem ----

TEST_CASE("DecodeBatchWriteItem decodes puts and deletes", "[codec][batch]") {
  Result<BatchWriteItemRequest> r = DecodeBatchWriteItem(
      R"({"RequestItems":{"tb1":[{"PutRequest":{"Item":{"id":{"S":"a"},"v":{"N":"2"}}}},)"
      R"({"DeleteRequest":{"Key":{"id":{"S":"b"}}}}],)"
      R"("tb2":[{"DeleteRequest":{"Key":{"k":{"N":"1"}}}}]},)"
      R"("ReturnConsumedCapacity":"INDEXES","ReturnItemCollectionMetrics":"SIZE"})");
  REQUIRE(r.ok());
  const BatchWriteItemRequest& b = r.value();
  CHECK(b.return_consumed_capacity == ReturnConsumedCapacity::kIndexes);
  CHECK(b.return_item_collection_metrics == ReturnItemCollectionMetrics::kSize);
  const std::vector<WriteRequest>& t1 = b.request_items.at("tb1");
  REQUIRE(t1.size() == 2);
  CHECK(t1[0].is_put);
  CHECK(t1[0].item.at("v").n().ToString() == "2");
  CHECK_FALSE(t1[1].is_put);
  CHECK(t1[1].key.at("id") == AttributeValue::S("b"));
  CHECK(b.request_items.at("tb2").size() == 1);
}

TEST_CASE("BatchWriteItem's constraint list", "[codec][batch]") {
  CheckValidation(DecodeBatchWriteItem(R"({"ReturnConsumedCapacity":"hi",)"
                                       R"("ReturnItemCollectionMetrics":"hi"})"),
                  "3 validation errors detected: Value 'hi' at 'returnConsumedCapacity' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, "
                  "NONE]; Value 'hi' at 'returnItemCollectionMetrics' failed to satisfy "
                  "constraint: Member must satisfy enum value set: [SIZE, NONE]; Value null at "
                  "'requestItems' failed to satisfy constraint: Member must not be null");
  CheckValidation(DecodeBatchWriteItem(R"({"RequestItems":{}})"),
                  "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy "
                  "constraint: Member must have length greater than or equal to 1");
  CheckValidation(DecodeBatchWriteItem(R"({"RequestItems":{"a":[]}})"),
                  "2 validation errors detected: Value '{a=[]}' at 'requestItems' " +
                      std::string(kMapKeys) + "; Value '{a=[]}' at 'requestItems' " +
                      std::string(kMapValues));
  CheckValidation(
      DecodeBatchWriteItem(R"({"RequestItems":{"aa;":[{"PutRequest":{},"DeleteRequest":{}}]}})"),
      "3 validation errors detected: Value '{aa;=[{PutRequest: {},DeleteRequest: {}}]}' at "
      "'requestItems' " +
          std::string(kMapKeys) +
          "; Value null at 'requestItems.aa;.member.1.member.deleteRequest.key' failed to "
          "satisfy constraint: Member must not be null; Value null at "
          "'requestItems.aa;.member.1.member.putRequest.item' failed to satisfy constraint: "
          "Member must not be null");
  std::string requests;
  for (int i = 0; i < 26; ++i) {
    if (i != 0) requests.push_back(',');
    requests += i % 2 != 0
                    ? R"({"DeleteRequest":{"Key":{"a":{"S":")" + std::to_string(i) + R"("}}}})"
                    : R"({"PutRequest":{"Item":{"a":{"S":")" + std::to_string(i) + R"("}}}})";
  }
  Result<BatchWriteItemRequest> many =
      DecodeBatchWriteItem(R"({"RequestItems":{"abc":[)" + requests + "]}}");
  REQUIRE_FALSE(many.ok());
  CHECK(many.error().message.rfind("1 validation error detected: Value '{abc=[{PutRequest: "
                                   "{Item: {a={S: 0,}}},}, {DeleteRequest: {Key: {a={S: 1,}}}}, ",
                                   0) == 0);
  CHECK(many.error().message.find("}]}' at 'requestItems' " + std::string(kMapValues)) !=
        std::string::npos);
}

TEST_CASE("BatchWriteItem's checks after the constraints", "[codec][batch]") {
  CheckValidation(DecodeBatchWriteItem(R"({"RequestItems":{"abc":null}})"),
                  "The batch write request list for a table cannot be null or empty: abc");
  std::string thirteen;
  for (int i = 0; i < 13; ++i) {
    if (i != 0) thirteen.push_back(',');
    thirteen += R"({"DeleteRequest":{"Key":{"a":{"S":")" + std::to_string(i) + R"("}}}})";
  }
  CheckValidation(DecodeBatchWriteItem(R"({"RequestItems":{"abc":[)" + thirteen + R"(],"abd":[)" +
                                       thirteen + "]}}"),
                  "Too many items requested for the BatchWriteItem call");
  // A WriteRequest is exactly one of PutRequest and DeleteRequest.
  const std::string union_message =
      "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
      "supported datatypes";
  CheckValidation(DecodeBatchWriteItem(R"({"RequestItems":{"abc":[{}]}})"), union_message);
  CheckValidation(DecodeBatchWriteItem(R"({"RequestItems":{"abc":[null]}})"), union_message);
  CheckValidation(
      DecodeBatchWriteItem(R"({"RequestItems":{"abc":[{"PutRequest":{"Item":{"a":{"S":"x"}}},)"
                           R"("DeleteRequest":{"Key":{"a":{"S":"x"}}}}]}})"),
      union_message);
  // Item and key values, and the item size.
  CheckValidation(
      DecodeBatchWriteItem(
          R"({"RequestItems":{"abc":[{"PutRequest":{"Item":{"a":{"NULL":false}}}}]}})"),
      "One or more parameter values were invalid: Null attribute value types must have the "
      "value of true");
  CheckValidation(
      DecodeBatchWriteItem(
          R"({"RequestItems":{"abc":[{"DeleteRequest":{"Key":{"a":{"S":"a","N":"1"}}}}]}})"),
      "Supplied AttributeValue has more than one datatypes set, must contain exactly "
      "one of the supported datatypes");
  CheckValidation(
      DecodeBatchWriteItem(R"({"RequestItems":{"abc":[{"PutRequest":{"Item":{"a":{"S":")" +
                           std::string(409600, 'x') + R"("}}}}]}})"),
      "Item size has exceeded the maximum allowed size");
  // Duplicate keys need the schema: the backend finds them.
  REQUIRE(
      DecodeBatchWriteItem(R"({"RequestItems":{"abc":[{"DeleteRequest":{"Key":{"a":{"S":"x"}}}},)"
                           R"({"DeleteRequest":{"Key":{"a":{"S":"x"}}}}]}})")
          .ok());
  CheckSerialization(DecodeBatchWriteItem(R"({"RequestItems":{"abc":{}}})"),
                     "Start of structure or map found where not expected");
  CheckSerialization(DecodeBatchWriteItem(R"({"RequestItems":{"abc":[{"PutRequest":[]}]}})"),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.PutRequest");
}

}  // namespace
}  // namespace ddbx::api
