// Query and Scan decoders: every parameter, the Select rules, segments, ExclusiveStartKey, and
// DynamoDB's order of checks (see api/codec_read.cc).
#include <catch2/catch.hpp>
#include <string>

#include "api/codec.h"
#include "api/expression.h"
#include "tests/unit/api/codec_test_util.h"

namespace ddbx::api {
namespace {

// A Query of table "abc" on pk = "x", plus `members`.
std::string Query(std::string_view members) {
  return std::string(R"({"TableName":"abc","KeyConditionExpression":"pk = :pk",)"
                     R"("ExpressionAttributeValues":{":pk":{"S":"x"}})") +
         (members.empty() ? "" : ",") + std::string(members) + "}";
}
std::string Scan(std::string_view members) {
  return std::string(R"({"TableName":"abc")") + (members.empty() ? "" : ",") +
         std::string(members) + "}";
}

// ---- Query ----

TEST_CASE("DecodeQuery decodes every parameter", "[codec][query]") {
  Result<QueryRequest> r = DecodeQuery(
      R"({"TableName":"abc","IndexName":"by-date","KeyConditionExpression":"#p = :p AND #d > :d",)"
      R"("FilterExpression":"size(tags) > :n","ProjectionExpression":"#p, #d, tags",)"
      R"("ExpressionAttributeNames":{"#p":"pk","#d":"date"},)"
      R"("ExpressionAttributeValues":{":p":{"S":"x"},":d":{"N":"5"},":n":{"N":"1"}},)"
      R"("Select":"SPECIFIC_ATTRIBUTES","ScanIndexForward":false,"Limit":25,)"
      R"("ExclusiveStartKey":{"pk":{"S":"x"},"date":{"N":"7"}},"ConsistentRead":true,)"
      R"("ReturnConsumedCapacity":"INDEXES"})");
  REQUIRE(r.ok());
  const QueryRequest& q = r.value();
  CHECK(q.table_name == "abc");
  CHECK(q.index_name == "by-date");
  REQUIRE(q.key_condition != nullptr);
  CHECK(q.key_condition->conditions.size() == 2);
  REQUIRE(q.filter != nullptr);
  CHECK(q.filter->source.text == "size(tags) > :n");
  REQUIRE(q.projection != nullptr);
  CHECK(q.projection->paths.size() == 3);
  CHECK(q.select == Select::kSpecificAttributes);
  CHECK_FALSE(q.scan_index_forward);
  CHECK(q.limit == 25);
  REQUIRE(q.exclusive_start_key.has_value());
  CHECK(q.exclusive_start_key->at("date").n().ToString() == "7");
  CHECK(q.consistent_read);
  CHECK(q.return_consumed_capacity == ReturnConsumedCapacity::kIndexes);
  CHECK_FALSE(q.segment.has_value());

  Result<QueryRequest> plain = DecodeQuery(Query(""));
  REQUIRE(plain.ok());
  CHECK_FALSE(plain.value().select.has_value());
  CHECK(plain.value().scan_index_forward);
  CHECK_FALSE(plain.value().limit.has_value());
  CHECK(plain.value().filter == nullptr);
  CHECK(plain.value().projection == nullptr);
  CHECK_FALSE(plain.value().index_name.has_value());
}

TEST_CASE("DecodeQuery translates the legacy parameters", "[codec][query]") {
  Result<QueryRequest> r = DecodeQuery(
      R"({"TableName":"abc","KeyConditions":{"pk":{"ComparisonOperator":"EQ",)"
      R"("AttributeValueList":[{"S":"x"}]},"sk":{"ComparisonOperator":"BEGINS_WITH",)"
      R"("AttributeValueList":[{"S":"a"}]}},"QueryFilter":{"n":{"ComparisonOperator":"GT",)"
      R"("AttributeValueList":[{"N":"1"}]},"m":{"ComparisonOperator":"NULL"}},)"
      R"("ConditionalOperator":"OR","AttributesToGet":["n","m"],"Limit":3000000000})");
  REQUIRE(r.ok());
  REQUIRE(r.value().key_condition != nullptr);
  CHECK(r.value().key_condition->source.legacy);
  CHECK(r.value().key_condition->conditions.size() == 2);
  REQUIRE(r.value().filter != nullptr);
  CHECK(r.value().filter->root.kind == expr::ConditionKind::kOr);
  REQUIRE(r.value().projection != nullptr);
  CHECK(r.value().projection->source.legacy);
  CHECK(r.value().limit == 2147483647);

  // KeyConditions may go with FilterExpression and ProjectionExpression.
  Result<QueryRequest> mixed =
      DecodeQuery(R"({"TableName":"abc","KeyConditions":{"pk":{"ComparisonOperator":"EQ",)"
                  R"("AttributeValueList":[{"S":"x"}]}},"FilterExpression":"b > :v",)"
                  R"("ProjectionExpression":"b",)"
                  R"("ExpressionAttributeValues":{":v":{"N":"1"}}})");
  REQUIRE(mixed.ok());
  CHECK(mixed.value().key_condition->source.legacy);
  CHECK_FALSE(mixed.value().filter->source.legacy);
}

TEST_CASE("Query's constraint list is in DynamoDB's order", "[codec][query]") {
  CheckValidation(
      DecodeQuery(
          R"({"TableName":"abc;","ReturnConsumedCapacity":"hi","AttributesToGet":[],)"
          R"("IndexName":"abc;","Select":"hi","Limit":-1,)"
          R"("KeyConditions":{"a":{},"b":{"ComparisonOperator":""}},)"
          R"("ConditionalOperator":"AN","QueryFilter":{"a":{},"b":{"ComparisonOperator":""}}})"),
      std::string(
          "10 validation errors detected: Value 'hi' at 'select' failed to satisfy constraint: "
          "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
          "ALL_PROJECTED_ATTRIBUTES]; Value 'abc;' at 'indexName' failed to satisfy constraint: "
          "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'hi' at "
          "'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value "
          "set: [INDEXES, TOTAL, NONE]; Value null at 'queryFilter.a.member.comparisonOperator' "
          "failed to satisfy constraint: Member must not be null; Value '' at "
          "'queryFilter.b.member.comparisonOperator' failed to satisfy constraint: Member must "
          "satisfy enum value set: ") +
          std::string(kComparisonOperators) +
          "; Value 'abc;' at 'tableName' failed to satisfy constraint: Member must satisfy "
          "regular expression pattern: [a-zA-Z0-9_.-]+; Value 'AN' at 'conditionalOperator' "
          "failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]; Value "
          "'[]' at 'attributesToGet' failed to satisfy constraint: Member must have length "
          "greater than or equal to 1; Value '-1' at 'limit' failed to satisfy constraint: "
          "Member must have value greater than or equal to 1; Value null at "
          "'keyConditions.a.member.comparisonOperator' failed to satisfy constraint: Member must "
          "not be null");
  CheckValidation(DecodeQuery(R"({"IndexName":"a"})"),
                  "2 validation errors detected: Value 'a' at 'indexName' failed to satisfy "
                  "constraint: Member must have length greater than or equal to 3; Value null at "
                  "'tableName' failed to satisfy constraint: Member must not be null");
  // A Select that conflicts with a projection joins the list (and is reported with it).
  CheckValidation(DecodeQuery(Query(R"("Select":"COUNT","ProjectionExpression":"b")")),
                  "1 validation error detected: Cannot specify the ProjectionExpression when "
                  "choosing to get only the Count");
  CheckValidation(DecodeQuery(Query(R"("Select":"COUNT","Limit":0,"ProjectionExpression":"b")")),
                  "2 validation errors detected: Value '0' at 'limit' failed to satisfy "
                  "constraint: Member must have value greater than or equal to 1; Cannot specify "
                  "the ProjectionExpression when choosing to get only the Count");
  CheckSerialization(DecodeQuery(Query(R"("Limit":"5")")),
                     "STRING_VALUE cannot be converted to Integer");
  CheckSerialization(DecodeQuery(Query(R"("ScanIndexForward":"no")")),
                     "Unexpected token received from parser");
  CheckSerialization(DecodeQuery(Query(R"("KeyConditions":{"a":[]})")),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.Condition");
}

TEST_CASE("Query's mixing rules", "[codec][query]") {
  CheckValidation(
      DecodeQuery(R"({"TableName":"abc","ExclusiveStartKey":{"a":{}},)"
                  R"("Select":"SPECIFIC_ATTRIBUTES","AttributesToGet":["a","a"],)"
                  R"("QueryFilter":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{}]}},)"
                  R"("ConditionalOperator":"OR",)"
                  R"("KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{}]}},)"
                  R"("ProjectionExpression":"","FilterExpression":"","KeyConditionExpression":"",)"
                  R"("ExpressionAttributeNames":{},"ExpressionAttributeValues":{}})"),
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {AttributesToGet, QueryFilter, ConditionalOperator, "
      "KeyConditions} Expression parameters: {ProjectionExpression, FilterExpression, "
      "KeyConditionExpression}");
  // Without KeyConditionExpression, KeyConditions is not counted.
  CheckValidation(
      DecodeQuery(R"({"TableName":"abc","AttributesToGet":["a"],)"
                  R"("KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{}]}},)"
                  R"("FilterExpression":""})"),
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {AttributesToGet} Expression parameters: {FilterExpression}");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","ExpressionAttributeNames":{},)"
                              R"("KeyConditions":{"a":{"ComparisonOperator":"NULL"}}})"),
                  "ExpressionAttributeNames can only be specified when using expressions");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","ExpressionAttributeValues":{},)"
                              R"("KeyConditions":{"a":{"ComparisonOperator":"NULL"}}})"),
                  "ExpressionAttributeValues can only be specified when using expressions: "
                  "FilterExpression and KeyConditionExpression are null");
}

