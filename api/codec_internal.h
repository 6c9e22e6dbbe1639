// Codec internals: the pieces the codec's translation units share (codec.cc: values, tables and
// the shared readers; codec_expressions.cc: expression and legacy parameters; codec_item.cc,
// codec_read.cc, codec_batch.cc: the data-plane decoders; codec_response.cc: their responses).
//
// Not an interface: only api/codec*.cc include this header. The contract of the codec, and the
// order of its checks, are in api/codec.h. Everything here is a pure function or a plain value
// used by one request decode on one thread.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/attribute_value.h"
#include "api/error.h"
#include "api/expression.h"
#include "api/json_writer.h"
#include "api/operations.h"

namespace ddbx::api::codec_internal {

namespace dom = simdjson::dom;

#define DDBX_CODEC_RETURN_IF_ERROR(expr)       \
  do {                                         \
    if (const Status& _s = (expr); !_s.ok()) { \
      return _s.error();                       \
    }                                          \
  } while (0)

// ---- Messages shared by several decoders ----

inline constexpr std::string_view kInvalidPrefix = "One or more parameter values were invalid: ";
inline constexpr std::string_view kEmptyValue =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
inline constexpr std::string_view kMultipleTypes =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
    "supported datatypes";
inline constexpr std::string_view kStructOrMap =
    "Start of structure or map found where not expected";
inline constexpr std::string_view kUnexpectedField = "Unexpected field type";
inline constexpr std::string_view kUnexpectedValue = "Unexpected value type in payload";
inline constexpr std::string_view kModelPackage = "com.amazonaws.dynamodb.v20120810.";
inline constexpr std::string_view kAttributeValueMap =
    "com.amazonaws.dynamodb.v20120810.AttributeValue";
inline constexpr std::string_view kTableNamePattern = "[a-zA-Z0-9_.-]+";
inline constexpr int64_t kMaxCapacityUnits = 1000000000000;  // 10^12
inline constexpr size_t kMaxConstraintErrors = 10;

std::string Concat(std::initializer_list<std::string_view> parts);
Error Serialization(std::string_view message);
Error Invalid(std::string_view message);
// "One or more parameter values were invalid: <detail>".
Error InvalidParameter(std::string_view detail);
// "ddbx does not support <member> yet".
Error Unsupported(std::string_view member);

// ---- JSON types as DynamoDB's deserializer names them ----
// Each reader returns SerializationException with DynamoDB's message when `e` has another JSON
// type. REQUIRES: `e` is not JSON null (callers skip null members: null is the same as absent).

enum class Kind { kNull, kTrue, kFalse, kInteger, kDecimal, kString, kArray, kObject };
Kind KindOf(dom::element e);

Status ReadString(dom::element e, std::string_view* out);
Status ReadBool(dom::element e, bool* out);
// An integral member (Java Integer or Long). A JSON decimal is truncated toward zero; values
// beyond 64 bits saturate.
Status ReadInteger(dom::element e, std::string_view java_type, int64_t* out);
// A binary member: a base64 string. `text` receives the string as sent.
Status ReadBlob(dom::element e, std::string* out, std::string_view* text);
// A member whose model type is a list.
Status ExpectList(dom::element e, dom::array* out);
// A member whose model type is a map from strings to `value_class` (a Java class name).
Status ExpectMap(dom::element e, std::string_view value_class, dom::object* out);
// A structure that is a member of another structure, e.g. ProvisionedThroughput.
Status ExpectFieldStruct(dom::element e, std::string_view model_class, dom::object* out);
// A structure that is a list element or a map value, e.g. a KeySchemaElement.
Status ExpectValueStruct(dom::element e, std::string_view model_class, dom::object* out);
// A list of strings; a JSON null element becomes an empty string_view.
Status ReadStringList(dom::element e, std::vector<std::string_view>* out);

// A list of structures of model class `model_class` (each a list element). Each element appends
// one T to *out (a JSON null element appends a default T); read_field(key, value, &t) is called
// for each member that is not JSON null and returns the member's Status. Errors: the first JSON
// type error, from ExpectList, ExpectValueStruct or read_field.
template <class T, class ReadField>
Status ReadStructList(dom::element e, std::string_view model_class, std::vector<T>* out,
                      ReadField&& read_field) {
  dom::array array;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectList(e, &array));
  for (dom::element el : array) {
    T& t = out->emplace_back();
    if (el.is_null()) continue;
    dom::object object;
    DDBX_CODEC_RETURN_IF_ERROR(ExpectValueStruct(el, model_class, &object));
    for (dom::key_value_pair field : object) {
      if (field.value.is_null()) continue;
      DDBX_CODEC_RETURN_IF_ERROR(read_field(field.key, field.value, &t));
    }
  }
  return Status::Ok();
}

