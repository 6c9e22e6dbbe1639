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
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cmath>

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
          attribute->name + " Expected: " + std::string(TypeName(attribute->type)) +
          " Actual: " + std::string(api::AttributeTypeName(it->second.type())) +
          " IndexName: " + index.name);
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

std::optional<IndexEntry> EntryOf(const api::Item& item, const Table& table,
                                  const IndexShape& index) {
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
  if (!ttl && table.indexes().empty()) return api::Status::Ok();

  // The item this write replaces (the key's lock is held, so it is still the stored one) and
  // the item it writes, decoded once for the expiry and every index.
  std::optional<api::Item> old_item;
  rocksdb::PinnableSlice old_value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), write.key, &old_value);
  if (status.ok()) {
    ItemValueView view;
    if (!ParseItemValue(View(old_value), &view)) return CorruptItem();
    api::Result<api::Item> decoded = DecodeStoredJson(view.json);
    if (!decoded.ok()) return decoded.error();
    old_item = std::move(decoded).value();
  } else if (!status.IsNotFound()) {
    return StorageError(status);
  }
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
  const bool has_lsi = std::any_of(table.indexes().begin(), table.indexes().end(),
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
  for (const IndexShape& index : table.indexes()) {
    std::optional<IndexEntry> old_entry;
    if (old_item) {
      api::Result<bool> in = InIndex(*old_item, index);
      if (in.ok() && in.value()) old_entry = EntryOf(*old_item, table, index);
    }
    std::optional<IndexEntry> new_entry;
    if (new_item) {
      api::Result<bool> in = InIndex(*new_item, index);
      if (!in.ok()) return in.error();
      if (in.value()) new_entry = EntryOf(*new_item, table, index);
    }
    if (old_entry && new_entry && old_entry->key == new_entry->key &&
        old_entry->value == new_entry->value) {
      continue;  // the index does not see this write
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

api::Status Engine::DescribeIndexes(const Table& table, const TableInfo& info,
                                    api::TableDescription* description) const {
  for (const IndexInfo& index : info.indexes) {
    api::SecondaryIndex d = index.definition;
    d.index_arn = description->table_arn + "/index/" + d.index_name;
    d.index_status = api::IndexStatus::kActive;
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
