// Codec: the shared readers, attribute values, tables, and the control-plane operations. The
// order of checks and the contract are in codec.h; the messages are DynamoDB's (current wording as
// recorded by dynalite's tests against live DynamoDB, AWS SDK users' reports, and AWS
// documentation). The data-plane operations live in codec_item.cc, codec_read.cc, codec_batch.cc
// (decoders), codec_expressions.cc (their expression and legacy members) and codec_response.cc.
//
// Decoding runs in two passes over a simdjson DOM:
//   - The read pass walks the request object in document order and converts every member ddbx
//     knows into a "raw" request struct, returning at once on the first JSON type error
//     (SerializationException). Attribute values are fully built in this pass; a value that is
//     well-typed but invalid (an empty set, two types, a bad number...) does not stop the pass:
//     its ValidationException is remembered (the first one, in document order) and reported in
//     the check pass, because a type error later in the body must still win.
//   - The check pass runs the constraint list (Constraints) and then the operation's own
//     checks in DynamoDB's order, and builds the typed request.
#include "api/codec.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "api/base64.h"
#include "api/codec_internal.h"
#include "api/validation.h"

namespace ddbx::api::codec_internal {

std::string Concat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  std::string s;
  s.reserve(n);
  for (std::string_view p : parts) s.append(p);
  return s;
}

Error Serialization(std::string_view message) { return Error::Serialization(std::string(message)); }
Error Invalid(std::string_view message) { return Error::Validation(std::string(message)); }
Error InvalidParameter(std::string_view detail) {
  return Error::Validation(Concat({kInvalidPrefix, detail}));
}
Error Unsupported(std::string_view member) {
  return Error::Validation(Concat({"ddbx does not support ", member, " yet"}));
}

// ---------------------------------------------------------------------------------------------
// JSON types as DynamoDB's deserializer names them
// ---------------------------------------------------------------------------------------------

Kind KindOf(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY:
      return Kind::kArray;
    case dom::element_type::OBJECT:
      return Kind::kObject;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return Kind::kInteger;
    case dom::element_type::DOUBLE:
      return Kind::kDecimal;
    case dom::element_type::STRING:
      return Kind::kString;
    case dom::element_type::BOOL:
      return e.get_bool().value_unsafe() ? Kind::kTrue : Kind::kFalse;
    case dom::element_type::NULL_VALUE:
      return Kind::kNull;
  }
  return Kind::kNull;
}

std::string_view TokenName(Kind k) {
  switch (k) {
    case Kind::kTrue:
      return "TRUE_VALUE";
    case Kind::kFalse:
      return "FALSE_VALUE";
    case Kind::kInteger:
      return "NUMBER_VALUE";
    case Kind::kDecimal:
      return "DECIMAL_VALUE";
    case Kind::kString:
      return "STRING_VALUE";
    default:
      return "NULL_VALUE";
  }
}

// The error for a JSON value of kind `k` where a scalar of Java type `java_type` (String,
// Integer, Long) was expected.
Error WrongScalar(Kind k, std::string_view java_type) {
  if (k == Kind::kArray) {
    return Serialization(Concat({"Unrecognized collection type class java.lang.", java_type}));
  }
  if (k == Kind::kObject) return Serialization(kStructOrMap);
  return Serialization(Concat({TokenName(k), " cannot be converted to ", java_type}));
}

Status ReadString(dom::element e, std::string_view* out) {
  if (e.type() == dom::element_type::STRING) {
    *out = e.get_string().value_unsafe();
    return Status::Ok();
  }
  return WrongScalar(KindOf(e), "String");
}

Status ReadBool(dom::element e, bool* out) {
  const Kind k = KindOf(e);
  switch (k) {
    case Kind::kTrue:
    case Kind::kFalse:
      *out = k == Kind::kTrue;
      return Status::Ok();
    case Kind::kString:
      return Serialization("Unexpected token received from parser");
    case Kind::kArray:
      return Serialization("Unrecognized collection type class java.lang.Boolean");
    case Kind::kObject:
      return Serialization(kStructOrMap);
    default:
      return Serialization(Concat({TokenName(k), " cannot be converted to Boolean"}));
  }
}

// An integral member (Java Integer or Long). A JSON decimal is truncated toward zero; values
// beyond 64 bits saturate.
Status ReadInteger(dom::element e, std::string_view java_type, int64_t* out) {
  switch (e.type()) {
    case dom::element_type::INT64:
      *out = e.get_int64().value_unsafe();
      return Status::Ok();
    case dom::element_type::UINT64:
      *out = std::numeric_limits<int64_t>::max();
      return Status::Ok();
    case dom::element_type::DOUBLE: {
      const double d = std::trunc(e.get_double().value_unsafe());
      if (d >= 9.2e18) {
        *out = std::numeric_limits<int64_t>::max();
      } else if (d <= -9.2e18) {
        *out = std::numeric_limits<int64_t>::min();
      } else {
        *out = static_cast<int64_t>(d);
      }
      return Status::Ok();
    }
    default:
      return WrongScalar(KindOf(e), java_type);
  }
}

// A binary member: a base64 string. `text` receives the string as sent.
Status ReadBlob(dom::element e, std::string* out, std::string_view* text) {
  const Kind k = KindOf(e);
  switch (k) {
    case Kind::kString: {
      *text = e.get_string().value_unsafe();
      Result<std::string> bytes = Base64Decode(*text);
      if (!bytes.ok()) return bytes.take_error();
      *out = std::move(bytes).value();
      return Status::Ok();
    }
    case Kind::kArray:
      return Serialization("Unrecognized collection type class java.nio.ByteBuffer");
    case Kind::kObject:
      return Serialization(kStructOrMap);
    default:
      return Serialization("only base-64-encoded strings are convertible to bytes");
  }
}

// A member whose model type is a list.
Status ExpectList(dom::element e, dom::array* out) {
  const Kind k = KindOf(e);
  if (k == Kind::kArray) {
    *out = e.get_array().value_unsafe();
    return Status::Ok();
  }
  if (k == Kind::kObject) return Serialization(kStructOrMap);
  return Serialization(kUnexpectedField);
}

namespace {

// A JSON object into *out. A JSON array is "Unrecognized collection type <collection>" (the
// parts joined, only on error); any other type is `other`.
Status ExpectObject(dom::element e, std::initializer_list<std::string_view> collection,
                    std::string_view other, dom::object* out) {
  const Kind k = KindOf(e);
  if (k == Kind::kObject) {
    *out = e.get_object().value_unsafe();
    return Status::Ok();
  }
  if (k == Kind::kArray) {
    std::string message = "Unrecognized collection type ";
    for (std::string_view part : collection) message.append(part);
    return Serialization(message);
  }
  return Serialization(other);
}

}  // namespace

// A member whose model type is a map from strings to `value_class` (a Java class name).
Status ExpectMap(dom::element e, std::string_view value_class, dom::object* out) {
  return ExpectObject(e, {"java.util.Map<java.lang.String, ", value_class, ">"}, kUnexpectedField,
                      out);
}

// A structure that is a member of another structure ("FieldStruct"), e.g. ProvisionedThroughput.
Status ExpectFieldStruct(dom::element e, std::string_view model_class, dom::object* out) {
  return ExpectObject(e, {"class ", kModelPackage, model_class}, kUnexpectedField, out);
}

// A structure that is an element of a list or a value of a map ("ValueStruct"), e.g. a
// KeySchemaElement or an AttributeValue.
Status ExpectValueStruct(dom::element e, std::string_view model_class, dom::object* out) {
  return ExpectObject(e, {"class ", kModelPackage, model_class}, kUnexpectedValue, out);
}

// A list of strings.
Status ReadStringList(dom::element e, std::vector<std::string_view>* out) {
  dom::array array;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectList(e, &array));
  out->clear();
  for (dom::element el : array) {
    std::string_view s;
    if (!el.is_null()) DDBX_CODEC_RETURN_IF_ERROR(ReadString(el, &s));
    out->push_back(s);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

// Bodies up to this size are parsed by a thread-local parser that keeps its buffers; larger ones
// by a parser of their own, so a thread does not hold on to memory sized for a 16 MB request.
constexpr size_t kReusableParserLimit = size_t{64} * 1024;

dom::parser* ParserFor(size_t size, std::optional<dom::parser>* one_off) {
  thread_local dom::parser reusable;
  if (size > kReusableParserLimit) return &one_off->emplace();
  return &reusable;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

bool HasDuplicateStrings(const std::vector<std::string_view>& values) {
  if (values.size() == 2) return values[0] == values[1];
  return HasDuplicate(values, std::less<std::string_view>(), std::equal_to<std::string_view>());
}

std::string JoinList(const std::vector<std::string_view>& values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i != 0) s.append(", ");
    s.append(values[i]);
  }
  s.push_back(']');
  return s;
}

// Builds AttributeValues from DynamoDB JSON. JSON type errors are returned at once; the first

std::optional<std::string_view> FirstDuplicate(const std::vector<std::string_view>& values) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(values.size());
  for (std::string_view v : values) {
    if (!seen.insert(v).second) return v;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Constraints: DynamoDB's "N validation errors detected" list
// ---------------------------------------------------------------------------------------------

// Length as Java counts it (UTF-16 code units), which is what DynamoDB's length limits use.
size_t Utf16Length(std::string_view s) {
  size_t n = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) ++n;  // a character starts here
    if (c >= 0xF0) ++n;           // outside the BMP: a surrogate pair
  }
  return n;
}

bool MatchesTableNamePattern(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Attribute values
// ---------------------------------------------------------------------------------------------

Status AttributeValueDecoder::Decode(dom::element e, int depth, AttributeValue* out) {
  if (e.is_null()) {
    NoteInvalid(kEmptyValue);
    *out = AttributeValue();
    return Status::Ok();
  }
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectValueStruct(e, "AttributeValue", &object));
  return DecodeObject(object, depth, out);
}

Status AttributeValueDecoder::DecodeField(dom::element e, AttributeValue* out) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectFieldStruct(e, "AttributeValue", &object));
  return DecodeObject(object, 1, out);
}

