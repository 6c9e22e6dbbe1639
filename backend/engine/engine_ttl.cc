// Time to live: UpdateTimeToLive, DescribeTimeToLive, the expiry entries every write keeps, and
// the sweeper that deletes expired items.
//
// While a table has TTL enabled, each item whose TTL attribute holds a usable expiry has one
// expiry entry, keyed by the table, the expiry and the item key (key_codec.h), written and
// removed in the same WriteBatch as the item (AddExpiryChange, from Commit). The sweeper reads
// each table's entries from the oldest up to "now" (never a scan of the items) and deletes a
// bounded number of items per tick, each with its entry and its counters in one batch, under
// the item's key lock, after checking again that the item as stored now is expired: an entry
// can be stale (see BackfillExpiryEntries), and the item may have been rewritten since.
//
// Usable expiry (DynamoDB's rules): the attribute is a top-level Number; its value, in whole
// epoch seconds, is not negative and not more than five years before now. Items with any other
// value, or none, never expire. Expired items stay readable until the sweeper deletes them.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <cmath>
#include <cstdlib>
#include <shared_mutex>

#include "api/codec.h"
#include "backend/engine/engine.h"
#include "backend/engine/engine_internal.h"

namespace ddbx::backend::engine {

namespace {

// Items whose expiry lies further in the past than this are never deleted (DynamoDB's rule).
constexpr double kIgnoredAfterSeconds = 5.0 * 365 * 24 * 3600;
// Items the background sweeper deletes per tick at most, over all tables.
constexpr size_t kSweepBudgetPerTick = 1000;

// The expiry of `item` under TTL attribute `attribute`, in whole epoch seconds, if usable.
std::optional<uint64_t> ExpiryOf(const api::Item& item, const std::string& attribute, double now) {
  auto it = item.find(attribute);
  if (it == item.end() || it->second.type() != api::AttributeType::kN) return std::nullopt;
  // Whole seconds; the canonical text is plain decimal, which strtod reads exactly enough.
  const double seconds = std::floor(std::strtod(it->second.n().ToString().c_str(), nullptr));
  if (!(seconds >= 0) || seconds > 1e18 || seconds < now - kIgnoredAfterSeconds) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(seconds);
}

// The expiry of a stored item value (format byte, size, JSON).
api::Result<std::optional<uint64_t>> ExpiryOfValue(std::string_view value,
                                                   const std::string& attribute, double now) {
  ItemValueView view;
  if (!ParseItemValue(value, &view)) return CorruptItem();
  api::Result<api::Item> item = DecodeStoredJson(view.json);
  if (!item.ok()) return item.take_error();
  return ExpiryOf(item.value(), attribute, now);
}

api::Error TtlInvalid(std::string message) { return api::Error::Validation(std::move(message)); }

}  // namespace

api::Status Engine::AddExpiryChange(const Table& table, const std::string& attribute,
                                    const std::string& item_key,
                                    const std::optional<api::Item>& old_item,
                                    const std::optional<api::Item>& new_item,
                                    rocksdb::WriteBatch* batch) const {
  const double now = Now();
  // 0 stands for "no usable expiry": the epoch is more than five years ago, so ExpiryOf never
  // yields it while the clock is past 1975.
  const uint64_t old_expiry = old_item ? ExpiryOf(*old_item, attribute, now).value_or(0) : 0;
  const uint64_t new_expiry = new_item ? ExpiryOf(*new_item, attribute, now).value_or(0) : 0;
  if (old_expiry == new_expiry) return api::Status::Ok();
  rocksdb::Status status;
  if (old_expiry != 0) status = batch->Delete(ExpiryKey(table.id(), old_expiry, item_key));
  if (status.ok() && new_expiry != 0) {
    status = batch->Put(ExpiryKey(table.id(), new_expiry, item_key), "");
  }
  if (!status.ok()) return StorageError(status);
  return api::Status::Ok();
}

// ---- UpdateTimeToLive, DescribeTimeToLive ----

api::Result<api::UpdateTimeToLiveResponse> Engine::DoUpdateTimeToLive(
    const api::UpdateTimeToLiveRequest& request) {
  std::lock_guard control(control_mu_);
  TablePtr table = catalog_.Find(request.table_name);
  if (!table) return TableNotFound(request.table_name);
  TableInfo info = table->info();
  const api::TimeToLiveSpecification& asked = request.specification;
  // What the request asks against what is set, then the cooldown (DynamoDB's order).
  if (info.ttl.enabled && asked.attribute_name != info.ttl.attribute_name) {
    return TtlInvalid(
        "TimeToLive is active on a different AttributeName: current AttributeName is " +
        info.ttl.attribute_name);
  }
  if (asked.enabled && info.ttl.enabled) return TtlInvalid("TimeToLive is already enabled");
  if (!asked.enabled && !info.ttl.enabled) return TtlInvalid("TimeToLive is already disabled");
  const double now = Now();
  if (info.ttl.last_change > 0 &&
      now - info.ttl.last_change < options_.ttl_change_cooldown_seconds) {
    return TtlInvalid("Time to live has been modified multiple times within a fixed interval");
  }

  info.ttl.attribute_name = asked.attribute_name;
  info.ttl.enabled = asked.enabled;
  info.ttl.last_change = now;
  rocksdb::WriteBatch batch;
  rocksdb::Status status = batch.Put(CatalogKey(table->name()), EncodeTableRecord(info));
  if (status.ok() && !asked.enabled) {
    // Disabled: no entry is needed any more.
    status = batch.DeleteRange(ExpiryRangeBegin(table->id()), ExpiryRangeEnd(table->id()));
  }
  {
    // Writers read the TTL attribute under the lifecycle lock (shared): once this exclusive
    // section ends, every later write maintains entries under the new setting, and every
    // earlier one has committed (so the backfill below sees its item).
    std::unique_lock lifecycle(table->lifecycle_mutex());
    if (table->deleted()) return TableNotFound(request.table_name);
    if (status.ok()) status = db_->Write(DurableWrite(options_.in_memory), &batch);
    if (!status.ok()) return StorageError(status);
    table->SetInfo(info);
  }
  if (asked.enabled) {
    api::Status filled = BackfillExpiryEntries(*table, asked.attribute_name);
    if (!filled.ok()) return filled.error();
  }
  return api::UpdateTimeToLiveResponse{asked};
}

// Writes the entry of every item in the table. Runs after writers started maintaining entries,
// so an item written meanwhile has its entry either way; an item rewritten after this walk read
// it may be left with a stale entry for its old expiry, which the sweeper recognises (it checks
// the item as stored before deleting) and drops.
api::Status Engine::BackfillExpiryEntries(const Table& table, const std::string& attribute) {
  const std::string begin = ItemRangeBegin(table.id());
  const std::string end = ItemRangeEnd(table.id());
  const rocksdb::Slice upper(end);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
  const double now = Now();
  rocksdb::WriteBatch batch;
  for (it->Seek(begin); it->Valid(); it->Next()) {
    api::Result<std::optional<uint64_t>> expiry = ExpiryOfValue(View(it->value()), attribute, now);
    if (!expiry.ok()) return expiry.error();
    if (!expiry.value()) continue;
    rocksdb::Status status = batch.Put(ExpiryKey(table.id(), *expiry.value(), View(it->key())), "");
    if (!status.ok()) return StorageError(status);
    if (batch.Count() >= 1000) {
      status = db_->Write(DurableWrite(options_.in_memory), &batch);
      if (!status.ok()) return StorageError(status);
      batch.Clear();
    }
  }
  if (!it->status().ok()) return StorageError(it->status());
  if (batch.Count() > 0) {
    rocksdb::Status status = db_->Write(DurableWrite(options_.in_memory), &batch);
    if (!status.ok()) return StorageError(status);
  }
  return api::Status::Ok();
}

api::Result<api::DescribeTimeToLiveResponse> Engine::DoDescribeTimeToLive(
    const api::DescribeTimeToLiveRequest& request) {
  TablePtr table = catalog_.Find(request.table_name);
  if (!table || table->deleted()) return TableNotFound(request.table_name);
  api::DescribeTimeToLiveResponse response;
  if (std::optional<std::string> attribute = table->ttl_attribute()) {
    response.status = api::TimeToLiveStatus::kEnabled;
    response.attribute_name = std::move(attribute);
  }
  return response;
}

// ---- The sweeper ----

api::Result<size_t> Engine::SweepExpiredItems(size_t budget) {
  const double now = Now();
  if (!(now >= 0)) return size_t{0};
  size_t deleted = 0;
  for (const TablePtr& table : catalog_.All()) {
    if (deleted >= budget) break;
    if (!table->ttl_attribute()) continue;
    api::Result<size_t> swept =
        SweepTable(table, static_cast<uint64_t>(std::floor(now)), budget - deleted);
    if (!swept.ok()) return swept.take_error();
    deleted += swept.value();
  }
  return deleted;
}

api::Result<size_t> Engine::SweepTable(const TablePtr& table, uint64_t now, size_t budget) {
  // The entries due: expiry <= now, oldest first.
  const std::string begin = ExpiryRangeBegin(table->id());
  const std::string end = ExpiryKey(table->id(), now + 1, "");
  std::vector<std::string> due;
  {
    const rocksdb::Slice upper(end);
    rocksdb::ReadOptions read_options;
    read_options.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options));
    for (it->Seek(begin); it->Valid() && due.size() < budget; it->Next()) {
      due.emplace_back(View(it->key()));
    }
    if (!it->status().ok()) return StorageError(it->status());
  }

  size_t deleted = 0;
  for (const std::string& entry_key : due) {
    ExpiryEntry entry;
    if (!ParseExpiryKey(entry_key, &entry)) return CorruptItem();
    const std::string item_key(entry.item_key);
    std::shared_lock lifecycle(table->lifecycle_mutex());
    if (table->deleted()) break;
    const std::optional<std::string> attribute = table->ttl_attribute();
    if (!attribute) break;  // disabled meanwhile: its entries are gone
    std::lock_guard key_lock(KeyLock(item_key));

    api::Result<std::optional<StoredItem>> stored = ReadItem(item_key);
    if (!stored.ok()) return stored.take_error();
    std::optional<uint64_t> expiry;
    if (stored.value()) {
      api::Result<api::Item> item = DecodeStoredJson(stored.value()->json);
      if (!item.ok()) return item.take_error();
      expiry = ExpiryOf(item.value(), *attribute, static_cast<double>(now));
    }
    if (expiry != entry.expiry_seconds) {
      // A stale entry: the item is gone or carries another expiry (which has its own entry).
      rocksdb::WriteBatch batch;
      rocksdb::Status status = batch.Delete(entry_key);
      if (status.ok()) status = db_->Write(DurableWrite(options_.in_memory), &batch);
      if (!status.ok()) return StorageError(status);
      continue;
    }
    // Expired: delete it as DeleteItem would (Commit also removes its entry).
    ItemWrite write;
    write.table = table.get();
    write.key = item_key;
    write.erase = true;
    write.delta.item_count = -1;
    write.delta.size_bytes = -static_cast<int64_t>(stored.value()->size);
    write.old_json = &stored.value()->json;
    api::Status committed = Commit({&write, 1});
    if (!committed.ok()) return committed.error();
    ++deleted;
    if (options_.on_expired) {
      api::Result<DecodedItemKey> key = DecodeItemKey(item_key, table->shape());
      if (key.ok()) options_.on_expired(table->name(), key.value().key);
    }
  }
  return deleted;
}

void Engine::RunSweeper() {
  std::unique_lock lock(sweeper_mu_);
  while (!stopping_) {
    sweeper_cv_.wait_for(lock, options_.ttl_sweep_interval);
    if (stopping_) break;
    lock.unlock();
    // A failure (a storage error) is retried on the next tick; nothing else can be done here.
    api::Result<size_t> swept = SweepExpiredItems(kSweepBudgetPerTick);
    (void)swept;
    lock.lock();
  }
}

}  // namespace ddbx::backend::engine
