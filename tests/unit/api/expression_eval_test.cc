// Tests of condition evaluation, value comparison and projection (api/expression.h).
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "api/expression.h"

namespace ddbx::api::expr {
namespace {

AttributeValue S(std::string s) { return AttributeValue::S(std::move(s)); }
AttributeValue N(std::string_view n) { return AttributeValue::N(Number::Parse(n).value()); }
AttributeValue B(std::string b) { return AttributeValue::B(std::move(b)); }
AttributeValue L(List l) { return AttributeValue::L(std::move(l)); }
AttributeValue M(AttributeMap m) { return AttributeValue::M(std::move(m)); }
NumberSet Nums(std::initializer_list<int64_t> v) {
  NumberSet out;
  for (int64_t x : v) out.push_back(Number::FromInt64(x));
  return out;
}

// The item every condition below is evaluated against.
Item TestItem() {
  return Item{
      {"s", S("hello")},
      {"e", S("")},
      {"n", N("10")},
      {"neg", N("-2.5")},
      {"b", B(std::string("\x01\xff", 2))},
      {"t", AttributeValue::Bool(true)},
      {"z", AttributeValue()},
      {"ss", AttributeValue::SS({"x", "y"})},
      {"ns", AttributeValue::NS(Nums({1, 2, 3}))},
      {"bs", AttributeValue::BS({"\x01", "\x02"})},
      {"l", L({S("a"), N("1"), M({{"k", S("v")}})})},
      {"m", M({{"k", S("v")}, {"n", M({{"deep", N("7")}})}, {"l", L({N("0"), N("1")})}})},
      {"x.y", S("dotted")},
      {"ü", S("ünïcode")},
  };
}

// Values for the placeholders; :v* are chosen per test through `values`.
bool Eval(std::string_view text, const AttributeMap& values, const Item* item) {
  std::map<std::string, std::string> names{{"#dot", "x.y"}, {"#u", "ü"}, {"#size", "size"}};
  Placeholders p;
  p.names = &names;
  p.values = &values;
  Result<ConditionPtr> c = ParseCondition(text, "ConditionExpression", &p);
  INFO(text);
  if (!c.ok()) FAIL(c.error().message);
  return EvaluateCondition(*c.value(), item);
}

bool Eval(std::string_view text, const AttributeMap& values = {}) {
  const Item item = TestItem();
  return Eval(text, values, &item);
}

TEST_CASE("comparators on scalars", "[expression][eval]") {
  const AttributeMap v{{":hello", S("hello")},
                       {":hellp", S("hellp")},
                       {":h", S("h")},
                       {":ten", N("10")},
                       {":1e1", N("1E1")},
                       {":nine", N("9.99")},
                       {":b", B("\x01\xff")},
                       {":b2", B("\x02")},
                       {":s10", S("10")},
                       {":empty", S("")},
                       {":true", AttributeValue::Bool(true)},
                       {":null", AttributeValue()}};
  struct Case {
    const char* text;
    bool expected;
  };
  const Case cases[] = {
      {"s = :hello", true},      {"s = :hellp", false},    {"s <> :hellp", true},
      {"s <> :hello", false},    {"s < :hellp", true},     {"s <= :hello", true},
      {"s > :h", true},          {"s >= :hellp", false},   {"n = :ten", true},
      {"n = :1e1", true},        {"n > :nine", true},      {"n < :nine", false},
      {"n >= :1e1", true},       {"neg < :nine", true},    {"n = :s10", false},
      {"n <> :s10", true},       {"n < :s10", false},      {"n > :s10", false},
      {"b = :b", true},          {"b < :b2", true},        {"b > :b2", false},
      {"e = :empty", true},      {"e < :h", true},         {"t = :true", true},
      {"t <> :true", false},     {"z = :null", true},      {"t < s", false},
      {"z >= s", false},         {":ten = n", true},       {":nine < n", true},
      {"absent = :ten", false},  {"absent <> :ten", true}, {"absent < :ten", false},
      {"absent >= :ten", false}, {"n = n.x", false},       {"s = e", false},
      {"s > e", true},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(Eval(c.text, v) == c.expected);
  }
}

TEST_CASE("string and binary order is by unsigned bytes", "[expression][eval]") {
  // 0xff sorts after 0x01 (unsigned), and a UTF-8 lead byte after every ASCII byte.
  const AttributeMap v{{":lo", B(std::string("\x01\x7f", 2))}, {":z", S("z")}};
  CHECK(Eval("b > :lo", v));
  CHECK(Eval("#u > :z", v));
}

TEST_CASE("equality of documents and sets", "[expression][eval]") {
  const AttributeMap v{
      {":ss_reordered", AttributeValue::SS({"y", "x"})},
      {":ss_other", AttributeValue::SS({"x", "z"})},
      {":ss_sub", AttributeValue::SS({"x"})},
      {":ns_reordered", AttributeValue::NS(Nums({3, 1, 2}))},
      {":bs_reordered", AttributeValue::BS({"\x02", "\x01"})},
      {":l_same", L({S("a"), N("1.0"), M({{"k", S("v")}})})},
      {":l_order", L({N("1"), S("a"), M({{"k", S("v")}})})},
      {":m_same", M({{"k", S("v")}, {"n", M({{"deep", N("7")}})}, {"l", L({N("0"), N("1")})}})},
      {":m_diff", M({{"k", S("v")}, {"n", M({{"deep", N("8")}})}, {"l", L({N("0"), N("1")})}})},
      {":m_fewer", M({{"k", S("v")}})},
  };
  CHECK(Eval("ss = :ss_reordered", v));
  CHECK_FALSE(Eval("ss = :ss_other", v));
  CHECK_FALSE(Eval("ss = :ss_sub", v));
  CHECK(Eval("ns = :ns_reordered", v));
  CHECK(Eval("bs = :bs_reordered", v));
  CHECK(Eval("l = :l_same", v));
  CHECK_FALSE(Eval("l = :l_order", v));
  CHECK(Eval("m = :m_same", v));
  CHECK_FALSE(Eval("m = :m_diff", v));
  CHECK(Eval("m <> :m_diff", v));
  CHECK_FALSE(Eval("m = :m_fewer", v));
  // Sets and documents have no order: a constant of such a type under <, <=, > or >= is
  // refused before evaluation; a path of such a type only makes the comparison false.
  for (std::string_view text : {"ss < :ss_other", "m >= :m_same", "m < :m_diff"}) {
    Placeholders p;
    p.values = &v;
    Result<ConditionPtr> c = ParseCondition(text, "ConditionExpression", &p);
    INFO(text);
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error().message,
               Catch::StartsWith("Invalid ConditionExpression: Incorrect operand type for "
                                 "operator or function; operator or function: "));
  }
  CHECK_FALSE(Eval("ss < m", v));
  // Large sets (sorted comparison path).
  StringSet big, big_reversed;
  for (int i = 0; i < 100; ++i) big.push_back("m" + std::to_string(i));
  big_reversed.assign(big.rbegin(), big.rend());
  CHECK(ValuesEqual(AttributeValue::SS(big), AttributeValue::SS(big_reversed)));
  big_reversed[0] = "other";
  CHECK_FALSE(ValuesEqual(AttributeValue::SS(big), AttributeValue::SS(big_reversed)));
  NumberSet nums, nums_reversed;
  for (int i = 0; i < 50; ++i) nums.push_back(Number::FromInt64(i));
  nums_reversed.assign(nums.rbegin(), nums.rend());
  CHECK(ValuesEqual(AttributeValue::NS(nums), AttributeValue::NS(nums_reversed)));
}

TEST_CASE("CompareScalars", "[expression][eval]") {
  CHECK(CompareScalars(N("2"), N("10")) == -1);
  CHECK(CompareScalars(N("-1"), N("-1.0")) == 0);
  CHECK(CompareScalars(S("b"), S("a")) == 1);
  CHECK(CompareScalars(B("\x80"), B("\x7f")) == 1);
  CHECK(CompareScalars(S("1"), N("1")) == std::nullopt);
  CHECK(CompareScalars(AttributeValue::Bool(false), AttributeValue::Bool(true)) == std::nullopt);
  CHECK(CompareScalars(L({}), L({})) == std::nullopt);
}

TEST_CASE("BETWEEN and IN", "[expression][eval]") {
  const AttributeMap v{{":1", N("1")},         {":10", N("10")},
                       {":11", N("11")},       {":a", S("a")},
                       {":z", S("z")},         {":s10", S("10")},
                       {":hello", S("hello")}, {":l", L({S("a"), N("1"), M({{"k", S("v")}})})}};
  CHECK(Eval("n BETWEEN :1 AND :10", v));
  CHECK(Eval("n BETWEEN :10 AND :11", v));
  CHECK_FALSE(Eval("n BETWEEN :1 AND :1", v));
  CHECK(Eval("s BETWEEN :a AND :z", v));
  CHECK_FALSE(Eval("n BETWEEN :a AND :z", v));
  CHECK_FALSE(Eval("absent BETWEEN :1 AND :10", v));
  CHECK(Eval("size(s) BETWEEN :1 AND :10", v));
  CHECK(Eval("n IN (:1, :10)", v));
  CHECK_FALSE(Eval("n IN (:1, :11, :s10)", v));
  CHECK(Eval("s IN (:a, :hello)", v));
  CHECK(Eval("l IN (:l)", v));
  CHECK_FALSE(Eval("absent IN (:1)", v));
  CHECK(Eval("n IN (absent, :10)", v));
  CHECK(Eval("NOT n IN (:1)", v));
}

TEST_CASE("functions", "[expression][eval]") {
  const AttributeMap v{
      {":he", S("he")},         {":lo", S("lo")},         {":hello", S("hello")},
      {":x", S("x")},           {":q", S("q")},           {":2", N("2")},
      {":7", N("7")},           {":b1", B("\x01")},       {":bff", B("\xff")},
      {":a", S("a")},           {":1", N("1")},           {":kv", M({{"k", S("v")}})},
      {":S", S("S")},           {":N", N("1")},           {":typeN", S("N")},
      {":typeNULL", S("NULL")}, {":typeSS", S("SS")},     {":typeL", S("L")},
      {":typeM", S("M")},       {":typeBOOL", S("BOOL")}, {":typeB", S("B")},
      {":typeNS", S("NS")},     {":typeBS", S("BS")},     {":typeS", S("S")},
      {":0", N("0")},           {":3", N("3")},           {":5", N("5")},
      {":6", N("6")},           {":10", N("10")},         {":empty", S("")},
  };
  struct Case {
    const char* text;
    bool expected;
  };
  const Case cases[] = {
      // attribute_exists / attribute_not_exists
      {"attribute_exists(s)", true},
      {"attribute_exists(z)", true},  // a NULL value exists
      {"attribute_exists(absent)", false},
      {"attribute_exists(m.n.deep)", true},
      {"attribute_exists(m.n.shallow)", false},
      {"attribute_exists(l[2].k)", true},
      {"attribute_exists(l[3])", false},
      {"attribute_exists(s[0])", false},
      {"attribute_exists(l.k)", false},
      {"attribute_exists(#dot)", true},
      {"attribute_exists(x.y)", false},
      {"attribute_not_exists(absent)", true},
      {"attribute_not_exists(s)", false},
      // attribute_type, every type
      {"attribute_type(s, :typeS)", true},
      {"attribute_type(s, :typeN)", false},
      {"attribute_type(n, :typeN)", true},
      {"attribute_type(b, :typeB)", true},
      {"attribute_type(t, :typeBOOL)", true},
      {"attribute_type(z, :typeNULL)", true},
      {"attribute_type(ss, :typeSS)", true},
      {"attribute_type(ns, :typeNS)", true},
      {"attribute_type(bs, :typeBS)", true},
      {"attribute_type(l, :typeL)", true},
      {"attribute_type(m, :typeM)", true},
      {"attribute_type(absent, :typeS)", false},
      // begins_with
      {"begins_with(s, :he)", true},
      {"begins_with(s, :lo)", false},
      {"begins_with(s, :hello)", true},
      {"begins_with(s, :empty)", true},
      {"begins_with(b, :b1)", true},
      {"begins_with(b, :bff)", false},
      {"begins_with(s, :b1)", false},
      {"begins_with(n, :he)", false},
      {"begins_with(ss, :x)", false},
      {"begins_with(absent, :he)", false},
      // contains
      {"contains(s, :lo)", true},
      {"contains(s, :q)", false},
      {"contains(ss, :x)", true},
      {"contains(ss, :q)", false},
      {"contains(ns, :2)", true},
      {"contains(ns, :7)", false},
      {"contains(ns, :x)", false},
      {"contains(bs, :b1)", true},
      {"contains(b, :bff)", true},
      {"contains(l, :a)", true},
      {"contains(l, :1)", true},
      {"contains(l, :kv)", true},
      {"contains(l, :x)", false},
      {"contains(n, :1)", false},
      {"contains(m, :kv)", false},
      {"contains(absent, :a)", false},
      {"NOT contains(absent, :a)", true},
      // size
      {"size(s) = :5", true},
      {"size(#u) = :5", false},  // size counts bytes: "ünïcode" is 9
      {"size(b) = :2", true},
      {"size(ss) = :2", true},
      {"size(ns) = :3", true},
      {"size(bs) = :2", true},
      {"size(l) = :3", true},
      {"size(m) = :3", true},
      {"size(m.n) = :1", true},
      {"size(e) = :0", true},
      {"size(n) = :2", false},
      {"size(n) <> :2", true},
      {"size(t) >= :0", false},
      {"size(absent) >= :0", false},
      {"size(:hello) = :5", true},
      {"size(s) > size(ss)", true},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(Eval(c.text, v) == c.expected);
  }
}

TEST_CASE("logical operators", "[expression][eval]") {
  const AttributeMap v{{":1", N("1")}, {":10", N("10")}};
  CHECK(Eval("n = :10 AND attribute_exists(s)", v));
  CHECK_FALSE(Eval("n = :1 AND attribute_exists(s)", v));
  CHECK(Eval("n = :1 OR attribute_exists(s)", v));
  CHECK_FALSE(Eval("n = :1 OR attribute_exists(absent)", v));
  CHECK(Eval("NOT n = :1", v));
  CHECK(Eval("NOT NOT n = :10", v));
  // AND binds tighter than OR: true OR (false AND false).
  CHECK(Eval("n = :10 OR n = :1 AND n = :1", v));
  CHECK_FALSE(Eval("(n = :10 OR n = :1) AND n = :1", v));
  CHECK(Eval("NOT (n = :1 OR s = :1)", v));
}

TEST_CASE("conditions on a absent item", "[expression][eval]") {
  const AttributeMap v{{":1", N("1")}};
  CHECK(Eval("attribute_not_exists(id)", v, nullptr));
  CHECK_FALSE(Eval("attribute_exists(id)", v, nullptr));
  CHECK_FALSE(Eval("n = :1", v, nullptr));
  CHECK(Eval("n <> :1", v, nullptr));
  CHECK_FALSE(Eval("size(n) = :1", v, nullptr));
}

Item Project(std::string_view text, const Item& item) {
  std::map<std::string, std::string> names{{"#dot", "x.y"}};
  Placeholders p;
  p.names = &names;
  Result<ProjectionPtr> r = ParseProjection(text, &p);
  INFO(text);
  if (!r.ok()) FAIL(r.error().message);
  return expr::Project(*r.value(), item);
}

TEST_CASE("projection", "[expression][eval]") {
  const Item item{
      {"p", S("key")},
      {"a", M({{"b", L({N("2"), N("4"), M({{"x", S("hi")}, {"y", S("yo")}})})}, {"c", N("5")}})},
      {"b", S("hello")},
      {"x.y", S("dotted")},
  };
  const AttributeValue a = item.at("a");
  CHECK(Project("a", item) == Item{{"a", a}});
  CHECK(Project("a, b", item) == Item{{"a", a}, {"b", S("hello")}});
  CHECK(Project("a.b", item) == Item{{"a", M({{"b", a.m().at("b")}})}});
  CHECK(Project("a.b[0]", item) == Item{{"a", M({{"b", L({N("2")})}})}});
  CHECK(Project("a.b[2]", item) ==
        Item{{"a", M({{"b", L({M({{"x", S("hi")}, {"y", S("yo")}})})}})}});
  CHECK(Project("a.b[2].y", item) == Item{{"a", M({{"b", L({M({{"y", S("yo")}})})}})}});
  // Missing paths select nothing, and leave no empty containers behind.
  for (const char* text : {"x", "a.b[3]", "a.x", "a.x.y", "a.b[3].x", "a.b.x", "a[0]", "a.b[0].x",
                           "a.b[0][0]", "b.c", "b[0]"}) {
    INFO(text);
    CHECK(Project(text, item).empty());
  }
  // Several paths merge into one document; list elements keep their order.
  CHECK(Project("a.b[1],a.b[0]", item) == Item{{"a", M({{"b", L({N("2"), N("4")})}})}});
  CHECK(Project("a.b[0],a.c", item) == Item{{"a", M({{"b", L({N("2")})}, {"c", N("5")}})}});
  CHECK(Project("a.c,b", item) == Item{{"a", M({{"c", N("5")}})}, {"b", S("hello")}});
  CHECK(Project("a.x, a.b[0], x, a.b[3].x", item) == Item{{"a", M({{"b", L({N("2")})}})}});
  CHECK(Project("a.b[2].x, a.b[0]", item) ==
        Item{{"a", M({{"b", L({N("2"), M({{"x", S("hi")}})})}})}});
  // A placeholder for a name with a dot selects that top-level attribute.
  CHECK(Project("#dot", item) == Item{{"x.y", S("dotted")}});
  CHECK(ProjectPaths({}, item).empty());
}

}  // namespace
}  // namespace ddbx::api::expr

