// Tests for proxy/http_server and proxy/loop_executor over real sockets on 127.0.0.1.
//
// A TestHandler answers by target: "/sync" at once, "/post" through the executor from its own
// worker, "/delay/<ms>" from a Delayer thread through the executor, "/hold" only when the test
// calls ReleaseHeld(), "/big/<bytes>" with a large body, "/quiet" with a short body whatever the
// request's. It counts every callback and how many requests it holds unanswered at once; the
// tests assert the counts.
#include "proxy/http_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proxy/loop_executor.h"
#include "tests/unit/proxy/test_client.h"

namespace ddbx::proxy {
namespace {

using std::chrono::milliseconds;
using testing::Client;
using testing::Clock;
using testing::MsSince;
using testing::Response;

// Runs closures on its own thread after a delay. Stop() runs whatever is still waiting at once.
class Delayer {
 public:
  Delayer() : thread_([this] { Loop(); }) {}
  ~Delayer() { Stop(); }

  void After(int ms, std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    tasks_.emplace(Clock::now() + milliseconds(ms), std::move(fn));
    cv_.notify_one();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      cv_.notify_one();
    }
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (stopped_) break;
      if (tasks_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto first = tasks_.begin();
      if (Clock::now() < first->first) {
        cv_.wait_until(lock, first->first);
        continue;
      }
      std::function<void()> fn = std::move(first->second);
      tasks_.erase(first);
      lock.unlock();
      fn();
      lock.lock();
    }
    auto rest = std::move(tasks_);
    lock.unlock();
    for (auto& [when, fn] : rest) fn();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::function<void()>> tasks_;
  bool stopped_ = false;
  std::thread thread_;
};

int ParseIntAfter(const std::string& target, const std::string& prefix) {
  return std::stoi(target.substr(prefix.size()));
}

class TestHandler : public HttpHandler {
 public:
  explicit TestHandler(Delayer* delayer) : delayer_(delayer) {}

  void Handle(HttpRequest&& request, Responder responder) override {
    std::string target = request.target;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++handled_;
      ++outstanding_;
      max_outstanding_ = std::max(max_outstanding_, outstanding_);
      targets_.push_back(target);
      threads_.insert(std::this_thread::get_id());
    }
    HttpResponse response;
    response.headers.emplace_back("x-target", target);
    response.headers.emplace_back("x-method", request.method);
    response.headers.emplace_back("Content-Length", "999");  // the server's own wins
    response.body = request.body.empty() ? "answer " + target : "echo " + request.body;
    if (target.rfind("/big/", 0) == 0) {
      response.body = std::string(static_cast<size_t>(ParseIntAfter(target, "/big/")), 'B');
    }
    if (target == "/quiet") response.body = "quiet " + std::to_string(request.body.size());
    if (target == "/hold") {
      std::lock_guard<std::mutex> lock(mu_);
      held_.emplace_back(responder, std::move(response));
    } else if (target.rfind("/delay/", 0) == 0) {
      api::Executor* executor = responder.executor();
      const int ms = ParseIntAfter(target, "/delay/");
      delayer_->After(ms, [this, executor, responder, response]() mutable {
        executor->Post(
            [this, responder, response]() mutable { Answer(responder, std::move(response)); });
      });
    } else if (target == "/post") {
      responder.executor()->Post(
          [this, responder, response]() mutable { Answer(responder, std::move(response)); });
    } else {
      Answer(responder, std::move(response));
    }
  }

  HttpResponse FramingError(FramingErrorKind kind) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++framing_[kind];
    HttpResponse response;
    switch (kind) {
      case FramingErrorKind::kHeaderTooLarge:
        response.status = 431;
        break;
      case FramingErrorKind::kBodyTooLarge:
        response.status = 413;
        break;
      case FramingErrorKind::kMalformed:
        response.status = 400;
        break;
    }
    response.body = "framing error " + std::to_string(static_cast<int>(kind));
    return response;
  }

