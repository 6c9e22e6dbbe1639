// Loading a Config: one table of settings drives all four layers.
//
// kSettings lists every scalar setting once: its TOML key, environment variable, flag, kind
// (string, integer, boolean), what values are allowed, and how to store one. Each layer turns
// what it found into a Value of the setting's kind and hands it to Apply():
//   - the TOML file: the document is walked table by table; a key that is neither a setting nor
//     a table of settings is an error; a value of the wrong TOML type is an error;
//   - the environment and the flags: text, converted by kind (integers in decimal, booleans as
//     true/false/1/0).
// Apply() range-checks integers, lets the setting's own setter check strings, and builds the
// error message from the setting's key, the value as given, what is allowed, and the source.
// The access keys do not fit one scalar and are handled on their own: [[auth.keys]] tables from
// the file, then one pair from DDBX_AUTH_ACCESS_KEY_ID + DDBX_AUTH_SECRET_ACCESS_KEY.
//
// toml++ is installed as a shared library built with exceptions (its `ex` ABI), so TOML_EXCEPTIONS
// cannot be turned off here without losing the link; toml::parse_error is caught around the one
// parse call instead. CLI11 throws on malformed command lines; caught around the one parse call.
#include "config/config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <exception>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>
#include <variant>

namespace ddbx::config {
namespace {

using api::Error;
using api::Result;
using api::Status;

enum class Kind { kString, kInteger, kBool };
// Finds an environment variable by name; nullptr when unset or empty.
using Lookup = std::function<const char*(std::string_view)>;
using Value = std::variant<std::string, std::int64_t, bool>;

// One scalar setting. Integers carry their range; strings and booleans a description of what is
// allowed. set() stores a value of the setting's kind (integers already range-checked); for a
// value it rejects it returns false and may point *why at a more precise description.
struct Setting {
  std::string_view key;             // TOML key, dotted for nested tables: "http.max_body_bytes"
  std::string_view env;             // environment variable
  std::string_view flag = {};       // "--listen", or empty when the setting has no flag
  std::string_view type_name = {};  // the flag's value in --help: "HOST:PORT", "N"
  std::string_view help = {};       // one line for --help
  Kind kind = Kind::kString;
  std::int64_t min = 0;  // kInteger: smallest allowed
  std::int64_t max = 0;  // kInteger: largest allowed
  std::string_view allowed = {};
  bool (*set)(Config&, const Value&, std::string_view* why) = nullptr;
  std::string (*get)(const Config&) = nullptr;  // the value as a flag would spell it
};

constexpr std::string_view kListenShape =
    "HOST:PORT with HOST an IPv4 address or an IPv6 address in brackets, e.g. 127.0.0.1:8000 or "
    "[::1]:8000";
constexpr std::string_view kListenHost =
    "HOST:PORT with HOST an IPv4 address such as 0.0.0.0 or a bracketed IPv6 address such as [::], "
    "not a host name";
constexpr std::string_view kListenPort = "HOST:PORT with a port from 0 to 65535";

// Parses text as HOST:PORT into *out. Returns empty on success, else what was expected.
std::string_view ParseListen(std::string_view text, ListenAddress* out) {
  std::string_view host;
  std::string_view port;
  bool ipv6 = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return kListenHost;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return kListenShape;
    port = rest.substr(1);
    ipv6 = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return kListenShape;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return kListenHost;  // IPv6 without brackets
  }
  if (host.empty()) return kListenHost;
  const std::string host_z(host);
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(ipv6 ? AF_INET6 : AF_INET, host_z.c_str(), buf) != 1) return kListenHost;
  if (port.empty() || port.size() > 5) return kListenPort;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return kListenPort;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return kListenPort;
  out->host = host_z;
  out->port = static_cast<std::uint16_t>(value);
  out->ipv6 = ipv6;
  return {};
}

