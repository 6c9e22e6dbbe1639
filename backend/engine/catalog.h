// Catalog: the engine's tables, as persisted records and as the in-memory map every request
// consults.
//
// The source of truth is RocksDB: one record per table under CatalogKey(name) (format in
// docs/storage-format.md). Engine::Open loads every record into a Catalog; CreateTable and
// DeleteTable (and UpdateTable) change RocksDB first and the Catalog after the write is
// durable. A Table's id, name and key schema are immutable; its settings change only through
// UpdateTable (a locked snapshot, Table::info()); its lifecycle is a deleted flag and a lock. A
// Table is handed out as a shared_ptr, so a request keeps using the table it looked up even if
// the table is deleted meanwhile (it then sees deleted() and answers ResourceNotFoundException).
//
// Catalog is internally synchronized (a shared_mutex: lookups share it, inserts and erases are
// brief exclusive sections) and may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/error.h"
#include "api/operations.h"
#include "backend/engine/key_codec.h"

namespace ddbx::backend::engine {

// A table's time-to-live setting (UpdateTimeToLive). Items whose `attribute_name` holds a Number
// of epoch seconds in the past are deleted by the engine's sweeper while `enabled`.
struct TimeToLive {
  std::string attribute_name;  // the last one enabled; empty if TTL was never enabled
  bool enabled = false;
  double last_change = 0;  // epoch seconds of the last UpdateTimeToLive; 0: never
  bool operator==(const TimeToLive&) const = default;
};

// One secondary index of a table, as stored: its number within the table (its entries' key
// space, key_codec.h) and its definition. Numbers are never reused within a table.
struct IndexInfo {
  uint16_t id = 0;
  bool global = false;
  bool backfilling = false;  // a GSI added by UpdateTable whose existing items are being indexed
  api::SecondaryIndex definition;  // name, key schema, projection, throughput
  bool operator==(const IndexInfo&) const = default;
};

// The run-time form of an index: what writes and reads need at hand.
struct IndexShape {
  uint16_t id = 0;
  bool global = false;
  bool backfilling = false;  // writers keep it; reads are refused until the backfill completes
  std::string name;
  KeyShape shape;  // the index's own partition and sort key
  api::Projection projection;
};
using IndexSet = std::shared_ptr<const std::vector<IndexShape>>;
using IndexPtr = std::shared_ptr<const IndexShape>;  // keeps its IndexSet alive

// What the engine stores about one table.
struct TableInfo {
  uint32_t id = 0;  // numeric id: prefixes the table's item keys; never reused
  // table_status is always kActive here; item_count and table_size_bytes are 0 (the live
  // values are the table's counters key).
  api::TableDescription description;
  std::vector<api::Tag> tags;
  TimeToLive ttl;
  std::vector<IndexInfo> indexes;  // LSIs and GSIs, in declaration order
};

// The run-time shapes of `info`'s indexes.
IndexSet IndexShapesOf(const TableInfo& info);

// The persisted form of a TableInfo, and back. Decoding malformed bytes: InternalServerError.
std::string EncodeTableRecord(const TableInfo& info);
api::Result<TableInfo> DecodeTableRecord(std::string_view record);

// One live table.
class Table {
 public:
  explicit Table(TableInfo info);

  uint32_t id() const { return id_; }
  const std::string& name() const { return schema_.table_name; }
  const KeyShape& shape() const { return shape_; }
  // The table's name, key schema and attribute definitions, which never change while the table
  // lives: what item and key validation needs (api/validation.h). Only those three fields are
  // filled in; the table's current settings are in info().
  const api::TableDescription& schema() const { return schema_; }
  // The table's secondary indexes as of now: a snapshot the caller keeps while it uses it.
  // UpdateTable replaces the set (SetIndexes) when it adds, completes or removes a GSI, under
  // lifecycle_mutex() held exclusively; item writers read it under the same mutex shared, so a
  // write maintains exactly the indexes that exist when it commits.
  IndexSet indexes() const;
  void SetIndexes(IndexSet indexes);
  // The index named `name`, or null.
  IndexPtr FindIndex(std::string_view name) const;

  // A snapshot of everything stored about the table. UpdateTable changes the settings (billing
  // mode, throughput, deletion protection), so callers get a copy.
  TableInfo info() const;
  // Replaces the stored settings. REQUIRES: the caller serializes catalog writers (the engine's
  // control mutex), the record is already durable, and `info` has this table's id and schema.
  void SetInfo(TableInfo info);
  // The attribute holding items' expiry times while TTL is enabled, else nullopt. Writers read
  // it under lifecycle_mutex() (shared); UpdateTimeToLive changes it under the same mutex held
  // exclusively, so every write commits either before the change or seeing it.
  std::optional<std::string> ttl_attribute() const;

  // Item writers hold this shared from their deleted() check until their WriteBatch is
  // committed; DeleteTable holds it exclusively while it commits, so no write can land in the
  // table's key range after the range was deleted.
  std::shared_mutex& lifecycle_mutex() { return lifecycle_mu_; }

  // True once DeleteTable has committed. Readers may check it without the lock (a read racing
  // a delete may see either answer, as in DynamoDB).
  bool deleted() const { return deleted_.load(std::memory_order_acquire); }
  // REQUIRES: lifecycle_mutex() held exclusively.
  void MarkDeleted() { deleted_.store(true, std::memory_order_release); }

 private:
  const uint32_t id_;
  const api::TableDescription schema_;
  const KeyShape shape_;
  mutable std::mutex info_mu_;
  TableInfo info_;    // GUARDED_BY(info_mu_)
  IndexSet indexes_;  // GUARDED_BY(info_mu_)
  std::shared_mutex lifecycle_mu_;
  std::atomic<bool> deleted_{false};
};

using TablePtr = std::shared_ptr<Table>;

class Catalog {
 public:
  // The table named `name`, or null.
  TablePtr Find(std::string_view name) const;
  // REQUIRES: no table named table->description().table_name is present.
  void Insert(TablePtr table);
  // Removes the table named `name` if present.
  void Erase(std::string_view name);
  size_t size() const;
  // Every table, in name order.
  std::vector<TablePtr> All() const;

  // Up to `limit` table names in byte order, strictly after `exclusive_start` if given.
  // last_evaluated_table_name is set only when more names remain after the page (DynamoDB
  // omits it on the final page).
  api::ListTablesResponse List(const std::optional<std::string>& exclusive_start,
                               size_t limit) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, TablePtr, std::less<>> tables_;  // GUARDED_BY(mu_)
};

}  // namespace ddbx::backend::engine