  int handled() {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_;
  }
  int answered() {
    std::lock_guard<std::mutex> lock(mu_);
    return answered_;
  }
  int max_outstanding() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_outstanding_;
  }
  int framing(FramingErrorKind kind) {
    std::lock_guard<std::mutex> lock(mu_);
    return framing_[kind];
  }
  int framing_total() {
    std::lock_guard<std::mutex> lock(mu_);
    int total = 0;
    for (auto& [kind, n] : framing_) total += n;
    return total;
  }
  size_t thread_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return threads_.size();
  }
  std::vector<std::string> targets() {
    std::lock_guard<std::mutex> lock(mu_);
    return targets_;
  }
  // Answers every "/hold" request so far, each on its own worker. Any thread.
  void ReleaseHeld() {
    std::vector<std::pair<Responder, HttpResponse>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& [responder, response] : held) {
      responder.executor()->Post([this, responder = responder, response = response]() mutable {
        Answer(responder, std::move(response));
      });
    }
  }

 private:
  void Answer(Responder responder, HttpResponse response) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++answered_;
      --outstanding_;
    }
    responder.Send(std::move(response));
  }

  Delayer* delayer_;
  std::mutex mu_;
  int handled_ = 0;
  int answered_ = 0;
  int outstanding_ = 0;
  int max_outstanding_ = 0;
  std::map<FramingErrorKind, int> framing_;
  std::set<std::thread::id> threads_;
  std::vector<std::string> targets_;
  std::vector<std::pair<Responder, HttpResponse>> held_;
};

// Server, handler and delayer torn down in a safe order: the server stops first (no more
// Handle calls), then the delayer runs what it still holds (posting to stopped executors, which
// drop the tasks), then the server object (and its executors) goes.
struct Fixture {
  explicit Fixture(HttpServerOptions options = {}) : handler(&delayer) {
    options.host = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<HttpServer>(options, &handler);
    api::Status status = server->Start();
    REQUIRE(status.ok());
    REQUIRE(server->port() != 0);
  }
  ~Fixture() {
    server->Shutdown();
    delayer.Stop();
    server.reset();
  }
  uint16_t port() const { return server->port(); }

  Delayer delayer;
  TestHandler handler;
  std::unique_ptr<HttpServer> server;
};

