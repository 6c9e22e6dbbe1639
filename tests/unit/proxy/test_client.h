// A blocking HTTP/1.1 test client over a real socket, for the proxy's unit tests.
//
// Client connects to 127.0.0.1:port, sends raw bytes and reads whole responses with timeouts.
// One thread per Client; it owns its socket and closes it on destruction.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ddbx::proxy::testing {

using Clock = std::chrono::steady_clock;

inline int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

// A blocking test client with timeouts.
class Client {
 public:
  explicit Client(uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { Close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  uint16_t local_port() const {
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (interim 1xx responses included). nullopt on EOF, error or timeout.
  std::optional<Response> Read(int timeout_ms = 5000) {
    const auto start = Clock::now();
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(timeout_ms - static_cast<int>(MsSince(start)))) return std::nullopt;
    }
    Response r;
    const std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const size_t next = head.find("\r\n", line_end + 2);
      const std::string line = head.substr(line_end + 2, next - line_end - 2);
      const size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (r.headers.count(name) != 0) r.headers[name] += ",";  // duplicates show up
      r.headers[name] += line.substr(colon + 2);
      line_end = next;
    }
    if (r.status >= 200 && !head_only_) {
      const size_t length = std::stoul(r.headers.at("content-length"));
      while (buffer_.size() < length) {
        if (!Fill(timeout_ms - static_cast<int>(MsSince(start)))) return std::nullopt;
      }
      r.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
    }
    return r;
  }

  // True if the server closes the connection (EOF or reset) within the timeout, with no
  // further bytes.
  bool WaitClosed(int timeout_ms = 5000) {
    const auto start = Clock::now();
    for (;;) {
      const int left = timeout_ms - static_cast<int>(MsSince(start));
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return false;
      char c[4096];
      const ssize_t n = ::recv(fd_, c, sizeof(c), 0);
      if (n == 0) return buffer_.empty();
      if (n < 0) return errno == ECONNRESET && buffer_.empty();
      buffer_.append(c, static_cast<size_t>(n));
    }
  }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  void set_head_only(bool head_only) { head_only_ = head_only; }
  const std::string& buffered() const { return buffer_; }

 private:
  bool Fill(int timeout_ms) {
    if (timeout_ms <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char c[65536];
    const ssize_t n = ::recv(fd_, c, sizeof(c), 0);
    if (n <= 0) return false;
    buffer_.append(c, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool head_only_ = false;
  std::string buffer_;
};

}  // namespace ddbx::proxy::testing
