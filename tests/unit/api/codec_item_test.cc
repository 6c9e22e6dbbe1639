// The item operations' decoders with expressions and legacy parameters: PutItem, GetItem,
// DeleteItem, UpdateItem. Messages and their order are DynamoDB's (see api/codec_item.cc).
#include <catch2/catch.hpp>
#include <string>

#include "api/codec.h"
#include "api/expression.h"
#include "tests/unit/api/codec_test_util.h"

namespace ddbx::api {
namespace {

std::string Put(std::string_view members) {
  return std::string(R"({"TableName":"abc","Item":{"id":{"S":"x"}},)") + std::string(members) + "}";
}
std::string WithKey(std::string_view members) {
  return std::string(R"({"TableName":"abc","Key":{"id":{"S":"x"}},)") + std::string(members) + "}";
}

// ---- PutItem ----

TEST_CASE("PutItem decodes a condition expression with its placeholders", "[codec][put]") {
  Result<PutItemRequest> r = DecodePutItem(Put(
      R"j("ConditionExpression":"attribute_not_exists(#n) OR #n < :v",)j"
      R"("ExpressionAttributeNames":{"#n":"count"},"ExpressionAttributeValues":{":v":{"N":"5"}},)"
      R"("ReturnValuesOnConditionCheckFailure":"ALL_OLD")"));
  REQUIRE(r.ok());
  const PutItemRequest& p = r.value();
  REQUIRE(p.condition != nullptr);
  CHECK(p.condition->source.text == "attribute_not_exists(#n) OR #n < :v");
  CHECK(p.condition->source.names.at("#n") == "count");
  CHECK(p.condition->source.values.count(":v") == 1);
  CHECK_FALSE(p.condition->source.legacy);
  CHECK(p.return_values_on_condition_check_failure == ReturnValuesOnConditionCheckFailure::kAllOld);

  Result<PutItemRequest> plain = DecodePutItem(Put(R"("ReturnValues":"NONE")"));
  REQUIRE(plain.ok());
  CHECK(plain.value().condition == nullptr);
  CHECK(plain.value().return_values_on_condition_check_failure ==
        ReturnValuesOnConditionCheckFailure::kNone);
}

TEST_CASE("PutItem translates Expected and ConditionalOperator", "[codec][put]") {
  Result<PutItemRequest> r =
      DecodePutItem(Put(R"("Expected":{"a":{"Exists":false},"b":{"ComparisonOperator":"GT",)"
                        R"("AttributeValueList":[{"N":"1"}]}},"ConditionalOperator":"OR")"));
  REQUIRE(r.ok());
  REQUIRE(r.value().condition != nullptr);
  CHECK(r.value().condition->source.legacy);
  CHECK(r.value().condition->root.kind == expr::ConditionKind::kOr);
}

TEST_CASE("PutItem's constraint list covers ConditionalOperator and Expected", "[codec][put]") {
  CheckValidation(
      DecodePutItem(R"({"TableName":"abc","Item":{},"ConditionalOperator":"XOR",)"
                    R"("Expected":{"a":{"ComparisonOperator":"XX"},"b":{"Exists":true}},)"
                    R"("ReturnValuesOnConditionCheckFailure":"SOME"})"),
      std::string("3 validation errors detected: Value 'XOR' at 'conditionalOperator' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [OR, AND]; Value 'XX' "
                  "at 'expected.a.member.comparisonOperator' failed to satisfy constraint: Member "
                  "must satisfy enum value set: ") +
          std::string(kComparisonOperators) +
          "; Value 'SOME' at 'returnValuesOnConditionCheckFailure' failed to satisfy "
          "constraint: Member must satisfy enum value set: [ALL_OLD, NONE]");
}

TEST_CASE("PutItem's mixing rules name every parameter sent", "[codec][put]") {
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ConditionalOperator":"OR")")),
                  "Can not use both expression and non-expression parameters in the same "
                  "request: Non-expression parameters: {ConditionalOperator} Expression "
                  "parameters: {ConditionExpression}");
  CheckValidation(
      DecodePutItem(
          Put(R"("ConditionalOperator":"OR","Expected":{"a":{}},"ConditionExpression":"")")),
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {Expected, ConditionalOperator} Expression parameters: "
      "{ConditionExpression}");
  // The mixing rules come before the item's attribute values.
  CheckValidation(DecodePutItem(R"({"TableName":"abc","Item":{"a":{}},"Expected":{"a":{}},)"
                                R"("ExpressionAttributeNames":{},"ConditionExpression":""})"),
                  "Can not use both expression and non-expression parameters in the same "
                  "request: Non-expression parameters: {Expected} Expression parameters: "
                  "{ConditionExpression}");
  CheckValidation(
      DecodePutItem(R"({"TableName":"abc","Item":{"a":{}},"ExpressionAttributeNames":{}})"),
      "ExpressionAttributeNames can only be specified when using expressions");
}