bool WaitFor(const std::function<bool()>& condition, int timeout_ms = 5000) {
  const auto start = Clock::now();
  while (!condition()) {
    if (MsSince(start) > timeout_ms) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

// The server's end of `client`'s connection. The server runs in this process, so its socket is
// one of our descriptors: the one bound to the server's port whose peer is the client's port.
// -1 if not found. Only queried (ioctl), never read or written.
int ServerSideFd(uint16_t server_port, const Client& client) {
  const uint16_t client_port = client.local_port();
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    sockaddr_in local{};
    sockaddr_in peer{};
    socklen_t local_len = sizeof(local);
    socklen_t peer_len = sizeof(peer);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        local.sin_family != AF_INET ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;
    }
    if (ntohs(local.sin_port) == server_port && ntohs(peer.sin_port) == client_port) {
      found = fd;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

// Bytes received by the kernel on `fd` that its owner has not read yet.
int UnreadBytes(int fd) {
  int n = -1;
  return ::ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

// Bytes written to `fd` that the peer's kernel has not acknowledged (queued or in flight).
int UnsentBytes(int fd) {
  int n = -1;
  return ::ioctl(fd, TIOCOUTQ, &n) == 0 ? n : -1;
}

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

std::string Post(const std::string& target, const std::string& body) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

bool IsImfFixdate(const std::string& s) {
  // e.g. "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s.substr(25) != " GMT" || s[3] != ',' || s[4] != ' ') return false;
  static const std::string days = "SunMonTueWedThuFriSat";
  static const std::string months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  return days.find(s.substr(0, 3)) % 3 == 0 && months.find(s.substr(8, 3)) % 3 == 0 &&
         s[12] == '2' && s[19] == ':' && s[22] == ':';
}

TEST_CASE("keep-alive: many requests on one connection") {
  Fixture f;
  Client c(f.port());
  REQUIRE(c.connected());
  for (int i = 0; i < 200; ++i) {
    const std::string target = "/sync?i=" + std::to_string(i);
    REQUIRE(c.Send(i % 2 == 0 ? Get(target) : Post(target, "body" + std::to_string(i))));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->headers["x-target"] == target);
    CHECK(r->headers["connection"] == "keep-alive");
    CHECK(r->headers["content-length"] == std::to_string(r->body.size()));
    INFO("Date: " << r->headers["date"]);
    CHECK(IsImfFixdate(r->headers["date"]));
    CHECK(r->body == (i % 2 == 0 ? "answer " + target : "echo body" + std::to_string(i)));
  }
  CHECK(f.server->connection_count() == 1);
  CHECK(f.handler.handled() == 200);
  CHECK(f.handler.answered() == 200);
  CHECK(f.handler.framing_total() == 0);
  c.Close();
  CHECK(WaitFor([&] { return f.server->connection_count() == 0; }));
}

TEST_CASE("pipelined requests are handed to the handler one at a time, in order") {
  Fixture f;
  Client c(f.port());
  // Slow answers first: were they handled side by side, the fast ones would be answered first.
  const int delays[] = {200, 150, 0, 100, 50, 0};
  std::vector<std::string> sent;
  std::string batch;
  for (int ms : delays) {
    sent.push_back("/delay/" + std::to_string(ms));
    batch += Get(sent.back());
  }
  for (const char* target : {"/post", "/sync", "/post", "/delay/0", "/sync"}) {
    sent.emplace_back(target);
    batch += Get(target);
  }
  const auto start = Clock::now();
  REQUIRE(c.Send(batch));
  std::vector<std::string> got;
  for (size_t i = 0; i < sent.size(); ++i) {
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->headers["connection"] == "keep-alive");
    got.push_back(r->headers["x-target"]);
  }
  CHECK(got == sent);
  CHECK(f.handler.targets() == sent);  // the handler saw them in request order
  CHECK(f.handler.handled() == static_cast<int>(sent.size()));
  CHECK(f.handler.answered() == static_cast<int>(sent.size()));
  // Each was handed over only once the one before it was answered: never two at once, so the
  // delays add up.
  CHECK(f.handler.max_outstanding() == 1);
  CHECK(MsSince(start) >= 500);
}

TEST_CASE("requests on different connections are still handled side by side") {
  Fixture f;
  Client a(f.port());
  Client b(f.port());
  REQUIRE(a.Send(Get("/delay/300") + Get("/sync")));
  REQUIRE(b.Send(Get("/delay/300") + Get("/sync")));
  for (Client* c : {&a, &b}) {
    auto first = c->Read();
    REQUIRE(first.has_value());
    CHECK(first->headers["x-target"] == "/delay/300");
    auto second = c->Read();
    REQUIRE(second.has_value());
    CHECK(second->headers["x-target"] == "/sync");
  }
  CHECK(f.handler.max_outstanding() == 2);  // one per connection
  CHECK(f.handler.handled() == 4);
}

TEST_CASE("many requests in one packet, answered at once or later, keep their order") {
  Fixture f;
  Client c(f.port());
  // "/sync" answers inside Handle(): the next request is handed over in the same loop. "/post"
  // answers from a task: the next one is handed over from a task too, never inside Send().
  std::string batch;
  std::vector<std::string> sent;
  for (int i = 0; i < 300; ++i) {
    sent.push_back((i % 3 == 0 ? "/post?i=" : "/sync?i=") + std::to_string(i));
    batch += Get(sent.back());
  }
  REQUIRE(c.Send(batch));
  std::vector<std::string> got;
  for (int i = 0; i < 300; ++i) {
    auto r = c.Read();
    REQUIRE(r.has_value());
    got.push_back(r->headers["x-target"]);
  }
  CHECK(got == sent);
  CHECK(f.handler.handled() == 300);
  CHECK(f.handler.answered() == 300);
  CHECK(f.handler.max_outstanding() == 1);
}

TEST_CASE("a connection stops reading at 128 parsed, unanswered requests") {
  Fixture f;
  Client c(f.port());
  // Every request is larger than the server's 64 KiB read buffer, so the bytes the server has
  // read pin down how many requests it parsed: the held request plus 127 waiting behind it.
  const std::string first = Get("/hold");
  const std::string next = Post("/quiet", std::string(100 * 1024, 'q'));
  constexpr size_t kFollowing = 180;
  std::string batch = first;
  for (size_t i = 0; i < kFollowing; ++i) batch += next;
  REQUIRE(::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) | O_NONBLOCK) == 0);
  size_t sent = 0;
  auto push = [&] {  // sends until the kernel takes no more for 200 ms
    while (sent < batch.size()) {
      const ssize_t n =
          ::send(c.fd(), batch.data() + sent, batch.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      REQUIRE(errno == EAGAIN);
      pollfd p{c.fd(), POLLOUT, 0};
      if (::poll(&p, 1, 200) == 0) return;
    }
  };
  REQUIRE(WaitFor([&] { return ServerSideFd(f.port(), c) >= 0; }));
  const int server_fd = ServerSideFd(f.port(), c);
  // What the server has read: sent, less what waits in either kernel. Stable once it stopped.
  auto server_read = [&] {
    const int unread = UnreadBytes(server_fd);
    const int unsent = UnsentBytes(c.fd());
    REQUIRE(unread >= 0);
    REQUIRE(unsent >= 0);
    return static_cast<int64_t>(sent) - unread - unsent;
  };
  int64_t read = -1;
  int stable = 0;
  const auto start = Clock::now();
  while (stable < 3) {
    REQUIRE(MsSince(start) < 20000);
    push();
    std::this_thread::sleep_for(milliseconds(100));
    const int64_t now_read = server_read();
    stable = now_read == read ? stable + 1 : 0;
    read = now_read;
  }
  INFO("server read " << read << " bytes; one request is " << next.size());
  CHECK(read >= static_cast<int64_t>(first.size() + 127 * next.size()));
  CHECK(read < static_cast<int64_t>(first.size() + 128 * next.size()));
  CHECK(f.handler.handled() == 1);

  f.handler.ReleaseHeld();
  REQUIRE(::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) & ~O_NONBLOCK) == 0);
  REQUIRE(c.Send(std::string_view(batch).substr(sent)));
  auto held = c.Read();
  REQUIRE(held.has_value());
  CHECK(held->headers["x-target"] == "/hold");
  for (size_t i = 0; i < kFollowing; ++i) {
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->body == "quiet 102400");
  }
  CHECK(f.handler.handled() == static_cast<int>(kFollowing + 1));
  CHECK(f.handler.max_outstanding() == 1);
}

