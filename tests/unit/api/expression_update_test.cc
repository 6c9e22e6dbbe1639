// Tests of ApplyUpdate and its companions (api/expression.h).
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "api/expression.h"

namespace ddbx::api::expr {
namespace {

AttributeValue S(std::string s) { return AttributeValue::S(std::move(s)); }
AttributeValue N(std::string_view n) { return AttributeValue::N(Number::Parse(n).value()); }
AttributeValue L(List l) { return AttributeValue::L(std::move(l)); }
AttributeValue M(AttributeMap m) { return AttributeValue::M(std::move(m)); }
AttributeValue NS(std::initializer_list<int64_t> v) {
  NumberSet out;
  for (int64_t x : v) out.push_back(Number::FromInt64(x));
  return AttributeValue::NS(std::move(out));
}

const Key kKey{{"p", S("k")}};

const AttributeMap kValues{
    {":s", S("hello")},
    {":n", N("4")},
    {":m", N("3")},
    {":l", L({N("4"), S("x")})},
    {":l2", L({S("y")})},
    {":ss", AttributeValue::SS({"pig", "cat"})},
    {":ss1", AttributeValue::SS({"dog"})},
    {":ns", NS({2, 9})},
    {":bs", AttributeValue::BS({"\x01"})},
    {":big", N("9.9999999999999999999999999999999999999E+125")},
    {":precise", N("0.00000000000000000000000000000000000001")},
    {":17", N("17")},
    {":a1", S("a1")},
    {":a2", S("a2")},
    {":a3", S("a3")},
    {":a4", S("a4")},
};

UpdatePtr Parse(std::string_view text) {
  std::map<std::string, std::string> names{{"#n", "n"}, {"#x", "x"}};
  Placeholders p;
  p.names = &names;
  p.values = &kValues;
  Result<UpdatePtr> r = ParseUpdate(text, &p);
  INFO(text);
  if (!r.ok()) FAIL(r.error().message);
  return r.value();
}

Result<Item> Apply(std::string_view text, const Item* old_item) {
  return ApplyUpdate(*Parse(text), old_item, kKey);
}

Item ApplyOk(std::string_view text, const Item& old_item) {
  Result<Item> r = Apply(text, &old_item);
  INFO(text);
  if (!r.ok()) FAIL(r.error().message);
  return r.value();
}

std::string ApplyError(std::string_view text, const Item* old_item) {
  Result<Item> r = Apply(text, old_item);
  return r.ok() ? "<ok>" : r.error().message;
}

constexpr const char* kMissing =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr const char* kBadPath =
    "The document path provided in the update expression is invalid for update";
constexpr const char* kBadType = "An operand in the update expression has an incorrect data type";

TEST_CASE("SET writes values, copies and arithmetic", "[expression][update]") {
  const Item old{{"p", S("k")}, {"a", S("hi")}, {"n", N("2")}, {"l", L({N("1")})}};
  CHECK(ApplyOk("SET b = :s", old) ==
        Item{{"p", S("k")}, {"a", S("hi")}, {"b", S("hello")}, {"n", N("2")}, {"l", L({N("1")})}});
  CHECK(ApplyOk("SET a = :n", old).at("a") == N("4"));
  CHECK(ApplyOk("SET b = a", old).at("b") == S("hi"));
  CHECK(ApplyOk("SET a = a", old) == old);
  CHECK(ApplyOk("SET b = n + :n", old).at("b") == N("6"));
  CHECK(ApplyOk("SET b = :m - n", old).at("b") == N("1"));
  CHECK(ApplyOk("SET n = n - :n", old).at("n") == N("-2"));
  CHECK(ApplyOk("SET b = if_not_exists(b, :n)", old).at("b") == N("4"));
  CHECK(ApplyOk("SET b = if_not_exists(a, :n)", old).at("b") == S("hi"));
  CHECK(ApplyOk("SET n = if_not_exists(n, :m) + :n", old).at("n") == N("6"));
  CHECK(ApplyOk("SET l = list_append(l, :l)", old).at("l") == L({N("1"), N("4"), S("x")}));
  CHECK(ApplyOk("SET l = list_append(:l2, l)", old).at("l") == L({S("y"), N("1")}));
  CHECK(ApplyOk("SET c = list_append(if_not_exists(c, :l2), :l)", old).at("c") ==
        L({S("y"), N("4"), S("x")}));
  // The key is readable when the item does not exist yet; the new item starts from it.
  Result<Item> fresh = Apply("SET b = :s, c = p", nullptr);
  REQUIRE(fresh.ok());
  CHECK(fresh.value() == Item{{"p", S("k")}, {"b", S("hello")}, {"c", S("k")}});
}

TEST_CASE("SET reads every value from the old item", "[expression][update]") {
  const Item old{{"p", S("k")}, {"a", S("hi")}};
  CHECK(ApplyError("SET x = :s, y = x", &old) == std::string(kMissing));
  CHECK(ApplyOk("REMOVE a SET b = a", old) == Item{{"p", S("k")}, {"b", S("hi")}});
  CHECK(ApplyOk("SET c = a REMOVE a", old) == Item{{"p", S("k")}, {"c", S("hi")}});
  CHECK(ApplyOk("SET a = :s, b = a", old).at("b") == S("hi"));
}

TEST_CASE("SET errors", "[expression][update]") {
  const Item old{
      {"p", S("k")}, {"a", S("hi")}, {"n", N("2")}, {"l", L({N("1")})}, {"m", M({{"k", S("v")}})}};
  CHECK(ApplyError("SET c = z", &old) == std::string(kMissing));
  CHECK(ApplyError("SET c = z", nullptr) == std::string(kMissing));
  CHECK(ApplyError("SET z = z", &old) == std::string(kMissing));
  CHECK(ApplyError("SET c = m.absent", &old) == std::string(kMissing));
  CHECK(ApplyError("SET c = absent + :n", &old) == std::string(kMissing));
  CHECK(ApplyError("SET c = list_append(absent, :l)", &old) == std::string(kMissing));
  CHECK(ApplyError("SET c = list_append(:l, absent)", nullptr) == std::string(kMissing));
  CHECK(ApplyError("SET c = a + :n", &old) == std::string(kBadType));
  CHECK(ApplyError("SET c = :n - a", &old) == std::string(kBadType));
  CHECK(ApplyError("SET c = list_append(a, :l)", &old) == std::string(kBadType));
  CHECK(ApplyError("SET c = list_append(:l, n)", &old) == std::string(kBadType));
  CHECK(ApplyError("SET c = n + :big", &old) ==
        "Number overflow. Attempting to store a number with magnitude larger than supported "
        "range");
  // Arithmetic fails exactly as Number::Add / Number::Subtract do.
  CHECK(ApplyError("SET c = n + :precise", &old) ==
        Number::Add(old.at("n").n(), kValues.at(":precise").n()).error().message);
  CHECK(ApplyError("SET c = n - :precise", &old) ==
        Number::Subtract(old.at("n").n(), kValues.at(":precise").n()).error().message);
}

TEST_CASE("nested SET and REMOVE", "[expression][update]") {
  const Item old{{"p", S("k")},
                 {"a", M({{"b", N("3")},
                          {"c", L({S("hi"), M({{"x", M({{"y", L({N("3"), N("5"), N("7")})}})},
                                               {"q", N("2")}})})}})},
                 {"s", S("hello")},
                 {"l", L({S("one"), S("two"), S("three")})}};
  Item out = ApplyOk("SET a.c[1].#x.y[1] = :n, a.z = :s", old);
  CHECK(out.at("a").m().at("c").l()[1].m().at("x").m().at("y") == L({N("3"), N("4"), N("7")}));
  CHECK(out.at("a").m().at("z") == S("hello"));
  out = ApplyOk("REMOVE a.c[1].x.y[1], a.c[1].q", old);
  CHECK(out.at("a").m().at("c").l()[1] == M({{"x", M({{"y", L({N("3"), N("7")})}})}}));
  // SET replaces a nested value of another type.
  CHECK(ApplyOk("SET a.b = :l", old).at("a").m().at("b") == L({N("4"), S("x")}));
  // Indexes past the end append, in index order.
  CHECK(ApplyOk("SET l[7] = :s", old).at("l") == L({S("one"), S("two"), S("three"), S("hello")}));
  CHECK(ApplyOk("SET l[84] = :a1, l[37] = :a2, l[17] = :a3, l[50] = :a4", old).at("l") ==
        L({S("one"), S("two"), S("three"), S("a3"), S("a2"), S("a4"), S("a1")}));
  CHECK(ApplyOk("SET l[1] = :s", old).at("l") == L({S("one"), S("hello"), S("three")}));
  // REMOVE indexes refer to the list as it was.
  const Item list{{"p", S("k")}, {"a", L({N("2"), N("3"), N("4"), N("5"), N("6"), N("7")})}};
  const AttributeValue expected = L({N("2"), N("4"), N("17"), N("6"), N("7")});
  CHECK(ApplyOk("REMOVE a[1] SET a[3] = :17", list).at("a") == expected);
  CHECK(ApplyOk("SET a[3] = :17 REMOVE a[1]", list).at("a") == expected);
  CHECK(ApplyOk("REMOVE a[1], a[4]", list).at("a") == L({N("2"), N("4"), N("5"), N("7")}));
  CHECK(ApplyOk("REMOVE a[4], a[1]", list).at("a") == L({N("2"), N("4"), N("5"), N("7")}));
  // Removing the last member leaves an empty map or list.
  const Item single{{"p", S("k")}, {"m", M({{"b", N("1")}})}, {"l", L({N("1")})}};
  CHECK(ApplyOk("REMOVE m.b, l[0]", single) == Item{{"p", S("k")}, {"m", M({})}, {"l", L({})}});
  // Removing what is not there is a no-op.
  const Item leaf{{"p", S("k")}, {"a", M({{"x", N("3")}})}, {"b", L({S("hi")})}};
  CHECK(ApplyOk("REMOVE a.y, b[7], c", leaf) == leaf);
}

TEST_CASE("invalid document paths", "[expression][update]") {
  const Item old{{"p", S("k")}, {"a", S("hello")}, {"b", L({S("hi")})}, {"m", M({})}};
  for (const char* text :
       {"SET a.c = :n", "SET b.c = :n", "SET c.c = :n", "SET a[0] = :n", "SET c[0] = :n",
        "SET m.x.y = :n", "SET b[5].c = :n", "REMOVE a.c", "REMOVE b.c", "REMOVE c.c",
        "REMOVE a[0]", "REMOVE c[0]", "ADD c.d :n", "DELETE c.d :ss", "ADD a[0] :n"}) {
    INFO(text);
    CHECK(ApplyError(text, &old) == std::string(kBadPath));
  }
  CHECK(ApplyError("SET c.c = :n", nullptr) == std::string(kBadPath));
  CHECK(ApplyError("SET b[0] = :n", nullptr) == std::string(kBadPath));
  // DynamoDB ignores a REMOVE of anything when the item does not exist.
  for (const char* text : {"REMOVE x.y", "REMOVE x[0]", "REMOVE x.y, z"}) {
    INFO(text);
    Result<Item> r = Apply(text, nullptr);
    REQUIRE(r.ok());
    CHECK(r.value() == kKey);
  }
}

TEST_CASE("ADD", "[expression][update]") {
  const Item old{{"p", S("k")},
                 {"n", N("3")},
                 {"s", S("hi")},
                 {"ss", AttributeValue::SS({"dog", "cat", "mouse"})},
                 {"ns", NS({1, 2})},
                 {"l", L({N("1")})},
                 {"m", M({{"c", N("1")}})}};
  CHECK(ApplyOk("ADD n :n", old).at("n") == N("7"));
  CHECK(ApplyOk("ADD fresh :n", old).at("fresh") == N("4"));
  CHECK(ApplyOk("ADD m.c :n, m.d :m", old).at("m") == M({{"c", N("5")}, {"d", N("3")}}));
  CHECK(ApplyOk("ADD ss :ss", old).at("ss") == AttributeValue::SS({"dog", "cat", "mouse", "pig"}));
  CHECK(ApplyOk("ADD ns :ns", old).at("ns") == NS({1, 2, 9}));
  CHECK(ApplyOk("ADD fresh :ss1", old).at("fresh") == AttributeValue::SS({"dog"}));
  CHECK(ApplyOk("ADD fresh :bs", old).at("fresh") == AttributeValue::BS({"\x01"}));
  Result<Item> fresh = Apply("ADD b :n", nullptr);
  REQUIRE(fresh.ok());
  CHECK(fresh.value() == Item{{"p", S("k")}, {"b", N("4")}});
  for (const char* text :
       {"ADD s :n", "ADD ss :n", "ADD n :ss", "ADD ns :ss", "ADD l :ns", "ADD m :n"}) {
    INFO(text);
    CHECK(ApplyError(text, &old) == std::string(kBadType));
  }
  CHECK(ApplyError("ADD n :big", &old) ==
        "Number overflow. Attempting to store a number with magnitude larger than supported "
        "range");
}

TEST_CASE("DELETE", "[expression][update]") {
  const Item old{{"p", S("k")},
                 {"ss", AttributeValue::SS({"dog", "cat", "mouse"})},
                 {"ns", NS({2, 9})},
                 {"b", S("hi")},
                 {"m", M({{"st", AttributeValue::SS({"pig"})}})}};
  CHECK(ApplyOk("DELETE ss :ss", old).at("ss") == AttributeValue::SS({"dog", "mouse"}));
  CHECK(ApplyOk("DELETE ss :ss1", old).at("ss") == AttributeValue::SS({"cat", "mouse"}));
  // Deleting every member removes the attribute; deleting from nothing is a no-op.
  CHECK(ApplyOk("DELETE ns :ns", old).count("ns") == 0);
  CHECK(ApplyOk("DELETE m.st :ss", old).at("m") == M({}));
  CHECK(ApplyOk("DELETE absent :ss", old) == old);
  CHECK(ApplyError("DELETE b :ss", &old) == std::string(kBadType));
  CHECK(ApplyError("DELETE ss :ns", &old) == std::string(kBadType));
  Result<Item> fresh = Apply("DELETE a :ss", nullptr);
  REQUIRE(fresh.ok());
  CHECK(fresh.value() == kKey);
}

TEST_CASE("CheckUpdateAgainstKey", "[expression][update]") {
  const std::string hash = "p";
  const std::string range = "c";
  CHECK(CheckUpdateAgainstKey(*Parse("SET a = :s"), hash, &range).ok());
  struct Case {
    const char* text;
    const char* attribute;
  };
  for (const Case& c :
       {Case{"SET p = :s", "p"}, Case{"SET a = :s, c = :n", "c"}, Case{"REMOVE p", "p"},
        Case{"ADD c :n", "c"}, Case{"DELETE p :ss", "p"}, Case{"SET p.x = :s", "p"}}) {
    INFO(c.text);
    Status s = CheckUpdateAgainstKey(*Parse(c.text), hash, &range);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message == std::string("One or more parameter values were invalid: Cannot "
                                           "update attribute ") +
                                   c.attribute + ". This attribute is part of the key");
  }
  CHECK(CheckUpdateAgainstKey(*Parse("SET c = :s"), hash, nullptr).ok());
}

TEST_CASE("UPDATED_OLD and UPDATED_NEW projections", "[expression][update]") {
  const Item old{{"p", S("k")},
                 {"a", M({{"b", N("1")}, {"c", N("2")}})},
                 {"n", N("1")},
                 {"gone", S("x")},
                 {"other", S("y")}};
  UpdatePtr update = Parse("SET a.b = :n, fresh = :s ADD n :m REMOVE gone");
  Result<Item> result = ApplyUpdate(*update, &old, kKey);
  REQUIRE(result.ok());
  CHECK(ProjectUpdated(*update, old) ==
        Item{{"a", M({{"b", N("1")}})}, {"n", N("1")}, {"gone", S("x")}});
  CHECK(ProjectUpdated(*update, result.value()) ==
        Item{{"a", M({{"b", N("4")}})}, {"fresh", S("hello")}, {"n", N("4")}});
  CHECK(UpdatedAttributes(*update) == std::vector<std::string>{"a", "fresh", "n", "gone"});
}

}  // namespace
}  // namespace ddbx::api::expr
