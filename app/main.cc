// ddbx: the command line and the wiring config -> backend -> proxy.
//
//   ddbx --version
//   ddbx serve [flags]        (ddbx serve --help lists them)
//
// main() is the controlling thread: it loads the config, opens the engine, starts the HTTP
// workers, then waits for SIGTERM or SIGINT and shuts everything down in reverse order. Those
// signals are blocked in every thread (the workers inherit the mask) and taken with sigwait()
// here, so no signal handler runs anywhere.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "backend/engine/engine.h"
#include "cache/caching_backend.h"
#include "config/config.h"
#include "proxy/auth.h"
#include "proxy/dynamodb_handler.h"
#include "proxy/http_server.h"

namespace {

constexpr const char* kUsage =
    "ddbx " DDBX_VERSION
    ": a DynamoDB accelerator\n"
    "\n"
    "Usage:\n"
    "  ddbx serve [flags]   serve DynamoDB's API (ddbx serve --help for the flags)\n"
    "  ddbx --version       print the version\n"
    "  ddbx --help          print this text\n";

using ddbx::config::LogLevel;

bool Logs(const ddbx::config::Config& config, LogLevel level) {
  return config.log_level != LogLevel::kOff && config.log_level <= level;
}

// The caching backend's options from the [cache] settings and their per-table overrides.
ddbx::cache::CachingOptions CachingOptionsOf(const ddbx::config::CacheConfig& config) {
  ddbx::cache::CachingOptions options;
  options.max_bytes = config.max_bytes;
  options.mode = config.mode == ddbx::config::CacheMode::kDax ? ddbx::cache::CacheMode::kDax
                                                              : ddbx::cache::CacheMode::kCoherent;
  options.defaults.item_ttl_seconds = static_cast<double>(config.item_ttl_ms) / 1000;
  options.defaults.query_ttl_seconds = static_cast<double>(config.query_ttl_ms) / 1000;
  options.defaults.negative_ttl_seconds = static_cast<double>(config.negative_ttl_ms) / 1000;
  for (const ddbx::config::CacheTableConfig& table : config.tables) {
    ddbx::cache::TableCacheSettings settings = options.defaults;
    if (table.enabled) settings.enabled = *table.enabled;
    if (table.item_ttl_ms)
      settings.item_ttl_seconds = static_cast<double>(*table.item_ttl_ms) / 1000;
    if (table.query_ttl_ms) {
      settings.query_ttl_seconds = static_cast<double>(*table.query_ttl_ms) / 1000;
    }
    if (table.negative_ttl_ms) {
      settings.negative_ttl_seconds = static_cast<double>(*table.negative_ttl_ms) / 1000;
    }
    options.tables[table.table] = settings;
  }
  return options;
}

// The cache's lines of GET /metrics, with DAX's names.
void AppendCacheMetrics(const ddbx::cache::CachingBackend& cache, std::string* out) {
  const ddbx::cache::CacheCounters c = cache.GetCounters();
  using ddbx::proxy::AppendMetric;
  AppendMetric(out, "ItemCacheHits", "counter", c.item_cache_hits);
  AppendMetric(out, "ItemCacheMisses", "counter", c.item_cache_misses);
  AppendMetric(out, "QueryCacheHits", "counter", c.query_cache_hits);
  AppendMetric(out, "QueryCacheMisses", "counter", c.query_cache_misses);
  AppendMetric(out, "ScanCacheHits", "counter", c.scan_cache_hits);
  AppendMetric(out, "ScanCacheMisses", "counter", c.scan_cache_misses);
  AppendMetric(out, "EvictedSize", "counter", c.evicted_bytes);
  AppendMetric(out, "EstimatedDbSize", "gauge", c.cached_bytes);
  AppendMetric(out, "CachedEntryCount", "gauge", c.cached_entries);
  AppendMetric(out, "CacheMaxBytes", "gauge", cache.options().max_bytes);
}

int Serve(int argc, const char* const* argv) {
  ddbx::api::Result<ddbx::config::Config> loaded =
      ddbx::config::LoadConfig(argc, argv, [](const char* name) { return std::getenv(name); });
  if (!loaded.ok()) {
    std::fprintf(stderr, "ddbx: %s\n", loaded.error().message.c_str());
    return 2;
  }
  const ddbx::config::Config& config = loaded.value();
  if (config.help_requested) {
    std::fputs(ddbx::config::ServeHelpText().c_str(), stdout);
    return 0;
  }

  // Block the stop signals before any thread starts, so every thread inherits the mask and
  // only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Items the engine's TTL sweeper deletes are reported to the cache, once there is one. The
  // sweeper thread calls in under `expired_mu`, so the cache is never destroyed mid-call.
  std::mutex expired_mu;
  ddbx::cache::CachingBackend* expired_listener = nullptr;  // GUARDED_BY(expired_mu)

  ddbx::backend::engine::EngineOptions engine_options;
  engine_options.on_expired = [&expired_mu, &expired_listener](const std::string& table,
                                                               const ddbx::api::Key& key) {
    std::lock_guard lock(expired_mu);
    if (expired_listener != nullptr) expired_listener->ItemDeletedBehind(table, key);
  };
  engine_options.data_dir = config.data_dir;
  engine_options.in_memory = config.in_memory;
  engine_options.worker_threads = config.engine_threads;
  engine_options.region = config.region;
  engine_options.account_id = config.account_id;
  auto engine = ddbx::backend::engine::Engine::Open(engine_options);
  if (!engine.ok()) {
    std::fprintf(stderr, "ddbx: cannot open the store in '%s': %s\n", config.data_dir.c_str(),
                 engine.error().message.c_str());
    return 1;
  }

  ddbx::proxy::AuthOptions auth_options;
  auth_options.mode = config.auth.mode == ddbx::config::AuthMode::kSigV4
                          ? ddbx::proxy::AuthMode::kSigV4
                          : ddbx::proxy::AuthMode::kNone;
  auth_options.max_skew = std::chrono::seconds(config.auth.clock_skew_seconds);
  for (const auto& key : config.auth.keys) {
    auth_options.keys.emplace(key.access_key_id, key.secret_access_key);
  }
  ddbx::proxy::Authenticator authenticator(std::move(auth_options));
  // The caches wrap the engine: proxy/ talks to whichever is outermost.
  std::unique_ptr<ddbx::cache::CachingBackend> cache;
  ddbx::backend::Backend* backend = engine.value().get();
  if (config.cache.enabled) {
    cache = std::make_unique<ddbx::cache::CachingBackend>(CachingOptionsOf(config.cache), backend);
    backend = cache.get();
    std::lock_guard lock(expired_mu);
    expired_listener = cache.get();
  }
  ddbx::proxy::DynamoDbHandler handler(backend, &authenticator, config.region);

  ddbx::proxy::HttpServerOptions server_options;
  server_options.host = config.listen.host;
  server_options.port = config.listen.port;
  server_options.threads = config.threads;
  server_options.max_body_bytes = config.http.max_body_bytes;
  server_options.max_header_bytes = config.http.max_header_bytes;
  server_options.idle_timeout_ms = config.http.idle_timeout_ms;
  ddbx::proxy::HttpServer server(server_options, &handler);
  handler.SetMetricsSource([&server, cache = cache.get()](std::string* out) {
    if (cache != nullptr) AppendCacheMetrics(*cache, out);
    ddbx::proxy::AppendMetric(out, "ClientConnections", "gauge",
                              static_cast<uint64_t>(server.connection_count()));
  });
  if (ddbx::api::Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "ddbx: %s\n", started.error().message.c_str());
    return 1;
  }
  if (Logs(config, LogLevel::kInfo)) {
    std::fprintf(
        stderr, "ddbx %s listening on %s:%u (%d worker threads, %s, auth %s, cache %s)\n",
        DDBX_VERSION,
        config.listen.ipv6 ? ("[" + config.listen.host + "]").c_str() : config.listen.host.c_str(),
        static_cast<unsigned>(server.port()), config.threads,
        config.in_memory ? "in memory" : ("data in " + config.data_dir).c_str(),
        std::string(ddbx::config::AuthModeName(config.auth.mode)).c_str(),
        config.cache.enabled ? std::string(ddbx::config::CacheModeName(config.cache.mode)).c_str()
                             : "off");
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (Logs(config, LogLevel::kInfo)) {
    std::fprintf(stderr, "ddbx: %s received, finishing requests in flight\n",
                 strsignal(signal_number));
  }
  server.Shutdown();
  {
    std::lock_guard lock(expired_mu);
    expired_listener = nullptr;
  }
  cache.reset();
  engine.value().reset();  // drains the engine's queue and closes the store
  if (Logs(config, LogLevel::kInfo)) std::fprintf(stderr, "ddbx: stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view command = argc > 1 ? argv[1] : "";
  if (command == "--version" || command == "version") {
    std::printf("ddbx %s\n", DDBX_VERSION);
    return 0;
  }
  if (command == "serve") return Serve(argc - 2, argv + 2);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fputs(kUsage, stderr);
  if (!command.empty()) {
    std::fprintf(stderr, "\nddbx: unknown command '%.*s'\n", static_cast<int>(command.size()),
                 command.data());
  }
  return 2;
}
