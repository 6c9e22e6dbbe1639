// AWS Signature Version 4. See sigv4.h for the algorithm and the messages.
#include "api/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ddbx::api::sigv4 {
namespace {

constexpr std::string_view kMissingToken = "Request is missing Authentication Token";
constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

// The first header named `lower_name` (any case), or nullptr.
const Header* FindHeader(std::span<const Header> headers, std::string_view lower_name) {
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, lower_name)) return &h;
  }
  return nullptr;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; a '%' not followed by two hex digits stays as it is. '+' stays '+'.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Splits a query string into decoded (name, value) pairs; empty parameters are skipped.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    params.emplace_back(PercentDecode(name), PercentDecode(value));
  }
  return params;
}

const std::string* FindParam(const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

Error Incomplete(std::string message) {
  return Error{ErrorCode::kIncompleteSignature, std::move(message)};
}
Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidSignature, std::move(message)};
}

// "15 min" or "90 sec", as AWS writes the allowed skew.
std::string SpanText(std::chrono::seconds span) {
  int64_t secs = span.count();
  if (secs % 60 == 0) return std::to_string(secs / 60) + " min";
  return std::to_string(secs) + " sec";
}

bool ParseDigits(std::string_view s, int* out) {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<TimePoint> MakeTime(int year, int month, int day, int hour, int minute, int second) {
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(year),
                                  std::chrono::month(static_cast<unsigned>(month)),
                                  std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  return TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second);
}

// Headers botocore never signs: hop-by-hop ones and those proxies rewrite.
constexpr std::array<std::string_view, 12> kUnsignedHeaders = {"authorization",
                                                               "connection",
                                                               "expect",
                                                               "keep-alive",
                                                               "proxy-authenticate",
                                                               "proxy-authorization",
                                                               "te",
                                                               "trailer",
                                                               "transfer-encoding",
                                                               "upgrade",
                                                               "user-agent",
                                                               "x-amzn-trace-id"};

}  // namespace

// ---- Primitives ----------------------------------------------------------------------------

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHexLower[c >> 4]);
    out.push_back(kHexLower[c & 15]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &out_len);
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string FormatAmzDate(TimePoint time) {
  std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(time);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss<std::chrono::seconds> hms(time - day);
  int year = static_cast<int>(ymd.year());
  unsigned fields[5] = {static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<unsigned>(hms.hours().count()),
                        static_cast<unsigned>(hms.minutes().count()),
                        static_cast<unsigned>(hms.seconds().count())};
  std::string out;
  out.reserve(16);
  std::string y = std::to_string(year);
  if (y.size() < 4) out.append(4 - y.size(), '0');
  out += y;
  for (int i = 0; i < 5; ++i) {
    if (i == 2) out.push_back('T');
    out.push_back(static_cast<char>('0' + fields[i] / 10));
    out.push_back(static_cast<char>('0' + fields[i] % 10));
  }
  out.push_back('Z');
  return out;
}

std::optional<TimePoint> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  int year, month, day, hour, minute, second;
  if (!ParseDigits(text.substr(0, 4), &year) || !ParseDigits(text.substr(4, 2), &month) ||
      !ParseDigits(text.substr(6, 2), &day) || !ParseDigits(text.substr(9, 2), &hour) ||
      !ParseDigits(text.substr(11, 2), &minute) || !ParseDigits(text.substr(13, 2), &second)) {
    return std::nullopt;
  }
  return MakeTime(year, month, day, hour, minute, second);
}

std::optional<TimePoint> ParseHttpDate(std::string_view text) {
  // "Sun, 30 Aug 2015 12:36:00 GMT": 29 characters, fixed positions.
  static constexpr std::string_view kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  int year, day, hour, minute, second;
  if (month == 0 || !ParseDigits(text.substr(5, 2), &day) ||
      !ParseDigits(text.substr(12, 4), &year) || !ParseDigits(text.substr(17, 2), &hour) ||
      !ParseDigits(text.substr(20, 2), &minute) || !ParseDigits(text.substr(23, 2), &second)) {
    return std::nullopt;
  }
  return MakeTime(year, month, day, hour, minute, second);
}

// ---- Canonical request ---------------------------------------------------------------------

