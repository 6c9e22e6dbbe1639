// Key codec: how the engine lays out its RocksDB keys, and how item values are framed.
//
// Every RocksDB key starts with one prefix byte naming its key space (catalog, metadata,
// per-table counters, items). An item key is
//
//   kItemPrefix | table id (4 bytes BE) | partition bucket (2 bytes BE)
//               | encoded partition key | encoded sort key (if the table has one)
//
// Key attribute values are encoded so that memcmp order equals DynamoDB's order for the type,
// and so that each encoding is self-delimiting (a decoder knows where it ends without a length):
//   S, B: the bytes with every 0x00 written as 0x00 0xFF, then the terminator 0x00 0x01;
//   N:    api::Number::AppendOrderedBytes.
// The bucket is a stable hash of the encoded partition key, so all items of one partition are
// contiguous and ordered by sort key, and partitions spread over 65536 buckets (parallel scan
// segments map onto bucket ranges). docs/storage-format.md has the whole format and the reasons.
//
// Pure functions over plain values; safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/attribute_value.h"
#include "api/error.h"
#include "api/operations.h"

namespace ddbx::backend::engine {

// Key-space prefix bytes. Values are part of the on-disk format: never renumber.
inline constexpr char kCatalogPrefix = 0x01;     // kCatalogPrefix | table name -> table record
inline constexpr char kMetaPrefix = 0x02;        // kMetaPrefix | name -> engine-wide metadata
inline constexpr char kCounterPrefix = 0x03;     // kCounterPrefix | table id -> item counters
inline constexpr char kCollectionPrefix = 0x04;  // kCollectionPrefix | table id | pk -> counters
inline constexpr char kItemPrefix = 0x10;        // kItemPrefix | table id | bucket | pk | sk
inline constexpr char kIndexPrefix = 0x11;       // kIndexPrefix | table id | index id | ... (below)
inline constexpr char kExpiryPrefix = 0x20;      // kExpiryPrefix | table id | expiry | item key

// The key of the persisted "next table id" counter.
std::string NextTableIdKey();
// The catalog key of a table.
std::string CatalogKey(std::string_view table_name);
// The counters key of a table (value: see EncodeCounterDelta).
std::string CounterKey(uint32_t table_id);
// The size counters of one item collection (the items of one partition key and their LSI
// entries) of a table with local secondary indexes: kCollectionPrefix | table id | encoded
// partition key. The bounds of a table's collection counters.
std::string CollectionKey(uint32_t table_id, std::string_view encoded_partition_key);
std::string CollectionRangeBegin(uint32_t table_id);
std::string CollectionRangeEnd(uint32_t table_id);
// The first key of a table's item range; ItemRangeBegin(id + 1) is the exclusive end.
std::string ItemRangeBegin(uint32_t table_id);
std::string ItemRangeEnd(uint32_t table_id);

// ---- Expiry entries (time to live) ----
//
// While a table has TTL enabled, every item whose TTL attribute holds a usable expiry time has
// one entry, with an empty value:
//   kExpiryPrefix | table id (4 bytes BE) | expiry (epoch seconds, 8 bytes BE) | item key
// so a table's entries are ordered by expiry, and the sweeper finds what is due by reading the
// range below ExpiryKey(id, now + 1, "") instead of scanning items.
std::string ExpiryKey(uint32_t table_id, uint64_t expiry_seconds, std::string_view item_key);
// The bounds of a table's expiry entries.
std::string ExpiryRangeBegin(uint32_t table_id);
std::string ExpiryRangeEnd(uint32_t table_id);
struct ExpiryEntry {
  uint64_t expiry_seconds = 0;
  std::string_view item_key;
};
// False on a key that is not an expiry entry.
bool ParseExpiryKey(std::string_view key, ExpiryEntry* out);

// The name and type of one key attribute, and a table's primary key shape.
struct KeyAttribute {
  std::string name;
  api::ScalarAttributeType type;
};
struct KeyShape {
  KeyAttribute hash;
  std::optional<KeyAttribute> range;

