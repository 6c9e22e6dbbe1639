// Number: DynamoDB's exact decimal number.
//
// Up to 38 significant decimal digits; a non-zero magnitude from 1E-130 to 9.99...E+125, either
// sign. Held as sign + unsigned 128-bit coefficient (no trailing zeros) + decimal exponent, so
// every value has exactly one representation: equal numbers compare equal byte for byte, and
// ToString() is the canonical text DynamoDB returns ("1.500" -> "1.5", "-0" -> "0", "1E+2" ->
// "100"). A plain value type; immutable once made; safe to share between threads.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/error.h"

namespace ddbx::api {

class Number {
 public:
  Number() = default;  // zero

  // Parses DynamoDB's number text ("-12.5e3", "0.001", " 5" is invalid). On bad text, too many
  // significant digits, or a magnitude out of range: ValidationException with DynamoDB's message.
  static Result<Number> Parse(std::string_view text);
  static Number FromInt64(int64_t value);

  // Exact arithmetic; ValidationException with DynamoDB's message on overflow, underflow or a
  // result needing more than 38 significant digits.
  static Result<Number> Add(const Number& a, const Number& b);
  static Result<Number> Subtract(const Number& a, const Number& b);

  // Canonical text: plain decimal notation, no exponent, no trailing fractional zeros.
  std::string ToString() const;

  bool is_zero() const { return coefficient_ == 0; }
  bool is_negative() const { return negative_; }
  int significant_digits() const;

  // Total order by numeric value.
  std::strong_ordering operator<=>(const Number& other) const;
  bool operator==(const Number& other) const = default;

  // Appends a byte string whose memcmp order equals numeric order (for storage keys), and
  // decodes it again (consuming what it reads from *in; false on malformed bytes).
  void AppendOrderedBytes(std::string* out) const;
  static bool ParseOrderedBytes(std::string_view* in, Number* out);

  // The bytes DynamoDB counts for this number in an item's size: one byte, plus one per pair of
  // digits counted from the decimal point, plus one if negative (one byte for zero). This is
  // Oracle's NUMBER layout, which DynamoDB's limits match; see number.cc for the evidence.
  size_t SizeBytes() const;

 private:
  unsigned __int128 coefficient_ = 0;  // no trailing decimal zeros; 0 for zero
  int32_t exponent_ = 0;               // value = coefficient_ * 10^exponent_; 0 for zero
  bool negative_ = false;              // false for zero
};

}  // namespace ddbx::api
