// Tests of the expression parser (api/expression.h): syntax, DynamoDB's semantic checks and
// their precedence, placeholders, and the trees built.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "api/expression.h"

namespace ddbx::api::expr {
namespace {

AttributeValue S(std::string s) { return AttributeValue::S(std::move(s)); }
AttributeValue N(std::string_view n) { return AttributeValue::N(Number::Parse(n).value()); }

// The placeholders most tests use: #a..#c name a..c, #st names "status", #dot names "x.y";
// :s, :t are strings, :n, :m numbers, :b binary, :l a list, :ss a string set, :bool a boolean,
// :null NULL, :map a map.
struct Env {
  std::map<std::string, std::string> names{
      {"#a", "a"}, {"#b", "b"}, {"#c", "c"}, {"#st", "status"}, {"#dot", "x.y"}};
  AttributeMap values{{":s", S("abc")},
                      {":t", S("abd")},
                      {":n", N("1")},
                      {":m", N("5")},
                      {":b", AttributeValue::B("\x01\x02")},
                      {":l", AttributeValue::L({N("1")})},
                      {":ss", AttributeValue::SS({"x"})},
                      {":ns", AttributeValue::NS({Number::FromInt64(1)})},
                      {":bool", AttributeValue::Bool(true)},
                      {":null", AttributeValue()},
                      {":map", AttributeValue::M({})},
                      {":typeS", S("S")},
                      {":typeBad", S("STRING")}};
  Placeholders placeholders() {
    Placeholders p;
    p.names = &names;
    p.values = &values;
    return p;
  }
};

template <class T>
std::string ErrorOf(const Result<T>& r) {
  return r.ok() ? std::string("<ok>") : r.error().message;
}

std::string ConditionError(std::string_view text,
                           std::string_view parameter = "ConditionExpression") {
  Env env;
  Placeholders p = env.placeholders();
  return ErrorOf(ParseCondition(text, parameter, &p));
}
std::string UpdateError(std::string_view text) {
  Env env;
  Placeholders p = env.placeholders();
  return ErrorOf(ParseUpdate(text, &p));
}
std::string ProjectionError(std::string_view text) {
  Env env;
  Placeholders p = env.placeholders();
  return ErrorOf(ParseProjection(text, &p));
}
std::string KeyConditionError(std::string_view text) {
  Env env;
  Placeholders p = env.placeholders();
  return ErrorOf(ParseKeyCondition(text, &p));
}

TEST_CASE("valid condition expressions parse", "[expression][parser]") {
  const char* valid[] = {
      "a = :s",
      "a <> :s",
      "a < :n AND b <= :n OR c > :m",
      "a >= :n",
      ":s = a",
      "a.b[3].c = :s",
      "#a.#b = :s",
      "#dot = :s",
      "a BETWEEN :n AND :m",
      "a between :n and :m",
      "a IN (:s, :t, :n)",
      "a in (:s)",
      "attribute_exists(a)",
      "attribute_not_exists(a.b)",
      "attribute_type(a, :typeS)",
      "begins_with(a, :s)",
      "contains(a, :s)",
      "size(a) > :n",
      "size(a) BETWEEN :n AND :m",
      "size(:s) = :n",
      "NOT a = :s",
      "NOT (a = :s)",
      "not attribute_exists(a)",
      "(a = :s)",
      "(a) = :s",
      "((a = :s) AND b = :t)",
      "a = :s AND (b = :t OR c = :n)",
      "  a=:s  ",
      "a\t=\n:s",
      "a = b",
      "A_1 = :s",
  };
  for (const char* text : valid) {
    INFO(text);
    CHECK(ConditionError(text) == "<ok>");
  }
}

TEST_CASE("condition syntax errors name the token and its neighbours", "[expression][parser]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"a", "Syntax error; token: \"<EOF>\", near: \"a\""},
      {"a =", "Syntax error; token: \"<EOF>\", near: \"=\""},
      {"a = ", "Syntax error; token: \"<EOF>\", near: \"= \""},
      {"= :s", "Syntax error; token: \"=\", near: \"= :s\""},
      {"a = :s AND", "Syntax error; token: \"<EOF>\", near: \"AND\""},
      {"a AND b", "Syntax error; token: \"AND\", near: \"a AND b\""},
      {"attribute_type()", "Syntax error; token: \")\", near: \"()\""},
      {"a = :s b = :t", "Syntax error; token: \"b\", near: \":s b =\""},
      {"_a = :s", "Syntax error; token: \"_\", near: \"_a\""},
      {"1a = :s", "Syntax error; token: \"1\", near: \"1a\""},
      {"a-b = :s", "Syntax error; token: \"-\", near: \"a-b\""},
      {"a = #", "Syntax error; token: \"#\", near: \"= #\""},
      {"a = :", "Syntax error; token: \":\", near: \"= :\""},
      {"a[:n] = :s", "Syntax error; token: \":n\", near: \"[:n]\""},
      {"a[] = :s", "Syntax error; token: \"]\", near: \"[] =\""},
      {"a = (b = :s)", "Syntax error; token: \"=\", near: \"b = :s\""},
      {"a BETWEEN :n", "Syntax error; token: \"<EOF>\", near: \":n\""},
      {"a IN :s", "Syntax error; token: \":s\", near: \"IN :s\""},
      {"a IN ()", "Syntax error; token: \")\", near: \"()\""},
      {"(a = :s", "Syntax error; token: \"<EOF>\", near: \":s\""},
      {"a = :s)", "Syntax error; token: \")\", near: \":s)\""},
      {"NOT", "Syntax error; token: \"<EOF>\", near: \"NOT\""},
      {"and = :s", "Syntax error; token: \"and\", near: \"and =\""},
      {"a.in = :s", "Syntax error; token: \"in\", near: \".in =\""},
      {"a = :s é", "Syntax error; token: \"é\", near: \":s é\""},
      {"a == :s", "Syntax error; token: \"=\", near: \"== :s\""},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(ConditionError(c.text) == std::string("Invalid ConditionExpression: ") + c.message);
  }
}

