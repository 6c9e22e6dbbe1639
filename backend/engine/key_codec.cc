#include "backend/engine/key_codec.h"

#include <cassert>

namespace ddbx::backend::engine {

namespace {

// Escape scheme for S and B: 0x00 -> 0x00 0xFF, end of value -> 0x00 0x01. After a 0x00 the next
// byte is 0xFF (an escaped zero, which continues the value) or 0x01 (the end). The end marker
// sorts below every continuation, so a value sorts before every longer value it is a prefix of,
// exactly as DynamoDB orders S (UTF-8 bytes) and B (unsigned bytes).
constexpr char kEscape = 0x00;
constexpr char kEscapedZero = static_cast<char>(0xFF);
constexpr char kTerminator = 0x01;

void AppendEscapedBytes(std::string_view bytes, std::string* out) {
  out->reserve(out->size() + bytes.size() + 2);
  for (char c : bytes) {
    out->push_back(c);
    if (c == kEscape) out->push_back(kEscapedZero);
  }
  out->push_back(kEscape);
  out->push_back(kTerminator);
}

bool ParseEscapedBytes(std::string_view* in, std::string* out) {
  out->clear();
  size_t i = 0;
  while (i < in->size()) {
    char c = (*in)[i];
    if (c != kEscape) {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= in->size()) return false;
    char next = (*in)[i + 1];
    if (next == kTerminator) {
      in->remove_prefix(i + 2);
      return true;
    }
    if (next != kEscapedZero) return false;
    out->push_back(kEscape);
    i += 2;
  }
  return false;  // no terminator
}

const api::AttributeValue* FindAttribute(const api::AttributeMap& item, const std::string& name) {
  auto it = item.find(name);
  return it == item.end() ? nullptr : &it->second;
}

std::string KeyPrefixWithId(char prefix, uint32_t table_id) {
  std::string key(1, prefix);
  AppendUint32BE(table_id, &key);
  return key;
}

}  // namespace

std::string NextTableIdKey() { return std::string(1, kMetaPrefix) + "next_table_id"; }

std::string CatalogKey(std::string_view table_name) {
  std::string key(1, kCatalogPrefix);
  key.append(table_name);
  return key;
}

std::string CounterKey(uint32_t table_id) { return KeyPrefixWithId(kCounterPrefix, table_id); }

std::string CollectionKey(uint32_t table_id, std::string_view encoded_partition_key) {
  std::string key = KeyPrefixWithId(kCollectionPrefix, table_id);
  key.append(encoded_partition_key);
  return key;
}

std::string CollectionRangeBegin(uint32_t table_id) {
  return KeyPrefixWithId(kCollectionPrefix, table_id);
}

std::string CollectionRangeEnd(uint32_t table_id) {
  if (table_id == UINT32_MAX) return std::string(1, kCollectionPrefix + 1);
  return KeyPrefixWithId(kCollectionPrefix, table_id + 1);
}

std::string ItemRangeBegin(uint32_t table_id) { return KeyPrefixWithId(kItemPrefix, table_id); }

std::string ItemRangeEnd(uint32_t table_id) {
  if (table_id == UINT32_MAX) return std::string(1, kItemPrefix + 1);
  return KeyPrefixWithId(kItemPrefix, table_id + 1);
}

std::string ExpiryKey(uint32_t table_id, uint64_t expiry_seconds, std::string_view item_key) {
  std::string key = KeyPrefixWithId(kExpiryPrefix, table_id);
  AppendUint64BE(expiry_seconds, &key);
  key.append(item_key);
  return key;
}

std::string ExpiryRangeBegin(uint32_t table_id) { return KeyPrefixWithId(kExpiryPrefix, table_id); }

std::string ExpiryRangeEnd(uint32_t table_id) {
  if (table_id == UINT32_MAX) return std::string(1, kExpiryPrefix + 1);
  return KeyPrefixWithId(kExpiryPrefix, table_id + 1);
}

bool ParseExpiryKey(std::string_view key, ExpiryEntry* out) {
  if (key.size() < 1 + 4 + 8 || key[0] != kExpiryPrefix) return false;
  out->expiry_seconds = ReadUint64BE(key.data() + 5);
  out->item_key = key.substr(13);
  return true;
}

KeyShape KeyShape::Of(const api::TableDescription& table) {
  auto type_of = [&table](const std::string& name) {
    for (const auto& def : table.attribute_definitions) {
      if (def.attribute_name == name) return def.attribute_type;
    }
    assert(false && "key attribute without an attribute definition");
    return api::ScalarAttributeType::kS;
  };
  KeyShape shape;
  for (const auto& element : table.key_schema) {
    KeyAttribute attribute{element.attribute_name, type_of(element.attribute_name)};
    if (element.key_type == api::KeyType::kHash) {
      shape.hash = std::move(attribute);
    } else {
      shape.range = std::move(attribute);
    }
  }
  return shape;
}

void AppendKeyValue(const api::AttributeValue& value, api::ScalarAttributeType type,
                    std::string* out) {
  switch (type) {
    case api::ScalarAttributeType::kS:
      AppendEscapedBytes(value.s(), out);
      return;
    case api::ScalarAttributeType::kB:
      AppendEscapedBytes(value.b(), out);
      return;
    case api::ScalarAttributeType::kN:
      value.n().AppendOrderedBytes(out);
      return;
  }
}

bool ParseKeyValue(std::string_view* in, api::ScalarAttributeType type, api::AttributeValue* out) {
  switch (type) {
    case api::ScalarAttributeType::kS: {
      std::string s;
      if (!ParseEscapedBytes(in, &s)) return false;
      *out = api::AttributeValue::S(std::move(s));
      return true;
    }
    case api::ScalarAttributeType::kB: {
      std::string b;
      if (!ParseEscapedBytes(in, &b)) return false;
      *out = api::AttributeValue::B(std::move(b));
      return true;
    }
    case api::ScalarAttributeType::kN: {
      api::Number n;
      if (!api::Number::ParseOrderedBytes(in, &n)) return false;
      *out = api::AttributeValue::N(n);
      return true;
    }
  }
  return false;
}

void AppendKeyPrefix(const api::AttributeValue& prefix, api::ScalarAttributeType type,
                     std::string* out) {
  const std::string& bytes = type == api::ScalarAttributeType::kB ? prefix.b() : prefix.s();
  for (char c : bytes) {
    out->push_back(c);
    if (c == kEscape) out->push_back(kEscapedZero);
  }
}

std::string IndexRangeBegin(uint32_t table_id) { return KeyPrefixWithId(kIndexPrefix, table_id); }

std::string IndexRangeEnd(uint32_t table_id) {
  if (table_id == UINT32_MAX) return std::string(1, kIndexPrefix + 1);
  return KeyPrefixWithId(kIndexPrefix, table_id + 1);
}

std::string IndexSpace(uint32_t table_id, uint16_t index_id) {
  std::string space = KeyPrefixWithId(kIndexPrefix, table_id);
  space.push_back(static_cast<char>(index_id >> 8));
  space.push_back(static_cast<char>(index_id & 0xFF));
  return space;
}

std::string BucketBeginIn(std::string_view space, uint32_t bucket) {
  assert(bucket <= kBucketCount);
  if (bucket == kBucketCount) return PrefixSuccessor(std::string(space));
  std::string key(space);
  key.push_back(static_cast<char>(bucket >> 8));
  key.push_back(static_cast<char>(bucket & 0xFF));
  return key;
}

std::string BucketBegin(uint32_t table_id, uint32_t bucket) {
  return BucketBeginIn(ItemRangeBegin(table_id), bucket);
}

std::string PartitionPrefixIn(std::string_view space, const KeyShape& shape,
                              const api::AttributeValue& hash_value) {
  std::string partition;
  AppendKeyValue(hash_value, shape.hash.type, &partition);
  std::string key = BucketBeginIn(space, PartitionBucket(partition));
  key.append(partition);
  return key;
}

std::string PartitionPrefix(uint32_t table_id, const KeyShape& shape,
                            const api::AttributeValue& hash_value) {
  return PartitionPrefixIn(ItemRangeBegin(table_id), shape, hash_value);
}

std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

uint16_t PartitionBucket(std::string_view encoded_partition_key) {
  // 64-bit FNV-1a, then a murmur-style finalizer so that the top bits depend on every input
  // byte, then the top 16 bits. Fixed forever: buckets are part of every stored item key.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : encoded_partition_key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<uint16_t>(h >> 48);
}

std::string EncodeItemKey(uint32_t table_id, const KeyShape& shape, const api::AttributeMap& item) {
  return EncodeKeyIn(ItemRangeBegin(table_id), shape, item);
}

std::string EncodeIndexKey(uint32_t table_id, uint16_t index_id, const KeyShape& index_shape,
                           const KeyShape& table_shape, const api::AttributeMap& item) {
  std::string key = EncodeKeyIn(IndexSpace(table_id, index_id), index_shape, item);
  AppendKeyValue(*FindAttribute(item, table_shape.hash.name), table_shape.hash.type, &key);
  if (table_shape.range) {
    AppendKeyValue(*FindAttribute(item, table_shape.range->name), table_shape.range->type, &key);
  }
  return key;
}

api::Result<api::Key> DecodeIndexKey(std::string_view key, const KeyShape& index_shape,
                                     const KeyShape& table_shape) {
  auto malformed = [] {
    return api::Error::Internal("Internal server error: malformed index key");
  };
  if (key.size() < 9 || key[0] != kIndexPrefix) return malformed();
  std::string_view rest = key.substr(9);
  api::Key out;
  auto take = [&rest, &out](const KeyAttribute& attribute) {
    api::AttributeValue value;
    if (!ParseKeyValue(&rest, attribute.type, &value)) return false;
    out.insert_or_assign(attribute.name, std::move(value));
    return true;
  };
  if (!take(index_shape.hash) || (index_shape.range && !take(*index_shape.range)) ||
      !take(table_shape.hash) || (table_shape.range && !take(*table_shape.range)) ||
      !rest.empty()) {
    return malformed();
  }
  return out;
}

std::string EncodeKeyIn(std::string_view space, const KeyShape& shape,
                        const api::AttributeMap& item) {
  std::string partition;
  const api::AttributeValue* hash = FindAttribute(item, shape.hash.name);
  assert(hash != nullptr);
  AppendKeyValue(*hash, shape.hash.type, &partition);

  std::string key(space);
  uint16_t bucket = PartitionBucket(partition);
  key.push_back(static_cast<char>(bucket >> 8));
  key.push_back(static_cast<char>(bucket & 0xFF));
  key.append(partition);
  if (shape.range) {
    const api::AttributeValue* range = FindAttribute(item, shape.range->name);
    assert(range != nullptr);
    AppendKeyValue(*range, shape.range->type, &key);
  }
  return key;
}

api::Result<DecodedItemKey> DecodeItemKey(std::string_view key, const KeyShape& shape) {
  auto malformed = [] { return api::Error::Internal("Internal server error: malformed item key"); };
  if (key.size() < 7 || key[0] != kItemPrefix) return malformed();
  DecodedItemKey decoded;
  decoded.table_id = ReadUint32BE(key.data() + 1);
  decoded.bucket =
      static_cast<uint16_t>((static_cast<uint8_t>(key[5]) << 8) | static_cast<uint8_t>(key[6]));
  std::string_view rest = key.substr(7);
  std::string_view partition_start = rest;
  api::AttributeValue hash;
  if (!ParseKeyValue(&rest, shape.hash.type, &hash)) return malformed();
  std::string_view partition = partition_start.substr(0, partition_start.size() - rest.size());
  if (PartitionBucket(partition) != decoded.bucket) return malformed();
  decoded.key.emplace(shape.hash.name, std::move(hash));
  if (shape.range) {
    api::AttributeValue range;
    if (!ParseKeyValue(&rest, shape.range->type, &range)) return malformed();
    decoded.key.emplace(shape.range->name, std::move(range));
  }
  if (!rest.empty()) return malformed();
  return decoded;
}

std::string EncodeItemValue(uint64_t item_size, std::string_view item_json) {
  std::string value;
  value.reserve(1 + 10 + item_json.size());  // format byte, varint, JSON
  value.push_back(kItemValueFormat);
  AppendVarint64(item_size, &value);
  value.append(item_json);
  return value;
}

bool ParseItemValue(std::string_view value, ItemValueView* out) {
  if (value.empty() || value[0] != kItemValueFormat) return false;
  value.remove_prefix(1);
  if (!ParseVarint64(&value, &out->item_size)) return false;
  out->json = value;
  return true;
}

std::string EncodeCounters(const TableCounters& counters) {
  std::string value;
  AppendUint64BE(static_cast<uint64_t>(counters.item_count), &value);
  AppendUint64BE(static_cast<uint64_t>(counters.size_bytes), &value);
  return value;
}

bool ParseCounters(std::string_view value, TableCounters* out) {
  if (value.size() != 16) return false;
  out->item_count = static_cast<int64_t>(ReadUint64BE(value.data()));
  out->size_bytes = static_cast<int64_t>(ReadUint64BE(value.data() + 8));
  return true;
}

void AppendUint32BE(uint32_t v, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void AppendUint64BE(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint32_t ReadUint32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint64_t ReadUint64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void AppendVarint64(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool ParseVarint64(std::string_view* in, uint64_t* out) {
  uint64_t result = 0;
  for (size_t i = 0; i < in->size() && i < 10; ++i) {
    uint64_t byte = static_cast<uint8_t>((*in)[i]);
    result |= (byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *out = result;
      return true;
    }
  }
  return false;
}

}  // namespace ddbx::backend::engine