bool IsRegion(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  if (s.front() < 'a' || s.front() > 'z' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsAccountId(std::string_view s) {
  return s.size() == 12 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

constexpr std::string_view kAccessKeyIdAllowed = "1 to 128 letters, digits or underscores";
constexpr std::string_view kSecretAllowed = "1 to 128 printable ASCII characters without spaces";

bool IsAccessKeyId(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsSecret(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

const std::string& Str(const Value& v) { return std::get<std::string>(v); }
std::int64_t Int(const Value& v) { return std::get<std::int64_t>(v); }

// Parses a log level or auth mode name: one of `names`, exactly as spelled.
template <class Enum, size_t N>
bool ParseName(std::string_view text, const std::string_view (&names)[N], Enum* out) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) {
      *out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

constexpr std::string_view kLogLevelNames[] = {"trace", "debug", "info", "warn", "error", "off"};
constexpr std::string_view kAuthModeNames[] = {"none", "sigv4"};
constexpr std::string_view kCacheModeNames[] = {"coherent", "dax"};

// The TTL settings' range: 0 (that kind of entry is not cached) to 30 days.
constexpr std::int64_t kMaxTtlMs = std::int64_t{30} * 24 * 3600 * 1000;

// Every scalar setting, in the order --help and the docs list them.
const Setting kSettings[] = {
    {.key = "listen",
     .env = "DDBX_LISTEN",
     .flag = "--listen",
     .type_name = "HOST:PORT",
     .help = "address the workers listen on: IPv4 or [IPv6] and a port (0: pick a free port)",
     .kind = Kind::kString,
     .allowed = kListenShape,
     .set =
         [](Config& c, const Value& v, std::string_view* why) {
           const std::string_view problem = ParseListen(Str(v), &c.listen);
           if (problem.empty()) return true;
           *why = problem;
           return false;
         },
     .get = [](const Config& c) { return c.listen.ToString(); }},
    {.key = "data_dir",
     .env = "DDBX_DATA_DIR",
     .flag = "--data-dir",
     .type_name = "DIR",
     .help = "directory of the bundled engine's files (relative to the working directory)",
     .kind = Kind::kString,
     .allowed = "a non-empty directory path",
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           if (Str(v).empty() || Str(v).find('\0') != std::string::npos) return false;
           c.data_dir = Str(v);
           return true;
         },
     .get = [](const Config& c) { return c.data_dir; }},
    {.key = "in_memory",
     .env = "DDBX_IN_MEMORY",
     .flag = "--in-memory",
     .type_name = "",
     .help = "keep all data in memory and write nothing to the data directory",
     .kind = Kind::kBool,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.in_memory = std::get<bool>(v);
           return true;
         },
     .get = [](const Config& c) { return std::string(c.in_memory ? "true" : "false"); }},
    {.key = "threads",
     .env = "DDBX_THREADS",
     .flag = "--threads",
     .type_name = "N",
     .help = "worker threads serving requests, 1 to 1024 (default: the number of cores)",
     .kind = Kind::kInteger,
     .min = 1,
     .max = 1024,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.threads = static_cast<int>(Int(v));
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.threads); }},
    {.key = "engine_threads",
     .env = "DDBX_ENGINE_THREADS",
     .flag = "--engine-threads",
     .type_name = "N",
     .help = "threads of the storage engine's own pool, 1 to 256",
     .kind = Kind::kInteger,
     .min = 1,
     .max = 256,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.engine_threads = static_cast<int>(Int(v));
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.engine_threads); }},
    {.key = "region",
     .env = "DDBX_REGION",
     .flag = "--region",
     .type_name = "REGION",
     .help = "AWS region used in ARNs",
     .kind = Kind::kString,
     .allowed =
         "a region name such as us-east-1: up to 32 lowercase letters, digits and '-', starting "
         "with a letter and not ending with '-'",
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           if (!IsRegion(Str(v))) return false;
           c.region = Str(v);
           return true;
         },
     .get = [](const Config& c) { return c.region; }},
    {.key = "account_id",
     .env = "DDBX_ACCOUNT_ID",
     .type_name = "ID",
     .help = "AWS account id used in ARNs",
     .kind = Kind::kString,
     .allowed = "exactly 12 digits",
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           if (!IsAccountId(Str(v))) return false;
           c.account_id = Str(v);
           return true;
         },
     .get = [](const Config& c) { return c.account_id; }},
    {.key = "log_level",
     .env = "DDBX_LOG_LEVEL",
     .flag = "--log-level",
     .type_name = "LEVEL",
     .help = "least severe log messages written: trace, debug, info, warn, error or off",
     .kind = Kind::kString,
     .allowed = "one of trace, debug, info, warn, error, off",
     .set = [](Config& c, const Value& v,
               std::string_view*) { return ParseName(Str(v), kLogLevelNames, &c.log_level); },
     .get = [](const Config& c) { return std::string(LogLevelName(c.log_level)); }},
    {.key = "http.max_body_bytes",
     .env = "DDBX_HTTP_MAX_BODY_BYTES",
     .type_name = "BYTES",
     .help = "largest request body accepted; larger ones get 413",
     .kind = Kind::kInteger,
     .min = 1024,
     .max = 1073741824,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.http.max_body_bytes = static_cast<std::uint64_t>(Int(v));
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.http.max_body_bytes); }},
    {.key = "http.max_header_bytes",
     .env = "DDBX_HTTP_MAX_HEADER_BYTES",
     .type_name = "BYTES",
     .help = "largest request line plus headers accepted",
     .kind = Kind::kInteger,
     .min = 1024,
     .max = 1048576,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.http.max_header_bytes = static_cast<std::uint64_t>(Int(v));
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.http.max_header_bytes); }},
    {.key = "http.idle_timeout_ms",
     .env = "DDBX_HTTP_IDLE_TIMEOUT_MS",
     .type_name = "MS",
     .help = "a keep-alive connection idle this long is closed",
     .kind = Kind::kInteger,
     .min = 1,
     .max = 86400000,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.http.idle_timeout_ms = static_cast<std::uint64_t>(Int(v));
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.http.idle_timeout_ms); }},
    {.key = "auth.mode",
     .env = "DDBX_AUTH_MODE",
     .flag = "--auth-mode",
     .type_name = "MODE",
     .help = "none: accept every request; sigv4: require an AWS SigV4 signature by auth.keys",
     .kind = Kind::kString,
     .allowed = "one of none, sigv4",
     .set = [](Config& c, const Value& v,
               std::string_view*) { return ParseName(Str(v), kAuthModeNames, &c.auth.mode); },
     .get = [](const Config& c) { return std::string(AuthModeName(c.auth.mode)); }},
    {.key = "auth.clock_skew_seconds",
     .env = "DDBX_AUTH_CLOCK_SKEW_SECONDS",
     .type_name = "SECONDS",
     .help = "how far a request's X-Amz-Date may be from the server's clock",
     .kind = Kind::kInteger,
     .min = 1,
     .max = 86400,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.auth.clock_skew_seconds = Int(v);
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.auth.clock_skew_seconds); }},
    {.key = "cache.enabled",
     .env = "DDBX_CACHE_ENABLED",
     .flag = "--cache",
     .type_name = "",
     .help = "answer eventually consistent reads from the item and query caches (--cache=false: "
             "every request goes to the store)",
     .kind = Kind::kBool,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.cache.enabled = std::get<bool>(v);
           return true;
         },
     .get = [](const Config& c) { return std::string(c.cache.enabled ? "true" : "false"); }},
    {.key = "cache.max_bytes",
     .env = "DDBX_CACHE_MAX_BYTES",
     .flag = "--cache-max-bytes",
     .type_name = "BYTES",
     .help = "memory for the caches: keys, values and per-entry overhead, 1 MiB to 1 TiB",
     .kind = Kind::kInteger,
     .min = 1048576,
     .max = std::int64_t{1} << 40,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.cache.max_bytes = static_cast<std::uint64_t>(Int(v));
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.cache.max_bytes); }},
    {.key = "cache.item_ttl_ms",
     .env = "DDBX_CACHE_ITEM_TTL_MS",
     .flag = "--cache-item-ttl-ms",
     .type_name = "MS",
     .help = "how long a cached item lives (0: items are not cached)",
     .kind = Kind::kInteger,
     .min = 0,
     .max = kMaxTtlMs,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.cache.item_ttl_ms = Int(v);
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.cache.item_ttl_ms); }},
    {.key = "cache.query_ttl_ms",
     .env = "DDBX_CACHE_QUERY_TTL_MS",
     .flag = "--cache-query-ttl-ms",
     .type_name = "MS",
     .help = "how long a cached Query or Scan page lives (0: they are not cached)",
     .kind = Kind::kInteger,
     .min = 0,
     .max = kMaxTtlMs,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.cache.query_ttl_ms = Int(v);
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.cache.query_ttl_ms); }},
    {.key = "cache.negative_ttl_ms",
     .env = "DDBX_CACHE_NEGATIVE_TTL_MS",
     .flag = "--cache-negative-ttl-ms",
     .type_name = "MS",
     .help = "how long a cached 'no such item' lives (0: not cached)",
     .kind = Kind::kInteger,
     .min = 0,
     .max = kMaxTtlMs,
     .set =
         [](Config& c, const Value& v, std::string_view*) {
           c.cache.negative_ttl_ms = Int(v);
           return true;
         },
     .get = [](const Config& c) { return std::to_string(c.cache.negative_ttl_ms); }},
    {.key = "cache.mode",
     .env = "DDBX_CACHE_MODE",
     .flag = "--cache-mode",
     .type_name = "MODE",
     .help = "coherent: Query/Scan results are dropped by writes; dax: they live until their "
             "TTL, as with DAX",
     .kind = Kind::kString,
     .allowed = "one of coherent, dax",
     .set = [](Config& c, const Value& v,
               std::string_view*) { return ParseName(Str(v), kCacheModeNames, &c.cache.mode); },
     .get = [](const Config& c) { return std::string(CacheModeName(c.cache.mode)); }},
};