TEST_CASE("Query's checks after the constraints come in DynamoDB's order", "[codec][query]") {
  // QueryFilter, then AttributesToGet duplicates, then ExclusiveStartKey, then the key
  // condition's presence, then the expressions, then KeyConditions.
  CheckValidation(DecodeQuery(R"({"TableName":"abc","ExclusiveStartKey":{"a":{}},)"
                              R"("AttributesToGet":["a","a"],)"
                              R"("QueryFilter":{"a":{"ComparisonOperator":"EQ"}}})"),
                  "One or more parameter values were invalid: Invalid number of argument(s) for "
                  "the EQ ComparisonOperator");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","ExclusiveStartKey":{"a":{}},)"
                              R"("AttributesToGet":["a","a"],"QueryFilter":{}})"),
                  "One or more parameter values were invalid: Duplicate value in attribute "
                  "name: a");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","ExclusiveStartKey":{"a":{}}})"),
                  "The provided starting key is invalid: Supplied AttributeValue is empty, must "
                  "contain exactly one of the supported datatypes");
  CheckValidation(DecodeQuery(R"({"TableName":"abc"})"),
                  "Either the KeyConditions or KeyConditionExpression parameter must be "
                  "specified in the request.");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","KeyConditionExpression":"",)"
                              R"("ExpressionAttributeValues":{}})"),
                  "ExpressionAttributeValues must not be empty");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","KeyConditionExpression":"",)"
                              R"("FilterExpression":"","ProjectionExpression":"",)"
                              R"("ExpressionAttributeValues":{":0":{"S":"b"}}})"),
                  "Invalid KeyConditionExpression: The expression can not be empty;");
  CheckValidation(DecodeQuery(Query(R"("FilterExpression":"")")),
                  "Invalid FilterExpression: The expression can not be empty;");
  CheckValidation(DecodeQuery(Query(R"("ProjectionExpression":"")")),
                  "Invalid ProjectionExpression: The expression can not be empty;");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","KeyConditions":{}})"),
                  "Conditions can be of length 1 or 2 only");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","KeyConditions":{"a":{"ComparisonOperator":)"
                              R"("NULL"},"b":{"ComparisonOperator":"NULL"},"c":{)"
                              R"("ComparisonOperator":"NULL"}}})"),
                  "Conditions can be of length 1 or 2 only");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","KeyConditionExpression":)"
                              R"(":a = a and b = :a and :a = c","ExpressionAttributeValues":)"
                              R"({":a":{"S":"a"}}})"),
                  "Conditions can be of length 1 or 2 only");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","KeyConditions":{"a":{"ComparisonOperator":)"
                              R"("IN","AttributeValueList":[{"S":"b"},{"N":"1"}]}}})"),
                  "One or more parameter values were invalid: AttributeValues inside "
                  "AttributeValueList must be of same type");
}

