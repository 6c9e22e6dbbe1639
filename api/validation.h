// Validation: DynamoDB's item and key limits, and the checks that need a table's schema.
//
// The request decoders (api/codec.h) already apply every rule that does not depend on the table:
// well-formed attribute values, the nesting limit, the 400 KB item size. The functions here are
// what a backend runs once it knows the table: PutItem's item must carry the key attributes
// with the declared types, GetItem's and DeleteItem's key must be exactly the key. Messages are
// DynamoDB's. Pure functions of their arguments; any thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "api/attribute_value.h"
#include "api/error.h"
#include "api/operations.h"

namespace ddbx::api {

// 409600 bytes, attribute names and values together.
inline constexpr size_t kMaxItemSizeBytes = size_t{400} * 1024;
inline constexpr size_t kMaxPartitionKeyBytes = 2048;
inline constexpr size_t kMaxSortKeyBytes = 1024;
// An attribute is level 1; a value nested in a map or list is one level deeper than its parent.
// A value deeper than this is refused.
inline constexpr int kMaxNestingDepth = 32;

inline constexpr std::string_view kItemTooLargeMessage =
    "Item size has exceeded the maximum allowed size";
inline constexpr std::string_view kNestingTooDeepMessage =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";
inline constexpr std::string_view kKeySchemaMismatchMessage =
    "The provided key element does not match the schema";
// How the message for an empty S or B key value begins ("... empty string value. Key: pk").
inline constexpr std::string_view kEmptyKeyValuePrefix =
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
    "contain an empty ";

// DynamoDB's item size rule, in bytes: S is its UTF-8 length, B its byte length, N
// Number::SizeBytes(), BOOL and NULL 1; a set is the sum of its members; a list or map is 3 bytes
// plus, per element, 1 byte + the element's size (+ the member name's length for a map).
size_t AttributeValueSizeBytes(const AttributeValue& value);
// Sum over attributes of name length + value size.
size_t ItemSizeBytes(const Item& item);

// The nesting level of `value` counted from 1 (a scalar, set or empty map/list is 1).
int NestingDepth(const AttributeValue& value);

// PutItem's item against the table's schema. For each key attribute, hash then range:
//   missing:   "One or more parameter values were invalid: Missing the key id in the item"
//   bad type:  "One or more parameter values were invalid: Type mismatch for key id expected: S
//               actual: N"
//   empty S/B: "One or more parameter values are not valid. The AttributeValue for a key
//               attribute cannot contain an empty string value. Key: id" (binary: "an empty
//               binary value")
//   too long:  "One or more parameter values were invalid: Size of hashkey has exceeded the
//               maximum size limit of2048 bytes" (sic), "One or more parameter values were
//               invalid: Aggregated size of all range keys has exceeded the size limit of 1024
//               bytes"
// then the nesting limit and the 400 KB item size. All ValidationException.
Status ValidateItemForTable(const Item& item, const TableDescription& table);

// GetItem's or DeleteItem's key: exactly the table's key attributes with the declared types, else
// ValidationException "The provided key element does not match the schema"; then the same empty
// and size checks as above.
Status ValidateKeyForTable(const Key& key, const TableDescription& table);

// The key attributes of `item` (hash and, if the table has one, range). REQUIRES: the item passed
// ValidateItemForTable.
Key ExtractKey(const Item& item, const TableDescription& table);

}  // namespace ddbx::api
