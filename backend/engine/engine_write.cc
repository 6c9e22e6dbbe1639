// The engine's writes: PutItem, DeleteItem, UpdateItem and BatchWriteItem, and what they share
// (reading the current item, committing a WriteBatch with its counter deltas).
//
// Every write is read-modify-write of one or more keys: under the table's lifecycle lock
// (shared) and the key's stripe (engine.cc, KeyStripe), read the item stored now, evaluate the
// condition against it, compute the new item, and commit the new item together with the change
// to the table's counters in one synced WriteBatch. Holding the stripe from the read to the
// commit is what makes conditions, ReturnValues and the counters exact.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <shared_mutex>

#include "api/capacity.h"
#include "api/codec.h"
#include "api/expression.h"
#include "api/validation.h"
#include "backend/engine/engine.h"
#include "backend/engine/engine_internal.h"

namespace ddbx::backend::engine {

namespace {

constexpr std::string_view kInvalidPrefix = "One or more parameter values were invalid: ";

// ConditionalCheckFailedException; with ReturnValuesOnConditionCheckFailure ALL_OLD it carries
// the item as it is (`current_json`, null when there is none) for the error body's "Item".
api::Error ConditionFailed(const std::string* current_json,
                           api::ReturnValuesOnConditionCheckFailure return_values) {
  api::Error error{api::ErrorCode::kConditionalCheckFailed, "The conditional request failed"};
  if (return_values == api::ReturnValuesOnConditionCheckFailure::kAllOld &&
      current_json != nullptr) {
    error.item_json = *current_json;
  }
  return error;
}

api::Error DuplicateKeys() {
  return api::Error::Validation("Provided list of item keys contains duplicates");
}

// A non-empty item, or nothing: DynamoDB omits "Attributes" rather than sending {}.
std::optional<api::Item> UnlessEmpty(api::Item item) {
  if (item.empty()) return std::nullopt;
  return item;
}

}  // namespace

// ---- Shared ----

api::Result<std::optional<Engine::StoredItem>> Engine::ReadItem(const std::string& key) const {
  return ReadItem(key, rocksdb::ReadOptions());
}

api::Result<std::optional<Engine::StoredItem>> Engine::ReadItem(
    const std::string& key, const rocksdb::ReadOptions& read_options) const {
  rocksdb::PinnableSlice value;
  rocksdb::Status status = db_->Get(read_options, db_->DefaultColumnFamily(), key, &value);
  if (status.IsNotFound()) return std::optional<StoredItem>();
  if (!status.ok()) return StorageError(status);
  ItemValueView view;
  if (!ParseItemValue(View(value), &view)) return CorruptItem();
  return std::optional<StoredItem>(StoredItem{view.item_size, std::string(view.json)});
}

api::Result<Engine::CurrentItem> Engine::ReadForWrite(
    const std::string& key, const api::ConditionPtr& condition, bool decode,
    api::ReturnValuesOnConditionCheckFailure on_failure) const {
  api::Result<std::optional<StoredItem>> read = ReadItem(key);
  if (!read.ok()) return read.take_error();
  CurrentItem current;
  current.stored = std::move(read).value();
  if (current.stored && (decode || condition)) {
    api::Result<api::Item> decoded = DecodeStoredJson(current.stored->json);
    if (!decoded.ok()) return decoded.take_error();
    current.old_item = std::move(decoded).value();
  }
  if (condition &&
      !api::expr::EvaluateCondition(*condition, current.old_item ? &*current.old_item : nullptr)) {
    return ConditionFailed(current.stored ? &current.stored->json : nullptr, on_failure);
  }
  return current;
}

api::Status Engine::Commit(std::span<const ItemWrite> writes, CommitOutcome* outcome) {
  // Every item write, its expiry and index entries (engine_index.cc) and the counters of its
  // table and indexes: one batch.
  rocksdb::WriteBatch batch;
  // Counter deltas by table id, in first-written order (a write touches one table, a batch a
  // few: a linear search beats a map here).
  std::vector<std::pair<uint32_t, TableCounters>> deltas;
  // Counter deltas of indexes and item collections, by counter key.
  std::map<std::string, TableCounters> index_deltas;
  std::vector<std::pair<std::string, std::string>> collections;  // item key, collection key
  for (const ItemWrite& write : writes) {
    rocksdb::Status status =
        write.erase ? batch.Delete(write.key) : batch.Put(write.key, write.value);
    if (!status.ok()) return StorageError(status);
    api::IndexUnits units;
    std::string collection_key;
    api::Status derived = AddDerivedChanges(write, &batch, &index_deltas, &units, &collection_key);
    if (outcome != nullptr && !units.empty()) outcome->index_units[write.table->name()].Add(units);
    if (!collection_key.empty()) collections.emplace_back(write.key, std::move(collection_key));
    if (!derived.ok()) return derived;
    auto it = std::find_if(deltas.begin(), deltas.end(), [&write](const auto& entry) {
      return entry.first == write.table->id();
    });
    if (it == deltas.end()) it = deltas.insert(deltas.end(), {write.table->id(), TableCounters{}});
    it->second.item_count += write.delta.item_count;
    it->second.size_bytes += write.delta.size_bytes;
  }
  for (const auto& [table_id, delta] : deltas) {
    if (delta.item_count == 0 && delta.size_bytes == 0) continue;
    rocksdb::Status status = batch.Merge(CounterKey(table_id), EncodeCounters(delta));
    if (!status.ok()) return StorageError(status);
  }
  // Item collections may not pass 10 GB. A collection's other items may be written meanwhile
  // (other keys, other stripes), so the check sees the size as last committed plus this batch.
  std::map<std::string, int64_t> collection_bytes;
  for (const auto& [item_key, collection_key] : collections) {
    if (collection_bytes.contains(collection_key)) continue;
    std::string value;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), collection_key, &value);
    TableCounters now;
    if (status.ok()) {
      if (!ParseCounters(value, &now)) return CorruptItem();
    } else if (!status.IsNotFound()) {
      return StorageError(status);
    }
    const TableCounters& delta = index_deltas[collection_key];
    const int64_t after = now.size_bytes + delta.size_bytes;
    if (delta.size_bytes > 0 && after > options_.max_item_collection_bytes) {
      return api::Error{api::ErrorCode::kItemCollectionSizeLimitExceeded,
                        "Collection size exceeded."};
    }
    collection_bytes[collection_key] = after;
  }
  if (outcome != nullptr) {
    for (const auto& [item_key, collection_key] : collections) {
      outcome->collection_bytes[item_key] = collection_bytes[collection_key];
    }
  }
  for (const auto& [counter_key, delta] : index_deltas) {
    if (delta.item_count == 0 && delta.size_bytes == 0) continue;
    rocksdb::Status status = batch.Merge(counter_key, EncodeCounters(delta));
    if (!status.ok()) return StorageError(status);
  }
  if (batch.Count() == 0) return api::Status::Ok();
  rocksdb::Status status = db_->Write(DurableWrite(options_.in_memory), &batch);
  if (!status.ok()) return StorageError(status);
  return api::Status::Ok();
}

