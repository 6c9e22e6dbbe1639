// Codec: the single-item operations PutItem, GetItem, DeleteItem and UpdateItem. The order of
// each operation's checks follows DynamoDB's, as dynalite records it (validations/putItem.js,
// getItem.js, deleteItem.js, updateItem.js, whose "custom" functions run after the constraint
// list): the constraint list; the expression/legacy mixing rules; the item or key's attribute
// values; the operation's own rules; the legacy parameters; the expressions.
#include <string>
#include <utility>

#include "api/codec.h"
#include "api/codec_internal.h"
#include "api/validation.h"

namespace ddbx::api {
namespace {

using namespace codec_internal;  // NOLINT(google-build-using-namespace): the codec's own helpers

enum class ItemOperation { kPut, kGet, kDelete, kUpdate };

// Members shared by the item operations.
struct RawItemRequest {
  std::optional<std::string_view> table_name;
  bool has_item = false;  // Item (PutItem) or Key (the others)
  AttributeMap item;
  std::optional<Error> item_invalid;  // the first invalid attribute value in Item / Key
  bool consistent_read = false;
  std::optional<std::string_view> return_values;
  std::optional<std::string_view> return_consumed_capacity;
  std::optional<std::string_view> return_item_collection_metrics;
  std::optional<std::string_view> return_values_on_condition_check_failure;
  RawExpressions expressions;
};

uint32_t KnownExpressionMembers(ItemOperation op) {
  switch (op) {
    case ItemOperation::kGet:
      return kProjectionExpression | kExpressionAttributeNames | kAttributesToGet;
    case ItemOperation::kPut:
    case ItemOperation::kDelete:
      return kConditionExpression | kExpressionAttributeNames | kExpressionAttributeValues |
             kExpected | kConditionalOperator;
    case ItemOperation::kUpdate:
      return kUpdateExpression | kConditionExpression | kExpressionAttributeNames |
             kExpressionAttributeValues | kExpected | kConditionalOperator | kAttributeUpdates;
  }
  return 0;
}

Status ReadItemRequest(dom::object body, ItemOperation op, RawItemRequest* r) {
  const std::string_view item_member = op == ItemOperation::kPut ? "Item" : "Key";
  const bool is_get = op == ItemOperation::kGet;
  const uint32_t known = KnownExpressionMembers(op);
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    std::string_view s;
    if (key == "TableName") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->table_name = s;
    } else if (key == item_member) {
      r->has_item = true;
      r->item.clear();
      r->item_invalid.reset();
      AttributeValueDecoder decoder(&r->item_invalid);
      DDBX_CODEC_RETURN_IF_ERROR(decoder.DecodeMap(field.value, 1, &r->item));
    } else if (key == "ReturnConsumedCapacity") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_consumed_capacity = s;
    } else if (is_get && key == "ConsistentRead") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &r->consistent_read));
    } else if (!is_get && key == "ReturnValues") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_values = s;
    } else if (!is_get && key == "ReturnItemCollectionMetrics") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_item_collection_metrics = s;
    } else if (!is_get && key == "ReturnValuesOnConditionCheckFailure") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_values_on_condition_check_failure = s;
    } else {
      Status status;
      if (ReadExpressionMember(key, field.value, known, &r->expressions, &status)) {
        DDBX_CODEC_RETURN_IF_ERROR(status);
      }
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

// The write operations' condition: Expected (translated) or ConditionExpression (parsed), after
// the mixing rules allowed at most one of them.
Status ResolveCondition(const RawExpressions& e, ParsedExpressions* parsed) {
  Result<ConditionPtr> expected = TranslateExpected(e);
  if (!expected.ok()) return expected.take_error();
  DDBX_CODEC_RETURN_IF_ERROR(ParseExpressions(e, parsed));
  if (parsed->condition == nullptr) parsed->condition = std::move(expected).value();
  return Status::Ok();
}

std::optional<Error> CheckWriteMixing(const RawExpressions& e) {
  return CheckExpressionMixing({{"ConditionExpression", e.condition.has_value()}},
                               {{"Expected", e.expected.has_value()},
                                {"ConditionalOperator", e.conditional_operator.has_value()}},
                               e);
}

// The members PutItem, DeleteItem and UpdateItem share, once every check passed: the table, the
// condition and the Return* options.
template <class Request>
Request BuildWriteRequest(const RawItemRequest& r, ConditionPtr condition) {
  Request request;
  request.table_name = std::string(*r.table_name);
  request.condition = std::move(condition);
  request.return_values = ToReturnValues(r.return_values);
  request.return_values_on_condition_check_failure =
      ToReturnValuesOnConditionCheckFailure(r.return_values_on_condition_check_failure);
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  request.return_item_collection_metrics =
      ToReturnItemCollectionMetrics(r.return_item_collection_metrics);
  return request;
}

Result<PutItemRequest> CheckPutItem(RawItemRequest& r) {
  const RawExpressions& e = r.expressions;
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  c.TableName(r.table_name, "tableName", true);
  c.NotNull(r.has_item, "item");
  CheckConditionalOperator(&c, e.conditional_operator);
  CheckExpectedConstraints(&c, e);
  CheckReturnValues(&c, r.return_values);
  CheckReturnItemCollectionMetrics(&c, r.return_item_collection_metrics);
  CheckReturnValuesOnConditionCheckFailure(&c, r.return_values_on_condition_check_failure);
  if (std::optional<Error> err = c.Result()) return std::move(*err);
  if (std::optional<Error> err = CheckWriteMixing(e)) return std::move(*err);
  if (r.item_invalid.has_value()) return std::move(*r.item_invalid);
  if (!IsNoneOrAllOld(r.return_values)) return Invalid(kReturnValuesNotAllowed);
  if (ItemSizeBytes(r.item) > kMaxItemSizeBytes) return Invalid(kItemTooLargeMessage);
  ParsedExpressions parsed;
  DDBX_CODEC_RETURN_IF_ERROR(ResolveCondition(e, &parsed));

  PutItemRequest request = BuildWriteRequest<PutItemRequest>(r, std::move(parsed.condition));
  request.item = std::move(r.item);
  return request;
}

Result<GetItemRequest> CheckGetItem(RawItemRequest& r) {
  const RawExpressions& e = r.expressions;
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  CheckAttributesToGetConstraints(&c, e, "attributesToGet");
  c.TableName(r.table_name, "tableName", true);
  c.NotNull(r.has_item, "key");
  if (std::optional<Error> err = c.Result()) return std::move(*err);
  if (std::optional<Error> err =
          CheckExpressionMixing({{"ProjectionExpression", e.projection.has_value()}},
                                {{"AttributesToGet", e.attributes_to_get.has_value()}}, e)) {
    return std::move(*err);
  }
  if (r.item_invalid.has_value()) return std::move(*r.item_invalid);
  if (std::optional<Error> err = CheckAttributesToGetDuplicates(e)) return std::move(*err);
  Result<ProjectionPtr> attributes_to_get = TranslateAttributesToGet(e);
  if (!attributes_to_get.ok()) return attributes_to_get.take_error();
  ParsedExpressions parsed;
  DDBX_CODEC_RETURN_IF_ERROR(ParseExpressions(e, &parsed));

  GetItemRequest request;
  request.table_name = std::string(*r.table_name);
  request.key = std::move(r.item);
  request.projection = parsed.projection != nullptr ? std::move(parsed.projection)
                                                    : std::move(attributes_to_get).value();
  request.consistent_read = r.consistent_read;
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  return request;
}

Result<DeleteItemRequest> CheckDeleteItem(RawItemRequest& r) {
  const RawExpressions& e = r.expressions;
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  c.TableName(r.table_name, "tableName", true);
  CheckReturnValues(&c, r.return_values);
  CheckReturnItemCollectionMetrics(&c, r.return_item_collection_metrics);
  c.NotNull(r.has_item, "key");
  CheckConditionalOperator(&c, e.conditional_operator);
  CheckExpectedConstraints(&c, e);
  CheckReturnValuesOnConditionCheckFailure(&c, r.return_values_on_condition_check_failure);
  if (std::optional<Error> err = c.Result()) return std::move(*err);
  if (std::optional<Error> err = CheckWriteMixing(e)) return std::move(*err);
  if (r.item_invalid.has_value()) return std::move(*r.item_invalid);
  if (!IsNoneOrAllOld(r.return_values)) return Invalid(kReturnValuesNotAllowed);
  ParsedExpressions parsed;
  DDBX_CODEC_RETURN_IF_ERROR(ResolveCondition(e, &parsed));

  DeleteItemRequest request = BuildWriteRequest<DeleteItemRequest>(r, std::move(parsed.condition));
  request.key = std::move(r.item);
  return request;
}

Result<UpdateItemRequest> CheckUpdateItem(RawItemRequest& r) {
  const RawExpressions& e = r.expressions;
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  c.TableName(r.table_name, "tableName", true);
  CheckReturnItemCollectionMetrics(&c, r.return_item_collection_metrics);
  CheckReturnValues(&c, r.return_values);
  c.NotNull(r.has_item, "key");
  CheckConditionalOperator(&c, e.conditional_operator);
  CheckExpectedConstraints(&c, e);
  CheckAttributeUpdatesConstraints(&c, e);
  CheckReturnValuesOnConditionCheckFailure(&c, r.return_values_on_condition_check_failure);
  if (std::optional<Error> err = c.Result()) return std::move(*err);
  if (std::optional<Error> err =
          CheckExpressionMixing({{"UpdateExpression", e.update.has_value()},
                                 {"ConditionExpression", e.condition.has_value()}},
                                {{"AttributeUpdates", e.attribute_updates.has_value()},
                                 {"Expected", e.expected.has_value()},
                                 {"ConditionalOperator", e.conditional_operator.has_value()}},
                                e)) {
    return std::move(*err);
  }
  if (r.item_invalid.has_value()) return std::move(*r.item_invalid);
  Result<UpdatePtr> attribute_updates = TranslateAttributeUpdates(e);
  if (!attribute_updates.ok()) return attribute_updates.take_error();
  ParsedExpressions parsed;
  DDBX_CODEC_RETURN_IF_ERROR(ResolveCondition(e, &parsed));

  UpdateItemRequest request = BuildWriteRequest<UpdateItemRequest>(r, std::move(parsed.condition));
  request.key = std::move(r.item);
  request.update =
      parsed.update != nullptr ? std::move(parsed.update) : std::move(attribute_updates).value();
  return request;
}

template <class Request, class Check>
Result<Request> DecodeItemOperation(std::string_view body, ItemOperation op, Check check) {
  return DecodeBody<Request, RawItemRequest>(
      body,
      [op](dom::object object, RawItemRequest* raw) { return ReadItemRequest(object, op, raw); },
      check);
}

}  // namespace

Result<PutItemRequest> DecodePutItem(std::string_view body) {
  return DecodeItemOperation<PutItemRequest>(body, ItemOperation::kPut, CheckPutItem);
}

Result<GetItemRequest> DecodeGetItem(std::string_view body) {
  return DecodeItemOperation<GetItemRequest>(body, ItemOperation::kGet, CheckGetItem);
}

Result<DeleteItemRequest> DecodeDeleteItem(std::string_view body) {
  return DecodeItemOperation<DeleteItemRequest>(body, ItemOperation::kDelete, CheckDeleteItem);
}

Result<UpdateItemRequest> DecodeUpdateItem(std::string_view body) {
  return DecodeItemOperation<UpdateItemRequest>(body, ItemOperation::kUpdate, CheckUpdateItem);
}

}  // namespace ddbx::api
