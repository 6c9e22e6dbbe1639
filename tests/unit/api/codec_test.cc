#include "api/codec.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "api/base64.h"
#include "api/validation.h"
#include "tests/unit/api/codec_test_util.h"

namespace ddbx::api {
namespace {

// ---- helpers ----

Number Num(std::string_view text) {
  Result<Number> n = Number::Parse(text);
  REQUIRE(n.ok());
  return n.value();
}

AttributeValue N(std::string_view text) { return AttributeValue::N(Num(text)); }

// A PutItem body for table "abc" whose item is {"a": <value>}.
std::string PutWithValue(std::string_view value_json) {
  return std::string(R"({"TableName":"abc","Item":{"a":)") + std::string(value_json) + "}}";
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.append(s);
  return out;
}

// {"M":{"n": ... {"S":"leaf"} ...}} with `wraps` maps around the leaf.
std::string NestedMapJson(int wraps) {
  return Repeat(R"({"M":{"n":)", wraps) + R"({"S":"leaf"})" + Repeat("}}", wraps);
}

Item SampleItem() {
  Item item;
  item.emplace("s", AttributeValue::S("hello \"world\"\n\t\\ caf\xC3\xA9 \xF0\x9F\x98\x80"));
  item.emplace("n", N("-12.500"));
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  item.emplace("b", AttributeValue::B(all_bytes));
  item.emplace("empty_b", AttributeValue::B(""));
  item.emplace("empty_s", AttributeValue::S(""));
  item.emplace("bool", AttributeValue::Bool(true));
  item.emplace("f", AttributeValue::Bool(false));
  item.emplace("null", AttributeValue());
  AttributeMap inner;
  inner.emplace("x", AttributeValue::L({N("1E+2"), AttributeValue::M({})}));
  inner.emplace("\xE2\x82\xAC key", AttributeValue::SS({"z", "y"}));
  item.emplace("m", AttributeValue::M(inner));
  item.emplace("l", AttributeValue::L({AttributeValue::S("a"), AttributeValue::Bool(false),
                                       AttributeValue(), AttributeValue::L({})}));
  item.emplace("ss", AttributeValue::SS({"b", "a", "\x01"}));
  item.emplace("ns", AttributeValue::NS({Num("2.5"), Num("-0.001"), Num("1E125")}));
  item.emplace("bs", AttributeValue::BS({std::string(1, '\0'), "\xFF\xFE", "abc"}));
  return item;
}

// ---- base64 ----

TEST_CASE("Base64 encodes the RFC 4648 vectors", "[codec][base64]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foob") == "Zm9vYg==");
  CHECK(Base64Encode("fooba") == "Zm9vYmE=");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(Base64Encode(std::string("\xFB\xFF", 2)) == "+/8=");
  CHECK(Base64EncodedSize(0) == 0);
  CHECK(Base64EncodedSize(4) == 8);
}

TEST_CASE("Base64 decodes what it encodes", "[codec][base64]") {
  std::string bytes;
  for (int n = 0; n < 300; ++n) {
    Result<std::string> back = Base64Decode(Base64Encode(bytes));
    REQUIRE(back.ok());
    REQUIRE(back.value() == bytes);
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
}

TEST_CASE("Base64 decoding is strict like DynamoDB's", "[codec][base64]") {
  CheckSerialization(Base64Decode("23456"),
                     "Base64 encoded length is expected a multiple of 4 bytes but found: 5");
  CheckSerialization(Base64Decode("Zg="),
                     "Base64 encoded length is expected a multiple of 4 bytes but found: 3");
  CheckSerialization(Base64Decode("=+/="), "Invalid last non-pad Base64 character dectected");
  CheckSerialization(Base64Decode("+/+="), "Invalid last non-pad Base64 character dectected");
  CheckSerialization(Base64Decode("Zh=="), "Invalid last non-pad Base64 character dectected");
  CheckSerialization(Base64Decode("Zm9="), "Invalid last non-pad Base64 character dectected");
  CheckSerialization(Base64Decode("===="), "Invalid last non-pad Base64 character dectected");
  CheckSerialization(Base64Decode("Z==="), "Invalid last non-pad Base64 character dectected");
  CheckSerialization(Base64Decode("Zg=a"), "Invalid last non-pad Base64 character dectected");
  CheckSerialization(Base64Decode("Zm9v!A=="), "Invalid Base64 character: '!'");
  CheckSerialization(Base64Decode("Zm 9"), "Invalid Base64 character: ' '");
  REQUIRE(Base64Decode("").ok());
  CHECK(Base64Decode("").value().empty());
}

// ---- attribute values and items ----

TEST_CASE("Every attribute type round-trips through DynamoDB JSON", "[codec]") {
  const Item item = SampleItem();
  const std::string json = EncodeItemJson(item);
  Result<Item> back = DecodeItemJson(json);
  REQUIRE(back.ok());
  CHECK(back.value() == item);
  CHECK(EncodeItemJson(back.value()) == json);
}

TEST_CASE("Items encode to DynamoDB JSON, attributes sorted, numbers canonical", "[codec]") {
  Item item;
  item.emplace("i", AttributeValue::BS({std::string(1, '\x01')}));
  item.emplace("h", AttributeValue::NS({Num("1"), Num("1E2")}));
  item.emplace("g", AttributeValue::SS({"q", "p"}));
  AttributeMap m;
  m.emplace("x", AttributeValue::L({AttributeValue::S("y")}));
  item.emplace("f", AttributeValue::M(m));
  item.emplace("e", AttributeValue());
  item.emplace("d", AttributeValue::Bool(false));
  item.emplace("c", AttributeValue::B(std::string("\x00\x01", 2)));
  item.emplace("b", N("1.500"));
  item.emplace("a", AttributeValue::S("x\"y"));
  CHECK(EncodeItemJson(item) ==
        R"({"a":{"S":"x\"y"},"b":{"N":"1.5"},"c":{"B":"AAE="},"d":{"BOOL":false},)"
        R"("e":{"NULL":true},"f":{"M":{"x":{"L":[{"S":"y"}]}}},"g":{"SS":["q","p"]},)"
        R"("h":{"NS":["1","100"]},"i":{"BS":["AQ=="]}})");
  CHECK(EncodeItemJson(Item{}) == "{}");
  std::string appended = "x";
  AppendItemJson(item, &appended);
  CHECK(appended == "x" + EncodeItemJson(item));
}

TEST_CASE("Decoding canonicalizes numbers and reads every type", "[codec]") {
  Result<AttributeValue> n = DecodeAttributeValueJson(R"({"N":"0001.500e1"})");
  REQUIRE(n.ok());
  CHECK(n.value().n().ToString() == "15");
  Result<AttributeValue> b = DecodeAttributeValueJson(R"({"B":"Zm9v"})");
  REQUIRE(b.ok());
  CHECK(b.value().b() == "foo");
  Result<AttributeValue> s = DecodeAttributeValueJson(R"({"S":"\u00e9\n\ud83d\ude00"})");
  REQUIRE(s.ok());
  CHECK(s.value().s() == "\xC3\xA9\n\xF0\x9F\x98\x80");
  Result<AttributeValue> unknown_member = DecodeAttributeValueJson(R"({"S":"x","Q":5})");
  REQUIRE(unknown_member.ok());
  CHECK(unknown_member.value() == AttributeValue::S("x"));
  Result<AttributeValue> null_member = DecodeAttributeValueJson(R"({"S":"x","N":null})");
  REQUIRE(null_member.ok());
  CHECK(null_member.value() == AttributeValue::S("x"));
}

TEST_CASE("DecodeItemJson reports malformed input", "[codec]") {
  CheckSerialization(DecodeItemJson("{"), "");
  CheckSerialization(DecodeItemJson("[]"), "");
  CheckSerialization(DecodeItemJson(R"({"a":5})"), "Unexpected value type in payload");
  CheckValidation(DecodeItemJson(R"({"a":{}})"),
                  "Supplied AttributeValue is empty, must contain exactly one of the supported "
                  "datatypes");
  Result<Item> empty = DecodeItemJson("{}");
  REQUIRE(empty.ok());
  CHECK(empty.value().empty());
}

// ---- serialization errors ----

TEST_CASE("Malformed bodies are SerializationExceptions without a message", "[codec]") {
  CheckSerialization(DecodePutItem(""), "");
  CheckSerialization(DecodePutItem("{"), "");
  CheckSerialization(DecodePutItem("not json"), "");
  CheckSerialization(DecodePutItem(R"({"TableName":"abc",})"), "");
  CheckSerialization(DecodePutItem("[]"), "");
  CheckSerialization(DecodePutItem("5"), "");
  CheckSerialization(DecodePutItem("\"x\""), "");
  CheckSerialization(DecodePutItem("{\"TableName\":\"\xFF\"}"), "");  // invalid UTF-8
  CheckSerialization(DecodeGetItem(R"({"a":1}{})"), "");
  CheckSerialization(DecodeCreateTable(R"({"TableName":)"), "");
  CheckSerialization(DecodeListTables("{"), "");
  CheckSerialization(DecodeDescribeTable("{"), "");
  CheckSerialization(DecodeDeleteTable("{"), "");
  CheckSerialization(DecodeDeleteItem("{"), "");
}

