// Tests for time to live in the engine, with a controllable clock and the sweeper driven by
// hand (ttl_sweep_interval 0): UpdateTimeToLive / DescribeTimeToLive and their errors, which
// items expire and which never do, expiry entries kept by every kind of write, the backfill when
// TTL is enabled on a table with items, counters after sweeping, the per-call budget, stale
// entries, disabling, and persistence of the setting across reopen.
#include <catch2/catch.hpp>
#include <string>

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
using testing::TempDir;

constexpr double kStart = 1'700'000'000;

struct Clocked {
  double now = kStart;
  Harness h;

  explicit Clocked(EngineOptions options = MemoryOptions())
      : h([this, &options] {
          options.clock = [this] { return now; };
          options.ttl_sweep_interval = std::chrono::milliseconds(0);
          return options;
        }()) {}

  api::Result<api::UpdateTimeToLiveResponse> SetTtl(const std::string& table,
                                                    const std::string& attribute, bool enabled) {
    api::UpdateTimeToLiveRequest request;
    request.table_name = table;
    request.specification = {attribute, enabled};
    return h.Run(&Engine::UpdateTimeToLive, request);
  }
  api::DescribeTimeToLiveResponse Describe(const std::string& table) {
    auto described = h.Run(&Engine::DescribeTimeToLive, api::DescribeTimeToLiveRequest{table});
    REQUIRE(described.ok());
    return described.value();
  }
  size_t Sweep(size_t budget = 1000) {
    auto swept = h.engine->SweepExpiredItems(budget);
    REQUIRE(swept.ok());
    return swept.value();
  }
  bool Has(const std::string& table, const std::string& pk) {
    auto got = h.Get(table, {{"pk", S(pk)}});
    REQUIRE(got.ok());
    return got.value().item.has_value();
  }
  int64_t Count(const std::string& table) { return h.Describe(table).value().item_count; }
};

api::AttributeValue Seconds(double seconds) {
  auto parsed = api::Number::Parse(std::to_string(seconds));
  REQUIRE(parsed.ok());
  return api::AttributeValue::N(parsed.value());
}

TEST_CASE("UpdateTimeToLive and DescribeTimeToLive", "[ttl]") {
  Clocked c;
  REQUIRE(c.h.Create(TableRequest("ttl")).ok());
  CHECK(c.Describe("ttl").status == api::TimeToLiveStatus::kDisabled);
  CHECK_FALSE(c.Describe("ttl").attribute_name);
  CHECK(api::EncodeDescribeTimeToLiveResponse(c.Describe("ttl")) ==
        R"({"TimeToLiveDescription":{"TimeToLiveStatus":"DISABLED"}})");

  CheckError(c.SetTtl("ttl", "exp", false), ErrorCode::kValidation,
             "TimeToLive is already disabled");
  auto enabled = c.SetTtl("ttl", "exp", true);
  REQUIRE(enabled.ok());
  CHECK(api::EncodeUpdateTimeToLiveResponse(enabled.value()) ==
        R"({"TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}})");
  CHECK(api::EncodeDescribeTimeToLiveResponse(c.Describe("ttl")) ==
        R"({"TimeToLiveDescription":{"AttributeName":"exp","TimeToLiveStatus":"ENABLED"}})");

  // What the request asks is checked before the cooldown.
  CheckError(c.SetTtl("ttl", "exp", true), ErrorCode::kValidation, "TimeToLive is already enabled");
  CheckError(c.SetTtl("ttl", "other", true), ErrorCode::kValidation,
             "TimeToLive is active on a different AttributeName: current AttributeName is exp");
  CheckError(c.SetTtl("ttl", "other", false), ErrorCode::kValidation,
             "TimeToLive is active on a different AttributeName: current AttributeName is exp");
  CheckError(c.SetTtl("ttl", "exp", false), ErrorCode::kValidation,
             "Time to live has been modified multiple times within a fixed interval");
  c.now += 3600;
  REQUIRE(c.SetTtl("ttl", "exp", false).ok());
  CHECK(c.Describe("ttl").status == api::TimeToLiveStatus::kDisabled);

  CheckError(c.SetTtl("nope", "exp", true), ErrorCode::kResourceNotFound,
             "Requested resource not found: Table: nope not found");
  CheckError(c.h.Run(&Engine::DescribeTimeToLive, api::DescribeTimeToLiveRequest{"nope"}),
             ErrorCode::kResourceNotFound, "Requested resource not found: Table: nope not found");
}