// A string member of T, named as DynamoDB's JSON names it.
template <class T>
struct StringMember {
  std::string_view name;
  std::optional<std::string_view> T::*member;
};

// A list of structures whose modelled members are all strings (KeySchema, AttributeDefinitions,
// Tags): ReadStructList with each of `members` read by ReadString; other members are ignored.
template <class T>
Status ReadStringStructList(dom::element e, std::string_view model_class,
                            std::initializer_list<StringMember<T>> members, std::vector<T>* out) {
  return ReadStructList(e, model_class, out,
                        [members](std::string_view key, dom::element value, T* t) -> Status {
                          for (const StringMember<T>& m : members) {
                            if (key != m.name) continue;
                            std::string_view s;
                            DDBX_CODEC_RETURN_IF_ERROR(ReadString(value, &s));
                            t->*m.member = s;
                            break;
                          }
                          return Status::Ok();
                        });
}

// ---- Parsing ----

// The parser for a body of `size` bytes: the thread's reusable one, or *one_off for large
// bodies. Parsing with the reusable parser invalidates the DOM of its previous parse on this
// thread.
dom::parser* ParserFor(size_t size, std::optional<dom::parser>* one_off);

// Parses `body` and calls fn(dom::object) with its top-level object. A body that is not JSON, or
// whose top level is not an object, is a SerializationException without a message; a top-level
// null is an empty object.
template <class T, class Fn>
Result<T> WithBodyObject(std::string_view body, Fn&& fn) {
  std::optional<dom::parser> one_off;
  dom::parser* parser = ParserFor(body.size(), &one_off);
  dom::element root;
  if (parser->parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    return Serialization("");
  }
  if (root.type() == dom::element_type::NULL_VALUE) {
    if (parser->parse("{}", 2, true).get(root) != simdjson::SUCCESS) return Serialization("");
  }
  if (root.type() != dom::element_type::OBJECT) return Serialization("");
  return fn(root.get_object().value_unsafe());
}

// The two passes of a request decoder: parses `body` (as WithBodyObject), reads its members into a
// Raw with read(object, &raw) (which returns a SerializationException on a JSON type error),
// then returns check(raw), which applies DynamoDB's checks and builds the Request.
template <class Request, class Raw, class Read, class Check>
Result<Request> DecodeBody(std::string_view body, Read&& read, Check&& check) {
  return WithBodyObject<Request>(body, [&read, &check](dom::object object) -> Result<Request> {
    Raw raw;
    DDBX_CODEC_RETURN_IF_ERROR(read(object, &raw));
    return check(raw);
  });
}

// ---- Small helpers ----

// True when a list sorted by `less` has two elements equal by `equal`.
template <class T, class Less, class Equal>
bool HasDuplicate(std::vector<T> values, Less less, Equal equal) {
  if (values.size() < 2) return false;
  std::sort(values.begin(), values.end(), less);
  return std::adjacent_find(values.begin(), values.end(), equal) != values.end();
}
bool HasDuplicateStrings(const std::vector<std::string_view>& values);
// The first value that occurs twice, in list order ("a" for [a, b, a]); nullopt if none.
std::optional<std::string_view> FirstDuplicate(const std::vector<std::string_view>& values);
// "[a, b, c]".
std::string JoinList(const std::vector<std::string_view>& values);
// Length as Java counts it (UTF-16 code units), which is what DynamoDB's length limits use.
size_t Utf16Length(std::string_view s);
bool MatchesTableNamePattern(std::string_view s);

// ---- Attribute values ----

// Builds AttributeValues from DynamoDB JSON. JSON type errors are returned at once; the first
// invalid value (in document order) is recorded in *first_invalid and decoding goes on, because
// a type error later in the body must still win.
class AttributeValueDecoder {
 public:
  explicit AttributeValueDecoder(std::optional<Error>* first_invalid)
      : first_invalid_(first_invalid) {}

  // `e` is an AttributeValue structure that is a list element or a map value; `depth` is its
  // nesting level (a top-level attribute is 1).
  Status Decode(dom::element e, int depth, AttributeValue* out);
  // An AttributeValue structure already known to be a JSON object.
  Status DecodeObject(dom::object object, int depth, AttributeValue* out);
  // `e` is a map of attribute values (an Item, a Key, or an M value) whose values are at nesting
  // level `depth`.
  Status DecodeMap(dom::element e, int depth, AttributeMap* out);
  // A structure member whose model type is AttributeValue (e.g. Expected's Value).
  Status DecodeField(dom::element e, AttributeValue* out);
  // A list of attribute values (e.g. AttributeValueList).
  Status DecodeList(dom::element e, int depth, List* out);