std::string UriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 15]);
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view path) {
  // Resolve "." and ".." and drop empty segments (RFC 3986 section 5.2.4, plus merging
  // repeated slashes), keeping a trailing slash.
  std::vector<std::string_view> segments;
  std::string_view rest = path;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string normalized = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) normalized.push_back('/');
    normalized.append(segments[i]);
  }
  if (!segments.empty() && !path.empty() && path.back() == '/') normalized.push_back('/');
  return UriEncode(normalized, /*keep_slash=*/true);
}

std::string CanonicalQueryString(std::string_view query, std::string_view exclude) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (auto& [name, value] : ParseQuery(query)) {
    if (!exclude.empty() && name == exclude) continue;
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view value) {
  value = Trim(value);
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> SplitSignedHeaders(std::string_view signed_headers) {
  std::vector<std::string> names;
  while (!signed_headers.empty()) {
    size_t semi = signed_headers.find(';');
    std::string_view name = Trim(signed_headers.substr(0, semi));
    signed_headers =
        semi == std::string_view::npos ? std::string_view() : signed_headers.substr(semi + 1);
    if (!name.empty()) names.push_back(Lower(name));
  }
  return names;
}

std::string CanonicalRequest(const Request& request, std::span<const std::string> signed_headers,
                             std::string_view exclude_query) {
  std::string out;
  out.reserve(256 + request.path.size() + request.query.size());
  out.append(request.method);
  out.push_back('\n');
  out += CanonicalUri(request.path);
  out.push_back('\n');
  out += CanonicalQueryString(request.query, exclude_query);
  out.push_back('\n');
  for (const std::string& name : signed_headers) {
    out += name;
    out.push_back(':');
    bool first = true;
    for (const Header& h : request.headers) {
      if (!EqualsIgnoreCase(h.name, name)) continue;
      if (!first) out.push_back(',');
      first = false;
      out += CanonicalHeaderValue(h.value);
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out.push_back(';');
    out += signed_headers[i];
  }
  out.push_back('\n');
  out.append(request.payload_hash);
  return out;
}

// ---- String to sign, key, signature ---------------------------------------------------------

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + kTerminator.size() + 3);
  out.append(date).append("/").append(region).append("/").append(service).append("/");
  out.append(kTerminator);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 67);
  out.append(kAlgorithm).append("\n").append(amz_date).append("\n").append(scope).append("\n");
  out += Sha256Hex(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret.append(secret_access_key);
  std::string k_date = HmacSha256(secret, date);
  OPENSSL_cleanse(secret.data(), secret.size());
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, kTerminator);
}

std::string Signature(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

// ---- Signer --------------------------------------------------------------------------------

Result<SignedRequest> Sign(const Request& request, const SigningParams& params) {
  if (FindHeader(request.headers, "host") == nullptr) {
    return Error::Internal("SigV4 signing requires a Host header");
  }
  const std::string amz_date = FormatAmzDate(params.time);
  const Header* existing_date = FindHeader(request.headers, "x-amz-date");
  if (existing_date != nullptr && Trim(existing_date->value) != amz_date) {
    return Error::Internal("X-Amz-Date header '" + std::string(existing_date->value) +
                           "' is not the signing time " + amz_date);
  }
  const std::string& token = params.credentials.session_token;
  const bool has_token_header = FindHeader(request.headers, "x-amz-security-token") != nullptr;

  SignedRequest signed_request;
  std::vector<Header> headers(request.headers.begin(), request.headers.end());
  if (existing_date == nullptr) {
    signed_request.headers_to_add.emplace_back("X-Amz-Date", amz_date);
  }
  if (!token.empty() && !has_token_header) {
    signed_request.headers_to_add.emplace_back("X-Amz-Security-Token", token);
  }
  for (const auto& [name, value] : signed_request.headers_to_add) {
    headers.push_back(Header{name, value});
  }

  std::vector<std::string> names;
  for (const Header& h : headers) {
    std::string name = Lower(h.name);
    if (std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), name) !=
        kUnsignedHeaders.end()) {
      continue;
    }
    if (!params.sign_session_token && name == "x-amz-security-token") continue;
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  Request full = request;
  full.headers = headers;
  std::string date = amz_date.substr(0, 8);
  std::string scope = CredentialScope(date, params.region, params.service);
  signed_request.canonical_request = CanonicalRequest(full, names);
  signed_request.string_to_sign = StringToSign(amz_date, scope, signed_request.canonical_request);
  signed_request.signature = Signature(
      SigningKey(params.credentials.secret_access_key, date, params.region, params.service),
      signed_request.string_to_sign);
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) signed_request.signed_headers.push_back(';');
    signed_request.signed_headers += names[i];
  }
  signed_request.authorization = std::string(kAlgorithm) +
                                 " Credential=" + params.credentials.access_key_id + "/" + scope +
                                 ", SignedHeaders=" + signed_request.signed_headers +
                                 ", Signature=" + signed_request.signature;
  signed_request.headers_to_add.emplace_back("Authorization", signed_request.authorization);
  return signed_request;
}

