// Codec: the expression parameters (ConditionExpression, UpdateExpression, KeyConditionExpression,
// FilterExpression, ProjectionExpression, ExpressionAttributeNames, ExpressionAttributeValues)
// and the legacy ones (Expected, ConditionalOperator, AttributesToGet, QueryFilter, ScanFilter,
// KeyConditions, AttributeUpdates) shared by the data-plane decoders.
//
// Reading keeps what the client sent (strings, and attribute values with their first invalid
// part); the operation's check pass then applies, in DynamoDB's order: the constraint-list
// entries of these members, the rules on mixing the two families (CheckExpressionMixing), the
// legacy parameters' translation (Translate*, which validates them, in api/expression.cc), and
// the expressions' own checks and parsing (ParseExpressions). The messages are DynamoDB's, as
// recorded by dynalite's tests against live DynamoDB (validations/index.js and the
// test/*.js "validations" suites) and by DynamoDB users' reports.
#include <algorithm>
#include <string>
#include <utility>

#include "api/codec_internal.h"
#include "api/expression.h"

namespace ddbx::api::codec_internal {
namespace {

constexpr std::string_view kExpectedClass =
    "com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue";
constexpr std::string_view kConditionClass = "com.amazonaws.dynamodb.v20120810.Condition";
constexpr std::string_view kAttributeValueUpdateClass =
    "com.amazonaws.dynamodb.v20120810.AttributeValueUpdate";

// Adds an entry to a map member kept as a list: a name sent twice keeps its first position and
// its last value, as a Java map does.
template <class T>
T* AddEntry(std::vector<T>* entries, std::string_view name) {
  for (T& e : *entries) {
    if (e.name == name) {
      e = T{};
      e.name = name;
      return &e;
    }
  }
  T& e = entries->emplace_back();
  e.name = name;
  return &e;
}

Status ReadNames(dom::element e, std::vector<std::pair<std::string_view, std::string_view>>* out) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectMap(e, "java.lang.String", &object));
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    std::string_view s;
    DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
    bool replaced = false;
    for (auto& [key, value] : *out) {
      if (key == field.key) {
        value = s;
        replaced = true;
      }
    }
    if (!replaced) out->emplace_back(field.key, s);
  }
  return Status::Ok();
}

Status ReadValues(dom::element e, std::vector<RawValueEntry>* out) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectMap(e, kAttributeValueMap, &object));
  for (dom::key_value_pair field : object) {
    RawValueEntry entry;
    entry.key = field.key;
    AttributeValueDecoder decoder(&entry.invalid);
    DDBX_CODEC_RETURN_IF_ERROR(decoder.Decode(field.value, 1, &entry.value));
    auto same = std::find_if(out->begin(), out->end(),
                             [&](const RawValueEntry& x) { return x.key == entry.key; });
    if (same != out->end()) {
      *same = std::move(entry);
    } else {
      out->push_back(std::move(entry));
    }
  }
  return Status::Ok();
}

// A map member (Expected, QueryFilter, ...) from attribute names to structures of `model_class`
// (`map_class` is the map's Java value class). Each entry that is not JSON null becomes (or
// replaces) the entry of its name in *out; read_field(key, value, &decoder, x) is called for each
// member of the structure that is not JSON null. Attribute values are decoded by one decoder that
// records the first invalid one in *invalid.
template <class T, class ReadField>
Status ReadEntryMap(dom::element e, std::string_view map_class, std::string_view model_class,
                    std::vector<T>* out, std::optional<Error>* invalid, ReadField&& read_field) {
  dom::object map;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectMap(e, map_class, &map));
  AttributeValueDecoder decoder(invalid);
  for (dom::key_value_pair entry : map) {
    if (entry.value.is_null()) continue;
    dom::object structure;
    DDBX_CODEC_RETURN_IF_ERROR(ExpectValueStruct(entry.value, model_class, &structure));
    T* x = AddEntry(out, entry.key);
    for (dom::key_value_pair field : structure) {
      if (field.value.is_null()) continue;
      DDBX_CODEC_RETURN_IF_ERROR(read_field(field.key, field.value, &decoder, x));
    }
  }
  return Status::Ok();
}

