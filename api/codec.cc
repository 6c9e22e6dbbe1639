// Codec: decoding of DynamoDB's JSON requests and encoding of its responses. The order of checks
// and the contract are in codec.h; the messages are DynamoDB's (current wording as recorded by
// dynalite's tests against live DynamoDB, AWS SDK users' reports, and AWS documentation).
//
// Decoding runs in two passes over a simdjson DOM:
//   - The read pass walks the request object in document order and converts every member ddbx
//     knows into a "raw" request struct, returning at once on the first JSON type error
//     (SerializationException). Attribute values are fully built in this pass; a value that is
//     well-typed but invalid (an empty set, two types, a bad number...) does not stop the pass:
//     its ValidationException is remembered (the first one, in document order) and reported in
//     the check pass, because a type error later in the body must still win.
//   - The check pass runs the constraint list (Constraints, below) and then the operation's own
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
#include <utility>
#include <vector>

#include "api/base64.h"
#include "api/validation.h"

namespace ddbx::api {
namespace {

namespace dom = simdjson::dom;

#define DDBX_RETURN_IF_ERROR(expr)             \
  do {                                         \
    if (const Status& _s = (expr); !_s.ok()) { \
      return _s.error();                       \
    }                                          \
  } while (0)

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kInvalidPrefix = "One or more parameter values were invalid: ";
constexpr std::string_view kEmptyValue =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
constexpr std::string_view kMultipleTypes =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
    "supported datatypes";
constexpr std::string_view kStructOrMap = "Start of structure or map found where not expected";
constexpr std::string_view kUnexpectedField = "Unexpected field type";
constexpr std::string_view kUnexpectedValue = "Unexpected value type in payload";
constexpr std::string_view kModelPackage = "com.amazonaws.dynamodb.v20120810.";
constexpr std::string_view kAttributeValueMap = "com.amazonaws.dynamodb.v20120810.AttributeValue";
constexpr std::string_view kTableNamePattern = "[a-zA-Z0-9_.-]+";
constexpr int64_t kMaxCapacityUnits = 1000000000000;  // 10^12
constexpr size_t kMaxConstraintErrors = 10;

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

enum class Kind { kNull, kTrue, kFalse, kInteger, kDecimal, kString, kArray, kObject };

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

// A member whose model type is a map from strings to `value_class` (a Java class name).
Status ExpectMap(dom::element e, std::string_view value_class, dom::object* out) {
  const Kind k = KindOf(e);
  if (k == Kind::kObject) {
    *out = e.get_object().value_unsafe();
    return Status::Ok();
  }
  if (k == Kind::kArray) {
    return Serialization(Concat(
        {"Unrecognized collection type java.util.Map<java.lang.String, ", value_class, ">"}));
  }
  return Serialization(kUnexpectedField);
}

// A structure that is a member of another structure ("FieldStruct"), e.g. ProvisionedThroughput.
Status ExpectFieldStruct(dom::element e, std::string_view model_class, dom::object* out) {
  const Kind k = KindOf(e);
  if (k == Kind::kObject) {
    *out = e.get_object().value_unsafe();
    return Status::Ok();
  }
  if (k == Kind::kArray) {
    return Serialization(
        Concat({"Unrecognized collection type class ", kModelPackage, model_class}));
  }
  return Serialization(kUnexpectedField);
}

// A structure that is an element of a list or a value of a map ("ValueStruct"), e.g. a
// KeySchemaElement or an AttributeValue.
Status ExpectValueStruct(dom::element e, std::string_view model_class, dom::object* out) {
  const Kind k = KindOf(e);
  if (k == Kind::kObject) {
    *out = e.get_object().value_unsafe();
    return Status::Ok();
  }
  if (k == Kind::kArray) {
    return Serialization(
        Concat({"Unrecognized collection type class ", kModelPackage, model_class}));
  }
  return Serialization(kUnexpectedValue);
}

// A list of strings.
Status ReadStringList(dom::element e, std::vector<std::string_view>* out) {
  dom::array array;
  DDBX_RETURN_IF_ERROR(ExpectList(e, &array));
  out->clear();
  for (dom::element el : array) {
    std::string_view s;
    if (!el.is_null()) DDBX_RETURN_IF_ERROR(ReadString(el, &s));
    out->push_back(s);
  }
  return Status::Ok();
}

// A map of strings to strings (ExpressionAttributeNames).
Status CheckStringMap(dom::element e) {
  dom::object object;
  DDBX_RETURN_IF_ERROR(ExpectMap(e, "java.lang.String", &object));
  for (dom::key_value_pair field : object) {
    std::string_view s;
    if (!field.value.is_null()) DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

// Bodies up to this size are parsed by a thread-local parser that keeps its buffers; larger ones
// by a parser of their own, so a thread does not hold on to memory sized for a 16 MB request.
constexpr size_t kReusableParserLimit = size_t{64} * 1024;

// Parses `body` and calls fn(dom::object) with its top-level object. A body that is not JSON, or
// whose top level is not an object, is a SerializationException without a message; a top-level
// null is an empty object.
// The parser for a body of `size` bytes: the thread's reusable one, or *one_off. Parsing with
// the reusable parser invalidates the DOM of its previous parse on this thread.
dom::parser* ParserFor(size_t size, std::optional<dom::parser>* one_off) {
  thread_local dom::parser reusable;
  if (size > kReusableParserLimit) return &one_off->emplace();
  return &reusable;
}

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

// ---------------------------------------------------------------------------------------------
// Attribute values
// ---------------------------------------------------------------------------------------------

// Finds the first duplicate of a list sorted by `less`, comparing with `equal`.
template <class T, class Less, class Equal>
bool HasDuplicate(std::vector<T> values, Less less, Equal equal) {
  if (values.size() < 2) return false;
  std::sort(values.begin(), values.end(), less);
  return std::adjacent_find(values.begin(), values.end(), equal) != values.end();
}

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
// invalid value (in document order) is recorded in *first_invalid and decoding goes on.
class AttributeValueDecoder {
 public:
  explicit AttributeValueDecoder(std::optional<Error>* first_invalid)
      : first_invalid_(first_invalid) {}

  // `e` is an AttributeValue structure that is a list element or a map value; `depth` is its
  // nesting level (a top-level attribute is 1).
  Status Decode(dom::element e, int depth, AttributeValue* out) {
    if (e.is_null()) {
      NoteInvalid(kEmptyValue);
      *out = AttributeValue();
      return Status::Ok();
    }
    dom::object object;
    DDBX_RETURN_IF_ERROR(ExpectValueStruct(e, "AttributeValue", &object));
    return DecodeObject(object, depth, out);
  }

  // An AttributeValue structure already known to be a JSON object.
  Status DecodeObject(dom::object object, int depth, AttributeValue* out) {
    if (depth > kMaxNestingDepth) NoteInvalid(kNestingTooDeepMessage);
    int types = 0;
    for (dom::key_value_pair field : object) {
      if (field.value.is_null()) continue;
      const std::string_view key = field.key;
      if (key == "S") {
        std::string_view s;
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
        *out = AttributeValue::S(std::string(s));
      } else if (key == "N") {
        std::string_view s;
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
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
        DDBX_RETURN_IF_ERROR(ReadBlob(field.value, &bytes, &text));
        *out = AttributeValue::B(std::move(bytes));
      } else if (key == "BOOL") {
        bool b = false;
        DDBX_RETURN_IF_ERROR(ReadBool(field.value, &b));
        *out = AttributeValue::Bool(b);
      } else if (key == "NULL") {
        bool b = false;
        DDBX_RETURN_IF_ERROR(ReadBool(field.value, &b));
        if (!b) {
          NoteInvalid(
              Concat({kInvalidPrefix, "Null attribute value types must have the value of true"}));
        }
        *out = AttributeValue();
      } else if (key == "M") {
        AttributeMap map;
        DDBX_RETURN_IF_ERROR(DecodeMap(field.value, depth + 1, &map));
        *out = AttributeValue::M(std::move(map));
      } else if (key == "L") {
        List list;
        DDBX_RETURN_IF_ERROR(DecodeList(field.value, depth + 1, &list));
        *out = AttributeValue::L(std::move(list));
      } else if (key == "SS") {
        DDBX_RETURN_IF_ERROR(DecodeStringSet(field.value, out));
      } else if (key == "NS") {
        DDBX_RETURN_IF_ERROR(DecodeNumberSet(field.value, out));
      } else if (key == "BS") {
        DDBX_RETURN_IF_ERROR(DecodeBinarySet(field.value, out));
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

  // `e` is a map of attribute values (an Item, a Key, or an M value) whose values are at
  // nesting level `depth`.
  Status DecodeMap(dom::element e, int depth, AttributeMap* out) {
    dom::object object;
    DDBX_RETURN_IF_ERROR(ExpectMap(e, kAttributeValueMap, &object));
    for (dom::key_value_pair field : object) {
      AttributeValue value;
      DDBX_RETURN_IF_ERROR(Decode(field.value, depth, &value));
      out->insert_or_assign(std::string(field.key), std::move(value));
    }
    return Status::Ok();
  }

 private:
  void NoteInvalid(std::string_view message) {
    if (!first_invalid_->has_value()) first_invalid_->emplace(Invalid(message));
  }

  Status DecodeList(dom::element e, int depth, List* out) {
    dom::array array;
    DDBX_RETURN_IF_ERROR(ExpectList(e, &array));
    out->reserve(array.size());
    for (dom::element el : array) {
      DDBX_RETURN_IF_ERROR(Decode(el, depth, &out->emplace_back()));
    }
    return Status::Ok();
  }

  // Sets. Since May 2020 a set may hold the empty string or empty binary (AWS What's New,
  // 2020-05-18: "List, Map, and Set data types also support empty String and Binary values"); a
  // set may still not be empty nor hold duplicates. A JSON null member is refused with the
  // message DynamoDB gave for null or empty members before 2020.
  Status DecodeStringSet(dom::element e, AttributeValue* out) {
    dom::array array;
    DDBX_RETURN_IF_ERROR(ExpectList(e, &array));
    std::vector<std::string_view> members;
    members.reserve(array.size());
    bool has_null = false;
    for (dom::element el : array) {
      std::string_view s;
      if (el.is_null()) {
        has_null = true;
      } else {
        DDBX_RETURN_IF_ERROR(ReadString(el, &s));
      }
      members.push_back(s);
    }
    if (members.empty()) {
      NoteInvalid(Concat({kInvalidPrefix, "An string set  may not be empty"}));
    } else if (has_null) {
      NoteInvalid(
          Concat({kInvalidPrefix, "An string set may not have a empty string as a member"}));
    } else if (!first_invalid_->has_value() && HasDuplicateStrings(members)) {
      NoteInvalid(Concat(
          {kInvalidPrefix, "Input collection ", JoinList(members), " contains duplicates."}));
    }
    StringSet set;
    set.reserve(members.size());
    for (std::string_view s : members) set.emplace_back(s);
    *out = AttributeValue::SS(std::move(set));
    return Status::Ok();
  }

  Status DecodeNumberSet(dom::element e, AttributeValue* out) {
    std::vector<std::string_view> members;
    DDBX_RETURN_IF_ERROR(ReadStringList(e, &members));
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

  Status DecodeBinarySet(dom::element e, AttributeValue* out) {
    dom::array array;
    DDBX_RETURN_IF_ERROR(ExpectList(e, &array));
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
        DDBX_RETURN_IF_ERROR(ReadBlob(el, &bytes, &text));
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
      NoteInvalid(Concat({kInvalidPrefix, "Input collection ", JoinList(texts),
                          "of type BS contains duplicates."}));
    }
    *out = AttributeValue::BS(std::move(set));
    return Status::Ok();
  }

  std::optional<Error>* first_invalid_;
};

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

class Constraints {
 public:
  // value: the offending value as DynamoDB prints it (quoted here), or nullopt for null.
  void Fail(std::optional<std::string_view> value, std::string_view path,
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

  // Returns true if present.
  bool NotNull(bool present, std::string_view path) {
    if (!present) Fail(std::nullopt, path, "Member must not be null");
    return present;
  }

  void Enum(const std::optional<std::string_view>& value, std::string_view path,
            std::initializer_list<std::string_view> allowed, std::string_view allowed_text) {
    if (!value.has_value()) return;
    for (std::string_view a : allowed) {
      if (*value == a) return;
    }
    Fail(*value, path, Concat({"Member must satisfy enum value set: ", allowed_text}));
  }

  void Length(std::string_view value, std::string_view path, size_t min, size_t max) {
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

  void AtLeast(int64_t value, std::string_view path, int64_t min) {
    if (value < min) {
      Fail(std::to_string(value), path,
           Concat({"Member must have value greater than or equal to ", std::to_string(min)}));
    }
  }

  void AtMost(int64_t value, std::string_view path, int64_t max) {
    if (value > max) {
      Fail(std::to_string(value), path,
           Concat({"Member must have value less than or equal to ", std::to_string(max)}));
    }
  }

  void TableNamePattern(std::string_view name, std::string_view path) {
    if (!MatchesTableNamePattern(name)) {
      Fail(name, path,
           Concat({"Member must satisfy regular expression pattern: ", kTableNamePattern}));
    }
  }

  // A table name member that is required, 3 to 255 long and matches the pattern (data-plane
  // operations and ListTables' exclusiveStartTableName).
  void TableName(const std::optional<std::string_view>& name, std::string_view path,
                 bool required) {
    if (!name.has_value()) {
      if (required) NotNull(false, path);
      return;
    }
    TableNamePattern(*name, path);
    Length(*name, path, 3, 255);
  }

  std::optional<Error> Result() const {
    if (errors_.empty()) return std::nullopt;
    std::string m = std::to_string(errors_.size());
    m.append(errors_.size() == 1 ? " validation error detected: "
                                 : " validation errors detected: ");
    for (size_t i = 0; i < errors_.size(); ++i) {
      if (i != 0) m.append("; ");
      m.append(errors_[i]);
    }
    return Error::Validation(std::move(m));
  }

 private:
  std::vector<std::string> errors_;
};

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

// Enum conversions of values that passed their constraint.
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

// The table-name checks of CreateTable, DescribeTable and DeleteTable, which DynamoDB makes
// before the constraint list: a missing name and a bad length are errors on their own.
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

// Expected: a map of ExpectedAttributeValue {Value, Exists, ComparisonOperator,
// AttributeValueList}. Only the JSON types are checked.
Status CheckExpected(dom::element e) {
  dom::object map;
  DDBX_RETURN_IF_ERROR(
      ExpectMap(e, "com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue", &map));
  std::optional<Error> ignored;
  AttributeValueDecoder decoder(&ignored);
  for (dom::key_value_pair entry : map) {
    if (entry.value.is_null()) continue;
    dom::object condition;
    DDBX_RETURN_IF_ERROR(ExpectValueStruct(entry.value, "ExpectedAttributeValue", &condition));
    for (dom::key_value_pair field : condition) {
      if (field.value.is_null()) continue;
      if (field.key == "Value") {
        dom::object object;
        DDBX_RETURN_IF_ERROR(ExpectFieldStruct(field.value, "AttributeValue", &object));
        AttributeValue value;
        DDBX_RETURN_IF_ERROR(decoder.DecodeObject(object, 1, &value));
      } else if (field.key == "Exists") {
        bool b = false;
        DDBX_RETURN_IF_ERROR(ReadBool(field.value, &b));
      } else if (field.key == "ComparisonOperator") {
        std::string_view s;
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      } else if (field.key == "AttributeValueList") {
        dom::array list;
        DDBX_RETURN_IF_ERROR(ExpectList(field.value, &list));
        for (dom::element el : list) {
          AttributeValue value;
          DDBX_RETURN_IF_ERROR(decoder.Decode(el, 1, &value));
        }
      }
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Expression parameters (checked, then refused: ddbx does not evaluate expressions yet)
// ---------------------------------------------------------------------------------------------

struct ExpressionParams {
  bool condition_expression = false;
  bool expected = false;
  bool conditional_operator = false;
  bool projection_expression = false;
  bool attributes_to_get = false;
  bool names = false;   // ExpressionAttributeNames
  bool values = false;  // ExpressionAttributeValues
};

// DynamoDB's rules on mixing expression and legacy parameters, for a write (ConditionExpression
// vs Expected) or a read (ProjectionExpression vs AttributesToGet).
std::optional<Error> CheckExpressionParams(const ExpressionParams& p, bool is_write) {
  const bool expression = is_write ? p.condition_expression : p.projection_expression;
  const bool legacy = is_write ? p.expected : p.attributes_to_get;
  if (expression && legacy) {
    return Invalid(is_write ? "Can not use both expression and non-expression parameters in the "
                              "same request: Non-expression parameters: {Expected} Expression "
                              "parameters: {ConditionExpression}"
                            : "Can not use both expression and non-expression parameters in the "
                              "same request: Non-expression parameters: {AttributesToGet} "
                              "Expression parameters: {ProjectionExpression}");
  }
  if (p.names && !expression) {
    return Invalid("ExpressionAttributeNames can only be specified when using expressions");
  }
  if (is_write && p.values && !p.condition_expression) {
    return Invalid(
        "ExpressionAttributeValues can only be specified when using expressions: "
        "ConditionExpression is null");
  }
  return std::nullopt;
}

std::optional<Error> RefuseUnsupported(const ExpressionParams& p) {
  if (p.condition_expression) return Unsupported("ConditionExpression");
  if (p.expected) return Unsupported("Expected");
  if (p.conditional_operator) return Unsupported("ConditionalOperator");
  if (p.projection_expression) return Unsupported("ProjectionExpression");
  if (p.attributes_to_get) return Unsupported("AttributesToGet");
  return std::nullopt;
}

// Reads the expression members shared by the item operations. Returns true if `key` was one.
bool ReadExpressionMember(std::string_view key, dom::element value, ExpressionParams* p,
                          Status* status) {
  std::string_view s;
  if (key == "ConditionExpression") {
    *status = ReadString(value, &s);
    p->condition_expression = true;
  } else if (key == "ProjectionExpression") {
    *status = ReadString(value, &s);
    p->projection_expression = true;
  } else if (key == "ConditionalOperator") {
    *status = ReadString(value, &s);
    p->conditional_operator = true;
  } else if (key == "ExpressionAttributeNames") {
    *status = CheckStringMap(value);
    p->names = true;
  } else if (key == "ExpressionAttributeValues") {
    std::optional<Error> ignored;
    AttributeValueDecoder decoder(&ignored);
    AttributeMap values;
    *status = decoder.DecodeMap(value, 1, &values);
    p->values = true;
  } else if (key == "AttributesToGet") {
    std::vector<std::string_view> names;
    *status = ReadStringList(value, &names);
    p->attributes_to_get = true;
  } else if (key == "Expected") {
    *status = CheckExpected(value);
    p->expected = true;
  } else {
    return false;
  }
  return true;
}

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

struct RawCreateTable {
  std::optional<std::string_view> table_name;
  std::optional<std::vector<RawAttributeDefinition>> attribute_definitions;
  std::optional<std::vector<RawKeySchemaElement>> key_schema;
  std::optional<std::string_view> billing_mode;
  std::optional<RawThroughput> provisioned_throughput;
  bool deletion_protection_enabled = false;
  std::optional<std::vector<RawTag>> tags;
  std::optional<size_t> local_secondary_indexes;   // how many, when present
  std::optional<size_t> global_secondary_indexes;  // how many, when present
};

Status ReadKeySchema(dom::element e, std::vector<RawKeySchemaElement>* out) {
  dom::array array;
  DDBX_RETURN_IF_ERROR(ExpectList(e, &array));
  for (dom::element el : array) {
    RawKeySchemaElement& element = out->emplace_back();
    if (el.is_null()) continue;
    dom::object object;
    DDBX_RETURN_IF_ERROR(ExpectValueStruct(el, "KeySchemaElement", &object));
    for (dom::key_value_pair field : object) {
      if (field.value.is_null()) continue;
      std::string_view s;
      if (field.key == "AttributeName") {
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
        element.attribute_name = s;
      } else if (field.key == "KeyType") {
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
        element.key_type = s;
      }
    }
  }
  return Status::Ok();
}

Status ReadAttributeDefinitions(dom::element e, std::vector<RawAttributeDefinition>* out) {
  dom::array array;
  DDBX_RETURN_IF_ERROR(ExpectList(e, &array));
  for (dom::element el : array) {
    RawAttributeDefinition& def = out->emplace_back();
    if (el.is_null()) continue;
    dom::object object;
    DDBX_RETURN_IF_ERROR(ExpectValueStruct(el, "AttributeDefinition", &object));
    for (dom::key_value_pair field : object) {
      if (field.value.is_null()) continue;
      std::string_view s;
      if (field.key == "AttributeName") {
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
        def.attribute_name = s;
      } else if (field.key == "AttributeType") {
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
        def.attribute_type = s;
      }
    }
  }
  return Status::Ok();
}

Status ReadThroughput(dom::element e, RawThroughput* out) {
  dom::object object;
  DDBX_RETURN_IF_ERROR(ExpectFieldStruct(e, "ProvisionedThroughput", &object));
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    int64_t v = 0;
    if (field.key == "ReadCapacityUnits") {
      DDBX_RETURN_IF_ERROR(ReadInteger(field.value, "Long", &v));
      out->read_capacity_units = v;
    } else if (field.key == "WriteCapacityUnits") {
      DDBX_RETURN_IF_ERROR(ReadInteger(field.value, "Long", &v));
      out->write_capacity_units = v;
    }
  }
  return Status::Ok();
}

Status ReadTags(dom::element e, std::vector<RawTag>* out) {
  dom::array array;
  DDBX_RETURN_IF_ERROR(ExpectList(e, &array));
  for (dom::element el : array) {
    RawTag& tag = out->emplace_back();
    if (el.is_null()) continue;
    dom::object object;
    DDBX_RETURN_IF_ERROR(ExpectValueStruct(el, "Tag", &object));
    for (dom::key_value_pair field : object) {
      if (field.value.is_null()) continue;
      std::string_view s;
      if (field.key == "Key") {
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
        tag.key = s;
      } else if (field.key == "Value") {
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
        tag.value = s;
      }
    }
  }
  return Status::Ok();
}

Status CheckProjection(dom::element e) {
  dom::object object;
  DDBX_RETURN_IF_ERROR(ExpectFieldStruct(e, "Projection", &object));
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    if (field.key == "ProjectionType") {
      std::string_view s;
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
    } else if (field.key == "NonKeyAttributes") {
      std::vector<std::string_view> names;
      DDBX_RETURN_IF_ERROR(ReadStringList(field.value, &names));
    }
  }
  return Status::Ok();
}

// LocalSecondaryIndexes / GlobalSecondaryIndexes: type-checked only; *count receives the length.
Status CheckIndexes(dom::element e, bool global, size_t* count) {
  dom::array array;
  DDBX_RETURN_IF_ERROR(ExpectList(e, &array));
  *count = array.size();
  for (dom::element el : array) {
    if (el.is_null()) continue;
    dom::object object;
    DDBX_RETURN_IF_ERROR(
        ExpectValueStruct(el, global ? "GlobalSecondaryIndex" : "LocalSecondaryIndex", &object));
    for (dom::key_value_pair field : object) {
      if (field.value.is_null()) continue;
      if (field.key == "IndexName") {
        std::string_view s;
        DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      } else if (field.key == "KeySchema") {
        std::vector<RawKeySchemaElement> key_schema;
        DDBX_RETURN_IF_ERROR(ReadKeySchema(field.value, &key_schema));
      } else if (field.key == "Projection") {
        DDBX_RETURN_IF_ERROR(CheckProjection(field.value));
      } else if (global && field.key == "ProvisionedThroughput") {
        RawThroughput throughput;
        DDBX_RETURN_IF_ERROR(ReadThroughput(field.value, &throughput));
      }
    }
  }
  return Status::Ok();
}

Status ReadCreateTable(dom::object body, RawCreateTable* r) {
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    if (key == "TableName") {
      std::string_view s;
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->table_name = s;
    } else if (key == "AttributeDefinitions") {
      r->attribute_definitions.emplace();
      DDBX_RETURN_IF_ERROR(ReadAttributeDefinitions(field.value, &*r->attribute_definitions));
    } else if (key == "KeySchema") {
      r->key_schema.emplace();
      DDBX_RETURN_IF_ERROR(ReadKeySchema(field.value, &*r->key_schema));
    } else if (key == "BillingMode") {
      std::string_view s;
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->billing_mode = s;
    } else if (key == "ProvisionedThroughput") {
      r->provisioned_throughput.emplace();
      DDBX_RETURN_IF_ERROR(ReadThroughput(field.value, &*r->provisioned_throughput));
    } else if (key == "DeletionProtectionEnabled") {
      DDBX_RETURN_IF_ERROR(ReadBool(field.value, &r->deletion_protection_enabled));
    } else if (key == "Tags") {
      r->tags.emplace();
      DDBX_RETURN_IF_ERROR(ReadTags(field.value, &*r->tags));
    } else if (key == "LocalSecondaryIndexes") {
      size_t n = 0;
      DDBX_RETURN_IF_ERROR(CheckIndexes(field.value, false, &n));
      r->local_secondary_indexes = n;
    } else if (key == "GlobalSecondaryIndexes") {
      size_t n = 0;
      DDBX_RETURN_IF_ERROR(CheckIndexes(field.value, true, &n));
      r->global_secondary_indexes = n;
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

Result<CreateTableRequest> CheckCreateTable(const RawCreateTable& r) {
  if (std::optional<Error> e = CheckRequiredTableName(r.table_name)) return std::move(*e);

  Constraints c;
  if (c.NotNull(r.attribute_definitions.has_value(), "attributeDefinitions")) {
    const auto& defs = *r.attribute_definitions;
    for (size_t i = 0; i < defs.size(); ++i) {
      const std::string name_path = ElementPath("attributeDefinitions", i, "attributeName");
      if (c.NotNull(defs[i].attribute_name.has_value(), name_path)) {
        c.Length(*defs[i].attribute_name, name_path, 1, 255);
      }
      const std::string type_path = ElementPath("attributeDefinitions", i, "attributeType");
      if (c.NotNull(defs[i].attribute_type.has_value(), type_path)) {
        c.Enum(defs[i].attribute_type, type_path, {"B", "N", "S"}, "[B, N, S]");
      }
    }
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
  if (r.local_secondary_indexes == size_t{0}) {
    return InvalidParameter("List of LocalSecondaryIndexes is empty");
  }
  if (r.global_secondary_indexes == size_t{0}) {
    return InvalidParameter("List of GlobalSecondaryIndexes is empty");
  }
  if (has_indexes) {
    return Unsupported("secondary indexes (LocalSecondaryIndexes, GlobalSecondaryIndexes)");
  }
  if (r.key_schema->size() != r.attribute_definitions->size()) {
    return InvalidParameter(
        "Number of attributes in KeySchema does not exactly match number of attributes defined "
        "in AttributeDefinitions");
  }

  CreateTableRequest request;
  request.table_name = std::string(*r.table_name);
  for (const RawAttributeDefinition& d : *r.attribute_definitions) {
    const ScalarAttributeType type = *d.attribute_type == "S"   ? ScalarAttributeType::kS
                                     : *d.attribute_type == "N" ? ScalarAttributeType::kN
                                                                : ScalarAttributeType::kB;
    request.attribute_definitions.push_back({std::string(*d.attribute_name), type});
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
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
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
// Item operations
// ---------------------------------------------------------------------------------------------

// Members shared by PutItem, GetItem and DeleteItem.
struct RawItemRequest {
  std::optional<std::string_view> table_name;
  bool has_item = false;  // Item (PutItem) or Key (GetItem, DeleteItem)
  AttributeMap item;
  std::optional<Error> item_invalid;  // the first invalid attribute value in Item / Key
  bool consistent_read = false;
  std::optional<std::string_view> return_values;
  std::optional<std::string_view> return_consumed_capacity;
  std::optional<std::string_view> return_item_collection_metrics;
  std::optional<std::string_view> return_values_on_condition_check_failure;
  ExpressionParams expressions;
};

// The expression members GetItem knows (projections) and the writes know (conditions).
bool IsExpressionMemberOf(std::string_view key, bool is_get) {
  if (key == "ExpressionAttributeNames") return true;
  if (is_get) return key == "ProjectionExpression" || key == "AttributesToGet";
  return key == "ConditionExpression" || key == "Expected" || key == "ConditionalOperator" ||
         key == "ExpressionAttributeValues";
}

// Reads the members of an item request. `item_member` is "Item" or "Key"; `is_get` selects
// GetItem's members (ConsistentRead) over the writes' (ReturnValues...).
Status ReadItemRequest(dom::object body, std::string_view item_member, bool is_get,
                       RawItemRequest* r) {
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    std::string_view s;
    if (key == "TableName") {
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->table_name = s;
    } else if (key == item_member) {
      r->has_item = true;
      r->item.clear();
      r->item_invalid.reset();
      AttributeValueDecoder decoder(&r->item_invalid);
      DDBX_RETURN_IF_ERROR(decoder.DecodeMap(field.value, 1, &r->item));
    } else if (key == "ReturnConsumedCapacity") {
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_consumed_capacity = s;
    } else if (is_get && key == "ConsistentRead") {
      DDBX_RETURN_IF_ERROR(ReadBool(field.value, &r->consistent_read));
    } else if (!is_get && key == "ReturnValues") {
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_values = s;
    } else if (!is_get && key == "ReturnItemCollectionMetrics") {
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_item_collection_metrics = s;
    } else if (!is_get && key == "ReturnValuesOnConditionCheckFailure") {
      DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_values_on_condition_check_failure = s;
    } else if (IsExpressionMemberOf(key, is_get)) {
      Status status;
      ReadExpressionMember(key, field.value, &r->expressions, &status);
      DDBX_RETURN_IF_ERROR(status);
    }
  }
  return Status::Ok();
}

// PutItem and DeleteItem take only NONE and ALL_OLD of ReturnValues' five enum members. The live
// service answers this message (dynalite validations/putItem.js, boto3 issue #4339 for
// DeleteItem); "Return values set to invalid value" is DynamoDB Local's and moto's wording.
constexpr std::string_view kReturnValuesNotAllowed = "ReturnValues can only be ALL_OLD or NONE";

bool IsNoneOrAllOld(const std::optional<std::string_view>& rv) {
  return !rv.has_value() || *rv == "NONE" || *rv == "ALL_OLD";
}

Result<PutItemRequest> CheckPutItem(RawItemRequest& r) {
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  c.TableName(r.table_name, "tableName", true);
  c.NotNull(r.has_item, "item");
  CheckReturnValues(&c, r.return_values);
  CheckReturnItemCollectionMetrics(&c, r.return_item_collection_metrics);
  CheckReturnValuesOnConditionCheckFailure(&c, r.return_values_on_condition_check_failure);
  if (std::optional<Error> e = c.Result()) return std::move(*e);
  if (std::optional<Error> e = CheckExpressionParams(r.expressions, true)) return std::move(*e);
  if (r.item_invalid.has_value()) return std::move(*r.item_invalid);
  if (!IsNoneOrAllOld(r.return_values)) return Invalid(kReturnValuesNotAllowed);
  if (ItemSizeBytes(r.item) > kMaxItemSizeBytes) return Invalid(kItemTooLargeMessage);
  if (std::optional<Error> e = RefuseUnsupported(r.expressions)) return std::move(*e);

  PutItemRequest request;
  request.table_name = std::string(*r.table_name);
  request.item = std::move(r.item);
  request.return_values = ToReturnValues(r.return_values);
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  request.return_item_collection_metrics =
      ToReturnItemCollectionMetrics(r.return_item_collection_metrics);
  return request;
}

Result<GetItemRequest> CheckGetItem(RawItemRequest& r) {
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  c.TableName(r.table_name, "tableName", true);
  c.NotNull(r.has_item, "key");
  if (std::optional<Error> e = c.Result()) return std::move(*e);
  if (std::optional<Error> e = CheckExpressionParams(r.expressions, false)) return std::move(*e);
  if (r.item_invalid.has_value()) return std::move(*r.item_invalid);
  if (std::optional<Error> e = RefuseUnsupported(r.expressions)) return std::move(*e);

  GetItemRequest request;
  request.table_name = std::string(*r.table_name);
  request.key = std::move(r.item);
  request.consistent_read = r.consistent_read;
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  return request;
}

Result<DeleteItemRequest> CheckDeleteItem(RawItemRequest& r) {
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  c.TableName(r.table_name, "tableName", true);
  CheckReturnValues(&c, r.return_values);
  CheckReturnItemCollectionMetrics(&c, r.return_item_collection_metrics);
  c.NotNull(r.has_item, "key");
  CheckReturnValuesOnConditionCheckFailure(&c, r.return_values_on_condition_check_failure);
  if (std::optional<Error> e = c.Result()) return std::move(*e);
  if (std::optional<Error> e = CheckExpressionParams(r.expressions, true)) return std::move(*e);
  if (r.item_invalid.has_value()) return std::move(*r.item_invalid);
  if (!IsNoneOrAllOld(r.return_values)) return Invalid(kReturnValuesNotAllowed);
  if (std::optional<Error> e = RefuseUnsupported(r.expressions)) return std::move(*e);

  DeleteItemRequest request;
  request.table_name = std::string(*r.table_name);
  request.key = std::move(r.item);
  request.return_values = ToReturnValues(r.return_values);
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  request.return_item_collection_metrics =
      ToReturnItemCollectionMetrics(r.return_item_collection_metrics);
  return request;
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------------------------

void WriteBase64(JsonWriter* w, std::string_view bytes) {
  std::string* out = w->BeginRawValue();
  out->push_back('"');
  Base64Encode(bytes, out);
  out->push_back('"');
}

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

// {} or {"<member>":<item>}.
std::string EncodeOptionalItem(std::string_view member, const std::optional<Item>& item) {
  if (!item.has_value()) return "{}";
  std::string out;
  out.reserve(64 + item->size() * 48);
  JsonWriter w(&out);
  w.BeginObject();
  w.Key(member);
  WriteItem(&w, *item);
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
      DDBX_RETURN_IF_ERROR(decoder.Decode(field.value, 1, &value));
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
    DDBX_RETURN_IF_ERROR(decoder.DecodeObject(object, 1, &value));
    if (invalid.has_value()) return std::move(*invalid);
    return value;
  });
}

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
  if (t.billing_mode == BillingMode::kPayPerRequest) {
    w->Key("BillingModeSummary");
    w->BeginObject();
    w->Key("BillingMode");
    w->String("PAY_PER_REQUEST");
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
  w->Key("ItemCount");
  w->Int(t.item_count);
  w->Key("KeySchema");
  w->BeginArray();
  for (const KeySchemaElement& k : t.key_schema) {
    w->BeginObject();
    w->Key("AttributeName");
    w->String(k.attribute_name);
    w->Key("KeyType");
    w->String(KeyTypeName(k.key_type));
    w->EndObject();
  }
  w->EndArray();
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
  return WithBodyObject<CreateTableRequest>(body,
                                            [](dom::object object) -> Result<CreateTableRequest> {
                                              RawCreateTable raw;
                                              DDBX_RETURN_IF_ERROR(ReadCreateTable(object, &raw));
                                              return CheckCreateTable(raw);
                                            });
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
            DDBX_RETURN_IF_ERROR(ReadString(field.value, &s));
            start = s;
          } else if (field.key == "Limit") {
            int64_t v = 0;
            DDBX_RETURN_IF_ERROR(ReadInteger(field.value, "Integer", &v));
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

Result<PutItemRequest> DecodePutItem(std::string_view body) {
  return WithBodyObject<PutItemRequest>(body, [](dom::object object) -> Result<PutItemRequest> {
    RawItemRequest raw;
    DDBX_RETURN_IF_ERROR(ReadItemRequest(object, "Item", false, &raw));
    return CheckPutItem(raw);
  });
}

Result<GetItemRequest> DecodeGetItem(std::string_view body) {
  return WithBodyObject<GetItemRequest>(body, [](dom::object object) -> Result<GetItemRequest> {
    RawItemRequest raw;
    DDBX_RETURN_IF_ERROR(ReadItemRequest(object, "Key", true, &raw));
    return CheckGetItem(raw);
  });
}

Result<DeleteItemRequest> DecodeDeleteItem(std::string_view body) {
  return WithBodyObject<DeleteItemRequest>(
      body, [](dom::object object) -> Result<DeleteItemRequest> {
        RawItemRequest raw;
        DDBX_RETURN_IF_ERROR(ReadItemRequest(object, "Key", false, &raw));
        return CheckDeleteItem(raw);
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

std::string EncodePutItemResponse(const PutItemResponse& response) {
  return EncodeOptionalItem("Attributes", response.attributes);
}

std::string EncodeGetItemResponse(const GetItemResponse& response) {
  return EncodeOptionalItem("Item", response.item);
}

std::string EncodeDeleteItemResponse(const DeleteItemResponse& response) {
  return EncodeOptionalItem("Attributes", response.attributes);
}

#undef DDBX_RETURN_IF_ERROR

}  // namespace ddbx::api
