// Unit tests for proxy/http_parser: framing of requests fed in arbitrary splits.
#include "proxy/http_parser.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ddbx::proxy {
namespace {

// What a parser made of some input: the requests, and the error if it failed.
struct Outcome {
  std::vector<ParsedRequest> requests;
  bool failed = false;
  FramingErrorKind error = FramingErrorKind::kMalformed;
  size_t expect_continue = 0;  // how many times TakeExpectContinue() said yes
};

// Feeds `piece` completely, taking every request it completes.
void Feed(HttpParser& parser, std::string_view piece, Outcome& out) {
  while (!out.failed) {
    const size_t used = parser.Consume(piece);
    REQUIRE(used <= piece.size());
    piece.remove_prefix(used);
    if (parser.failed()) {
      out.failed = true;
      out.error = parser.error();
      return;
    }
    if (parser.TakeExpectContinue()) ++out.expect_continue;
    if (parser.ready()) {
      out.requests.push_back(parser.TakeRequest());
      continue;
    }
    REQUIRE(piece.empty());  // no request, no error: everything was used
    return;
  }
}

Outcome ParseAll(std::string_view data, size_t max_header = 64 * 1024,
                 size_t max_body = 1024 * 1024) {
  HttpParser parser(max_header, max_body);
  Outcome out;
  Feed(parser, data, out);
  return out;
}

Outcome ParseSplit(std::string_view data, std::vector<size_t> cuts, size_t max_header = 64 * 1024,
                   size_t max_body = 1024 * 1024) {
  HttpParser parser(max_header, max_body);
  Outcome out;
  size_t from = 0;
  cuts.push_back(data.size());
  for (size_t cut : cuts) {
    Feed(parser, data.substr(from, cut - from), out);
    from = cut;
  }
  return out;
}

Outcome ParseByteByByte(std::string_view data, size_t max_header = 64 * 1024,
                        size_t max_body = 1024 * 1024) {
  HttpParser parser(max_header, max_body);
  Outcome out;
  for (char c : data) Feed(parser, std::string_view(&c, 1), out);
  return out;
}

// A canonical text of a request, to compare parses.
std::string Describe(const ParsedRequest& r) {
  std::string s = r.request.method + " " + r.request.target + (r.keep_alive ? " ka" : " close") +
                  (r.head ? " head" : "") + "\n";
  for (const auto& h : r.request.headers) s += h.name + "=" + h.value + "\n";
  s += "body[" + r.request.body + "]";
  return s;
}

std::string Describe(const Outcome& o) {
  std::string s;
  for (const auto& r : o.requests) s += Describe(r) + "\n---\n";
  if (o.failed) s += "failed " + std::to_string(static_cast<int>(o.error));
  return s;
}

const std::string kGet = "GET /metrics?x=1 HTTP/1.1\r\nHost: localhost:8000\r\n\r\n";
const std::string kPost =
    "POST / HTTP/1.1\r\n"
    "Host: localhost\r\n"
    "X-Amz-Target: DynamoDB_20120810.GetItem\r\n"
    "Content-Type: application/x-amz-json-1.0\r\n"
    "Content-Length: 27\r\n"
    "\r\n"
    "{\"TableName\":\"t\",\"Key\":{}}\n";
const std::string kChunked =
    "POST /chunked HTTP/1.1\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "7;ext=1\r\n, world\r\n"
    "0\r\n"
    "Trailer-Field: x\r\n"
    "\r\n";

TEST_CASE("parses a simple request with lower-cased names and trimmed values") {
  Outcome out = ParseAll(
      "GET /a/b?c=d HTTP/1.1\r\nHOST:  example.com \t\r\nX-Empty:\r\n"
      "X-Amz-Date:20240101T000000Z\r\n\r\n");
  REQUIRE_FALSE(out.failed);
  REQUIRE(out.requests.size() == 1);
  const ParsedRequest& r = out.requests[0];
  CHECK(r.request.method == "GET");
  CHECK(r.request.target == "/a/b?c=d");
  REQUIRE(r.request.headers.size() == 3);
  CHECK(r.request.headers[0].name == "host");
  CHECK(r.request.headers[0].value == "example.com");
  CHECK(r.request.headers[1].name == "x-empty");
  CHECK(r.request.headers[1].value.empty());
  REQUIRE(r.request.header("x-amz-date") != nullptr);
  CHECK(*r.request.header("x-amz-date") == "20240101T000000Z");
  CHECK(r.request.header("missing") == nullptr);
  CHECK(r.request.body.empty());
  CHECK(r.keep_alive);
  CHECK_FALSE(r.head);
}

TEST_CASE("a request is not handed out before its last byte") {
  HttpParser parser(1024, 1024);
  std::string_view data = kPost;
  const std::string_view all_but_last = data.substr(0, data.size() - 1);
  CHECK(parser.Consume(all_but_last) == all_but_last.size());
  CHECK_FALSE(parser.ready());
  CHECK(parser.in_message());
  CHECK(parser.Consume(data.substr(data.size() - 1)) == 1);
  REQUIRE(parser.ready());
  CHECK_FALSE(parser.in_message());
  CHECK(parser.TakeRequest().request.body == "{\"TableName\":\"t\",\"Key\":{}}\n");
  CHECK_FALSE(parser.ready());
}

TEST_CASE("Content-Length and chunked bodies") {
  Outcome post = ParseAll(kPost);
  REQUIRE(post.requests.size() == 1);
  CHECK(post.requests[0].request.body == "{\"TableName\":\"t\",\"Key\":{}}\n");
  CHECK(*post.requests[0].request.header("x-amz-target") == "DynamoDB_20120810.GetItem");

  Outcome chunked = ParseAll(kChunked);
  REQUIRE_FALSE(chunked.failed);
  REQUIRE(chunked.requests.size() == 1);
  CHECK(chunked.requests[0].request.target == "/chunked");
  CHECK(chunked.requests[0].request.body == "hello, world");
}

TEST_CASE("many requests in one buffer come out one at a time, in order") {
  std::string data;
  for (int i = 0; i < 200; ++i) {
    data += "POST /r" + std::to_string(i) +
            " HTTP/1.1\r\nContent-Length: " + std::to_string(std::to_string(i).size()) +
            "\r\n\r\n" + std::to_string(i);
  }
  HttpParser parser(1024, 1024);
  std::string_view rest = data;
  int count = 0;
  while (!rest.empty()) {
    const size_t used = parser.Consume(rest);
    REQUIRE(parser.ready());  // every Consume stops at exactly one request
    rest.remove_prefix(used);
    ParsedRequest r = parser.TakeRequest();
    CHECK(r.request.target == "/r" + std::to_string(count));
    CHECK(r.request.body == std::to_string(count));
    ++count;
  }
  CHECK(count == 200);
}

TEST_CASE("every split point gives the same requests") {
  const std::string data = kGet + kPost + kChunked + "HEAD /h HTTP/1.1\r\n\r\n" + kGet;
  const Outcome whole = ParseAll(data);
  REQUIRE_FALSE(whole.failed);
  REQUIRE(whole.requests.size() == 5);
  CHECK(whole.requests[3].head);
  const std::string expected = Describe(whole);

  for (size_t cut = 0; cut <= data.size(); ++cut) {
    INFO("cut at " << cut);
    REQUIRE(Describe(ParseSplit(data, {cut})) == expected);
  }
  for (size_t a = 0; a <= data.size(); a += 7) {
    for (size_t b = a; b <= data.size(); b += 5) {
      INFO("cuts at " << a << ", " << b);
      REQUIRE(Describe(ParseSplit(data, {a, b})) == expected);
    }
  }
  CHECK(Describe(ParseByteByByte(data)) == expected);
}

TEST_CASE("keep-alive follows the HTTP version and the Connection header") {
  CHECK(ParseAll("GET / HTTP/1.1\r\n\r\n").requests.at(0).keep_alive);
  CHECK_FALSE(ParseAll("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").requests.at(0).keep_alive);
  CHECK_FALSE(ParseAll("GET / HTTP/1.0\r\n\r\n").requests.at(0).keep_alive);
  CHECK(ParseAll("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").requests.at(0).keep_alive);
  CHECK_FALSE(ParseAll("GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")
                  .requests.at(0)
                  .keep_alive);
}

TEST_CASE("after a request that ends the connection, the rest is discarded") {
  HttpParser parser(1024, 1024);
  const std::string data = "GET /1 HTTP/1.1\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
  const size_t used = parser.Consume(data);
  REQUIRE(parser.ready());
  CHECK(used == data.find("GET /2"));
  CHECK_FALSE(parser.TakeRequest().keep_alive);
  CHECK(parser.finished());
  const std::string_view rest = std::string_view(data).substr(used);
  CHECK(parser.Consume(rest) == rest.size());
  CHECK_FALSE(parser.ready());
  CHECK_FALSE(parser.failed());
}

TEST_CASE("the header limit counts the request line and headers exactly") {
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const size_t size = request.size();
  SECTION("at the limit") {
    CHECK(ParseAll(request, size).requests.size() == 1);
    CHECK(ParseByteByByte(request, size).requests.size() == 1);
    for (size_t cut = 0; cut <= size; ++cut) {
      CHECK(ParseSplit(request, {cut}, size).requests.size() == 1);
    }
  }
  SECTION("one byte over") {
    Outcome whole = ParseAll(request, size - 1);
    CHECK(whole.failed);
    CHECK(whole.error == FramingErrorKind::kHeaderTooLarge);
    CHECK(whole.requests.empty());
    Outcome bytes = ParseByteByByte(request, size - 1);
    CHECK(bytes.failed);
    CHECK(bytes.error == FramingErrorKind::kHeaderTooLarge);
  }
  SECTION("the body does not count") {
    const std::string post =
        "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'b');
    CHECK(ParseAll(post, post.size() - 100).requests.size() == 1);
  }
}

TEST_CASE("empty lines before a request are skipped, but count toward the header limit") {
  Outcome out = ParseAll("\r\n\r\n" + kGet + "\r\n" + kGet);
  REQUIRE_FALSE(out.failed);
  CHECK(out.requests.size() == 2);

  const std::string endless(5000, '\n');
  CHECK(ParseAll(endless, 1024).error == FramingErrorKind::kHeaderTooLarge);
  CHECK(ParseByteByByte(endless, 1024).error == FramingErrorKind::kHeaderTooLarge);
  CHECK(ParseSplit(endless, {1000, 1020}, 1024).error == FramingErrorKind::kHeaderTooLarge);
}

TEST_CASE("an endless header block fails without waiting for its end") {
  HttpParser parser(1024, 1024);
  std::string line = "X-Filler: " + std::string(100, 'f') + "\r\n";
  REQUIRE(parser.Consume("GET / HTTP/1.1\r\n") == 16);
  int lines = 0;
  while (!parser.failed() && lines < 100) {
    parser.Consume(line);
    ++lines;
  }
  REQUIRE(parser.failed());
  CHECK(parser.error() == FramingErrorKind::kHeaderTooLarge);
  CHECK(lines <= 10);  // 1024 bytes is about nine lines
  CHECK(parser.Consume("more") == 0);
}

TEST_CASE("a huge header in one buffer is refused") {
  const std::string request = "GET / HTTP/1.1\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n";
  Outcome out = ParseAll(request, 64 * 1024);
  CHECK(out.failed);
  CHECK(out.error == FramingErrorKind::kHeaderTooLarge);
  const std::string long_url = "GET /" + std::string(100000, 'u') + " HTTP/1.1\r\n\r\n";
  CHECK(ParseAll(long_url, 64 * 1024).error == FramingErrorKind::kHeaderTooLarge);
}

TEST_CASE("the body limit") {
  SECTION("Content-Length over the limit fails at the end of the headers") {
    HttpParser parser(1024, 100);
    const std::string head = "POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n";
    CHECK(parser.Consume(head) == head.size());
    REQUIRE(parser.failed());
    CHECK(parser.error() == FramingErrorKind::kBodyTooLarge);
  }
  SECTION("Content-Length at the limit is fine") {
    Outcome out = ParseAll("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'),
                           1024, 100);
    REQUIRE(out.requests.size() == 1);
    CHECK(out.requests[0].request.body.size() == 100);
  }
  SECTION("a huge Content-Length") {
    Outcome out =
        ParseAll("POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", 1024, 100);
    CHECK(out.failed);
    CHECK(out.error == FramingErrorKind::kBodyTooLarge);
  }
  SECTION("a chunked body fails as soon as it passes the limit") {
    HttpParser parser(1024, 100);
    Outcome out;
    Feed(parser, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", out);
    Feed(parser, "32\r\n" + std::string(50, 'a') + "\r\n", out);
    Feed(parser, "32\r\n" + std::string(50, 'b') + "\r\n", out);
    CHECK_FALSE(out.failed);  // exactly 100 so far
    Feed(parser, "1\r\nc", out);
    CHECK(out.failed);
    CHECK(out.error == FramingErrorKind::kBodyTooLarge);
    CHECK(out.requests.empty());
  }
  SECTION("a chunked body at the limit is fine") {
    Outcome out = ParseAll("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" +
                               std::string(100, 'a') + "\r\n0\r\n\r\n",
                           1024, 100);
    REQUIRE(out.requests.size() == 1);
    CHECK(out.requests[0].request.body == std::string(100, 'a'));
  }
}

TEST_CASE("malformed input") {
  const char* cases[] = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "GET / HTTP/1.1\r\nBad(Header: x\r\n\r\n",
      "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
      "GET /a b HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
      "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
  };
  for (const char* input : cases) {
    INFO(input);
    Outcome whole = ParseAll(input);
    CHECK(whole.failed);
    CHECK(whole.error == FramingErrorKind::kMalformed);
    Outcome bytes = ParseByteByByte(input);
    CHECK(bytes.failed);
    CHECK(bytes.error == FramingErrorKind::kMalformed);
  }
}

TEST_CASE("a valid request before a malformed one is still delivered") {
  Outcome out = ParseAll(kGet + "BROKEN\r\n\r\n");
  REQUIRE(out.requests.size() == 1);
  CHECK(out.requests[0].request.target == "/metrics?x=1");
  CHECK(out.failed);
  CHECK(out.error == FramingErrorKind::kMalformed);
}

TEST_CASE("Expect: 100-continue is reported once, while the body is still to come") {
  const std::string head = "PUT /x HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n";
  SECTION("headers first, body later") {
    HttpParser parser(1024, 1024);
    CHECK(parser.Consume(head) == head.size());
    CHECK(parser.TakeExpectContinue());
    CHECK_FALSE(parser.TakeExpectContinue());
    parser.Consume("hel");
    CHECK_FALSE(parser.TakeExpectContinue());
    parser.Consume("lo");
    REQUIRE(parser.ready());
    CHECK(parser.TakeRequest().request.body == "hello");
  }
  SECTION("body in the same buffer") {
    Outcome out = ParseAll(head + "hello");
    CHECK(out.expect_continue == 0);
    CHECK(out.requests.size() == 1);
  }
  SECTION("no body, or HTTP/1.0: nothing owed") {
    CHECK(ParseAll("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n").expect_continue == 0);
    HttpParser parser(1024, 1024);
    parser.Consume("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    CHECK_FALSE(parser.TakeExpectContinue());
  }
  SECTION("chunked") {
    HttpParser parser(1024, 1024);
    parser.Consume("POST / HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n");
    CHECK(parser.TakeExpectContinue());
  }
}

}  // namespace
}  // namespace ddbx::proxy
