// Tests for backend/engine/catalog: table records round-trip and reject corruption; the
// in-memory catalog pages names as ListTables does. Also the engine's TaskPool.
#include "backend/engine/catalog.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "backend/engine/task_pool.h"

namespace ddbx::backend::engine {
namespace {

TableInfo SampleInfo() {
  TableInfo info;
  info.id = 4242;
  api::TableDescription& d = info.description;
  d.table_name = "Music.v2_x-y";
  d.table_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/Music.v2_x-y";
  d.table_id = "0b9f2a4e-7c1d-4e5f-8a9b-0c1d2e3f4a5b";
  d.attribute_definitions = {{"Artist", api::ScalarAttributeType::kS},
                             {"Year", api::ScalarAttributeType::kN},
                             {"Blob", api::ScalarAttributeType::kB}};
  d.key_schema = {{"Artist", api::KeyType::kHash}, {"Year", api::KeyType::kRange}};
  d.creation_date_time = 1700000000.123;
  d.billing_mode = api::BillingMode::kPayPerRequest;
  d.last_update_to_pay_per_request_date_time = 1700000000.123;
  d.provisioned_throughput = {0, 0};
  d.number_of_decreases_today = 0;
  d.deletion_protection_enabled = true;
  info.tags = {{"env", "prod"}, {"owner", ""}};
  info.ttl = {"expires_at", true, 1700000300.75};
  IndexInfo gsi;
  gsi.id = 7;
  gsi.global = true;
  gsi.definition.index_name = "by_owner";
  gsi.definition.key_schema = {{d.key_schema[0].attribute_name, api::KeyType::kHash}};
  gsi.definition.projection = {api::ProjectionType::kInclude, {"a", "b"}};
  gsi.definition.provisioned_throughput = {3, 4};
  info.indexes = {gsi};
  return info;
}

TEST_CASE("table records round-trip every field", "[catalog]") {
  TableInfo info = SampleInfo();
  auto decoded = DecodeTableRecord(EncodeTableRecord(info));
  REQUIRE(decoded.ok());
  const TableInfo& out = decoded.value();
  CHECK(out.id == 4242);
  CHECK(out.description.table_name == info.description.table_name);
  CHECK(out.description.table_arn == info.description.table_arn);
  CHECK(out.description.table_id == info.description.table_id);
  CHECK(out.description.attribute_definitions == info.description.attribute_definitions);
  CHECK(out.description.key_schema == info.description.key_schema);
  CHECK(out.description.creation_date_time == 1700000000.123);
  CHECK(out.description.billing_mode == api::BillingMode::kPayPerRequest);
  CHECK(out.description.last_update_to_pay_per_request_date_time == 1700000000.123);
  CHECK(out.description.provisioned_throughput == api::ProvisionedThroughput{0, 0});
  CHECK(out.description.deletion_protection_enabled);
  CHECK(out.description.table_status == api::TableStatus::kActive);
  CHECK(out.tags == info.tags);
  CHECK(out.ttl == info.ttl);
  CHECK(out.indexes == info.indexes);

  TableInfo provisioned = SampleInfo();
  provisioned.description.billing_mode = api::BillingMode::kProvisioned;
  provisioned.description.provisioned_throughput = {5, 40000};
  provisioned.description.number_of_decreases_today = 3;
  provisioned.description.last_increase_date_time = 1700000100.5;
  provisioned.description.last_decrease_date_time = 1700000200.25;
  provisioned.description.deletion_protection_enabled = false;
  provisioned.description.key_schema.pop_back();
  provisioned.tags.clear();
  auto again = DecodeTableRecord(EncodeTableRecord(provisioned));
  REQUIRE(again.ok());
  CHECK(again.value().description.provisioned_throughput == api::ProvisionedThroughput{5, 40000});
  CHECK(again.value().description.number_of_decreases_today == 3);
  CHECK(again.value().description.last_increase_date_time == 1700000100.5);
  CHECK(again.value().description.last_decrease_date_time == 1700000200.25);
  CHECK_FALSE(again.value().description.deletion_protection_enabled);
  CHECK(again.value().description.key_schema.size() == 1);
  CHECK(again.value().tags.empty());
}

TEST_CASE("table records have the documented layout", "[catalog]") {
  TableInfo info;
  info.id = 0x01020304;
  info.description.table_name = "t";
  info.description.table_arn = "a";
  info.description.table_id = "u";
  info.description.attribute_definitions = {{"k", api::ScalarAttributeType::kB}};
  info.description.key_schema = {{"k", api::KeyType::kHash}};
  info.description.billing_mode = api::BillingMode::kPayPerRequest;
  info.ttl = {"exp", true, 2.0};
  std::string expected(
      "\x03\x01\x02\x03\x04\x01t\x01"
      "a\x01u",
      11);
  expected += std::string("\x01\x01k\x02", 4);  // attribute definitions: k B
  expected += std::string("\x01\x01k\x00", 4);  // key schema: k HASH
  expected += std::string(8, '\0');             // CreationDateTime 0.0
  expected += '\x01';                           // PAY_PER_REQUEST
  expected += std::string(8, '\0');             // LastUpdateToPayPerRequest
  expected += std::string("\x00\x00", 2);       // read, write capacity
  expected += std::string(16, '\0');            // last increase, last decrease
  expected += std::string("\x00\x00\x00", 3);   // decreases, protection, no tags
  expected += std::string(
      "\x03"
      "exp"
      "\x01",
      5);                                              // TTL attribute, enabled
  expected += std::string("\x40\x00\0\0\0\0\0\0", 8);  // last TTL change 2.0
  expected += '\x00';                                  // no secondary indexes
  CHECK(EncodeTableRecord(info) == expected);

  // A version 1 record (before TTL) still decodes, TTL never enabled.
  std::string v1 = expected.substr(0, expected.size() - 14);
  v1[0] = '\x01';
  auto old = DecodeTableRecord(v1);
  REQUIRE(old.ok());
  CHECK(old.value().ttl == TimeToLive{});
  CHECK(old.value().description.table_name == "t");
}

TEST_CASE("corrupt table records are InternalServerError", "[catalog]") {
  std::string good = EncodeTableRecord(SampleInfo());
  std::string bad_version = good;
  bad_version[0] = 0x7f;
  TableInfo undefined_key = SampleInfo();
  undefined_key.description.key_schema[1].attribute_name = "Nope";
  TableInfo range_first = SampleInfo();
  std::swap(range_first.description.key_schema[0], range_first.description.key_schema[1]);
  for (const std::string& bad :
       {std::string(), bad_version, good.substr(0, good.size() - 1), good + "x", good.substr(0, 10),
        EncodeTableRecord(undefined_key), EncodeTableRecord(range_first)}) {
    auto decoded = DecodeTableRecord(bad);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == api::ErrorCode::kInternalServerError);
    CHECK(decoded.error().message == "Internal server error: corrupt table record");
  }
}

TablePtr MakeTable(const std::string& name) {
  TableInfo info = SampleInfo();
  info.description.table_name = name;
  return std::make_shared<Table>(info);
}

TEST_CASE("Catalog finds, erases and pages tables in name order", "[catalog]") {
  Catalog catalog;
  for (const char* name : {"delta", "alpha", "echo", "charlie", "bravo"}) {
    catalog.Insert(MakeTable(name));
  }
  CHECK(catalog.size() == 5);
  REQUIRE(catalog.Find("charlie"));
  CHECK(catalog.Find("charlie")->name() == "charlie");
  CHECK(catalog.Find("Charlie") == nullptr);

  auto page = catalog.List(std::nullopt, 2);
  CHECK(page.table_names == std::vector<std::string>{"alpha", "bravo"});
  CHECK(page.last_evaluated_table_name == "bravo");
  page = catalog.List("bravo", 2);
  CHECK(page.table_names == std::vector<std::string>{"charlie", "delta"});
  CHECK(page.last_evaluated_table_name == "delta");
  page = catalog.List("delta", 2);
  CHECK(page.table_names == std::vector<std::string>{"echo"});
  CHECK_FALSE(page.last_evaluated_table_name);
  // Exactly `limit` names remain: a full page, but nothing after it, so no LastEvaluated.
  page = catalog.List("bravo", 3);
  CHECK(page.table_names == std::vector<std::string>{"charlie", "delta", "echo"});
  CHECK_FALSE(page.last_evaluated_table_name);
  // The start name need not exist.
  page = catalog.List("b", 100);
  CHECK(page.table_names == std::vector<std::string>{"bravo", "charlie", "delta", "echo"});
  page = catalog.List("zzz", 100);
  CHECK(page.table_names.empty());
  CHECK_FALSE(page.last_evaluated_table_name);

  catalog.Erase("charlie");
  catalog.Erase("not-there");
  CHECK(catalog.size() == 4);
  CHECK(catalog.Find("charlie") == nullptr);
}

TEST_CASE("a Table knows its key shape and lifecycle", "[catalog]") {
  TablePtr table = MakeTable("t1");
  CHECK(table->id() == 4242);
  CHECK(table->shape().hash.name == "Artist");
  CHECK(table->shape().hash.type == api::ScalarAttributeType::kS);
  REQUIRE(table->shape().range);
  CHECK(table->shape().range->name == "Year");
  CHECK(table->shape().range->type == api::ScalarAttributeType::kN);
  CHECK_FALSE(table->deleted());
  {
    std::unique_lock lock(table->lifecycle_mutex());
    table->MarkDeleted();
  }
  CHECK(table->deleted());
}

TEST_CASE("a Table's settings change through SetInfo; its schema does not", "[catalog]") {
  TablePtr table = MakeTable("t1");
  CHECK(table->name() == "t1");
  CHECK(table->schema().table_name == "t1");
  CHECK(table->schema().key_schema == SampleInfo().description.key_schema);
  CHECK(table->schema().attribute_definitions == SampleInfo().description.attribute_definitions);
  CHECK(table->info().description.billing_mode == api::BillingMode::kPayPerRequest);

  TableInfo changed = table->info();
  changed.description.billing_mode = api::BillingMode::kProvisioned;
  changed.description.provisioned_throughput = {3, 4};
  changed.description.deletion_protection_enabled = false;
  table->SetInfo(changed);
  CHECK(table->info().description.billing_mode == api::BillingMode::kProvisioned);
  CHECK(table->info().description.provisioned_throughput == api::ProvisionedThroughput{3, 4});
  CHECK_FALSE(table->info().description.deletion_protection_enabled);
  CHECK(table->info().tags == SampleInfo().tags);
  // The schema view holds only what never changes.
  CHECK(table->schema().billing_mode == api::BillingMode::kProvisioned);  // the default
  CHECK(table->schema().table_arn.empty());
}

TEST_CASE("TaskPool runs every task, in parallel, and drains its queue on destruction",
          "[task_pool]") {
  std::atomic<int> ran{0};
  std::atomic<int> concurrent{0};
  std::atomic<int> max_concurrent{0};
  {
    TaskPool pool(3);
    for (int i = 0; i < 30; ++i) {
      pool.Submit([&] {
        int now = ++concurrent;
        int seen = max_concurrent.load();
        while (now > seen && !max_concurrent.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --concurrent;
        ++ran;
      });
    }
  }  // destructor: the queued tasks still run
  CHECK(ran == 30);
  CHECK(max_concurrent > 1);
  CHECK(max_concurrent <= 3);
}

}  // namespace
}  // namespace ddbx::backend::engine