Status AttributeValueDecoder::DecodeObject(dom::object object, int depth, AttributeValue* out) {
  if (depth > kMaxNestingDepth) NoteInvalid(kNestingTooDeepMessage);
  int types = 0;
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    if (key == "S") {
      std::string_view s;
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      *out = AttributeValue::S(std::string(s));
    } else if (key == "N") {
      std::string_view s;
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      Result<Number> n = Number::Parse(s);
      if (n.ok()) {
        *out = AttributeValue::N(n.value());
      } else {
        NoteInvalid(n.error().message);
        *out = AttributeValue::N(Number());
      }
    } else if (key == "B") {
      std::string bytes;
      std::string_view text;
      DDBX_CODEC_RETURN_IF_ERROR(ReadBlob(field.value, &bytes, &text));
      *out = AttributeValue::B(std::move(bytes));
    } else if (key == "BOOL") {
      bool b = false;
      DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &b));
      *out = AttributeValue::Bool(b);
    } else if (key == "NULL") {
      bool b = false;
      DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &b));
      if (!b) {
        NoteInvalid(
            Concat({kInvalidPrefix, "Null attribute value types must have the value of true"}));
      }
      *out = AttributeValue();
    } else if (key == "M") {
      AttributeMap map;
      DDBX_CODEC_RETURN_IF_ERROR(DecodeMap(field.value, depth + 1, &map));
      *out = AttributeValue::M(std::move(map));
    } else if (key == "L") {
      List list;
      DDBX_CODEC_RETURN_IF_ERROR(DecodeList(field.value, depth + 1, &list));
      *out = AttributeValue::L(std::move(list));
    } else if (key == "SS") {
      DDBX_CODEC_RETURN_IF_ERROR(DecodeStringSet(field.value, out));
    } else if (key == "NS") {
      DDBX_CODEC_RETURN_IF_ERROR(DecodeNumberSet(field.value, out));
    } else if (key == "BS") {
      DDBX_CODEC_RETURN_IF_ERROR(DecodeBinarySet(field.value, out));
    } else {
      continue;  // not a type DynamoDB knows: ignored
    }
    ++types;
  }
  if (types == 0) {
    NoteInvalid(kEmptyValue);
  } else if (types > 1) {
    NoteInvalid(kMultipleTypes);
  }
  return Status::Ok();
}

Status AttributeValueDecoder::DecodeMap(dom::element e, int depth, AttributeMap* out) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectMap(e, kAttributeValueMap, &object));
  for (dom::key_value_pair field : object) {
    AttributeValue value;
    DDBX_CODEC_RETURN_IF_ERROR(Decode(field.value, depth, &value));
    out->insert_or_assign(std::string(field.key), std::move(value));
  }
  return Status::Ok();
}

void AttributeValueDecoder::NoteInvalid(std::string_view message) {
  if (!first_invalid_->has_value()) first_invalid_->emplace(Invalid(message));
}

Status AttributeValueDecoder::DecodeList(dom::element e, int depth, List* out) {
  dom::array array;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectList(e, &array));
  out->reserve(array.size());
  for (dom::element el : array) {
    DDBX_CODEC_RETURN_IF_ERROR(Decode(el, depth, &out->emplace_back()));
  }
  return Status::Ok();
}

// Sets. Since May 2020 a set may hold the empty string or empty binary (AWS What's New,
// 2020-05-18: "List, Map, and Set data types also support empty String and Binary values"); a
// set may still not be empty nor hold duplicates. A JSON null member is refused with the
// message DynamoDB gave for null or empty members before 2020.
Status AttributeValueDecoder::DecodeStringSet(dom::element e, AttributeValue* out) {
  dom::array array;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectList(e, &array));
  std::vector<std::string_view> members;
  members.reserve(array.size());
  bool has_null = false;
  for (dom::element el : array) {
    std::string_view s;
    if (el.is_null()) {
      has_null = true;
    } else {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(el, &s));
    }
    members.push_back(s);
  }
  if (members.empty()) {
    NoteInvalid(Concat({kInvalidPrefix, "An string set  may not be empty"}));
  } else if (has_null) {
    NoteInvalid(Concat({kInvalidPrefix, "An string set may not have a empty string as a member"}));
  } else if (!first_invalid_->has_value() && HasDuplicateStrings(members)) {
    NoteInvalid(
        Concat({kInvalidPrefix, "Input collection ", JoinList(members), " contains duplicates."}));
  }
  StringSet set;
  set.reserve(members.size());
  for (std::string_view s : members) set.emplace_back(s);
  *out = AttributeValue::SS(std::move(set));
  return Status::Ok();
}

Status AttributeValueDecoder::DecodeNumberSet(dom::element e, AttributeValue* out) {
  std::vector<std::string_view> members;
  DDBX_CODEC_RETURN_IF_ERROR(ReadStringList(e, &members));
  if (members.empty()) {
    NoteInvalid(Concat({kInvalidPrefix, "An number set  may not be empty"}));
  }
  NumberSet set;
  set.reserve(members.size());
  bool all_valid = true;
  for (std::string_view s : members) {
    Result<Number> n = Number::Parse(s);
    if (n.ok()) {
      set.push_back(n.value());
    } else {
      NoteInvalid(n.error().message);
      all_valid = false;
    }
  }
  if (all_valid && !first_invalid_->has_value() &&
      HasDuplicate(set, std::less<Number>(), std::equal_to<Number>())) {
    NoteInvalid("Input collection contains duplicates");
  }
  *out = AttributeValue::NS(std::move(set));
  return Status::Ok();
}

Status AttributeValueDecoder::DecodeBinarySet(dom::element e, AttributeValue* out) {
  dom::array array;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectList(e, &array));
  std::vector<std::string_view> texts;
  BinarySet set;
  set.reserve(array.size());
  bool has_null = false;
  for (dom::element el : array) {
    std::string bytes;
    std::string_view text;
    if (el.is_null()) {
      has_null = true;
    } else {
      DDBX_CODEC_RETURN_IF_ERROR(ReadBlob(el, &bytes, &text));
    }
    texts.push_back(text);
    set.push_back(std::move(bytes));
  }
  if (set.empty()) {
    NoteInvalid(Concat({kInvalidPrefix, "Binary sets should not be empty"}));
  } else if (has_null) {
    NoteInvalid(Concat({kInvalidPrefix, "Binary sets may not contain null or empty values"}));
  } else if (!first_invalid_->has_value() &&
             HasDuplicate(std::vector<std::string_view>(set.begin(), set.end()),
                          std::less<std::string_view>(), std::equal_to<std::string_view>())) {
    NoteInvalid(Concat(
        {kInvalidPrefix, "Input collection ", JoinList(texts), "of type BS contains duplicates."}));
  }
  *out = AttributeValue::BS(std::move(set));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Constraints
// ---------------------------------------------------------------------------------------------

void Constraints::Fail(std::optional<std::string_view> value, std::string_view path,
                       std::string_view constraint) {
  if (errors_.size() >= kMaxConstraintErrors) return;
  std::string e = "Value ";
  if (value.has_value()) {
    e.push_back('\'');
    e.append(*value);
    e.push_back('\'');
  } else {
    e.append("null");
  }
  e.append(" at '");
  e.append(path);
  e.append("' failed to satisfy constraint: ");
  e.append(constraint);
  errors_.push_back(std::move(e));
}

void Constraints::Raw(std::string message) {
  if (errors_.size() >= kMaxConstraintErrors) return;
  errors_.push_back(std::move(message));
}

bool Constraints::NotNull(bool present, std::string_view path) {
  if (!present) Fail(std::nullopt, path, "Member must not be null");
  return present;
}

void Constraints::Enum(const std::optional<std::string_view>& value, std::string_view path,
                       std::initializer_list<std::string_view> allowed,
                       std::string_view allowed_text) {
  if (!value.has_value()) return;
  for (std::string_view a : allowed) {
    if (*value == a) return;
  }
  Fail(*value, path, Concat({"Member must satisfy enum value set: ", allowed_text}));
}

void Constraints::Length(std::string_view value, std::string_view path, size_t min, size_t max) {
  const size_t n = Utf16Length(value);
  if (n < min) {
    Fail(value, path,
         Concat({"Member must have length greater than or equal to ", std::to_string(min)}));
  }
  if (n > max) {
    Fail(value, path,
         Concat({"Member must have length less than or equal to ", std::to_string(max)}));
  }
}

void Constraints::ListLength(size_t size, std::string_view printed, std::string_view path,
                             size_t min, size_t max) {
  if (size < min) {
    Fail(printed, path,
         Concat({"Member must have length greater than or equal to ", std::to_string(min)}));
  }
  if (size > max) {
    Fail(printed, path,
         Concat({"Member must have length less than or equal to ", std::to_string(max)}));
  }
}

void Constraints::AtLeast(int64_t value, std::string_view path, int64_t min) {
  if (value < min) {
    Fail(std::to_string(value), path,
         Concat({"Member must have value greater than or equal to ", std::to_string(min)}));
  }
}

void Constraints::AtMost(int64_t value, std::string_view path, int64_t max) {
  if (value > max) {
    Fail(std::to_string(value), path,
         Concat({"Member must have value less than or equal to ", std::to_string(max)}));
  }
}

void Constraints::TableNamePattern(std::string_view name, std::string_view path) {
  if (!MatchesTableNamePattern(name)) {
    Fail(name, path,
         Concat({"Member must satisfy regular expression pattern: ", kTableNamePattern}));
  }
}

void Constraints::TableName(const std::optional<std::string_view>& name, std::string_view path,
                            bool required) {
  if (!name.has_value()) {
    if (required) NotNull(false, path);
    return;
  }
  TableNamePattern(*name, path);
  Length(*name, path, 3, 255);
}

std::optional<Error> Constraints::Result() const {
  if (errors_.empty()) return std::nullopt;
  std::string m = std::to_string(errors_.size());
  m.append(errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < errors_.size(); ++i) {
    if (i != 0) m.append("; ");
    m.append(errors_[i]);
  }
  return Error::Validation(std::move(m));
}

constexpr std::string_view kReturnConsumedCapacityValues = "[INDEXES, TOTAL, NONE]";
constexpr std::string_view kReturnValuesValues =
    "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]";
constexpr std::string_view kReturnItemCollectionMetricsValues = "[SIZE, NONE]";
constexpr std::string_view kReturnValuesOnConditionCheckFailureValues = "[ALL_OLD, NONE]";

void CheckReturnConsumedCapacity(Constraints* c, const std::optional<std::string_view>& v) {
  c->Enum(v, "returnConsumedCapacity", {"INDEXES", "TOTAL", "NONE"}, kReturnConsumedCapacityValues);
}
void CheckReturnValues(Constraints* c, const std::optional<std::string_view>& v) {
  c->Enum(v, "returnValues", {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"},
          kReturnValuesValues);
}
void CheckReturnItemCollectionMetrics(Constraints* c, const std::optional<std::string_view>& v) {
  c->Enum(v, "returnItemCollectionMetrics", {"SIZE", "NONE"}, kReturnItemCollectionMetricsValues);
}
void CheckReturnValuesOnConditionCheckFailure(Constraints* c,
                                              const std::optional<std::string_view>& v) {
  c->Enum(v, "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"},
          kReturnValuesOnConditionCheckFailureValues);
}
void CheckConditionalOperator(Constraints* c, const std::optional<std::string_view>& v) {
  c->Enum(v, "conditionalOperator", {"OR", "AND"}, "[OR, AND]");
}
void CheckComparisonOperator(Constraints* c, const std::optional<std::string_view>& v,
                             std::string_view path) {
  c->Enum(v, path,
          {"IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE",
           "BEGINS_WITH", "GE", "CONTAINS"},
          kComparisonOperatorValues);
}

