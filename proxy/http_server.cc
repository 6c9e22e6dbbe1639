#include "proxy/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <thread>

#include "proxy/http_parser.h"
#include "proxy/loop_executor.h"

// How a connection works (all on its worker's loop thread).
//
// Reading: every worker has one 64 KiB read buffer shared by its connections (libuv calls
// alloc and read back to back for one stream, so a buffer is never in use twice). The bytes are
// parsed in place; only bytes that cannot be parsed yet because the connection is paused are
// copied into the connection (pending_input).
//
// One request at a time: a connection hands the handler its next request only after the
// previous one's response was Send()-ed (its bytes may still be on their way out). HTTP lets a
// server work on pipelined requests in parallel only when they are safe methods, and every
// DynamoDB call is a POST: a GetItem pipelined behind a PutItem must see the write. So at most
// one request per connection is in flight (`in_flight`, named by the sequence number its
// Responder carries); requests parsed behind it wait, already parsed, in `waiting`. Since
// responses are produced in request order, Send() writes each one at once (no reordering
// buffer). The common case costs nothing extra: a request that finds nothing in flight and
// nothing waiting is handed over directly.
//
// Advancing: when the in-flight request is answered the next waiting one is dispatched. Inside
// Pump() (the loop that dispatches, also used while parsing) that happens in the same loop, so a
// handler answering synchronously runs a whole pipelined batch without a detour; a Send() from
// anywhere else posts an Advance task through the worker's executor, so a handler is never
// re-entered from its own Send() (a completion that answers many requests in a row would
// otherwise find Handle() running inside it). Advance also resumes reading after backpressure.
//
// Backpressure: before parsing the next request the connection checks how much it owes; with
// kMaxPipelined parsed requests unanswered (the one in flight plus those waiting) or
// kMaxUnwrittenBytes of responses not yet taken by the kernel it stops reading and keeps the
// unparsed bytes. Once a write completes or a request is answered below both limits, an
// Advance task is posted (never resumed inside Send(), as above).
//
// A framing error ends the connection, but only after every request parsed before it: it waits
// (pending_error) until nothing is in flight or waiting, then its response goes out last.
//
// Ending: the last response (the request said Connection: close, a framing error, or the server
// is shutting down) moves the connection to kEnding; when its bytes are written the write side
// is shut down (FIN) and the connection lingers, reading and discarding, until the client closes
// or kLingerMs pass. Closing with unread input would make the kernel send a reset, which can
// destroy the response before the client reads it.
//
// Timers: one repeating sweep timer per worker walks its connections and closes those idle for
// idle_timeout_ms (no bytes in, no response owed; or a response stuck unwritten that long) and
// those lingering past their deadline.
//
// Shutdown: the controlling thread posts BeginShutdown to every worker through its executor.
// The worker closes its listener (new connections are refused from then on) and closes every
// idle connection: nothing in flight or waiting and no request partly received. A connection in
// the middle of receiving a request keeps reading until that request is complete, then parses
// nothing more; every request already parsed is answered, and the last response says
// Connection: close. Bytes of requests not yet begun are discarded. A grace timer force-closes
// whatever is left after shutdown_grace_ms. When the last connection's close callback has run,
// the worker closes its timers and its executor (running tasks still queued; later posts are
// dropped), the loop runs out of handles and the thread ends.

namespace ddbx::proxy {
namespace {

constexpr size_t kReadBufferSize = size_t{64} * 1024;
constexpr size_t kMaxPipelined = 128;
constexpr size_t kMaxUnwrittenBytes = size_t{1024} * 1024;
constexpr uint64_t kLingerMs = 2000;
constexpr size_t kInlineBodyBytes = size_t{16} * 1024;  // smaller bodies are copied after the head
constexpr int kListenBacklog = 1024;
constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

class Worker;

struct Connection : std::enable_shared_from_this<Connection> {
  enum class State {
    kOpen,       // reading and answering requests
    kEnding,     // the last response is queued; FIN once it is written
    kLingering,  // FIN sent; discarding input until the client closes or the deadline
    kClosing,    // uv_close() called; freed in the close callback
  };

  Connection(Worker* w, size_t max_header_bytes, size_t max_body_bytes)
      : worker(w), parser(max_header_bytes, max_body_bytes) {}

