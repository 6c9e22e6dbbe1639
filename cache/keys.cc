#include "cache/keys.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "api/codec.h"
#include "api/expression.h"
#include "api/json_writer.h"

namespace ddbx::cache {
namespace {

// The canonical form is a sequence of tagged fields; every variable-length part is preceded by
// its length, so no two different requests can write the same bytes.
class FormWriter {
 public:
  explicit FormWriter(std::string* out) : out_(out) {}

  void Tag(char tag) { out_->push_back(tag); }
  void Bytes(std::string_view bytes) {
    Number(bytes.size());
    out_->append(bytes);
  }
  void Number(uint64_t n) {
    // Variable-length, 7 bits per byte.
    do {
      uint8_t b = n & 0x7f;
      n >>= 7;
      if (n != 0) b |= 0x80;
      out_->push_back(static_cast<char>(b));
    } while (n != 0);
  }
  void Value(const api::AttributeValue& value) {
    std::string json;
    api::JsonWriter w(&json);
    api::WriteAttributeValue(&w, value);
    Bytes(json);
  }
  void Path(const api::expr::Path& path) { Bytes(PathForm(path)); }

  static std::string PathForm(const api::expr::Path& path) {
    std::string form;
    FormWriter w(&form);
    w.Number(path.elements.size());
    for (const api::expr::PathElement& e : path.elements) {
      if (e.is_index) {
        w.Tag('i');
        w.Number(e.index);
      } else {
        w.Tag('n');
        w.Bytes(e.name);
      }
    }
    return form;
  }

  void Operand(const api::expr::Operand& operand) {
    Tag(static_cast<char>('a' + static_cast<int>(operand.kind)));
    switch (operand.kind) {
      case api::expr::OperandKind::kPath:
      case api::expr::OperandKind::kSize:
        Path(operand.path);
        break;
      case api::expr::OperandKind::kValue:
        Value(operand.value);
        break;
      default:
        // Update-only operands never appear in a filter; written in full all the same.
        Path(operand.path);
        Value(operand.value);
        break;
    }
    Number(operand.args.size());
    for (const api::expr::Operand& arg : operand.args) Operand(arg);
  }

  void Condition(const api::expr::ConditionNode& node) {
    Tag(static_cast<char>('A' + static_cast<int>(node.kind)));
    Tag(static_cast<char>('0' + static_cast<int>(node.comparator)));
    Number(node.operands.size());
    for (const api::expr::Operand& operand : node.operands) Operand(operand);
    Number(node.children.size());
    for (const api::expr::ConditionNode& child : node.children) Condition(child);
  }