TEST_CASE("PutItem checks the item, ReturnValues and size before the expressions", "[codec][put]") {
  CheckValidation(DecodePutItem(R"({"TableName":"abc","Item":{"a":{}},"ConditionExpression":""})"),
                  "Supplied AttributeValue is empty, must contain exactly one of the supported "
                  "datatypes");
  CheckValidation(DecodePutItem(Put(R"("ReturnValues":"ALL_NEW","ConditionExpression":"")")),
                  "ReturnValues can only be ALL_OLD or NONE");
  CheckValidation(
      DecodePutItem(R"({"TableName":"abc","ConditionExpression":"","Item":{"b":{"S":")" +
                    std::string(409600, 'x') + "\"}}}"),
      "Item size has exceeded the maximum allowed size");
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"")")),
                  "Invalid ConditionExpression: The expression can not be empty;");
}

TEST_CASE("ExpressionAttributeNames and ExpressionAttributeValues are checked in order",
          "[codec][put]") {
  // Names: empty, then each key's syntax and value.
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeNames":{},)"
                                    R"("ExpressionAttributeValues":{})")),
                  "ExpressionAttributeNames must not be empty");
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeNames":)"
                                    R"({"#ok":"x","a":"a"},"ExpressionAttributeValues":{})")),
                  "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"");
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeNames":)"
                                    R"({"#":"x"})")),
                  "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#\"");
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeNames":)"
                                    R"({"#DE":""})")),
                  "ExpressionAttributeNames contains invalid value: Empty attribute name for "
                  "key #DE");
  // Values: empty, then every key's syntax, then every value.
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeValues":{})")),
                  "ExpressionAttributeValues must not be empty");
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeValues":)"
                                    R"({":b":{"a":""},"b":{"S":"a"}})")),
                  "ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\"");
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeValues":)"
                                    R"({":b":{}})")),
                  "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is "
                  "empty, must contain exactly one of the supported datatypes for key :b");
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeValues":)"
                                    R"({":b":{"NULL":false}})")),
                  "ExpressionAttributeValues contains invalid value: One or more parameter "
                  "values were invalid: Null attribute value types must have the value of true "
                  "for key :b");
  CheckValidation(DecodePutItem(Put(R"("ConditionExpression":"","ExpressionAttributeValues":)"
                                    R"({":b":{"NS":["1","1"]}})")),
                  "ExpressionAttributeValues contains invalid value: Input collection contains "
                  "duplicates for key :b");
  // A JSON type error inside the values is a SerializationException, whatever comes after.
  CheckSerialization(DecodePutItem(Put(R"("ExpressionAttributeValues":{":b":{"S":5}})")),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(Put(R"("ExpressionAttributeNames":{"#b":["x"]})")),
                     "Unrecognized collection type class java.lang.String");
}

TEST_CASE("Placeholders the expressions do not use are refused", "[codec][put]") {
  CheckValidation(DecodePutItem(Put(R"j("ConditionExpression":"attribute_exists(#a)",)j"
                                    R"("ExpressionAttributeNames":{"#a":"a","#b":"b"})")),
                  "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
  CheckValidation(DecodePutItem(Put(R"j("ConditionExpression":"attribute_exists(a)",)j"
                                    R"("ExpressionAttributeValues":{":v":{"S":"a"}})")),
                  "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}");
}

TEST_CASE("Expected is validated by its translation", "[codec][put]") {
  CheckValidation(DecodePutItem(Put(R"("Expected":{"a":{}})")),
                  "One or more parameter values were invalid: Value must be provided when Exists "
                  "is null for Attribute: a");
  CheckValidation(DecodePutItem(Put(R"("Expected":{"a":{"Exists":false,"Value":{"S":"a"}}})")),
                  "One or more parameter values were invalid: Value cannot be used when Exists is "
                  "false for Attribute: a");
  CheckValidation(
      DecodePutItem(Put(R"("Expected":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[]}})")),
      "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
      "ComparisonOperator");
  // An invalid attribute value inside Expected is reported as such.
  CheckValidation(DecodePutItem(Put(R"("Expected":{"a":{"Value":{"S":"a","N":"1"}}})")),
                  "Supplied AttributeValue has more than one datatypes set, must contain exactly "
                  "one of the supported datatypes");
  CheckSerialization(DecodePutItem(Put(R"("Expected":{"a":{"Value":[]}})")),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.AttributeValue");
  CheckSerialization(DecodePutItem(Put(R"("Expected":{"a":{"Exists":"yes"}})")),
                     "Unexpected token received from parser");
}

// ---- GetItem ----

TEST_CASE("GetItem decodes ProjectionExpression and AttributesToGet", "[codec][get]") {
  Result<GetItemRequest> r = DecodeGetItem(
      WithKey(R"("ProjectionExpression":"#a, b.c","ExpressionAttributeNames":{"#a":"a"})"));
  REQUIRE(r.ok());
  REQUIRE(r.value().projection != nullptr);
  CHECK(r.value().projection->source.text == "#a, b.c");
  CHECK(r.value().projection->paths.size() == 2);

  Result<GetItemRequest> legacy = DecodeGetItem(WithKey(R"("AttributesToGet":["a","b"])"));
  REQUIRE(legacy.ok());
  REQUIRE(legacy.value().projection != nullptr);
  CHECK(legacy.value().projection->source.legacy);
  CHECK(legacy.value().projection->paths.size() == 2);
}

TEST_CASE("GetItem's checks come in DynamoDB's order", "[codec][get]") {
  CheckValidation(DecodeGetItem(R"({"ReturnConsumedCapacity":"x","AttributesToGet":[]})"),
                  "4 validation errors detected: Value 'x' at 'returnConsumedCapacity' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, "
                  "NONE]; Value '[]' at 'attributesToGet' failed to satisfy constraint: Member "
                  "must have length greater than or equal to 1; Value null at 'tableName' failed "
                  "to satisfy constraint: Member must not be null; Value null at 'key' failed to "
                  "satisfy constraint: Member must not be null");
  // Mixing, then the key's values, then duplicates in AttributesToGet, then expressions.
  CheckValidation(DecodeGetItem(R"({"TableName":"abc","Key":{"a":{}},"AttributesToGet":["a","a"],)"
                                R"("ProjectionExpression":""})"),
                  "Can not use both expression and non-expression parameters in the same request: "
                  "Non-expression parameters: {AttributesToGet} Expression parameters: "
                  "{ProjectionExpression}");
  CheckValidation(
      DecodeGetItem(R"({"TableName":"abc","Key":{"a":{}},"AttributesToGet":["a","a"]})"),
      "Supplied AttributeValue is empty, must contain exactly one of the supported "
      "datatypes");
  CheckValidation(DecodeGetItem(WithKey(R"("AttributesToGet":["b","a","c","a"])")),
                  "One or more parameter values were invalid: Duplicate value in attribute "
                  "name: a");
  CheckValidation(
      DecodeGetItem(WithKey(R"("ProjectionExpression":"","ExpressionAttributeNames":{})")),
      "ExpressionAttributeNames must not be empty");
  CheckValidation(DecodeGetItem(WithKey(R"("ProjectionExpression":"")")),
                  "Invalid ProjectionExpression: The expression can not be empty;");
  // GetItem has no ExpressionAttributeValues: the member is ignored like any unknown one.
  CHECK(
      DecodeGetItem(WithKey(R"("ProjectionExpression":"a","ExpressionAttributeValues":{})")).ok());
}

// ---- DeleteItem ----

TEST_CASE("DeleteItem decodes conditions and checks in DynamoDB's order", "[codec][delete]") {
  Result<DeleteItemRequest> r = DecodeDeleteItem(
      WithKey(R"j("ConditionExpression":"attribute_exists(id)","ReturnValues":"ALL_OLD",)j"
              R"("ReturnValuesOnConditionCheckFailure":"ALL_OLD")"));
  REQUIRE(r.ok());
  REQUIRE(r.value().condition != nullptr);
  CHECK(r.value().return_values == ReturnValues::kAllOld);
  CHECK(r.value().return_values_on_condition_check_failure ==
        ReturnValuesOnConditionCheckFailure::kAllOld);

  CheckValidation(DecodeDeleteItem(R"({"TableName":"abc","ConditionalOperator":"x",)"
                                   R"("ReturnValuesOnConditionCheckFailure":"x"})"),
                  "3 validation errors detected: Value null at 'key' failed to satisfy "
                  "constraint: Member must not be null; Value 'x' at 'conditionalOperator' "
                  "failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]; "
                  "Value 'x' at 'returnValuesOnConditionCheckFailure' failed to satisfy "
                  "constraint: Member must satisfy enum value set: [ALL_OLD, NONE]");
  // The key's values, then ReturnValues, then Expected, then the expressions.
  CheckValidation(DecodeDeleteItem(R"({"TableName":"abc","Key":{"a":{"NULL":false}},)"
                                   R"("ReturnValues":"ALL_NEW","Expected":{"a":{}}})"),
                  "One or more parameter values were invalid: Null attribute value types must "
                  "have the value of true");
  CheckValidation(DecodeDeleteItem(WithKey(R"("ReturnValues":"ALL_NEW","Expected":{"a":{}})")),
                  "ReturnValues can only be ALL_OLD or NONE");
  CheckValidation(DecodeDeleteItem(WithKey(R"("Expected":{"a":{"Exists":true}})")),
                  "One or more parameter values were invalid: Value must be provided when Exists "
                  "is true for Attribute: a");
  CheckValidation(DecodeDeleteItem(WithKey(R"("ExpressionAttributeValues":{":a":{"S":"a"}})")),
                  "ExpressionAttributeValues can only be specified when using expressions: "
                  "ConditionExpression is null");
}

// ---- UpdateItem ----

TEST_CASE("UpdateItem decodes an update, a condition and every ReturnValues", "[codec][update]") {
  Result<UpdateItemRequest> r = DecodeUpdateItem(WithKey(
      R"j("UpdateExpression":"SET #c = #c + :one REMOVE stale",)j"
      R"j("ConditionExpression":"attribute_exists(id)",)j"
      R"("ExpressionAttributeNames":{"#c":"count"},"ExpressionAttributeValues":{":one":{"N":"1"}},)"
      R"("ReturnValues":"UPDATED_NEW","ReturnConsumedCapacity":"TOTAL",)"
      R"("ReturnItemCollectionMetrics":"SIZE","ReturnValuesOnConditionCheckFailure":"ALL_OLD")"));
  REQUIRE(r.ok());
  const UpdateItemRequest& u = r.value();
  CHECK(u.table_name == "abc");
  CHECK(u.key.at("id") == AttributeValue::S("x"));
  REQUIRE(u.update != nullptr);
  CHECK(u.update->actions.size() == 2);
  REQUIRE(u.condition != nullptr);
  CHECK(u.return_values == ReturnValues::kUpdatedNew);
  CHECK(u.return_consumed_capacity == ReturnConsumedCapacity::kTotal);
  CHECK(u.return_item_collection_metrics == ReturnItemCollectionMetrics::kSize);
  CHECK(u.return_values_on_condition_check_failure == ReturnValuesOnConditionCheckFailure::kAllOld);

  for (std::string_view rv : {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}) {
    INFO(rv);
    CHECK(DecodeUpdateItem(WithKey(R"("ReturnValues":")" + std::string(rv) + "\"")).ok());
  }
  // Without an update, UpdateItem only creates the item.
  Result<UpdateItemRequest> bare = DecodeUpdateItem(WithKey(R"("ReturnValues":"NONE")"));
  REQUIRE(bare.ok());
  CHECK(bare.value().update == nullptr);
  CHECK(bare.value().condition == nullptr);
}

TEST_CASE("UpdateItem translates AttributeUpdates", "[codec][update]") {
  Result<UpdateItemRequest> r = DecodeUpdateItem(WithKey(
      R"("AttributeUpdates":{"a":{"Value":{"S":"v"}},"n":{"Action":"ADD","Value":{"N":"2"}},)"
      R"("gone":{"Action":"DELETE"}},"Expected":{"a":{"Exists":false}})"));
  REQUIRE(r.ok());
  REQUIRE(r.value().update != nullptr);
  CHECK(r.value().update->source.legacy);
  CHECK(r.value().update->actions.size() == 3);
  REQUIRE(r.value().condition != nullptr);
  CHECK(r.value().condition->source.legacy);

  CheckValidation(DecodeUpdateItem(WithKey(R"("AttributeUpdates":{"a":{"x":"whatever"}})")),
                  "One or more parameter values were invalid: Only DELETE action is allowed when "
                  "no attribute value is specified");
  CheckValidation(
      DecodeUpdateItem(
          WithKey(R"("AttributeUpdates":{"a":{"Action":"DELETE","Value":{"S":"1"}}})")),
      "One or more parameter values were invalid: DELETE action with value is not supported for "
      "the type S");
  CheckValidation(
      DecodeUpdateItem(
          WithKey(R"("AttributeUpdates":{"a":{"Action":"ADD","Value":{"B":"Yg=="}}})")),
      "One or more parameter values were invalid: ADD action is not supported for the type B");
  CheckValidation(DecodeUpdateItem(WithKey(R"("AttributeUpdates":{"a":{"Action":"add"}})")),
                  "1 validation error detected: Value 'add' at 'attributeUpdates.a.member.action' "
                  "failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, "
                  "DELETE]");
  CheckValidation(DecodeUpdateItem(WithKey(
                      R"("AttributeUpdates":{"a":{"Action":"ADD","Value":{"S":"a","N":"1"}}})")),
                  "Supplied AttributeValue has more than one datatypes set, must contain exactly "
                  "one of the supported datatypes");
  CheckSerialization(DecodeUpdateItem(WithKey(R"("AttributeUpdates":{"a":{"Action":1}})")),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodeUpdateItem(WithKey(R"("AttributeUpdates":[])")),
                     "Unrecognized collection type java.util.Map<java.lang.String, "
                     "com.amazonaws.dynamodb.v20120810.AttributeValueUpdate>");
}

TEST_CASE("UpdateItem's checks come in DynamoDB's order", "[codec][update]") {
  CheckValidation(DecodeUpdateItem(R"({"TableName":"abc;","ReturnConsumedCapacity":"hi",)"
                                   R"("ReturnItemCollectionMetrics":"hi","ReturnValues":"hi"})"),
                  "5 validation errors detected: Value 'hi' at 'returnConsumedCapacity' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, "
                  "NONE]; Value 'abc;' at 'tableName' failed to satisfy constraint: Member must "
                  "satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'hi' at "
                  "'returnItemCollectionMetrics' failed to satisfy constraint: Member must "
                  "satisfy enum value set: [SIZE, NONE]; Value 'hi' at 'returnValues' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [ALL_NEW, "
                  "UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; Value null at 'key' failed to "
                  "satisfy constraint: Member must not be null");
  CheckValidation(DecodeUpdateItem(R"({"TableName":"abc","Key":{"a":{}},"Expected":{"a":{}},)"
                                   R"("AttributeUpdates":{},"ExpressionAttributeNames":{},)"
                                   R"("ExpressionAttributeValues":{},"ConditionExpression":"",)"
                                   R"("UpdateExpression":""})"),
                  "Can not use both expression and non-expression parameters in the same request: "
                  "Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: "
                  "{UpdateExpression, ConditionExpression}");
  CheckValidation(DecodeUpdateItem(R"({"TableName":"abc","Key":{"a":{}},"Expected":{"a":{}},)"
                                   R"("ExpressionAttributeValues":{}})"),
                  "ExpressionAttributeValues can only be specified when using expressions: "
                  "UpdateExpression and ConditionExpression are null");
  // The key's values come before AttributeUpdates, which come before Expected.
  CheckValidation(DecodeUpdateItem(R"({"TableName":"abc","Key":{"a":{"SS":[]}},)"
                                   R"("Expected":{"a":{}},"AttributeUpdates":{"a":{"x":"y"}}})"),
                  "One or more parameter values were invalid: An string set  may not be empty");
  CheckValidation(
      DecodeUpdateItem(WithKey(R"("Expected":{"a":{}},"AttributeUpdates":{"a":{"x":"y"}})")),
      "One or more parameter values were invalid: Only DELETE action is allowed when no "
      "attribute value is specified");
  CheckValidation(DecodeUpdateItem(WithKey(R"("Expected":{"a":{}})")),
                  "One or more parameter values were invalid: Value must be provided when Exists "
                  "is null for Attribute: a");
  // The update expression is parsed before the condition.
  CheckValidation(DecodeUpdateItem(WithKey(R"("ConditionExpression":"","UpdateExpression":"")")),
                  "Invalid UpdateExpression: The expression can not be empty;");
  CheckValidation(DecodeUpdateItem(WithKey(R"("ConditionExpression":"")")),
                  "Invalid ConditionExpression: The expression can not be empty;");
}

}  // namespace
}  // namespace ddbx::api