TEST_CASE("The sweeper deletes exactly the expired items", "[ttl]") {
  Clocked c;
  REQUIRE(c.h.Create(TableRequest("ttl")).ok());
  // Written before TTL is enabled: the enabling call indexes them.
  REQUIRE(c.h.Put("ttl", {{"pk", S("early")}, {"exp", Seconds(kStart + 10)}}).ok());
  REQUIRE(c.SetTtl("ttl", "exp", true).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("past")}, {"exp", Seconds(kStart - 1)}}).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("fraction")}, {"exp", Seconds(kStart - 0.5)}}).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("later")}, {"exp", Seconds(kStart + 100)}}).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("string")}, {"exp", S("1")}}).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("absent")}}).ok());
  REQUIRE(
      c.h.Put("ttl", {{"pk", S("ancient")}, {"exp", Seconds(kStart - 6 * 365 * 86400.0)}}).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("negative")}, {"exp", Seconds(-5)}}).ok());
  CHECK(c.Count("ttl") == 8);

  // Expired items stay readable until the sweeper runs.
  CHECK(c.Has("ttl", "past"));
  CHECK(c.Sweep() == 2);  // past, fraction
  CHECK_FALSE(c.Has("ttl", "past"));
  CHECK_FALSE(c.Has("ttl", "fraction"));
  CHECK(c.Count("ttl") == 6);

  c.now = kStart + 10;  // "early" expires at exactly now
  CHECK(c.Sweep() == 1);
  CHECK_FALSE(c.Has("ttl", "early"));
  c.now = kStart + 1000;
  CHECK(c.Sweep() == 1);  // later
  CHECK(c.Sweep() == 0);
  for (const char* kept : {"string", "absent", "ancient", "negative"}) {
    INFO(kept);
    CHECK(c.Has("ttl", kept));
  }
  CHECK(c.Count("ttl") == 4);
}

TEST_CASE("The sweeper reports each item it deletes", "[ttl]") {
  std::vector<std::pair<std::string, api::Key>> reported;
  EngineOptions options = MemoryOptions();
  options.on_expired = [&reported](const std::string& table, const api::Key& key) {
    reported.emplace_back(table, key);
  };
  Clocked c(options);
  REQUIRE(c.h.Create(TableRequest("ttl", /*with_range=*/true)).ok());
  REQUIRE(c.SetTtl("ttl", "exp", true).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("a")}, {"sk", N(7)}, {"exp", Seconds(kStart - 1)}}).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("b")}, {"sk", N(1)}, {"exp", Seconds(kStart + 50)}}).ok());
  CHECK(c.Sweep() == 1);
  REQUIRE(reported.size() == 1);
  CHECK(reported[0].first == "ttl");
  CHECK(reported[0].second == api::Key{{"pk", S("a")}, {"sk", N(7)}});
  CHECK(c.Sweep() == 0);
  CHECK(reported.size() == 1);
}

