// Expressions: DynamoDB's expression language, parsed once into immutable trees and evaluated
// against items.
//
// Five kinds share one lexer and one grammar: condition (ConditionExpression, and the same
// language as FilterExpression), key-condition (KeyConditionExpression), update
// (UpdateExpression) and projection (ProjectionExpression). The legacy parameters (Expected,
// QueryFilter, ScanFilter, KeyConditions, AttributeUpdates, AttributesToGet) are translated into
// the same trees, so every backend evaluates one representation. docs/expressions.md has the
// grammar, the precedence, the evaluation rules and where each came from.
//
// Who calls what:
//   - the request decoder (api/codec.cc) calls Parse* / From* while decoding, with one
//     Placeholders per request, then CheckPlaceholdersUsed once all of the request's expressions
//     are parsed;
//   - a backend resolves key conditions against the table's key schema (ResolveKeyCondition),
//     checks updates and filters against the key (CheckUpdateAgainstKey, CheckFilterAgainstKey),
//     and evaluates per item (EvaluateCondition, ApplyUpdate, Project, ProjectUpdated).
// Every error is a ValidationException carrying DynamoDB's message. Parsed trees are immutable
// and shared through the shared_ptr aliases of api/operations.h; every function here is pure and
// may be called from any thread concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/attribute_value.h"
#include "api/error.h"
#include "api/operations.h"

