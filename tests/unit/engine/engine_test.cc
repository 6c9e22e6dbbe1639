// Tests for backend/engine/engine: every operation's happy and error paths with DynamoDB's
// messages, ListTables paging, exact counters (also under concurrent writers), persistence
// across reopen, the in-memory mode, and the threading contract (completions run on the
// caller's executor, never inside the call; the destructor drains queued work).
#include "backend/engine/engine.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "api/validation.h"
#include "tests/unit/engine/engine_harness.h"

namespace ddbx::backend::engine {
namespace {

using api::AttributeValue;
using api::ErrorCode;
using api::Item;
using api::Key;
using namespace std::chrono_literals;
using testing::Call;
using testing::CheckError;
using testing::Harness;
using testing::MemoryOptions;
using testing::N;
using testing::OpenEngine;
using testing::TableRequest;
using testing::TempDir;
using testing::TestExecutor;

// ---- Control plane ----

TEST_CASE("CreateTable answers CREATING; the table is ACTIVE right after", "[engine]") {
  EngineOptions options = MemoryOptions();
  options.clock = [] { return 1700000123.25; };
  options.region = "eu-central-1";
  options.account_id = "123456789012";
  Harness h(options);

  auto created = h.Create(TableRequest("Music", /*with_range=*/true));
  REQUIRE(created.ok());
  const api::TableDescription& d = created.value();
  CHECK(d.table_status == api::TableStatus::kCreating);
  CHECK(d.table_name == "Music");
  CHECK(d.table_arn == "arn:aws:dynamodb:eu-central-1:123456789012:table/Music");
  CHECK(std::regex_match(
      d.table_id,
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  CHECK(d.creation_date_time == 1700000123.25);
  CHECK(d.billing_mode == api::BillingMode::kProvisioned);
  CHECK(d.provisioned_throughput == api::ProvisionedThroughput{5, 7});
  CHECK(d.last_update_to_pay_per_request_date_time == 0);
  CHECK(d.item_count == 0);
  CHECK(d.table_size_bytes == 0);
  CHECK(d.key_schema.size() == 2);
  CHECK(d.attribute_definitions.size() == 2);
  CHECK_FALSE(d.deletion_protection_enabled);

  auto described = h.Describe("Music");
  REQUIRE(described.ok());
  CHECK(described.value().table_status == api::TableStatus::kActive);
  CHECK(described.value().table_id == d.table_id);
  CHECK(described.value().table_arn == d.table_arn);
  CHECK(described.value().creation_date_time == 1700000123.25);
  CHECK(described.value().key_schema == d.key_schema);

  auto second = h.Create(TableRequest("Other"));
  REQUIRE(second.ok());
  CHECK(second.value().table_id != d.table_id);
  REQUIRE(h.engine->TableNumericId("Music"));
  REQUIRE(h.engine->TableNumericId("Other"));
  CHECK(*h.engine->TableNumericId("Other") > *h.engine->TableNumericId("Music"));
  CHECK_FALSE(h.engine->TableNumericId("Nope"));
}

TEST_CASE("CreateTable with PAY_PER_REQUEST reports zero throughput", "[engine]") {
  EngineOptions options = MemoryOptions();
  options.clock = [] { return 1600000000.5; };
  Harness h(options);
  api::CreateTableRequest request = TableRequest("OnDemand");
  request.billing_mode = api::BillingMode::kPayPerRequest;
  request.provisioned_throughput.reset();
  request.deletion_protection_enabled = true;
  request.tags = {{"team", "storage"}};
  auto created = h.Create(request);
  REQUIRE(created.ok());
  CHECK(created.value().billing_mode == api::BillingMode::kPayPerRequest);
  CHECK(created.value().provisioned_throughput == api::ProvisionedThroughput{0, 0});
  CHECK(created.value().last_update_to_pay_per_request_date_time == 1600000000.5);
  CHECK(created.value().deletion_protection_enabled);
  auto described = h.Describe("OnDemand");
  REQUIRE(described.ok());
  CHECK(described.value().billing_mode == api::BillingMode::kPayPerRequest);
  CHECK(described.value().deletion_protection_enabled);
}

TEST_CASE("CreateTable refuses an existing name and the table quota", "[engine]") {
  EngineOptions options = MemoryOptions();
  options.max_tables = 3;
  Harness h(options);
  REQUIRE(h.Create(TableRequest("t1")).ok());
  CheckError(h.Create(TableRequest("t1")), ErrorCode::kResourceInUse, "Table already exists: t1");
  REQUIRE(h.Create(TableRequest("t2")).ok());
  REQUIRE(h.Create(TableRequest("t3")).ok());
  CheckError(h.Create(TableRequest("t4")), ErrorCode::kLimitExceeded,
             "Subscriber limit exceeded: There is a limit of 3 tables per subscriber");
  REQUIRE(h.Delete("t2").ok());
  REQUIRE(h.Create(TableRequest("t4")).ok());
}

TEST_CASE("the default table quota is DynamoDB's 2,500", "[engine]") {
  CHECK(EngineOptions{}.max_tables == 2500);
  CHECK(EngineOptions{}.region == "us-east-1");
  CHECK(EngineOptions{}.account_id == "000000000000");
  CHECK(EngineOptions{}.worker_threads == 4);
}

TEST_CASE("CreateTable rejects a key schema that cannot work", "[engine]") {
  Harness h;
  api::CreateTableRequest undefined = TableRequest("bad");
  undefined.attribute_definitions = {{"other", api::ScalarAttributeType::kS}};
  CheckError(h.Create(undefined), ErrorCode::kValidation,
             "One or more parameter values were invalid: Some index key attributes are not "
             "defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]");
  api::CreateTableRequest range_first = TableRequest("bad", true);
  std::swap(range_first.key_schema[0], range_first.key_schema[1]);
  CheckError(h.Create(range_first), ErrorCode::kValidation,
             "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  CheckError(h.Describe("bad"), ErrorCode::kResourceNotFound,
             "Requested resource not found: Table: bad not found");
}

TEST_CASE("DescribeTable of a missing table", "[engine]") {
  Harness h;
  CheckError(h.Describe("Ghost"), ErrorCode::kResourceNotFound,
             "Requested resource not found: Table: Ghost not found");
}

TEST_CASE("ListTables pages in name order", "[engine]") {
  Harness h;
  auto empty = h.List(std::nullopt, std::nullopt);
  REQUIRE(empty.ok());
  CHECK(empty.value().table_names.empty());
  CHECK_FALSE(empty.value().last_evaluated_table_name);

  for (const char* name : {"e-table", "a-table", "d-table", "c-table", "b-table"}) {
    REQUIRE(h.Create(TableRequest(name)).ok());
  }
  auto all = h.List(std::nullopt, std::nullopt);
  REQUIRE(all.ok());
  CHECK(all.value().table_names ==
        std::vector<std::string>{"a-table", "b-table", "c-table", "d-table", "e-table"});
  CHECK_FALSE(all.value().last_evaluated_table_name);

  auto page1 = h.List(std::nullopt, 2);
  REQUIRE(page1.ok());
  CHECK(page1.value().table_names == std::vector<std::string>{"a-table", "b-table"});
  CHECK(page1.value().last_evaluated_table_name == "b-table");
  auto page2 = h.List(page1.value().last_evaluated_table_name, 2);
  REQUIRE(page2.ok());
  CHECK(page2.value().table_names == std::vector<std::string>{"c-table", "d-table"});
  CHECK(page2.value().last_evaluated_table_name == "d-table");
  auto page3 = h.List(page2.value().last_evaluated_table_name, 2);
  REQUIRE(page3.ok());
  CHECK(page3.value().table_names == std::vector<std::string>{"e-table"});
  CHECK_FALSE(page3.value().last_evaluated_table_name);

  // Exactly Limit names left: no LastEvaluatedTableName.
  auto exact = h.List(std::string("b-table"), 3);
  REQUIRE(exact.ok());
  CHECK(exact.value().table_names == std::vector<std::string>{"c-table", "d-table", "e-table"});
  CHECK_FALSE(exact.value().last_evaluated_table_name);
  // The start name need not be a table.
  auto between = h.List(std::string("c"), std::nullopt);
  REQUIRE(between.ok());
  CHECK(between.value().table_names == std::vector<std::string>{"c-table", "d-table", "e-table"});
}

TEST_CASE("ListTables returns at most 100 names by default", "[engine]") {
  Harness h;
  std::vector<std::string> names;
  for (int i = 0; i < 101; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "table%03d", i);
    names.push_back(name);
    REQUIRE(h.Create(TableRequest(name)).ok());
  }
  auto first = h.List(std::nullopt, std::nullopt);
  REQUIRE(first.ok());
  CHECK(first.value().table_names == std::vector<std::string>(names.begin(), names.begin() + 100));
  CHECK(first.value().last_evaluated_table_name == "table099");
  auto rest = h.List(first.value().last_evaluated_table_name, std::nullopt);
  REQUIRE(rest.ok());
  CHECK(rest.value().table_names == std::vector<std::string>{"table100"});
  CHECK_FALSE(rest.value().last_evaluated_table_name);
}

TEST_CASE("DeleteTable answers DELETING and removes the table and its items", "[engine]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("Doomed")).ok());
  REQUIRE(h.Put("Doomed", Item{{"pk", AttributeValue::S("a")}, {"v", N("1")}}).ok());
  REQUIRE(h.Put("Doomed", Item{{"pk", AttributeValue::S("b")}}).ok());
  uint32_t old_id = *h.engine->TableNumericId("Doomed");

  auto deleted = h.Delete("Doomed");
  REQUIRE(deleted.ok());
  CHECK(deleted.value().table_status == api::TableStatus::kDeleting);
  CHECK(deleted.value().table_name == "Doomed");
  CHECK(deleted.value().item_count == 2);

  CheckError(h.Describe("Doomed"), ErrorCode::kResourceNotFound,
             "Requested resource not found: Table: Doomed not found");
  CheckError(h.Get("Doomed", Key{{"pk", AttributeValue::S("a")}}), ErrorCode::kResourceNotFound,
             "Requested resource not found");
  CheckError(h.Delete("Doomed"), ErrorCode::kResourceNotFound,
             "Requested resource not found: Table: Doomed not found");
  auto listed = h.List(std::nullopt, std::nullopt);
  REQUIRE(listed.ok());
  CHECK(listed.value().table_names.empty());

  // A new table of the same name gets a new id and none of the old items.
  REQUIRE(h.Create(TableRequest("Doomed")).ok());
  CHECK(*h.engine->TableNumericId("Doomed") > old_id);
  auto got = h.Get("Doomed", Key{{"pk", AttributeValue::S("a")}});
  REQUIRE(got.ok());
  CHECK_FALSE(got.value().item);
  auto described = h.Describe("Doomed");
  REQUIRE(described.ok());
  CHECK(described.value().item_count == 0);
  CHECK(described.value().table_size_bytes == 0);
}

TEST_CASE("DeleteTable honours deletion protection", "[engine]") {
  Harness h;
  api::CreateTableRequest request = TableRequest("Protected");
  request.deletion_protection_enabled = true;
  REQUIRE(h.Create(request).ok());
  CheckError(h.Delete("Protected"), ErrorCode::kValidation,
             "Resource cannot be deleted as it is currently protected against deletion. Disable "
             "deletion protection first.");
  CHECK(h.Describe("Protected").ok());
}

// ---- Data plane ----

TEST_CASE("PutItem, GetItem and DeleteItem round-trip items", "[engine]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("Items", /*with_range=*/true)).ok());
  Item item{
      {"pk", AttributeValue::S("user#1")},
      {"sk", N("-2.5")},
      {"name", AttributeValue::S("Ada")},
      {"tags", AttributeValue::SS({"x", "y"})},
      {"blob", AttributeValue::B(std::string("\0\x01\xff", 3))},
      {"nested", AttributeValue::M({{"on", AttributeValue::Bool(true)},
                                    {"list", AttributeValue::L({N("1"), AttributeValue()})}})}};
  auto put = h.Put("Items", item);
  REQUIRE(put.ok());
  CHECK_FALSE(put.value().attributes);

  Key key{{"pk", AttributeValue::S("user#1")}, {"sk", N("-2.50")}};
  auto got = h.Get("Items", key);
  REQUIRE(got.ok());
  REQUIRE(got.value().item);
  CHECK(*got.value().item == item);

  auto other = h.Get("Items", Key{{"pk", AttributeValue::S("user#1")}, {"sk", N("2.5")}});
  REQUIRE(other.ok());
  CHECK_FALSE(other.value().item);

  Item replacement{{"pk", AttributeValue::S("user#1")}, {"sk", N("-2.5")}, {"v", N("2")}};
  auto overwrite = h.Put("Items", replacement, api::ReturnValues::kAllOld);
  REQUIRE(overwrite.ok());
  REQUIRE(overwrite.value().attributes);
  CHECK(*overwrite.value().attributes == item);

  auto fresh = h.Put("Items", Item{{"pk", AttributeValue::S("user#2")}, {"sk", N("0")}},
                     api::ReturnValues::kAllOld);
  REQUIRE(fresh.ok());
  CHECK_FALSE(fresh.value().attributes);

  auto removed = h.Del("Items", key, api::ReturnValues::kAllOld);
  REQUIRE(removed.ok());
  REQUIRE(removed.value().attributes);
  CHECK(*removed.value().attributes == replacement);
  auto gone = h.Get("Items", key);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone.value().item);

  auto again = h.Del("Items", key, api::ReturnValues::kAllOld);
  REQUIRE(again.ok());
  CHECK_FALSE(again.value().attributes);
  auto quiet = h.Del("Items", Key{{"pk", AttributeValue::S("user#2")}, {"sk", N("0")}});
  REQUIRE(quiet.ok());
  CHECK_FALSE(quiet.value().attributes);
}

TEST_CASE("data-plane calls on a missing table", "[engine]") {
  Harness h;
  CheckError(h.Put("Nope", Item{{"pk", AttributeValue::S("a")}}), ErrorCode::kResourceNotFound,
             "Requested resource not found");
  CheckError(h.Get("Nope", Key{{"pk", AttributeValue::S("a")}}), ErrorCode::kResourceNotFound,
             "Requested resource not found");
  CheckError(h.Del("Nope", Key{{"pk", AttributeValue::S("a")}}), ErrorCode::kResourceNotFound,
             "Requested resource not found");
}

TEST_CASE("data-plane calls validate keys and items against the schema", "[engine]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("Strict", /*with_range=*/true)).ok());
  const std::string kKeyMismatch = "The provided key element does not match the schema";
  CheckError(h.Get("Strict", Key{{"pk", AttributeValue::S("a")}}), ErrorCode::kValidation,
             kKeyMismatch);
  CheckError(h.Get("Strict", Key{{"pk", AttributeValue::S("a")}, {"sk", AttributeValue::S("1")}}),
             ErrorCode::kValidation, kKeyMismatch);
  CheckError(h.Get("Strict", Key{{"pk", AttributeValue::S("a")}, {"sk", N("1")}, {"x", N("1")}}),
             ErrorCode::kValidation, kKeyMismatch);
  CheckError(h.Del("Strict", Key{{"pk", N("1")}, {"sk", N("1")}}), ErrorCode::kValidation,
             kKeyMismatch);
  CheckError(h.Put("Strict", Item{{"pk", AttributeValue::S("a")}, {"v", N("1")}},
                   api::ReturnValues::kNone),
             ErrorCode::kValidation,
             "One or more parameter values were invalid: Missing the key sk in the item");
  CheckError(h.Put("Strict", Item{{"pk", AttributeValue::S("a")}, {"sk", AttributeValue::S("1")}}),
             ErrorCode::kValidation,
             "One or more parameter values were invalid: Type mismatch for key sk expected: N "
             "actual: S");
  auto described = h.Describe("Strict");
  REQUIRE(described.ok());
  CHECK(described.value().item_count == 0);
}

TEST_CASE("ItemCount and TableSizeBytes follow puts, overwrites and deletes", "[engine]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("Counted")).ok());
  auto counters = [&] {
    auto d = h.Describe("Counted");
    REQUIRE(d.ok());
    return std::pair<int64_t, int64_t>(d.value().item_count, d.value().table_size_bytes);
  };
  using Counts = std::pair<int64_t, int64_t>;
  Item a{{"pk", AttributeValue::S("a")}, {"payload", AttributeValue::S(std::string(100, 'x'))}};
  Item b{{"pk", AttributeValue::S("b")}, {"n", N("123.45")}};
  Item a2{{"pk", AttributeValue::S("a")}};
  const int64_t size_a = static_cast<int64_t>(api::ItemSizeBytes(a));
  const int64_t size_b = static_cast<int64_t>(api::ItemSizeBytes(b));
  const int64_t size_a2 = static_cast<int64_t>(api::ItemSizeBytes(a2));
  REQUIRE(size_a > size_a2);

  CHECK(counters() == Counts(0, 0));
  REQUIRE(h.Put("Counted", a).ok());
  CHECK(counters() == Counts(1, size_a));
  REQUIRE(h.Put("Counted", b).ok());
  CHECK(counters() == Counts(2, size_a + size_b));
  REQUIRE(h.Put("Counted", a).ok());  // same item again
  CHECK(counters() == Counts(2, size_a + size_b));
  REQUIRE(h.Put("Counted", a2).ok());  // smaller overwrite
  CHECK(counters() == Counts(2, size_a2 + size_b));
  REQUIRE(h.Del("Counted", Key{{"pk", AttributeValue::S("b")}}).ok());
  CHECK(counters() == Counts(1, size_a2));
  REQUIRE(h.Del("Counted", Key{{"pk", AttributeValue::S("b")}}).ok());  // already gone
  CHECK(counters() == Counts(1, size_a2));
  REQUIRE(h.Del("Counted", Key{{"pk", AttributeValue::S("a")}}).ok());
  CHECK(counters() == Counts(0, 0));
}

TEST_CASE("concurrent writers of one key keep ALL_OLD and the counters exact", "[engine]") {
  Harness h;
  REQUIRE(h.Create(TableRequest("Hot")).ok());
  constexpr int kThreads = 4;
  constexpr int kPutsPerThread = 150;
  std::vector<std::vector<std::string>> returned_old(kThreads);  // ALL_OLD "seq" values seen
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestExecutor executor;  // this thread's "loop"
      int done = 0;
      for (int i = 0; i < kPutsPerThread; ++i) {
        api::PutItemRequest request;
        request.table_name = "Hot";
        std::string seq = std::to_string(t) + ":" + std::to_string(i);
        // Sizes differ from put to put, so a lost update would skew TableSizeBytes.
        request.item = Item{{"pk", AttributeValue::S("hot")},
                            {"seq", AttributeValue::S(seq)},
                            {"pad", AttributeValue::S(std::string((t * 37 + i * 11) % 200, 'p'))}};
        request.return_values = api::ReturnValues::kAllOld;
        h.engine->PutItem(std::move(request), &executor,
                          [&, t](api::Result<api::PutItemResponse> r) {
                            ++done;
                            if (!r.ok()) {
                              ++failures;
                              return;
                            }
                            if (r.value().attributes) {
                              returned_old[t].push_back(r.value().attributes->at("seq").s());
                            }
                          });
        // Also churn a second key with puts and deletes from every thread.
        Key cold{{"pk", AttributeValue::S("churn")}};
        if (i % 2 == 0) {
          api::PutItemRequest put;
          put.table_name = "Hot";
          put.item = Item{{"pk", AttributeValue::S("churn")},
                          {"t", AttributeValue::N(api::Number::FromInt64(t))}};
          h.engine->PutItem(std::move(put), &executor,
                            [&](const api::Result<api::PutItemResponse>& r) {
                              ++done;
                              if (!r.ok()) ++failures;
                            });
        } else {
          api::DeleteItemRequest del;
          del.table_name = "Hot";
          del.key = cold;
          h.engine->DeleteItem(std::move(del), &executor,
                               [&](const api::Result<api::DeleteItemResponse>& r) {
                                 ++done;
                                 if (!r.ok()) ++failures;
                               });
        }
      }
      if (!executor.RunUntil([&] { return done == 2 * kPutsPerThread; })) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(failures == 0);

  auto hot = h.Get("Hot", Key{{"pk", AttributeValue::S("hot")}});
  REQUIRE(hot.ok());
  REQUIRE(hot.value().item);
  auto churn = h.Get("Hot", Key{{"pk", AttributeValue::S("churn")}});
  REQUIRE(churn.ok());

  // Every put replaced exactly the item of exactly one other put, except the first one (which
  // found nothing): the returned old items plus the final item are all puts, each once.
  std::multiset<std::string> seen;
  for (const auto& olds : returned_old) seen.insert(olds.begin(), olds.end());
  seen.insert(hot.value().item->at("seq").s());
  std::multiset<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPutsPerThread; ++i) {
      expected.insert(std::to_string(t) + ":" + std::to_string(i));
    }
  }
  CHECK(seen == expected);

