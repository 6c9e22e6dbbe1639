// Codec: the TransactWriteItems and TransactGetItems requests (their responses and
// CancellationReasons are in codec_response.cc).
//
// The decoders' order of checks (DynamoDB's, as captured against the live service; see
// docs/api.md): the member constraints of the whole request in one "N validation errors
// detected" message; then each action in request order: an element with no action or more than
// one, its attribute values, its expressions (parsed as the single-item operations parse them);
// then the 4 MB payload limit. What needs the tables (a missing table, a key that does not fit
// the schema, two actions on one item) is the backend's to check.
#include <algorithm>
#include <string>
#include <utility>

#include "api/codec.h"
#include "api/codec_internal.h"
#include "api/validation.h"

namespace ddbx::api {
namespace {

using namespace codec_internal;  // NOLINT(google-build-using-namespace): the codec's own helpers

constexpr size_t kMaxTransactItems = 100;
constexpr size_t kMaxClientRequestTokenLength = 36;
// The items, keys and values of one TransactWriteItems request may total at most 4 MB.
constexpr size_t kMaxTransactionPayloadBytes = size_t{4} * 1024 * 1024;

// One TransactItems element as sent. For TransactGetItems the only action is Get.
struct RawAction {
  int actions = 0;  // how many action members the element has (exactly one is valid)
  TransactActionKind kind = TransactActionKind::kPut;
  std::string_view member;  // the action's path segment: "put", "update", ..., "get"
  std::optional<std::string_view> table_name;
  bool has_item = false;  // Item (Put) or Key (the others)
  AttributeMap item;
  std::optional<Error> item_invalid;
  std::optional<std::string_view> return_values_on_condition_check_failure;
  RawExpressions expressions;
};

struct RawTransact {
  std::optional<std::vector<RawAction>> actions;  // TransactItems
  std::optional<std::string_view> client_request_token;
  std::optional<std::string_view> return_consumed_capacity;
  std::optional<std::string_view> return_item_collection_metrics;
  std::string fingerprint;
};

struct ActionName {
  std::string_view json;    // the member's name in the request
  std::string_view member;  // its path segment in constraint messages
  std::string_view model;   // its model class, for type errors
  TransactActionKind kind;
  uint32_t expressions;  // the expression members it takes
};

constexpr uint32_t kPlaceholders = kExpressionAttributeNames | kExpressionAttributeValues;
const ActionName kWriteActions[] = {
    {"ConditionCheck", "conditionCheck", "com.amazonaws.dynamodb.v20120810.ConditionCheck",
     TransactActionKind::kConditionCheck, kConditionExpression | kPlaceholders},
    {"Put", "put", "com.amazonaws.dynamodb.v20120810.Put", TransactActionKind::kPut,
     kConditionExpression | kPlaceholders},
    {"Delete", "delete", "com.amazonaws.dynamodb.v20120810.Delete", TransactActionKind::kDelete,
     kConditionExpression | kPlaceholders},
    {"Update", "update", "com.amazonaws.dynamodb.v20120810.Update", TransactActionKind::kUpdate,
     kUpdateExpression | kConditionExpression | kPlaceholders},
};
const ActionName kGetAction = {"Get", "get", "com.amazonaws.dynamodb.v20120810.Get",
                               TransactActionKind::kConditionCheck,
                               kProjectionExpression | kExpressionAttributeNames};

// ---- The fingerprint: a canonical form of the request ----
//
// Idempotency compares requests by meaning, not by bytes: DynamoDB does not care in which order
// a client wrote the members. The canonical form is the JSON with every object's members
// sorted by name, without ClientRequestToken and ReturnConsumedCapacity (a repeat may ask for
// capacity differently and is still the same request).
void AppendCanonical(dom::element e, std::string* out) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      std::vector<std::pair<std::string_view, dom::element>> members;
      const dom::object object = e.get_object().value_unsafe();
      for (dom::key_value_pair field : object) members.emplace_back(field.key, field.value);
      std::stable_sort(members.begin(), members.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJsonString(out, members[i].first);
        out->push_back(':');
        AppendCanonical(members[i].second, out);
      }
      out->push_back('}');
      return;
    }
    case dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      const dom::array array = e.get_array().value_unsafe();
      for (dom::element child : array) {
        if (!first) out->push_back(',');
        first = false;
        AppendCanonical(child, out);
      }
      out->push_back(']');
      return;
    }
    default:
      out->append(simdjson::minify(e));
      return;
  }
}

std::string Fingerprint(dom::object body) {
  std::string out = "{";
  std::vector<std::pair<std::string_view, dom::element>> members;
  for (dom::key_value_pair field : body) {
    if (field.key == "ClientRequestToken" || field.key == "ReturnConsumedCapacity") continue;
    members.emplace_back(field.key, field.value);
  }
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, members[i].first);
    out.push_back(':');
    AppendCanonical(members[i].second, &out);
  }
  out.push_back('}');
  return out;
}