// ---- PutItem ----

api::Result<api::PutItemResponse> Engine::DoPutItem(const api::PutItemRequest& request) {
  api::Result<TablePtr> found = FindActiveTable(request.table_name);
  if (!found.ok()) return found.take_error();
  Table& table = *found.value();
  api::Status valid = api::ValidateItemForTable(request.item, table.schema());
  if (!valid.ok()) return valid.error();

  ItemWrite write;
  write.table = &table;
  write.key = EncodeItemKey(table.id(), table.shape(), request.item);
  const uint64_t size = api::ItemSizeBytes(request.item);
  write.value = EncodeItemValue(size, api::EncodeItemJson(request.item));

  std::shared_lock lifecycle(table.lifecycle_mutex());
  if (table.deleted()) return DataPlaneTableNotFound();
  std::lock_guard key_lock(KeyLock(write.key));

  api::Result<CurrentItem> current = ReadForWrite(
      write.key, request.condition, request.return_values == api::ReturnValues::kAllOld,
      request.return_values_on_condition_check_failure);
  if (!current.ok()) return current.take_error();
  const std::optional<StoredItem>& stored = current.value().stored;
  std::optional<api::Item>& old_item = current.value().old_item;

  const uint64_t old_size = stored ? stored->size : 0;
  write.delta.item_count = stored ? 0 : 1;
  write.delta.size_bytes = static_cast<int64_t>(size) - static_cast<int64_t>(old_size);
  write.old_json = stored ? &stored->json : nullptr;
  CommitOutcome outcome;
  api::Status committed = Commit({&write, 1}, &outcome);
  if (!committed.ok()) return committed.error();

  api::PutItemResponse response;
  if (request.return_values == api::ReturnValues::kAllOld)
    response.attributes = std::move(old_item);
  response.consumed_capacity = api::MakeConsumedCapacity(
      request.return_consumed_capacity, table.name(), api::ReplaceCapacityUnits(old_size, size));
  api::AddIndexUnits(outcome.index_units[table.name()], &response.consumed_capacity);
  response.item_collection_metrics = CollectionMetrics(
      table, request.return_item_collection_metrics, outcome.collection_bytes, write.key);
  return response;
}

