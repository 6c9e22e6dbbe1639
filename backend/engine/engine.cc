#include "backend/engine/engine.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <random>
#include <shared_mutex>

#include "api/validation.h"
#include "backend/engine/engine_internal.h"
#include "backend/engine/key_codec.h"

namespace ddbx::backend::engine {

namespace {

// ---- DynamoDB's messages ----

api::Error TableExists(const std::string& name) {
  return api::Error{api::ErrorCode::kResourceInUse, "Table already exists: " + name};
}

api::Error TooManyTables(size_t limit) {
  return api::Error{api::ErrorCode::kLimitExceeded,
                    "Subscriber limit exceeded: There is a limit of " + std::to_string(limit) +
                        " tables per subscriber"};
}

api::Error DeletionProtected() {
  return api::Error::Validation(
      "Resource cannot be deleted as it is currently protected against deletion. Disable "
      "deletion protection first.");
}

api::Error NothingToUpdate() {
  return api::Error::Validation(
      "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
      "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
}

api::Error ThroughputWithPayPerRequest() {
  return api::Error::Validation(
      "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
      "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
}

api::Error ProvisionedWithoutThroughput() {
  return api::Error::Validation(
      "One or more parameter values were invalid: ProvisionedThroughput must be specified when "
      "BillingMode is PROVISIONED");
}

api::Error ThroughputUnchanged(const api::ProvisionedThroughput& current,
                               const api::ProvisionedThroughput& requested) {
  return api::Error::Validation(
      "The provisioned throughput for the table will not change. The requested value equals the "
      "current value. Current ReadCapacityUnits provisioned for the table: " +
      std::to_string(current.read_capacity_units) +
      ". Requested ReadCapacityUnits: " + std::to_string(requested.read_capacity_units) +
      ". Current WriteCapacityUnits provisioned for the table: " +
      std::to_string(current.write_capacity_units) +
      ". Requested WriteCapacityUnits: " + std::to_string(requested.write_capacity_units) +
      ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request "
      "higher limits.");
}

// True when two epoch times (seconds) fall on the same UTC calendar day.
bool SameUtcDay(double a, double b) {
  constexpr double kSecondsPerDay = 86400;
  return std::floor(a / kSecondsPerDay) == std::floor(b / kSecondsPerDay);
}

// ---- Counters merge operator ----
//
// A table's counters key holds (item count, total size) as two big-endian 64-bit integers, and
// every item write adds a signed delta to it with WriteBatch::Merge, in the same batch as the
// item. Writes to different keys of one table therefore never contend on the counters (each
// merge is an append; RocksDB folds them on read and in compaction), yet the counters change
// atomically with the items they count. Arithmetic is two's complement (unsigned wrap-around),
// so a negative delta is a plain addition.
class CounterMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing_value,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    TableCounters base;
    TableCounters delta;
    if (existing_value != nullptr &&
        !ParseCounters(std::string_view(existing_value->data(), existing_value->size()), &base)) {
      return false;
    }
    if (!ParseCounters(std::string_view(value.data(), value.size()), &delta)) return false;
    base.item_count = static_cast<int64_t>(static_cast<uint64_t>(base.item_count) +
                                           static_cast<uint64_t>(delta.item_count));
    base.size_bytes = static_cast<int64_t>(static_cast<uint64_t>(base.size_bytes) +
                                           static_cast<uint64_t>(delta.size_bytes));
    *new_value = EncodeCounters(base);
    return true;
  }

  const char* Name() const override { return "ddbx.CounterAdd"; }
};

std::string NewUuidV4() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

// The key schema checks CreateTable needs before it can build a KeyShape, with DynamoDB's
// messages, in DynamoDB's order. The request decoder normally rejects such requests first.
api::Status CheckKeySchema(const api::CreateTableRequest& request) {
  const auto& keys = request.key_schema;
  const auto& defs = request.attribute_definitions;
  if (keys.empty() || keys.size() > 2) {
    return api::Error::Validation(
        "Invalid KeySchema: a table has one HASH key and at most one RANGE key");
  }
  if (keys.size() > defs.size()) {
    return api::Error::Validation("Invalid KeySchema: Some index key attribute have no definition");
  }
  auto defined = [&defs](const std::string& name) {
    return std::any_of(defs.begin(), defs.end(),
                       [&name](const auto& def) { return def.attribute_name == name; });
  };
  if (!std::all_of(keys.begin(), keys.end(),
                   [&](const auto& key) { return defined(key.attribute_name); })) {
    std::string key_names;
    for (const auto& key : keys) key_names += (key_names.empty() ? "" : ", ") + key.attribute_name;
    std::string def_names;
    for (const auto& def : defs) def_names += (def_names.empty() ? "" : ", ") + def.attribute_name;
    return api::Error::Validation(
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [" +
        key_names + "], AttributeDefinitions: [" + def_names + "]");
  }
  if (keys.size() == 2 && keys[0].attribute_name == keys[1].attribute_name) {
    return api::Error::Validation(
        "Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  if (keys[0].key_type != api::KeyType::kHash) {
    return api::Error::Validation(
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (keys.size() == 2 && keys[1].key_type != api::KeyType::kRange) {
    return api::Error::Validation(
        "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  return api::Status::Ok();
}

}  // namespace

// ---- Open and close ----

api::Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  if (options.worker_threads < 1) {
    return api::Error::Validation("engine worker_threads must be at least 1");
  }
  if (!options.in_memory && options.data_dir.empty()) {
    return api::Error::Validation("engine data_dir must be set unless in_memory is on");
  }

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.merge_operator = std::make_shared<CounterMergeOperator>();
  // Point reads dominate (GetItem, and the read half of every write): bloom filters let a Get
  // skip SST files that cannot hold the key.
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
#if defined(__SANITIZE_THREAD__)
  // ThreadSanitizer builds only: Debian's RocksDB is not instrumented, so TSan cannot see how a
  // group-commit leader synchronises with the writers whose batches it copies, and reports each
  // copy as a race in our code. A one-byte group limit makes every writer commit its own batch;
  // the engine's own locking, pool and completions are what the TSan run checks.
  db_options.max_write_batch_group_size_bytes = 1;
#endif

  std::unique_ptr<rocksdb::Env> env;
  std::string path = options.data_dir;
  if (options.in_memory) {
    env.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    db_options.env = env.get();
    // The in-memory Env implements no GetAbsolutePath, so it needs an absolute name; the name
    // means nothing else (data_dir is unused in this mode).
    path = "/ddbx-in-memory";
    // Small memtables: every UpdateItem and conditional write reads its item before writing
    // it, and with RocksDB's default 64 MB memtable that read searches a skip list of hundreds
    // of thousands of versions. 4 MB measured fastest for UpdateItem (docs/performance.md).
    // The SST files flushed to the in-memory Env stay uncompressed: compressing them would only
    // cost time, memory is what they live in either way.
    db_options.write_buffer_size = size_t{4} << 20;
    db_options.compression = rocksdb::kNoCompression;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) {
      return api::Error::Internal("Internal server error: cannot create " + path + ": " +
                                  ec.message());
    }
  }

  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, path, &raw_db);
  if (!status.ok()) return StorageError(status);
  std::unique_ptr<rocksdb::DB> db(raw_db);

  std::unique_ptr<Engine> engine(new Engine(std::move(options), std::move(env), std::move(db)));
  api::Status loaded = engine->LoadCatalog();
  if (!loaded.ok()) return loaded.error();
  engine->ResumeBackfills();
  if (engine->options_.ttl_sweep_interval.count() > 0) {
    engine->sweeper_ = std::thread(&Engine::RunSweeper, engine.get());
  }
  return api::Result<std::unique_ptr<Engine>>(std::move(engine));
}

Engine::Engine(EngineOptions options, std::unique_ptr<rocksdb::Env> env,
               std::unique_ptr<rocksdb::DB> db)
    : options_(std::move(options)),
      env_(std::move(env)),
      db_(std::move(db)),
      pool_(std::make_unique<TaskPool>(options_.worker_threads)) {}

Engine::~Engine() {
  closing_.store(true, std::memory_order_release);  // backfills stop; they resume on reopen
  if (sweeper_.joinable()) {
    {
      std::lock_guard lock(sweeper_mu_);
      stopping_ = true;
    }
    sweeper_cv_.notify_all();
    sweeper_.join();
  }
  pool_.reset();  // runs every queued task, posts its completion, joins the threads
  if (db_) {
    rocksdb::Status status = db_->Close();
    (void)status;  // nothing left to tell: every acknowledged write is already durable
    db_.reset();
  }
}

api::Status Engine::LoadCatalog() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  uint32_t max_id = 0;
  for (it->Seek(std::string(1, kCatalogPrefix)); it->Valid() && it->key()[0] == kCatalogPrefix;
       it->Next()) {
    api::Result<TableInfo> info = DecodeTableRecord(View(it->value()));
    if (!info.ok()) return info.take_error();
    max_id = std::max(max_id, info.value().id);
    catalog_.Insert(std::make_shared<Table>(std::move(info).value()));
  }
  if (!it->status().ok()) return StorageError(it->status());

  std::string next;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), NextTableIdKey(), &next);
  if (status.ok() && next.size() == 4) {
    next_table_id_ = ReadUint32BE(next.data());
  } else if (!status.ok() && !status.IsNotFound()) {
    return StorageError(status);
  }
  // Ids are never reused, even if the counter were lost: stay above every id in the catalog.
  next_table_id_ = std::max(next_table_id_, max_id + 1);
  return api::Status::Ok();
}

// ---- Scheduling ----

namespace {

// Runs `work`, turning anything thrown below (std::bad_alloc, a library) into an
// InternalServerError like any other storage failure: the edge of the engine.
template <class T, class Work>
api::Result<T> RunGuarded(Work& work) {
  try {
    return work();
  } catch (const std::exception& e) {
    return api::Error::Internal(std::string("Internal server error: ") + e.what());
  }
}

}  // namespace

template <class T, class Work>
void Engine::Schedule(api::Executor* executor, Callback<T> done, Work work) {
  pool_->Submit([executor, done = std::move(done), work = std::move(work)]() mutable {
    api::Result<T> result = RunGuarded<T>(work);
    executor->Post([done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  });
}

template <class T, class Work>
void Engine::ScheduleItemOperation(api::Executor* executor, Callback<T> done, Work work) {
  if (!options_.in_memory) {
    Schedule(executor, std::move(done), std::move(work));
    return;
  }
  // In memory there is no disk to wait for: a single-item operation is a few microseconds of
  // memtable work under a short per-key lock, cheaper than the two thread hops to the pool and
  // back. It runs on the calling thread; `done` still runs later, through the executor.
  api::Result<T> result = RunGuarded<T>(work);
  executor->Post(
      [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

void Engine::CreateTable(api::CreateTableRequest request, api::Executor* executor,
                         Callback<api::TableDescription> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoCreateTable(request); });
}

void Engine::DescribeTable(api::DescribeTableRequest request, api::Executor* executor,
                           Callback<api::TableDescription> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoDescribeTable(request); });
}

void Engine::ListTables(api::ListTablesRequest request, api::Executor* executor,
                        Callback<api::ListTablesResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoListTables(request); });
}