TEST_CASE("IsWellFormedJson accepts any JSON text and nothing else", "[codec]") {
  // Any JSON value is well-formed, whatever the decoders make of it afterwards.
  for (std::string_view body :
       {"{}", R"({"TableName":"abc"})", " \t\r\n{ } \n", "[]", "[1,{\"a\":null}]", "5", "-1.5e3",
        "\"x\"", "null", "true", R"({"a":"\u00e9\ud83d\ude00"})", "{\"a\":\"\xC3\xA9\"}",
        R"({"TableName":5,"Item":[]})"}) {
    INFO(body);
    CHECK(IsWellFormedJson(body));
  }
  for (std::string_view body : {"",
                                " ",
                                "\n\t",
                                "{",
                                "hi",
                                "{]",
                                R"({"TableName": "abc")",
                                R"({"a":1}})",
                                R"({"a":1}{})",
                                R"({"a":1,})",
                                "[1,]",
                                "{'a':1}",
                                "{a:1}",
                                "nul",
                                "01",
                                "1.",
                                "+1",
                                "NaN",
                                R"({"a":"\x"})",
                                R"({"a":"\ud800"})",
                                "{\"a\":\"\xFF\"}",
                                "\xFF\xFE",
                                "\xEF\xBB\xBF{}",
                                "{\"a\":\"tab\there\"}"}) {
    INFO(body);
    CHECK_FALSE(IsWellFormedJson(body));
  }
  // The decoders answer a bare SerializationException for the bodies it refuses.
  CheckSerialization(DecodeListTables(R"({"a":1}})"), "");
  CheckSerialization(DecodeListTables("{\"a\":\"\xFF\"}"), "");
}

TEST_CASE("IsWellFormedJson agrees with the decoders on large bodies", "[codec]") {
  // Past the reusable parser's size limit a one-off parser is used; the answer is the same.
  const std::string big_value(100 * 1024, 'x');
  const std::string good = R"({"TableName":"abc","Item":{"k":{"S":")" + big_value + R"("}}})";
  CHECK(IsWellFormedJson(good));
  CHECK(DecodePutItem(good).ok());
  const std::string bad = good.substr(0, good.size() - 1);
  CHECK_FALSE(IsWellFormedJson(bad));
  CheckSerialization(DecodePutItem(bad), "");
  // Nesting beyond the parser's depth limit is not JSON to ddbx, as for the decoders.
  const std::string very_deep = Repeat("[", 2000) + Repeat("]", 2000);
  CHECK_FALSE(IsWellFormedJson(very_deep));
}

TEST_CASE("IsWellFormedJson leaves earlier decoder results intact", "[codec]") {
  Result<PutItemRequest> put =
      DecodePutItem(R"({"TableName":"abc","Item":{"k":{"S":"v"},"s":{"SS":["","a"]}}})");
  REQUIRE(put.ok());
  CHECK_FALSE(IsWellFormedJson("{"));
  CHECK(IsWellFormedJson(R"({"TableName":"other","Item":{"x":{"N":"1"}}})"));
  CHECK(put.value().table_name == "abc");
  CHECK(put.value().item.at("k") == AttributeValue::S("v"));
  CHECK(put.value().item.at("s") == AttributeValue::SS({"", "a"}));
}

TEST_CASE("String members reject other JSON types", "[codec]") {
  auto body = [](std::string_view v) { return "{\"TableName\":" + std::string(v) + "}"; };
  CheckSerialization(DecodePutItem(body("true")), "TRUE_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(body("false")), "FALSE_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(body("23")), "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(body("-2147483648")),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(body("18446744073709551615")),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(body("34.56")), "DECIMAL_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(body("[]")),
                     "Unrecognized collection type class java.lang.String");
  CheckSerialization(DecodePutItem(body("{}")),
                     "Start of structure or map found where not expected");
  CheckSerialization(DecodeDescribeTable(body("23")), "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodeDeleteTable(body("[]")),
                     "Unrecognized collection type class java.lang.String");
  CheckSerialization(DecodeCreateTable(body("{}")),
                     "Start of structure or map found where not expected");
  CheckSerialization(DecodeGetItem(R"({"ReturnConsumedCapacity":1})"),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodeDeleteItem(R"({"ReturnValues":false})"),
                     "FALSE_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(R"({"ReturnItemCollectionMetrics":[]})"),
                     "Unrecognized collection type class java.lang.String");
  CheckSerialization(DecodePutItem(R"({"ConditionExpression":5})"),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodeListTables(R"({"ExclusiveStartTableName":true})"),
                     "TRUE_VALUE cannot be converted to String");
}

TEST_CASE("Boolean members reject other JSON types", "[codec]") {
  auto body = [](std::string_view v) { return "{\"ConsistentRead\":" + std::string(v) + "}"; };
  CheckSerialization(DecodeGetItem(body("\"23\"")), "Unexpected token received from parser");
  CheckSerialization(DecodeGetItem(body("23")), "NUMBER_VALUE cannot be converted to Boolean");
  CheckSerialization(DecodeGetItem(body("34.56")), "DECIMAL_VALUE cannot be converted to Boolean");
  CheckSerialization(DecodeGetItem(body("[]")),
                     "Unrecognized collection type class java.lang.Boolean");
  CheckSerialization(DecodeGetItem(body("{}")),
                     "Start of structure or map found where not expected");
  CheckSerialization(DecodeCreateTable(R"({"DeletionProtectionEnabled":"true"})"),
                     "Unexpected token received from parser");
}

TEST_CASE("Integer and Long members reject other JSON types", "[codec]") {
  CheckSerialization(DecodeListTables(R"({"Limit":"23"})"),
                     "STRING_VALUE cannot be converted to Integer");
  CheckSerialization(DecodeListTables(R"({"Limit":true})"),
                     "TRUE_VALUE cannot be converted to Integer");
  CheckSerialization(DecodeListTables(R"({"Limit":false})"),
                     "FALSE_VALUE cannot be converted to Integer");
  CheckSerialization(DecodeListTables(R"({"Limit":[]})"),
                     "Unrecognized collection type class java.lang.Integer");
  CheckSerialization(DecodeListTables(R"({"Limit":{}})"),
                     "Start of structure or map found where not expected");
  auto pt = [](std::string_view v) {
    return R"({"ProvisionedThroughput":{"ReadCapacityUnits":)" + std::string(v) + "}}";
  };
  CheckSerialization(DecodeCreateTable(pt("\"23\"")), "STRING_VALUE cannot be converted to Long");
  CheckSerialization(DecodeCreateTable(pt("true")), "TRUE_VALUE cannot be converted to Long");
  CheckSerialization(DecodeCreateTable(pt("[]")),
                     "Unrecognized collection type class java.lang.Long");
  CheckSerialization(DecodeCreateTable(pt("{}")),
                     "Start of structure or map found where not expected");
}

