// Codec: BatchGetItem and BatchWriteItem. The order of checks follows DynamoDB's as dynalite
// records it (validations/batchGetItem.js, batchWriteItem.js and their tests): the constraint
// list, whose RequestItems entries print the whole map the way DynamoDB (Java) prints it; then,
// table by table in the order sent, the table's own checks.
//
// What needs the tables' key schemas is left to the backend: BatchWriteItem's duplicate keys
// (DynamoDB reports a missing table before them), and every key's match with its schema.
#include <string>
#include <utility>

#include "api/codec.h"
#include "api/codec_internal.h"
#include "api/validation.h"

namespace ddbx::api {
namespace {

using namespace codec_internal;  // NOLINT(google-build-using-namespace): the codec's own helpers

constexpr size_t kMaxBatchGetKeys = 100;
constexpr size_t kMaxBatchWriteRequests = 25;
constexpr std::string_view kMapKeysConstraint =
    "Map keys must satisfy constraint: [Member must have length less than or equal to 255, "
    "Member must have length greater than or equal to 3, Member must satisfy regular expression "
    "pattern: [a-zA-Z0-9_.-]+]";

bool IsValidTableName(std::string_view name) {
  const size_t n = Utf16Length(name);
  return n >= 3 && n <= 255 && MatchesTableNamePattern(name);
}

// Appends "[a, b]" with each element printed by `print`.
template <class T, class Print>
void AppendJavaList(const std::vector<T>& list, Print print, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < list.size(); ++i) {
    if (i != 0) out->append(", ");
    print(list[i], out);
  }
  out->push_back(']');
}

// ---------------------------------------------------------------------------------------------
// BatchGetItem
// ---------------------------------------------------------------------------------------------

struct RawKey {
  AttributeMap key;
  std::optional<Error> invalid;
};

struct RawKeysAndAttributes {
  std::string_view table;
  std::optional<std::vector<RawKey>> keys;
  std::optional<bool> consistent_read;
  RawExpressions expressions;
};

struct RawBatchGet {
  std::optional<std::string_view> return_consumed_capacity;
  std::optional<std::vector<RawKeysAndAttributes>> request_items;
};

Status ReadKeysAndAttributes(dom::element e, RawKeysAndAttributes* out) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectValueStruct(e, "KeysAndAttributes", &object));
  for (dom::key_value_pair field : object) {
    if (field.value.is_null()) continue;
    if (field.key == "Keys") {
      dom::array array;
      DDBX_CODEC_RETURN_IF_ERROR(ExpectList(field.value, &array));
      out->keys.emplace();
      for (dom::element el : array) {
        RawKey& key = out->keys->emplace_back();
        if (el.is_null()) continue;
        AttributeValueDecoder decoder(&key.invalid);
        DDBX_CODEC_RETURN_IF_ERROR(decoder.DecodeMap(el, 1, &key.key));
      }
    } else if (field.key == "ConsistentRead") {
      bool b = false;
      DDBX_CODEC_RETURN_IF_ERROR(ReadBool(field.value, &b));
      out->consistent_read = b;
    } else {
      Status status;
      if (ReadExpressionMember(field.key, field.value,
                               kProjectionExpression | kExpressionAttributeNames | kAttributesToGet,
                               &out->expressions, &status)) {
        DDBX_CODEC_RETURN_IF_ERROR(status);
      }
    }
  }
  return Status::Ok();
}

Status ReadBatchGet(dom::object body, RawBatchGet* r) {
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    if (field.key == "ReturnConsumedCapacity") {
      std::string_view s;
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_consumed_capacity = s;
    } else if (field.key == "RequestItems") {
      dom::object map;
      DDBX_CODEC_RETURN_IF_ERROR(
          ExpectMap(field.value, "com.amazonaws.dynamodb.v20120810.KeysAndAttributes", &map));
      r->request_items.emplace();
      for (dom::key_value_pair entry : map) {
        if (entry.value.is_null()) continue;
        RawKeysAndAttributes table;
        table.table = entry.key;
        DDBX_CODEC_RETURN_IF_ERROR(ReadKeysAndAttributes(entry.value, &table));
        auto same =
            std::find_if(r->request_items->begin(), r->request_items->end(),
                         [&](const RawKeysAndAttributes& t) { return t.table == table.table; });
        if (same != r->request_items->end()) {
          *same = std::move(table);
        } else {
          r->request_items->push_back(std::move(table));
        }
      }
    }
  }
  return Status::Ok();
}

