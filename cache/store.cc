#include "cache/store.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace ddbx::cache {

namespace {

// One cached entry. Nodes sit in the shard's hash map (keyed by a view of `key`) and in one
// intrusive queue.
struct Node {
  std::string key;
  Value value;
  double expires_at = 0;
  size_t charge = 0;
  Node* prev = nullptr;  // towards the queue's head (newest)
  Node* next = nullptr;  // towards the queue's tail (oldest)
  uint8_t freq = 0;      // S3-FIFO: hits since insertion or the last reinsertion, at most 3
  bool in_main = false;  // S3-FIFO: in the main queue (else the small one); LRU: always main
};

// A doubly linked queue of nodes, newest at the head, with the sum of their charges.
class Queue {
 public:
  void PushHead(Node* n) {
    n->prev = nullptr;
    n->next = head_;
    if (head_ != nullptr) head_->prev = n;
    head_ = n;
    if (tail_ == nullptr) tail_ = n;
    bytes_ += n->charge;
  }
  void Remove(Node* n) {
    (n->prev != nullptr ? n->prev->next : head_) = n->next;
    (n->next != nullptr ? n->next->prev : tail_) = n->prev;
    n->prev = n->next = nullptr;
    bytes_ -= n->charge;
  }
  Node* tail() const { return tail_; }
  size_t bytes() const { return bytes_; }

 private:
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace

// A shard: its entries, its queues, its leases, one mutex over all of them.
//
// LRU: one queue; a hit moves the entry to the head; eviction takes the tail.
//
// S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023): a small
// FIFO (10 % of the bytes) takes new keys, a main FIFO the rest, and a ghost FIFO remembers the
// hashes of keys recently evicted from the small queue. A hit only bumps a 2-bit counter (no
// queue movement, so hits are cheap). Eviction: while the small queue holds more than its share,
// its tail moves to main if it was hit at least once since insertion, else it leaves (its hash
// goes to the ghost); otherwise main's tail is reinserted at main's head with its counter
// decremented if it was hit, else it leaves. A new key found in the ghost goes straight to main.
// One-hit wonders thus leave quickly through the small queue while keys hit again stay.
class CacheStore::Shard {
 public:
  Shard(size_t budget, EvictionPolicy policy) : budget_(budget), policy_(policy) {}
  ~Shard() {
    for (auto& [key, node] : map_) delete node;
  }

  Value Get(std::string_view key, double now) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    Node* n = it->second;
    if (n->expires_at <= now) {
      Erase(n);
      return nullptr;
    }
    if (policy_ == EvictionPolicy::kLru) {
      main_.Remove(n);
      main_.PushHead(n);
    } else if (n->freq < 3) {
      ++n->freq;
    }
    return n->value;
  }

  void Put(std::string_view key, Value value, double expires_at) {
    std::lock_guard lock(mu_);
    pending_.erase(std::string(key));
    Install(key, std::move(value), expires_at);
  }

  void Invalidate(std::string_view key) {
    std::lock_guard lock(mu_);
    pending_.erase(std::string(key));
    auto it = map_.find(key);
    if (it != map_.end()) Erase(it->second);
  }

  void InvalidatePrefix(std::string_view prefix) {
    std::lock_guard lock(mu_);
    std::vector<Node*> doomed;
    for (auto& [key, node] : map_) {
      if (key.starts_with(prefix)) doomed.push_back(node);
    }
    for (Node* n : doomed) Erase(n);
    std::erase_if(pending_,
                  [prefix](const auto& entry) { return entry.first.starts_with(prefix); });
  }

  uint64_t BeginFill(std::string_view key, uint64_t fresh_lease) {
    std::lock_guard lock(mu_);
    auto [it, inserted] = pending_.try_emplace(std::string(key), fresh_lease);
    return it->second;
  }

  bool Fill(std::string_view key, uint64_t lease, Value value, double expires_at) {
    std::lock_guard lock(mu_);
    auto it = pending_.find(std::string(key));
    if (it == pending_.end() || it->second != lease) return false;  // a write came in between
    pending_.erase(it);
    return Install(key, std::move(value), expires_at);
  }

  void AddStats(Stats* stats) const {
    std::lock_guard lock(mu_);
    stats->entries += map_.size();
    stats->charged_bytes += used_;
    stats->evicted_bytes += evicted_bytes_;
    stats->evictions += evictions_;
  }

 private:
  // REQUIRES: mu_ held.
  bool Install(std::string_view key, Value value, double expires_at) {
    auto it = map_.find(key);
    if (it != map_.end()) Erase(it->second);
    const size_t charge = ChargeOf(key, value ? value->size() : 0);
    if (charge > budget_) return false;
    while (used_ + charge > budget_) EvictOne();
    auto* n = new Node{std::string(key), std::move(value), expires_at, charge};
    map_.emplace(std::string_view(n->key), n);
    used_ += charge;
    if (policy_ == EvictionPolicy::kLru) {
      n->in_main = true;
      main_.PushHead(n);
      return true;
    }
    const uint64_t hash = std::hash<std::string_view>{}(key);
    auto ghost = ghost_set_.find(hash);
    if (ghost != ghost_set_.end()) {
      ghost_set_.erase(ghost);  // its FIFO slot ages out on its own
      n->in_main = true;
      main_.PushHead(n);
    } else {
      small_.PushHead(n);
    }
    return true;
  }

