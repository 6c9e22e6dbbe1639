#include "api/json_writer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

namespace ddbx::api {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

std::string JavaDouble(double v) {
  std::string out;
  AppendJavaDouble(&out, v);
  return out;
}

// A byte-at-a-time reference escaper for valid UTF-8 input.
std::string ReferenceQuoted(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out += "\"";
  return out;
}

TEST_CASE("JsonWriter places commas between members and elements", "[json_writer]") {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.Int(1);
  w.Key("b");
  w.BeginArray();
  w.Int(1);
  w.String("x");
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.Bool(true);
  w.Null();
  w.EndArray();
  w.Key("c");
  w.BeginObject();
  w.Key("d");
  w.Bool(false);
  w.EndObject();
  w.Key("e");
  w.RawValue(R"({"z":1})");
  w.Key("f");
  w.BeginRawValue()->append("\"raw\"");
  w.EndObject();
  CHECK(out == R"({"a":1,"b":[1,"x",{},[],true,null],"c":{"d":false},"e":{"z":1},"f":"raw"})");
}

TEST_CASE("JsonWriter appends to existing content", "[json_writer]") {
  std::string out = "prefix:";
  JsonWriter w(&out);
  w.BeginArray();
  w.Uint(std::numeric_limits<uint64_t>::max());
  w.Int(std::numeric_limits<int64_t>::min());
  w.Int(0);
  w.EndArray();
  CHECK(out == "prefix:[18446744073709551615,-9223372036854775808,0]");
}

TEST_CASE("Strings escape quotes, backslashes and control characters", "[json_writer]") {
  CHECK(Quoted("") == "\"\"");
  CHECK(Quoted("plain") == "\"plain\"");
  CHECK(Quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(Quoted("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(Quoted(std::string_view("\0\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(Quoted("\x7f/<>") == "\"\x7f/<>\"");  // DEL and slash pass through
}

TEST_CASE("Valid UTF-8 passes through; invalid bytes become U+FFFD", "[json_writer]") {
  CHECK(Quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  CHECK(Quoted("\xEF\xBF\xBF\xF4\x8F\xBF\xBF") == "\"\xEF\xBF\xBF\xF4\x8F\xBF\xBF\"");
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(Quoted("a\xFF"
               "b") == "\"a" + fffd + "b\"");
  CHECK(Quoted("\xC0\x80") == "\"" + fffd + fffd + "\"");                        // overlong NUL
  CHECK(Quoted("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");             // surrogate
  CHECK(Quoted("\xF4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\"");  // above U+10FFFF
  CHECK(Quoted("\xE2\x82") == "\"" + fffd + fffd + "\"");                        // truncated
  CHECK(Quoted("x\x80") == "\"x" + fffd + "\"");  // lone continuation byte
}

TEST_CASE("The word-at-a-time path agrees with a byte-at-a-time escaper", "[json_writer]") {
  std::mt19937 rng(42);
  const std::vector<std::string> tokens = {"a",
                                           "b",
                                           "X",
                                           "0",
                                           " ",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\t",
                                           std::string(1, '\0'),
                                           "\x01",
                                           "\x1f",
                                           "\x7f",
                                           "\xC3\xA9",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80"};
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) s += tokens[rng() % tokens.size()];
    INFO(s);
    REQUIRE(Quoted(s) == ReferenceQuoted(s));
  }
}

TEST_CASE("Doubles are written in Java's Double.toString form", "[json_writer]") {
  CHECK(JavaDouble(1562054355.238) == "1.562054355238E9");
  CHECK(JavaDouble(1421866952.062) == "1.421866952062E9");
  CHECK(JavaDouble(1700000000.0) == "1.7E9");
  CHECK(JavaDouble(0.5) == "0.5");
  CHECK(JavaDouble(1.0) == "1.0");
  CHECK(JavaDouble(100.0) == "100.0");
  CHECK(JavaDouble(123456.789) == "123456.789");
  CHECK(JavaDouble(9999999.0) == "9999999.0");
  CHECK(JavaDouble(1e7) == "1.0E7");
  CHECK(JavaDouble(0.001) == "0.001");
  CHECK(JavaDouble(0.0001) == "1.0E-4");
  CHECK(JavaDouble(-2.5) == "-2.5");
  CHECK(JavaDouble(-1.5e-7) == "-1.5E-7");
  CHECK(JavaDouble(1e21) == "1.0E21");
  CHECK(JavaDouble(0.0) == "0.0");
  CHECK(JavaDouble(-0.0) == "-0.0");
  CHECK(JavaDouble(0.1) == "0.1");
  CHECK(JavaDouble(std::nan("")) == "null");
  CHECK(JavaDouble(std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("Written doubles read back to the same value", "[json_writer]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> dist(-1e12, 1e12);
  for (int i = 0; i < 2000; ++i) {
    const double v = dist(rng) / std::pow(10.0, static_cast<double>(rng() % 20));
    const std::string s = JavaDouble(v);
    INFO(s);
    REQUIRE(std::strtod(s.c_str(), nullptr) == v);
  }
}

}  // namespace
}  // namespace ddbx::api