  Worker* worker;
  uv_tcp_t tcp{};
  HttpParser parser;
  State state = State::kOpen;
  // The request the handler holds (see "One request at a time" above).
  bool in_flight = false;
  bool in_flight_head = false;        // it is a HEAD request: no body bytes in the answer
  bool in_flight_close = false;       // it ends the connection (Connection: close, HTTP/1.0, ...)
  uint64_t in_flight_seq = 0;         // its sequence number; the next one gets in_flight_seq + 1
  std::deque<ParsedRequest> waiting;  // parsed, not yet handed to the handler
  std::optional<FramingErrorKind> pending_error;  // answered after everything before it
  std::string pending_input;                      // read but not parsed while paused
  size_t unwritten_bytes = 0;                     // in uv_write requests not yet completed
  int pending_writes = 0;
  bool reading = false;
  bool parsing = false;        // inside Process(): unparsed input may be on the stack
  bool pumping = false;        // inside Pump() or a direct dispatch: Send() need not post
  bool stop_parsing = false;   // no further request will be parsed
  bool peer_eof = false;       // the client shut down its side
  bool backpressured = false;  // paused because too much is owed
  bool advance_posted = false;
  bool continue_owed = false;  // "100 Continue" to send once earlier responses are out
  uint64_t last_activity = 0;  // uv_now() of the last byte read or write completed
  uint64_t linger_deadline = 0;
  std::list<std::shared_ptr<Connection>>::iterator self;

  uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&tcp); }
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp); }
  // Parsed requests not yet answered: the one in flight plus those waiting.
  size_t unanswered() const { return waiting.size() + (in_flight ? 1 : 0); }
  // A response is still owed: a request in flight or waiting, or a framing error to report.
  bool owes() const { return in_flight || !waiting.empty() || pending_error.has_value(); }
  // A request has begun arriving and more of it is expected.
  bool receiving() const { return !stop_parsing && !peer_eof && parser.in_message(); }
  bool OutputFull() const { return unwritten_bytes >= kMaxUnwrittenBytes; }
  bool Overloaded() const { return unanswered() >= kMaxPipelined || OutputFull(); }
};

// One uv_write: owns the bytes until the callback.
struct WriteRequest {
  uv_write_t req{};
  Connection* conn = nullptr;
  std::vector<std::string> pieces;
  size_t bytes = 0;  // handed to uv_write (after any uv_try_write prefix)
};

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

bool IsReservedHeader(std::string_view name) {
  auto equals = [name](std::string_view lower) {
    if (name.size() != lower.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != lower[i]) return false;
    }
    return true;
  };
  return equals("content-length") || equals("date") || equals("connection") ||
         equals("transfer-encoding");
}

// A plain loop: string_view::find_first_of calls memchr on the set once per character.
bool HasLineBreak(std::string_view s) {
  for (const char c : s) {
    if (c == '\r' || c == '\n') return true;
  }
  return false;
}

std::string AddressText(const sockaddr_storage& addr, uint16_t port) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, host,
              sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, host, sizeof(host));
  return std::string(host) + ":" + std::to_string(port);
}

void SetPort(sockaddr_storage* addr, uint16_t port) {
  if (addr->ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(addr)->sin6_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in*>(addr)->sin_port = htons(port);
  }
}

