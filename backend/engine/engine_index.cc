// Secondary indexes in the engine: declaring them at CreateTable, describing them, and keeping
// their entries in step with every item write.
//
// An index is its own key space (key_codec.h): one entry per item that has the index's key
// attributes, keyed by the index keys and then the table key, holding the item's projection
// (KEYS_ONLY: the table and index keys; INCLUDE: those and the named attributes; ALL: the whole
// item) in the item value format. Entries change in the same WriteBatch as their item
// (AddDerivedChanges, called by Commit for every item write, the TTL sweeper's included), so an
// index never disagrees with its table, even across kill -9. Each index has its own counters
// (entry count, projected bytes) under kCounterPrefix | table id | index id.
//
// Sparse: an item without one of the index's key attributes has no entry. An index key
// attribute of the wrong type, or an empty S or B value in it, is refused as DynamoDB refuses it.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <shared_mutex>

#include "api/capacity.h"
#include "api/codec.h"
#include "api/validation.h"
#include "backend/engine/engine.h"
#include "backend/engine/engine_internal.h"

namespace ddbx::backend::engine {

namespace {

std::string_view TypeName(api::ScalarAttributeType type) {
  switch (type) {
    case api::ScalarAttributeType::kS:
      return "S";
    case api::ScalarAttributeType::kN:
      return "N";
    case api::ScalarAttributeType::kB:
      return "B";
  }
  return "S";
}

// Whether `item` belongs in `index` (it has every index key attribute), or the error DynamoDB
// gives for an index key attribute it cannot index.
api::Result<bool> InIndex(const api::Item& item, const IndexShape& index) {
  bool present = true;
  for (const KeyAttribute* attribute :
       {&index.shape.hash, index.shape.range ? &*index.shape.range : nullptr}) {
    if (attribute == nullptr) continue;
    auto it = item.find(attribute->name);
    if (it == item.end()) {
      present = false;
      continue;
    }
    if (!HasType(it->second, attribute->type)) {
      return api::Error::Validation(
          "One or more parameter values were invalid: Type mismatch for Index Key " +
          attribute->name + " Expected: " + std::string(TypeName(attribute->type)) + " Actual: " +
          std::string(api::AttributeTypeName(it->second.type())) + " IndexName: " + index.name);
    }
    const bool empty = (it->second.type() == api::AttributeType::kS && it->second.s().empty()) ||
                       (it->second.type() == api::AttributeType::kB && it->second.b().empty());
    if (empty) {
      return api::Error::Validation(
          "One or more parameter values are not valid. A value specified for a secondary index "
          "key is not supported. The AttributeValue for a key attribute cannot contain an empty " +
          std::string(it->second.type() == api::AttributeType::kS ? "string" : "binary") +
          " value. IndexName: " + index.name + ", IndexKey: " + attribute->name);
    }
  }
  return present;
}

// The entry of `item` in `index`: its key and its value (the projection, framed as an item).
struct IndexEntry {
  std::string key;
  std::string value;
  uint64_t size = 0;
};

}  // namespace

api::Item ProjectForIndex(const api::Item& item, const IndexShape& index, const KeyShape& table) {
  if (index.projection.type == api::ProjectionType::kAll) return item;
  api::Item projected;
  auto keep = [&item, &projected](const std::string& name) {
    auto it = item.find(name);
    if (it != item.end()) projected.insert_or_assign(name, it->second);
  };
  keep(table.hash.name);
  if (table.range) keep(table.range->name);
  keep(index.shape.hash.name);
  if (index.shape.range) keep(index.shape.range->name);
  if (index.projection.type == api::ProjectionType::kInclude) {
    for (const std::string& name : index.projection.non_key_attributes) keep(name);
  }
  return projected;
}

namespace {

IndexEntry EntryOf(const api::Item& item, const Table& table, const IndexShape& index) {
  IndexEntry entry;
  entry.key = EncodeIndexKey(table.id(), index.id, index.shape, table.shape(), item);
  const api::Item projected = ProjectForIndex(item, index, table.shape());
  entry.size = api::ItemSizeBytes(projected);
  entry.value = EncodeItemValue(entry.size, api::EncodeItemJson(projected));
  return entry;
}

}  // namespace

std::string IndexCounterKey(uint32_t table_id, uint16_t index_id) {
  std::string key = CounterKey(table_id);
  key.push_back(static_cast<char>(index_id >> 8));
  key.push_back(static_cast<char>(index_id & 0xFF));
  return key;
}

api::Status Engine::AddDerivedChanges(const ItemWrite& write, rocksdb::WriteBatch* batch,
                                      std::map<std::string, TableCounters>* index_deltas,
                                      api::IndexUnits* index_units,
                                      std::string* collection_key) const {
  const Table& table = *write.table;
  const std::optional<std::string> ttl = table.ttl_attribute();
  const IndexSet indexes = table.indexes();
  if (!ttl && indexes->empty()) return api::Status::Ok();

  // The item this write replaces (as its writer read it under the key's lock) and the item it
  // writes, decoded once for the expiry and every index.
  std::optional<api::Item> old_item;
  if (write.old_json != nullptr) {
    api::Result<api::Item> decoded = DecodeStoredJson(*write.old_json);
    if (!decoded.ok()) return decoded.error();
    old_item = std::move(decoded).value();
  }
  rocksdb::Status status;
  std::optional<api::Item> new_item;
  if (!write.erase) {
    ItemValueView view;
    if (!ParseItemValue(write.value, &view)) return CorruptItem();
    api::Result<api::Item> decoded = DecodeStoredJson(view.json);
    if (!decoded.ok()) return decoded.error();
    new_item = std::move(decoded).value();
  }

  if (ttl) {
    api::Status expiry = AddExpiryChange(table, *ttl, write.key, old_item, new_item, batch);
    if (!expiry.ok()) return expiry;
  }
  // An item collection (tables with LSIs): the partition's items and their LSI entries.
  TableCounters collection_delta = write.delta;
  const bool has_lsi = std::any_of(indexes->begin(), indexes->end(),
                                   [](const IndexShape& index) { return !index.global; });
  const api::Item* any_item = new_item ? &*new_item : old_item ? &*old_item : nullptr;
  if (has_lsi && any_item != nullptr) {
    std::string partition;
    AppendKeyValue(any_item->at(table.shape().hash.name), table.shape().hash.type, &partition);
    *collection_key = CollectionKey(table.id(), partition);
  }
  auto delta_size = [](const std::optional<IndexEntry>& old_entry,
                       const std::optional<IndexEntry>& new_entry) {
    return (new_entry ? static_cast<int64_t>(new_entry->size) : 0) -
           (old_entry ? static_cast<int64_t>(old_entry->size) : 0);
  };
  for (const IndexShape& index : *indexes) {
    std::optional<IndexEntry> old_entry;
    if (old_item) {
      api::Result<bool> in = InIndex(*old_item, index);
      if (in.ok() && in.value()) old_entry = EntryOf(*old_item, table, index);
    }
    if (old_entry && index.backfilling) {
      // The backfill may not have reached this item yet: its entry is there only if written.
      std::string existing;
      status = db_->Get(rocksdb::ReadOptions(), old_entry->key, &existing);
      if (status.IsNotFound()) {
        old_entry.reset();
      } else if (!status.ok()) {
        return StorageError(status);
      }
    }
    std::optional<IndexEntry> new_entry;
    if (new_item) {
      api::Result<bool> in = InIndex(*new_item, index);
      if (!in.ok()) return in.error();
      if (in.value()) new_entry = EntryOf(*new_item, table, index);
    }
    if ((!old_entry && !new_entry) || (old_entry && new_entry && old_entry->key == new_entry->key &&
                                       old_entry->value == new_entry->value)) {
      continue;  // the index does not see this write: no entry, no units, not listed
    }
    // Write units, as DynamoDB charges an index (1 KB units of the entry): a new entry or a
    // removed one is one write, a moved one (its key changed) a delete and a put, a changed
    // projection one write of the larger entry.
    double units = 0;
    if (old_entry && new_entry && old_entry->key == new_entry->key) {
      units = api::ReplaceCapacityUnits(old_entry->size, new_entry->size);
    } else {
      if (old_entry) units += api::WriteCapacityUnits(old_entry->size);
      if (new_entry) units += api::WriteCapacityUnits(new_entry->size);
    }
    (index.global ? index_units->global : index_units->local)[index.name] += units;
    TableCounters& delta = (*index_deltas)[IndexCounterKey(table.id(), index.id)];
    if (old_entry && (!new_entry || old_entry->key != new_entry->key)) {
      status = batch->Delete(old_entry->key);
      if (!status.ok()) return StorageError(status);
    }
    if (old_entry) {
      delta.item_count -= 1;
      delta.size_bytes -= static_cast<int64_t>(old_entry->size);
    }
    if (new_entry) {
      status = batch->Put(new_entry->key, new_entry->value);
      if (!status.ok()) return StorageError(status);
      delta.item_count += 1;
      delta.size_bytes += static_cast<int64_t>(new_entry->size);
    }
    if (!index.global) collection_delta.size_bytes += delta_size(old_entry, new_entry);
  }
  if (!collection_key->empty()) {
    TableCounters& delta = (*index_deltas)[*collection_key];
    delta.item_count += collection_delta.item_count;
    delta.size_bytes += collection_delta.size_bytes;
  }
  return api::Status::Ok();
}

// ---- ItemCollectionMetrics (engine_internal.h) ----

std::optional<api::ItemCollectionMetrics> CollectionMetrics(
    const Table& table, api::ReturnItemCollectionMetrics mode,
    const std::map<std::string, int64_t>& collection_bytes, const std::string& item_key) {
  if (mode != api::ReturnItemCollectionMetrics::kSize) return std::nullopt;
  auto it = collection_bytes.find(item_key);
  if (it == collection_bytes.end()) return std::nullopt;
  api::Result<DecodedItemKey> decoded = DecodeItemKey(item_key, table.shape());
  if (!decoded.ok()) return std::nullopt;
  api::ItemCollectionMetrics metrics;
  const std::string& hash = table.shape().hash.name;
  metrics.item_collection_key.emplace(hash, decoded.value().key.at(hash));
  const double gigabytes =
      std::floor(static_cast<double>(std::max<int64_t>(0, it->second)) / (1024.0 * 1024 * 1024));
  metrics.size_estimate_range_gb = {gigabytes, gigabytes + 1};
  return metrics;
}

// ---- CreateTable and DescribeTable ----

void AddIndexes(const api::CreateTableRequest& request, TableInfo* info) {
  uint16_t next_id = 1;
  for (const auto* list : {&request.local_secondary_indexes, &request.global_secondary_indexes}) {
    const bool global = list == &request.global_secondary_indexes;
    for (const api::SecondaryIndex& declared : *list) {
      IndexInfo index;
      index.id = next_id++;
      index.global = global;
      index.definition.index_name = declared.index_name;
      index.definition.key_schema = declared.key_schema;
      index.definition.projection = declared.projection;
      if (global && info->description.billing_mode == api::BillingMode::kProvisioned) {
        index.definition.provisioned_throughput = declared.provisioned_throughput;
      }
      info->indexes.push_back(std::move(index));
    }
  }
}

api::Status CheckIndexKeysDefined(const api::CreateTableRequest& request) {
  for (const auto* list : {&request.local_secondary_indexes, &request.global_secondary_indexes}) {
    for (const api::SecondaryIndex& index : *list) {
      if (index.key_schema.empty() || index.key_schema.size() > 2) {
        return api::Error::Validation("Invalid KeySchema for index: " + index.index_name);
      }
      for (const api::KeySchemaElement& element : index.key_schema) {
        const bool defined = std::any_of(
            request.attribute_definitions.begin(), request.attribute_definitions.end(),
            [&element](const auto& def) { return def.attribute_name == element.attribute_name; });
        if (!defined) {
          return api::Error::Validation(
              "One or more parameter values were invalid: Some index key attributes are not "
              "defined in AttributeDefinitions");
        }
      }
    }
  }
  return api::Status::Ok();
}

// ---- UpdateTable: adding and removing GSIs ----
//
// Creating a GSI: under the control mutex, the record gets the index (backfilling) and the
// request's definitions of its key attributes; under the table's lifecycle lock held
// exclusively the new index set is installed, so every write that commits afterwards keeps the
// index (AddDerivedChanges; while it is backfilling a writer checks whether the old entry exists
// rather than assuming it). The backfill then walks a snapshot of the items and, under each
// item's key lock, reads the item as it is now and writes its entry unless it is already there:
// an item written meanwhile was indexed by its writer, an item deleted meanwhile is skipped. Each
// entry and its counter delta form one batch, so the counters stay exact. When the walk ends
// the index is marked ACTIVE. A crash during the walk leaves the index backfilling on disk; on
// restart the walk simply runs again (entries already there are skipped).

api::Result<api::TableDescription> Engine::UpdateGlobalSecondaryIndexes(
    const api::UpdateTableRequest& request) {
  std::lock_guard control(control_mu_);
  TablePtr table = catalog_.Find(request.table_name);
  if (!table) return TableNotFound(request.table_name);
  TableInfo info = table->info();
  api::TableDescription& d = info.description;
  auto find = [&info](const std::string& name) {
    return std::find_if(info.indexes.begin(), info.indexes.end(), [&name](const IndexInfo& index) {
      return index.definition.index_name == name;
    });
  };
  const bool building = std::any_of(info.indexes.begin(), info.indexes.end(),
                                    [](const IndexInfo& index) { return index.backfilling; });
  rocksdb::WriteBatch batch;
  rocksdb::Status status;
  std::optional<uint16_t> created;
  std::string deleted_name;
  api::SecondaryIndex deleted;
  for (const api::SecondaryIndex& asked : request.create_global_secondary_indexes) {
    if (building) {
      return api::Error{api::ErrorCode::kLimitExceeded,
                        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                        "simultaneously per table"};
    }
    if (find(asked.index_name) != info.indexes.end()) {
      return api::Error::Validation("Attempting to create an index which already exists");
    }
    const size_t globals = std::count_if(info.indexes.begin(), info.indexes.end(),
                                         [](const IndexInfo& index) { return index.global; });
    if (globals >= 20) {
      return api::Error::Validation(
          "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the "
          "per-table limit of 20");
    }
    const bool on_demand = d.billing_mode == api::BillingMode::kPayPerRequest;
    const bool has_throughput = asked.provisioned_throughput != api::ProvisionedThroughput{};
    if (on_demand && has_throughput) {
      return api::Error::Validation(
          "One or more parameter values were invalid: ProvisionedThroughput should not be "
          "specified for index: " +
          asked.index_name + " when BillingMode is PAY_PER_REQUEST");
    }
    if (!on_demand && !has_throughput) {
      return api::Error::Validation(
          "One or more parameter values were invalid: ProvisionedThroughput must be specified "
          "for index: " +
          asked.index_name);
    }
    // The new key attributes join the table's definitions; one already defined keeps its type.
    for (const api::KeySchemaElement& key : asked.key_schema) {
      auto asked_def =
          std::find_if(request.attribute_definitions.begin(), request.attribute_definitions.end(),
                       [&key](const api::AttributeDefinition& def) {
                         return def.attribute_name == key.attribute_name;
                       });
      if (asked_def == request.attribute_definitions.end()) {
        return api::Error::Validation(
            "One or more parameter values were invalid: Some index key attributes are not "
            "defined in AttributeDefinitions");
      }
      auto existing = std::find_if(d.attribute_definitions.begin(), d.attribute_definitions.end(),
                                   [&key](const api::AttributeDefinition& def) {
                                     return def.attribute_name == key.attribute_name;
                                   });
      if (existing == d.attribute_definitions.end()) {
        d.attribute_definitions.push_back(*asked_def);
      } else if (existing->attribute_type != asked_def->attribute_type) {
        return api::Error::Validation(
            "One or more parameter values were invalid: Some AttributeDefinitions have a "
            "different type than the existing definitions: " +
            key.attribute_name);
      }
    }
    IndexInfo index;
    index.id = 1;
    for (const IndexInfo& other : info.indexes)
      index.id = std::max<uint16_t>(index.id, other.id + 1);
    index.global = true;
    index.backfilling = true;
    index.definition.index_name = asked.index_name;
    index.definition.key_schema = asked.key_schema;
    index.definition.projection = asked.projection;
    index.definition.provisioned_throughput = asked.provisioned_throughput;
    created = index.id;
    // Nothing may linger in the new index's key space from an index that had its number.
    status = batch.DeleteRange(IndexSpace(table->id(), index.id),
                               PrefixSuccessor(IndexSpace(table->id(), index.id)));
    if (status.ok()) status = batch.Delete(IndexCounterKey(table->id(), index.id));
    info.indexes.push_back(std::move(index));
  }
  for (const std::string& name : request.delete_global_secondary_indexes) {
    auto it = find(name);
    if (it == info.indexes.end() || !it->global) {
      return api::Error::NotFound("Requested resource not found: Index: " + name + " not found");
    }
    deleted_name = name;
    deleted = it->definition;
    status = batch.DeleteRange(IndexSpace(table->id(), it->id),
                               PrefixSuccessor(IndexSpace(table->id(), it->id)));
    if (status.ok()) status = batch.Delete(IndexCounterKey(table->id(), it->id));
    info.indexes.erase(it);
    // Definitions only describe key attributes in use: the deleted index's go with it.
    std::erase_if(d.attribute_definitions, [&info](const api::AttributeDefinition& def) {
      auto used = [&def](const std::vector<api::KeySchemaElement>& keys) {
        return std::any_of(keys.begin(), keys.end(), [&def](const api::KeySchemaElement& key) {
          return key.attribute_name == def.attribute_name;
        });
      };
      return !used(info.description.key_schema) &&
             std::none_of(
                 info.indexes.begin(), info.indexes.end(),
                 [&used](const IndexInfo& index) { return used(index.definition.key_schema); });
    });
  }
  if (status.ok()) status = batch.Put(CatalogKey(d.table_name), EncodeTableRecord(info));
  if (!status.ok()) return StorageError(status);
  {
    std::unique_lock lifecycle(table->lifecycle_mutex());
    if (table->deleted()) return TableNotFound(request.table_name);
    status = db_->Write(DurableWrite(options_.in_memory), &batch);
    if (!status.ok()) return StorageError(status);
    table->SetIndexes(IndexShapesOf(info));
    table->SetInfo(info);
  }
  if (created) {
    pool_->Submit([this, table, id = *created] { BackfillIndex(table, id); });
  }

  api::Result<api::TableDescription> description = DescribeWithCounters(*table);
  if (!description.ok()) return description;
  description.value().table_status = api::TableStatus::kUpdating;
  if (!deleted_name.empty()) {
    deleted.index_arn = description.value().table_arn + "/index/" + deleted_name;
    deleted.index_status = api::IndexStatus::kDeleting;
    description.value().global_secondary_indexes.push_back(std::move(deleted));
  }
  return description;
}

void Engine::BackfillIndex(TablePtr table, uint16_t index_id) {
  auto still_building = [&table, index_id]() -> IndexPtr {
    IndexSet set = table->indexes();
    for (const IndexShape& index : *set) {
      if (index.id == index_id && index.backfilling) return IndexPtr(set, &index);
    }
    return nullptr;
  };
  // Entries need not be synced one by one: until the index is marked ACTIVE (a synced write)
  // a restart runs the walk again.
  rocksdb::WriteOptions unsynced = DurableWrite(options_.in_memory);
  unsynced.sync = false;
  const std::string end = ItemRangeEnd(table->id());
  const rocksdb::Slice upper(end);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  for (it->Seek(ItemRangeBegin(table->id())); it->Valid(); it->Next()) {
    if (closing_.load(std::memory_order_acquire)) return;  // resumes when the store reopens
    const std::string item_key(View(it->key()));
    std::shared_lock lifecycle(table->lifecycle_mutex());
    IndexPtr index = still_building();
    if (table->deleted() || !index) return;  // deleted (table or index) meanwhile
    std::lock_guard key_lock(KeyLock(item_key));
    api::Result<std::optional<StoredItem>> stored = ReadItem(item_key);
    if (!stored.ok() || !stored.value()) continue;  // gone: nothing to index
    api::Result<api::Item> item = DecodeStoredJson(stored.value()->json);
    if (!item.ok()) continue;
    api::Result<bool> in = InIndex(item.value(), *index);
    if (!in.ok() || !in.value()) continue;  // sparse, or a key the index cannot hold
    const IndexEntry entry = EntryOf(item.value(), *table, *index);
    std::string existing;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), entry.key, &existing);
    if (status.ok()) continue;  // its writer indexed it already
    if (!status.IsNotFound()) return;
    rocksdb::WriteBatch batch;
    TableCounters delta{1, static_cast<int64_t>(entry.size)};
    status = batch.Put(entry.key, entry.value);
    if (status.ok())
      status = batch.Merge(IndexCounterKey(table->id(), index_id), EncodeCounters(delta));
    if (status.ok()) status = db_->Write(unsynced, &batch);
    if (!status.ok()) return;
  }
  if (!it->status().ok()) return;
  it.reset();

  // Done: ACTIVE, durably.
  std::lock_guard control(control_mu_);
  if (table->deleted() || !still_building()) return;
  TableInfo info = table->info();
  for (IndexInfo& index : info.indexes) {
    if (index.id == index_id) index.backfilling = false;
  }
  rocksdb::WriteBatch batch;
  rocksdb::Status status = batch.Put(CatalogKey(table->name()), EncodeTableRecord(info));
  std::unique_lock lifecycle(table->lifecycle_mutex());
  if (status.ok()) status = db_->Write(DurableWrite(options_.in_memory), &batch);
  if (!status.ok()) return;
  table->SetIndexes(IndexShapesOf(info));
  table->SetInfo(std::move(info));
}