Status ReadOptionalString(dom::element e, std::optional<std::string_view>* out) {
  std::string_view s;
  DDBX_CODEC_RETURN_IF_ERROR(ReadString(e, &s));
  *out = s;
  return Status::Ok();
}

Status ReadExpected(dom::element e, std::vector<RawExpected>* out, std::optional<Error>* invalid) {
  return ReadEntryMap(e, kExpectedClass, "ExpectedAttributeValue", out, invalid,
                      [](std::string_view key, dom::element value, AttributeValueDecoder* decoder,
                         RawExpected* x) -> Status {
                        if (key == "Value") return decoder->DecodeField(value, &x->value.emplace());
                        if (key == "Exists") {
                          bool b = false;
                          DDBX_CODEC_RETURN_IF_ERROR(ReadBool(value, &b));
                          x->exists = b;
                          return Status::Ok();
                        }
                        if (key == "ComparisonOperator")
                          return ReadOptionalString(value, &x->comparison_operator);
                        if (key == "AttributeValueList") {
                          return decoder->DecodeList(value, 1, &x->attribute_value_list.emplace());
                        }
                        return Status::Ok();
                      });
}

Status ReadConditions(dom::element e, std::vector<RawCondition>* out,
                      std::optional<Error>* invalid) {
  return ReadEntryMap(e, kConditionClass, "Condition", out, invalid,
                      [](std::string_view key, dom::element value, AttributeValueDecoder* decoder,
                         RawCondition* x) -> Status {
                        if (key == "ComparisonOperator")
                          return ReadOptionalString(value, &x->comparison_operator);
                        if (key == "AttributeValueList") {
                          return decoder->DecodeList(value, 1, &x->attribute_value_list.emplace());
                        }
                        return Status::Ok();
                      });
}

Status ReadAttributeUpdates(dom::element e, std::vector<RawAttributeUpdate>* out,
                            std::optional<Error>* invalid) {
  return ReadEntryMap(e, kAttributeValueUpdateClass, "AttributeValueUpdate", out, invalid,
                      [](std::string_view key, dom::element value, AttributeValueDecoder* decoder,
                         RawAttributeUpdate* x) -> Status {
                        if (key == "Value") return decoder->DecodeField(value, &x->value.emplace());
                        if (key == "Action") return ReadOptionalString(value, &x->action);
                        return Status::Ok();
                      });
}