namespace ddbx::api::expr {
namespace {

TEST_CASE("document paths below a key attribute are refused", "[expression][eval]") {
  const std::string hash = "pk";
  const std::string range = "sk";
  const AttributeMap values{{":v", AttributeValue::S("x")}};
  auto condition = [&](std::string_view text) {
    Placeholders p;
    p.values = &values;
    Result<ConditionPtr> c = ParseCondition(text, "FilterExpression", &p);
    REQUIRE(c.ok());
    return c.value();
  };
  auto projection = [&](std::string_view text) {
    Placeholders p;
    Result<ProjectionPtr> c = ParseProjection(text, &p);
    REQUIRE(c.ok());
    return c.value();
  };
  const std::string message =
      "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
      "allowed: Key: ";
  Status s = CheckKeyPathsScalar(condition("attribute_exists(pk.b)").get(), hash, &range);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == message + "pk");
  s = CheckKeyPathsScalar(condition("a = :v AND size(sk[0]) > a").get(), hash, &range);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == message + "sk");
  CHECK(CheckKeyPathsScalar(condition("pk = :v AND a.b = :v").get(), hash, &range).ok());
  CHECK(CheckKeyPathsScalar(condition("sk.x = :v").get(), hash, nullptr).ok());

  s = CheckKeyPathsScalar(projection("a, pk.b").get(), hash, &range);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == message + "pk");
  CHECK(CheckKeyPathsScalar(projection("pk, a.b").get(), hash, &range).ok());
  CHECK(CheckKeyPathsScalar(static_cast<const ProjectionExpression*>(nullptr), hash, &range).ok());
}

}  // namespace
}  // namespace ddbx::api::expr
