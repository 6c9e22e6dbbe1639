// Tests for the engine's data plane beyond the basics in engine_test.cc: conditional writes
// (with the failed item returned), UpdateItem and its ReturnValues, GetItem projections, Query
// (sort-key conditions, reverse order, begins_with, Limit and 1 MB pagination, filters, Select,
// ExclusiveStartKey round trips and their errors), Scan (full, paged, parallel with several
// TotalSegments, each item exactly once), BatchGetItem (16 MB, UnprocessedKeys), BatchWriteItem,
// ConsumedCapacity for known item sizes, and UpdateTable's transitions.
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/capacity.h"
#include "api/codec.h"
#include "api/expression.h"
#include "api/validation.h"
#include "tests/unit/engine/engine_harness.h"

namespace ddbx::backend::engine {
namespace {

using api::AttributeMap;
using api::AttributeValue;
using api::ErrorCode;
using api::Item;
using api::Key;
using testing::CheckError;
using testing::Harness;
using testing::ItemsOf;
using testing::MemoryOptions;
using testing::N;
using testing::S;
using testing::TableRequest;
using testing::TempDir;
using testing::TestExecutor;
using Names = std::map<std::string, std::string>;

// ---- Expressions, parsed as the request decoder would ----

api::expr::Placeholders MakePlaceholders(const Names* names, const AttributeMap* values) {
  api::expr::Placeholders placeholders;
  placeholders.names = names;
  placeholders.values = values;
  return placeholders;
}

api::ConditionPtr Condition(std::string_view text, const AttributeMap& values = {},
                            const Names& names = {},
                            std::string_view parameter = "ConditionExpression") {
  auto placeholders = MakePlaceholders(&names, &values);
  auto parsed = api::expr::ParseCondition(text, parameter, &placeholders);
  if (!parsed.ok()) FAIL(parsed.error().message);
  return parsed.value();
}

api::ConditionPtr Filter(std::string_view text, const AttributeMap& values = {},
                         const Names& names = {}) {
  return Condition(text, values, names, "FilterExpression");
}

api::UpdatePtr Update(std::string_view text, const AttributeMap& values = {},
                      const Names& names = {}) {
  auto placeholders = MakePlaceholders(&names, &values);
  auto parsed = api::expr::ParseUpdate(text, &placeholders);
  if (!parsed.ok()) FAIL(parsed.error().message);
  return parsed.value();
}

api::ProjectionPtr Projection(std::string_view text, const Names& names = {}) {
  AttributeMap no_values;
  auto placeholders = MakePlaceholders(&names, &no_values);
  auto parsed = api::expr::ParseProjection(text, &placeholders);
  if (!parsed.ok()) FAIL(parsed.error().message);
  return parsed.value();
}

api::KeyConditionPtr KeyCondition(std::string_view text, const AttributeMap& values = {},
                                  const Names& names = {}) {
  auto placeholders = MakePlaceholders(&names, &values);
  auto parsed = api::expr::ParseKeyCondition(text, &placeholders);
  if (!parsed.ok()) FAIL(parsed.error().message);
  return parsed.value();
}

// ---- Items ----

Item Row(const std::string& pk, int64_t sk, std::string payload = "") {
  Item item{{"pk", S(pk)}, {"sk", N(sk)}};
  if (!payload.empty()) item.emplace("payload", S(std::move(payload)));
  return item;
}

Key RowKey(const std::string& pk, int64_t sk) { return Key{{"pk", S(pk)}, {"sk", N(sk)}}; }

// The items' sort keys, in order.
std::vector<std::string> SortKeys(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const Item& item : items) out.push_back(item.at("sk").n().ToString());
  return out;
}

std::vector<std::string> Range(int64_t from, int64_t to, int64_t step = 1) {
  std::vector<std::string> out;
  for (int64_t i = from; step > 0 ? i <= to : i >= to; i += step) out.push_back(std::to_string(i));
  return out;
}

std::pair<int64_t, int64_t> Counters(Harness& h, const std::string& table) {
  auto d = h.Describe(table);
  REQUIRE(d.ok());
  return {d.value().item_count, d.value().table_size_bytes};
}

// Every item of a table's counter total, by scanning.
int64_t ScanSize(Harness& h, const std::string& table) {
  api::ScanRequest scan;
  scan.table_name = table;
  int64_t size = 0;
  for (;;) {
    auto page = h.Run(&Engine::Scan, scan);
    REQUIRE(page.ok());
    for (const Item& item : ItemsOf(page.value())) size += api::ItemSizeBytes(item);
    if (!page.value().last_evaluated_key) return size;
    scan.exclusive_start_key = page.value().last_evaluated_key;
  }
}

api::PutItemRequest PutRequest(const std::string& table, Item item) {
  api::PutItemRequest request;
  request.table_name = table;
  request.item = std::move(item);
  return request;
}

api::UpdateItemRequest UpdateRequest(const std::string& table, Key key, api::UpdatePtr update) {
  api::UpdateItemRequest request;
  request.table_name = table;
  request.key = std::move(key);
  request.update = std::move(update);
  return request;
}

api::QueryRequest QueryRequest(const std::string& table, const std::string& pk) {
  api::QueryRequest request;
  request.table_name = table;
  request.key_condition = KeyCondition("pk = :pk", {{":pk", S(pk)}});
  return request;
}

// All pages of a Query or Scan, following LastEvaluatedKey; also returns the page count.
template <class Method>
std::vector<Item> AllPages(Harness& h, Method method, api::ReadManyRequest request,
                           int* pages = nullptr, int64_t* scanned = nullptr) {
  std::vector<Item> items;
  int count = 0;
  for (;;) {
    auto page = h.Run(method, request);
    REQUIRE(page.ok());
    ++count;
    REQUIRE(count < 10000);
    if (scanned) *scanned += page.value().scanned_count;
    const std::vector<Item> page_items = ItemsOf(page.value());
    CHECK(page.value().count == static_cast<int64_t>(page_items.size()));
    items.insert(items.end(), page_items.begin(), page_items.end());
    if (!page.value().last_evaluated_key) break;
    request.exclusive_start_key = page.value().last_evaluated_key;
  }
  if (pages) *pages = count;
  return items;
}

// ---- Conditional writes ----

TEST_CASE("PutItem conditions are checked against the current item", "[engine][condition]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T")).ok());
  api::PutItemRequest first = PutRequest("T", Item{{"pk", S("a")}, {"v", N(1)}});
  first.condition = Condition("attribute_not_exists(pk)");
  REQUIRE(h.Run(&Engine::PutItem, first).ok());

  // The same condition now fails; nothing changes.
  api::PutItemRequest again = PutRequest("T", Item{{"pk", S("a")}, {"v", N(2)}});
  again.condition = Condition("attribute_not_exists(pk)");
  auto failed = h.Run(&Engine::PutItem, again);
  CheckError(failed, ErrorCode::kConditionalCheckFailed, "The conditional request failed");
  CHECK(failed.error().item_json.empty());  // ReturnValuesOnConditionCheckFailure NONE
  auto got = h.Get("T", Key{{"pk", S("a")}});
  REQUIRE(got.ok());
  CHECK(got.value().item->at("v") == N(1));

  // ALL_OLD on failure: the error carries the current item as DynamoDB JSON.
  again.return_values_on_condition_check_failure =
      api::ReturnValuesOnConditionCheckFailure::kAllOld;
  failed = h.Run(&Engine::PutItem, again);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == ErrorCode::kConditionalCheckFailed);
  CHECK(failed.error().item_json == api::EncodeItemJson(Item{{"pk", S("a")}, {"v", N(1)}}));

  // A comparison with the old value.
  api::PutItemRequest guarded = PutRequest("T", Item{{"pk", S("a")}, {"v", N(3)}});
  guarded.condition = Condition("v = :one", {{":one", N(1)}});
  guarded.return_values = api::ReturnValues::kAllOld;
  auto replaced = h.Run(&Engine::PutItem, guarded);
  REQUIRE(replaced.ok());
  REQUIRE(replaced.value().attributes);
  CHECK(replaced.value().attributes->at("v") == N(1));

  // A condition that needs an item fails on a missing one, with no Item even under ALL_OLD.
  api::PutItemRequest absent = PutRequest("T", Item{{"pk", S("b")}});
  absent.condition = Condition("attribute_exists(pk)");
  absent.return_values_on_condition_check_failure =
      api::ReturnValuesOnConditionCheckFailure::kAllOld;
  failed = h.Run(&Engine::PutItem, absent);
  CheckError(failed, ErrorCode::kConditionalCheckFailed, "The conditional request failed");
  CHECK(failed.error().item_json.empty());
  CHECK(Counters(h, "T").first == 1);
}