// ---- DeleteItem ----

api::Result<api::DeleteItemResponse> Engine::DoDeleteItem(const api::DeleteItemRequest& request) {
  api::Result<TablePtr> found = FindActiveTable(request.table_name);
  if (!found.ok()) return found.take_error();
  Table& table = *found.value();
  api::Status valid = api::ValidateKeyForTable(request.key, table.schema());
  if (!valid.ok()) return valid.error();

  const std::string key = EncodeItemKey(table.id(), table.shape(), request.key);

  std::shared_lock lifecycle(table.lifecycle_mutex());
  if (table.deleted()) return DataPlaneTableNotFound();
  std::lock_guard key_lock(KeyLock(key));

  api::Result<CurrentItem> current =
      ReadForWrite(key, request.condition, request.return_values == api::ReturnValues::kAllOld,
                   request.return_values_on_condition_check_failure);
  if (!current.ok()) return current.take_error();
  const std::optional<StoredItem>& stored = current.value().stored;
  std::optional<api::Item>& old_item = current.value().old_item;

  api::DeleteItemResponse response;
  const uint64_t old_size = stored ? stored->size : 0;
  CommitOutcome outcome;
  if (stored) {  // nothing to delete, nothing to make durable otherwise
    ItemWrite write;
    write.table = &table;
    write.key = key;
    write.erase = true;
    write.delta.item_count = -1;
    write.delta.size_bytes = -static_cast<int64_t>(old_size);
    write.old_json = &stored->json;
    api::Status committed = Commit({&write, 1}, &outcome);
    if (!committed.ok()) return committed.error();
  }
  if (request.return_values == api::ReturnValues::kAllOld)
    response.attributes = std::move(old_item);
  response.consumed_capacity = api::MakeConsumedCapacity(
      request.return_consumed_capacity, table.name(), api::WriteCapacityUnits(old_size));
  api::AddIndexUnits(outcome.index_units[table.name()], &response.consumed_capacity);
  response.item_collection_metrics = CollectionMetrics(
      table, request.return_item_collection_metrics, outcome.collection_bytes, key);
  return response;
}

// ---- UpdateItem ----

