// Number: parsing, canonical text, exact addition, total order, the order-preserving key
// encoding and DynamoDB's size rule. The contract is in number.h.
//
// A value is sign * coefficient_ * 10^exponent_ with coefficient_ free of trailing decimal zeros,
// so its "adjusted exponent" (the power of ten of its leading digit) is
// exponent_ + digits(coefficient_) - 1. DynamoDB's limits in those terms: at most 38 digits,
// adjusted exponent from -130 to 125. A coefficient of 38 digits is below 10^38 < 2^128, and the
// exponent_ of a valid number lies in [-167, 125].
#include "api/number.h"

#include <array>

namespace ddbx::api {
namespace {

using u128 = unsigned __int128;
using i128 = __int128;

constexpr int kMaxDigits = 38;
constexpr int kMaxAdjustedExponent = 125;   // 9.9999999999999999999999999999999999999E+125
constexpr int kMinAdjustedExponent = -130;  // 1E-130

// DynamoDB's messages (ValidationException). The not-numeric one is the current validation
// layer's wording, which always appends ": " and the text as sent, even when the text is empty.
constexpr std::string_view kNotNumeric = "The parameter cannot be converted to a numeric value: ";
constexpr std::string_view kTooPrecise =
    "Attempting to store more than 38 significant digits in a Number";
constexpr std::string_view kOverflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr std::string_view kUnderflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";

constexpr std::array<u128, kMaxDigits + 1> MakePowersOfTen() {
  std::array<u128, kMaxDigits + 1> p{};
  p[0] = 1;
  for (int i = 1; i <= kMaxDigits; ++i) p[i] = p[i - 1] * 10;
  return p;
}
constexpr std::array<u128, kMaxDigits + 1> kPow10 = MakePowersOfTen();  // 10^0 .. 10^38

// Decimal digits of v, for 0 < v < 10^39 (anything from 10^38 up counts as 39).
int DigitCount(u128 v) {
  int n = 1;
  while (n <= kMaxDigits && v >= kPow10[n]) ++n;
  return n;
}

// The decimal digits of v > 0, most significant first, into buf (at least 40 bytes); returns
// how many.
int ToDigits(u128 v, char* buf) {
  char tmp[40];
  int n = 0;
  while (v != 0) {
    tmp[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  for (int i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return n;
}

int64_t FloorDiv2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

Error NotNumeric(std::string_view text) {
  std::string message(kNotNumeric);
  message.append(text);
  return Error::Validation(std::move(message));
}

// Compares |a| and |b| for non-zero magnitudes given as (coefficient, exponent).
std::strong_ordering CompareMagnitude(u128 ca, int32_t ea, u128 cb, int32_t eb) {
  const int na = DigitCount(ca);
  const int nb = DigitCount(cb);
  const int adj_a = ea + na - 1;
  const int adj_b = eb + nb - 1;
  if (adj_a != adj_b) return adj_a <=> adj_b;
  // Same leading power of ten: line the digits up by padding the shorter one with zeros.
  if (na < nb) ca *= kPow10[nb - na];
  if (nb < na) cb *= kPow10[na - nb];
  return ca <=> cb;
}

// Ordered-bytes tags (see AppendOrderedBytes). Part of the on-disk key format: never change.
constexpr unsigned char kNegativeTag = 0x01;
constexpr unsigned char kZeroTag = 0x02;
constexpr unsigned char kPositiveTag = 0x03;
constexpr unsigned char kPositiveEnd = 0x00;
constexpr unsigned char kNegativeEnd = 0xFF;
// The coefficient is stored left-aligned (its first digit starts the first pair), so 38 digits
// take at most 19 pairs.
constexpr int kMaxCoefficientPairs = kMaxDigits / 2;

}  // namespace

Result<Number> Number::Parse(std::string_view text) {
  // Grammar (what DynamoDB accepts): [+-]? ( digits [ '.' digits? ] | '.' digits )
  //                                  ( [eE] [+-]? digits )?
  // Nothing else: no spaces, no "NaN"/"Infinity", no hex, no digit-less exponent.
  const size_t n = text.size();
  size_t i = 0;
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }

  // Mantissa digits are numbered 0, 1, 2, ... ignoring the point. The digit numbered p has the
  // decimal exponent (int_digits - 1 - p) + exp once the exponent part is read.
  u128 coefficient = 0;       // significant digits committed so far (at most 38)
  int digits = 0;             // how many digits `coefficient` holds
  int64_t pending_zeros = 0;  // zeros after the last non-zero digit, not yet committed
  bool too_precise = false;
  int64_t position = 0;
  int64_t first_nonzero = -1;
  int64_t last_nonzero = -1;
  int64_t int_digits = -1;  // number of mantissa digits before the point; -1 until seen
  bool any_digit = false;
  for (; i < n; ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (c == '0') {
        if (first_nonzero >= 0) ++pending_zeros;  // leading zeros are not significant
      } else {
        if (first_nonzero < 0) first_nonzero = position;
        if (!too_precise) {
          if (digits + pending_zeros + 1 > kMaxDigits) {
            too_precise = true;
          } else {
            coefficient = coefficient * kPow10[pending_zeros + 1] + static_cast<unsigned>(c - '0');
            digits += static_cast<int>(pending_zeros) + 1;
          }
        }
        pending_zeros = 0;
        last_nonzero = position;
      }
      ++position;
    } else if (c == '.' && int_digits < 0) {
      int_digits = position;
    } else {
      break;
    }
  }
  if (!any_digit) return NotNumeric(text);
  if (int_digits < 0) int_digits = position;

  // Exponent: any value that fits a signed 64-bit integer is accepted here and range-checked
  // below (DynamoDB answers 1E99999999999 with the overflow message); a longer one is not a
  // number.
  int64_t exp = 0;
  if (i < n) {
    if (text[i] != 'e' && text[i] != 'E') return NotNumeric(text);
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i == n) return NotNumeric(text);
    const uint64_t limit = exp_negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    uint64_t magnitude = 0;
    for (; i < n; ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return NotNumeric(text);
      const uint64_t d = static_cast<uint64_t>(c - '0');
      if (magnitude > (limit - d) / 10) return NotNumeric(text);
      magnitude = magnitude * 10 + d;
    }
    exp = exp_negative ? static_cast<int64_t>(uint64_t{0} - magnitude)
                       : static_cast<int64_t>(magnitude);
  }

