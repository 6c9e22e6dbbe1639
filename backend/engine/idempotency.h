// ClientRequestTokens of TransactWriteItems: which tokens committed a transaction in the last
// ten minutes, with what parameters, and what was answered.
//
// DynamoDB makes TransactWriteItems idempotent per token: within ten minutes of the first call
// that used a token, a call with the same token and the same parameters changes nothing and
// succeeds again; the same token with other parameters is IdempotentParameterMismatchException.
// Only committed transactions are remembered: a cancelled or failed call leaves nothing to
// repeat, so its token stays free. While a call with a token runs, another call with the same
// token is TransactionInProgressException.
//
// Kept in memory (a restart forgets the tokens). Internally synchronized; any thread. Expired
// entries are dropped as later calls pass by, a bounded number per call.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace ddbx::backend::engine {

class IdempotencyTokens {
 public:
  // How long a token is remembered after the transaction that used it committed.
  static constexpr double kWindowSeconds = 600;

  enum class Seen {
    kNew,         // not used in the window: now reserved for this call, which must Finish()
    kSame,        // committed with the same parameters: answer success without running again
    kMismatch,    // committed with other parameters: IdempotentParameterMismatchException
    kInProgress,  // another call with this token is running: TransactionInProgressException
  };
  // What `token` with `fingerprint` is at time `now` (seconds); reserves it when kNew.
  Seen Begin(const std::string& token, const std::string& fingerprint, double now);

  // Ends the call that reserved `token`: remembered for the window from `now` if it committed,
  // released otherwise.
  void Finish(const std::string& token, const std::string& fingerprint, double now, bool committed);

 private:
  struct Entry {
    std::string fingerprint;
    double expires_at = 0;
    bool in_progress = false;
  };
  // Drops up to a few expired entries (the oldest first). REQUIRES: mu_ held.
  void DropExpired(double now);

  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
  // Tokens in the order they were remembered (so in expiry order), for DropExpired.
  std::deque<std::pair<double, std::string>> expiry_order_;  // GUARDED_BY(mu_)
};

}  // namespace ddbx::backend::engine