api::Result<api::UpdateItemResponse> Engine::DoUpdateItem(const api::UpdateItemRequest& request) {
  api::Result<TablePtr> found = FindActiveTable(request.table_name);
  if (!found.ok()) return found.take_error();
  Table& table = *found.value();
  api::Status valid = api::ValidateKeyForTable(request.key, table.schema());
  if (!valid.ok()) return valid.error();
  const KeyShape& shape = table.shape();
  if (request.update) {
    api::Status touches_key = api::expr::CheckUpdateAgainstKey(
        *request.update, shape.hash.name, shape.range ? &shape.range->name : nullptr);
    if (!touches_key.ok()) return touches_key.error();
  }

  ItemWrite write;
  write.table = &table;
  write.key = EncodeItemKey(table.id(), shape, request.key);

  std::shared_lock lifecycle(table.lifecycle_mutex());
  if (table.deleted()) return DataPlaneTableNotFound();
  std::lock_guard key_lock(KeyLock(write.key));

  api::Result<CurrentItem> current = ReadForWrite(write.key, request.condition, /*decode=*/true,
                                                  request.return_values_on_condition_check_failure);
  if (!current.ok()) return current.take_error();
  const std::optional<StoredItem>& stored = current.value().stored;
  std::optional<api::Item>& old_item = current.value().old_item;
  const api::Item* old_ptr = old_item ? &*old_item : nullptr;

  api::Item new_item;
  if (request.update) {
    api::Result<api::Item> applied = api::expr::ApplyUpdate(*request.update, old_ptr, request.key);
    if (!applied.ok()) return applied.take_error();
    new_item = std::move(applied).value();
  } else {
    new_item = old_item ? *old_item : api::Item(request.key.begin(), request.key.end());
  }
  api::Status fits = CheckUpdatedItem(new_item);
  if (!fits.ok()) return fits.error();

  const uint64_t old_size = stored ? stored->size : 0;
  const uint64_t new_size = api::ItemSizeBytes(new_item);
  write.value = EncodeItemValue(new_size, api::EncodeItemJson(new_item));
  write.delta.item_count = stored ? 0 : 1;
  write.delta.size_bytes = static_cast<int64_t>(new_size) - static_cast<int64_t>(old_size);
  write.old_json = stored ? &stored->json : nullptr;
  CommitOutcome outcome;
  api::Status committed = Commit({&write, 1}, &outcome);
  if (!committed.ok()) return committed.error();

  api::UpdateItemResponse response;
  switch (request.return_values) {
    case api::ReturnValues::kNone:
      break;
    case api::ReturnValues::kAllOld:
      response.attributes = std::move(old_item);
      break;
    case api::ReturnValues::kUpdatedOld:
      if (old_item && request.update) {
        response.attributes = UnlessEmpty(api::expr::ProjectUpdated(*request.update, *old_item));
      }
      break;
    case api::ReturnValues::kAllNew:
      response.attributes = std::move(new_item);
      break;
    case api::ReturnValues::kUpdatedNew:
      if (request.update) {
        response.attributes = UnlessEmpty(api::expr::ProjectUpdated(*request.update, new_item));
      }
      break;
  }
  response.consumed_capacity =
      api::MakeConsumedCapacity(request.return_consumed_capacity, table.name(),
                                api::ReplaceCapacityUnits(old_size, new_size));
  api::AddIndexUnits(outcome.index_units[table.name()], &response.consumed_capacity);
  response.item_collection_metrics = CollectionMetrics(
      table, request.return_item_collection_metrics, outcome.collection_bytes, write.key);
  return response;
}