ReturnConsumedCapacity ToReturnConsumedCapacity(const std::optional<std::string_view>& v) {
  if (v == "TOTAL") return ReturnConsumedCapacity::kTotal;
  if (v == "INDEXES") return ReturnConsumedCapacity::kIndexes;
  return ReturnConsumedCapacity::kNone;
}
ReturnItemCollectionMetrics ToReturnItemCollectionMetrics(
    const std::optional<std::string_view>& v) {
  return v == "SIZE" ? ReturnItemCollectionMetrics::kSize : ReturnItemCollectionMetrics::kNone;
}
ReturnValues ToReturnValues(const std::optional<std::string_view>& v) {
  if (v == "ALL_OLD") return ReturnValues::kAllOld;
  if (v == "UPDATED_OLD") return ReturnValues::kUpdatedOld;
  if (v == "ALL_NEW") return ReturnValues::kAllNew;
  if (v == "UPDATED_NEW") return ReturnValues::kUpdatedNew;
  return ReturnValues::kNone;
}
ReturnValuesOnConditionCheckFailure ToReturnValuesOnConditionCheckFailure(
    const std::optional<std::string_view>& v) {
  return v == "ALL_OLD" ? ReturnValuesOnConditionCheckFailure::kAllOld
                        : ReturnValuesOnConditionCheckFailure::kNone;
}

std::optional<Error> CheckRequiredTableName(const std::optional<std::string_view>& name) {
  if (!name.has_value()) {
    return Invalid("The parameter 'TableName' is required but was not present in the request");
  }
  const size_t n = Utf16Length(*name);
  if (n < 3 || n > 255) {
    return Invalid("TableName must be at least 3 characters long and at most 255 characters long");
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Values in constraint messages
// ---------------------------------------------------------------------------------------------

// The AWS SDK for Java's toString of an AttributeValue: each member set as "Name: value," and
// BOOL last without the comma; binary values as the ByteBuffer's toString. DynamoDB prints
// request maps (RequestItems) this way in "Map keys must satisfy constraint" messages.
void AppendJavaAttributeValue(const AttributeValue& value, std::string* out) {
  auto append_list = [out](const auto& members, auto append_one) {
    out->push_back('[');
    bool first = true;
    for (const auto& m : members) {
      if (!first) out->append(", ");
      first = false;
      append_one(m);
    }
    out->push_back(']');
  };
  auto append_buffer = [out](const std::string& bytes) {
    const std::string n = std::to_string(bytes.size());
    out->append("java.nio.HeapByteBuffer[pos=0 lim=");
    out->append(n);
    out->append(" cap=");
    out->append(n);
    out->push_back(']');
  };
  out->push_back('{');
  switch (value.type()) {
    case AttributeType::kS:
      out->append("S: ");
      out->append(value.s());
      out->push_back(',');
      break;
    case AttributeType::kN:
      out->append("N: ");
      out->append(value.n().ToString());
      out->push_back(',');
      break;
    case AttributeType::kB:
      out->append("B: ");
      append_buffer(value.b());
      out->push_back(',');
      break;
    case AttributeType::kSS:
      out->append("SS: ");
      append_list(value.ss(), [out](const std::string& s) { out->append(s); });
      out->push_back(',');
      break;
    case AttributeType::kNS:
      out->append("NS: ");
      append_list(value.ns(), [out](const Number& n) { out->append(n.ToString()); });
      out->push_back(',');
      break;
    case AttributeType::kBS:
      out->append("BS: ");
      append_list(value.bs(), append_buffer);
      out->push_back(',');
      break;
    case AttributeType::kM:
      out->append("M: ");
      AppendJavaAttributeMap(value.m(), out);
      out->push_back(',');
      break;
    case AttributeType::kL:
      out->append("L: ");
      append_list(value.l(), [out](const AttributeValue& v) { AppendJavaAttributeValue(v, out); });
      out->push_back(',');
      break;
    case AttributeType::kNULL:
      out->append("NULL: true,");
      break;
    case AttributeType::kBOOL:
      out->append(value.boolean() ? "BOOL: true" : "BOOL: false");
      break;
  }
  out->push_back('}');
}

void AppendJavaAttributeMap(const AttributeMap& map, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, value] : map) {
    if (!first) out->append(", ");
    first = false;
    out->append(name);
    out->push_back('=');
    AppendJavaAttributeValue(value, out);
  }
  out->push_back('}');
}

void WriteBase64(JsonWriter* w, std::string_view bytes) {
  std::string* out = w->BeginRawValue();
  out->push_back('"');
  Base64Encode(bytes, out);
  out->push_back('"');
}

}  // namespace ddbx::api::codec_internal

namespace ddbx::api {
namespace {

using namespace codec_internal;  // NOLINT(google-build-using-namespace): the codec's own helpers

// ---------------------------------------------------------------------------------------------
// CreateTable
// ---------------------------------------------------------------------------------------------

struct RawKeySchemaElement {
  std::optional<std::string_view> attribute_name;
  std::optional<std::string_view> key_type;
};

struct RawAttributeDefinition {
  std::optional<std::string_view> attribute_name;
  std::optional<std::string_view> attribute_type;
};

struct RawThroughput {
  std::optional<int64_t> read_capacity_units;
  std::optional<int64_t> write_capacity_units;
};

struct RawTag {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
};

// One LocalSecondaryIndexes / GlobalSecondaryIndexes element, as sent.
struct RawIndex {
  std::optional<std::string_view> index_name;
  std::optional<std::vector<RawKeySchemaElement>> key_schema;
  bool has_projection = false;
  std::optional<std::string_view> projection_type;
  std::optional<std::vector<std::string_view>> non_key_attributes;
  std::optional<RawThroughput> provisioned_throughput;
};

struct RawCreateTable {
  std::optional<std::string_view> table_name;
  std::optional<std::vector<RawAttributeDefinition>> attribute_definitions;
  std::optional<std::vector<RawKeySchemaElement>> key_schema;
  std::optional<std::string_view> billing_mode;
  std::optional<RawThroughput> provisioned_throughput;
  bool deletion_protection_enabled = false;
  std::optional<std::vector<RawTag>> tags;
  std::optional<std::vector<RawIndex>> local_secondary_indexes;
  std::optional<std::vector<RawIndex>> global_secondary_indexes;
};

Status ReadKeySchema(dom::element e, std::vector<RawKeySchemaElement>* out) {
  return ReadStringStructList<RawKeySchemaElement>(
      e, "KeySchemaElement",
      {{"AttributeName", &RawKeySchemaElement::attribute_name},
       {"KeyType", &RawKeySchemaElement::key_type}},
      out);
}

Status ReadAttributeDefinitions(dom::element e, std::vector<RawAttributeDefinition>* out) {
  return ReadStringStructList<RawAttributeDefinition>(
      e, "AttributeDefinition",
      {{"AttributeName", &RawAttributeDefinition::attribute_name},
       {"AttributeType", &RawAttributeDefinition::attribute_type}},
      out);
}

Status ReadThroughput(dom::element e, RawThroughput* out) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectFieldStruct(e, "ProvisionedThroughput", &object));
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    int64_t v = 0;
    if (field.key == "ReadCapacityUnits") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadInteger(field.value, "Long", &v));
      out->read_capacity_units = v;
    } else if (field.key == "WriteCapacityUnits") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadInteger(field.value, "Long", &v));
      out->write_capacity_units = v;
    }
  }
  return Status::Ok();
}

Status ReadTags(dom::element e, std::vector<RawTag>* out) {
  return ReadStringStructList<RawTag>(e, "Tag", {{"Key", &RawTag::key}, {"Value", &RawTag::value}},
                                      out);
}

Status ReadProjection(dom::element e, RawIndex* index) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectFieldStruct(e, "Projection", &object));
  index->has_projection = true;
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    if (field.key == "ProjectionType") {
      std::string_view s;
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      index->projection_type = s;
    } else if (field.key == "NonKeyAttributes") {
      index->non_key_attributes.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadStringList(field.value, &*index->non_key_attributes));
    }
  }
  return Status::Ok();
}

// LocalSecondaryIndexes / GlobalSecondaryIndexes.
Status ReadIndexes(dom::element e, bool global, std::vector<RawIndex>* out) {
  return ReadStructList(
      e, global ? "GlobalSecondaryIndex" : "LocalSecondaryIndex", out,
      [global](std::string_view key, dom::element value, RawIndex* index) -> Status {
        if (key == "IndexName") {
          std::string_view s;
          DDBX_CODEC_RETURN_IF_ERROR(ReadString(value, &s));
          index->index_name = s;
        } else if (key == "KeySchema") {
          index->key_schema.emplace();
          DDBX_CODEC_RETURN_IF_ERROR(ReadKeySchema(value, &*index->key_schema));
        } else if (key == "Projection") {
          DDBX_CODEC_RETURN_IF_ERROR(ReadProjection(value, index));
        } else if (global && key == "ProvisionedThroughput") {
          index->provisioned_throughput.emplace();
          DDBX_CODEC_RETURN_IF_ERROR(ReadThroughput(value, &*index->provisioned_throughput));
        }
        return Status::Ok();
      });
}

Status ReadCreateTable(dom::object body, RawCreateTable* r) {
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    if (key == "TableName") {
      std::string_view s;
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->table_name = s;
    } else if (key == "AttributeDefinitions") {
      r->attribute_definitions.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadAttributeDefinitions(field.value, &*r->attribute_definitions));
    } else if (key == "KeySchema") {
      r->key_schema.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadKeySchema(field.value, &*r->key_schema));
    } else if (key == "BillingMode") {
      std::string_view s;
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->billing_mode = s;
    } else if (key == "ProvisionedThroughput") {
      r->provisioned_throughput.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadThroughput(field.value, &*r->provisioned_throughput));
    } else if (key == "DeletionProtectionEnabled") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &r->deletion_protection_enabled));
    } else if (key == "Tags") {
      r->tags.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadTags(field.value, &*r->tags));
    } else if (key == "LocalSecondaryIndexes") {
      r->local_secondary_indexes.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadIndexes(field.value, false, &*r->local_secondary_indexes));
    } else if (key == "GlobalSecondaryIndexes") {
      r->global_secondary_indexes.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadIndexes(field.value, true, &*r->global_secondary_indexes));
    }
  }
  return Status::Ok();
}

// How DynamoDB (Java) prints a list of KeySchemaElement objects in a constraint message:
// "[com.amazonaws.dynamodb.v20120810.KeySchemaElement@1f2e3d4c, ...]". The part after '@' is a
// Java hash code; ours is a stable hash of the element's members.
std::string DescribeKeySchemaList(const std::vector<RawKeySchemaElement>& elements) {
  auto java_hash = [](const std::optional<std::string_view>& s) {
    uint32_t h = 0;
    if (s.has_value()) {
      for (const char c : *s) h = 31 * h + static_cast<unsigned char>(c);
    }
    return h;
  };
  std::string out = "[";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(kModelPackage);
    out.append("KeySchemaElement@");
    const uint32_t h =
        31 * (31 * 31 + java_hash(elements[i].attribute_name)) + java_hash(elements[i].key_type);
    char buf[16];
    const auto r = std::to_chars(buf, buf + sizeof(buf), h, 16);
    out.append(buf, static_cast<size_t>(r.ptr - buf));
  }
  out.push_back(']');
  return out;
}

