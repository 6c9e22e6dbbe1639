// Codec: DynamoDB's JSON wire format <-> the typed values of api/operations.h.
//
// Decoding follows DynamoDB's order of checks, each stage ending the request with its first
// failure:
//   1. The body must be JSON (see IsWellFormedJson) whose top level is an object or null: else
//      SerializationException with no message.
//   2. Every member ddbx knows must have the JSON type DynamoDB's model gives it, checked in
//      document order: else SerializationException with DynamoDB's message ("NUMBER_VALUE
//      cannot be converted to String", "Start of structure or map found where not expected",
//      "Unexpected field type", ...). Members ddbx does not model (unknown ones, and CreateTable
//      settings such as StreamSpecification or TableClass) are ignored, as DynamoDB ignores
//      unknown members; JSON null is the same as an absent member.
//   3. Table-independent constraints (required members, table name pattern and length, enums,
//      ranges), collected in DynamoDB's member order, at most 10: ValidationException
//      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint:
//      Member must not be null" (or "2 validation errors detected: ...; ...").
//   4. The operation's own checks (attribute values, key schema shape, billing mode rules,
//      ReturnValues, the 400 KB item size), each a ValidationException with DynamoDB's message.
// Checks that need the table's schema are in api/validation.h and run in the backend.
//
// Expressions and their legacy counterparts (Expected, AttributesToGet, AttributeUpdates,
// KeyConditions, QueryFilter, ScanFilter) are parsed or translated during decoding, through
// api/expression.h, into the trees the requests carry; their errors are reported in DynamoDB's
// order among the operation's other checks (the order of each operation is described where it
// is implemented, in codec_item.cc, codec_read.cc and codec_batch.cc). Features ddbx does not
// serve yet (creating or changing secondary indexes, streams, encryption and replica settings)
// are decoded and type-checked, then refused with a ValidationException that says so ("ddbx does
// not support GlobalSecondaryIndexUpdates yet"), after DynamoDB's own checks have passed.
//
// Encoding writes DynamoDB's JSON with members in DynamoDB's (alphabetical) order and items'
// attributes sorted by name, so equal values always encode to equal bytes.
//
// Every function is pure and thread-safe (decoders use a thread-local parser).
#pragma once

#include <string>
#include <string_view>

#include "api/attribute_value.h"
#include "api/error.h"
#include "api/json_writer.h"
#include "api/operations.h"

