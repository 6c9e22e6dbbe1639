// Tests of config/: defaults, the four layers and their precedence, every rejected value's
// message, the TOML file's errors (unknown keys, malformed text, unreadable files), access keys
// from the file and the environment, --help, and that the docs and the example file list every
// setting.
#include "config/config.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace ddbx::config {
namespace {

using EnvMap = std::map<std::string, std::string>;

api::Result<Config> Load(const std::vector<std::string>& args, const EnvMap& env = {}) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& a : args) argv.push_back(a.c_str());
  const EnvLookup lookup = [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  return LoadConfig(static_cast<int>(argv.size()), argv.data(), lookup);
}

Config LoadOk(const std::vector<std::string>& args, const EnvMap& env = {}) {
  api::Result<Config> r = Load(args, env);
  if (!r.ok()) FAIL("unexpected error: " << r.error().message);
  return std::move(r).value();
}

std::string LoadError(const std::vector<std::string>& args, const EnvMap& env = {}) {
  api::Result<Config> r = Load(args, env);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == api::ErrorCode::kValidation);
  return r.error().message;
}

// A TOML file in the temp directory, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("ddbx_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) +
              ".toml"))
                .string();
    std::ofstream out(path_, std::ios::binary);
    out << content;
    REQUIRE(out.good());
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadRepoFile(const std::string& relative) {
  std::ifstream in(std::string(DDBX_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A file that sets every setting to something other than its default.
constexpr const char* kEverySetting = R"(
listen = "0.0.0.0:9000"
data_dir = "/var/lib/ddbx"
in_memory = true
threads = 3
engine_threads = 7
region = "eu-west-2"
account_id = "123456789012"
log_level = "debug"

[http]
max_body_bytes = 2048
max_header_bytes = 4096
idle_timeout_ms = 1500

[auth]
mode = "sigv4"
clock_skew_seconds = 60

[[auth.keys]]
access_key_id = "AKIAIOSFODNN7EXAMPLE"
secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

[[auth.keys]]
access_key_id = "local"
secret_access_key = "s3cret+/="
)";

TEST_CASE("defaults", "[config]") {
  const Config c = LoadOk({});
  CHECK(c.listen.host == "127.0.0.1");
  CHECK(c.listen.port == 8000);
  CHECK_FALSE(c.listen.ipv6);
  CHECK(c.listen.ToString() == "127.0.0.1:8000");
  CHECK(c.data_dir == "./data");
  CHECK_FALSE(c.in_memory);
  CHECK(c.threads == DefaultThreads());
  CHECK(c.threads >= 1);
  CHECK(c.threads <= 1024);
  CHECK(c.engine_threads == 4);
  CHECK(c.region == "us-east-1");
  CHECK(c.account_id == "000000000000");
  CHECK(c.http.max_body_bytes == 16777216);
  CHECK(c.http.max_header_bytes == 65536);
  CHECK(c.http.idle_timeout_ms == 60000);
  CHECK(c.auth.mode == AuthMode::kNone);
  CHECK(c.auth.clock_skew_seconds == 900);
  CHECK(c.auth.keys.empty());
  CHECK(c.log_level == LogLevel::kInfo);
  CHECK(c.config_file.empty());
  CHECK_FALSE(c.help_requested);
  const Config defaults;
  CHECK(c == defaults);
}

TEST_CASE("the example file is valid and holds the defaults", "[config]") {
  const std::string path = std::string(DDBX_SOURCE_DIR) + "/config/ddbx.example.toml";
  Config c = LoadOk({"--config", path});
  CHECK(c.config_file == path);
  c.config_file.clear();
  const Config defaults;
  CHECK(c == defaults);
}

TEST_CASE("the file sets every setting", "[config]") {
  TempFile file(kEverySetting);
  const Config c = LoadOk({"--config", file.path()});
  CHECK(c.config_file == file.path());
  CHECK(c.listen.ToString() == "0.0.0.0:9000");
  CHECK(c.data_dir == "/var/lib/ddbx");
  CHECK(c.in_memory);
  CHECK(c.threads == 3);
  CHECK(c.engine_threads == 7);
  CHECK(c.region == "eu-west-2");
  CHECK(c.account_id == "123456789012");
  CHECK(c.log_level == LogLevel::kDebug);
  CHECK(c.http.max_body_bytes == 2048);
  CHECK(c.http.max_header_bytes == 4096);
  CHECK(c.http.idle_timeout_ms == 1500);
  CHECK(c.auth.mode == AuthMode::kSigV4);
  CHECK(c.auth.clock_skew_seconds == 60);
  REQUIRE(c.auth.keys.size() == 2);
  CHECK(c.auth.keys[0] ==
        AccessKey{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"});
  CHECK(c.auth.keys[1] == AccessKey{"local", "s3cret+/="});
}

TEST_CASE("dotted keys and inline tables work like tables", "[config]") {
  TempFile file(
      "http.max_body_bytes = 4096\n"
      "auth = { mode = \"sigv4\", keys = [{ access_key_id = \"k1\", secret_access_key = \"s1\" }] "
      "}\n");
  const Config c = LoadOk({"--config", file.path()});
  CHECK(c.http.max_body_bytes == 4096);
  CHECK(c.auth.mode == AuthMode::kSigV4);
  REQUIRE(c.auth.keys.size() == 1);
  CHECK(c.auth.keys[0] == AccessKey{"k1", "s1"});
}

TEST_CASE("every environment variable sets its setting", "[config]") {
  const Config c = LoadOk({}, {{"DDBX_LISTEN", "[::1]:0"},
                               {"DDBX_DATA_DIR", "/tmp/d"},
                               {"DDBX_IN_MEMORY", "1"},
                               {"DDBX_THREADS", "1024"},
                               {"DDBX_ENGINE_THREADS", "256"},
                               {"DDBX_REGION", "ap-southeast-2"},
                               {"DDBX_ACCOUNT_ID", "999999999999"},
                               {"DDBX_LOG_LEVEL", "off"},
                               {"DDBX_HTTP_MAX_BODY_BYTES", "1073741824"},
                               {"DDBX_HTTP_MAX_HEADER_BYTES", "1024"},
                               {"DDBX_HTTP_IDLE_TIMEOUT_MS", "1"},
                               {"DDBX_AUTH_MODE", "sigv4"},
                               {"DDBX_AUTH_CLOCK_SKEW_SECONDS", "86400"},
                               {"DDBX_AUTH_ACCESS_KEY_ID", "envkey"},
                               {"DDBX_AUTH_SECRET_ACCESS_KEY", "envsecret"}});
  CHECK(c.listen.host == "::1");
  CHECK(c.listen.port == 0);
  CHECK(c.listen.ipv6);
  CHECK(c.listen.ToString() == "[::1]:0");
  CHECK(c.data_dir == "/tmp/d");
  CHECK(c.in_memory);
  CHECK(c.threads == 1024);
  CHECK(c.engine_threads == 256);
  CHECK(c.region == "ap-southeast-2");
  CHECK(c.account_id == "999999999999");
  CHECK(c.log_level == LogLevel::kOff);
  CHECK(c.http.max_body_bytes == 1073741824);
  CHECK(c.http.max_header_bytes == 1024);
  CHECK(c.http.idle_timeout_ms == 1);
  CHECK(c.auth.mode == AuthMode::kSigV4);
  CHECK(c.auth.clock_skew_seconds == 86400);
  REQUIRE(c.auth.keys.size() == 1);
  CHECK(c.auth.keys[0] == AccessKey{"envkey", "envsecret"});
}

TEST_CASE("every flag sets its setting", "[config]") {
  const Config c = LoadOk({"--listen", "10.1.2.3:1", "--data-dir", "rel/dir", "--in-memory",
                           "--threads", "2", "--engine-threads", "1", "--region", "us-gov-west-1",
                           "--log-level", "trace", "--auth-mode=none"});
  CHECK(c.listen.ToString() == "10.1.2.3:1");
  CHECK(c.data_dir == "rel/dir");
  CHECK(c.in_memory);
  CHECK(c.threads == 2);
  CHECK(c.engine_threads == 1);
  CHECK(c.region == "us-gov-west-1");
  CHECK(c.log_level == LogLevel::kTrace);
  CHECK(c.auth.mode == AuthMode::kNone);
}

TEST_CASE("file < environment < flags", "[config]") {
  TempFile file(
      "listen = \"127.0.0.1:1111\"\n"
      "threads = 5\n"
      "engine_threads = 6\n"
      "log_level = \"warn\"\n"
      "in_memory = true\n"
      "region = \"eu-north-1\"\n"
      "[http]\n"
      "max_body_bytes = 100000\n"
      "idle_timeout_ms = 5000\n");

  SECTION("the file alone") {
    const Config c = LoadOk({"--config", file.path()});
    CHECK(c.listen.port == 1111);
    CHECK(c.threads == 5);
    CHECK(c.engine_threads == 6);
    CHECK(c.log_level == LogLevel::kWarn);
    CHECK(c.in_memory);
    CHECK(c.region == "eu-north-1");
    CHECK(c.http.max_body_bytes == 100000);
    CHECK(c.http.idle_timeout_ms == 5000);
    CHECK(c.data_dir == "./data");  // not in the file: the default stays
  }

  const EnvMap env = {{"DDBX_LISTEN", "127.0.0.1:2222"},
                      {"DDBX_THREADS", "7"},
                      {"DDBX_LOG_LEVEL", "error"},
                      {"DDBX_IN_MEMORY", "false"},
                      {"DDBX_HTTP_MAX_BODY_BYTES", "200000"}};

  SECTION("the environment overrides the file") {
    const Config c = LoadOk({"--config", file.path()}, env);
    CHECK(c.listen.port == 2222);
    CHECK(c.threads == 7);
    CHECK(c.log_level == LogLevel::kError);
    CHECK_FALSE(c.in_memory);
    CHECK(c.http.max_body_bytes == 200000);
    CHECK(c.engine_threads == 6);  // only in the file
    CHECK(c.region == "eu-north-1");
    CHECK(c.http.idle_timeout_ms == 5000);
  }

  SECTION("flags override the environment and the file") {
    const Config c = LoadOk({"--config", file.path(), "--listen", "127.0.0.1:3333", "--threads",
                             "9", "--in-memory", "--region", "sa-east-1"},
                            env);
    CHECK(c.listen.port == 3333);
    CHECK(c.threads == 9);
    CHECK(c.in_memory);                      // flag over env's false
    CHECK(c.region == "sa-east-1");          // flag over file
    CHECK(c.log_level == LogLevel::kError);  // env, no flag
    CHECK(c.http.max_body_bytes == 200000);  // env, no flag exists
    CHECK(c.engine_threads == 6);            // file only
    CHECK(c.http.idle_timeout_ms == 5000);   // file only
  }

  SECTION("--in-memory=false turns off what the file turned on") {
    CHECK_FALSE(LoadOk({"--config", file.path(), "--in-memory=false"}).in_memory);
    CHECK_FALSE(LoadOk({"--config", file.path(), "--in-memory=0"}).in_memory);
    CHECK(LoadOk({"--config", file.path(), "--in-memory=true"}).in_memory);
  }
}

TEST_CASE("an empty environment variable counts as unset", "[config]") {
  TempFile file("threads = 3\n");
  const Config c = LoadOk({"--config", file.path()}, {{"DDBX_THREADS", ""}, {"DDBX_LISTEN", ""}});
  CHECK(c.threads == 3);
  CHECK(c.listen.ToString() == "127.0.0.1:8000");
}

TEST_CASE("a flag given twice: the last one wins", "[config]") {
  const Config c = LoadOk({"--threads", "2", "--threads=3", "--in-memory", "--in-memory=false"});
  CHECK(c.threads == 3);
  CHECK_FALSE(c.in_memory);
}

TEST_CASE("the config file comes from --config, else DDBX_CONFIG", "[config]") {
  TempFile a("threads = 11\n");
  TempFile b("threads = 12\n");
  CHECK(LoadOk({}, {{"DDBX_CONFIG", a.path()}}).threads == 11);
  CHECK(LoadOk({}, {{"DDBX_CONFIG", a.path()}}).config_file == a.path());
  CHECK(LoadOk({"--config", b.path()}, {{"DDBX_CONFIG", a.path()}}).threads == 12);
  CHECK(LoadOk({}, {{"DDBX_CONFIG", ""}}).config_file.empty());
}

TEST_CASE("bad values from flags and the environment", "[config]") {
  struct Case {
    std::vector<std::string> args;
    EnvMap env;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--listen", "127.0.0.1:99999"},
       {},
       "listen: '127.0.0.1:99999' is not HOST:PORT with a port from 0 to 65535 (from flag "
       "--listen)"},
      {{"--listen", "127.0.0.1:"},
       {},
       "listen: '127.0.0.1:' is not HOST:PORT with a port from 0 to 65535 (from flag --listen)"},
      {{"--listen", "127.0.0.1:80a"},
       {},
       "listen: '127.0.0.1:80a' is not HOST:PORT with a port from 0 to 65535 (from flag "
       "--listen)"},
      {{},
       {{"DDBX_LISTEN", "localhost:8000"}},
       "listen: 'localhost:8000' is not HOST:PORT with HOST an IPv4 address such as 0.0.0.0 or a "
       "bracketed IPv6 address such as [::], not a host name (from environment variable "
       "DDBX_LISTEN)"},
      {{"--listen", "::1:8000"},
       {},
       "listen: '::1:8000' is not HOST:PORT with HOST an IPv4 address such as 0.0.0.0 or a "
       "bracketed IPv6 address such as [::], not a host name (from flag --listen)"},
      {{"--listen", "8000"},
       {},
       "listen: '8000' is not HOST:PORT with HOST an IPv4 address or an IPv6 address in "
       "brackets, e.g. 127.0.0.1:8000 or [::1]:8000 (from flag --listen)"},
      {{"--listen", "[::1]8000"},
       {},
       "listen: '[::1]8000' is not HOST:PORT with HOST an IPv4 address or an IPv6 address in "
       "brackets, e.g. 127.0.0.1:8000 or [::1]:8000 (from flag --listen)"},
      {{"--data-dir="},
       {},
       "command line: --data-dir: 1 required DIR missing; see 'ddbx serve --help'"},
      {{},
       {{"DDBX_IN_MEMORY", "yes"}},
       "in_memory: 'yes' is not one of true, false, 1, 0 (from environment variable "
       "DDBX_IN_MEMORY)"},
      {{"--in-memory=on"},
       {},
       "in_memory: 'on' is not one of true, false, 1, 0 (from flag --in-memory)"},
      {{"--threads", "0"},
       {},
       "threads: '0' is not a whole number from 1 to 1024 (from flag --threads)"},
      {{"--threads", "1025"},
       {},
       "threads: '1025' is not a whole number from 1 to 1024 (from flag --threads)"},
      {{"--threads", "four"},
       {},
       "threads: 'four' is not a whole number from 1 to 1024 (from flag --threads)"},
      {{},
       {{"DDBX_THREADS", "4.0"}},
       "threads: '4.0' is not a whole number from 1 to 1024 (from environment variable "
       "DDBX_THREADS)"},
      {{},
       {{"DDBX_THREADS", "99999999999999999999"}},
       "threads: '99999999999999999999' is not a whole number from 1 to 1024 (from environment "
       "variable DDBX_THREADS)"},
      {{"--engine-threads", "257"},
       {},
       "engine_threads: '257' is not a whole number from 1 to 256 (from flag --engine-threads)"},
      {{"--engine-threads", "-1"},
       {},
       "engine_threads: '-1' is not a whole number from 1 to 256 (from flag --engine-threads)"},
      {{"--region", "US-EAST-1"},
       {},
       "region: 'US-EAST-1' is not a region name such as us-east-1: up to 32 lowercase letters, "
       "digits and '-', starting with a letter and not ending with '-' (from flag --region)"},
      {{},
       {{"DDBX_ACCOUNT_ID", "12345"}},
       "account_id: '12345' is not exactly 12 digits (from environment variable DDBX_ACCOUNT_ID)"},
      {{},
       {{"DDBX_ACCOUNT_ID", "12345678901a"}},
       "account_id: '12345678901a' is not exactly 12 digits (from environment variable "
       "DDBX_ACCOUNT_ID)"},
      {{"--log-level", "verbose"},
       {},
       "log_level: 'verbose' is not one of trace, debug, info, warn, error, off (from flag "
       "--log-level)"},
      {{"--log-level", "INFO"},
       {},
       "log_level: 'INFO' is not one of trace, debug, info, warn, error, off (from flag "
       "--log-level)"},
      {{},
       {{"DDBX_HTTP_MAX_BODY_BYTES", "1023"}},
       "http.max_body_bytes: '1023' is not a whole number from 1024 to 1073741824 (from "
       "environment variable DDBX_HTTP_MAX_BODY_BYTES)"},
      {{},
       {{"DDBX_HTTP_MAX_HEADER_BYTES", "1048577"}},
       "http.max_header_bytes: '1048577' is not a whole number from 1024 to 1048576 (from "
       "environment variable DDBX_HTTP_MAX_HEADER_BYTES)"},
      {{},
       {{"DDBX_HTTP_IDLE_TIMEOUT_MS", "0"}},
       "http.idle_timeout_ms: '0' is not a whole number from 1 to 86400000 (from environment "
       "variable DDBX_HTTP_IDLE_TIMEOUT_MS)"},
      {{"--auth-mode", "hmac"},
       {},
       "auth.mode: 'hmac' is not one of none, sigv4 (from flag --auth-mode)"},
      {{},
       {{"DDBX_AUTH_CLOCK_SKEW_SECONDS", "86401"}},
       "auth.clock_skew_seconds: '86401' is not a whole number from 1 to 86400 (from "
       "environment variable DDBX_AUTH_CLOCK_SKEW_SECONDS)"},
      {{"--auth-mode", "sigv4"},
       {},
       "auth.mode: 'sigv4' needs at least one access key: add [[auth.keys]] with access_key_id "
       "and secret_access_key to the config file, or set DDBX_AUTH_ACCESS_KEY_ID and "
       "DDBX_AUTH_SECRET_ACCESS_KEY (from flag --auth-mode)"},
      {{},
       {{"DDBX_AUTH_MODE", "sigv4"}},
       "auth.mode: 'sigv4' needs at least one access key: add [[auth.keys]] with access_key_id "
       "and secret_access_key to the config file, or set DDBX_AUTH_ACCESS_KEY_ID and "
       "DDBX_AUTH_SECRET_ACCESS_KEY (from environment variable DDBX_AUTH_MODE)"},
      {{},
       {{"DDBX_AUTH_ACCESS_KEY_ID", "abc"}},
       "auth.keys: DDBX_AUTH_ACCESS_KEY_ID is set but DDBX_AUTH_SECRET_ACCESS_KEY is not; set "
       "both to add one access key, or neither"},
      {{},
       {{"DDBX_AUTH_SECRET_ACCESS_KEY", "abc"}},
       "auth.keys: DDBX_AUTH_SECRET_ACCESS_KEY is set but DDBX_AUTH_ACCESS_KEY_ID is not; set "
       "both to add one access key, or neither"},
      {{},
       {{"DDBX_AUTH_ACCESS_KEY_ID", "has-dash"}, {"DDBX_AUTH_SECRET_ACCESS_KEY", "x"}},
       "auth.keys[0].access_key_id: 'has-dash' is not 1 to 128 letters, digits or underscores "
       "(from environment variable DDBX_AUTH_ACCESS_KEY_ID)"},
      {{},
       {{"DDBX_AUTH_ACCESS_KEY_ID", "ok"}, {"DDBX_AUTH_SECRET_ACCESS_KEY", "has space"}},
       "auth.keys[0].secret_access_key: the value (not shown) is not 1 to 128 printable ASCII "
       "characters without spaces (from environment variable DDBX_AUTH_SECRET_ACCESS_KEY)"},
  };
  for (const Case& c : cases) {
    INFO("expected: " << c.message);
    CHECK(LoadError(c.args, c.env) == c.message);
  }
}

TEST_CASE("bad values from the file name the file and line", "[config]") {
  struct Case {
    std::string toml;
    std::string message;  // "FILE" stands for the file's path
  };
  const std::vector<Case> cases = {
      {"\nlisten = \"127.0.0.1:99999\"\n",
       "listen: '127.0.0.1:99999' is not HOST:PORT with a port from 0 to 65535 (from config file "
       "'FILE' line 2)"},
      {"listen = 8000\n",
       "listen: expected a string (HOST:PORT with HOST an IPv4 address or an IPv6 address in "
       "brackets, e.g. 127.0.0.1:8000 or [::1]:8000), got the integer 8000 (from config file "
       "'FILE' line 1)"},
      {"data_dir = \"\"\n",
       "data_dir: '' is not a non-empty directory path (from config file 'FILE' line 1)"},
      {"in_memory = \"true\"\n",
       "in_memory: expected true or false, got the string \"true\" (from config file 'FILE' line "
       "1)"},
      {"in_memory = 1\n",
       "in_memory: expected true or false, got the integer 1 (from config file 'FILE' line 1)"},
      {"threads = 0\n",
       "threads: 0 is not a whole number from 1 to 1024 (from config file 'FILE' line 1)"},
      {"threads = \"4\"\n",
       "threads: expected a whole number from 1 to 1024, got the string \"4\" (from config file "
       "'FILE' line 1)"},
      {"threads = 4.5\n",
       "threads: expected a whole number from 1 to 1024, got the float 4.5 (from config file "
       "'FILE' line 1)"},
      {"engine_threads = [1]\n",
       "engine_threads: expected a whole number from 1 to 256, got an array (from config file "
       "'FILE' line 1)"},
      {"account_id = 123456789012\n",
       "account_id: expected a string (exactly 12 digits), got the integer 123456789012 (from "
       "config file 'FILE' line 1)"},
      {"region = \"-bad\"\n",
       "region: '-bad' is not a region name such as us-east-1: up to 32 lowercase letters, digits "
       "and '-', starting with a letter and not ending with '-' (from config file 'FILE' line "
       "1)"},
      {"log_level = \"loud\"\n",
       "log_level: 'loud' is not one of trace, debug, info, warn, error, off (from config file "
       "'FILE' line 1)"},
      {"[http]\nmax_body_bytes = 10\n",
       "http.max_body_bytes: 10 is not a whole number from 1024 to 1073741824 (from config file "
       "'FILE' line 2)"},
      {"[http]\nmax_header_bytes = -5\n",
       "http.max_header_bytes: -5 is not a whole number from 1024 to 1048576 (from config file "
       "'FILE' line 2)"},
      {"[http]\nidle_timeout_ms = 86400001\n",
       "http.idle_timeout_ms: 86400001 is not a whole number from 1 to 86400000 (from config file "
       "'FILE' line 2)"},
      {"http = 5\n",
       "http: expected a table ([http]), got the integer 5 (from config file 'FILE' line 1)"},
      {"[auth]\nmode = \"SigV4\"\n",
       "auth.mode: 'SigV4' is not one of none, sigv4 (from config file 'FILE' line 2)"},
      {"[auth]\nclock_skew_seconds = 0\n",
       "auth.clock_skew_seconds: 0 is not a whole number from 1 to 86400 (from config file 'FILE' "
       "line 2)"},
      {"[auth]\nmode = \"sigv4\"\n",
       "auth.mode: 'sigv4' needs at least one access key: add [[auth.keys]] with access_key_id "
       "and secret_access_key to the config file, or set DDBX_AUTH_ACCESS_KEY_ID and "
       "DDBX_AUTH_SECRET_ACCESS_KEY (from config file 'FILE' line 2)"},
      {"[auth]\nkeys = \"k\"\n",
       "auth.keys: expected an array of tables ([[auth.keys]]), got the string \"k\" (from config "
       "file 'FILE' line 2)"},
      {"[auth]\nkeys = [\"k\"]\n",
       "auth.keys[0]: expected a table with access_key_id and secret_access_key, got the string "
       "\"k\" (from config file 'FILE' line 2)"},
      {"[[auth.keys]]\naccess_key_id = \"k\"\n",
       "auth.keys[0]: missing secret_access_key (from config file 'FILE' line 1)"},
      {"[[auth.keys]]\nsecret_access_key = \"s\"\n",
       "auth.keys[0]: missing access_key_id (from config file 'FILE' line 1)"},
      {"[[auth.keys]]\naccess_key_id = \"a/b\"\nsecret_access_key = \"s\"\n",
       "auth.keys[0].access_key_id: 'a/b' is not 1 to 128 letters, digits or underscores (from "
       "config file 'FILE' line 2)"},
      {"[[auth.keys]]\naccess_key_id = \"a\"\nsecret_access_key = \"\"\n",
       "auth.keys[0].secret_access_key: the value (not shown) is not 1 to 128 printable ASCII "
       "characters without spaces (from config file 'FILE' line 3)"},
      {"[[auth.keys]]\naccess_key_id = \"a\"\nsecret_access_key = 12345\n",
       "auth.keys[0].secret_access_key: expected a string, got an integer (from config file "
       "'FILE' line 3)"},
      {"[[auth.keys]]\naccess_key_id = \"a\"\nsecret_access_key = \"s1\"\n"
       "[[auth.keys]]\naccess_key_id = \"a\"\nsecret_access_key = \"s2\"\n",
       "auth.keys[1].access_key_id: 'a' is already auth.keys[0] (from config file 'FILE' line 2) "
       "with a different secret (from config file 'FILE' line 5)"},
  };
  for (const Case& c : cases) {
    TempFile file(c.toml);
    std::string expected = c.message;
    for (size_t at; (at = expected.find("FILE")) != std::string::npos;) {
      expected.replace(at, 4, file.path());
    }
    INFO("file: " << c.toml);
    CHECK(LoadError({"--config", file.path()}) == expected);
  }
}

TEST_CASE("a bad value is an error even when a later layer overrides it", "[config]") {
  TempFile file("threads = 0\n");
  CHECK(LoadError({"--config", file.path(), "--threads", "4"}) ==
        "threads: 0 is not a whole number from 1 to 1024 (from config file '" + file.path() +
            "' line 1)");
  CHECK(LoadError({"--threads", "4"}, {{"DDBX_THREADS", "zero"}}) ==
        "threads: 'zero' is not a whole number from 1 to 1024 (from environment variable "
        "DDBX_THREADS)");
}

TEST_CASE("an unknown key in the file is an error naming it and its line", "[config]") {
  SECTION("top level") {
    TempFile file("listen = \"127.0.0.1:1\"\n\nlistn = \"x\"\n");
    CHECK(LoadError({"--config", file.path()}) ==
          "config file '" + file.path() +
              "' line 3: unknown setting 'listn'; the top level holds listen, data_dir, "
              "in_memory, threads, engine_threads, region, account_id, log_level, [http], "
              "[auth], [cache]");
  }
  SECTION("in [http]") {
    TempFile file("[http]\nmax_body_bytes = 2048\nmax_body = 1\n");
    CHECK(LoadError({"--config", file.path()}) ==
          "config file '" + file.path() +
              "' line 3: unknown setting 'http.max_body'; [http] holds max_body_bytes, "
              "max_header_bytes, idle_timeout_ms");
  }
  SECTION("in [auth]") {
    TempFile file("[auth]\nkey = 1\n");
    CHECK(LoadError({"--config", file.path()}) ==
          "config file '" + file.path() +
              "' line 2: unknown setting 'auth.key'; [auth] holds mode, clock_skew_seconds, "
              "[[auth.keys]]");
  }
  SECTION("an unknown table") {
    TempFile file("[store]\nsize = 1\n");
    CHECK(LoadError({"--config", file.path()}) ==
          "config file '" + file.path() +
              "' line 1: unknown setting 'store'; the top level holds listen, data_dir, "
              "in_memory, threads, engine_threads, region, account_id, log_level, [http], "
              "[auth], [cache]");
  }
  SECTION("in [cache]") {
    TempFile file("[cache]\nsize = 1\n");
    CHECK(LoadError({"--config", file.path()}) ==
          "config file '" + file.path() +
              "' line 2: unknown setting 'cache.size'; [cache] holds enabled, max_bytes, "
              "item_ttl_ms, query_ttl_ms, negative_ttl_ms, mode, [cache.tables.\"NAME\"]");
  }
  SECTION("in a [cache.tables] table") {
    TempFile file("[cache.tables.\"orders\"]\nttl = 1\n");
    CHECK(LoadError({"--config", file.path()}) ==
          "config file '" + file.path() +
              "' line 2: unknown setting 'cache.tables.orders.ttl'; a [cache.tables] table "
              "holds enabled, item_ttl_ms, query_ttl_ms, negative_ttl_ms");
  }
  SECTION("in [[auth.keys]]") {
    TempFile file(
        "[[auth.keys]]\naccess_key_id = \"a\"\nsecret_access_key = \"s\"\nsecret = \"x\"\n");
    CHECK(LoadError({"--config", file.path()}) ==
          "config file '" + file.path() +
              "' line 4: unknown setting 'auth.keys[0].secret'; [[auth.keys]] holds "
              "access_key_id, secret_access_key");
  }
}

TEST_CASE("a malformed file is an error naming the file and line", "[config]") {
  SECTION("a key with no value") {
    TempFile file("listen = \"127.0.0.1:8000\"\nthreads =\nregion = \"us-east-1\"\n");
    const std::string message = LoadError({"--config", file.path()});
    INFO(message);
    CHECK(message.rfind("config file '" + file.path() + "' line 2, column ", 0) == 0);
    CHECK(message.find(": not valid TOML: ") != std::string::npos);
  }
  SECTION("a key given twice") {
    TempFile file("threads = 1\n\n\nthreads = 2\n");
    const std::string message = LoadError({"--config", file.path()});
    INFO(message);
    CHECK(message.rfind("config file '" + file.path() + "' line 4, column ", 0) == 0);
    CHECK(message.find("not valid TOML") != std::string::npos);
  }
  SECTION("an unterminated string") {
    TempFile file("[http]\n\nmax_body_bytes = 2048\n[auth]\nmode = \"sigv4\n");
    const std::string message = LoadError({"--config", file.path()});
    INFO(message);
    CHECK(message.rfind("config file '" + file.path() + "' line 5, column ", 0) == 0);
  }
}

TEST_CASE("an unreadable file is an error naming the file", "[config]") {
  CHECK(LoadError({"--config", "/nonexistent/ddbx.toml"}) ==
        "config file '/nonexistent/ddbx.toml': cannot open it: No such file or directory (from "
        "flag --config)");
  const std::string dir = std::filesystem::temp_directory_path().string();
  CHECK(LoadError({}, {{"DDBX_CONFIG", dir}}) ==
        "config file '" + dir +
            "': cannot read it: Is a directory (from environment variable DDBX_CONFIG)");
  CHECK(LoadError({"--config="}) ==
        "command line: --config: 1 required FILE missing; see 'ddbx serve --help'");
}

TEST_CASE("access keys from the file and the environment", "[config]") {
  TempFile file(kEverySetting);
  SECTION("the environment's pair is added after the file's") {
    const Config c = LoadOk({"--config", file.path()}, {{"DDBX_AUTH_ACCESS_KEY_ID", "fromenv"},
                                                        {"DDBX_AUTH_SECRET_ACCESS_KEY", "envs"}});
    REQUIRE(c.auth.keys.size() == 3);
    CHECK(c.auth.keys[0].access_key_id == "AKIAIOSFODNN7EXAMPLE");
    CHECK(c.auth.keys[1].access_key_id == "local");
    CHECK(c.auth.keys[2] == AccessKey{"fromenv", "envs"});
  }
  SECTION("the same pair in the file and the environment is kept once") {
    const Config c = LoadOk(
        {"--config", file.path()},
        {{"DDBX_AUTH_ACCESS_KEY_ID", "local"}, {"DDBX_AUTH_SECRET_ACCESS_KEY", "s3cret+/="}});
    CHECK(c.auth.keys.size() == 2);
  }
  SECTION("the same id with another secret is an error that shows no secret") {
    const std::string message = LoadError(
        {"--config", file.path()},
        {{"DDBX_AUTH_ACCESS_KEY_ID", "local"}, {"DDBX_AUTH_SECRET_ACCESS_KEY", "otherSecret9"}});
    CHECK(message ==
          "auth.keys[2].access_key_id: 'local' is already auth.keys[1] (from config "
          "file '" +
              file.path() +
              "' line 25) with a different secret (from environment variable "
              "DDBX_AUTH_ACCESS_KEY_ID)");
    CHECK(message.find("otherSecret9") == std::string::npos);
    CHECK(message.find("s3cret") == std::string::npos);
  }
  SECTION("sigv4 from the file with keys only from the environment") {
    TempFile mode_only("[auth]\nmode = \"sigv4\"\n");
    const Config c = LoadOk({"--config", mode_only.path()}, {{"DDBX_AUTH_ACCESS_KEY_ID", "k"},
                                                             {"DDBX_AUTH_SECRET_ACCESS_KEY", "s"}});
    CHECK(c.auth.mode == AuthMode::kSigV4);
    REQUIRE(c.auth.keys.size() == 1);
    CHECK(c.auth.keys[0] == AccessKey{"k", "s"});
  }
  SECTION("keys without sigv4 are kept but unused") {
    TempFile keys_only("[[auth.keys]]\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\n");
    const Config c = LoadOk({"--config", keys_only.path()});
    CHECK(c.auth.mode == AuthMode::kNone);
    CHECK(c.auth.keys.size() == 1);
  }
  SECTION("a bad secret is never echoed") {
    TempFile bad("[[auth.keys]]\naccess_key_id = \"k\"\nsecret_access_key = \"top secret\"\n");
    const std::string message = LoadError({"--config", bad.path()});
    CHECK(message.find("top secret") == std::string::npos);
  }
}

TEST_CASE("command-line errors name the argument", "[config]") {
  CHECK(LoadError({"--listne", "0.0.0.0:1"}) ==
        "command line: unknown flag '--listne'; see 'ddbx serve --help'");
  CHECK(LoadError({"--listen=0.0.0.0:1", "extra"}) ==
        "command line: unexpected argument 'extra'; ddbx serve takes only flags, see 'ddbx serve "
        "--help'");
  CHECK(LoadError({"--threads"}) ==
        "command line: --threads: 1 required N missing; see 'ddbx serve --help'");
  CHECK(LoadError({"--account-id", "123456789012"}) ==
        "command line: unknown flag '--account-id'; see 'ddbx serve --help'");
}

TEST_CASE("--help is a value, not an exit", "[config]") {
  for (const char* flag : {"--help", "-h"}) {
    const Config c = LoadOk({flag});
    CHECK(c.help_requested);
    Config expected;
    expected.help_requested = true;
    CHECK(c == expected);
  }
  // Help wins over everything else: bad values, a missing file.
  CHECK(LoadOk({"--threads", "0", "--config", "/nonexistent", "--help"}).help_requested);
  CHECK(LoadOk({"--help"}, {{"DDBX_THREADS", "0"}}).help_requested);
  CHECK_FALSE(LoadOk({}).help_requested);
}

TEST_CASE("the help text lists every flag with its default and environment variable", "[config]") {
  const std::string help = ServeHelpText();
  INFO(help);
  CHECK(help.find("Usage: ddbx serve") != std::string::npos);
  for (const char* line :
       {"--config FILE (Env:DDBX_CONFIG)", "--listen HOST:PORT=127.0.0.1:8000 (Env:DDBX_LISTEN)",
        "--data-dir DIR=./data (Env:DDBX_DATA_DIR)", "--in-memory=false (Env:DDBX_IN_MEMORY)",
        "--engine-threads N=4 (Env:DDBX_ENGINE_THREADS)",
        "--region REGION=us-east-1 (Env:DDBX_REGION)",
        "--log-level LEVEL=info (Env:DDBX_LOG_LEVEL)", "--auth-mode MODE=none (Env:DDBX_AUTH_MODE)",
        "-h,--help"}) {
    CHECK(help.find(line) != std::string::npos);
  }
  CHECK(help.find("--threads N=" + std::to_string(DefaultThreads()) + " (Env:DDBX_THREADS)") !=
        std::string::npos);
  // The settings with no flag, with their variables and defaults.
  for (const char* text :
       {"account_id", "DDBX_ACCOUNT_ID", "000000000000", "http.max_body_bytes",
        "DDBX_HTTP_MAX_BODY_BYTES", "16777216", "DDBX_HTTP_MAX_HEADER_BYTES", "65536",
        "DDBX_HTTP_IDLE_TIMEOUT_MS", "60000", "DDBX_AUTH_CLOCK_SKEW_SECONDS", "900",
        "DDBX_AUTH_ACCESS_KEY_ID", "DDBX_AUTH_SECRET_ACCESS_KEY", "[[auth.keys]]"}) {
    CHECK(help.find(text) != std::string::npos);
  }
}

TEST_CASE("ParseListenAddress", "[config]") {
  CHECK(ParseListenAddress("0.0.0.0:0") == ListenAddress{"0.0.0.0", 0, false});
  CHECK(ParseListenAddress("255.255.255.255:65535") ==
        ListenAddress{"255.255.255.255", 65535, false});
  CHECK(ParseListenAddress("[::]:8000") == ListenAddress{"::", 8000, true});
  CHECK(ParseListenAddress("[2001:db8::1]:443") == ListenAddress{"2001:db8::1", 443, true});
  CHECK(ParseListenAddress("[2001:db8::1]:443")->ToString() == "[2001:db8::1]:443");
  for (const char* bad : {"",
                          ":",
                          ":80",
                          "1.2.3:80",
                          "1.2.3.4.5:80",
                          "256.0.0.1:80",
                          "localhost:80",
                          "1.2.3.4",
                          "1.2.3.4:65536",
                          "1.2.3.4:-1",
                          "1.2.3.4:+80",
                          "1.2.3.4: 80",
                          "1.2.3.4:123456",
                          "[::1]",
                          "[::1]:",
                          "[::1:80",
                          "[1.2.3.4]:80",
                          "::1:80",
                          "[]:80",
                          "[fe80::1%eth0]:80"}) {
    INFO(bad);
    CHECK_FALSE(ParseListenAddress(bad).has_value());
  }
}

TEST_CASE("names of enums", "[config]") {
  CHECK(AuthModeName(AuthMode::kNone) == "none");
  CHECK(AuthModeName(AuthMode::kSigV4) == "sigv4");
  CHECK(LogLevelName(LogLevel::kTrace) == "trace");
  CHECK(LogLevelName(LogLevel::kWarn) == "warn");
  CHECK(LogLevelName(LogLevel::kOff) == "off");
}

TEST_CASE("the docs and the example file name every setting", "[config]") {
  const std::string docs = ReadRepoFile("docs/configuration.md");
  const std::string example = ReadRepoFile("config/ddbx.example.toml");
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"listen", "DDBX_LISTEN"},
      {"data_dir", "DDBX_DATA_DIR"},
      {"in_memory", "DDBX_IN_MEMORY"},
      {"threads", "DDBX_THREADS"},
      {"engine_threads", "DDBX_ENGINE_THREADS"},
      {"region", "DDBX_REGION"},
      {"account_id", "DDBX_ACCOUNT_ID"},
      {"log_level", "DDBX_LOG_LEVEL"},
      {"max_body_bytes", "DDBX_HTTP_MAX_BODY_BYTES"},
      {"max_header_bytes", "DDBX_HTTP_MAX_HEADER_BYTES"},
      {"idle_timeout_ms", "DDBX_HTTP_IDLE_TIMEOUT_MS"},
      {"mode", "DDBX_AUTH_MODE"},
      {"clock_skew_seconds", "DDBX_AUTH_CLOCK_SKEW_SECONDS"},
      {"access_key_id", "DDBX_AUTH_ACCESS_KEY_ID"},
      {"secret_access_key", "DDBX_AUTH_SECRET_ACCESS_KEY"},
  };
  for (const auto& [key, env] : settings) {
    INFO(key);
    CHECK(docs.find(key) != std::string::npos);
    CHECK(docs.find(env) != std::string::npos);
    CHECK(example.find(key + " =") != std::string::npos);
    CHECK(example.find(env) != std::string::npos);
  }
  for (const char* flag : {"--config", "--listen", "--data-dir", "--in-memory", "--threads",
                           "--engine-threads", "--region", "--log-level", "--auth-mode"}) {
    INFO(flag);
    CHECK(docs.find(flag) != std::string::npos);
  }
  CHECK(docs.find("DDBX_CONFIG") != std::string::npos);
}

TEST_CASE("cache settings: defaults, every layer, per-table overrides", "[config]") {
  Config defaults = LoadOk({});
  CHECK(defaults.cache.enabled);
  CHECK(defaults.cache.max_bytes == 268435456);
  CHECK(defaults.cache.item_ttl_ms == 300000);
  CHECK(defaults.cache.query_ttl_ms == 300000);
  CHECK(defaults.cache.negative_ttl_ms == 300000);
  CHECK(defaults.cache.mode == CacheMode::kCoherent);
  CHECK(defaults.cache.tables.empty());

  TempFile file(
      "[cache]\nmax_bytes = 2097152\nmode = \"dax\"\nitem_ttl_ms = 0\n"
      "[cache.tables.\"orders\"]\nquery_ttl_ms = 1000\n"
      "[cache.tables.\"audit.log\"]\nenabled = false\nnegative_ttl_ms = 5\n");
  Config loaded = LoadOk({"--config", file.path(), "--cache-query-ttl-ms", "7"},
                         {{"DDBX_CACHE_NEGATIVE_TTL_MS", "9"}});
  CHECK(loaded.cache.max_bytes == 2097152);
  CHECK(loaded.cache.mode == CacheMode::kDax);
  CHECK(loaded.cache.item_ttl_ms == 0);
  CHECK(loaded.cache.query_ttl_ms == 7);
  CHECK(loaded.cache.negative_ttl_ms == 9);
  REQUIRE(loaded.cache.tables.size() == 2);
  const CacheTableConfig* orders = nullptr;
  const CacheTableConfig* audit = nullptr;
  for (const CacheTableConfig& t : loaded.cache.tables) {
    if (t.table == "orders") orders = &t;
    if (t.table == "audit.log") audit = &t;
  }
  REQUIRE(orders != nullptr);
  REQUIRE(audit != nullptr);
  CHECK(orders->query_ttl_ms == 1000);
  CHECK_FALSE(orders->enabled.has_value());
  CHECK(audit->enabled == false);
  CHECK(audit->negative_ttl_ms == 5);

  CHECK_FALSE(LoadOk({"--cache=false"}).cache.enabled);
  CHECK(LoadError({"--cache-mode", "fast"}) ==
        "cache.mode: 'fast' is not one of coherent, dax (from flag --cache-mode)");
  CHECK(LoadError({"--cache-max-bytes", "5"}) ==
        "cache.max_bytes: '5' is not a whole number from 1048576 to 1099511627776 (from flag "
        "--cache-max-bytes)");
  TempFile negative("[cache.tables.t1]\nitem_ttl_ms = -1\n");
  CHECK(LoadError({"--config", negative.path()})
            .starts_with("cache.tables.t1.item_ttl_ms: -1 is not an integer from 0 to 2592000000"));
}

}  // namespace
}  // namespace ddbx::config
