// Tests for api::Number: parsing and DynamoDB's messages, canonical text, exact arithmetic, the
// total order, the ordered-bytes key encoding and the item-size rule.
//
// Random cases are checked against a slow but obviously correct reference decimal (digit
// strings, schoolbook addition) written here, independent of Number's 128-bit arithmetic.
#include "api/number.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace ddbx::api {
namespace {

const std::string kNotNumeric = "The parameter cannot be converted to a numeric value: ";
const std::string kTooPrecise = "Attempting to store more than 38 significant digits in a Number";
const std::string kOverflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
const std::string kUnderflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";

Number N(std::string_view text) {
  Result<Number> r = Number::Parse(text);
  INFO("parsing " << text);
  REQUIRE(r.ok());
  return r.value();
}

std::string Canonical(std::string_view text) { return N(text).ToString(); }

std::string ParseError(std::string_view text) {
  Result<Number> r = Number::Parse(text);
  INFO("parsing " << text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kValidation);
  return r.error().message;
}

std::string Outcome(const Result<Number>& r) {
  return r.ok() ? r.value().ToString() : "error: " + r.error().message;
}

std::string AddText(std::string_view a, std::string_view b) {
  return Outcome(Number::Add(N(a), N(b)));
}
std::string SubText(std::string_view a, std::string_view b) {
  return Outcome(Number::Subtract(N(a), N(b)));
}

std::string Encode(const Number& n) {
  std::string out;
  n.AppendOrderedBytes(&out);
  return out;
}

int Sign(int v) { return (v > 0) - (v < 0); }

// ---- Reference decimal ---------------------------------------------------------------------

// value = (neg ? -1 : 1) * digits * 10^exp; digits has no leading or trailing zeros, and is
// empty for zero.
struct Ref {
  bool neg = false;
  std::string digits;
  int64_t exp = 0;
};

Ref Normalize(Ref r) {
  size_t lead = r.digits.find_first_not_of('0');
  if (lead == std::string::npos) return Ref{};
  r.digits.erase(0, lead);
  while (r.digits.back() == '0') {
    r.digits.pop_back();
    ++r.exp;
  }
  return r;
}

// |a| - |b| or |a| + |b| as digit strings aligned at exponent e.
std::string Aligned(const Ref& r, int64_t e) {
  return r.digits + std::string(static_cast<size_t>(r.exp - e), '0');
}

int CompareDigitStrings(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

std::string AddDigits(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int s = carry;
    if (i < a.size()) s += a[a.size() - 1 - i] - '0';
    if (i < b.size()) s += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// REQUIRES: a >= b as numbers.
std::string SubDigits(const std::string& a, const std::string& b) {
  std::string out;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int s = (a[a.size() - 1 - i] - '0') - borrow;
    if (i < b.size()) s -= b[b.size() - 1 - i] - '0';
    borrow = s < 0;
    out.push_back(static_cast<char>('0' + (s + 10) % 10));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Ref RefAdd(const Ref& a, const Ref& b) {
  if (a.digits.empty()) return b;
  if (b.digits.empty()) return a;
  const int64_t e = std::min(a.exp, b.exp);
  std::string da = Aligned(a, e), db = Aligned(b, e);
  Ref r;
  r.exp = e;
  if (a.neg == b.neg) {
    r.digits = AddDigits(da, db);
    r.neg = a.neg;
  } else if (CompareDigitStrings(da, db) >= 0) {
    r.digits = SubDigits(da, db);
    r.neg = a.neg;
  } else {
    r.digits = SubDigits(db, da);
    r.neg = b.neg;
  }
  return Normalize(r);
}

Ref RefNegate(Ref r) {
  if (!r.digits.empty()) r.neg = !r.neg;
  return r;
}

// Sign of a - b, by reference subtraction.
int RefCompare(const Ref& a, const Ref& b) {
  Ref d = RefAdd(a, RefNegate(b));
  return d.digits.empty() ? 0 : (d.neg ? -1 : 1);
}

std::string RefPlain(const Ref& r) {
  if (r.digits.empty()) return "0";
  std::string s = r.neg ? "-" : "";
  const int64_t n = static_cast<int64_t>(r.digits.size());
  if (r.exp >= 0) {
    s += r.digits + std::string(static_cast<size_t>(r.exp), '0');
  } else if (n + r.exp > 0) {
    s += r.digits.substr(0, static_cast<size_t>(n + r.exp)) + "." +
         r.digits.substr(static_cast<size_t>(n + r.exp));
  } else {
    s += "0." + std::string(static_cast<size_t>(-(n + r.exp)), '0') + r.digits;
  }
  return s;
}

// What Number::Add must answer for an exact result r.
std::string RefOutcome(const Ref& r) {
  if (r.digits.empty()) return "0";
  const int64_t adjusted = r.exp + static_cast<int64_t>(r.digits.size()) - 1;
  if (r.digits.size() > 38 || adjusted > 125) return "error: " + kOverflow;
  if (adjusted < -130) return "error: " + kUnderflow;
  return RefPlain(r);
}

// Scientific text for r, e.g. "-1.2345E-7", as a client might send it.
std::string RefScientific(const Ref& r) {
  if (r.digits.empty()) return "0";
  std::string s = r.neg ? "-" : "";
  s += r.digits.substr(0, 1);
  if (r.digits.size() > 1) s += "." + r.digits.substr(1);
  s += "E" + std::to_string(r.exp + static_cast<int64_t>(r.digits.size()) - 1);
  return s;
}

// A random valid number: 1..38 digits, adjusted exponent within [min_adj, max_adj].
Ref RandomRef(std::mt19937_64& rng, int min_adj = -130, int max_adj = 125) {
  Ref r;
  if (rng() % 16 == 0) return r;  // zero now and then
  r.neg = rng() % 2 == 0;
  // Favour short coefficients and ones with runs of 9s and 0s, where carries and cancellation
  // live.
  const size_t len = rng() % 3 == 0 ? 38 - rng() % 3 : 1 + rng() % 38;
  const int style = static_cast<int>(rng() % 4);
  for (size_t i = 0; i < len; ++i) {
    char c = static_cast<char>('0' + rng() % 10);
    if (style == 1) c = rng() % 4 ? '9' : c;
    if (style == 2) c = rng() % 4 ? '0' : c;
    r.digits.push_back(c);
  }
  if (r.digits[0] == '0') r.digits[0] = '1';
  if (r.digits.back() == '0') r.digits.back() = '7';
  const int adjusted =
      min_adj + static_cast<int>(rng() % static_cast<uint64_t>(max_adj - min_adj + 1));
  r.exp = adjusted - static_cast<int64_t>(r.digits.size()) + 1;
  return r;
}

// ---- Parsing -------------------------------------------------------------------------------

TEST_CASE("Number::Parse gives DynamoDB's canonical text", "[number]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", "0"},
      {"-0", "0"},
      {"+0", "0"},
      {"-0.000", "0"},
      {"0e1000", "0"},
      {"-0.0E-99999", "0"},
      {"000", "0"},
      {"1", "1"},
      {"+5", "5"},
      {"+1.5", "1.5"},
      {"+1e2", "100"},
      {"-7", "-7"},
      {"1.500", "1.5"},
      {"1.0", "1"},
      {"00042", "42"},
      {"0001.23", "1.23"},
      {"1E+2", "100"},
      {"1e+2", "100"},
      {"1.5E+3", "1500"},
      {"1.5E3", "1500"},
      {"1.5e-3", "0.0015"},
      {"-17e5", "-1700000"},
      {"-7.1234", "-7.1234"},
      {".123", "0.123"},
      {"-.5", "-0.5"},
      {"1.", "1"},
      {"5.e1", "50"},
      {"120.0500", "120.05"},
      {"1000", "1000"},
      {"0.001", "0.001"},
      {"123.456e1", "1234.56"},
      {"123.456e-5", "0.00123456"},
      {"1e0000000000000000000000000000000000000000003", "1000"},
      {"-17.4E37", "-174000000000000000000000000000000000000"},
      {"3.1415926535897932384626433832795028841", "3.1415926535897932384626433832795028841"},
      {"314159265358979323846.26433832795028841", "314159265358979323846.26433832795028841"},
  };
  for (const auto& [in, want] : cases) {
    INFO("input " << in);
    CHECK(Canonical(in) == want);
  }
  CHECK_FALSE(N("-0").is_negative());
  CHECK(N("-0").is_zero());
  CHECK(N("-0") == Number());
  CHECK(N("1.500") == N("15E-1"));
}

TEST_CASE("Number::Parse covers the whole range, both signs", "[number]") {
  const std::string max = "9.9999999999999999999999999999999999999E+125";
  std::string max_plain(38, '9');
  max_plain += std::string(88, '0');  // 126 integer digits
  CHECK(Canonical(max) == max_plain);
  CHECK(Canonical("-" + max) == "-" + max_plain);
  CHECK(Canonical("1e125") == "1" + std::string(125, '0'));
  CHECK(Canonical("-1E125") == "-1" + std::string(125, '0'));

  const std::string min_plain = "0." + std::string(129, '0') + "1";  // 130 fraction digits
  CHECK(Canonical("1e-130") == min_plain);
  CHECK(Canonical("-1E-130") == "-" + min_plain);
  CHECK(Canonical(min_plain) == min_plain);
  // The lowest digit a number can have: 38 digits led by 1E-130.
  const std::string low = "1.0000000000000000000000000000000000001E-130";
  CHECK(Canonical(low) == "0." + std::string(129, '0') + "1" + std::string(36, '0') + "1");

  CHECK(ParseError("1e126") == kOverflow);
  CHECK(ParseError("-1e126") == kOverflow);
  CHECK(ParseError("10e125") == kOverflow);
  CHECK(ParseError("11e125") == kOverflow);
  CHECK(ParseError("1" + std::string(126, '0')) == kOverflow);
  CHECK(ParseError("1e-131") == kUnderflow);
  CHECK(ParseError("-1e-131") == kUnderflow);
  CHECK(ParseError("0.9e-130") == kUnderflow);
  CHECK(ParseError("0." + std::string(130, '0') + "1") == kUnderflow);
  // Exponents far out of range, as long as they fit a 64-bit integer, are range errors.
  CHECK(ParseError("1e99999999999") == kOverflow);
  CHECK(ParseError("-1e99999999999") == kOverflow);
  CHECK(ParseError("1e-99999999999") == kUnderflow);
  CHECK(ParseError("1e2147483647") == kOverflow);
  CHECK(ParseError("1e2147483648") == kOverflow);
  CHECK(ParseError("1e-2147483648") == kUnderflow);
  CHECK(ParseError("1e9223372036854775807") == kOverflow);
  CHECK(ParseError("1e-9223372036854775808") == kUnderflow);
  CHECK(ParseError("0.001e9223372036854775807") == kOverflow);
  CHECK(ParseError("1000e-9223372036854775808") == kUnderflow);
  // An exponent that does not fit 64 bits is not a number at all.
  CHECK(ParseError("1e9223372036854775808") == kNotNumeric + "1e9223372036854775808");
  CHECK(ParseError("1e-9223372036854775809") == kNotNumeric + "1e-9223372036854775809");
  // Range is checked before precision.
  CHECK(ParseError(std::string(39, '1') + "e200") == kOverflow);
  CHECK(ParseError("0." + std::string(39, '1') + "e-200") == kUnderflow);
}

TEST_CASE("Number::Parse counts significant digits like DynamoDB", "[number]") {
  const std::string d38 = "12345678901234567890123456789012345678";
  const std::string d39 = "123456789012345678901234567890123456789";
  CHECK(Canonical(d38) == d38);
  CHECK(N(d38).significant_digits() == 38);
  CHECK(ParseError(d39) == kTooPrecise);
  CHECK(ParseError("-1.23456789012345678901234567890123456789") == kTooPrecise);
  CHECK(ParseError("3.14159265358979323846264338327950288419") == kTooPrecise);
  CHECK(ParseError("314159265358979323846.264338327950288419") == kTooPrecise);
  CHECK(ParseError("314159265358979323846264338327950288419e30") == kTooPrecise);
  CHECK(ParseError("1234567890123456789012345678901234567890") == kTooPrecise);  // 39 + a 0
  CHECK(Canonical("31415926535897932384626433832795028841e30") ==
        "31415926535897932384626433832795028841" + std::string(30, '0'));
  // Interior zeros count; leading and trailing ones do not.
  CHECK(ParseError("1" + std::string(37, '0') + "1") == kTooPrecise);  // 39 digits
  CHECK(Canonical("1" + std::string(36, '0') + "1") == "1" + std::string(36, '0') + "1");
  CHECK(Canonical("000000" + d38 + "000000") == d38 + "000000");
  CHECK(Canonical("0.000000" + d38 + "000000") == "0.000000" + d38);
  CHECK(Canonical(d38 + ".000000000000") == d38);
  CHECK(Canonical("1" + std::string(100, '0')) == "1" + std::string(100, '0'));
  CHECK(N("1" + std::string(100, '0')).significant_digits() == 1);
  CHECK(Canonical("1234567890123456789.0123456789012345678") ==
        "1234567890123456789.0123456789012345678");
  CHECK(ParseError("1234567890123456789.01234567890123456789") == kTooPrecise);
  CHECK(N("0").significant_digits() == 0);
  CHECK(N("1.50").significant_digits() == 2);
  CHECK(N("-0.00105").significant_digits() == 3);
}

TEST_CASE("Number::Parse rejects what DynamoDB rejects, echoing the text", "[number]") {
  const std::vector<std::string> bad = {
      "",      " 1",   "1 ",       " ",         "abc", "-dog", "dog",   "1.2.3",
      "0x10",  "1e",   "1E",       "1e+",       "1e-", "e5",   "E5",    ".e5",
      ".",     "-",    "+",        "+-1",       "-+1", "--1",  "++1",   "NaN",
      "-NaN",  "nan",  "Infinity", "-Infinity", "inf", "1,5",  "1_000", "1e5.5",
      "1e5e5", "1e 5", "1 e5",     "12a",       "a12", "1.2.", "1..2",  "0b101",
      "1e+-5", "1f",   "1d",       "\t1",       "1\n", "１",   "1e٣",   std::string("1\0", 2),
  };
  for (const std::string& text : bad) {
    INFO("input [" << text << "]");
    CHECK(ParseError(text) == kNotNumeric + text);
  }
  // The empty text keeps the colon and the space.
  CHECK(ParseError("") == "The parameter cannot be converted to a numeric value: ");
}

TEST_CASE("Number::FromInt64", "[number]") {
  CHECK(Number::FromInt64(0).ToString() == "0");
  CHECK(Number::FromInt64(0) == Number());
  CHECK(Number::FromInt64(1).ToString() == "1");
  CHECK(Number::FromInt64(-1).ToString() == "-1");
  CHECK(Number::FromInt64(1000) == N("1E3"));
  CHECK(Number::FromInt64(-120) == N("-12e1"));
  CHECK(Number::FromInt64(INT64_MAX).ToString() == "9223372036854775807");
  CHECK(Number::FromInt64(INT64_MIN).ToString() == "-9223372036854775808");
  CHECK(Number::FromInt64(INT64_MIN) == N("-9223372036854775808"));
}

// ---- Arithmetic ----------------------------------------------------------------------------

TEST_CASE("Number::Add and Subtract are exact", "[number]") {
  CHECK(AddText("1", "10000000000000000000000") == "10000000000000000000001");
  CHECK(SubText("10000000000000000000000", "1") == "9999999999999999999999");
  CHECK(SubText("0.3", "0.1") == "0.2");
  CHECK(SubText("100000000000000000000.00000001", "1") == "99999999999999999999.00000001");
  CHECK(AddText("0.1", "0.2") == "0.3");
  CHECK(AddText("15", "25") == "40");
  CHECK(AddText("-5", "3") == "-2");
  CHECK(SubText("3", "5") == "-2");
  CHECK(SubText("-3", "-5") == "2");
  CHECK(AddText("-3", "-5") == "-8");
  CHECK(AddText("1.25", "-1.5") == "-0.25");
  // Carries.
  const std::string nines(38, '9');
  CHECK(AddText(nines, "1") == "1" + std::string(38, '0'));
  CHECK(AddText("0." + nines, "0." + std::string(37, '0') + "1") == "1");
  CHECK(AddText("9.5", "0.5") == "10");
  CHECK(AddText("-" + nines, "-1") == "-1" + std::string(38, '0'));
  // Cancellation.
  CHECK(SubText("1.5", "1.5") == "0");
  CHECK(AddText("-1.5", "1.5") == "0");
  CHECK_FALSE(Number::Add(N("-1.5"), N("1.5")).value().is_negative());
  CHECK(SubText("1E38", nines) == "1");
  CHECK(SubText("-1E38", "-" + nines) == "-1");
  CHECK(AddText(nines, "-1E38") == "-1");
  CHECK(SubText("1.0000000000000000000000000000000000001", "1") ==
        "0.0000000000000000000000000000000000001");
  CHECK(SubText("1E125", "1E125") == "0");
  // Zero operands.
  CHECK(AddText("0", "-12.5") == "-12.5");
  CHECK(SubText("0", "-12.5") == "12.5");
  CHECK(SubText("0", "12.5") == "-12.5");
  CHECK(SubText("12.5", "0") == "12.5");
  CHECK(AddText("0", "0") == "0");
  // Range edges reached exactly.
  CHECK(AddText("9.9999999999999999999999999999999999998E+125", "1E+88") ==
        std::string(38, '9') + std::string(88, '0'));
  CHECK(AddText("1E-130", "1E-130") == "0." + std::string(129, '0') + "2");
  CHECK(SubText("2E-130", "1E-130") == "0." + std::string(129, '0') + "1");
  // Same operand twice.
  Number x = N("-4.25");
  CHECK(Outcome(Number::Add(x, x)) == "-8.5");
  CHECK(Outcome(Number::Subtract(x, x)) == "0");
}

TEST_CASE("Number::Add refuses what DynamoDB refuses", "[number]") {
  const std::string overflow = "error: " + kOverflow;
  const std::string underflow = "error: " + kUnderflow;
  // Past the top of the range.
  CHECK(AddText("9e125", "9e125") == overflow);
  CHECK(SubText("9e125", "-9e125") == overflow);
  CHECK(SubText("-9e125", "9e125") == overflow);
  CHECK(AddText("9.9999999999999999999999999999999999999E+125", "1E+125") == overflow);
  CHECK(AddText("9.9999999999999999999999999999999999999E+125", "1E+88") == overflow);
  // An exact result of more than 38 digits is refused, not rounded, and DynamoDB words it as an
  // overflow.
  CHECK(AddText("1e50", "1") == overflow);
  CHECK(SubText("1e50", "1") == overflow);
  CHECK(AddText("1E+100", "1") == overflow);
  CHECK(AddText("1", "1e-50") == overflow);
  CHECK(AddText("1e-130", "1") == overflow);
  CHECK(AddText(std::string(38, '9'), "2") == overflow);
  CHECK(AddText("1E38", "1") == overflow);
  CHECK(SubText("1E38", "1") == std::string(38, '9'));
  CHECK(SubText("2E38", "1") == overflow);
  CHECK(SubText("1.9E38", "1") == overflow);
  CHECK(SubText("1E39", "1") == overflow);
  CHECK(AddText("1E125", "1E-130") == overflow);
  // Below the bottom of the range.
  CHECK(SubText("1.0000000000000000000000000000000000001E-130", "1E-130") == underflow);
  CHECK(AddText("-1.0000000000000000000000000000000000001E-130", "1E-130") == underflow);
  CHECK(SubText("1.5E-130", "1.4E-130") == underflow);
}

TEST_CASE("Number::Add matches a reference decimal on random operands", "[number]") {
  std::mt19937_64 rng(20240611);
  int ok = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    Ref a = RandomRef(rng);
    Ref b;
    if (i % 2 == 0 && !a.digits.empty()) {
      // Near a's magnitude, where most sums fit and carries and cancellations happen.
      const int64_t adj = a.exp + static_cast<int64_t>(a.digits.size()) - 1;
      const int64_t spread = static_cast<int64_t>(rng() % 45);
      const int64_t lo = std::max<int64_t>(-130, adj - spread);
      const int64_t hi = std::min<int64_t>(125, adj + spread);
      b = RandomRef(rng, static_cast<int>(lo), static_cast<int>(hi));
      if (i % 8 == 0 && !b.digits.empty()) b = RefNegate(a);  // exact cancellation
      if (i % 8 == 2 && !b.digits.empty()) {
        // a minus one unit of its last digit: cancels all but one digit.
        b = RefNegate(a);
        Ref unit{a.neg, "1", a.exp};
        b = RefAdd(b, unit);
      }
    } else {
      b = RandomRef(rng);
    }
    const Number na = N(RefScientific(a));
    const Number nb = N(RefScientific(b));
    INFO("a = " << RefScientific(a) << ", b = " << RefScientific(b));
    const std::string want_sum = RefOutcome(RefAdd(a, b));
    const std::string want_diff = RefOutcome(RefAdd(a, RefNegate(b)));
    REQUIRE(Outcome(Number::Add(na, nb)) == want_sum);
    REQUIRE(Outcome(Number::Add(nb, na)) == want_sum);
    REQUIRE(Outcome(Number::Subtract(na, nb)) == want_diff);
    (want_sum.rfind("error", 0) == 0 ? refused : ok)++;
  }
  // Both outcomes were exercised in earnest.
  CHECK(ok > 5000);
  CHECK(refused > 2000);
}

// ---- Order and the ordered encoding --------------------------------------------------------

TEST_CASE("Number order runs across signs and exponents", "[number]") {
  const std::vector<std::string> ascending = {
      "-9.9999999999999999999999999999999999999E+125",
      "-1E125",
      "-1000",
      "-999.99",
      "-101",
      "-100.5",
      "-100",
      "-99",
      "-12",
      "-11.1",
      "-11",
      "-10",
      "-2",
      "-1.0000000000000000000000000000000000001",
      "-1",
      "-0.99999999999999999999999999999999999999",
      "-0.5",
      "-0.1",
      "-0.01",
      "-1.0000000000000000000000000000000000001E-130",
      "-1E-130",
      "0",
      "1E-130",
      "1.0000000000000000000000000000000000001E-130",
      "2E-130",
      "1E-129",
      "0.001",
      "0.0011",
      "0.01",
      "0.1",
      "0.5",
      "0.99999999999999999999999999999999999999",
      "1",
      "1.0000000000000000000000000000000000001",
      "1.01",
      "1.1",
      "2",
      "9",
      "10",
      "11",
      "11.1",
      "12",
      "99",
      "100",
      "100.5",
      "101",
      "999.99",
      "1000",
      "12345678901234567890123456789012345678",
      "1E38",
      "1E125",
      "9.9999999999999999999999999999999999999E+125",
  };
  std::vector<Number> nums;
  std::vector<std::string> keys;
  for (const std::string& t : ascending) {
    nums.push_back(N(t));
    keys.push_back(Encode(nums.back()));
  }
  for (size_t i = 0; i < nums.size(); ++i) {
    for (size_t j = 0; j < nums.size(); ++j) {
      INFO(ascending[i] << " vs " << ascending[j]);
      const int want = Sign(static_cast<int>(i) - static_cast<int>(j));
      const std::strong_ordering got = nums[i] <=> nums[j];
      CHECK((got < 0 ? -1 : got > 0 ? 1 : 0) == want);
      CHECK((nums[i] == nums[j]) == (i == j));
      CHECK(Sign(keys[i].compare(keys[j])) == want);
    }
  }
  CHECK(N("1.50") == N("1.5"));
  CHECK((N("1.50") <=> N("15e-1")) == std::strong_ordering::equal);
  CHECK(N("-0") == N("0"));
}

TEST_CASE("Number ordered bytes: layout and round trip", "[number]") {
  CHECK(Encode(N("0")) == std::string("\x02", 1));
  // 1.5: the positive tag, the adjusted exponent 0 + 130, the pair 15 as 16, the terminator.
  CHECK(Encode(N("1.5")) == std::string("\x03\x82\x10\x00", 4));
  // 123: pairs 12, 30 (odd count padded).
  CHECK(Encode(N("123")) == std::string("\x03\x84\x0d\x1f\x00", 5));
  // -123: every byte after the tag complemented, terminator 0xFF.
  CHECK(Encode(N("-123")) == std::string("\x01\x7b\xf2\xe0\xff", 5));
  CHECK(Encode(N("1E-130")) == std::string("\x03\x00\x0b\x00", 4));
  CHECK(Encode(N("9.9999999999999999999999999999999999999E+125")).size() == 22);

  for (const char* text : {"0", "1", "-1", "1.5", "-1.5", "123", "1E-130", "-1E-130", "1E125",
                           "-9.9999999999999999999999999999999999999E+125",
                           "12345678901234567890123456789012345678", "0.000123", "-77777.7"}) {
    INFO(text);
    const Number n = N(text);
    const std::string bytes = Encode(n);
    for (const std::string& tail :
         {std::string(), std::string("\x00\x01", 2), std::string("\xff\xfe tail", 7)}) {
      std::string buf = bytes + tail;
      std::string_view in = buf;
      Number back = N("42");
      REQUIRE(Number::ParseOrderedBytes(&in, &back));
      CHECK(back == n);
      CHECK(back.ToString() == n.ToString());
      CHECK(in == tail);
    }
  }
}

TEST_CASE("Number::ParseOrderedBytes rejects malformed bytes", "[number]") {
  const std::vector<std::string> bad = {
      std::string(),                           // empty
      std::string("\x00", 1),                  // unknown tag
      std::string("\x04\x82\x10\x00", 4),      // unknown tag
      std::string("\x03", 1),                  // no exponent
      std::string("\x03\x82", 2),              // no digits, no terminator
      std::string("\x03\x82\x00", 3),          // no digits
      std::string("\x03\x82\x10", 3),          // no terminator
      std::string("\x03\x82\x65\x00", 4),      // pair byte 101 (> 99 + 1)
      std::string("\x03\x82\x05\x00", 4),      // leading zero digit (pair 04)
      std::string("\x03\x82\x10\x01\x00", 5),  // trailing 00 pair
      std::string("\x01\x7d\xef", 3),          // negative without terminator
      std::string("\x01\x7d\x9a\xff", 4),      // negative pair byte below 155
      std::string("\x01\x7d\xff", 3),          // negative with no digits
  };
  for (const std::string& b : bad) {
    std::string_view in = b;
    Number out = N("42");
    INFO("case of size " << b.size());
    CHECK_FALSE(Number::ParseOrderedBytes(&in, &out));
    CHECK(in.size() == b.size());  // nothing consumed
    CHECK(out == N("42"));         // nothing written
  }
  // 20 pairs is more than 38 digits.
  std::string too_long("\x03\x82", 2);
  too_long += std::string(20, '\x0c');  // pair 11
  too_long.push_back('\x00');
  std::string_view in = too_long;
  Number out;
  CHECK_FALSE(Number::ParseOrderedBytes(&in, &out));
  // 19 pairs is fine.
  std::string max_len("\x03\x82", 2);
  max_len += std::string(19, '\x0c');
  max_len.push_back('\x00');
  in = max_len;
  REQUIRE(Number::ParseOrderedBytes(&in, &out));
  CHECK(out.significant_digits() == 38);
  CHECK(Encode(out) == max_len);
}

TEST_CASE("Number order and ordered bytes agree with the reference on random pairs", "[number]") {
  std::mt19937_64 rng(77);
  std::vector<Ref> refs;
  std::vector<Number> nums;
  for (int i = 0; i < 3000; ++i) {
    Ref r;
    switch (i % 4) {
      case 0:
        r = RandomRef(rng);
        break;
      case 1:
        r = RandomRef(rng, -3, 3);  // dense around 1, many equal adjusted exponents
        break;
      case 2:
        // A prefix or extension of an earlier number: equal-prefix digit strings.
        r = refs[rng() % refs.size()];
        if (!r.digits.empty() && r.digits.size() < 38) {
          r.digits.push_back(static_cast<char>('1' + rng() % 9));
          --r.exp;
        }
        break;
      default:
        r = refs[rng() % refs.size()];  // exact duplicates
        break;
    }
    refs.push_back(r);
    nums.push_back(N(RefScientific(r)));
  }
  std::vector<std::string> keys;
  keys.reserve(nums.size());
  for (const Number& n : nums) keys.push_back(Encode(n));
  int less = 0, equal = 0;
  for (int k = 0; k < 100000; ++k) {
    const size_t i = rng() % refs.size();
    const size_t j = rng() % refs.size();
    INFO(RefScientific(refs[i]) << " vs " << RefScientific(refs[j]));
    const int want = RefCompare(refs[i], refs[j]);
    const std::strong_ordering got = nums[i] <=> nums[j];
    REQUIRE((got < 0 ? -1 : got > 0 ? 1 : 0) == want);
    REQUIRE((nums[i] == nums[j]) == (want == 0));
    REQUIRE(Sign(keys[i].compare(keys[j])) == want);
    (want == 0 ? equal : less)++;
  }
  CHECK(equal > 100);
  CHECK(less > 50000);
  // Every encoding round-trips, followed by other bytes.
  for (size_t i = 0; i < nums.size(); ++i) {
    std::string buf = keys[i] + "\x01rest";
    std::string_view in = buf;
    Number back;
    REQUIRE(Number::ParseOrderedBytes(&in, &back));
    REQUIRE(back == nums[i]);
    REQUIRE(in == "\x01rest");
    REQUIRE(back.ToString() == RefPlain(refs[i]));
  }
  // Sorting by key bytes sorts by value.
  std::vector<size_t> order(nums.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  for (size_t i = 1; i < order.size(); ++i) {
    REQUIRE(RefCompare(refs[order[i - 1]], refs[order[i]]) <= 0);
  }
}

// ---- Size ----------------------------------------------------------------------------------

TEST_CASE("Number::SizeBytes matches sizes measured against DynamoDB", "[number]") {
  // Each literal's cost as measured at DynamoDB's 400 KB item-size gate (dynamodb-conformance
  // suite, eu-west-2, 2026-08-18).
  const std::vector<std::pair<std::string, size_t>> measured = {
      {"0", 1},         {"1", 2},     {"12", 2},
      {"123", 3},       {"1234", 3},  {"12345678901234567890123456789012345678", 20},
      {"0042", 2},      {"100", 2},   {"1010", 3},
      {"0.0000001", 2}, {"1E125", 2}, {"1E-100", 2},
      {"1.5", 3},       {"15", 2},    {"1.2", 3},
      {"1.200", 3},     {"1.234", 4}, {"3.14159", 5},
      {"123456", 4},    {"100.5", 4}, {"0.15", 2},
      {"-42", 3},       {"-0", 1},
  };
  for (const auto& [text, bytes] : measured) {
    INFO(text);
    CHECK(N(text).SizeBytes() == bytes);
  }
  // The largest: 38 digits straddling the point take 20 pairs, plus exponent and sign.
  CHECK(N("-1.2345678901234567890123456789012345678").SizeBytes() == 22);
  CHECK(N("1E-130").SizeBytes() == 2);
  CHECK(N("1.0000000000000000000000000000000000001E-130").SizeBytes() == 21);
}

}  // namespace
}  // namespace ddbx::api