void Engine::DeleteTable(api::DeleteTableRequest request, api::Executor* executor,
                         Callback<api::TableDescription> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoDeleteTable(request); });
}

void Engine::UpdateTable(api::UpdateTableRequest request, api::Executor* executor,
                         Callback<api::TableDescription> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoUpdateTable(request); });
}

void Engine::PutItem(api::PutItemRequest request, api::Executor* executor,
                     Callback<api::PutItemResponse> done) {
  ScheduleItemOperation(executor, std::move(done),
                        [this, request = std::move(request)] { return DoPutItem(request); });
}

void Engine::GetItem(api::GetItemRequest request, api::Executor* executor,
                     Callback<api::GetItemResponse> done) {
  ScheduleItemOperation(executor, std::move(done),
                        [this, request = std::move(request)] { return DoGetItem(request); });
}

void Engine::DeleteItem(api::DeleteItemRequest request, api::Executor* executor,
                        Callback<api::DeleteItemResponse> done) {
  ScheduleItemOperation(executor, std::move(done),
                        [this, request = std::move(request)] { return DoDeleteItem(request); });
}

void Engine::UpdateItem(api::UpdateItemRequest request, api::Executor* executor,
                        Callback<api::UpdateItemResponse> done) {
  ScheduleItemOperation(executor, std::move(done),
                        [this, request = std::move(request)] { return DoUpdateItem(request); });
}