 private:
  void NoteInvalid(std::string_view message);
  Status DecodeStringSet(dom::element e, AttributeValue* out);
  Status DecodeNumberSet(dom::element e, AttributeValue* out);
  Status DecodeBinarySet(dom::element e, AttributeValue* out);

  std::optional<Error>* first_invalid_;
};

// ---- Constraints: DynamoDB's "N validation errors detected" list ----

class Constraints {
 public:
  // value: the offending value as DynamoDB prints it (quoted here), or nullopt for null.
  void Fail(std::optional<std::string_view> value, std::string_view path,
            std::string_view constraint);
  // A message that joins the list as is (not in the "Value ... at ..." form).
  void Raw(std::string message);
  // Returns true if present.
  bool NotNull(bool present, std::string_view path);
  void Enum(const std::optional<std::string_view>& value, std::string_view path,
            std::initializer_list<std::string_view> allowed, std::string_view allowed_text);
  void Length(std::string_view value, std::string_view path, size_t min, size_t max);
  void AtLeast(int64_t value, std::string_view path, int64_t min);
  void AtMost(int64_t value, std::string_view path, int64_t max);
  void TableNamePattern(std::string_view name, std::string_view path);
  // A table or index name member: when present, the pattern and 3 to 255 long; when absent,
  // "Member must not be null" if required.
  void TableName(const std::optional<std::string_view>& name, std::string_view path, bool required);
  // The list's length against min and max; `printed` is the list as DynamoDB prints it.
  void ListLength(size_t size, std::string_view printed, std::string_view path, size_t min,
                  size_t max);

  bool empty() const { return errors_.empty(); }
  std::optional<Error> Result() const;

 private:
  std::vector<std::string> errors_;
};

inline constexpr std::string_view kComparisonOperatorValues =
    "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";

void CheckReturnConsumedCapacity(Constraints* c, const std::optional<std::string_view>& v);
void CheckReturnValues(Constraints* c, const std::optional<std::string_view>& v);
void CheckReturnItemCollectionMetrics(Constraints* c, const std::optional<std::string_view>& v);
void CheckReturnValuesOnConditionCheckFailure(Constraints* c,
                                              const std::optional<std::string_view>& v);
void CheckConditionalOperator(Constraints* c, const std::optional<std::string_view>& v);
void CheckComparisonOperator(Constraints* c, const std::optional<std::string_view>& v,
                             std::string_view path);

// Enum conversions of values that passed their constraint.
ReturnConsumedCapacity ToReturnConsumedCapacity(const std::optional<std::string_view>& v);
ReturnItemCollectionMetrics ToReturnItemCollectionMetrics(const std::optional<std::string_view>& v);
ReturnValues ToReturnValues(const std::optional<std::string_view>& v);
ReturnValuesOnConditionCheckFailure ToReturnValuesOnConditionCheckFailure(
    const std::optional<std::string_view>& v);

// The table-name checks of CreateTable, DescribeTable, DeleteTable and UpdateTable, which
// DynamoDB makes before the constraint list.
std::optional<Error> CheckRequiredTableName(const std::optional<std::string_view>& name);

// ---- Printing values in constraint messages, as DynamoDB (Java) prints them ----

// An attribute value as the AWS SDK for Java prints it, e.g. "{S: a,}", "{N: 1,}".
void AppendJavaAttributeValue(const AttributeValue& value, std::string* out);
// A map of attribute values, e.g. "{a={S: x,}, b={N: 1,}}".
void AppendJavaAttributeMap(const AttributeMap& map, std::string* out);

// ---- Encoding ----

void WriteBase64(JsonWriter* w, std::string_view bytes);

// ---- Expression and legacy parameters (codec_expressions.cc) ----

// The expression and legacy members, as bits: which ones an operation knows.
enum Member : uint32_t {
  kConditionExpression = 1u << 0,
  kUpdateExpression = 1u << 1,
  kKeyConditionExpression = 1u << 2,
  kFilterExpression = 1u << 3,
  kProjectionExpression = 1u << 4,
  kExpressionAttributeNames = 1u << 5,
  kExpressionAttributeValues = 1u << 6,
  kExpected = 1u << 7,
  kConditionalOperator = 1u << 8,
  kAttributesToGet = 1u << 9,
  kQueryFilter = 1u << 10,
  kScanFilter = 1u << 11,
  kKeyConditions = 1u << 12,
  kAttributeUpdates = 1u << 13,
};

// One ExpressionAttributeValues entry: the value and the first invalid part of it, if any.
struct RawValueEntry {
  std::string_view key;
  AttributeValue value;
  std::optional<Error> invalid;
};

// One Expected entry, as sent.
struct RawExpected {
  std::string_view name;
  std::optional<AttributeValue> value;
  std::optional<bool> exists;
  std::optional<std::string_view> comparison_operator;
  std::optional<List> attribute_value_list;
};

