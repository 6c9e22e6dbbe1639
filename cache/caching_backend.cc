#include "cache/caching_backend.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "api/capacity.h"
#include "api/codec.h"
#include "api/expression.h"
#include "api/json_writer.h"

namespace ddbx::cache {
namespace {

using api::Executor;
using backend::Callback;

// ---- Tables ----

// What the caches know of one table: its key schema and its settings. Replaced (with a new
// incarnation) when the table is deleted, updated or created again, so entries of an older
// incarnation are never taken for current. `forgotten` is set when it is replaced: a write begun
// under it that completes afterwards must not store its value (the table may be another by now).
struct TableInfo {
  uint64_t incarnation = 0;
  std::string name;
  KeyNames keys;
  TableCacheSettings settings;
  std::atomic<bool> forgotten{false};
};
using TablePtr = std::shared_ptr<TableInfo>;

// ---- Entries ----

// The ready body of a plain GetItem of `item`: {"Item":{..}}.
std::string ItemBody(const api::Item& item) {
  api::GetItemResponse response;
  response.item = item;
  return api::EncodeGetItemResponse(response);
}
constexpr std::string_view kNegativeBody = "{}";
constexpr std::string_view kItemBodyPrefix = "{\"Item\":";

bool IsNegative(std::string_view body) { return body == kNegativeBody; }

// The item JSON inside an item entry's body.
std::string_view ItemJsonOf(std::string_view body) {
  return body.substr(kItemBodyPrefix.size(), body.size() - kItemBodyPrefix.size() - 1);
}

uint32_t Crc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// An item entry: the CRC-32 of the body (the x-amz-crc32 of a plain GetItem hit, so a hit
// computes nothing), then the body.
constexpr size_t kCrcBytes = 4;
std::string ItemEntry(std::string_view body) {
  std::string entry(kCrcBytes, '\0');
  const uint32_t crc = Crc32(body);
  std::memcpy(entry.data(), &crc, kCrcBytes);
  entry.append(body);
  return entry;
}
struct EntryBody {
  std::string_view body;
  uint32_t crc32 = 0;
};
EntryBody ItemEntryBody(std::string_view entry) {
  EntryBody view;
  std::memcpy(&view.crc32, entry.data(), kCrcBytes);
  view.body = entry.substr(kCrcBytes);
  return view;
}

// `body` (a response without ConsumedCapacity) with `capacity` as its first member: every
// response writes ConsumedCapacity first (members in alphabetical order), so this is exactly
// what encoding the response with the capacity set would write.
std::string WithCapacity(std::string_view body, const std::optional<api::ConsumedCapacity>& cap) {
  if (!cap) return std::string(body);
  std::string out = "{\"ConsumedCapacity\":";
  api::JsonWriter w(&out);
  api::WriteConsumedCapacity(&w, *cap);
  if (body.size() > 2) out.push_back(',');
  out.append(body.substr(1));
  return out;
}

std::optional<api::ConsumedCapacity> ZeroCapacity(api::ReturnConsumedCapacity mode,
                                                  const std::string& table) {
  return api::MakeConsumedCapacity(mode, table, 0);
}

std::optional<api::Item> UnlessEmpty(api::Item item) {
  if (item.empty()) return std::nullopt;
  return item;
}

// A query page entry: the table's incarnation and the generation it was read under, then the
// page's body without ConsumedCapacity, as an item entry (CRC-32 and body).
constexpr size_t kQueryHeaderBytes = 16;
std::string QueryEntry(uint64_t incarnation, uint64_t generation, std::string_view body) {
  std::string entry(kQueryHeaderBytes, '\0');
  std::memcpy(entry.data(), &incarnation, 8);
  std::memcpy(entry.data() + 8, &generation, 8);
  entry.append(ItemEntry(body));
  return entry;
}
void ReadQueryHeader(std::string_view entry, uint64_t* incarnation, uint64_t* generation) {
  std::memcpy(incarnation, entry.data(), 8);
  std::memcpy(generation, entry.data() + 8, 8);
}

// ---- Writes ----

// What a failed or successful write means for the cache.
enum class WriteResult {
  kApplied,          // written: store the new value (or drop it), bump generations
  kNotApplied,       // refused before anything changed: leave the cache alone
  kConditionFailed,  // a condition failed: nothing changed, but drop the key (DESIGN.md)
  kUnknown,          // may or may not have been written: drop the key, bump generations
};

WriteResult Classify(const api::Error& error) {
  switch (error.code) {
    case api::ErrorCode::kConditionalCheckFailed:
    case api::ErrorCode::kTransactionCanceled:
      return WriteResult::kConditionFailed;
    case api::ErrorCode::kInternalServerError:
      return WriteResult::kUnknown;
    default:
      return WriteResult::kNotApplied;
  }
}

// Not inlined: GCC 12 then reports the error's code "maybe uninitialized" (a false positive on
// the variant inside Result).
template <class T>
[[gnu::noinline]] WriteResult Classify(const api::Result<T>& result) {
  return result.ok() ? WriteResult::kApplied : Classify(result.error());
}

// One key a write names, and what to store there if the write is applied.
struct TouchedKey {
  TablePtr table;
  std::string key;                          // item-cache key
  std::string partition;                    // KeyValueBytes of the partition key
  std::optional<std::string> applied_body;  // store this once applied; nullopt: drop the key
  double ttl = 0;
};

constexpr size_t kLockShards = 64;

size_t ShardOf(std::string_view key) { return std::hash<std::string_view>()(key) % kLockShards; }

// Writes in flight, per key. Two overlapping writes of one key may complete in either order, so
// the value the first completion would store could be older than the second's: when writes of
// a key overlap, every one of them drops the key instead of storing. A completion updates the
// store while holding its shard's lock, so a write that begins after it cannot be overtaken.
class WriteTracker {
 public:
  void Begin(const std::string& key) {
    Shard& s = shards_[ShardOf(key)];
    std::lock_guard lock(s.mu);
    InFlight& f = s.writes[key];
    if (f.count > 0) f.overlapped = true;
    ++f.count;
  }

  // `store`: the new value (null: drop the key); `change`: false leaves the entry alone.
  // `table`: what the write began under; if it has been replaced since, the value is not kept
  // (checked after storing it: a replacement either is seen here, or drops the table's entries
  // after this store, since it marks the table before dropping them).
  void End(const std::string& key, bool change, Value store, double ttl, CacheStore* cache,
           const TableInfo& table) {
    Shard& s = shards_[ShardOf(key)];
    std::lock_guard lock(s.mu);
    auto it = s.writes.find(key);
    bool overlapped = false;
    if (it != s.writes.end()) {
      overlapped = it->second.overlapped;
      if (--it->second.count == 0) s.writes.erase(it);
    }
    if (!change) return;
    if (store && !overlapped && ttl > 0) {
      cache->Put(key, std::move(store), ttl);
      if (table.forgotten.load()) cache->Invalidate(key);
    } else {
      cache->Invalidate(key);
    }
  }