void Engine::Query(api::QueryRequest request, api::Executor* executor,
                   Callback<api::QueryResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoQuery(request); });
}

void Engine::Scan(api::ScanRequest request, api::Executor* executor,
                  Callback<api::ScanResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoScan(request); });
}

void Engine::UpdateTimeToLive(api::UpdateTimeToLiveRequest request, api::Executor* executor,
                              Callback<api::UpdateTimeToLiveResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoUpdateTimeToLive(request); });
}

void Engine::DescribeTimeToLive(api::DescribeTimeToLiveRequest request, api::Executor* executor,
                                Callback<api::DescribeTimeToLiveResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoDescribeTimeToLive(request); });
}

void Engine::TransactWriteItems(api::TransactWriteItemsRequest request, api::Executor* executor,
                                Callback<api::TransactWriteItemsResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoTransactWriteItems(request); });
}

void Engine::TransactGetItems(api::TransactGetItemsRequest request, api::Executor* executor,
                              Callback<api::TransactGetItemsResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoTransactGetItems(request); });
}

void Engine::BatchGetItem(api::BatchGetItemRequest request, api::Executor* executor,
                          Callback<api::BatchGetItemResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoBatchGetItem(request); });
}

void Engine::BatchWriteItem(api::BatchWriteItemRequest request, api::Executor* executor,
                            Callback<api::BatchWriteItemResponse> done) {
  Schedule(executor, std::move(done),
           [this, request = std::move(request)] { return DoBatchWriteItem(request); });
}