TEST_CASE("List, map and structure members reject other JSON types", "[codec]") {
  // Lists.
  CheckSerialization(DecodeCreateTable(R"({"AttributeDefinitions":"23"})"),
                     "Unexpected field type");
  CheckSerialization(DecodeCreateTable(R"({"KeySchema":23})"), "Unexpected field type");
  CheckSerialization(DecodeCreateTable(R"({"KeySchema":{}})"),
                     "Start of structure or map found where not expected");
  CheckSerialization(DecodeCreateTable(R"({"GlobalSecondaryIndexes":true})"),
                     "Unexpected field type");
  // List elements that are structures.
  CheckSerialization(DecodeCreateTable(R"({"KeySchema":["a"]})"),
                     "Unexpected value type in payload");
  CheckSerialization(DecodeCreateTable(R"({"KeySchema":[[]]})"),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.KeySchemaElement");
  CheckSerialization(DecodeCreateTable(R"({"AttributeDefinitions":[[]]})"),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.AttributeDefinition");
  CheckSerialization(DecodeCreateTable(R"({"AttributeDefinitions":[{"AttributeType":5}]})"),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodeCreateTable(R"({"KeySchema":[{"KeyType":[]}]})"),
                     "Unrecognized collection type class java.lang.String");
  CheckSerialization(DecodeCreateTable(R"({"LocalSecondaryIndexes":[5]})"),
                     "Unexpected value type in payload");
  CheckSerialization(DecodeCreateTable(R"({"GlobalSecondaryIndexes":[[]]})"),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.GlobalSecondaryIndex");
  CheckSerialization(DecodeCreateTable(R"({"Tags":[[]]})"),
                     "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.Tag");
  // Structures that are members.
  CheckSerialization(DecodeCreateTable(R"({"ProvisionedThroughput":"23"})"),
                     "Unexpected field type");
  CheckSerialization(DecodeCreateTable(R"({"ProvisionedThroughput":[]})"),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.ProvisionedThroughput");
  CheckSerialization(DecodeCreateTable(R"({"LocalSecondaryIndexes":[{"Projection":[]}]})"),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.Projection");
  CheckSerialization(
      DecodeCreateTable(R"({"GlobalSecondaryIndexes":[{"Projection":{"NonKeyAttributes":[1]}}]})"),
      "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(
      DecodeCreateTable(
          R"({"GlobalSecondaryIndexes":[{"ProvisionedThroughput":{"WriteCapacityUnits":"1"}}]})"),
      "STRING_VALUE cannot be converted to Long");
  // Maps of attribute values.
  CheckSerialization(DecodePutItem(R"({"Item":"23"})"), "Unexpected field type");
  CheckSerialization(DecodePutItem(R"({"Item":true})"), "Unexpected field type");
  CheckSerialization(DecodeGetItem(R"({"Key":[]})"),
                     "Unrecognized collection type java.util.Map<java.lang.String, "
                     "com.amazonaws.dynamodb.v20120810.AttributeValue>");
  CheckSerialization(DecodePutItem(R"({"Item":{"a":"x"}})"), "Unexpected value type in payload");
  CheckSerialization(DecodePutItem(R"({"Item":{"a":[]}})"),
                     "Unrecognized collection type class "
                     "com.amazonaws.dynamodb.v20120810.AttributeValue");
  CheckSerialization(DecodePutItem(R"({"ExpressionAttributeNames":[]})"),
                     "Unrecognized collection type java.util.Map<java.lang.String, "
                     "java.lang.String>");
  CheckSerialization(DecodePutItem(R"({"ExpressionAttributeNames":{"#a":5}})"),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(R"({"ExpressionAttributeValues":{":a":{"S":5}}})"),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(R"({"Expected":[]})"),
                     "Unrecognized collection type java.util.Map<java.lang.String, "
                     "com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue>");
  CheckSerialization(DecodePutItem(R"({"Expected":{"a":{"Exists":"x"}}})"),
                     "Unexpected token received from parser");
  CheckSerialization(DecodePutItem(R"({"Expected":{"a":{"Value":"x"}}})"), "Unexpected field type");
  CheckSerialization(DecodeGetItem(R"({"AttributesToGet":[true]})"),
                     "TRUE_VALUE cannot be converted to String");
}

TEST_CASE("Attribute value members reject other JSON types", "[codec]") {
  struct Case {
    std::string_view value;
    std::string_view message;
  };
  const Case cases[] = {
      {R"({"S":5})", "NUMBER_VALUE cannot be converted to String"},
      {R"({"S":true})", "TRUE_VALUE cannot be converted to String"},
      {R"({"S":34.56})", "DECIMAL_VALUE cannot be converted to String"},
      {R"({"S":[]})", "Unrecognized collection type class java.lang.String"},
      {R"({"S":{}})", "Start of structure or map found where not expected"},
      {R"({"N":5})", "NUMBER_VALUE cannot be converted to String"},
      {R"({"N":1.5})", "DECIMAL_VALUE cannot be converted to String"},
      {R"({"B":true})", "only base-64-encoded strings are convertible to bytes"},
      {R"({"B":23})", "only base-64-encoded strings are convertible to bytes"},
      {R"({"B":[]})", "Unrecognized collection type class java.nio.ByteBuffer"},
      {R"({"B":{}})", "Start of structure or map found where not expected"},
      {R"({"B":"23456"})", "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
      {R"({"B":"=+/="})", "Invalid last non-pad Base64 character dectected"},
      {R"({"B":"+/+="})", "Invalid last non-pad Base64 character dectected"},
      {R"({"BOOL":"23"})", "Unexpected token received from parser"},
      {R"({"BOOL":23})", "NUMBER_VALUE cannot be converted to Boolean"},
      {R"({"BOOL":[]})", "Unrecognized collection type class java.lang.Boolean"},
      {R"({"NULL":34.56})", "DECIMAL_VALUE cannot be converted to Boolean"},
      {R"({"NULL":{}})", "Start of structure or map found where not expected"},
      {R"({"SS":"23"})", "Unexpected field type"},
      {R"({"SS":{}})", "Start of structure or map found where not expected"},
      {R"({"SS":[1]})", "NUMBER_VALUE cannot be converted to String"},
      {R"({"NS":true})", "Unexpected field type"},
      {R"({"NS":[1]})", "NUMBER_VALUE cannot be converted to String"},
      {R"({"BS":5})", "Unexpected field type"},
      {R"({"BS":[5]})", "only base-64-encoded strings are convertible to bytes"},
      {R"({"BS":["abc"]})", "Base64 encoded length is expected a multiple of 4 bytes but found: 3"},
      {R"({"L":5})", "Unexpected field type"},
      {R"({"L":{}})", "Start of structure or map found where not expected"},
      {R"({"L":[5]})", "Unexpected value type in payload"},
      {R"({"L":[[]]})",
       "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
      {R"({"L":[{"BS":[true]}]})", "only base-64-encoded strings are convertible to bytes"},
      {R"({"M":"x"})", "Unexpected field type"},
      {R"({"M":[]})",
       "Unrecognized collection type java.util.Map<java.lang.String, "
       "com.amazonaws.dynamodb.v20120810.AttributeValue>"},
      {R"({"M":{"a":5}})", "Unexpected value type in payload"},
      {R"({"M":{"a":{"BS":[[]]}}})", "Unrecognized collection type class java.nio.ByteBuffer"},
  };
  for (const Case& c : cases) {
    INFO(c.value);
    CheckSerialization(DecodePutItem(PutWithValue(c.value)), c.message);
    CheckSerialization(DecodeAttributeValueJson(c.value), c.message);
  }
}

TEST_CASE("The first type error in document order wins, over any validation error", "[codec]") {
  CheckSerialization(DecodePutItem(R"({"ReturnValues":true,"TableName":5})"),
                     "TRUE_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(R"({"TableName":5,"ReturnValues":true})"),
                     "NUMBER_VALUE cannot be converted to String");
  // An invalid attribute value early, a type error later: the type error is reported.
  CheckSerialization(DecodePutItem(R"({"Item":{"a":{},"b":{"S":1}},"TableName":"abc"})"),
                     "NUMBER_VALUE cannot be converted to String");
  CheckSerialization(DecodePutItem(R"({"TableName":"a;","Item":{},"ReturnValues":[]})"),
                     "Unrecognized collection type class java.lang.String");
}

// ---- attribute value validation ----

TEST_CASE("Attribute values are validated with DynamoDB's messages", "[codec]") {
  struct Case {
    std::string_view value;
    std::string_view message;
  };
  const Case cases[] = {
      {R"({})",
       "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
      {R"({"a":""})",
       "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
      {R"({"S":null})",
       "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
      {R"({"S":"a","N":"1"})",
       "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
       "supported datatypes"},
      {R"({"NULL":true,"BOOL":true})",
       "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
       "supported datatypes"},
      {R"({"NULL":false})",
       "One or more parameter values were invalid: Null attribute value types must have the value "
       "of true"},
      {R"({"SS":[]})",
       "One or more parameter values were invalid: An string set  may not be empty"},
      {R"({"SS":["a",null]})",
       "One or more parameter values were invalid: An string set may not have a empty string as a "
       "member"},
      {R"({"SS":["a","b","a"]})",
       "One or more parameter values were invalid: Input collection [a, b, a] contains "
       "duplicates."},
      {R"({"SS":["a","a"]})",
       "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
      {R"({"SS":["",""]})",
       "One or more parameter values were invalid: Input collection [, ] contains duplicates."},
      {R"({"SS":["","a",""]})",
       "One or more parameter values were invalid: Input collection [, a, ] contains "
       "duplicates."},
      {R"({"NS":[]})",
       "One or more parameter values were invalid: An number set  may not be empty"},
      {R"({"NS":["1","b","a"]})", "The parameter cannot be converted to a numeric value: b"},
      {R"({"NS":["1","1.0"]})", "Input collection contains duplicates"},
      {R"({"NS":["1","2","1e0"]})", "Input collection contains duplicates"},
      {R"({"BS":[]})",
       "One or more parameter values were invalid: Binary sets should not be empty"},
      {R"({"BS":["aaaa",null]})",
       "One or more parameter values were invalid: Binary sets may not contain null or empty "
       "values"},
      {R"({"BS":[null]})",
       "One or more parameter values were invalid: Binary sets may not contain null or empty "
       "values"},
      {R"({"BS":["Yg==","Yg=="]})",
       "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS "
       "contains duplicates."},
      {R"({"BS":["","Yg==",""]})",
       "One or more parameter values were invalid: Input collection [, Yg==, ]of type BS contains "
       "duplicates."},
      {R"({"N":"b"})", "The parameter cannot be converted to a numeric value: b"},
      {R"({"N":"123456789012345678901234567890123456789"})",
       "Attempting to store more than 38 significant digits in a Number"},
      {R"({"N":"1e126"})",
       "Number overflow. Attempting to store a number with magnitude larger than supported range"},
      {R"({"N":"-1e-131"})",
       "Number underflow. Attempting to store a number with magnitude smaller than supported "
       "range"},
      {R"({"M":{"b":{}}})",
       "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
      {R"({"L":[{"S":"x"},{"NULL":false}]})",
       "One or more parameter values were invalid: Null attribute value types must have the value "
       "of true"},
      {R"({"L":[null]})",
       "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
      // Errors are reported in document order, including within one value.
      {R"({"N":"x","S":"a"})", "The parameter cannot be converted to a numeric value: x"},
      {R"({"S":"a","SS":[]})",
       "One or more parameter values were invalid: An string set  may not be empty"},
      {R"({"M":{"a":{"NULL":false},"b":{}}})",
       "One or more parameter values were invalid: Null attribute value types must have the value "
       "of true"},
  };
  for (const Case& c : cases) {
    INFO(c.value);
    CheckValidation(DecodePutItem(PutWithValue(c.value)), c.message);
    CheckValidation(DecodeAttributeValueJson(c.value), c.message);
  }
}

TEST_CASE("Empty strings and binaries are allowed outside keys", "[codec]") {
  Result<PutItemRequest> r =
      DecodePutItem(R"({"TableName":"abc","Item":{"a":{"S":""},"b":{"B":""}}})");
  REQUIRE(r.ok());
  CHECK(r.value().item.at("a") == AttributeValue::S(""));
  CHECK(r.value().item.at("b") == AttributeValue::B(""));
}

TEST_CASE("Sets may hold the empty string and the empty binary", "[codec]") {
  struct Case {
    std::string_view json;
    AttributeValue value;
  };
  const Case cases[] = {
      {R"({"SS":[""]})", AttributeValue::SS({""})},
      {R"({"SS":["","a"]})", AttributeValue::SS({"", "a"})},
      {R"({"SS":["a",""]})", AttributeValue::SS({"a", ""})},
      {R"({"BS":[""]})", AttributeValue::BS({""})},
      {R"({"BS":["","Yg=="]})", AttributeValue::BS({"", "b"})},
      {R"({"L":[{"SS":[""]},{"M":{"x":{"BS":[""]}}}]})",
       AttributeValue::L(
           {AttributeValue::SS({""}), AttributeValue::M({{"x", AttributeValue::BS({""})}})})},
  };
  for (const Case& c : cases) {
    INFO(c.json);
    Result<PutItemRequest> put = DecodePutItem(PutWithValue(c.json));
    REQUIRE(put.ok());
    CHECK(put.value().item.at("a") == c.value);
    Result<AttributeValue> v = DecodeAttributeValueJson(c.json);
    REQUIRE(v.ok());
    CHECK(v.value() == c.value);
    // Encoding writes the members back as sent, and decodes to the same value.
    std::string encoded;
    JsonWriter w(&encoded);
    WriteAttributeValue(&w, c.value);
    CHECK(encoded == c.json);
    Result<Item> item = DecodeItemJson(EncodeItemJson(put.value().item));
    REQUIRE(item.ok());
    CHECK(item.value() == put.value().item);
  }
  // In a key position the codec accepts them too; the table's key checks (api/validation.h)
  // refuse sets as keys whatever they hold.
  Result<GetItemRequest> get = DecodeGetItem(R"({"TableName":"abc","Key":{"k":{"SS":[""]}}})");
  REQUIRE(get.ok());
  CHECK(get.value().key.at("k") == AttributeValue::SS({""}));
}

TEST_CASE("Values may nest 32 levels deep, not 33", "[codec]") {
  const std::string nesting_message =
      "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
      "beyond supported limit";
  Result<PutItemRequest> ok = DecodePutItem(PutWithValue(NestedMapJson(31)));
  REQUIRE(ok.ok());
  CHECK(NestingDepth(ok.value().item.at("a")) == 32);
  CheckValidation(DecodePutItem(PutWithValue(NestedMapJson(32))), nesting_message);
  const std::string deep_list = Repeat(R"({"L":[)", 40) + R"({"S":"x"})" + Repeat("]}", 40);
  CheckValidation(DecodePutItem(PutWithValue(deep_list)), nesting_message);
  // Deeper than the JSON parser's own limit: not JSON as far as ddbx is concerned.
  const std::string very_deep = Repeat(R"({"L":[)", 600) + R"({"S":"x"})" + Repeat("]}", 600);
  CheckSerialization(DecodePutItem(PutWithValue(very_deep)), "");
}

// ---- PutItem ----

TEST_CASE("DecodePutItem decodes a request", "[codec][put]") {
  Result<PutItemRequest> r = DecodePutItem(
      R"({"TableName":"my-table.1_x","Item":{"id":{"S":"a"},"n":{"N":"5.0"}},)"
      R"("ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL",)"
      R"("ReturnItemCollectionMetrics":"SIZE","Unknown":{"x":[1,2]},"ReturnValuesOnConditionCheckFailure":"NONE"})");
  REQUIRE(r.ok());
  const PutItemRequest& p = r.value();
  CHECK(p.table_name == "my-table.1_x");
  REQUIRE(p.item.size() == 2);
  CHECK(p.item.at("id") == AttributeValue::S("a"));
  CHECK(p.item.at("n").n().ToString() == "5");
  CHECK(p.return_values == ReturnValues::kAllOld);
  CHECK(p.return_consumed_capacity == ReturnConsumedCapacity::kTotal);
  CHECK(p.return_item_collection_metrics == ReturnItemCollectionMetrics::kSize);

  Result<PutItemRequest> defaults = DecodePutItem(
      R"({"TableName":"abc","Item":{},"ReturnValues":null,"ReturnConsumedCapacity":"INDEXES"})");
  REQUIRE(defaults.ok());
  CHECK(defaults.value().return_values == ReturnValues::kNone);
  CHECK(defaults.value().return_consumed_capacity == ReturnConsumedCapacity::kIndexes);
  CHECK(defaults.value().return_item_collection_metrics == ReturnItemCollectionMetrics::kNone);
}

TEST_CASE("DecodePutItem collects constraint errors in DynamoDB's order", "[codec][put]") {
  CheckValidation(DecodePutItem("{}"),
                  "2 validation errors detected: Value null at 'tableName' failed to satisfy "
                  "constraint: Member must not be null; Value null at 'item' failed to satisfy "
                  "constraint: Member must not be null");
  CheckValidation(DecodePutItem("null"),
                  "2 validation errors detected: Value null at 'tableName' failed to satisfy "
                  "constraint: Member must not be null; Value null at 'item' failed to satisfy "
                  "constraint: Member must not be null");
  CheckValidation(DecodePutItem(R"({"TableName":"","Item":null})"),
                  "3 validation errors detected: Value '' at 'tableName' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
                  "Value '' at 'tableName' failed to satisfy constraint: Member must have length "
                  "greater than or equal to 3; Value null at 'item' failed to satisfy constraint: "
                  "Member must not be null");
  CheckValidation(DecodePutItem(R"({"TableName":"a;"})"),
                  "3 validation errors detected: Value 'a;' at 'tableName' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
                  "Value 'a;' at 'tableName' failed to satisfy constraint: Member must have "
                  "length greater than or equal to 3; Value null at 'item' failed to satisfy "
                  "constraint: Member must not be null");
  const std::string long_name(256, 'a');
  CheckValidation(DecodePutItem("{\"TableName\":\"" + long_name + "\"}"),
                  "2 validation errors detected: Value '" + long_name +
                      "' at 'tableName' failed to satisfy constraint: Member must have length "
                      "less than or equal to 255; Value null at 'item' failed to satisfy "
                      "constraint: Member must not be null");
  CheckValidation(
      DecodePutItem(R"({"TableName":"abc;","ReturnConsumedCapacity":"hi",)"
                    R"("ReturnItemCollectionMetrics":"hi","ReturnValues":"hi"})"),
      "5 validation errors detected: Value 'hi' at 'returnConsumedCapacity' failed to satisfy "
      "constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; Value 'abc;' at "
      "'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: "
      "[a-zA-Z0-9_.-]+; Value null at 'item' failed to satisfy constraint: Member must not be "
      "null; Value 'hi' at 'returnValues' failed to satisfy constraint: Member must satisfy enum "
      "value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; Value 'hi' at "
      "'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum "
      "value set: [SIZE, NONE]");
  // Table names are measured in UTF-16 units, as DynamoDB (Java) does.
  CheckValidation(DecodePutItem("{\"TableName\":\"\xF0\x9F\x98\x80\",\"Item\":{}}"),
                  "2 validation errors detected: Value '\xF0\x9F\x98\x80' at 'tableName' failed "
                  "to satisfy constraint: Member must satisfy regular expression pattern: "
                  "[a-zA-Z0-9_.-]+; "
                  "Value '\xF0\x9F\x98\x80' at 'tableName' failed to satisfy constraint: Member "
                  "must have length greater than or equal to 3");
}

TEST_CASE("Constraint lists stop at ten errors", "[codec]") {
  std::string ks = "[";
  for (int i = 0; i < 12; ++i) ks += std::string(i ? "," : "") + "{}";
  ks += "]";
  Result<CreateTableRequest> r =
      DecodeCreateTable(R"({"TableName":"abc","AttributeDefinitions":[],"KeySchema":)" + ks + "}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("10 validation errors detected: ", 0) == 0);
}

TEST_CASE("DecodePutItem applies its own checks after the constraints", "[codec][put]") {
  for (std::string_view rv : {"UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}) {
    INFO(rv);
    CheckValidation(
        DecodePutItem(R"({"TableName":"abc","Item":{},"ReturnValues":")" + std::string(rv) + "\"}"),
        "ReturnValues can only be ALL_OLD or NONE");
  }
  for (std::string_view rv : {"NONE", "ALL_OLD"}) {
    INFO(rv);
    CHECK(
        DecodePutItem(R"({"TableName":"abc","Item":{},"ReturnValues":")" + std::string(rv) + "\"}")
            .ok());
  }
  // A value outside the enum is a constraint error, not the message above.
  CheckValidation(DecodePutItem(R"({"TableName":"abc","Item":{},"ReturnValues":"all_new"})"),
                  "1 validation error detected: Value 'all_new' at 'returnValues' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, "
                  "ALL_OLD, NONE, UPDATED_NEW]");
  // The ReturnValues check comes before the item size check.
  CheckValidation(
      DecodePutItem(R"({"TableName":"abc","ReturnValues":"ALL_NEW","Item":{"b":{"S":")" +
                    std::string(409600, 'x') + "\"}}}"),
      "ReturnValues can only be ALL_OLD or NONE");
  // Attribute value errors come before the ReturnValues check.
  CheckValidation(
      DecodePutItem(R"({"TableName":"abc","Item":{"a":{}},"ReturnValues":"ALL_NEW"})"),
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  // Constraint errors come before attribute value errors.
  CheckValidation(DecodePutItem(R"({"TableName":"ab","Item":{"a":{}}})"),
                  "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy "
                  "constraint: Member must have length greater than or equal to 3");
}

TEST_CASE("DecodePutItem enforces the 400 KB item size", "[codec][put]") {
  // Names and values count: "a" + "k" (2) + "b" + value.
  auto body = [](size_t value_size) {
    return R"({"TableName":"abc","Item":{"a":{"S":"k"},"b":{"S":")" + std::string(value_size, 'x') +
           "\"}}}";
  };
  REQUIRE(DecodePutItem(body(409600 - 3)).ok());
  CheckValidation(DecodePutItem(body(409600 - 2)),
                  "Item size has exceeded the maximum allowed size");
}

TEST_CASE("Write conditions follow DynamoDB's mixing rules", "[codec][put]") {
  const std::string base = R"({"TableName":"abc","Item":{"a":{"S":"x"}},)";
  Result<PutItemRequest> expression =
      DecodePutItem(base + R"j("ConditionExpression":"attribute_exists(a)"})j");
  REQUIRE(expression.ok());
  CHECK(expression.value().condition != nullptr);
  Result<PutItemRequest> expected = DecodePutItem(base + R"("Expected":{"a":{"Exists":false}}})");
  REQUIRE(expected.ok());
  CHECK(expected.value().condition != nullptr);
  CHECK(DecodePutItem(base + R"("ConditionalOperator":"AND"})").ok());
  CheckValidation(
      DecodePutItem(base + R"("ConditionExpression":"a = :a","Expected":{"a":{"Exists":false}}})"),
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}");
  CheckValidation(DecodePutItem(base + R"("ExpressionAttributeNames":{"#a":"a"}})"),
                  "ExpressionAttributeNames can only be specified when using expressions");
  CheckValidation(DecodePutItem(base + R"("ExpressionAttributeValues":{":a":{"S":"a"}}})"),
                  "ExpressionAttributeValues can only be specified when using expressions: "
                  "ConditionExpression is null");
  Result<DeleteItemRequest> del = DecodeDeleteItem(
      R"j({"TableName":"abc","Key":{"a":{"S":"x"}},"ConditionExpression":"attribute_exists(x)"})j");
  REQUIRE(del.ok());
  CHECK(del.value().condition != nullptr);
}

// ---- GetItem ----

TEST_CASE("DecodeGetItem decodes a request", "[codec][get]") {
  Result<GetItemRequest> r = DecodeGetItem(
      R"({"TableName":"abc","Key":{"pk":{"S":"a"},"sk":{"N":"-1.50"}},"ConsistentRead":true,)"
      R"("ReturnConsumedCapacity":"NONE"})");
  REQUIRE(r.ok());
  CHECK(r.value().table_name == "abc");
  CHECK(r.value().consistent_read);
  CHECK(r.value().return_consumed_capacity == ReturnConsumedCapacity::kNone);
  REQUIRE(r.value().key.size() == 2);
  CHECK(r.value().key.at("sk").n().ToString() == "-1.5");

  Result<GetItemRequest> plain = DecodeGetItem(R"({"TableName":"abc","Key":{}})");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain.value().consistent_read);
  CHECK(plain.value().key.empty());
}

TEST_CASE("DecodeGetItem reports errors in DynamoDB's order", "[codec][get]") {
  CheckValidation(DecodeGetItem("{}"),
                  "2 validation errors detected: Value null at 'tableName' failed to satisfy "
                  "constraint: Member must not be null; Value null at 'key' failed to satisfy "
                  "constraint: Member must not be null");
  CheckValidation(DecodeGetItem(R"({"TableName":"abc","ReturnConsumedCapacity":"x"})"),
                  "2 validation errors detected: Value 'x' at 'returnConsumedCapacity' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, "
                  "NONE]; Value null at 'key' failed to satisfy constraint: Member must not be "
                  "null");
  CheckValidation(
      DecodeGetItem(R"({"TableName":"abc","Key":{"a":{"S":"x","B":"AA=="}}})"),
      "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
      "supported datatypes");
  const std::string base = R"({"TableName":"abc","Key":{"a":{"S":"x"}},)";
  REQUIRE(DecodeGetItem(base + R"("ProjectionExpression":"a"})").ok());
  CHECK(DecodeGetItem(base + R"("ProjectionExpression":"a"})").value().projection != nullptr);
  REQUIRE(DecodeGetItem(base + R"("AttributesToGet":["a"]})").ok());
  CHECK(DecodeGetItem(base + R"("AttributesToGet":["a"]})").value().projection != nullptr);
  CheckValidation(DecodeGetItem(base + R"("ProjectionExpression":"a","AttributesToGet":["a"]})"),
                  "Can not use both expression and non-expression parameters in the same "
                  "request: Non-expression parameters: {AttributesToGet} Expression parameters: "
                  "{ProjectionExpression}");
  CheckValidation(DecodeGetItem(base + R"("ExpressionAttributeNames":{"#a":"a"}})"),
                  "ExpressionAttributeNames can only be specified when using expressions");
  // Members of other operations are unknown to GetItem, hence ignored.
  REQUIRE(DecodeGetItem(base + R"("ReturnValues":"ALL_NEW","ConditionExpression":"x"})").ok());
}

// ---- DeleteItem ----

TEST_CASE("DecodeDeleteItem decodes a request and checks ReturnValues", "[codec][delete]") {
  Result<DeleteItemRequest> r =
      DecodeDeleteItem(R"({"TableName":"abc","Key":{"id":{"B":"AAE="}},"ReturnValues":"ALL_OLD",)"
                       R"("ReturnItemCollectionMetrics":"NONE"})");
  REQUIRE(r.ok());
  CHECK(r.value().key.at("id") == AttributeValue::B(std::string("\x00\x01", 2)));
  CHECK(r.value().return_values == ReturnValues::kAllOld);

  for (std::string_view rv : {"UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}) {
    INFO(rv);
    CheckValidation(
        DecodeDeleteItem(R"({"TableName":"abc","Key":{"id":{"S":"a"}},"ReturnValues":")" +
                         std::string(rv) + "\"}"),
        "ReturnValues can only be ALL_OLD or NONE");
  }
  // A value outside the enum is a constraint error, reported with the other constraints.
  CheckValidation(
      DecodeDeleteItem(R"({"TableName":"abc","Key":{"id":{"S":"a"}},"ReturnValues":"GARBAGE"})"),
      "1 validation error detected: Value 'GARBAGE' at 'returnValues' failed to satisfy "
      "constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, "
      "UPDATED_NEW]");
  CheckValidation(DecodeDeleteItem(R"({"TableName":"a;","ReturnValues":"x"})"),
                  "4 validation errors detected: Value 'a;' at 'tableName' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
                  "Value 'a;' at 'tableName' failed to satisfy constraint: Member must have "
                  "length greater than or equal to 3; Value 'x' at 'returnValues' failed to "
                  "satisfy constraint: Member must satisfy enum value set: [ALL_NEW, "
                  "UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; Value null at 'key' failed to "
                  "satisfy constraint: Member must not be null");
}

// ---- DescribeTable, DeleteTable, ListTables ----

TEST_CASE("DescribeTable and DeleteTable check the table name", "[codec][table]") {
  CheckValidation(DecodeDescribeTable("{}"),
                  "The parameter 'TableName' is required but was not present in the request");
  CheckValidation(DecodeDeleteTable(R"({"TableName":null})"),
                  "The parameter 'TableName' is required but was not present in the request");
  CheckValidation(DecodeDescribeTable(R"({"TableName":"ab"})"),
                  "TableName must be at least 3 characters long and at most 255 characters long");
  CheckValidation(DecodeDeleteTable("{\"TableName\":\"" + std::string(256, 'a') + "\"}"),
                  "TableName must be at least 3 characters long and at most 255 characters long");
  CheckValidation(DecodeDescribeTable(R"({"TableName":"abc;"})"),
                  "1 validation error detected: Value 'abc;' at 'tableName' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  Result<DescribeTableRequest> d = DecodeDescribeTable(R"({"TableName":"Music","Extra":1})");
  REQUIRE(d.ok());
  CHECK(d.value().table_name == "Music");
  Result<DeleteTableRequest> del =
      DecodeDeleteTable("{\"TableName\":\"" + std::string(255, 'z') + "\"}");
  REQUIRE(del.ok());
  CHECK(del.value().table_name.size() == 255);
}

TEST_CASE("DecodeListTables checks Limit and ExclusiveStartTableName", "[codec][table]") {
  Result<ListTablesRequest> empty = DecodeListTables("{}");
  REQUIRE(empty.ok());
  CHECK_FALSE(empty.value().limit.has_value());
  CHECK_FALSE(empty.value().exclusive_start_table_name.has_value());

  Result<ListTablesRequest> r =
      DecodeListTables(R"({"Limit":100,"ExclusiveStartTableName":"abc"})");
  REQUIRE(r.ok());
  CHECK(r.value().limit == 100);
  CHECK(r.value().exclusive_start_table_name == "abc");

  CheckValidation(DecodeListTables(R"({"Limit":0})"),
                  "1 validation error detected: Value '0' at 'limit' failed to satisfy "
                  "constraint: Member must have value greater than or equal to 1");
  const std::string bad_name = "89hls;;f;d" + std::string(250, 'x');
  CheckValidation(
      DecodeListTables(R"({"Limit":2147483647,"ExclusiveStartTableName":")" + bad_name + "\"}"),
      "3 validation errors detected: Value '2147483647' at 'limit' failed to satisfy constraint: "
      "Member must have value less than or equal to 100; Value '" +
          bad_name +
          "' at 'exclusiveStartTableName' failed to satisfy constraint: Member must satisfy "
          "regular expression pattern: [a-zA-Z0-9_.-]+; Value '" +
          bad_name +
          "' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length "
          "less than or equal to 255");
  Result<ListTablesRequest> truncated = DecodeListTables(R"({"Limit":5.9})");
  REQUIRE(truncated.ok());
  CHECK(truncated.value().limit == 5);
}

// ---- CreateTable ----

constexpr std::string_view kAB =
    R"([{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"b","AttributeType":"S"}])";
constexpr std::string_view kPT = R"({"ReadCapacityUnits":1,"WriteCapacityUnits":1})";

std::string CreateBody(
    std::string_view defs, std::string_view keys,
    std::string_view extra =
        R"("ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1})") {
  std::string body = R"({"TableName":"abc","AttributeDefinitions":)" + std::string(defs) +
                     R"(,"KeySchema":)" + std::string(keys);
  if (!extra.empty()) body += "," + std::string(extra);
  return body + "}";
}

TEST_CASE("DecodeCreateTable decodes a request", "[codec][create]") {
  Result<CreateTableRequest> r = DecodeCreateTable(
      R"({"TableName":"Music","AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"},)"
      R"({"AttributeName":"Year","AttributeType":"N"}],"KeySchema":[{"AttributeName":"Artist",)"
      R"("KeyType":"HASH"},{"AttributeName":"Year","KeyType":"RANGE"}],"BillingMode":"PROVISIONED",)"
      R"("ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":10},)"
      R"("DeletionProtectionEnabled":true,"Tags":[{"Key":"env","Value":""}],)"
      R"("StreamSpecification":{"StreamEnabled":false},"TableClass":"STANDARD"})");
  REQUIRE(r.ok());
  const CreateTableRequest& c = r.value();
  CHECK(c.table_name == "Music");
  REQUIRE(c.attribute_definitions.size() == 2);
  CHECK(c.attribute_definitions[0] == AttributeDefinition{"Artist", ScalarAttributeType::kS});
  CHECK(c.attribute_definitions[1] == AttributeDefinition{"Year", ScalarAttributeType::kN});
  REQUIRE(c.key_schema.size() == 2);
  CHECK(c.key_schema[0] == KeySchemaElement{"Artist", KeyType::kHash});
  CHECK(c.key_schema[1] == KeySchemaElement{"Year", KeyType::kRange});
  CHECK(c.billing_mode == BillingMode::kProvisioned);
  REQUIRE(c.provisioned_throughput.has_value());
  CHECK(c.provisioned_throughput->read_capacity_units == 5);
  CHECK(c.provisioned_throughput->write_capacity_units == 10);
  CHECK(c.deletion_protection_enabled);
  REQUIRE(c.tags.size() == 1);
  CHECK(c.tags[0] == Tag{"env", ""});

  Result<CreateTableRequest> on_demand = DecodeCreateTable(
      R"({"TableName":"t-1","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"B"}],)"
      R"("KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})");
  REQUIRE(on_demand.ok());
  CHECK(on_demand.value().billing_mode == BillingMode::kPayPerRequest);
  CHECK_FALSE(on_demand.value().provisioned_throughput.has_value());
  CHECK(on_demand.value().attribute_definitions[0].attribute_type == ScalarAttributeType::kB);
  CHECK_FALSE(on_demand.value().deletion_protection_enabled);

  Result<CreateTableRequest> implicit =
      DecodeCreateTable(CreateBody(R"([{"AttributeName":"a","AttributeType":"S"}])",
                                   R"([{"AttributeName":"a","KeyType":"HASH"}])"));
  REQUIRE(implicit.ok());
  CHECK_FALSE(implicit.value().billing_mode.has_value());
}

TEST_CASE("CreateTable's table name checks come first", "[codec][create]") {
  CheckValidation(DecodeCreateTable("{}"),
                  "The parameter 'TableName' is required but was not present in the request");
  CheckValidation(DecodeCreateTable(R"({"TableName":""})"),
                  "TableName must be at least 3 characters long and at most 255 characters long");
  CheckValidation(DecodeCreateTable(R"({"TableName":"a;"})"),
                  "TableName must be at least 3 characters long and at most 255 characters long");
  CheckValidation(DecodeCreateTable("{\"TableName\":\"" + std::string(256, 'a') + "\"}"),
                  "TableName must be at least 3 characters long and at most 255 characters long");
}

TEST_CASE("CreateTable collects constraint errors in DynamoDB's order", "[codec][create]") {
  CheckValidation(DecodeCreateTable(R"({"TableName":"abc;"})"),
                  "3 validation errors detected: Value null at 'attributeDefinitions' failed to "
                  "satisfy constraint: Member must not be null; Value 'abc;' at 'tableName' "
                  "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                  "[a-zA-Z0-9_.-]+; Value null at 'keySchema' failed to satisfy constraint: "
                  "Member must not be null");
  CheckValidation(DecodeCreateTable(R"({"TableName":"abc","AttributeDefinitions":[]})"),
                  "1 validation error detected: Value null at 'keySchema' failed to satisfy "
                  "constraint: Member must not be null");
  CheckValidation(
      DecodeCreateTable(R"({"TableName":"abc","AttributeDefinitions":[],)"
                        R"("ProvisionedThroughput":{},"BillingMode":"PAY_PER_REQUEST"})"),
      "3 validation errors detected: Value null at 'provisionedThroughput.writeCapacityUnits' "
      "failed to satisfy constraint: Member must not be null; Value null at "
      "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must not be "
      "null; Value null at 'keySchema' failed to satisfy constraint: Member must not be null");
  CheckValidation(
      DecodeCreateTable(
          R"({"TableName":"abc","AttributeDefinitions":[],"KeySchema":[],)"
          R"("ProvisionedThroughput":{"ReadCapacityUnits":-1,"WriteCapacityUnits":-1},)"
          R"("BillingMode":"A"})"),
      "4 validation errors detected: Value 'A' at 'billingMode' failed to satisfy constraint: "
      "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]; Value '-1' at "
      "'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have "
      "value greater than or equal to 1; Value '-1' at 'provisionedThroughput.readCapacityUnits' "
      "failed to satisfy constraint: Member must have value greater than or equal to 1; Value "
      "'[]' at 'keySchema' failed to satisfy constraint: Member must have length greater than or "
      "equal to 1");
  CheckValidation(
      DecodeCreateTable(R"({"TableName":"abc","AttributeDefinitions":[],)"
                        R"("KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],)"
                        R"("ProvisionedThroughput":{"ReadCapacityUnits":1000000000001,)"
                        R"("WriteCapacityUnits":-1}})"),
      "1 validation error detected: Value '-1' at 'provisionedThroughput.writeCapacityUnits' "
      "failed to satisfy constraint: Member must have value greater than or equal to 1");
  CheckValidation(
      DecodeCreateTable(CreateBody("[{}]", R"([{"KeyType":"HASH","AttributeName":"a"}])")),
      "2 validation errors detected: Value null at 'attributeDefinitions.1.member.attributeName' "
      "failed to satisfy constraint: Member must not be null; Value null at "
      "'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must "
      "not be null");
  CheckValidation(
      DecodeCreateTable(CreateBody(R"([{"AttributeName":"b","AttributeType":"SS"}])",
                                   R"([{"KeyType":"HASH","AttributeName":"a"}])")),
      "1 validation error detected: Value 'SS' at 'attributeDefinitions.1.member.attributeType' "
      "failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]");
  CheckValidation(
      DecodeCreateTable(CreateBody(R"([{"AttributeName":"","AttributeType":"S"}])",
                                   R"([{"KeyType":"HASH","AttributeName":"a"}])")),
      "1 validation error detected: Value '' at 'attributeDefinitions.1.member.attributeName' "
      "failed to satisfy constraint: Member must have length greater than or equal to 1");
  CheckValidation(DecodeCreateTable(CreateBody(kAB, R"([{"KeyType":"HASH","AttributeName":"a"}])",
                                               R"("Tags":[{}],"BillingMode":"PAY_PER_REQUEST")")),
                  "2 validation errors detected: Value null at 'tags.1.member.key' failed to "
                  "satisfy constraint: Member must not be null; Value null at "
                  "'tags.1.member.value' failed to satisfy constraint: Member must not be null");
}

TEST_CASE("CreateTable describes an over-long key schema like DynamoDB", "[codec][create]") {
  Result<CreateTableRequest> r = DecodeCreateTable(
      R"({"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH"},)"
      R"({"AttributeName":"a"},{"KeyType":"Woop","AttributeName":"a"}],)"
      R"("ProvisionedThroughput":{"ReadCapacityUnits":1000000000001,)"
      R"("WriteCapacityUnits":1000000000001}})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kValidation);
  const std::string& m = r.error().message;
  INFO(m);
  const std::string element = "com.amazonaws.dynamodb.v20120810.KeySchemaElement@";
  REQUIRE(m.rfind("4 validation errors detected: Value '[" + element, 0) == 0);
  const size_t close = m.find(
      "]' at 'keySchema' failed to satisfy constraint: Member must have "
      "length less than or equal to 2; ");
  REQUIRE(close != std::string::npos);
  CHECK(m.substr(close + 3) ==
        "at 'keySchema' failed to satisfy constraint: Member must have length less than or "
        "equal to 2; Value null at 'keySchema.1.member.attributeName' failed to satisfy "
        "constraint: Member must not be null; Value null at 'keySchema.2.member.keyType' failed "
        "to satisfy constraint: Member must not be null; Value 'Woop' at "
        "'keySchema.3.member.keyType' failed to satisfy constraint: Member must satisfy enum "
        "value set: [HASH, RANGE]");
  // Three elements, each printed as a Java object.
  size_t count = 0;
  for (size_t pos = m.find(element); pos < close; pos = m.find(element, pos + 1)) ++count;
  CHECK(count == 3);
}

TEST_CASE("CreateTable's billing mode and throughput rules", "[codec][create]") {
  const std::string_view hash_a = R"([{"KeyType":"HASH","AttributeName":"a"}])";
  CheckValidation(DecodeCreateTable(CreateBody("[]", hash_a, "")),
                  "One or more parameter values were invalid: ReadCapacityUnits and "
                  "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  CheckValidation(DecodeCreateTable(CreateBody("[]", hash_a, R"("BillingMode":"PROVISIONED")")),
                  "One or more parameter values were invalid: ReadCapacityUnits and "
                  "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  CheckValidation(
      DecodeCreateTable(CreateBody(
          "[]",
          R"([{"KeyType":"HASH","AttributeName":"a"},{"KeyType":"HASH","AttributeName":"a"}])",
          R"("ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},)"
          R"("BillingMode":"PAY_PER_REQUEST")")),
      "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
      "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  CheckValidation(
      DecodeCreateTable(CreateBody(
          "[]", hash_a,
          R"("ProvisionedThroughput":{"ReadCapacityUnits":1000000000001,"WriteCapacityUnits":1000000000001})")),
      "Given value 1000000000001 for ReadCapacityUnits is out of bounds");
  CheckValidation(
      DecodeCreateTable(CreateBody(
          "[]", hash_a,
          R"("ProvisionedThroughput":{"WriteCapacityUnits":1000000000001,"ReadCapacityUnits":1000000000001})")),
      "Given value 1000000000001 for ReadCapacityUnits is out of bounds");
  CheckValidation(
      DecodeCreateTable(CreateBody(
          "[]", hash_a,
          R"("ProvisionedThroughput":{"ReadCapacityUnits":1000000000000,"WriteCapacityUnits":1000000000001})")),
      "Given value 1000000000001 for WriteCapacityUnits is out of bounds");
}

TEST_CASE("CreateTable's key schema checks", "[codec][create]") {
  struct Case {
    std::string_view defs;
    std::string_view keys;
    std::string_view message;
  };
  const std::string_view no_definition =
      "Invalid KeySchema: Some index key attribute have no definition";
  const std::string_view count_mismatch =
      "One or more parameter values were invalid: Number of attributes in KeySchema does not "
      "exactly match number of attributes defined in AttributeDefinitions";
  const Case cases[] = {
      {"[]", R"([{"KeyType":"HASH","AttributeName":"a"},{"KeyType":"HASH","AttributeName":"a"}])",
       no_definition},
      {R"([{"AttributeName":"b","AttributeType":"S"}])",
       R"([{"KeyType":"HASH","AttributeName":"a"},{"KeyType":"HASH","AttributeName":"a"}])",
       no_definition},
      {R"([{"AttributeName":"b","AttributeType":"S"}])",
       R"([{"KeyType":"HASH","AttributeName":"a"}])",
       "One or more parameter values were invalid: Some index key attributes are not defined in "
       "AttributeDefinitions. Keys: [a], AttributeDefinitions: [b]"},
      {R"([{"AttributeName":"b","AttributeType":"S"}])",
       R"([{"KeyType":"HASH","AttributeName":"a"},{"KeyType":"RANGE","AttributeName":"b"}])",
       no_definition},
      {R"([{"AttributeName":"a","AttributeType":"S"}])",
       R"([{"KeyType":"HASH","AttributeName":"a"},{"KeyType":"HASH","AttributeName":"a"}])",
       no_definition},
      {kAB, R"([{"KeyType":"HASH","AttributeName":"a"},{"KeyType":"HASH","AttributeName":"a"}])",
       "Both the Hash Key and the Range Key element in the KeySchema have the same name"},
      {kAB, R"([{"KeyType":"HASH","AttributeName":"a"},{"KeyType":"HASH","AttributeName":"b"}])",
       "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"},
      {kAB, R"([{"KeyType":"RANGE","AttributeName":"a"},{"KeyType":"HASH","AttributeName":"b"}])",
       "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
      {kAB, R"([{"KeyType":"RANGE","AttributeName":"a"},{"KeyType":"RANGE","AttributeName":"b"}])",
       "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
      {kAB, R"([{"KeyType":"RANGE","AttributeName":"a"}])",
       "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
      {R"([{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"c","AttributeType":"S"},)"
       R"({"AttributeName":"b","AttributeType":"S"}])",
       R"([{"KeyType":"HASH","AttributeName":"a"},{"KeyType":"RANGE","AttributeName":"b"}])",
       count_mismatch},
      {kAB, R"([{"KeyType":"HASH","AttributeName":"a"}])", count_mismatch},
  };
  for (const Case& c : cases) {
    INFO(c.defs << " " << c.keys);
    CheckValidation(DecodeCreateTable(CreateBody(c.defs, c.keys)), c.message);
  }
  CheckValidation(DecodeCreateTable(CreateBody("[]", R"([{"KeyType":"HASH","AttributeName":"a"}])",
                                               R"("BillingMode":"PAY_PER_REQUEST")")),
                  no_definition);
}

TEST_CASE("CreateTable checks secondary indexes in DynamoDB's order", "[codec][create]") {
  const std::string_view hash_a = R"([{"KeyType":"HASH","AttributeName":"a"}])";
  CheckValidation(
      DecodeCreateTable(
          CreateBody(kAB, hash_a, R"("LocalSecondaryIndexes":[],"BillingMode":"PAY_PER_REQUEST")")),
      "One or more parameter values were invalid: List of LocalSecondaryIndexes is empty");
  CheckValidation(
      DecodeCreateTable(CreateBody(
          kAB, hash_a, R"("GlobalSecondaryIndexes":[],"BillingMode":"PAY_PER_REQUEST")")),
      "One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty");
  const std::string gsi =
      R"("BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"idx",)"
      R"("KeySchema":[{"AttributeName":"b","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}])";
  auto decoded = DecodeCreateTable(CreateBody(kAB, hash_a, gsi));
  REQUIRE(decoded.ok());
  REQUIRE(decoded.value().global_secondary_indexes.size() == 1);
  CHECK(decoded.value().global_secondary_indexes[0].index_name == "idx");
  CHECK(decoded.value().global_secondary_indexes[0].key_schema ==
        std::vector<KeySchemaElement>{{"b", KeyType::kHash}});
  CHECK(decoded.value().global_secondary_indexes[0].projection.type == ProjectionType::kAll);

  // Table a (HASH) + s (RANGE); definitions a, s, x (S), n (N).
  const std::string defs =
      R"([{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"s","AttributeType":"S"},)"
      R"({"AttributeName":"x","AttributeType":"S"},{"AttributeName":"n","AttributeType":"N"}])";
  const std::string keys =
      R"([{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"s","KeyType":"RANGE"}])";
  auto lsi = [](std::string_view name, std::string_view hash, std::string_view range,
                std::string_view projection = R"({"ProjectionType":"ALL"})") {
    return "{\"IndexName\":\"" + std::string(name) + R"(","KeySchema":[{"AttributeName":")" +
           std::string(hash) + R"(","KeyType":"HASH"},{"AttributeName":")" + std::string(range) +
           R"(","KeyType":"RANGE"}],"Projection":)" + std::string(projection) + "}";
  };
  auto body = [&](std::string_view indexes) {
    return CreateBody(defs, keys, R"("BillingMode":"PAY_PER_REQUEST",)" + std::string(indexes));
  };
  struct Case {
    std::string indexes;
    std::string message;
  };
  const std::string invalid = "One or more parameter values were invalid: ";
  const std::vector<Case> cases = {
      {R"("LocalSecondaryIndexes":[)" + lsi("ix1", "a", "zz") + R"(],"GlobalSecondaryIndexes":[)" +
           lsi("gx1", "x", "n") + "]",
       invalid + "Some index key attributes are not defined in AttributeDefinitions. Keys: [a, "
                 "zz], AttributeDefinitions: [a, s, x, n]"},
      {R"("LocalSecondaryIndexes":[)" + lsi("ix1", "x", "n") + R"(],"GlobalSecondaryIndexes":[)" +
           lsi("gx1", "x", "n") + "]",
       invalid + "Index KeySchema does not have the same leading hash key as table KeySchema for "
                 "index: ix1. index hash key: x, table hash key: a"},
      {R"("LocalSecondaryIndexes":[)" + lsi("ix1", "a", "a") + R"(],"GlobalSecondaryIndexes":[)" +
           lsi("gx1", "x", "n") + "]",
       "Both the Hash Key and the Range Key element in the KeySchema have the same name"},
      {R"("LocalSecondaryIndexes":[)" +
           lsi("ix1", "a", "x", R"({"ProjectionType":"KEYS_ONLY","NonKeyAttributes":["q"]})") +
           R"(],"GlobalSecondaryIndexes":[)" + lsi("gx1", "x", "n") + "]",
       invalid + "ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"},
      {R"("LocalSecondaryIndexes":[)" + lsi("ix1", "a", "x", R"({"ProjectionType":"INCLUDE"})") +
           R"(],"GlobalSecondaryIndexes":[)" + lsi("gx1", "x", "n") + "]",
       invalid + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"},
      {R"("LocalSecondaryIndexes":[)" + lsi("dup", "a", "x") + R"(],"GlobalSecondaryIndexes":[)" +
           lsi("dup", "x", "n") + "]",
       invalid + "Duplicate index name: dup"},
      {R"("GlobalSecondaryIndexes":[)" + lsi("gx1", "x", "s") + "]",
       invalid + "Some AttributeDefinitions are not used. AttributeDefinitions: [a, s, x, n], "
                 "keys used: [a, s, x]"},
      {R"("GlobalSecondaryIndexes":[{"IndexName":"gx1","KeySchema":[{"AttributeName":"x","KeyType":"HASH"},)"
       R"({"AttributeName":"n","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"},)"
       R"("ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}])",
       invalid + "ProvisionedThroughput should not be specified for index: gx1 when BillingMode "
                 "is PAY_PER_REQUEST"},
      {R"("GlobalSecondaryIndexes":[{"IndexName":"gx1","KeySchema":[{"AttributeName":"x","KeyType":"HASH"}],)"
       R"("Projection":{"ProjectionType":"SOME"}}])",
       "1 validation error detected: Value 'SOME' at "
       "'globalSecondaryIndexes.1.member.projection.projectionType' failed to satisfy "
       "constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"},
  };
  for (const Case& c : cases) {
    INFO(c.indexes);
    CheckValidation(DecodeCreateTable(body(c.indexes)), c.message);
  }
  // An LSI needs a table with a range key.
  CheckValidation(
      DecodeCreateTable(CreateBody(kAB, hash_a,
                                   R"("BillingMode":"PAY_PER_REQUEST","LocalSecondaryIndexes":[)" +
                                       lsi("ix1", "a", "b") + "]")),
      invalid +
          "Table KeySchema does not have a range key, which is required when specifying "
          "a LocalSecondaryIndex");
  auto both = DecodeCreateTable(
      body(R"("LocalSecondaryIndexes":[)" +
           lsi("ix1", "a", "x", R"({"ProjectionType":"INCLUDE","NonKeyAttributes":["q","r"]})") +
           R"(],"GlobalSecondaryIndexes":[)" + lsi("gx1", "x", "n") + "]"));
  REQUIRE(both.ok());
  CHECK(both.value().local_secondary_indexes.at(0).projection.non_key_attributes ==
        std::vector<std::string>{"q", "r"});
  // With indexes, a key attribute missing from the definitions is named.
  CheckValidation(
      DecodeCreateTable(CreateBody(kAB, R"([{"KeyType":"HASH","AttributeName":"z"}])", gsi)),
      "One or more parameter values were invalid: Some index key attributes are not defined in "
      "AttributeDefinitions. Keys: [z], AttributeDefinitions: [a, b]");
}