TEST_CASE("Every kind of write keeps the expiry entries", "[ttl]") {
  Clocked c;
  REQUIRE(c.h.Create(TableRequest("ttl")).ok());
  REQUIRE(c.SetTtl("ttl", "exp", true).ok());

  // Moved to the future before it was swept: stays.
  REQUIRE(c.h.Put("ttl", {{"pk", S("moved")}, {"exp", Seconds(kStart - 1)}}).ok());
  REQUIRE(c.h.Put("ttl", {{"pk", S("moved")}, {"exp", Seconds(kStart + 50)}}).ok());
  // Deleted before it was swept: nothing to sweep.
  REQUIRE(c.h.Put("ttl", {{"pk", S("deleted")}, {"exp", Seconds(kStart - 1)}}).ok());
  REQUIRE(c.h.Del("ttl", {{"pk", S("deleted")}}).ok());
  // Set by UpdateItem, by a batch and by a transaction.
  api::UpdateItemRequest update;
  update.table_name = "ttl";
  update.key = {{"pk", S("updated")}};
  auto parsed = api::DecodeUpdateItem(
      R"({"TableName":"ttl","Key":{"pk":{"S":"updated"}},"UpdateExpression":"SET exp = :e",
          "ExpressionAttributeValues":{":e":{"N":"1699999990"}}})");
  REQUIRE(parsed.ok());
  REQUIRE(c.h.Run(&Engine::UpdateItem, parsed.value()).ok());
  auto batch = api::DecodeBatchWriteItem(
      R"({"RequestItems":{"ttl":[{"PutRequest":{"Item":{"pk":{"S":"batched"},
          "exp":{"N":"1699999990"}}}}]}})");
  REQUIRE(batch.ok());
  REQUIRE(c.h.Run(&Engine::BatchWriteItem, batch.value()).ok());
  auto transact = api::DecodeTransactWriteItems(
      R"({"TransactItems":[{"Put":{"TableName":"ttl","Item":{"pk":{"S":"transacted"},
          "exp":{"N":"1699999990"}}}}]})");
  REQUIRE(transact.ok());
  REQUIRE(c.h.Run(&Engine::TransactWriteItems, transact.value()).ok());

  CHECK(c.Sweep() == 3);
  CHECK(c.Has("ttl", "moved"));
  for (const char* gone : {"updated", "batched", "transacted"}) {
    INFO(gone);
    CHECK_FALSE(c.Has("ttl", gone));
  }
  CHECK(c.Count("ttl") == 1);
  c.now = kStart + 50;
  CHECK(c.Sweep() == 1);
  CHECK(c.Count("ttl") == 0);
}

TEST_CASE("The sweep budget bounds the work per call", "[ttl]") {
  Clocked c;
  REQUIRE(c.h.Create(TableRequest("ttl")).ok());
  REQUIRE(c.SetTtl("ttl", "exp", true).ok());
  for (int i = 0; i < 25; ++i) {
    REQUIRE(
        c.h.Put("ttl", {{"pk", S("k" + std::to_string(i))}, {"exp", Seconds(kStart - i)}}).ok());
  }
  CHECK(c.Sweep(10) == 10);
  CHECK(c.Count("ttl") == 15);
  // Oldest first: the ten with the earliest expiry went.
  CHECK_FALSE(c.Has("ttl", "k24"));
  CHECK(c.Has("ttl", "k0"));
  CHECK(c.Sweep(10) == 10);
  CHECK(c.Sweep(10) == 5);
  CHECK(c.Count("ttl") == 0);
}

TEST_CASE("Disabling TTL stops expiry; the setting survives reopening", "[ttl]") {
  TempDir dir;
  EngineOptions options;
  options.data_dir = dir.path().string();
  {
    Clocked c(options);
    REQUIRE(c.h.Create(TableRequest("ttl")).ok());
    REQUIRE(c.SetTtl("ttl", "exp", true).ok());
    REQUIRE(c.h.Put("ttl", {{"pk", S("a")}, {"exp", Seconds(kStart + 5)}}).ok());
  }
  {
    Clocked c(options);
    CHECK(c.Describe("ttl").attribute_name == "exp");
    c.now = kStart + 10;
    CHECK(c.Sweep() == 1);  // its entry was on disk
    REQUIRE(c.h.Put("ttl", {{"pk", S("b")}, {"exp", Seconds(kStart)}}).ok());
    c.now = kStart + 4000;
    REQUIRE(c.SetTtl("ttl", "exp", false).ok());
    CHECK(c.Sweep() == 0);
    CHECK(c.Has("ttl", "b"));
  }
}

}  // namespace
}  // namespace ddbx::backend::engine
