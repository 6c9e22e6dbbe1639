// AWS Signature Version 4 (AWS4-HMAC-SHA256): the signer and the verifier's building blocks.
//
// Nothing here knows an HTTP server: a request is a method, a path and a query string as they
// appear on the wire, the headers as received (any name case, duplicates allowed, in order) and
// the hex SHA-256 of the body. The signer produces the Authorization header for such a request
// (tests, the upstream client); the verifier functions check a request's claimed signature one
// step at a time and answer with the error type and message AWS services (DynamoDB included)
// send for each failure. proxy/auth.h runs them in DynamoDB's order of checks.
//
// The algorithm (docs.aws.amazon.com/general/latest/gr/sigv4_signing.html):
//   canonical request = METHOD \n canonical URI \n canonical query \n canonical headers \n
//                       signed header names \n hex(sha256(payload))
//   string to sign    = "AWS4-HMAC-SHA256" \n X-Amz-Date \n date/region/service/aws4_request \n
//                       hex(sha256(canonical request))
//   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
//                       "aws4_request")
//   signature         = hex(HMAC(signing key, string to sign))
// Paths are normalized as AWS does for every service but S3 (dot segments resolved, repeated
// slashes merged) and percent-encoded once more, on top of the encoding they already carry on
// the wire. Query parameters are decoded, re-encoded (RFC 3986 unreserved characters stay) and
// sorted by name, then value. Header names are lower-cased; values are trimmed, inner runs of
// whitespace (folded lines included) become one space, and same-name headers are joined with
// ',' in the order received.
//
// Every function is a pure function of its arguments: safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/error.h"

namespace ddbx::api::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
// hex(sha256("")): the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

using TimePoint = std::chrono::sys_seconds;

// One header as received. The name may be in any case.
struct Header {
  std::string_view name;
  std::string_view value;
};

// A request as the signature sees it. Views: the caller keeps the storage alive.
struct Request {
  std::string_view method;          // "POST"
  std::string_view path;            // the request target's path as sent, e.g. "/"
  std::string_view query;           // after '?', without it; empty if none
  std::span<const Header> headers;  // as received, in order
  std::string_view payload_hash;    // lower-case hex SHA-256 of the body
};

// ---- Primitives ----------------------------------------------------------------------------

// Lower-case hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// The 32 raw bytes of HMAC-SHA256(key, data).
std::string HmacSha256(std::string_view key, std::string_view data);
// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

// "20150830T123600Z" for `time` (UTC).
std::string FormatAmzDate(TimePoint time);
// Parses ISO 8601 basic format, exactly "YYYYMMDDTHHMMSSZ"; nullopt for anything else.
std::optional<TimePoint> ParseAmzDate(std::string_view text);
// Parses an HTTP date in IMF-fixdate form, "Sun, 30 Aug 2015 12:36:00 GMT"; nullopt otherwise.
std::optional<TimePoint> ParseHttpDate(std::string_view text);

// ---- Canonical request ---------------------------------------------------------------------

// Percent-encodes every byte except A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash), with
// upper-case hex digits.
std::string UriEncode(std::string_view text, bool keep_slash);
// The canonical URI of a path as sent: dot segments resolved, empty segments dropped (a
// trailing slash kept), then UriEncode(keep_slash). "" and "//" give "/".
std::string CanonicalUri(std::string_view path);
// The canonical query string: '&'-separated parameters, each split at its first '=' (a missing
// value is ""), names and values percent-decoded then UriEncode'd, sorted by name then value,
// joined as name=value with '&'. Parameters named `exclude` (after decoding) are left out: the
// verifier passes "X-Amz-Signature" for query-string authentication.
std::string CanonicalQueryString(std::string_view query, std::string_view exclude = {});
// A header value as it enters the canonical request: trimmed, inner whitespace runs (space,
// tab, CR, LF) collapsed to one space.
std::string CanonicalHeaderValue(std::string_view value);
// The signed header names of a SignedHeaders list ("host;x-amz-date"), lower-cased, in order;
// empty names are dropped.
std::vector<std::string> SplitSignedHeaders(std::string_view signed_headers);
// The canonical request for `request`, signing the headers named in `signed_headers` (lower
// case, in the order given; see SplitSignedHeaders). A signed header the request lacks enters
// as "name:" with an empty value. `exclude_query` as for CanonicalQueryString.
std::string CanonicalRequest(const Request& request, std::span<const std::string> signed_headers,
                             std::string_view exclude_query = {});

// ---- String to sign, key, signature ---------------------------------------------------------

// "20150830/us-east-1/dynamodb/aws4_request".
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);
// The string to sign for a canonical request. `amz_date` is "YYYYMMDDTHHMMSSZ".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// The 32-byte signing key. `date` is "YYYYMMDD".
std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service);
// Lower-case hex HMAC-SHA256(signing_key, string_to_sign).
std::string Signature(std::string_view signing_key, std::string_view string_to_sign);

// ---- Signer --------------------------------------------------------------------------------

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term credentials
};

struct SigningParams {
  Credentials credentials;
  std::string region;
  std::string service;
  TimePoint time;
  // With a session token: true signs X-Amz-Security-Token like any header (what SDKs do);
  // false adds it after signing, unsigned (some services' older convention).
  bool sign_session_token = true;
};

struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // lower-case hex
  std::string signed_headers;  // "host;x-amz-date"
  std::string authorization;   // the Authorization header value
  // Headers to add to the request as sent, in this order: X-Amz-Date (when the request has
  // neither it nor the same time already), X-Amz-Security-Token (with a session token the
  // request does not carry yet), then Authorization.
  std::vector<std::pair<std::string, std::string>> headers_to_add;
};

// Signs `request`. Every header is signed except Authorization and those botocore never signs
// (hop-by-hop headers, Expect, User-Agent, X-Amzn-Trace-Id); signed header names are sorted.
// Outcomes:
//   - the signed request;
//   - Internal error: the request has no Host header, or an X-Amz-Date header that is not
//     `params.time` (a caller bug).
Result<SignedRequest> Sign(const Request& request, const SigningParams& params);

// ---- Verifier steps ------------------------------------------------------------------------
// Each step answers with the error AWS sends (type and exact message) or success. proxy/auth.cc
// runs them in DynamoDB's order: ParseClaim, ParseRequestTime, CheckRequestTime,
// CheckHostSigned, CheckAlgorithm, ParseCredential, CheckScope, then (key lookup) and
// VerifySignature.

// What a request claims about its signature, from its Authorization header or, without one,
// from X-Amz-* query parameters (query-string authentication).
struct Claim {
  bool in_query = false;
  std::string authorization;   // the header as received (empty for query authentication)
  std::string algorithm;       // "AWS4-HMAC-SHA256"
  std::string credential;      // "AKID/20150830/us-east-1/dynamodb/aws4_request"
  std::string signed_headers;  // "host;x-amz-date", as sent
  std::string signature;
  std::string date;     // X-Amz-Date (header or query) or else the Date header
  std::string expires;  // X-Amz-Expires (query authentication only), may be empty
};

// Finds and splits the claim. Outcomes:
//   - the claim;
//   - MissingAuthenticationToken "Request is missing Authentication Token": no Authorization
//     header and no X-Amz-Algorithm/-Credential/-Signature/-SignedHeaders query parameter, or
//     an Authorization header that does not start with "AWS4-";
//   - IncompleteSignature "'X' not a valid key=value pair (missing equal-sign) in Authorization
//     header: '<header>'." for the first comma-separated element without '=';
//   - IncompleteSignature "Authorization header requires 'Credential' parameter. Authorization
//     header requires 'Signature' parameter. Authorization header requires 'SignedHeaders'
//     parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date'
//     header. Authorization=<header>" with the sentences for what is missing (Credential and
//     Signature must be non-empty; SignedHeaders may be empty here);
//   - IncompleteSignature "AWS query-string parameters must include 'X-Amz-...'. ...
//     Re-examine the query-string parameters." for query authentication.
Result<Claim> ParseClaim(const Request& request);

// The request time from Claim::date: ISO 8601 basic format, or an IMF-fixdate Date header.
// IncompleteSignature "Date must be in ISO-8601 'basic format'. Got '<date>'. See
// http://en.wikipedia.org/wiki/ISO_8601" otherwise.
Result<TimePoint> ParseRequestTime(std::string_view date);

// The request time must be within `window` of `now` (both ends inclusive). InvalidSignature:
//   "Signature expired: <t> is now earlier than <now - window> (<now> - 15 min.)"
//   "Signature not yet current: <t> is still later than <now + window> (<now> + 15 min.)"
// (the window written as "N min" when whole minutes, else "N sec"). For query authentication
// with a numeric X-Amz-Expires, the request also expires that many seconds after its time,
// reported with the same "Signature expired" sentence written for that span; a non-numeric
// X-Amz-Expires is ignored (the window still bounds the request).
Status CheckRequestTime(const Claim& claim, TimePoint request_time, TimePoint now,
                        std::chrono::seconds window);

// InvalidSignature "'Host' must be a 'SignedHeader' in the AWS Authorization." unless host is
// among the signed headers.
Status CheckHostSigned(std::string_view signed_headers);

// IncompleteSignature "Unsupported AWS 'algorithm': '<algorithm>' (only AWS4-HMAC-SHA256 for
// now). " unless the algorithm is AWS4-HMAC-SHA256.
Status CheckAlgorithm(std::string_view algorithm);

struct CredentialScopeParts {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::string terminator;
};

// Splits "AKID/date/region/service/aws4_request" (trailing slashes ignored). IncompleteSignature
// "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term,
// got '<credential>'" otherwise.
Result<CredentialScopeParts> ParseCredential(std::string_view credential);

// The scope must name a valid region (`region`, or any non-empty one when `region` is empty),
// `service`, the aws4_request terminator and the request's date. InvalidSignature with one
// sentence per fault, in this order, each followed by a space:
//   "Credential should be scoped to a valid region, not '<region>'. "
//   "Credential should be scoped to correct service: '<service>'. "
//   "Credential should be scoped with a valid terminator: 'aws4_request', not '<term>'. "
//   "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP:
//    '<date>' != '<YYYYMMDD>', from '<YYYYMMDDTHHMMSSZ>'. "
Status CheckScope(const CredentialScopeParts& scope, TimePoint request_time,
                  std::string_view region, std::string_view service);

// Recomputes the signature with `secret_access_key` and compares it (constant time) with the
// claimed one. InvalidSignature "The request signature we calculated does not match the
// signature you provided. Check your AWS Secret Access Key and signing method. Consult the
// service documentation for details." on mismatch.
Status VerifySignature(const Request& request, const Claim& claim,
                       const CredentialScopeParts& scope, TimePoint request_time,
                       std::string_view secret_access_key);

}  // namespace ddbx::api::sigv4