// ---- responses ----

TableDescription MusicTable() {
  TableDescription t;
  t.table_name = "Music";
  t.table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Music";
  t.table_id = "575d0be6-34e3-4843-838c-8e8e8d4ea2f7";
  t.attribute_definitions = {{"Artist", ScalarAttributeType::kS},
                             {"SongTitle", ScalarAttributeType::kS}};
  t.key_schema = {{"Artist", KeyType::kHash}, {"SongTitle", KeyType::kRange}};
  t.table_status = TableStatus::kActive;
  t.creation_date_time = 1562054355.238;
  t.provisioned_throughput = {5, 10};
  t.item_count = 3;
  t.table_size_bytes = 120;
  return t;
}

TEST_CASE("Table descriptions are written as DynamoDB writes them", "[codec][responses]") {
  const std::string expected_table =
      R"({"AttributeDefinitions":[{"AttributeName":"Artist","AttributeType":"S"},)"
      R"({"AttributeName":"SongTitle","AttributeType":"S"}],"CreationDateTime":1.562054355238E9,)"
      R"("DeletionProtectionEnabled":false,"ItemCount":3,"KeySchema":[{"AttributeName":"Artist",)"
      R"("KeyType":"HASH"},{"AttributeName":"SongTitle","KeyType":"RANGE"}],)"
      R"("ProvisionedThroughput":{"NumberOfDecreasesToday":0,"ReadCapacityUnits":5,)"
      R"("WriteCapacityUnits":10},"TableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/Music",)"
      R"("TableId":"575d0be6-34e3-4843-838c-8e8e8d4ea2f7","TableName":"Music",)"
      R"("TableSizeBytes":120,"TableStatus":"ACTIVE"})";
  CHECK(EncodeDescribeTableResponse(MusicTable()) == R"({"Table":)" + expected_table + "}");
  CHECK(EncodeCreateTableResponse(MusicTable()) ==
        R"({"TableDescription":)" + expected_table + "}");
  CHECK(EncodeDeleteTableResponse(MusicTable()) ==
        R"({"TableDescription":)" + expected_table + "}");
}

