// Tests for cache/caching_backend over a real in-memory engine: hits and misses, projections and
// zero capacity on hits, negative entries, write-through of every write (and what UpdateItem
// returns to the client), failed conditions, query generations (coherent and dax modes), TTL with
// a fake clock, the memory limit, BatchGetItem split into hits and misses, table changes, and the
// races: a fill overtaken by a write (a gate pauses the backend's answers: the test hook), and
// single flight (concurrent misses share one backend request, but never one begun before a
// write they could have seen).
#include "cache/caching_backend.h"

#include <zlib.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/codec.h"
#include "tests/unit/engine/engine_harness.h"

namespace ddbx::cache {
namespace {

using backend::Callback;
using backend::engine::testing::N;
using backend::engine::testing::S;
using backend::engine::testing::TestExecutor;

// The backend under the cache: the engine, with a gate that can hold the answers of reads (the
// test hook that pauses a fill between its backend read and its installation) and counters of
// the calls that reach the backend.
class GatedBackend final : public backend::Backend {
 public:
  explicit GatedBackend(backend::Backend* next) : next_(next) {}

  bool hold_reads = false;
  bool hold_writes = false;     // PutItem's answers
  bool hold_describes = false;  // DescribeTable's answers
  // Atomic: the threads test calls through the gate from several threads.
  std::atomic<int> get_calls{0}, batch_get_calls{0};
  api::BatchGetItemRequest last_batch_get;

  size_t held() const { return held_.size(); }
  size_t held_describes() const { return held_describes_.size(); }
  // Delivers the held DescribeTable answers; as ResourceNotFoundException if `as_error`.
  void ReleaseDescribes(bool as_error) {
    std::vector<std::pair<Callback<api::TableDescription>, api::Result<api::TableDescription>>>
        held;
    held.swap(held_describes_);
    for (auto& [done, result] : held) {
      if (as_error) {
        done(api::Error{api::ErrorCode::kResourceNotFound, "Requested resource not found"});
      } else {
        done(std::move(result));
      }
    }
  }
  // Delivers every held answer, oldest first.
  void Release() {
    std::vector<std::function<void()>> held;
    held.swap(held_);
    for (auto& deliver : held) deliver();
  }

#define DDBX_PASS(Name, Request, Response)                                                \
  void Name(Request request, api::Executor* executor, Callback<Response> done) override { \
    next_->Name(std::move(request), executor, std::move(done));                           \
  }
  DDBX_PASS(CreateTable, api::CreateTableRequest, api::TableDescription)
  DDBX_PASS(ListTables, api::ListTablesRequest, api::ListTablesResponse)
  DDBX_PASS(DeleteTable, api::DeleteTableRequest, api::TableDescription)
  DDBX_PASS(UpdateTable, api::UpdateTableRequest, api::TableDescription)
  DDBX_PASS(UpdateTimeToLive, api::UpdateTimeToLiveRequest, api::UpdateTimeToLiveResponse)
  DDBX_PASS(DescribeTimeToLive, api::DescribeTimeToLiveRequest, api::DescribeTimeToLiveResponse)
  DDBX_PASS(DeleteItem, api::DeleteItemRequest, api::DeleteItemResponse)
  DDBX_PASS(UpdateItem, api::UpdateItemRequest, api::UpdateItemResponse)
  DDBX_PASS(BatchWriteItem, api::BatchWriteItemRequest, api::BatchWriteItemResponse)
  DDBX_PASS(TransactWriteItems, api::TransactWriteItemsRequest, api::TransactWriteItemsResponse)
  DDBX_PASS(TransactGetItems, api::TransactGetItemsRequest, api::TransactGetItemsResponse)
#undef DDBX_PASS

