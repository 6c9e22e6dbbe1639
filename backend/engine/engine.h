// Engine: ddbx's bundled, durable store, a backend::Backend on RocksDB.
//
// Tables live in a catalog persisted in RocksDB and mirrored in memory (catalog.h); items live
// under order-preserving keys prefixed by their table's numeric id (key_codec.h); the on-disk
// format is described in docs/storage-format.md.
//
// Threads: every Backend method only queues a task on the engine's own TaskPool and returns.
// A pool thread does the RocksDB work and hands the result to the caller's executor, so `done`
// runs on the caller's loop. Backend methods may be called from any thread at any time until
// the destructor starts. The destructor runs every task already queued (their completions are
// still posted, so the callers' executors must outlive it), joins the pool and closes RocksDB.
//
// Durability: a write is acknowledged only after its WriteBatch is in the WAL and the WAL is
// fsynced (WriteOptions::sync). RocksDB commits concurrent synced writers as one group with one
// fsync (group commit). In-memory mode (rocksdb::NewMemEnv) keeps everything in RAM and skips
// the sync; nothing touches the disk.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/error.h"
#include "backend/backend.h"
#include "backend/engine/catalog.h"
#include "backend/engine/task_pool.h"

namespace rocksdb {
class DB;
class Env;
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
  //   found". ItemCount and TableSizeBytes are exact (counters kept by every write).
  // ListTables: names in order, at most Limit (default 100), strictly after
  //   ExclusiveStartTableName; LastEvaluatedTableName only when more names remain.
  // DeleteTable: ResourceNotFoundException as DescribeTable; ValidationException when deletion
  //   protection is on. Returns the description with TableStatus DELETING; the table and its
  //   items are gone when the call completes.
  void CreateTable(api::CreateTableRequest request, api::Executor* executor,
                   Callback<api::TableDescription> done) override;
  void DescribeTable(api::DescribeTableRequest request, api::Executor* executor,
                     Callback<api::TableDescription> done) override;
  void ListTables(api::ListTablesRequest request, api::Executor* executor,
                  Callback<api::ListTablesResponse> done) override;
  void DeleteTable(api::DeleteTableRequest request, api::Executor* executor,
                   Callback<api::TableDescription> done) override;

  // Data plane. A missing table: ResourceNotFoundException "Requested resource not found".
  // A key or item that does not fit the table's schema: ValidationException (api/validation.h).
  // PutItem and DeleteItem return the previous item with ReturnValues ALL_OLD (if there was
  // one). GetItem returns no item when there is none.
  void PutItem(api::PutItemRequest request, api::Executor* executor,
               Callback<api::PutItemResponse> done) override;
  void GetItem(api::GetItemRequest request, api::Executor* executor,
               Callback<api::GetItemResponse> done) override;
  void DeleteItem(api::DeleteItemRequest request, api::Executor* executor,
                  Callback<api::DeleteItemResponse> done) override;

  // The numeric id whose items are keyed under the table, or nullopt if there is no such table.
  // Safe from any thread; does not block on the disk.
  std::optional<uint32_t> TableNumericId(std::string_view table_name) const;

 private:
  Engine(EngineOptions options, std::unique_ptr<rocksdb::Env> env, std::unique_ptr<rocksdb::DB> db);

  // Runs `work` on the pool and posts its result to `executor`, where `done` receives it.
  template <class T, class Work>
  void Schedule(api::Executor* executor, Callback<T> done, Work work);

  api::Status LoadCatalog();

  // The operations themselves, run on pool threads.
  api::Result<api::TableDescription> DoCreateTable(const api::CreateTableRequest& request);
  api::Result<api::TableDescription> DoDescribeTable(const api::DescribeTableRequest& request);
  api::Result<api::ListTablesResponse> DoListTables(const api::ListTablesRequest& request);
  api::Result<api::TableDescription> DoDeleteTable(const api::DeleteTableRequest& request);
  api::Result<api::PutItemResponse> DoPutItem(const api::PutItemRequest& request);
  api::Result<api::GetItemResponse> DoGetItem(const api::GetItemRequest& request);
  api::Result<api::DeleteItemResponse> DoDeleteItem(const api::DeleteItemRequest& request);

  // The table for a data-plane request, or ResourceNotFoundException.
  api::Result<TablePtr> FindActiveTable(const std::string& name) const;
  // The table's description with live ItemCount and TableSizeBytes.
  api::Result<api::TableDescription> DescribeWithCounters(const Table& table) const;
  // The striped lock guarding read-modify-write of the item stored under `item_key`.
  std::mutex& KeyLock(std::string_view item_key);

  double Now() const;

  const EngineOptions options_;
  std::unique_ptr<rocksdb::Env> env_;  // the in-memory Env, or null; outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  Catalog catalog_;

  // Serializes CreateTable and DeleteTable (the only writers of the catalog and of the table id
  // counter). Data-plane requests never take it.
  std::mutex control_mu_;
  uint32_t next_table_id_ = 1;  // GUARDED_BY(control_mu_)

  // Striped per-key locks: see KeyLock() in engine.cc.
  static constexpr size_t kKeyLockStripes = 1024;
  std::array<std::mutex, kKeyLockStripes> key_locks_;

  // Last member: destroyed first, so queued tasks finish while everything above is alive.
  std::unique_ptr<TaskPool> pool_;
};

}  // namespace ddbx::backend::engine