TEST_CASE("On-demand tables carry a BillingModeSummary", "[codec][responses]") {
  TableDescription t = MusicTable();
  t.billing_mode = BillingMode::kPayPerRequest;
  t.provisioned_throughput = {0, 0};
  t.last_update_to_pay_per_request_date_time = 1562054355.238;
  t.table_status = TableStatus::kCreating;
  t.deletion_protection_enabled = true;
  t.attribute_definitions = {{"Artist", ScalarAttributeType::kS}};
  t.key_schema = {{"Artist", KeyType::kHash}};
  t.item_count = 0;
  t.table_size_bytes = 0;
  CHECK(
      EncodeCreateTableResponse(t) ==
      R"({"TableDescription":{"AttributeDefinitions":[{"AttributeName":"Artist",)"
      R"("AttributeType":"S"}],"BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST",)"
      R"("LastUpdateToPayPerRequestDateTime":1.562054355238E9},)"
      R"("CreationDateTime":1.562054355238E9,"DeletionProtectionEnabled":true,"ItemCount":0,)"
      R"("KeySchema":[{"AttributeName":"Artist","KeyType":"HASH"}],)"
      R"("ProvisionedThroughput":{"NumberOfDecreasesToday":0,"ReadCapacityUnits":0,)"
      R"("WriteCapacityUnits":0},"TableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/Music",)"
      R"("TableId":"575d0be6-34e3-4843-838c-8e8e8d4ea2f7","TableName":"Music",)"
      R"("TableSizeBytes":0,"TableStatus":"CREATING"}})");
}