constexpr std::string_view kConfigEnv = "DDBX_CONFIG";
constexpr std::string_view kAccessKeyIdEnv = "DDBX_AUTH_ACCESS_KEY_ID";
constexpr std::string_view kSecretEnv = "DDBX_AUTH_SECRET_ACCESS_KEY";
constexpr std::string_view kKeysKey = "auth.keys";
constexpr std::string_view kCacheTablesKey = "cache.tables";

const Setting* FindSetting(std::string_view key) {
  for (const Setting& s : kSettings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

// True if `key` names a table of settings ("http", "auth").
bool IsSettingsTable(std::string_view key) {
  const std::string prefix = std::string(key) + ".";
  for (const Setting& s : kSettings) {
    if (s.key.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

// The keys a table may hold, for the unknown-key message: "listen, data_dir, ..., [http]".
std::string KnownKeys(std::string_view table) {
  const std::string prefix = table.empty() ? std::string() : std::string(table) + ".";
  std::vector<std::string> names;
  auto add = [&names](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const Setting& s : kSettings) {
    if (s.key.substr(0, prefix.size()) != prefix) continue;
    const std::string_view rest = s.key.substr(prefix.size());
    const size_t dot = rest.find('.');
    add(dot == std::string_view::npos ? std::string(rest)
                                      : "[" + std::string(rest.substr(0, dot)) + "]");
  }
  if (prefix == "auth.") add("[[auth.keys]]");
  if (prefix == "cache.") add("[cache.tables.\"NAME\"]");
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Concatenates string pieces into one string, sized once.
template <class... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ...));
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string IntegerAllowed(const Setting& s) {
  return "a whole number from " + std::to_string(s.min) + " to " + std::to_string(s.max);
}

// What is allowed, for a value that arrived as text (environment or flag).
std::string TextAllowed(const Setting& s) {
  switch (s.kind) {
    case Kind::kInteger:
      return IntegerAllowed(s);
    case Kind::kBool:
      return "one of true, false, 1, 0";
    case Kind::kString:
      break;
  }
  return std::string(s.allowed);
}

// "the string \"x\"", "the integer 5", "a table": a TOML value as the error message shows it.
std::string DescribeNode(const toml::node& node) {
  if (const auto* s = node.as_string()) return "the string \"" + s->get() + "\"";
  if (const auto* i = node.as_integer()) return "the integer " + std::to_string(i->get());
  if (const auto* b = node.as_boolean())
    return std::string("the boolean ") + (b->get() ? "true" : "false");
  if (const auto* f = node.as_floating_point()) {
    std::ostringstream os;
    os << f->get();
    return "the float " + os.str();
  }
  if (node.is_table()) return "a table";
  if (node.is_array()) return "an array";
  return "a date or time";
}

// The value as the "is not" message shows it: strings quoted, numbers and booleans bare.
std::string ShowValue(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return Quote(*s);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return std::get<bool>(v) ? "true" : "false";
}

Error Invalid(std::string_view key, std::string_view shown, std::string_view allowed,
              std::string_view source) {
  return Error::Validation(std::string(key) + ": " + std::string(shown) + " is not " +
                           std::string(allowed) + " (from " + std::string(source) + ")");
}

std::string FlagSource(std::string_view flag) { return "flag " + std::string(flag); }
std::string EnvSource(std::string_view var) { return "environment variable " + std::string(var); }

// Reads a whole file. Errors name the file and the reason.
Result<std::string> ReadWholeFile(const std::string& path, std::string_view source) {
  auto fail = [&](std::string_view what, int err) {
    return Error::Validation("config file " + Quote(path) + ": " + std::string(what) + ": " +
                             std::error_code(err, std::generic_category()).message() + " (from " +
                             std::string(source) + ")");
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("cannot open it", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return fail("cannot read it", err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return fail("cannot read it", EISDIR);
  }
  std::string content;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return fail("cannot read it", err);
    }
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

// Applies the layers, in order, to one Config, remembering where auth values came from.
class Loader {
 public:
  // Applies one value of the setting's kind. Errors name key, value, allowed and source.
  // `shown` is the value as the message quotes it; empty: derived from v.
  Status Apply(const Setting& s, const Value& v, std::string source, std::string shown = {}) {
    if (shown.empty()) shown = ShowValue(v);
    if (s.kind == Kind::kInteger && (Int(v) < s.min || Int(v) > s.max)) {
      return Invalid(s.key, shown, IntegerAllowed(s), source);
    }
    std::string_view why = s.allowed;
    if (!s.set(config_, v, &why)) return Invalid(s.key, shown, why, source);
    if (s.key == "auth.mode") mode_source_ = std::move(source);
    return Status::Ok();
  }

  // Converts text from the environment or a flag by the setting's kind, then applies it.
  Status ApplyText(const Setting& s, std::string_view text, std::string source) {
    switch (s.kind) {
      case Kind::kString:
        return Apply(s, std::string(text), std::move(source));
      case Kind::kInteger: {
        std::int64_t n = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, n);
        if (text.empty() || ec != std::errc() || ptr != end) {
          return Invalid(s.key, Quote(text), TextAllowed(s), source);
        }
        return Apply(s, n, std::move(source), Quote(text));
      }
      case Kind::kBool:
        if (text == "true" || text == "1") return Apply(s, true, std::move(source), Quote(text));
        if (text == "false" || text == "0") return Apply(s, false, std::move(source), Quote(text));
        return Invalid(s.key, Quote(text), TextAllowed(s), source);
    }
    return Status::Ok();
  }

  // Reads, parses and applies the TOML file at `path` (named by `source`).
  Status ApplyFile(const std::string& path, std::string_view source) {
    config_.config_file = path;
    path_ = path;
    Result<std::string> content = ReadWholeFile(path, source);
    if (!content.ok()) return content.take_error();
    toml::table root;
    try {
      root = toml::parse(content.value(), path);
    } catch (const toml::parse_error& e) {
      const toml::source_position pos = e.source().begin;
      return Error::Validation("config file " + Quote(path) + " line " + std::to_string(pos.line) +
                               ", column " + std::to_string(pos.column) +
                               ": not valid TOML: " + std::string(e.description()));
    }
    return ApplyTable(root, "");
  }

  // Applies every DDBX_* variable that `env` finds (it reports empty ones as unset).
  Status ApplyEnv(const Lookup& env) {
    for (const Setting& s : kSettings) {
      const char* value = env(s.env);
      if (value == nullptr) continue;
      if (Status st = ApplyText(s, value, EnvSource(s.env)); !st.ok()) return st;
    }
    const char* id = env(kAccessKeyIdEnv);
    const char* secret = env(kSecretEnv);
    if ((id == nullptr) != (secret == nullptr)) {
      const bool has_id = id != nullptr;
      return Error::Validation(std::string(kKeysKey) + ": " +
                               std::string(has_id ? kAccessKeyIdEnv : kSecretEnv) + " is set but " +
                               std::string(has_id ? kSecretEnv : kAccessKeyIdEnv) +
                               " is not; set both to add one access key, or neither");
    }
    if (id == nullptr) return Status::Ok();
    const std::string name =
        std::string(kKeysKey) + "[" + std::to_string(config_.auth.keys.size()) + "]";
    return AddKey(name, AccessKey{id, secret}, EnvSource(kAccessKeyIdEnv), EnvSource(kSecretEnv));
  }

  // Checks that need every layer applied. Returns the finished Config.
  Result<Config> Finish() && {
    if (config_.auth.mode == AuthMode::kSigV4 && config_.auth.keys.empty()) {
      return Error::Validation(
          "auth.mode: 'sigv4' needs at least one access key: add [[auth.keys]] with "
          "access_key_id and secret_access_key to the config file, or set " +
          std::string(kAccessKeyIdEnv) + " and " + std::string(kSecretEnv) + " (from " +
          mode_source_ + ")");
    }
    return std::move(config_);
  }

 private:
  std::string FileSource(const toml::source_region& where) const {
    return "config file " + Quote(path_) + " line " + std::to_string(where.begin.line);
  }

  // Applies every entry of `table`, whose dotted name is `prefix` ("" for the root).
  Status ApplyTable(const toml::table& table, const std::string& prefix) {
    for (const auto& [k, node] : table) {
      const std::string key =
          prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      if (const Setting* s = FindSetting(key)) {
        if (Status st = ApplyNode(*s, node); !st.ok()) return st;
      } else if (key == kKeysKey) {
        if (Status st = ApplyKeys(node); !st.ok()) return st;
      } else if (key == kCacheTablesKey) {
        if (Status st = ApplyCacheTables(node); !st.ok()) return st;
      } else if (IsSettingsTable(key)) {
        const toml::table* sub = node.as_table();
        if (sub == nullptr) {
          return Error::Validation(Cat(key, ": expected a table ([", key, "]), got ",
                                       DescribeNode(node), " (from ", FileSource(node.source()),
                                       ")"));
        }
        if (Status st = ApplyTable(*sub, key); !st.ok()) return st;
      } else {
        return Error::Validation(
            "config file " + Quote(path_) + " line " + std::to_string(k.source().begin.line) +
            ": unknown setting " + Quote(key) + "; " +
            (prefix.empty() ? std::string("the top level holds ") : "[" + prefix + "] holds ") +
            KnownKeys(prefix));
      }
    }
    return Status::Ok();
  }

  // Applies one TOML value to a scalar setting; the TOML type must match the setting's kind.
  Status ApplyNode(const Setting& s, const toml::node& node) {
    const std::string source = FileSource(node.source());
    switch (s.kind) {
      case Kind::kString:
        if (const auto* v = node.as_string()) return Apply(s, v->get(), source);
        return Mismatch(s.key, "a string (" + std::string(s.allowed) + ")", node, source);
      case Kind::kInteger:
        if (const auto* v = node.as_integer()) return Apply(s, v->get(), source);
        return Mismatch(s.key, IntegerAllowed(s), node, source);
      case Kind::kBool:
        if (const auto* v = node.as_boolean()) return Apply(s, v->get(), source);
        return Mismatch(s.key, "true or false", node, source);
    }
    return Status::Ok();
  }

  static Error Mismatch(std::string_view key, std::string_view expected, const toml::node& node,
                        std::string_view source) {
    return Error::Validation(std::string(key) + ": expected " + std::string(expected) + ", got " +
                             DescribeNode(node) + " (from " + std::string(source) + ")");
  }

  // [[auth.keys]]: an array of tables, each with exactly access_key_id and secret_access_key.
  Status ApplyKeys(const toml::node& node) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      return Mismatch(kKeysKey, "an array of tables ([[auth.keys]])", node,
                      FileSource(node.source()));
    }
    for (const toml::node& element : *array) {
      const std::string name =
          std::string(kKeysKey) + "[" + std::to_string(config_.auth.keys.size()) + "]";
      const toml::table* entry = element.as_table();
      if (entry == nullptr) {
        return Mismatch(name, "a table with access_key_id and secret_access_key", element,
                        FileSource(element.source()));
      }
      AccessKey key;
      std::string id_source, secret_source;
      for (const auto& [k, value] : *entry) {
        std::string* target = nullptr;
        std::string* target_source = nullptr;
        if (k.str() == "access_key_id") {
          target = &key.access_key_id;
          target_source = &id_source;
        } else if (k.str() == "secret_access_key") {
          target = &key.secret_access_key;
          target_source = &secret_source;
        } else {
          return Error::Validation("config file " + Quote(path_) + " line " +
                                   std::to_string(k.source().begin.line) + ": unknown setting " +
                                   Quote(name + "." + std::string(k.str())) +
                                   "; [[auth.keys]] holds access_key_id, secret_access_key");
        }
        *target_source = FileSource(value.source());
        const auto* text = value.as_string();
        if (text == nullptr) {
          // Never echo what may be a secret: say only what type it was.
          return Error::Validation(name + "." + std::string(k.str()) + ": expected a string, got " +
                                   (value.is_integer()   ? "an integer"
                                    : value.is_boolean() ? "a boolean"
                                    : value.is_table()   ? "a table"
                                    : value.is_array()   ? "an array"
                                                         : "another type") +
                                   " (from " + *target_source + ")");
        }
        *target = text->get();
      }
      for (const char* field : {"access_key_id", "secret_access_key"}) {
        if (!entry->contains(field)) {
          return Error::Validation(name + ": missing " + field + " (from " +
                                   FileSource(entry->source()) + ")");
        }
      }
      if (Status st = AddKey(name, std::move(key), id_source, secret_source); !st.ok()) return st;
    }
    return Status::Ok();
  }

  // [cache.tables."NAME"]: per-table overrides of enabled and the three TTLs.
  Status ApplyCacheTables(const toml::node& node) {
    const toml::table* tables = node.as_table();
    if (tables == nullptr) {
      return Mismatch(kCacheTablesKey, "a table of tables ([cache.tables.\"NAME\"])", node,
                      FileSource(node.source()));
    }
    for (const auto& [name, element] : *tables) {
      const std::string prefix = std::string(kCacheTablesKey) + "." + std::string(name.str());
      const toml::table* entry = element.as_table();
      if (entry == nullptr) {
        return Mismatch(prefix, "a table ([" + prefix + "])", element,
                        FileSource(element.source()));
      }
      CacheTableConfig table;
      table.table = std::string(name.str());
      for (const auto& [k, value] : *entry) {
        const std::string key = prefix + "." + std::string(k.str());
        const std::string source = FileSource(value.source());
        if (k.str() == "enabled") {
          const auto* b = value.as_boolean();
          if (b == nullptr) return Mismatch(key, "true or false", value, source);
          table.enabled = b->get();
          continue;
        }
        std::optional<std::int64_t>* ttl = k.str() == "item_ttl_ms"       ? &table.item_ttl_ms
                                           : k.str() == "query_ttl_ms"    ? &table.query_ttl_ms
                                           : k.str() == "negative_ttl_ms" ? &table.negative_ttl_ms
                                                                          : nullptr;
        if (ttl == nullptr) {
          return Error::Validation("config file " + Quote(path_) + " line " +
                                   std::to_string(k.source().begin.line) + ": unknown setting " +
                                   Quote(key) +
                                   "; a [cache.tables] table holds enabled, item_ttl_ms, "
                                   "query_ttl_ms, negative_ttl_ms");
        }
        const std::string allowed = "an integer from 0 to " + std::to_string(kMaxTtlMs);
        const auto* n = value.as_integer();
        if (n == nullptr) return Mismatch(key, allowed, value, source);
        if (n->get() < 0 || n->get() > kMaxTtlMs) {
          return Invalid(key, std::to_string(n->get()), allowed, source);
        }
        *ttl = n->get();
      }
      config_.cache.tables.push_back(std::move(table));
    }
    return Status::Ok();
  }

  // Checks one key pair and appends it. The same pair twice is kept once; the same id with a
  // different secret is an error.
  Status AddKey(const std::string& name, AccessKey key, const std::string& id_source,
                const std::string& secret_source) {
    if (!IsAccessKeyId(key.access_key_id)) {
      return Invalid(name + ".access_key_id", Quote(key.access_key_id), kAccessKeyIdAllowed,
                     id_source);
    }
    if (!IsSecret(key.secret_access_key)) {
      return Invalid(name + ".secret_access_key", "the value (not shown)", kSecretAllowed,
                     secret_source);
    }
    for (size_t i = 0; i < config_.auth.keys.size(); ++i) {
      const AccessKey& other = config_.auth.keys[i];
      if (other.access_key_id != key.access_key_id) continue;
      if (other.secret_access_key == key.secret_access_key) return Status::Ok();
      return Error::Validation(Cat(name, ".access_key_id: ", Quote(key.access_key_id),
                                   " is already auth.keys[", std::to_string(i), "] (from ",
                                   key_sources_[i], ") with a different secret (from ", id_source,
                                   ")"));
    }
    config_.auth.keys.push_back(std::move(key));
    key_sources_.push_back(id_source);
    return Status::Ok();
  }

  Config config_;
  std::string path_;
  std::string mode_source_ = "the default";
  std::vector<std::string> key_sources_;  // parallel to config_.auth.keys
};

// The flags of `ddbx serve`. for_help adds defaults and environment variables to the help text;
// the parsing App leaves them out so that CLI11 never reads the real environment itself.
struct Flags {
  CLI::App app{"ddbx: a DynamoDB accelerator speaking DynamoDB's JSON-over-HTTP API.",
               "ddbx serve"};
  CLI::Option* config = nullptr;
  std::vector<std::pair<const Setting*, CLI::Option*>> options;

  explicit Flags(bool for_help) {
    const Config defaults;
    config = app.add_option("--config", "TOML file of settings (see docs/configuration.md)")
                 ->type_name("FILE")
                 ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    if (for_help) config->envname(std::string(kConfigEnv));
    for (const Setting& s : kSettings) {
      if (s.flag.empty()) continue;
      CLI::Option* opt = s.kind == Kind::kBool
                             ? app.add_flag(std::string(s.flag))->description(std::string(s.help))
                             : app.add_option(std::string(s.flag))
                                   ->description(std::string(s.help))
                                   ->type_name(std::string(s.type_name));
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      if (for_help) opt->default_str(s.get(defaults))->envname(std::string(s.env));
      options.emplace_back(&s, opt);
    }
  }
};

std::string HelpFooter() {
  const Config defaults;
  std::string out = "Settings with no flag (config file key, environment variable, default):\n";
  for (const Setting& s : kSettings) {
    if (!s.flag.empty()) continue;
    std::string line = "  " + std::string(s.key);
    line.resize(std::max<size_t>(line.size() + 1, 28), ' ');
    line += std::string(s.env);
    line.resize(std::max<size_t>(line.size() + 1, 60), ' ');
    out += line + s.get(defaults) + "\n";
  }
  const std::string indent(28, ' ');
  out += "  auth.keys" + std::string(28 - 11, ' ') +
         "[[auth.keys]] tables in the file, plus one pair from\n" + indent +
         std::string(kAccessKeyIdEnv) + " and " + std::string(kSecretEnv) + "\n";
  out +=
      "\nPrecedence: defaults < config file < DDBX_* environment < flags.\n"
      "A DDBX_* variable set to the empty string counts as unset.";
  return out;
}

}  // namespace

std::string_view AuthModeName(AuthMode mode) { return kAuthModeNames[static_cast<size_t>(mode)]; }

std::string_view LogLevelName(LogLevel level) { return kLogLevelNames[static_cast<size_t>(level)]; }

std::string_view CacheModeName(CacheMode mode) {
  return kCacheModeNames[static_cast<size_t>(mode)];
}

std::string ListenAddress::ToString() const {
  const std::string p = std::to_string(port);
  return ipv6 ? "[" + host + "]:" + p : host + ":" + p;
}

std::optional<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress out;
  if (!ParseListen(text, &out).empty()) return std::nullopt;
  return out;
}

int DefaultThreads() {
  // The CPUs this process may run on (taskset, a container's cpuset), not all the machine has:
  // more workers than CPUs would only take turns on them.
  unsigned cores = std::thread::hardware_concurrency();
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    cores = static_cast<unsigned>(CPU_COUNT(&allowed));
  }
  return static_cast<int>(std::clamp<unsigned>(cores, 1, 1024));
}

