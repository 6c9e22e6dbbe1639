// Tests for cache/store: gets and puts, expiry with a fake clock, the byte limit (never
// exceeded, whatever the value sizes), LRU and S3-FIFO eviction order, fill leases (a write
// between BeginFill and Fill wins), prefix invalidation, and concurrent use (also under TSan).
#include "cache/store.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace ddbx::cache {
namespace {

Value V(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

struct Clocked {
  double now = 1000;
  CacheStore store;
  explicit Clocked(size_t max_bytes, EvictionPolicy policy = EvictionPolicy::kS3Fifo,
                   int shards = 1)
      : store(CacheStore::Options{max_bytes, shards, policy, [this] { return now; }}) {}
};

TEST_CASE("Get, Put, Invalidate and expiry", "[cache]") {
  Clocked c(1 << 20);
  CHECK(c.store.Get("a") == nullptr);
  c.store.Put("a", V("one"), 10);
  REQUIRE(c.store.Get("a") != nullptr);
  CHECK(*c.store.Get("a") == "one");
  c.store.Put("a", V("two"), 10);
  CHECK(*c.store.Get("a") == "two");
  CHECK(c.store.GetStats().entries == 1);
  CHECK(c.store.GetStats().charged_bytes == CacheStore::ChargeOf("a", 3));
  c.now += 9.9;
  CHECK(c.store.Get("a") != nullptr);
  c.now += 0.1;  // expires at exactly put time + ttl
  CHECK(c.store.Get("a") == nullptr);
  CHECK(c.store.GetStats().entries == 0);
  CHECK(c.store.GetStats().charged_bytes == 0);

  c.store.Put("b", V(""), 10);  // an empty value (a negative entry) is a value like any other
  REQUIRE(c.store.Get("b") != nullptr);
  CHECK(c.store.Get("b")->empty());
  c.store.Invalidate("b");
  CHECK(c.store.Get("b") == nullptr);

  c.store.Put("t1/x", V("1"), 10);
  c.store.Put("t1/y", V("2"), 10);
  c.store.Put("t2/x", V("3"), 10);
  c.store.InvalidatePrefix("t1/");
  CHECK(c.store.Get("t1/x") == nullptr);
  CHECK(c.store.Get("t1/y") == nullptr);
  CHECK(c.store.Get("t2/x") != nullptr);
}

TEST_CASE("The byte limit holds whatever the value sizes", "[cache]") {
  for (EvictionPolicy policy : {EvictionPolicy::kLru, EvictionPolicy::kS3Fifo}) {
    const size_t limit = 256 * 1024;
    Clocked c(limit, policy, 4);
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
      const size_t size = rng() % 4 == 0 ? rng() % 20000 : rng() % 300;
      c.store.Put("k" + std::to_string(rng() % 5000), V(std::string(size, 'x')), 100);
      REQUIRE(c.store.GetStats().charged_bytes <= limit);
    }
    const CacheStore::Stats stats = c.store.GetStats();
    CHECK(stats.evictions > 0);
    // Full: what is left of the budget is less than one large entry per shard.
    CHECK(stats.charged_bytes > limit / 2);
  }
  // A value larger than a shard's budget is not cached.
  Clocked tiny(4096, EvictionPolicy::kLru, 1);
  tiny.store.Put("big", V(std::string(5000, 'x')), 10);
  CHECK(tiny.store.Get("big") == nullptr);
}

TEST_CASE("LRU evicts the least recently used entry", "[cache]") {
  const size_t entry = CacheStore::ChargeOf("k0", 10);
  Clocked c(3 * entry, EvictionPolicy::kLru);
  for (const char* key : {"k0", "k1", "k2"}) c.store.Put(key, V(std::string(10, 'v')), 100);
  CHECK(c.store.Get("k0") != nullptr);              // k0 becomes the most recent
  c.store.Put("k3", V(std::string(10, 'v')), 100);  // evicts k1
  CHECK(c.store.Get("k1") == nullptr);
  CHECK(c.store.Get("k0") != nullptr);
  CHECK(c.store.Get("k2") != nullptr);
  CHECK(c.store.GetStats().evictions == 1);
  CHECK(c.store.GetStats().evicted_bytes == entry);
}

TEST_CASE("S3-FIFO keeps entries hit again and drops one-hit wonders", "[cache]") {
  const size_t entry = CacheStore::ChargeOf("k00", 10);
  Clocked c(20 * entry, EvictionPolicy::kS3Fifo);
  // A hot set, read again after insertion.
  for (int i = 0; i < 10; ++i)
    c.store.Put("h" + std::to_string(i) + "x", V(std::string(10, 'v')), 100);
  for (int i = 0; i < 10; ++i) CHECK(c.store.Get("h" + std::to_string(i) + "x") != nullptr);
  // A scan of keys seen once, five times the cache.
  for (int i = 0; i < 100; ++i) {
    c.store.Put("s" + std::to_string(100 + i), V(std::string(10, 'v')), 100);
  }
  int hot_left = 0;
  for (int i = 0; i < 10; ++i) hot_left += c.store.Get("h" + std::to_string(i) + "x") != nullptr;
  CHECK(hot_left == 10);
}

TEST_CASE("A write between BeginFill and Fill wins", "[cache]") {
  Clocked c(1 << 20);
  // No write: the fill installs.
  uint64_t lease = c.store.BeginFill("k");
  CHECK(c.store.Fill("k", lease, V("from backend"), 10));
  CHECK(*c.store.Get("k") == "from backend");

  // A write-through Put after the fill began: the older read must not replace it.
  c.store.Invalidate("k");
  lease = c.store.BeginFill("k");
  c.store.Put("k", V("written"), 10);
  CHECK_FALSE(c.store.Fill("k", lease, V("stale"), 10));
  CHECK(*c.store.Get("k") == "written");

  // An invalidation after the fill began: nothing is installed.
  c.store.Invalidate("k");
  lease = c.store.BeginFill("k");
  c.store.Invalidate("k");
  CHECK_FALSE(c.store.Fill("k", lease, V("stale"), 10));
  CHECK(c.store.Get("k") == nullptr);

  // Two fills begun with no write between share the lease; the first installs.
  uint64_t a = c.store.BeginFill("k");
  uint64_t b = c.store.BeginFill("k");
  CHECK(a == b);
  CHECK(c.store.Fill("k", a, V("first"), 10));
  CHECK_FALSE(c.store.Fill("k", b, V("second"), 10));
  CHECK(*c.store.Get("k") == "first");
}

TEST_CASE("Concurrent readers, writers and fills", "[cache][concurrency]") {
  CacheStore store(CacheStore::Options{64 * 1024, 4, EvictionPolicy::kS3Fifo, {}});
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, &stop, t] {
      std::mt19937 rng(t);
      while (!stop) {
        const std::string key = "k" + std::to_string(rng() % 200);
        switch (rng() % 4) {
          case 0:
            store.Put(key, V(std::string(rng() % 500, 'p')), 5);
            break;
          case 1:
            store.Invalidate(key);
            break;
          case 2: {
            uint64_t lease = store.BeginFill(key);
            store.Fill(key, lease, V(std::string(rng() % 500, 'f')), 5);
            break;
          }
          default: {
            Value v = store.Get(key);
            if (v) (void)v->size();
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (std::thread& t : threads) t.join();
  CHECK(store.GetStats().charged_bytes <= 64 * 1024);
}

}  // namespace
}  // namespace ddbx::cache