TEST_CASE("Select's rules", "[codec][query][scan]") {
  CheckValidation(DecodeQuery(Query(R"("Select":"SPECIFIC_ATTRIBUTES")")),
                  "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
                  "SPECIFIC_ATTRIBUTES");
  CheckValidation(DecodeQuery(Query(R"("Select":"ALL_PROJECTED_ATTRIBUTES")")),
                  "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  CheckValidation(DecodeQuery(Query(R"("Select":"ALL_ATTRIBUTES","ProjectionExpression":"a")")),
                  "1 validation error detected: Cannot specify the ProjectionExpression when "
                  "choosing to get ALL_ATTRIBUTES");
  CheckValidation(
      DecodeQuery(Query(R"("Select":"ALL_PROJECTED_ATTRIBUTES","ProjectionExpression":"a")")),
      "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get "
      "ALL_PROJECTED_ATTRIBUTES");
  CheckValidation(DecodeQuery(R"({"TableName":"abc","Select":"COUNT","AttributesToGet":["a"],)"
                              R"("KeyConditions":{"pk":{"ComparisonOperator":"NULL"}}})"),
                  "1 validation error detected: Cannot specify the AttributesToGet when choosing "
                  "to get only the Count");
  Result<QueryRequest> count = DecodeQuery(Query(R"("Select":"COUNT")"));
  REQUIRE(count.ok());
  CHECK(count.value().select == Select::kCount);
  Result<QueryRequest> projected =
      DecodeQuery(Query(R"("Select":"ALL_PROJECTED_ATTRIBUTES","IndexName":"idx")"));
  REQUIRE(projected.ok());
  CHECK(projected.value().select == Select::kAllProjectedAttributes);

  // Scan reports them after the expressions, and bare.
  CheckValidation(DecodeScan(Scan(R"("Select":"COUNT","ProjectionExpression":"pk")")),
                  "Cannot specify the ProjectionExpression when choosing to get only the Count");
  CheckValidation(DecodeScan(Scan(R"("Select":"COUNT","ProjectionExpression":"")")),
                  "Invalid ProjectionExpression: The expression can not be empty;");
  CheckValidation(DecodeScan(Scan(R"("Select":"ALL_ATTRIBUTES","AttributesToGet":["a"])")),
                  "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES");
  CheckValidation(DecodeScan(Scan(R"("Select":"ALL_PROJECTED_ATTRIBUTES")")),
                  "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  CheckValidation(DecodeScan(Scan(R"("Select":"SPECIFIC_ATTRIBUTES")")),
                  "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
                  "SPECIFIC_ATTRIBUTES");
  Result<ScanRequest> specific =
      DecodeScan(Scan(R"("Select":"SPECIFIC_ATTRIBUTES","AttributesToGet":["a"])"));
  REQUIRE(specific.ok());
  CHECK(specific.value().select == Select::kSpecificAttributes);
}