 private:
  struct InFlight {
    int count = 0;
    bool overlapped = false;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, InFlight> writes;
  };
  std::array<Shard, kLockShards> shards_;
};

// ---- Single flight ----

// Misses of one key (or query) in flight, so that concurrent misses share one backend request.
// A flight remembers what it was begun under (a fill lease, a generation); a reader joins it only
// if that is still current, so no reader gets an answer begun before a write it could have seen.
template <class Flight>
class FlightTable {
 public:
  using Waiter = typename Flight::Waiter;

  // Joins the key's flight if `can_join` accepts it (returns false), else installs `fresh` as the
  // key's flight with `waiter` as its first waiter (returns true: the caller leads it).
  template <class CanJoin>
  bool JoinOrLead(const std::string& key, CanJoin can_join, Waiter waiter,
                  const std::shared_ptr<Flight>& fresh) {
    Shard& s = shards_[ShardOf(key)];
    std::lock_guard lock(s.mu);
    auto it = s.flights.find(key);
    if (it != s.flights.end() && can_join(*it->second)) {
      it->second->waiters.push_back(std::move(waiter));
      return false;
    }
    fresh->waiters.push_back(std::move(waiter));
    s.flights[key] = fresh;
    return true;
  }

  // Ends `flight`: no one joins it any more. Returns its waiters, the leader first.
  std::vector<Waiter> Land(const std::string& key, const std::shared_ptr<Flight>& flight) {
    Shard& s = shards_[ShardOf(key)];
    std::lock_guard lock(s.mu);
    auto it = s.flights.find(key);
    if (it != s.flights.end() && it->second == flight) s.flights.erase(it);
    return std::move(flight->waiters);
  }