// ---- Verifier steps ------------------------------------------------------------------------

namespace {

Result<Claim> ParseQueryClaim(const Request& request) {
  auto params = ParseQuery(request.query);
  const std::string* algorithm = FindParam(params, "X-Amz-Algorithm");
  const std::string* credential = FindParam(params, "X-Amz-Credential");
  const std::string* signature = FindParam(params, "X-Amz-Signature");
  const std::string* signed_headers = FindParam(params, "X-Amz-SignedHeaders");
  const std::string* date = FindParam(params, "X-Amz-Date");
  if (!algorithm && !credential && !signature && !signed_headers) {
    return Error{ErrorCode::kMissingAuthenticationToken, std::string(kMissingToken)};
  }
  std::string message;
  auto require = [&](const std::string* value, std::string_view name) {
    if (value == nullptr || value->empty()) {
      message += "AWS query-string parameters must include '";
      message += name;
      message += "'. ";
    }
  };
  require(algorithm, "X-Amz-Algorithm");
  require(credential, "X-Amz-Credential");
  require(signature, "X-Amz-Signature");
  if (signed_headers == nullptr) {  // may be empty here, as the header form's SignedHeaders
    message += "AWS query-string parameters must include 'X-Amz-SignedHeaders'. ";
  }
  require(date, "X-Amz-Date");
  if (!message.empty()) return Incomplete(message + "Re-examine the query-string parameters.");
  Claim claim;
  claim.in_query = true;
  claim.algorithm = *algorithm;
  claim.credential = *credential;
  claim.signature = *signature;
  claim.signed_headers = *signed_headers;
  claim.date = *date;
  if (const std::string* expires = FindParam(params, "X-Amz-Expires")) claim.expires = *expires;
  return claim;
}

}  // namespace

Result<Claim> ParseClaim(const Request& request) {
  const Header* auth_header = FindHeader(request.headers, "authorization");
  if (auth_header == nullptr) return ParseQueryClaim(request);

  Claim claim;
  claim.authorization = std::string(auth_header->value);
  std::string_view auth = Trim(auth_header->value);
  if (auth.substr(0, 5) != "AWS4-") {
    return Error{ErrorCode::kMissingAuthenticationToken, std::string(kMissingToken)};
  }
  size_t space = auth.find_first_of(" \t");
  claim.algorithm = std::string(auth.substr(0, space));
  std::string_view rest = space == std::string_view::npos ? std::string_view() : auth.substr(space);

  bool have_credential = false, have_signature = false, have_signed_headers = false;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view element = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (element.empty()) continue;
    size_t eq = element.find('=');
    if (eq == std::string_view::npos) {
      return Incomplete("'" + std::string(element) +
                        "' not a valid key=value pair (missing equal-sign) in Authorization "
                        "header: '" +
                        claim.authorization + "'.");
    }
    std::string_view key = Trim(element.substr(0, eq));
    std::string_view value = Trim(element.substr(eq + 1));
    if (key == "Credential" && !have_credential) {
      claim.credential = std::string(value);
      have_credential = !value.empty();
    } else if (key == "Signature" && !have_signature) {
      claim.signature = std::string(value);
      have_signature = !value.empty();
    } else if (key == "SignedHeaders" && !have_signed_headers) {
      claim.signed_headers = std::string(value);
      have_signed_headers = true;  // may be empty at this point, as in AWS
    }
  }
  const Header* date = FindHeader(request.headers, "x-amz-date");
  if (date == nullptr) date = FindHeader(request.headers, "date");
  if (date != nullptr) claim.date = std::string(Trim(date->value));

  std::string message;
  if (!have_credential) message += "Authorization header requires 'Credential' parameter. ";
  if (!have_signature) message += "Authorization header requires 'Signature' parameter. ";
  if (!have_signed_headers) message += "Authorization header requires 'SignedHeaders' parameter. ";
  if (date == nullptr) {
    message +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!message.empty()) return Incomplete(message + "Authorization=" + claim.authorization);
  return claim;
}