uint16_t GetPort(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

struct Responder::State {
  std::weak_ptr<Connection> connection;
  uint64_t seq = 0;
  LoopExecutor* executor = nullptr;
};

namespace {

// One worker thread: its loop, listener, timers, executor and connections. Created and set up
// by the controlling thread in Start() before the thread runs; from then on touched only by
// its own thread, until the controlling thread joins it.
class Worker {
 public:
  Worker(const HttpServerOptions* options, HttpHandler* handler,
         std::atomic<int64_t>* connection_count)
      : options_(options),
        handler_(handler),
        connection_count_(connection_count),
        read_buffer_(new char[kReadBufferSize]) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Controlling thread, before Run(): sets up the loop and handles around the listening `fd`
  // (taken over even on failure). Returns 0 or a libuv error code; on failure call Abandon().
  int Init(int fd);
  // Controlling thread: undoes a partial Init() when the worker will never run.
  void Abandon();
  void StartThread() {
    thread_ = std::thread([this] { Run(); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  LoopExecutor* executor() { return &executor_; }

  // Loop thread. See the comment at the top of the file.
  void BeginShutdown();
  void Send(Connection* conn, uint64_t seq, HttpResponse&& response);

 private:
  void Run();
  void CloseAllHandles();

  static void OnConnection(uv_stream_t* server, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnShutdownWritten(uv_shutdown_t* req, int status);
  static void OnClosed(uv_handle_t* handle);
  static void OnSweep(uv_timer_t* timer);
  static void OnGrace(uv_timer_t* timer);

  void Accept();
  void Process(Connection* conn, std::string_view data);
  void Enqueue(Connection* conn, ParsedRequest&& parsed);
  void Pump(Connection* conn);
  void Dispatch(Connection* conn, ParsedRequest&& parsed);
  void FramingError(Connection* conn, FramingErrorKind kind);
  void SendFramingError(Connection* conn);
  void MaybeSendContinue(Connection* conn);
  void Serialize(HttpResponse&& response, bool head_only, bool close,
                 std::vector<std::string>* pieces);
  void Write(Connection* conn, std::vector<std::string>&& pieces);
  void AfterProgress(Connection* conn);
  void PostAdvance(Connection* conn);
  void Advance(Connection* conn);
  void UpdateReading(Connection* conn);
  void BeginLinger(Connection* conn);
  void Close(Connection* conn);
  void MaybeFinish();
  void Sweep();
  const std::string& DateValue();

  const HttpServerOptions* options_;
  HttpHandler* handler_;
  std::atomic<int64_t>* connection_count_;
  std::unique_ptr<char[]> read_buffer_;

  uv_loop_t loop_{};
  uv_tcp_t listener_{};
  uv_timer_t sweep_timer_{};
  uv_timer_t grace_timer_{};
  LoopExecutor executor_;
  std::thread thread_;
  bool loop_ready_ = false;
  bool listener_ready_ = false;
  bool timers_ready_ = false;

  std::list<std::shared_ptr<Connection>> connections_;
  bool shutting_down_ = false;
  bool finished_ = false;
  time_t date_second_ = -1;
  std::string date_;
};

int Worker::Init(int fd) {
  int rc = uv_loop_init(&loop_);
  if (rc != 0) {
    ::close(fd);
    return rc;
  }
  loop_ready_ = true;
  loop_.data = this;
  rc = uv_tcp_init(&loop_, &listener_);
  if (rc != 0) {
    ::close(fd);
    return rc;
  }
  listener_ready_ = true;
  listener_.data = this;
  rc = uv_tcp_open(&listener_, fd);
  if (rc != 0) {
    ::close(fd);
    return rc;
  }
  uv_timer_init(&loop_, &sweep_timer_);
  uv_timer_init(&loop_, &grace_timer_);
  sweep_timer_.data = this;
  grace_timer_.data = this;
  timers_ready_ = true;
  rc = executor_.Open(&loop_);
  if (rc != 0) return rc;
  rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), kListenBacklog, &Worker::OnConnection);
  if (rc != 0) return rc;
  const uint64_t idle = options_->idle_timeout_ms;
  const uint64_t interval =
      idle == 0 ? 1000 : std::clamp<uint64_t>(idle / 4, uint64_t{5}, uint64_t{1000});
  uv_timer_start(&sweep_timer_, &Worker::OnSweep, interval, interval);
  return 0;
}

void Worker::Abandon() {
  if (!loop_ready_) return;
  CloseAllHandles();
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
  loop_ready_ = false;
}

void Worker::CloseAllHandles() {
  auto close = [](void* h) {
    auto* handle = static_cast<uv_handle_t*>(h);
    if (!uv_is_closing(handle)) uv_close(handle, nullptr);
  };
  if (listener_ready_) close(&listener_);
  if (timers_ready_) {
    close(&sweep_timer_);
    close(&grace_timer_);
  }
  executor_.Close();
}

void Worker::Run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Every handle is closed by now (MaybeFinish), so this succeeds.
  const int rc = uv_loop_close(&loop_);
  (void)rc;
  assert(rc == 0);
  loop_ready_ = false;
}

void Worker::OnConnection(uv_stream_t* server, int status) {
  if (status < 0) return;
  static_cast<Worker*>(server->data)->Accept();
}

void Worker::Accept() {
  auto conn =
      std::make_shared<Connection>(this, options_->max_header_bytes, options_->max_body_bytes);
  if (uv_tcp_init(&loop_, &conn->tcp) != 0) return;
  conn->tcp.data = conn.get();
  connections_.push_front(conn);
  conn->self = connections_.begin();
  connection_count_->fetch_add(1, std::memory_order_relaxed);
  Connection* c = conn.get();
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener_), c->stream()) != 0) {
    Close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  c->last_activity = uv_now(&loop_);
  UpdateReading(c);
}

void Worker::OnAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  Worker* worker = static_cast<Connection*>(handle->data)->worker;
  *buf = uv_buf_init(worker->read_buffer_.get(), kReadBufferSize);
}