TEST_CASE("condition semantic errors carry DynamoDB's messages", "[expression][parser]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "The expression can not be empty;"},
      {"((a = :s))", "The expression has redundant parentheses;"},
      {"((a)) = :s", "The expression has redundant parentheses;"},
      {"NOT ((a = :s))", "The expression has redundant parentheses;"},
      {"foo(a)", "Invalid function name; function: foo"},
      {"a = foo(b)", "Invalid function name; function: foo"},
      {"ATTRIBUTE_EXISTS(a)", "Invalid function name; function: ATTRIBUTE_EXISTS"},
      {"size(a)",
       "The function is not allowed to be used this way in an expression; function: size"},
      {"a = :s AND size(a)",
       "The function is not allowed to be used this way in an expression; function: size"},
      {"attribute_exists(a) = :s",
       "The function is not allowed to be used this way in an expression; function: "
       "attribute_exists"},
      {"a IN (:s, begins_with(a, :s))",
       "The function is not allowed to be used this way in an expression; function: begins_with"},
      {"contains(attribute_type(a, :s), :s)",
       "The function is not allowed to be used this way in an expression; function: "
       "attribute_type"},
      {"status = :s", "Attribute name is a reserved keyword; reserved keyword: status"},
      {"a.Status = :s", "Attribute name is a reserved keyword; reserved keyword: Status"},
      {"#zz = :s",
       "An expression attribute name used in the document path is not defined; attribute name: "
       "#zz"},
      {"a = :zz",
       "An expression attribute value used in expression is not defined; attribute value: :zz"},
      {"size(a, b) = :n",
       "Incorrect number of operands for operator or function; operator or function: size, "
       "number of operands: 2"},
      {"attribute_exists(a, b)",
       "Incorrect number of operands for operator or function; operator or function: "
       "attribute_exists, number of operands: 2"},
      {"begins_with(a)",
       "Incorrect number of operands for operator or function; operator or function: "
       "begins_with, number of operands: 1"},
      {"contains(a, :s, :t)",
       "Incorrect number of operands for operator or function; operator or function: contains, "
       "number of operands: 3"},
      {"a = a",
       "The first operand must be distinct from the remaining operands for this operator or "
       "function; operator: =, first operand: [a]"},
      {"a.b[1] <> #a.b[1]",
       "The first operand must be distinct from the remaining operands for this operator or "
       "function; operator: <>, first operand: [a, b, [1]]"},
      {"begins_with(a, a)",
       "The first operand must be distinct from the remaining operands for this operator or "
       "function; operator: begins_with, first operand: [a]"},
      {"attribute_exists(:s)",
       "Operator or function requires a document path; operator or function: attribute_exists"},
      {"attribute_not_exists(size(a))",
       "Operator or function requires a document path; operator or function: "
       "attribute_not_exists"},
      {"begins_with(a, :n)",
       "Incorrect operand type for operator or function; operator or function: begins_with, "
       "operand type: N"},
      {"begins_with(size(a), :s)",
       "Incorrect operand type for operator or function; operator or function: begins_with, "
       "operand type: N"},
      {"attribute_type(a, :n)",
       "Incorrect operand type for operator or function; operator or function: attribute_type, "
       "operand type: N"},
      {"attribute_type(a, b)",
       "Incorrect operand type for operator or function; operator or function: attribute_type, "
       "operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
      {"attribute_type(a, :typeBad)",
       "Invalid attribute type name found; type: STRING, valid types: "
       "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
      {"size(:n) = :n",
       "Incorrect operand type for operator or function; operator or function: size, operand "
       "type: N"},
      {"size(:bool) = :n",
       "Incorrect operand type for operator or function; operator or function: size, operand "
       "type: BOOL"},
      {"size(size(a)) = :n",
       "Incorrect operand type for operator or function; operator or function: size, operand "
       "type: N"},
      {"a BETWEEN :n AND :s",
       "The BETWEEN operator requires same data type for lower and upper bounds; lower bound "
       "operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:abc}"},
      {"a BETWEEN :m AND :n",
       "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
       "lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"},
      {"a BETWEEN :t AND :s",
       "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
       "lower bound operand: AttributeValue: {S:abd}, upper bound operand: AttributeValue: "
       "{S:abc}"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(ConditionError(c.text) == std::string("Invalid ConditionExpression: ") + c.message);
  }
}

TEST_CASE("condition errors follow DynamoDB's precedence", "[expression][parser]") {
  // Redundant parentheses first, then unknown functions, misused functions, reserved words and
  // the first leaf's own problems.
  CHECK(ConditionError("((foo(a)))") ==
        "Invalid ConditionExpression: The expression has redundant parentheses;");
  CHECK(ConditionError("status = :s AND foo(a)") ==
        "Invalid ConditionExpression: Invalid function name; function: foo");
  CHECK(ConditionError("status = :zz AND size(a)") ==
        "Invalid ConditionExpression: The function is not allowed to be used this way in an "
        "expression; function: size");
  CHECK(ConditionError("a = :zz AND status = :s") ==
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
        "status");
  // Within the leaves, the first leaf with a problem wins; within a leaf, undefined
  // placeholders come before operand counts, distinctness and types.
  CHECK(ConditionError("begins_with(a, :n) AND b = :zz") ==
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator "
        "or function: begins_with, operand type: N");
  CHECK(ConditionError("begins_with(a, :zz, :n)") ==
        "Invalid ConditionExpression: An expression attribute value used in expression is not "
        "defined; attribute value: :zz");
  CHECK(ConditionError("begins_with(a, a, :n)") ==
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
        "operator or function: begins_with, number of operands: 3");
}

TEST_CASE("the parameter name prefixes every message", "[expression][parser]") {
  CHECK(ConditionError("", "FilterExpression") ==
        "Invalid FilterExpression: The expression can not be empty;");
  CHECK(ConditionError("a =", "FilterExpression") ==
        "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"=\"");
}

TEST_CASE("expressions longer than 4 KB are refused", "[expression][parser]") {
  std::string text = "a = :s";
  text.append(kMaxExpressionBytes - text.size(), ' ');
  CHECK(ConditionError(text) == "<ok>");
  text += ' ';
  CHECK(ConditionError(text) ==
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
        "expression size: 4097");
  CHECK(UpdateError(std::string(5000, ' ')) ==
        "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; "
        "expression size: 5000");
  CHECK(ProjectionError(std::string(5000, 'a')) ==
        "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; "
        "expression size: 5000");
  // The limit counts bytes, not characters.
  std::string wide = "a = :s";
  while (wide.size() + 2 <= kMaxExpressionBytes) wide += "\xc3\xa9";
  CHECK(ConditionError(wide).find("maximum allowed size") == std::string::npos);
  wide += "\xc3\xa9";
  CHECK(ConditionError(wide).find("maximum allowed size") != std::string::npos);
}

TEST_CASE("IN takes at most 100 operands", "[expression][parser]") {
  std::string text = "a IN (:s";
  for (int i = 1; i < 100; ++i) text += ", :s";
  CHECK(ConditionError(text + ")") == "<ok>");
  CHECK(ConditionError(text + ", :s)") ==
        "Invalid ConditionExpression: The IN operator is provided with too many operands; number "
        "of operands: 101");
}

TEST_CASE("at most 300 operators; deep nesting within 4 KB is parsed", "[expression][parser]") {
  // 900 levels of parentheses: DynamoDB's answer.
  std::string parens(900, '(');
  parens += "a<:s";
  parens.append(900, ')');
  CHECK(ConditionError(parens) ==
        "Invalid ConditionExpression: The expression has redundant parentheses;");
  // Past 1,000 levels, a syntax error at the token that goes deeper (DynamoDB: redundant
  // parentheses here too; both are ValidationExceptions).
  std::string deeper(2046, '(');
  deeper += "a<:s";
  deeper.append(2046, ')');
  CHECK(ConditionError(deeper).starts_with(
      "Invalid ConditionExpression: Syntax error; token: \"(\""));
  CHECK(ConditionError(std::string(4096, '('))
            .starts_with("Invalid ConditionExpression: Syntax error; token: \"(\""));
  CHECK(ConditionError(std::string(900, '(')) ==
        "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"(\"");
  // Comparators, AND, OR, NOT, BETWEEN and IN count; parentheses and functions do not.
  auto chain = [](int depth) {
    std::string c = "a<b";
    for (int i = 0; i < depth; ++i) c += " or (a<b";
    c.append(static_cast<size_t>(depth), ')');
    return c;
  };
  CHECK(ConditionError(chain(149)) == "<ok>");  // 299 operators
  CHECK(ConditionError(chain(150)) ==
        "Invalid ConditionExpression: The expression contains too many operators; operator "
        "count: 301");
  // DynamoDB stops counting at 301.
  CHECK(ConditionError(chain(454)) ==
        "Invalid ConditionExpression: The expression contains too many operators; operator "
        "count: 301");
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "not ";
  CHECK(ConditionError(nots + "a<:s") ==
        "Invalid ConditionExpression: The expression contains too many operators; operator "
        "count: 301");
  std::string between;
  for (int i = 0; i < 151; ++i) between += "a BETWEEN :n AND :m AND ";
  CHECK(ConditionError(between + "attribute_exists(a)") ==
        "Invalid ConditionExpression: The expression contains too many operators; operator "
        "count: 301");
  // 900 nested calls of an unknown function: not operators.
  std::string calls = "a < ";
  for (int i = 0; i < 900; ++i) calls += "f(";
  calls += "b";
  calls.append(900, ')');
  CHECK(ConditionError(calls) == "Invalid ConditionExpression: Invalid function name; function: f");
  std::string sizes = "a < ";
  for (int i = 0; i < 680; ++i) sizes += "size(";
  sizes += "b";
  sizes.append(680, ')');
  CHECK(ConditionError(sizes) ==
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator "
        "or function: size, operand type: N");
  // Updates count + - and functions.
  std::string sets = "SET ";
  for (int i = 0; i < 300; ++i) sets += "a" + std::to_string(i) + "=:n+:m,";
  CHECK(UpdateError(sets + "z = :n") == "<ok>");
  CHECK(UpdateError(sets + "z = if_not_exists(z, :n)") ==
        "Invalid UpdateExpression: The expression contains too many operators; operator count: "
        "301");
}

TEST_CASE("condition trees", "[expression][parser]") {
  Env env;
  Placeholders p = env.placeholders();
  Result<ConditionPtr> r =
      ParseCondition("a = :s OR b < :n AND NOT c.d[2] IN (:t, :m)", "ConditionExpression", &p);
  REQUIRE(r.ok());
  const ConditionNode& root = r.value()->root;
  // AND binds tighter than OR; NOT tighter than AND.
  REQUIRE(root.kind == ConditionKind::kOr);
  CHECK(root.children[0].kind == ConditionKind::kCompare);
  CHECK(root.children[0].comparator == Comparator::kEq);
  const ConditionNode& conj = root.children[1];
  REQUIRE(conj.kind == ConditionKind::kAnd);
  CHECK(conj.children[0].comparator == Comparator::kLt);
  REQUIRE(conj.children[1].kind == ConditionKind::kNot);
  const ConditionNode& in = conj.children[1].children[0];
  REQUIRE(in.kind == ConditionKind::kIn);
  REQUIRE(in.operands.size() == 3);
  CHECK(PathToString(in.operands[0].path) == "[c, d, [2]]");
  CHECK(in.operands[1].value == S("abd"));
  CHECK(in.operands[2].value == N("5"));
  // Left-associative chains.
  r = ParseCondition("a = :s AND b = :s AND c = :s", "ConditionExpression", &p);
  REQUIRE(r.ok());
  CHECK(r.value()->root.kind == ConditionKind::kAnd);
  CHECK(r.value()->root.children[0].kind == ConditionKind::kAnd);
  CHECK(r.value()->root.children[1].kind == ConditionKind::kCompare);
  // Keywords are case-insensitive, and "NOT a = b" negates the comparison.
  r = ParseCondition("not a = :s or b = :s", "ConditionExpression", &p);
  REQUIRE(r.ok());
  CHECK(r.value()->root.kind == ConditionKind::kOr);
  CHECK(r.value()->root.children[0].kind == ConditionKind::kNot);
  // A placeholder name is one path element, dots and all.
  r = ParseCondition("#dot.#a = :s", "ConditionExpression", &p);
  REQUIRE(r.ok());
  const Path& path = r.value()->root.operands[0].path;
  REQUIRE(path.elements.size() == 2);
  CHECK(path.elements[0].name == "x.y");
  CHECK(path.elements[1].name == "a");
  // size() of a path is a kSize operand.
  r = ParseCondition("size(a.b) >= :n", "ConditionExpression", &p);
  REQUIRE(r.ok());
  CHECK(r.value()->root.operands[0].kind == OperandKind::kSize);
  CHECK(PathToString(r.value()->root.operands[0].path) == "[a, b]");
}

TEST_CASE("sources keep the text and the placeholders used", "[expression][parser]") {
  Env env;
  Placeholders p = env.placeholders();
  Result<ConditionPtr> r = ParseCondition("#a = :s AND #a <> :t", "ConditionExpression", &p);
  REQUIRE(r.ok());
  const ExpressionSource& source = r.value()->source;
  CHECK(source.text == "#a = :s AND #a <> :t");
  CHECK(source.names == std::map<std::string, std::string>{{"#a", "a"}});
  CHECK(source.values.size() == 2);
  CHECK(source.values.at(":s") == S("abc"));
  CHECK_FALSE(source.legacy);
  CHECK(p.used_names == std::set<std::string>{"#a"});
  CHECK(p.used_values == std::set<std::string>{":s", ":t"});
}

TEST_CASE("CheckPlaceholdersUsed reports unused names, then values", "[expression][parser]") {
  std::map<std::string, std::string> names{{"#a", "a"}, {"#b", "b"}, {"#c", "c"}};
  AttributeMap values{{":x", S("1")}, {":y", S("2")}};
  Placeholders p;
  p.names = &names;
  p.values = &values;
  REQUIRE(ParseCondition("#a = :x", "ConditionExpression", &p).ok());
  Status s = CheckPlaceholdersUsed(p);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}");
  // Several expressions of one request share the placeholders.
  REQUIRE(ParseUpdate("SET #b = :y, #c = :y", &p).ok());
  CHECK(CheckPlaceholdersUsed(p).ok());
  Placeholders q;
  q.values = &values;
  REQUIRE(ParseUpdate("SET a = :x", &q).ok());
  s = CheckPlaceholdersUsed(q);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}");
  // No maps at all: nothing to report; a placeholder then is undefined.
  Placeholders none;
  CHECK(CheckPlaceholdersUsed(none).ok());
  CHECK(ErrorOf(ParseCondition("#a = :x", "ConditionExpression", &none)) ==
        "Invalid ConditionExpression: An expression attribute name used in the document path is "
        "not defined; attribute name: #a");
}

TEST_CASE("valid update expressions parse", "[expression][parser]") {
  const char* valid[] = {
      "SET a = :s",
      "set a = :s, b = :n",
      "sEt a=:s",
      "SET a = b",
      "SET a = a",
      "SET a.b[2].c = :s",
      "SET a = :n + :m",
      "SET a = a - :n",
      "SET a = (:n + b)",
      "SET a = if_not_exists(a, :n)",
      "SET a = if_not_exists(a, :n) + :m",
      "SET a = list_append(a, :l)",
      "SET a = list_append(if_not_exists(a, :l), :l)",
      "SET a = if_not_exists(b, if_not_exists(c, :n))",
      "REMOVE a",
      "REMOVE a, b.c, d[3]",
      "ADD a :n",
      "ADD a :ss, b :ns",
      "DELETE a :ss",
      "SET a = :s REMOVE b ADD c :n DELETE d :ss",
      "REMOVE b SET a = b",
      "SET a.b = :s, a.c = :s",
      "SET a[1] = :s, a[2] = :s",
      "SET #dot = :s",
  };
  for (const char* text : valid) {
    INFO(text);
    CHECK(UpdateError(text) == "<ok>");
  }
}

TEST_CASE("update expression errors", "[expression][parser]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "The expression can not be empty;"},
      {"SET", "Syntax error; token: \"<EOF>\", near: \"SET\""},
      {"HELLO a = :s", "Syntax error; token: \"HELLO\", near: \"HELLO a\""},
      {"SET _123 = :s", "Syntax error; token: \"_\", near: \"SET _123\""},
      {"SET a = :s + :n + :m", "Syntax error; token: \"+\", near: \":n + :m\""},
      {"SET c = if_not_exists(c, :n+:m)", "Syntax error; token: \"+\", near: \":n+:m\""},
      {"SET a = (:s + :n) - :m", "Syntax error; token: \"-\", near: \") - :m\""},
      {"SET a = :s + (:n - :m)", "Syntax error; token: \"-\", near: \":n - :m\""},
      {"SET :s = :t", "Syntax error; token: \":s\", near: \"SET :s =\""},
      {"SET a[:n] = :s", "Syntax error; token: \":n\", near: \"[:n]\""},
      {"SET a = :s,", "Syntax error; token: \"<EOF>\", near: \",\""},
      {"ADD a b", "Syntax error; token: \"b\", near: \"a b\""},
      {"REMOVE a = :s", "Syntax error; token: \"=\", near: \"a = :s\""},
      {"SET a = :s SET b = :t",
       "The \"SET\" section can only be used once in an update expression;"},
      {"SET a = :s REMOVE b set c = :t",
       "The \"SET\" section can only be used once in an update expression;"},
      {"REMOVE a remove b",
       "The \"REMOVE\" section can only be used once in an update expression;"},
      {"SET status = :s", "Attribute name is a reserved keyword; reserved keyword: status"},
      {"SET a = f(b, c)", "Invalid function name; function: f"},
      {"SET a = LIST_APPEND(:l, :l)", "Invalid function name; function: LIST_APPEND"},
      {"SET a = size(b)", "Invalid function name; function: size"},
      {"SET #zz = :s",
       "An expression attribute name used in the document path is not defined; attribute name: "
       "#zz"},
      {"SET a = :zz",
       "An expression attribute value used in expression is not defined; attribute value: :zz"},
      {"SET a = :s REMOVE a",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; "
       "path one: [a], path two: [a]"},
      {"SET a.b = :s, a = :t",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; "
       "path one: [a, b], path two: [a]"},
      {"SET a[1][1] = :s, a[1] = :t",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; "
       "path one: [a, [1], [1]], path two: [a, [1]]"},
      {"SET #a = :s, a = :t",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; "
       "path one: [a], path two: [a]"},
      {"SET a.b = :s, a[1] = :t",
       "Two document paths conflict with each other; must remove or rewrite one of these paths; "
       "path one: [a, b], path two: [a, [1]]"},
      {"ADD a :s",
       "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
      {"ADD a :l",
       "Incorrect operand type for operator or function; operator: ADD, operand type: LIST"},
      {"ADD a :map",
       "Incorrect operand type for operator or function; operator: ADD, operand type: MAP"},
      {"ADD a :bool",
       "Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN"},
      {"ADD a :null",
       "Incorrect operand type for operator or function; operator: ADD, operand type: NULL"},
      {"ADD a :b",
       "Incorrect operand type for operator or function; operator: ADD, operand type: BINARY"},
      {"DELETE a :n",
       "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
      {"DELETE a :s",
       "Incorrect operand type for operator or function; operator: DELETE, operand type: STRING"},
      {"SET a = list_append(:l)",
       "Incorrect number of operands for operator or function; operator or function: "
       "list_append, number of operands: 1"},
      {"SET a = if_not_exists(a, :s, :t)",
       "Incorrect number of operands for operator or function; operator or function: "
       "if_not_exists, number of operands: 3"},
      {"SET a = if_not_exists(:s, :t)",
       "Operator or function requires a document path; operator or function: if_not_exists"},
      {"SET a = if_not_exists(if_not_exists(a, :s), :t)",
       "Operator or function requires a document path; operator or function: if_not_exists"},
      {"SET a = list_append(:l, :s)",
       "Incorrect operand type for operator or function; operator or function: list_append, "
       "operand type: S"},
      {"SET a = list_append(list_append(:l, :l), :l)",
       "The function is not allowed to be used this way in an expression; function: "
       "list_append"},
      {"SET a = :s + :n",
       "Incorrect operand type for operator or function; operator or function: +, operand type: "
       "S"},
      {"SET a = :n - :l",
       "Incorrect operand type for operator or function; operator or function: -, operand type: "
       "L"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(UpdateError(c.text) == std::string("Invalid UpdateExpression: ") + c.message);
  }
  // Precedence: reserved words before unknown functions, sections, placeholders, paths,
  // operands and functions.
  CHECK(UpdateError("SET a = f(b) SET status = :zz") ==
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
        "status");
  CHECK(UpdateError("SET a = :zz SET b = f(c)") ==
        "Invalid UpdateExpression: Invalid function name; function: f");
  CHECK(UpdateError("SET a = :zz, #zz = :s") ==
        "Invalid UpdateExpression: An expression attribute name used in the document path is not "
        "defined; attribute name: #zz");
  CHECK(UpdateError("ADD a :s REMOVE a") ==
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
        "rewrite one of these paths; path one: [a], path two: [a]");
  CHECK(UpdateError("SET a.b = :s, a[1] = :t, c = :s REMOVE c") ==
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
        "rewrite one of these paths; path one: [c], path two: [c]");
}

TEST_CASE("update trees", "[expression][parser]") {
  Env env;
  Placeholders p = env.placeholders();
  Result<UpdatePtr> r = ParseUpdate(
      "ADD n :n SET a = if_not_exists(a, :n) + :m, b = list_append(:l, b) REMOVE c[1] DELETE d "
      ":ss",
      &p);
  REQUIRE(r.ok());
  const std::vector<UpdateAction>& actions = r.value()->actions;
  REQUIRE(actions.size() == 5);
  CHECK(actions[0].kind == UpdateActionKind::kAdd);
  CHECK(actions[0].value.value == N("1"));
  CHECK(actions[1].kind == UpdateActionKind::kSet);
  CHECK(actions[1].value.kind == OperandKind::kPlus);
  CHECK(actions[1].value.args[0].kind == OperandKind::kIfNotExists);
  CHECK(PathToString(actions[1].value.args[0].path) == "[a]");
  CHECK(actions[1].value.args[0].args[0].value == N("1"));
  CHECK(actions[2].value.kind == OperandKind::kListAppend);
  CHECK(actions[2].value.args[1].kind == OperandKind::kPath);
  CHECK(actions[3].kind == UpdateActionKind::kRemove);
  CHECK(PathToString(actions[3].path) == "[c, [1]]");
  CHECK(actions[4].kind == UpdateActionKind::kDelete);
  CHECK_FALSE(r.value()->legacy_add);
  CHECK(UpdatedAttributes(*r.value()) == std::vector<std::string>{"n", "a", "b", "c", "d"});
}

TEST_CASE("projection expressions", "[expression][parser]") {
  Env env;
  Placeholders p = env.placeholders();
  Result<ProjectionPtr> r = ParseProjection(" e , b.c[2] ,#dot,#a.d", &p);
  REQUIRE(r.ok());
  const std::vector<Path>& paths = r.value()->paths;
  REQUIRE(paths.size() == 4);
  CHECK(PathToString(paths[1]) == "[b, c, [2]]");
  CHECK(paths[2].attribute() == "x.y");
  CHECK(PathToString(paths[3]) == "[a, d]");
  CHECK(p.used_names == std::set<std::string>{"#a", "#dot"});

  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "The expression can not be empty;"},
      {"a,", "Syntax error; token: \"<EOF>\", near: \",\""},
      {",a", "Syntax error; token: \",\", near: \",a\""},
      {"a,,b", "Syntax error; token: \",\", near: \",,b\""},
      {"l[a]", "Syntax error; token: \"a\", near: \"[a]\""},
      {"a b", "Syntax error; token: \"b\", near: \"a b\""},
      {"a = :s", "Syntax error; token: \"=\", near: \"a = :s\""},
      {"comment", "Attribute name is a reserved keyword; reserved keyword: comment"},
      {"a, #zz",
       "An expression attribute name used in the document path is not defined; attribute name: "
       "#zz"},
      {"a, a",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; "
       "path one: [a], path two: [a]"},
      {"a.b, a.b[2]",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; "
       "path one: [a, b], path two: [a, b, [2]]"},
      {"a.b.d.e, a.b",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; "
       "path one: [a, b, d, e], path two: [a, b]"},
      {"a.b, a[1]",
       "Two document paths conflict with each other; must remove or rewrite one of these paths; "
       "path one: [a, b], path two: [a, [1]]"},
      {"#zz, status", "Attribute name is a reserved keyword; reserved keyword: status"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(ProjectionError(c.text) == std::string("Invalid ProjectionExpression: ") + c.message);
  }
  for (const char* fine :
       {"a, b", "a.b, a.c", "a.b.d, a.b.e", "a[1], a[2]", "a.b, a.c[2]", "and, or"}) {
    INFO(fine);
    CHECK(ProjectionError(fine) ==
          (std::string_view(fine) == "and, or"
               ? "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
                 "keyword: and"
               : "<ok>"));
  }
}

TEST_CASE("key condition expressions", "[expression][parser]") {
  Env env;
  Placeholders p = env.placeholders();
  Result<KeyConditionPtr> r = ParseKeyCondition("#a = :s AND b BETWEEN :n AND :m", &p);
  REQUIRE(r.ok());
  const std::vector<KeyCondition>& conditions = r.value()->conditions;
  REQUIRE(conditions.size() == 2);
  CHECK(conditions[0].attribute == "a");
  CHECK(conditions[0].op == KeyOperator::kEq);
  CHECK(conditions[0].values == std::vector<AttributeValue>{S("abc")});
  CHECK(conditions[1].op == KeyOperator::kBetween);
  CHECK(conditions[1].values == std::vector<AttributeValue>{N("1"), N("5")});
  CHECK(r.value()->source.text == "#a = :s AND b BETWEEN :n AND :m");

  // A value on the left flips the operator.
  struct Flip {
    const char* text;
    KeyOperator op;
  };
  for (const Flip& f : {Flip{":n < b", KeyOperator::kGt}, Flip{":n <= b", KeyOperator::kGe},
                        Flip{":n > b", KeyOperator::kLt}, Flip{":n >= b", KeyOperator::kLe},
                        Flip{":n = b", KeyOperator::kEq}, Flip{"b < :n", KeyOperator::kLt},
                        Flip{"begins_with(b, :s)", KeyOperator::kBeginsWith}}) {
    INFO(f.text);
    r = ParseKeyCondition(f.text, &p);
    REQUIRE(r.ok());
    CHECK(r.value()->conditions[0].op == f.op);
    CHECK(r.value()->conditions[0].attribute == "b");
  }

  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "Invalid KeyConditionExpression: The expression can not be empty;"},
      {"a =", "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""},
      {"a = :zz",
       "Invalid KeyConditionExpression: An expression attribute value used in expression is not "
       "defined; attribute value: :zz"},
      {"a = :s OR b = :s", "Invalid operator used in KeyConditionExpression: OR"},
      {"NOT a = :s", "Invalid operator used in KeyConditionExpression: NOT"},
      {"a IN (:s)", "Invalid operator used in KeyConditionExpression: IN"},
      {"a <> :s", "Invalid operator used in KeyConditionExpression: <>"},
      {"a = :s AND attribute_exists(b)",
       "Invalid operator used in KeyConditionExpression: attribute_exists"},
      {"contains(a, :s)", "Invalid operator used in KeyConditionExpression: contains"},
      {"size(a) = :n", "KeyConditionExpressions cannot contain nested operations"},
      {":n BETWEEN a AND :m",
       "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
       "attribute as its first operand"},
      {"begins_with(:s, a)",
       "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
       "attribute as its first operand"},
      {"a = b",
       "Invalid condition in KeyConditionExpression: Multiple attribute names used in "
       "one condition"},
      {"a.b = :s", "KeyConditionExpressions cannot have conditions on nested attributes"},
      {":s = :t", "Invalid condition in KeyConditionExpression: No key attribute specified"},
      {"a = :s AND a = :t", "KeyConditionExpressions must only contain one condition per key"},
      {"a = :s AND b = :s AND c = :s", "Conditions can be of length 1 or 2 only"},
      {"a = :s AND b < :l",
       "One or more parameter values were invalid: ComparisonOperator LT is not valid for L "
       "AttributeValue type"},
      {"begins_with(a, :n)",
       "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
       "operator or function: begins_with, operand type: N"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(KeyConditionError(c.text) == c.message);
  }
}

}  // namespace
}  // namespace ddbx::api::expr