 private:
  std::string* out_;
};

void AppendKeyValue(const api::AttributeValue& value, std::string* out) {
  FormWriter w(out);
  switch (value.type()) {
    case api::AttributeType::kS:
      w.Tag('S');
      w.Bytes(value.s());
      break;
    case api::AttributeType::kN:
      w.Tag('N');
      w.Bytes(value.n().ToString());
      break;
    case api::AttributeType::kB:
      w.Tag('B');
      w.Bytes(value.b());
      break;
    default:
      break;
  }
}

bool IsKeyType(const api::AttributeValue& value) {
  const api::AttributeType t = value.type();
  return t == api::AttributeType::kS || t == api::AttributeType::kN || t == api::AttributeType::kB;
}

// Appends the key attributes of `attributes` in schema order; false if one is missing or not
// a scalar key type.
bool AppendKey(const KeyNames& names, const api::AttributeMap& attributes, std::string* out) {
  auto hash = attributes.find(names.hash);
  if (hash == attributes.end() || !IsKeyType(hash->second)) return false;
  AppendKeyValue(hash->second, out);
  if (names.range) {
    auto range = attributes.find(*names.range);
    if (range == attributes.end() || !IsKeyType(range->second)) return false;
    AppendKeyValue(range->second, out);
  }
  return true;
}

}  // namespace

std::string TablePrefix(EntryKind kind, std::string_view table) {
  std::string prefix;
  prefix.reserve(table.size() + 2);
  prefix.push_back(static_cast<char>(kind));
  prefix.append(table);
  prefix.push_back('\0');
  return prefix;
}

std::optional<std::string> ItemKey(std::string_view table, const KeyNames& names,
                                   const api::Key& key) {
  if (key.size() != (names.range ? 2u : 1u)) return std::nullopt;
  std::string out = TablePrefix(EntryKind::kItem, table);
  if (!AppendKey(names, key, &out)) return std::nullopt;
  return out;
}

std::optional<std::string> ItemKeyOfItem(std::string_view table, const KeyNames& names,
                                         const api::Item& item) {
  std::string out = TablePrefix(EntryKind::kItem, table);
  if (!AppendKey(names, item, &out)) return std::nullopt;
  return out;
}

std::optional<std::string> KeyValueBytes(const api::AttributeValue& value) {
  if (!IsKeyType(value)) return std::nullopt;
  std::string out;
  AppendKeyValue(value, &out);
  return out;
}

std::string QueryKey(const api::ReadManyRequest& request, bool is_scan) {
  std::string out = TablePrefix(EntryKind::kQuery, request.table_name);
  FormWriter w(&out);
  w.Tag(is_scan ? 's' : 'q');
  if (request.index_name) {
    w.Tag('x');
    w.Bytes(*request.index_name);
  }
  if (request.key_condition) {
    // The conditions of a key condition are joined by AND: their order does not matter.
    std::vector<std::string> conditions;
    for (const api::expr::KeyCondition& c : request.key_condition->conditions) {
      std::string form;
      FormWriter cw(&form);
      cw.Bytes(c.attribute);
      cw.Tag(static_cast<char>('0' + static_cast<int>(c.op)));
      cw.Number(c.values.size());
      for (const api::AttributeValue& v : c.values) cw.Value(v);
      conditions.push_back(std::move(form));
    }
    std::sort(conditions.begin(), conditions.end());
    w.Tag('k');
    w.Number(conditions.size());
    for (const std::string& c : conditions) w.Bytes(c);
  }
  if (request.filter) {
    w.Tag('f');
    w.Condition(request.filter->root);
  }
  if (request.projection) {
    // A projection's result does not depend on the order of its paths.
    std::vector<std::string> paths;
    for (const api::expr::Path& p : request.projection->paths) {
      paths.push_back(FormWriter::PathForm(p));
    }
    std::sort(paths.begin(), paths.end());
    w.Tag('p');
    w.Number(paths.size());
    for (const std::string& p : paths) w.Bytes(p);
  }
  if (request.select) {
    w.Tag('S');
    w.Number(static_cast<uint64_t>(*request.select));
  }
  if (!is_scan) w.Tag(request.scan_index_forward ? '+' : '-');
  if (request.limit) {
    w.Tag('l');
    w.Number(static_cast<uint64_t>(*request.limit));
  }
  if (request.exclusive_start_key) {
    w.Tag('e');
    w.Bytes(api::EncodeItemJson(*request.exclusive_start_key));
  }
  if (request.segment) {
    w.Tag('g');
    w.Number(static_cast<uint64_t>(*request.segment));
  }
  if (request.total_segments) {
    w.Tag('t');
    w.Number(static_cast<uint64_t>(*request.total_segments));
  }
  return out;
}

std::optional<std::string> QueriedPartition(const api::ReadManyRequest& request,
                                            const std::string& hash_key) {
  if (!request.key_condition) return std::nullopt;
  for (const api::expr::KeyCondition& c : request.key_condition->conditions) {
    if (c.attribute == hash_key && c.op == api::expr::KeyOperator::kEq && c.values.size() == 1) {
      return KeyValueBytes(c.values.front());
    }
  }
  return std::nullopt;
}

}  // namespace ddbx::cache