  // REQUIRES: `table` has a well-formed key schema whose attributes are all defined.
  static KeyShape Of(const api::TableDescription& table);
};

// Appends the order-preserving, self-delimiting encoding of one scalar key value.
// REQUIRES: value.type() matches `type` (validation has run).
void AppendKeyValue(const api::AttributeValue& value, api::ScalarAttributeType type,
                    std::string* out);
// Decodes one value written by AppendKeyValue, consuming it from *in. False on malformed bytes.
bool ParseKeyValue(std::string_view* in, api::ScalarAttributeType type, api::AttributeValue* out);

// ---- Key spaces ----
//
// A key space holds entries ordered like a table's items: space prefix | bucket (2 bytes BE) |
// encoded partition key | encoded sort key, where the bucket is PartitionBucket of the encoded
// partition key. A table's items are the space kItemPrefix | table id. Each secondary index is
// the space kIndexPrefix | table id | index id (2 bytes BE), keyed by the index's own partition
// and sort keys, and each index entry key ends with the item's table key (encoded partition key
// and sort key) so that items with equal index keys have distinct entries. A table's space is
// ItemRangeBegin(table id).
// The bounds of all the index spaces of a table.
std::string IndexRangeBegin(uint32_t table_id);
std::string IndexRangeEnd(uint32_t table_id);
std::string IndexSpace(uint32_t table_id, uint16_t index_id);
// The first key of `bucket` in `space`; BucketBeginIn(space, kBucketCount) is the end of the
// space. REQUIRES: bucket <= kBucketCount.
std::string BucketBeginIn(std::string_view space, uint32_t bucket);
// space | bucket | encoded partition key: the prefix of one partition's keys.
std::string PartitionPrefixIn(std::string_view space, const KeyShape& shape,
                              const api::AttributeValue& hash_value);
// space | bucket | encoded partition key | encoded sort key, of the key attributes in `item`.
// REQUIRES: `item` holds the shape's key attributes with its types.
std::string EncodeKeyIn(std::string_view space, const KeyShape& shape,
                        const api::AttributeMap& item);
// An index entry's key: EncodeKeyIn(index space, index shape, item) followed by the item's
// encoded table key. REQUIRES: `item` holds both shapes' key attributes with their types.
std::string EncodeIndexKey(uint32_t table_id, uint16_t index_id, const KeyShape& index_shape,
                           const KeyShape& table_shape, const api::AttributeMap& item);
// The key attributes of both shapes in an index entry key (what LastEvaluatedKey holds for an
// index). Malformed keys: InternalServerError.
api::Result<api::Key> DecodeIndexKey(std::string_view key, const KeyShape& index_shape,
                                     const KeyShape& table_shape);

// The partition bucket of an encoded partition key: a stable 16-bit hash (FNV-1a, folded).
// Part of the on-disk format: never change the function.
uint16_t PartitionBucket(std::string_view encoded_partition_key);

// Appends the escaped bytes of an S or B value without the terminator. The encoding of every
// value that begins with `prefix` begins with these bytes (and only such values' encodings do),
// which turns begins_with on a sort key into a key range. REQUIRES: type is S or B and matches.
void AppendKeyPrefix(const api::AttributeValue& prefix, api::ScalarAttributeType type,
                     std::string* out);

// The number of partition buckets: bucket values are 0..kBucketCount-1.
inline constexpr uint32_t kBucketCount = 65536;

// The first key of `bucket` in a table: kItemPrefix | table id | bucket. A bucket's items are
// [BucketBegin(id, b), BucketBegin(id, b + 1)); BucketBegin(id, kBucketCount) is
// ItemRangeEnd(id). REQUIRES: bucket <= kBucketCount.
std::string BucketBegin(uint32_t table_id, uint32_t bucket);

// The prefix every item key of one partition starts with: kItemPrefix | table id | bucket |
// encoded partition key. Encoded key values are self-delimiting, so no other partition's keys
// share it. REQUIRES: hash_value has the type of shape.hash.
std::string PartitionPrefix(uint32_t table_id, const KeyShape& shape,
                            const api::AttributeValue& hash_value);

// The smallest string greater than every string that begins with `prefix`: the prefix with its
// trailing 0xFF bytes dropped and its last byte incremented. Empty when no such string exists
// (the prefix is empty or all 0xFF), meaning "no upper bound".
std::string PrefixSuccessor(std::string prefix);

// The RocksDB key of the item whose key attributes are in `item` (an Item or a Key).
// REQUIRES: `item` holds the key attributes with the right types (validation has run).
std::string EncodeItemKey(uint32_t table_id, const KeyShape& shape, const api::AttributeMap& item);

// The parts of an item key.
struct DecodedItemKey {
  uint32_t table_id = 0;
  uint16_t bucket = 0;
  api::Key key;  // the key attributes, by name
};
// Decodes an item key written by EncodeItemKey for a table of this shape. On malformed bytes
// (wrong prefix, truncated, trailing bytes, bucket that does not match the partition key):
// InternalServerError.
api::Result<DecodedItemKey> DecodeItemKey(std::string_view key, const KeyShape& shape);

// ---- Item values ----
//
// value = kItemValueFormat | varint64 item size (api::ItemSizeBytes) | DynamoDB JSON of the item.
// The size rides in front so an overwrite or delete learns the old item's size for the
// TableSizeBytes counter without parsing its JSON.
inline constexpr char kItemValueFormat = 0x01;

std::string EncodeItemValue(uint64_t item_size, std::string_view item_json);
struct ItemValueView {
  uint64_t item_size = 0;
  std::string_view json;
};
// False on a malformed value (unknown format byte, bad varint).
bool ParseItemValue(std::string_view value, ItemValueView* out);

// ---- Counters ----
//
// A table's counters are one RocksDB value of two big-endian int64s: item count and total item
// size in bytes. Writers never read-modify-write them: each write adds a signed delta with a
// RocksDB Merge in the same WriteBatch as the item (see CounterMergeOperator in engine.cc).
struct TableCounters {
  int64_t item_count = 0;
  int64_t size_bytes = 0;
};
std::string EncodeCounters(const TableCounters& counters);
// False unless `value` is exactly 16 bytes.
bool ParseCounters(std::string_view value, TableCounters* out);

// Fixed-width helpers, exposed for tests and the catalog.
void AppendUint32BE(uint32_t v, std::string* out);
void AppendUint64BE(uint64_t v, std::string* out);
uint32_t ReadUint32BE(const char* p);
uint64_t ReadUint64BE(const char* p);
void AppendVarint64(uint64_t v, std::string* out);
bool ParseVarint64(std::string_view* in, uint64_t* out);

}  // namespace ddbx::backend::engine
