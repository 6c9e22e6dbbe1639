// Authenticator: both modes, DynamoDB's order of checks, and every error's exact type and
// message, on requests shaped as the HTTP server hands them over (lower-case header names).
#include "proxy/auth.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "api/sigv4.h"

namespace ddbx::proxy {
namespace {

namespace sigv4 = api::sigv4;
using api::ErrorCode;

constexpr const char* kAccessKey = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kTime = "20150830T123600Z";
const std::string kBody = R"({"TableName":"users","Key":{"id":{"S":"u1"}}})";
const std::string kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

sigv4::TimePoint At(const char* amz_date) {
  auto t = sigv4::ParseAmzDate(amz_date);
  REQUIRE(t.has_value());
  return *t;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A GetItem request as the HTTP server hands it over, not yet signed.
HttpRequest GetItem() {
  HttpRequest r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"host", "dynamodb.us-east-1.amazonaws.com"},
               {"content-type", "application/x-amz-json-1.0"},
               {"x-amz-target", "DynamoDB_20120810.GetItem"},
               {"content-length", std::to_string(kBody.size())}};
  r.body = kBody;
  return r;
}

// Signs `r` in place with ddbx's signer, the way an SDK would.
void SignRequest(HttpRequest& r, const std::string& access_key = kAccessKey,
                 const std::string& secret = kSecret, const std::string& token = "",
                 const char* time = kTime, const std::string& region = "us-east-1",
                 const std::string& service = "dynamodb") {
  std::vector<sigv4::Header> headers;
  for (const auto& h : r.headers) headers.push_back(sigv4::Header{h.name, h.value});
  std::string hash = sigv4::Sha256Hex(r.body);
  size_t q = r.target.find('?');
  sigv4::Request request{
      r.method, std::string_view(r.target).substr(0, q),
      q == std::string::npos ? std::string_view() : std::string_view(r.target).substr(q + 1),
      headers, hash};
  sigv4::SigningParams params{{access_key, secret, token}, region, service, At(time)};
  api::Result<sigv4::SignedRequest> s = sigv4::Sign(request, params);
  REQUIRE(s.ok());
  for (const auto& [name, value] : s.value().headers_to_add) {
    r.headers.push_back(HttpHeader{Lower(name), value});
  }
}

std::string* Find(HttpRequest& r, std::string_view name) {
  for (auto& h : r.headers) {
    if (h.name == name) return &h.value;
  }
  return nullptr;
}

void Remove(HttpRequest& r, std::string_view name) {
  r.headers.erase(std::remove_if(r.headers.begin(), r.headers.end(),
                                 [&](const HttpHeader& h) { return h.name == name; }),
                  r.headers.end());
}

void CheckError(const api::Status& status, ErrorCode code, const std::string& message) {
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == code);
  CHECK(status.error().message == message);
}

// An authenticator in sigv4 mode with one key and a clock the test moves.
struct SigV4 {
  std::chrono::system_clock::time_point now = At(kTime);
  Authenticator auth;
  explicit SigV4(std::string region = "us-east-1",
                 std::chrono::seconds skew = std::chrono::minutes(15))
      : auth(Options(std::move(region), skew)) {}
  AuthOptions Options(std::string region, std::chrono::seconds skew) {
    AuthOptions o;
    o.mode = AuthMode::kSigV4;
    o.keys = {{kAccessKey, kSecret},
              {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}};
    o.region = std::move(region);
    o.max_skew = skew;
    o.clock = [this] { return now; };
    return o;
  }
};

Authenticator NoneMode() {
  AuthOptions o;
  o.mode = AuthMode::kNone;
  o.clock = [] {
    return std::chrono::system_clock::time_point(At("20300101T000000Z"));
  };  // far from any request: never consulted
  return Authenticator(std::move(o));
}

TEST_CASE("auth modes parse by name") {
  CHECK(ParseAuthMode("none") == AuthMode::kNone);
  CHECK(ParseAuthMode("sigv4") == AuthMode::kSigV4);
  CHECK_FALSE(ParseAuthMode("SigV4").has_value());
  CHECK_FALSE(ParseAuthMode("").has_value());
  CHECK(AuthModeName(AuthMode::kNone) == "none");
  CHECK(AuthModeName(AuthMode::kSigV4) == "sigv4");
}

// ---- sigv4 mode: accepted requests ----------------------------------------------------------

