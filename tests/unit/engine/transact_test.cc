// Tests for the engine's transactions: TransactWriteItems (all or nothing, CancellationReasons,
// whole-request errors, counters, capacity, ClientRequestToken with a controllable clock) and
// TransactGetItems (order, missing items, projections), and a concurrency test: transfers
// between accounts while snapshots are read, the total never changes (also run under TSan).
//
// Requests are written as DynamoDB JSON and decoded by api/codec, as the server would.
#include <atomic>
#include <catch2/catch.hpp>
#include <random>
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
using testing::MemoryOptions;
using testing::N;
using testing::S;
using testing::TableRequest;
using testing::TestExecutor;

api::TransactWriteItemsRequest WriteRequest(const std::string& json) {
  auto decoded = api::DecodeTransactWriteItems(json);
  if (!decoded.ok()) FAIL(decoded.error().message);
  return std::move(decoded).value();
}

api::TransactGetItemsRequest GetRequest(const std::string& json) {
  auto decoded = api::DecodeTransactGetItems(json);
  if (!decoded.ok()) FAIL(decoded.error().message);
  return std::move(decoded).value();
}

std::optional<Item> ItemAt(Harness& h, const std::string& table, const std::string& pk) {
  auto got = h.Get(table, {{"pk", S(pk)}});
  REQUIRE(got.ok());
  return got.value().item;
}

// Two tables, "acct" and "audit", each keyed by pk (S).
void CreateTables(Harness& h) {
  REQUIRE(h.Create(TableRequest("acct")).ok());
  REQUIRE(h.Create(TableRequest("audit")).ok());
}

TEST_CASE("TransactWriteItems applies every action at once, across tables", "[transact]") {
  Harness h;
  CreateTables(h);
  REQUIRE(h.Put("acct", {{"pk", S("a")}, {"bal", N(10)}}).ok());
  REQUIRE(h.Put("acct", {{"pk", S("gone")}}).ok());

  auto done = h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Update":{"TableName":"acct","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET bal = bal - :x",
                 "ConditionExpression":"bal >= :x","ExpressionAttributeValues":{":x":{"N":"4"}}}},
      {"Put":{"TableName":"audit","Item":{"pk":{"S":"log1"},"amount":{"N":"4"}}}},
      {"Delete":{"TableName":"acct","Key":{"pk":{"S":"gone"}}}},
      {"ConditionCheck":{"TableName":"acct","Key":{"pk":{"S":"missing"}},
                         "ConditionExpression":"attribute_not_exists(pk) "}}],
      "ReturnConsumedCapacity":"TOTAL"})"));
  REQUIRE(done.ok());
  CHECK(ItemAt(h, "acct", "a") == Item{{"pk", S("a")}, {"bal", N(6)}});
  CHECK(ItemAt(h, "audit", "log1") == Item{{"pk", S("log1")}, {"amount", N(4)}});
  CHECK_FALSE(ItemAt(h, "acct", "gone"));
  CHECK_FALSE(ItemAt(h, "acct", "missing"));  // a ConditionCheck writes nothing
  CHECK(h.Describe("acct").value().item_count == 1);
  CHECK(h.Describe("audit").value().item_count == 1);

  // Two units per item: acct has the update, the delete and the check (2 each); audit the put.
  const auto& capacity = done.value().consumed_capacity;
  REQUIRE(capacity.size() == 2);
  CHECK(capacity[0].table_name == "acct");
  CHECK(capacity[0].total.capacity_units == 6);
  CHECK(capacity[0].total.write_capacity_units == 6);
  CHECK(capacity[1].table_name == "audit");
  CHECK(capacity[1].total.capacity_units == 2);
}

TEST_CASE("A failed condition cancels the whole transaction", "[transact]") {
  Harness h;
  CreateTables(h);
  REQUIRE(h.Put("acct", {{"pk", S("a")}, {"bal", N(1)}}).ok());
  REQUIRE(h.Put("acct", {{"pk", S("b")}, {"bal", N(1)}}).ok());

  auto result = h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Put":{"TableName":"audit","Item":{"pk":{"S":"log"}}}},
      {"Update":{"TableName":"acct","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET bal = :z",
                 "ConditionExpression":"bal > :z","ExpressionAttributeValues":{":z":{"N":"5"}},
                 "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},
      {"ConditionCheck":{"TableName":"acct","Key":{"pk":{"S":"b"}},
                         "ConditionExpression":"attribute_not_exists(pk) "}}]})"));
  REQUIRE_FALSE(result.ok());
  const api::Error& error = result.error();
  CHECK(error.code == ErrorCode::kTransactionCanceled);
  CHECK(error.message ==
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed, ConditionalCheckFailed]");
  CHECK(error.cancellation_reasons_json ==
        R"({"Code":"None"},)"
        R"({"Code":"ConditionalCheckFailed","Item":{"bal":{"N":"1"},"pk":{"S":"a"}},)"
        R"("Message":"The conditional request failed"},)"
        R"({"Code":"ConditionalCheckFailed","Message":"The conditional request failed"})");
  CHECK(api::ErrorBody(error).starts_with(
      R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
      R"("CancellationReasons":[{"Code":"None"},)"));
  CHECK_FALSE(ItemAt(h, "audit", "log"));
  CHECK(ItemAt(h, "acct", "a") == Item{{"pk", S("a")}, {"bal", N(1)}});
  CHECK(h.Describe("audit").value().item_count == 0);
}