TEST_CASE("DeleteItem conditions", "[engine][condition]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T")).ok());
  Item item{{"pk", S("a")}, {"state", S("open")}};
  REQUIRE(h.Put("T", item).ok());

  api::DeleteItemRequest request;
  request.table_name = "T";
  request.key = Key{{"pk", S("a")}};
  request.condition = Condition("#s = :closed", {{":closed", S("closed")}}, {{"#s", "state"}});
  request.return_values_on_condition_check_failure =
      api::ReturnValuesOnConditionCheckFailure::kAllOld;
  auto failed = h.Run(&Engine::DeleteItem, request);
  CheckError(failed, ErrorCode::kConditionalCheckFailed, "The conditional request failed");
  CHECK(failed.error().item_json == api::EncodeItemJson(item));
  CHECK(h.Get("T", Key{{"pk", S("a")}}).value().item);

  request.condition = Condition("#s = :open", {{":open", S("open")}}, {{"#s", "state"}});
  request.return_values = api::ReturnValues::kAllOld;
  auto deleted = h.Run(&Engine::DeleteItem, request);
  REQUIRE(deleted.ok());
  CHECK(deleted.value().attributes == item);
  CHECK_FALSE(h.Get("T", Key{{"pk", S("a")}}).value().item);
  CHECK(Counters(h, "T") == std::pair<int64_t, int64_t>(0, 0));

  // Nothing left: attribute_exists fails, attribute_not_exists passes without writing.
  request.condition = Condition("attribute_exists(pk)");
  CheckError(h.Run(&Engine::DeleteItem, request), ErrorCode::kConditionalCheckFailed,
             "The conditional request failed");
  request.condition = Condition("attribute_not_exists(pk)");
  auto nothing = h.Run(&Engine::DeleteItem, request);
  REQUIRE(nothing.ok());
  CHECK_FALSE(nothing.value().attributes);
}

// ---- UpdateItem ----

TEST_CASE("UpdateItem creates the item when absent and keeps the counters exact",
          "[engine][update]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T", /*with_range=*/true)).ok());
  auto request = UpdateRequest(
      "T", RowKey("a", 1),
      Update("SET #n = :n, tags = :t", {{":n", S("Ada")}, {":t", AttributeValue::SS({"x"})}},
             {{"#n", "name"}}));
  request.return_values = api::ReturnValues::kAllNew;
  auto created = h.Run(&Engine::UpdateItem, request);
  REQUIRE(created.ok());
  Item expected{
      {"pk", S("a")}, {"sk", N(1)}, {"name", S("Ada")}, {"tags", AttributeValue::SS({"x"})}};
  CHECK(created.value().attributes == expected);
  CHECK(h.Get("T", RowKey("a", 1)).value().item == expected);
  CHECK(Counters(h, "T") ==
        std::pair<int64_t, int64_t>(1, static_cast<int64_t>(api::ItemSizeBytes(expected))));

  // No update expression: the key alone is written (and an existing item is left as it is).
  auto bare = h.Run(&Engine::UpdateItem, UpdateRequest("T", RowKey("b", 2), nullptr));
  REQUIRE(bare.ok());
  CHECK(h.Get("T", RowKey("b", 2)).value().item == Item{{"pk", S("b")}, {"sk", N(2)}});
  REQUIRE(h.Run(&Engine::UpdateItem, UpdateRequest("T", RowKey("a", 1), nullptr)).ok());
  CHECK(h.Get("T", RowKey("a", 1)).value().item == expected);

  // REMOVE on an absent item still creates it from the key.
  REQUIRE(
      h.Run(&Engine::UpdateItem, UpdateRequest("T", RowKey("c", 3), Update("REMOVE gone"))).ok());
  CHECK(h.Get("T", RowKey("c", 3)).value().item == Item{{"pk", S("c")}, {"sk", N(3)}});

  CHECK(Counters(h, "T").first == 3);
  CHECK(Counters(h, "T").second == ScanSize(h, "T"));
}

TEST_CASE("UpdateItem ReturnValues", "[engine][update]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T")).ok());
  const Item old_item{{"pk", S("k")}, {"a", N(1)}, {"b", S("keep")}, {"c", S("drop")}};
  auto update = [&](api::ReturnValues rv) {
    REQUIRE(h.Put("T", old_item).ok());
    auto request = UpdateRequest(
        "T", Key{{"pk", S("k")}},
        Update("SET a = a + :one, d = :d REMOVE c", {{":one", N(1)}, {":d", S("new")}}));
    request.return_values = rv;
    auto result = h.Run(&Engine::UpdateItem, request);
    REQUIRE(result.ok());
    return result.value().attributes;
  };
  const Item new_item{{"pk", S("k")}, {"a", N(2)}, {"b", S("keep")}, {"d", S("new")}};

  CHECK_FALSE(update(api::ReturnValues::kNone));
  CHECK(update(api::ReturnValues::kAllOld) == old_item);
  CHECK(update(api::ReturnValues::kAllNew) == new_item);
  // UPDATED_OLD: what the update touched, as it was (d did not exist; c was removed).
  CHECK(update(api::ReturnValues::kUpdatedOld) == Item{{"a", N(1)}, {"c", S("drop")}});
  // UPDATED_NEW: what the update touched, as it is now (c is gone).
  CHECK(update(api::ReturnValues::kUpdatedNew) == Item{{"a", N(2)}, {"d", S("new")}});
  CHECK(h.Get("T", Key{{"pk", S("k")}}).value().item == new_item);

  // Upsert: nothing old to return.
  auto fresh = UpdateRequest("T", Key{{"pk", S("fresh")}}, Update("SET a = :v", {{":v", N(5)}}));
  fresh.return_values = api::ReturnValues::kUpdatedOld;
  auto result = h.Run(&Engine::UpdateItem, fresh);
  REQUIRE(result.ok());
  CHECK_FALSE(result.value().attributes);
  fresh.key = Key{{"pk", S("fresh2")}};
  fresh.return_values = api::ReturnValues::kAllOld;
  result = h.Run(&Engine::UpdateItem, fresh);
  REQUIRE(result.ok());
  CHECK_FALSE(result.value().attributes);
  // UPDATED_NEW of a removal only: nothing to return.
  auto removal = UpdateRequest("T", Key{{"pk", S("fresh")}}, Update("REMOVE a"));
  removal.return_values = api::ReturnValues::kUpdatedNew;
  result = h.Run(&Engine::UpdateItem, removal);
  REQUIRE(result.ok());
  CHECK_FALSE(result.value().attributes);
}

TEST_CASE("UpdateItem conditions, key attributes and errors", "[engine][update]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T", /*with_range=*/true)).ok());
  REQUIRE(h.Put("T", Item{{"pk", S("a")}, {"sk", N(1)}, {"version", N(3)}}).ok());

  auto request =
      UpdateRequest("T", RowKey("a", 1), Update("SET version = :next", {{":next", N(5)}}));
  request.condition = Condition("version = :expected", {{":expected", N(4)}});
  request.return_values_on_condition_check_failure =
      api::ReturnValuesOnConditionCheckFailure::kAllOld;
  auto failed = h.Run(&Engine::UpdateItem, request);
  CheckError(failed, ErrorCode::kConditionalCheckFailed, "The conditional request failed");
  CHECK(failed.error().item_json ==
        api::EncodeItemJson(Item{{"pk", S("a")}, {"sk", N(1)}, {"version", N(3)}}));
  CHECK(h.Get("T", RowKey("a", 1)).value().item->at("version") == N(3));

  request.condition = Condition("version = :expected", {{":expected", N(3)}});
  REQUIRE(h.Run(&Engine::UpdateItem, request).ok());
  CHECK(h.Get("T", RowKey("a", 1)).value().item->at("version") == N(5));

  // A condition on an absent item sees no attributes.
  auto absent = UpdateRequest("T", RowKey("zz", 9), Update("SET x = :x", {{":x", N(1)}}));
  absent.condition = Condition("attribute_exists(pk)");
  CheckError(h.Run(&Engine::UpdateItem, absent), ErrorCode::kConditionalCheckFailed,
             "The conditional request failed");
  CHECK_FALSE(h.Get("T", RowKey("zz", 9)).value().item);

  CheckError(h.Run(&Engine::UpdateItem,
                   UpdateRequest("T", RowKey("a", 1), Update("SET sk = :v", {{":v", N(2)}}))),
             ErrorCode::kValidation,
             "One or more parameter values were invalid: Cannot update attribute sk. This "
             "attribute is part of the key");
  CheckError(h.Run(&Engine::UpdateItem,
                   UpdateRequest("T", Key{{"pk", S("a")}}, Update("SET x = :v", {{":v", N(2)}}))),
             ErrorCode::kValidation, "The provided key element does not match the schema");
  CheckError(h.Run(&Engine::UpdateItem,
                   UpdateRequest("Nope", RowKey("a", 1), Update("SET x = :v", {{":v", N(2)}}))),
             ErrorCode::kResourceNotFound, "Requested resource not found");
  // An update whose operand is missing from the item: the expression's own error, no write.
  CheckError(
      h.Run(&Engine::UpdateItem,
            UpdateRequest("T", RowKey("a", 1), Update("SET x = ghost + :v", {{":v", N(2)}}))),
      ErrorCode::kValidation,
      "The provided expression refers to an attribute that does not exist in the item");
  CHECK(Counters(h, "T").first == 1);
}