void Worker::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* conn = static_cast<Connection*>(stream->data);
  Worker* worker = conn->worker;
  if (nread == 0 || conn->state == Connection::State::kClosing) return;
  if (nread < 0) {
    if (nread != UV_EOF || conn->state == Connection::State::kLingering) {
      worker->Close(conn);
      return;
    }
    // The client is done sending; whatever it asked for (including requests still waiting in
    // pending_input) is still answered.
    conn->peer_eof = true;
    worker->UpdateReading(conn);
    worker->AfterProgress(conn);
    return;
  }
  if (conn->state != Connection::State::kOpen || conn->stop_parsing) return;  // discarded
  conn->last_activity = uv_now(&worker->loop_);
  worker->Process(conn, std::string_view(buf->base, static_cast<size_t>(nread)));
}

// Parses requests from `data` until it is used up, the connection stops parsing, or it becomes
// overloaded (then the rest waits in pending_input). Each request is dispatched at once if
// nothing is ahead of it, else it waits.
void Worker::Process(Connection* conn, std::string_view data) {
  conn->parsing = true;
  for (;;) {
    if (conn->state != Connection::State::kOpen || conn->stop_parsing) break;
    if (conn->Overloaded()) {
      conn->pending_input.assign(data.data(), data.size());
      conn->backpressured = true;
      UpdateReading(conn);
      break;
    }
    if (data.empty()) break;
    const size_t used = conn->parser.Consume(data);
    data.remove_prefix(used);
    if (conn->parser.failed()) {
      conn->parsing = false;
      FramingError(conn, conn->parser.error());
      break;
    }
    if (conn->parser.ready()) {
      ParsedRequest parsed = conn->parser.TakeRequest();
      conn->continue_owed = false;  // the body is here
      // The request that was arriving when shutdown began is the connection's last.
      if (!parsed.keep_alive || shutting_down_) conn->stop_parsing = true;
      Enqueue(conn, std::move(parsed));
      continue;
    }
    if (conn->parser.TakeExpectContinue()) {
      conn->continue_owed = true;
      MaybeSendContinue(conn);
    }
    break;  // every byte used; the next request needs more
  }
  conn->parsing = false;
}

void Worker::Enqueue(Connection* conn, ParsedRequest&& parsed) {
  if (!conn->owes() && !conn->pumping) {
    // The common case: nothing ahead of it.
    conn->pumping = true;
    Dispatch(conn, std::move(parsed));
    conn->pumping = false;
    return;
  }
  conn->waiting.push_back(std::move(parsed));
  Pump(conn);
}

// Hands waiting requests to the handler, one at a time, while each is answered at once; ends
// with the framing error if that is all that is left. While too much output is unwritten the
// next request waits too (AfterProgress() comes back here once a write completes).
void Worker::Pump(Connection* conn) {
  if (conn->pumping) return;
  conn->pumping = true;
  while (conn->state == Connection::State::kOpen && !conn->in_flight) {
    if (!conn->waiting.empty()) {
      if (conn->OutputFull()) break;
      ParsedRequest parsed = std::move(conn->waiting.front());
      conn->waiting.pop_front();
      Dispatch(conn, std::move(parsed));
      continue;
    }
    if (conn->pending_error) SendFramingError(conn);
    break;
  }
  conn->pumping = false;
}

void Worker::Dispatch(Connection* conn, ParsedRequest&& parsed) {
  conn->in_flight = true;
  conn->in_flight_head = parsed.head;
  conn->in_flight_close = !parsed.keep_alive;
  const uint64_t seq = ++conn->in_flight_seq;
  auto state = std::make_shared<Responder::State>();
  state->connection = conn->weak_from_this();
  state->seq = seq;
  state->executor = &executor_;
  handler_->Handle(std::move(parsed.request), Responder(std::move(state)));
}