// ---- Reading ----

Status ReadActionBody(dom::element e, const ActionName& name, RawAction* action) {
  ++action->actions;
  action->kind = name.kind;
  action->member = name.member;
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectFieldStruct(e, name.model, &object));
  const std::string_view item_member = name.kind == TransactActionKind::kPut ? "Item" : "Key";
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    std::string_view s;
    if (key == "TableName") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      action->table_name = s;
    } else if (key == item_member) {
      action->has_item = true;
      action->item.clear();
      action->item_invalid.reset();
      AttributeValueDecoder decoder(&action->item_invalid);
      DDBX_CODEC_RETURN_IF_ERROR(decoder.DecodeMap(field.value, 1, &action->item));
    } else if (key == "ReturnValuesOnConditionCheckFailure" && name.json != "Get") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      action->return_values_on_condition_check_failure = s;
    } else {
      Status status;
      if (ReadExpressionMember(key, field.value, name.expressions, &action->expressions, &status)) {
        DDBX_CODEC_RETURN_IF_ERROR(status);
      }
    }
  }
  return Status::Ok();
}

Status ReadTransact(dom::object body, bool writes, RawTransact* r) {
  const std::string_view element_model = writes
                                             ? "com.amazonaws.dynamodb.v20120810.TransactWriteItem"
                                             : "com.amazonaws.dynamodb.v20120810.TransactGetItem";
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    const std::string_view key = field.key;
    std::string_view s;
    if (key == "TransactItems") {
      r->actions.emplace();
      DDBX_CODEC_RETURN_IF_ERROR(ReadStructList(
          field.value, element_model, &*r->actions,
          [writes](std::string_view member, dom::element value, RawAction* action) -> Status {
            if (!writes) {
              if (member == kGetAction.json) return ReadActionBody(value, kGetAction, action);
              return Status::Ok();
            }
            for (const ActionName& name : kWriteActions) {
              if (member == name.json) return ReadActionBody(value, name, action);
            }
            return Status::Ok();
          }));
    } else if (key == "ReturnConsumedCapacity") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_consumed_capacity = s;
    } else if (writes && key == "ClientRequestToken") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->client_request_token = s;
    } else if (writes && key == "ReturnItemCollectionMetrics") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_item_collection_metrics = s;
    }
  }
  if (writes) r->fingerprint = Fingerprint(body);
  return Status::Ok();
}

// ---- Checking ----

// TransactItems as DynamoDB's (Java) constraint message prints the list: one entry per
// element, naming its action and table.
std::string PrintedActions(const std::vector<RawAction>& actions) {
  std::string out = "[";
  for (size_t i = 0; i < actions.size(); ++i) {
    if (i > 0) out += ", ";
    out += "{";
    if (actions[i].actions > 0) {
      std::string member(actions[i].member);
      member[0] = static_cast<char>(member[0] - 'a' + 'A');
      out += member + ": {TableName: " + std::string(actions[i].table_name.value_or("null")) + ",}";
    }
    out += "}";
  }
  out += "]";
  return out;
}

// The member constraints, for the whole request at once.
std::optional<Error> CheckTransactConstraints(const RawTransact& r, bool writes) {
  Constraints c;
  if (writes && r.client_request_token.has_value()) {
    c.Length(*r.client_request_token, "clientRequestToken", 1, kMaxClientRequestTokenLength);
  }
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  if (writes) CheckReturnItemCollectionMetrics(&c, r.return_item_collection_metrics);
  if (c.NotNull(r.actions.has_value(), "transactItems")) {
    const std::vector<RawAction>& actions = *r.actions;
    if (actions.empty() || actions.size() > kMaxTransactItems) {
      c.ListLength(actions.size(), PrintedActions(actions), "transactItems", 1, kMaxTransactItems);
    }
    for (size_t i = 0; i < actions.size(); ++i) {
      const RawAction& a = actions[i];
      if (a.actions != 1) continue;  // reported after the constraints
      const std::string base =
          Concat({"transactItems.", std::to_string(i + 1), ".member.", a.member, "."});
      c.TableName(a.table_name, Concat({base, "tableName"}), true);
      c.NotNull(a.has_item,
                Concat({base, a.kind == TransactActionKind::kPut && writes ? "item" : "key"}));
      if (writes && a.kind == TransactActionKind::kConditionCheck) {
        c.NotNull(a.expressions.condition.has_value(), Concat({base, "conditionExpression"}));
      }
      if (writes && a.kind == TransactActionKind::kUpdate) {
        c.NotNull(a.expressions.update.has_value(), Concat({base, "updateExpression"}));
      }
      if (writes) {
        c.Enum(a.return_values_on_condition_check_failure,
               Concat({base, "returnValuesOnConditionCheckFailure"}), {"ALL_OLD", "NONE"},
               "[ALL_OLD, NONE]");
      }
    }
  }
  return c.Result();
}