  if (first_nonzero < 0) return Number();  // zero, however it was spelled ("-0.000e7")

  // Checked in DynamoDB's order: magnitude before precision.
  const i128 adjusted = i128{int_digits} - 1 - first_nonzero + exp;
  if (adjusted > kMaxAdjustedExponent) return Error::Validation(std::string(kOverflow));
  if (adjusted < kMinAdjustedExponent) return Error::Validation(std::string(kUnderflow));
  if (too_precise) return Error::Validation(std::string(kTooPrecise));

  Number out;
  out.coefficient_ = coefficient;
  out.exponent_ = static_cast<int32_t>(i128{int_digits} - 1 - last_nonzero + exp);
  out.negative_ = negative;
  return out;
}

Number Number::FromInt64(int64_t value) {
  Number out;
  if (value == 0) return out;
  out.negative_ = value < 0;
  uint64_t magnitude =
      value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  int32_t exponent = 0;
  while (magnitude % 10 == 0) {
    magnitude /= 10;
    ++exponent;
  }
  out.coefficient_ = magnitude;
  out.exponent_ = exponent;
  return out;
}

// Addition, exactly. Let `hi` be the operand with the larger exponent and d the difference, so
// the exact sum is (hi.c * 10^d +- lo.c) * 10^lo.e. When d > 0 its last digit is lo.c's last
// digit, which is not zero, so the sum has exactly as many significant digits as that integer.
// With nh = digits(hi.c):
//   nh + d <= 38: hi.c * 10^d < 10^38, and the sum of two values below 10^38 fits in 128 bits.
//   nh + d >= 40: hi.c * 10^d >= 10^39, so even after subtracting lo.c < 10^38 the result has
//                 39+ digits: too precise.
//   nh + d == 39: hi.c * 10^d is in [10^38, 10^39). Adding makes 39+ digits. Subtracting can
//                 cancel (1E38 - 99999999999999999999999999999999999999 = 1), which needs
//                 hi.c * 10^d < 2*10^38 (else the difference still exceeds 10^38); that fits.
// DynamoDB rejects a result that needs more than 38 digits rather than rounding it, and words
// the refusal as an overflow (observed by ScyllaDB's test_update_expression_plus_imprecise:
// 1e50 + 1 and 1e50 - 1 both answer "Number overflow. ..."), so that is the message here. A
// result below 1E-130 (possible: 1.0000000000000000000000000000000000001E-130 - 1E-130) is an
// underflow; one of 39+ digits can never also be below 1E-130, since no operand has a digit
// below 10^-167.
Result<Number> Number::Add(const Number& a, const Number& b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  const bool a_is_hi = a.exponent_ >= b.exponent_;
  const Number& hi = a_is_hi ? a : b;
  const Number& lo = a_is_hi ? b : a;
  const int64_t d = int64_t{hi.exponent_} - lo.exponent_;
  const bool same_sign = hi.negative_ == lo.negative_;
  const int64_t nh = DigitCount(hi.coefficient_);

  u128 aligned;  // hi.coefficient_ * 10^d
  if (nh + d <= kMaxDigits) {
    aligned = hi.coefficient_ * kPow10[d];
  } else if (nh + d == kMaxDigits + 1 && !same_sign) {
    const u128 tenth = hi.coefficient_ * kPow10[d - 1];  // below 10^38
    if (tenth >= 2 * kPow10[kMaxDigits - 1]) return Error::Validation(std::string(kOverflow));
    aligned = tenth * 10;  // below 2 * 10^38 < 2^128
  } else {
    return Error::Validation(std::string(kOverflow));
  }

  u128 magnitude;
  bool negative;
  if (same_sign) {
    magnitude = aligned + lo.coefficient_;
    negative = hi.negative_;
  } else if (aligned >= lo.coefficient_) {
    magnitude = aligned - lo.coefficient_;
    negative = hi.negative_;
  } else {
    magnitude = lo.coefficient_ - aligned;
    negative = lo.negative_;
  }
  if (magnitude == 0) return Number();

  int64_t exponent = lo.exponent_;
  while (magnitude % 10 == 0) {  // only when d == 0 (e.g. 15 + 25 = 4E1)
    magnitude /= 10;
    ++exponent;
  }
  const int digits = DigitCount(magnitude);
  if (digits > kMaxDigits) return Error::Validation(std::string(kOverflow));
  const int64_t adjusted = exponent + digits - 1;
  if (adjusted > kMaxAdjustedExponent) return Error::Validation(std::string(kOverflow));
  if (adjusted < kMinAdjustedExponent) return Error::Validation(std::string(kUnderflow));

  Number out;
  out.coefficient_ = magnitude;
  out.exponent_ = static_cast<int32_t>(exponent);
  out.negative_ = negative;
  return out;
}

Result<Number> Number::Subtract(const Number& a, const Number& b) {
  Number negated = b;
  if (!negated.is_zero()) negated.negative_ = !negated.negative_;
  return Add(a, negated);
}

std::string Number::ToString() const {
  if (is_zero()) return "0";
  char digits[40];
  const int n = ToDigits(coefficient_, digits);
  std::string out;
  out.reserve(static_cast<size_t>(n) + 172);
  if (negative_) out.push_back('-');
  if (exponent_ >= 0) {
    out.append(digits, static_cast<size_t>(n));
    out.append(static_cast<size_t>(exponent_), '0');
  } else if (n + exponent_ > 0) {
    const int int_len = n + exponent_;  // digits before the point
    out.append(digits, static_cast<size_t>(int_len));
    out.push_back('.');
    out.append(digits + int_len, static_cast<size_t>(n - int_len));
  } else {
    out.append("0.");
    out.append(static_cast<size_t>(-(n + exponent_)), '0');
    out.append(digits, static_cast<size_t>(n));
  }
  return out;
}

int Number::significant_digits() const { return is_zero() ? 0 : DigitCount(coefficient_); }

std::strong_ordering Number::operator<=>(const Number& other) const {
  const int sign = is_zero() ? 0 : (negative_ ? -1 : 1);
  const int other_sign = other.is_zero() ? 0 : (other.negative_ ? -1 : 1);
  if (sign != other_sign) return sign <=> other_sign;
  if (sign == 0) return std::strong_ordering::equal;
  const std::strong_ordering magnitude =
      CompareMagnitude(coefficient_, exponent_, other.coefficient_, other.exponent_);
  return sign > 0 ? magnitude : 0 <=> magnitude;
}

// The ordered encoding. One tag byte orders the signs: 0x01 negative < 0x02 zero < 0x03
// positive; zero is the tag alone. A non-zero number continues with
//   one exponent byte: the adjusted exponent + 130, which is 0..255 for every valid number;
//   the coefficient's digits, left-aligned (the first digit starts the first pair), two per
//   byte: a pair with value v (0..99; an odd last digit is padded with a 0) is the byte v + 1;
//   the terminator 0x00, below every pair byte.
// For positives this sorts by adjusted exponent, then digit by digit; a number whose digits are
// a prefix of another's is smaller, and the terminator makes it so. Negatives write every byte
// after the tag as 255 - b (pairs become 155..254, the terminator 0xFF), which reverses the
// magnitude order as a negative needs. The terminator makes the encoding self-delimiting, and
// because two encodings that differ do so before either terminator, anything appended after
// one (more key attributes) never changes how two numbers compare. At most 1 + 1 + 19 + 1 = 22
// bytes. Decoding accepts only canonical encodings (first digit non-zero, last pair not 00, at
// most 19 pairs), so decode-then-encode gives back the same bytes.
void Number::AppendOrderedBytes(std::string* out) const {
  if (is_zero()) {
    out->push_back(static_cast<char>(kZeroTag));
    return;
  }
  char digits[40];
  int n = ToDigits(coefficient_, digits);
  const int adjusted = exponent_ + n - 1;
  const unsigned char flip = negative_ ? 0xFF : 0x00;
  out->push_back(static_cast<char>(negative_ ? kNegativeTag : kPositiveTag));
  out->push_back(static_cast<char>(static_cast<unsigned char>(adjusted + 130) ^ flip));
  if (n % 2 != 0) digits[n++] = '0';
  for (int i = 0; i < n; i += 2) {
    const int pair = (digits[i] - '0') * 10 + (digits[i + 1] - '0');
    out->push_back(static_cast<char>(static_cast<unsigned char>(pair + 1) ^ flip));
  }
  out->push_back(static_cast<char>(negative_ ? kNegativeEnd : kPositiveEnd));
}

bool Number::ParseOrderedBytes(std::string_view* in, Number* out) {
  const std::string_view s = *in;
  if (s.empty()) return false;
  const unsigned char tag = static_cast<unsigned char>(s[0]);
  if (tag == kZeroTag) {
    *out = Number();
    in->remove_prefix(1);
    return true;
  }
  if (tag != kNegativeTag && tag != kPositiveTag) return false;
  const bool negative = tag == kNegativeTag;
  const unsigned char flip = negative ? 0xFF : 0x00;
  if (s.size() < 2) return false;
  const int adjusted = static_cast<int>(static_cast<unsigned char>(s[1]) ^ flip) - 130;

  u128 coefficient = 0;
  int pairs = 0;
  int last_pair = 0;
  size_t i = 2;
  for (;; ++i) {
    if (i >= s.size()) return false;  // no terminator
    const unsigned char b = static_cast<unsigned char>(s[i]) ^ flip;
    if (b == 0x00) break;  // the terminator (0x00, or 0xFF before flipping)
    if (b > 100) return false;
    if (pairs == kMaxCoefficientPairs) return false;
    last_pair = b - 1;
    if (pairs == 0 && last_pair < 10) return false;  // leading zero digit
    coefficient = coefficient * 100 + static_cast<unsigned>(last_pair);
    ++pairs;
  }
  if (pairs == 0 || last_pair == 0) return false;  // empty, or a trailing 00 pair
  int digits = 2 * pairs;
  if (coefficient % 10 == 0) {  // the padding of an odd digit count
    coefficient /= 10;
    --digits;
  }
  Number result;
  result.coefficient_ = coefficient;
  result.exponent_ = adjusted - (digits - 1);
  result.negative_ = negative;
  *out = result;
  in->remove_prefix(i + 1);
  return true;
}

// DynamoDB stores a number the way Oracle's NUMBER does, which its limits match exactly (38
// digits, 1E-130 to 9.99...E+125): one exponent byte, one byte per base-100 digit, the pairs
// aligned on the decimal point, plus a terminator byte for negatives. So the size is
//   1 + (number of decimal-point-aligned digit pairs from the leading to the last significant
//   digit) + (1 if negative),
// and 1 for zero. This fits every literal measured against DynamoDB's 400 KB item-size gate
// (eu-west-2, 2026-08-18, in the dynamodb-conformance suite): 0->1, 1->2, 12->2, 123->3,
// 1234->3, 38 digits->20, 0042->2, 100->2, 1010->3, 0.0000001->2, 1E125->2, 1E-100->2,
// 1.5->3, 15->2, 1.2->3, 1.200->3, 1.234->4, 3.14159->5, 123456->4, 100.5->4, 0.15->2,
// -42->3, -0->1. The developer guide's "1 byte per two significant digits plus 1 byte" is an
// approximation that misses the pair alignment (3.14159 costs 5, not 4).
size_t Number::SizeBytes() const {
  if (is_zero()) return 1;
  const int64_t low = exponent_;
  const int64_t high = int64_t{exponent_} + DigitCount(coefficient_) - 1;
  const int64_t pairs = FloorDiv2(high) - FloorDiv2(low) + 1;
  return static_cast<size_t>(1 + pairs + (negative_ ? 1 : 0));
}

}  // namespace ddbx::api
