// Capacity: DynamoDB's capacity-unit arithmetic, and the ConsumedCapacity values a backend
// reports when a request sets ReturnConsumedCapacity.
//
// The rules (Amazon DynamoDB Developer Guide, "DynamoDB read and write operations"):
//   - Reads are counted in 4 KB units, rounded up; a strongly consistent read of up to 4 KB is one
//     read unit, an eventually consistent one half a unit. Reading an item that does not exist
//     still costs the minimum (one unit, or half a unit).
//   - GetItem charges the item's size; BatchGetItem charges each item on its own (each rounded
//     up to 4 KB, then summed). Query and Scan add up the sizes of every item read, before any
//     filter or projection, and round the total up once.
//   - Writes are counted in 1 KB units, rounded up, at least one unit. PutItem and UpdateItem
//     charge the larger of the item before and after the write; DeleteItem charges the deleted
//     item; BatchWriteItem charges each put or delete as the single-item call would.
//   - Projections and Select COUNT do not change what a read costs.
// With ReturnConsumedCapacity TOTAL a response carries {"TableName", "CapacityUnits"}; with
// INDEXES it also carries "Table": {"CapacityUnits"} and one entry per secondary index touched.
// Non-transactional operations report no ReadCapacityUnits / WriteCapacityUnits members (real
// DynamoDB adds those to "Table" for transactions only).
//
// Pure functions and a plain value type; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/operations.h"

namespace ddbx::api {

inline constexpr uint64_t kReadUnitBytes = 4096;
inline constexpr uint64_t kWriteUnitBytes = 1024;

// Read units for `bytes` read in one operation: ceil(bytes / 4 KB), at least 1; half of that for
// an eventually consistent read (so 0.5 is the smallest charge).
double ReadCapacityUnits(uint64_t bytes, bool consistent_read);

// Write units for writing (or deleting) an item of `bytes`: ceil(bytes / 1 KB), at least 1.
double WriteCapacityUnits(uint64_t bytes);

// Write units for a write that replaces `old_bytes` (0: no item) with `new_bytes` (0: deleted):
// the larger image decides.
double ReplaceCapacityUnits(uint64_t old_bytes, uint64_t new_bytes);

// What one single-table call reports: nullopt for NONE; TOTAL: the table name and units;
// INDEXES: the same, plus the table's share ("Table").
std::optional<ConsumedCapacity> MakeConsumedCapacity(ReturnConsumedCapacity mode,
                                                     const std::string& table_name,
                                                     double table_units);

// Write units a request's item writes cost in one table's secondary indexes, by index name.
// An index a write did not change costs nothing and is not listed (DynamoDB leaves it out).
struct IndexUnits {
  std::map<std::string, double> global;
  std::map<std::string, double> local;
  void Add(const IndexUnits& other, double factor = 1);
  double Sum() const;
  bool empty() const { return global.empty() && local.empty(); }
};

// Adds index units to what one table reports: to CapacityUnits always, and with INDEXES as
// GlobalSecondaryIndexes / LocalSecondaryIndexes entries. Nothing for NONE.
void AddIndexUnits(const IndexUnits& units, ConsumedCapacity* capacity);
void AddIndexUnits(const IndexUnits& units, std::optional<ConsumedCapacity>* capacity);

// Capacity of a request that touches several tables (BatchGetItem, BatchWriteItem): add each
// item's units as it is processed, then Report() one ConsumedCapacity per table, in table-name
// order. A table added with zero units still appears.
class CapacityTally {
 public:
  void Add(const std::string& table_name, double units) { units_[table_name] += units; }
  void AddIndexes(const std::string& table_name, const IndexUnits& units, double factor = 1) {
    indexes_[table_name].Add(units, factor);
  }
  double Units(const std::string& table_name) const;

  // Empty for NONE.
  std::vector<ConsumedCapacity> Report(ReturnConsumedCapacity mode) const;

 private:
  std::map<std::string, double> units_;
  std::map<std::string, IndexUnits> indexes_;
};

}  // namespace ddbx::api
