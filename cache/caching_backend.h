// CachingBackend: the accelerator. A backend::Backend that answers eventually consistent reads
// from memory and sends everything else to the next Backend (the engine or an upstream),
// keeping its caches coherent with every write that passes through it.
//
// Item cache (GetItem, BatchGetItem): by (table, primary key), the whole item, kept as the ready
// body of a plain GetItem ({"Item":{..}}, or {} for a negative entry). A projection or
// ReturnConsumedCapacity is applied when answering, so one entry serves every variant.
// Query cache (Query, Scan, on tables and indexes): by the canonical form of the request
// (cache/keys.h), one entry per page, holding the page's body without ConsumedCapacity.
// A hit reports zero capacity units when asked (ConsumedCapacity in DynamoDB's shape).
//
// Coherence (docs/cache.md explains each rule and why it holds):
//   - Write-through: a write goes to the next backend first; only when it has succeeded does the
//     cache change, before the client gets its answer: PutItem caches the item written,
//     UpdateItem asks for ALL_NEW and caches it (answering the client only what it asked for),
//     DeleteItem leaves a negative entry, BatchWriteItem and TransactWriteItems store or drop
//     every key they wrote; a failed conditional write drops its key; an InternalServerError
//     (the write may or may not have happened) drops every key it named.
//   - Two writes of one key in flight at once may complete in either order, so when writes
//     overlap the key is dropped instead of stored (WriteTracker in the .cc).
//   - No stale fill: a miss takes a fill lease before asking the backend; a write of the key
//     ends it (CacheStore), so an older answer is never installed after the write.
//   - Query results: every write bumps the generation of its table and of its (table, partition
//     key); a page records the generation it was read under, and is served only while that is
//     still current (the partition's for a Query on the table, the table's for a Scan or an
//     index Query). Mode kDax keeps DAX's rule instead: pages live until their TTL.
//   - Single flight: concurrent misses of one key, or of one query, share one backend request
//     (a reader joins only a request begun after the last write it could have seen).
//   - DeleteTable, UpdateTable and CreateTable drop the table's entries and its schema.
// Not seen: writes that bypass this instance (another client of the same store); entries then
// live until their TTL, as with DAX. Items the engine's TTL sweeper deletes are reported through
// ItemDeletedBehind.
//
// The table's key schema comes from DescribeTable on the next backend, asked once per table and
// kept until the table is deleted, updated or created again.
//
// Threads: every method may be called from any worker at any time. Completions run on the
// caller's executor, as the Backend contract says; a hit answered by one of the *Now methods
// runs entirely on the calling thread, taking one cache shard lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "backend/backend.h"
#include "cache/keys.h"
#include "cache/store.h"

namespace ddbx::cache {

enum class CacheMode : uint8_t {
  kCoherent,  // query pages are served only while their partition's or table's generation holds
  kDax,       // query pages are served until their TTL, whatever was written (DAX's behaviour)
};

// How one table is cached. A TTL of 0 turns that kind of entry off.
struct TableCacheSettings {
  bool enabled = true;
  double item_ttl_seconds = 300;      // items (GetItem, BatchGetItem, write-through)
  double query_ttl_seconds = 300;     // Query and Scan pages
  double negative_ttl_seconds = 300;  // "no such item"
  bool operator==(const TableCacheSettings&) const = default;
};

struct CachingOptions {
  size_t max_bytes = size_t{256} << 20;
  CacheMode mode = CacheMode::kCoherent;
  TableCacheSettings defaults;
  std::map<std::string, TableCacheSettings> tables;  // per-table overrides, by table name
  EvictionPolicy policy = EvictionPolicy::kS3Fifo;
  std::function<double()> clock;  // seconds; default: the steady clock (tests pass a fake one)
};

// What /metrics reports, with DAX's CloudWatch names (docs/cache.md).
struct CacheCounters {
  uint64_t item_cache_hits = 0;    // ItemCacheHits: keys answered from memory
  uint64_t item_cache_misses = 0;  // ItemCacheMisses: keys read from the backend
  uint64_t query_cache_hits = 0;
  uint64_t query_cache_misses = 0;
  uint64_t scan_cache_hits = 0;
  uint64_t scan_cache_misses = 0;
  uint64_t evicted_bytes = 0;  // EvictedSize
  uint64_t cached_bytes = 0;   // EstimatedDbSize: the charges of the entries present
  uint64_t cached_entries = 0;
};

class CachingBackend : public backend::Backend {
 public:
  // `next` must outlive this.
  CachingBackend(CachingOptions options, backend::Backend* next);
  ~CachingBackend() override;

