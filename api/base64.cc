#include "api/base64.h"

#include <array>

namespace ddbx::api {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr uint8_t kInvalid = 0xFF;
constexpr uint8_t kPad = 0xFE;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<uint8_t>(i);
  t['='] = kPad;
  return t;
}
constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

Error LastCharacterError() {
  return Error::Serialization("Invalid last non-pad Base64 character dectected");
}

}  // namespace

void Base64Encode(std::string_view bytes, std::string* out) {
  const size_t start = out->size();
  out->resize(start + Base64EncodedSize(bytes.size()));
  char* o = out->data() + start;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  while (n >= 3) {
    const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = kAlphabet[v & 63];
    o += 4;
    p += 3;
    n -= 3;
  }
  if (n == 1) {
    const uint32_t v = uint32_t{p[0]} << 16;
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = '=';
    o[3] = '=';
  } else if (n == 2) {
    const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8);
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = '=';
  }
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  Base64Encode(bytes, &out);
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  const size_t n = text.size();
  if (n % 4 != 0) {
    return Error::Serialization(
        "Base64 encoded length is expected a multiple of 4 bytes but found: " + std::to_string(n));
  }
  for (const char c : text) {
    if (kDecode[static_cast<unsigned char>(c)] == kInvalid) {
      return Error::Serialization(std::string("Invalid Base64 character: '") + c + "'");
    }
  }
  size_t pads = 0;
  while (pads < n && text[n - 1 - pads] == '=') ++pads;
  if (pads > 2) return LastCharacterError();
  const size_t data_chars = n - pads;
  for (size_t i = 0; i < data_chars; ++i) {
    if (text[i] == '=') return LastCharacterError();  // padding before the end
  }

  std::string out;
  out.resize(n / 4 * 3 - pads);
  char* o = out.data();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t full_groups = pads == 0 ? n / 4 : n / 4 - 1;
  for (size_t g = 0; g < full_groups; ++g, p += 4) {
    const uint32_t v = (uint32_t{kDecode[p[0]]} << 18) | (uint32_t{kDecode[p[1]]} << 12) |
                       (uint32_t{kDecode[p[2]]} << 6) | kDecode[p[3]];
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>(v >> 8);
    o[2] = static_cast<char>(v);
    o += 3;
  }
  if (pads == 2) {
    const uint32_t a = kDecode[p[0]];
    const uint32_t b = kDecode[p[1]];
    if ((b & 0x0F) != 0) return LastCharacterError();
    o[0] = static_cast<char>((a << 2) | (b >> 4));
  } else if (pads == 1) {
    const uint32_t a = kDecode[p[0]];
    const uint32_t b = kDecode[p[1]];
    const uint32_t c = kDecode[p[2]];
    if ((c & 0x03) != 0) return LastCharacterError();
    o[0] = static_cast<char>((a << 2) | (b >> 4));
    o[1] = static_cast<char>(((b & 0x0F) << 4) | (c >> 2));
  }
  return out;
}

}  // namespace ddbx::api