TEST_CASE("a client that does not read stops the server from reading") {
  Fixture f;
  Client c(f.port(), /*rcvbuf=*/64 * 1024);
  std::string batch;
  for (int i = 0; i < 40; ++i) batch += Get("/big/1048576");
  REQUIRE(c.Send(batch));
  std::this_thread::sleep_for(milliseconds(300));
  const int handled_while_blocked = f.handler.handled();
  CHECK(handled_while_blocked >= 1);
  CHECK(handled_while_blocked < 20);  // kernel buffers + 1 MiB queued, not 40 MiB
  for (int i = 0; i < 40; ++i) {
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->body.size() == 1048576);
  }
  CHECK(f.handler.handled() == 40);
}

TEST_CASE("requests waiting behind a slow one are not handed over while output piles up") {
  Fixture f;
  Client c(f.port(), /*rcvbuf=*/64 * 1024);
  std::string batch = Get("/hold");
  for (int i = 0; i < 40; ++i) batch += Get("/big/1048576");
  REQUIRE(c.Send(batch));
  REQUIRE(WaitFor([&] { return f.handler.handled() == 1; }));
  std::this_thread::sleep_for(milliseconds(100));  // the other 40 are parsed, waiting
  CHECK(f.handler.handled() == 1);
  f.handler.ReleaseHeld();
  std::this_thread::sleep_for(milliseconds(300));
  const int handled_while_blocked = f.handler.handled();
  CHECK(handled_while_blocked >= 2);
  CHECK(handled_while_blocked < 20);  // kernel buffers + 1 MiB unwritten, not 40 MiB
  auto held = c.Read();
  REQUIRE(held.has_value());
  CHECK(held->headers["x-target"] == "/hold");
  for (int i = 0; i < 40; ++i) {
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->body.size() == 1048576);
  }
  CHECK(f.handler.handled() == 41);
  CHECK(f.handler.max_outstanding() == 1);
}

TEST_CASE("a slow client: requests split across writes with pauses") {
  Fixture f;
  Client c(f.port());
  const std::string data = Post("/sync", "split body") +
                           "POST /chunked HTTP/1.1\r\nTransfer-Encoding: "
                           "chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n" +
                           Get("/delay/10");
  for (size_t i = 0; i < data.size(); i += 7) {
    REQUIRE(c.Send(data.substr(i, 7)));
    std::this_thread::sleep_for(milliseconds(3));
  }
  auto r1 = c.Read();
  auto r2 = c.Read();
  auto r3 = c.Read();
  REQUIRE(r1.has_value());
  REQUIRE(r2.has_value());
  REQUIRE(r3.has_value());
  CHECK(r1->body == "echo split body");
  CHECK(r2->body == "echo abcdef");
  CHECK(r3->headers["x-target"] == "/delay/10");
  CHECK(f.handler.handled() == 3);
}