 private:
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<Flight>> flights;
  };
  std::array<Shard, kLockShards> shards_;
};

struct ItemFlight {
  struct Waiter {
    api::ProjectionPtr projection;
    api::ReturnConsumedCapacity return_consumed_capacity;
    Executor* executor;
    Callback<api::GetItemResponse> done;
  };
  uint64_t lease = 0;
  std::vector<Waiter> waiters;
};

struct QueryFlight {
  struct Waiter {
    api::ReturnConsumedCapacity return_consumed_capacity;
    Executor* executor;
    Callback<api::ReadManyResponse> done;
  };
  uint64_t incarnation = 0;
  uint64_t generation = 0;
  std::vector<Waiter> waiters;
};

// Runs `done(result)` on `executor`, later.
template <class T>
void PostResult(Executor* executor, Callback<T> done, api::Result<T> result) {
  executor->Post(
      [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

}  // namespace

// ---- The machinery ----

struct CachingBackend::Impl {
  Impl(const CachingOptions& options, backend::Backend* next)
      : options(options),
        next(next),
        store(CacheStore::Options{.max_bytes = options.max_bytes,
                                  .shards = 16,
                                  .policy = options.policy,
                                  .clock = options.clock}),
        partition_generations(new std::atomic<uint64_t>[kPartitionSlots]),
        table_generations(new std::atomic<uint64_t>[kTableSlots]) {
    for (size_t i = 0; i < kPartitionSlots; ++i) partition_generations[i].store(0);
    for (size_t i = 0; i < kTableSlots; ++i) table_generations[i].store(0);
    schema_epochs.fill(0);
  }

  const CachingOptions& options;
  backend::Backend* next;
  CacheStore store;
  WriteTracker writes;
  FlightTable<ItemFlight> item_flights;
  FlightTable<QueryFlight> query_flights;

  // Tables whose schema is known, by name. A table name's epoch (hashed into a fixed array)
  // changes whenever that table is deleted, updated or created, so a DescribeTable begun before
  // that is not remembered after it.
  mutable std::shared_mutex tables_mu;
  std::unordered_map<std::string, TablePtr> tables;  // GUARDED_BY(tables_mu)
  static constexpr size_t kEpochSlots = 1024;
  std::array<uint64_t, kEpochSlots> schema_epochs;  // GUARDED_BY(tables_mu)
  uint64_t next_incarnation = 1;                    // GUARDED_BY(tables_mu)
  static constexpr int kDescribeAttempts = 3;

  // Generations per (table name, partition key) and per table name, hashed into fixed arrays:
  // two partitions or tables sharing a slot only cost each other some hits. Each slot only
  // grows. They are keyed by name, not kept in TableInfo, so that a write begun under one
  // TableInfo still bumps what pages read under its successor depend on.
  static constexpr size_t kPartitionSlots = size_t{1} << 16;
  static constexpr size_t kTableSlots = size_t{1} << 12;
  std::unique_ptr<std::atomic<uint64_t>[]> partition_generations;
  std::unique_ptr<std::atomic<uint64_t>[]> table_generations;

  std::atomic<uint64_t> item_hits{0}, item_misses{0};
  std::atomic<uint64_t> query_hits{0}, query_misses{0};
  std::atomic<uint64_t> scan_hits{0}, scan_misses{0};

  // ---- Tables ----

  TablePtr FindTable(const std::string& name) const {
    std::shared_lock lock(tables_mu);
    auto it = tables.find(name);
    return it == tables.end() ? nullptr : it->second;
  }

  TableCacheSettings SettingsFor(const std::string& name) const {
    auto it = options.tables.find(name);
    return it == options.tables.end() ? options.defaults : it->second;
  }

  static size_t EpochSlot(const std::string& name) {
    return std::hash<std::string>()(name) % kEpochSlots;
  }

  // Remembers the schema DescribeTable returned, unless the table changed since `epoch`
  // (then nullptr).
  TablePtr Remember(const api::TableDescription& description, uint64_t epoch) {
    std::unique_lock lock(tables_mu);
    if (epoch != schema_epochs[EpochSlot(description.table_name)]) return nullptr;
    TablePtr& slot = tables[description.table_name];
    if (!slot) {
      auto info = std::make_shared<TableInfo>();
      info->incarnation = next_incarnation++;
      info->name = description.table_name;
      info->keys.hash = description.hash_key_name();
      if (const std::string* range = description.range_key_name()) info->keys.range = *range;
      info->settings = SettingsFor(description.table_name);
      slot = std::move(info);
    }
    return slot;
  }

  // After a table change, or a write the cache could not follow: forget the schema and drop
  // every entry of the table (ending their fill leases).
  void ForgetTable(const std::string& name) {
    {
      std::unique_lock lock(tables_mu);
      ++schema_epochs[EpochSlot(name)];
      auto it = tables.find(name);
      if (it != tables.end()) {
        it->second->forgotten.store(true);
        tables.erase(it);
      }
    }
    TableSlot(name).fetch_add(1);
    store.InvalidatePrefix(TablePrefix(EntryKind::kItem, name));
    store.InvalidatePrefix(TablePrefix(EntryKind::kQuery, name));
  }

  // The answer of a write passed on without being followed (the table's schema could not be
  // learnt, or the request does not fit it): if it succeeded, the cache no longer knows what
  // the table holds, so the table's entries go. Tables the settings leave uncached have none.
  template <class T>
  Callback<T> Unfollowed(std::vector<std::string> tables, Callback<T> done) {
    return [this, tables = std::move(tables), done = std::move(done)](api::Result<T> r) {
      const WriteResult result = Classify(r);
      if (result == WriteResult::kApplied || result == WriteResult::kUnknown) {
        for (const std::string& name : tables) {
          if (SettingsFor(name).enabled) ForgetTable(name);
        }
      }
      done(std::move(r));
    };
  }

  // Calls then(table) with the table's info: at once when known, else after asking the next
  // backend's DescribeTable (on `executor`). then(nullptr) when the table cannot be described
  // (it does not exist, ...) or is not cached: the caller then passes its request on unchanged,
  // and the backend answers it as it would without a cache.
  // Passes a write on without following it (see Unfollowed).
  template <class Request, class Response>
  void PassUnfollowed(void (backend::Backend::*method)(Request, Executor*, Callback<Response>),
                      Request request, std::vector<std::string> tables, Executor* executor,
                      Callback<Response> done) {
    (next->*method)(std::move(request), executor, Unfollowed(std::move(tables), std::move(done)));
  }

  // Passes a write on, following it: its keys are registered as written, and once the backend
  // has answered, the cache learns the outcome before the client does.
  template <class Request, class Response>
  void PassFollowed(void (backend::Backend::*method)(Request, Executor*, Callback<Response>),
                    Request request, std::vector<TouchedKey> keys, Executor* executor,
                    Callback<Response> done) {
    BeginWrites(keys);
    (next->*method)(
        std::move(request), executor,
        [this, keys = std::move(keys), done = std::move(done)](api::Result<Response> r) {
          EndWrites(keys, Classify(r));
          done(std::move(r));
        });
  }

  // A DescribeTable overtaken by a change of the table is asked again, a few times.
  template <class Then>
  void WithTable(const std::string& name, Executor* executor, Then then, int attempt = 1) {
    if (TablePtr t = FindTable(name)) {
      then(t->settings.enabled ? t : nullptr);
      return;
    }
    uint64_t epoch;
    {
      std::shared_lock lock(tables_mu);
      epoch = schema_epochs[EpochSlot(name)];
    }
    auto shared_then = std::make_shared<Then>(std::move(then));
    next->DescribeTable(
        api::DescribeTableRequest{name}, executor,
        [this, name, executor, attempt, epoch, shared_then](api::Result<api::TableDescription> r) {
          if (!r.ok()) {
            (*shared_then)(nullptr);
            return;
          }
          TablePtr t = Remember(r.value(), epoch);
          if (!t && attempt < kDescribeAttempts) {
            WithTable(name, executor, std::move(*shared_then), attempt + 1);
            return;
          }
          (*shared_then)(t && t->settings.enabled ? t : nullptr);
        });
  }

  // The infos of several tables, in `names` order; then({}) if any is unknown or not cached.
  template <class Then>
  void WithTables(std::vector<std::string> names, Executor* executor, Then then,
                  std::vector<TablePtr> found = {}) {
    if (found.size() == names.size()) {
      then(std::move(found));
      return;
    }
    const std::string name = names[found.size()];
    WithTable(name, executor,
              [this, names = std::move(names), executor, then = std::move(then),
               found = std::move(found)](TablePtr t) mutable {
                if (!t) {
                  then(std::vector<TablePtr>{});
                  return;
                }
                found.push_back(std::move(t));
                WithTables(std::move(names), executor, std::move(then), std::move(found));
              });
  }

  // ---- Generations ----

  std::atomic<uint64_t>& PartitionSlot(const std::string& table, std::string_view partition) {
    std::string id = table;
    id.push_back('\0');
    id.append(partition);
    return partition_generations[std::hash<std::string>()(id) % kPartitionSlots];
  }
  std::atomic<uint64_t>& TableSlot(const std::string& table) {
    return table_generations[std::hash<std::string>()(table) % kTableSlots];
  }

  // The generation a Query or Scan page depends on: its partition's for a Query on the table
  // (partition set), else the table's.
  uint64_t Generation(const TableInfo& table, const std::optional<std::string>& partition) {
    if (partition) return PartitionSlot(table.name, *partition).load();
    return TableSlot(table.name).load();
  }

  void Bump(const TableInfo& table, std::string_view partition) {
    TableSlot(table.name).fetch_add(1);
    PartitionSlot(table.name, partition).fetch_add(1);
  }

  // ---- Writes ----

  // The TouchedKey for an item (or key) of `table`; nullopt if the key cannot be formed.
  std::optional<TouchedKey> Touch(const TablePtr& table, const api::AttributeMap& attributes) {
    std::optional<std::string> key = ItemKeyOfItem(table->name, table->keys, attributes);
    if (!key) return std::nullopt;
    TouchedKey touched;
    touched.table = table;
    touched.key = std::move(*key);
    touched.partition = *KeyValueBytes(attributes.find(table->keys.hash)->second);
    return touched;
  }

  // The same for a request's Key: nullopt also when the table is unknown or not cached, or the
  // key is not exactly the schema's attributes (the backend refuses such a request).
  std::optional<TouchedKey> TouchKey(const TablePtr& table, const api::Key& key) {
    if (!table || !ItemKey(table->name, table->keys, key)) return std::nullopt;
    return Touch(table, key);
  }

  void BeginWrites(const std::vector<TouchedKey>& touched) {
    for (const TouchedKey& t : touched) writes.Begin(t.key);
  }

  // Applies what a write's outcome means to each key it touched.
  void EndWrites(const std::vector<TouchedKey>& touched, WriteResult result,
                 const std::set<std::string>& unprocessed = {}) {
    for (const TouchedKey& t : touched) {
      if (result == WriteResult::kApplied && unprocessed.count(t.key) != 0) {
        writes.End(t.key, /*change=*/false, nullptr, 0, &store, *t.table);
        continue;
      }
      switch (result) {
        case WriteResult::kApplied: {
          Value value = t.applied_body
                            ? std::make_shared<const std::string>(ItemEntry(*t.applied_body))
                            : nullptr;
          writes.End(t.key, true, std::move(value), t.ttl, &store, *t.table);
          Bump(*t.table, t.partition);
          break;
        }
        case WriteResult::kNotApplied:
          writes.End(t.key, false, nullptr, 0, &store, *t.table);
          break;
        case WriteResult::kConditionFailed:
          writes.End(t.key, true, nullptr, 0, &store, *t.table);
          break;
        case WriteResult::kUnknown:
          writes.End(t.key, true, nullptr, 0, &store, *t.table);
          Bump(*t.table, t.partition);
          break;
      }
    }
  }

  // ---- Item answers ----

  double ItemTtl(const TableInfo& table, bool found) const {
    return found ? table.settings.item_ttl_seconds : table.settings.negative_ttl_seconds;
  }
  bool CachesItems(const TableInfo& table) const {
    return table.settings.item_ttl_seconds > 0 || table.settings.negative_ttl_seconds > 0;
  }

  // The GetItem answer an item entry gives. A plain GetItem's is the entry's body and CRC as
  // they are. nullopt if the entry cannot be read (never expected: this class writes them).
  std::optional<backend::ReadyResponse> ItemAnswerBody(const TableInfo& table,
                                                       std::string_view entry,
                                                       const api::GetItemRequest& request) {
    const EntryBody view = ItemEntryBody(entry);
    if (!request.projection) {
      if (request.return_consumed_capacity == api::ReturnConsumedCapacity::kNone) {
        return backend::ReadyResponse{std::string(view.body), view.crc32};
      }
      return backend::ReadyResponse{
          WithCapacity(view.body, ZeroCapacity(request.return_consumed_capacity, table.name)),
          std::nullopt};
    }
    api::Result<api::GetItemResponse> typed =
        ItemAnswer(table, view.body, request.projection, request.return_consumed_capacity);
    if (!typed.ok()) return std::nullopt;
    return backend::ReadyResponse{api::EncodeGetItemResponse(typed.value()), std::nullopt};
  }

  // The same answer, typed.
  api::Result<api::GetItemResponse> ItemAnswer(const TableInfo& table, std::string_view body,
                                               const api::ProjectionPtr& projection,
                                               api::ReturnConsumedCapacity rcc) {
    api::GetItemResponse response;
    response.consumed_capacity = ZeroCapacity(rcc, table.name);
    if (IsNegative(body)) return response;
    api::Result<api::Item> item = api::DecodeItemJson(ItemJsonOf(body));
    if (!item.ok()) return item.take_error();
    response.item =
        projection ? api::expr::Project(*projection, item.value()) : std::move(item).value();
    return response;
  }

  // A GetItem the item cache may answer: the table's info and the key, or nullopt.
  struct CacheableGet {
    TablePtr table;
    std::string key;
  };
  std::optional<CacheableGet> CacheableGetItem(const api::GetItemRequest& request, TablePtr table) {
    if (!table || request.consistent_read || !CachesItems(*table)) return std::nullopt;
    // The engine checks projections against the key before reading; such requests go to it.
    if (!api::expr::CheckKeyPathsScalar(request.projection.get(), table->keys.hash,
                                        table->keys.range ? &*table->keys.range : nullptr)
             .ok()) {
      return std::nullopt;
    }
    std::optional<std::string> key = ItemKey(table->name, table->keys, request.key);
    if (!key) return std::nullopt;
    return CacheableGet{std::move(table), std::move(*key)};
  }

  void GetItemMiss(CacheableGet get, api::GetItemRequest request, Executor* executor,
                   Callback<api::GetItemResponse> done) {
    item_misses.fetch_add(1, std::memory_order_relaxed);
    auto flight = std::make_shared<ItemFlight>();
    flight->lease = store.BeginFill(get.key);
    ItemFlight::Waiter waiter{request.projection, request.return_consumed_capacity, executor,
                              std::move(done)};
    // A flight whose lease a write has ended since began before that write: do not join it.
    const bool lead = item_flights.JoinOrLead(
        get.key, [lease = flight->lease](const ItemFlight& f) { return f.lease == lease; },
        std::move(waiter), flight);
    if (!lead) return;

    api::GetItemRequest read;
    read.table_name = request.table_name;
    read.key = std::move(request.key);
    read.return_consumed_capacity = request.return_consumed_capacity;
    next->GetItem(
        std::move(read), executor,
        [this, get = std::move(get), flight](api::Result<api::GetItemResponse> r) {
          const TableInfo& table = *get.table;
          if (r.ok()) {
            const bool found = r.value().item.has_value();
            const double ttl = ItemTtl(table, found);
            Value value;
            if (ttl > 0) {
              value = std::make_shared<const std::string>(
                  ItemEntry(found ? ItemBody(*r.value().item) : std::string(kNegativeBody)));
            }
            store.Fill(get.key, flight->lease, std::move(value), ttl);
          } else {
            store.Fill(get.key, flight->lease, nullptr, 0);
          }
          std::vector<ItemFlight::Waiter> waiters = item_flights.Land(get.key, flight);
          for (size_t i = 0; i < waiters.size(); ++i) {
            ItemFlight::Waiter& w = waiters[i];
            api::Result<api::GetItemResponse> answer = r;
            if (answer.ok()) {
              api::GetItemResponse& response = answer.value();
              // The leader's request was read for it; the others' cost nothing.
              if (i > 0) {
                response.consumed_capacity = ZeroCapacity(w.return_consumed_capacity, table.name);
              }
              if (w.projection && response.item) {
                response.item = api::expr::Project(*w.projection, *response.item);
              }
            }
            if (i == 0) {
              w.done(std::move(answer));
            } else {
              PostResult(w.executor, std::move(w.done), std::move(answer));
            }
          }
        });
  }

  // ---- Query answers ----

  struct CacheableRead {
    TablePtr table;
    std::string key;
    std::optional<std::string> partition;  // a Query on the table: its partition key
  };
  std::optional<CacheableRead> CacheableQueryOrScan(const api::ReadManyRequest& request,
                                                    bool is_scan, TablePtr table) {
    if (!table || request.consistent_read || table->settings.query_ttl_seconds <= 0) {
      return std::nullopt;
    }
    CacheableRead read;
    if (!is_scan && !request.index_name) {
      read.partition = QueriedPartition(request, table->keys.hash);
      if (!read.partition) return std::nullopt;  // the backend refuses it
    }
    read.key = QueryKey(request, is_scan);
    read.table = std::move(table);
    return read;
  }

  // The cached page for `read`, if present and current.
  Value CurrentPage(const CacheableRead& read) {
    Value entry = store.Get(read.key);
    if (!entry || entry->size() < kQueryHeaderBytes) return nullptr;
    uint64_t incarnation = 0, generation = 0;
    ReadQueryHeader(*entry, &incarnation, &generation);
    if (incarnation != read.table->incarnation) return nullptr;
    if (options.mode == CacheMode::kCoherent &&
        generation != Generation(*read.table, read.partition)) {
      return nullptr;
    }
    return entry;
  }

  std::optional<backend::ReadyResponse> ReadManyNow(const api::ReadManyRequest& request,
                                                    bool is_scan) {
    std::optional<CacheableRead> read =
        CacheableQueryOrScan(request, is_scan, FindTable(request.table_name));
    if (!read || !read->table->settings.enabled) return std::nullopt;
    Value entry = CurrentPage(*read);
    if (!entry) return std::nullopt;
    (is_scan ? scan_hits : query_hits).fetch_add(1, std::memory_order_relaxed);
    const EntryBody view = ItemEntryBody(std::string_view(*entry).substr(kQueryHeaderBytes));
    if (request.return_consumed_capacity == api::ReturnConsumedCapacity::kNone) {
      return backend::ReadyResponse{std::string(view.body), view.crc32};
    }
    return backend::ReadyResponse{
        WithCapacity(view.body, ZeroCapacity(request.return_consumed_capacity, request.table_name)),
        std::nullopt};
  }

  void ReadMany(api::ReadManyRequest request, bool is_scan, Executor* executor,
                Callback<api::ReadManyResponse> done) {
    auto pass = [this, is_scan](api::ReadManyRequest request, Executor* executor,
                                Callback<api::ReadManyResponse> done) {
      if (is_scan) {
        next->Scan(std::move(request), executor, std::move(done));
      } else {
        next->Query(std::move(request), executor, std::move(done));
      }
    };
    if (request.consistent_read) {
      pass(std::move(request), executor, std::move(done));
      return;
    }
    const std::string table_name = request.table_name;
    WithTable(
        table_name, executor,
        [this, request = std::move(request), is_scan, executor, done = std::move(done),
         pass](TablePtr table) mutable {
          std::optional<CacheableRead> read =
              CacheableQueryOrScan(request, is_scan, std::move(table));
          if (!read) {
            pass(std::move(request), executor, std::move(done));
            return;
          }
          (is_scan ? scan_misses : query_misses).fetch_add(1, std::memory_order_relaxed);
          auto flight = std::make_shared<QueryFlight>();
          flight->incarnation = read->table->incarnation;
          flight->generation = Generation(*read->table, read->partition);
          const bool coherent = options.mode == CacheMode::kCoherent;
          const bool lead = query_flights.JoinOrLead(
              read->key,
              [coherent, flight](const QueryFlight& f) {
                return f.incarnation == flight->incarnation &&
                       (!coherent || f.generation == flight->generation);
              },
              QueryFlight::Waiter{request.return_consumed_capacity, executor, std::move(done)},
              flight);
          if (!lead) return;
          // A page left by an older flight is stale (or absent): end that flight's lease so
          // that this newer read, not the older one, fills the entry.
          store.Invalidate(read->key);
          const uint64_t lease = store.BeginFill(read->key);
          pass(
              std::move(request), executor,
              [this, read = std::move(*read), flight, lease](api::Result<api::ReadManyResponse> r) {
                const TableInfo& table = *read.table;
                if (r.ok()) {
                  api::ReadManyResponse page = r.value();
                  page.consumed_capacity.reset();
                  store.Fill(
                      read.key, lease,
                      std::make_shared<const std::string>(QueryEntry(
                          flight->incarnation, flight->generation, api::EncodeQueryResponse(page))),
                      table.settings.query_ttl_seconds);
                } else {
                  store.Fill(read.key, lease, nullptr, 0);
                }
                std::vector<QueryFlight::Waiter> waiters = query_flights.Land(read.key, flight);
                for (size_t i = 0; i < waiters.size(); ++i) {
                  QueryFlight::Waiter& w = waiters[i];
                  if (i == 0) {
                    w.done(r);
                    continue;
                  }
                  api::Result<api::ReadManyResponse> answer = r;
                  if (answer.ok()) {
                    answer.value().consumed_capacity =
                        ZeroCapacity(w.return_consumed_capacity, table.name);
                  }
                  PostResult(w.executor, std::move(w.done), std::move(answer));
                }
              });
        });
  }

  // ---- BatchGetItem ----

  // One table of a BatchGetItem the item cache may answer.
  struct BatchTable {
    TablePtr table;
    api::KeysAndAttributes asked;   // as the client sent it
    std::vector<std::string> keys;  // item-cache keys, in request order
    std::vector<Value> entries;     // the entry of each key, null for a miss
  };

  // Looks every key up. False when the request cannot be cached (a table unknown or not
  // cached, ConsistentRead, a key that does not fit the schema, a duplicate key).
  bool LookUpBatch(const api::BatchGetItemRequest& request, const std::vector<TablePtr>& tables,
                   std::vector<BatchTable>* out) {
    size_t i = 0;
    for (const auto& [name, asked] : request.request_items) {
      const TablePtr& table = tables[i++];
      if (!table || asked.consistent_read || !CachesItems(*table)) return false;
      if (!api::expr::CheckKeyPathsScalar(asked.projection.get(), table->keys.hash,
                                          table->keys.range ? &*table->keys.range : nullptr)
               .ok()) {
        return false;
      }
      BatchTable entry{table, asked, {}, {}};
      std::set<std::string> seen;
      for (const api::Key& key : asked.keys) {
        std::optional<std::string> cache_key = ItemKey(name, table->keys, key);
        if (!cache_key || !seen.insert(*cache_key).second) return false;
        entry.entries.push_back(store.Get(*cache_key));
        entry.keys.push_back(std::move(*cache_key));
      }
      out->push_back(std::move(entry));
    }
    return true;
  }

  // Appends the answer of one entry (projected) to `items`. False if it cannot be read.
  static bool AppendEntryItem(std::string_view entry, const api::ProjectionPtr& projection,
                              std::vector<api::Item>* items) {
    const std::string_view body = ItemEntryBody(entry).body;
    if (IsNegative(body)) return true;
    api::Result<api::Item> item = api::DecodeItemJson(ItemJsonOf(body));
    if (!item.ok()) return false;
    items->push_back(projection ? api::expr::Project(*projection, item.value())
                                : std::move(item).value());
    return true;
  }

  std::optional<backend::ReadyResponse> BatchGetItemNow(const api::BatchGetItemRequest& request) {
    std::vector<TablePtr> tables;
    for (const auto& [name, asked] : request.request_items) {
      TablePtr t = FindTable(name);
      if (!t || !t->settings.enabled) return std::nullopt;
      tables.push_back(std::move(t));
    }
    std::vector<BatchTable> batch;
    if (!LookUpBatch(request, tables, &batch)) return std::nullopt;
    api::BatchGetItemResponse response;
    api::CapacityTally capacity;
    uint64_t hits = 0;
    for (const BatchTable& t : batch) {
      std::vector<api::Item>& items = response.responses[t.table->name];
      capacity.Add(t.table->name, 0);
      for (const Value& entry : t.entries) {
        if (!entry || !AppendEntryItem(*entry, t.asked.projection, &items)) return std::nullopt;
        ++hits;
      }
    }
    item_hits.fetch_add(hits, std::memory_order_relaxed);
    response.consumed_capacity = capacity.Report(request.return_consumed_capacity);
    return backend::ReadyResponse{api::EncodeBatchGetItemResponse(response), std::nullopt};
  }

  void BatchGetItem(api::BatchGetItemRequest request, Executor* executor,
                    Callback<api::BatchGetItemResponse> done) {
    std::vector<std::string> names;
    for (const auto& [name, asked] : request.request_items) {
      if (asked.consistent_read) {
        next->BatchGetItem(std::move(request), executor, std::move(done));
        return;
      }
      names.push_back(name);
    }
    WithTables(std::move(names), executor,
               [this, request = std::move(request), executor,
                done = std::move(done)](std::vector<TablePtr> tables) mutable {
                 std::vector<BatchTable> batch;
                 if (tables.empty() || !LookUpBatch(request, tables, &batch)) {
                   next->BatchGetItem(std::move(request), executor, std::move(done));
                   return;
                 }
                 BatchGetWithMisses(std::move(request), std::move(batch), executor,
                                    std::move(done));
               });
  }

  // Reads the misses of `batch` from the backend in one BatchGetItem (whole items, so that they
  // can be cached), fills them, and answers with hits and misses merged in request order.
  void BatchGetWithMisses(api::BatchGetItemRequest request, std::vector<BatchTable> batch,
                          Executor* executor, Callback<api::BatchGetItemResponse> done) {
    api::BatchGetItemRequest misses;
    misses.return_consumed_capacity = request.return_consumed_capacity;
    auto leases = std::make_shared<std::map<std::string, uint64_t>>();
    uint64_t hits = 0, missed = 0;
    for (const BatchTable& t : batch) {
      for (size_t i = 0; i < t.keys.size(); ++i) {
        if (t.entries[i]) {
          ++hits;
          continue;
        }
        ++missed;
        misses.request_items[t.table->name].keys.push_back(t.asked.keys[i]);
        (*leases)[t.keys[i]] = store.BeginFill(t.keys[i]);
      }
    }
    item_hits.fetch_add(hits, std::memory_order_relaxed);
    item_misses.fetch_add(missed, std::memory_order_relaxed);

    auto answer = [this, rcc = request.return_consumed_capacity, batch = std::move(batch),
                   leases](const api::BatchGetItemResponse* fetched) mutable
        -> api::Result<api::BatchGetItemResponse> {
      api::BatchGetItemResponse response;
      api::CapacityTally capacity;
      if (fetched != nullptr) {
        for (const api::ConsumedCapacity& c : fetched->consumed_capacity) {
          capacity.Add(c.table_name, c.total.capacity_units);
        }
      }
      for (BatchTable& t : batch) {
        const std::string& name = t.table->name;
        capacity.Add(name, 0);
        // The fetched items of this table, by cache key.
        std::map<std::string, const api::Item*> found;
        std::set<std::string> unprocessed;
        if (fetched != nullptr) {
          auto items = fetched->responses.find(name);
          if (items != fetched->responses.end()) {
            for (const api::Item& item : items->second) {
              if (auto key = ItemKeyOfItem(name, t.table->keys, item)) found[*key] = &item;
            }
          }
          auto skipped = fetched->unprocessed_keys.find(name);
          if (skipped != fetched->unprocessed_keys.end()) {
            for (const api::Key& key : skipped->second.keys) {
              if (auto cache_key = ItemKey(name, t.table->keys, key)) {
                unprocessed.insert(*cache_key);
              }
            }
            api::KeysAndAttributes& again = response.unprocessed_keys[name];
            again = skipped->second;
            again.projection = t.asked.projection;
            again.consistent_read = t.asked.consistent_read;
          }
        }
        std::vector<api::Item>& items = response.responses[name];
        for (size_t i = 0; i < t.keys.size(); ++i) {
          if (t.entries[i]) {
            if (!AppendEntryItem(*t.entries[i], t.asked.projection, &items)) {
              return api::Error{api::ErrorCode::kInternalServerError, "cache entry unreadable"};
            }
            continue;
          }
          auto lease = leases->find(t.keys[i]);
          if (fetched == nullptr || unprocessed.count(t.keys[i]) != 0) {
            if (lease != leases->end()) store.Fill(t.keys[i], lease->second, nullptr, 0);
            continue;
          }
          auto item = found.find(t.keys[i]);
          const bool exists = item != found.end();
          const double ttl = ItemTtl(*t.table, exists);
          Value value;
          if (ttl > 0) {
            value = std::make_shared<const std::string>(
                ItemEntry(exists ? ItemBody(*item->second) : std::string(kNegativeBody)));
          }
          if (lease != leases->end()) store.Fill(t.keys[i], lease->second, std::move(value), ttl);
          if (exists) {
            items.push_back(t.asked.projection
                                ? api::expr::Project(*t.asked.projection, *item->second)
                                : *item->second);
          }
        }
      }
      response.consumed_capacity = capacity.Report(rcc);
      return response;
    };

    if (missed == 0) {
      PostResult(executor, std::move(done), answer(nullptr));
      return;
    }
    next->BatchGetItem(std::move(misses), executor,
                       [answer = std::move(answer), leases, this,
                        done = std::move(done)](api::Result<api::BatchGetItemResponse> r) mutable {
                         if (!r.ok()) {
                           for (const auto& [key, lease] : *leases)
                             store.Fill(key, lease, nullptr, 0);
                           done(std::move(r));
                           return;
                         }
                         done(answer(&r.value()));
                       });
  }
};

// ---- CachingBackend ----

CachingBackend::CachingBackend(CachingOptions options, backend::Backend* next)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_, next)) {}

CachingBackend::~CachingBackend() = default;

void CachingBackend::ItemDeletedBehind(const std::string& table, const api::Key& key) {
  TablePtr info = impl_->FindTable(table);
  std::optional<TouchedKey> touched = impl_->TouchKey(info, key);
  if (!touched) {
    // The schema is not known (a reader may be learning it right now): drop the whole table.
    if (impl_->SettingsFor(table).enabled) impl_->ForgetTable(table);
    return;
  }
  std::vector<TouchedKey> keys{std::move(*touched)};
  impl_->BeginWrites(keys);
  impl_->EndWrites(keys, WriteResult::kUnknown);  // drop the key, bump the generations
}

CacheCounters CachingBackend::GetCounters() const {
  CacheCounters c;
  c.item_cache_hits = impl_->item_hits.load(std::memory_order_relaxed);
  c.item_cache_misses = impl_->item_misses.load(std::memory_order_relaxed);
  c.query_cache_hits = impl_->query_hits.load(std::memory_order_relaxed);
  c.query_cache_misses = impl_->query_misses.load(std::memory_order_relaxed);
  c.scan_cache_hits = impl_->scan_hits.load(std::memory_order_relaxed);
  c.scan_cache_misses = impl_->scan_misses.load(std::memory_order_relaxed);
  const CacheStore::Stats stats = impl_->store.GetStats();
  c.evicted_bytes = stats.evicted_bytes;
  c.cached_bytes = stats.charged_bytes;
  c.cached_entries = stats.entries;
  return c;
}

// Control plane: passed on; a change to a table drops what the caches hold of it.

void CachingBackend::CreateTable(api::CreateTableRequest request, api::Executor* executor,
                                 backend::Callback<api::TableDescription> done) {
  std::string name = request.table_name;
  impl_->next->CreateTable(std::move(request), executor,
                           [impl = impl_.get(), name = std::move(name),
                            done = std::move(done)](api::Result<api::TableDescription> r) {
                             if (r.ok()) impl->ForgetTable(name);
                             done(std::move(r));
                           });
}

void CachingBackend::DescribeTable(api::DescribeTableRequest request, api::Executor* executor,
                                   backend::Callback<api::TableDescription> done) {
  impl_->next->DescribeTable(std::move(request), executor, std::move(done));
}

void CachingBackend::ListTables(api::ListTablesRequest request, api::Executor* executor,
                                backend::Callback<api::ListTablesResponse> done) {
  impl_->next->ListTables(std::move(request), executor, std::move(done));
}

void CachingBackend::DeleteTable(api::DeleteTableRequest request, api::Executor* executor,
                                 backend::Callback<api::TableDescription> done) {
  std::string name = request.table_name;
  impl_->next->DeleteTable(std::move(request), executor,
                           [impl = impl_.get(), name = std::move(name),
                            done = std::move(done)](api::Result<api::TableDescription> r) {
                             if (r.ok()) impl->ForgetTable(name);
                             done(std::move(r));
                           });
}

void CachingBackend::UpdateTable(api::UpdateTableRequest request, api::Executor* executor,
                                 backend::Callback<api::TableDescription> done) {
  std::string name = request.table_name;
  impl_->next->UpdateTable(std::move(request), executor,
                           [impl = impl_.get(), name = std::move(name),
                            done = std::move(done)](api::Result<api::TableDescription> r) {
                             if (r.ok()) impl->ForgetTable(name);
                             done(std::move(r));
                           });
}

void CachingBackend::UpdateTimeToLive(api::UpdateTimeToLiveRequest request, api::Executor* executor,
                                      backend::Callback<api::UpdateTimeToLiveResponse> done) {
  impl_->next->UpdateTimeToLive(std::move(request), executor, std::move(done));
}

void CachingBackend::DescribeTimeToLive(api::DescribeTimeToLiveRequest request,
                                        api::Executor* executor,
                                        backend::Callback<api::DescribeTimeToLiveResponse> done) {
  impl_->next->DescribeTimeToLive(std::move(request), executor, std::move(done));
}

void CachingBackend::TransactGetItems(api::TransactGetItemsRequest request, api::Executor* executor,
                                      backend::Callback<api::TransactGetItemsResponse> done) {
  impl_->next->TransactGetItems(std::move(request), executor, std::move(done));
}

// Reads.

std::optional<backend::ReadyResponse> CachingBackend::GetItemNow(
    const api::GetItemRequest& request) {
  std::optional<Impl::CacheableGet> get =
      impl_->CacheableGetItem(request, impl_->FindTable(request.table_name));
  if (!get || !get->table->settings.enabled) return std::nullopt;
  Value entry = impl_->store.Get(get->key);
  if (!entry) return std::nullopt;
  std::optional<backend::ReadyResponse> answer =
      impl_->ItemAnswerBody(*get->table, *entry, request);
  if (answer) impl_->item_hits.fetch_add(1, std::memory_order_relaxed);
  return answer;
}

void CachingBackend::GetItem(api::GetItemRequest request, api::Executor* executor,
                             backend::Callback<api::GetItemResponse> done) {
  if (request.consistent_read) {
    impl_->next->GetItem(std::move(request), executor, std::move(done));
    return;
  }
  const std::string table_name = request.table_name;
  impl_->WithTable(
      table_name, executor,
      [impl = impl_.get(), request = std::move(request), executor,
       done = std::move(done)](TablePtr table) mutable {
        std::optional<Impl::CacheableGet> get = impl->CacheableGetItem(request, std::move(table));
        if (!get) {
          impl->next->GetItem(std::move(request), executor, std::move(done));
          return;
        }
        if (Value entry = impl->store.Get(get->key)) {
          impl->item_hits.fetch_add(1, std::memory_order_relaxed);
          PostResult(executor, std::move(done),
                     impl->ItemAnswer(*get->table, ItemEntryBody(*entry).body, request.projection,
                                      request.return_consumed_capacity));
          return;
        }
        impl->GetItemMiss(std::move(*get), std::move(request), executor, std::move(done));
      });
}

std::optional<backend::ReadyResponse> CachingBackend::QueryNow(const api::QueryRequest& request) {
  return impl_->ReadManyNow(request, /*is_scan=*/false);
}

std::optional<backend::ReadyResponse> CachingBackend::ScanNow(const api::ScanRequest& request) {
  return impl_->ReadManyNow(request, /*is_scan=*/true);
}

void CachingBackend::Query(api::QueryRequest request, api::Executor* executor,
                           backend::Callback<api::QueryResponse> done) {
  impl_->ReadMany(std::move(request), /*is_scan=*/false, executor, std::move(done));
}

void CachingBackend::Scan(api::ScanRequest request, api::Executor* executor,
                          backend::Callback<api::ScanResponse> done) {
  impl_->ReadMany(std::move(request), /*is_scan=*/true, executor, std::move(done));
}

std::optional<backend::ReadyResponse> CachingBackend::BatchGetItemNow(
    const api::BatchGetItemRequest& request) {
  return impl_->BatchGetItemNow(request);
}

void CachingBackend::BatchGetItem(api::BatchGetItemRequest request, api::Executor* executor,
                                  backend::Callback<api::BatchGetItemResponse> done) {
  impl_->BatchGetItem(std::move(request), executor, std::move(done));
}

// Writes: through to the backend, then the cache.

void CachingBackend::PutItem(api::PutItemRequest request, api::Executor* executor,
                             backend::Callback<api::PutItemResponse> done) {
  const std::string table_name = request.table_name;
  impl_->WithTable(table_name, executor,
                   [impl = impl_.get(), request = std::move(request), executor,
                    done = std::move(done)](TablePtr table) mutable {
                     std::optional<TouchedKey> touched =
                         table ? impl->Touch(table, request.item) : std::nullopt;
                     if (!touched) {
                       std::vector<std::string> names{request.table_name};
                       impl->PassUnfollowed(&backend::Backend::PutItem, std::move(request),
                                            std::move(names), executor, std::move(done));
                       return;
                     }
                     touched->ttl = table->settings.item_ttl_seconds;
                     if (touched->ttl > 0) touched->applied_body = ItemBody(request.item);
                     std::vector<TouchedKey> keys{std::move(*touched)};
                     impl->PassFollowed(&backend::Backend::PutItem, std::move(request),
                                        std::move(keys), executor, std::move(done));
                   });
}

void CachingBackend::DeleteItem(api::DeleteItemRequest request, api::Executor* executor,
                                backend::Callback<api::DeleteItemResponse> done) {
  const std::string table_name = request.table_name;
  impl_->WithTable(table_name, executor,
                   [impl = impl_.get(), request = std::move(request), executor,
                    done = std::move(done)](TablePtr table) mutable {
                     std::optional<TouchedKey> touched = impl->TouchKey(table, request.key);
                     if (!touched) {
                       std::vector<std::string> names{request.table_name};
                       impl->PassUnfollowed(&backend::Backend::DeleteItem, std::move(request),
                                            std::move(names), executor, std::move(done));
                       return;
                     }
                     touched->ttl = table->settings.negative_ttl_seconds;
                     touched->applied_body = std::string(kNegativeBody);
                     std::vector<TouchedKey> keys{std::move(*touched)};
                     impl->PassFollowed(&backend::Backend::DeleteItem, std::move(request),
                                        std::move(keys), executor, std::move(done));
                   });
}

void CachingBackend::UpdateItem(api::UpdateItemRequest request, api::Executor* executor,
                                backend::Callback<api::UpdateItemResponse> done) {
  const std::string table_name = request.table_name;
  impl_->WithTable(
      table_name, executor,
      [impl = impl_.get(), request = std::move(request), executor,
       done = std::move(done)](TablePtr table) mutable {
        std::optional<TouchedKey> touched = impl->TouchKey(table, request.key);
        if (!touched) {
          std::vector<std::string> names{request.table_name};
          impl->PassUnfollowed(&backend::Backend::UpdateItem, std::move(request), std::move(names),
                               executor, std::move(done));
          return;
        }
        // The new image is asked for (ALL_NEW) whenever the client's ReturnValues can be cut
        // from it; ALL_OLD and UPDATED_OLD need the old image, so those updates drop the key.
        const api::ReturnValues asked = request.return_values;
        const bool new_image =
            table->settings.item_ttl_seconds > 0 &&
            (asked == api::ReturnValues::kNone || asked == api::ReturnValues::kAllNew ||
             (asked == api::ReturnValues::kUpdatedNew && request.update));
        if (new_image) request.return_values = api::ReturnValues::kAllNew;
        touched->ttl = table->settings.item_ttl_seconds;
        auto keys = std::make_shared<std::vector<TouchedKey>>();
        keys->push_back(std::move(*touched));
        impl->BeginWrites(*keys);
        api::UpdatePtr update = request.update;
        impl->next->UpdateItem(
            std::move(request), executor,
            [impl, keys, new_image, asked, update,
             done = std::move(done)](api::Result<api::UpdateItemResponse> r) {
              if (r.ok() && new_image) {
                api::UpdateItemResponse& response = r.value();
                if (response.attributes) {
                  (*keys)[0].applied_body = ItemBody(*response.attributes);
                }
                if (asked == api::ReturnValues::kNone) {
                  response.attributes.reset();
                } else if (asked == api::ReturnValues::kUpdatedNew && response.attributes) {
                  response.attributes =
                      UnlessEmpty(api::expr::ProjectUpdated(*update, *response.attributes));
                }
              }
              impl->EndWrites(*keys, Classify(r));
              done(std::move(r));
            });
      });
}

void CachingBackend::BatchWriteItem(api::BatchWriteItemRequest request, api::Executor* executor,
                                    backend::Callback<api::BatchWriteItemResponse> done) {
  std::vector<std::string> names;
  for (const auto& [name, writes] : request.request_items) names.push_back(name);
  impl_->WithTables(std::move(names), executor,
                    [impl = impl_.get(), request = std::move(request), executor,
                     done = std::move(done)](std::vector<TablePtr> tables) mutable {
                      std::vector<TouchedKey> keys;
                      bool cacheable = !tables.empty();
                      size_t i = 0;
                      for (const auto& [name, writes] : request.request_items) {
                        if (!cacheable) break;
                        const TablePtr& table = tables[i++];
                        for (const api::WriteRequest& w : writes) {
                          std::optional<TouchedKey> touched =
                              w.is_put ? impl->Touch(table, w.item) : impl->Touch(table, w.key);
                          if (!touched) {
                            cacheable = false;
                            break;
                          }
                          if (w.is_put) {
                            touched->ttl = table->settings.item_ttl_seconds;
                            if (touched->ttl > 0) touched->applied_body = ItemBody(w.item);
                          } else {
                            touched->ttl = table->settings.negative_ttl_seconds;
                            touched->applied_body = std::string(kNegativeBody);
                          }
                          keys.push_back(std::move(*touched));
                        }
                      }
                      if (!cacheable) {
                        std::vector<std::string> names;
                        for (const auto& [name, writes] : request.request_items)
                          names.push_back(name);
                        impl->PassUnfollowed(&backend::Backend::BatchWriteItem, std::move(request),
                                             std::move(names), executor, std::move(done));
                        return;
                      }
                      impl->BeginWrites(keys);
                      impl->next->BatchWriteItem(
                          std::move(request), executor,
                          [impl, keys = std::move(keys), tables = std::move(tables),
                           done = std::move(done)](api::Result<api::BatchWriteItemResponse> r) {
                            // Unprocessed requests were not written: leave their keys alone.
                            std::set<std::string> unprocessed;
                            if (r.ok()) {
                              for (const auto& [name, writes] : r.value().unprocessed_items) {
                                for (const TablePtr& table : tables) {
                                  if (table->name != name) continue;
                                  for (const api::WriteRequest& w : writes) {
                                    auto key =
                                        ItemKeyOfItem(name, table->keys, w.is_put ? w.item : w.key);
                                    if (key) unprocessed.insert(*key);
                                  }
                                }
                              }
                            }
                            impl->EndWrites(keys, Classify(r), unprocessed);
                            done(std::move(r));
                          });
                    });
}

void CachingBackend::TransactWriteItems(api::TransactWriteItemsRequest request,
                                        api::Executor* executor,
                                        backend::Callback<api::TransactWriteItemsResponse> done) {
  std::vector<std::string> names;
  for (const api::TransactWriteAction& a : request.actions) {
    if (std::find(names.begin(), names.end(), a.table_name) == names.end()) {
      names.push_back(a.table_name);
    }
  }
  // WithTables wants names in a stable order; the request's own order of first use will do.
  impl_->WithTables(
      names, executor,
      [impl = impl_.get(), names, request = std::move(request), executor,
       done = std::move(done)](std::vector<TablePtr> tables) mutable {
        std::vector<TouchedKey> keys;
        bool cacheable = !tables.empty();
        // A request with a ClientRequestToken may be a replay that writes nothing: its values
        // could be older than later writes, so its keys are dropped rather than stored.
        const bool replayable = request.client_request_token.has_value();
        for (const api::TransactWriteAction& a : request.actions) {
          if (!cacheable) break;
          if (a.kind == api::TransactActionKind::kConditionCheck) continue;
          const TablePtr& table =
              tables[std::find(names.begin(), names.end(), a.table_name) - names.begin()];
          const bool is_put = a.kind == api::TransactActionKind::kPut;
          std::optional<TouchedKey> touched = impl->Touch(table, is_put ? a.item : a.key);
          if (!touched) {
            cacheable = false;
            break;
          }
          if (!replayable && is_put) {
            touched->ttl = table->settings.item_ttl_seconds;
            if (touched->ttl > 0) touched->applied_body = ItemBody(a.item);
          } else if (!replayable && a.kind == api::TransactActionKind::kDelete) {
            touched->ttl = table->settings.negative_ttl_seconds;
            touched->applied_body = std::string(kNegativeBody);
          }
          keys.push_back(std::move(*touched));
        }
        if (!cacheable) {
          impl->PassUnfollowed(&backend::Backend::TransactWriteItems, std::move(request), names,
                               executor, std::move(done));
          return;
        }
        impl->PassFollowed(&backend::Backend::TransactWriteItems, std::move(request),
                           std::move(keys), executor, std::move(done));
      });
}

}  // namespace ddbx::cache
