// Codec: Query and Scan. Their checks follow DynamoDB's order as dynalite records it
// (validations/query.js and scan.js): the constraint list; the expression/legacy mixing rules;
// the legacy filter; AttributesToGet duplicates; ExclusiveStartKey's attribute values; Query's
// key condition presence or Scan's segments; the expressions; then the Select rules.
//
// The constraint list is in the order live DynamoDB reports it today (dynalite's current
// test/query.js and test/scan.js "incorrect attributes" cases: select, indexName, totalSegments,
// returnConsumedCapacity, tableName, conditionalOperator, the filter, ...). Query reports a
// Select that conflicts with a projection inside that list ("1 validation error detected:
// Cannot specify the ProjectionExpression when choosing to get only the Count"); Scan reports the
// same conflict later and bare. Both verified against DynamoDB in us-east-1 by the authors of
// public DynamoDB-compatible servers' test suites.
#include <limits>
#include <string>
#include <utility>

#include "api/codec.h"
#include "api/codec_internal.h"

namespace ddbx::api {
namespace {

using namespace codec_internal;  // NOLINT(google-build-using-namespace): the codec's own helpers

struct RawReadMany {
  std::optional<std::string_view> table_name;
  std::optional<std::string_view> index_name;
  std::optional<std::string_view> select;
  std::optional<std::string_view> return_consumed_capacity;
  std::optional<int64_t> limit;
  std::optional<int64_t> segment;
  std::optional<int64_t> total_segments;
  std::optional<AttributeMap> exclusive_start_key;
  std::optional<Error> start_key_invalid;
  bool consistent_read = false;
  bool scan_index_forward = true;
  RawExpressions expressions;
};

Status ReadReadMany(dom::object body, bool is_query, RawReadMany* r) {
  const uint32_t known =
      kFilterExpression | kProjectionExpression | kExpressionAttributeNames |
      kExpressionAttributeValues | kAttributesToGet | kConditionalOperator |
      (is_query ? kKeyConditionExpression | kQueryFilter | kKeyConditions : kScanFilter);
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    std::string_view s;
    int64_t n = 0;
    if (key == "TableName") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->table_name = s;
    } else if (key == "IndexName") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->index_name = s;
    } else if (key == "Select") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->select = s;
    } else if (key == "ReturnConsumedCapacity") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_consumed_capacity = s;
    } else if (key == "Limit") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadInteger(field.value, "Integer", &n));
      r->limit = n;
    } else if (key == "ConsistentRead") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &r->consistent_read));
    } else if (key == "ExclusiveStartKey") {
      r->exclusive_start_key.emplace();
      r->start_key_invalid.reset();
      AttributeValueDecoder decoder(&r->start_key_invalid);
      DDBX_CODEC_RETURN_IF_ERROR(decoder.DecodeMap(field.value, 1, &*r->exclusive_start_key));
    } else if (is_query && key == "ScanIndexForward") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &r->scan_index_forward));
    } else if (!is_query && key == "Segment") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadInteger(field.value, "Integer", &n));
      r->segment = n;
    } else if (!is_query && key == "TotalSegments") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadInteger(field.value, "Integer", &n));
      r->total_segments = n;
    } else {
      Status status;
      if (ReadExpressionMember(key, field.value, known, &r->expressions, &status)) {
        DDBX_CODEC_RETURN_IF_ERROR(status);
      }
    }
  }
  return Status::Ok();
}

