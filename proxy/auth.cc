// Authenticator: DynamoDB's order of authentication checks over api/sigv4.h.
#include "proxy/auth.h"

#include <string>
#include <utility>
#include <vector>

#include "api/sigv4.h"

namespace ddbx::proxy {
namespace {

namespace sigv4 = api::sigv4;

// Splits a request target into path and query. An absolute-form target
// ("http://host:port/path?q") loses its scheme and authority first.
void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query) {
  if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
    size_t authority = target.find("//") + 2;
    size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
  }
  size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  size_t question = target.find('?');
  *path = target.substr(0, question);
  *query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
}

}  // namespace

std::optional<AuthMode> ParseAuthMode(std::string_view text) {
  if (text == "none") return AuthMode::kNone;
  if (text == "sigv4") return AuthMode::kSigV4;
  return std::nullopt;
}

std::string_view AuthModeName(AuthMode mode) {
  switch (mode) {
    case AuthMode::kNone:
      return "none";
    case AuthMode::kSigV4:
      return "sigv4";
  }
  return "none";
}

Authenticator::Authenticator(AuthOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
}

api::Status Authenticator::Verify(const HttpRequest& request) const {
  std::vector<sigv4::Header> headers;
  headers.reserve(request.headers.size());
  for (const HttpHeader& h : request.headers) headers.push_back(sigv4::Header{h.name, h.value});
  sigv4::Request req;
  req.method = request.method;
  SplitTarget(request.target, &req.path, &req.query);
  req.headers = headers;

  // 1-2: present and well formed.
  api::Result<sigv4::Claim> claim = sigv4::ParseClaim(req);
  if (!claim.ok()) return claim.take_error();

  if (options_.mode == AuthMode::kNone) {
    // DynamoDB Local reads the access key id and region from the credential; check only the
    // shape it needs.
    if (api::Status s = sigv4::CheckAlgorithm(claim.value().algorithm); !s.ok()) return s;
    api::Result<sigv4::CredentialScopeParts> scope =
        sigv4::ParseCredential(claim.value().credential);
    if (!scope.ok()) return scope.take_error();
    return api::Status::Ok();
  }

  // 3-4: the request time.
  api::Result<sigv4::TimePoint> time = sigv4::ParseRequestTime(claim.value().date);
  if (!time.ok()) return time.take_error();
  sigv4::TimePoint now = std::chrono::floor<std::chrono::seconds>(options_.clock());
  if (api::Status s = sigv4::CheckRequestTime(claim.value(), time.value(), now, options_.max_skew);
      !s.ok()) {
    return s;
  }
  // 5-8: what was signed, how, and for which scope.
  if (api::Status s = sigv4::CheckHostSigned(claim.value().signed_headers); !s.ok()) return s;
  if (api::Status s = sigv4::CheckAlgorithm(claim.value().algorithm); !s.ok()) return s;
  api::Result<sigv4::CredentialScopeParts> scope = sigv4::ParseCredential(claim.value().credential);
  if (!scope.ok()) return scope.take_error();
  if (api::Status s =
          sigv4::CheckScope(scope.value(), time.value(), options_.region, options_.service);
      !s.ok()) {
    return s;
  }
  // 9: the key.
  auto key = options_.keys.find(scope.value().access_key_id);
  if (key == options_.keys.end()) {
    return api::Error{api::ErrorCode::kUnrecognizedClient,
                      "The security token included in the request is invalid."};
  }
  // 10: the signature, over the body's hash.
  std::string payload_hash = sigv4::Sha256Hex(request.body);
  req.payload_hash = payload_hash;
  return sigv4::VerifySignature(req, claim.value(), scope.value(), time.value(), key->second);
}

}  // namespace ddbx::proxy