TEST_CASE("ExclusiveStartKey's invalid values, with and without DynamoDB's prefix",
          "[codec][query][scan]") {
  const std::string prefix = "The provided starting key is invalid: ";
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"S":"a","N":"1"}})")),
                  prefix +
                      "Supplied AttributeValue has more than one datatypes set, must contain "
                      "exactly one of the supported datatypes");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"NULL":false}})")),
                  prefix +
                      "One or more parameter values were invalid: Null attribute value "
                      "types must have the value of true");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"SS":[]}})")),
                  prefix +
                      "One or more parameter values were invalid: An string set  may not be "
                      "empty");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"M":{"a":{}}}})")),
                  prefix +
                      "Supplied AttributeValue is empty, must contain exactly one of the "
                      "supported datatypes");
  // Numbers, number sets and duplicate members come without the prefix.
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"NS":[]}})")),
                  "One or more parameter values were invalid: An number set  may not be empty");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"SS":["a","a"]}})")),
                  "One or more parameter values were invalid: Input collection [a, a] contains "
                  "duplicates.");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"BS":["Yg==","Yg=="]}})")),
                  "One or more parameter values were invalid: Input collection [Yg==, Yg==]of "
                  "type BS contains duplicates.");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"N":"b"}})")),
                  "The parameter cannot be converted to a numeric value: b");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"NS":["1","1"]}})")),
                  "Input collection contains duplicates");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{"N":"1e126"}})")),
                  "Number overflow. Attempting to store a number with magnitude larger than "
                  "supported range");
  CheckSerialization(DecodeScan(Scan(R"("ExclusiveStartKey":[])")),
                     "Unrecognized collection type java.util.Map<java.lang.String, "
                     "com.amazonaws.dynamodb.v20120810.AttributeValue>");
}

