// libFuzzer target for proxy/http_parser: arbitrary bytes, in arbitrary chunk splits.
//
// The first bytes of the input choose the limits and the chunk sizes; the rest is the stream.
// The same stream is parsed twice, whole and in chunks, and both parses must hand out the same
// requests and agree on whether the stream fails (which kind may differ: a split can reveal an
// oversized header block before llhttp reaches a malformed byte in it). Every Consume() must
// stay within its input, and a failed parser must stay failed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/http_parser.h"

namespace {

using ddbx::proxy::HttpParser;
using ddbx::proxy::ParsedRequest;

void Check(bool ok) {
  if (!ok) std::abort();
}

struct Result {
  std::vector<std::string> requests;
  bool failed = false;
};

std::string Describe(const ParsedRequest& r) {
  std::string s = r.request.method + ' ' + r.request.target + (r.keep_alive ? " ka" : " close");
  for (const auto& h : r.request.headers) s += '\n' + h.name + ':' + h.value;
  s += "\n\n" + r.request.body;
  return s;
}

void Feed(HttpParser& parser, std::string_view piece, Result& out) {
  while (!out.failed) {
    const size_t used = parser.Consume(piece);
    Check(used <= piece.size());
    piece.remove_prefix(used);
    if (parser.failed()) {
      out.failed = true;
      Check(parser.Consume("GET / HTTP/1.1\r\n\r\n") == 0);
      Check(parser.failed());
      return;
    }
    (void)parser.TakeExpectContinue();
    if (parser.ready()) {
      out.requests.push_back(Describe(parser.TakeRequest()));
      Check(!parser.ready());
      continue;
    }
    Check(piece.empty());
    return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const size_t max_header = 16 + data[0] * 4;  // 16 .. 1036
  const size_t max_body = data[1] * 8;         // 0 .. 2040
  const uint8_t split_seed = data[2];
  const uint8_t split_mod = static_cast<uint8_t>(data[3] % 32 + 1);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 4, size - 4);

  Result whole;
  {
    HttpParser parser(max_header, max_body);
    Feed(parser, stream, whole);
  }

  Result split;
  {
    HttpParser parser(max_header, max_body);
    size_t offset = 0;
    uint32_t state = split_seed;
    while (offset < stream.size() && !split.failed) {
      state = state * 1103515245u + 12345u;
      const size_t chunk = std::min<size_t>(stream.size() - offset, (state >> 16) % split_mod + 1);
      Feed(parser, stream.substr(offset, chunk), split);
      offset += chunk;
    }
  }

  Check(whole.failed == split.failed);
  Check(whole.requests == split.requests);
  return 0;
}