  void DescribeTable(api::DescribeTableRequest request, api::Executor* executor,
                     Callback<api::TableDescription> done) override {
    next_->DescribeTable(std::move(request), executor,
                         [this, done = std::move(done)](api::Result<api::TableDescription> r) {
                           if (!hold_describes) {
                             done(std::move(r));
                             return;
                           }
                           held_describes_.emplace_back(done, std::move(r));
                         });
  }
  void PutItem(api::PutItemRequest request, api::Executor* executor,
               Callback<api::PutItemResponse> done) override {
    next_->PutItem(std::move(request), executor,
                   [this, done = std::move(done)](api::Result<api::PutItemResponse> r) {
                     if (!hold_writes) {
                       done(std::move(r));
                       return;
                     }
                     held_.push_back([done, r = std::move(r)]() mutable { done(std::move(r)); });
                   });
  }
  void GetItem(api::GetItemRequest request, api::Executor* executor,
               Callback<api::GetItemResponse> done) override {
    ++get_calls;
    next_->GetItem(std::move(request), executor, Gated(std::move(done)));
  }
  void Query(api::QueryRequest request, api::Executor* executor,
             Callback<api::QueryResponse> done) override {
    next_->Query(std::move(request), executor, Gated(std::move(done)));
  }
  void Scan(api::ScanRequest request, api::Executor* executor,
            Callback<api::ScanResponse> done) override {
    next_->Scan(std::move(request), executor, Gated(std::move(done)));
  }
  void BatchGetItem(api::BatchGetItemRequest request, api::Executor* executor,
                    Callback<api::BatchGetItemResponse> done) override {
    ++batch_get_calls;
    last_batch_get = request;
    next_->BatchGetItem(std::move(request), executor, Gated(std::move(done)));
  }

 private:
  template <class T>
  Callback<T> Gated(Callback<T> done) {
    return [this, done = std::move(done)](api::Result<T> r) {
      if (!hold_reads) {
        done(std::move(r));
        return;
      }
      held_.push_back([done, r = std::move(r)]() mutable { done(std::move(r)); });
    };
  }

  backend::Backend* next_;
  std::vector<std::function<void()>> held_;
  std::vector<std::pair<Callback<api::TableDescription>, api::Result<api::TableDescription>>>
      held_describes_;
};

std::optional<std::string> BodyOf(const std::optional<backend::ReadyResponse>& ready);

// An answer that arrives later.
template <class T>
using Pending = std::shared_ptr<std::optional<api::Result<T>>>;

struct Fixture {
  explicit Fixture(CacheMode mode = CacheMode::kCoherent, size_t max_bytes = size_t{64} << 20,
                   TableCacheSettings settings = {}) {
    CachingOptions options;
    options.mode = mode;
    options.max_bytes = max_bytes;
    options.defaults = settings;
    options.clock = [this] { return now; };
    cache = std::make_unique<CachingBackend>(std::move(options), &gate);
    REQUIRE(Run(&backend::Backend::CreateTable,
                backend::engine::testing::TableRequest("tab", /*with_range=*/true))
                .ok());
  }

  // Starts a call; its answer lands in the returned Pending when the executor runs it.
  template <class T, class Request>
  Pending<T> Start(void (backend::Backend::*method)(Request, api::Executor*, Callback<T>),
                   Request request) {
    auto pending = std::make_shared<std::optional<api::Result<T>>>();
    (cache.get()->*method)(std::move(request), &executor,
                           [pending](api::Result<T> r) { pending->emplace(std::move(r)); });
    REQUIRE_FALSE(pending->has_value());  // never inside the call
    return pending;
  }
  template <class T>
  api::Result<T> Wait(const Pending<T>& pending) {
    REQUIRE(executor.RunUntil([&] { return pending->has_value(); }));
    return std::move(**pending);
  }
  template <class T, class Request>
  api::Result<T> Run(void (backend::Backend::*method)(Request, api::Executor*, Callback<T>),
                     Request request) {
    return Wait(Start(method, std::move(request)));
  }
  // Runs posted tasks until `done` holds.
  void RunUntil(const std::function<bool()>& done) { REQUIRE(executor.RunUntil(done)); }

  static api::Key Key(const std::string& pk, int64_t sk) { return {{"pk", S(pk)}, {"sk", N(sk)}}; }