// ---- BatchWriteItem ----
//
// All requests are validated before anything is locked or written. Then the batch locks every
// table it writes (lifecycle, shared, in table-name order: the request map's order) and every
// key's stripe (in increasing stripe order, each stripe once), reads the current items, and
// commits all puts and deletes in one synced WriteBatch: each item changes atomically (the whole
// batch does, in fact), with one fsync for up to 25 items.
api::Result<api::BatchWriteItemResponse> Engine::DoBatchWriteItem(
    const api::BatchWriteItemRequest& request) {
  struct Pending {
    Table* table = nullptr;
    ItemWrite write;
    uint64_t new_size = 0;  // puts
  };
  std::vector<TablePtr> tables;
  std::vector<Pending> pending;
  for (const auto& [table_name, writes] : request.request_items) {
    api::Result<TablePtr> found = FindActiveTable(table_name);
    if (!found.ok()) return found.take_error();
    Table& table = *found.value();
    std::set<std::string> keys;
    for (const api::WriteRequest& write_request : writes) {
      Pending p;
      p.table = &table;
      p.write.table = &table;
      if (write_request.is_put) {
        api::Status valid = api::ValidateItemForTable(write_request.item, table.schema());
        if (!valid.ok()) {
          // DynamoDB words a put's missing or mistyped key attribute as a key mismatch here.
          const std::string& message = valid.error().message;
          if (message.starts_with(std::string(kInvalidPrefix) + "Missing the key") ||
              message.starts_with(std::string(kInvalidPrefix) + "Type mismatch for key")) {
            return api::Error::Validation(std::string(api::kKeySchemaMismatchMessage));
          }
          return valid.error();
        }
        p.write.key = EncodeItemKey(table.id(), table.shape(), write_request.item);
        p.new_size = api::ItemSizeBytes(write_request.item);
        p.write.value = EncodeItemValue(p.new_size, api::EncodeItemJson(write_request.item));
      } else {
        api::Status valid = api::ValidateKeyForTable(write_request.key, table.schema());
        if (!valid.ok()) return valid.error();
        p.write.key = EncodeItemKey(table.id(), table.shape(), write_request.key);
        p.write.erase = true;
      }
      if (!keys.insert(p.write.key).second) return DuplicateKeys();
      pending.push_back(std::move(p));
    }
    tables.push_back(std::move(found).value());
  }

  std::vector<std::shared_lock<std::shared_mutex>> lifecycles;
  lifecycles.reserve(tables.size());
  for (const TablePtr& table : tables) {
    lifecycles.emplace_back(table->lifecycle_mutex());
    if (table->deleted()) return DataPlaneTableNotFound();
  }
  std::vector<size_t> stripes;
  stripes.reserve(pending.size());
  for (const Pending& p : pending) stripes.push_back(KeyStripe(p.write.key));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  std::vector<std::unique_lock<std::mutex>> stripe_locks;
  stripe_locks.reserve(stripes.size());
  for (size_t stripe : stripes) stripe_locks.emplace_back(key_locks_[stripe]);

  api::CapacityTally capacity;
  std::vector<ItemWrite> commit;
  commit.reserve(pending.size());
  // The items replaced, kept until the commit (ItemWrite::old_json points into them).
  std::vector<std::optional<StoredItem>> replaced;
  replaced.reserve(pending.size());
  for (Pending& p : pending) {
    api::Result<std::optional<StoredItem>> current = ReadItem(p.write.key);
    if (!current.ok()) return current.take_error();
    const std::optional<StoredItem>& old = replaced.emplace_back(std::move(current).value());
    const bool existed = old.has_value();
    const uint64_t old_size = existed ? old->size : 0;
    p.write.old_json = existed ? &old->json : nullptr;
    if (p.write.erase) {
      capacity.Add(p.table->name(), api::WriteCapacityUnits(old_size));
      if (!existed) continue;
      p.write.delta.item_count = -1;
      p.write.delta.size_bytes = -static_cast<int64_t>(old_size);
    } else {
      capacity.Add(p.table->name(), api::ReplaceCapacityUnits(old_size, p.new_size));
      p.write.delta.item_count = existed ? 0 : 1;
      p.write.delta.size_bytes = static_cast<int64_t>(p.new_size) - static_cast<int64_t>(old_size);
    }
    commit.push_back(std::move(p.write));
  }
  CommitOutcome outcome;
  api::Status committed = Commit(commit, &outcome);
  if (!committed.ok()) return committed.error();
  for (const auto& [table_name, units] : outcome.index_units)
    capacity.AddIndexes(table_name, units);
  api::BatchWriteItemResponse response;
  for (const ItemWrite& write : commit) {
    std::optional<api::ItemCollectionMetrics> metrics = CollectionMetrics(
        *write.table, request.return_item_collection_metrics, outcome.collection_bytes, write.key);
    if (metrics) response.item_collection_metrics[write.table->name()].push_back(*metrics);
  }

  response.consumed_capacity = capacity.Report(request.return_consumed_capacity);
  return response;
}

}  // namespace ddbx::backend::engine
