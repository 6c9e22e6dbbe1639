// Cache keys: the strings under which the item cache and the query cache store their entries.
//
// Item cache: 'I' | table name | '\0' | the key attributes in key-schema order, each as its type
// tag and its value (numbers in canonical text, so {"N":"1.0"} and {"N":"1"} are one key).
//
// Query cache: 'Q' | table name | '\0' | the canonical form of every Query or Scan parameter
// that can change the result: operation, IndexName, the key condition (its conditions sorted by
// attribute), the filter tree, the projection's paths (sorted), Select, ScanIndexForward, Limit,
// ExclusiveStartKey, Segment and TotalSegments. Placeholders are resolved before the form is
// written (the trees hold attribute names and values, not "#n" / ":v"), and the form is written
// from the parsed request, so requests that differ only in JSON member order, whitespace,
// placeholder names, or legacy versus expression syntax of the same condition share one entry.
// ConsistentRead (only eventually consistent reads are cached) and ReturnConsumedCapacity (a hit
// reports zero units whatever was asked) are not part of it.
//
// Every table's entries share the prefix TablePrefix(kind, table), which DeleteTable and
// UpdateTable drop. All functions are pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/attribute_value.h"
#include "api/operations.h"

namespace ddbx::cache {

// A table's key schema, as the caches need it.
struct KeyNames {
  std::string hash;
  std::optional<std::string> range;
};

enum class EntryKind : char { kItem = 'I', kQuery = 'Q' };

std::string TablePrefix(EntryKind kind, std::string_view table);

// The item-cache key of `key`, or nullopt when `key` is not exactly the schema's attributes with
// scalar (S, N, B) values: such a request is left to the backend, which reports the error.
std::optional<std::string> ItemKey(std::string_view table, const KeyNames& names,
                                   const api::Key& key);
// The item-cache key of the item's primary key; nullopt when the item lacks a key attribute or
// holds one of a non-scalar type.
std::optional<std::string> ItemKeyOfItem(std::string_view table, const KeyNames& names,
                                         const api::Item& item);

// The canonical text of one key value: type tag and value ("S\x03abc"). nullopt for a value that
// is not S, N or B.
std::optional<std::string> KeyValueBytes(const api::AttributeValue& value);

// The query-cache key of a Query (is_scan false) or Scan.
std::string QueryKey(const api::ReadManyRequest& request, bool is_scan);

// The partition-key value a Query on a table reads: the value of the key condition's equality
// on `hash_key`, as KeyValueBytes. nullopt if there is none (the backend rejects such a Query).
std::optional<std::string> QueriedPartition(const api::ReadManyRequest& request,
                                            const std::string& hash_key);

}  // namespace ddbx::cache
