// Engine: ddbx's bundled, durable store, a backend::Backend on RocksDB.
//
// Tables live in a catalog persisted in RocksDB and mirrored in memory (catalog.h); items live
// under order-preserving keys prefixed by their table's numeric id (key_codec.h); the on-disk
// format is described in docs/storage-format.md.
//
// Threads: every Backend method queues a task on the engine's own TaskPool and returns; a pool
// thread does the RocksDB work and hands the result to the caller's executor, so `done` runs on
// the caller's loop. One exception: in in-memory mode there is no disk I/O to keep off the
// caller's loop, so GetItem, PutItem, UpdateItem and DeleteItem do their (microsecond) work on
// the calling thread and only post the completion. Either way `done` never runs inside the call.
// Backend methods may be called from any thread at any time until the destructor starts. The
// destructor runs every task already queued (their completions are still posted, so the
// callers' executors must outlive it), joins the pool and closes RocksDB.
//
// Durability: a write is acknowledged only after its WriteBatch is in the WAL and the WAL is
// fsynced (WriteOptions::sync). RocksDB commits concurrent synced writers as one group with one
// fsync (group commit). In-memory mode (rocksdb::NewMemEnv) keeps everything in RAM and skips
// the sync; nothing touches the disk.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "api/capacity.h"
#include "api/error.h"
#include "backend/backend.h"
#include "backend/engine/catalog.h"
#include "backend/engine/idempotency.h"
#include "backend/engine/key_codec.h"
#include "backend/engine/scan_range.h"
#include "backend/engine/task_pool.h"

namespace rocksdb {
class DB;
class Env;
struct ReadOptions;
class WriteBatch;
}  // namespace rocksdb

namespace ddbx::backend::engine {

struct EngineOptions {
  // The RocksDB directory, created if missing. In memory mode only a name (may be empty).
  std::string data_dir;
  // Keep everything in RAM (rocksdb::NewMemEnv); nothing is written to disk. For tests.
  bool in_memory = false;
  // Threads of the engine's pool (RocksDB reads and synced writes run there).
  int worker_threads = 4;
  // For table ARNs: arn:aws:dynamodb:<region>:<account_id>:table/<name>.
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Seconds since the Unix epoch, with fraction, for CreationDateTime. Default: system clock.
  std::function<double()> clock;
  // Tables per account and region: DynamoDB's default quota is 2,500 (a soft limit).
  size_t max_tables = 2500;
  // How often the TTL sweeper deletes expired items; zero: no sweeper thread (tests call
  // SweepExpiredItems themselves).
  std::chrono::milliseconds ttl_sweep_interval{1000};
  // How long after a change UpdateTimeToLive refuses another (DynamoDB: up to one hour).
  double ttl_change_cooldown_seconds = 3600;
  // The largest item collection (a partition's items and LSI entries) of a table with local
  // secondary indexes: DynamoDB's 10 GB. Tests lower it.
  int64_t max_item_collection_bytes = int64_t{10} * 1024 * 1024 * 1024;
  // Called on the sweeper's thread after it deleted an expired item (a write no client made,
  // so a cache in front of the engine cannot have seen it): the table's name and the item's
  // key. Must not block for long and must not call back into the engine. Empty: nothing.
  std::function<void(const std::string& table, const api::Key& key)> on_expired;
};

class Engine final : public Backend {
 public:
  // Opens (or creates) the store and loads the catalog. Runs on the calling thread and may block
  // on the disk: call it at startup, not on an event loop. Errors: InternalServerError with
  // RocksDB's reason (unopenable directory, corruption, a lock held by another process), or
  // ValidationException for bad options (worker_threads < 1, empty data_dir on disk).
  static api::Result<std::unique_ptr<Engine>> Open(EngineOptions options);

  ~Engine() override;