TEST_CASE("sigv4 mode accepts a request ddbx's signer signed") {
  SigV4 f;
  HttpRequest r = GetItem();
  SignRequest(r);
  CHECK(f.auth.Verify(r).ok());
  // Headers added after signing (not in SignedHeaders) do not matter.
  r.headers.push_back({"user-agent", "aws-cli/2.15.0"});
  r.headers.push_back({"accept-encoding", "identity"});
  CHECK(f.auth.Verify(r).ok());
  // Anywhere inside the window.
  f.now = At("20150830T125100Z");
  CHECK(f.auth.Verify(r).ok());
  f.now = At("20150830T122100Z");
  CHECK(f.auth.Verify(r).ok());
}

TEST_CASE("sigv4 mode accepts a request with a session token") {
  SigV4 f;
  HttpRequest r = GetItem();
  SignRequest(r, kAccessKey, kSecret, "IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCXVz+==");
  REQUIRE(Find(r, "x-amz-security-token") != nullptr);
  CHECK(f.auth.Verify(r).ok());
  // The token is signed.
  *Find(r, "x-amz-security-token") = "IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCXVz+=X";
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature, kMismatch);
}

TEST_CASE("sigv4 mode accepts requests botocore signed, as sent on the wire") {
  // Captured from botocore 1.43.11 (boto3 get_item, endpoint http://127.0.0.1:8000, region
  // us-west-2, clock fixed at 2024-05-17T09:30:12Z); the second carries a session token.
  SigV4 f("us-west-2");
  f.now = At("20240517T093012Z");
  HttpRequest r;
  r.method = "POST";
  r.target = "/";
  r.body = R"({"TableName": "users", "Key": {"id": {"S": "u1"}}})";
  r.headers = {{"host", "127.0.0.1:8000"},
               {"accept-encoding", "identity"},
               {"x-amz-target", "DynamoDB_20120810.GetItem"},
               {"content-type", "application/x-amz-json-1.0"},
               {"user-agent",
                "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44 md/arch#x86_64 "
                "lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.43.11"},
               {"x-amz-date", "20240517T093012Z"},
               {"authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240517/us-west-2/dynamodb/"
                "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                "Signature=a5d5ea8f5e924afb33a818c51db390052a578644c92b364fd7d8363c9798ce9c"},
               {"amz-sdk-invocation-id", "dac6f449-17ba-431c-aff1-0a754e58f721"},
               {"amz-sdk-request", "attempt=1"},
               {"content-length", "50"}};
  CHECK(f.auth.Verify(r).ok());

  HttpRequest t = r;
  t.headers.insert(t.headers.begin() + 6,
                   HttpHeader{"x-amz-security-token", "FQoGZXIvYXdzEBYaDOExampleSessionToken+/="});
  *Find(t, "authorization") =
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240517/us-west-2/dynamodb/"
      "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
      "x-amz-target, Signature=2c3c3f78a9157b11b1fec383c7a40606fa531135f7d7a05454a5a763fe14afff";
  CHECK(f.auth.Verify(t).ok());

  // A changed body or signed header is caught; an unsigned one is not part of the signature.
  HttpRequest body_changed = r;
  body_changed.body = R"({"TableName": "users", "Key": {"id": {"S": "u2"}}})";
  CheckError(f.auth.Verify(body_changed), ErrorCode::kInvalidSignature, kMismatch);
  HttpRequest target_changed = r;
  *Find(target_changed, "x-amz-target") = "DynamoDB_20120810.DeleteItem";
  CheckError(f.auth.Verify(target_changed), ErrorCode::kInvalidSignature, kMismatch);
  HttpRequest agent_changed = r;
  *Find(agent_changed, "user-agent") = "something else";
  CHECK(f.auth.Verify(agent_changed).ok());
}

TEST_CASE("sigv4 mode accepts a Date header instead of X-Amz-Date") {
  SigV4 f;
  HttpRequest r = GetItem();
  r.headers.push_back({"date", "Sun, 30 Aug 2015 12:36:00 GMT"});
  // Sign with the Date header in place and X-Amz-Date left out of what is sent.
  std::vector<sigv4::Header> headers;
  for (const auto& h : r.headers) headers.push_back(sigv4::Header{h.name, h.value});
  std::string hash = sigv4::Sha256Hex(r.body);
  sigv4::Request request{"POST", "/", "", headers, hash};
  std::vector<std::string> names = {"content-type", "date", "host", "x-amz-target"};
  std::string sts = sigv4::StringToSign(kTime, "20150830/us-east-1/dynamodb/aws4_request",
                                        sigv4::CanonicalRequest(request, names));
  std::string sig =
      sigv4::Signature(sigv4::SigningKey(kSecret, "20150830", "us-east-1", "dynamodb"), sts);
  r.headers.push_back({"authorization",
                       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/"
                       "aws4_request, SignedHeaders=content-type;date;host;x-amz-target, "
                       "Signature=" +
                           sig});
  CHECK(f.auth.Verify(r).ok());
}

TEST_CASE("sigv4 mode accepts query-string authentication") {
  SigV4 f;
  HttpRequest r = GetItem();
  std::string query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2F"
      "dynamodb%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&"
      "X-Amz-SignedHeaders=host%3Bx-amz-target";
  std::vector<sigv4::Header> headers;
  for (const auto& h : r.headers) headers.push_back(sigv4::Header{h.name, h.value});
  std::string hash = sigv4::Sha256Hex(r.body);
  sigv4::Request request{"POST", "/", query, headers, hash};
  std::vector<std::string> names = {"host", "x-amz-target"};
  std::string sts = sigv4::StringToSign(kTime, "20150830/us-east-1/dynamodb/aws4_request",
                                        sigv4::CanonicalRequest(request, names));
  std::string sig =
      sigv4::Signature(sigv4::SigningKey(kSecret, "20150830", "us-east-1", "dynamodb"), sts);
  r.target = "/?" + query + "&X-Amz-Signature=" + sig;
  CHECK(f.auth.Verify(r).ok());
  // An absolute-form target carries the same path and query.
  HttpRequest absolute = r;
  absolute.target = "http://dynamodb.us-east-1.amazonaws.com" + r.target;
  CHECK(f.auth.Verify(absolute).ok());
  r.body += " ";
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature, kMismatch);
}