TEST_CASE("framing errors are answered by the handler's FramingError, then the connection closes") {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  options.max_body_bytes = 1000;
  Fixture f(options);

  SECTION("header too large") {
    Client c(f.port());
    REQUIRE(
        c.Send(Get("/sync") + "GET /x HTTP/1.1\r\nX-Big: " + std::string(2000, 'h') + "\r\n\r\n"));
    auto ok = c.Read();
    REQUIRE(ok.has_value());
    CHECK(ok->status == 200);  // the request before the bad one is still answered, first
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 431);
    CHECK(r->headers["connection"] == "close");
    CHECK(r->body == "framing error 0");
    CHECK(c.WaitClosed());
    CHECK(f.handler.framing(FramingErrorKind::kHeaderTooLarge) == 1);
    CHECK(f.handler.handled() == 1);
  }
  SECTION("Content-Length too large: refused before the body is sent") {
    Client c(f.port());
    REQUIRE(c.Send("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n"));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 413);
    CHECK(r->headers["connection"] == "close");
    CHECK(c.WaitClosed());
    CHECK(f.handler.framing(FramingErrorKind::kBodyTooLarge) == 1);
    CHECK(f.handler.handled() == 0);
  }
  SECTION("a large body being sent is refused and the response still arrives") {
    Client c(f.port());
    std::thread sender([&] {
      c.Send("POST / HTTP/1.1\r\nContent-Length: 400000\r\n\r\n" + std::string(400000, 'x'));
    });
    auto r = c.Read();
    sender.join();
    REQUIRE(r.has_value());
    CHECK(r->status == 413);
    CHECK(c.WaitClosed());
    CHECK(f.handler.framing(FramingErrorKind::kBodyTooLarge) == 1);
  }
  SECTION("chunked body too large") {
    Client c(f.port());
    REQUIRE(c.Send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" +
                   std::string(1000, 'a') + "\r\n1\r\nb\r\n0\r\n\r\n"));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 413);
    CHECK(c.WaitClosed());
    CHECK(f.handler.framing(FramingErrorKind::kBodyTooLarge) == 1);
    CHECK(f.handler.handled() == 0);
  }
  SECTION("malformed") {
    Client c(f.port());
    REQUIRE(c.Send("HELLO WORLD\r\n\r\n"));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
    CHECK(c.WaitClosed());
    CHECK(f.handler.framing(FramingErrorKind::kMalformed) == 1);
  }
  SECTION("an error after a pending async request waits for it, in order") {
    Client c(f.port());
    REQUIRE(c.Send(Get("/delay/200") + "BAD\r\n\r\n"));
    auto first = c.Read();
    REQUIRE(first.has_value());
    CHECK(first->headers["x-target"] == "/delay/200");
    CHECK(first->headers["connection"] == "keep-alive");
    auto second = c.Read();
    REQUIRE(second.has_value());
    CHECK(second->status == 400);
    CHECK(c.WaitClosed());
  }
  CHECK(f.handler.framing_total() == 1);
  CHECK(WaitFor([&] { return f.server->connection_count() == 0; }));
}

TEST_CASE("Connection: close, HTTP/1.0 and HEAD") {
  Fixture f;
  SECTION("Connection: close is honoured and later requests are ignored") {
    Client c(f.port());
    REQUIRE(c.Send(Get("/sync", "Connection: close\r\n") + Get("/never")));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->headers["connection"] == "close");
    CHECK(c.WaitClosed());
    CHECK(f.handler.handled() == 1);
  }
  SECTION("HTTP/1.0 closes by default") {
    Client c(f.port());
    REQUIRE(c.Send("GET /sync HTTP/1.0\r\n\r\n"));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->headers["connection"] == "close");
    CHECK(c.WaitClosed());
  }
  SECTION("HTTP/1.0 with keep-alive stays open") {
    Client c(f.port());
    for (int i = 0; i < 3; ++i) {
      REQUIRE(c.Send("GET /sync HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
      auto r = c.Read();
      REQUIRE(r.has_value());
      CHECK(r->headers["connection"] == "keep-alive");
    }
    CHECK(f.handler.handled() == 3);
  }
  SECTION("HEAD gets the length but no body") {
    Client c(f.port());
    c.set_head_only(true);
    REQUIRE(c.Send("HEAD /sync HTTP/1.1\r\n\r\n"));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->headers["content-length"] == std::to_string(std::string("answer /sync").size()));
    c.set_head_only(false);
    REQUIRE(c.Send(Get("/sync")));
    auto next = c.Read();
    REQUIRE(next.has_value());
    CHECK(next->body == "answer /sync");  // no stray body bytes in between
  }
  SECTION("the handler's framing headers are replaced") {
    Client c(f.port());
    REQUIRE(c.Send(Get("/sync")));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->headers["content-length"] == "12");
  }
}