TEST_CASE("UpdateItem refuses a result larger than 400 KB", "[engine][update]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T")).ok());
  REQUIRE(h.Put("T", Item{{"pk", S("big")}, {"a", S(std::string(300 * 1024, 'a'))}}).ok());
  auto before = Counters(h, "T");
  CheckError(h.Run(&Engine::UpdateItem,
                   UpdateRequest("T", Key{{"pk", S("big")}},
                                 Update("SET b = :b", {{":b", S(std::string(150 * 1024, 'b'))}}))),
             ErrorCode::kValidation, "Item size to update has exceeded the maximum allowed size");
  CHECK(Counters(h, "T") == before);
  REQUIRE(h.Run(&Engine::UpdateItem,
                UpdateRequest("T", Key{{"pk", S("big")}},
                              Update("SET b = :b", {{":b", S(std::string(50 * 1024, 'b'))}})))
              .ok());
}

TEST_CASE("concurrent UpdateItem increments are never lost", "[engine][update]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T")).ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      TestExecutor executor;
      int done = 0;
      for (int i = 0; i < kPerThread; ++i) {
        auto request = UpdateRequest("T", Key{{"pk", S("counter")}},
                                     Update("ADD hits :one", {{":one", N(1)}}));
        h.engine->UpdateItem(std::move(request), &executor,
                             [&](const api::Result<api::UpdateItemResponse>& r) {
                               ++done;
                               if (!r.ok()) ++failures;
                             });
      }
      if (!executor.RunUntil([&] { return done == kPerThread; })) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  auto got = h.Get("T", Key{{"pk", S("counter")}});
  REQUIRE(got.ok());
  CHECK(got.value().item->at("hits") == N(kThreads * kPerThread));
  CHECK(Counters(h, "T").first == 1);
}

// ---- GetItem ----

TEST_CASE("GetItem applies the projection", "[engine][get]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T")).ok());
  REQUIRE(h.Put("T", Item{{"pk", S("a")},
                          {"name", S("Ada")},
                          {"address", AttributeValue::M({{"city", S("London")}, {"zip", S("N1")}})},
                          {"year", N(1815)}})
              .ok());
  api::GetItemRequest request;
  request.table_name = "T";
  request.key = Key{{"pk", S("a")}};
  request.projection = Projection("#n, address.city, ghost", {{"#n", "name"}});
  auto got = h.Run(&Engine::GetItem, request);
  REQUIRE(got.ok());
  CHECK(got.value().item ==
        Item{{"name", S("Ada")}, {"address", AttributeValue::M({{"city", S("London")}})}});

  // Nothing the projection names: the item is there, and empty.
  request.projection = Projection("ghost");
  got = h.Run(&Engine::GetItem, request);
  REQUIRE(got.ok());
  REQUIRE(got.value().item);
  CHECK(got.value().item->empty());

  request.key = Key{{"pk", S("none")}};
  got = h.Run(&Engine::GetItem, request);
  REQUIRE(got.ok());
  CHECK_FALSE(got.value().item);
}

// ---- ConsumedCapacity ----

TEST_CASE("ConsumedCapacity of single-item operations for known sizes", "[engine][capacity]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T")).ok());
  // "pk" (2) + "a" (1) + "payload" (7) + value bytes: exact DynamoDB sizes.
  const Item small{{"pk", S("a")}, {"payload", S(std::string(1000 - 10, 'x'))}};  // 1000 B
  const Item big{{"pk", S("a")}, {"payload", S(std::string(5000 - 10, 'x'))}};    // 5000 B
  REQUIRE(api::ItemSizeBytes(small) == 1000);
  REQUIRE(api::ItemSizeBytes(big) == 5000);

  auto put = [&](const Item& item, api::ReturnConsumedCapacity mode) {
    api::PutItemRequest request = PutRequest("T", item);
    request.return_consumed_capacity = mode;
    auto result = h.Run(&Engine::PutItem, request);
    REQUIRE(result.ok());
    return result.value().consumed_capacity;
  };
  CHECK_FALSE(put(small, api::ReturnConsumedCapacity::kNone));
  auto c = put(big, api::ReturnConsumedCapacity::kTotal);  // replaces 1000 B with 5000 B
  REQUIRE(c);
  CHECK(c->table_name == "T");
  CHECK(c->total.capacity_units == 5);
  CHECK_FALSE(c->table);
  c = put(small, api::ReturnConsumedCapacity::kIndexes);  // replaces 5000 B: the larger counts
  REQUIRE(c);
  CHECK(c->total.capacity_units == 5);
  REQUIRE(c->table);
  CHECK(c->table->capacity_units == 5);
  c = put(small, api::ReturnConsumedCapacity::kTotal);
  CHECK(c->total.capacity_units == 1);

  auto get = [&](bool consistent, api::ReturnConsumedCapacity mode, const std::string& pk) {
    api::GetItemRequest request;
    request.table_name = "T";
    request.key = Key{{"pk", S(pk)}};
    request.consistent_read = consistent;
    request.return_consumed_capacity = mode;
    request.projection = Projection("pk");  // projections do not make reads cheaper
    auto result = h.Run(&Engine::GetItem, request);
    REQUIRE(result.ok());
    return result.value().consumed_capacity;
  };
  REQUIRE(put(big, api::ReturnConsumedCapacity::kNone) == std::nullopt);
  CHECK(get(false, api::ReturnConsumedCapacity::kTotal, "a")->total.capacity_units == 1);
  CHECK(get(true, api::ReturnConsumedCapacity::kTotal, "a")->total.capacity_units == 2);
  CHECK(get(true, api::ReturnConsumedCapacity::kIndexes, "a")->table->capacity_units == 2);
  CHECK(get(false, api::ReturnConsumedCapacity::kTotal, "none")->total.capacity_units == 0.5);
  CHECK(get(true, api::ReturnConsumedCapacity::kTotal, "none")->total.capacity_units == 1);

  auto update = UpdateRequest("T", Key{{"pk", S("a")}}, Update("REMOVE payload"));
  update.return_consumed_capacity = api::ReturnConsumedCapacity::kTotal;
  auto updated = h.Run(&Engine::UpdateItem, update);  // 5000 B -> 5 B: the larger image
  REQUIRE(updated.ok());
  CHECK(updated.value().consumed_capacity->total.capacity_units == 5);

  REQUIRE(h.Put("T", big).ok());
  api::DeleteItemRequest del;
  del.table_name = "T";
  del.key = Key{{"pk", S("a")}};
  del.return_consumed_capacity = api::ReturnConsumedCapacity::kTotal;
  auto deleted = h.Run(&Engine::DeleteItem, del);
  REQUIRE(deleted.ok());
  CHECK(deleted.value().consumed_capacity->total.capacity_units == 5);
  deleted = h.Run(&Engine::DeleteItem, del);  // nothing there: the minimum
  REQUIRE(deleted.ok());
  CHECK(deleted.value().consumed_capacity->total.capacity_units == 1);
}

// ---- Query ----

// A table "Q" (pk S, sk N): partition "a" has sk 0..29, "b" has 0..4, "aa" has 0..2.
void FillQueryTable(Harness& h) {
  REQUIRE(h.Create(TableRequest("Q", /*with_range=*/true)).ok());
  for (int i = 0; i < 30; ++i) {
    REQUIRE(h.Put("Q", Row("a", i, i % 3 == 0 ? "fizz" : "plain")).ok());
  }
  for (int i = 0; i < 5; ++i) REQUIRE(h.Put("Q", Row("b", i)).ok());
  for (int i = 0; i < 3; ++i) REQUIRE(h.Put("Q", Row("aa", i)).ok());
}

TEST_CASE("Query reads one partition in sort-key order, either direction", "[engine][query]") {
  Harness h;
  FillQueryTable(h);
  auto result = h.Run(&Engine::Query, QueryRequest("Q", "a"));
  REQUIRE(result.ok());
  CHECK(SortKeys(ItemsOf(result.value())) == Range(0, 29));
  CHECK(result.value().count == 30);
  CHECK(result.value().scanned_count == 30);
  CHECK_FALSE(result.value().last_evaluated_key);
  CHECK_FALSE(result.value().count_only);

  auto reverse = QueryRequest("Q", "a");
  reverse.scan_index_forward = false;
  result = h.Run(&Engine::Query, reverse);
  REQUIRE(result.ok());
  CHECK(SortKeys(ItemsOf(result.value())) == Range(29, 0, -1));

  result = h.Run(&Engine::Query, QueryRequest("Q", "b"));
  REQUIRE(result.ok());
  CHECK(SortKeys(ItemsOf(result.value())) == Range(0, 4));
  result = h.Run(&Engine::Query, QueryRequest("Q", "nobody"));
  REQUIRE(result.ok());
  CHECK(ItemsOf(result.value()).empty());
  CHECK(result.value().count == 0);
  CHECK_FALSE(result.value().last_evaluated_key);
}

