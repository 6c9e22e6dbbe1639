// The engine's reads: GetItem, BatchGetItem, Query and Scan.
//
// Reads take no locks: a point read sees the last committed WriteBatch, and an iterator reads
// one implicit snapshot, so a Query or Scan page is consistent in itself. Query and Scan share
// ReadPage(): they differ only in the key range they walk (scan_range.h) and in how they check
// ExclusiveStartKey.
//
// A page (DynamoDB's rules for Query and Scan):
//   - items are read in key order (backwards for Query with ScanIndexForward false);
//   - every item read counts: ScannedCount, the 1 MB page and the capacity all use the items
//     read, before the filter;
//   - the page ends after Limit items were read, or once the sizes of the items read reach
//     1 MB (the item that reaches it is part of the page); LastEvaluatedKey is then the key of
//     the last item read, whether or not it passed the filter, and whether or not more items
//     follow (DynamoDB also answers a LastEvaluatedKey when a page ends exactly at the end);
//   - FilterExpression decides which items read are returned (Count); the projection shapes
//     them; Select COUNT returns none;
//   - without a filter or a projection an item is returned exactly as stored: its stored JSON
//     (the canonical encoding of api/codec.h) is copied into the page unparsed.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "api/capacity.h"
#include "api/codec.h"
#include "api/expression.h"
#include "api/validation.h"
#include "backend/engine/engine.h"
#include "backend/engine/engine_internal.h"

namespace ddbx::backend::engine {

namespace {

// A Query or Scan page ends once the items read total this many bytes.
constexpr uint64_t kPageLimitBytes = uint64_t{1024} * 1024;
// BatchGetItem returns at most this many bytes of items; the keys past it are unprocessed.
constexpr uint64_t kBatchGetResponseLimitBytes = uint64_t{16} * 1024 * 1024;

constexpr std::string_view kStartKeyInvalid = "The provided starting key is invalid";

// Appends one item's JSON as the next element of a page's comma-joined item list.
void AppendItemElement(std::string_view item_json, std::string* items_json) {
  if (!items_json->empty()) items_json->push_back(',');
  items_json->append(item_json);
}

api::Error NoSuchIndex(const std::string& index_name) {
  return api::Error::Validation("The table does not have the specified index: " + index_name);
}

api::Error StartKeyInvalid(std::string_view reason = {}) {
  std::string message(kStartKeyInvalid);
  if (!reason.empty()) message.append(": ").append(reason);
  return api::Error::Validation(std::move(message));
}

// The bucket of a key in a key space whose prefix is `space_size` bytes long (key_codec.h: the
// space's prefix, then the bucket).
uint32_t BucketOfKey(std::string_view key, size_t space_size) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(key[space_size])) << 8) |
         static_cast<uint8_t>(key[space_size + 1]);
}

// True when `key` holds exactly the key attributes of both shapes, with their types; shared
// names count once. A table's start key: HasKeyShape(key, table, table); an index's: the index
// keys and the table keys.
bool HasKeyShape(const api::Key& key, const KeyShape& index, const KeyShape& table) {
  std::vector<const KeyAttribute*> wanted;
  for (const KeyShape* shape : {&index, &table}) {
    for (const KeyAttribute* a : {&shape->hash, shape->range ? &*shape->range : nullptr}) {
      if (a == nullptr) continue;
      bool seen = false;
      for (const KeyAttribute* w : wanted) seen = seen || w->name == a->name;
      if (!seen) wanted.push_back(a);
    }
  }
  if (key.size() != wanted.size()) return false;
  for (const KeyAttribute* a : wanted) {
    auto it = key.find(a->name);
    if (it == key.end() || !HasType(it->second, a->type)) return false;
  }
  return true;
}

