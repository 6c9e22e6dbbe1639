// The engine's transactions: TransactWriteItems and TransactGetItems.
//
// TransactWriteItems is the batch write's locking with a condition per action:
//   1. every action is checked before anything is locked: its table exists, its key or item
//      fits the table's schema, no two actions name one item;
//   2. the tables' lifecycle locks (shared, in table-name order) and the stripes of every key
//      (in stripe order, each once) are taken: the order every multi-key writer uses, so
//      writers never deadlock;
//   3. under those locks every action reads its item, evaluates its condition and computes its
//      new item, in request order; if any action fails, nothing is written and the call is
//      TransactionCanceledException with one reason per action;
//   4. otherwise all the writes and the counter deltas commit in one synced WriteBatch.
// Every writer of an item holds its stripe from its read to its commit, so a transaction is
// serializable with every other write and transaction: none can change an item between the
// transaction's read of it and its commit.
//
// TransactGetItems reads every item at one RocksDB snapshot. Every write (a transaction's as
// well) commits in one atomic WriteBatch, so the snapshot holds each write entirely or not at
// all: a consistent view, with no locks taken.
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>

#include <algorithm>
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

// Transactional reads and writes cost twice the units of their plain counterparts.
constexpr double kTransactionalFactor = 2;

api::Error MultipleOperationsOnOneItem() {
  return api::Error::Validation(
      "Transaction request cannot include multiple operations on one item");
}

// "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ...]"
api::Error Cancelled(const std::vector<api::CancellationReason>& reasons) {
  std::string message =
      "Transaction cancelled, please refer cancellation reasons for specific reasons [";
  for (size_t i = 0; i < reasons.size(); ++i) {
    if (i > 0) message += ", ";
    message += reasons[i].code;
  }
  message += "]";
  api::Error error{api::ErrorCode::kTransactionCanceled, std::move(message)};
  error.cancellation_reasons_json = api::EncodeCancellationReasons(reasons);
  return error;
}

// Empty string and binary key values fail the whole request; DynamoDB cancels the transaction
// for every other key or item that does not fit the table (api/validation.cc words both).
bool IsEmptyKeyValue(const api::Error& error) {
  return error.message.starts_with(api::kEmptyKeyValuePrefix);
}

// Reports one ConsumedCapacity per table, in table-name order, with the table's units also as
// ReadCapacityUnits or WriteCapacityUnits, as DynamoDB reports transactions.
std::vector<api::ConsumedCapacity> TransactionCapacity(const std::map<std::string, double>& units,
                                                       api::ReturnConsumedCapacity mode,
                                                       bool writes) {
  std::vector<api::ConsumedCapacity> out;
  if (mode == api::ReturnConsumedCapacity::kNone) return out;
  for (const auto& [table_name, table_units] : units) {
    api::ConsumedCapacity capacity;
    capacity.table_name = table_name;
    capacity.total.capacity_units = table_units;
    (writes ? capacity.total.write_capacity_units : capacity.total.read_capacity_units) =
        table_units;
    if (mode == api::ReturnConsumedCapacity::kIndexes) capacity.table = capacity.total;
    out.push_back(std::move(capacity));
  }
  return out;
}

}  // namespace

// ---- TransactWriteItems ----

api::Result<Table*> Engine::FindTransactionTable(const std::string& name,
                                                 std::map<std::string, TablePtr>* tables) const {
  auto it = tables->find(name);
  if (it == tables->end()) {
    api::Result<TablePtr> found = FindActiveTable(name);
    if (!found.ok()) return found.take_error();
    it = tables->emplace(name, std::move(found).value()).first;
  }
  return it->second.get();
}