void AppendJavaKeys(const std::vector<RawKey>& keys, std::string* out) {
  AppendJavaList(
      keys, [](const RawKey& k, std::string* o) { AppendJavaAttributeMap(k.key, o); }, out);
}

// The AWS SDK for Java's toString of a KeysAndAttributes.
void AppendJavaKeysAndAttributes(const RawKeysAndAttributes& t, std::string* out) {
  const RawExpressions& e = t.expressions;
  out->push_back('{');
  if (t.keys.has_value()) {
    out->append("Keys: ");
    AppendJavaKeys(*t.keys, out);
    out->push_back(',');
  }
  if (e.attributes_to_get.has_value()) {
    out->append("AttributesToGet: ");
    out->append(JoinList(*e.attributes_to_get));
    out->push_back(',');
  }
  if (t.consistent_read.has_value()) {
    out->append(*t.consistent_read ? "ConsistentRead: true," : "ConsistentRead: false,");
  }
  if (e.projection.has_value()) {
    out->append("ProjectionExpression: ");
    out->append(*e.projection);
    out->push_back(',');
  }
  if (e.names.has_value()) {
    out->append("ExpressionAttributeNames: {");
    for (size_t i = 0; i < e.names->size(); ++i) {
      if (i != 0) out->append(", ");
      out->append((*e.names)[i].first);
      out->push_back('=');
      out->append((*e.names)[i].second);
    }
    out->push_back('}');
  }
  out->push_back('}');
}

std::string JavaRequestItems(const std::vector<RawKeysAndAttributes>& tables) {
  std::string out = "{";
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(tables[i].table);
    out.push_back('=');
    AppendJavaKeysAndAttributes(tables[i], &out);
  }
  out.push_back('}');
  return out;
}

// The constraint-list entries of the RequestItems map itself, in DynamoDB's order: its size (1
// to `max` tables; `too_many` is the constraint printed above `max`), then its keys (table names).
template <class Table>
void CheckRequestItemsMap(Constraints* c, const std::vector<Table>& tables, size_t max,
                          std::string_view too_many) {
  if (tables.empty()) {
    c->Fail("{}", "requestItems", "Member must have length greater than or equal to 1");
  } else if (tables.size() > max) {
    c->Fail(JavaRequestItems(tables), "requestItems", too_many);
  }
  for (const Table& t : tables) {
    if (!IsValidTableName(t.table)) {
      c->Fail(JavaRequestItems(tables), "requestItems", kMapKeysConstraint);
    }
  }
}

Result<BatchGetItemRequest> CheckBatchGet(RawBatchGet& r) {
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  if (c.NotNull(r.request_items.has_value(), "requestItems")) {
    const std::vector<RawKeysAndAttributes>& tables = *r.request_items;
    CheckRequestItemsMap(&c, tables, kMaxBatchGetKeys,
                         "Member must have length less than or equal to 100");
    for (const RawKeysAndAttributes& t : tables) {
      const std::string base = Concat({"requestItems.", t.table, ".member."});
      const std::string keys_path = Concat({base, "keys"});
      if (c.NotNull(t.keys.has_value(), keys_path) &&
          (t.keys->empty() || t.keys->size() > kMaxBatchGetKeys)) {
        std::string printed;
        AppendJavaKeys(*t.keys, &printed);
        c.ListLength(t.keys->size(), printed, keys_path, 1, kMaxBatchGetKeys);
      }
      CheckAttributesToGetConstraints(&c, t.expressions, Concat({base, "attributesToGet"}));
    }
  }
  if (std::optional<Error> err = c.Result()) return std::move(*err);

  BatchGetItemRequest request;
  size_t total_keys = 0;
  for (RawKeysAndAttributes& t : *r.request_items) {
    const RawExpressions& e = t.expressions;
    if (std::optional<Error> err =
            CheckExpressionMixing({{"ProjectionExpression", e.projection.has_value()}},
                                  {{"AttributesToGet", e.attributes_to_get.has_value()}}, e)) {
      return std::move(*err);
    }
    for (size_t i = 0; i < t.keys->size(); ++i) {
      const RawKey& key = (*t.keys)[i];
      if (key.invalid.has_value()) return *key.invalid;
      for (size_t j = 0; j < i; ++j) {
        if ((*t.keys)[j].key == key.key) {
          return Invalid("Provided list of item keys contains duplicates");
        }
      }
      if (++total_keys > kMaxBatchGetKeys) {
        return Invalid("Too many items requested for the BatchGetItem call");
      }
    }
    if (std::optional<Error> err = CheckAttributesToGetDuplicates(e)) return std::move(*err);
    ParsedExpressions parsed;
    DDBX_CODEC_RETURN_IF_ERROR(ParseExpressions(e, &parsed));
    Result<ProjectionPtr> attributes_to_get = TranslateAttributesToGet(e);
    if (!attributes_to_get.ok()) return attributes_to_get.take_error();

    KeysAndAttributes& out = request.request_items[std::string(t.table)];
    out.keys.reserve(t.keys->size());
    for (RawKey& key : *t.keys) out.keys.push_back(std::move(key.key));
    out.projection = parsed.projection != nullptr ? std::move(parsed.projection)
                                                  : std::move(attributes_to_get).value();
    out.consistent_read = t.consistent_read.value_or(false);
  }
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  return request;
}

