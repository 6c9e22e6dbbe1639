// Tests for api/capacity: DynamoDB's read and write unit rounding at the 4 KB and 1 KB
// boundaries, the minimum charges, the larger-image rule for replacing writes, and the shape of
// ConsumedCapacity for NONE, TOTAL and INDEXES (single table and tallied across tables).
#include "api/capacity.h"

#include <catch2/catch.hpp>

namespace ddbx::api {
namespace {

TEST_CASE("read units round up to 4 KB and halve for eventual consistency", "[capacity]") {
  CHECK(ReadCapacityUnits(0, true) == 1);  // a missing item still costs the minimum
  CHECK(ReadCapacityUnits(0, false) == 0.5);
  CHECK(ReadCapacityUnits(1, true) == 1);
  CHECK(ReadCapacityUnits(3500, false) == 0.5);  // the guide's 3,500-byte example
  CHECK(ReadCapacityUnits(4096, true) == 1);
  CHECK(ReadCapacityUnits(4097, true) == 2);
  CHECK(ReadCapacityUnits(4097, false) == 1);
  CHECK(ReadCapacityUnits(8192, true) == 2);  // the guide's 8 KB example: 2, or 1 eventually
  CHECK(ReadCapacityUnits(8192, false) == 1);
  CHECK(ReadCapacityUnits(10 * 1024, true) == 3);  // 10 KB rounds to 12 KB
  CHECK(ReadCapacityUnits(1024 * 1024, false) == 128);
  CHECK(ReadCapacityUnits(1024 * 1024 + 1, false) == 128.5);
}

TEST_CASE("write units round up to 1 KB, at least one", "[capacity]") {
  CHECK(WriteCapacityUnits(0) == 1);
  CHECK(WriteCapacityUnits(1) == 1);
  CHECK(WriteCapacityUnits(1024) == 1);
  CHECK(WriteCapacityUnits(1025) == 2);
  CHECK(WriteCapacityUnits(2560) == 3);  // the guide's 2.5 KB example
  CHECK(WriteCapacityUnits(400 * 1024) == 400);
}

TEST_CASE("a replacing write charges the larger of the two images", "[capacity]") {
  CHECK(ReplaceCapacityUnits(0, 500) == 1);      // new item
  CHECK(ReplaceCapacityUnits(3000, 100) == 3);   // shrinking overwrite
  CHECK(ReplaceCapacityUnits(100, 3000) == 3);   // growing overwrite
  CHECK(ReplaceCapacityUnits(2017, 117) == 2);   // the larger image, not the sum
  CHECK(ReplaceCapacityUnits(1500, 1500) == 2);  // not rounded on the summed bytes
  CHECK(ReplaceCapacityUnits(5000, 0) == 5);     // delete
  CHECK(ReplaceCapacityUnits(0, 0) == 1);        // delete of nothing
}

TEST_CASE("ConsumedCapacity for NONE, TOTAL and INDEXES", "[capacity]") {
  CHECK_FALSE(MakeConsumedCapacity(ReturnConsumedCapacity::kNone, "t", 1));

  auto total = MakeConsumedCapacity(ReturnConsumedCapacity::kTotal, "Music", 0.5);
  REQUIRE(total);
  CHECK(total->table_name == "Music");
  CHECK(total->total.capacity_units == 0.5);
  CHECK_FALSE(total->total.read_capacity_units);
  CHECK_FALSE(total->total.write_capacity_units);
  CHECK_FALSE(total->table);
  CHECK(total->local_secondary_indexes.empty());
  CHECK(total->global_secondary_indexes.empty());

  auto indexes = MakeConsumedCapacity(ReturnConsumedCapacity::kIndexes, "Music", 3);
  REQUIRE(indexes);
  CHECK(indexes->total.capacity_units == 3);
  REQUIRE(indexes->table);
  CHECK(indexes->table->capacity_units == 3);
  CHECK_FALSE(indexes->table->read_capacity_units);
  CHECK_FALSE(indexes->table->write_capacity_units);
}

TEST_CASE("CapacityTally reports one entry per table in name order", "[capacity]") {
  CapacityTally tally;
  tally.Add("zeta", 0.5);
  tally.Add("alpha", 1);
  tally.Add("zeta", 1.5);
  tally.Add("empty", 0);
  CHECK(tally.Units("zeta") == 2);
  CHECK(tally.Units("missing") == 0);
  CHECK(tally.Report(ReturnConsumedCapacity::kNone).empty());

  auto report = tally.Report(ReturnConsumedCapacity::kTotal);
  REQUIRE(report.size() == 3);
  CHECK(report[0].table_name == "alpha");
  CHECK(report[0].total.capacity_units == 1);
  CHECK(report[1].table_name == "empty");
  CHECK(report[1].total.capacity_units == 0);
  CHECK(report[2].table_name == "zeta");
  CHECK(report[2].total.capacity_units == 2);
  CHECK_FALSE(report[2].table);

  auto with_tables = tally.Report(ReturnConsumedCapacity::kIndexes);
  REQUIRE(with_tables.size() == 3);
  REQUIRE(with_tables[2].table);
  CHECK(with_tables[2].table->capacity_units == 2);
}

}  // namespace
}  // namespace ddbx::api
