// DynamoDbHandler: turns HTTP requests into DynamoDB operations on a Backend and back.
//
// For each request, in DynamoDB's order of checks:
//   1. `GET /` is the health check: 200 and "healthy: dynamodb.<region>.amazonaws.com".
//      `GET /metrics` answers the metrics in Prometheus' text format (proxy/metrics.h).
//   2. Any other non-POST, or a body with a content type other than application/x-amz-json-1.0
//      or application/json: 404 with DynamoDB's bare `<UnknownOperationException/>` body.
//      (A request sent as application/json is answered as application/json.)
//   3. `X-Amz-Target` must be `DynamoDB_20120810.<Operation>` for an operation ddbx serves:
//      else UnknownOperationException.
//   4. The Authenticator accepts or rejects the request (auth errors).
//   A body that is not JSON at all is a SerializationException before 3 and 4 are reported.
//   5. An empty body is a SerializationException; the body is decoded into a typed request
//      (SerializationException / ValidationException), handed to the Backend, and the typed
//      response encoded.
// Every DynamoDB-shaped response carries Content-Type application/x-amz-json-1.0,
// x-amzn-RequestId (52 characters of [A-Z0-9]) and x-amz-crc32 (CRC-32 of the exact body); the
// HTTP server adds Date and Content-Length.
//
// Reads the backend can answer from memory (Backend::GetItemNow and the like: cache hits) are
// answered at once on the worker, with no hop through the backend's completion queue.
//
// Threads: Handle() runs on a worker thread; backend completions come back on the same worker
// through the Responder's executor. The handler holds no per-request state of its own, so one
// instance serves every worker. The backend and authenticator must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "backend/backend.h"
#include "proxy/auth.h"
#include "proxy/http_server.h"
#include "proxy/metrics.h"

namespace ddbx::proxy {

class DynamoDbHandler : public HttpHandler {
 public:
  DynamoDbHandler(backend::Backend* backend, const Authenticator* authenticator,
                  const std::string& region);

  void Handle(HttpRequest&& request, Responder responder) override;

  // More lines for GET /metrics (the cache's counters, ClientConnections), appended after the
  // request metrics; called on a worker thread for every scrape. Set before serving.
  void SetMetricsSource(std::function<void(std::string*)> append);
  // The whole GET /metrics body.
  std::string MetricsText() const;
  HttpResponse FramingError(FramingErrorKind kind) override;

  // A response carrying `body` with DynamoDB's headers (content type, request id, CRC-32).
  // `plain_json`: the request came as application/json, and the answer goes back in it.
  // `crc32`: the body's CRC-32 if already known (a cache keeps it with the body).
  static HttpResponse JsonResponse(int status, std::string body, bool plain_json = false,
                                   std::optional<uint32_t> crc32 = std::nullopt);
  // DynamoDB's error response for `error`.
  static HttpResponse ErrorResponse(const api::Error& error, bool plain_json = false);

 private:
  backend::Backend* backend_;
  const Authenticator* authenticator_;
  std::string health_body_;
  RequestMetrics metrics_;
  std::function<void(std::string*)> metrics_source_;
};

// The 52-character request id DynamoDB puts in x-amzn-RequestId. Any thread.
std::string NewRequestId();
void AppendRequestId(std::string* out);

}  // namespace ddbx::proxy