void Worker::FramingError(Connection* conn, FramingErrorKind kind) {
  conn->pending_error = kind;
  conn->stop_parsing = true;
  conn->continue_owed = false;
  conn->pending_input.clear();
  Pump(conn);  // answers it now unless requests before it are still owed
}

// REQUIRES: pending_error, nothing in flight or waiting.
void Worker::SendFramingError(Connection* conn) {
  const FramingErrorKind kind = *conn->pending_error;
  conn->pending_error.reset();
  std::vector<std::string> pieces;
  Serialize(handler_->FramingError(kind), /*head_only=*/false, /*close=*/true, &pieces);
  conn->state = Connection::State::kEnding;
  Write(conn, std::move(pieces));
  AfterProgress(conn);
}

// Sends the "100 Continue" owed to the request being received once nothing is owed before it.
void Worker::MaybeSendContinue(Connection* conn) {
  if (!conn->continue_owed || conn->owes() || conn->state != Connection::State::kOpen) return;
  conn->continue_owed = false;
  std::vector<std::string> pieces;
  pieces.emplace_back(kContinueResponse);
  Write(conn, std::move(pieces));
}

void Worker::Send(Connection* conn, uint64_t seq, HttpResponse&& response) {
  // Not the request in flight: a second Send() for one request, or the connection is ending.
  if (conn->state != Connection::State::kOpen || !conn->in_flight || seq != conn->in_flight_seq) {
    return;
  }
  conn->in_flight = false;
  conn->last_activity = uv_now(&loop_);
  const bool more = !conn->waiting.empty() || conn->pending_error.has_value();
  const bool close = conn->in_flight_close || (shutting_down_ && !more && !conn->receiving());
  std::vector<std::string> pieces;
  Serialize(std::move(response), conn->in_flight_head, close, &pieces);
  if (close) {
    conn->state = Connection::State::kEnding;
    conn->waiting.clear();
    conn->pending_error.reset();
    conn->continue_owed = false;
  } else if (conn->continue_owed && !more) {
    conn->continue_owed = false;
    pieces.emplace_back(kContinueResponse);
  }
  Write(conn, std::move(pieces));
  AfterProgress(conn);  // the next request: Pump()'s loop, or a posted Advance, never in here
}

void Worker::Serialize(HttpResponse&& response, bool head_only, bool close,
                       std::vector<std::string>* pieces) {
  std::string head;
  head.reserve(160 + response.header_lines.size() +
               response.body.size() * (response.body.size() <= kInlineBodyBytes));
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += ReasonPhrase(response.status);
  head += "\r\n";
  for (const auto& [name, value] : response.headers) {
    // The server owns framing headers; a header that would break the framing is dropped.
    if (IsReservedHeader(name) || HasLineBreak(name) || HasLineBreak(value)) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  head += response.header_lines;
  head += "Content-Length: ";
  head += std::to_string(response.body.size());
  head += "\r\nDate: ";
  head += DateValue();
  head += close ? "\r\nConnection: close\r\n\r\n" : "\r\nConnection: keep-alive\r\n\r\n";
  if (head_only || response.body.empty()) {
    pieces->push_back(std::move(head));
  } else if (response.body.size() <= kInlineBodyBytes) {
    head += response.body;
    pieces->push_back(std::move(head));
  } else {
    pieces->push_back(std::move(head));
    pieces->push_back(std::move(response.body));
  }
}

// Tries the kernel at once when nothing is queued; what it does not take goes to uv_write.
// Most responses leave whole in the first try, with no allocation besides their pieces.
void Worker::Write(Connection* conn, std::vector<std::string>&& pieces) {
  constexpr size_t kStackBufs = 4;
  uv_buf_t stack_bufs[kStackBufs];
  std::vector<uv_buf_t> heap_bufs;
  uv_buf_t* bufs = stack_bufs;
  if (pieces.size() > kStackBufs) {
    heap_bufs.resize(pieces.size());
    bufs = heap_bufs.data();
  }
  size_t total = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    bufs[i] = uv_buf_init(pieces[i].data(), static_cast<unsigned int>(pieces[i].size()));
    total += pieces[i].size();
  }
  size_t skip = 0;
  if (conn->pending_writes == 0) {
    const int rc = uv_try_write(conn->stream(), bufs, static_cast<unsigned>(pieces.size()));
    if (rc >= 0) {
      skip = static_cast<size_t>(rc);
      conn->last_activity = uv_now(&loop_);
    } else if (rc != UV_EAGAIN) {
      Close(conn);
      return;
    }
  }
  if (skip == total) return;
  // Drop what uv_try_write sent; the rest is owned by a request until OnWrite. Moving the
  // vector hands over its element array, so the strings (short ones' inline buffers included)
  // stay where the uv_buf_t pointers point.
  size_t first = 0;
  size_t left = skip;
  while (left >= bufs[first].len) {
    left -= bufs[first].len;
    ++first;
  }
  bufs[first].base += left;
  bufs[first].len -= left;
  auto req = std::make_unique<WriteRequest>();
  req->conn = conn;
  req->pieces = std::move(pieces);
  req->bytes = total - skip;
  req->req.data = req.get();
  const int rc = uv_write(&req->req, conn->stream(), bufs + first,
                          static_cast<unsigned>(req->pieces.size() - first), &Worker::OnWrite);
  if (rc != 0) {
    Close(conn);
    return;
  }
  conn->unwritten_bytes += req->bytes;
  ++conn->pending_writes;
  (void)req.release();  // freed in OnWrite
}