TEST_CASE("Query sort-key conditions", "[engine][query]") {
  Harness h;
  FillQueryTable(h);
  auto run = [&](const std::string& condition, AttributeMap values, bool forward = true) {
    values.emplace(":pk", S("a"));
    api::QueryRequest request;
    request.table_name = "Q";
    request.key_condition = KeyCondition(condition, values);
    request.scan_index_forward = forward;
    auto result = h.Run(&Engine::Query, request);
    REQUIRE(result.ok());
    return SortKeys(ItemsOf(result.value()));
  };
  CHECK(run("pk = :pk AND sk = :v", {{":v", N(7)}}) == Range(7, 7));
  CHECK(run("pk = :pk AND sk = :v", {{":v", N(77)}}).empty());
  CHECK(run("pk = :pk AND sk < :v", {{":v", N(3)}}) == Range(0, 2));
  CHECK(run("pk = :pk AND sk <= :v", {{":v", N(3)}}) == Range(0, 3));
  CHECK(run("pk = :pk AND sk > :v", {{":v", N(26)}}) == Range(27, 29));
  CHECK(run("pk = :pk AND sk >= :v", {{":v", N(26)}}) == Range(26, 29));
  CHECK(run("pk = :pk AND sk >= :v", {{":v", N("25.5")}}) == Range(26, 29));
  CHECK(run("pk = :pk AND sk BETWEEN :lo AND :hi", {{":lo", N(10)}, {":hi", N(13)}}) ==
        Range(10, 13));
  CHECK(run("pk = :pk AND sk BETWEEN :lo AND :hi", {{":lo", N(10)}, {":hi", N(13)}}, false) ==
        Range(13, 10, -1));
  CHECK(run("sk < :v AND pk = :pk", {{":v", N(2)}}, false) == Range(1, 0, -1));
}

TEST_CASE("Query begins_with on string and binary sort keys", "[engine][query]") {
  Harness h;
  api::CreateTableRequest create;
  create.table_name = "Files";
  create.attribute_definitions = {{"dir", api::ScalarAttributeType::kS},
                                  {"path", api::ScalarAttributeType::kS}};
  create.key_schema = {{"dir", api::KeyType::kHash}, {"path", api::KeyType::kRange}};
  REQUIRE(h.Create(create).ok());
  for (std::string path : {"a", "a/b", "a/b/c", "a/c", "ab", "b", "a/\xc3\xa9t\xc3\xa9"}) {
    REQUIRE(h.Put("Files", Item{{"dir", S("root")}, {"path", S(path)}}).ok());
    REQUIRE(h.Put("Files", Item{{"dir", S("other")}, {"path", S(path)}}).ok());
  }
  auto paths = [&](const std::string& prefix, bool forward) {
    api::QueryRequest request;
    request.table_name = "Files";
    request.key_condition =
        KeyCondition("dir = :d AND begins_with(#p, :prefix)",
                     {{":d", S("root")}, {":prefix", S(prefix)}}, {{"#p", "path"}});
    request.scan_index_forward = forward;
    auto result = h.Run(&Engine::Query, request);
    REQUIRE(result.ok());
    std::vector<std::string> out;
    for (const Item& item : ItemsOf(result.value())) out.push_back(item.at("path").s());
    return out;
  };
  CHECK(paths("a/", true) ==
        std::vector<std::string>{"a/b", "a/b/c", "a/c", "a/\xc3\xa9t\xc3\xa9"});
  CHECK(paths("a/", false) ==
        std::vector<std::string>{"a/\xc3\xa9t\xc3\xa9", "a/c", "a/b/c", "a/b"});
  CHECK(paths("a", true).size() == 6);
  CHECK(paths("zz", true).empty());

  create.table_name = "Blobs";
  create.attribute_definitions[1].attribute_type = api::ScalarAttributeType::kB;
  REQUIRE(h.Create(create).ok());
  for (std::string bytes : {std::string("\x00\x01", 2), std::string("\x00\xff", 2),
                            std::string("\x01"), std::string("\xff\x00", 2)}) {
    REQUIRE(h.Put("Blobs", Item{{"dir", S("d")}, {"path", AttributeValue::B(bytes)}}).ok());
  }
  api::QueryRequest blobs;
  blobs.table_name = "Blobs";
  blobs.key_condition = KeyCondition(
      "dir = :d AND begins_with(#p, :prefix)",
      {{":d", S("d")}, {":prefix", AttributeValue::B(std::string("\x00", 1))}}, {{"#p", "path"}});
  auto result = h.Run(&Engine::Query, blobs);
  REQUIRE(result.ok());
  REQUIRE(ItemsOf(result.value()).size() == 2);
  CHECK(ItemsOf(result.value())[0].at("path").b() == std::string("\x00\x01", 2));
  CHECK(ItemsOf(result.value())[1].at("path").b() == std::string("\x00\xff", 2));
}

TEST_CASE("Query pages with Limit, forwards and backwards", "[engine][query]") {
  Harness h;
  FillQueryTable(h);
  for (bool forward : {true, false}) {
    for (int32_t limit : {1, 7, 10, 29, 30, 31}) {
      INFO("forward " << forward << " limit " << limit);
      auto request = QueryRequest("Q", "a");
      request.limit = limit;
      request.scan_index_forward = forward;
      int pages = 0;
      auto items = AllPages(h, &Engine::Query, request, &pages);
      CHECK(SortKeys(items) == (forward ? Range(0, 29) : Range(29, 0, -1)));
      // A page cut by Limit always carries LastEvaluatedKey, even when it ends exactly at the
      // last item: one more (empty) page then ends the query.
      CHECK(pages == 30 / limit + 1);
    }
  }
  // The first page's LastEvaluatedKey is the key of its last item.
  auto request = QueryRequest("Q", "a");
  request.limit = 4;
  auto page = h.Run(&Engine::Query, request);
  REQUIRE(page.ok());
  CHECK(page.value().last_evaluated_key == RowKey("a", 3));
  CHECK(page.value().scanned_count == 4);
}

TEST_CASE("Query filters after reading; Limit and LastEvaluatedKey count items read",
          "[engine][query]") {
  Harness h;
  FillQueryTable(h);
  auto request = QueryRequest("Q", "a");
  request.filter = Filter("payload = :f", {{":f", S("fizz")}});
  auto all = h.Run(&Engine::Query, request);
  REQUIRE(all.ok());
  CHECK(SortKeys(ItemsOf(all.value())) == Range(0, 27, 3));
  CHECK(all.value().count == 10);
  CHECK(all.value().scanned_count == 30);

  request.limit = 5;  // reads 0..4: passes 0 and 3
  auto page = h.Run(&Engine::Query, request);
  REQUIRE(page.ok());
  CHECK(SortKeys(ItemsOf(page.value())) == std::vector<std::string>{"0", "3"});
  CHECK(page.value().count == 2);
  CHECK(page.value().scanned_count == 5);
  // The last item read (4) did not pass the filter; it is still where the next page starts.
  CHECK(page.value().last_evaluated_key == RowKey("a", 4));

  int64_t scanned = 0;
  auto items = AllPages(h, &Engine::Query, request, nullptr, &scanned);
  CHECK(SortKeys(items) == Range(0, 27, 3));
  CHECK(scanned == 30);

  // A page may return nothing and still continue.
  request.limit = 2;
  request.exclusive_start_key = RowKey("a", 0);  // reads 1, 2
  page = h.Run(&Engine::Query, request);
  REQUIRE(page.ok());
  CHECK(ItemsOf(page.value()).empty());
  CHECK(page.value().count == 0);
  CHECK(page.value().last_evaluated_key == RowKey("a", 2));

  // A filter on a key attribute is refused.
  auto on_key = QueryRequest("Q", "a");
  on_key.filter = Filter("sk > :v", {{":v", N(1)}});
  CheckError(h.Run(&Engine::Query, on_key), ErrorCode::kValidation,
             "Filter Expression can only contain non-primary key attributes: Primary key "
             "attribute: sk");
}