TEST_CASE("Invalid actions: which cancel and which fail the request", "[transact]") {
  Harness h;
  CreateTables(h);
  REQUIRE(h.Put("acct", {{"pk", S("a")}, {"bal", N(1)}}).ok());

  // A key of the wrong type cancels, with ValidationError on the first such action only; the
  // failing condition after it is not even evaluated.
  auto mistyped = h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Put":{"TableName":"acct","Item":{"pk":{"N":"1"}}}},
      {"Delete":{"TableName":"acct","Key":{"pk":{"N":"2"}}}},
      {"ConditionCheck":{"TableName":"acct","Key":{"pk":{"S":"a"}},
                         "ConditionExpression":"attribute_not_exists(pk) "}}]})"));
  REQUIRE_FALSE(mistyped.ok());
  CHECK(mistyped.error().cancellation_reasons_json ==
        R"({"Code":"ValidationError","Message":"One or more parameter values were invalid: )"
        R"(Type mismatch for key pk expected: S actual: N"},{"Code":"None"},{"Code":"None"})");

  auto wrong_key = h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Delete":{"TableName":"acct","Key":{"pk":{"N":"2"}}}}]})"));
  REQUIRE_FALSE(wrong_key.ok());
  CHECK(
      wrong_key.error().cancellation_reasons_json ==
      R"({"Code":"ValidationError","Message":"The provided key element does not match the schema"})");

  // An update that cannot apply to the item as it is.
  auto missing_operand = h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Update":{"TableName":"acct","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET x = nope + :one",
                 "ExpressionAttributeValues":{":one":{"N":"1"}}}}]})"));
  REQUIRE_FALSE(missing_operand.ok());
  CHECK(missing_operand.error().code == ErrorCode::kTransactionCanceled);
  CHECK(missing_operand.error().cancellation_reasons_json ==
        R"({"Code":"ValidationError","Message":"The provided expression refers to an attribute )"
        R"(that does not exist in the item"})");

  CheckError(h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Put":{"TableName":"acct","Item":{"pk":{"S":"a"}}}},
      {"ConditionCheck":{"TableName":"acct","Key":{"pk":{"S":"a"}},
                         "ConditionExpression":"attribute_exists(pk) "}}]})")),
             ErrorCode::kValidation,
             "Transaction request cannot include multiple operations on one item");
  CheckError(h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Put":{"TableName":"nope","Item":{"pk":{"S":"a"}}}}]})")),
             ErrorCode::kResourceNotFound, "Requested resource not found");
  CheckError(h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Put":{"TableName":"acct","Item":{"pk":{"S":""}}}}]})")),
             ErrorCode::kValidation,
             "One or more parameter values are not valid. The AttributeValue for a key attribute "
             "cannot contain an empty string value. Key: pk");
  CheckError(h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"TransactItems":[
      {"Update":{"TableName":"acct","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET pk = :v",
                 "ExpressionAttributeValues":{":v":{"S":"b"}}}}]})")),
             ErrorCode::kValidation,
             "One or more parameter values were invalid: Cannot update attribute pk. This "
             "attribute is part of the key");
  CHECK(ItemAt(h, "acct", "a") == Item{{"pk", S("a")}, {"bal", N(1)}});
}

