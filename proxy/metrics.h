// RequestMetrics: what the request path counts, written at GET /metrics in Prometheus' text
// format with DAX's CloudWatch names, so dashboards built for DAX translate (docs/cache.md):
//   <Operation>RequestCount, TotalRequestCount, ErrorRequestCount (answers with a 4xx status),
//   FaultRequestCount (5xx), and RequestLatency_seconds, a histogram per operation split by
//   cache="hit" (answered from memory on the worker) and cache="miss" (everything else).
//
// Counters are relaxed atomics, padded per operation so workers counting different operations
// do not share cache lines. Record() and AppendPrometheus() may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ddbx::proxy {

class RequestMetrics {
 public:
  // `operations`: the names of the operations, indexed as Record() is called.
  explicit RequestMetrics(std::vector<std::string_view> operations);

  // One answered request of operation `op` (or kNoOperation: the request never reached one).
  static constexpr size_t kNoOperation = ~size_t{0};
  void Record(size_t op, int http_status, bool cache_hit, uint64_t nanoseconds);

  void AppendPrometheus(std::string* out) const;

  // Upper bounds of the latency buckets, in seconds (the last bucket, +Inf, is implicit).
  static constexpr std::array<double, 15> kBucketSeconds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                            0.0025,  0.005,  0.01,    0.025,  0.05,
                                                            0.1,     0.25,   0.5,     1,      2.5};

 private:
  struct Histogram {
    std::array<std::atomic<uint64_t>, kBucketSeconds.size() + 1> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
  };
  struct alignas(64) OperationCounters {
    std::atomic<uint64_t> requests{0};
    Histogram hit;
    Histogram miss;
  };

  std::vector<std::string_view> operations_;
  std::unique_ptr<OperationCounters[]> counters_;
  alignas(64) std::atomic<uint64_t> total_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> faults_{0};
};

// Appends one Prometheus sample with its TYPE line: "# TYPE name type\nname value\n".
void AppendMetric(std::string* out, std::string_view name, std::string_view type, uint64_t value);

}  // namespace ddbx::proxy