api::Result<api::TransactWriteItemsResponse> Engine::DoTransactWriteItems(
    const api::TransactWriteItemsRequest& request) {
  // 1. Check every action; encode its key (and a put's value). A missing table, an empty key
  // value and two actions on one item fail the whole request; a key or item that does not fit
  // its table's schema cancels the transaction, with ValidationError on the first such action
  // and None on all the others (their conditions are never evaluated).
  struct Step {
    const api::TransactWriteAction* action = nullptr;
    Table* table = nullptr;
    std::string key;  // empty while the action's key is invalid
    uint64_t put_size = 0;
  };
  std::map<std::string, TablePtr> tables;  // by name: the lock order
  std::vector<Step> steps;
  steps.reserve(request.actions.size());
  std::optional<std::pair<size_t, std::string>> first_invalid;  // action index, message
  std::set<std::string> keys;
  for (const api::TransactWriteAction& action : request.actions) {
    api::Result<Table*> table = FindTransactionTable(action.table_name, &tables);
    if (!table.ok()) return table.take_error();
    Step step;
    step.action = &action;
    step.table = table.value();
    const KeyShape& shape = step.table->shape();
    const bool is_put = action.kind == api::TransactActionKind::kPut;
    api::Status valid = is_put ? api::ValidateItemForTable(action.item, step.table->schema())
                               : api::ValidateKeyForTable(action.key, step.table->schema());
    if (valid.ok() && action.kind == api::TransactActionKind::kUpdate && action.update) {
      valid = api::expr::CheckUpdateAgainstKey(*action.update, shape.hash.name,
                                               shape.range ? &shape.range->name : nullptr);
      if (!valid.ok()) return valid.error();  // as UpdateItem: the request itself is invalid
    }
    if (!valid.ok()) {
      if (IsEmptyKeyValue(valid.error())) return valid.error();
      if (!first_invalid) first_invalid.emplace(steps.size(), valid.error().message);
      steps.push_back(std::move(step));
      continue;
    }
    step.key = EncodeItemKey(step.table->id(), shape, is_put ? action.item : action.key);
    if (is_put) step.put_size = api::ItemSizeBytes(action.item);
    if (!keys.insert(step.key).second) return MultipleOperationsOnOneItem();
    steps.push_back(std::move(step));
  }
  if (first_invalid) {
    std::vector<api::CancellationReason> reasons(steps.size(),
                                                 api::CancellationReason{"None", "", {}});
    reasons[first_invalid->first] = {"ValidationError", first_invalid->second, std::nullopt};
    return Cancelled(reasons);
  }

  // A token already used: a repeat of a committed transaction succeeds without running again.
  const double now = Now();
  // Releases (or, once committed, remembers) the token this call reserved, on every path out.
  struct TokenGuard {
    IdempotencyTokens* tokens = nullptr;
    const api::TransactWriteItemsRequest* request = nullptr;
    const Engine* engine = nullptr;
    bool committed = false;
    ~TokenGuard() {
      if (tokens != nullptr) {
        tokens->Finish(*request->client_request_token, request->fingerprint, engine->Now(),
                       committed);
      }
    }
  } token_guard;
  if (request.client_request_token) {
    switch (tokens_.Begin(*request.client_request_token, request.fingerprint, now)) {
      case IdempotencyTokens::Seen::kNew:
        token_guard.tokens = &tokens_;
        token_guard.request = &request;
        token_guard.engine = this;
        break;
      case IdempotencyTokens::Seen::kSame: {
        // Nothing is written again; the repeat reads the items (transactionally) to answer.
        std::map<std::string, double> units;
        for (const Step& step : steps) {
          api::Result<std::optional<StoredItem>> stored = ReadItem(step.key);
          if (!stored.ok()) return stored.take_error();
          units[step.table->name()] +=
              kTransactionalFactor *
              api::ReadCapacityUnits(stored.value() ? stored.value()->size : 0, true);
        }
        api::TransactWriteItemsResponse response;
        response.consumed_capacity =
            TransactionCapacity(units, request.return_consumed_capacity, /*writes=*/false);
        return response;
      }
      case IdempotencyTokens::Seen::kMismatch:
        return api::Error{api::ErrorCode::kIdempotentParameterMismatch,
                          "DynamoDB rejected the request because you retried a request with a "
                          "different payload but with an idempotent token that was already used."};
      case IdempotencyTokens::Seen::kInProgress:
        return api::Error{api::ErrorCode::kTransactionInProgress,
                          "Transaction from previous request is still in progress"};
    }
  }

  // 2. Lock the tables, then the keys.
  std::vector<std::shared_lock<std::shared_mutex>> lifecycles;
  lifecycles.reserve(tables.size());
  for (const auto& [name, table] : tables) {
    lifecycles.emplace_back(table->lifecycle_mutex());
    if (table->deleted()) return DataPlaneTableNotFound();
  }
  std::vector<size_t> stripes;
  stripes.reserve(steps.size());
  for (const Step& step : steps) stripes.push_back(KeyStripe(step.key));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  std::vector<std::unique_lock<std::mutex>> stripe_locks;
  stripe_locks.reserve(stripes.size());
  for (size_t stripe : stripes) stripe_locks.emplace_back(key_locks_[stripe]);

  // 3. Read, check and compute every action, in request order.
  std::vector<api::CancellationReason> reasons(steps.size(),
                                               api::CancellationReason{"None", "", {}});
  bool cancelled = false;
  std::vector<ItemWrite> writes;
  writes.reserve(steps.size());
  std::map<std::string, double> units;
  // The items replaced, kept until the commit (ItemWrite::old_json points into them).
  std::vector<std::optional<StoredItem>> replaced;
  replaced.reserve(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    const api::TransactWriteAction& action = *step.action;
    const bool needs_item = action.condition || action.kind == api::TransactActionKind::kUpdate;
    api::Result<std::optional<StoredItem>> read = ReadItem(step.key);
    if (!read.ok()) return read.take_error();
    const std::optional<StoredItem>& stored = replaced.emplace_back(std::move(read).value());
    std::optional<api::Item> old_item;
    if (stored && needs_item) {
      api::Result<api::Item> decoded = DecodeStoredJson(stored->json);
      if (!decoded.ok()) return decoded.take_error();
      old_item = std::move(decoded).value();
    }
    const uint64_t old_size = stored ? stored->size : 0;

    if (action.condition &&
        !api::expr::EvaluateCondition(*action.condition, old_item ? &*old_item : nullptr)) {
      reasons[i] = {"ConditionalCheckFailed", "The conditional request failed", std::nullopt};
      if (action.return_values_on_condition_check_failure ==
          api::ReturnValuesOnConditionCheckFailure::kAllOld) {
        reasons[i].item = std::move(old_item);
      }
      cancelled = true;
      continue;
    }

    ItemWrite write;
    write.table = step.table;
    write.key = step.key;
    write.old_json = stored ? &stored->json : nullptr;
    double action_units = 0;
    switch (action.kind) {
      case api::TransactActionKind::kConditionCheck:
        action_units = api::WriteCapacityUnits(old_size);  // billed as a write
        break;
      case api::TransactActionKind::kPut:
        write.value = EncodeItemValue(step.put_size, api::EncodeItemJson(action.item));
        write.delta.item_count = stored ? 0 : 1;
        write.delta.size_bytes =
            static_cast<int64_t>(step.put_size) - static_cast<int64_t>(old_size);
        action_units = api::ReplaceCapacityUnits(old_size, step.put_size);
        writes.push_back(std::move(write));
        break;
      case api::TransactActionKind::kDelete:
        action_units = api::WriteCapacityUnits(old_size);
        if (stored) {
          write.erase = true;
          write.delta.item_count = -1;
          write.delta.size_bytes = -static_cast<int64_t>(old_size);
          writes.push_back(std::move(write));
        }
        break;
      case api::TransactActionKind::kUpdate: {
        api::Item new_item;
        if (action.update) {
          api::Result<api::Item> applied =
              api::expr::ApplyUpdate(*action.update, old_item ? &*old_item : nullptr, action.key);
          if (!applied.ok()) {
            reasons[i] = {"ValidationError", applied.error().message, std::nullopt};
            cancelled = true;
            continue;
          }
          new_item = std::move(applied).value();
        } else {
          new_item = old_item ? *old_item : api::Item(action.key.begin(), action.key.end());
        }
        api::Status fits = CheckUpdatedItem(new_item);
        if (!fits.ok()) {
          reasons[i] = {"ValidationError", fits.error().message, std::nullopt};
          cancelled = true;
          continue;
        }
        const uint64_t new_size = api::ItemSizeBytes(new_item);
        write.value = EncodeItemValue(new_size, api::EncodeItemJson(new_item));
        write.delta.item_count = stored ? 0 : 1;
        write.delta.size_bytes = static_cast<int64_t>(new_size) - static_cast<int64_t>(old_size);
        action_units = api::ReplaceCapacityUnits(old_size, new_size);
        writes.push_back(std::move(write));
        break;
      }
    }
    units[step.table->name()] += kTransactionalFactor * action_units;
  }
  if (cancelled) return Cancelled(reasons);

  // 4. Commit everything at once.
  CommitOutcome outcome;
  api::Status committed = Commit(writes, &outcome);
  if (!committed.ok()) return committed.error();
  token_guard.committed = true;
  api::TransactWriteItemsResponse response;
  response.consumed_capacity =
      TransactionCapacity(units, request.return_consumed_capacity, /*writes=*/true);
  // Index writes of a transaction cost twice too.
  for (api::ConsumedCapacity& table_capacity : response.consumed_capacity) {
    api::IndexUnits doubled;
    doubled.Add(outcome.index_units[table_capacity.table_name], kTransactionalFactor);
    api::AddIndexUnits(doubled, &table_capacity);
  }
  for (const ItemWrite& write : writes) {
    std::optional<api::ItemCollectionMetrics> metrics = CollectionMetrics(
        *write.table, request.return_item_collection_metrics, outcome.collection_bytes, write.key);
    if (metrics) response.item_collection_metrics[write.table->name()].push_back(*metrics);
  }
  return response;
}