std::optional<uint32_t> Engine::TableNumericId(std::string_view table_name) const {
  TablePtr table = catalog_.Find(table_name);
  if (!table) return std::nullopt;
  return table->id();
}

// ---- Helpers ----

double Engine::Now() const {
  if (options_.clock) return options_.clock();
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since_epoch).count();
}

api::Result<TablePtr> Engine::FindActiveTable(const std::string& name) const {
  TablePtr table = catalog_.Find(name);
  if (!table || table->deleted()) return DataPlaneTableNotFound();
  return table;
}

api::Result<api::TableDescription> Engine::DescribeWithCounters(const Table& table) const {
  const TableInfo info = table.info();
  api::TableDescription description = info.description;
  api::Status indexes = DescribeIndexes(table, info, &description);
  if (!indexes.ok()) return indexes.error();
  // NumberOfDecreasesToday counts decreases during the current UTC calendar day: a count
  // recorded on an earlier day has expired.
  if (!SameUtcDay(description.last_decrease_date_time, Now())) {
    description.number_of_decreases_today = 0;
  }
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), CounterKey(table.id()), &value);
  TableCounters counters;
  if (status.ok()) {
    if (!ParseCounters(value, &counters)) {
      return api::Error::Internal("Internal server error: corrupt table counters");
    }
  } else if (!status.IsNotFound()) {
    return StorageError(status);
  }
  description.item_count = counters.item_count;
  description.table_size_bytes = counters.size_bytes;
  // UPDATING while a GSI is being filled (DescribeIndexes), else ACTIVE.
  if (description.table_status != api::TableStatus::kUpdating) {
    description.table_status = api::TableStatus::kActive;
  }
  return description;
}

// Striped per-key locks. A write must read the item it replaces and commit its WriteBatch with
// no other writer of the same key in between: ReturnValues ALL_OLD must return exactly the item
// this write replaced, and the counter deltas (+1 item or not, size difference) are only exact
// if computed against the true previous item. RocksDB's plain DB has no per-key read-modify-
// write, so each write holds the mutex its key hashes to across Get + Write. A fixed array
// bounds memory whatever the number of keys; keys sharing a stripe merely serialize. A request
// takes its tables' lifecycle locks first (in table-name order), then its stripes in increasing
// stripe order (BatchWriteItem holds several), so stripes cannot deadlock. Readers take no
// stripe: a Get sees the last committed batch.
size_t Engine::KeyStripe(std::string_view item_key) {
  return std::hash<std::string_view>{}(item_key) % kKeyLockStripes;
}

// ---- Control plane ----

