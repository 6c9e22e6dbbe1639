// CacheStore: the memory the item cache and the query cache live in. A byte-bounded map from
// keys to immutable values, split into shards with their own locks, with per-entry expiry,
// eviction when full (LRU or S3-FIFO, chosen by measurement: docs/cache.md), and fill leases
// so that a miss that started before a write never installs its older result after it.
//
// Memory. Every entry is charged ChargeOf(key, value): what the allocator really hands out for
// it — the key's and the value's heap buffers rounded to the allocator's size classes, plus a
// fixed per-entry overhead for the node, the shared value, the hash-table slot and the queue
// links (kEntryOverheadBytes, measured: docs/cache.md). The sum of the charges of
// the entries present never exceeds the configured limit: an insert first evicts until its
// charge fits (each shard owns limit / shards bytes). A value larger than a shard's budget is
// not cached.
//
// Fill leases (no stale fill). A reader that misses calls BeginFill(key), reads the backend,
// then Fill(key, lease, value): the value is installed only if no Put or Invalidate of that key
// happened since BeginFill. Writers call Put (write-through: the new value) or Invalidate;
// both end every outstanding lease of the key.
//
// Values are shared, immutable strings (std::shared_ptr<const std::string>): a hit copies a
// pointer under the shard lock and reads the bytes after releasing it, so a hit never waits on
// anything but that short lock, and never on a backend call.
//
// Thread safety: every method may be called from any thread at any time. Expiry reads the clock
// given in Options (tests pass a fake one).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddbx::cache {

enum class EvictionPolicy : uint8_t { kLru, kS3Fifo };

using Value = std::shared_ptr<const std::string>;

class CacheStore {
 public:
  struct Options {
    size_t max_bytes = size_t{256} << 20;
    int shards = 16;
    EvictionPolicy policy = EvictionPolicy::kS3Fifo;
    std::function<double()> clock;  // seconds; default: the steady clock
  };

  // Bytes charged per entry besides its key's and value's heap buffers: the node (key string,
  // value pointer, expiry, queue links, flags), the value's shared string and control block,
  // the hash-table node and bucket, as allocated (measured with jemalloc at 1 million entries:
  // docs/cache.md).
  static constexpr size_t kEntryOverheadBytes = 208;
  // What the allocator makes resident for a request of `n` bytes: jemalloc's small size classes
  // (16-byte steps up to 128, then four classes per doubling) up to 16 KB; above that, large
  // allocations take whole pages and only the pages written become resident.
  static constexpr size_t AllocationBytes(size_t n) {
    if (n <= 8) return 8;
    if (n <= 128) return (n + 15) / 16 * 16;
    if (n > 16384) return (n + 4095) / 4096 * 4096;
    size_t power = 128;
    while (power * 2 < n) power *= 2;
    const size_t step = power / 4;
    return (n + step - 1) / step * step;
  }
  // The heap buffer of a std::string of `n` bytes: none while it fits in the string itself.
  static constexpr size_t StringHeapBytes(size_t n) { return n <= 15 ? 0 : AllocationBytes(n + 1); }
  static constexpr size_t ChargeOf(std::string_view key, size_t value_bytes) {
    return kEntryOverheadBytes + StringHeapBytes(key.size()) + StringHeapBytes(value_bytes);
  }

  explicit CacheStore(Options options);
  ~CacheStore();
  CacheStore(const CacheStore&) = delete;
  CacheStore& operator=(const CacheStore&) = delete;

  // The value under `key` if present and not expired (an expired entry is removed).
  Value Get(std::string_view key);

  // Write-through: stores `value` for `ttl_seconds` and ends the key's fill leases.
  void Put(std::string_view key, Value value, double ttl_seconds);
  // Removes the key and ends its fill leases.
  void Invalidate(std::string_view key);
  // Removes every entry whose key starts with `prefix` (a table's entries: DeleteTable).
  void InvalidatePrefix(std::string_view prefix);

  // Fill leases: see above. A lease is a number unique within the store.
  uint64_t BeginFill(std::string_view key);
  // True if `value` was installed (the lease was still valid and the value fits). Either way
  // the lease ends; a reader whose backend call failed calls Fill with a null value.
  bool Fill(std::string_view key, uint64_t lease, Value value, double ttl_seconds);

  struct Stats {
    uint64_t entries = 0;
    uint64_t charged_bytes = 0;  // the sum of ChargeOf over the entries present
    uint64_t evicted_bytes = 0;  // charges of entries evicted (not expired, not invalidated)
    uint64_t evictions = 0;
  };
  Stats GetStats() const;
  size_t max_bytes() const { return options_.max_bytes; }

 private:
  class Shard;
  Shard& ShardFor(std::string_view key) const;
  double Now() const;

  Options options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> next_lease_{1};
};

}  // namespace ddbx::cache