  // CreateTable: ResourceInUseException "Table already exists: <name>" if the name is taken;
  //   LimitExceededException once max_tables exist. Returns the description with TableStatus
  //   CREATING; the table is ACTIVE (and usable) as soon as the call has completed.
  // DescribeTable: ResourceNotFoundException "Requested resource not found: Table: <name> not
  //   found". ItemCount and TableSizeBytes are exact (counters kept by every write);
  //   NumberOfDecreasesToday counts the decreases of the current UTC day.
  // ListTables: names in order, at most Limit (default 100), strictly after
  //   ExclusiveStartTableName; LastEvaluatedTableName only when more names remain.
  // DeleteTable: ResourceNotFoundException as DescribeTable; ValidationException when deletion
  //   protection is on. Returns the description with TableStatus DELETING; the table and its
  //   items are gone when the call completes.
  // UpdateTable: ResourceNotFoundException as DescribeTable. Switches the billing mode
  //   (to PAY_PER_REQUEST: throughput reported as zeros, LastUpdateToPayPerRequestDateTime set;
  //   to PROVISIONED: ProvisionedThroughput required), changes the provisioned throughput
  //   (LastIncreaseDateTime / LastDecreaseDateTime / NumberOfDecreasesToday), and turns
  //   deletion protection on or off. ValidationException with DynamoDB's message when the
  //   throughput would not change, when throughput is given for a PAY_PER_REQUEST table, or when
  //   nothing is asked. The response says UPDATING for billing and throughput changes (a
  //   throughput-only change still shows the old units, as DynamoDB does while it applies them)
  //   and ACTIVE for a deletion-protection-only change; the table is ACTIVE with the new
  //   settings as soon as the call completes.
  void CreateTable(api::CreateTableRequest request, api::Executor* executor,
                   Callback<api::TableDescription> done) override;
  void DescribeTable(api::DescribeTableRequest request, api::Executor* executor,
                     Callback<api::TableDescription> done) override;
  void ListTables(api::ListTablesRequest request, api::Executor* executor,
                  Callback<api::ListTablesResponse> done) override;
  void DeleteTable(api::DeleteTableRequest request, api::Executor* executor,
                   Callback<api::TableDescription> done) override;
  void UpdateTable(api::UpdateTableRequest request, api::Executor* executor,
                   Callback<api::TableDescription> done) override;

  // Data plane. Common outcomes: a missing table is ResourceNotFoundException "Requested
  // resource not found"; a key or item that does not fit the table's schema is
  // ValidationException (api/validation.h); a write whose condition does not hold is
  // ConditionalCheckFailedException "The conditional request failed" (with Error::item_json set
  // to the current item when ReturnValuesOnConditionCheckFailure is ALL_OLD and an item exists),
  // and writes nothing. ConsumedCapacity follows api/capacity.h when asked for.
  // ItemCollectionMetrics is never returned: DynamoDB returns it only for tables with local
  // secondary indexes, which the engine does not have yet.
  //
  // PutItem / DeleteItem: the condition is evaluated against the current item under the key's
  //   lock; ReturnValues ALL_OLD returns the replaced / deleted item, if there was one.
  // GetItem: no item when there is none; the projection applies to the item returned.
  // UpdateItem: creates the item from its key when absent (upsert). Key attributes may not be
  //   updated; the result must fit DynamoDB's item size ("Item size to update has exceeded the
  //   maximum allowed size"). ReturnValues ALL_OLD / ALL_NEW return the whole old / new item,
  //   UPDATED_OLD / UPDATED_NEW only the attributes the update wrote or removed.
  // Query: the partition key's items in sort-key order (reversed with ScanIndexForward false),
  //   narrowed by the sort-key condition; Limit counts items read; a page ends once the items
  //   read total 1 MB (the item that reaches it included); FilterExpression applies after both;
  //   LastEvaluatedKey is the key of the last item read when the page was cut short. An
  //   ExclusiveStartKey that is not a key of the table or lies outside the query:
  //   ValidationException "The provided starting key is invalid..." and kin. IndexName:
  //   ValidationException "The table does not have the specified index: <name>".
  // Scan: every item of the table (or of one parallel-scan segment, see scan_range.h), with
  //   the same Limit, 1 MB, filter and ExclusiveStartKey rules.
  // BatchGetItem: the items found, per table; keys whose items would take the response past
  //   16 MB are returned in UnprocessedKeys (with their table's projection and consistency).
  //   Duplicate keys: ValidationException "Provided list of item keys contains duplicates".
  // BatchWriteItem: every put and delete, each applied atomically (all of them commit in one
  //   WriteBatch); UnprocessedItems is always empty. Validation (schema, duplicate keys) runs
  //   for all requests before anything is written.
  void PutItem(api::PutItemRequest request, api::Executor* executor,
               Callback<api::PutItemResponse> done) override;
  void GetItem(api::GetItemRequest request, api::Executor* executor,
               Callback<api::GetItemResponse> done) override;
  void DeleteItem(api::DeleteItemRequest request, api::Executor* executor,
                  Callback<api::DeleteItemResponse> done) override;
  void UpdateItem(api::UpdateItemRequest request, api::Executor* executor,
                  Callback<api::UpdateItemResponse> done) override;
  void Query(api::QueryRequest request, api::Executor* executor,
             Callback<api::QueryResponse> done) override;
  void Scan(api::ScanRequest request, api::Executor* executor,
            Callback<api::ScanResponse> done) override;
  void BatchGetItem(api::BatchGetItemRequest request, api::Executor* executor,
                    Callback<api::BatchGetItemResponse> done) override;
  void BatchWriteItem(api::BatchWriteItemRequest request, api::Executor* executor,
                      Callback<api::BatchWriteItemResponse> done) override;