// ---- Scan ----

TEST_CASE("DecodeScan decodes every parameter", "[codec][scan]") {
  Result<ScanRequest> r =
      DecodeScan(R"({"TableName":"abc","IndexName":"idx","FilterExpression":"#s = :s",)"
                 R"("ProjectionExpression":"a","ExpressionAttributeNames":{"#s":"state"},)"
                 R"("ExpressionAttributeValues":{":s":{"S":"on"}},"Select":"SPECIFIC_ATTRIBUTES",)"
                 R"("Limit":10,"ExclusiveStartKey":{"pk":{"S":"k"}},"ConsistentRead":true,)"
                 R"("Segment":1,"TotalSegments":4,"ReturnConsumedCapacity":"TOTAL",)"
                 R"("ScanIndexForward":"ignored: not a Scan member"})");
  REQUIRE(r.ok());
  const ScanRequest& s = r.value();
  CHECK(s.index_name == "idx");
  CHECK(s.key_condition == nullptr);
  REQUIRE(s.filter != nullptr);
  REQUIRE(s.projection != nullptr);
  CHECK(s.limit == 10);
  CHECK(s.segment == 1);
  CHECK(s.total_segments == 4);
  CHECK(s.consistent_read);
  CHECK(s.exclusive_start_key->at("pk") == AttributeValue::S("k"));
  CHECK(s.return_consumed_capacity == ReturnConsumedCapacity::kTotal);

  Result<ScanRequest> legacy = DecodeScan(
      Scan(R"("ScanFilter":{"a":{"ComparisonOperator":"NOT_NULL"},"b":{"ComparisonOperator":)"
           R"("CONTAINS","AttributeValueList":[{"S":"x"}]}},"ConditionalOperator":"AND")"));
  REQUIRE(legacy.ok());
  REQUIRE(legacy.value().filter != nullptr);
  CHECK(legacy.value().filter->source.legacy);
  CHECK(legacy.value().filter->root.kind == expr::ConditionKind::kAnd);

  Result<ScanRequest> plain = DecodeScan(Scan(""));
  REQUIRE(plain.ok());
  CHECK(plain.value().filter == nullptr);
  CHECK_FALSE(plain.value().segment.has_value());
}

TEST_CASE("Scan's constraint list is in DynamoDB's order", "[codec][scan]") {
  CheckValidation(
      DecodeScan(
          R"({"TableName":"abc;","ReturnConsumedCapacity":"hi","AttributesToGet":[],)"
          R"("IndexName":"abc;","Segment":-1,"TotalSegments":-1,"Select":"hi","Limit":-1,)"
          R"("ScanFilter":{"a":{},"b":{"ComparisonOperator":""}},"ConditionalOperator":"AN"})"),
      std::string(
          "10 validation errors detected: Value 'hi' at 'select' failed to satisfy constraint: "
          "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
          "ALL_PROJECTED_ATTRIBUTES]; Value 'abc;' at 'indexName' failed to satisfy constraint: "
          "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '-1' at "
          "'totalSegments' failed to satisfy constraint: Member must have value greater than or "
          "equal to 1; Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: "
          "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; Value 'abc;' at "
          "'tableName' failed to satisfy constraint: Member must satisfy regular expression "
          "pattern: [a-zA-Z0-9_.-]+; Value 'AN' at 'conditionalOperator' failed to satisfy "
          "constraint: Member must satisfy enum value set: [OR, AND]; Value null at "
          "'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must "
          "not be null; Value '' at 'scanFilter.b.member.comparisonOperator' failed to satisfy "
          "constraint: Member must satisfy enum value set: ") +
          std::string(kComparisonOperators) +
          "; Value '-1' at 'segment' failed to satisfy constraint: Member must have value "
          "greater than or equal to 0; Value '[]' at 'attributesToGet' failed to satisfy "
          "constraint: Member must have length greater than or equal to 1");
  CheckValidation(DecodeScan(Scan(R"("Segment":1000000,"TotalSegments":1000001)")),
                  "2 validation errors detected: Value '1000001' at 'totalSegments' failed to "
                  "satisfy constraint: Member must have value less than or equal to 1000000; "
                  "Value '1000000' at 'segment' failed to satisfy constraint: Member must have "
                  "value less than or equal to 999999");
}