void Worker::OnWrite(uv_write_t* req, int status) {
  std::unique_ptr<WriteRequest> write(static_cast<WriteRequest*>(req->data));
  Connection* conn = write->conn;
  Worker* worker = conn->worker;
  conn->unwritten_bytes -= write->bytes;
  --conn->pending_writes;
  write.reset();
  if (conn->state == Connection::State::kClosing) return;
  if (status < 0) {
    worker->Close(conn);
    return;
  }
  conn->last_activity = uv_now(&worker->loop_);
  worker->AfterProgress(conn);
}

// After something was written or answered: end the connection if nothing more is owed and it
// is over, or post an Advance if it can go on: a waiting request (or framing error) can be
// handed over, or reading can resume. Inside Pump() its own loop hands the next one over.
void Worker::AfterProgress(Connection* conn) {
  using State = Connection::State;
  if (conn->state == State::kClosing || conn->state == State::kLingering) return;
  if (conn->pending_writes == 0) {
    if (conn->state == State::kEnding) {
      if (conn->peer_eof) {
        Close(conn);
      } else {
        BeginLinger(conn);
      }
      return;
    }
    if (!conn->owes() && ((shutting_down_ && !conn->receiving()) ||
                          (conn->peer_eof && !conn->backpressured && !conn->parsing))) {
      Close(conn);
      return;
    }
  }
  if (conn->state != State::kOpen || conn->OutputFull()) return;
  const bool next = !conn->in_flight && !conn->pumping &&
                    (!conn->waiting.empty() || conn->pending_error.has_value());
  const bool read = conn->backpressured && conn->unanswered() < kMaxPipelined;
  if (next || read) PostAdvance(conn);
}

void Worker::PostAdvance(Connection* conn) {
  if (conn->advance_posted) return;
  conn->advance_posted = true;
  std::weak_ptr<Connection> weak = conn->weak_from_this();
  executor_.Post([weak] {
    std::shared_ptr<Connection> c = weak.lock();
    if (!c) return;
    c->advance_posted = false;
    c->worker->Advance(c.get());
  });
}

// Dispatches the next waiting request, and parses what was held back if no longer overloaded.
void Worker::Advance(Connection* conn) {
  if (conn->state != Connection::State::kOpen) return;
  Pump(conn);
  if (conn->state == Connection::State::kOpen && conn->backpressured && !conn->Overloaded()) {
    conn->backpressured = false;
    std::string input = std::move(conn->pending_input);
    conn->pending_input.clear();
    Process(conn, input);
    UpdateReading(conn);
  }
  AfterProgress(conn);  // a client that already sent EOF may be owed nothing more
}

void Worker::UpdateReading(Connection* conn) {
  using State = Connection::State;
  const bool want = conn->state != State::kClosing && !conn->peer_eof &&
                    !(conn->state == State::kOpen && conn->backpressured);
  if (want == conn->reading) return;
  if (want) {
    if (uv_read_start(conn->stream(), &Worker::OnAlloc, &Worker::OnRead) != 0) {
      Close(conn);
      return;
    }
  } else {
    uv_read_stop(conn->stream());
  }
  conn->reading = want;
}

