// libFuzzer target for the expression parser and evaluator (api/expression.h).
//
// The first input byte picks the expression kind (condition, key condition, update,
// projection); the rest is the expression text, parsed with a fixed set of placeholders that
// covers every value type. Nothing may crash, leak or trip a sanitizer. On top of that, these
// properties are checked (a violation aborts, which libFuzzer reports):
//   - an error always has a non-empty message that starts with DynamoDB's usual prefixes;
//   - a tree that parses prints (with generated placeholders) to text that parses again, to a
//     tree that prints to the same text: the printer and the parser agree;
//   - a parsed condition evaluates to the same answer as its reprinted twin on sample items,
//     and an update applies (or fails) the same way;
//   - projections and updates of the sample items do not crash.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "api/expression.h"
#include "api/expression_internal.h"  // the printer

namespace {

using namespace ddbx::api;        // NOLINT(google-build-using-namespace): a fuzz target's scope
using namespace ddbx::api::expr;  // NOLINT(google-build-using-namespace)

AttributeValue Num(int64_t n) { return AttributeValue::N(Number::FromInt64(n)); }

const std::map<std::string, std::string>& Names() {
  static const auto* names = new std::map<std::string, std::string>{
      {"#a", "a"}, {"#b", "b"}, {"#l", "l"}, {"#m", "m"}, {"#dot", "x.y"}, {"#k", "id"}};
  return *names;
}

const AttributeMap& Values() {
  static const auto* values = new AttributeMap{
      {":s", AttributeValue::S("abc")},
      {":e", AttributeValue::S("")},
      {":n", Num(1)},
      {":m", Num(-5)},
      {":b", AttributeValue::B("\x01\x02")},
      {":t", AttributeValue::Bool(true)},
      {":z", AttributeValue()},
      {":l", AttributeValue::L({Num(1), AttributeValue::S("x")})},
      {":map", AttributeValue::M({{"k", Num(2)}})},
      {":ss", AttributeValue::SS({"x", "y"})},
      {":ns", AttributeValue::NS({Number::FromInt64(1), Number::FromInt64(2)})},
      {":bs", AttributeValue::BS({"\x01"})},
      {":ty", AttributeValue::S("N")},
      {":big", AttributeValue::N(Number::Parse("9.9E+125").value())},
  };
  return *values;
}

const Item& SampleItem() {
  static const auto* item = new Item{
      {"id", AttributeValue::S("k")},
      {"a", AttributeValue::S("abcdef")},
      {"b", Num(3)},
      {"l", AttributeValue::L({Num(1), AttributeValue::M({{"k", Num(2)}}),
                               AttributeValue::L({AttributeValue::S("x")})})},
      {"m", AttributeValue::M({{"k", Num(2)}, {"s", AttributeValue::SS({"x"})}})},
      {"ns", AttributeValue::NS({Number::FromInt64(1)})},
      {"x.y", AttributeValue::Bool(false)},
  };
  return *item;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

template <class T>
void CheckError(const Result<T>& r) {
  if (r.ok()) return;
  const std::string& m = r.error().message;
  Check(!m.empty());
  Check(r.error().code == ErrorCode::kValidation);
}

// Tree depths: the printer may add a level of parentheses where precedence made them optional,
// so the round trip is only checked well below the parser's nesting limit, and for printed text
// within the 4 KB limit.
size_t Depth(const Operand& op) {
  size_t d = 0;
  for (const Operand& arg : op.args) d = std::max(d, Depth(arg));
  return d + 1;
}
size_t Depth(const ConditionNode& node) {
  size_t d = 0;
  for (const Operand& op : node.operands) d = std::max(d, Depth(op));
  for (const ConditionNode& child : node.children) d = std::max(d, Depth(child));
  return d + 1;
}
constexpr size_t kRoundTripDepth = 100;
bool Printable(const ExpressionSource& printed, size_t depth) {
  return printed.text.size() <= kMaxExpressionBytes && depth < kRoundTripDepth;
}

// Parses `source` again with its own placeholders.
template <class Parse>
auto Reparse(const ExpressionSource& source, Parse parse) {
  Placeholders p;
  p.names = &source.names;
  p.values = &source.values;
  auto again = parse(source.text, &p);
  Check(again.ok());
  Check(CheckPlaceholdersUsed(p).ok());
  return again;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t kind = data[0] % 4;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  Placeholders placeholders;
  placeholders.names = &Names();
  placeholders.values = &Values();
  const Item& item = SampleItem();
  const Key key{{"id", AttributeValue::S("k")}};

  switch (kind) {
    case 0: {
      Result<ConditionPtr> r = ParseCondition(text, "ConditionExpression", &placeholders);
      CheckError(r);
      if (!r.ok()) break;
      (void)CheckPlaceholdersUsed(placeholders);
      const bool on_item = EvaluateCondition(*r.value(), &item);
      const bool on_nothing = EvaluateCondition(*r.value(), nullptr);
      const std::string id = "id";
      (void)CheckFilterAgainstKey(*r.value(), id, nullptr);
      ExpressionSource printed;
      internal::PrintCondition(r.value()->root, &printed);
      if (!Printable(printed, Depth(r.value()->root))) break;
      auto again = Reparse(printed, [](std::string_view t, Placeholders* p) {
        return ParseCondition(t, "ConditionExpression", p);
      });
      ExpressionSource reprinted;
      internal::PrintCondition(again.value()->root, &reprinted);
      Check(reprinted.text == printed.text);
      Check(EvaluateCondition(*again.value(), &item) == on_item);
      Check(EvaluateCondition(*again.value(), nullptr) == on_nothing);
      break;
    }
    case 1: {
      Result<KeyConditionPtr> r = ParseKeyCondition(text, &placeholders);
      CheckError(r);
      if (!r.ok()) break;
      const std::string id = "id";
      const std::string range = "b";
      Result<KeyBounds> bounds = ResolveKeyCondition(*r.value(), id, ScalarAttributeType::kS,
                                                     &range, ScalarAttributeType::kN);
      CheckError(bounds);
      if (bounds.ok() && bounds.value().range) {
        (void)SortKeyMatches(*bounds.value().range, item.at("b"));
      }
      ExpressionSource printed;
      internal::PrintKeyConditions(r.value()->conditions, &printed);
      if (!Printable(printed, 0)) break;
      auto again = Reparse(
          printed, [](std::string_view t, Placeholders* p) { return ParseKeyCondition(t, p); });
      Check(again.value()->conditions.size() == r.value()->conditions.size());
      break;
    }
    case 2: {
      Result<UpdatePtr> r = ParseUpdate(text, &placeholders);
      CheckError(r);
      if (!r.ok()) break;
      const std::string id = "id";
      (void)CheckUpdateAgainstKey(*r.value(), id, nullptr);
      (void)UpdatedAttributes(*r.value());
      Result<Item> applied[2] = {ApplyUpdate(*r.value(), &item, key),
                                 ApplyUpdate(*r.value(), nullptr, key)};
      for (const Result<Item>& a : applied) {
        CheckError(a);
        if (a.ok()) (void)ProjectUpdated(*r.value(), a.value());
      }
      ExpressionSource printed;
      internal::PrintUpdate(r.value()->actions, false, &printed);
      size_t depth = 0;
      for (const UpdateAction& a : r.value()->actions) depth = std::max(depth, Depth(a.value));
      if (!Printable(printed, depth)) break;
      auto again =
          Reparse(printed, [](std::string_view t, Placeholders* p) { return ParseUpdate(t, p); });
      const Item* on[2] = {&item, nullptr};
      for (int i = 0; i < 2; ++i) {
        Result<Item> applied_again = ApplyUpdate(*again.value(), on[i], key);
        Check(applied[i].ok() == applied_again.ok());
        if (applied[i].ok()) Check(applied[i].value() == applied_again.value());
      }
      break;
    }
    default: {
      Result<ProjectionPtr> r = ParseProjection(text, &placeholders);
      CheckError(r);
      if (!r.ok()) break;
      ExpressionSource printed;
      internal::PrintProjection(r.value()->paths, &printed);
      if (!Printable(printed, 0)) break;
      auto again = Reparse(
          printed, [](std::string_view t, Placeholders* p) { return ParseProjection(t, p); });
      Check(Project(*r.value(), item) == Project(*again.value(), item));
      break;
    }
  }
  return 0;
}