// ---- sigv4 mode: every error, in DynamoDB's order ---------------------------------------------

TEST_CASE("sigv4 mode: missing authentication") {
  SigV4 f;
  HttpRequest r = GetItem();
  r.headers.push_back({"x-amz-date", kTime});
  CheckError(f.auth.Verify(r), ErrorCode::kMissingAuthenticationToken,
             "Request is missing Authentication Token");
  r.headers.push_back({"authorization", "AWS4"});
  CheckError(f.auth.Verify(r), ErrorCode::kMissingAuthenticationToken,
             "Request is missing Authentication Token");
  *Find(r, "authorization") = "AWS AKIDEXAMPLE:c2lnbmF0dXJl";  // SigV2
  CheckError(f.auth.Verify(r), ErrorCode::kMissingAuthenticationToken,
             "Request is missing Authentication Token");
}

TEST_CASE("sigv4 mode: incomplete Authorization header") {
  SigV4 f;
  HttpRequest r = GetItem();
  r.headers.push_back({"authorization", "AWS4-"});
  CheckError(f.auth.Verify(r), ErrorCode::kIncompleteSignature,
             "Authorization header requires 'Credential' parameter. Authorization header "
             "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
             "parameter. Authorization header requires existence of either a 'X-Amz-Date' or a "
             "'Date' header. Authorization=AWS4-");

  HttpRequest s = GetItem();
  SignRequest(s);
  std::string auth = *Find(s, "authorization");
  std::string without_signature = auth.substr(0, auth.find(", Signature="));
  *Find(s, "authorization") = without_signature;
  CheckError(
      f.auth.Verify(s), ErrorCode::kIncompleteSignature,
      "Authorization header requires 'Signature' parameter. Authorization=" + without_signature);

  HttpRequest d = GetItem();
  SignRequest(d);
  Remove(d, "x-amz-date");
  CheckError(f.auth.Verify(d), ErrorCode::kIncompleteSignature,
             "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
             "header. Authorization=" +
                 *Find(d, "authorization"));

  HttpRequest e = GetItem();
  e.headers.push_back({"x-amz-date", kTime});
  e.headers.push_back(
      {"authorization", "AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders"});
  CheckError(f.auth.Verify(e), ErrorCode::kIncompleteSignature,
             "'Credential' not a valid key=value pair (missing equal-sign) in Authorization "
             "header: 'AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders'.");
}