void Worker::BeginLinger(Connection* conn) {
  conn->state = Connection::State::kLingering;
  const uint64_t idle = options_->idle_timeout_ms;
  conn->linger_deadline = uv_now(&loop_) + (idle == 0 ? kLingerMs : std::min(kLingerMs, idle));
  auto* req = new uv_shutdown_t;
  req->data = conn;
  if (uv_shutdown(req, conn->stream(), &Worker::OnShutdownWritten) != 0) {
    delete req;
    Close(conn);
    return;
  }
  UpdateReading(conn);
}

void Worker::OnShutdownWritten(uv_shutdown_t* req, int status) {
  auto* conn = static_cast<Connection*>(req->data);
  delete req;
  if (status < 0 && conn->state != Connection::State::kClosing) conn->worker->Close(conn);
}

void Worker::Close(Connection* conn) {
  if (conn->state == Connection::State::kClosing) return;
  conn->state = Connection::State::kClosing;
  conn->in_flight = false;
  conn->waiting.clear();
  conn->pending_error.reset();
  conn->pending_input.clear();
  conn->pending_input.shrink_to_fit();
  conn->reading = false;
  uv_close(conn->handle(), &Worker::OnClosed);
}

void Worker::OnClosed(uv_handle_t* handle) {
  auto* conn = static_cast<Connection*>(handle->data);
  Worker* worker = conn->worker;
  worker->connection_count_->fetch_sub(1, std::memory_order_relaxed);
  worker->connections_.erase(conn->self);  // frees the connection (the handle is done with)
  worker->MaybeFinish();
}

void Worker::OnSweep(uv_timer_t* timer) { static_cast<Worker*>(timer->data)->Sweep(); }

void Worker::Sweep() {
  using State = Connection::State;
  const uint64_t now = uv_now(&loop_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection* conn = (it++)->get();  // Close() never erases; OnClosed does, later
    switch (conn->state) {
      case State::kClosing:
        break;
      case State::kLingering:
        if (now >= conn->linger_deadline) Close(conn);
        break;
      case State::kOpen:
      case State::kEnding:
        // Nothing owed by the handler and nothing moved for the whole timeout: either an idle
        // keep-alive connection, a client stalled mid-request, or one not reading its response
        // (requests waiting behind that response included).
        if (options_->idle_timeout_ms != 0 && !conn->in_flight &&
            now - conn->last_activity >= options_->idle_timeout_ms) {
          Close(conn);
        }
        break;
    }
  }
}

void Worker::BeginShutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&listener_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  }
  uv_timer_start(&grace_timer_, &Worker::OnGrace, options_->shutdown_grace_ms, 0);
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection* conn = (it++)->get();
    if (conn->state != Connection::State::kOpen) continue;
    // A request partly received is finished first (Process() stops after it); otherwise no
    // new request is begun, and bytes held back under backpressure are dropped.
    if (!conn->receiving()) {
      conn->stop_parsing = true;
      conn->continue_owed = false;
      conn->pending_input.clear();
      conn->backpressured = false;
      UpdateReading(conn);
    }
    // Idle (or only finishing a write): closed now or once its writes are done. Otherwise the
    // last response owed says Connection: close and the connection ends after it.
    AfterProgress(conn);
  }
  MaybeFinish();
}

void Worker::OnGrace(uv_timer_t* timer) {
  auto* worker = static_cast<Worker*>(timer->data);
  for (auto it = worker->connections_.begin(); it != worker->connections_.end();) {
    Connection* conn = (it++)->get();
    worker->Close(conn);
  }
  worker->MaybeFinish();
}

void Worker::MaybeFinish() {
  if (!shutting_down_ || finished_ || !connections_.empty()) return;
  finished_ = true;
  CloseAllHandles();  // the loop ends once these close callbacks have run
}

// RFC 7231 IMF-fixdate, recomputed at most once per second.
const std::string& Worker::DateValue() {
  const time_t now = time(nullptr);
  if (now != date_second_) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm {};
    gmtime_r(&now, &tm);
    char buf[64];
    snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
             tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
    date_ = buf;
    date_second_ = now;
  }
  return date_;
}

}  // namespace