TEST_CASE("Expect: 100-continue gets an interim response before the body is sent") {
  Fixture f;
  Client c(f.port());
  REQUIRE(c.Send("POST /sync HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = c.Read();
  REQUIRE(interim.has_value());
  CHECK(interim->status == 100);
  REQUIRE(c.Send("hello"));
  auto r = c.Read();
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->body == "echo hello");

  // Behind a slow request, the 100 waits until the earlier response is out.
  REQUIRE(c.Send(Get("/delay/200") +
                 "POST /sync HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  auto first = c.Read();
  REQUIRE(first.has_value());
  CHECK(first->headers["x-target"] == "/delay/200");
  auto second = c.Read();
  REQUIRE(second.has_value());
  CHECK(second->status == 100);
  REQUIRE(c.Send("abc"));
  auto third = c.Read();
  REQUIRE(third.has_value());
  CHECK(third->body == "echo abc");
  CHECK(f.handler.handled() == 3);
}

TEST_CASE("idle connections are closed after idle_timeout_ms") {
  HttpServerOptions options;
  options.idle_timeout_ms = 200;
  Fixture f(options);
  const auto start = Clock::now();
  Client used(f.port());
  REQUIRE(used.Send(Get("/sync")));
  REQUIRE(used.Read().has_value());
  Client silent(f.port());
  Client partial(f.port());
  REQUIRE(partial.Send("GET /sync HTTP/1.1\r\nHo"));
  REQUIRE(WaitFor([&] { return f.server->connection_count() == 3; }));
  CHECK(used.WaitClosed(3000));
  CHECK(silent.WaitClosed(3000));
  CHECK(partial.WaitClosed(3000));
  CHECK(MsSince(start) >= 200);
  CHECK(WaitFor([&] { return f.server->connection_count() == 0; }));
  CHECK(f.handler.handled() == 1);

  // A request slower than the idle timeout is not cut off: the connection owes a response.
  Client slow(f.port());
  REQUIRE(slow.Send(Get("/delay/500")));
  auto r = slow.Read();
  REQUIRE(r.has_value());
  CHECK(r->headers["x-target"] == "/delay/500");
}

TEST_CASE("graceful shutdown finishes in-flight requests, closes idle connections") {
  Fixture f;
  Client busy(f.port());
  Client idle(f.port());
  REQUIRE(busy.Send(Get("/delay/300")));
  REQUIRE(WaitFor([&] { return f.handler.handled() == 1; }));
  REQUIRE(WaitFor([&] { return f.server->connection_count() == 2; }));

  const auto start = Clock::now();
  std::atomic<int64_t> shutdown_ms{-1};
  std::thread stopper([&] {
    f.server->Shutdown();
    shutdown_ms = MsSince(start);
  });
  CHECK(idle.WaitClosed(2000));
  CHECK(f.handler.answered() == 0);  // the idle one did not wait for the busy one
  auto r = busy.Read();
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->headers["x-target"] == "/delay/300");
  CHECK(r->headers["connection"] == "close");
  CHECK(busy.WaitClosed(2000));
  busy.Close();
  stopper.join();
  CHECK(shutdown_ms >= 250);
  CHECK(shutdown_ms < 2000);
  CHECK(f.server->connection_count() == 0);
  CHECK(f.handler.answered() == 1);
  Client late(f.port());
  CHECK_FALSE(late.connected());
  f.server->Shutdown();  // idempotent
}

TEST_CASE("shutdown with pipelined requests answers all of them") {
  Fixture f;
  Client c(f.port());
  // One packet: by the time the first is handed over, all three are parsed. The other two wait
  // behind it when shutdown begins, and are still answered.
  REQUIRE(c.Send(Get("/delay/200") + Get("/delay/100") + Get("/sync")));
  REQUIRE(WaitFor([&] { return f.handler.handled() == 1; }));
  std::thread stopper([&] { f.server->Shutdown(); });
  std::vector<std::string> connection;
  for (int i = 0; i < 3; ++i) {
    auto r = c.Read();
    REQUIRE(r.has_value());
    connection.push_back(r->headers["connection"]);
  }
  CHECK(connection == std::vector<std::string>{"keep-alive", "keep-alive", "close"});
  CHECK(c.WaitClosed(2000));
  c.Close();
  stopper.join();
  CHECK(f.handler.handled() == 3);
}

TEST_CASE("shutdown finishes receiving a request that has begun, answers it, then closes") {
  Fixture f;
  Client idle(f.port());
  Client c(f.port());
  const std::string request = Post("/sync", std::string(200000, 'b'));
  const size_t cut = request.size() / 4;  // the headers and part of the body
  REQUIRE(c.Send(request.substr(0, cut)));
  REQUIRE(WaitFor([&] { return f.server->connection_count() == 2; }));
  // Once the kernel holds none of it the worker has read it, and parsed it in the same callback
  // (BeginShutdown, posted later, runs after that callback).
  REQUIRE(WaitFor([&] { return ServerSideFd(f.port(), c) >= 0; }));
  const int server_fd = ServerSideFd(f.port(), c);
  REQUIRE(WaitFor([&] { return UnreadBytes(server_fd) == 0; }));

  const auto start = Clock::now();
  std::atomic<int64_t> shutdown_ms{-1};
  std::thread stopper([&] {
    f.server->Shutdown();
    shutdown_ms = MsSince(start);
  });
  CHECK(idle.WaitClosed(2000));  // idle: closed at once
  Client late(f.port());
  CHECK_FALSE(late.connected());  // new connections are refused
  std::this_thread::sleep_for(milliseconds(300));
  CHECK(shutdown_ms == -1);  // still waiting for the request being received
  CHECK(f.server->connection_count() == 1);
  CHECK(f.handler.handled() == 0);

  // The rest, and a request pipelined behind it: only the one already begun is answered.
  REQUIRE(c.Send(request.substr(cut) + Get("/sync")));
  auto r = c.Read();
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->body == "echo " + std::string(200000, 'b'));
  CHECK(r->headers["connection"] == "close");
  CHECK(c.WaitClosed(2000));
  c.Close();
  stopper.join();
  CHECK(shutdown_ms >= 300);
  CHECK(shutdown_ms < 2000);
  CHECK(f.handler.handled() == 1);
  CHECK(f.server->connection_count() == 0);
}

TEST_CASE("shutdown: a request that never completes is cut off after the grace period") {
  HttpServerOptions options;
  options.shutdown_grace_ms = 300;
  Fixture f(options);
  Client c(f.port());
  REQUIRE(c.Send("POST /sync HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly part"));
  REQUIRE(WaitFor([&] { return ServerSideFd(f.port(), c) >= 0; }));
  const int server_fd = ServerSideFd(f.port(), c);
  REQUIRE(WaitFor([&] { return UnreadBytes(server_fd) == 0; }));
  const auto start = Clock::now();
  f.server->Shutdown();
  const int64_t ms = MsSince(start);
  CHECK(ms >= 250);
  CHECK(ms < 1500);
  CHECK(c.WaitClosed(1000));
  CHECK(f.server->connection_count() == 0);
  CHECK(f.handler.handled() == 0);
}

TEST_CASE("shutdown: a client that gives up mid-request is not waited for") {
  Fixture f;
  Client c(f.port());
  REQUIRE(c.Send("POST /sync HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly part"));
  REQUIRE(WaitFor([&] { return ServerSideFd(f.port(), c) >= 0; }));
  const int server_fd = ServerSideFd(f.port(), c);
  REQUIRE(WaitFor([&] { return UnreadBytes(server_fd) == 0; }));
  const auto start = Clock::now();
  std::thread stopper([&] { f.server->Shutdown(); });
  std::this_thread::sleep_for(milliseconds(100));
  c.ShutdownWrite();  // the request can never complete now
  CHECK(c.WaitClosed(2000));
  stopper.join();
  CHECK(MsSince(start) < 2000);  // not the 30 s grace period
  CHECK(f.handler.handled() == 0);
}

TEST_CASE("shutdown gives up after the grace period; late answers are dropped safely") {
  HttpServerOptions options;
  options.shutdown_grace_ms = 200;
  Fixture f(options);
  Client c(f.port());
  REQUIRE(c.Send(Get("/delay/600")));
  REQUIRE(WaitFor([&] { return f.handler.handled() == 1; }));
  const auto start = Clock::now();
  f.server->Shutdown();
  CHECK(MsSince(start) < 1000);
  CHECK(c.WaitClosed(1000));
  CHECK(f.server->connection_count() == 0);
  // The delayed answer now posts to a stopped executor: dropped, nothing crashes.
  CHECK(WaitFor([&] { return MsSince(start) > 700; }));
  CHECK(f.handler.answered() == 0);
}

TEST_CASE("Send after the client went away is a silent no-op") {
  Fixture f;
  {
    Client c(f.port());
    REQUIRE(c.Send(Get("/delay/150")));
    REQUIRE(WaitFor([&] { return f.handler.handled() == 1; }));
  }
  CHECK(WaitFor([&] { return f.server->connection_count() == 0; }));
  CHECK(WaitFor([&] { return f.handler.answered() == 1; }));  // Send ran on a closed connection
  Client c(f.port());
  REQUIRE(c.Send(Get("/sync")));
  REQUIRE(c.Read().has_value());
}

TEST_CASE("a client that half-closes still gets every answer") {
  Fixture f;
  Client c(f.port());
  REQUIRE(c.Send(Get("/delay/100") + Get("/sync") + Get("/post")));
  c.ShutdownWrite();
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    auto r = c.Read();
    REQUIRE(r.has_value());
    got.push_back(r->headers["x-target"]);
  }
  CHECK(got == std::vector<std::string>{"/delay/100", "/sync", "/post"});
  CHECK(c.WaitClosed(2000));
  CHECK(WaitFor([&] { return f.server->connection_count() == 0; }));
  CHECK(f.handler.handled() == 3);
}