namespace ddbx::api::expr {

// ---- Limits (DynamoDB's) ----

// An expression string longer than this many bytes is refused ("Expression size has exceeded the
// maximum allowed size; expression size: 4109").
inline constexpr size_t kMaxExpressionBytes = 4096;
// The longest ExpressionAttributeNames / ExpressionAttributeValues key, including '#' / ':'.
// The request decoder checks the keys; the parser only looks them up.
inline constexpr size_t kMaxPlaceholderBytes = 255;
// At most this many operands on the right of IN ("The IN operator is provided with too many
// operands; number of operands: 101").
inline constexpr size_t kMaxInOperands = 100;

// ---- Placeholders ----

// The request's ExpressionAttributeNames and ExpressionAttributeValues, shared by every
// expression of one request. Parse* records which ones each expression used; after parsing them
// all, CheckPlaceholdersUsed reports any the client sent but no expression used. Pointers are
// borrowed: they must outlive the Parse* calls (the trees copy what they use).
struct Placeholders {
  const std::map<std::string, std::string>* names = nullptr;  // "#n" -> attribute name
  const AttributeMap* values = nullptr;                       // ":v" -> value
  std::set<std::string> used_names;
  std::set<std::string> used_values;
};

// OK when every supplied name and value was used. Else ValidationException, names first:
//   "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
//   "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a}"
Status CheckPlaceholdersUsed(const Placeholders& placeholders);

// ---- The trees ----

// Where a parsed tree came from, so a request can be encoded again: the expression text and the
// placeholders it used, exactly as the client sent them. For a tree translated from a legacy
// parameter, `legacy` is true and text/names/values are an equivalent expression synthesized with
// placeholders "#n0".. and ":v0".. (so an expression-only upstream can be sent the same request).
struct ExpressionSource {
  std::string text;
  std::map<std::string, std::string> names;  // used ExpressionAttributeNames
  AttributeMap values;                       // used ExpressionAttributeValues
  bool legacy = false;
};

// One step of a document path: a map member (or, first, a top-level attribute) or a list index.
struct PathElement {
  std::string name;    // the member name with placeholders resolved; empty for an index
  uint32_t index = 0;  // the list index, when is_index
  bool is_index = false;
  bool operator==(const PathElement&) const = default;
};

// A document path such as a.b[3].c. elements[0] is always a name (the top-level attribute).
struct Path {
  std::vector<PathElement> elements;
  const std::string& attribute() const { return elements.front().name; }
  bool operator==(const Path&) const = default;
};

// DynamoDB's rendering of a path in messages: "[a, b, [3], c]".
std::string PathToString(const Path& path);

// An operand: what condition comparisons and functions, and SET's right-hand side, work on.
enum class OperandKind : uint8_t {
  kPath,         // path
  kValue,        // value (an ExpressionAttributeValue, resolved)
  kSize,         // size(path)                                       (conditions)
  kIfNotExists,  // if_not_exists(path, args[0])                     (updates)
  kListAppend,   // list_append(args[0], args[1])                    (updates)
  kPlus,         // args[0] + args[1]                                (updates)
  kMinus,        // args[0] - args[1]                                (updates)
};

struct Operand {
  OperandKind kind = OperandKind::kValue;
  Path path;
  AttributeValue value;
  std::vector<Operand> args;
};

enum class ConditionKind : uint8_t {
  kCompare,             // operands[0] <comparator> operands[1]
  kBetween,             // operands[0] BETWEEN operands[1] AND operands[2]
  kIn,                  // operands[0] IN (operands[1..])
  kAnd,                 // children[0] AND children[1]
  kOr,                  // children[0] OR children[1]
  kNot,                 // NOT children[0]
  kAttributeExists,     // attribute_exists(operands[0] path)
  kAttributeNotExists,  // attribute_not_exists(operands[0] path)
  kAttributeType,       // attribute_type(operands[0] path, operands[1])
  kBeginsWith,          // begins_with(operands[0], operands[1])
  kContains,            // contains(operands[0], operands[1])
};

enum class Comparator : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

struct ConditionNode {
  ConditionKind kind = ConditionKind::kCompare;
  Comparator comparator = Comparator::kEq;  // kCompare only
  std::vector<Operand> operands;
  std::vector<ConditionNode> children;
};

struct ConditionExpression {
  ExpressionSource source;
  ConditionNode root;
};

// Sort-key (and partition-key) operators a key condition allows.
enum class KeyOperator : uint8_t { kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };

// One "key op value" of a key condition: `values` holds one value, two for BETWEEN.
struct KeyCondition {
  std::string attribute;
  KeyOperator op = KeyOperator::kEq;
  std::vector<AttributeValue> values;
};

struct KeyConditionExpression {
  ExpressionSource source;
  std::vector<KeyCondition> conditions;  // one or two, in the order written
};

enum class UpdateActionKind : uint8_t { kSet, kRemove, kAdd, kDelete };

// One action of an update. SET: path = value (an operand tree). REMOVE: path. ADD / DELETE:
// path and value (a kValue operand).
struct UpdateAction {
  UpdateActionKind kind = UpdateActionKind::kSet;
  Path path;
  Operand value;
};

struct UpdateExpression {
  ExpressionSource source;
  std::vector<UpdateAction> actions;  // in clause order; paths never overlap
  // Set when translated from AttributeUpdates, whose ADD also appends to lists and whose ADD /
  // DELETE on an attribute of another type fail with "Type mismatch for attribute to update".
  // (Its DELETE without a value is translated to a REMOVE action.)
  bool legacy_add = false;
};

struct ProjectionExpression {
  ExpressionSource source;
  std::vector<Path> paths;  // no two overlap
};

// ---- Parsing ----
// Each returns the tree, or ValidationException with DynamoDB's message, e.g.
//   "Invalid UpdateExpression: Syntax error; token: \"=\", near: \"SET =\""
//   "Invalid ConditionExpression: The expression can not be empty;"
//   "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;
//    expression size: 4109"
//   "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
//   "Invalid ConditionExpression: The expression contains too many operators; operator count:
//    301"
//   "Invalid UpdateExpression: An expression attribute name used in the document path is not
//    defined; attribute name: #a"
//   "Invalid FilterExpression: An expression attribute value used in expression is not defined;
//    attribute value: :v"
// and records the placeholders used in *placeholders. REQUIRES: placeholders != nullptr.

// `parameter` is "ConditionExpression" or "FilterExpression" and names the parameter in messages.
Result<ConditionPtr> ParseCondition(std::string_view text, std::string_view parameter,
                                    Placeholders* placeholders);
// Schema-independent rules apply here ("Invalid operator used in KeyConditionExpression: OR",
// "KeyConditionExpressions must only contain one condition per key", ...); the schema is
// checked by ResolveKeyCondition.
Result<KeyConditionPtr> ParseKeyCondition(std::string_view text, Placeholders* placeholders);
Result<UpdatePtr> ParseUpdate(std::string_view text, Placeholders* placeholders);
Result<ProjectionPtr> ParseProjection(std::string_view text, Placeholders* placeholders);

// ---- Condition evaluation ----

// True when the condition holds for `item` (null: no item; every path is then missing).
// Conditions never fail at run time: a comparison of different types, a function applied to an
// unsupported type, or a missing attribute makes the sub-condition false (NOT inverts it).
bool EvaluateCondition(const ConditionExpression& condition, const Item* item);

// DynamoDB's value comparison: values of one scalar type compare by value (N numerically, S and
// B by unsigned bytes); anything else is unordered. Equality is defined for every type (sets
// regardless of member order). Exposed for backends (sort-key ranges, index filters).
bool ValuesEqual(const AttributeValue& a, const AttributeValue& b);
// -1, 0 or 1 when a and b are both S, both N or both B; nullopt otherwise.
std::optional<int> CompareScalars(const AttributeValue& a, const AttributeValue& b);

// ---- Key conditions ----

// The key condition of a Query, resolved against the key schema of the table or index queried.
struct KeyBounds {
  AttributeValue hash_value;
  std::optional<KeyCondition> range;  // the sort-key condition, if any (attribute = range key)
};

// Resolves against the schema. Errors (ValidationException), DynamoDB's messages:
//   "Query condition missed key schema element: id"            (no condition on the hash key)
//   "Query condition missed key schema element: sk"            (a non-key attribute is used)
//   "Query key condition not supported"    (hash key with a non-EQ op; a second condition on a
//                                           table or index without a sort key)
//   "One or more parameter values were invalid: Condition parameter type does not match schema
//    type"
//   "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator
//    or function: begins_with, operand type: N"                  (BEGINS_WITH on a number key)
//   "One or more parameter values are not valid. The AttributeValue for a key attribute cannot
//    contain an empty string value. Key: id"   (or "an empty binary value"; the hash key value)
// Checked in that order. REQUIRES: range_type is meaningful only when range_key != nullptr.
Result<KeyBounds> ResolveKeyCondition(const KeyConditionExpression& condition,
                                      const std::string& hash_key, ScalarAttributeType hash_type,
                                      const std::string* range_key, ScalarAttributeType range_type);

// True when `value` (the item's sort-key value) satisfies `range`. Values of another type fail.
bool SortKeyMatches(const KeyCondition& range, const AttributeValue& value);

// A Query's FilterExpression / QueryFilter may not name a key attribute:
//   "Filter Expression can only contain non-primary key attributes: Primary key attribute: id"
//   (legacy: "QueryFilter can only contain non-primary key attributes: Primary key attribute: id")
Status CheckFilterAgainstKey(const ConditionExpression& filter, const std::string& hash_key,
                             const std::string* range_key);

// A key attribute is a scalar, so a document path into one (id.a, id[0]) in a filter or a
// projection is refused before anything is read (dynalite, recorded against DynamoDB):
//   "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed:
//    Key: id". A null expression passes.
Status CheckKeyPathsScalar(const ConditionExpression* condition, const std::string& hash_key,
                           const std::string* range_key);
Status CheckKeyPathsScalar(const ProjectionExpression* projection, const std::string& hash_key,
                           const std::string* range_key);

// ---- Updates ----

// An update may not touch a key attribute:
//   "One or more parameter values were invalid: Cannot update attribute id. This attribute is
//    part of the key"
Status CheckUpdateAgainstKey(const UpdateExpression& update, const std::string& hash_key,
                             const std::string* range_key);

// The item after applying the update to `old_item` (null: no item; the new item then starts
// from `key`). SET values are all computed from the old item; then SET writes apply in path
// order (list appends in index order), then ADD and DELETE in the order written, then REMOVE
// with list indexes taken from the original lists (expression_update.cc explains why).
// Errors (ValidationException):
//   "The provided expression refers to an attribute that does not exist in the item"
//   "The document path provided in the update expression is invalid for update"
//   "An operand in the update expression has an incorrect data type"
//   "Type mismatch for attribute to update"          (legacy_add trees: ADD / DELETE types)
//   Number::Add / Number::Subtract's overflow and precision messages.
// Neither the 400 KB item size nor the nesting limit is checked here; the caller checks the
// result.
Result<Item> ApplyUpdate(const UpdateExpression& update, const Item* old_item, const Key& key);

// The top-level attribute names the update writes or removes, each once, in action order.
std::vector<std::string> UpdatedAttributes(const UpdateExpression& update);

// What ReturnValues UPDATED_OLD / UPDATED_NEW return: `item` (the old or the new image)
// projected onto the update's paths, as a ProjectionExpression of those paths would.
Item ProjectUpdated(const UpdateExpression& update, const Item& item);

// ---- Projections ----

// `item` restricted to the projection's paths: a path selects a value nested in maps and lists;
// what a path names but the item lacks is left out; list elements kept keep their order (and
// are renumbered); maps and lists that end up empty are left out.
Item Project(const ProjectionExpression& projection, const Item& item);
Item ProjectPaths(const std::vector<Path>& paths, const Item& item);

// ---- Legacy parameters ----

enum class ComparisonOperator : uint8_t {
  kEq,
  kNe,
  kLe,
  kLt,
  kGe,
  kGt,
  kNotNull,
  kNull,
  kContains,
  kNotContains,
  kBeginsWith,
  kIn,
  kBetween,
};
// "EQ", "NE", ... ; nullopt for anything else.
std::optional<ComparisonOperator> ComparisonOperatorFromName(std::string_view name);
std::string_view ComparisonOperatorName(ComparisonOperator op);

enum class ConditionalOperator : uint8_t { kAnd, kOr };

// One entry of Expected.
struct ExpectedAttributeValue {
  std::optional<AttributeValue> value;  // Value
  std::optional<bool> exists;           // Exists
  std::optional<ComparisonOperator> comparison_operator;
  std::optional<std::vector<AttributeValue>> attribute_value_list;  // AttributeValueList
};

// One entry of QueryFilter, ScanFilter or KeyConditions.
struct LegacyCondition {
  std::optional<ComparisonOperator> comparison_operator;  // required; absent: an error
  std::optional<std::vector<AttributeValue>> attribute_value_list;
};

enum class AttributeAction : uint8_t { kPut, kAdd, kDelete };

// One entry of AttributeUpdates.
struct AttributeValueUpdate {
  std::optional<AttributeValue> value;
  AttributeAction action = AttributeAction::kPut;  // PUT when absent
};

// Entries keep the order the client sent them in (messages name the first bad one). Each returns
// the tree, or ValidationException with DynamoDB's message, e.g.
//   "One or more parameter values were invalid: Invalid number of argument(s) for the EQ
//    ComparisonOperator"
//   "One or more parameter values were invalid: ComparisonOperator BETWEEN is not valid for SS
//    AttributeValue type"
// An empty input yields a null pointer (nothing to check).
Result<ConditionPtr> FromExpected(
    const std::vector<std::pair<std::string, ExpectedAttributeValue>>& expected,
    std::optional<ConditionalOperator> conditional_operator);
// `parameter` is "QueryFilter" or "ScanFilter".
Result<ConditionPtr> FromFilter(const std::vector<std::pair<std::string, LegacyCondition>>& filter,
                                std::optional<ConditionalOperator> conditional_operator,
                                std::string_view parameter);
Result<KeyConditionPtr> FromKeyConditions(
    const std::vector<std::pair<std::string, LegacyCondition>>& key_conditions);
Result<UpdatePtr> FromAttributeUpdates(
    const std::vector<std::pair<std::string, AttributeValueUpdate>>& updates);
Result<ProjectionPtr> FromAttributesToGet(const std::vector<std::string>& attributes);

}  // namespace ddbx::api::expr
