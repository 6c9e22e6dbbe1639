// The data-plane response encoders and the error body's "Item": exact bytes.
#include <catch2/catch.hpp>
#include <string>

#include "api/codec.h"
#include "api/error.h"

namespace ddbx::api {
namespace {

Item OneItem(std::string_view id) {
  Item item;
  item.emplace("id", AttributeValue::S(std::string(id)));
  return item;
}

Number Num(std::string_view text) {
  Result<Number> n = Number::Parse(text);
  REQUIRE(n.ok());
  return n.value();
}

ConsumedCapacity Total(std::string_view table, double units) {
  ConsumedCapacity c;
  c.table_name = std::string(table);
  c.total.capacity_units = units;
  return c;
}

TEST_CASE("ConsumedCapacity is written in DynamoDB's shape", "[codec][responses]") {
  auto encode = [](const ConsumedCapacity& c) {
    std::string out;
    JsonWriter w(&out);
    WriteConsumedCapacity(&w, c);
    return out;
  };
  CHECK(encode(Total("t", 0.5)) == R"({"CapacityUnits":0.5,"TableName":"t"})");
  CHECK(encode(Total("t", 1)) == R"({"CapacityUnits":1.0,"TableName":"t"})");

  ConsumedCapacity indexes = Total("users", 3);
  indexes.total.write_capacity_units = 3;
  indexes.table = Capacity{1, std::nullopt, 1};
  indexes.global_secondary_indexes["by-email"] = Capacity{1, std::nullopt, 1};
  indexes.global_secondary_indexes["by-age"] = Capacity{1, std::nullopt, 1};
  indexes.local_secondary_indexes["by-date"] = Capacity{0.5, 0.5, std::nullopt};
  CHECK(encode(indexes) ==
        R"({"CapacityUnits":3.0,"GlobalSecondaryIndexes":{"by-age":{"CapacityUnits":1.0,)"
        R"("WriteCapacityUnits":1.0},"by-email":{"CapacityUnits":1.0,"WriteCapacityUnits":1.0}},)"
        R"("LocalSecondaryIndexes":{"by-date":{"CapacityUnits":0.5,"ReadCapacityUnits":0.5}},)"
        R"("Table":{"CapacityUnits":1.0,"WriteCapacityUnits":1.0},"TableName":"users",)"
        R"("WriteCapacityUnits":3.0})");

  ConsumedCapacity reads = Total("t", 2);
  reads.total.read_capacity_units = 2;
  CHECK(encode(reads) == R"({"CapacityUnits":2.0,"ReadCapacityUnits":2.0,"TableName":"t"})");
}

TEST_CASE("Write responses: Attributes, ConsumedCapacity, ItemCollectionMetrics",
          "[codec][responses]") {
  CHECK(EncodeUpdateItemResponse(UpdateItemResponse{}) == "{}");
  CHECK(EncodeUpdateItemResponse(UpdateItemResponse{OneItem("a")}) ==
        R"({"Attributes":{"id":{"S":"a"}}})");

  ItemCollectionMetrics metrics;
  metrics.item_collection_key.emplace("pk", AttributeValue::N(Num("7")));
  metrics.size_estimate_range_gb = {0, 1};
  UpdateItemResponse full{OneItem("a"), Total("t", 1), metrics};
  CHECK(EncodeUpdateItemResponse(full) ==
        R"({"Attributes":{"id":{"S":"a"}},"ConsumedCapacity":{"CapacityUnits":1.0,)"
        R"("TableName":"t"},"ItemCollectionMetrics":{"ItemCollectionKey":{"pk":{"N":"7"}},)"
        R"("SizeEstimateRangeGB":[0.0,1.0]}})");
  CHECK(EncodePutItemResponse(PutItemResponse{std::nullopt, Total("t", 1)}) ==
        R"({"ConsumedCapacity":{"CapacityUnits":1.0,"TableName":"t"}})");
  CHECK(EncodeDeleteItemResponse(DeleteItemResponse{std::nullopt, std::nullopt, metrics}) ==
        R"({"ItemCollectionMetrics":{"ItemCollectionKey":{"pk":{"N":"7"}},)"
        R"("SizeEstimateRangeGB":[0.0,1.0]}})");
  CHECK(EncodeGetItemResponse(GetItemResponse{OneItem("b"), Total("t", 0.5)}) ==
        R"({"ConsumedCapacity":{"CapacityUnits":0.5,"TableName":"t"},"Item":{"id":{"S":"b"}}})");
  CHECK(EncodeGetItemResponse(GetItemResponse{std::nullopt, Total("t", 0.5)}) ==
        R"({"ConsumedCapacity":{"CapacityUnits":0.5,"TableName":"t"}})");
}

TEST_CASE("Query and Scan responses", "[codec][responses]") {
  ReadManyResponse r;
  CHECK(EncodeQueryResponse(r) == R"({"Count":0,"Items":[],"ScannedCount":0})");
  r.items_json = EncodeItemJson(OneItem("a")) + "," + EncodeItemJson(OneItem("b"));
  r.count = 2;
  r.scanned_count = 5;
  r.last_evaluated_key = OneItem("b");
  r.consumed_capacity = Total("t", 0.5);
  CHECK(EncodeQueryResponse(r) ==
        R"({"ConsumedCapacity":{"CapacityUnits":0.5,"TableName":"t"},"Count":2,)"
        R"("Items":[{"id":{"S":"a"}},{"id":{"S":"b"}}],"LastEvaluatedKey":{"id":{"S":"b"}},)"
        R"("ScannedCount":5})");
  CHECK(EncodeScanResponse(r) == EncodeQueryResponse(r));

  ReadManyResponse count;
  count.count_only = true;
  count.count = 3;
  count.scanned_count = 4;
  CHECK(EncodeScanResponse(count) == R"({"Count":3,"ScannedCount":4})");
}

TEST_CASE("BatchGetItem responses re-encode unprocessed keys as sent", "[codec][responses]") {
  BatchGetItemResponse empty;
  CHECK(EncodeBatchGetItemResponse(empty) == R"({"Responses":{},"UnprocessedKeys":{}})");

  Result<BatchGetItemRequest> request = DecodeBatchGetItem(
      R"({"RequestItems":{"users":{"Keys":[{"id":{"S":"a"}}],"ProjectionExpression":"#n, age",)"
      R"("ExpressionAttributeNames":{"#n":"name"},"ConsistentRead":true},)"
      R"("legacy":{"Keys":[{"id":{"N":"1"}}],"AttributesToGet":["x","y"]},)"
      R"("plain":{"Keys":[{"id":{"S":"p"}}],"ConsistentRead":false}}})");
  REQUIRE(request.ok());
  BatchGetItemResponse response;
  response.responses["users"] = {};
  response.responses["other"] = {OneItem("z")};
  response.unprocessed_keys = request.value().request_items;
  response.consumed_capacity = {Total("other", 0.5), Total("users", 0)};
  CHECK(EncodeBatchGetItemResponse(response) ==
        R"({"ConsumedCapacity":[{"CapacityUnits":0.5,"TableName":"other"},)"
        R"({"CapacityUnits":0.0,"TableName":"users"}],)"
        R"("Responses":{"other":[{"id":{"S":"z"}}],"users":[]},)"
        R"("UnprocessedKeys":{"legacy":{"AttributesToGet":["x","y"],"Keys":[{"id":{"N":"1"}}]},)"
        R"("plain":{"Keys":[{"id":{"S":"p"}}]},)"
        R"("users":{"ConsistentRead":true,"ExpressionAttributeNames":{"#n":"name"},)"
        R"("Keys":[{"id":{"S":"a"}}],"ProjectionExpression":"#n, age"}}})");
}

TEST_CASE("BatchWriteItem responses", "[codec][responses]") {
  BatchWriteItemResponse empty;
  CHECK(EncodeBatchWriteItemResponse(empty) == R"({"UnprocessedItems":{}})");

  BatchWriteItemResponse r;
  WriteRequest put;
  put.is_put = true;
  put.item = OneItem("a");
  WriteRequest del;
  del.is_put = false;
  del.key = OneItem("b");
  r.unprocessed_items["t1"] = {put, del};
  ItemCollectionMetrics metrics;
  metrics.item_collection_key = OneItem("a");
  metrics.size_estimate_range_gb = {0, 1};
  r.item_collection_metrics["t1"] = {metrics};
  r.consumed_capacity = {Total("t1", 2)};
  CHECK(EncodeBatchWriteItemResponse(r) ==
        R"({"ConsumedCapacity":[{"CapacityUnits":2.0,"TableName":"t1"}],)"
        R"("ItemCollectionMetrics":{"t1":[{"ItemCollectionKey":{"id":{"S":"a"}},)"
        R"("SizeEstimateRangeGB":[0.0,1.0]}]},)"
        R"("UnprocessedItems":{"t1":[{"PutRequest":{"Item":{"id":{"S":"a"}}}},)"
        R"({"DeleteRequest":{"Key":{"id":{"S":"b"}}}}]}})");
}

TEST_CASE("UpdateTable answers with the table description", "[codec][responses]") {
  TableDescription t;
  t.table_name = "abc";
  t.key_schema = {{"id", KeyType::kHash}};
  t.attribute_definitions = {{"id", ScalarAttributeType::kS}};
  t.table_status = TableStatus::kUpdating;
  const std::string json = EncodeUpdateTableResponse(t);
  CHECK(json.rfind(R"({"TableDescription":{"AttributeDefinitions":)", 0) == 0);
  CHECK(json.find(R"("TableStatus":"UPDATING")") != std::string::npos);
  CHECK(json == EncodeCreateTableResponse(t));
}

TEST_CASE("A failed condition's error carries the old item", "[codec][responses][error]") {
  Error e(ErrorCode::kConditionalCheckFailed, "The conditional request failed");
  CHECK(ErrorBody(e) ==
        R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
        R"("message":"The conditional request failed"})");
  e.item_json = EncodeItemJson(OneItem("a"));
  CHECK(ErrorBody(e) ==
        R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
        R"("Item":{"id":{"S":"a"}},"message":"The conditional request failed"})");
  // Only that exception carries an item.
  Error other = Error::Validation("x");
  other.item_json = "{}";
  CHECK(ErrorBody(other) ==
        R"({"__type":"com.amazon.coral.validate#ValidationException","message":"x"})");
}

}  // namespace
}  // namespace ddbx::api