namespace ddbx::api {

// ---- Wire names of enums ----

std::string_view KeyTypeName(KeyType type);                          // "HASH", "RANGE"
std::string_view ScalarAttributeTypeName(ScalarAttributeType type);  // "S", "N", "B"
std::string_view BillingModeName(BillingMode mode);    // "PROVISIONED", "PAY_PER_REQUEST"
std::string_view TableStatusName(TableStatus status);  // "CREATING", "ACTIVE", ...
std::string_view ReturnValuesName(ReturnValues rv);    // "NONE", "ALL_OLD", ...

// ---- Attribute values and items ----
// Decoding applies DynamoDB's rules: exactly one type per value, NULL only true, numbers that
// Number::Parse accepts, at most kMaxNestingDepth levels, and sets that are not empty and hold
// neither duplicates nor JSON nulls. Empty S and B values are allowed, also inside lists, maps
// and sets (since May 2020); that keys may not be empty is checked in api/validation.h.

// {"S":"x"}, {"N":"1.5"}, {"B":"<base64>"}, {"BOOL":true}, {"NULL":true}, {"M":{...}},
// {"L":[...]}, {"SS":[...]}, {"NS":[...]}, {"BS":[...]}. Numbers in canonical form.
void WriteAttributeValue(JsonWriter* w, const AttributeValue& value);
// An item as a JSON object of attribute values, attributes sorted by name.
void WriteItem(JsonWriter* w, const AttributeMap& item);

// The item as a DynamoDB-JSON map, e.g. {"id":{"S":"a"},"n":{"N":"5"}}. Also the engine's
// storage format for item values.
std::string EncodeItemJson(const Item& item);
void AppendItemJson(const Item& item, std::string* out);

// Parses a DynamoDB-JSON map into an item, applying the same attribute value rules as the request
// decoders (SerializationException / ValidationException with DynamoDB's messages).
Result<Item> DecodeItemJson(std::string_view json);
// One attribute value, e.g. {"S":"x"}.
Result<AttributeValue> DecodeAttributeValueJson(std::string_view json);

// ---- Table descriptions ----

// The TableDescription object as DynamoDB returns it (AttributeDefinitions, BillingModeSummary
// for PAY_PER_REQUEST tables, CreationDateTime, DeletionProtectionEnabled, ItemCount,
// KeySchema, ProvisionedThroughput, TableArn, TableId, TableName, TableSizeBytes, TableStatus).
void WriteTableDescription(JsonWriter* w, const TableDescription& table);

// ---- Requests ----

// True when `body` is one JSON text (any value: object, array, scalar or null, with optional
// surrounding whitespace) that the request decoders' parser accepts; false for anything else,
// including invalid UTF-8, a truncated or doubled document, and the empty or all-blank body.
// The decoders answer SerializationException without a message exactly when this is false (and
// also when the top level is not an object or null). The dispatcher calls it on its error paths
// only: DynamoDB reports malformed JSON before an unknown target or a failed authentication, but
// reports an empty body after them, so callers test the empty body themselves. Uses the
// decoders' thread-local parser; what a decoder returned owns its data and is not affected.
bool IsWellFormedJson(std::string_view body);

// Each returns the typed request, or the first error by the order above.

Result<CreateTableRequest> DecodeCreateTable(std::string_view body);
Result<DescribeTableRequest> DecodeDescribeTable(std::string_view body);
Result<DeleteTableRequest> DecodeDeleteTable(std::string_view body);
Result<ListTablesRequest> DecodeListTables(std::string_view body);
// UpdateTable: "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, ...
// or TableClass is required" when nothing is to change; GlobalSecondaryIndexUpdates, streams,
// encryption, replicas, table class and on-demand or warm throughput are refused as unsupported
// after DynamoDB's checks.
Result<UpdateTableRequest> DecodeUpdateTable(std::string_view body);

// The item operations: conditions (ConditionExpression or Expected with ConditionalOperator),
// projections (ProjectionExpression or AttributesToGet) and updates (UpdateExpression or
// AttributeUpdates) arrive parsed in the request; null when the client sent none.
Result<PutItemRequest> DecodePutItem(std::string_view body);
Result<GetItemRequest> DecodeGetItem(std::string_view body);
Result<DeleteItemRequest> DecodeDeleteItem(std::string_view body);
Result<UpdateItemRequest> DecodeUpdateItem(std::string_view body);

// Query needs KeyConditionExpression or KeyConditions (one or two conditions, resolved against
// the key schema by the backend); Scan takes Segment with TotalSegments. IndexName is passed on:
// the backend answers for an index the table does not have. Select stays absent unless sent.
Result<QueryRequest> DecodeQuery(std::string_view body);
Result<ScanRequest> DecodeScan(std::string_view body);

// BatchGetItem: 1 to 100 keys in all, no duplicate key within a table. BatchWriteItem: 1 to 25
// requests in all, each exactly one of PutRequest and DeleteRequest; duplicate keys need the key
// schema and are the backend's to find.
Result<BatchGetItemRequest> DecodeBatchGetItem(std::string_view body);
Result<BatchWriteItemRequest> DecodeBatchWriteItem(std::string_view body);
// TransactWriteItems: 1 to 100 actions, each exactly one of ConditionCheck, Put, Delete, Update
// (ConditionCheck needs a ConditionExpression, Update an UpdateExpression); ClientRequestToken
// 1 to 36 characters; the items and values at most 4 MB together; expressions parsed as the
// single-item operations parse them; the legacy parameters are not part of these shapes.
// `fingerprint` is the request in a canonical form (members sorted, without ClientRequestToken
// and ReturnConsumedCapacity). TransactGetItems: 1 to 100 Gets, each with an optional
// ProjectionExpression.
Result<TransactWriteItemsRequest> DecodeTransactWriteItems(std::string_view body);
// UpdateTimeToLive: TableName as DescribeTable; TimeToLiveSpecification with Enabled and an
// AttributeName of 1 to 255 characters. DescribeTimeToLive: TableName as DescribeTable.
Result<UpdateTimeToLiveRequest> DecodeUpdateTimeToLive(std::string_view body);
Result<DescribeTimeToLiveRequest> DecodeDescribeTimeToLive(std::string_view body);
Result<TransactGetItemsRequest> DecodeTransactGetItems(std::string_view body);

// ---- Responses ----

std::string EncodeCreateTableResponse(const TableDescription& table);    // {"TableDescription":..}
std::string EncodeDescribeTableResponse(const TableDescription& table);  // {"Table":..}
std::string EncodeDeleteTableResponse(const TableDescription& table);    // {"TableDescription":..}
// {"LastEvaluatedTableName":"..","TableNames":[..]}, the first member only when set.
std::string EncodeListTablesResponse(const ListTablesResponse& response);
std::string EncodeUpdateTableResponse(const TableDescription& table);  // {"TableDescription":..}

// ConsumedCapacity, as DynamoDB writes it: {"CapacityUnits":1.0,"TableName":"t"} for TOTAL; with
// INDEXES also "Table" and "GlobalSecondaryIndexes" / "LocalSecondaryIndexes" (by index name),
// each {"CapacityUnits":..}; ReadCapacityUnits / WriteCapacityUnits wherever the backend set them.
void WriteConsumedCapacity(JsonWriter* w, const ConsumedCapacity& capacity);
// {"ItemCollectionKey":{..},"SizeEstimateRangeGB":[lower,upper]}.
void WriteItemCollectionMetrics(JsonWriter* w, const ItemCollectionMetrics& metrics);

// Members in DynamoDB's (alphabetical) order, each only when set: {} when there is nothing.
//   {"Attributes":..,"ConsumedCapacity":..,"ItemCollectionMetrics":..}
std::string EncodePutItemResponse(const PutItemResponse& response);
std::string EncodeDeleteItemResponse(const DeleteItemResponse& response);
std::string EncodeUpdateItemResponse(const UpdateItemResponse& response);
//   {"ConsumedCapacity":..,"Item":..}
std::string EncodeGetItemResponse(const GetItemResponse& response);
//   {"ConsumedCapacity":..,"Count":n,"Items":[..],"LastEvaluatedKey":..,"ScannedCount":n}; no
//   "Items" when count_only (Select COUNT).
std::string EncodeQueryResponse(const QueryResponse& response);
std::string EncodeScanResponse(const ScanResponse& response);
//   {"ConsumedCapacity":[..],"Responses":{"t":[..]},"UnprocessedKeys":{"t":{..}}}; the last two
//   always (maybe {}), the first with ReturnConsumedCapacity. An unprocessed table's
//   KeysAndAttributes carries its projection as sent: ProjectionExpression and
//   ExpressionAttributeNames, or AttributesToGet; and ConsistentRead when true.
std::string EncodeBatchGetItemResponse(const BatchGetItemResponse& response);
//   {"ConsumedCapacity":[..],"ItemCollectionMetrics":{"t":[..]},"UnprocessedItems":{"t":[..]}};
//   UnprocessedItems always (maybe {}), the others when non-empty.
std::string EncodeBatchWriteItemResponse(const BatchWriteItemResponse& response);
//   {"ConsumedCapacity":[..]}: each table's CapacityUnits with WriteCapacityUnits (a repeat
//   under a ClientRequestToken: ReadCapacityUnits), with ReturnConsumedCapacity; else {}.
std::string EncodeTransactWriteItemsResponse(const TransactWriteItemsResponse& response);
//   {"ConsumedCapacity":[..],"Responses":[{"Item":{..}}, {}, ..]}: one per Get, in order.
std::string EncodeTransactGetItemsResponse(const TransactGetItemsResponse& response);
// The elements of TransactionCanceledException's "CancellationReasons", joined by commas:
//   {"Code":"None"}, {"Code":"ConditionalCheckFailed","Item":{..},"Message":"..."}, ...
// (Error::cancellation_reasons_json).
//   {"TimeToLiveSpecification":{"AttributeName":..,"Enabled":..}}
std::string EncodeUpdateTimeToLiveResponse(const UpdateTimeToLiveResponse& response);
//   {"TimeToLiveDescription":{"AttributeName":..,"TimeToLiveStatus":..}}; no AttributeName
//   while DISABLED.
std::string EncodeDescribeTimeToLiveResponse(const DescribeTimeToLiveResponse& response);
std::string EncodeCancellationReasons(const std::vector<CancellationReason>& reasons);

}  // namespace ddbx::api
