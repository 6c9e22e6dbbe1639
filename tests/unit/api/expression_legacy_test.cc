// Tests of the legacy-parameter translators and of key-condition resolution
// (api/expression.h).
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

using Values = std::vector<AttributeValue>;

LegacyCondition Cond(ComparisonOperator op, Values values) {
  return LegacyCondition{op, std::move(values)};
}
LegacyCondition Cond(ComparisonOperator op) { return LegacyCondition{op, std::nullopt}; }

ExpectedAttributeValue WithOp(ComparisonOperator op, Values values) {
  ExpectedAttributeValue e;
  e.comparison_operator = op;
  e.attribute_value_list = std::move(values);
  return e;
}

template <class T>
std::string ErrorOf(const Result<T>& r) {
  return r.ok() ? std::string("<ok>") : r.error().message;
}

// The source a legacy tree carries must parse back into an equivalent expression.
void CheckReparses(const ConditionExpression& c, const Item& item) {
  INFO(c.source.text);
  CHECK(c.source.legacy);
  Placeholders p;
  p.names = &c.source.names;
  p.values = &c.source.values;
  Result<ConditionPtr> again = ParseCondition(c.source.text, "ConditionExpression", &p);
  REQUIRE(again.ok());
  CHECK(CheckPlaceholdersUsed(p).ok());
  CHECK(EvaluateCondition(*again.value(), &item) == EvaluateCondition(c, &item));
}

TEST_CASE("ComparisonOperator names", "[expression][legacy]") {
  for (const char* name : {"EQ", "NE", "LE", "LT", "GE", "GT", "NOT_NULL", "NULL", "CONTAINS",
                           "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"}) {
    std::optional<ComparisonOperator> op = ComparisonOperatorFromName(name);
    REQUIRE(op);
    CHECK(ComparisonOperatorName(*op) == name);
  }
  CHECK_FALSE(ComparisonOperatorFromName("eq"));
  CHECK_FALSE(ComparisonOperatorFromName("LIKE"));
}

TEST_CASE("QueryFilter / ScanFilter semantics", "[expression][legacy]") {
  const Item item{
      {"s", S("hello")},          {"n", N("5")},        {"ss", AttributeValue::SS({"a", "b"})},
      {"l", L({N("1"), S("x")})}, {"b", B("\x01\x02")}, {"a.b", S("dotted")}};
  using Op = ComparisonOperator;
  struct Case {
    const char* attribute;
    LegacyCondition condition;
    bool expected;
  };
  const Case cases[] = {
      {"s", Cond(Op::kEq, {S("hello")}), true},
      {"s", Cond(Op::kEq, {S("x")}), false},
      {"n", Cond(Op::kEq, {S("5")}), false},
      {"s", Cond(Op::kNe, {S("x")}), true},
      {"missing", Cond(Op::kNe, {S("x")}), true},
      {"n", Cond(Op::kLe, {N("5")}), true},
      {"n", Cond(Op::kLt, {N("5")}), false},
      {"n", Cond(Op::kGe, {N("5")}), true},
      {"n", Cond(Op::kGt, {N("4")}), true},
      {"n", Cond(Op::kGt, {S("4")}), false},
      {"s", Cond(Op::kNotNull), true},
      {"missing", Cond(Op::kNotNull), false},
      {"missing", Cond(Op::kNull), true},
      {"s", Cond(Op::kNull), false},
      {"s", Cond(Op::kContains, {S("ell")}), true},
      {"ss", Cond(Op::kContains, {S("a")}), true},
      {"l", Cond(Op::kContains, {N("1")}), true},
      {"b", Cond(Op::kContains, {B("\x02")}), true},
      {"s", Cond(Op::kNotContains, {S("ell")}), false},
      {"s", Cond(Op::kNotContains, {S("dog")}), true},
      {"ss", Cond(Op::kNotContains, {S("z")}), true},
      // Unlike NOT contains(), NOT_CONTAINS is false for a missing attribute.
      {"missing", Cond(Op::kNotContains, {S("z")}), false},
      {"s", Cond(Op::kBeginsWith, {S("he")}), true},
      {"n", Cond(Op::kBeginsWith, {S("5")}), false},
      {"n", Cond(Op::kIn, {N("1"), N("5")}), true},
      {"n", Cond(Op::kIn, {N("1"), N("2")}), false},
      {"n", Cond(Op::kBetween, {N("1"), N("5")}), true},
      {"n", Cond(Op::kBetween, {N("6"), N("9")}), false},
      {"a.b", Cond(Op::kEq, {S("dotted")}), true},
  };
  for (const Case& c : cases) {
    INFO(c.attribute << " " << ComparisonOperatorName(*c.condition.comparison_operator));
    Result<ConditionPtr> r = FromFilter({{c.attribute, c.condition}}, std::nullopt, "ScanFilter");
    REQUIRE(r.ok());
    CHECK(EvaluateCondition(*r.value(), &item) == c.expected);
    CheckReparses(*r.value(), item);
  }
  // AND by default, OR on request.
  const std::vector<std::pair<std::string, LegacyCondition>> two = {
      {"s", Cond(Op::kEq, {S("hello")})}, {"n", Cond(Op::kEq, {N("6")})}};
  Result<ConditionPtr> conj = FromFilter(two, std::nullopt, "QueryFilter");
  REQUIRE(conj.ok());
  CHECK_FALSE(EvaluateCondition(*conj.value(), &item));
  Result<ConditionPtr> conj2 = FromFilter(two, ConditionalOperator::kAnd, "QueryFilter");
  REQUIRE(conj2.ok());
  CHECK_FALSE(EvaluateCondition(*conj2.value(), &item));
  Result<ConditionPtr> disj = FromFilter(two, ConditionalOperator::kOr, "QueryFilter");
  REQUIRE(disj.ok());
  CHECK(EvaluateCondition(*disj.value(), &item));
  CheckReparses(*disj.value(), item);
  CHECK(disj.value()->source.text == "#n0 = :v0 OR #n1 = :v1");
  // Nothing to check: a null tree.
  Result<ConditionPtr> none = FromFilter({}, std::nullopt, "ScanFilter");
  REQUIRE(none.ok());
  CHECK(none.value() == nullptr);
}

