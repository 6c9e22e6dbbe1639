#include "api/validation.h"

#include <algorithm>

namespace ddbx::api {
namespace {

constexpr std::string_view kInvalidPrefix = "One or more parameter values were invalid: ";

// The declared type of key attribute `name`, or nullptr if the table does not define it.
const AttributeDefinition* FindDefinition(const TableDescription& table, const std::string& name) {
  for (const AttributeDefinition& d : table.attribute_definitions) {
    if (d.attribute_name == name) return &d;
  }
  return nullptr;
}

AttributeType ToAttributeType(ScalarAttributeType t) {
  switch (t) {
    case ScalarAttributeType::kS:
      return AttributeType::kS;
    case ScalarAttributeType::kN:
      return AttributeType::kN;
    case ScalarAttributeType::kB:
      return AttributeType::kB;
  }
  return AttributeType::kS;
}

Error MissingDefinition(const std::string& name) {
  return Error::Internal("Internal server error: table has no definition for key attribute " +
                         name);
}

// Empty-value and size checks of one key attribute whose type is already known to match.
Status CheckKeyValue(const std::string& name, const AttributeValue& value, bool is_hash) {
  size_t size = 0;
  if (value.type() == AttributeType::kS) {
    if (value.s().empty()) {
      return Error::Validation(std::string(kEmptyKeyValuePrefix) + "string value. Key: " + name);
    }
    size = value.s().size();
  } else if (value.type() == AttributeType::kB) {
    if (value.b().empty()) {
      return Error::Validation(std::string(kEmptyKeyValuePrefix) + "binary value. Key: " + name);
    }
    size = value.b().size();
  }
  if (is_hash && size > kMaxPartitionKeyBytes) {
    return Error::Validation(std::string(kInvalidPrefix) +
                             "Size of hashkey has exceeded the maximum size limit of2048 bytes");
  }
  if (!is_hash && size > kMaxSortKeyBytes) {
    return Error::Validation(
        std::string(kInvalidPrefix) +
        "Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
  }
  return Status::Ok();
}

}  // namespace

size_t AttributeValueSizeBytes(const AttributeValue& value) {
  switch (value.type()) {
    case AttributeType::kS:
      return value.s().size();
    case AttributeType::kN:
      return value.n().SizeBytes();
    case AttributeType::kB:
      return value.b().size();
    case AttributeType::kBOOL:
    case AttributeType::kNULL:
      return 1;
    case AttributeType::kM: {
      size_t size = 3;
      for (const auto& [name, child] : value.m()) {
        size += 1 + name.size() + AttributeValueSizeBytes(child);
      }
      return size;
    }
    case AttributeType::kL: {
      size_t size = 3;
      for (const AttributeValue& child : value.l()) size += 1 + AttributeValueSizeBytes(child);
      return size;
    }
    case AttributeType::kSS: {
      size_t size = 0;
      for (const std::string& s : value.ss()) size += s.size();
      return size;
    }
    case AttributeType::kNS: {
      size_t size = 0;
      for (const Number& n : value.ns()) size += n.SizeBytes();
      return size;
    }
    case AttributeType::kBS: {
      size_t size = 0;
      for (const std::string& b : value.bs()) size += b.size();
      return size;
    }
  }
  return 0;
}

size_t ItemSizeBytes(const Item& item) {
  size_t size = 0;
  for (const auto& [name, value] : item) size += name.size() + AttributeValueSizeBytes(value);
  return size;
}

int NestingDepth(const AttributeValue& value) {
  int deepest_child = 0;
  if (value.type() == AttributeType::kM) {
    for (const auto& [name, child] : value.m()) {
      deepest_child = std::max(deepest_child, NestingDepth(child));
    }
  } else if (value.type() == AttributeType::kL) {
    for (const AttributeValue& child : value.l()) {
      deepest_child = std::max(deepest_child, NestingDepth(child));
    }
  }
  return 1 + deepest_child;
}

Status ValidateItemForTable(const Item& item, const TableDescription& table) {
  for (size_t i = 0; i < table.key_schema.size(); ++i) {
    const std::string& name = table.key_schema[i].attribute_name;
    const AttributeDefinition* def = FindDefinition(table, name);
    if (def == nullptr) return MissingDefinition(name);
    auto it = item.find(name);
    if (it == item.end()) {
      return Error::Validation(std::string(kInvalidPrefix) + "Missing the key " + name +
                               " in the item");
    }
    const AttributeType expected = ToAttributeType(def->attribute_type);
    if (it->second.type() != expected) {
      return Error::Validation(std::string(kInvalidPrefix) + "Type mismatch for key " + name +
                               " expected: " + std::string(AttributeTypeName(expected)) +
                               " actual: " + std::string(AttributeTypeName(it->second.type())));
    }
    if (Status s = CheckKeyValue(name, it->second, i == 0); !s.ok()) return s;
  }
  for (const auto& [name, value] : item) {
    if (NestingDepth(value) > kMaxNestingDepth) {
      return Error::Validation(std::string(kNestingTooDeepMessage));
    }
  }
  if (ItemSizeBytes(item) > kMaxItemSizeBytes) {
    return Error::Validation(std::string(kItemTooLargeMessage));
  }
  return Status::Ok();
}

Status ValidateKeyForTable(const Key& key, const TableDescription& table) {
  if (key.size() != table.key_schema.size()) {
    return Error::Validation(std::string(kKeySchemaMismatchMessage));
  }
  for (size_t i = 0; i < table.key_schema.size(); ++i) {
    const std::string& name = table.key_schema[i].attribute_name;
    const AttributeDefinition* def = FindDefinition(table, name);
    if (def == nullptr) return MissingDefinition(name);
    auto it = key.find(name);
    if (it == key.end() || it->second.type() != ToAttributeType(def->attribute_type)) {
      return Error::Validation(std::string(kKeySchemaMismatchMessage));
    }
    if (Status s = CheckKeyValue(name, it->second, i == 0); !s.ok()) return s;
  }
  return Status::Ok();
}

Key ExtractKey(const Item& item, const TableDescription& table) {
  Key key;
  for (const KeySchemaElement& element : table.key_schema) {
    auto it = item.find(element.attribute_name);
    if (it != item.end()) key.emplace(it->first, it->second);
  }
  return key;
}

}  // namespace ddbx::api