void Engine::ResumeBackfills() {
  for (const TablePtr& table : catalog_.All()) {
    for (const IndexShape& index : *table->indexes()) {
      if (index.backfilling) {
        pool_->Submit([this, table, id = index.id] { BackfillIndex(table, id); });
      }
    }
  }
}

api::Status Engine::DescribeIndexes(const Table& table, const TableInfo& info,
                                    api::TableDescription* description) const {
  for (const IndexInfo& index : info.indexes) {
    api::SecondaryIndex d = index.definition;
    d.index_arn = description->table_arn + "/index/" + d.index_name;
    d.index_status = index.backfilling ? api::IndexStatus::kCreating : api::IndexStatus::kActive;
    d.backfilling = index.backfilling;
    if (index.backfilling) description->table_status = api::TableStatus::kUpdating;
    std::string value;
    rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), IndexCounterKey(table.id(), index.id), &value);
    TableCounters counters;
    if (status.ok()) {
      if (!ParseCounters(value, &counters)) return CorruptItem();
    } else if (!status.IsNotFound()) {
      return StorageError(status);
    }
    d.item_count = counters.item_count;
    d.index_size_bytes = counters.size_bytes;
    (index.global ? description->global_secondary_indexes : description->local_secondary_indexes)
        .push_back(std::move(d));
  }
  return api::Status::Ok();
}

}  // namespace ddbx::backend::engine