  int64_t expected_count = 1;
  int64_t expected_size = static_cast<int64_t>(api::ItemSizeBytes(*hot.value().item));
  if (churn.value().item) {
    ++expected_count;
    expected_size += static_cast<int64_t>(api::ItemSizeBytes(*churn.value().item));
  }
  auto described = h.Describe("Hot");
  REQUIRE(described.ok());
  CHECK(described.value().item_count == expected_count);
  CHECK(described.value().table_size_bytes == expected_size);
}

// ---- Threading and lifecycle ----

TEST_CASE("completions wait for the caller's executor", "[engine]") {
  Harness h;
  std::atomic<int> calls{0};
  h.engine->CreateTable(TableRequest("Lazy"), &h.executor,
                        [&](const api::Result<api::TableDescription>& r) {
                          CHECK(r.ok());
                          ++calls;
                        });
  // The pool finishes the work and posts the completion, but it runs only on our loop.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (h.executor.pending() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  CHECK(h.executor.pending() == 1);
  CHECK(calls == 0);
  REQUIRE(h.executor.RunUntil([&] { return calls == 1; }));
}

TEST_CASE("the destructor finishes queued work and posts its completions", "[engine]") {
  TempDir dir;
  EngineOptions options;
  options.data_dir = (dir.path() / "db").string();
  options.worker_threads = 2;
  TestExecutor executor;
  int ok = 0;
  int completions = 0;
  {
    auto engine = OpenEngine(options);
    std::optional<api::Result<api::TableDescription>> created;
    engine->CreateTable(TableRequest("Drain"), &executor,
                        [&](const api::Result<api::TableDescription>& r) { created.emplace(r); });
    REQUIRE(executor.RunUntil([&] { return created.has_value(); }));
    REQUIRE(created->ok());
    for (int i = 0; i < 40; ++i) {
      api::PutItemRequest request;
      request.table_name = "Drain";
      request.item = Item{{"pk", AttributeValue::S("k" + std::to_string(i))}};
      engine->PutItem(std::move(request), &executor,
                      [&](const api::Result<api::PutItemResponse>& r) {
                        ++completions;
                        if (r.ok()) ++ok;
                      });
    }
  }  // engine destroyed with work queued
  CHECK(executor.pending() == 40);
  REQUIRE(executor.RunUntil([&] { return completions == 40; }));
  CHECK(ok == 40);

  Harness reopened(options);
  auto described = reopened.Describe("Drain");
  REQUIRE(described.ok());
  CHECK(described.value().item_count == 40);
}

