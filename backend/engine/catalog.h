// Catalog: the engine's tables, as persisted records and as the in-memory map every request
// consults.
//
// The source of truth is RocksDB: one record per table under CatalogKey(name) (format in
// docs/storage-format.md). Engine::Open loads every record into a Catalog; CreateTable and
// DeleteTable change RocksDB first and the Catalog after the write is durable. A Table is
// immutable apart from its lifecycle (deleted flag and lock), and is handed out as a
// shared_ptr, so a request keeps using the table it looked up even if the table is deleted
// meanwhile (it then sees deleted() and answers ResourceNotFoundException).
//
// Catalog is internally synchronized (a shared_mutex: lookups share it, inserts and erases are
// brief exclusive sections) and may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/error.h"
#include "api/operations.h"
#include "backend/engine/key_codec.h"

namespace ddbx::backend::engine {

// What the engine stores about one table.
struct TableInfo {
  uint32_t id = 0;  // numeric id: prefixes the table's item keys; never reused
  // table_status is always kActive here; item_count and table_size_bytes are 0 (the live
  // values are the table's counters key).
  api::TableDescription description;
  std::vector<api::Tag> tags;
};

// The persisted form of a TableInfo, and back. Decoding malformed bytes: InternalServerError.
std::string EncodeTableRecord(const TableInfo& info);
api::Result<TableInfo> DecodeTableRecord(std::string_view record);

// One live table.
class Table {
 public:
  explicit Table(TableInfo info)
      : info_(std::move(info)), shape_(KeyShape::Of(info_.description)) {}

  const TableInfo& info() const { return info_; }
  const api::TableDescription& description() const { return info_.description; }
  const KeyShape& shape() const { return shape_; }
  uint32_t id() const { return info_.id; }

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
  const TableInfo info_;
  const KeyShape shape_;
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
