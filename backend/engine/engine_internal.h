// Helpers the engine's source files share (engine.cc, engine_write.cc, engine_read.cc): DynamoDB's
// messages for the engine's errors and small RocksDB conveniences. Internal to backend/engine;
// pure functions, any thread.
#pragma once

#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <string>
#include <string_view>

#include "api/codec.h"
#include "api/error.h"
#include "api/validation.h"
#include "backend/engine/catalog.h"

namespace ddbx::backend::engine {

// Control-plane calls name the table; data-plane calls do not (as DynamoDB and dynalite answer).
inline api::Error TableNotFound(const std::string& name) {
  return api::Error::NotFound("Requested resource not found: Table: " + name + " not found");
}

inline api::Error DataPlaneTableNotFound() {
  return api::Error::NotFound("Requested resource not found");
}

inline api::Error StorageError(const rocksdb::Status& status) {
  return api::Error::Internal("Internal server error: " + status.ToString());
}

inline api::Error CorruptItem() {
  return api::Error::Internal("Internal server error: corrupt item value");
}

// A stored item's JSON, decoded. It was written by the engine, so a failure means corruption.
inline api::Result<api::Item> DecodeStoredJson(std::string_view json) {
  api::Result<api::Item> item = api::DecodeItemJson(json);
  if (!item.ok()) return CorruptItem();
  return item;
}

// The item an update produced must still be a valid item: DynamoDB's nesting limit, and its
// size limit with UpdateItem's own message.
inline api::Status CheckUpdatedItem(const api::Item& item) {
  for (const auto& [name, value] : item) {
    if (api::NestingDepth(value) > api::kMaxNestingDepth) {
      return api::Error::Validation(std::string(api::kNestingTooDeepMessage));
    }
  }
  if (api::ItemSizeBytes(item) > api::kMaxItemSizeBytes) {
    return api::Error::Validation("Item size to update has exceeded the maximum allowed size");
  }
  return api::Status::Ok();
}

// True when `value` has the scalar type a key attribute declares.
inline bool HasType(const api::AttributeValue& value, api::ScalarAttributeType type) {
  switch (type) {
    case api::ScalarAttributeType::kS:
      return value.type() == api::AttributeType::kS;
    case api::ScalarAttributeType::kN:
      return value.type() == api::AttributeType::kN;
    case api::ScalarAttributeType::kB:
      return value.type() == api::AttributeType::kB;
  }
  return false;
}

// ---- Secondary indexes (engine_index.cc) ----

// The attributes of `item` that `index` holds: all of them (ALL), or the table and index keys
// and, for INCLUDE, the named attributes.
api::Item ProjectForIndex(const api::Item& item, const IndexShape& index, const KeyShape& table);
// The counters of one index: kCounterPrefix | table id | index id.
std::string IndexCounterKey(uint32_t table_id, uint16_t index_id);
// ItemCollectionMetrics for a write to `item_key`, as DynamoDB answers ReturnItemCollectionMetrics
// SIZE for tables with local secondary indexes: the partition key and the collection's size as
// a range of whole gigabytes ([0, 1] under 1 GB). Nothing for NONE, for tables without LSIs,
// or when nothing was written. `collection_bytes`: Engine::CommitOutcome's, by item key.
std::optional<api::ItemCollectionMetrics> CollectionMetrics(
    const Table& table, api::ReturnItemCollectionMetrics mode,
    const std::map<std::string, int64_t>& collection_bytes, const std::string& item_key);
// CreateTable: numbers the request's indexes (LSIs first, from 1) into `info`.
void AddIndexes(const api::CreateTableRequest& request, TableInfo* info);
// CreateTable: every index key attribute is defined (the codec checked the rest).
api::Status CheckIndexKeysDefined(const api::CreateTableRequest& request);

inline std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

inline rocksdb::WriteOptions DurableWrite(bool in_memory) {
  rocksdb::WriteOptions write_options;
  // Acknowledged writes are durable: the WAL is fsynced before Write() returns. Concurrent
  // synced writers share one fsync (RocksDB's write group), so the cost amortizes under load.
  write_options.sync = !in_memory;
  // In memory nothing outlives the process, so a write-ahead log would only cost time.
  write_options.disableWAL = in_memory;
  return write_options;
}

}  // namespace ddbx::backend::engine