TEST_CASE("Query Select COUNT and projections", "[engine][query]") {
  Harness h;
  FillQueryTable(h);
  auto request = QueryRequest("Q", "a");
  request.select = api::Select::kCount;
  request.filter = Filter("payload = :f", {{":f", S("fizz")}});
  auto counted = h.Run(&Engine::Query, request);
  REQUIRE(counted.ok());
  CHECK(counted.value().count_only);
  CHECK(ItemsOf(counted.value()).empty());
  CHECK(counted.value().count == 10);
  CHECK(counted.value().scanned_count == 30);

  request.filter = nullptr;
  request.limit = 12;
  counted = h.Run(&Engine::Query, request);
  REQUIRE(counted.ok());
  CHECK(counted.value().count == 12);
  CHECK(counted.value().last_evaluated_key == RowKey("a", 11));

  auto projected = QueryRequest("Q", "b");
  projected.select = api::Select::kSpecificAttributes;
  projected.projection = Projection("sk");
  auto result = h.Run(&Engine::Query, projected);
  REQUIRE(result.ok());
  REQUIRE(ItemsOf(result.value()).size() == 5);
  CHECK(ItemsOf(result.value())[2] == Item{{"sk", N(2)}});
  projected.select.reset();  // a projection alone means SPECIFIC_ATTRIBUTES
  result = h.Run(&Engine::Query, projected);
  REQUIRE(result.ok());
  CHECK(ItemsOf(result.value())[4] == Item{{"sk", N(4)}});
}

TEST_CASE("Query pages at 1 MB of items read, before the filter", "[engine][query][size]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("Big", /*with_range=*/true)).ok());
  constexpr int kItems = 25;
  std::vector<uint64_t> sizes;
  for (int i = 0; i < kItems; ++i) {
    Item item = Row("p", i, std::string(100 * 1024 + i * 97, 'x'));
    sizes.push_back(api::ItemSizeBytes(item));
    REQUIRE(h.Put("Big", item).ok());
  }
  // Expected pages: items are read until their sizes reach 1 MB; that item ends the page.
  std::vector<int> expected_page_sizes;
  {
    uint64_t bytes = 0;
    int in_page = 0;
    for (int i = 0; i < kItems; ++i) {
      bytes += sizes[i];
      ++in_page;
      if (bytes >= 1024 * 1024) {
        expected_page_sizes.push_back(in_page);
        bytes = 0;
        in_page = 0;
      }
    }
    if (in_page > 0) expected_page_sizes.push_back(in_page);
  }
  REQUIRE(expected_page_sizes.size() >= 3);
  CHECK(expected_page_sizes[0] == 11);  // 10 items are just under 1 MB

  auto request = QueryRequest("Big", "p");
  std::vector<int> page_sizes;
  std::vector<std::string> all;
  for (;;) {
    auto page = h.Run(&Engine::Query, request);
    REQUIRE(page.ok());
    page_sizes.push_back(static_cast<int>(ItemsOf(page.value()).size()));
    for (const std::string& sk : SortKeys(ItemsOf(page.value()))) all.push_back(sk);
    if (!page.value().last_evaluated_key) break;
    CHECK(page.value().last_evaluated_key->at("sk") == ItemsOf(page.value()).back().at("sk"));
    request.exclusive_start_key = page.value().last_evaluated_key;
  }
  CHECK(page_sizes == expected_page_sizes);
  CHECK(all == Range(0, kItems - 1));

  // A filter that passes nothing: the 1 MB of reads still ends the page, with no items.
  auto filtered = QueryRequest("Big", "p");
  filtered.filter = Filter("attribute_exists(nothing)");
  auto page = h.Run(&Engine::Query, filtered);
  REQUIRE(page.ok());
  CHECK(ItemsOf(page.value()).empty());
  CHECK(page.value().count == 0);
  CHECK(page.value().scanned_count == expected_page_sizes[0]);
  CHECK(page.value().last_evaluated_key == RowKey("p", expected_page_sizes[0] - 1));

  // Capacity: the bytes read, before the filter, rounded up once.
  filtered.return_consumed_capacity = api::ReturnConsumedCapacity::kTotal;
  page = h.Run(&Engine::Query, filtered);
  REQUIRE(page.ok());
  uint64_t read = 0;
  for (int i = 0; i < expected_page_sizes[0]; ++i) read += sizes[i];
  CHECK(page.value().consumed_capacity->total.capacity_units ==
        static_cast<double>((read + 4095) / 4096) / 2);
}

TEST_CASE("Query capacity sums the items read and rounds once", "[engine][query][capacity]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("C", /*with_range=*/true)).ok());
  uint64_t total = 0;
  for (int i = 0; i < 10; ++i) {
    Item item = Row("p", i, std::string(1000, 'x'));
    total += api::ItemSizeBytes(item);
    REQUIRE(h.Put("C", item).ok());
  }
  auto request = QueryRequest("C", "p");
  request.return_consumed_capacity = api::ReturnConsumedCapacity::kIndexes;
  request.consistent_read = true;
  request.filter = Filter("attribute_exists(nothing)");
  auto result = h.Run(&Engine::Query, request);
  REQUIRE(result.ok());
  // 10 items of ~1 KB: one rounding of the sum (3 units), not ten of one unit each.
  const double units = static_cast<double>((total + 4095) / 4096);
  REQUIRE(units == 3);
  CHECK(result.value().consumed_capacity->table_name == "C");
  CHECK(result.value().consumed_capacity->total.capacity_units == units);
  CHECK(result.value().consumed_capacity->table->capacity_units == units);
  request.consistent_read = false;
  result = h.Run(&Engine::Query, request);
  CHECK(result.value().consumed_capacity->total.capacity_units == units / 2);
  // An empty result still costs the minimum.
  auto empty = QueryRequest("C", "nobody");
  empty.return_consumed_capacity = api::ReturnConsumedCapacity::kTotal;
  result = h.Run(&Engine::Query, empty);
  CHECK(result.value().consumed_capacity->total.capacity_units == 0.5);
}

TEST_CASE("Query ExclusiveStartKey round trips and errors", "[engine][query][start]") {
  Harness h;
  FillQueryTable(h);
  // Resuming after any key gives exactly the rest, in either direction.
  for (int start = 0; start < 30; start += 7) {
    auto request = QueryRequest("Q", "a");
    request.exclusive_start_key = RowKey("a", start);
    auto page = h.Run(&Engine::Query, request);
    REQUIRE(page.ok());
    CHECK(SortKeys(ItemsOf(page.value())) == Range(start + 1, 29));
    request.scan_index_forward = false;
    page = h.Run(&Engine::Query, request);
    REQUIRE(page.ok());
    CHECK(SortKeys(ItemsOf(page.value())) == Range(start - 1, 0, -1));
  }
  // The start key need not be an existing item.
  auto between = QueryRequest("Q", "a");
  between.exclusive_start_key = Key{{"pk", S("a")}, {"sk", N("4.5")}};
  auto page = h.Run(&Engine::Query, between);
  REQUIRE(page.ok());
  CHECK(SortKeys(ItemsOf(page.value())) == Range(5, 29));

  auto with_start = [&](Key start, std::string condition = "pk = :pk",
                        AttributeMap values = {{":pk", S("a")}}) {
    api::QueryRequest request;
    request.table_name = "Q";
    request.key_condition = KeyCondition(condition, values);
    request.exclusive_start_key = std::move(start);
    return h.Run(&Engine::Query, request);
  };
  const std::string kInvalid = "The provided starting key is invalid";
  CheckError(with_start(Key{{"pk", S("a")}}), ErrorCode::kValidation, kInvalid);
  CheckError(with_start(Key{{"pk", S("a")}, {"sk", N(1)}, {"x", N(1)}}), ErrorCode::kValidation,
             kInvalid);
  CheckError(with_start(Key{{"pk", S("a")}, {"sk", S("1")}}), ErrorCode::kValidation, kInvalid);
  CheckError(with_start(Key{{"pk", S("a")}, {"other", N(1)}}), ErrorCode::kValidation, kInvalid);
  CheckError(with_start(Key{{"pk", S("")}, {"sk", N(1)}}), ErrorCode::kValidation,
             "The provided starting key is invalid: One or more parameter values are not valid. "
             "The AttributeValue for a key attribute cannot contain an empty string value. Key: "
             "pk");
  CheckError(with_start(RowKey("b", 1)), ErrorCode::kValidation,
             "The provided starting key is outside query boundaries based on provided conditions");
  CheckError(with_start(RowKey("a", 1), "pk = :pk AND sk > :v", {{":pk", S("a")}, {":v", N(5)}}),
             ErrorCode::kValidation,
             "The provided starting key does not match the range key predicate");
  CheckError(with_start(RowKey("b", 9), "pk = :pk AND sk > :v", {{":pk", S("a")}, {":v", N(5)}}),
             ErrorCode::kValidation,
             "The query can return at most one row and cannot be restarted");
  auto inside = with_start(RowKey("a", 9), "pk = :pk AND sk > :v", {{":pk", S("a")}, {":v", N(5)}});
  REQUIRE(inside.ok());
  CHECK(SortKeys(ItemsOf(inside.value())) == Range(10, 29));
}