  static api::GetItemRequest GetRequest(const std::string& pk, int64_t sk) {
    api::GetItemRequest request;
    request.table_name = "tab";
    request.key = Key(pk, sk);
    return request;
  }
  api::Result<api::GetItemResponse> Get(const std::string& pk, int64_t sk) {
    return Run(&backend::Backend::GetItem, GetRequest(pk, sk));
  }
  std::optional<std::string> GetNow(const std::string& pk, int64_t sk) {
    return BodyOf(cache->GetItemNow(GetRequest(pk, sk)));
  }
  void Put(const std::string& pk, int64_t sk, int64_t v, const std::string& pad = "") {
    api::PutItemRequest request;
    request.table_name = "tab";
    request.item = Key(pk, sk);
    request.item["v"] = N(v);
    if (!pad.empty()) request.item["pad"] = S(pad);
    REQUIRE(Run(&backend::Backend::PutItem, std::move(request)).ok());
  }
  // A write straight to the engine, unseen by the cache (as another instance's would be).
  void PutBehind(const std::string& pk, int64_t sk, int64_t v) {
    api::PutItemRequest request;
    request.table_name = "tab";
    request.item = Key(pk, sk);
    request.item["v"] = N(v);
    auto pending = std::make_shared<std::optional<api::Result<api::PutItemResponse>>>();
    engine->PutItem(std::move(request), &executor,
                    [pending](api::Result<api::PutItemResponse> r) { pending->emplace(r); });
    REQUIRE(Wait(pending).ok());
  }
  static api::QueryRequest QueryRequest(const std::string& pk) {
    api::Result<api::QueryRequest> request =
        api::DecodeQuery(R"({"TableName":"tab","KeyConditionExpression":"pk = :p",)"
                         R"("ExpressionAttributeValues":{":p":{"S":")" +
                         pk + R"("}}})");
    REQUIRE(request.ok());
    return std::move(request).value();
  }

  double now = 1000;
  TestExecutor executor;
  std::unique_ptr<backend::engine::Engine> engine =
      backend::engine::testing::OpenEngine(backend::engine::testing::MemoryOptions());
  GatedBackend gate{engine.get()};
  std::unique_ptr<CachingBackend> cache;
};

// The body of a ready answer, if any.
std::optional<std::string> BodyOf(const std::optional<backend::ReadyResponse>& ready) {
  if (!ready) return std::nullopt;
  return ready->body;
}

int64_t ValueOf(const api::Item& item) { return std::stoll(item.at("v").n().ToString()); }

std::string ItemBody(const api::Item& item) {
  api::GetItemResponse response;
  response.item = item;
  return api::EncodeGetItemResponse(response);
}

TEST_CASE("GetItem: a miss fills, a hit answers from memory with the same bytes",
          "[cache][backend]") {
  Fixture f;
  f.PutBehind("a", 1, 7);
  CHECK_FALSE(f.GetNow("a", 1));
  auto miss = f.Get("a", 1);
  REQUIRE(miss.ok());
  CHECK(f.gate.get_calls == 1);
  std::optional<std::string> hit = f.GetNow("a", 1);
  REQUIRE(hit);
  CHECK(*hit == api::EncodeGetItemResponse(miss.value()));
  // The CRC-32 of the body comes with it, kept in the entry.
  std::optional<backend::ReadyResponse> ready = f.cache->GetItemNow(Fixture::GetRequest("a", 1));
  REQUIRE(ready);
  REQUIRE(ready->crc32);
  CHECK(*ready->crc32 ==
        crc32(0L, reinterpret_cast<const Bytef*>(hit->data()), static_cast<uInt>(hit->size())));
  // The asynchronous call answers from memory too.
  auto again = f.Get("a", 1);
  REQUIRE(again.ok());
  CHECK(f.gate.get_calls == 1);
  CHECK(api::EncodeGetItemResponse(again.value()) == *hit);
  CacheCounters counters = f.cache->GetCounters();
  CHECK(counters.item_cache_misses == 1);
  CHECK(counters.item_cache_hits == 3);

  SECTION("projections are applied on the answer") {
    api::GetItemRequest request = Fixture::GetRequest("a", 1);
    api::Result<api::ProjectionPtr> projection = [] {
      api::expr::Placeholders placeholders;
      return api::expr::ParseProjection("v", &placeholders);
    }();
    REQUIRE(projection.ok());
    request.projection = projection.value();
    std::optional<std::string> projected = BodyOf(f.cache->GetItemNow(request));
    REQUIRE(projected);
    CHECK(*projected == R"({"Item":{"v":{"N":"7"}}})");
  }
  SECTION("a hit costs zero capacity units, in DynamoDB's shape") {
    api::GetItemRequest request = Fixture::GetRequest("a", 1);
    request.return_consumed_capacity = api::ReturnConsumedCapacity::kTotal;
    std::optional<std::string> body = BodyOf(f.cache->GetItemNow(request));
    REQUIRE(body);
    CHECK(body->starts_with(
        R"({"ConsumedCapacity":{"CapacityUnits":0.0,"TableName":"tab"},"Item":)"));
    request.return_consumed_capacity = api::ReturnConsumedCapacity::kIndexes;
    body = BodyOf(f.cache->GetItemNow(request));
    REQUIRE(body);
    CHECK(body->starts_with(
        R"({"ConsumedCapacity":{"CapacityUnits":0.0,"Table":{"CapacityUnits":0.0},"TableName":"tab"},)"));
  }
  SECTION("ConsistentRead goes to the backend") {
    api::GetItemRequest request = Fixture::GetRequest("a", 1);
    request.consistent_read = true;
    CHECK_FALSE(BodyOf(f.cache->GetItemNow(request)));
    REQUIRE(f.Run(&backend::Backend::GetItem, request).ok());
    CHECK(f.gate.get_calls == 2);
  }
}