api::Result<api::TableDescription> Engine::DoCreateTable(const api::CreateTableRequest& request) {
  api::Status schema_ok = CheckKeySchema(request);
  if (!schema_ok.ok()) return schema_ok.error();
  schema_ok = CheckIndexKeysDefined(request);
  if (!schema_ok.ok()) return schema_ok.error();

  std::lock_guard control(control_mu_);
  if (catalog_.Find(request.table_name)) return TableExists(request.table_name);
  if (catalog_.size() >= options_.max_tables) return TooManyTables(options_.max_tables);
  if (next_table_id_ == UINT32_MAX) return TooManyTables(options_.max_tables);

  TableInfo info;
  info.id = next_table_id_;
  info.tags = request.tags;
  api::TableDescription& d = info.description;
  d.table_name = request.table_name;
  d.table_arn = "arn:aws:dynamodb:" + options_.region + ":" + options_.account_id + ":table/" +
                request.table_name;
  d.table_id = NewUuidV4();
  d.attribute_definitions = request.attribute_definitions;
  d.key_schema = request.key_schema;
  d.table_status = api::TableStatus::kActive;
  d.creation_date_time = Now();
  d.billing_mode = request.billing_mode.value_or(api::BillingMode::kProvisioned);
  if (d.billing_mode == api::BillingMode::kPayPerRequest) {
    d.provisioned_throughput = api::ProvisionedThroughput{};  // DynamoDB reports zeros
    d.last_update_to_pay_per_request_date_time = d.creation_date_time;
  } else {
    d.provisioned_throughput =
        request.provisioned_throughput.value_or(api::ProvisionedThroughput{});
  }
  d.deletion_protection_enabled = request.deletion_protection_enabled;
  AddIndexes(request, &info);

  std::string next_id;
  AppendUint32BE(info.id + 1, &next_id);
  rocksdb::WriteBatch batch;
  rocksdb::Status status = batch.Put(CatalogKey(d.table_name), EncodeTableRecord(info));
  if (status.ok()) status = batch.Put(NextTableIdKey(), next_id);
  if (status.ok()) status = batch.Put(CounterKey(info.id), EncodeCounters(TableCounters{}));
  if (status.ok()) {
    rocksdb::WriteOptions write_options = DurableWrite(options_.in_memory);
    status = db_->Write(write_options, &batch);
  }
  if (!status.ok()) return StorageError(status);

  next_table_id_ = info.id + 1;
  api::TableDescription response = d;
  response.table_status = api::TableStatus::kCreating;
  auto table = std::make_shared<Table>(std::move(info));
  api::Status indexes = DescribeIndexes(*table, table->info(), &response);
  if (!indexes.ok()) return indexes.error();
  // DynamoDB answers CreateTable with its GSIs CREATING, like the table.
  for (api::SecondaryIndex& index : response.global_secondary_indexes) {
    index.index_status = api::IndexStatus::kCreating;
  }
  catalog_.Insert(std::move(table));
  return response;
}

api::Result<api::TableDescription> Engine::DoDescribeTable(
    const api::DescribeTableRequest& request) {
  TablePtr table = catalog_.Find(request.table_name);
  if (!table || table->deleted()) return TableNotFound(request.table_name);
  return DescribeWithCounters(*table);
}

api::Result<api::ListTablesResponse> Engine::DoListTables(const api::ListTablesRequest& request) {
  size_t limit = 100;  // DynamoDB's default and maximum page
  if (request.limit && *request.limit >= 1 && *request.limit < 100) {
    limit = static_cast<size_t>(*request.limit);
  }
  return catalog_.List(request.exclusive_start_table_name, limit);
}

api::Result<api::TableDescription> Engine::DoDeleteTable(const api::DeleteTableRequest& request) {
  std::lock_guard control(control_mu_);
  TablePtr table = catalog_.Find(request.table_name);
  if (!table) return TableNotFound(request.table_name);
  if (table->info().description.deletion_protection_enabled) return DeletionProtected();

  // Wait for in-flight item writes of this table and keep new ones out until the delete is
  // committed; they then find the table deleted.
  std::unique_lock lifecycle(table->lifecycle_mutex());
  api::Result<api::TableDescription> description = DescribeWithCounters(*table);
  if (!description.ok()) return description;

  // One batch: the catalog entry, the counters and every item go together, or not at all.
  rocksdb::WriteBatch batch;
  rocksdb::Status status = batch.Delete(CatalogKey(request.table_name));
  // The table's counters and its indexes' (kCounterPrefix | id, and | index id after it).
  if (status.ok()) status = batch.DeleteRange(CounterKey(table->id()), CounterKey(table->id() + 1));
  if (status.ok())
    status = batch.DeleteRange(ItemRangeBegin(table->id()), ItemRangeEnd(table->id()));
  if (status.ok()) {
    status = batch.DeleteRange(ExpiryRangeBegin(table->id()), ExpiryRangeEnd(table->id()));
  }
  if (status.ok()) {
    status = batch.DeleteRange(IndexRangeBegin(table->id()), IndexRangeEnd(table->id()));
  }
  if (status.ok()) {
    status = batch.DeleteRange(CollectionRangeBegin(table->id()), CollectionRangeEnd(table->id()));
  }
  if (status.ok()) {
    rocksdb::WriteOptions write_options = DurableWrite(options_.in_memory);
    status = db_->Write(write_options, &batch);
  }
  if (!status.ok()) return StorageError(status);

  table->MarkDeleted();
  catalog_.Erase(request.table_name);
  description.value().table_status = api::TableStatus::kDeleting;
  return description;
}