TEST_CASE("Query errors", "[engine][query]") {
  Harness h;
  FillQueryTable(h);
  auto request = QueryRequest("Q", "a");
  request.index_name = "ByPayload";
  CheckError(h.Run(&Engine::Query, request), ErrorCode::kValidation,
             "The table does not have the specified index: ByPayload");
  CheckError(h.Run(&Engine::Query, QueryRequest("Nope", "a")), ErrorCode::kResourceNotFound,
             "Requested resource not found");
  api::QueryRequest wrong;
  wrong.table_name = "Q";
  wrong.key_condition = KeyCondition("payload = :v", {{":v", S("x")}});
  CheckError(h.Run(&Engine::Query, wrong), ErrorCode::kValidation,
             "Query condition missed key schema element: pk");
}

// ---- Scan ----

// "S": 300 items, hash keys k0..k99, sort keys 0..2.
void FillScanTable(Harness& h) {
  REQUIRE(h.Create(TableRequest("S", /*with_range=*/true)).ok());
  api::BatchWriteItemRequest batch;
  for (int i = 0; i < 100; ++i) {
    for (int j = 0; j < 3; ++j) {
      batch.request_items["S"].push_back(
          api::WriteRequest{true, Row("k" + std::to_string(i), j, i % 2 ? "odd" : "even"), {}});
      if (batch.request_items["S"].size() == 25) {
        REQUIRE(h.Run(&Engine::BatchWriteItem, batch).ok());
        batch.request_items.clear();
      }
    }
  }
}

std::multiset<std::string> Keys(const std::vector<Item>& items) {
  std::multiset<std::string> keys;
  for (const Item& item : items) {
    keys.insert(item.at("pk").s() + "/" + item.at("sk").n().ToString());
  }
  return keys;
}

std::multiset<std::string> AllScanKeys() {
  std::multiset<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    for (int j = 0; j < 3; ++j) keys.insert("k" + std::to_string(i) + "/" + std::to_string(j));
  }
  return keys;
}

TEST_CASE("Scan returns every item once, whole or paged", "[engine][scan]") {
  Harness h;
  FillScanTable(h);
  api::ScanRequest request;
  request.table_name = "S";
  auto all = h.Run(&Engine::Scan, request);
  REQUIRE(all.ok());
  CHECK(all.value().count == 300);
  CHECK(all.value().scanned_count == 300);
  CHECK_FALSE(all.value().last_evaluated_key);
  const std::vector<Item> all_items = ItemsOf(all.value());
  CHECK(Keys(all_items) == AllScanKeys());
  // Within a partition, sort-key order.
  for (size_t i = 1; i < all_items.size(); ++i) {
    const Item& a = all_items[i - 1];
    const Item& b = all_items[i];
    if (a.at("pk") == b.at("pk")) CHECK(a.at("sk").n() < b.at("sk").n());
  }

  for (int32_t limit : {1, 13, 100, 299, 300}) {
    INFO("limit " << limit);
    request.limit = limit;
    int pages = 0;
    auto items = AllPages(h, &Engine::Scan, request, &pages);
    CHECK(Keys(items) == AllScanKeys());
    CHECK(pages == 300 / limit + 1);
  }

  request.limit.reset();
  request.filter = Filter("payload = :p", {{":p", S("odd")}});
  request.select = api::Select::kCount;
  auto counted = h.Run(&Engine::Scan, request);
  REQUIRE(counted.ok());
  CHECK(counted.value().count == 150);
  CHECK(counted.value().scanned_count == 300);
  CHECK(ItemsOf(counted.value()).empty());
  CHECK(counted.value().count_only);
}

TEST_CASE("parallel Scan segments together return every item exactly once", "[engine][scan]") {
  Harness h;
  FillScanTable(h);
  for (int32_t total : {1, 2, 3, 7, 16, 100}) {
    for (std::optional<int32_t> limit : {std::optional<int32_t>(), std::optional<int32_t>(11)}) {
      INFO("TotalSegments " << total << " limit " << limit.value_or(0));
      std::vector<Item> items;
      for (int32_t segment = 0; segment < total; ++segment) {
        api::ScanRequest request;
        request.table_name = "S";
        request.segment = segment;
        request.total_segments = total;
        request.limit = limit;
        auto part = AllPages(h, &Engine::Scan, request);
        items.insert(items.end(), part.begin(), part.end());
      }
      CHECK(Keys(items) == AllScanKeys());
    }
  }
}

TEST_CASE("Scan ExclusiveStartKey errors", "[engine][scan][start]") {
  Harness h;
  FillScanTable(h);
  api::ScanRequest request;
  request.table_name = "S";
  request.exclusive_start_key = Key{{"pk", S("k1")}};
  CheckError(h.Run(&Engine::Scan, request), ErrorCode::kValidation,
             "The provided starting key is invalid: The provided key element does not match the "
             "schema");
  request.exclusive_start_key = Key{{"pk", S("k1")}, {"sk", S("x")}};
  CheckError(h.Run(&Engine::Scan, request), ErrorCode::kValidation,
             "The provided starting key is invalid: The provided key element does not match the "
             "schema");

  // A start key from another segment.
  api::ScanRequest segment0;
  segment0.table_name = "S";
  segment0.segment = 0;
  segment0.total_segments = 4;
  segment0.limit = 1;
  auto first = h.Run(&Engine::Scan, segment0);
  REQUIRE(first.ok());
  REQUIRE(first.value().last_evaluated_key);
  api::ScanRequest segment3 = segment0;
  segment3.segment = 3;
  segment3.exclusive_start_key = first.value().last_evaluated_key;
  CheckError(h.Run(&Engine::Scan, segment3), ErrorCode::kValidation,
             "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
             "ExclusiveStartKey with correct Segment. TotalSegments: 4 Segment: 3");
  segment0.exclusive_start_key = first.value().last_evaluated_key;
  CHECK(h.Run(&Engine::Scan, segment0).ok());

  api::ScanRequest index;
  index.table_name = "S";
  index.index_name = "Nope";
  CheckError(h.Run(&Engine::Scan, index), ErrorCode::kValidation,
             "The table does not have the specified index: Nope");
  index.exclusive_start_key = Key{{"pk", S("k1")}, {"sk", N(1)}};
  CheckError(h.Run(&Engine::Scan, index), ErrorCode::kValidation,
             "The provided starting key is invalid");
}

TEST_CASE("Scan pages at 1 MB, and its capacity sums the items read", "[engine][scan][size]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("Big")).ok());
  std::set<std::string> expected;
  for (int i = 0; i < 30; ++i) {
    std::string pk = "big" + std::to_string(i);
    expected.insert(pk);
    REQUIRE(h.Put("Big", Item{{"pk", S(pk)}, {"blob", S(std::string(200 * 1024, 'z'))}}).ok());
  }
  api::ScanRequest request;
  request.table_name = "Big";
  request.return_consumed_capacity = api::ReturnConsumedCapacity::kTotal;
  std::set<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = h.Run(&Engine::Scan, request);
    REQUIRE(page.ok());
    ++pages;
    uint64_t bytes = 0;
    for (const Item& item : ItemsOf(page.value())) {
      CHECK(seen.insert(item.at("pk").s()).second);
      bytes += api::ItemSizeBytes(item);
    }
    CHECK(page.value().consumed_capacity->total.capacity_units ==
          api::ReadCapacityUnits(bytes, false));
    if (!page.value().last_evaluated_key) break;
    // 200 KB items: the 6th reaches 1 MB and ends the page.
    CHECK(ItemsOf(page.value()).size() == 6);
    request.exclusive_start_key = page.value().last_evaluated_key;
  }
  CHECK(seen == expected);
  CHECK(pages == 6);  // five full pages, then an empty last one
}

// ---- BatchGetItem ----