  // Transactions (engine_transact.cc explains how).
  // TransactWriteItems: every action's condition holds and all its writes commit in one
  //   WriteBatch, or nothing is written and the call is TransactionCanceledException with one
  //   CancellationReason per action in request order (ConditionalCheckFailed, with the item
  //   when ReturnValuesOnConditionCheckFailure is ALL_OLD; ValidationError when an update
  //   cannot apply to the item as it is; None for the others). Two actions on one item:
  //   ValidationException. A ClientRequestToken that committed in the last ten minutes makes a
  //   repeat succeed without writing again (IdempotentParameterMismatchException if the other
  //   parameters differ). Capacity: twice the units of the plain operation, per item.
  // TransactGetItems: every item at one snapshot (absent items answer nothing), twice the units
  //   of a strongly consistent read each.
  void TransactWriteItems(api::TransactWriteItemsRequest request, api::Executor* executor,
                          Callback<api::TransactWriteItemsResponse> done) override;
  void TransactGetItems(api::TransactGetItemsRequest request, api::Executor* executor,
                        Callback<api::TransactGetItemsResponse> done) override;

  // Time to live. UpdateTimeToLive: ResourceNotFoundException "Requested resource not found:
  //   Table: <name> not found"; ValidationException "TimeToLive is already enabled" / "...
  //   already disabled" / "TimeToLive is active on a different AttributeName: current
  //   AttributeName is <name>" / "Time to live has been modified multiple times within a fixed
  //   interval" (within ttl_change_cooldown_seconds of the last change). Enabling writes the
  //   expiry entry of every item already in the table before it answers; the status is ENABLED
  //   at once, as DynamoDB reports it. DescribeTimeToLive: ENABLED with the attribute, or
  //   DISABLED.
  void UpdateTimeToLive(api::UpdateTimeToLiveRequest request, api::Executor* executor,
                        Callback<api::UpdateTimeToLiveResponse> done) override;
  void DescribeTimeToLive(api::DescribeTimeToLiveRequest request, api::Executor* executor,
                          Callback<api::DescribeTimeToLiveResponse> done) override;

  // Deletes up to `budget` items whose TTL attribute (a Number of epoch seconds, not more than
  // five years in the past) is at or before the engine clock, in expiry order, each with its
  // expiry entry and its table's counters in one batch. Returns how many items it deleted. The
  // sweeper thread calls it; tests call it directly. Any thread; blocks on the disk.
  api::Result<size_t> SweepExpiredItems(size_t budget);

  // The numeric id whose items are keyed under the table, or nullopt if there is no such table.
  // Safe from any thread; does not block on the disk.
  std::optional<uint32_t> TableNumericId(std::string_view table_name) const;

 private:
  Engine(EngineOptions options, std::unique_ptr<rocksdb::Env> env, std::unique_ptr<rocksdb::DB> db);

  // Runs `work` on the pool and posts its result to `executor`, where `done` receives it.
  template <class T, class Work>
  void Schedule(api::Executor* executor, Callback<T> done, Work work);
  // GetItem, PutItem, UpdateItem, DeleteItem: on disk, as Schedule(); in memory, `work` runs on
  // the calling thread (no I/O to keep off it) and only the completion goes through `executor`.
  template <class T, class Work>
  void ScheduleItemOperation(api::Executor* executor, Callback<T> done, Work work);

  api::Status LoadCatalog();

  // The operations themselves, run on pool threads. Control plane: engine.cc; single-item and
  // batch writes: engine_write.cc; reads: engine_read.cc.
  api::Result<api::TableDescription> DoCreateTable(const api::CreateTableRequest& request);
  api::Result<api::TableDescription> DoDescribeTable(const api::DescribeTableRequest& request);
  api::Result<api::ListTablesResponse> DoListTables(const api::ListTablesRequest& request);
  api::Result<api::TableDescription> DoDeleteTable(const api::DeleteTableRequest& request);
  api::Result<api::TableDescription> DoUpdateTable(const api::UpdateTableRequest& request);
  api::Result<api::PutItemResponse> DoPutItem(const api::PutItemRequest& request);
  api::Result<api::GetItemResponse> DoGetItem(const api::GetItemRequest& request);
  api::Result<api::DeleteItemResponse> DoDeleteItem(const api::DeleteItemRequest& request);
  api::Result<api::UpdateItemResponse> DoUpdateItem(const api::UpdateItemRequest& request);
  api::Result<api::ReadManyResponse> DoQuery(const api::QueryRequest& request);
  api::Result<api::ReadManyResponse> DoScan(const api::ScanRequest& request);
  api::Result<api::BatchGetItemResponse> DoBatchGetItem(const api::BatchGetItemRequest& request);
  api::Result<api::BatchWriteItemResponse> DoBatchWriteItem(
      const api::BatchWriteItemRequest& request);
  api::Result<api::TransactWriteItemsResponse> DoTransactWriteItems(
      const api::TransactWriteItemsRequest& request);
  api::Result<api::TransactGetItemsResponse> DoTransactGetItems(
      const api::TransactGetItemsRequest& request);