  // REQUIRES: mu_ held, at least one entry present.
  void EvictOne() {
    if (policy_ == EvictionPolicy::kLru) {
      Evict(main_.tail());
      return;
    }
    for (;;) {
      if (small_.tail() != nullptr && (small_.bytes() > budget_ / 10 || main_.tail() == nullptr)) {
        Node* n = small_.tail();
        if (n->freq > 0) {  // hit while in the small queue: it earned a place in main
          small_.Remove(n);
          n->freq = 0;
          n->in_main = true;
          main_.PushHead(n);
          continue;
        }
        RememberGhost(n->key);
        Evict(n);
        return;
      }
      Node* n = main_.tail();
      if (n->freq > 0) {
        --n->freq;
        main_.Remove(n);
        main_.PushHead(n);
        continue;
      }
      Evict(n);
      return;
    }
  }

  void RememberGhost(std::string_view key) {
    const uint64_t hash = std::hash<std::string_view>{}(key);
    ghost_fifo_.push_back(hash);
    ghost_set_.insert(hash);
    // As many ghosts as entries fit, roughly: the main queue's reach.
    const size_t limit = std::max<size_t>(64, map_.size());
    while (ghost_fifo_.size() > limit) {
      ghost_set_.erase(ghost_fifo_.front());
      ghost_fifo_.pop_front();
    }
  }

  void Evict(Node* n) {
    evicted_bytes_ += n->charge;
    ++evictions_;
    Erase(n);
  }

  void Erase(Node* n) {
    (n->in_main ? main_ : small_).Remove(n);
    used_ -= n->charge;
    map_.erase(std::string_view(n->key));
    delete n;
  }

  const size_t budget_;
  const EvictionPolicy policy_;
  mutable std::mutex mu_;
  std::unordered_map<std::string_view, Node*> map_;    // GUARDED_BY(mu_); views of Node::key
  Queue small_;                                        // GUARDED_BY(mu_)
  Queue main_;                                         // GUARDED_BY(mu_)
  std::deque<uint64_t> ghost_fifo_;                    // GUARDED_BY(mu_)
  std::unordered_set<uint64_t> ghost_set_;             // GUARDED_BY(mu_)
  std::unordered_map<std::string, uint64_t> pending_;  // GUARDED_BY(mu_): fill leases
  size_t used_ = 0;                                    // GUARDED_BY(mu_)
  uint64_t evicted_bytes_ = 0;                         // GUARDED_BY(mu_)
  uint64_t evictions_ = 0;                             // GUARDED_BY(mu_)
};

CacheStore::CacheStore(Options options) : options_(std::move(options)) {
  if (options_.shards < 1) options_.shards = 1;
  const size_t budget = options_.max_bytes / static_cast<size_t>(options_.shards);
  for (int i = 0; i < options_.shards; ++i) {
    shards_.push_back(std::make_unique<Shard>(budget, options_.policy));
  }
}

CacheStore::~CacheStore() = default;

CacheStore::Shard& CacheStore::ShardFor(std::string_view key) const {
  // The top bits of the hash pick the shard; the hash maps inside use all of them.
  const uint64_t h = std::hash<std::string_view>{}(key)*0x9E3779B97F4A7C15ULL;
  return *shards_[(h >> 32) % shards_.size()];
}

double CacheStore::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Value CacheStore::Get(std::string_view key) { return ShardFor(key).Get(key, Now()); }

void CacheStore::Put(std::string_view key, Value value, double ttl_seconds) {
  ShardFor(key).Put(key, std::move(value), Now() + ttl_seconds);
}

void CacheStore::Invalidate(std::string_view key) { ShardFor(key).Invalidate(key); }

void CacheStore::InvalidatePrefix(std::string_view prefix) {
  for (const auto& shard : shards_) shard->InvalidatePrefix(prefix);
}

uint64_t CacheStore::BeginFill(std::string_view key) {
  return ShardFor(key).BeginFill(key, next_lease_.fetch_add(1, std::memory_order_relaxed));
}

bool CacheStore::Fill(std::string_view key, uint64_t lease, Value value, double ttl_seconds) {
  return ShardFor(key).Fill(key, lease, std::move(value), Now() + ttl_seconds);
}

CacheStore::Stats CacheStore::GetStats() const {
  Stats stats;
  for (const auto& shard : shards_) shard->AddStats(&stats);
  return stats;
}

}  // namespace ddbx::cache
