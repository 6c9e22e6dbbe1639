// Tests for proxy/metrics: request counts per operation, errors (4xx) and faults (5xx), and the
// latency histogram split by cache hit and miss, in Prometheus' text format.
#include "proxy/metrics.h"

#include <catch2/catch.hpp>
#include <string>

namespace ddbx::proxy {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

TEST_CASE("Request metrics in Prometheus text with DAX's names", "[metrics]") {
  RequestMetrics metrics({"GetItem", "Query"});
  metrics.Record(0, 200, /*cache_hit=*/true, 40'000);      // 40 us
  metrics.Record(0, 200, /*cache_hit=*/true, 300'000);     // 300 us
  metrics.Record(0, 200, /*cache_hit=*/false, 2'000'000);  // 2 ms
  metrics.Record(1, 400, false, 1'000);
  metrics.Record(1, 500, false, 1'000);
  metrics.Record(RequestMetrics::kNoOperation, 404, false, 1'000);
  std::string text;
  metrics.AppendPrometheus(&text);

  CHECK(Has(text, "# TYPE GetItemRequestCount counter"));
  CHECK(Has(text, "GetItemRequestCount 3"));
  CHECK(Has(text, "QueryRequestCount 2"));
  CHECK(Has(text, "TotalRequestCount 6"));
  CHECK(Has(text, "ErrorRequestCount 2"));
  CHECK(Has(text, "FaultRequestCount 1"));
  CHECK(Has(text, "# TYPE RequestLatency_seconds histogram"));
  // Buckets are cumulative; 40 us is under 50 us, 300 us under 500 us.
  CHECK(
      Has(text, R"(RequestLatency_seconds_bucket{operation="GetItem",cache="hit",le="5e-05"} 1)"));
  CHECK(Has(text,
            R"(RequestLatency_seconds_bucket{operation="GetItem",cache="hit",le="0.00025"} 1)"));
  CHECK(
      Has(text, R"(RequestLatency_seconds_bucket{operation="GetItem",cache="hit",le="0.0005"} 2)"));
  CHECK(Has(text, R"(RequestLatency_seconds_bucket{operation="GetItem",cache="hit",le="+Inf"} 2)"));
  CHECK(Has(text, R"(RequestLatency_seconds_count{operation="GetItem",cache="hit"} 2)"));
  CHECK(Has(text, R"(RequestLatency_seconds_sum{operation="GetItem",cache="hit"} 0.000340000)"));
  CHECK(
      Has(text, R"(RequestLatency_seconds_bucket{operation="GetItem",cache="miss",le="0.001"} 0)"));
  CHECK(Has(text,
            R"(RequestLatency_seconds_bucket{operation="GetItem",cache="miss",le="0.0025"} 1)"));
  CHECK(Has(text, R"(RequestLatency_seconds_count{operation="Query",cache="miss"} 2)"));
  // A histogram nothing was recorded in is left out.
  CHECK(text.find(R"(operation="Query",cache="hit")") == std::string::npos);
}

}  // namespace
}  // namespace ddbx::proxy