// ---------------------------------------------------------------------------------------------
// BatchWriteItem
// ---------------------------------------------------------------------------------------------

struct RawWriteRequest {
  bool has_put = false;
  bool put_has_item = false;
  AttributeMap item;
  std::optional<Error> item_invalid;
  bool has_delete = false;
  bool delete_has_key = false;
  AttributeMap key;
  std::optional<Error> key_invalid;
};

struct RawTableWrites {
  std::string_view table;
  std::optional<std::vector<RawWriteRequest>> requests;  // nullopt: sent as null
};

struct RawBatchWrite {
  std::optional<std::string_view> return_consumed_capacity;
  std::optional<std::string_view> return_item_collection_metrics;
  std::optional<std::vector<RawTableWrites>> request_items;
};

// The body of a PutRequest (member "Item") or a DeleteRequest (member "Key").
Status ReadWriteAction(dom::element e, std::string_view model_class, std::string_view member,
                       bool* has_member, AttributeMap* out, std::optional<Error>* invalid) {
  dom::object object;
  DDBX_CODEC_RETURN_IF_ERROR(ExpectFieldStruct(e, model_class, &object));
  for (dom::key_value_pair field : object) {
    if (field.value.is_null() || field.key != member) continue;
    *has_member = true;
    out->clear();
    invalid->reset();
    AttributeValueDecoder decoder(invalid);
    DDBX_CODEC_RETURN_IF_ERROR(decoder.DecodeMap(field.value, 1, out));
  }
  return Status::Ok();
}

Status ReadWriteRequests(dom::element e, std::vector<RawWriteRequest>* out) {
  return ReadStructList(e, "WriteRequest", out,
                        [](std::string_view key, dom::element value, RawWriteRequest* w) -> Status {
                          if (key == "PutRequest") {
                            w->has_put = true;
                            return ReadWriteAction(value, "PutRequest", "Item", &w->put_has_item,
                                                   &w->item, &w->item_invalid);
                          }
                          if (key == "DeleteRequest") {
                            w->has_delete = true;
                            return ReadWriteAction(value, "DeleteRequest", "Key",
                                                   &w->delete_has_key, &w->key, &w->key_invalid);
                          }
                          return Status::Ok();
                        });
}

Status ReadBatchWrite(dom::object body, RawBatchWrite* r) {
  for (dom::key_value_pair field : body) {
    if (field.value.is_null()) continue;
    std::string_view s;
    if (field.key == "ReturnConsumedCapacity") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_consumed_capacity = s;
    } else if (field.key == "ReturnItemCollectionMetrics") {
      DDBX_CODEC_RETURN_IF_ERROR(ReadString(field.value, &s));
      r->return_item_collection_metrics = s;
    } else if (field.key == "RequestItems") {
      dom::object map;
      DDBX_CODEC_RETURN_IF_ERROR(ExpectMap(
          field.value, "java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>", &map));
      r->request_items.emplace();
      for (dom::key_value_pair entry : map) {
        RawTableWrites table;
        table.table = entry.key;
        if (!entry.value.is_null()) {
          table.requests.emplace();
          DDBX_CODEC_RETURN_IF_ERROR(ReadWriteRequests(entry.value, &*table.requests));
        }
        auto same = std::find_if(r->request_items->begin(), r->request_items->end(),
                                 [&](const RawTableWrites& t) { return t.table == table.table; });
        if (same != r->request_items->end()) {
          *same = std::move(table);
        } else {
          r->request_items->push_back(std::move(table));
        }
      }
    }
  }
  return Status::Ok();
}