TEST_CASE("Throughput change times appear only when set", "[codec][responses]") {
  TableDescription t = MusicTable();
  t.last_increase_date_time = 1.5e9;
  t.last_decrease_date_time = 1.6e9;
  t.number_of_decreases_today = 2;
  t.table_status = TableStatus::kDeleting;
  const std::string json = EncodeDeleteTableResponse(t);
  CHECK(json.find(R"("ProvisionedThroughput":{"LastDecreaseDateTime":1.6E9,)"
                  R"("LastIncreaseDateTime":1.5E9,"NumberOfDecreasesToday":2,)") !=
        std::string::npos);
  CHECK(json.find(R"("TableStatus":"DELETING")") != std::string::npos);
}

TEST_CASE("Enum names are DynamoDB's", "[codec]") {
  CHECK(TableStatusName(TableStatus::kUpdating) == "UPDATING");
  CHECK(BillingModeName(BillingMode::kProvisioned) == "PROVISIONED");
  CHECK(KeyTypeName(KeyType::kRange) == "RANGE");
  CHECK(ScalarAttributeTypeName(ScalarAttributeType::kN) == "N");
  CHECK(ReturnValuesName(ReturnValues::kUpdatedNew) == "UPDATED_NEW");
  CHECK(AttributeTypeName(AttributeType::kBS) == "BS");
  CHECK(AttributeTypeName(AttributeType::kNULL) == "NULL");
}

