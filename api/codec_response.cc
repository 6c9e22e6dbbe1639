// Codec: the data-plane responses. Members are written in DynamoDB's (alphabetical) order and
// optional ones only when set, so equal responses encode to equal bytes:
//   PutItem / DeleteItem / UpdateItem: Attributes, ConsumedCapacity, ItemCollectionMetrics
//   GetItem: ConsumedCapacity, Item
//   Query / Scan: ConsumedCapacity, Count, Items (not with Select COUNT), LastEvaluatedKey,
//     ScannedCount
//   BatchGetItem: ConsumedCapacity (a list), Responses, UnprocessedKeys (always, maybe {})
//   BatchWriteItem: ConsumedCapacity (a list), ItemCollectionMetrics, UnprocessedItems (always)
//   TransactWriteItems: ConsumedCapacity (a list), ItemCollectionMetrics; TransactGetItems:
//   ConsumedCapacity (a list),
//     Responses (always; {} for an item not found)
//   CancellationReasons elements: Code, Item, Message (none for Code None)
// UnprocessedKeys re-encode each table's projection as the client sent it (from the source the
// parsed expression keeps), so a client can send them back unchanged.
#include <string>

#include "api/codec.h"
#include "api/codec_internal.h"
#include "api/expression.h"

namespace ddbx::api {
namespace {

void WriteCapacity(JsonWriter* w, const Capacity& c) {
  w->BeginObject();
  w->Key("CapacityUnits");
  w->Double(c.capacity_units);
  if (c.read_capacity_units.has_value()) {
    w->Key("ReadCapacityUnits");
    w->Double(*c.read_capacity_units);
  }
  if (c.write_capacity_units.has_value()) {
    w->Key("WriteCapacityUnits");
    w->Double(*c.write_capacity_units);
  }
  w->EndObject();
}

void WriteCapacityMap(JsonWriter* w, std::string_view member,
                      const std::map<std::string, Capacity>& indexes) {
  if (indexes.empty()) return;
  w->Key(member);
  w->BeginObject();
  for (const auto& [name, capacity] : indexes) {
    w->Key(name);
    WriteCapacity(w, capacity);
  }
  w->EndObject();
}

void WriteOptionalConsumedCapacity(JsonWriter* w, const std::optional<ConsumedCapacity>& c) {
  if (!c.has_value()) return;
  w->Key("ConsumedCapacity");
  WriteConsumedCapacity(w, *c);
}

// BatchWriteItem's and TransactWriteItems' "ItemCollectionMetrics": by table, unless empty.
void WriteItemCollectionMetricsMap(
    JsonWriter* w, const std::map<std::string, std::vector<ItemCollectionMetrics>>& by_table) {
  if (by_table.empty()) return;
  w->Key("ItemCollectionMetrics");
  w->BeginObject();
  for (const auto& [table, metrics] : by_table) {
    w->Key(table);
    w->BeginArray();
    for (const ItemCollectionMetrics& m : metrics) WriteItemCollectionMetrics(w, m);
    w->EndArray();
  }
  w->EndObject();
}

void WriteConsumedCapacityList(JsonWriter* w, const std::vector<ConsumedCapacity>& list) {
  if (list.empty()) return;
  w->Key("ConsumedCapacity");
  w->BeginArray();
  for (const ConsumedCapacity& c : list) WriteConsumedCapacity(w, c);
  w->EndArray();
}

void WriteItemList(JsonWriter* w, const std::vector<Item>& items) {
  w->BeginArray();
  for (const Item& item : items) WriteItem(w, item);
  w->EndArray();
}

// PutItem, DeleteItem and UpdateItem answer alike.
std::string EncodeWriteResponse(const std::optional<Item>& attributes,
                                const std::optional<ConsumedCapacity>& consumed_capacity,
                                const std::optional<ItemCollectionMetrics>& metrics) {
  std::string out;
  out.reserve(2 + (attributes.has_value() ? 16 + attributes->size() * 48 : 0));
  JsonWriter w(&out);
  w.BeginObject();
  if (attributes.has_value()) {
    w.Key("Attributes");
    WriteItem(&w, *attributes);
  }
  WriteOptionalConsumedCapacity(&w, consumed_capacity);
  if (metrics.has_value()) {
    w.Key("ItemCollectionMetrics");
    WriteItemCollectionMetrics(&w, *metrics);
  }
  w.EndObject();
  return out;
}

std::string EncodeReadManyResponse(const ReadManyResponse& r) {
  std::string out;
  out.reserve(160 + r.items_json.size());
  JsonWriter w(&out);
  w.BeginObject();
  WriteOptionalConsumedCapacity(&w, r.consumed_capacity);
  w.Key("Count");
  w.Int(r.count);
  if (!r.count_only) {
    w.Key("Items");
    std::string* items = w.BeginRawValue();
    items->push_back('[');
    items->append(r.items_json);
    items->push_back(']');
  }
  if (r.last_evaluated_key.has_value()) {
    w.Key("LastEvaluatedKey");
    WriteItem(&w, *r.last_evaluated_key);
  }
  w.Key("ScannedCount");
  w.Int(r.scanned_count);
  w.EndObject();
  return out;
}

// A KeysAndAttributes as the client sent it: its projection as ProjectionExpression (with the
// names it used) or, translated from the legacy parameter, as AttributesToGet.
void WriteKeysAndAttributes(JsonWriter* w, const KeysAndAttributes& k) {
  const expr::ProjectionExpression* projection = k.projection.get();
  const bool legacy = projection != nullptr && projection->source.legacy;
  w->BeginObject();
  if (legacy) {
    w->Key("AttributesToGet");
    w->BeginArray();
    for (const expr::Path& path : projection->paths) w->String(path.attribute());
    w->EndArray();
  }
  if (k.consistent_read) {
    w->Key("ConsistentRead");
    w->Bool(true);
  }
  if (projection != nullptr && !legacy && !projection->source.names.empty()) {
    w->Key("ExpressionAttributeNames");
    w->BeginObject();
    for (const auto& [placeholder, name] : projection->source.names) {
      w->Key(placeholder);
      w->String(name);
    }
    w->EndObject();
  }
  w->Key("Keys");
  WriteItemList(w, k.keys);
  if (projection != nullptr && !legacy) {
    w->Key("ProjectionExpression");
    w->String(projection->source.text);
  }
  w->EndObject();
}

void WriteWriteRequest(JsonWriter* w, const WriteRequest& request) {
  w->BeginObject();
  if (request.is_put) {
    w->Key("PutRequest");
    w->BeginObject();
    w->Key("Item");
    WriteItem(w, request.item);
  } else {
    w->Key("DeleteRequest");
    w->BeginObject();
    w->Key("Key");
    WriteItem(w, request.key);
  }
  w->EndObject();
  w->EndObject();
}

}  // namespace

void WriteConsumedCapacity(JsonWriter* w, const ConsumedCapacity& c) {
  w->BeginObject();
  w->Key("CapacityUnits");
  w->Double(c.total.capacity_units);
  WriteCapacityMap(w, "GlobalSecondaryIndexes", c.global_secondary_indexes);
  WriteCapacityMap(w, "LocalSecondaryIndexes", c.local_secondary_indexes);
  if (c.total.read_capacity_units.has_value()) {
    w->Key("ReadCapacityUnits");
    w->Double(*c.total.read_capacity_units);
  }
  if (c.table.has_value()) {
    w->Key("Table");
    WriteCapacity(w, *c.table);
  }
  w->Key("TableName");
  w->String(c.table_name);
  if (c.total.write_capacity_units.has_value()) {
    w->Key("WriteCapacityUnits");
    w->Double(*c.total.write_capacity_units);
  }
  w->EndObject();
}

void WriteItemCollectionMetrics(JsonWriter* w, const ItemCollectionMetrics& m) {
  w->BeginObject();
  w->Key("ItemCollectionKey");
  WriteItem(w, m.item_collection_key);
  w->Key("SizeEstimateRangeGB");
  w->BeginArray();
  for (const double gb : m.size_estimate_range_gb) w->Double(gb);
  w->EndArray();
  w->EndObject();
}

std::string EncodePutItemResponse(const PutItemResponse& response) {
  return EncodeWriteResponse(response.attributes, response.consumed_capacity,
                             response.item_collection_metrics);
}

std::string EncodeDeleteItemResponse(const DeleteItemResponse& response) {
  return EncodeWriteResponse(response.attributes, response.consumed_capacity,
                             response.item_collection_metrics);
}

std::string EncodeUpdateItemResponse(const UpdateItemResponse& response) {
  return EncodeWriteResponse(response.attributes, response.consumed_capacity,
                             response.item_collection_metrics);
}

std::string EncodeGetItemResponse(const GetItemResponse& response) {
  if (!response.item.has_value() && !response.consumed_capacity.has_value()) return "{}";
  std::string out;
  out.reserve(16 + (response.item.has_value() ? response.item->size() * 48 : 0));
  JsonWriter w(&out);
  w.BeginObject();
  WriteOptionalConsumedCapacity(&w, response.consumed_capacity);
  if (response.item.has_value()) {
    w.Key("Item");
    WriteItem(&w, *response.item);
  }
  w.EndObject();
  return out;
}

std::string EncodeQueryResponse(const QueryResponse& response) {
  return EncodeReadManyResponse(response);
}

std::string EncodeScanResponse(const ScanResponse& response) {
  return EncodeReadManyResponse(response);
}

std::string EncodeBatchGetItemResponse(const BatchGetItemResponse& response) {
  std::string out;
  out.reserve(64 + response.responses.size() * 256);
  JsonWriter w(&out);
  w.BeginObject();
  WriteConsumedCapacityList(&w, response.consumed_capacity);
  w.Key("Responses");
  w.BeginObject();
  for (const auto& [table, items] : response.responses) {
    w.Key(table);
    WriteItemList(&w, items);
  }
  w.EndObject();
  w.Key("UnprocessedKeys");
  w.BeginObject();
  for (const auto& [table, keys] : response.unprocessed_keys) {
    w.Key(table);
    WriteKeysAndAttributes(&w, keys);
  }
  w.EndObject();
  w.EndObject();
  return out;
}

std::string EncodeBatchWriteItemResponse(const BatchWriteItemResponse& response) {
  std::string out;
  out.reserve(64);
  JsonWriter w(&out);
  w.BeginObject();
  WriteConsumedCapacityList(&w, response.consumed_capacity);
  WriteItemCollectionMetricsMap(&w, response.item_collection_metrics);

  w.Key("UnprocessedItems");
  w.BeginObject();
  for (const auto& [table, requests] : response.unprocessed_items) {
    w.Key(table);
    w.BeginArray();
    for (const WriteRequest& request : requests) WriteWriteRequest(&w, request);
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  return out;
}

std::string EncodeTransactWriteItemsResponse(const TransactWriteItemsResponse& response) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  WriteConsumedCapacityList(&w, response.consumed_capacity);
  WriteItemCollectionMetricsMap(&w, response.item_collection_metrics);
  w.EndObject();
  return out;
}

std::string EncodeTransactGetItemsResponse(const TransactGetItemsResponse& response) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  WriteConsumedCapacityList(&w, response.consumed_capacity);
  w.Key("Responses");
  w.BeginArray();
  for (const std::optional<Item>& item : response.responses) {
    w.BeginObject();  // a missing item is {}
    if (item.has_value()) {
      w.Key("Item");
      WriteItem(&w, *item);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

std::string EncodeCancellationReasons(const std::vector<CancellationReason>& reasons) {
  std::string out;
  JsonWriter w(&out);
  for (const CancellationReason& reason : reasons) {
    w.BeginObject();
    w.Key("Code");
    w.String(reason.code);
    if (reason.item.has_value()) {
      w.Key("Item");
      WriteItem(&w, *reason.item);
    }
    if (!reason.message.empty()) {
      w.Key("Message");
      w.String(reason.message);
    }
    w.EndObject();
  }
  return out;
}

}  // namespace ddbx::api
