// libFuzzer target for the JSON request decoders (api/codec.h).
//
// Every input goes to every Decode* function; none may crash, leak or trip a sanitizer. On top of
// that, these properties are checked (a violation aborts, which libFuzzer reports):
//   - an error always renders to a non-empty JSON error body;
//   - an item that decodes re-encodes to JSON that decodes to the same item and re-encodes to the
//     same bytes (the encoding is canonical), and a decoded PutItem's item does the same;
//   - a decoded BatchGetItem's tables, encoded as UnprocessedKeys, decode again as RequestItems
//     and encode to the same bytes (what a client sends back is what it sent); likewise a
//     decoded BatchWriteItem's requests as UnprocessedItems;
//   - a decoded TransactWriteItems' fingerprint is canonical: decoded as a request itself, it
//     has the same fingerprint.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/codec.h"
#include "api/error.h"

namespace {

using namespace ddbx::api;  // NOLINT(google-build-using-namespace): a fuzz target's local scope

template <class T>
void CheckErrorBody(const Result<T>& result) {
  if (!result.ok() && ErrorBody(result.error()).empty()) std::abort();
}

void CheckItemRoundTrip(const Item& item) {
  const std::string json = EncodeItemJson(item);
  Result<Item> again = DecodeItemJson(json);
  if (!again.ok() || !(again.value() == item) || EncodeItemJson(again.value()) != json) {
    std::abort();
  }
}

// The value of the last member of a one-level response object `json` that starts with `prefix`
// (e.g. {"Responses":{},"UnprocessedKeys":<value>}).
std::string LastMember(const std::string& json, std::string_view prefix) {
  if (json.compare(0, prefix.size(), prefix) != 0 || json.back() != '}') std::abort();
  return json.substr(prefix.size(), json.size() - prefix.size() - 1);
}

void CheckBatchGetRoundTrip(const BatchGetItemRequest& request) {
  BatchGetItemResponse response;
  response.unprocessed_keys = request.request_items;
  const std::string first = EncodeBatchGetItemResponse(response);
  const std::string body =
      R"({"RequestItems":)" + LastMember(first, R"({"Responses":{},"UnprocessedKeys":)") + "}";
  Result<BatchGetItemRequest> again = DecodeBatchGetItem(body);
  if (!again.ok()) std::abort();
  response.unprocessed_keys = again.value().request_items;
  if (EncodeBatchGetItemResponse(response) != first) std::abort();
}

void CheckBatchWriteRoundTrip(const BatchWriteItemRequest& request) {
  BatchWriteItemResponse response;
  response.unprocessed_items = request.request_items;
  const std::string first = EncodeBatchWriteItemResponse(response);
  const std::string body =
      R"({"RequestItems":)" + LastMember(first, R"({"UnprocessedItems":)") + "}";
  Result<BatchWriteItemRequest> again = DecodeBatchWriteItem(body);
  if (!again.ok()) std::abort();
  response.unprocessed_items = again.value().request_items;
  if (EncodeBatchWriteItemResponse(response) != first) std::abort();
}

void CheckFingerprint(const TransactWriteItemsRequest& request) {
  Result<TransactWriteItemsRequest> again = DecodeTransactWriteItems(request.fingerprint);
  if (!again.ok() || again.value().fingerprint != request.fingerprint) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  CheckErrorBody(DecodeCreateTable(body));
  CheckErrorBody(DecodeDescribeTable(body));
  CheckErrorBody(DecodeDeleteTable(body));
  CheckErrorBody(DecodeListTables(body));
  CheckErrorBody(DecodeUpdateTable(body));
  CheckErrorBody(DecodeGetItem(body));
  CheckErrorBody(DecodeDeleteItem(body));
  CheckErrorBody(DecodeUpdateItem(body));
  CheckErrorBody(DecodeQuery(body));
  CheckErrorBody(DecodeScan(body));
  CheckErrorBody(DecodeAttributeValueJson(body));
  CheckErrorBody(DecodeTransactGetItems(body));
  Result<TransactWriteItemsRequest> transact_write = DecodeTransactWriteItems(body);
  CheckErrorBody(transact_write);
  if (transact_write.ok()) CheckFingerprint(transact_write.value());

  Result<PutItemRequest> put = DecodePutItem(body);
  CheckErrorBody(put);
  if (put.ok()) CheckItemRoundTrip(put.value().item);

  Result<BatchGetItemRequest> batch_get = DecodeBatchGetItem(body);
  CheckErrorBody(batch_get);
  if (batch_get.ok()) CheckBatchGetRoundTrip(batch_get.value());

  Result<BatchWriteItemRequest> batch_write = DecodeBatchWriteItem(body);
  CheckErrorBody(batch_write);
  if (batch_write.ok()) CheckBatchWriteRoundTrip(batch_write.value());

  Result<Item> item = DecodeItemJson(body);
  CheckErrorBody(item);
  if (item.ok()) CheckItemRoundTrip(item.value());
  return 0;
}