TEST_CASE("sigv4 mode: malformed date") {
  SigV4 f;
  HttpRequest r = GetItem();
  SignRequest(r);
  *Find(r, "x-amz-date") = "2015-08-30T12:36:00Z";
  CheckError(f.auth.Verify(r), ErrorCode::kIncompleteSignature,
             "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See "
             "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST_CASE("sigv4 mode: request time outside the window") {
  SigV4 f;
  HttpRequest r = GetItem();
  SignRequest(r);
  f.now = At("20150830T130100Z");
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature,
             "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z "
             "(20150830T130100Z - 15 min.)");
  f.now = At("20150830T125101Z");  // one second past the window
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature,
             "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
             "(20150830T125101Z - 15 min.)");
  f.now = At("20150830T122059Z");
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature,
             "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z "
             "(20150830T122059Z + 15 min.)");
  // The window is checked before the key: an unknown key still reports the time first.
  HttpRequest unknown = GetItem();
  SignRequest(unknown, "AKIDUNKNOWN");
  CheckError(f.auth.Verify(unknown), ErrorCode::kInvalidSignature,
             "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z "
             "(20150830T122059Z + 15 min.)");
}

TEST_CASE("sigv4 mode: the window is configurable") {
  SigV4 f("us-east-1", std::chrono::minutes(5));
  HttpRequest r = GetItem();
  SignRequest(r);
  f.now = At("20150830T124100Z");
  CHECK(f.auth.Verify(r).ok());
  f.now = At("20150830T124101Z");
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature,
             "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
             "(20150830T124101Z - 5 min.)");
}

TEST_CASE("sigv4 mode: host must be signed") {
  SigV4 f;
  HttpRequest r = GetItem();
  r.headers.push_back({"x-amz-date", kTime});
  r.headers.push_back({"authorization",
                       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/"
                       "aws4_request, SignedHeaders=x-amz-date;x-amz-target, Signature=abc"});
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature,
             "'Host' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST_CASE("sigv4 mode: unsupported algorithm") {
  SigV4 f;
  HttpRequest r = GetItem();
  SignRequest(r);
  std::string& auth = *Find(r, "authorization");
  auth.replace(0, std::string("AWS4-HMAC-SHA256").size(), "AWS4-HMAC-SHA512");
  CheckError(f.auth.Verify(r), ErrorCode::kIncompleteSignature,
             "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ");
}

TEST_CASE("sigv4 mode: malformed credential scope") {
  SigV4 f;
  auto with_credential = [&](const std::string& credential) {
    HttpRequest r = GetItem();
    r.headers.push_back({"x-amz-date", kTime});
    r.headers.push_back({"authorization", "AWS4-HMAC-SHA256 Credential=" + credential +
                                              ", SignedHeaders=host;x-amz-date, Signature=abc"});
    return f.auth.Verify(r);
  };
  CheckError(with_credential("AKIDEXAMPLE/20150830/us-east-1/dynamodb"),
             ErrorCode::kIncompleteSignature,
             "Credential must have exactly 5 slash-delimited elements, e.g. "
             "keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/dynamodb'");
  CheckError(with_credential("AKIDEXAMPLE/20150830/eu-west-1/dynamodb/aws4_request"),
             ErrorCode::kInvalidSignature,
             "Credential should be scoped to a valid region, not 'eu-west-1'. ");
  CheckError(with_credential("AKIDEXAMPLE/20150830/us-east-1/dynamo/aws4_request"),
             ErrorCode::kInvalidSignature,
             "Credential should be scoped to correct service: 'dynamodb'. ");
  CheckError(with_credential("AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_reques"),
             ErrorCode::kInvalidSignature,
             "Credential should be scoped with a valid terminator: 'aws4_request', not "
             "'aws4_reques'. ");
  CheckError(with_credential("AKIDEXAMPLE/20150831/us-east-1/dynamodb/aws4_request"),
             ErrorCode::kInvalidSignature,
             "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
             "from HTTP: '20150831' != '20150830', from '20150830T123600Z'. ");
  CheckError(with_credential("AKIDEXAMPLE/b/c/d/e"), ErrorCode::kInvalidSignature,
             "Credential should be scoped to a valid region, not 'c'. Credential should be "
             "scoped to correct service: 'dynamodb'. Credential should be scoped with a valid "
             "terminator: 'aws4_request', not 'e'. Date in Credential scope does not match "
             "YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20150830', from "
             "'20150830T123600Z'. ");

  // With no region configured, any region is accepted (and the signature then decides).
  SigV4 any_region("");
  HttpRequest r = GetItem();
  SignRequest(r, kAccessKey, kSecret, "", kTime, "ap-southeast-2");
  CHECK(any_region.auth.Verify(r).ok());
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature,
             "Credential should be scoped to a valid region, not 'ap-southeast-2'. ");
}