api::Result<Config> LoadConfig(int argc, const char* const* argv, const EnvLookup& env) {
  try {
    const Lookup lookup = [&env](std::string_view name) -> const char* {
      if (!env) return nullptr;
      const char* v = env(std::string(name).c_str());
      return v != nullptr && *v != '\0' ? v : nullptr;
    };

    // 1. The command line, parsed first: it may ask for help or name the config file.
    Flags flags(/*for_help=*/false);
    flags.app.allow_extras();
    std::vector<std::string> args;
    args.reserve(argc > 0 ? static_cast<size_t>(argc) : 0);
    for (int i = 0; i < argc; ++i) args.emplace_back(argv[i] != nullptr ? argv[i] : "");
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first
    try {
      flags.app.parse(args);
    } catch (const CLI::CallForHelp&) {
      Config config;
      config.help_requested = true;
      return config;
    } catch (const CLI::ParseError& e) {
      return Error::Validation("command line: " + std::string(e.what()) +
                               "; see 'ddbx serve --help'");
    }
    const std::vector<std::string> extras = flags.app.remaining();
    if (!extras.empty()) {
      const std::string& first = extras.front();
      if (!first.empty() && first.front() == '-' && first != "--") {
        return Error::Validation("command line: unknown flag " + Quote(first) +
                                 "; see 'ddbx serve --help'");
      }
      const std::string& arg = first == "--" && extras.size() > 1 ? extras[1] : first;
      return Error::Validation("command line: unexpected argument " + Quote(arg) +
                               "; ddbx serve takes only flags, see 'ddbx serve --help'");
    }

    Loader loader;
    // 2. The config file.
    if (flags.config->count() > 0) {
      const std::string path = flags.config->results().back();
      if (path.empty()) {
        return Error::Validation("config: '' is not a file name (from flag --config)");
      }
      if (Status st = loader.ApplyFile(path, FlagSource("--config")); !st.ok()) return st.error();
    } else if (const char* path = lookup(kConfigEnv)) {
      if (Status st = loader.ApplyFile(path, EnvSource(kConfigEnv)); !st.ok()) return st.error();
    }
    // 3. The environment.
    if (Status st = loader.ApplyEnv(lookup); !st.ok()) return st.error();
    // 4. The flags.
    for (const auto& [setting, option] : flags.options) {
      if (option->count() == 0) continue;
      const std::string value = option->results().back();
      if (Status st = loader.ApplyText(*setting, value, FlagSource(setting->flag)); !st.ok()) {
        return st.error();
      }
    }
    return std::move(loader).Finish();
  } catch (const std::exception& e) {
    return Error::Validation(std::string("could not load the configuration: ") + e.what());
  }
}

std::string ServeHelpText() {
  Flags flags(/*for_help=*/true);
  flags.app.footer(HelpFooter());
  return flags.app.help();
}

}  // namespace ddbx::config