  // A transaction's table: from `tables` (by name) if already there, else looked up and added;
  // ResourceNotFoundException when there is no such table.
  api::Result<Table*> FindTransactionTable(const std::string& name,
                                           std::map<std::string, TablePtr>* tables) const;
  // The table for a data-plane request, or ResourceNotFoundException.
  api::Result<TablePtr> FindActiveTable(const std::string& name) const;
  // The table's description with live ItemCount and TableSizeBytes.
  api::Result<api::TableDescription> DescribeWithCounters(const Table& table) const;

  // ---- Items (engine_write.cc, engine_read.cc) ----

  // An item as stored: its DynamoDB size and its DynamoDB JSON.
  struct StoredItem {
    uint64_t size = 0;
    std::string json;
  };
  // The item stored under `key` now, or nullopt. Storage failures and corrupt values:
  // InternalServerError.
  api::Result<std::optional<StoredItem>> ReadItem(const std::string& key) const;
  // The same, with the caller's read options (a snapshot).
  api::Result<std::optional<StoredItem>> ReadItem(const std::string& key,
                                                  const rocksdb::ReadOptions& read_options) const;
  // The item under `key` as a conditional write sees it (REQUIRES: the key's lock is held):
  // `stored` as kept, and `old_item` decoded when `decode` is set or `condition` needs it.
  // ConditionalCheckFailedException (with the old item when `on_failure` is ALL_OLD) when
  // `condition` does not hold; storage failures as ReadItem.
  struct CurrentItem {
    std::optional<StoredItem> stored;
    std::optional<api::Item> old_item;
  };
  api::Result<CurrentItem> ReadForWrite(const std::string& key, const api::ConditionPtr& condition,
                                        bool decode,
                                        api::ReturnValuesOnConditionCheckFailure on_failure) const;

  // One change to one item key, ready to commit: a put of `value` or a delete, and the
  // change to its table's counters.
  struct ItemWrite {
    const Table* table = nullptr;
    std::string key;
    bool erase = false;
    std::string value;  // the encoded item value, unless erase
    TableCounters delta;
    // The JSON of the item this write replaces, as the writer read it under the key's lock
    // (null: there is none). Index and expiry maintenance derive the old entries from it. It
    // must outlive Commit.
    const std::string* old_json = nullptr;
  };
  // Commits every write in one synced WriteBatch, with one counter merge per table and the
  // expiry entries of tables with TTL enabled (AddExpiryChange).
  // REQUIRES: the caller holds each written key's stripe and its table's lifecycle lock (shared)
  // and has checked that the tables are not deleted.
  // What a commit learned besides success: the write units the writes cost in each secondary
  // index they changed (by table name), and for writes to tables with local secondary indexes
  // the size of the item's collection after the commit (by item key).
  struct CommitOutcome {
    std::map<std::string, api::IndexUnits> index_units;
    std::map<std::string, int64_t> collection_bytes;
  };
  // An item collection of a table with LSIs may not grow past 10 GB:
  // ItemCollectionSizeLimitExceededException "Collection size exceeded.", nothing written.
  api::Status Commit(std::span<const ItemWrite> writes, CommitOutcome* outcome = nullptr);

  // ---- Time to live (engine_ttl.cc) ----