TEST_CASE("several worker threads share the port") {
  HttpServerOptions options;
  options.threads = 2;
  Fixture f(options);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 24; ++i) {
    clients.push_back(std::make_unique<Client>(f.port()));
    REQUIRE(clients.back()->connected());
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& c : clients) REQUIRE(c->Send(Get(round == 1 ? "/post" : "/sync")));
    for (auto& c : clients) REQUIRE(c->Read().has_value());
  }
  CHECK(f.server->connection_count() == 24);
  CHECK(f.handler.handled() == 72);
  CHECK(f.handler.thread_count() == 2);
  clients.clear();
  CHECK(WaitFor([&] { return f.server->connection_count() == 0; }));
}

TEST_CASE("Start fails, naming the address, when the port is taken") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const uint16_t port = ntohs(addr.sin_port);

  Delayer delayer;
  TestHandler handler(&delayer);
  HttpServerOptions options;
  options.port = port;
  options.threads = 2;
  HttpServer server(options, &handler);
  api::Status status = server.Start();
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.error().message, Catch::Contains("127.0.0.1:" + std::to_string(port)) &&
                                         Catch::Contains("Address already in use"));
  server.Shutdown();  // nothing to stop
  ::close(fd);
}

TEST_CASE("A second server on a port another server holds is refused, not run beside it") {
  Delayer delayer;
  TestHandler handler(&delayer);
  HttpServerOptions options;
  options.port = 0;
  options.threads = 2;
  HttpServer first(options, &handler);
  REQUIRE(first.Start().ok());

  options.port = first.port();
  HttpServer second(options, &handler);
  api::Status status = second.Start();
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.error().message, Catch::Contains("Address already in use"));
  first.Shutdown();
}