Result<TimePoint> ParseRequestTime(std::string_view date) {
  if (auto t = ParseAmzDate(date)) return *t;
  if (auto t = ParseHttpDate(date)) return *t;
  return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + std::string(date) +
                    "'. See http://en.wikipedia.org/wiki/ISO_8601");
}

Status CheckRequestTime(const Claim& claim, TimePoint request_time, TimePoint now,
                        std::chrono::seconds window) {
  const std::string t = FormatAmzDate(request_time);
  if (request_time < now - window) {
    return Invalid("Signature expired: " + t + " is now earlier than " +
                   FormatAmzDate(now - window) + " (" + FormatAmzDate(now) + " - " +
                   SpanText(window) + ".)");
  }
  if (request_time > now + window) {
    return Invalid("Signature not yet current: " + t + " is still later than " +
                   FormatAmzDate(now + window) + " (" + FormatAmzDate(now) + " + " +
                   SpanText(window) + ".)");
  }
  int expires = 0;
  if (claim.in_query && claim.expires.size() <= 9 && ParseDigits(claim.expires, &expires)) {
    std::chrono::seconds span(expires);
    if (request_time < now - span) {
      return Invalid("Signature expired: " + t + " is now earlier than " +
                     FormatAmzDate(now - span) + " (" + FormatAmzDate(now) + " - " +
                     SpanText(span) + ".)");
    }
  }
  return Status::Ok();
}

Status CheckHostSigned(std::string_view signed_headers) {
  for (const std::string& name : SplitSignedHeaders(signed_headers)) {
    if (name == "host") return Status::Ok();
  }
  return Invalid("'Host' must be a 'SignedHeader' in the AWS Authorization.");
}

Status CheckAlgorithm(std::string_view algorithm) {
  if (algorithm == kAlgorithm) return Status::Ok();
  return Incomplete("Unsupported AWS 'algorithm': '" + std::string(algorithm) +
                    "' (only AWS4-HMAC-SHA256 for now). ");
}

Result<CredentialScopeParts> ParseCredential(std::string_view credential) {
  std::string_view trimmed = credential;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
  std::vector<std::string_view> parts;
  while (true) {
    size_t slash = trimmed.find('/');
    parts.push_back(trimmed.substr(0, slash));
    if (slash == std::string_view::npos) break;
    trimmed = trimmed.substr(slash + 1);
  }
  if (parts.size() != 5) {
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" +
        std::string(credential) + "'");
  }
  return CredentialScopeParts{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                              std::string(parts[3]), std::string(parts[4])};
}

Status CheckScope(const CredentialScopeParts& scope, TimePoint request_time,
                  std::string_view region, std::string_view service) {
  std::string message;
  if (scope.region.empty() || (!region.empty() && scope.region != region)) {
    message += "Credential should be scoped to a valid region, not '" + scope.region + "'. ";
  }
  if (scope.service != service) {
    message += "Credential should be scoped to correct service: '" + std::string(service) + "'. ";
  }
  if (scope.terminator != kTerminator) {
    message += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
               scope.terminator + "'. ";
  }
  const std::string amz_date = FormatAmzDate(request_time);
  const std::string_view day = std::string_view(amz_date).substr(0, 8);
  if (scope.date != day) {
    message +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '" +
        scope.date + "' != '" + std::string(day) + "', from '" + amz_date + "'. ";
  }
  if (!message.empty()) return Invalid(std::move(message));
  return Status::Ok();
}

Status VerifySignature(const Request& request, const Claim& claim,
                       const CredentialScopeParts& scope, TimePoint request_time,
                       std::string_view secret_access_key) {
  std::vector<std::string> names = SplitSignedHeaders(claim.signed_headers);
  std::string canonical_request =
      CanonicalRequest(request, names, claim.in_query ? "X-Amz-Signature" : std::string_view());
  std::string string_to_sign =
      StringToSign(FormatAmzDate(request_time),
                   CredentialScope(scope.date, scope.region, scope.service), canonical_request);
  std::string expected = Signature(
      SigningKey(secret_access_key, scope.date, scope.region, scope.service), string_to_sign);
  if (claim.signature.size() == expected.size() &&
      CRYPTO_memcmp(claim.signature.data(), expected.data(), expected.size()) == 0) {
    return Status::Ok();
  }
  return Invalid(
      "The request signature we calculated does not match the signature you provided. Check "
      "your AWS Secret Access Key and signing method. Consult the service documentation for "
      "details.");
}

}  // namespace ddbx::api::sigv4
