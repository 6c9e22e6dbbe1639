// The typed requests and responses of DynamoDB's operations, as they cross layer boundaries.
//
// proxy/ decodes wire JSON into these (api/codec.h), hands them to a backend::Backend, and
// encodes the responses. Field names follow DynamoDB's. Optional parameters the client did not
// send are std::nullopt (or empty) so a backend can tell "absent" from "default". Plain values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/attribute_value.h"

namespace ddbx::api {

// Parsed expressions (api/expression.h). Requests hold them as shared immutable trees so a
// request stays cheap to copy and the backend never re-parses. Each keeps its source text and
// the placeholders it used, so a request can be encoded again (for an upstream endpoint, or for
// UnprocessedKeys) exactly as the client sent it. The legacy parameters (Expected,
// AttributesToGet, AttributeUpdates, KeyConditions, QueryFilter, ScanFilter) are translated by
// the codec into the same trees.
namespace expr {
struct ConditionExpression;     // ConditionExpression, FilterExpression, Expected, *Filter
struct KeyConditionExpression;  // KeyConditionExpression, KeyConditions
struct UpdateExpression;        // UpdateExpression, AttributeUpdates
struct ProjectionExpression;    // ProjectionExpression, AttributesToGet
}  // namespace expr
using ConditionPtr = std::shared_ptr<const expr::ConditionExpression>;
using KeyConditionPtr = std::shared_ptr<const expr::KeyConditionExpression>;
using UpdatePtr = std::shared_ptr<const expr::UpdateExpression>;
using ProjectionPtr = std::shared_ptr<const expr::ProjectionExpression>;

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
enum class ReturnValuesOnConditionCheckFailure : uint8_t { kNone, kAllOld };
enum class Select : uint8_t {
  kAllAttributes,
  kAllProjectedAttributes,
  kSpecificAttributes,
  kCount
};

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

enum class ProjectionType : uint8_t { kAll, kKeysOnly, kInclude };

// Which attributes a secondary index holds besides the keys.
struct Projection {
  ProjectionType type = ProjectionType::kAll;
  std::vector<std::string> non_key_attributes;  // INCLUDE only, as declared
  bool operator==(const Projection&) const = default;
};

enum class IndexStatus : uint8_t { kCreating, kUpdating, kDeleting, kActive };

// A secondary index as declared (CreateTable) and described (DescribeTable).
struct SecondaryIndex {
  std::string index_name;
  std::vector<KeySchemaElement> key_schema;  // HASH first, then RANGE if any
  Projection projection;
  ProvisionedThroughput provisioned_throughput;  // GSIs; zeros on PAY_PER_REQUEST tables
  // Described only:
  std::string index_arn;                            // arn:...:table/<table>/index/<index>
  IndexStatus index_status = IndexStatus::kActive;  // GSIs
  bool backfilling = false;                         // GSIs added by UpdateTable, while filling
  int64_t item_count = 0;
  int64_t index_size_bytes = 0;
  bool operator==(const SecondaryIndex&) const = default;
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
  std::vector<SecondaryIndex> local_secondary_indexes;
  std::vector<SecondaryIndex> global_secondary_indexes;

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
  std::vector<SecondaryIndex> local_secondary_indexes;
  std::vector<SecondaryIndex> global_secondary_indexes;
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

// ---- Capacity and metrics ----

// What ReturnConsumedCapacity reports for one table (TOTAL: capacity_units only; INDEXES: also
// the table's and each index's share).
struct Capacity {
  double capacity_units = 0;
  std::optional<double> read_capacity_units;
  std::optional<double> write_capacity_units;
};

struct ConsumedCapacity {
  std::string table_name;
  Capacity total;                                            // CapacityUnits (+Read/Write)
  std::optional<Capacity> table;                             // INDEXES: "Table"
  std::map<std::string, Capacity> local_secondary_indexes;   // INDEXES
  std::map<std::string, Capacity> global_secondary_indexes;  // INDEXES
};

struct ItemCollectionMetrics {
  Key item_collection_key;                     // the partition key
  std::vector<double> size_estimate_range_gb;  // two values: lower and upper estimate
};

// ---- Data plane ----

struct PutItemRequest {
  std::string table_name;
  Item item;
  ConditionPtr condition;                            // null: unconditional
  ReturnValues return_values = ReturnValues::kNone;  // NONE or ALL_OLD
  ReturnValuesOnConditionCheckFailure return_values_on_condition_check_failure =
      ReturnValuesOnConditionCheckFailure::kNone;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
  ReturnItemCollectionMetrics return_item_collection_metrics = ReturnItemCollectionMetrics::kNone;
};

struct PutItemResponse {
  std::optional<Item> attributes;  // the old item, with ReturnValues ALL_OLD and an old item
  std::optional<ConsumedCapacity> consumed_capacity = std::nullopt;
  std::optional<ItemCollectionMetrics> item_collection_metrics = std::nullopt;
};

struct GetItemRequest {
  std::string table_name;
  Key key;
  ProjectionPtr projection;  // null: every attribute
  bool consistent_read = false;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};

struct GetItemResponse {
  std::optional<Item> item;  // absent: no such item
  std::optional<ConsumedCapacity> consumed_capacity = std::nullopt;
};

struct DeleteItemRequest {
  std::string table_name;
  Key key;
  ConditionPtr condition;                            // null: unconditional
  ReturnValues return_values = ReturnValues::kNone;  // NONE or ALL_OLD
  ReturnValuesOnConditionCheckFailure return_values_on_condition_check_failure =
      ReturnValuesOnConditionCheckFailure::kNone;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
  ReturnItemCollectionMetrics return_item_collection_metrics = ReturnItemCollectionMetrics::kNone;
};

struct DeleteItemResponse {
  std::optional<Item> attributes;  // the deleted item, with ReturnValues ALL_OLD
  std::optional<ConsumedCapacity> consumed_capacity = std::nullopt;
  std::optional<ItemCollectionMetrics> item_collection_metrics = std::nullopt;
};

struct UpdateItemRequest {
  std::string table_name;
  Key key;
  UpdatePtr update;        // null: no change (UpdateItem then only creates the key's item)
  ConditionPtr condition;  // null: unconditional
  ReturnValues return_values = ReturnValues::kNone;  // all five
  ReturnValuesOnConditionCheckFailure return_values_on_condition_check_failure =
      ReturnValuesOnConditionCheckFailure::kNone;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
  ReturnItemCollectionMetrics return_item_collection_metrics = ReturnItemCollectionMetrics::kNone;
};

struct UpdateItemResponse {
  std::optional<Item> attributes;  // per ReturnValues
  std::optional<ConsumedCapacity> consumed_capacity = std::nullopt;
  std::optional<ItemCollectionMetrics> item_collection_metrics = std::nullopt;
};

// Query and Scan share one shape; Query has a key condition, Scan may have segments.
struct ReadManyRequest {
  std::string table_name;
  std::optional<std::string> index_name;
  KeyConditionPtr key_condition;  // Query only
  ConditionPtr filter;            // FilterExpression / QueryFilter / ScanFilter
  ProjectionPtr projection;
  std::optional<Select> select;    // absent: DynamoDB's default for the request
  bool scan_index_forward = true;  // Query only
  std::optional<int32_t> limit;    // items evaluated (before the filter), 1..
  std::optional<Key> exclusive_start_key;
  bool consistent_read = false;
  std::optional<int32_t> segment;         // Scan only, with total_segments
  std::optional<int32_t> total_segments;  // Scan only, 1..1,000,000
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};
using QueryRequest = ReadManyRequest;
using ScanRequest = ReadManyRequest;

struct ReadManyResponse {
  // The page's items as the elements of the response's "Items" array: each item's DynamoDB
  // JSON, joined by commas ("" when there are none, and with Select COUNT). Items travel encoded
  // because they usually leave the store exactly as stored: copying their bytes costs far less
  // than decoding them into attribute values and encoding them again.
  std::string items_json;
  bool count_only = false;  // Select COUNT: the response has no Items member
  int64_t count = 0;
  int64_t scanned_count = 0;
  std::optional<Key> last_evaluated_key;
  std::optional<ConsumedCapacity> consumed_capacity = std::nullopt;
};
using QueryResponse = ReadManyResponse;
using ScanResponse = ReadManyResponse;

struct KeysAndAttributes {
  std::vector<Key> keys;
  ProjectionPtr projection;
  bool consistent_read = false;
};

struct BatchGetItemRequest {
  std::map<std::string, KeysAndAttributes> request_items;  // by table name
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};

struct BatchGetItemResponse {
  std::map<std::string, std::vector<Item>> responses;
  std::map<std::string, KeysAndAttributes> unprocessed_keys;
  std::vector<ConsumedCapacity> consumed_capacity;  // one per table, with ReturnConsumedCapacity
};

struct WriteRequest {
  bool is_put = true;  // PutRequest (item) or DeleteRequest (key)
  Item item;           // PutRequest
  Key key;             // DeleteRequest
};

struct BatchWriteItemRequest {
  std::map<std::string, std::vector<WriteRequest>> request_items;  // by table name
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
  ReturnItemCollectionMetrics return_item_collection_metrics = ReturnItemCollectionMetrics::kNone;
};

struct BatchWriteItemResponse {
  std::map<std::string, std::vector<WriteRequest>> unprocessed_items;
  std::map<std::string, std::vector<ItemCollectionMetrics>> item_collection_metrics;
  std::vector<ConsumedCapacity> consumed_capacity;
};

// ---- Time to live ----

struct TimeToLiveSpecification {
  std::string attribute_name;
  bool enabled = false;
};

struct UpdateTimeToLiveRequest {
  std::string table_name;
  TimeToLiveSpecification specification;
};

struct UpdateTimeToLiveResponse {
  TimeToLiveSpecification specification;  // as asked
};

struct DescribeTimeToLiveRequest {
  std::string table_name;
};

enum class TimeToLiveStatus : uint8_t { kEnabling, kDisabling, kEnabled, kDisabled };

struct DescribeTimeToLiveResponse {
  TimeToLiveStatus status = TimeToLiveStatus::kDisabled;
  std::optional<std::string> attribute_name;  // not while DISABLED
};

// ---- Transactions ----

enum class TransactActionKind : uint8_t { kConditionCheck, kPut, kDelete, kUpdate };

// One element of TransactItems: exactly one action on one item.
struct TransactWriteAction {
  TransactActionKind kind = TransactActionKind::kPut;
  std::string table_name;
  Item item;               // Put
  Key key;                 // ConditionCheck, Delete, Update
  ConditionPtr condition;  // required for ConditionCheck; optional for the others
  UpdatePtr update;        // Update
  ReturnValuesOnConditionCheckFailure return_values_on_condition_check_failure =
      ReturnValuesOnConditionCheckFailure::kNone;
};

struct TransactWriteItemsRequest {
  std::vector<TransactWriteAction> actions;  // 1 to 100, in request order
  std::optional<std::string> client_request_token;
  // Every parameter but ClientRequestToken, in a canonical form (object members sorted): two
  // requests with one token are "the same request" when these are equal.
  std::string fingerprint;
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
  ReturnItemCollectionMetrics return_item_collection_metrics = ReturnItemCollectionMetrics::kNone;
};

struct TransactWriteItemsResponse {
  std::vector<ConsumedCapacity> consumed_capacity;  // one per table, with ReturnConsumedCapacity
  // ReturnItemCollectionMetrics SIZE, tables with local secondary indexes: by table name.
  std::map<std::string, std::vector<ItemCollectionMetrics>> item_collection_metrics;
};

// Why one action of a cancelled transaction did or did not go through, in request order.
struct CancellationReason {
  std::string code;     // "None", "ConditionalCheckFailed", "ValidationError", ...
  std::string message;  // empty for "None"
  std::optional<Item>
      item;  // ConditionalCheckFailed with ReturnValuesOnConditionCheckFailure ALL_OLD
};

struct TransactGetAction {
  std::string table_name;
  Key key;
  ProjectionPtr projection;  // null: every attribute
};

struct TransactGetItemsRequest {
  std::vector<TransactGetAction> gets;  // 1 to 100, in request order
  ReturnConsumedCapacity return_consumed_capacity = ReturnConsumedCapacity::kNone;
};

struct TransactGetItemsResponse {
  std::vector<std::optional<Item>> responses;       // one per Get, in request order
  std::vector<ConsumedCapacity> consumed_capacity;  // one per table, with ReturnConsumedCapacity
};

struct UpdateTableRequest {
  std::string table_name;
  std::optional<BillingMode> billing_mode;
  std::optional<ProvisionedThroughput> provisioned_throughput;
  std::optional<bool> deletion_protection_enabled;
  // GlobalSecondaryIndexUpdates: at most one Create or Delete in all (DynamoDB's limit), with
  // the definitions of a created index's key attributes.
  std::vector<SecondaryIndex> create_global_secondary_indexes;
  std::vector<std::string> delete_global_secondary_indexes;
  std::vector<AttributeDefinition> attribute_definitions;
};

}  // namespace ddbx::api