// The element's own rule: exactly one action.
std::optional<Error> CheckOneAction(const RawAction& a, bool writes) {
  if (a.actions == 1) return std::nullopt;
  if (!writes) {
    return Invalid("Invalid Request: TransactGetItem should contain a Get request");
  }
  if (a.actions == 0) {
    return Invalid(
        "Invalid Request: TransactWriteRequest should contain Delete or Put or Update "
        "request");
  }
  return Invalid("TransactItems can only contain one of Check, Put, Update or Delete");
}

// Bytes an action adds to the transaction's payload: its item or key and the values it sends.
size_t PayloadBytes(const RawAction& a) {
  size_t bytes = ItemSizeBytes(a.item);
  if (a.expressions.values.has_value()) {
    for (const RawValueEntry& entry : *a.expressions.values) {
      bytes += entry.key.size() + AttributeValueSizeBytes(entry.value);
    }
  }
  return bytes;
}

Result<TransactWriteItemsRequest> CheckTransactWrite(RawTransact& r) {
  if (std::optional<Error> err = CheckTransactConstraints(r, /*writes=*/true)) {
    return std::move(*err);
  }
  TransactWriteItemsRequest request;
  size_t payload = 0;
  for (RawAction& a : *r.actions) {
    if (std::optional<Error> err = CheckOneAction(a, /*writes=*/true)) return std::move(*err);
    if (a.item_invalid.has_value()) return std::move(*a.item_invalid);
    if (a.kind == TransactActionKind::kPut) {
      for (const auto& [name, value] : a.item) {
        if (NestingDepth(value) > kMaxNestingDepth) {
          return Invalid(kNestingTooDeepMessage);
        }
      }
      if (ItemSizeBytes(a.item) > kMaxItemSizeBytes) return Invalid(kItemTooLargeMessage);
    }
    ParsedExpressions parsed;
    DDBX_CODEC_RETURN_IF_ERROR(ParseExpressions(a.expressions, &parsed));
    payload += PayloadBytes(a);

    TransactWriteAction action;
    action.kind = a.kind;
    action.table_name = std::string(*a.table_name);
    if (a.kind == TransactActionKind::kPut) {
      action.item = std::move(a.item);
    } else {
      action.key = std::move(a.item);
    }
    action.condition = std::move(parsed.condition);
    action.update = std::move(parsed.update);
    action.return_values_on_condition_check_failure =
        ToReturnValuesOnConditionCheckFailure(a.return_values_on_condition_check_failure);
    request.actions.push_back(std::move(action));
  }
  if (payload > kMaxTransactionPayloadBytes) {
    return Invalid(
        "Transaction request cannot be processed: the transaction payload size cannot "
        "exceed 4 MB");
  }
  if (r.client_request_token.has_value()) {
    request.client_request_token = std::string(*r.client_request_token);
  }
  request.fingerprint = std::move(r.fingerprint);
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  request.return_item_collection_metrics =
      ToReturnItemCollectionMetrics(r.return_item_collection_metrics);
  return request;
}

Result<TransactGetItemsRequest> CheckTransactGet(RawTransact& r) {
  if (std::optional<Error> err = CheckTransactConstraints(r, /*writes=*/false)) {
    return std::move(*err);
  }
  TransactGetItemsRequest request;
  for (RawAction& a : *r.actions) {
    if (std::optional<Error> err = CheckOneAction(a, /*writes=*/false)) return std::move(*err);
    if (a.item_invalid.has_value()) return std::move(*a.item_invalid);
    ParsedExpressions parsed;
    DDBX_CODEC_RETURN_IF_ERROR(ParseExpressions(a.expressions, &parsed));
    TransactGetAction get;
    get.table_name = std::string(*a.table_name);
    get.key = std::move(a.item);
    get.projection = std::move(parsed.projection);
    request.gets.push_back(std::move(get));
  }
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  return request;
}

}  // namespace

Result<TransactWriteItemsRequest> DecodeTransactWriteItems(std::string_view body) {
  return DecodeBody<TransactWriteItemsRequest, RawTransact>(
      body, [](dom::object object, RawTransact* raw) { return ReadTransact(object, true, raw); },
      CheckTransactWrite);
}

Result<TransactGetItemsRequest> DecodeTransactGetItems(std::string_view body) {
  return DecodeBody<TransactGetItemsRequest, RawTransact>(
      body, [](dom::object object, RawTransact* raw) { return ReadTransact(object, false, raw); },
      CheckTransactGet);
}

}  // namespace ddbx::api