TEST_CASE("Not-found is cached with its own TTL", "[cache][backend]") {
  TableCacheSettings settings;
  settings.item_ttl_seconds = 100;
  settings.negative_ttl_seconds = 5;
  Fixture f(CacheMode::kCoherent, size_t{64} << 20, settings);
  auto missing = f.Get("none", 1);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing.value().item);
  REQUIRE(f.GetNow("none", 1));
  CHECK(*f.GetNow("none", 1) == "{}");
  f.now += 5;
  CHECK_FALSE(f.GetNow("none", 1));

  f.Put("some", 1, 1);
  f.now += 99;
  CHECK(f.GetNow("some", 1));
  f.now += 1;
  CHECK_FALSE(f.GetNow("some", 1));
}

TEST_CASE("Write-through: every write leaves the cache exact", "[cache][backend]") {
  Fixture f;
  f.Put("a", 1, 1);
  // PutItem cached the item written: no backend read.
  REQUIRE(f.GetNow("a", 1));
  CHECK(f.gate.get_calls == 0);

  SECTION("UpdateItem caches the new image and returns only what was asked") {
    auto update = [&](api::ReturnValues rv) {
      api::UpdateItemRequest request;
      request.table_name = "tab";
      request.key = Fixture::Key("a", 1);
      api::expr::Placeholders placeholders;
      api::AttributeMap values{{":one", N(1)}};
      placeholders.values = &values;
      auto parsed = api::expr::ParseUpdate("ADD v :one SET w = :one", &placeholders);
      REQUIRE(parsed.ok());
      request.update = parsed.value();
      request.return_values = rv;
      return f.Run(&backend::Backend::UpdateItem, std::move(request));
    };
    auto none = update(api::ReturnValues::kNone);
    REQUIRE(none.ok());
    CHECK_FALSE(none.value().attributes);
    CHECK(*f.GetNow("a", 1) ==
          R"({"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"2"},"w":{"N":"1"}}})");
    auto updated_new = update(api::ReturnValues::kUpdatedNew);
    REQUIRE(updated_new.ok());
    REQUIRE(updated_new.value().attributes);
    CHECK(*updated_new.value().attributes == api::Item{{"v", N(3)}, {"w", N(1)}});
    auto all_new = update(api::ReturnValues::kAllNew);
    REQUIRE(all_new.ok());
    CHECK(ValueOf(*all_new.value().attributes) == 4);
    // ALL_OLD needs the old image: the key is dropped, and read again.
    auto all_old = update(api::ReturnValues::kAllOld);
    REQUIRE(all_old.ok());
    CHECK(ValueOf(*all_old.value().attributes) == 4);
    CHECK_FALSE(f.GetNow("a", 1));
    CHECK(ValueOf(*f.Get("a", 1).value().item) == 5);
    CHECK(f.gate.get_calls == 1);
  }
  SECTION("DeleteItem leaves a negative entry") {
    api::DeleteItemRequest request;
    request.table_name = "tab";
    request.key = Fixture::Key("a", 1);
    REQUIRE(f.Run(&backend::Backend::DeleteItem, std::move(request)).ok());
    REQUIRE(f.GetNow("a", 1));
    CHECK(*f.GetNow("a", 1) == "{}");
  }
  SECTION("a failed conditional write drops the key") {
    api::PutItemRequest request;
    request.table_name = "tab";
    request.item = Fixture::Key("a", 1);
    api::expr::Placeholders placeholders;
    auto condition =
        api::expr::ParseCondition("attribute_not_exists(pk)", "ConditionExpression", &placeholders);
    REQUIRE(condition.ok());
    request.condition = condition.value();
    auto failed = f.Run(&backend::Backend::PutItem, std::move(request));
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code == api::ErrorCode::kConditionalCheckFailed);
    CHECK_FALSE(f.GetNow("a", 1));
  }
  SECTION("BatchWriteItem stores puts and leaves negatives for deletes") {
    api::BatchWriteItemRequest request;
    api::WriteRequest put;
    put.item = Fixture::Key("b", 1);
    put.item["v"] = N(9);
    api::WriteRequest del;
    del.is_put = false;
    del.key = Fixture::Key("a", 1);
    request.request_items["tab"] = {put, del};
    REQUIRE(f.Run(&backend::Backend::BatchWriteItem, std::move(request)).ok());
    CHECK(*f.GetNow("b", 1) == ItemBody(put.item));
    CHECK(*f.GetNow("a", 1) == "{}");
  }
  SECTION("TransactWriteItems stores puts, drops updates; a replayable one drops all") {
    api::TransactWriteItemsRequest request;
    api::TransactWriteAction put;
    put.kind = api::TransactActionKind::kPut;
    put.table_name = "tab";
    put.item = Fixture::Key("c", 1);
    put.item["v"] = N(3);
    request.actions.push_back(put);
    REQUIRE(f.Run(&backend::Backend::TransactWriteItems, request).ok());
    CHECK(*f.GetNow("c", 1) == ItemBody(put.item));
    request.client_request_token = "token-1";
    request.fingerprint = "x";
    REQUIRE(f.Run(&backend::Backend::TransactWriteItems, request).ok());
    CHECK_FALSE(f.GetNow("c", 1));
  }
  SECTION("DeleteTable drops the table's entries") {
    REQUIRE(f.Run(&backend::Backend::DeleteTable, api::DeleteTableRequest{"tab"}).ok());
    CHECK_FALSE(f.GetNow("a", 1));
    CHECK(f.cache->GetCounters().cached_entries == 0);
  }
}

