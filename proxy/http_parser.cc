#include "proxy/http_parser.h"

#include <cassert>
#include <utility>

namespace ddbx::proxy {
namespace {

HttpParser* Self(llhttp_t* p) { return static_cast<HttpParser*>(p->data); }

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// How the parse is driven. llhttp runs callbacks as it walks the bytes; two of them pause it:
// the end of the header block (so the exact size of the request line + headers is known: it is
// the bytes used up to that pause, plus those used by earlier calls that ended mid-headers) and
// the end of a message (so exactly one request is handed out per Consume). A pause is resumed
// at once, and llhttp_get_error_pos() says where it stopped. Header text is also counted inside
// the data callbacks, so a single large read cannot make the parser buffer more than the limit.
HttpParser::HttpParser(size_t max_header_bytes, size_t max_body_bytes)
    : max_header_bytes_(max_header_bytes), max_body_bytes_(max_body_bytes) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = &HttpParser::OnMessageBegin;
  settings_.on_url = &HttpParser::OnUrl;
  settings_.on_header_field = &HttpParser::OnHeaderField;
  settings_.on_header_value = &HttpParser::OnHeaderValue;
  settings_.on_header_value_complete = &HttpParser::OnHeaderValueComplete;
  settings_.on_headers_complete = &HttpParser::OnHeadersComplete;
  settings_.on_body = &HttpParser::OnBody;
  settings_.on_message_complete = &HttpParser::OnMessageComplete;
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
}

size_t HttpParser::Consume(std::string_view data) {
  assert(!ready_);
  if (failed_ || ready_) return 0;
  if (finished_) return data.size();
  static const char kEmpty[1] = {0};
  size_t used = 0;
  for (;;) {
    const char* begin = data.empty() ? kEmpty : data.data() + used;
    const size_t length = data.size() - used;
    const llhttp_errno_t err = llhttp_execute(&parser_, begin, length);
    size_t step = length;
    if (err == HPE_PAUSED) {
      step = static_cast<size_t>(llhttp_get_error_pos(&parser_) - begin);
      llhttp_resume(&parser_);
    } else if (err == HPE_PAUSED_UPGRADE) {
      // Only reached after an Upgrade/CONNECT message completed; it ended the connection.
      finished_ = true;
      return data.size();
    } else if (err != HPE_OK) {
      if (!failed_) Fail(FramingErrorKind::kMalformed);
      return used;
    }
    // A step ends at the header pause, at the message-complete pause, or at the end of the
    // data. Only the first kind, and a step that ended before the headers did, hold header
    // bytes (empty lines before a request count too, so a stream of them cannot go on forever).
    if (!ready_ && (phase_ != Phase::kBody || headers_paused_)) header_bytes_ += step;
    used += step;
    if (headers_paused_) {
      headers_paused_ = false;
      CheckHeaders();
      if (failed_) return used;
      continue;  // even with no bytes left: a body-less request completes on an empty execute
    }
    if (ready_) return used;
    // HPE_OK: every byte was used and the current request needs more.
    if (phase_ != Phase::kBody && header_bytes_ > max_header_bytes_) {
      Fail(FramingErrorKind::kHeaderTooLarge);
    }
    return used;
  }
}

ParsedRequest HttpParser::TakeRequest() {
  assert(ready_);
  ready_ = false;
  if (!current_.keep_alive) finished_ = true;
  ParsedRequest out = std::move(current_);
  current_ = ParsedRequest{};
  return out;
}

bool HttpParser::TakeExpectContinue() {
  const bool owed = expect_continue_;
  expect_continue_ = false;
  return owed;
}

bool HttpParser::CountHeaderText(size_t length) {
  header_text_ += length;
  if (header_text_ > max_header_bytes_) {
    Fail(FramingErrorKind::kHeaderTooLarge);
    return false;
  }
  return true;
}

void HttpParser::CheckHeaders() {
  if (header_bytes_ > max_header_bytes_) {
    Fail(FramingErrorKind::kHeaderTooLarge);
    return;
  }
  if ((parser_.flags & F_CONTENT_LENGTH) != 0) {
    if (parser_.content_length > max_body_bytes_) {
      Fail(FramingErrorKind::kBodyTooLarge);
      return;
    }
    current_.request.body.reserve(static_cast<size_t>(parser_.content_length));
  }
}

void HttpParser::Fail(FramingErrorKind kind) {
  if (failed_) return;
  failed_ = true;
  error_ = kind;
}

int HttpParser::OnMessageBegin(llhttp_t* p) {
  HttpParser* self = Self(p);
  self->phase_ = Phase::kHeaders;
  return HPE_OK;
}

int HttpParser::OnUrl(llhttp_t* p, const char* at, size_t length) {
  HttpParser* self = Self(p);
  if (!self->CountHeaderText(length)) return HPE_USER;
  self->current_.request.target.append(at, length);
  return HPE_OK;
}

int HttpParser::OnHeaderField(llhttp_t* p, const char* at, size_t length) {
  HttpParser* self = Self(p);
  if (!self->CountHeaderText(length)) return HPE_USER;
  self->field_.append(at, length);
  return HPE_OK;
}

int HttpParser::OnHeaderValue(llhttp_t* p, const char* at, size_t length) {
  HttpParser* self = Self(p);
  if (!self->CountHeaderText(length)) return HPE_USER;
  self->value_.append(at, length);
  return HPE_OK;
}

int HttpParser::OnHeaderValueComplete(llhttp_t* p) {
  HttpParser* self = Self(p);
  HttpHeader header;
  header.name = std::move(self->field_);
  for (char& c : header.name) c = ToLowerAscii(c);
  header.value = std::string(TrimOws(self->value_));
  self->current_.request.headers.push_back(std::move(header));
  self->field_.clear();
  self->value_.clear();
  return HPE_OK;
}

int HttpParser::OnHeadersComplete(llhttp_t* p) {
  HttpParser* self = Self(p);
  HttpRequest& request = self->current_.request;
  const auto method = static_cast<llhttp_method_t>(llhttp_get_method(p));
  request.method = llhttp_method_name(method);
  self->current_.head = method == HTTP_HEAD;
  const bool has_body =
      (p->flags & F_CHUNKED) != 0 || ((p->flags & F_CONTENT_LENGTH) != 0 && p->content_length > 0);
  const std::string* expect = request.header("expect");
  const bool http11 = p->http_major > 1 || (p->http_major == 1 && p->http_minor >= 1);
  self->expect_continue_ =
      has_body && http11 && expect != nullptr && EqualsIgnoreCase(*expect, "100-continue");
  self->phase_ = Phase::kBody;
  self->headers_paused_ = true;
  return HPE_PAUSED;
}

int HttpParser::OnBody(llhttp_t* p, const char* at, size_t length) {
  HttpParser* self = Self(p);
  std::string& body = self->current_.request.body;
  if (length > self->max_body_bytes_ - body.size()) {
    self->Fail(FramingErrorKind::kBodyTooLarge);
    return HPE_USER;
  }
  body.append(at, length);
  return HPE_OK;
}

int HttpParser::OnMessageComplete(llhttp_t* p) {
  HttpParser* self = Self(p);
  const bool tunnel = p->upgrade != 0 || llhttp_get_method(p) == HTTP_CONNECT;
  self->current_.keep_alive = llhttp_should_keep_alive(p) != 0 && !tunnel;
  self->phase_ = Phase::kIdle;
  self->header_bytes_ = 0;
  self->header_text_ = 0;
  self->expect_continue_ = false;
  self->ready_ = true;
  return HPE_PAUSED;
}

}  // namespace ddbx::proxy
