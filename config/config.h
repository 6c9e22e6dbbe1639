// Config: every setting of `ddbx serve` in one plain struct, and the loader that fills it.
//
// LoadConfig() layers four sources, each overriding the one before it:
//   built-in defaults < TOML file (--config FILE or DDBX_CONFIG) < DDBX_* environment < flags.
// Every value is checked as its layer is applied, so a bad value stops the start even when a
// later layer would have replaced it; the error names the setting, the value, what is allowed
// and where the value came from. The whole table of settings is in docs/configuration.md and
// config/ddbx.example.toml.
//
// Config is a value: copy it, move it between threads. LoadConfig() and ServeHelpText() keep no
// state and may be called from any thread; LoadConfig() reads the config file (blocking I/O), so
// call it at startup, not from an event loop. Nothing here throws or exits: the libraries it uses
// (CLI11, toml++) throw, and LoadConfig() catches that inside and returns an api::Error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/error.h"

namespace ddbx::config {

enum class AuthMode {
  kNone,   // every request is accepted; signatures are not checked
  kSigV4,  // every request must carry a valid AWS Signature Version 4 from one of auth.keys
};

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// The spelling used in files, the environment and flags: "none"/"sigv4", "trace".."off".
std::string_view AuthModeName(AuthMode mode);
std::string_view LogLevelName(LogLevel level);

// Where the listeners bind: an IPv4 address or an IPv6 address, and a port (0: the kernel picks
// a free port).
struct ListenAddress {
  std::string host = "127.0.0.1";  // the address alone, without brackets: "127.0.0.1", "::1"
  std::uint16_t port = 8000;
  bool ipv6 = false;

  // "127.0.0.1:8000", or "[::1]:8000" for IPv6.
  std::string ToString() const;
  bool operator==(const ListenAddress&) const = default;
};

// Parses "HOST:PORT" where HOST is an IPv4 address in dotted-quad form or an IPv6 address in
// brackets ("[::1]:8000"), and PORT is 0 to 65535. Host names ("localhost") and IPv6 zone ids are
// not accepted. Returns nullopt for anything else.
std::optional<ListenAddress> ParseListenAddress(std::string_view text);

// One access key pair that SigV4 requests may be signed with.
struct AccessKey {
  std::string access_key_id;      // 1 to 128 letters, digits or '_' (IAM's own are 16 to 128)
  std::string secret_access_key;  // 1 to 128 printable ASCII characters, no spaces
  bool operator==(const AccessKey&) const = default;
};

struct HttpConfig {
  std::uint64_t max_body_bytes = 16777216;  // larger request bodies get 413
  std::uint64_t max_header_bytes = 65536;   // request line plus all headers
  std::uint64_t idle_timeout_ms = 60000;    // a keep-alive connection idle this long is closed
  bool operator==(const HttpConfig&) const = default;
};

struct AuthConfig {
  AuthMode mode = AuthMode::kNone;
  std::int64_t clock_skew_seconds = 900;  // how far X-Amz-Date may be from the server's clock
  std::vector<AccessKey> keys;            // file's [[auth.keys]] first, then the environment's pair
  bool operator==(const AuthConfig&) const = default;
};

enum class CacheMode {
  kCoherent,  // query results are served only while no write touched their partition or table
  kDax,       // query results live until their TTL, whatever is written (DAX's behaviour)
};
std::string_view CacheModeName(CacheMode mode);  // "coherent", "dax"

// One [cache.tables."NAME"] table of the config file: what it sets overrides the [cache]
// values for that table; what it leaves out follows them.
struct CacheTableConfig {
  std::string table;
  std::optional<bool> enabled;
  std::optional<std::int64_t> item_ttl_ms;
  std::optional<std::int64_t> query_ttl_ms;
  std::optional<std::int64_t> negative_ttl_ms;
  bool operator==(const CacheTableConfig&) const = default;
};

// The item and query caches (docs/cache.md). A TTL of 0 turns that kind of entry off.
struct CacheConfig {
  bool enabled = true;
  std::uint64_t max_bytes = std::uint64_t{256} << 20;  // the whole cache: keys, values, overhead
  std::int64_t item_ttl_ms = 300000;                   // DAX's default, 5 minutes
  std::int64_t query_ttl_ms = 300000;
  std::int64_t negative_ttl_ms = 300000;
  CacheMode mode = CacheMode::kCoherent;
  std::vector<CacheTableConfig> tables;
  bool operator==(const CacheConfig&) const = default;
};

// The default for `threads`: the number of CPUs this process may run on (its affinity mask, so
// taskset and container cpusets count), at least 1, at most 1024.
int DefaultThreads();

struct Config {
  ListenAddress listen;
  std::string data_dir = "./data";   // relative paths are relative to the working directory
  bool in_memory = false;            // the engine keeps everything in memory; data_dir is unused
  int threads = DefaultThreads();    // worker loops serving requests
  int engine_threads = 4;            // the storage engine's own pool
  std::string region = "us-east-1";  // used in ARNs
  std::string account_id = "000000000000";  // used in ARNs; exactly 12 digits
  HttpConfig http;
  AuthConfig auth;
  CacheConfig cache;
  LogLevel log_level = LogLevel::kInfo;

  // Not settings: what LoadConfig() saw.
  std::string config_file;      // the TOML file that was read, empty if none
  bool help_requested = false;  // -h/--help was given; print ServeHelpText(), exit 0

  bool operator==(const Config&) const = default;
};

// Looks up one environment variable: the value, or nullptr when unset. Production passes
// std::getenv; tests pass a lookup in a map. A variable set to the empty string counts as unset.
using EnvLookup = std::function<const char*(const char*)>;

// Builds the Config for `ddbx serve`. argv holds the arguments after "serve" (no program name),
// e.g. {"--listen", "0.0.0.0:8000", "--in-memory"}; argc counts them. The config file is the one
// named by --config, else by DDBX_CONFIG; with neither, no file is read.
// Outcomes:
//   - a Config with help_requested = true and every other field at its default, when -h or
//     --help is among the arguments (no file is read, nothing else is checked);
//   - the Config, every value checked;
//   - Error kValidation whose message names the setting, the bad value (never a secret), what
//     is allowed and its source, e.g. "listen: '127.0.0.1:99999' is not HOST:PORT with a port
//     from 0 to 65535 (from flag --listen)"; or names the file (and line) when the config file
//     cannot be read, is not valid TOML, or holds a key that is not a setting; or names the
//     argument when the command line itself is malformed (unknown flag, missing value).
api::Result<Config> LoadConfig(int argc, const char* const* argv, const EnvLookup& env);

// The text `ddbx serve --help` prints: usage, every flag with its default and its environment
// variable, and the settings that only the file and the environment can set.
std::string ServeHelpText();

}  // namespace ddbx::config