TEST_CASE("No stale fill: a write between a miss's read and its fill wins", "[cache][backend]") {
  Fixture f;
  f.PutBehind("a", 1, 1);
  f.gate.hold_reads = true;  // the test hook: the fill's backend answer waits here
  auto reading = f.Start(&backend::Backend::GetItem, Fixture::GetRequest("a", 1));
  f.RunUntil([&] { return f.gate.held() == 1; });

  SECTION("PutItem") { f.Put("a", 1, 2); }
  SECTION("UpdateItem") {
    api::UpdateItemRequest request;
    request.table_name = "tab";
    request.key = Fixture::Key("a", 1);
    api::expr::Placeholders placeholders;
    api::AttributeMap values{{":v", N(2)}};
    placeholders.values = &values;
    request.update = api::expr::ParseUpdate("SET v = :v", &placeholders).value();
    REQUIRE(f.Run(&backend::Backend::UpdateItem, std::move(request)).ok());
  }
  // The read began before the write: its old answer goes to its client, but is not cached.
  f.gate.Release();
  auto old = f.Wait(reading);
  REQUIRE(old.ok());
  CHECK(ValueOf(*old.value().item) == 1);
  std::optional<std::string> now = f.GetNow("a", 1);
  REQUIRE(now);
  CHECK(now->find(R"("v":{"N":"2"})") != std::string::npos);
}

TEST_CASE("Single flight: concurrent misses share one backend read", "[cache][backend]") {
  Fixture f;
  f.PutBehind("a", 1, 1);
  f.gate.hold_reads = true;
  auto first = f.Start(&backend::Backend::GetItem, Fixture::GetRequest("a", 1));
  f.RunUntil([&] { return f.gate.held() == 1; });
  api::GetItemRequest with_capacity = Fixture::GetRequest("a", 1);
  with_capacity.return_consumed_capacity = api::ReturnConsumedCapacity::kTotal;
  auto second = f.Start(&backend::Backend::GetItem, with_capacity);

  SECTION("readers of one key join the flight") {
    CHECK(f.gate.get_calls == 1);
    f.gate.Release();
    auto a = f.Wait(first);
    auto b = f.Wait(second);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(ValueOf(*a.value().item) == 1);
    CHECK(ValueOf(*b.value().item) == 1);
    // The joiner cost nothing.
    REQUIRE(b.value().consumed_capacity);
    CHECK(b.value().consumed_capacity->total.capacity_units == 0);
  }
  SECTION("a reader after a write does not join a flight begun before it") {
    f.Put("a", 1, 2);  // acknowledged before the third read is sent
    auto third = f.Start(&backend::Backend::GetItem, Fixture::GetRequest("a", 1));
    // The write-through answered it from memory, or it read the backend again: never the
    // first flight's old answer.
    f.gate.Release();
    auto c = f.Wait(third);
    REQUIRE(c.ok());
    CHECK(ValueOf(*c.value().item) == 2);
    f.gate.Release();
    REQUIRE(f.Wait(first).ok());
    REQUIRE(f.Wait(second).ok());
  }
}