std::string ElementPath(std::string_view list, size_t index, std::string_view member) {
  return Concat({list, ".", std::to_string(index + 1), ".member.", member});
}

// The checks of a well-formed key schema against its attribute definitions, for a table
// without secondary indexes (with indexes the definitions may name more attributes).
std::optional<Error> CheckKeySchema(const std::vector<RawKeySchemaElement>& key_schema,
                                    const std::vector<RawAttributeDefinition>& definitions,
                                    bool has_indexes) {
  std::vector<std::string_view> keys;
  keys.reserve(key_schema.size());
  for (const RawKeySchemaElement& k : key_schema) keys.push_back(*k.attribute_name);
  std::vector<std::string_view> defined;
  defined.reserve(definitions.size());
  for (const RawAttributeDefinition& d : definitions) defined.push_back(*d.attribute_name);
  auto is_defined = [&](std::string_view name) {
    return std::find(defined.begin(), defined.end(), name) != defined.end();
  };
  const Error no_definition =
      Invalid("Invalid KeySchema: Some index key attribute have no definition");
  if (keys.size() == 2) {
    if (!is_defined(keys[0]) || !is_defined(keys[1]) ||
        (keys[0] == keys[1] && defined.size() == 1)) {
      return no_definition;
    }
  } else if (!is_defined(keys[0])) {
    if (!has_indexes && defined.empty()) return no_definition;
    if (!has_indexes && defined.size() > 1) {
      return InvalidParameter(
          "Number of attributes in KeySchema does not exactly match number of attributes "
          "defined in AttributeDefinitions");
    }
    return InvalidParameter(
        Concat({"Some index key attributes are not defined in "
                "AttributeDefinitions. Keys: ",
                JoinList(keys), ", AttributeDefinitions: ", JoinList(defined)}));
  }
  if (keys.size() == 2 && keys[0] == keys[1]) {
    return Invalid(
        "Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  if (*key_schema[0].key_type != "HASH") {
    return Invalid("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (keys.size() == 2 && *key_schema[1].key_type != "RANGE") {
    return Invalid("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  return std::nullopt;
}

// An AttributeType that passed its enum constraint.
ScalarAttributeType ToScalarAttributeType(std::string_view type) {
  return type == "S"   ? ScalarAttributeType::kS
         : type == "N" ? ScalarAttributeType::kN
                       : ScalarAttributeType::kB;
}

constexpr size_t kMaxLocalSecondaryIndexes = 5;
constexpr size_t kMaxGlobalSecondaryIndexes = 20;
constexpr size_t kMaxProjectedAttributes = 100;

// An index key schema's member constraints: 1 or 2 elements, each named and typed.
void CheckKeySchemaConstraints(Constraints* c, const std::vector<RawKeySchemaElement>& ks,
                               std::string_view key_path) {
  if (ks.empty()) c->Fail("[]", key_path, "Member must have length greater than or equal to 1");
  if (ks.size() > 2) {
    c->Fail(DescribeKeySchemaList(ks), key_path, "Member must have length less than or equal to 2");
  }
  for (size_t k = 0; k < ks.size(); ++k) {
    const std::string base = Concat({key_path, ".", std::to_string(k + 1), ".member."});
    const std::string name_path = Concat({base, "attributeName"});
    if (c->NotNull(ks[k].attribute_name.has_value(), name_path)) {
      c->Length(*ks[k].attribute_name, name_path, 1, 255);
    }
    const std::string type_path = Concat({base, "keyType"});
    if (c->NotNull(ks[k].key_type.has_value(), type_path)) {
      c->Enum(ks[k].key_type, type_path, {"HASH", "RANGE"}, "[HASH, RANGE]");
    }
  }
}

void CheckAttributeDefinitionConstraints(Constraints* c,
                                         const std::vector<RawAttributeDefinition>& defs) {
  for (size_t i = 0; i < defs.size(); ++i) {
    const std::string name_path = ElementPath("attributeDefinitions", i, "attributeName");
    if (c->NotNull(defs[i].attribute_name.has_value(), name_path)) {
      c->Length(*defs[i].attribute_name, name_path, 1, 255);
    }
    const std::string type_path = ElementPath("attributeDefinitions", i, "attributeType");
    if (c->NotNull(defs[i].attribute_type.has_value(), type_path)) {
      c->Enum(defs[i].attribute_type, type_path, {"B", "N", "S"}, "[B, N, S]");
    }
  }
}

// The member constraints of each index, into the request's constraint list.
void CheckIndexConstraints(Constraints* c, const std::vector<RawIndex>& indexes,
                           std::string_view list) {
  for (size_t i = 0; i < indexes.size(); ++i) {
    const RawIndex& index = indexes[i];
    c->TableName(index.index_name, ElementPath(list, i, "indexName"), true);
    const std::string key_path = ElementPath(list, i, "keySchema");
    if (c->NotNull(index.key_schema.has_value(), key_path)) {
      CheckKeySchemaConstraints(c, *index.key_schema, key_path);
    }
    if (c->NotNull(index.has_projection, ElementPath(list, i, "projection"))) {
      c->Enum(index.projection_type, ElementPath(list, i, "projection.projectionType"),
              {"ALL", "INCLUDE", "KEYS_ONLY"}, "[ALL, INCLUDE, KEYS_ONLY]");
    }
    if (index.provisioned_throughput.has_value()) {
      const RawThroughput& t = *index.provisioned_throughput;
      const std::string write_path =
          ElementPath(list, i, "provisionedThroughput.writeCapacityUnits");
      if (c->NotNull(t.write_capacity_units.has_value(), write_path)) {
        c->AtLeast(*t.write_capacity_units, write_path, 1);
      }
      const std::string read_path = ElementPath(list, i, "provisionedThroughput.readCapacityUnits");
      if (c->NotNull(t.read_capacity_units.has_value(), read_path)) {
        c->AtLeast(*t.read_capacity_units, read_path, 1);
      }
    }
  }
}

// One index against the table (DynamoDB's order, as dynalite records it): its key attributes
// defined, its key schema well formed, an LSI's range key and leading hash key, its projection,
// its throughput against the billing mode, its name unique among all the table's indexes.
// An index's key schema against the attribute definitions: every key attribute defined, two
// different names, HASH then RANGE. Shared by CreateTable's indexes and UpdateTable's Create.
std::optional<Error> CheckIndexKeySchema(const RawIndex& index,
                                         const std::vector<std::string_view>& defined) {
  const std::vector<RawKeySchemaElement>& ks = *index.key_schema;
  std::vector<std::string_view> keys;
  for (const RawKeySchemaElement& k : ks) keys.push_back(*k.attribute_name);
  for (std::string_view key : keys) {
    if (std::find(defined.begin(), defined.end(), key) == defined.end()) {
      return InvalidParameter(
          Concat({"Some index key attributes are not defined in "
                  "AttributeDefinitions. Keys: ",
                  JoinList(keys), ", AttributeDefinitions: ", JoinList(defined)}));
    }
  }
  if (keys.size() == 2 && keys[0] == keys[1]) {
    return Invalid(
        "Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  if (*ks[0].key_type != "HASH") {
    return Invalid("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (ks.size() == 2 && *ks[1].key_type != "RANGE") {
    return Invalid("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  return std::nullopt;
}

// An index's ProjectionType against its NonKeyAttributes (only INCLUDE names attributes).
std::optional<Error> CheckIndexProjection(const RawIndex& index) {
  if (!index.projection_type.has_value()) {
    return InvalidParameter("Unknown ProjectionType: null");
  }
  const std::string_view type = *index.projection_type;
  if (type != "INCLUDE" && index.non_key_attributes.has_value()) {
    return InvalidParameter(
        Concat({"ProjectionType is ", type, ", but NonKeyAttributes is specified"}));
  }
  if (type == "INCLUDE" && !index.non_key_attributes.has_value()) {
    return InvalidParameter("ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
  }
  return std::nullopt;
}

std::optional<Error> CheckIndex(const RawIndex& index, const RawCreateTable& r, bool global,
                                std::vector<std::string_view>* names) {
  std::vector<std::string_view> defined;
  for (const RawAttributeDefinition& d : *r.attribute_definitions) {
    defined.push_back(*d.attribute_name);
  }
  if (std::optional<Error> e = CheckIndexKeySchema(index, defined)) return e;
  const std::vector<RawKeySchemaElement>& ks = *index.key_schema;
  const std::string_view name = *index.index_name;
  if (!global) {
    if (ks.size() < 2) {
      return InvalidParameter(
          Concat({"Index KeySchema does not have a range key for index: ", name}));
    }
    const std::string_view index_hash = *ks[0].attribute_name;
    const std::string_view table_hash = *(*r.key_schema)[0].attribute_name;
    if (index_hash != table_hash) {
      return InvalidParameter(
          Concat({"Index KeySchema does not have the same leading hash key as table KeySchema "
                  "for index: ",
                  name, ". index hash key: ", index_hash, ", table hash key: ", table_hash}));
    }
  }
  if (std::optional<Error> e = CheckIndexProjection(index)) return e;
  if (global) {
    const bool pay_per_request = r.billing_mode == "PAY_PER_REQUEST";
    if (pay_per_request && index.provisioned_throughput.has_value()) {
      return InvalidParameter(Concat({"ProvisionedThroughput should not be specified for index: ",
                                      name, " when BillingMode is PAY_PER_REQUEST"}));
    }
    if (!pay_per_request && !index.provisioned_throughput.has_value()) {
      return InvalidParameter(
          Concat({"ProvisionedThroughput must be specified for index: ", name}));
    }
  }
  if (std::find(names->begin(), names->end(), name) != names->end()) {
    return InvalidParameter(Concat({"Duplicate index name: ", name}));
  }
  names->push_back(name);
  return std::nullopt;
}

// What holds over all the indexes together: at most 100 projected non-key attributes, and every
// attribute definition used by a key schema.
std::optional<Error> CheckIndexTotals(const RawCreateTable& r) {
  size_t projected = 0;
  std::vector<std::string_view> used;
  auto use = [&used](const std::vector<RawKeySchemaElement>& ks) {
    for (const RawKeySchemaElement& k : ks) {
      if (std::find(used.begin(), used.end(), *k.attribute_name) == used.end()) {
        used.push_back(*k.attribute_name);
      }
    }
  };
  use(*r.key_schema);
  for (const auto* list : {&r.local_secondary_indexes, &r.global_secondary_indexes}) {
    if (!list->has_value()) continue;
    for (const RawIndex& index : **list) {
      use(*index.key_schema);
      if (index.non_key_attributes.has_value()) projected += index.non_key_attributes->size();
    }
  }
  if (projected > kMaxProjectedAttributes) {
    return InvalidParameter(
        Concat({"Number of projected attributes in all indexes exceeds limit "
                "of 100. Total number: ",
                std::to_string(projected)}));
  }
  std::vector<std::string_view> defined;
  for (const RawAttributeDefinition& d : *r.attribute_definitions)
    defined.push_back(*d.attribute_name);
  for (std::string_view name : defined) {
    if (std::find(used.begin(), used.end(), name) == used.end()) {
      std::sort(used.begin(), used.end());
      return InvalidParameter(Concat(
          {"Some AttributeDefinitions are not used. AttributeDefinitions: ", JoinList(defined),
           ", keys used: ", JoinList(used)}));
    }
  }
  return std::nullopt;
}

SecondaryIndex BuildIndex(const RawIndex& raw) {
  SecondaryIndex index;
  index.index_name = std::string(*raw.index_name);
  for (const RawKeySchemaElement& k : *raw.key_schema) {
    index.key_schema.push_back(
        {std::string(*k.attribute_name), *k.key_type == "HASH" ? KeyType::kHash : KeyType::kRange});
  }
  const std::string_view type = *raw.projection_type;
  index.projection.type = type == "ALL"         ? ProjectionType::kAll
                          : type == "KEYS_ONLY" ? ProjectionType::kKeysOnly
                                                : ProjectionType::kInclude;
  if (raw.non_key_attributes.has_value()) {
    for (std::string_view name : *raw.non_key_attributes) {
      index.projection.non_key_attributes.emplace_back(name);
    }
  }
  if (raw.provisioned_throughput.has_value()) {
    index.provisioned_throughput = {*raw.provisioned_throughput->read_capacity_units,
                                    *raw.provisioned_throughput->write_capacity_units};
  }
  return index;
}

Result<CreateTableRequest> CheckCreateTable(const RawCreateTable& r) {
  if (std::optional<Error> e = CheckRequiredTableName(r.table_name)) return std::move(*e);

  Constraints c;
  if (c.NotNull(r.attribute_definitions.has_value(), "attributeDefinitions")) {
    CheckAttributeDefinitionConstraints(&c, *r.attribute_definitions);
  }
  c.TableNamePattern(*r.table_name, "tableName");
  c.Enum(r.billing_mode, "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"},
         "[PROVISIONED, PAY_PER_REQUEST]");
  if (r.provisioned_throughput.has_value()) {
    const RawThroughput& t = *r.provisioned_throughput;
    if (c.NotNull(t.write_capacity_units.has_value(), "provisionedThroughput.writeCapacityUnits")) {
      c.AtLeast(*t.write_capacity_units, "provisionedThroughput.writeCapacityUnits", 1);
    }
    if (c.NotNull(t.read_capacity_units.has_value(), "provisionedThroughput.readCapacityUnits")) {
      c.AtLeast(*t.read_capacity_units, "provisionedThroughput.readCapacityUnits", 1);
    }
  }
  if (c.NotNull(r.key_schema.has_value(), "keySchema")) {
    const auto& ks = *r.key_schema;
    if (ks.empty()) {
      c.Fail("[]", "keySchema", "Member must have length greater than or equal to 1");
    }
    if (ks.size() > 2) {
      c.Fail(DescribeKeySchemaList(ks), "keySchema",
             "Member must have length less than or equal to 2");
    }
    for (size_t i = 0; i < ks.size(); ++i) {
      const std::string name_path = ElementPath("keySchema", i, "attributeName");
      if (c.NotNull(ks[i].attribute_name.has_value(), name_path)) {
        c.Length(*ks[i].attribute_name, name_path, 1, 255);
      }
      const std::string type_path = ElementPath("keySchema", i, "keyType");
      if (c.NotNull(ks[i].key_type.has_value(), type_path)) {
        c.Enum(ks[i].key_type, type_path, {"HASH", "RANGE"}, "[HASH, RANGE]");
      }
    }
  }
  for (const auto& [list, path] :
       {std::pair{&r.local_secondary_indexes, "localSecondaryIndexes"},
        std::pair{&r.global_secondary_indexes, "globalSecondaryIndexes"}}) {
    if (list->has_value()) CheckIndexConstraints(&c, **list, path);
  }
  if (r.tags.has_value()) {
    const auto& tags = *r.tags;
    for (size_t i = 0; i < tags.size(); ++i) {
      const std::string key_path = ElementPath("tags", i, "key");
      if (c.NotNull(tags[i].key.has_value(), key_path)) c.Length(*tags[i].key, key_path, 1, 128);
      const std::string value_path = ElementPath("tags", i, "value");
      if (c.NotNull(tags[i].value.has_value(), value_path)) {
        c.Length(*tags[i].value, value_path, 0, 256);
      }
    }
  }
  if (std::optional<Error> e = c.Result()) return std::move(*e);

  // Billing mode and throughput.
  const bool pay_per_request = r.billing_mode == "PAY_PER_REQUEST";
  if (pay_per_request && r.provisioned_throughput.has_value()) {
    return InvalidParameter(
        "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
        "PAY_PER_REQUEST");
  }
  if (r.provisioned_throughput.has_value()) {
    const int64_t read = *r.provisioned_throughput->read_capacity_units;
    const int64_t write = *r.provisioned_throughput->write_capacity_units;
    if (read > kMaxCapacityUnits) {
      return Invalid(Concat(
          {"Given value ", std::to_string(read), " for ReadCapacityUnits is out of bounds"}));
    }
    if (write > kMaxCapacityUnits) {
      return Invalid(Concat(
          {"Given value ", std::to_string(write), " for WriteCapacityUnits is out of bounds"}));
    }
  }
  if (!pay_per_request && !r.provisioned_throughput.has_value()) {
    return InvalidParameter(
        "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is "
        "PROVISIONED");
  }

  // Key schema.
  const bool has_indexes =
      r.local_secondary_indexes.has_value() || r.global_secondary_indexes.has_value();
  if (std::optional<Error> e =
          CheckKeySchema(*r.key_schema, *r.attribute_definitions, has_indexes)) {
    return std::move(*e);
  }
  std::vector<std::string_view> index_names;
  if (r.local_secondary_indexes.has_value()) {
    const std::vector<RawIndex>& lsis = *r.local_secondary_indexes;
    if (lsis.empty()) return InvalidParameter("List of LocalSecondaryIndexes is empty");
    if (r.key_schema->size() < 2) {
      return InvalidParameter(
          "Table KeySchema does not have a range key, which is required when specifying a "
          "LocalSecondaryIndex");
    }
    for (const RawIndex& index : lsis) {
      if (std::optional<Error> e = CheckIndex(index, r, /*global=*/false, &index_names)) {
        return std::move(*e);
      }
    }
    if (lsis.size() > kMaxLocalSecondaryIndexes) {
      return InvalidParameter("Number of LocalSecondaryIndexes exceeds per-table limit of 5");
    }
  }
  if (r.global_secondary_indexes.has_value()) {
    const std::vector<RawIndex>& gsis = *r.global_secondary_indexes;
    if (gsis.empty()) return InvalidParameter("List of GlobalSecondaryIndexes is empty");
    for (const RawIndex& index : gsis) {
      if (std::optional<Error> e = CheckIndex(index, r, /*global=*/true, &index_names)) {
        return std::move(*e);
      }
    }
    if (gsis.size() > kMaxGlobalSecondaryIndexes) {
      return InvalidParameter("GlobalSecondaryIndex count exceeds the per-table limit of 20");
    }
  }
  if (has_indexes) {
    if (std::optional<Error> e = CheckIndexTotals(r)) return std::move(*e);
  } else if (r.key_schema->size() != r.attribute_definitions->size()) {
    return InvalidParameter(
        "Number of attributes in KeySchema does not exactly match number of attributes defined "
        "in AttributeDefinitions");
  }

  CreateTableRequest request;
  request.table_name = std::string(*r.table_name);
  for (const RawAttributeDefinition& d : *r.attribute_definitions) {
    request.attribute_definitions.push_back(
        {std::string(*d.attribute_name), ToScalarAttributeType(*d.attribute_type)});
  }
  for (const RawKeySchemaElement& k : *r.key_schema) {
    request.key_schema.push_back(
        {std::string(*k.attribute_name), *k.key_type == "HASH" ? KeyType::kHash : KeyType::kRange});
  }
  if (r.billing_mode.has_value()) {
    request.billing_mode =
        pay_per_request ? BillingMode::kPayPerRequest : BillingMode::kProvisioned;
  }
  if (r.provisioned_throughput.has_value()) {
    request.provisioned_throughput =
        ProvisionedThroughput{*r.provisioned_throughput->read_capacity_units,
                              *r.provisioned_throughput->write_capacity_units};
  }
  request.deletion_protection_enabled = r.deletion_protection_enabled;
  if (r.tags.has_value()) {
    for (const RawTag& t : *r.tags) {
      request.tags.push_back({std::string(*t.key), std::string(*t.value)});
    }
  }
  if (r.local_secondary_indexes.has_value()) {
    for (const RawIndex& index : *r.local_secondary_indexes) {
      request.local_secondary_indexes.push_back(BuildIndex(index));
    }
  }
  if (r.global_secondary_indexes.has_value()) {
    for (const RawIndex& index : *r.global_secondary_indexes) {
      request.global_secondary_indexes.push_back(BuildIndex(index));
    }
  }
  return request;
}

// ---------------------------------------------------------------------------------------------
// DescribeTable, DeleteTable, ListTables
// ---------------------------------------------------------------------------------------------

Result<std::string> DecodeTableNameOnly(std::string_view body) {
  return WithBodyObject<std::string>(body, [](dom::object object) -> Result<std::string> {
    std::optional<std::string_view> name;
    for (dom::key_value_pair field : object) {
      if (field.value.is_null() || field.key != "TableName") continue;
      std::string_view s;
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      name = s;
    }
    if (std::optional<Error> e = CheckRequiredTableName(name)) return std::move(*e);
    Constraints c;
    c.TableNamePattern(*name, "tableName");
    if (std::optional<Error> e = c.Result()) return std::move(*e);
    return std::string(*name);
  });
}

// ---------------------------------------------------------------------------------------------
// UpdateTable
// ---------------------------------------------------------------------------------------------

// One GlobalSecondaryIndexUpdates entry, as sent.
struct RawGsiUpdate {
  bool has_update = false;
  std::optional<std::string_view> update_index_name;
  std::optional<RawThroughput> update_throughput;
  bool has_create = false;
  RawIndex create;  // the Create action's index, read as CreateTable's indexes are
  bool has_delete = false;
  std::optional<std::string_view> delete_index_name;
};

struct RawUpdateTable {
  std::optional<std::string_view> table_name;
  std::optional<std::string_view> billing_mode;
  std::optional<RawThroughput> provisioned_throughput;
  std::optional<bool> deletion_protection_enabled;
  std::optional<std::vector<RawGsiUpdate>> gsi_updates;
  std::optional<std::vector<RawAttributeDefinition>> attribute_definitions;
  std::optional<std::string_view> table_class;
  std::optional<size_t> replica_updates;  // how many, when present
  bool stream_specification = false;
  bool sse_specification = false;
  bool on_demand_throughput = false;
  bool warm_throughput = false;
  bool multi_region_consistency = false;
  bool global_table_witness_updates = false;
};

// A structure ddbx does not model beyond its JSON types: `fields` are its scalar members and the
// Java type each has ("String", "Boolean" or "Long").
Status CheckStruct(dom::element e, std::string_view model_class,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectFieldStruct(e, model_class, &object));
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    for (const auto& [name, type] : fields) {
      if (field.key != name) continue;
      std::string_view s;
      bool b = false;
      int64_t n = 0;
      if (type == "String") {
        DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      } else if (type == "Boolean") {
        DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &b));
      } else {
        DDBX_CODEC_RETURN_IF_ERROR(ReadInteger(field.value, type, &n));
      }
    }
  }
  return Status::Ok();
}

// A list of structures ddbx does not model; *count receives its length.
Status CheckStructList(dom::element e, std::string_view model_class, size_t* count) {
  dom::array array;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectList(e, &array));
  *count = array.size();
  for (dom::element el : array) {
    if (el.is_null()) continue;
    dom::object object;
    DDBX_CODEC_RETURN_IF_ERROR(ExpectValueStruct(el, model_class, &object));
  }
  return Status::Ok();
}

Status ReadIndexName(dom::object object, std::optional<std::string_view>* out) {
  for (dom::key_value_pair field : object) {
    if (field.value.is_null() || field.key != "IndexName") continue;
    std::string_view s;
    DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
    *out = s;
  }
  return Status::Ok();
}

// One member of a GlobalSecondaryIndexUpdates entry: Update, Create or Delete.
Status ReadGsiUpdateAction(std::string_view key, dom::element value, RawGsiUpdate* out) {
  RawGsiUpdate& u = *out;
  dom::object action;
  if (key == "Update") {
    DDBX_CODEC_RETURN_IF_ERROR(
        ExpectFieldStruct(value, "UpdateGlobalSecondaryIndexAction", &action));
    u.has_update = true;
    for (dom::key_value_pair f : action) {
      if (f.value.is_null()) continue;
      if (f.key == "ProvisionedThroughput") {
        u.update_throughput.emplace();
        DDBX_CODEC_RETURN_IF_ERROR(ReadThroughput(f.value, &*u.update_throughput));
      } else if (f.key == "OnDemandThroughput") {
        DDBX_CODEC_RETURN_IF_ERROR(
            CheckStruct(f.value, "OnDemandThroughput",
                        {{"MaxReadRequestUnits", "Long"}, {"MaxWriteRequestUnits", "Long"}}));
      } else if (f.key == "WarmThroughput") {
        DDBX_CODEC_RETURN_IF_ERROR(
            CheckStruct(f.value, "WarmThroughput",
                        {{"ReadUnitsPerSecond", "Long"}, {"WriteUnitsPerSecond", "Long"}}));
      }
    }
    DDBX_CODEC_RETURN_IF_ERROR(ReadIndexName(action, &u.update_index_name));
  } else if (key == "Create") {
    DDBX_CODEC_RETURN_IF_ERROR(
        ExpectFieldStruct(value, "CreateGlobalSecondaryIndexAction", &action));
    u.has_create = true;
    for (dom::key_value_pair f : action) {
      if (f.value.is_null()) continue;
      if (f.key == "KeySchema") {
        u.create.key_schema.emplace();
        DDBX_CODEC_RETURN_IF_ERROR(ReadKeySchema(f.value, &*u.create.key_schema));
      } else if (f.key == "Projection") {
        DDBX_CODEC_RETURN_IF_ERROR(ReadProjection(f.value, &u.create));
      } else if (f.key == "ProvisionedThroughput") {
        u.create.provisioned_throughput.emplace();
        DDBX_CODEC_RETURN_IF_ERROR(ReadThroughput(f.value, &*u.create.provisioned_throughput));
      }
    }
    DDBX_CODEC_RETURN_IF_ERROR(ReadIndexName(action, &u.create.index_name));
  } else if (key == "Delete") {
    DDBX_CODEC_RETURN_IF_ERROR(
        ExpectFieldStruct(value, "DeleteGlobalSecondaryIndexAction", &action));
    u.has_delete = true;
    DDBX_CODEC_RETURN_IF_ERROR(ReadIndexName(action, &u.delete_index_name));
  }
  return Status::Ok();
}

Status ReadGsiUpdates(dom::element e, std::vector<RawGsiUpdate>* out) {
  return ReadStructList(e, "GlobalSecondaryIndexUpdate", out, ReadGsiUpdateAction);
}

Status ReadUpdateTable(dom::object body, RawUpdateTable* r) {
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    std::string_view s;
    if (key == "TableName") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->table_name = s;
    } else if (key == "BillingMode") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->billing_mode = s;
    } else if (key == "ProvisionedThroughput") {
      r->provisioned_throughput.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadThroughput(field.value, &*r->provisioned_throughput));
    } else if (key == "DeletionProtectionEnabled") {
      bool b = false;
      DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &b));
      r->deletion_protection_enabled = b;
    } else if (key == "GlobalSecondaryIndexUpdates") {
      r->gsi_updates.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadGsiUpdates(field.value, &*r->gsi_updates));
    } else if (key == "AttributeDefinitions") {
      r->attribute_definitions.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadAttributeDefinitions(field.value, &*r->attribute_definitions));
    } else if (key == "TableClass") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->table_class = s;
    } else if (key == "MultiRegionConsistency") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->multi_region_consistency = true;
    } else if (key == "StreamSpecification") {
      DDBX_CODEC_RETURN_IF_ERROR(
          CheckStruct(field.value, "StreamSpecification",
                      {{"StreamEnabled", "Boolean"}, {"StreamViewType", "String"}}));
      r->stream_specification = true;
    } else if (key == "SSESpecification") {
      DDBX_CODEC_RETURN_IF_ERROR(CheckStruct(
          field.value, "SSESpecification",
          {{"Enabled", "Boolean"}, {"SSEType", "String"}, {"KMSMasterKeyId", "String"}}));
      r->sse_specification = true;
    } else if (key == "OnDemandThroughput") {
      DDBX_CODEC_RETURN_IF_ERROR(
          CheckStruct(field.value, "OnDemandThroughput",
                      {{"MaxReadRequestUnits", "Long"}, {"MaxWriteRequestUnits", "Long"}}));
      r->on_demand_throughput = true;
    } else if (key == "WarmThroughput") {
      DDBX_CODEC_RETURN_IF_ERROR(
          CheckStruct(field.value, "WarmThroughput",
                      {{"ReadUnitsPerSecond", "Long"}, {"WriteUnitsPerSecond", "Long"}}));
      r->warm_throughput = true;
    } else if (key == "ReplicaUpdates") {
      size_t n = 0;
      DDBX_CODEC_RETURN_IF_ERROR(CheckStructList(field.value, "ReplicationGroupUpdate", &n));
      r->replica_updates = n;
    } else if (key == "GlobalTableWitnessUpdates") {
      size_t n = 0;
      DDBX_CODEC_RETURN_IF_ERROR(CheckStructList(field.value, "GlobalTableWitnessGroupUpdate", &n));
      r->global_table_witness_updates = true;
    }
  }
  return Status::Ok();
}