// The AWS SDK for Java's toString of a WriteRequest.
void AppendJavaWriteRequest(const RawWriteRequest& w, std::string* out) {
  out->push_back('{');
  if (w.has_put) {
    out->append("PutRequest: {");
    if (w.put_has_item) {
      out->append("Item: ");
      AppendJavaAttributeMap(w.item, out);
    }
    out->append("},");
  }
  if (w.has_delete) {
    out->append("DeleteRequest: {");
    if (w.delete_has_key) {
      out->append("Key: ");
      AppendJavaAttributeMap(w.key, out);
    }
    out->push_back('}');
  }
  out->push_back('}');
}

std::string JavaRequestItems(const std::vector<RawTableWrites>& tables) {
  std::string out = "{";
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(tables[i].table);
    out.push_back('=');
    if (tables[i].requests.has_value()) {
      AppendJavaList(*tables[i].requests, AppendJavaWriteRequest, &out);
    } else {
      out.append("null");
    }
  }
  out.push_back('}');
  return out;
}

Result<BatchWriteItemRequest> CheckBatchWrite(RawBatchWrite& r) {
  Constraints c;
  CheckReturnConsumedCapacity(&c, r.return_consumed_capacity);
  CheckReturnItemCollectionMetrics(&c, r.return_item_collection_metrics);
  if (c.NotNull(r.request_items.has_value(), "requestItems")) {
    const std::vector<RawTableWrites>& tables = *r.request_items;
    CheckRequestItemsMap(&c, tables, kMaxBatchWriteRequests,
                         "Member must have length less than or equal to 25");
    for (const RawTableWrites& t : tables) {
      if (t.requests.has_value() &&
          (t.requests->empty() || t.requests->size() > kMaxBatchWriteRequests)) {
        c.Fail(JavaRequestItems(tables), "requestItems",
               "Map value must satisfy constraint: [Member must have length less than or equal "
               "to 25, Member must have length greater than or equal to 1]");
      }
    }
    for (const RawTableWrites& t : tables) {
      if (!t.requests.has_value()) continue;
      for (size_t i = 0; i < t.requests->size(); ++i) {
        const RawWriteRequest& w = (*t.requests)[i];
        const std::string base =
            Concat({"requestItems.", t.table, ".member.", std::to_string(i + 1), ".member."});
        if (w.has_delete) c.NotNull(w.delete_has_key, Concat({base, "deleteRequest.key"}));
        if (w.has_put) c.NotNull(w.put_has_item, Concat({base, "putRequest.item"}));
      }
    }
  }
  if (std::optional<Error> err = c.Result()) return std::move(*err);

  size_t total = 0;
  for (const RawTableWrites& t : *r.request_items) {
    if (!t.requests.has_value()) {
      return Invalid(
          Concat({"The batch write request list for a table cannot be null or empty: ", t.table}));
    }
    total += t.requests->size();
  }
  if (total > kMaxBatchWriteRequests) {
    return Invalid("Too many items requested for the BatchWriteItem call");
  }

  BatchWriteItemRequest request;
  for (RawTableWrites& t : *r.request_items) {
    // A WriteRequest is a union: exactly one of PutRequest and DeleteRequest. DynamoDB words a
    // violation the way it words an AttributeValue with no type or two.
    for (const RawWriteRequest& w : *t.requests) {
      if (w.has_put == w.has_delete) return Invalid(kMultipleTypes);
    }
    std::vector<WriteRequest>& writes = request.request_items[std::string(t.table)];
    writes.reserve(t.requests->size());
    for (RawWriteRequest& w : *t.requests) {
      WriteRequest& out = writes.emplace_back();
      out.is_put = w.has_put;
      if (w.has_put) {
        if (w.item_invalid.has_value()) return std::move(*w.item_invalid);
        if (ItemSizeBytes(w.item) > kMaxItemSizeBytes) return Invalid(kItemTooLargeMessage);
        out.item = std::move(w.item);
      } else {
        if (w.key_invalid.has_value()) return std::move(*w.key_invalid);
        out.key = std::move(w.key);
      }
    }
  }
  request.return_consumed_capacity = ToReturnConsumedCapacity(r.return_consumed_capacity);
  request.return_item_collection_metrics =
      ToReturnItemCollectionMetrics(r.return_item_collection_metrics);
  return request;
}

}  // namespace

Result<BatchGetItemRequest> DecodeBatchGetItem(std::string_view body) {
  return DecodeBody<BatchGetItemRequest, RawBatchGet>(body, ReadBatchGet, CheckBatchGet);
}

Result<BatchWriteItemRequest> DecodeBatchWriteItem(std::string_view body) {
  return DecodeBody<BatchWriteItemRequest, RawBatchWrite>(body, ReadBatchWrite, CheckBatchWrite);
}

}  // namespace ddbx::api