  void CreateTable(api::CreateTableRequest request, api::Executor* executor,
                   backend::Callback<api::TableDescription> done) override;
  void DescribeTable(api::DescribeTableRequest request, api::Executor* executor,
                     backend::Callback<api::TableDescription> done) override;
  void ListTables(api::ListTablesRequest request, api::Executor* executor,
                  backend::Callback<api::ListTablesResponse> done) override;
  void DeleteTable(api::DeleteTableRequest request, api::Executor* executor,
                   backend::Callback<api::TableDescription> done) override;
  void UpdateTable(api::UpdateTableRequest request, api::Executor* executor,
                   backend::Callback<api::TableDescription> done) override;
  void UpdateTimeToLive(api::UpdateTimeToLiveRequest request, api::Executor* executor,
                        backend::Callback<api::UpdateTimeToLiveResponse> done) override;
  void DescribeTimeToLive(api::DescribeTimeToLiveRequest request, api::Executor* executor,
                          backend::Callback<api::DescribeTimeToLiveResponse> done) override;
  void PutItem(api::PutItemRequest request, api::Executor* executor,
               backend::Callback<api::PutItemResponse> done) override;
  void GetItem(api::GetItemRequest request, api::Executor* executor,
               backend::Callback<api::GetItemResponse> done) override;
  void DeleteItem(api::DeleteItemRequest request, api::Executor* executor,
                  backend::Callback<api::DeleteItemResponse> done) override;
  void UpdateItem(api::UpdateItemRequest request, api::Executor* executor,
                  backend::Callback<api::UpdateItemResponse> done) override;
  void Query(api::QueryRequest request, api::Executor* executor,
             backend::Callback<api::QueryResponse> done) override;
  void Scan(api::ScanRequest request, api::Executor* executor,
            backend::Callback<api::ScanResponse> done) override;
  void BatchGetItem(api::BatchGetItemRequest request, api::Executor* executor,
                    backend::Callback<api::BatchGetItemResponse> done) override;
  void BatchWriteItem(api::BatchWriteItemRequest request, api::Executor* executor,
                      backend::Callback<api::BatchWriteItemResponse> done) override;
  void TransactWriteItems(api::TransactWriteItemsRequest request, api::Executor* executor,
                          backend::Callback<api::TransactWriteItemsResponse> done) override;
  void TransactGetItems(api::TransactGetItemsRequest request, api::Executor* executor,
                        backend::Callback<api::TransactGetItemsResponse> done) override;

  std::optional<backend::ReadyResponse> GetItemNow(const api::GetItemRequest& request) override;
  std::optional<backend::ReadyResponse> QueryNow(const api::QueryRequest& request) override;
  std::optional<backend::ReadyResponse> ScanNow(const api::ScanRequest& request) override;
  std::optional<backend::ReadyResponse> BatchGetItemNow(
      const api::BatchGetItemRequest& request) override;

  // An item was deleted behind the cache (the engine's TTL sweeper): its entry is dropped and
  // the pages that could hold it become stale, as after a DeleteItem. Any thread.
  void ItemDeletedBehind(const std::string& table, const api::Key& key);

  CacheCounters GetCounters() const;
  const CachingOptions& options() const { return options_; }

  struct Impl;  // the machinery, in caching_backend.cc

 private:
  CachingOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddbx::cache