void CheckSelect(Constraints* c, const std::optional<std::string_view>& select) {
  c->Enum(select, "select",
          {"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"},
          "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
}

void CheckLimit(Constraints* c, const std::optional<int64_t>& limit) {
  if (limit.has_value()) c->AtLeast(*limit, "limit", 1);
}

// A Select that asks for whole items or a count together with a projection:
// "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES" (AttributesToGet is
// named when both are sent), "... when choosing to get only the Count".
std::optional<std::string> SelectProjectionConflict(const RawReadMany& r) {
  const RawExpressions& e = r.expressions;
  if (!r.select.has_value() || *r.select == "SPECIFIC_ATTRIBUTES") return std::nullopt;
  if (!e.attributes_to_get.has_value() && !e.projection.has_value()) return std::nullopt;
  const std::string_view sent =
      e.attributes_to_get.has_value() ? "AttributesToGet" : "ProjectionExpression";
  const std::string_view what = *r.select == "COUNT" ? "only the Count" : *r.select;
  return Concat({"Cannot specify the ", sent, " when choosing to get ", what});
}

// The Select rules that come after the expressions: ALL_PROJECTED_ATTRIBUTES needs an index
// (the message says "Querying" for Scan too), SPECIFIC_ATTRIBUTES needs a projection.
std::optional<Error> CheckSelectNeeds(const RawReadMany& r) {
  const RawExpressions& e = r.expressions;
  if (r.select == "ALL_PROJECTED_ATTRIBUTES" && !r.index_name.has_value()) {
    return Invalid("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  }
  if (r.select == "SPECIFIC_ATTRIBUTES" && !e.attributes_to_get.has_value() &&
      !e.projection.has_value()) {
    return Invalid(
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
        "SPECIFIC_ATTRIBUTES");
  }
  return std::nullopt;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// An invalid attribute value in ExclusiveStartKey. DynamoDB prefixes most messages with "The
// provided starting key is invalid: ", but not those of numbers, number sets and duplicate set
// members (dynalite test/query.js and scan.js, "invalid values in ExclusiveStartKey without
// provided message").
Error StartKeyError(const Error& e) {
  const std::string_view m = e.message;
  const bool bare = StartsWith(m, "The parameter cannot be converted") ||
                    StartsWith(m, "Number overflow") || StartsWith(m, "Number underflow") ||
                    StartsWith(m, "Attempting to store more than") ||
                    m.find("Input collection") != std::string_view::npos ||
                    m == Concat({kInvalidPrefix, "An number set  may not be empty"});
  if (bare) return e;
  return Invalid(Concat({"The provided starting key is invalid: ", m}));
}

std::optional<Select> ToSelect(const std::optional<std::string_view>& v) {
  if (!v.has_value()) return std::nullopt;
  if (*v == "ALL_ATTRIBUTES") return Select::kAllAttributes;
  if (*v == "ALL_PROJECTED_ATTRIBUTES") return Select::kAllProjectedAttributes;
  if (*v == "SPECIFIC_ATTRIBUTES") return Select::kSpecificAttributes;
  return Select::kCount;
}

int32_t ToInt32(int64_t v) {
  return static_cast<int32_t>(std::min<int64_t>(v, std::numeric_limits<int32_t>::max()));
}

// The members Query and Scan share, once every check passed.
ReadManyRequest BuildRequest(RawReadMany& r, ProjectionPtr projection) {
  ReadManyRequest request;
  request.table_name = std::string(*r.table_name);
  if (r.index_name.has_value()) request.index_name = std::string(*r.index_name);
  request.projection = std::move(projection);
  request.select = ToSelect(r.select);
  if (r.limit.has_value()) request.limit = ToInt32(*r.limit);
  request.exclusive_start_key = std::move(r.exclusive_start_key);
  request.consistent_read = r.consistent_read;
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  return request;
}

Result<QueryRequest> CheckQuery(RawReadMany& r) {
  const RawExpressions& e = r.expressions;
  Constraints c;
  CheckSelect(&c, r.select);
  c.TableName(r.index_name, "indexName", false);
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  CheckConditionsConstraints(&c, e.filter_conditions, "queryFilter");
  c.TableName(r.table_name, "tableName", true);
  CheckConditionalOperator(&c, e.conditional_operator);
  CheckAttributesToGetConstraints(&c, e, "attributesToGet");
  CheckLimit(&c, r.limit);
  CheckConditionsConstraints(&c, e.key_conditions, "keyConditions");
  if (std::optional<std::string> conflict = SelectProjectionConflict(r)) {
    c.Raw(std::move(*conflict));
  }
  if (std::optional<Error> err = c.Result()) return std::move(*err);
  // KeyConditions may go with the other expressions as long as KeyConditionExpression is absent.
  if (std::optional<Error> err = CheckExpressionMixing(
          {{"ProjectionExpression", e.projection.has_value()},
           {"FilterExpression", e.filter.has_value()},
           {"KeyConditionExpression", e.key_condition.has_value()}},
          {{"AttributesToGet", e.attributes_to_get.has_value()},
           {"QueryFilter", e.filter_conditions.has_value()},
           {"ConditionalOperator", e.conditional_operator.has_value()},
           {"KeyConditions", e.key_conditions.has_value() && e.key_condition.has_value()}},
          e)) {
    return std::move(*err);
  }
  Result<ConditionPtr> query_filter = TranslateFilter(e, "QueryFilter");
  if (!query_filter.ok()) return query_filter.take_error();
  if (std::optional<Error> err = CheckAttributesToGetDuplicates(e)) return std::move(*err);
  if (r.start_key_invalid.has_value()) return StartKeyError(*r.start_key_invalid);
  if (!e.key_conditions.has_value() && !e.key_condition.has_value()) {
    return Invalid(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request.");
  }
  ParsedExpressions parsed;
  DDBX_CODEC_RETURN_IF_ERROR(ParseExpressions(e, &parsed));
  KeyConditionPtr key_condition = std::move(parsed.key_condition);
  if (key_condition == nullptr) {
    Result<KeyConditionPtr> key_conditions = TranslateKeyConditions(e);
    if (!key_conditions.ok()) return key_conditions.take_error();
    key_condition = std::move(key_conditions).value();
  }
  if (key_condition == nullptr || key_condition->conditions.empty() ||
      key_condition->conditions.size() > 2) {
    return Invalid("Conditions can be of length 1 or 2 only");
  }
  if (std::optional<Error> err = CheckSelectNeeds(r)) return std::move(*err);
  Result<ProjectionPtr> attributes_to_get = TranslateAttributesToGet(e);
  if (!attributes_to_get.ok()) return attributes_to_get.take_error();

  QueryRequest request =
      BuildRequest(r, parsed.projection != nullptr ? std::move(parsed.projection)
                                                   : std::move(attributes_to_get).value());
  request.key_condition = std::move(key_condition);
  request.filter =
      parsed.filter != nullptr ? std::move(parsed.filter) : std::move(query_filter).value();
  request.scan_index_forward = r.scan_index_forward;
  return request;
}

Result<ScanRequest> CheckScan(RawReadMany& r) {
  const RawExpressions& e = r.expressions;
  Constraints c;
  CheckSelect(&c, r.select);
  c.TableName(r.index_name, "indexName", false);
  if (r.total_segments.has_value()) {
    c.AtLeast(*r.total_segments, "totalSegments", 1);
    c.AtMost(*r.total_segments, "totalSegments", 1000000);
  }
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  c.TableName(r.table_name, "tableName", true);
  CheckConditionalOperator(&c, e.conditional_operator);
  CheckConditionsConstraints(&c, e.filter_conditions, "scanFilter");
  if (r.segment.has_value()) {
    c.AtLeast(*r.segment, "segment", 0);
    c.AtMost(*r.segment, "segment", 999999);
  }
  CheckAttributesToGetConstraints(&c, e, "attributesToGet");
  CheckLimit(&c, r.limit);
  if (std::optional<Error> err = c.Result()) return std::move(*err);
  if (std::optional<Error> err =
          CheckExpressionMixing({{"ProjectionExpression", e.projection.has_value()},
                                 {"FilterExpression", e.filter.has_value()}},
                                {{"AttributesToGet", e.attributes_to_get.has_value()},
                                 {"ScanFilter", e.filter_conditions.has_value()},
                                 {"ConditionalOperator", e.conditional_operator.has_value()}},
                                e)) {
    return std::move(*err);
  }
  if (std::optional<Error> err = CheckAttributesToGetDuplicates(e)) return std::move(*err);
  Result<ConditionPtr> scan_filter = TranslateFilter(e, "ScanFilter");
  if (!scan_filter.ok()) return scan_filter.take_error();
  if (r.start_key_invalid.has_value()) return StartKeyError(*r.start_key_invalid);
  if (r.segment.has_value() && !r.total_segments.has_value()) {
    return Invalid(
        "The TotalSegments parameter is required but was not present in the request when "
        "Segment parameter is present");
  }
  if (r.total_segments.has_value()) {
    if (!r.segment.has_value()) {
      return Invalid(
          "The Segment parameter is required but was not present in the request when parameter "
          "TotalSegments is present");
    }
    if (*r.segment >= *r.total_segments) {
      return Invalid(
          Concat({"The Segment parameter is zero-based and must be less than "
                  "parameter TotalSegments: Segment: ",
                  std::to_string(*r.segment),
                  " is not less than TotalSegments: ", std::to_string(*r.total_segments)}));
    }
  }
  ParsedExpressions parsed;
  DDBX_CODEC_RETURN_IF_ERROR(ParseExpressions(e, &parsed));
  if (std::optional<std::string> conflict = SelectProjectionConflict(r)) return Invalid(*conflict);
  if (std::optional<Error> err = CheckSelectNeeds(r)) return std::move(*err);
  Result<ProjectionPtr> attributes_to_get = TranslateAttributesToGet(e);
  if (!attributes_to_get.ok()) return attributes_to_get.take_error();

  ScanRequest request =
      BuildRequest(r, parsed.projection != nullptr ? std::move(parsed.projection)
                                                   : std::move(attributes_to_get).value());
  request.filter =
      parsed.filter != nullptr ? std::move(parsed.filter) : std::move(scan_filter).value();
  if (r.segment.has_value()) request.segment = ToInt32(*r.segment);
  if (r.total_segments.has_value()) request.total_segments = ToInt32(*r.total_segments);
  return request;
}

}  // namespace

Result<QueryRequest> DecodeQuery(std::string_view body) {
  return DecodeBody<QueryRequest, RawReadMany>(
      body, [](dom::object object, RawReadMany* raw) { return ReadReadMany(object, true, raw); },
      CheckQuery);
}

Result<ScanRequest> DecodeScan(std::string_view body) {
  return DecodeBody<ScanRequest, RawReadMany>(
      body, [](dom::object object, RawReadMany* raw) { return ReadReadMany(object, false, raw); },
      CheckScan);
}

}  // namespace ddbx::api