// DynamoDB's placeholder syntax: `sigil` ('#' or ':') followed by one or more of [0-9a-zA-Z_].
bool IsPlaceholder(std::string_view key, char sigil) {
  if (key.size() < 2 || key.front() != sigil) return false;
  for (size_t i = 1; i < key.size(); ++i) {
    const char c = key[i];
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<expr::ConditionalOperator> ToConditionalOperator(
    const std::optional<std::string_view>& v) {
  if (v == "AND") return expr::ConditionalOperator::kAnd;
  if (v == "OR") return expr::ConditionalOperator::kOr;
  return std::nullopt;
}

std::optional<expr::ComparisonOperator> ToComparisonOperator(
    const std::optional<std::string_view>& v) {
  if (!v.has_value()) return std::nullopt;
  return expr::ComparisonOperatorFromName(*v);
}

std::vector<std::pair<std::string, expr::LegacyCondition>> ToLegacyConditions(
    const std::vector<RawCondition>& conditions) {
  std::vector<std::pair<std::string, expr::LegacyCondition>> out;
  out.reserve(conditions.size());
  for (const RawCondition& c : conditions) {
    expr::LegacyCondition legacy;
    legacy.comparison_operator = ToComparisonOperator(c.comparison_operator);
    legacy.attribute_value_list = c.attribute_value_list;
    out.emplace_back(std::string(c.name), std::move(legacy));
  }
  return out;
}

}  // namespace

bool ReadExpressionMember(std::string_view key, dom::element value, uint32_t known,
                          RawExpressions* r, Status* status) {
  auto read_string = [&](uint32_t member, std::optional<std::string_view>* out) {
    if ((known & member) == 0) return false;
    std::string_view s;
    *status = ReadString(value, &s);
    *out = s;
    return true;
  };
  if (key == "ConditionExpression") return read_string(kConditionExpression, &r->condition);
  if (key == "UpdateExpression") return read_string(kUpdateExpression, &r->update);
  if (key == "KeyConditionExpression") {
    return read_string(kKeyConditionExpression, &r->key_condition);
  }
  if (key == "FilterExpression") return read_string(kFilterExpression, &r->filter);
  if (key == "ProjectionExpression") return read_string(kProjectionExpression, &r->projection);
  if (key == "ConditionalOperator") {
    return read_string(kConditionalOperator, &r->conditional_operator);
  }
  if (key == "ExpressionAttributeNames") {
    if ((known & kExpressionAttributeNames) == 0) return false;
    *status = ReadNames(value, &r->names.emplace());
    return true;
  }
  if (key == "ExpressionAttributeValues") {
    if ((known & kExpressionAttributeValues) == 0) return false;
    *status = ReadValues(value, &r->values.emplace());
    return true;
  }
  if (key == "AttributesToGet") {
    if ((known & kAttributesToGet) == 0) return false;
    *status = ReadStringList(value, &r->attributes_to_get.emplace());
    return true;
  }
  if (key == "Expected") {
    if ((known & kExpected) == 0) return false;
    r->expected_invalid.reset();
    *status = ReadExpected(value, &r->expected.emplace(), &r->expected_invalid);
    return true;
  }
  if ((key == "QueryFilter" && (known & kQueryFilter) != 0) ||
      (key == "ScanFilter" && (known & kScanFilter) != 0)) {
    r->filter_conditions_invalid.reset();
    *status = ReadConditions(value, &r->filter_conditions.emplace(), &r->filter_conditions_invalid);
    return true;
  }
  if (key == "KeyConditions") {
    if ((known & kKeyConditions) == 0) return false;
    r->key_conditions_invalid.reset();
    *status = ReadConditions(value, &r->key_conditions.emplace(), &r->key_conditions_invalid);
    return true;
  }
  if (key == "AttributeUpdates") {
    if ((known & kAttributeUpdates) == 0) return false;
    r->attribute_updates_invalid.reset();
    *status =
        ReadAttributeUpdates(value, &r->attribute_updates.emplace(), &r->attribute_updates_invalid);
    return true;
  }
  return false;
}

void CheckExpectedConstraints(Constraints* c, const RawExpressions& r) {
  if (!r.expected.has_value()) return;
  for (const RawExpected& x : *r.expected) {
    CheckComparisonOperator(c, x.comparison_operator,
                            Concat({"expected.", x.name, ".member.comparisonOperator"}));
  }
}

void CheckConditionsConstraints(Constraints* c,
                                const std::optional<std::vector<RawCondition>>& conds,
                                std::string_view path) {
  if (!conds.has_value()) return;
  for (const RawCondition& x : *conds) {
    const std::string member = Concat({path, ".", x.name, ".member.comparisonOperator"});
    if (c->NotNull(x.comparison_operator.has_value(), member)) {
      CheckComparisonOperator(c, x.comparison_operator, member);
    }
  }
}

void CheckAttributeUpdatesConstraints(Constraints* c, const RawExpressions& r) {
  if (!r.attribute_updates.has_value()) return;
  for (const RawAttributeUpdate& x : *r.attribute_updates) {
    c->Enum(x.action, Concat({"attributeUpdates.", x.name, ".member.action"}),
            {"ADD", "PUT", "DELETE"}, "[ADD, PUT, DELETE]");
  }
}

void CheckAttributesToGetConstraints(Constraints* c, const RawExpressions& r,
                                     std::string_view path) {
  if (!r.attributes_to_get.has_value()) return;
  const std::vector<std::string_view>& names = *r.attributes_to_get;
  if (names.empty() || names.size() > 255) {
    c->ListLength(names.size(), JoinList(names), path, 1, 255);
  }
}

std::optional<Error> CheckExpressionMixing(std::initializer_list<Param> expressions,
                                           std::initializer_list<Param> legacy,
                                           const RawExpressions& r) {
  auto present = [](std::initializer_list<Param> params) {
    std::string names;
    for (const Param& p : params) {
      if (!p.present) continue;
      if (!names.empty()) names.append(", ");
      names.append(p.name);
    }
    return names;
  };
  const std::string expression_params = present(expressions);
  if (!expression_params.empty()) {
    const std::string legacy_params = present(legacy);
    if (!legacy_params.empty()) {
      constexpr std::string_view kMixed =
          "Can not use both expression and non-expression parameters in the same request: "
          "Non-expression parameters: {";
      return Invalid(
          Concat({kMixed, legacy_params, "} Expression parameters: {", expression_params, "}"}));
    }
  }
  if (r.names.has_value() && expression_params.empty()) {
    return Invalid("ExpressionAttributeNames can only be specified when using expressions");
  }
  // ProjectionExpression takes no values: the check names the other expressions only.
  std::vector<std::string_view> value_expressions;
  bool any_value_expression = false;
  for (const Param& p : expressions) {
    if (p.name == "ProjectionExpression") continue;
    value_expressions.push_back(p.name);
    any_value_expression = any_value_expression || p.present;
  }
  if (!value_expressions.empty() && r.values.has_value() && !any_value_expression) {
    std::string m = "ExpressionAttributeValues can only be specified when using expressions: ";
    for (size_t i = 0; i < value_expressions.size(); ++i) {
      if (i != 0) m.append(" and ");
      m.append(value_expressions[i]);
    }
    m.append(value_expressions.size() > 1 ? " are null" : " is null");
    return Invalid(m);
  }
  return std::nullopt;
}

std::optional<Error> CheckAttributesToGetDuplicates(const RawExpressions& r) {
  if (!r.attributes_to_get.has_value()) return std::nullopt;
  if (std::optional<std::string_view> d = FirstDuplicate(*r.attributes_to_get)) {
    return InvalidParameter(Concat({"Duplicate value in attribute name: ", *d}));
  }
  return std::nullopt;
}

Status ParseExpressions(const RawExpressions& r, ParsedExpressions* out) {
  if (!r.names.has_value() && !r.values.has_value() && !r.update.has_value() &&
      !r.condition.has_value() && !r.key_condition.has_value() && !r.filter.has_value() &&
      !r.projection.has_value()) {
    return Status::Ok();  // the common case: nothing to parse
  }
  std::map<std::string, std::string> names;
  AttributeMap values;
  if (r.names.has_value()) {
    if (r.names->empty()) return Invalid("ExpressionAttributeNames must not be empty");
    for (const auto& [key, value] : *r.names) {
      if (!IsPlaceholder(key, '#')) {
        return Invalid(Concat(
            {"ExpressionAttributeNames contains invalid key: Syntax error; key: \"", key, "\""}));
      }
      if (value.empty()) {
        return Invalid(Concat(
            {"ExpressionAttributeNames contains invalid value: Empty attribute name for key ",
             key}));
      }
      names.insert_or_assign(std::string(key), std::string(value));
    }
  }
  if (r.values.has_value()) {
    if (r.values->empty()) return Invalid("ExpressionAttributeValues must not be empty");
    for (const RawValueEntry& entry : *r.values) {
      if (!IsPlaceholder(entry.key, ':')) {
        return Invalid(
            Concat({"ExpressionAttributeValues contains invalid key: Syntax error; key: \"",
                    entry.key, "\""}));
      }
    }
    for (const RawValueEntry& entry : *r.values) {
      if (entry.invalid.has_value()) {
        return Invalid(Concat({"ExpressionAttributeValues contains invalid value: ",
                               entry.invalid->message, " for key ", entry.key}));
      }
      values.insert_or_assign(std::string(entry.key), entry.value);
    }
  }
  expr::Placeholders placeholders;
  placeholders.names = &names;
  placeholders.values = &values;
  if (r.update.has_value()) {
    Result<UpdatePtr> update = expr::ParseUpdate(*r.update, &placeholders);
    if (!update.ok()) return update.take_error();
    out->update = std::move(update).value();
  }
  if (r.condition.has_value()) {
    Result<ConditionPtr> condition =
        expr::ParseCondition(*r.condition, "ConditionExpression", &placeholders);
    if (!condition.ok()) return condition.take_error();
    out->condition = std::move(condition).value();
  }
  if (r.key_condition.has_value()) {
    Result<KeyConditionPtr> key_condition =
        expr::ParseKeyCondition(*r.key_condition, &placeholders);
    if (!key_condition.ok()) return key_condition.take_error();
    out->key_condition = std::move(key_condition).value();
  }
  if (r.filter.has_value()) {
    Result<ConditionPtr> filter =
        expr::ParseCondition(*r.filter, "FilterExpression", &placeholders);
    if (!filter.ok()) return filter.take_error();
    out->filter = std::move(filter).value();
  }
  if (r.projection.has_value()) {
    Result<ProjectionPtr> projection = expr::ParseProjection(*r.projection, &placeholders);
    if (!projection.ok()) return projection.take_error();
    out->projection = std::move(projection).value();
  }
  return expr::CheckPlaceholdersUsed(placeholders);
}

Result<ConditionPtr> TranslateExpected(const RawExpressions& r) {
  if (!r.expected.has_value()) return ConditionPtr();
  if (r.expected_invalid.has_value()) return *r.expected_invalid;
  std::vector<std::pair<std::string, expr::ExpectedAttributeValue>> expected;
  expected.reserve(r.expected->size());
  for (const RawExpected& x : *r.expected) {
    expr::ExpectedAttributeValue e;
    e.value = x.value;
    e.exists = x.exists;
    e.comparison_operator = ToComparisonOperator(x.comparison_operator);
    e.attribute_value_list = x.attribute_value_list;
    expected.emplace_back(std::string(x.name), std::move(e));
  }
  return expr::FromExpected(expected, ToConditionalOperator(r.conditional_operator));
}

Result<ConditionPtr> TranslateFilter(const RawExpressions& r, std::string_view parameter) {
  if (!r.filter_conditions.has_value()) return ConditionPtr();
  if (r.filter_conditions_invalid.has_value()) return *r.filter_conditions_invalid;
  return expr::FromFilter(ToLegacyConditions(*r.filter_conditions),
                          ToConditionalOperator(r.conditional_operator), parameter);
}

Result<KeyConditionPtr> TranslateKeyConditions(const RawExpressions& r) {
  if (!r.key_conditions.has_value()) return KeyConditionPtr();
  if (r.key_conditions_invalid.has_value()) return *r.key_conditions_invalid;
  return expr::FromKeyConditions(ToLegacyConditions(*r.key_conditions));
}

Result<UpdatePtr> TranslateAttributeUpdates(const RawExpressions& r) {
  if (!r.attribute_updates.has_value()) return UpdatePtr();
  if (r.attribute_updates_invalid.has_value()) return *r.attribute_updates_invalid;
  std::vector<std::pair<std::string, expr::AttributeValueUpdate>> updates;
  updates.reserve(r.attribute_updates->size());
  for (const RawAttributeUpdate& x : *r.attribute_updates) {
    expr::AttributeValueUpdate u;
    u.value = x.value;
    if (x.action == "ADD") {
      u.action = expr::AttributeAction::kAdd;
    } else if (x.action == "DELETE") {
      u.action = expr::AttributeAction::kDelete;
    } else {
      u.action = expr::AttributeAction::kPut;
    }
    updates.emplace_back(std::string(x.name), std::move(u));
  }
  return expr::FromAttributeUpdates(updates);
}

Result<ProjectionPtr> TranslateAttributesToGet(const RawExpressions& r) {
  if (!r.attributes_to_get.has_value()) return ProjectionPtr();
  std::vector<std::string> names;
  names.reserve(r.attributes_to_get->size());
  for (std::string_view s : *r.attributes_to_get) names.emplace_back(s);
  return expr::FromAttributesToGet(names);
}

}  // namespace ddbx::api::codec_internal