TEST_CASE("ClientRequestToken: a repeat within ten minutes writes nothing", "[transact]") {
  double now = 1'700'000'000;
  EngineOptions options = MemoryOptions();
  options.clock = [&now] { return now; };
  Harness h(options);
  CreateTables(h);
  const std::string add = R"({"ClientRequestToken":"tok","ReturnConsumedCapacity":"TOTAL",
      "TransactItems":[{"Update":{"TableName":"acct","Key":{"pk":{"S":"c"}},
      "UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}]})";
  // The same request with its members in another order.
  const std::string reordered = R"({"TransactItems":[{"Update":{
      "ExpressionAttributeValues":{":one":{"N":"1"}},"UpdateExpression":"ADD n :one",
      "Key":{"pk":{"S":"c"}},"TableName":"acct"}}],"ClientRequestToken":"tok"})";

  auto first = h.Run(&Engine::TransactWriteItems, WriteRequest(add));
  REQUIRE(first.ok());
  CHECK(first.value().consumed_capacity.at(0).total.write_capacity_units == 2);
  now += 599;
  auto repeat = h.Run(&Engine::TransactWriteItems, WriteRequest(add));
  REQUIRE(repeat.ok());
  // A repeat reads the item instead of writing it.
  CHECK(repeat.value().consumed_capacity.at(0).total.read_capacity_units == 2);
  CHECK_FALSE(repeat.value().consumed_capacity.at(0).total.write_capacity_units);
  REQUIRE(h.Run(&Engine::TransactWriteItems, WriteRequest(reordered)).ok());
  CHECK(ItemAt(h, "acct", "c") == Item{{"pk", S("c")}, {"n", N(1)}});

  CheckError(h.Run(&Engine::TransactWriteItems, WriteRequest(R"({"ClientRequestToken":"tok",
                 "TransactItems":[{"Delete":{"TableName":"acct","Key":{"pk":{"S":"c"}}}}]})")),
             ErrorCode::kIdempotentParameterMismatch,
             "DynamoDB rejected the request because you retried a request with a different "
             "payload but with an idempotent token that was already used.");

  now += 2;  // 601 s after the first call: the token is new again
  REQUIRE(h.Run(&Engine::TransactWriteItems, WriteRequest(add)).ok());
  CHECK(ItemAt(h, "acct", "c") == Item{{"pk", S("c")}, {"n", N(2)}});

  // A cancelled call leaves its token free.
  const std::string guarded = R"({"ClientRequestToken":"tok2","TransactItems":[{"Put":{
      "TableName":"acct","Item":{"pk":{"S":"d"}},"ConditionExpression":"attribute_exists(pk) "}}]})";
  REQUIRE_FALSE(h.Run(&Engine::TransactWriteItems, WriteRequest(guarded)).ok());
  REQUIRE(h.Put("acct", {{"pk", S("d")}, {"v", N(1)}}).ok());
  REQUIRE(h.Run(&Engine::TransactWriteItems, WriteRequest(guarded)).ok());
  CHECK(ItemAt(h, "acct", "d") == Item{{"pk", S("d")}});
}

TEST_CASE("TransactGetItems answers in request order, {} for missing items", "[transact]") {
  Harness h;
  CreateTables(h);
  REQUIRE(h.Put("acct", {{"pk", S("a")}, {"bal", N(3)}, {"name", S("x")}}).ok());
  REQUIRE(h.Put("audit", {{"pk", S("l")}}).ok());
  auto got = h.Run(&Engine::TransactGetItems, GetRequest(R"({"ReturnConsumedCapacity":"TOTAL",
      "TransactItems":[
        {"Get":{"TableName":"audit","Key":{"pk":{"S":"l"}}}},
        {"Get":{"TableName":"acct","Key":{"pk":{"S":"none"}}}},
        {"Get":{"TableName":"acct","Key":{"pk":{"S":"a"}},"ProjectionExpression":"#b",
                "ExpressionAttributeNames":{"#b":"bal"}}}]})"));
  REQUIRE(got.ok());
  const auto& responses = got.value().responses;
  REQUIRE(responses.size() == 3);
  CHECK(responses[0] == Item{{"pk", S("l")}});
  CHECK_FALSE(responses[1]);
  CHECK(responses[2] == Item{{"bal", N(3)}});
  CHECK(api::EncodeTransactGetItemsResponse(got.value()) ==
        R"({"ConsumedCapacity":[{"CapacityUnits":4.0,"ReadCapacityUnits":4.0,"TableName":"acct"},)"
        R"({"CapacityUnits":2.0,"ReadCapacityUnits":2.0,"TableName":"audit"}],)"
        R"("Responses":[{"Item":{"pk":{"S":"l"}}},{},{"Item":{"bal":{"N":"3"}}}]})");

  CheckError(h.Run(&Engine::TransactGetItems, GetRequest(R"({"TransactItems":[
      {"Get":{"TableName":"acct","Key":{"pk":{"S":"a"}}}},
      {"Get":{"TableName":"acct","Key":{"pk":{"S":"a"}}}}]})")),
             ErrorCode::kValidation,
             "Transaction request cannot include multiple operations on one item");
  auto mistyped = h.Run(&Engine::TransactGetItems, GetRequest(R"({"TransactItems":[
      {"Get":{"TableName":"acct","Key":{"pk":{"S":"a"}}}},
      {"Get":{"TableName":"acct","Key":{"pk":{"B":"AA=="}}}}]})"));
  REQUIRE_FALSE(mistyped.ok());
  CHECK(mistyped.error().cancellation_reasons_json ==
        R"({"Code":"None"},{"Code":"ValidationError","Message":"The provided key element does )"
        R"(not match the schema"})");
}

