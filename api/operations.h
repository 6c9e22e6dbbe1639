// The typed requests and responses of DynamoDB's operations, as they cross layer boundaries.
//
// proxy/ decodes wire JSON into these (api/codec.h), hands them to a backend::Backend, and
// encodes the responses. Field names follow DynamoDB's. Optional parameters the client did not
// send are std::nullopt (or empty) so a backend can tell "absent" from "default". Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/attribute_value.h"

namespace ddbx::api {

// ---- Table metadata ----

enum class KeyType : uint8_t { kHash, kRange };           // "HASH", "RANGE"
enum class ScalarAttributeType : uint8_t { kS, kN, kB };  // "S", "N", "B"
enum class BillingMode : uint8_t {
  kProvisioned,
  kPayPerRequest
};  // "PROVISIONED", "PAY_PER_REQUEST"
enum class TableStatus : uint8_t { kCreating, kUpdating, kDeleting, kActive };
enum class ReturnValues : uint8_t { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };
enum class ReturnConsumedCapacity : uint8_t { kNone, kTotal, kIndexes };
enum class ReturnItemCollectionMetrics : uint8_t { kNone, kSize };

struct KeySchemaElement {
  std::string attribute_name;
  KeyType key_type;
  bool operator==(const KeySchemaElement&) const = default;
};

struct AttributeDefinition {
  std::string attribute_name;
  ScalarAttributeType attribute_type;
  bool operator==(const AttributeDefinition&) const = default;
};

struct ProvisionedThroughput {
  int64_t read_capacity_units = 0;
  int64_t write_capacity_units = 0;
  bool operator==(const ProvisionedThroughput&) const = default;
};

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

// What DescribeTable reports (and CreateTable / DeleteTable return).
struct TableDescription {
  std::string table_name;
  std::string table_arn;  // arn:aws:dynamodb:<region>:<account>:table/<name>
  std::string table_id;   // a UUID
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;  // HASH first, then RANGE if any
  TableStatus table_status = TableStatus::kActive;
  double creation_date_time = 0;  // seconds since the epoch, with fraction
  BillingMode billing_mode = BillingMode::kProvisioned;
  double last_update_to_pay_per_request_date_time = 0;  // 0: never
  ProvisionedThroughput provisioned_throughput;         // zeros for PAY_PER_REQUEST
  double last_increase_date_time = 0;  // of provisioned throughput, epoch seconds; 0: never
  double last_decrease_date_time = 0;  // of provisioned throughput, epoch seconds; 0: never
  int64_t number_of_decreases_today = 0;
  int64_t item_count = 0;
  int64_t table_size_bytes = 0;
  bool deletion_protection_enabled = false;

  // The key schema's attribute names, for convenience.
  const std::string& hash_key_name() const { return key_schema.front().attribute_name; }
  const std::string* range_key_name() const {
    return key_schema.size() > 1 ? &key_schema[1].attribute_name : nullptr;
  }
};

// ---- Control plane ----

struct CreateTableRequest {
  std::string table_name;
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;
  std::optional<BillingMode> billing_mode;
  std::optional<ProvisionedThroughput> provisioned_throughput;
  bool deletion_protection_enabled = false;
  std::vector<Tag> tags;
};

struct DescribeTableRequest {
  std::string table_name;
};

struct DeleteTableRequest {
  std::string table_name;
};

struct ListTablesRequest {
  std::optional<std::string> exclusive_start_table_name;
  std::optional<int32_t> limit;  // 1..100; the backend applies 100 when absent
};

struct ListTablesResponse {
  std::vector<std::string> table_names;
  std::optional<std::string> last_evaluated_table_name;
};

// ---- Data plane ----

struct PutItemRequest {
  std::string table_name;
  Item item;
  ReturnValues return_values = ReturnValues::kNone;  // NONE or ALL_OLD
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
  ReturnItemCollectionMetrics return_item_collection_metrics = ReturnItemCollectionMetrics::kNone;
};

struct PutItemResponse {
  std::optional<Item> attributes;  // the old item, with ReturnValues ALL_OLD and an old item
};

struct GetItemRequest {
  std::string table_name;
  Key key;
  bool consistent_read = false;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};

struct GetItemResponse {
  std::optional<Item> item;  // absent: no such item
};

struct DeleteItemRequest {
  std::string table_name;
  Key key;
  ReturnValues return_values = ReturnValues::kNone;  // NONE or ALL_OLD
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
  ReturnItemCollectionMetrics return_item_collection_metrics = ReturnItemCollectionMetrics::kNone;
};

struct DeleteItemResponse {
  std::optional<Item> attributes;  // the deleted item, with ReturnValues ALL_OLD
};

}  // namespace ddbx::api
