#include "api/capacity.h"

#include <algorithm>

namespace ddbx::api {

namespace {

uint64_t UnitsRoundedUp(uint64_t bytes, uint64_t unit_bytes) {
  return std::max<uint64_t>(1, (bytes + unit_bytes - 1) / unit_bytes);
}

}  // namespace

double ReadCapacityUnits(uint64_t bytes, bool consistent_read) {
  double units = static_cast<double>(UnitsRoundedUp(bytes, kReadUnitBytes));
  return consistent_read ? units : units / 2;
}

double WriteCapacityUnits(uint64_t bytes) {
  return static_cast<double>(UnitsRoundedUp(bytes, kWriteUnitBytes));
}

double ReplaceCapacityUnits(uint64_t old_bytes, uint64_t new_bytes) {
  return WriteCapacityUnits(std::max(old_bytes, new_bytes));
}

std::optional<ConsumedCapacity> MakeConsumedCapacity(ReturnConsumedCapacity mode,
                                                     const std::string& table_name,
                                                     double table_units) {
  if (mode == ReturnConsumedCapacity::kNone) return std::nullopt;
  ConsumedCapacity consumed;
  consumed.table_name = table_name;
  consumed.total.capacity_units = table_units;
  if (mode == ReturnConsumedCapacity::kIndexes) {
    consumed.table = Capacity{};
    consumed.table->capacity_units = table_units;
  }
  return consumed;
}

double CapacityTally::Units(const std::string& table_name) const {
  auto it = units_.find(table_name);
  return it == units_.end() ? 0 : it->second;
}

std::vector<ConsumedCapacity> CapacityTally::Report(ReturnConsumedCapacity mode) const {
  std::vector<ConsumedCapacity> report;
  for (const auto& [table_name, units] : units_) {
    std::optional<ConsumedCapacity> consumed = MakeConsumedCapacity(mode, table_name, units);
    if (consumed) report.push_back(std::move(*consumed));
  }
  return report;
}

}  // namespace ddbx::api