TEST_CASE("BatchGetItem reads keys of several tables", "[engine][batch]") {
  Harness h;
  FillQueryTable(h);
  REQUIRE(h.Create(TableRequest("T")).ok());
  const Item t1{{"pk", S("x")}, {"payload", S(std::string(1500 - 10, 'x'))}};  // 1.5 KB
  const Item t2{{"pk", S("y")}, {"payload", S(std::string(6500 - 10, 'y'))}};  // 6.5 KB
  REQUIRE(api::ItemSizeBytes(t1) == 1500);
  REQUIRE(api::ItemSizeBytes(t2) == 6500);
  REQUIRE(h.Put("T", t1).ok());
  REQUIRE(h.Put("T", t2).ok());

  api::BatchGetItemRequest request;
  request.request_items["Q"].keys = {RowKey("a", 1), RowKey("a", 99), RowKey("b", 2)};
  request.request_items["Q"].projection = Projection("sk");
  request.request_items["T"].keys = {Key{{"pk", S("x")}}, Key{{"pk", S("y")}}};
  request.request_items["T"].consistent_read = true;
  request.return_consumed_capacity = api::ReturnConsumedCapacity::kTotal;
  auto result = h.Run(&Engine::BatchGetItem, request);
  REQUIRE(result.ok());
  const auto& r = result.value();
  CHECK(r.unprocessed_keys.empty());
  CHECK(r.responses.at("Q") == std::vector<Item>{Item{{"sk", N(1)}}, Item{{"sk", N(2)}}});
  CHECK(r.responses.at("T") == std::vector<Item>{t1, t2});
  REQUIRE(r.consumed_capacity.size() == 2);
  CHECK(r.consumed_capacity[0].table_name == "Q");
  CHECK(r.consumed_capacity[0].total.capacity_units == 1.5);  // three keys, 0.5 each
  CHECK(r.consumed_capacity[1].table_name == "T");
  // Each item rounds up on its own: 4 KB + 8 KB, strongly consistent: 3 units (not 2).
  CHECK(r.consumed_capacity[1].total.capacity_units == 3);

  request.return_consumed_capacity = api::ReturnConsumedCapacity::kIndexes;
  result = h.Run(&Engine::BatchGetItem, request);
  REQUIRE(result.ok());
  REQUIRE(result.value().consumed_capacity[1].table);
  CHECK(result.value().consumed_capacity[1].table->capacity_units == 3);
}

TEST_CASE("BatchGetItem errors", "[engine][batch]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("T")).ok());
  api::BatchGetItemRequest request;
  request.request_items["T"].keys = {Key{{"pk", S("x")}}, Key{{"pk", S("x")}}};
  CheckError(h.Run(&Engine::BatchGetItem, request), ErrorCode::kValidation,
             "Provided list of item keys contains duplicates");
  request.request_items["T"].keys = {Key{{"pk", S("x")}}, Key{{"id", S("x")}}};
  CheckError(h.Run(&Engine::BatchGetItem, request), ErrorCode::kValidation,
             "The provided key element does not match the schema");
  request.request_items["T"].keys = {Key{{"pk", S("x")}}};
  request.request_items["Missing"].keys = {Key{{"pk", S("x")}}};
  CheckError(h.Run(&Engine::BatchGetItem, request), ErrorCode::kResourceNotFound,
             "Requested resource not found");
}

TEST_CASE("BatchGetItem returns at most 16 MB; the rest are UnprocessedKeys", "[engine][batch]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("A")).ok());
  REQUIRE(h.Create(TableRequest("B")).ok());
  const std::string blob(390 * 1024, 'b');
  api::BatchGetItemRequest request;
  uint64_t item_size = 0;
  for (int i = 0; i < 30; ++i) {
    Item item{{"pk", S("a" + std::to_string(i))}, {"chunk", S(blob)}};
    item_size = api::ItemSizeBytes(item);
    REQUIRE(h.Put("A", item).ok());
    request.request_items["A"].keys.push_back(Key{{"pk", S("a" + std::to_string(i))}});
  }
  for (int i = 0; i < 20; ++i) {
    REQUIRE(h.Put("B", Item{{"pk", S("b" + std::to_string(i))}, {"chunk", S(blob)}}).ok());
    request.request_items["B"].keys.push_back(Key{{"pk", S("b" + std::to_string(i))}});
  }
  request.request_items["B"].consistent_read = true;
  request.request_items["B"].projection = Projection("pk, chunk");
  const size_t fits = (16 * 1024 * 1024) / item_size;  // 42 items of ~390 KB
  REQUIRE(fits < 50);

  auto result = h.Run(&Engine::BatchGetItem, request);
  REQUIRE(result.ok());
  const auto& r = result.value();
  CHECK(r.responses.at("A").size() == 30);
  CHECK(r.responses.at("B").size() == fits - 30);
  uint64_t returned = 0;
  for (const auto& [table, items] : r.responses) {
    for (const Item& item : items) returned += api::ItemSizeBytes(item);
  }
  CHECK(returned <= 16 * 1024 * 1024);
  REQUIRE(r.unprocessed_keys.count("B") == 1);
  CHECK(r.unprocessed_keys.count("A") == 0);
  const api::KeysAndAttributes& rest = r.unprocessed_keys.at("B");
  CHECK(rest.keys.size() == 20 - (fits - 30));
  CHECK(rest.keys.front() == Key{{"pk", S("b" + std::to_string(fits - 30))}});
  CHECK(rest.consistent_read);
  CHECK(rest.projection == request.request_items["B"].projection);

  // Sending the unprocessed keys again fetches the rest.
  api::BatchGetItemRequest retry;
  retry.request_items["B"] = rest;
  auto second = h.Run(&Engine::BatchGetItem, retry);
  REQUIRE(second.ok());
  CHECK(second.value().unprocessed_keys.empty());
  CHECK(second.value().responses.at("B").size() == rest.keys.size());
}

// ---- BatchWriteItem ----

TEST_CASE("BatchWriteItem puts and deletes across tables", "[engine][batch]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("A")).ok());
  REQUIRE(h.Create(TableRequest("B", /*with_range=*/true)).ok());
  REQUIRE(h.Put("A", Item{{"pk", S("old")}, {"payload", S(std::string(3000, 'o'))}}).ok());

  api::BatchWriteItemRequest request;
  request.request_items["A"] = {
      api::WriteRequest{true, Item{{"pk", S("n1")}, {"v", N(1)}}, {}},
      api::WriteRequest{false, {}, Key{{"pk", S("old")}}},
      api::WriteRequest{false, {}, Key{{"pk", S("never")}}},
  };
  request.request_items["B"] = {
      api::WriteRequest{true, Row("p", 1, std::string(1500, 'x')), {}},
      api::WriteRequest{true, Row("p", 2), {}},
  };
  request.return_consumed_capacity = api::ReturnConsumedCapacity::kIndexes;
  auto result = h.Run(&Engine::BatchWriteItem, request);
  REQUIRE(result.ok());
  CHECK(result.value().unprocessed_items.empty());
  CHECK(result.value().item_collection_metrics.empty());
  const auto& capacity = result.value().consumed_capacity;
  REQUIRE(capacity.size() == 2);
  CHECK(capacity[0].table_name == "A");
  CHECK(capacity[0].total.capacity_units == 1 + 3 + 1);  // put, delete of ~3 KB, delete of none
  REQUIRE(capacity[0].table);
  CHECK(capacity[0].table->capacity_units == 5);
  CHECK(capacity[1].table_name == "B");
  CHECK(capacity[1].total.capacity_units == 2 + 1);

  CHECK(h.Get("A", Key{{"pk", S("n1")}}).value().item);
  CHECK_FALSE(h.Get("A", Key{{"pk", S("old")}}).value().item);
  CHECK(h.Get("B", RowKey("p", 1)).value().item);
  CHECK(Counters(h, "A").first == 1);
  CHECK(Counters(h, "A").second == ScanSize(h, "A"));
  CHECK(Counters(h, "B").first == 2);
  CHECK(Counters(h, "B").second == ScanSize(h, "B"));
}

TEST_CASE("BatchWriteItem validates everything before writing anything", "[engine][batch]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("A")).ok());
  REQUIRE(h.Create(TableRequest("B", /*with_range=*/true)).ok());
  auto check_nothing_written = [&] {
    CHECK(Counters(h, "A").first == 0);
    CHECK(Counters(h, "B").first == 0);
  };
  api::BatchWriteItemRequest request;
  request.request_items["A"] = {api::WriteRequest{true, Item{{"pk", S("1")}}, {}}};
  request.request_items["B"] = {api::WriteRequest{true, Item{{"pk", S("p")}}, {}}};
  CheckError(h.Run(&Engine::BatchWriteItem, request), ErrorCode::kValidation,
             "The provided key element does not match the schema");
  check_nothing_written();

  request.request_items["B"] = {api::WriteRequest{true, Item{{"pk", S("p")}, {"sk", S("1")}}, {}}};
  CheckError(h.Run(&Engine::BatchWriteItem, request), ErrorCode::kValidation,
             "The provided key element does not match the schema");
  check_nothing_written();

  request.request_items["B"] = {api::WriteRequest{true, Row("p", 1), {}},
                                api::WriteRequest{false, {}, RowKey("p", 1)}};
  CheckError(h.Run(&Engine::BatchWriteItem, request), ErrorCode::kValidation,
             "Provided list of item keys contains duplicates");
  check_nothing_written();

  request.request_items["B"] = {api::WriteRequest{false, {}, Key{{"pk", S("p")}}}};
  CheckError(h.Run(&Engine::BatchWriteItem, request), ErrorCode::kValidation,
             "The provided key element does not match the schema");
  check_nothing_written();

  request.request_items["B"] = {api::WriteRequest{true, Row("p", 1), {}}};
  request.request_items["C"] = {api::WriteRequest{true, Item{{"pk", S("1")}}, {}}};
  CheckError(h.Run(&Engine::BatchWriteItem, request), ErrorCode::kResourceNotFound,
             "Requested resource not found");
  check_nothing_written();

  request.request_items.erase("C");
  REQUIRE(h.Run(&Engine::BatchWriteItem, request).ok());
  CHECK(Counters(h, "A").first == 1);
  CHECK(Counters(h, "B").first == 1);
}

