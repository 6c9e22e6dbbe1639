#include "backend/engine/catalog.h"

#include <bit>
#include <mutex>

namespace ddbx::backend::engine {

namespace {

// Record format version 2. Fields in order (docs/storage-format.md, "Catalog records"):
// version byte, id (u32 BE), name, arn, uuid, attribute definitions, key schema, creation time,
// billing mode, last switch to PAY_PER_REQUEST, read and write capacity, last increase and last
// decrease of capacity, decreases today, deletion protection, tags; then (version 2) the TTL
// attribute name, TTL enabled, the last TTL change. Strings are varint length + bytes; doubles
// are their IEEE-754 bits as u64 BE; small enums and flags are one byte. Version 1 records (no
// TTL fields) still decode, with TTL never enabled. Version 3 appends the secondary indexes:
// count, then per index its number (u16 BE), global flag, name, key schema, projection type,
// non-key attributes, read and write capacity.
constexpr char kRecordVersion1 = 0x01;
constexpr char kRecordVersion2 = 0x02;
constexpr char kRecordVersion = 0x03;

void AppendString(std::string_view s, std::string* out) {
  AppendVarint64(s.size(), out);
  out->append(s);
}

void AppendDouble(double d, std::string* out) { AppendUint64BE(std::bit_cast<uint64_t>(d), out); }

// Enums are stored as fixed byte values, independent of the C++ enumerators' order.
char AttributeTypeByte(api::ScalarAttributeType type) {
  switch (type) {
    case api::ScalarAttributeType::kS:
      return 0;
    case api::ScalarAttributeType::kN:
      return 1;
    case api::ScalarAttributeType::kB:
      return 2;
  }
  return 0;
}
bool AttributeTypeFromByte(uint8_t b, api::ScalarAttributeType* out) {
  static constexpr api::ScalarAttributeType kTypes[] = {
      api::ScalarAttributeType::kS, api::ScalarAttributeType::kN, api::ScalarAttributeType::kB};
  if (b >= 3) return false;
  *out = kTypes[b];
  return true;
}
char KeyTypeByte(api::KeyType type) { return type == api::KeyType::kHash ? 0 : 1; }
bool KeyTypeFromByte(uint8_t b, api::KeyType* out) {
  if (b >= 2) return false;
  *out = b == 0 ? api::KeyType::kHash : api::KeyType::kRange;
  return true;
}
char BillingModeByte(api::BillingMode mode) {
  return mode == api::BillingMode::kProvisioned ? 0 : 1;
}
char ProjectionTypeByte(api::ProjectionType type) {
  switch (type) {
    case api::ProjectionType::kAll:
      return 0;
    case api::ProjectionType::kKeysOnly:
      return 1;
    case api::ProjectionType::kInclude:
      return 2;
  }
  return 0;
}
bool ProjectionTypeFromByte(uint8_t b, api::ProjectionType* out) {
  static constexpr api::ProjectionType kTypes[] = {
      api::ProjectionType::kAll, api::ProjectionType::kKeysOnly, api::ProjectionType::kInclude};
  if (b >= 3) return false;
  *out = kTypes[b];
  return true;
}
bool BillingModeFromByte(uint8_t b, api::BillingMode* out) {
  if (b >= 2) return false;
  *out = b == 0 ? api::BillingMode::kProvisioned : api::BillingMode::kPayPerRequest;
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool Byte(uint8_t* out) {
    if (in_.empty()) return Fail();
    *out = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t* out) {
    if (in_.size() < 4) return Fail();
    *out = ReadUint32BE(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool U64(uint64_t* out) {
    if (in_.size() < 8) return Fail();
    *out = ReadUint64BE(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  bool Double(double* out) {
    uint64_t bits = 0;
    if (!U64(&bits)) return false;
    *out = std::bit_cast<double>(bits);
    return true;
  }
  bool Varint(uint64_t* out) { return ParseVarint64(&in_, out) || Fail(); }
  bool Int64(int64_t* out) {
    uint64_t v = 0;
    if (!Varint(&v)) return false;
    *out = static_cast<int64_t>(v);
    return true;
  }
  bool String(std::string* out) {
    uint64_t size = 0;
    if (!Varint(&size) || size > in_.size()) return Fail();
    out->assign(in_.substr(0, size));
    in_.remove_prefix(size);
    return true;
  }
  // A count of repeated elements; each takes at least one byte, which bounds it.
  bool Count(uint64_t* out) { return Varint(out) && (*out <= in_.size() || Fail()); }
  template <class Enum>
  bool EnumByte(bool (*from_byte)(uint8_t, Enum*), Enum* out) {
    uint8_t b = 0;
    return Byte(&b) && (from_byte(b, out) || Fail());
  }

  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string EncodeTableRecord(const TableInfo& info) {
  const api::TableDescription& d = info.description;
  std::string out(1, kRecordVersion);
  AppendUint32BE(info.id, &out);
  AppendString(d.table_name, &out);
  AppendString(d.table_arn, &out);
  AppendString(d.table_id, &out);
  AppendVarint64(d.attribute_definitions.size(), &out);
  for (const auto& def : d.attribute_definitions) {
    AppendString(def.attribute_name, &out);
    out.push_back(AttributeTypeByte(def.attribute_type));
  }
  AppendVarint64(d.key_schema.size(), &out);
  for (const auto& element : d.key_schema) {
    AppendString(element.attribute_name, &out);
    out.push_back(KeyTypeByte(element.key_type));
  }
  AppendDouble(d.creation_date_time, &out);
  out.push_back(BillingModeByte(d.billing_mode));
  AppendDouble(d.last_update_to_pay_per_request_date_time, &out);
  AppendVarint64(static_cast<uint64_t>(d.provisioned_throughput.read_capacity_units), &out);
  AppendVarint64(static_cast<uint64_t>(d.provisioned_throughput.write_capacity_units), &out);
  AppendDouble(d.last_increase_date_time, &out);
  AppendDouble(d.last_decrease_date_time, &out);
  AppendVarint64(static_cast<uint64_t>(d.number_of_decreases_today), &out);
  out.push_back(d.deletion_protection_enabled ? 1 : 0);
  AppendVarint64(info.tags.size(), &out);
  for (const auto& tag : info.tags) {
    AppendString(tag.key, &out);
    AppendString(tag.value, &out);
  }
  AppendString(info.ttl.attribute_name, &out);
  out.push_back(info.ttl.enabled ? 1 : 0);
  AppendDouble(info.ttl.last_change, &out);
  AppendVarint64(info.indexes.size(), &out);
  for (const IndexInfo& index : info.indexes) {
    out.push_back(static_cast<char>(index.id >> 8));
    out.push_back(static_cast<char>(index.id & 0xFF));
    out.push_back(static_cast<char>((index.global ? 1 : 0) | (index.backfilling ? 2 : 0)));
    const api::SecondaryIndex& d = index.definition;
    AppendString(d.index_name, &out);
    AppendVarint64(d.key_schema.size(), &out);
    for (const auto& element : d.key_schema) {
      AppendString(element.attribute_name, &out);
      out.push_back(KeyTypeByte(element.key_type));
    }
    out.push_back(ProjectionTypeByte(d.projection.type));
    AppendVarint64(d.projection.non_key_attributes.size(), &out);
    for (const std::string& name : d.projection.non_key_attributes) AppendString(name, &out);
    AppendVarint64(static_cast<uint64_t>(d.provisioned_throughput.read_capacity_units), &out);
    AppendVarint64(static_cast<uint64_t>(d.provisioned_throughput.write_capacity_units), &out);
  }
  return out;
}

api::Result<TableInfo> DecodeTableRecord(std::string_view record) {
  auto corrupt = [] { return api::Error::Internal("Internal server error: corrupt table record"); };
  Reader r(record);
  uint8_t version = 0;
  if (!r.Byte(&version) || version < static_cast<uint8_t>(kRecordVersion1) ||
      version > static_cast<uint8_t>(kRecordVersion)) {
    return corrupt();
  }

  TableInfo info;
  api::TableDescription& d = info.description;
  uint64_t count = 0;
  if (!(r.U32(&info.id) && r.String(&d.table_name) && r.String(&d.table_arn) &&
        r.String(&d.table_id) && r.Count(&count))) {
    return corrupt();
  }
  for (uint64_t i = 0; r.ok() && i < count; ++i) {
    api::AttributeDefinition def;
    if (r.String(&def.attribute_name) && r.EnumByte(AttributeTypeFromByte, &def.attribute_type)) {
      d.attribute_definitions.push_back(std::move(def));
    }
  }
  if (!r.ok() || !r.Count(&count)) return corrupt();
  for (uint64_t i = 0; r.ok() && i < count; ++i) {
    api::KeySchemaElement element;
    if (r.String(&element.attribute_name) && r.EnumByte(KeyTypeFromByte, &element.key_type)) {
      d.key_schema.push_back(std::move(element));
    }
  }
  uint8_t protection = 0;
  if (!(r.ok() && r.Double(&d.creation_date_time) &&
        r.EnumByte(BillingModeFromByte, &d.billing_mode) &&
        r.Double(&d.last_update_to_pay_per_request_date_time) &&
        r.Int64(&d.provisioned_throughput.read_capacity_units) &&
        r.Int64(&d.provisioned_throughput.write_capacity_units) &&
        r.Double(&d.last_increase_date_time) && r.Double(&d.last_decrease_date_time) &&
        r.Int64(&d.number_of_decreases_today) && r.Byte(&protection) && r.Count(&count))) {
    return corrupt();
  }
  d.deletion_protection_enabled = protection != 0;
  for (uint64_t i = 0; r.ok() && i < count; ++i) {
    api::Tag tag;
    if (r.String(&tag.key) && r.String(&tag.value)) info.tags.push_back(std::move(tag));
  }
  if (version >= static_cast<uint8_t>(kRecordVersion2)) {
    uint8_t enabled = 0;
    if (r.ok() && r.String(&info.ttl.attribute_name) && r.Byte(&enabled) &&
        r.Double(&info.ttl.last_change)) {
      info.ttl.enabled = enabled != 0;
    }
  }
  if (version >= static_cast<uint8_t>(kRecordVersion) && r.ok() && r.Count(&count)) {
    for (uint64_t i = 0; r.ok() && i < count; ++i) {
      IndexInfo index;
      uint8_t hi = 0, lo = 0, global = 0;
      uint64_t elements = 0, names = 0;
      api::SecondaryIndex& d = index.definition;
      if (!(r.Byte(&hi) && r.Byte(&lo) && r.Byte(&global) && r.String(&d.index_name) &&
            r.Count(&elements))) {
        break;
      }
      index.id = static_cast<uint16_t>((hi << 8) | lo);
      index.global = (global & 1) != 0;
      index.backfilling = (global & 2) != 0;
      for (uint64_t k = 0; r.ok() && k < elements; ++k) {
        api::KeySchemaElement element;
        if (r.String(&element.attribute_name) && r.EnumByte(KeyTypeFromByte, &element.key_type)) {
          d.key_schema.push_back(std::move(element));
        }
      }
      if (!(r.ok() && r.EnumByte(ProjectionTypeFromByte, &d.projection.type) && r.Count(&names))) {
        break;
      }
      for (uint64_t k = 0; r.ok() && k < names; ++k) {
        std::string name;
        if (r.String(&name)) d.projection.non_key_attributes.push_back(std::move(name));
      }
      if (r.Int64(&d.provisioned_throughput.read_capacity_units) &&
          r.Int64(&d.provisioned_throughput.write_capacity_units)) {
        info.indexes.push_back(std::move(index));
      }
    }
  }
  if (!r.ok() || !r.done()) return corrupt();

  // The key schema must be usable: a HASH key first, an optional RANGE key, all defined.
  auto defined = [&d](const std::string& name) {
    for (const auto& def : d.attribute_definitions) {
      if (def.attribute_name == name) return true;
    }
    return false;
  };
  if (d.key_schema.empty() || d.key_schema.size() > 2 ||
      d.key_schema[0].key_type != api::KeyType::kHash ||
      (d.key_schema.size() == 2 && d.key_schema[1].key_type != api::KeyType::kRange)) {
    return corrupt();
  }
  for (const auto& element : d.key_schema) {
    if (!defined(element.attribute_name)) return corrupt();
  }
  for (const IndexInfo& index : info.indexes) {
    const auto& ks = index.definition.key_schema;
    if (ks.empty() || ks.size() > 2 || ks[0].key_type != api::KeyType::kHash ||
        (ks.size() == 2 && ks[1].key_type != api::KeyType::kRange)) {
      return corrupt();
    }
    for (const auto& element : ks) {
      if (!defined(element.attribute_name)) return corrupt();
    }
  }
  d.table_status = api::TableStatus::kActive;
  return info;
}

namespace {

// The parts of a description that never change: name, key schema, attribute definitions.
api::TableDescription SchemaOf(const api::TableDescription& d) {
  api::TableDescription schema;
  schema.table_name = d.table_name;
  schema.attribute_definitions = d.attribute_definitions;
  schema.key_schema = d.key_schema;
  return schema;
}

}  // namespace

IndexSet IndexShapesOf(const TableInfo& info) {
  auto shapes = std::make_shared<std::vector<IndexShape>>();
  for (const IndexInfo& index : info.indexes) {
    api::TableDescription keys;  // KeyShape::Of reads the key schema and its definitions
    keys.attribute_definitions = info.description.attribute_definitions;
    keys.key_schema = index.definition.key_schema;
    shapes->push_back(IndexShape{index.id, index.global, index.backfilling,
                                 index.definition.index_name, KeyShape::Of(keys),
                                 index.definition.projection});
  }
  return shapes;
}

Table::Table(TableInfo info)
    : id_(info.id),
      schema_(SchemaOf(info.description)),
      shape_(KeyShape::Of(info.description)),
      info_(std::move(info)),
      indexes_(IndexShapesOf(info_)) {}

IndexSet Table::indexes() const {
  std::lock_guard lock(info_mu_);
  return indexes_;
}

void Table::SetIndexes(IndexSet indexes) {
  std::lock_guard lock(info_mu_);
  indexes_ = std::move(indexes);
}

IndexPtr Table::FindIndex(std::string_view name) const {
  IndexSet set = indexes();
  for (const IndexShape& index : *set) {
    if (index.name == name) return IndexPtr(set, &index);
  }
  return nullptr;
}

TableInfo Table::info() const {
  std::lock_guard lock(info_mu_);
  return info_;
}

void Table::SetInfo(TableInfo info) {
  std::lock_guard lock(info_mu_);
  info_ = std::move(info);
}

std::optional<std::string> Table::ttl_attribute() const {
  std::lock_guard lock(info_mu_);
  if (!info_.ttl.enabled) return std::nullopt;
  return info_.ttl.attribute_name;
}

std::vector<TablePtr> Catalog::All() const {
  std::shared_lock lock(mu_);
  std::vector<TablePtr> out;
  out.reserve(tables_.size());
  for (const auto& [name, table] : tables_) out.push_back(table);
  return out;
}

TablePtr Catalog::Find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

void Catalog::Insert(TablePtr table) {
  std::unique_lock lock(mu_);
  std::string name = table->name();
  tables_.emplace(std::move(name), std::move(table));
}

void Catalog::Erase(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = tables_.find(name);
  if (it != tables_.end()) tables_.erase(it);
}

size_t Catalog::size() const {
  std::shared_lock lock(mu_);
  return tables_.size();
}

api::ListTablesResponse Catalog::List(const std::optional<std::string>& exclusive_start,
                                      size_t limit) const {
  api::ListTablesResponse response;
  std::shared_lock lock(mu_);
  auto it = exclusive_start ? tables_.upper_bound(*exclusive_start) : tables_.begin();
  for (; it != tables_.end() && response.table_names.size() < limit; ++it) {
    response.table_names.push_back(it->first);
  }
  if (it != tables_.end() && !response.table_names.empty()) {
    response.last_evaluated_table_name = response.table_names.back();
  }
  return response;
}

}  // namespace ddbx::backend::engine