TEST_CASE("Item and table list responses", "[codec][responses]") {
  Item item;
  item.emplace("id", AttributeValue::S("a"));
  CHECK(EncodeGetItemResponse(GetItemResponse{}) == "{}");
  CHECK(EncodeGetItemResponse(GetItemResponse{item}) == R"({"Item":{"id":{"S":"a"}}})");
  CHECK(EncodePutItemResponse(PutItemResponse{}) == "{}");
  CHECK(EncodePutItemResponse(PutItemResponse{item}) == R"({"Attributes":{"id":{"S":"a"}}})");
  CHECK(EncodeDeleteItemResponse(DeleteItemResponse{}) == "{}");
  CHECK(EncodeDeleteItemResponse(DeleteItemResponse{item}) == R"({"Attributes":{"id":{"S":"a"}}})");
  CHECK(EncodeGetItemResponse(GetItemResponse{Item{}}) == R"({"Item":{}})");

  ListTablesResponse list;
  CHECK(EncodeListTablesResponse(list) == R"({"TableNames":[]})");
  list.table_names = {"a", "b"};
  CHECK(EncodeListTablesResponse(list) == R"({"TableNames":["a","b"]})");
  list.last_evaluated_table_name = "b";
  CHECK(EncodeListTablesResponse(list) ==
        R"({"LastEvaluatedTableName":"b","TableNames":["a","b"]})");
}