// ---- UpdateTable ----

struct FakeClock {
  std::shared_ptr<std::atomic<double>> now = std::make_shared<std::atomic<double>>(1700000000.0);
  std::function<double()> fn() const {
    auto shared = now;
    return [shared] { return shared->load(); };
  }
};

api::UpdateTableRequest Throughput(const std::string& table, int64_t read, int64_t write) {
  api::UpdateTableRequest request;
  request.table_name = table;
  request.provisioned_throughput = api::ProvisionedThroughput{read, write};
  return request;
}

TEST_CASE("UpdateTable changes provisioned throughput", "[engine][update_table]") {
  FakeClock clock;
  EngineOptions options = MemoryOptions();
  options.clock = clock.fn();
  Harness h(options);
  REQUIRE(h.Create(TableRequest("T")).ok());  // 5 / 7
  REQUIRE(h.Put("T", Item{{"pk", S("a")}}).ok());

  *clock.now = 1700000100.0;
  auto up = h.Run(&Engine::UpdateTable, Throughput("T", 10, 7));
  REQUIRE(up.ok());
  CHECK(up.value().table_status == api::TableStatus::kUpdating);
  // While UPDATING, DynamoDB still shows the old units, with the new timestamp.
  CHECK(up.value().provisioned_throughput == api::ProvisionedThroughput{5, 7});
  CHECK(up.value().last_increase_date_time == 1700000100.0);
  CHECK(up.value().item_count == 1);
  auto described = h.Describe("T");
  REQUIRE(described.ok());
  CHECK(described.value().table_status == api::TableStatus::kActive);
  CHECK(described.value().provisioned_throughput == api::ProvisionedThroughput{10, 7});
  CHECK(described.value().last_increase_date_time == 1700000100.0);
  CHECK(described.value().last_decrease_date_time == 0);
  CHECK(described.value().number_of_decreases_today == 0);

  CheckError(h.Run(&Engine::UpdateTable, Throughput("T", 10, 7)), ErrorCode::kValidation,
             "The provisioned throughput for the table will not change. The requested value "
             "equals the current value. Current ReadCapacityUnits provisioned for the table: 10. "
             "Requested ReadCapacityUnits: 10. Current WriteCapacityUnits provisioned for the "
             "table: 7. Requested WriteCapacityUnits: 7. Refer to the Amazon DynamoDB Developer "
             "Guide for current limits and how to request higher limits.");
  auto same_mode = Throughput("T", 10, 7);
  same_mode.billing_mode = api::BillingMode::kProvisioned;
  CHECK_FALSE(h.Run(&Engine::UpdateTable, same_mode).ok());

  *clock.now = 1700000200.0;
  REQUIRE(h.Run(&Engine::UpdateTable, Throughput("T", 10, 3)).ok());
  *clock.now = 1700000300.0;
  REQUIRE(h.Run(&Engine::UpdateTable, Throughput("T", 2, 4)).ok());  // one down, one up
  described = h.Describe("T");
  CHECK(described.value().provisioned_throughput == api::ProvisionedThroughput{2, 4});
  CHECK(described.value().number_of_decreases_today == 2);
  CHECK(described.value().last_decrease_date_time == 1700000300.0);
  CHECK(described.value().last_increase_date_time == 1700000300.0);

  // "Today" is the UTC day: the next day starts again from zero.
  *clock.now = 1700000300.0 + 86400;
  CHECK(h.Describe("T").value().number_of_decreases_today == 0);
  REQUIRE(h.Run(&Engine::UpdateTable, Throughput("T", 1, 4)).ok());
  CHECK(h.Describe("T").value().number_of_decreases_today == 1);
}

TEST_CASE("UpdateTable switches billing modes", "[engine][update_table]") {
  FakeClock clock;
  EngineOptions options = MemoryOptions();
  options.clock = clock.fn();
  Harness h(options);
  REQUIRE(h.Create(TableRequest("T")).ok());

  *clock.now = 1700001000.0;
  api::UpdateTableRequest to_demand;
  to_demand.table_name = "T";
  to_demand.billing_mode = api::BillingMode::kPayPerRequest;
  auto switched = h.Run(&Engine::UpdateTable, to_demand);
  REQUIRE(switched.ok());
  CHECK(switched.value().table_status == api::TableStatus::kUpdating);
  CHECK(switched.value().billing_mode == api::BillingMode::kPayPerRequest);
  CHECK(switched.value().provisioned_throughput == api::ProvisionedThroughput{0, 0});
  CHECK(switched.value().last_update_to_pay_per_request_date_time == 1700001000.0);
  auto described = h.Describe("T");
  CHECK(described.value().billing_mode == api::BillingMode::kPayPerRequest);
  CHECK(described.value().provisioned_throughput == api::ProvisionedThroughput{0, 0});

  CheckError(h.Run(&Engine::UpdateTable, Throughput("T", 3, 3)), ErrorCode::kValidation,
             "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
             "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  api::UpdateTableRequest provisioned_without;
  provisioned_without.table_name = "T";
  provisioned_without.billing_mode = api::BillingMode::kProvisioned;
  CheckError(h.Run(&Engine::UpdateTable, provisioned_without), ErrorCode::kValidation,
             "One or more parameter values were invalid: ProvisionedThroughput must be specified "
             "when BillingMode is PROVISIONED");

  *clock.now = 1700002000.0;
  auto back = Throughput("T", 15, 10);
  back.billing_mode = api::BillingMode::kProvisioned;
  auto provisioned = h.Run(&Engine::UpdateTable, back);
  REQUIRE(provisioned.ok());
  CHECK(provisioned.value().table_status == api::TableStatus::kUpdating);
  CHECK(provisioned.value().billing_mode == api::BillingMode::kProvisioned);
  CHECK(provisioned.value().provisioned_throughput == api::ProvisionedThroughput{15, 10});
  CHECK(provisioned.value().last_increase_date_time == 1700002000.0);
  // The last switch to on-demand stays on record.
  CHECK(provisioned.value().last_update_to_pay_per_request_date_time == 1700001000.0);
  described = h.Describe("T");
  CHECK(described.value().table_status == api::TableStatus::kActive);
  CHECK(described.value().provisioned_throughput == api::ProvisionedThroughput{15, 10});
}

TEST_CASE("UpdateTable deletion protection, errors, and persistence", "[engine][update_table]") {
  TempDir dir;
  EngineOptions options;
  options.data_dir = (dir.path() / "db").string();
  {
    Harness h(options);
    REQUIRE(h.Create(TableRequest("T")).ok());
    api::UpdateTableRequest protect;
    protect.table_name = "T";
    protect.deletion_protection_enabled = true;
    auto protected_table = h.Run(&Engine::UpdateTable, protect);
    REQUIRE(protected_table.ok());
    CHECK(protected_table.value().table_status == api::TableStatus::kActive);
    CHECK(protected_table.value().deletion_protection_enabled);
    CheckError(h.Delete("T"), ErrorCode::kValidation,
               "Resource cannot be deleted as it is currently protected against deletion. "
               "Disable deletion protection first.");

    api::UpdateTableRequest nothing;
    nothing.table_name = "T";
    CheckError(h.Run(&Engine::UpdateTable, nothing), ErrorCode::kValidation,
               "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
               "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
    CheckError(h.Run(&Engine::UpdateTable, Throughput("Ghost", 1, 1)), ErrorCode::kResourceNotFound,
               "Requested resource not found: Table: Ghost not found");
    REQUIRE(h.Run(&Engine::UpdateTable, Throughput("T", 20, 30)).ok());
  }
  {
    Harness h(options);  // reopened: the settings were persisted
    auto described = h.Describe("T");
    REQUIRE(described.ok());
    CHECK(described.value().deletion_protection_enabled);
    CHECK(described.value().provisioned_throughput == api::ProvisionedThroughput{20, 30});
    CHECK(described.value().last_increase_date_time > 0);
    api::UpdateTableRequest unprotect;
    unprotect.table_name = "T";
    unprotect.deletion_protection_enabled = false;
    REQUIRE(h.Run(&Engine::UpdateTable, unprotect).ok());
    REQUIRE(h.Delete("T").ok());
  }
}

}  // namespace
}  // namespace ddbx::backend::engine
