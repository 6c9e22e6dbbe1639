// Tests for secondary indexes in the engine: entries kept by writes (sparse, moved, removed,
// type errors writing nothing), per-index counters, per-index write units under INDEXES, item
// collection metrics and the item collection limit (lowered for the test), and concurrent writers
// leaving every index equal to its table (also run under TSan).
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/codec.h"
#include "tests/unit/engine/engine_harness.h"

namespace ddbx::backend::engine {
namespace {

using api::ErrorCode;
using api::Item;
using testing::CheckError;
using testing::Harness;
using testing::ItemsOf;
using testing::MemoryOptions;
using testing::N;
using testing::S;
using testing::TestExecutor;

// Table "idx": pk S, sk S; LSI "by_n" (pk, n N, KEYS_ONLY); GSI "by_g" (g S, INCLUDE x).
api::CreateTableRequest IndexedTable() {
  auto decoded = api::DecodeCreateTable(R"({"TableName":"idx","BillingMode":"PAY_PER_REQUEST",
    "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
      {"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"n","AttributeType":"N"},
      {"AttributeName":"g","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
    "LocalSecondaryIndexes":[{"IndexName":"by_n","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},
      {"AttributeName":"n","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}],
    "GlobalSecondaryIndexes":[{"IndexName":"by_g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],
      "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["x"]}}]})");
  if (!decoded.ok()) FAIL(decoded.error().message);
  return decoded.value();
}

std::vector<Item> ScanIndex(Harness& h, const std::string& index) {
  api::ScanRequest scan;
  scan.table_name = "idx";
  scan.index_name = index;
  std::vector<Item> items;
  for (;;) {
    auto page = h.Run(&Engine::Scan, scan);
    REQUIRE(page.ok());
    for (Item& item : ItemsOf(page.value())) items.push_back(std::move(item));
    if (!page.value().last_evaluated_key) return items;
    scan.exclusive_start_key = page.value().last_evaluated_key;
  }
}

std::pair<int64_t, int64_t> IndexCounts(Harness& h, const std::string& name) {
  auto d = h.Describe("idx");
  REQUIRE(d.ok());
  for (const auto* list :
       {&d.value().local_secondary_indexes, &d.value().global_secondary_indexes}) {
    for (const api::SecondaryIndex& index : *list) {
      if (index.index_name == name) return {index.item_count, index.index_size_bytes};
    }
  }
  FAIL("no index " << name);
  return {};
}

api::PutItemRequest Put(Item item) {
  api::PutItemRequest request;
  request.table_name = "idx";
  request.item = std::move(item);
  request.return_consumed_capacity = api::ReturnConsumedCapacity::kIndexes;
  request.return_item_collection_metrics = api::ReturnItemCollectionMetrics::kSize;
  return request;
}

TEST_CASE("Writes keep every index's entries and counters", "[index]") {
  Harness h;
  REQUIRE(h.Create(IndexedTable()).ok());
  auto put = h.Run(&Engine::PutItem, Put({{"pk", S("a")},
                                          {"sk", S("1")},
                                          {"n", N(5)},
                                          {"g", S("G")},
                                          {"x", S("xv")},
                                          {"y", S("yv")}}));
  REQUIRE(put.ok());
  const api::ConsumedCapacity& capacity = *put.value().consumed_capacity;
  CHECK(capacity.total.capacity_units == 3);  // the table and one unit per index
  CHECK(capacity.local_secondary_indexes.at("by_n").capacity_units == 1);
  CHECK(capacity.global_secondary_indexes.at("by_g").capacity_units == 1);
  REQUIRE(put.value().item_collection_metrics);
  CHECK(put.value().item_collection_metrics->size_estimate_range_gb == std::vector<double>{0, 1});
  CHECK(put.value().item_collection_metrics->item_collection_key == api::Key{{"pk", S("a")}});

  // Sparse: no g, so no by_g entry.
  REQUIRE(h.Put("idx", {{"pk", S("a")}, {"sk", S("2")}, {"n", N(6)}}).ok());
  CHECK(ScanIndex(h, "by_n") == std::vector<Item>{{{"n", N(5)}, {"pk", S("a")}, {"sk", S("1")}},
                                                  {{"n", N(6)}, {"pk", S("a")}, {"sk", S("2")}}});
  CHECK(ScanIndex(h, "by_g") ==
        std::vector<Item>{{{"g", S("G")}, {"pk", S("a")}, {"sk", S("1")}, {"x", S("xv")}}});
  CHECK(IndexCounts(h, "by_g").first == 1);

  // Moving an index key: the old entry goes.
  REQUIRE(h.Put("idx", {{"pk", S("a")}, {"sk", S("1")}, {"n", N(5)}, {"g", S("H")}}).ok());
  CHECK(ScanIndex(h, "by_g") == std::vector<Item>{{{"g", S("H")}, {"pk", S("a")}, {"sk", S("1")}}});
  // A wrong type writes nothing.
  CheckError(h.Put("idx", {{"pk", S("a")}, {"sk", S("1")}, {"g", N(1)}}), ErrorCode::kValidation,
             "One or more parameter values were invalid: Type mismatch for Index Key g Expected: "
             "S Actual: N IndexName: by_g");
  CHECK(ScanIndex(h, "by_g").size() == 1);
  // Deleting removes every entry.
  REQUIRE(h.Del("idx", {{"pk", S("a")}, {"sk", S("1")}}).ok());
  REQUIRE(h.Del("idx", {{"pk", S("a")}, {"sk", S("2")}}).ok());
  CHECK(ScanIndex(h, "by_n").empty());
  CHECK(ScanIndex(h, "by_g").empty());
  CHECK(IndexCounts(h, "by_n") == std::pair<int64_t, int64_t>{0, 0});
  CHECK(IndexCounts(h, "by_g") == std::pair<int64_t, int64_t>{0, 0});
}

TEST_CASE("An item collection may not outgrow its limit", "[index]") {
  EngineOptions options = MemoryOptions();
  options.max_item_collection_bytes = 300;
  Harness h(options);
  REQUIRE(h.Create(IndexedTable()).ok());
  const std::string filler(100, 'f');
  REQUIRE(h.Put("idx", {{"pk", S("a")}, {"sk", S("1")}, {"n", N(1)}, {"f", S(filler)}}).ok());
  REQUIRE(h.Put("idx", {{"pk", S("a")}, {"sk", S("2")}, {"n", N(2)}, {"f", S(filler)}}).ok());
  CheckError(h.Put("idx", {{"pk", S("a")}, {"sk", S("3")}, {"n", N(3)}, {"f", S(filler)}}),
             ErrorCode::kItemCollectionSizeLimitExceeded, "Collection size exceeded.");
  CHECK_FALSE(h.Get("idx", {{"pk", S("a")}, {"sk", S("3")}}).value().item);
  // Another partition is another collection; shrinking is always allowed.
  REQUIRE(h.Put("idx", {{"pk", S("b")}, {"sk", S("3")}, {"f", S(filler)}}).ok());
  REQUIRE(h.Put("idx", {{"pk", S("a")}, {"sk", S("2")}}).ok());
  REQUIRE(h.Put("idx", {{"pk", S("a")}, {"sk", S("3")}, {"n", N(3)}, {"f", S(filler)}}).ok());
}

// Threads rewrite a few items with random index keys at once: afterwards each index holds
// exactly one entry per item that has its keys, with the item's current values.
TEST_CASE("Concurrent writers leave every index equal to its table", "[index][concurrency]") {
  Harness h;
  REQUIRE(h.Create(IndexedTable()).ok());
  std::atomic<bool> failed{false};
  auto writer = [&](int seed) {
    TestExecutor executor;
    for (int i = 0; i < 200; ++i) {
      const int k = (seed * 7 + i) % 5;
      api::PutItemRequest request;
      request.table_name = "idx";
      request.item = {{"pk", S("p")}, {"sk", S(std::to_string(k))}, {"n", N(i % 3)}};
      if ((i + seed) % 4 != 0) request.item.emplace("g", S("g" + std::to_string((i * seed) % 3)));
      std::optional<api::Result<api::PutItemResponse>> result;
      h.engine->PutItem(std::move(request), &executor,
                        [&](auto r) { result.emplace(std::move(r)); });
      if (!executor.RunUntil([&] { return result.has_value(); }) || !result->ok()) failed = true;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t <= 4; ++t) threads.emplace_back(writer, t);
  for (std::thread& t : threads) t.join();
  REQUIRE_FALSE(failed);

  api::ScanRequest scan;
  scan.table_name = "idx";
  auto table = h.Run(&Engine::Scan, scan);
  REQUIRE(table.ok());
  std::vector<Item> expected_n, expected_g;
  for (const Item& item : ItemsOf(table.value())) {
    expected_n.push_back({{"pk", item.at("pk")}, {"sk", item.at("sk")}, {"n", item.at("n")}});
    if (item.contains("g")) {
      expected_g.push_back({{"pk", item.at("pk")}, {"sk", item.at("sk")}, {"g", item.at("g")}});
    }
  }
  auto sorted = [](std::vector<Item> items) {
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.at("sk").s() < b.at("sk").s(); });
    return items;
  };
  CHECK(sorted(ScanIndex(h, "by_n")) == sorted(expected_n));
  CHECK(sorted(ScanIndex(h, "by_g")) == sorted(expected_g));
  CHECK(IndexCounts(h, "by_n").first == static_cast<int64_t>(expected_n.size()));
  CHECK(IndexCounts(h, "by_g").first == static_cast<int64_t>(expected_g.size()));
}

}  // namespace
}  // namespace ddbx::backend::engine

namespace ddbx::backend::engine {
namespace {

// A GSI added to a table with items is filled while writers keep changing the items (new
// items, moved index keys, deletions): once ACTIVE, it holds exactly the table's items.
TEST_CASE("A GSI added by UpdateTable backfills while the table stays writable",
          "[index][concurrency]") {
  Harness h;
  auto create = api::DecodeCreateTable(R"({"TableName":"grow","BillingMode":"PAY_PER_REQUEST",
    "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]})");
  REQUIRE(create.ok());
  REQUIRE(h.Create(create.value()).ok());
  for (int i = 0; i < 3000; ++i) {
    REQUIRE(
        h.Put("grow", {{"pk", S("k" + std::to_string(i))}, {"g", S("g" + std::to_string(i % 7))}})
            .ok());
  }
  auto update = api::DecodeUpdateTable(R"({"TableName":"grow",
    "AttributeDefinitions":[{"AttributeName":"g","AttributeType":"S"}],
    "GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"by_g",
      "KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]})");
  REQUIRE(update.ok());

  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  auto writer = [&](int seed) {
    TestExecutor executor;
    for (int i = 0; !stop; ++i) {
      const std::string key = "k" + std::to_string((seed * 997 + i * 13) % 3500);
      std::optional<bool> result;  // whether the write succeeded
      if (i % 5 == 0) {
        api::DeleteItemRequest request;
        request.table_name = "grow";
        request.key = {{"pk", S(key)}};
        h.engine->DeleteItem(std::move(request), &executor,
                             [&](auto r) { result.emplace(r.ok()); });
      } else {
        api::PutItemRequest request;
        request.table_name = "grow";
        request.item = {{"pk", S(key)}};
        if (i % 3 != 0) request.item.emplace("g", S("g" + std::to_string((i + seed) % 7)));
        h.engine->PutItem(std::move(request), &executor, [&](auto r) { result.emplace(r.ok()); });
      }
      if (!executor.RunUntil([&] { return result.has_value(); }) || !*result) failed = true;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t <= 3; ++t) threads.emplace_back(writer, t);
  auto started = h.Run(&Engine::UpdateTable, update.value());
  REQUIRE(started.ok());
  CHECK(started.value().table_status == api::TableStatus::kUpdating);
  REQUIRE(started.value().global_secondary_indexes.size() == 1);
  CHECK(started.value().global_secondary_indexes[0].backfilling);
  bool active = false;
  for (int i = 0; i < 600 && !active; ++i) {
    auto d = h.Describe("grow");
    REQUIRE(d.ok());
    active = d.value().table_status == api::TableStatus::kActive;
    if (!active) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  REQUIRE(active);
  REQUIRE_FALSE(failed);

  api::ScanRequest scan_table;
  scan_table.table_name = "grow";
  api::ScanRequest scan_index = scan_table;
  scan_index.index_name = "by_g";
  auto all = [&h](api::ScanRequest request) {
    std::vector<Item> items;
    for (;;) {
      auto page = h.Run(&Engine::Scan, request);
      REQUIRE(page.ok());
      for (Item& item : ItemsOf(page.value())) items.push_back(std::move(item));
      if (!page.value().last_evaluated_key) break;
      request.exclusive_start_key = page.value().last_evaluated_key;
    }
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.at("pk").s() < b.at("pk").s(); });
    return items;
  };
  std::vector<Item> expected;
  for (Item& item : all(scan_table)) {
    if (item.contains("g")) expected.push_back(std::move(item));
  }
  CHECK(all(scan_index) == expected);
  auto d = h.Describe("grow");
  REQUIRE(d.ok());
  CHECK(d.value().global_secondary_indexes.at(0).item_count ==
        static_cast<int64_t>(expected.size()));
  CHECK_FALSE(d.value().global_secondary_indexes.at(0).backfilling);
}

}  // namespace
}  // namespace ddbx::backend::engine
