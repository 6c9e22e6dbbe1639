// HttpParser: incremental HTTP/1.1 request framing over llhttp, independent of sockets.
//
// Feed it bytes as they arrive, in any split; it hands back one complete HttpRequest at a time
// (request line, lower-cased headers, de-chunked body) or a FramingErrorKind. It stops after each
// complete request so the caller decides when to parse the next one (the server pauses a
// connection under backpressure and keeps the unparsed bytes). Limits are enforced while
// parsing, before anything oversized is buffered:
//   - the request line plus header block (and any empty lines before it) may not exceed
//     max_header_bytes (kHeaderTooLarge);
//   - a Content-Length above max_body_bytes is refused as soon as the headers end, and a chunked
//     body is refused the moment its accumulated size passes max_body_bytes (kBodyTooLarge);
//   - anything llhttp rejects (bad request line, bad header token, bad chunk size, conflicting
//     Content-Length and Transfer-Encoding, ...) is kMalformed.
// Once a request says the connection ends after it (Connection: close, HTTP/1.0 without
// keep-alive, Upgrade, CONNECT), the parser is finished and discards whatever follows.
//
// Threads: one parser belongs to one connection; not thread-safe. Not copyable or movable
// (llhttp keeps a pointer back to it).
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/http_server.h"

namespace ddbx::proxy {

// One complete request and what it says about the connection.
struct ParsedRequest {
  HttpRequest request;
  // True if another request may follow on the connection: HTTP/1.1 without Connection: close,
  // or HTTP/1.0 with Connection: keep-alive. False for Upgrade and CONNECT requests too.
  bool keep_alive = true;
  bool head = false;  // method is HEAD: the response carries no body
};

class HttpParser {
 public:
  HttpParser(size_t max_header_bytes, size_t max_body_bytes);
  HttpParser(const HttpParser&) = delete;
  HttpParser& operator=(const HttpParser&) = delete;

  // Parses from the front of `data` and returns how many bytes it used. It stops at the first
  // of these outcomes:
  //   - a request became complete: ready() is true, TakeRequest() returns it; the bytes after
  //     it were not used (call Consume again with them after taking the request);
  //   - a framing error: failed() is true, error() says which; the parser stays failed;
  //   - all of `data` was used and the current request (if any) needs more bytes.
  // When finished() every byte is discarded (returns data.size()). REQUIRES: !ready().
  size_t Consume(std::string_view data);

  bool ready() const { return ready_; }
  // The completed request; clears ready(). REQUIRES: ready().
  ParsedRequest TakeRequest();

  bool failed() const { return failed_; }
  FramingErrorKind error() const { return error_; }  // REQUIRES: failed()

  // True once the last request taken ended the connection (keep_alive was false).
  bool finished() const { return finished_; }

  // True exactly once per request whose headers are complete, that asked for
  // "Expect: 100-continue" over HTTP/1.1 and has a body still to come. The server then owes the
  // client an interim "100 Continue". False if the body arrived in the same Consume call.
  bool TakeExpectContinue();

  // True while a request has started but is not complete (some of its bytes were used).
  bool in_message() const { return phase_ != Phase::kIdle; }

 private:
  enum class Phase { kIdle, kHeaders, kBody };

  static int OnMessageBegin(llhttp_t* p);
  static int OnUrl(llhttp_t* p, const char* at, size_t length);
  static int OnHeaderField(llhttp_t* p, const char* at, size_t length);
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t length);
  static int OnHeaderValueComplete(llhttp_t* p);
  static int OnHeadersComplete(llhttp_t* p);
  static int OnBody(llhttp_t* p, const char* at, size_t length);
  static int OnMessageComplete(llhttp_t* p);

  // Adds `length` bytes of request line or header text; false (and failed) past the limit.
  bool CountHeaderText(size_t length);
  // Checks the finished header block: its size and the declared body size.
  void CheckHeaders();
  void Fail(FramingErrorKind kind);

  const size_t max_header_bytes_;
  const size_t max_body_bytes_;
  llhttp_settings_t settings_;
  llhttp_t parser_;

  Phase phase_ = Phase::kIdle;
  size_t header_bytes_ = 0;      // bytes of the current request's line + headers used so far
  size_t header_text_ = 0;       // of which the url, header names and values (checked in callbacks)
  bool headers_paused_ = false;  // llhttp paused at the end of the header block
  bool ready_ = false;
  bool failed_ = false;
  bool finished_ = false;
  bool expect_continue_ = false;
  FramingErrorKind error_ = FramingErrorKind::kMalformed;

  ParsedRequest current_;
  std::string field_;  // the header name being received
  std::string value_;  // its value so far
};

}  // namespace ddbx::proxy