TEST_CASE("Query pages follow their partition's generation", "[cache][backend]") {
  const CacheMode mode = GENERATE(CacheMode::kCoherent, CacheMode::kDax);
  Fixture f(mode);
  f.Put("p", 1, 1);
  f.Put("p", 2, 2);
  f.Put("q", 1, 1);
  auto page = f.Run(&backend::Backend::Query, Fixture::QueryRequest("p"));
  REQUIRE(page.ok());
  CHECK(page.value().count == 2);
  std::optional<backend::ReadyResponse> ready = f.cache->QueryNow(Fixture::QueryRequest("p"));
  REQUIRE(ready);
  std::optional<std::string> hit = ready->body;
  CHECK(*hit == api::EncodeQueryResponse(page.value()));
  REQUIRE(ready->crc32);
  CHECK(*ready->crc32 ==
        crc32(0L, reinterpret_cast<const Bytef*>(hit->data()), static_cast<uInt>(hit->size())));
  REQUIRE(f.Run(&backend::Backend::Query, Fixture::QueryRequest("q")).ok());
  api::ScanRequest scan;
  scan.table_name = "tab";
  REQUIRE(f.Run(&backend::Backend::Scan, scan).ok());
  REQUIRE(BodyOf(f.cache->ScanNow(scan)));

  f.Put("p", 3, 3);  // a write to partition p
  if (mode == CacheMode::kCoherent) {
    CHECK_FALSE(BodyOf(f.cache->QueryNow(Fixture::QueryRequest("p"))));
    CHECK(
        BodyOf(f.cache->QueryNow(Fixture::QueryRequest("q"))));  // another partition is unaffected
    CHECK_FALSE(BodyOf(f.cache->ScanNow(scan)));  // a Scan depends on the whole table
    auto fresh = f.Run(&backend::Backend::Query, Fixture::QueryRequest("p"));
    REQUIRE(fresh.ok());
    CHECK(fresh.value().count == 3);
    CHECK(BodyOf(f.cache->QueryNow(Fixture::QueryRequest("p"))));
  } else {
    // DAX's behaviour: the page lives until its TTL, stale.
    REQUIRE(BodyOf(f.cache->QueryNow(Fixture::QueryRequest("p"))));
    CHECK(*BodyOf(f.cache->QueryNow(Fixture::QueryRequest("p"))) == *hit);
    CHECK(BodyOf(f.cache->ScanNow(scan)));
  }
  CacheCounters counters = f.cache->GetCounters();
  CHECK(counters.query_cache_hits >= 2);
  CHECK(counters.scan_cache_hits >= 1);
}

TEST_CASE("A query read overtaken by a write is never served", "[cache][backend]") {
  Fixture f;
  f.Put("p", 1, 1);
  f.gate.hold_reads = true;
  auto reading = f.Start(&backend::Backend::Query, Fixture::QueryRequest("p"));
  f.RunUntil([&] { return f.gate.held() == 1; });
  f.Put("p", 2, 2);
  f.gate.Release();
  REQUIRE(f.Wait(reading).ok());
  CHECK_FALSE(BodyOf(f.cache->QueryNow(Fixture::QueryRequest("p"))));
  f.gate.hold_reads = false;
  auto fresh = f.Run(&backend::Backend::Query, Fixture::QueryRequest("p"));
  REQUIRE(fresh.ok());
  CHECK(fresh.value().count == 2);
}

TEST_CASE("BatchGetItem: hits from memory, only misses go to the backend", "[cache][backend]") {
  Fixture f;
  f.Put("a", 1, 1);
  f.PutBehind("b", 1, 2);
  api::BatchGetItemRequest request;
  request.request_items["tab"].keys = {Fixture::Key("a", 1), Fixture::Key("b", 1),
                                       Fixture::Key("c", 1)};
  CHECK_FALSE(BodyOf(f.cache->BatchGetItemNow(request)));
  auto merged = f.Run(&backend::Backend::BatchGetItem, request);
  REQUIRE(merged.ok());
  REQUIRE(f.gate.batch_get_calls == 1);
  CHECK(f.gate.last_batch_get.request_items["tab"].keys.size() == 2);  // b and c
  REQUIRE(merged.value().responses["tab"].size() == 2);
  CHECK(ValueOf(merged.value().responses["tab"][0]) == 1);  // request order
  CHECK(ValueOf(merged.value().responses["tab"][1]) == 2);
  // Everything is cached now, "c" as not found.
  std::optional<std::string> all = BodyOf(f.cache->BatchGetItemNow(request));
  REQUIRE(all);
  CHECK(*all == api::EncodeBatchGetItemResponse(merged.value()));
  CHECK(f.cache->GetCounters().item_cache_hits == 1 + 3);
}