// Whether an LSI read must fetch items from the table: the index does not hold everything, and
// the request wants all attributes or names one the index does not hold (or filters, which may
// look at any attribute).
bool NeedsFetch(const IndexShape& index, const KeyShape& table, const api::ReadManyRequest& r) {
  if (index.global || index.projection.type == api::ProjectionType::kAll) return false;
  if (r.select == api::Select::kAllAttributes || r.filter) return true;
  if (!r.projection) return false;
  auto held = [&](const std::string& name) {
    if (name == table.hash.name || (table.range && name == table.range->name) ||
        name == index.shape.hash.name || (index.shape.range && name == index.shape.range->name)) {
      return true;
    }
    const auto& names = index.projection.non_key_attributes;
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (const api::expr::Path& path : r.projection->paths) {
    if (!held(path.attribute())) return true;
  }
  return false;
}

}  // namespace

// ---- GetItem ----

api::Result<api::GetItemResponse> Engine::DoGetItem(const api::GetItemRequest& request) {
  api::Result<TablePtr> found = FindActiveTable(request.table_name);
  if (!found.ok()) return found.take_error();
  const Table& table = *found.value();
  api::Status valid = api::ValidateKeyForTable(request.key, table.schema());
  if (!valid.ok()) return valid.error();
  const KeyShape& shape = table.shape();
  valid = api::expr::CheckKeyPathsScalar(request.projection.get(), shape.hash.name,
                                         shape.range ? &shape.range->name : nullptr);
  if (!valid.ok()) return valid.error();

  api::Result<std::optional<StoredItem>> stored =
      ReadItem(EncodeItemKey(table.id(), shape, request.key));
  if (!stored.ok()) return stored.take_error();
  api::GetItemResponse response;
  // A projection does not change what the read costs: the whole item was read.
  response.consumed_capacity = api::MakeConsumedCapacity(
      request.return_consumed_capacity, table.name(),
      api::ReadCapacityUnits(stored.value() ? stored.value()->size : 0, request.consistent_read));
  if (!stored.value()) return response;
  api::Result<api::Item> item = DecodeStoredJson(stored.value()->json);
  if (!item.ok()) return item.take_error();
  response.item = request.projection ? api::expr::Project(*request.projection, item.value())
                                     : std::move(item).value();
  return response;
}

// ---- BatchGetItem ----
//
// Every table and key is checked before anything is read. Then tables are read in name order
// and each table's keys in request order. Once the next item would take the items returned
// past 16 MB, that key and every key after it go to UnprocessedKeys, with their table's
// projection and consistency, so the client can send them again as they are. Each item read
// costs its own read units (rounded up per item); unprocessed keys cost nothing.
api::Result<api::BatchGetItemResponse> Engine::DoBatchGetItem(
    const api::BatchGetItemRequest& request) {
  struct TableKeys {
    TablePtr table;
    const api::KeysAndAttributes* request;
    std::vector<std::string> keys;  // encoded, in request order
  };
  std::vector<TableKeys> tables;
  for (const auto& [table_name, keys_and_attributes] : request.request_items) {
    api::Result<TablePtr> found = FindActiveTable(table_name);
    if (!found.ok()) return found.take_error();
    TableKeys entry{std::move(found).value(), &keys_and_attributes, {}};
    std::set<std::string> seen;
    for (const api::Key& key : keys_and_attributes.keys) {
      api::Status valid = api::ValidateKeyForTable(key, entry.table->schema());
      if (!valid.ok()) return valid.error();
      std::string encoded = EncodeItemKey(entry.table->id(), entry.table->shape(), key);
      if (!seen.insert(encoded).second) {
        return api::Error::Validation("Provided list of item keys contains duplicates");
      }
      entry.keys.push_back(std::move(encoded));
    }
    tables.push_back(std::move(entry));
  }

  api::BatchGetItemResponse response;
  api::CapacityTally capacity;
  uint64_t response_bytes = 0;
  bool full = false;
  for (const TableKeys& entry : tables) {
    const std::string& table_name = entry.table->name();
    const api::KeysAndAttributes& asked = *entry.request;
    std::vector<api::Item>& items = response.responses[table_name];
    capacity.Add(table_name, 0);
    for (size_t i = 0; i < entry.keys.size(); ++i) {
      if (!full) {
        api::Result<std::optional<StoredItem>> stored = ReadItem(entry.keys[i]);
        if (!stored.ok()) return stored.take_error();
        if (!stored.value()) {
          capacity.Add(table_name, api::ReadCapacityUnits(0, asked.consistent_read));
          continue;
        }
        api::Result<api::Item> item = DecodeStoredJson(stored.value()->json);
        if (!item.ok()) return item.take_error();
        api::Item returned = asked.projection ? api::expr::Project(*asked.projection, item.value())
                                              : std::move(item).value();
        const uint64_t returned_bytes =
            asked.projection ? api::ItemSizeBytes(returned) : stored.value()->size;
        if (response_bytes + returned_bytes <= kBatchGetResponseLimitBytes) {
          response_bytes += returned_bytes;
          items.push_back(std::move(returned));
          capacity.Add(table_name,
                       api::ReadCapacityUnits(stored.value()->size, asked.consistent_read));
          continue;
        }
        full = true;
      }
      api::KeysAndAttributes& unprocessed = response.unprocessed_keys[table_name];
      if (unprocessed.keys.empty()) {
        unprocessed.projection = asked.projection;
        unprocessed.consistent_read = asked.consistent_read;
      }
      unprocessed.keys.push_back(asked.keys[i]);
    }
  }
  response.consumed_capacity = capacity.Report(request.return_consumed_capacity);
  return response;
}