void CheckThroughputConstraints(Constraints* c, const std::optional<RawThroughput>& t,
                                std::string_view path) {
  if (!t.has_value()) return;
  const std::string write_path = Concat({path, ".writeCapacityUnits"});
  if (c->NotNull(t->write_capacity_units.has_value(), write_path)) {
    c->AtLeast(*t->write_capacity_units, write_path, 1);
  }
  const std::string read_path = Concat({path, ".readCapacityUnits"});
  if (c->NotNull(t->read_capacity_units.has_value(), read_path)) {
    c->AtLeast(*t->read_capacity_units, read_path, 1);
  }
}

void CheckIndexNameConstraints(Constraints* c, const std::optional<std::string_view>& name,
                               std::string_view path) {
  if (c->NotNull(name.has_value(), path)) c->TableName(name, path, true);
}

// "Given value N for ReadCapacityUnits is out of bounds" (+ " for index <name>").
std::optional<Error> CheckThroughputBounds(const RawThroughput& t, std::string_view index) {
  const std::string suffix = index.empty() ? "" : Concat({" for index ", index});
  if (*t.read_capacity_units > kMaxCapacityUnits) {
    return Invalid(Concat({"Given value ", std::to_string(*t.read_capacity_units),
                           " for ReadCapacityUnits is out of bounds", suffix}));
  }
  if (*t.write_capacity_units > kMaxCapacityUnits) {
    return Invalid(Concat({"Given value ", std::to_string(*t.write_capacity_units),
                           " for WriteCapacityUnits is out of bounds", suffix}));
  }
  return std::nullopt;
}