TEST_CASE("An item deleted behind the cache is dropped, and its pages go stale",
          "[cache][backend]") {
  Fixture f;
  f.Put("p", 1, 1);
  f.Put("p", 2, 2);
  REQUIRE(f.Run(&backend::Backend::Query, Fixture::QueryRequest("p")).ok());
  REQUIRE(f.GetNow("p", 1));
  REQUIRE(f.cache->QueryNow(Fixture::QueryRequest("p")));
  f.cache->ItemDeletedBehind("tab", Fixture::Key("p", 1));
  CHECK_FALSE(f.GetNow("p", 1));
  CHECK_FALSE(f.cache->QueryNow(Fixture::QueryRequest("p")));
  CHECK(f.GetNow("p", 2));  // another item stays
  // A table whose schema the cache has not learnt: everything of it goes.
  f.cache->ItemDeletedBehind("other-table", Fixture::Key("x", 1));
  CHECK(f.GetNow("p", 2));
}

TEST_CASE("The memory limit holds whatever is written", "[cache][backend]") {
  const size_t limit = size_t{1} << 20;
  Fixture f(CacheMode::kCoherent, limit);
  const std::string pad(1000, 'x');
  for (int i = 0; i < 3000; ++i) f.Put("k" + std::to_string(i), 1, i, pad);
  CacheCounters counters = f.cache->GetCounters();
  CHECK(counters.cached_bytes <= limit);
  CHECK(counters.cached_bytes > limit / 2);
  CHECK(counters.evicted_bytes > 0);
  // What is still cached answers right.
  std::optional<std::string> last = f.GetNow("k2999", 1);
  REQUIRE(last);
  CHECK(last->find(R"("v":{"N":"2999"})") != std::string::npos);
}

TEST_CASE("A table that is not cached passes through", "[cache][backend]") {
  TableCacheSettings off;
  off.enabled = false;
  Fixture f(CacheMode::kCoherent, size_t{64} << 20, off);
  f.Put("a", 1, 1);
  CHECK_FALSE(f.GetNow("a", 1));
  REQUIRE(f.Get("a", 1).ok());
  REQUIRE(f.Get("a", 1).ok());
  CHECK(f.gate.get_calls == 2);
  CHECK(f.cache->GetCounters().cached_entries == 0);
}

TEST_CASE("A write begun before a table change still invalidates pages read after it",
          "[cache][backend]") {
  Fixture f;
  f.Put("p", 1, 1);
  api::ScanRequest scan;
  scan.table_name = "tab";
  f.gate.hold_writes = true;  // the write has committed; its answer waits
  api::PutItemRequest put;
  put.table_name = "tab";
  put.item = Fixture::Key("p", 2);
  put.item["v"] = N(2);
  auto writing = f.Start(&backend::Backend::PutItem, put);
  f.RunUntil([&] { return f.gate.held() == 1; });
  // The table changes (the cache forgets it), then a Scan reads and caches a page that already
  // holds the committed write... or not: what matters is that the write's completion makes it
  // stale.
  api::UpdateTableRequest update;
  update.table_name = "tab";
  update.provisioned_throughput = api::ProvisionedThroughput{6, 8};
  REQUIRE(f.Run(&backend::Backend::UpdateTable, update).ok());
  REQUIRE(f.Run(&backend::Backend::Scan, scan).ok());
  REQUIRE(BodyOf(f.cache->ScanNow(scan)));
  f.gate.Release();
  REQUIRE(f.Wait(writing).ok());
  CHECK_FALSE(BodyOf(f.cache->ScanNow(scan)));
}

