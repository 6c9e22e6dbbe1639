#include "proxy/metrics.h"

#include <cstdio>
#include <memory>

namespace ddbx::proxy {
namespace {

std::string FormatSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", seconds);
  return buf;
}

}  // namespace

void AppendMetric(std::string* out, std::string_view name, std::string_view type, uint64_t value) {
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out->append(name).append(" ").append(std::to_string(value)).append("\n");
}

RequestMetrics::RequestMetrics(std::vector<std::string_view> operations)
    : operations_(std::move(operations)),
      counters_(std::make_unique<OperationCounters[]>(operations_.size())) {}

void RequestMetrics::Record(size_t op, int http_status, bool cache_hit, uint64_t nanoseconds) {
  total_.fetch_add(1, std::memory_order_relaxed);
  if (http_status >= 500) {
    faults_.fetch_add(1, std::memory_order_relaxed);
  } else if (http_status >= 400) {
    errors_.fetch_add(1, std::memory_order_relaxed);
  }
  if (op >= operations_.size()) return;
  OperationCounters& c = counters_[op];
  c.requests.fetch_add(1, std::memory_order_relaxed);
  Histogram& h = cache_hit ? c.hit : c.miss;
  const double seconds = static_cast<double>(nanoseconds) * 1e-9;
  size_t bucket = 0;
  while (bucket < kBucketSeconds.size() && seconds > kBucketSeconds[bucket]) ++bucket;
  h.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  h.count.fetch_add(1, std::memory_order_relaxed);
  h.sum_ns.fetch_add(nanoseconds, std::memory_order_relaxed);
}

void RequestMetrics::AppendPrometheus(std::string* out) const {
  for (size_t i = 0; i < operations_.size(); ++i) {
    AppendMetric(out, std::string(operations_[i]) + "RequestCount", "counter",
                 counters_[i].requests.load(std::memory_order_relaxed));
  }
  AppendMetric(out, "TotalRequestCount", "counter", total_.load(std::memory_order_relaxed));
  AppendMetric(out, "ErrorRequestCount", "counter", errors_.load(std::memory_order_relaxed));
  AppendMetric(out, "FaultRequestCount", "counter", faults_.load(std::memory_order_relaxed));

  out->append("# TYPE RequestLatency_seconds histogram\n");
  for (size_t i = 0; i < operations_.size(); ++i) {
    for (const bool hit : {true, false}) {
      const Histogram& h = hit ? counters_[i].hit : counters_[i].miss;
      const uint64_t count = h.count.load(std::memory_order_relaxed);
      if (count == 0) continue;
      const std::string labels = "operation=\"" + std::string(operations_[i]) + "\",cache=\"" +
                                 (hit ? "hit" : "miss") + "\"";
      uint64_t cumulative = 0;
      for (size_t b = 0; b <= kBucketSeconds.size(); ++b) {
        cumulative += h.buckets[b].load(std::memory_order_relaxed);
        const std::string le =
            b < kBucketSeconds.size() ? FormatSeconds(kBucketSeconds[b]) : "+Inf";
        out->append("RequestLatency_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
                    std::to_string(cumulative) + "\n");
      }
      char sum[64];
      std::snprintf(sum, sizeof(sum), "%.9f",
                    static_cast<double>(h.sum_ns.load(std::memory_order_relaxed)) * 1e-9);
      out->append("RequestLatency_seconds_sum{" + labels + "} " + sum + "\n");
      out->append("RequestLatency_seconds_count{" + labels + "} " + std::to_string(cumulative) +
                  "\n");
    }
  }
}

}  // namespace ddbx::proxy