// One QueryFilter / ScanFilter / KeyConditions entry, as sent.
struct RawCondition {
  std::string_view name;
  std::optional<std::string_view> comparison_operator;
  std::optional<List> attribute_value_list;
};

// One AttributeUpdates entry, as sent.
struct RawAttributeUpdate {
  std::string_view name;
  std::optional<AttributeValue> value;
  std::optional<std::string_view> action;
};

// The expression and legacy members of one request (or of one BatchGetItem table). Map members
// keep the order the client sent their entries in. *_invalid: the first invalid attribute value
// inside that member, reported in DynamoDB's order by the operation's checks.
struct RawExpressions {
  std::optional<std::string_view> condition;      // ConditionExpression
  std::optional<std::string_view> update;         // UpdateExpression
  std::optional<std::string_view> key_condition;  // KeyConditionExpression
  std::optional<std::string_view> filter;         // FilterExpression
  std::optional<std::string_view> projection;     // ProjectionExpression
  std::optional<std::vector<std::pair<std::string_view, std::string_view>>> names;
  std::optional<std::vector<RawValueEntry>> values;

  std::optional<std::vector<RawExpected>> expected;
  std::optional<Error> expected_invalid;
  std::optional<std::string_view> conditional_operator;
  std::optional<std::vector<std::string_view>> attributes_to_get;
  std::optional<std::vector<RawCondition>> filter_conditions;  // QueryFilter or ScanFilter
  std::optional<Error> filter_conditions_invalid;
  std::optional<std::vector<RawCondition>> key_conditions;
  std::optional<Error> key_conditions_invalid;
  std::optional<std::vector<RawAttributeUpdate>> attribute_updates;
  std::optional<Error> attribute_updates_invalid;
};

// If `key` is one of the members in `known` (a mask of Member bits), reads it into *r, sets
// *status (a SerializationException on a JSON type error) and returns true; else returns false.
bool ReadExpressionMember(std::string_view key, dom::element value, uint32_t known,
                          RawExpressions* r, Status* status);

// The constraint-list entries of the legacy members: "expected.<a>.member.comparisonOperator",
// "queryFilter.<a>.member.comparisonOperator" (`filter_path` names the filter member),
// "keyConditions...", "attributeUpdates.<a>.member.action", "conditionalOperator",
// "attributesToGet". Each adds only what is present.
void CheckExpectedConstraints(Constraints* c, const RawExpressions& r);
void CheckConditionsConstraints(Constraints* c,
                                const std::optional<std::vector<RawCondition>>& conds,
                                std::string_view path);
void CheckAttributeUpdatesConstraints(Constraints* c, const RawExpressions& r);
void CheckAttributesToGetConstraints(Constraints* c, const RawExpressions& r,
                                     std::string_view path);

struct Param {
  std::string_view name;
  bool present;
};

// DynamoDB's rules on mixing expression and legacy parameters: `expressions` and `legacy` list
// the operation's parameters in DynamoDB's order. Errors:
//   "Can not use both expression and non-expression parameters in the same request:
//    Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"
//   "ExpressionAttributeNames can only be specified when using expressions"
//   "ExpressionAttributeValues can only be specified when using expressions: FilterExpression
//    and KeyConditionExpression are null"
std::optional<Error> CheckExpressionMixing(std::initializer_list<Param> expressions,
                                           std::initializer_list<Param> legacy,
                                           const RawExpressions& r);

// "One or more parameter values were invalid: Duplicate value in attribute name: a".
std::optional<Error> CheckAttributesToGetDuplicates(const RawExpressions& r);

struct ParsedExpressions {
  ConditionPtr condition;
  UpdatePtr update;
  KeyConditionPtr key_condition;
  ConditionPtr filter;
  ProjectionPtr projection;
};

// ExpressionAttributeNames and ExpressionAttributeValues checks, then every expression present,
// parsed in DynamoDB's order (UpdateExpression, ConditionExpression, KeyConditionExpression,
// FilterExpression, ProjectionExpression), then the unused-placeholder check.
Status ParseExpressions(const RawExpressions& r, ParsedExpressions* out);

// The legacy parameters translated into expression trees (null when absent or empty).
Result<ConditionPtr> TranslateExpected(const RawExpressions& r);
// `parameter` is "QueryFilter" or "ScanFilter".
Result<ConditionPtr> TranslateFilter(const RawExpressions& r, std::string_view parameter);
Result<KeyConditionPtr> TranslateKeyConditions(const RawExpressions& r);
Result<UpdatePtr> TranslateAttributeUpdates(const RawExpressions& r);
Result<ProjectionPtr> TranslateAttributesToGet(const RawExpressions& r);

}  // namespace ddbx::api::codec_internal
