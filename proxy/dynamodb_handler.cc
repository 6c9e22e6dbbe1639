#include "proxy/dynamodb_handler.h"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <random>
#include <utility>

#include "api/codec.h"

namespace ddbx::proxy {
namespace {

constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";
constexpr std::string_view kJsonContentType = "application/x-amz-json-1.0";
// Also accepted; DynamoDB then answers in the same content type.
constexpr std::string_view kPlainJsonContentType = "application/json";

// One entry per operation ddbx serves: decode the body, call the backend, encode the answer.
using OperationFn = void (*)(backend::Backend* backend, std::string_view body, bool plain_json,
                             Responder responder);

// Decodes `body` into Request, calls (backend->*method), and answers with encode(response) or
// the error. The completion runs on the responder's worker (the backend posts it there).
template <class Request, class Response>
void Call(backend::Backend* backend, std::string_view body, bool plain_json, Responder responder,
          api::Result<Request> (*decode)(std::string_view),
          void (backend::Backend::*method)(Request, api::Executor*, backend::Callback<Response>),
          std::string (*encode)(const Response&)) {
  api::Result<Request> request = decode(body);
  if (!request.ok()) {
    responder.Send(DynamoDbHandler::ErrorResponse(request.error(), plain_json));
    return;
  }
  api::Executor* executor = responder.executor();
  (backend->*method)(
      std::move(request).value(), executor,
      [responder, encode, plain_json](api::Result<Response> result) mutable {
        if (!result.ok()) {
          responder.Send(DynamoDbHandler::ErrorResponse(result.error(), plain_json));
          return;
        }
        responder.Send(DynamoDbHandler::JsonResponse(200, encode(result.value()), plain_json));
      });
}

#define DDBX_OPERATION(Name, Decode, Encode)                                        \
  {                                                                                 \
#Name, [](backend::Backend* backend, std::string_view body, bool plain_json,      \
              Responder responder) {                                                \
      Call(backend, body, plain_json, std::move(responder), Decode,                 \
           &backend::Backend::Name, Encode);                                        \
    } \
  }

struct Operation {
  std::string_view name;
  OperationFn run;
};

// The operations ddbx serves, by X-Amz-Target suffix.
const std::array<Operation, 17> kOperations = {{
    DDBX_OPERATION(CreateTable, api::DecodeCreateTable, api::EncodeCreateTableResponse),
    DDBX_OPERATION(DescribeTable, api::DecodeDescribeTable, api::EncodeDescribeTableResponse),
    DDBX_OPERATION(ListTables, api::DecodeListTables, api::EncodeListTablesResponse),
    DDBX_OPERATION(DeleteTable, api::DecodeDeleteTable, api::EncodeDeleteTableResponse),
    DDBX_OPERATION(PutItem, api::DecodePutItem, api::EncodePutItemResponse),
    DDBX_OPERATION(GetItem, api::DecodeGetItem, api::EncodeGetItemResponse),
    DDBX_OPERATION(DeleteItem, api::DecodeDeleteItem, api::EncodeDeleteItemResponse),
    DDBX_OPERATION(UpdateTable, api::DecodeUpdateTable, api::EncodeUpdateTableResponse),
    DDBX_OPERATION(UpdateItem, api::DecodeUpdateItem, api::EncodeUpdateItemResponse),
    DDBX_OPERATION(Query, api::DecodeQuery, api::EncodeQueryResponse),
    DDBX_OPERATION(Scan, api::DecodeScan, api::EncodeScanResponse),
    DDBX_OPERATION(BatchGetItem, api::DecodeBatchGetItem, api::EncodeBatchGetItemResponse),
    DDBX_OPERATION(BatchWriteItem, api::DecodeBatchWriteItem, api::EncodeBatchWriteItemResponse),
    DDBX_OPERATION(TransactWriteItems, api::DecodeTransactWriteItems,
                   api::EncodeTransactWriteItemsResponse),
    DDBX_OPERATION(TransactGetItems, api::DecodeTransactGetItems,
                   api::EncodeTransactGetItemsResponse),
    DDBX_OPERATION(UpdateTimeToLive, api::DecodeUpdateTimeToLive,
                   api::EncodeUpdateTimeToLiveResponse),
    DDBX_OPERATION(DescribeTimeToLive, api::DecodeDescribeTimeToLive,
                   api::EncodeDescribeTimeToLiveResponse),
}};

#undef DDBX_OPERATION

const Operation* FindOperation(std::string_view target) {
  if (target.substr(0, kTargetPrefix.size()) != kTargetPrefix) return nullptr;
  std::string_view name = target.substr(kTargetPrefix.size());
  for (const Operation& op : kOperations) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

// The media type of a Content-Type header value, without parameters or surrounding spaces.
std::string_view MediaType(std::string_view value) {
  size_t semicolon = value.find(';');
  if (semicolon != std::string_view::npos) value = value.substr(0, semicolon);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return value;
}

HttpResponse UnknownOperationNotFound() {
  // DynamoDB answers a request it cannot route (not a POST, or an unexpected content type)
  // with 404 and this bare body, in its JSON content type all the same.
  return DynamoDbHandler::JsonResponse(404, "<UnknownOperationException/>\n");
}

// A response with every header DynamoDB sends (the HTTP server adds Date and Content-Length).
HttpResponse MakeResponse(int status, std::string_view content_type, std::string body) {
  HttpResponse response;
  response.status = status;
  uLong crc =
      crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  response.headers.reserve(3);
  response.headers.emplace_back("Content-Type", content_type);
  response.headers.emplace_back("x-amzn-RequestId", NewRequestId());
  response.headers.emplace_back("x-amz-crc32", std::to_string(crc));
  response.body = std::move(body);
  return response;
}

}  // namespace

std::string NewRequestId() {
  // 52 characters from [A-Z0-9], like DynamoDB's. Not a secret: a per-thread PRNG is enough.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(52, '\0');
  uint64_t bits = 0;
  int left = 0;
  for (char& c : id) {
    if (left == 0) {
      bits = rng();
      left = 10;  // 10 draws of 6 bits from each 64-bit word
    }
    c = kAlphabet[(bits & 63) % 36];
    bits >>= 6;
    --left;
  }
  return id;
}

DynamoDbHandler::DynamoDbHandler(backend::Backend* backend, const Authenticator* authenticator,
                                 const std::string& region)
    : backend_(backend),
      authenticator_(authenticator),
      // DynamoDB's health answer ends with a space.
      health_body_("healthy: dynamodb." + region + ".amazonaws.com ") {}

HttpResponse DynamoDbHandler::JsonResponse(int status, std::string body, bool plain_json) {
  return MakeResponse(status, plain_json ? kPlainJsonContentType : kJsonContentType,
                      std::move(body));
}

HttpResponse DynamoDbHandler::ErrorResponse(const api::Error& error, bool plain_json) {
  return JsonResponse(api::ErrorWire(error.code).http_status, api::ErrorBody(error), plain_json);
}

HttpResponse DynamoDbHandler::FramingError(FramingErrorKind kind) {
  switch (kind) {
    case FramingErrorKind::kBodyTooLarge:
      // DynamoDB refuses bodies over 16 MB with a bare 413 before reading them.
      return JsonResponse(413, "");
    case FramingErrorKind::kHeaderTooLarge:
      return JsonResponse(431, "");
    case FramingErrorKind::kMalformed:
      break;
  }
  return JsonResponse(400, "");
}

void DynamoDbHandler::Handle(HttpRequest&& request, Responder responder) {
  if (request.method == "GET" && (request.target == "/" || request.target.empty())) {
    responder.Send(MakeResponse(200, "text/plain", health_body_));
    return;
  }
  if (request.method != "POST") {
    responder.Send(UnknownOperationNotFound());
    return;
  }
  const std::string* content_type = request.header("content-type");
  std::string_view media = content_type ? MediaType(*content_type) : std::string_view();
  const bool plain_json = media == kPlainJsonContentType;
  if (!request.body.empty() && media != kJsonContentType && !plain_json) {
    responder.Send(UnknownOperationNotFound());
    return;
  }
  // DynamoDB reports malformed JSON before an unknown target or a failed authentication. The
  // well-formedness check runs only on those error paths; a good request is parsed once.
  auto reject = [&](const api::Error& error) {
    if (!request.body.empty() && !api::IsWellFormedJson(request.body)) {
      responder.Send(ErrorResponse(api::Error::Serialization(""), plain_json));
    } else {
      responder.Send(ErrorResponse(error, plain_json));
    }
  };
  const std::string* target = request.header("x-amz-target");
  const Operation* operation = target ? FindOperation(*target) : nullptr;
  if (operation == nullptr) {
    reject(api::Error{api::ErrorCode::kUnknownOperation, ""});
    return;
  }
  if (api::Status auth = authenticator_->Verify(request); !auth.ok()) {
    reject(auth.error());
    return;
  }
  if (request.body.empty()) {
    responder.Send(ErrorResponse(api::Error::Serialization(""), plain_json));
    return;
  }
  operation->run(backend_, request.body, plain_json, std::move(responder));
}

}  // namespace ddbx::proxy
