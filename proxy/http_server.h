// HttpServer: the HTTP/1.1 front door on libuv and llhttp.
//
// N worker threads, each with its own uv_loop_t and its own listening socket bound to the same
// address with SO_REUSEPORT (the kernel spreads connections across them). A connection lives on
// one worker for its whole life. Keep-alive and pipelining: requests on one connection are
// parsed as they arrive (split across packets or many in one packet) but handed to the handler
// one at a time, in order: the next request on a connection reaches Handle() only after the
// previous one's response was Send()-ed (HTTP allows parallel work on pipelined requests only
// for safe methods, and DynamoDB calls are POSTs: a read pipelined behind a write must see it).
// Requests parsed meanwhile wait in the connection; it stops reading while 128 parsed requests
// are unanswered or 1 MiB of responses is unwritten. Different connections run side by side.
//
// Framing errors (oversized header block or body, malformed HTTP) are answered by the server
// itself with the response HttpHandler::FramingError() builds, and the connection is closed.
//
// Threads: Start() and Shutdown() are called from one controlling thread (main). The handler
// runs on worker threads; a Responder may only be used on the worker thread it was given on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/error.h"
#include "api/executor.h"

namespace ddbx::proxy {

struct HttpHeader {
  std::string name;   // lower-cased
  std::string value;  // as received, surrounding whitespace trimmed
};

struct HttpRequest {
  std::string method;  // "POST", "GET", ...
  std::string target;  // the request target as sent, e.g. "/" or "/metrics?x=1"
  std::vector<HttpHeader> headers;
  std::string body;

  // The first header with this lower-case name, or nullptr.
  const std::string* header(std::string_view lower_name) const {
    for (const auto& h : headers) {
      if (h.name == lower_name) return &h.value;
    }
    return nullptr;
  }
};

struct HttpResponse {
  int status = 200;
  // Headers besides Content-Length, Date and Connection, which the server adds itself.
  std::vector<std::pair<std::string, std::string>> headers;
  // More headers, already formatted ("Name: value\r\n" each) by a caller that writes only
  // well-formed, non-framing headers: copied as they are, after `headers`. One string instead
  // of a string per name and value, for responses sent by the thousand.
  std::string header_lines;
  std::string body;
};

enum class FramingErrorKind {
  kHeaderTooLarge,  // the header block exceeds HttpServerOptions::max_header_bytes
  kBodyTooLarge,    // Content-Length (or the chunked body) exceeds max_body_bytes
  kMalformed,       // anything llhttp rejects
};

class Responder;

// What the server calls for each request. Called on a worker thread.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;

  // Must lead to exactly one responder.Send(), now or later on the same worker thread. The
  // connection's next request is handed over only after that Send(), never from inside it.
  virtual void Handle(HttpRequest&& request, Responder responder) = 0;

  // The response sent before closing a connection on a framing error.
  virtual HttpResponse FramingError(FramingErrorKind kind) = 0;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;                              // 0: pick a free port (see HttpServer::port())
  int threads = 1;                                   // worker threads, each with its own loop
  size_t max_header_bytes = size_t{64} * 1024;       // request line + headers
  size_t max_body_bytes = size_t{16} * 1024 * 1024;  // DynamoDB's request size limit
  uint64_t idle_timeout_ms = uint64_t{60} * 1000;    // close connections idle this long (0: never)
  uint64_t shutdown_grace_ms =
      uint64_t{30} * 1000;  // Shutdown() waits at most this for in-flight work
};

class HttpServer {
 public:
  // `handler` must outlive the server.
  HttpServer(HttpServerOptions options, HttpHandler* handler);
  ~HttpServer();  // calls Shutdown() if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every worker's socket and starts the workers. Fails (with a message naming the
  // address) if the address cannot be bound.
  api::Status Start();

  // The bound port (useful with port 0). REQUIRES: Start() succeeded.
  uint16_t port() const;

  // Graceful stop: stop accepting (new connections are refused), close idle connections at once,
  // finish receiving any request whose bytes have begun to arrive, answer every request already
  // received (the last response on each connection says Connection: close), let the responses
  // be written, then close every connection and join the workers. Whatever is still open after
  // shutdown_grace_ms is closed regardless. Blocks until done. Idempotent.
  void Shutdown();

  // Number of open client connections across all workers (any thread).
  int64_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A handle for answering one request. Cheap to copy; only on its worker's thread. If the
// connection is gone by the time Send() runs, the response is dropped silently.
class Responder {
 public:
  struct State;  // defined in http_server.cc
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}

  void Send(HttpResponse response);

  // The worker's executor: Post() runs a task on this responder's worker thread.
  api::Executor* executor() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ddbx::proxy
