// Authenticator: applies ddbx's auth mode to each request before it is dispatched.
//
// Two modes:
//   none   DynamoDB Local's behaviour: a request must carry SigV4 authentication in a
//          well-formed shape (an Authorization header, or X-Amz-* query parameters), but the
//          signature, the keys, the region and the clock are not checked. A request with no
//          authentication at all is refused, as DynamoDB Local refuses it (DynamoDB Local says
//          so in its own words; ddbx answers with DynamoDB's error, which SDKs know).
//   sigv4  DynamoDB's behaviour: the signature is verified against the secret of the access key
//          id it names, taken from the map given at construction.
// Checks run in DynamoDB's order and fail with DynamoDB's error type and message (see
// api/sigv4.h for each message):
//   1. authentication present ........ MissingAuthenticationToken
//   2. header well formed, date given  IncompleteSignature
//   3. date format .................... IncompleteSignature       (sigv4 only)
//   4. time within the window ......... InvalidSignature          (sigv4 only)
//   5. host among signed headers ...... InvalidSignature          (sigv4 only)
//   6. algorithm AWS4-HMAC-SHA256 ..... IncompleteSignature
//   7. credential has 5 parts ......... IncompleteSignature
//   8. scope: region, service, terminator, date  InvalidSignature  (sigv4 only)
//   9. access key id known ............ UnrecognizedClient        (sigv4 only)
//  10. signature matches .............. InvalidSignature          (sigv4 only)
// The body is hashed (SHA-256) only for step 10.
//
// Threads: immutable after construction; Verify() may run on every worker thread at once. The
// clock is called from those threads and must be thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/error.h"
#include "proxy/http_server.h"

namespace ddbx::proxy {

enum class AuthMode {
  kNone,
  kSigV4,
};

// "none" or "sigv4"; nullopt for anything else.
std::optional<AuthMode> ParseAuthMode(std::string_view text);
std::string_view AuthModeName(AuthMode mode);

struct AuthOptions {
  AuthMode mode = AuthMode::kNone;
  // sigv4: access key id -> secret access key.
  std::unordered_map<std::string, std::string> keys;
  // sigv4: the region credential scopes must name; empty accepts any (non-empty) region.
  std::string region;
  // The service credential scopes must name.
  std::string service = "dynamodb";
  // sigv4: how far the request time may be from now, either way. AWS uses 15 minutes.
  std::chrono::seconds max_skew = std::chrono::minutes(15);
  // The current time. Empty: std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class Authenticator {
 public:
  explicit Authenticator(AuthOptions options);

  // Accepts or rejects `request`. Outcomes: OK; or an Error of type MissingAuthenticationToken,
  // IncompleteSignature, InvalidSignature or UnrecognizedClient carrying DynamoDB's message.
  api::Status Verify(const HttpRequest& request) const;

  AuthMode mode() const { return options_.mode; }

 private:
  AuthOptions options_;
};

}  // namespace ddbx::proxy