  // Adds to `batch` what one item write changes besides the item (engine_index.cc): its expiry
  // entry (AddExpiryChange) and its entry in every secondary index, with each index's counter
  // delta added to `index_deltas` (by counter key). An index key attribute the index cannot
  // hold: ValidationException, and nothing may be written. REQUIRES: as Commit.
  // For a table with LSIs also the item collection's size delta, under its counter key, which
  // goes to *collection_key.
  api::Status AddDerivedChanges(const ItemWrite& write, rocksdb::WriteBatch* batch,
                                std::map<std::string, TableCounters>* index_deltas,
                                api::IndexUnits* index_units, std::string* collection_key) const;
  // The expiry-entry change of one item write of a table whose TTL attribute is `attribute`:
  // the old item's entry goes, the new item's comes (nothing when the expiry stays the same).
  api::Status AddExpiryChange(const Table& table, const std::string& attribute,
                              const std::string& item_key, const std::optional<api::Item>& old_item,
                              const std::optional<api::Item>& new_item,
                              rocksdb::WriteBatch* batch) const;
  // UpdateTable with GlobalSecondaryIndexUpdates (engine_index.cc): creating a GSI adds it at
  // once (writers keep it from then on, reads are refused while it fills) and queues its
  // backfill; deleting one removes it and its entries in one batch.
  api::Result<api::TableDescription> UpdateGlobalSecondaryIndexes(
      const api::UpdateTableRequest& request);
  // Indexes every item of `table` into the backfilling index `index_id`, then marks it ACTIVE.
  // Runs on the pool; resumable (after a restart it simply runs again).
  void BackfillIndex(TablePtr table, uint16_t index_id);
  // Starts the backfill of every backfilling index (Open, after a restart).
  void ResumeBackfills();
  // Appends each index's description, with its counters, to `description`.
  api::Status DescribeIndexes(const Table& table, const TableInfo& info,
                              api::TableDescription* description) const;
  api::Result<api::UpdateTimeToLiveResponse> DoUpdateTimeToLive(
      const api::UpdateTimeToLiveRequest& request);
  api::Result<api::DescribeTimeToLiveResponse> DoDescribeTimeToLive(
      const api::DescribeTimeToLiveRequest& request);
  // Writes the expiry entry of every item of `table` (UpdateTimeToLive enabling TTL).
  api::Status BackfillExpiryEntries(const Table& table, const std::string& attribute);
  // Up to `budget` due entries of one table: deletes their items. Returns how many items.
  api::Result<size_t> SweepTable(const TablePtr& table, uint64_t now, size_t budget);
  // The sweeper thread: SweepExpiredItems every options_.ttl_sweep_interval until stopped.
  void RunSweeper();

  // Which query or scan to run: the key range to walk and the rules of the page.
  struct ReadPlan {
    const Table* table = nullptr;
    IndexPtr index;  // a Query or Scan of a secondary index
    // An LSI read that needs attributes the index does not hold: each entry's item is read
    // from the table (DynamoDB's "fetch").
    bool fetch_from_table = false;
    KeyRange range;
    bool forward = true;
  };
  // IndexName: the index, or DynamoDB's error (no such index; ConsistentRead on a GSI; Select
  // ALL_ATTRIBUTES on a GSI that does not project everything). Sets plan->index and
  // plan->fetch_from_table. No IndexName: nothing to do.
  api::Status PlanIndexRead(const Table& table, const api::ReadManyRequest& request,
                            ReadPlan* plan) const;
  // Walks plan.range and builds the page: Limit, the 1 MB cap, filter, Select, projection,
  // LastEvaluatedKey and ConsumedCapacity, as Query and Scan share them.
  api::Result<api::ReadManyResponse> ReadPage(const ReadPlan& plan,
                                              const api::ReadManyRequest& request);

  // The stripe of the mutex guarding read-modify-write of the item stored under `item_key`.
  static size_t KeyStripe(std::string_view item_key);
  std::mutex& KeyLock(std::string_view item_key) { return key_locks_[KeyStripe(item_key)]; }

  double Now() const;

  const EngineOptions options_;
  std::unique_ptr<rocksdb::Env> env_;  // the in-memory Env, or null; outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  Catalog catalog_;

  // Serializes CreateTable, UpdateTable and DeleteTable (the only writers of the catalog and of
  // the table id counter). Data-plane requests never take it.
  std::mutex control_mu_;
  uint32_t next_table_id_ = 1;  // GUARDED_BY(control_mu_)

  // Striped per-key locks: see KeyLock() in engine.cc.
  static constexpr size_t kKeyLockStripes = 1024;
  std::array<std::mutex, kKeyLockStripes> key_locks_;

  // ClientRequestTokens of committed transactions.
  IdempotencyTokens tokens_;

  // Set when the destructor starts: long background work (index backfills) stops early.
  std::atomic<bool> closing_{false};

  // The TTL sweeper thread and how it is told to stop (the destructor).
  std::mutex sweeper_mu_;
  std::condition_variable sweeper_cv_;
  bool stopping_ = false;  // GUARDED_BY(sweeper_mu_)
  std::thread sweeper_;

  // Last member: destroyed first, so queued tasks finish while everything above is alive.
  std::unique_ptr<TaskPool> pool_;
};

}  // namespace ddbx::backend::engine
