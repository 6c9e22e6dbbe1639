#include "proxy/dynamodb_handler.h"

#include <zlib.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "api/codec.h"

namespace ddbx::proxy {
namespace {

constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";
constexpr std::string_view kJsonContentType = "application/x-amz-json-1.0";
// Also accepted; DynamoDB then answers in the same content type.
constexpr std::string_view kPlainJsonContentType = "application/json";

// What one request's answer needs besides its responder.
struct CallContext {
  backend::Backend* backend;
  RequestMetrics* metrics;
  size_t op;  // index in kOperations
  std::chrono::steady_clock::time_point start;
  bool plain_json;
};

void Answer(const CallContext& ctx, Responder& responder, HttpResponse response, bool cache_hit) {
  const auto elapsed = std::chrono::steady_clock::now() - ctx.start;
  ctx.metrics->Record(
      ctx.op, response.status, cache_hit,
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
  responder.Send(std::move(response));
}

// One entry per operation ddbx serves: decode the body, call the backend, encode the answer.
using OperationFn = void (*)(const CallContext& ctx, std::string_view body, Responder responder);

// Decodes `body` into Request; answers from memory when the backend can (`now`, a cache hit),
// else calls (backend->*method) and answers with encode(response) or the error. The completion
// runs on the responder's worker (the backend posts it there).
template <class Request, class Response>
void Call(const CallContext& ctx, std::string_view body, Responder responder,
          api::Result<Request> (*decode)(std::string_view),
          std::optional<backend::ReadyResponse> (backend::Backend::*now)(const Request&),
          void (backend::Backend::*method)(Request, api::Executor*, backend::Callback<Response>),
          std::string (*encode)(const Response&)) {
  api::Result<Request> request = decode(body);
  if (!request.ok()) {
    Answer(ctx, responder, DynamoDbHandler::ErrorResponse(request.error(), ctx.plain_json), false);
    return;
  }
  if (now != nullptr) {
    if (std::optional<backend::ReadyResponse> ready = (ctx.backend->*now)(request.value())) {
      Answer(
          ctx, responder,
          DynamoDbHandler::JsonResponse(200, std::move(ready->body), ctx.plain_json, ready->crc32),
          true);
      return;
    }
  }
  api::Executor* executor = responder.executor();
  (ctx.backend->*method)(
      std::move(request).value(), executor,
      [ctx, responder, encode](api::Result<Response> result) mutable {
        if (!result.ok()) {
          Answer(ctx, responder, DynamoDbHandler::ErrorResponse(result.error(), ctx.plain_json),
                 false);
          return;
        }
        Answer(ctx, responder,
               DynamoDbHandler::JsonResponse(200, encode(result.value()), ctx.plain_json), false);
      });
}

// For the operations no backend answers from memory.
template <class Request>
constexpr std::optional<backend::ReadyResponse> (backend::Backend::*NoNow)(const Request&) =
    nullptr;

#define DDBX_OPERATION(Name, Decode, Now, Encode)                                       \
  {                                                                                     \
#Name, [](const CallContext& ctx, std::string_view body, Responder responder) {       \
      Call(ctx, body, std::move(responder), Decode, Now, &backend::Backend::Name, Encode); \
    } \
  }

struct Operation {
  std::string_view name;
  OperationFn run;
};

// The operations ddbx serves, by X-Amz-Target suffix.
const std::array<Operation, 17> kOperations = {{
    DDBX_OPERATION(CreateTable, api::DecodeCreateTable, NoNow<api::CreateTableRequest>,
                   api::EncodeCreateTableResponse),
    DDBX_OPERATION(DescribeTable, api::DecodeDescribeTable, NoNow<api::DescribeTableRequest>,
                   api::EncodeDescribeTableResponse),
    DDBX_OPERATION(ListTables, api::DecodeListTables, NoNow<api::ListTablesRequest>,
                   api::EncodeListTablesResponse),
    DDBX_OPERATION(DeleteTable, api::DecodeDeleteTable, NoNow<api::DeleteTableRequest>,
                   api::EncodeDeleteTableResponse),
    DDBX_OPERATION(PutItem, api::DecodePutItem, NoNow<api::PutItemRequest>,
                   api::EncodePutItemResponse),
    DDBX_OPERATION(GetItem, api::DecodeGetItem, &backend::Backend::GetItemNow,
                   api::EncodeGetItemResponse),
    DDBX_OPERATION(DeleteItem, api::DecodeDeleteItem, NoNow<api::DeleteItemRequest>,
                   api::EncodeDeleteItemResponse),
    DDBX_OPERATION(UpdateTable, api::DecodeUpdateTable, NoNow<api::UpdateTableRequest>,
                   api::EncodeUpdateTableResponse),
    DDBX_OPERATION(UpdateItem, api::DecodeUpdateItem, NoNow<api::UpdateItemRequest>,
                   api::EncodeUpdateItemResponse),
    DDBX_OPERATION(Query, api::DecodeQuery, &backend::Backend::QueryNow, api::EncodeQueryResponse),
    DDBX_OPERATION(Scan, api::DecodeScan, &backend::Backend::ScanNow, api::EncodeScanResponse),
    DDBX_OPERATION(BatchGetItem, api::DecodeBatchGetItem, &backend::Backend::BatchGetItemNow,
                   api::EncodeBatchGetItemResponse),
    DDBX_OPERATION(BatchWriteItem, api::DecodeBatchWriteItem, NoNow<api::BatchWriteItemRequest>,
                   api::EncodeBatchWriteItemResponse),
    DDBX_OPERATION(TransactWriteItems, api::DecodeTransactWriteItems,
                   NoNow<api::TransactWriteItemsRequest>, api::EncodeTransactWriteItemsResponse),
    DDBX_OPERATION(TransactGetItems, api::DecodeTransactGetItems,
                   NoNow<api::TransactGetItemsRequest>, api::EncodeTransactGetItemsResponse),
    DDBX_OPERATION(UpdateTimeToLive, api::DecodeUpdateTimeToLive,
                   NoNow<api::UpdateTimeToLiveRequest>, api::EncodeUpdateTimeToLiveResponse),
    DDBX_OPERATION(DescribeTimeToLive, api::DecodeDescribeTimeToLive,
                   NoNow<api::DescribeTimeToLiveRequest>, api::EncodeDescribeTimeToLiveResponse),
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

std::vector<std::string_view> OperationNames() {
  std::vector<std::string_view> names;
  for (const Operation& op : kOperations) names.push_back(op.name);
  return names;
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
// `known_crc`: the body's CRC-32 when the caller has it already.
HttpResponse MakeResponse(int status, std::string_view content_type, std::string body,
                          std::optional<uint32_t> known_crc = std::nullopt) {
  HttpResponse response;
  response.status = status;
  const uLong crc = known_crc ? *known_crc
                              : crc32(0L, reinterpret_cast<const Bytef*>(body.data()),
                                      static_cast<uInt>(body.size()));
  std::string& lines = response.header_lines;
  lines.reserve(160);
  lines.append("Content-Type: ").append(content_type);
  lines.append("\r\nx-amzn-RequestId: ");
  AppendRequestId(&lines);
  lines.append("\r\nx-amz-crc32: ").append(std::to_string(crc)).append("\r\n");
  response.body = std::move(body);
  return response;
}

}  // namespace

void AppendRequestId(std::string* out) {
  // 52 characters from [A-Z0-9], like DynamoDB's. Not a secret: a per-thread xorshift generator
  // seeded from the system's entropy is enough, and cheap (it runs for every response).
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local uint64_t state = [] {
    std::random_device device;
    const uint64_t seed = (uint64_t{device()} << 32) ^ device();
    return seed != 0 ? seed : 0x9E3779B97F4A7C15ull;
  }();
  const size_t start = out->size();
  out->resize(start + 52);
  char* id = out->data() + start;
  uint64_t bits = 0;
  int left = 0;
  for (size_t i = 0; i < 52; ++i) {
    if (left == 0) {
      // xorshift64* (Vigna): full period over the non-zero 64-bit states.
      state ^= state >> 12;
      state ^= state << 25;
      state ^= state >> 27;
      bits = state * 0x2545F4914F6CDD1Dull;
      left = 10;  // 10 draws of 6 bits from each 64-bit word
    }
    id[i] = kAlphabet[(bits & 63) % 36];
    bits >>= 6;
    --left;
  }
}

std::string NewRequestId() {
  std::string id;
  AppendRequestId(&id);
  return id;
}

DynamoDbHandler::DynamoDbHandler(backend::Backend* backend, const Authenticator* authenticator,
                                 const std::string& region)
    : backend_(backend),
      authenticator_(authenticator),
      // DynamoDB's health answer ends with a space.
      health_body_("healthy: dynamodb." + region + ".amazonaws.com "),
      metrics_(OperationNames()) {}

HttpResponse DynamoDbHandler::JsonResponse(int status, std::string body, bool plain_json,
                                           std::optional<uint32_t> crc32) {
  return MakeResponse(status, plain_json ? kPlainJsonContentType : kJsonContentType,
                      std::move(body), crc32);
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

void DynamoDbHandler::SetMetricsSource(std::function<void(std::string*)> append) {
  metrics_source_ = std::move(append);
}

std::string DynamoDbHandler::MetricsText() const {
  std::string out;
  metrics_.AppendPrometheus(&out);
  if (metrics_source_) metrics_source_(&out);
  return out;
}

void DynamoDbHandler::Handle(HttpRequest&& request, Responder responder) {
  const auto start = std::chrono::steady_clock::now();
  if (request.method == "GET" && (request.target == "/" || request.target.empty())) {
    responder.Send(MakeResponse(200, "text/plain", health_body_));
    return;
  }
  if (request.method == "GET" && request.target == "/metrics") {
    responder.Send(MakeResponse(200, "text/plain; version=0.0.4", MetricsText()));
    return;
  }
  auto answer_unrouted = [&](HttpResponse response) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    metrics_.Record(RequestMetrics::kNoOperation, response.status, false,
                    static_cast<uint64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
    responder.Send(std::move(response));
  };
  if (request.method != "POST") {
    answer_unrouted(UnknownOperationNotFound());
    return;
  }
  const std::string* content_type = request.header("content-type");
  std::string_view media = content_type ? MediaType(*content_type) : std::string_view();
  const bool plain_json = media == kPlainJsonContentType;
  if (!request.body.empty() && media != kJsonContentType && !plain_json) {
    answer_unrouted(UnknownOperationNotFound());
    return;
  }
  // DynamoDB reports malformed JSON before an unknown target or a failed authentication. The
  // well-formedness check runs only on those error paths; a good request is parsed once.
  auto reject = [&](const api::Error& error) {
    if (!request.body.empty() && !api::IsWellFormedJson(request.body)) {
      answer_unrouted(ErrorResponse(api::Error::Serialization(""), plain_json));
    } else {
      answer_unrouted(ErrorResponse(error, plain_json));
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
  const CallContext ctx{backend_, &metrics_, static_cast<size_t>(operation - kOperations.data()),
                        start, plain_json};
  if (request.body.empty()) {
    Answer(ctx, responder, ErrorResponse(api::Error::Serialization(""), plain_json), false);
    return;
  }
  operation->run(ctx, request.body, std::move(responder));
}

}  // namespace ddbx::proxy