// The members UpdateTable can change, as named in "At least one of ... is required". A member
// the request already carries is left out of the list (MultiRegionConsistency alone).
std::string AtLeastOneOfMessage(const RawUpdateTable& r) {
  std::vector<std::string_view> names = {"ProvisionedThroughput",    "BillingMode",
                                         "UpdateStreamEnabled",      "GlobalSecondaryIndexUpdates",
                                         "SSESpecification",         "ReplicaUpdates",
                                         "MultiAccountReplicaReady", "ReplicaTransitRoleArn"};
  if (!r.multi_region_consistency) names.push_back("MultiRegionConsistency");
  names.insert(names.end(),
               {"DeletionProtectionEnabled", "OnDemandThroughput", "WarmThroughput", "TableClass"});
  std::string m = "At least one of ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i != 0) m.append(i + 1 == names.size() ? " or " : ", ");
    m.append(names[i]);
  }
  m.append(" is required");
  return m;
}

// A GSI created by UpdateTable: its key attributes defined in the request's
// AttributeDefinitions (the table's own do not count), a well-formed key schema, a projection.
// What needs the table (a unique name, the billing mode) is the backend's to check.
std::optional<Error> CheckCreatedIndex(const RawIndex& index, const RawUpdateTable& r) {
  std::vector<std::string_view> defined;
  if (r.attribute_definitions.has_value()) {
    for (const RawAttributeDefinition& d : *r.attribute_definitions) {
      if (d.attribute_name.has_value()) defined.push_back(*d.attribute_name);
    }
  }
  if (std::optional<Error> e = CheckIndexKeySchema(index, defined)) return e;
  return CheckIndexProjection(index);
}