void Responder::Send(HttpResponse response) {
  if (!state_) return;
  std::shared_ptr<Connection> conn = state_->connection.lock();
  if (!conn) return;
  conn->worker->Send(conn.get(), state_->seq, std::move(response));
}

api::Executor* Responder::executor() const { return state_ ? state_->executor : nullptr; }

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler* handler;
  std::atomic<int64_t> connections{0};
  std::vector<std::unique_ptr<Worker>> workers;
  uint16_t port = 0;
  bool started = false;
  bool stopped = false;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler* handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = handler;
}

HttpServer::~HttpServer() { Shutdown(); }

namespace {

// Opens one listening socket on `addr` with SO_REUSEPORT. Returns the fd or -errno.
int OpenListener(const sockaddr_storage& addr, socklen_t addr_len) {
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0 ||
      ::listen(fd, kListenBacklog) != 0) {
    const int err = errno;
    ::close(fd);
    return -err;
  }
  return fd;
}

// Fails with -EADDRINUSE when anything already listens on `addr`. SO_REUSEPORT would otherwise
// let a second server of the same user bind the same port silently and share its traffic; a
// probe bound without SO_REUSEPORT conflicts with every listener there. Returns 0 or -errno.
int ProbePortFree(const sockaddr_storage& addr, socklen_t addr_len) {
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  const int one = 1;
  int result = 0;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0) {
    result = -errno;
  }
  ::close(fd);
  return result;
}

}  // namespace

api::Status HttpServer::Start() {
  Impl& impl = *impl_;
  if (impl.started) return api::Error::Internal("HttpServer::Start called twice");
  const HttpServerOptions& options = impl.options;
  const std::string wanted = options.host + ":" + std::to_string(options.port);
  if (options.threads < 1) {
    return api::Error::Internal("cannot listen on " + wanted + ": threads must be at least 1");
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(options.port);
  const int gai = ::getaddrinfo(options.host.empty() ? nullptr : options.host.c_str(),
                                port_text.c_str(), &hints, &found);
  if (gai != 0 || found == nullptr) {
    return api::Error::Internal("cannot resolve " + wanted + ": " + gai_strerror(gai));
  }
  sockaddr_storage addr{};
  const auto addr_len = static_cast<socklen_t>(found->ai_addrlen);
  std::memcpy(&addr, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);

  if (options.port != 0) {
    if (const int probe = ProbePortFree(addr, addr_len); probe < 0) {
      return api::Error::Internal("cannot listen on " + AddressText(addr, options.port) + ": " +
                                  std::strerror(-probe));
    }
  }

  // The first socket picks the port when asked for port 0; the others share it.
  std::vector<int> fds;
  for (int i = 0; i < options.threads; ++i) {
    const int fd = OpenListener(addr, addr_len);
    if (fd < 0) {
      for (int open_fd : fds) ::close(open_fd);
      return api::Error::Internal("cannot listen on " + AddressText(addr, GetPort(addr)) + ": " +
                                  std::strerror(-fd));
    }
    if (i == 0) {
      sockaddr_storage bound{};
      socklen_t bound_len = sizeof(bound);
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
      SetPort(&addr, GetPort(bound));
    }
    fds.push_back(fd);
  }
  impl.port = GetPort(addr);

  for (int i = 0; i < options.threads; ++i) {
    impl.workers.push_back(
        std::make_unique<Worker>(&impl.options, impl.handler, &impl.connections));
  }
  for (size_t i = 0; i < impl.workers.size(); ++i) {
    const int rc = impl.workers[i]->Init(fds[i]);
    if (rc != 0) {
      for (size_t j = i + 1; j < fds.size(); ++j) ::close(fds[j]);
      for (auto& worker : impl.workers) worker->Abandon();
      impl.workers.clear();
      return api::Error::Internal("cannot listen on " + AddressText(addr, impl.port) + ": " +
                                  uv_strerror(rc));
    }
  }
  for (auto& worker : impl.workers) worker->StartThread();
  impl.started = true;
  return api::Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Shutdown() {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) return;
  impl.stopped = true;
  for (auto& worker : impl.workers) {
    Worker* w = worker.get();
    w->executor()->Post([w] { w->BeginShutdown(); });
  }
  for (auto& worker : impl.workers) worker->Join();
}

int64_t HttpServer::connection_count() const {
  return impl_->connections.load(std::memory_order_relaxed);
}

}  // namespace ddbx::proxy