TEST_CASE("tables and items survive close and reopen on disk", "[engine]") {
  TempDir dir;
  EngineOptions options;
  options.data_dir = (dir.path() / "nested" / "db").string();
  options.clock = [] { return 1650000000.75; };
  Item item{{"pk", AttributeValue::S("p")}, {"sk", N("42")}, {"data", AttributeValue::S("kept")}};
  std::string table_uuid;
  uint32_t gone_id = 0;
  uint32_t kept_id = 0;
  {
    Harness h(options);
    auto created = h.Create(TableRequest("Kept", /*with_range=*/true));
    REQUIRE(created.ok());
    table_uuid = created.value().table_id;
    REQUIRE(h.Create(TableRequest("Gone")).ok());
    gone_id = *h.engine->TableNumericId("Gone");
    kept_id = *h.engine->TableNumericId("Kept");
    REQUIRE(h.Put("Kept", item).ok());
    REQUIRE(h.Put("Kept", Item{{"pk", AttributeValue::S("p")}, {"sk", N("43")}}).ok());
    REQUIRE(h.Del("Kept", Key{{"pk", AttributeValue::S("p")}, {"sk", N("43")}}).ok());
    REQUIRE(h.Put("Gone", Item{{"pk", AttributeValue::S("x")}}).ok());
    REQUIRE(h.Delete("Gone").ok());
  }
  CHECK(std::filesystem::exists(dir.path() / "nested" / "db" / "CURRENT"));
  {
    Harness h(options);
    auto listed = h.List(std::nullopt, std::nullopt);
    REQUIRE(listed.ok());
    CHECK(listed.value().table_names == std::vector<std::string>{"Kept"});
    auto described = h.Describe("Kept");
    REQUIRE(described.ok());
    CHECK(described.value().table_id == table_uuid);
    CHECK(described.value().creation_date_time == 1650000000.75);
    CHECK(described.value().provisioned_throughput == api::ProvisionedThroughput{5, 7});
    CHECK(described.value().item_count == 1);
    CHECK(described.value().table_size_bytes == static_cast<int64_t>(api::ItemSizeBytes(item)));
    CHECK(*h.engine->TableNumericId("Kept") == kept_id);
    auto got = h.Get("Kept", Key{{"pk", AttributeValue::S("p")}, {"sk", N("42")}});
    REQUIRE(got.ok());
    REQUIRE(got.value().item);
    CHECK(*got.value().item == item);
    // Ids are never reused, across restarts too.
    REQUIRE(h.Create(TableRequest("Gone")).ok());
    CHECK(*h.engine->TableNumericId("Gone") > std::max(gone_id, kept_id));
    auto old_item = h.Get("Gone", Key{{"pk", AttributeValue::S("x")}});
    REQUIRE(old_item.ok());
    CHECK_FALSE(old_item.value().item);
  }
}