TEST_CASE("legacy condition validation messages", "[expression][legacy]") {
  using Op = ComparisonOperator;
  struct Case {
    LegacyCondition condition;
    const char* message;
  };
  const Case cases[] = {
      {Cond(Op::kEq, {}),
       "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
       "ComparisonOperator"},
      {Cond(Op::kEq),
       "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
       "ComparisonOperator"},
      {Cond(Op::kNe, {S("a"), S("b")}),
       "One or more parameter values were invalid: Invalid number of argument(s) for the NE "
       "ComparisonOperator"},
      {Cond(Op::kNull, {S("a")}),
       "One or more parameter values were invalid: Invalid number of argument(s) for the NULL "
       "ComparisonOperator"},
      {Cond(Op::kNotNull, {S("a")}),
       "One or more parameter values were invalid: Invalid number of argument(s) for the "
       "NOT_NULL ComparisonOperator"},
      {Cond(Op::kIn, {}),
       "One or more parameter values were invalid: Invalid number of argument(s) for the IN "
       "ComparisonOperator"},
      {Cond(Op::kBetween, {N("1")}),
       "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN "
       "ComparisonOperator"},
      {Cond(Op::kIn, {N("3"), S("dog")}),
       "One or more parameter values were invalid: AttributeValues inside AttributeValueList "
       "must be of same type"},
      {Cond(Op::kLt, {AttributeValue::SS({"a"})}),
       "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS "
       "AttributeValue type"},
      {Cond(Op::kContains, {L({N("1")})}),
       "One or more parameter values were invalid: ComparisonOperator CONTAINS is not valid for "
       "L AttributeValue type"},
      {Cond(Op::kBeginsWith, {N("3")}),
       "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid "
       "for N AttributeValue type"},
      {Cond(Op::kIn, {L({N("1")}), L({N("2")})}),
       "One or more parameter values were invalid: ComparisonOperator IN is not valid for L "
       "AttributeValue type"},
      {Cond(Op::kBetween, {N("4"), N("3")}),
       "The BETWEEN condition was provided a range where the lower bound is greater than the "
       "upper bound"},
      {Cond(Op::kBetween, {S("dog"), S("aardvark")}),
       "The BETWEEN condition was provided a range where the lower bound is greater than the "
       "upper bound"},
      {LegacyCondition{std::nullopt, Values{}},
       "1 validation error detected: Value null at 'scanFilter.a.member.comparisonOperator' "
       "failed to satisfy constraint: Member must not be null"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    CHECK(ErrorOf(FromFilter({{"a", c.condition}}, std::nullopt, "ScanFilter")) == c.message);
  }
  // EQ and NE take documents.
  CHECK(FromFilter({{"a", Cond(Op::kEq, {L({})})}}, std::nullopt, "ScanFilter").ok());
  CHECK(FromFilter({{"a", Cond(Op::kNe, {AttributeValue::Bool(true)})}}, std::nullopt, "ScanFilter")
            .ok());
  // The first bad entry, in the order sent, is reported.
  CHECK(ErrorOf(FromFilter(
            {{"z", Cond(Op::kEq, {S("ok")})}, {"a", Cond(Op::kGt, {})}, {"b", Cond(Op::kLt, {})}},
            std::nullopt, "ScanFilter")) ==
        "One or more parameter values were invalid: Invalid number of argument(s) for the GT "
        "ComparisonOperator");
}

TEST_CASE("Expected", "[expression][legacy]") {
  const Item item{{"a", N("1")}, {"s", S("hello")}};
  using Op = ComparisonOperator;
  auto eval = [&](std::vector<std::pair<std::string, ExpectedAttributeValue>> expected,
                  std::optional<ConditionalOperator> op, const Item* on) {
    Result<ConditionPtr> r = FromExpected(expected, op);
    if (!r.ok()) FAIL(r.error().message);
    if (on != nullptr) CheckReparses(*r.value(), *on);
    return EvaluateCondition(*r.value(), on);
  };
  ExpectedAttributeValue value_1;
  value_1.value = N("1");
  ExpectedAttributeValue value_2;
  value_2.value = N("2");
  ExpectedAttributeValue exists_true_1;
  exists_true_1.value = N("1");
  exists_true_1.exists = true;
  ExpectedAttributeValue not_exists;
  not_exists.exists = false;
  CHECK(eval({{"a", value_1}}, std::nullopt, &item));
  CHECK_FALSE(eval({{"a", value_2}}, std::nullopt, &item));
  CHECK_FALSE(eval({{"missing", value_1}}, std::nullopt, &item));
  CHECK(eval({{"a", exists_true_1}}, std::nullopt, &item));
  CHECK(eval({{"missing", not_exists}}, std::nullopt, &item));
  CHECK_FALSE(eval({{"a", not_exists}}, std::nullopt, &item));
  CHECK(eval({{"a", not_exists}}, std::nullopt, nullptr));
  CHECK(eval({{"a", WithOp(Op::kGt, {N("0")})}, {"s", WithOp(Op::kBeginsWith, {S("he")})}},
             std::nullopt, &item));
  CHECK_FALSE(eval({{"a", WithOp(Op::kGt, {N("5")})}, {"s", WithOp(Op::kBeginsWith, {S("he")})}},
                   ConditionalOperator::kAnd, &item));
  CHECK(eval({{"a", WithOp(Op::kGt, {N("5")})}, {"s", WithOp(Op::kBeginsWith, {S("he")})}},
             ConditionalOperator::kOr, &item));
  // A ComparisonOperator may take Value instead of AttributeValueList.
  ExpectedAttributeValue op_with_value;
  op_with_value.comparison_operator = Op::kLt;
  op_with_value.value = N("5");
  CHECK(eval({{"a", op_with_value}}, std::nullopt, &item));
  ExpectedAttributeValue not_null;
  not_null.comparison_operator = Op::kNotNull;
  CHECK(eval({{"s", not_null}}, std::nullopt, &item));
  Result<ConditionPtr> none = FromExpected({}, std::nullopt);
  REQUIRE(none.ok());
  CHECK(none.value() == nullptr);
}

TEST_CASE("Expected validation messages", "[expression][legacy]") {
  using Op = ComparisonOperator;
  constexpr std::string_view kPrefix = "One or more parameter values were invalid: ";
  struct Case {
    ExpectedAttributeValue e;
    std::string message;
  };
  std::vector<Case> cases;
  {
    ExpectedAttributeValue e;
    e.value = S("x");
    e.attribute_value_list = Values{S("x")};
    cases.push_back({e, "Value and AttributeValueList cannot be used together for Attribute: a"});
  }
  {
    ExpectedAttributeValue e;
    e.comparison_operator = Op::kEq;
    e.exists = true;
    e.value = S("x");
    cases.push_back({e, "Exists and ComparisonOperator cannot be used together for Attribute: a"});
  }
  {
    ExpectedAttributeValue e;
    e.comparison_operator = Op::kEq;
    cases.push_back(
        {e,
         "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: "
         "a"});
  }
  {
    ExpectedAttributeValue e;
    e.comparison_operator = Op::kNull;
    e.value = S("x");
    cases.push_back({e, "Invalid number of argument(s) for the NULL ComparisonOperator"});
  }
  {
    ExpectedAttributeValue e;
    e.attribute_value_list = Values{S("x")};
    cases.push_back(
        {e, "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"});
  }
  {
    ExpectedAttributeValue e;
    cases.push_back({e, "Value must be provided when Exists is null for Attribute: a"});
  }
  {
    ExpectedAttributeValue e;
    e.exists = true;
    cases.push_back({e, "Value must be provided when Exists is true for Attribute: a"});
  }
  {
    ExpectedAttributeValue e;
    e.exists = false;
    e.value = S("x");
    cases.push_back({e, "Value cannot be used when Exists is false for Attribute: a"});
  }
  {
    ExpectedAttributeValue e = WithOp(Op::kContains, {L({N("1")})});
    cases.push_back({e, "ComparisonOperator CONTAINS is not valid for L AttributeValue type"});
  }
  for (const Case& c : cases) {
    INFO(c.message);
    CHECK(ErrorOf(FromExpected({{"a", c.e}}, std::nullopt)) == std::string(kPrefix) + c.message);
  }
  CHECK(ErrorOf(FromExpected({{"a", WithOp(Op::kBetween, {N("4"), N("3")})}}, std::nullopt)) ==
        "The BETWEEN condition was provided a range where the lower bound is greater than the "
        "upper bound");
}

TEST_CASE("KeyConditions", "[expression][legacy]") {
  using Op = ComparisonOperator;
  Result<KeyConditionPtr> r = FromKeyConditions(
      {{"id", Cond(Op::kEq, {S("x")})}, {"sk", Cond(Op::kBetween, {N("1"), N("3")})}});
  REQUIRE(r.ok());
  REQUIRE(r.value()->conditions.size() == 2);
  CHECK(r.value()->conditions[1].op == KeyOperator::kBetween);
  CHECK(r.value()->source.legacy);
  CHECK(r.value()->source.text == "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2");
  // The synthesized text parses back to the same conditions.
  {
    Placeholders p;
    p.names = &r.value()->source.names;
    p.values = &r.value()->source.values;
    Result<KeyConditionPtr> again = ParseKeyCondition(r.value()->source.text, &p);
    REQUIRE(again.ok());
    CHECK(again.value()->conditions[1].values == r.value()->conditions[1].values);
  }
  r = FromKeyConditions({{"id", Cond(Op::kEq, {S("x")})}, {"sk", Cond(Op::kBeginsWith, {S("p")})}});
  REQUIRE(r.ok());
  CHECK(r.value()->source.text == "#n0 = :v0 AND begins_with(#n1, :v1)");

  CHECK(ErrorOf(FromKeyConditions({})) == "Conditions can be of length 1 or 2 only");
  CHECK(ErrorOf(FromKeyConditions({{"a", Cond(Op::kEq, {S("x")})},
                                   {"b", Cond(Op::kEq, {S("x")})},
                                   {"c", Cond(Op::kEq, {S("x")})}})) ==
        "Conditions can be of length 1 or 2 only");
  for (Op op : {Op::kNull, Op::kNotNull, Op::kContains, Op::kNotContains, Op::kIn, Op::kNe}) {
    Values values;
    if (op != Op::kNull && op != Op::kNotNull) values.push_back(S("x"));
    INFO(ComparisonOperatorName(op));
    CHECK(ErrorOf(FromKeyConditions({{"id", Cond(op, values)}})) ==
          "Attempted conditional constraint is not an indexable operation");
  }
  CHECK(ErrorOf(FromKeyConditions({{"id", Cond(Op::kEq, {S("x"), S("y")})}})) ==
        "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
        "ComparisonOperator");
}

KeyConditionPtr KeyCond(std::string_view text, const AttributeMap& values) {
  Placeholders p;
  p.values = &values;
  Result<KeyConditionPtr> r = ParseKeyCondition(text, &p);
  INFO(text);
  if (!r.ok()) FAIL(r.error().message);
  return r.value();
}

TEST_CASE("ResolveKeyCondition", "[expression][legacy]") {
  const AttributeMap values{{":s", S("x")},   {":n", N("5")}, {":n2", N("9")},
                            {":p", S("pre")}, {":e", S("")},  {":b", B("")}};
  const std::string id = "id";
  const std::string sk = "sk";
  using T = ScalarAttributeType;

  Result<KeyBounds> r = ResolveKeyCondition(*KeyCond("id = :s AND sk BETWEEN :n AND :n2", values),
                                            id, T::kS, &sk, T::kN);
  REQUIRE(r.ok());
  CHECK(r.value().hash_value == S("x"));
  REQUIRE(r.value().range);
  CHECK(r.value().range->op == KeyOperator::kBetween);
  CHECK(r.value().range->attribute == "sk");

  r = ResolveKeyCondition(*KeyCond(":n < sk AND id = :s", values), id, T::kS, &sk, T::kN);
  REQUIRE(r.ok());
  CHECK(r.value().range->op == KeyOperator::kGt);

  r = ResolveKeyCondition(*KeyCond("id = :s", values), id, T::kS, &sk, T::kN);
  REQUIRE(r.ok());
  CHECK_FALSE(r.value().range);

  struct Case {
    const char* text;
    bool has_range;
    T hash_type;
    T range_type;
    const char* message;
  };
  const Case cases[] = {
      {"sk = :n", true, T::kS, T::kN, "Query condition missed key schema element: id"},
      {"extra = :s", true, T::kS, T::kN, "Query condition missed key schema element: id"},
      {"id = :s AND extra = :n", true, T::kS, T::kN,
       "Query condition missed key schema element: sk"},
      {"id = :s AND extra = :n", false, T::kS, T::kN, "Query key condition not supported"},
      {"id < :s", true, T::kS, T::kN, "Query key condition not supported"},
      {"begins_with(id, :s)", true, T::kS, T::kN, "Query key condition not supported"},
      {"id = :n", true, T::kS, T::kN,
       "One or more parameter values were invalid: Condition parameter type does not match "
       "schema type"},
      {"id = :s AND sk > :s", true, T::kS, T::kN,
       "One or more parameter values were invalid: Condition parameter type does not match "
       "schema type"},
      {"id = :s AND begins_with(sk, :p)", true, T::kS, T::kN,
       "One or more parameter values were invalid: Condition parameter type does not match "
       "schema type"},
      {"id = :e", true, T::kS, T::kN,
       "One or more parameter values are not valid. The AttributeValue for a key attribute "
       "cannot contain an empty string value. Key: id"},
      {"id = :b", true, T::kB, T::kN,
       "One or more parameter values are not valid. The AttributeValue for a key attribute "
       "cannot contain an empty binary value. Key: id"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(ErrorOf(ResolveKeyCondition(*KeyCond(c.text, values), id, c.hash_type,
                                      c.has_range ? &sk : nullptr, c.range_type)) == c.message);
  }
  // Legacy KeyConditions resolve the same way.
  Result<KeyConditionPtr> legacy =
      FromKeyConditions({{"sk", Cond(ComparisonOperator::kBeginsWith, {S("p")})},
                         {"id", Cond(ComparisonOperator::kEq, {S("x")})}});
  REQUIRE(legacy.ok());
  r = ResolveKeyCondition(*legacy.value(), id, T::kS, &sk, T::kS);
  REQUIRE(r.ok());
  CHECK(r.value().range->op == KeyOperator::kBeginsWith);
  // begins_with on a number sort key, with a number operand.
  KeyConditionExpression numeric;
  numeric.conditions = {KeyCondition{"id", KeyOperator::kEq, {S("x")}},
                        KeyCondition{"sk", KeyOperator::kBeginsWith, {N("1")}}};
  CHECK(ErrorOf(ResolveKeyCondition(numeric, id, T::kS, &sk, T::kN)) ==
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N");
}

TEST_CASE("SortKeyMatches", "[expression][legacy]") {
  auto range = [](KeyOperator op, Values v) { return KeyCondition{"sk", op, std::move(v)}; };
  CHECK(SortKeyMatches(range(KeyOperator::kEq, {N("5")}), N("5.0")));
  CHECK_FALSE(SortKeyMatches(range(KeyOperator::kEq, {N("5")}), S("5")));
  CHECK(SortKeyMatches(range(KeyOperator::kLt, {N("5")}), N("4")));
  CHECK_FALSE(SortKeyMatches(range(KeyOperator::kLt, {N("5")}), N("5")));
  CHECK(SortKeyMatches(range(KeyOperator::kLe, {N("5")}), N("5")));
  CHECK(SortKeyMatches(range(KeyOperator::kGt, {S("a")}), S("b")));
  CHECK(SortKeyMatches(range(KeyOperator::kGe, {S("b")}), S("b")));
  CHECK(SortKeyMatches(range(KeyOperator::kBetween, {N("1"), N("3")}), N("3")));
  CHECK_FALSE(SortKeyMatches(range(KeyOperator::kBetween, {N("1"), N("3")}), N("3.5")));
  CHECK_FALSE(SortKeyMatches(range(KeyOperator::kBetween, {N("1"), N("3")}), N("0")));
  CHECK(SortKeyMatches(range(KeyOperator::kBeginsWith, {S("ab")}), S("abc")));
  CHECK_FALSE(SortKeyMatches(range(KeyOperator::kBeginsWith, {S("ab")}), S("a")));
  CHECK(SortKeyMatches(range(KeyOperator::kBeginsWith, {B("\x01")}), B("\x01\x02")));
}

TEST_CASE("CheckFilterAgainstKey", "[expression][legacy]") {
  const AttributeMap values{{":s", S("x")}};
  Placeholders p;
  p.values = &values;
  const std::string id = "id";
  const std::string sk = "sk";
  Result<ConditionPtr> ok =
      ParseCondition("a = :s AND size(b.c) > size(d)", "FilterExpression", &p);
  REQUIRE(ok.ok());
  CHECK(CheckFilterAgainstKey(*ok.value(), id, &sk).ok());
  // The hash key is named first, whatever the order in the filter.
  Result<ConditionPtr> both =
      ParseCondition("sk = :s OR attribute_exists(id)", "FilterExpression", &p);
  REQUIRE(both.ok());
  Status s = CheckFilterAgainstKey(*both.value(), id, &sk);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: id");
  Result<ConditionPtr> nested = ParseCondition("size(sk) = :s", "FilterExpression", &p);
  REQUIRE(nested.ok());
  s = CheckFilterAgainstKey(*nested.value(), id, &sk);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk");
  CHECK(CheckFilterAgainstKey(*nested.value(), id, nullptr).ok());
  Result<ConditionPtr> legacy =
      FromFilter({{"id", Cond(ComparisonOperator::kEq, {S("x")})}}, std::nullopt, "QueryFilter");
  REQUIRE(legacy.ok());
  s = CheckFilterAgainstKey(*legacy.value(), id, &sk);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: id");
}

TEST_CASE("AttributeUpdates", "[expression][legacy]") {
  auto put = [](AttributeValue v) {
    return AttributeValueUpdate{std::move(v), AttributeAction::kPut};
  };
  auto add = [](AttributeValue v) {
    return AttributeValueUpdate{std::move(v), AttributeAction::kAdd};
  };
  auto del = [](std::optional<AttributeValue> v) {
    return AttributeValueUpdate{std::move(v), AttributeAction::kDelete};
  };
  const Key key{{"p", S("k")}};
  const Item old{{"p", S("k")},      {"n", N("1")},
                 {"l", L({N("1")})}, {"ss", AttributeValue::SS({"a", "b"})},
                 {"gone", S("x")},   {"s", S("str")}};
  Result<UpdatePtr> r = FromAttributeUpdates({{"a.b", put(S("v"))},
                                              {"n", add(N("2"))},
                                              {"l", add(L({S("x")}))},
                                              {"ss", del(AttributeValue::SS({"a"}))},
                                              {"gone", del(std::nullopt)},
                                              {"new", add(AttributeValue::SS({"z"}))}});
  REQUIRE(r.ok());
  const UpdateExpression& u = *r.value();
  CHECK(u.legacy_add);
  CHECK(u.source.legacy);
  Result<Item> applied = ApplyUpdate(u, &old, key);
  REQUIRE(applied.ok());
  CHECK(applied.value() == Item{{"p", S("k")},
                                {"a.b", S("v")},
                                {"n", N("3")},
                                {"l", L({N("1"), S("x")})},
                                {"ss", AttributeValue::SS({"b"})},
                                {"new", AttributeValue::SS({"z"})},
                                {"s", S("str")}});
  // The synthesized expression does the same thing.
  {
    INFO(u.source.text);
    Placeholders p;
    p.names = &u.source.names;
    p.values = &u.source.values;
    Result<UpdatePtr> again = ParseUpdate(u.source.text, &p);
    REQUIRE(again.ok());
    CHECK(CheckPlaceholdersUsed(p).ok());
    Result<Item> applied_again = ApplyUpdate(*again.value(), &old, key);
    REQUIRE(applied_again.ok());
    CHECK(applied_again.value() == applied.value());
  }
  // Type mismatches use AttributeUpdates' message.
  for (auto update : {add(N("1")), del(AttributeValue::SS({"x"}))}) {
    Result<UpdatePtr> bad = FromAttributeUpdates({{"s", update}});
    REQUIRE(bad.ok());
    CHECK(ErrorOf(ApplyUpdate(*bad.value(), &old, key)) == "Type mismatch for attribute to update");
  }
  // Validation.
  CHECK(ErrorOf(FromAttributeUpdates(
            {{"a", AttributeValueUpdate{std::nullopt, AttributeAction::kPut}}})) ==
        "One or more parameter values were invalid: Only DELETE action is allowed when no "
        "attribute value is specified");
  CHECK(ErrorOf(FromAttributeUpdates({{"a", add(AttributeValue())}})) ==
        "One or more parameter values were invalid: ADD action is not supported for the type NULL");
  CHECK(ErrorOf(FromAttributeUpdates({{"a", add(S("x"))}})) ==
        "One or more parameter values were invalid: ADD action is not supported for the type S");
  CHECK(ErrorOf(FromAttributeUpdates({{"a", del(N("1"))}})) ==
        "One or more parameter values were invalid: DELETE action with value is not supported "
        "for the type N");
  Result<UpdatePtr> none = FromAttributeUpdates({});
  REQUIRE(none.ok());
  CHECK(none.value() == nullptr);
  // Key attributes.
  Result<UpdatePtr> on_key = FromAttributeUpdates({{"p", put(S("new"))}});
  REQUIRE(on_key.ok());
  const std::string p = "p";
  CHECK(CheckUpdateAgainstKey(*on_key.value(), p, nullptr).error().message ==
        "One or more parameter values were invalid: Cannot update attribute p. This attribute is "
        "part of the key");
}

TEST_CASE("AttributesToGet", "[expression][legacy]") {
  Result<ProjectionPtr> r = FromAttributesToGet({"a", "b.c", "status"});
  REQUIRE(r.ok());
  const Item item{{"a", S("1")}, {"b.c", S("2")}, {"b", S("3")}, {"status", S("4")}};
  CHECK(Project(*r.value(), item) == Item{{"a", S("1")}, {"b.c", S("2")}, {"status", S("4")}});
  CHECK(r.value()->source.text == "#n0, #n1, #n2");
  CHECK(r.value()->source.names.at("#n1") == "b.c");
  CHECK(ErrorOf(FromAttributesToGet({"a", "b", "a"})) ==
        "One or more parameter values were invalid: Duplicate value in attribute name: a");
  Result<ProjectionPtr> none = FromAttributesToGet({});
  REQUIRE(none.ok());
  CHECK(none.value() == nullptr);
}

}  // namespace
}  // namespace ddbx::api::expr
