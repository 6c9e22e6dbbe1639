// cache_policy: hit ratios of the cache store's eviction policies (LRU, S3-FIFO) on a Zipfian
// trace, at several cache sizes, side by side on the same trace. Chooses the policy the item
// and query caches use (docs/cache.md).
//
//   build/bench/cache_policy [keys=1000000] [requests=10000000] [alpha=0.99] [value_bytes=200]
//   build/bench/cache_policy memory [entries=1000000] [value_bytes=200]
//
// The trace: `requests` reads of keys drawn from a Zipf(alpha) distribution over `keys` keys
// (rank 1 the most popular; ranks shuffled into key names so popularity is not key order), with
// a fixed seed. Each read is a Get; a miss Puts the value (as a cache fill does). Cache sizes
// are fractions of the bytes all keys would take (1 %, 5 %, 10 %, 25 %), charged as the store
// charges entries. One shard, so the policies see the whole trace. Prints one line per size
// and policy, then a machine-readable RESULT line.
//
// `memory` mode checks the store's per-entry charge against the memory really used: it fills a
// store (big enough for all of them) with `entries` entries, each its own value string of
// `value_bytes`, keys as in the trace, and prints the resident set's growth per entry next to
// the charge per entry (ChargeOf), with their ratio.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cache/store.h"

namespace {

// Zipf sampling by inverting the cumulative distribution (a table of `n` doubles).
class Zipf {
 public:
  Zipf(size_t n, double alpha) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += 1.0 / std::pow(static_cast<double>(i + 1), alpha);
      cdf_[i] = sum;
    }
    for (double& c : cdf_) c /= sum;
  }
  size_t Sample(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

}  // namespace

// The resident set size of this process, in bytes (Linux /proc/self/statm).
size_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int read = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return read == 2 ? resident * 4096 : 0;
}

int Memory(size_t entries, size_t value_bytes) {
  const size_t charge = ddbx::cache::CacheStore::ChargeOf("k0000000", value_bytes);
  ddbx::cache::CacheStore store(
      {entries * charge * 2, 16, ddbx::cache::EvictionPolicy::kS3Fifo, [] { return 0.0; }});
  const size_t before = ResidentBytes();
  char key[32];
  for (size_t i = 0; i < entries; ++i) {
    std::snprintf(key, sizeof(key), "k%07zu", i);
    store.Put(key, std::make_shared<const std::string>(value_bytes, 'v'), 1e9);
  }
  const size_t after = ResidentBytes();
  const double per_entry = static_cast<double>(after - before) / static_cast<double>(entries);
  const auto stats = store.GetStats();
  std::printf(
      "%zu entries of %zu-byte values: resident growth %.1f bytes/entry, charged %zu "
      "bytes/entry (%llu in all), ratio real/charged %.3f\n",
      entries, value_bytes, per_entry, charge, static_cast<unsigned long long>(stats.charged_bytes),
      per_entry / static_cast<double>(charge));
  std::printf("RESULT memory_per_entry=%.1f charge_per_entry=%zu ratio=%.3f\n", per_entry, charge,
              per_entry / static_cast<double>(charge));
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "memory") {
    return Memory(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000,
                  argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 200);
  }
  const size_t keys = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const size_t requests = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10000000;
  const double alpha = argc > 3 ? std::strtod(argv[3], nullptr) : 0.99;
  const size_t value_bytes = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 200;

  std::mt19937_64 rng(20261121);
  std::vector<size_t> name_of_rank(keys);
  for (size_t i = 0; i < keys; ++i) name_of_rank[i] = i;
  std::shuffle(name_of_rank.begin(), name_of_rank.end(), rng);
  Zipf zipf(keys, alpha);
  std::vector<uint32_t> trace(requests);
  for (uint32_t& r : trace) r = static_cast<uint32_t>(name_of_rank[zipf.Sample(rng)]);

  const auto value = std::make_shared<const std::string>(value_bytes, 'v');
  const size_t entry_bytes = ddbx::cache::CacheStore::ChargeOf("k0000000", value_bytes);
  std::printf("trace: %zu reads of %zu keys, Zipf alpha %.2f, values of %zu bytes (%zu charged)\n",
              requests, keys, alpha, value_bytes, entry_bytes);
  std::string result = "RESULT";
  for (double fraction : {0.01, 0.05, 0.10, 0.25}) {
    const size_t bytes = static_cast<size_t>(fraction * static_cast<double>(keys * entry_bytes));
    for (auto [policy, name] : {std::pair{ddbx::cache::EvictionPolicy::kLru, "lru"},
                                std::pair{ddbx::cache::EvictionPolicy::kS3Fifo, "s3fifo"}}) {
      ddbx::cache::CacheStore store({bytes, 1, policy, [] { return 0.0; }});
      size_t hits = 0;
      char key[32];
      for (uint32_t k : trace) {
        std::snprintf(key, sizeof(key), "k%07u", k);
        if (store.Get(key)) {
          ++hits;
        } else {
          store.Put(key, value, 1e9);
        }
      }
      const double ratio = static_cast<double>(hits) / static_cast<double>(requests);
      std::printf("cache %5.1f%% of the keys' bytes (%9zu bytes)  %-7s hit ratio %.4f\n",
                  fraction * 100, bytes, name, ratio);
      char field[64];
      std::snprintf(field, sizeof(field), " %s_%g=%.4f", name, fraction * 100, ratio);
      result += field;
    }
  }
  std::printf("%s\n", result.c_str());
  return 0;
}