// UpdateTable. Checks come in DynamoDB's order: what the request alone decides (the request
// decoder normally refuses these first), then what depends on the table. The new record is
// durable before the in-memory table changes, under the control mutex, so UpdateTable and
// DeleteTable never interleave.
api::Result<api::TableDescription> Engine::DoUpdateTable(const api::UpdateTableRequest& request) {
  if (!request.create_global_secondary_indexes.empty() ||
      !request.delete_global_secondary_indexes.empty()) {
    return UpdateGlobalSecondaryIndexes(request);
  }
  if (!request.billing_mode && !request.provisioned_throughput &&
      !request.deletion_protection_enabled) {
    return NothingToUpdate();
  }
  if (request.billing_mode == api::BillingMode::kPayPerRequest && request.provisioned_throughput) {
    return ThroughputWithPayPerRequest();
  }
  if (request.billing_mode == api::BillingMode::kProvisioned && !request.provisioned_throughput) {
    return ProvisionedWithoutThroughput();
  }

  std::lock_guard control(control_mu_);
  TablePtr table = catalog_.Find(request.table_name);
  if (!table) return TableNotFound(request.table_name);
  TableInfo info = table->info();
  api::TableDescription& d = info.description;
  const api::BillingMode target = request.billing_mode.value_or(d.billing_mode);
  if (target == api::BillingMode::kPayPerRequest && request.provisioned_throughput) {
    return ThroughputWithPayPerRequest();  // throughput for a table that stays on demand
  }

  const double now = Now();
  const api::ProvisionedThroughput old_throughput = d.provisioned_throughput;
  bool updating = false;         // the response says UPDATING
  bool throughput_only = false;  // ... and still shows the old units
  if (target != d.billing_mode) {
    updating = true;
    d.billing_mode = target;
    if (target == api::BillingMode::kPayPerRequest) {
      d.provisioned_throughput = api::ProvisionedThroughput{};  // reported as zeros
      d.last_update_to_pay_per_request_date_time = now;
    } else {
      // From zero to the requested units: DynamoDB records the switch as an increase.
      d.provisioned_throughput = *request.provisioned_throughput;
      d.last_increase_date_time = now;
    }
  } else if (request.provisioned_throughput) {
    const api::ProvisionedThroughput& requested = *request.provisioned_throughput;
    if (requested == old_throughput) return ThroughputUnchanged(old_throughput, requested);
    const bool increase = requested.read_capacity_units > old_throughput.read_capacity_units ||
                          requested.write_capacity_units > old_throughput.write_capacity_units;
    const bool decrease = requested.read_capacity_units < old_throughput.read_capacity_units ||
                          requested.write_capacity_units < old_throughput.write_capacity_units;
    if (increase) d.last_increase_date_time = now;
    if (decrease) {
      d.number_of_decreases_today =
          SameUtcDay(d.last_decrease_date_time, now) ? d.number_of_decreases_today + 1 : 1;
      d.last_decrease_date_time = now;
    }
    d.provisioned_throughput = requested;
    updating = true;
    throughput_only = true;
  }
  if (request.deletion_protection_enabled) {
    d.deletion_protection_enabled = *request.deletion_protection_enabled;
  }

  rocksdb::WriteBatch batch;
  rocksdb::Status status = batch.Put(CatalogKey(d.table_name), EncodeTableRecord(info));
  if (status.ok()) status = db_->Write(DurableWrite(options_.in_memory), &batch);
  if (!status.ok()) return StorageError(status);
  table->SetInfo(std::move(info));

  api::Result<api::TableDescription> description = DescribeWithCounters(*table);
  if (!description.ok()) return description;
  if (updating) description.value().table_status = api::TableStatus::kUpdating;
  if (throughput_only) description.value().provisioned_throughput = old_throughput;
  return description;
}

}  // namespace ddbx::backend::engine