TEST_CASE("sigv4 mode: unknown access key id") {
  SigV4 f;
  HttpRequest r = GetItem();
  SignRequest(r, "AKIDUNKNOWN");
  CheckError(f.auth.Verify(r), ErrorCode::kUnrecognizedClient,
             "The security token included in the request is invalid.");
}

TEST_CASE("sigv4 mode: wrong signature") {
  SigV4 f;
  HttpRequest r = GetItem();
  SignRequest(r, kAccessKey, "not-the-secret");
  CheckError(f.auth.Verify(r), ErrorCode::kInvalidSignature, kMismatch);

  HttpRequest t = GetItem();
  SignRequest(t);
  std::string& auth = *Find(t, "authorization");
  auth.back() = auth.back() == '0' ? '1' : '0';
  CheckError(f.auth.Verify(t), ErrorCode::kInvalidSignature, kMismatch);
  // Upper-case hex is not the signature AWS computes either.
  HttpRequest u = GetItem();
  SignRequest(u);
  std::string& upper = *Find(u, "authorization");
  size_t sig = upper.find("Signature=") + 10;
  std::transform(upper.begin() + static_cast<long>(sig), upper.end(),
                 upper.begin() + static_cast<long>(sig),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper.substr(sig).find_first_of("ABCDEF") != std::string::npos) {
    CheckError(f.auth.Verify(u), ErrorCode::kInvalidSignature, kMismatch);
  }
}

TEST_CASE("sigv4 mode: query-string authentication errors") {
  SigV4 f;
  HttpRequest r = GetItem();
  r.target = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20150830T123600Z";
  CheckError(f.auth.Verify(r), ErrorCode::kIncompleteSignature,
             "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string "
             "parameters must include 'X-Amz-Signature'. AWS query-string parameters must "
             "include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
  r.target = "/?Action=ListTables";
  CheckError(f.auth.Verify(r), ErrorCode::kMissingAuthenticationToken,
             "Request is missing Authentication Token");
}

// ---- none mode --------------------------------------------------------------------------------

TEST_CASE("none mode accepts any well-formed SigV4 request, signature unchecked") {
  Authenticator auth = NoneMode();
  HttpRequest r = GetItem();
  SignRequest(r, "anything", "whatever", "", kTime, "localhost");
  CHECK(auth.Verify(r).ok());  // unknown key, odd region, a date years from the clock
  *Find(r, "authorization") =
      "AWS4-HMAC-SHA256 Credential=fake/20150830/local/dynamodb/aws4_request, "
      "SignedHeaders=host, Signature=0000";
  CHECK(auth.Verify(r).ok());
  r.body = "{}";
  CHECK(auth.Verify(r).ok());
}

TEST_CASE("none mode refuses requests without authentication or with a malformed header") {
  Authenticator auth = NoneMode();
  HttpRequest r = GetItem();
  r.headers.push_back({"x-amz-date", kTime});
  CheckError(auth.Verify(r), ErrorCode::kMissingAuthenticationToken,
             "Request is missing Authentication Token");
  r.headers.push_back({"authorization", "AWS4-"});
  CheckError(auth.Verify(r), ErrorCode::kIncompleteSignature,
             "Authorization header requires 'Credential' parameter. Authorization header "
             "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
             "parameter. Authorization=AWS4-");
  *Find(r, "authorization") =
      "AWS4-HMAC-SHA1 Credential=a/20150830/local/dynamodb/aws4_request, SignedHeaders=host, "
      "Signature=0";
  CheckError(auth.Verify(r), ErrorCode::kIncompleteSignature,
             "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). ");
  *Find(r, "authorization") =
      "AWS4-HMAC-SHA256 Credential=a/20150830/local, SignedHeaders=host, Signature=0";
  CheckError(auth.Verify(r), ErrorCode::kIncompleteSignature,
             "Credential must have exactly 5 slash-delimited elements, e.g. "
             "keyid/date/region/service/term, got 'a/20150830/local'");
}

}  // namespace
}  // namespace ddbx::proxy