TEST_CASE("Scan's segments and its checks after the constraints", "[codec][scan]") {
  CheckValidation(DecodeScan(Scan(R"("Segment":1)")),
                  "The TotalSegments parameter is required but was not present in the request "
                  "when Segment parameter is present");
  CheckValidation(DecodeScan(Scan(R"("Segment":0)")),
                  "The TotalSegments parameter is required but was not present in the request "
                  "when Segment parameter is present");
  CheckValidation(DecodeScan(Scan(R"("TotalSegments":1)")),
                  "The Segment parameter is required but was not present in the request when "
                  "parameter TotalSegments is present");
  CheckValidation(DecodeScan(Scan(R"("Segment":2,"TotalSegments":2)")),
                  "The Segment parameter is zero-based and must be less than parameter "
                  "TotalSegments: Segment: 2 is not less than TotalSegments: 2");
  REQUIRE(DecodeScan(Scan(R"("Segment":0,"TotalSegments":1)")).ok());
  // Mixing, then AttributesToGet, then ScanFilter, then ExclusiveStartKey, then segments, then
  // the expressions.
  CheckValidation(DecodeScan(Scan(R"("ScanFilter":{},"FilterExpression":"",)"
                                  R"("ProjectionExpression":"","ConditionalOperator":"OR")")),
                  "Can not use both expression and non-expression parameters in the same "
                  "request: Non-expression parameters: {ScanFilter, ConditionalOperator} "
                  "Expression parameters: {ProjectionExpression, FilterExpression}");
  CheckValidation(DecodeScan(Scan(R"("ExpressionAttributeValues":{":a":{"S":"a"}})")),
                  "ExpressionAttributeValues can only be specified when using expressions: "
                  "FilterExpression is null");
  CheckValidation(DecodeScan(Scan(R"("AttributesToGet":["a","a"],)"
                                  R"("ScanFilter":{"a":{"ComparisonOperator":"EQ"}})")),
                  "One or more parameter values were invalid: Duplicate value in attribute "
                  "name: a");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{}},)"
                                  R"("ScanFilter":{"a":{"ComparisonOperator":"EQ"}})")),
                  "One or more parameter values were invalid: Invalid number of argument(s) for "
                  "the EQ ComparisonOperator");
  CheckValidation(DecodeScan(Scan(R"("ExclusiveStartKey":{"a":{}},"Segment":1)")),
                  "The provided starting key is invalid: Supplied AttributeValue is empty, must "
                  "contain exactly one of the supported datatypes");
  CheckValidation(
      DecodeScan(Scan(R"("Segment":1,"FilterExpression":"",)"
                      R"("ExpressionAttributeNames":{},"ExpressionAttributeValues":{})")),
      "The TotalSegments parameter is required but was not present in the request "
      "when Segment parameter is present");
  CheckValidation(DecodeScan(Scan(R"("FilterExpression":"","ExpressionAttributeNames":{})")),
                  "ExpressionAttributeNames must not be empty");
  CheckValidation(DecodeScan(Scan(R"("FilterExpression":"")")),
                  "Invalid FilterExpression: The expression can not be empty;");
  CheckValidation(
      DecodeScan(Scan(R"("FilterExpression":"a = :a",)"
                      R"("ExpressionAttributeValues":{":a":{"S":"x"},":b":{"S":"y"}})")),
      "Value provided in ExpressionAttributeValues unused in expressions: keys: "
      "{:b}");
}

}  // namespace
}  // namespace ddbx::api
