// libFuzzer target for the JSON request decoders (api/codec.h).
//
// Every input goes to every Decode* function; none may crash, leak or trip a sanitizer. On top of
// that, two properties are checked (a violation aborts, which libFuzzer reports):
//   - an error always renders to a non-empty JSON error body;
//   - an item that decodes re-encodes to JSON that decodes to the same item and re-encodes to the
//     same bytes (the encoding is canonical), and a decoded PutItem's item does the same.
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  CheckErrorBody(DecodeCreateTable(body));
  CheckErrorBody(DecodeDescribeTable(body));
  CheckErrorBody(DecodeDeleteTable(body));
  CheckErrorBody(DecodeListTables(body));
  CheckErrorBody(DecodeGetItem(body));
  CheckErrorBody(DecodeDeleteItem(body));
  CheckErrorBody(DecodeAttributeValueJson(body));

  Result<PutItemRequest> put = DecodePutItem(body);
  CheckErrorBody(put);
  if (put.ok()) CheckItemRoundTrip(put.value().item);

  Result<Item> item = DecodeItemJson(body);
  CheckErrorBody(item);
  if (item.ok()) CheckItemRoundTrip(item.value());
  return 0;
}
