// AttributeValue: one DynamoDB value of any of its ten types, and Item / Key built from them.
//
// A tree of plain values (maps and lists own their children). Binary values hold raw bytes (the
// wire carries them base64-encoded). Sets keep their members in insertion order; members are
// unique (validation rejects duplicates). Safe to share between threads once built.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "api/number.h"

namespace ddbx::api {

class AttributeValue;

// Attribute name -> value. std::map keeps output order stable (by name), which makes cached
// and uncached answers byte-identical.
using AttributeMap = std::map<std::string, AttributeValue, std::less<>>;
using Item = AttributeMap;
using Key = AttributeMap;  // only the key attributes of an item

enum class AttributeType : uint8_t { kS, kN, kB, kBOOL, kNULL, kM, kL, kSS, kNS, kBS };

// The wire name of a type: "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS".
std::string_view AttributeTypeName(AttributeType type);

struct Null {
  bool operator==(const Null&) const = default;
};
struct Binary {
  std::string bytes;
  bool operator==(const Binary&) const = default;
};
using List = std::vector<AttributeValue>;
using StringSet = std::vector<std::string>;
using NumberSet = std::vector<Number>;
using BinarySet = std::vector<std::string>;

class AttributeValue {
 public:
  // Alternatives in AttributeType order, so type() is the variant index.
  using Storage = std::variant<std::string, Number, Binary, bool, Null, AttributeMap, List,
                               StringSet, NumberSet, BinarySet>;

  AttributeValue() : v_(Null{}) {}
  template <class T>
  static AttributeValue Of(T value) {
    AttributeValue a;
    a.v_ = Storage(std::move(value));
    return a;
  }
  static AttributeValue S(std::string s) { return Of(std::move(s)); }
  static AttributeValue N(Number n) { return Of(n); }  // Number is trivially copyable
  static AttributeValue B(std::string bytes) { return Of(Binary{std::move(bytes)}); }
  static AttributeValue Bool(bool b) { return Of(b); }
  static AttributeValue M(AttributeMap m) { return Of(std::move(m)); }
  static AttributeValue L(List l) { return Of(std::move(l)); }
  static AttributeValue SS(StringSet s) {
    AttributeValue a;
    a.v_.emplace<7>(std::move(s));
    return a;
  }
  static AttributeValue NS(NumberSet s) { return Of(std::move(s)); }
  static AttributeValue BS(BinarySet s) {
    AttributeValue a;
    a.v_.emplace<9>(std::move(s));
    return a;
  }

  AttributeType type() const { return static_cast<AttributeType>(v_.index()); }
  const Storage& storage() const { return v_; }
  Storage& storage() { return v_; }

  // Accessors; REQUIRES: type() matches.
  const std::string& s() const { return std::get<0>(v_); }
  const Number& n() const { return std::get<1>(v_); }
  const std::string& b() const { return std::get<2>(v_).bytes; }
  bool boolean() const { return std::get<3>(v_); }
  const AttributeMap& m() const { return std::get<5>(v_); }
  const List& l() const { return std::get<6>(v_); }
  const StringSet& ss() const { return std::get<7>(v_); }
  const NumberSet& ns() const { return std::get<8>(v_); }
  const BinarySet& bs() const { return std::get<9>(v_); }

  bool operator==(const AttributeValue& other) const { return v_ == other.v_; }

 private:
  Storage v_;
};

}  // namespace ddbx::api