// Many threads move amounts between accounts with conditional transactions while others read
// every account in one TransactGetItems: every snapshot sums to the starting total.
TEST_CASE("Transfers keep the total; every snapshot is consistent", "[transact][concurrency]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("acct")).ok());
  constexpr int kAccounts = 8;
  constexpr int kStart = 100;
  for (int i = 0; i < kAccounts; ++i) {
    REQUIRE(h.Put("acct", {{"pk", S("a" + std::to_string(i))}, {"bal", N(kStart)}}).ok());
  }
  std::string all_accounts = R"({"TransactItems":[)";
  for (int i = 0; i < kAccounts; ++i) {
    if (i > 0) all_accounts += ",";
    all_accounts +=
        R"({"Get":{"TableName":"acct","Key":{"pk":{"S":"a)" + std::to_string(i) + R"("}}}})";
  }
  all_accounts += "]}";

  std::atomic<int> committed{0};
  std::atomic<int> snapshots{0};
  std::atomic<bool> inconsistent{false};
  std::atomic<bool> failed{false};
  auto transfer = [&](int seed) {
    TestExecutor executor;
    std::mt19937 rng(seed);
    for (int n = 0; n < 150; ++n) {
      const int from = static_cast<int>(rng() % kAccounts);
      const int to = (from + 1 + static_cast<int>(rng() % (kAccounts - 1))) % kAccounts;
      const std::string amount = std::to_string(1 + rng() % 30);
      auto request = api::DecodeTransactWriteItems(
          R"({"TransactItems":[{"Update":{"TableName":"acct","Key":{"pk":{"S":"a)" +
          std::to_string(from) +
          R"("}},"UpdateExpression":"SET bal = bal - :x","ConditionExpression":"bal >= :x",
          "ExpressionAttributeValues":{":x":{"N":")" +
          amount + R"("}}}},{"Update":{"TableName":"acct","Key":{"pk":{"S":"a)" +
          std::to_string(to) +
          R"("}},"UpdateExpression":"SET bal = bal + :x","ExpressionAttributeValues":{":x":{"N":")" +
          amount + R"("}}}}]})");
      if (!request.ok()) {
        failed = true;
        return;
      }
      std::optional<api::Result<api::TransactWriteItemsResponse>> result;
      h.engine->TransactWriteItems(std::move(request).value(), &executor,
                                   [&](auto r) { result.emplace(std::move(r)); });
      if (!executor.RunUntil([&] { return result.has_value(); })) {
        failed = true;
        return;
      }
      if (result->ok()) {
        ++committed;
      } else if (result->error().code != ErrorCode::kTransactionCanceled) {
        failed = true;
      }
    }
  };
  auto read = [&]() {
    TestExecutor executor;
    for (int n = 0; n < 150; ++n) {
      auto request = api::DecodeTransactGetItems(all_accounts);
      std::optional<api::Result<api::TransactGetItemsResponse>> result;
      h.engine->TransactGetItems(std::move(request).value(), &executor,
                                 [&](auto r) { result.emplace(std::move(r)); });
      if (!executor.RunUntil([&] { return result.has_value(); }) || !result->ok()) {
        failed = true;
        return;
      }
      int64_t total = 0;
      for (const std::optional<Item>& item : result->value().responses) {
        total += std::stoll(item->at("bal").n().ToString());
      }
      if (total != kAccounts * kStart) inconsistent = true;
      ++snapshots;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(transfer, i + 1);
  for (int i = 0; i < 2; ++i) threads.emplace_back(read);
  for (std::thread& t : threads) t.join();

  CHECK_FALSE(failed);
  CHECK_FALSE(inconsistent);
  CHECK(snapshots == 300);
  CHECK(committed > 0);
  int64_t total = 0;
  for (int i = 0; i < kAccounts; ++i) {
    auto item = ItemAt(h, "acct", "a" + std::to_string(i));
    REQUIRE(item);
    const int64_t balance = std::stoll(item->at("bal").n().ToString());
    CHECK(balance >= 0);
    total += balance;
  }
  CHECK(total == kAccounts * kStart);
}

}  // namespace
}  // namespace ddbx::backend::engine