// ---- TransactGetItems ----

api::Result<api::TransactGetItemsResponse> Engine::DoTransactGetItems(
    const api::TransactGetItemsRequest& request) {
  struct Step {
    const Table* table = nullptr;
    std::string key;
  };
  std::map<std::string, TablePtr> tables;
  std::vector<Step> steps;
  steps.reserve(request.gets.size());
  std::optional<std::pair<size_t, std::string>> first_invalid;  // as TransactWriteItems
  std::set<std::string> keys;
  for (const api::TransactGetAction& get : request.gets) {
    api::Result<Table*> found = FindTransactionTable(get.table_name, &tables);
    if (!found.ok()) return found.take_error();
    const Table& table = *found.value();
    const KeyShape& shape = table.shape();
    api::Status valid = api::ValidateKeyForTable(get.key, table.schema());
    if (!valid.ok()) {
      if (IsEmptyKeyValue(valid.error())) return valid.error();
      if (!first_invalid) first_invalid.emplace(steps.size(), valid.error().message);
      steps.push_back(Step{&table, {}});
      continue;
    }
    valid = api::expr::CheckKeyPathsScalar(get.projection.get(), shape.hash.name,
                                           shape.range ? &shape.range->name : nullptr);
    if (!valid.ok()) return valid.error();
    Step step{&table, EncodeItemKey(table.id(), shape, get.key)};
    if (!keys.insert(step.key).second) return MultipleOperationsOnOneItem();
    steps.push_back(std::move(step));
  }
  if (first_invalid) {
    std::vector<api::CancellationReason> reasons(steps.size(),
                                                 api::CancellationReason{"None", "", {}});
    reasons[first_invalid->first] = {"ValidationError", first_invalid->second, std::nullopt};
    return Cancelled(reasons);
  }

  // One snapshot for every read: released on every path out.
  struct SnapshotGuard {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~SnapshotGuard() { db->ReleaseSnapshot(snapshot); }
  } guard{db_.get(), db_->GetSnapshot()};
  rocksdb::ReadOptions read_options;
  read_options.snapshot = guard.snapshot;

  api::TransactGetItemsResponse response;
  response.responses.reserve(steps.size());
  std::map<std::string, double> units;
  for (size_t i = 0; i < steps.size(); ++i) {
    api::Result<std::optional<StoredItem>> stored = ReadItem(steps[i].key, read_options);
    if (!stored.ok()) return stored.take_error();
    const uint64_t size = stored.value() ? stored.value()->size : 0;
    units[steps[i].table->name()] += kTransactionalFactor * api::ReadCapacityUnits(size, true);
    if (!stored.value()) {
      response.responses.emplace_back();
      continue;
    }
    api::Result<api::Item> item = DecodeStoredJson(stored.value()->json);
    if (!item.ok()) return item.take_error();
    const api::TransactGetAction& get = request.gets[i];
    response.responses.emplace_back(get.projection
                                        ? api::expr::Project(*get.projection, item.value())
                                        : std::move(item).value());
  }
  response.consumed_capacity =
      TransactionCapacity(units, request.return_consumed_capacity, /*writes=*/false);
  return response;
}

}  // namespace ddbx::backend::engine
