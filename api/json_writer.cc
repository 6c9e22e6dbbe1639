// JsonWriter: string escaping and number formatting. The contract is in json_writer.h.
//
// Escaping scans eight bytes at a time: a word with no byte below 0x20, no '"', no '\\' and no
// byte with the high bit set is copied as is (the common case for attribute names and values).
// Otherwise the bytes are classified one at a time; a non-ASCII byte starts a UTF-8 sequence that
// is checked against Unicode's table of well-formed sequences (no overlongs, no surrogates,
// nothing above U+10FFFF) and copied whole, or replaced by U+FFFD one byte at a time.
#include "api/json_writer.h"

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

namespace ddbx::api {
namespace {

constexpr uint64_t kOnes = ~uint64_t{0} / 255;  // 0x0101010101010101
constexpr uint64_t kHighs = kOnes * 0x80;       // 0x8080808080808080

// True if any byte of `w` needs attention: < 0x20, '"', '\\' or >= 0x80.
inline bool WordNeedsWork(uint64_t w) {
  const uint64_t less_than_space = (w - kOnes * 0x20) & ~w & kHighs;
  const uint64_t q = w ^ (kOnes * '"');
  const uint64_t quote = (q - kOnes) & ~q & kHighs;
  const uint64_t b = w ^ (kOnes * '\\');
  const uint64_t backslash = (b - kOnes) & ~b & kHighs;
  return (less_than_space | quote | backslash | (w & kHighs)) != 0;
}

// Byte classes: 0 = copy, 1 = escape, 2 = starts a multi-byte sequence (or is invalid).
constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> c{};
  for (int i = 0; i < 0x20; ++i) c[i] = 1;
  c['"'] = 1;
  c['\\'] = 1;
  for (int i = 0x80; i < 0x100; ++i) c[i] = 2;
  return c;
}
constexpr std::array<uint8_t, 256> kClass = MakeClasses();

inline bool InRange(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

// Length of the well-formed UTF-8 sequence starting at p (whose first byte is >= 0x80), or 0.
size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  const size_t left = static_cast<size_t>(end - p);
  if (InRange(c, 0xC2, 0xDF)) {
    return left >= 2 && InRange(p[1], 0x80, 0xBF) ? 2 : 0;
  }
  if (InRange(c, 0xE0, 0xEF)) {
    if (left < 3) return 0;
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return InRange(p[1], lo, hi) && InRange(p[2], 0x80, 0xBF) ? 3 : 0;
  }
  if (InRange(c, 0xF0, 0xF4)) {
    if (left < 4) return 0;
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return InRange(p[1], lo, hi) && InRange(p[2], 0x80, 0xBF) && InRange(p[3], 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

void AppendEscape(std::string* out, unsigned char c) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out->append(buf, sizeof(buf));
      return;
    }
  }
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = p + s.size();
  const unsigned char* run = p;  // start of bytes not yet copied
  while (p < end) {
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, sizeof(w));
      if (!WordNeedsWork(w)) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    const uint8_t k = kClass[c];
    if (k == 0) {
      ++p;
      continue;
    }
    if (k == 2) {
      const size_t n = Utf8SequenceLength(p, end);
      if (n != 0) {
        p += n;
        continue;
      }
    }
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (k == 1) {
      AppendEscape(out, c);
    } else {
      out->append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not well-formed UTF-8
    }
    ++p;
    run = p;
  }
  out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(end - run));
  out->push_back('"');
}

void AppendJavaDouble(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  if (v == 0) {
    out->append(std::signbit(v) ? "-0.0" : "0.0");
    return;
  }
  // Shortest round-trip digits, in scientific form: [-]d[.ddd]e[+-]xx.
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  const char* p = buf;
  const char* const end = r.ptr;
  if (*p == '-') {
    out->push_back('-');
    ++p;
  }
  char digits[32];
  int ndigits = 0;
  while (p < end && *p != 'e') {
    if (*p != '.') digits[ndigits++] = *p;
    ++p;
  }
  // A finite nonzero double always has at least one significant digit (64 bytes is more than
  // to_chars ever needs for one).
  assert(r.ec == std::errc() && ndigits > 0);
  int exponent = 0;
  if (p < end) std::from_chars(p[1] == '+' ? p + 2 : p + 1, end, exponent);
  while (ndigits > 1 && digits[ndigits - 1] == '0') --ndigits;

  const double magnitude = std::fabs(v);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    // Plain notation with at least one fractional digit.
    const int point = exponent + 1;  // digits before the decimal point
    if (point <= 0) {
      out->append("0.");
      out->append(static_cast<size_t>(-point), '0');
      out->append(digits, static_cast<size_t>(ndigits));
    } else if (point >= ndigits) {
      out->append(digits, static_cast<size_t>(ndigits));
      out->append(static_cast<size_t>(point - ndigits), '0');
      out->append(".0");
    } else {
      out->append(digits, static_cast<size_t>(point));
      out->push_back('.');
      out->append(digits + point, static_cast<size_t>(ndigits - point));
    }
    return;
  }
  // Computerized scientific notation: d.dddE<exponent>, at least one digit after the point.
  out->push_back(digits[0]);
  out->push_back('.');
  if (ndigits > 1) {
    out->append(digits + 1, static_cast<size_t>(ndigits - 1));
  } else {
    out->push_back('0');
  }
  out->push_back('E');
  char ebuf[8];
  const auto er = std::to_chars(ebuf, ebuf + sizeof(ebuf), exponent);
  out->append(ebuf, static_cast<size_t>(er.ptr - ebuf));
}

void JsonWriter::Key(std::string_view key) {
  Separate();
  AppendJsonString(out_, key);
  out_->push_back(':');
  need_comma_ = false;
}

void JsonWriter::String(std::string_view s) {
  Separate();
  AppendJsonString(out_, s);
}

void JsonWriter::Int(int64_t v) {
  Separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_->append(buf, static_cast<size_t>(r.ptr - buf));
}

void JsonWriter::Uint(uint64_t v) {
  Separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_->append(buf, static_cast<size_t>(r.ptr - buf));
}

void JsonWriter::Double(double v) {
  Separate();
  AppendJavaDouble(out_, v);
}

void JsonWriter::Bool(bool v) {
  Separate();
  out_->append(v ? "true" : "false");
}

void JsonWriter::Null() {
  Separate();
  out_->append("null");
}

void JsonWriter::RawValue(std::string_view json) {
  Separate();
  out_->append(json);
}

}  // namespace ddbx::api
