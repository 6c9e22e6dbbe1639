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

void IndexUnits::Add(const IndexUnits& other, double factor) {
  for (const auto& [name, units] : other.global) global[name] += units * factor;
  for (const auto& [name, units] : other.local) local[name] += units * factor;
}

double IndexUnits::Sum() const {
  double sum = 0;
  for (const auto& [name, units] : global) sum += units;
  for (const auto& [name, units] : local) sum += units;
  return sum;
}

void AddIndexUnits(const IndexUnits& units, std::optional<ConsumedCapacity>* capacity) {
  if (capacity->has_value()) AddIndexUnits(units, &**capacity);
}

void AddIndexUnits(const IndexUnits& units, ConsumedCapacity* capacity) {
  if (units.empty()) return;
  ConsumedCapacity& c = *capacity;
  c.total.capacity_units += units.Sum();
  if (c.total.write_capacity_units) *c.total.write_capacity_units += units.Sum();
  if (!c.table.has_value()) return;  // TOTAL
  for (const auto& [name, value] : units.global)
    c.global_secondary_indexes[name].capacity_units += value;
  for (const auto& [name, value] : units.local)
    c.local_secondary_indexes[name].capacity_units += value;
}

double CapacityTally::Units(const std::string& table_name) const {
  auto it = units_.find(table_name);
  return it == units_.end() ? 0 : it->second;
}

std::vector<ConsumedCapacity> CapacityTally::Report(ReturnConsumedCapacity mode) const {
  std::vector<ConsumedCapacity> report;
  for (const auto& [table_name, units] : units_) {
    std::optional<ConsumedCapacity> consumed = MakeConsumedCapacity(mode, table_name, units);
    auto indexes = indexes_.find(table_name);
    if (indexes != indexes_.end()) AddIndexUnits(indexes->second, &consumed);
    if (consumed) report.push_back(std::move(*consumed));
  }
  return report;
}

}  // namespace ddbx::api