Result<UpdateTableRequest> CheckUpdateTable(const RawUpdateTable& r) {
  if (std::optional<Error> e = CheckRequiredTableName(r.table_name)) return std::move(*e);

  Constraints c;
  c.TableNamePattern(*r.table_name, "tableName");
  c.Enum(r.billing_mode, "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"},
         "[PROVISIONED, PAY_PER_REQUEST]");
  CheckThroughputConstraints(&c, r.provisioned_throughput, "provisionedThroughput");
  if (r.attribute_definitions.has_value()) {
    CheckAttributeDefinitionConstraints(&c, *r.attribute_definitions);
  }
  if (r.gsi_updates.has_value()) {
    for (size_t i = 0; i < r.gsi_updates->size(); ++i) {
      const RawGsiUpdate& u = (*r.gsi_updates)[i];
      const std::string base =
          Concat({"globalSecondaryIndexUpdates.", std::to_string(i + 1), ".member."});
      if (u.has_update) {
        CheckIndexNameConstraints(&c, u.update_index_name, Concat({base, "update.indexName"}));
        CheckThroughputConstraints(&c, u.update_throughput,
                                   Concat({base, "update.provisionedThroughput"}));
      }
      if (u.has_create) {
        CheckIndexNameConstraints(&c, u.create.index_name, Concat({base, "create.indexName"}));
        const std::string key_path = Concat({base, "create.keySchema"});
        if (c.NotNull(u.create.key_schema.has_value(), key_path)) {
          CheckKeySchemaConstraints(&c, *u.create.key_schema, key_path);
        }
        if (c.NotNull(u.create.has_projection, Concat({base, "create.projection"}))) {
          c.Enum(u.create.projection_type, Concat({base, "create.projection.projectionType"}),
                 {"ALL", "INCLUDE", "KEYS_ONLY"}, "[ALL, INCLUDE, KEYS_ONLY]");
        }
        CheckThroughputConstraints(&c, u.create.provisioned_throughput,
                                   Concat({base, "create.provisionedThroughput"}));
      }
      if (u.has_delete) {
        CheckIndexNameConstraints(&c, u.delete_index_name, Concat({base, "delete.indexName"}));
      }
    }
  }
  if (std::optional<Error> e = c.Result()) return std::move(*e);

  const bool has_gsi_updates = r.gsi_updates.has_value() && !r.gsi_updates->empty();
  const bool has_replica_updates = r.replica_updates.has_value() && *r.replica_updates > 0;
  const bool changes_throughput =
      r.provisioned_throughput.has_value() || r.billing_mode.has_value();
  if (!changes_throughput && !r.stream_specification && !has_gsi_updates && !r.sse_specification &&
      !has_replica_updates && !r.deletion_protection_enabled.has_value() &&
      !r.on_demand_throughput && !r.warm_throughput && !r.table_class.has_value()) {
    return Invalid(AtLeastOneOfMessage(r));
  }
  if (r.provisioned_throughput.has_value()) {
    if (std::optional<Error> e = CheckThroughputBounds(*r.provisioned_throughput, "")) {
      return std::move(*e);
    }
  }
  if (has_gsi_updates) {
    std::vector<std::string_view> names;
    for (const RawGsiUpdate& u : *r.gsi_updates) {
      const int actions = int{u.has_update} + int{u.has_create} + int{u.has_delete};
      if (actions == 0) {
        return InvalidParameter(
            "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
            "GlobalSecondaryIndexUpdate.Delete must not be null");
      }
      if (actions > 1) {
        return InvalidParameter(
            "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate "
            "object");
      }
      const std::string_view name = u.has_update   ? *u.update_index_name
                                    : u.has_create ? *u.create.index_name
                                                   : *u.delete_index_name;
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        return InvalidParameter(
            Concat({"Only one global secondary index update per index is allowed simultaneously. "
                    "Index: ",
                    name}));
      }
      names.push_back(name);
      if (u.has_update && u.update_throughput.has_value()) {
        if (std::optional<Error> e = CheckThroughputBounds(*u.update_throughput, name)) {
          return std::move(*e);
        }
      }
    }
  }
  if (r.table_class.has_value() && *r.table_class != "STANDARD" &&
      *r.table_class != "STANDARD_INFREQUENT_ACCESS") {
    return Invalid(
        "Invalid table-class parameter provided. Please try again with a valid table-class "
        "value: [STANDARD, STANDARD_INFREQUENT_ACCESS].");
  }
  if (r.billing_mode == "PAY_PER_REQUEST" && r.provisioned_throughput.has_value()) {
    return InvalidParameter(
        "ProvisionedThroughput cannot be specified when BillingMode is PAY_PER_REQUEST");
  }
  // Settings DynamoDB changes only on their own, each in a request of its own.
  const int changes = int{changes_throughput} + int{r.stream_specification} + int{has_gsi_updates} +
                      int{r.sse_specification} + int{has_replica_updates} +
                      int{r.deletion_protection_enabled.has_value()} + int{r.on_demand_throughput} +
                      int{r.warm_throughput} + int{r.table_class.has_value()};
  if (changes > 1) {
    if (r.sse_specification) {
      return InvalidParameter(
          "Server-Side Encryption modification must be the only operation in the request");
    }
    if (r.table_class.has_value()) {
      return InvalidParameter("TableClass modification must be the only operation in the request");
    }
    if (r.deletion_protection_enabled.has_value()) {
      return InvalidParameter(
          "DeletionProtection modification must be the only operation in the request");
    }
    if (has_replica_updates) {
      return InvalidParameter("Replica modification must be the only operation in the request");
    }
  }
  std::vector<SecondaryIndex> creates;
  std::vector<std::string> deletes;
  if (has_gsi_updates) {
    for (const RawGsiUpdate& u : *r.gsi_updates) {
      if (u.has_update) return Unsupported("GlobalSecondaryIndexUpdates Update");
      if (u.has_delete) deletes.emplace_back(*u.delete_index_name);
      if (!u.has_create) continue;
      if (std::optional<Error> e = CheckCreatedIndex(u.create, r)) return std::move(*e);
      creates.push_back(BuildIndex(u.create));
    }
    if (creates.size() + deletes.size() > 1) {
      return Error{ErrorCode::kLimitExceeded,
                   "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                   "simultaneously per table"};
    }
  }
  if (r.stream_specification) return Unsupported("StreamSpecification");
  if (r.sse_specification) return Unsupported("SSESpecification");
  if (has_replica_updates || r.global_table_witness_updates) return Unsupported("ReplicaUpdates");
  if (r.multi_region_consistency) return Unsupported("MultiRegionConsistency");
  if (r.table_class.has_value()) return Unsupported("TableClass");
  if (r.on_demand_throughput) return Unsupported("OnDemandThroughput");
  if (r.warm_throughput) return Unsupported("WarmThroughput");

  UpdateTableRequest request;
  request.table_name = std::string(*r.table_name);
  if (r.billing_mode.has_value()) {
    request.billing_mode = *r.billing_mode == "PAY_PER_REQUEST" ? BillingMode::kPayPerRequest
                                                                : BillingMode::kProvisioned;
  }
  if (r.provisioned_throughput.has_value()) {
    request.provisioned_throughput =
        ProvisionedThroughput{*r.provisioned_throughput->read_capacity_units,
                              *r.provisioned_throughput->write_capacity_units};
  }
  request.deletion_protection_enabled = r.deletion_protection_enabled;
  request.create_global_secondary_indexes = std::move(creates);
  request.delete_global_secondary_indexes = std::move(deletes);
  if (r.attribute_definitions.has_value()) {
    for (const RawAttributeDefinition& d : *r.attribute_definitions) {
      if (!d.attribute_name.has_value() || !d.attribute_type.has_value()) continue;
      request.attribute_definitions.push_back(
          {std::string(*d.attribute_name), ToScalarAttributeType(*d.attribute_type)});
    }
  }
  return request;
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------------------------

void WriteNumber(JsonWriter* w, const Number& n) { w->String(n.ToString()); }

std::string EncodeTableDescriptionResponse(std::string_view member, const TableDescription& t) {
  std::string out;
  out.reserve(512);
  JsonWriter w(&out);
  w.BeginObject();
  w.Key(member);
  WriteTableDescription(&w, t);
  w.EndObject();
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

bool IsWellFormedJson(std::string_view body) {
  std::optional<dom::parser> one_off;
  dom::parser* parser = ParserFor(body.size(), &one_off);
  dom::element root;
  return parser->parse(body.data(), body.size(), true).get(root) == simdjson::SUCCESS;
}

std::string_view KeyTypeName(KeyType type) { return type == KeyType::kHash ? "HASH" : "RANGE"; }

std::string_view ScalarAttributeTypeName(ScalarAttributeType type) {
  switch (type) {
    case ScalarAttributeType::kS:
      return "S";
    case ScalarAttributeType::kN:
      return "N";
    case ScalarAttributeType::kB:
      return "B";
  }
  return "S";
}

std::string_view BillingModeName(BillingMode mode) {
  return mode == BillingMode::kPayPerRequest ? "PAY_PER_REQUEST" : "PROVISIONED";
}

std::string_view TableStatusName(TableStatus status) {
  switch (status) {
    case TableStatus::kCreating:
      return "CREATING";
    case TableStatus::kUpdating:
      return "UPDATING";
    case TableStatus::kDeleting:
      return "DELETING";
    case TableStatus::kActive:
      return "ACTIVE";
  }
  return "ACTIVE";
}

std::string_view ReturnValuesName(ReturnValues rv) {
  switch (rv) {
    case ReturnValues::kNone:
      return "NONE";
    case ReturnValues::kAllOld:
      return "ALL_OLD";
    case ReturnValues::kUpdatedOld:
      return "UPDATED_OLD";
    case ReturnValues::kAllNew:
      return "ALL_NEW";
    case ReturnValues::kUpdatedNew:
      return "UPDATED_NEW";
  }
  return "NONE";
}

void WriteAttributeValue(JsonWriter* w, const AttributeValue& value) {
  w->BeginObject();
  switch (value.type()) {
    case AttributeType::kS:
      w->Key("S");
      w->String(value.s());
      break;
    case AttributeType::kN:
      w->Key("N");
      WriteNumber(w, value.n());
      break;
    case AttributeType::kB:
      w->Key("B");
      WriteBase64(w, value.b());
      break;
    case AttributeType::kBOOL:
      w->Key("BOOL");
      w->Bool(value.boolean());
      break;
    case AttributeType::kNULL:
      w->Key("NULL");
      w->Bool(true);
      break;
    case AttributeType::kM:
      w->Key("M");
      WriteItem(w, value.m());
      break;
    case AttributeType::kL:
      w->Key("L");
      w->BeginArray();
      for (const AttributeValue& v : value.l()) WriteAttributeValue(w, v);
      w->EndArray();
      break;
    case AttributeType::kSS:
      w->Key("SS");
      w->BeginArray();
      for (const std::string& s : value.ss()) w->String(s);
      w->EndArray();
      break;
    case AttributeType::kNS:
      w->Key("NS");
      w->BeginArray();
      for (const Number& n : value.ns()) WriteNumber(w, n);
      w->EndArray();
      break;
    case AttributeType::kBS:
      w->Key("BS");
      w->BeginArray();
      for (const std::string& b : value.bs()) WriteBase64(w, b);
      w->EndArray();
      break;
  }
  w->EndObject();
}

void WriteItem(JsonWriter* w, const AttributeMap& item) {
  w->BeginObject();
  for (const auto& [name, value] : item) {
    w->Key(name);
    WriteAttributeValue(w, value);
  }
  w->EndObject();
}

std::string EncodeItemJson(const Item& item) {
  std::string out;
  out.reserve(16 + item.size() * 48);
  AppendItemJson(item, &out);
  return out;
}

void AppendItemJson(const Item& item, std::string* out) {
  JsonWriter w(out);
  WriteItem(&w, item);
}

Result<Item> DecodeItemJson(std::string_view json) {
  return WithBodyObject<Item>(json, [](dom::object object) -> Result<Item> {
    std::optional<Error> invalid;
    AttributeValueDecoder decoder(&invalid);
    Item item;
    for (dom::key_value_pair field : object) {
      AttributeValue value;
      DDBX_CODEC_RETURN_IF_ERROR(decoder.Decode(field.value, 1, &value));
      item.insert_or_assign(std::string(field.key), std::move(value));
    }
    if (invalid.has_value()) return std::move(*invalid);
    return item;
  });
}

Result<AttributeValue> DecodeAttributeValueJson(std::string_view json) {
  return WithBodyObject<AttributeValue>(json, [](dom::object object) -> Result<AttributeValue> {
    std::optional<Error> invalid;
    AttributeValueDecoder decoder(&invalid);
    AttributeValue value;
    DDBX_CODEC_RETURN_IF_ERROR(decoder.DecodeObject(object, 1, &value));
    if (invalid.has_value()) return std::move(*invalid);
    return value;
  });
}

namespace {

void WriteKeySchema(JsonWriter* w, const std::vector<KeySchemaElement>& key_schema) {
  w->Key("KeySchema");
  w->BeginArray();
  for (const KeySchemaElement& k : key_schema) {
    w->BeginObject();
    w->Key("AttributeName");
    w->String(k.attribute_name);
    w->Key("KeyType");
    w->String(KeyTypeName(k.key_type));
    w->EndObject();
  }
  w->EndArray();
}

std::string_view IndexStatusName(IndexStatus status) {
  switch (status) {
    case IndexStatus::kCreating:
      return "CREATING";
    case IndexStatus::kUpdating:
      return "UPDATING";
    case IndexStatus::kDeleting:
      return "DELETING";
    case IndexStatus::kActive:
      return "ACTIVE";
  }
  return "ACTIVE";
}

std::string_view ProjectionTypeName(ProjectionType type) {
  switch (type) {
    case ProjectionType::kAll:
      return "ALL";
    case ProjectionType::kKeysOnly:
      return "KEYS_ONLY";
    case ProjectionType::kInclude:
      return "INCLUDE";
  }
  return "ALL";
}

// LocalSecondaryIndexes / GlobalSecondaryIndexes of a description, members alphabetical; GSIs
// also carry IndexStatus, ProvisionedThroughput and (while filling) Backfilling. Nothing when
// the table has none.
void WriteIndexList(JsonWriter* w, std::string_view member, const std::vector<SecondaryIndex>& list,
                    bool global) {
  if (list.empty()) return;
  w->Key(member);
  w->BeginArray();
  for (const SecondaryIndex& index : list) {
    w->BeginObject();
    if (global && index.backfilling) {
      w->Key("Backfilling");
      w->Bool(true);
    }
    w->Key("IndexArn");
    w->String(index.index_arn);
    w->Key("IndexName");
    w->String(index.index_name);
    w->Key("IndexSizeBytes");
    w->Int(index.index_size_bytes);
    if (global) {
      w->Key("IndexStatus");
      w->String(IndexStatusName(index.index_status));
    }
    w->Key("ItemCount");
    w->Int(index.item_count);
    WriteKeySchema(w, index.key_schema);
    w->Key("Projection");
    w->BeginObject();
    if (index.projection.type == ProjectionType::kInclude) {
      w->Key("NonKeyAttributes");
      w->BeginArray();
      for (const std::string& name : index.projection.non_key_attributes) w->String(name);
      w->EndArray();
    }
    w->Key("ProjectionType");
    w->String(ProjectionTypeName(index.projection.type));
    w->EndObject();
    if (global) {
      w->Key("ProvisionedThroughput");
      w->BeginObject();
      w->Key("NumberOfDecreasesToday");
      w->Int(0);
      w->Key("ReadCapacityUnits");
      w->Int(index.provisioned_throughput.read_capacity_units);
      w->Key("WriteCapacityUnits");
      w->Int(index.provisioned_throughput.write_capacity_units);
      w->EndObject();
    }
    w->EndObject();
  }
  w->EndArray();
}

}  // namespace

void WriteTableDescription(JsonWriter* w, const TableDescription& t) {
  // Members in DynamoDB's order (alphabetical).
  w->BeginObject();
  w->Key("AttributeDefinitions");
  w->BeginArray();
  for (const AttributeDefinition& d : t.attribute_definitions) {
    w->BeginObject();
    w->Key("AttributeName");
    w->String(d.attribute_name);
    w->Key("AttributeType");
    w->String(ScalarAttributeTypeName(d.attribute_type));
    w->EndObject();
  }
  w->EndArray();
  // DynamoDB reports the billing mode summary for on-demand tables, and keeps reporting it (with
  // PROVISIONED) once a table has been switched back from on-demand.
  if (t.billing_mode == BillingMode::kPayPerRequest ||
      t.last_update_to_pay_per_request_date_time != 0) {
    w->Key("BillingModeSummary");
    w->BeginObject();
    w->Key("BillingMode");
    w->String(t.billing_mode == BillingMode::kPayPerRequest ? "PAY_PER_REQUEST" : "PROVISIONED");
    if (t.last_update_to_pay_per_request_date_time != 0) {
      w->Key("LastUpdateToPayPerRequestDateTime");
      w->Double(t.last_update_to_pay_per_request_date_time);
    }
    w->EndObject();
  }
  w->Key("CreationDateTime");
  w->Double(t.creation_date_time);
  w->Key("DeletionProtectionEnabled");
  w->Bool(t.deletion_protection_enabled);
  WriteIndexList(w, "GlobalSecondaryIndexes", t.global_secondary_indexes, /*global=*/true);
  w->Key("ItemCount");
  w->Int(t.item_count);
  WriteKeySchema(w, t.key_schema);
  WriteIndexList(w, "LocalSecondaryIndexes", t.local_secondary_indexes, /*global=*/false);
  w->Key("ProvisionedThroughput");
  w->BeginObject();
  if (t.last_decrease_date_time != 0) {
    w->Key("LastDecreaseDateTime");
    w->Double(t.last_decrease_date_time);
  }
  if (t.last_increase_date_time != 0) {
    w->Key("LastIncreaseDateTime");
    w->Double(t.last_increase_date_time);
  }
  w->Key("NumberOfDecreasesToday");
  w->Int(t.number_of_decreases_today);
  w->Key("ReadCapacityUnits");
  w->Int(t.provisioned_throughput.read_capacity_units);
  w->Key("WriteCapacityUnits");
  w->Int(t.provisioned_throughput.write_capacity_units);
  w->EndObject();
  if (!t.table_arn.empty()) {
    w->Key("TableArn");
    w->String(t.table_arn);
  }
  if (!t.table_id.empty()) {
    w->Key("TableId");
    w->String(t.table_id);
  }
  w->Key("TableName");
  w->String(t.table_name);
  w->Key("TableSizeBytes");
  w->Int(t.table_size_bytes);
  w->Key("TableStatus");
  w->String(TableStatusName(t.table_status));
  w->EndObject();
}

Result<CreateTableRequest> DecodeCreateTable(std::string_view body) {
  return DecodeBody<CreateTableRequest, RawCreateTable>(body, ReadCreateTable, CheckCreateTable);
}

Result<DescribeTableRequest> DecodeDescribeTable(std::string_view body) {
  Result<std::string> name = DecodeTableNameOnly(body);
  if (!name.ok()) return name.take_error();
  return DescribeTableRequest{std::move(name).value()};
}

Result<DeleteTableRequest> DecodeDeleteTable(std::string_view body) {
  Result<std::string> name = DecodeTableNameOnly(body);
  if (!name.ok()) return name.take_error();
  return DeleteTableRequest{std::move(name).value()};
}

Result<ListTablesRequest> DecodeListTables(std::string_view body) {
  return WithBodyObject<ListTablesRequest>(
      body, [](dom::object object) -> Result<ListTablesRequest> {
        std::optional<std::string_view> start;
        std::optional<int64_t> limit;
        for (dom::key_value_pair field : object) {
          if (field.value.is_null()) continue;
          if (field.key == "ExclusiveStartTableName") {
            std::string_view s;
            DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
            start = s;
          } else if (field.key == "Limit") {
            int64_t v = 0;
            DDBX_CODEC_RETURN_IF_ERROR(ReadInteger(field.value, "Integer", &v));
            limit = v;
          }
        }
        Constraints c;
        if (limit.has_value()) {
          c.AtLeast(*limit, "limit", 1);
          c.AtMost(*limit, "limit", 100);
        }
        c.TableName(start, "exclusiveStartTableName", false);
        if (std::optional<Error> e = c.Result()) return std::move(*e);
        ListTablesRequest request;
        if (start.has_value()) request.exclusive_start_table_name = std::string(*start);
        if (limit.has_value()) request.limit = static_cast<int32_t>(*limit);
        return request;
      });
}
std::string EncodeCreateTableResponse(const TableDescription& table) {
  return EncodeTableDescriptionResponse("TableDescription", table);
}

std::string EncodeDescribeTableResponse(const TableDescription& table) {
  return EncodeTableDescriptionResponse("Table", table);
}

std::string EncodeDeleteTableResponse(const TableDescription& table) {
  return EncodeTableDescriptionResponse("TableDescription", table);
}

std::string EncodeListTablesResponse(const ListTablesResponse& response) {
  std::string out;
  out.reserve(32 + response.table_names.size() * 24);
  JsonWriter w(&out);
  w.BeginObject();
  if (response.last_evaluated_table_name.has_value()) {
    w.Key("LastEvaluatedTableName");
    w.String(*response.last_evaluated_table_name);
  }
  w.Key("TableNames");
  w.BeginArray();
  for (const std::string& name : response.table_names) w.String(name);
  w.EndArray();
  w.EndObject();
  return out;
}

Result<UpdateTableRequest> DecodeUpdateTable(std::string_view body) {
  return DecodeBody<UpdateTableRequest, RawUpdateTable>(body, ReadUpdateTable, CheckUpdateTable);
}

std::string EncodeUpdateTableResponse(const TableDescription& table) {
  return EncodeTableDescriptionResponse("TableDescription", table);
}

}  // namespace ddbx::api