TEST_CASE("a second engine cannot open a directory in use", "[engine]") {
  TempDir dir;
  EngineOptions options;
  options.data_dir = dir.path().string();
  auto first = Engine::Open(options);
  REQUIRE(first.ok());
  auto second = Engine::Open(options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::kInternalServerError);
}

TEST_CASE("Open rejects unusable options", "[engine]") {
  EngineOptions no_dir;
  auto opened = Engine::Open(no_dir);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code == ErrorCode::kValidation);
  EngineOptions no_threads = MemoryOptions();
  no_threads.worker_threads = 0;
  opened = Engine::Open(no_threads);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code == ErrorCode::kValidation);
}

TEST_CASE("in-memory mode writes nothing to disk", "[engine]") {
  TempDir dir;
  EngineOptions options = MemoryOptions();
  options.data_dir = (dir.path() / "mem").string();
  {
    Harness h(options);
    REQUIRE(h.Create(TableRequest("Volatile")).ok());
    REQUIRE(h.Put("Volatile", Item{{"pk", AttributeValue::S("a")}}).ok());
    auto got = h.Get("Volatile", Key{{"pk", AttributeValue::S("a")}});
    REQUIRE(got.ok());
    CHECK(got.value().item);
    CHECK_FALSE(std::filesystem::exists(options.data_dir));
  }
  CHECK_FALSE(std::filesystem::exists(options.data_dir));
  CHECK(std::filesystem::is_empty(dir.path()));
  // And nothing survives: a new in-memory engine starts empty.
  Harness fresh(options);
  auto listed = fresh.List(std::nullopt, std::nullopt);
  REQUIRE(listed.ok());
  CHECK(listed.value().table_names.empty());
}

}  // namespace
}  // namespace ddbx::backend::engine