TEST_CASE("A write whose table schema could not be learnt drops the table's entries",
          "[cache][backend]") {
  Fixture f;  // the fixture created the table through the cache: its schema is not known yet
  f.PutBehind("a", 1, 1);
  f.gate.hold_describes = true;
  api::PutItemRequest put;
  put.table_name = "tab";
  put.item = Fixture::Key("a", 1);
  put.item["v"] = N(2);
  auto writing = f.Start(&backend::Backend::PutItem, put);
  f.RunUntil([&] { return f.gate.held_describes() == 1; });
  // Meanwhile a reader learns the schema and caches the old item.
  f.gate.hold_describes = false;
  auto old = f.Get("a", 1);
  REQUIRE(old.ok());
  REQUIRE(f.GetNow("a", 1));

  SECTION("the writer's DescribeTable fails: the write passes through and drops the table") {
    f.gate.ReleaseDescribes(/*as_error=*/true);
  }
  SECTION("the table changed meanwhile: the writer asks again and follows the write") {
    api::UpdateTableRequest update;
    update.table_name = "tab";
    update.provisioned_throughput = api::ProvisionedThroughput{6, 8};
    REQUIRE(f.Run(&backend::Backend::UpdateTable, update).ok());
    REQUIRE(f.Get("a", 1).ok());  // learnt again, cached again
    f.gate.ReleaseDescribes(/*as_error=*/false);
  }
  REQUIRE(f.Wait(writing).ok());
  auto now = f.Get("a", 1);
  REQUIRE(now.ok());
  CHECK(ValueOf(*now.value().item) == 2);
}

TEST_CASE("Concurrent readers and writers keep the cache coherent", "[cache][backend][threads]") {
  // Several threads, each its own executor (like workers): writers increment items, readers
  // check every answer is at least the value acknowledged before the read was sent.
  Fixture f;
  constexpr int kKeys = 4;
  for (int k = 0; k < kKeys; ++k) f.Put("h", k, 0);
  std::array<std::atomic<int64_t>, kKeys> acknowledged{};
  std::atomic<int> violations{0};
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  auto writer = [&](int id) {
    TestExecutor executor;
    for (int i = 0; i < 300; ++i) {
      const int k = (i + id) % kKeys;
      api::UpdateItemRequest request;
      request.table_name = "tab";
      request.key = Fixture::Key("h", k);
      api::expr::Placeholders placeholders;
      api::AttributeMap values{{":one", N(1)}};
      placeholders.values = &values;
      request.update = api::expr::ParseUpdate("ADD v :one", &placeholders).value();
      request.return_values = api::ReturnValues::kUpdatedNew;
      std::optional<api::Result<api::UpdateItemResponse>> result;
      f.cache->UpdateItem(std::move(request), &executor,
                          [&](api::Result<api::UpdateItemResponse> r) { result.emplace(r); });
      // Catch2's assertions are not thread-safe: failures are counted and checked at the end.
      if (!executor.RunUntil([&] { return result.has_value(); }) || !result->ok()) {
        failures.fetch_add(1);
        return;
      }
      const int64_t v = ValueOf(*result->value().attributes);
      int64_t seen = acknowledged[k].load();
      while (seen < v && !acknowledged[k].compare_exchange_weak(seen, v)) {
      }
    }
  };
  auto reader = [&]() {
    TestExecutor executor;
    int i = 0;
    while (!stop.load()) {
      const int k = i++ % kKeys;
      const int64_t floor = acknowledged[k].load();
      int64_t v = -1;
      if (std::optional<std::string> hit = f.GetNow("h", k)) {
        auto response = api::DecodeItemJson(hit->substr(8, hit->size() - 9));
        if (!response.ok()) {
          failures.fetch_add(1);
          return;
        }
        v = ValueOf(response.value());
      } else {
        std::optional<api::Result<api::GetItemResponse>> result;
        f.cache->GetItem(Fixture::GetRequest("h", k), &executor,
                         [&](api::Result<api::GetItemResponse> r) { result.emplace(r); });
        if (!executor.RunUntil([&] { return result.has_value(); }) || !result->ok() ||
            !result->value().item) {
          failures.fetch_add(1);
          return;
        }
        v = ValueOf(*result->value().item);
      }
      if (v < floor) violations.fetch_add(1);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(reader);
  std::vector<std::thread> writers;
  for (int i = 0; i < 3; ++i) writers.emplace_back(writer, i);
  for (auto& t : writers) t.join();
  stop = true;
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(violations.load() == 0);
  CHECK(f.cache->GetCounters().item_cache_hits > 0);
}

}  // namespace
}  // namespace ddbx::cache