TEST_CASE("LoopExecutor runs posted tasks on the loop thread, in order") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  LoopExecutor executor;
  REQUIRE(executor.Open(&loop) == 0);
  std::vector<int> ran;  // touched only on the loop thread
  std::atomic<bool> done{false};
  std::thread::id loop_thread;
  bool all_on_loop = true;
  std::thread runner([&] {
    loop_thread = std::this_thread::get_id();
    while (!done) uv_run(&loop, UV_RUN_ONCE);
  });
  constexpr int kThreads = 4;
  constexpr int kPerThread = 1000;
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        executor.Post([&, t, i] {
          if (std::this_thread::get_id() != loop_thread) all_on_loop = false;
          ran.push_back(t * kPerThread + i);
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  std::atomic<int> closes{0};
  executor.Post([&] {
    // Close from the loop: tasks still queued run inside Close(); later ones are dropped.
    executor.Post([&] { ran.push_back(-1); });
    executor.Close();
    executor.Post([&] { ran.push_back(-2); });
    closes++;
    done = true;
  });
  runner.join();
  uv_run(&loop, UV_RUN_DEFAULT);  // completes the async handle's close
  CHECK(uv_loop_close(&loop) == 0);
  CHECK(closes == 1);
  CHECK(all_on_loop);
  REQUIRE(ran.size() == kThreads * kPerThread + 1);
  CHECK(ran.back() == -1);
  // Per posting thread, tasks ran in posting order.
  for (int t = 0; t < kThreads; ++t) {
    int last = -1;
    for (int v : ran) {
      if (v / kPerThread == t && v >= 0) {
        CHECK(v > last);
        last = v;
      }
    }
    CHECK(last == t * kPerThread + kPerThread - 1);
  }
  executor.Post([&] { ran.push_back(-3); });  // after close, from any thread: dropped
  CHECK(ran.back() == -1);
}

}  // namespace
}  // namespace ddbx::proxy