// ---- Indexes ----

api::Status Engine::PlanIndexRead(const Table& table, const api::ReadManyRequest& request,
                                  ReadPlan* plan) const {
  if (!request.index_name) return api::Status::Ok();
  IndexPtr index = table.FindIndex(*request.index_name);
  if (index == nullptr) return NoSuchIndex(*request.index_name);
  if (index->backfilling) {
    return api::Error::Validation("Cannot read from backfilling global secondary index: " +
                                  index->name);
  }
  if (index->global && request.consistent_read) {
    return api::Error::Validation("Consistent reads are not supported on global secondary indexes");
  }
  if (index->global && request.select == api::Select::kAllAttributes &&
      index->projection.type != api::ProjectionType::kAll) {
    return api::Error::Validation(
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported "
        "for global secondary index " +
        index->name + " because its projection type is not ALL");
  }
  plan->fetch_from_table = NeedsFetch(*index, table.shape(), request);
  plan->index = std::move(index);
  return api::Status::Ok();
}

// ---- Query ----

api::Result<api::ReadManyResponse> Engine::DoQuery(const api::QueryRequest& request) {
  api::Result<TablePtr> found = FindActiveTable(request.table_name);
  if (!found.ok()) return found.take_error();
  const Table& table = *found.value();
  ReadPlan plan;
  plan.table = &table;
  if (api::Status indexed = PlanIndexRead(table, request, &plan); !indexed.ok()) {
    return indexed.error();
  }
  // The key condition is on the index's keys when there is one.
  const KeyShape& shape = plan.index ? plan.index->shape : table.shape();
  const std::string* range_key = shape.range ? &shape.range->name : nullptr;

  if (request.exclusive_start_key &&
      !HasKeyShape(*request.exclusive_start_key, shape, table.shape())) {
    return StartKeyInvalid();
  }
  if (!request.key_condition) {
    return api::Error::Validation(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request.");
  }
  api::Result<api::expr::KeyBounds> resolved = api::expr::ResolveKeyCondition(
      *request.key_condition, shape.hash.name, shape.hash.type, range_key,
      shape.range ? shape.range->type : api::ScalarAttributeType::kS);
  if (!resolved.ok()) return resolved.take_error();
  const api::expr::KeyBounds& bounds = resolved.value();

  plan.forward = request.scan_index_forward;
  plan.range = plan.index ? QueryRangeIn(IndexSpace(table.id(), plan.index->id), shape, bounds)
                          : QueryRange(table.id(), shape, bounds);
  if (request.exclusive_start_key) {
    const api::Key& start = *request.exclusive_start_key;
    api::Status valid =
        plan.index ? api::Status::Ok() : api::ValidateKeyForTable(start, table.schema());
    if (!valid.ok()) return StartKeyInvalid(valid.error().message);
    const bool same_partition = start.at(shape.hash.name) == bounds.hash_value;
    if (!bounds.range) {
      if (!same_partition) {
        return api::Error::Validation(
            "The provided starting key is outside query boundaries based on provided conditions");
      }
    } else {
      if (!api::expr::SortKeyMatches(*bounds.range, start.at(*range_key))) {
        return api::Error::Validation(
            "The provided starting key does not match the range key predicate");
      }
      if (!same_partition) {
        return api::Error::Validation(
            "The query can return at most one row and cannot be restarted");
      }
    }
    ApplyExclusiveStart(
        plan.index ? EncodeIndexKey(table.id(), plan.index->id, shape, table.shape(), start)
                   : EncodeItemKey(table.id(), shape, start),
        plan.forward, &plan.range);
  }
  if (request.filter) {
    api::Status filter_ok =
        api::expr::CheckFilterAgainstKey(*request.filter, shape.hash.name, range_key);
    if (!filter_ok.ok()) return filter_ok.error();
  }
  return ReadPage(plan, request);
}

// ---- Scan ----

api::Result<api::ReadManyResponse> Engine::DoScan(const api::ScanRequest& request) {
  api::Result<TablePtr> found = FindActiveTable(request.table_name);
  if (!found.ok()) return found.take_error();
  const Table& table = *found.value();
  ReadPlan plan;
  plan.table = &table;
  // A Scan of an unknown index with a start key: the start key is what DynamoDB refuses.
  if (request.index_name && !table.FindIndex(*request.index_name) && request.exclusive_start_key) {
    return StartKeyInvalid();
  }
  if (api::Status indexed = PlanIndexRead(table, request, &plan); !indexed.ok()) {
    return indexed.error();
  }
  const std::string space =
      plan.index ? IndexSpace(table.id(), plan.index->id) : ItemRangeBegin(table.id());

  BucketRange buckets;
  const bool parallel = request.segment && request.total_segments;
  if (parallel) {
    if (*request.total_segments < 1 || *request.segment < 0 ||
        *request.segment >= *request.total_segments) {
      return api::Error::Validation(
          "The Segment parameter is zero-based and must be less than "
          "parameter TotalSegments: Segment: " +
          std::to_string(*request.segment) + " is not less than " +
          "TotalSegments: " + std::to_string(*request.total_segments));
    }
    buckets = SegmentBuckets(*request.segment, *request.total_segments);
  }
  plan.range = ScanRangeIn(space, buckets);
  if (request.exclusive_start_key) {
    const api::Key& start_key = *request.exclusive_start_key;
    std::string start;
    if (plan.index) {
      if (!HasKeyShape(start_key, plan.index->shape, table.shape())) return StartKeyInvalid();
      start =
          EncodeIndexKey(table.id(), plan.index->id, plan.index->shape, table.shape(), start_key);
    } else {
      api::Status valid = api::ValidateKeyForTable(start_key, table.schema());
      if (!valid.ok()) return StartKeyInvalid(valid.error().message);
      start = EncodeItemKey(table.id(), table.shape(), start_key);
    }
    if (parallel && !buckets.Contains(BucketOfKey(start, space.size()))) {
      return StartKeyInvalid(
          "Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. "
          "TotalSegments: " +
          std::to_string(*request.total_segments) +
          " Segment: " + std::to_string(*request.segment));
    }
    ApplyExclusiveStart(start, /*forward=*/true, &plan.range);
  }
  const KeyShape& shape = table.shape();
  const std::string* range_key = shape.range ? &shape.range->name : nullptr;
  if (api::Status scalar =
          api::expr::CheckKeyPathsScalar(request.filter.get(), shape.hash.name, range_key);
      !scalar.ok()) {
    return scalar.error();
  }
  return ReadPage(plan, request);
}

// ---- Pages ----

api::Result<api::ReadManyResponse> Engine::ReadPage(const ReadPlan& plan,
                                                    const api::ReadManyRequest& request) {
  const Table& table = *plan.table;
  const bool count_only = request.select == api::Select::kCount;
  // Items to read at most on this page (no Limit: only the 1 MB rule ends the page).
  const int64_t limit = request.limit && *request.limit > 0 ? *request.limit : INT64_MAX;

  api::ReadManyResponse response;
  response.count_only = count_only;
  uint64_t bytes_read = 0;
  std::string last_key;
  bool cut_short = false;
  if (!plan.range.empty()) {
    const rocksdb::Slice lower(plan.range.begin);
    const rocksdb::Slice upper(plan.range.end);
    rocksdb::ReadOptions read_options;
    read_options.iterate_lower_bound = &lower;
    read_options.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
    if (plan.forward) {
      it->Seek(lower);
    } else {
      it->SeekForPrev(upper);
      if (it->Valid() && it->key().compare(upper) >= 0) it->Prev();
    }
    for (; it->Valid(); plan.forward ? it->Next() : it->Prev()) {
      const std::string_view key = View(it->key());
      if (key < plan.range.begin || key >= plan.range.end) break;
      ItemValueView value;
      if (!ParseItemValue(View(it->value()), &value)) return CorruptItem();
      ++response.scanned_count;
      bytes_read += value.item_size;
      last_key.assign(key);

      std::optional<StoredItem> fetched;  // the table's item, for an LSI fetch
      if (plan.fetch_from_table && !count_only) {
        api::Result<api::Key> keys = DecodeIndexKey(key, plan.index->shape, table.shape());
        if (!keys.ok()) return keys.take_error();
        api::Result<std::optional<StoredItem>> item =
            ReadItem(EncodeItemKey(table.id(), table.shape(), keys.value()));
        if (!item.ok()) return item.take_error();
        if (!item.value()) continue;  // deleted since the entry was read: nothing to return
        fetched = std::move(item).value();
        value.json = fetched->json;
      }
      if (!request.filter && (count_only || !request.projection)) {
        // The common case: the item leaves as stored, its JSON copied without a parse.
        ++response.count;
        if (!count_only) AppendItemElement(value.json, &response.items_json);
      } else {
        api::Result<api::Item> item = DecodeStoredJson(value.json);
        if (!item.ok()) return item.take_error();
        if (!request.filter || api::expr::EvaluateCondition(*request.filter, &item.value())) {
          ++response.count;
          if (!count_only) {
            AppendItemElement(
                api::EncodeItemJson(request.projection
                                        ? api::expr::Project(*request.projection, item.value())
                                        : item.value()),
                &response.items_json);
          }
        }
      }

      if (response.scanned_count >= limit || bytes_read >= kPageLimitBytes) {
        cut_short = true;
        break;
      }
    }
    if (!it->status().ok()) return StorageError(it->status());
  }

  if (cut_short) {
    if (plan.index) {
      api::Result<api::Key> decoded = DecodeIndexKey(last_key, plan.index->shape, table.shape());
      if (!decoded.ok()) return decoded.take_error();
      response.last_evaluated_key = std::move(decoded).value();
    } else {
      api::Result<DecodedItemKey> decoded = DecodeItemKey(last_key, table.shape());
      if (!decoded.ok()) return decoded.take_error();
      response.last_evaluated_key = std::move(decoded.value().key);
    }
  }
  response.consumed_capacity =
      api::MakeConsumedCapacity(request.return_consumed_capacity, table.name(),
                                api::ReadCapacityUnits(bytes_read, request.consistent_read));
  return response;
}

}  // namespace ddbx::backend::engine
