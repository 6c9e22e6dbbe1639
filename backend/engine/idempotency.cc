#include "backend/engine/idempotency.h"

namespace ddbx::backend::engine {

namespace {
// Expired entries dropped per call at most: the cost of a call stays bounded, and since every
// call drops some, the map never holds much more than the tokens of the last ten minutes.
constexpr int kDropPerCall = 8;
}  // namespace

IdempotencyTokens::Seen IdempotencyTokens::Begin(const std::string& token,
                                                 const std::string& fingerprint, double now) {
  std::lock_guard lock(mu_);
  DropExpired(now);
  auto it = entries_.find(token);
  if (it != entries_.end() && it->second.in_progress) return Seen::kInProgress;
  if (it != entries_.end() && it->second.expires_at > now) {
    return it->second.fingerprint == fingerprint ? Seen::kSame : Seen::kMismatch;
  }
  entries_.insert_or_assign(token, Entry{fingerprint, 0, /*in_progress=*/true});
  return Seen::kNew;
}

void IdempotencyTokens::Finish(const std::string& token, const std::string& fingerprint, double now,
                               bool committed) {
  std::lock_guard lock(mu_);
  if (!committed) {
    entries_.erase(token);
    return;
  }
  const double expires_at = now + kWindowSeconds;
  entries_.insert_or_assign(token, Entry{fingerprint, expires_at, /*in_progress=*/false});
  expiry_order_.emplace_back(expires_at, token);
}

void IdempotencyTokens::DropExpired(double now) {
  for (int i = 0; i < kDropPerCall && !expiry_order_.empty(); ++i) {
    const auto& [expires_at, token] = expiry_order_.front();
    if (expires_at > now) break;
    auto it = entries_.find(token);
    // A token remembered again later has a later expiry: only its newest entry counts.
    if (it != entries_.end() && !it->second.in_progress && it->second.expires_at <= now) {
      entries_.erase(it);
    }
    expiry_order_.pop_front();
  }
}

}  // namespace ddbx::backend::engine