TEST_CASE("A decoded request re-encodes to the same item", "[codec]") {
  const std::string item_json = EncodeItemJson(SampleItem());
  Result<PutItemRequest> put = DecodePutItem(R"({"TableName":"abc","Item":)" + item_json + "}");
  REQUIRE(put.ok());
  CHECK(put.value().item == SampleItem());
  CHECK(EncodePutItemResponse(PutItemResponse{put.value().item}) ==
        R"({"Attributes":)" + item_json + "}");
}

// Not run by default: `unit_api "[.perf]"`. Prints the cost of the GetItem hot path.
TEST_CASE("GetItem decode and a 200-byte item encode are fast", "[.perf]") {
  const std::string body =
      R"({"TableName":"users","Key":{"pk":{"S":"user#12345"},"sk":{"S":"profile"}},)"
      R"("ConsistentRead":false})";
  Item item;
  item.emplace("pk", AttributeValue::S("user#12345"));
  item.emplace("sk", AttributeValue::S("profile"));
  item.emplace("name", AttributeValue::S("Alice Example"));
  item.emplace("email", AttributeValue::S("alice@example.com"));
  item.emplace("age", N("42"));
  item.emplace("score", N("1234.5"));
  item.emplace("active", AttributeValue::Bool(true));
  item.emplace("tags", AttributeValue::SS({"a", "b", "c"}));
  AttributeMap address;
  address.emplace("city", AttributeValue::S("Paris"));
  address.emplace("zip", AttributeValue::S("75001"));
  item.emplace("address", AttributeValue::M(address));
  const GetItemResponse response{item};
  const size_t encoded = EncodeGetItemResponse(response).size();
  constexpr int kRounds = 200000;
  size_t sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    Result<GetItemRequest> r = DecodeGetItem(body);
    sink += r.ok() ? r.value().key.size() : 0;
    sink += EncodeGetItemResponse(response).size();
  }
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("decode GetItem + encode %zu-byte response: %.0f ns/op (sink %zu)\n", encoded,
              static_cast<double>(ns) / kRounds, sink);
  CHECK(sink > 0);
}

}  // namespace
}  // namespace ddbx::api
