// Translators from the legacy parameters (Expected, QueryFilter, ScanFilter, KeyConditions,
// AttributeUpdates, AttributesToGet) to the expression trees.
//
// The validation order and messages are DynamoDB's as dynalite records them
// (validations/index.js: validateAttributeConditions, validateConditions; validations/
// updateItem.js; validations/query.js), with DynamoDB's documented operand types
// (API reference, "Condition" and "ExpectedAttributeValue"): EQ and NE take any type, CONTAINS
// and NOT_CONTAINS take S, N or B, BEGINS_WITH S or B, and LT LE GT GE IN BETWEEN take S, N or
// B. The translation of each operator:
//   EQ a = v   NE a <> v   LT/LE/GT/GE   NOT_NULL attribute_exists(a)   NULL
//   attribute_not_exists(a)   CONTAINS contains(a, v)   NOT_CONTAINS attribute_exists(a) AND
//   NOT contains(a, v) (false for a missing attribute, unlike NOT contains)   BEGINS_WITH
//   begins_with(a, v)   IN a IN (v, ...)   BETWEEN a BETWEEN v1 AND v2
// Legacy attribute names are always whole top-level names (dots and all).
#include <algorithm>

#include "api/expression.h"
#include "api/expression_internal.h"

namespace ddbx::api::expr {
namespace {

constexpr std::string_view kInvalid = "One or more parameter values were invalid: ";

Error Invalid(std::string_view message) {
  std::string text(kInvalid);
  text.append(message);
  return Error::Validation(std::move(text));
}

constexpr std::string_view kOperatorNames[] = {
    "EQ",   "NE",       "LE",           "LT",          "GE", "GT",     "NOT_NULL",
    "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"};

// How many values each operator takes: exactly `min` (max == min), or at least `min` (max 0).
struct Arity {
  size_t min;
  size_t max;
};
Arity ArityOf(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kNotNull:
    case ComparisonOperator::kNull:
      return {0, 0};
    case ComparisonOperator::kIn:
      return {1, SIZE_MAX};
    case ComparisonOperator::kBetween:
      return {2, 2};
    default:
      return {1, 1};
  }
}

bool TypeAllowed(ComparisonOperator op, AttributeType type) {
  const bool scalar =
      type == AttributeType::kS || type == AttributeType::kN || type == AttributeType::kB;
  switch (op) {
    case ComparisonOperator::kEq:
    case ComparisonOperator::kNe:
      return true;
    case ComparisonOperator::kBeginsWith:
      return type == AttributeType::kS || type == AttributeType::kB;
    default:
      return scalar;
  }
}

// validateConditions' checks for one entry's values, in its order.
std::optional<Error> CheckValues(ComparisonOperator op, const std::vector<AttributeValue>& values) {
  const Arity arity = ArityOf(op);
  if (values.size() < arity.min || values.size() > arity.max) {
    return Invalid("Invalid number of argument(s) for the " +
                   std::string(ComparisonOperatorName(op)) + " ComparisonOperator");
  }
  for (const AttributeValue& v : values) {
    if (v.type() != values.front().type()) {
      return Invalid("AttributeValues inside AttributeValueList must be of same type");
    }
  }
  for (const AttributeValue& v : values) {
    if (!TypeAllowed(op, v.type())) {
      return Invalid("ComparisonOperator " + std::string(ComparisonOperatorName(op)) +
                     " is not valid for " + std::string(AttributeTypeName(v.type())) +
                     " AttributeValue type");
    }
  }
  if (op == ComparisonOperator::kBetween) {
    const std::optional<int> order = CompareScalars(values[0], values[1]);
    if (order && *order > 0) {
      return Error::Validation(
          "The BETWEEN condition was provided a range where the lower bound is greater than the "
          "upper bound");
    }
  }
  return std::nullopt;
}

Operand PathOperand(const std::string& attribute) {
  Operand op;
  op.kind = OperandKind::kPath;
  op.path.elements.push_back(PathElement{attribute, 0, false});
  return op;
}

Operand ValueOperand(const AttributeValue& value) {
  Operand op;
  op.kind = OperandKind::kValue;
  op.value = value;
  return op;
}

ConditionNode Leaf(ConditionKind kind, const std::string& attribute,
                   const std::vector<AttributeValue>& values) {
  ConditionNode node;
  node.kind = kind;
  node.operands.push_back(PathOperand(attribute));
  for (const AttributeValue& v : values) node.operands.push_back(ValueOperand(v));
  return node;
}

ConditionNode Compare(Comparator comparator, const std::string& attribute,
                      const AttributeValue& value) {
  ConditionNode node = Leaf(ConditionKind::kCompare, attribute, {value});
  node.comparator = comparator;
  return node;
}

ConditionNode Combine(ConditionKind kind, ConditionNode left, ConditionNode right) {
  ConditionNode node;
  node.kind = kind;
  node.children.push_back(std::move(left));
  node.children.push_back(std::move(right));
  return node;
}

// One legacy condition as a tree. REQUIRES: CheckValues passed.
ConditionNode Translate(ComparisonOperator op, const std::string& attribute,
                        const std::vector<AttributeValue>& values) {
  switch (op) {
    case ComparisonOperator::kEq:
      return Compare(Comparator::kEq, attribute, values[0]);
    case ComparisonOperator::kNe:
      return Compare(Comparator::kNe, attribute, values[0]);
    case ComparisonOperator::kLe:
      return Compare(Comparator::kLe, attribute, values[0]);
    case ComparisonOperator::kLt:
      return Compare(Comparator::kLt, attribute, values[0]);
    case ComparisonOperator::kGe:
      return Compare(Comparator::kGe, attribute, values[0]);
    case ComparisonOperator::kGt:
      return Compare(Comparator::kGt, attribute, values[0]);
    case ComparisonOperator::kNotNull:
      return Leaf(ConditionKind::kAttributeExists, attribute, {});
    case ComparisonOperator::kNull:
      return Leaf(ConditionKind::kAttributeNotExists, attribute, {});
    case ComparisonOperator::kContains:
      return Leaf(ConditionKind::kContains, attribute, values);
    case ComparisonOperator::kNotContains: {
      ConditionNode negated;
      negated.kind = ConditionKind::kNot;
      negated.children.push_back(Leaf(ConditionKind::kContains, attribute, values));
      return Combine(ConditionKind::kAnd, Leaf(ConditionKind::kAttributeExists, attribute, {}),
                     std::move(negated));
    }
    case ComparisonOperator::kBeginsWith:
      return Leaf(ConditionKind::kBeginsWith, attribute, values);
    case ComparisonOperator::kIn:
      return Leaf(ConditionKind::kIn, attribute, values);
    case ComparisonOperator::kBetween:
      return Leaf(ConditionKind::kBetween, attribute, values);
  }
  return ConditionNode{};
}

ConditionPtr MakeCondition(std::vector<ConditionNode> nodes,
                           std::optional<ConditionalOperator> conditional_operator) {
  auto condition = std::make_shared<ConditionExpression>();
  const ConditionKind kind =
      conditional_operator == ConditionalOperator::kOr ? ConditionKind::kOr : ConditionKind::kAnd;
  ConditionNode root = std::move(nodes[0]);
  for (size_t i = 1; i < nodes.size(); ++i) {
    root = Combine(kind, std::move(root), std::move(nodes[i]));
  }
  condition->root = std::move(root);
  condition->source.legacy = true;
  internal::PrintCondition(condition->root, &condition->source);
  return condition;
}

std::optional<KeyOperator> KeyOperatorOf(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kEq:
      return KeyOperator::kEq;
    case ComparisonOperator::kLt:
      return KeyOperator::kLt;
    case ComparisonOperator::kLe:
      return KeyOperator::kLe;
    case ComparisonOperator::kGt:
      return KeyOperator::kGt;
    case ComparisonOperator::kGe:
      return KeyOperator::kGe;
    case ComparisonOperator::kBetween:
      return KeyOperator::kBetween;
    case ComparisonOperator::kBeginsWith:
      return KeyOperator::kBeginsWith;
    default:
      return std::nullopt;
  }
}

ComparisonOperator ComparisonOf(KeyOperator op) {
  switch (op) {
    case KeyOperator::kEq:
      return ComparisonOperator::kEq;
    case KeyOperator::kLt:
      return ComparisonOperator::kLt;
    case KeyOperator::kLe:
      return ComparisonOperator::kLe;
    case KeyOperator::kGt:
      return ComparisonOperator::kGt;
    case KeyOperator::kGe:
      return ComparisonOperator::kGe;
    case KeyOperator::kBetween:
      return ComparisonOperator::kBetween;
    case KeyOperator::kBeginsWith:
      return ComparisonOperator::kBeginsWith;
  }
  return ComparisonOperator::kEq;
}

// The constraint error for an entry without a ComparisonOperator (the request decoder normally
// reports it first).
Error MissingOperator(std::string_view member, std::string_view attribute) {
  std::string text = "1 validation error detected: Value null at '";
  text.append(member);
  text += '.';
  text.append(attribute);
  text += ".member.comparisonOperator' failed to satisfy constraint: Member must not be null";
  return Error::Validation(std::move(text));
}

constexpr std::string_view kConditionCount = "Conditions can be of length 1 or 2 only";

}  // namespace

std::optional<Error> internal::CheckKeyConditionValues(
    const std::vector<KeyCondition>& conditions) {
  for (const KeyCondition& c : conditions) {
    if (std::optional<Error> e = CheckValues(ComparisonOf(c.op), c.values)) return e;
  }
  if (conditions.empty() || conditions.size() > 2) {
    return Error::Validation(std::string(kConditionCount));
  }
  return std::nullopt;
}

std::optional<ComparisonOperator> ComparisonOperatorFromName(std::string_view name) {
  for (size_t i = 0; i < std::size(kOperatorNames); ++i) {
    if (kOperatorNames[i] == name) return static_cast<ComparisonOperator>(i);
  }
  return std::nullopt;
}

std::string_view ComparisonOperatorName(ComparisonOperator op) {
  return kOperatorNames[static_cast<size_t>(op)];
}

Result<ConditionPtr> FromExpected(
    const std::vector<std::pair<std::string, ExpectedAttributeValue>>& expected,
    std::optional<ConditionalOperator> conditional_operator) {
  if (expected.empty()) return ConditionPtr();
  std::vector<ConditionNode> nodes;
  nodes.reserve(expected.size());
  for (const auto& [attribute, e] : expected) {
    const std::string for_attribute = " for Attribute: " + attribute;
    if (e.attribute_value_list && e.value) {
      return Invalid("Value and AttributeValueList cannot be used together" + for_attribute);
    }
    if (e.comparison_operator) {
      const ComparisonOperator op = *e.comparison_operator;
      if (e.exists) {
        return Invalid("Exists and ComparisonOperator cannot be used together" + for_attribute);
      }
      if (op != ComparisonOperator::kNull && op != ComparisonOperator::kNotNull &&
          !e.attribute_value_list && !e.value) {
        return Invalid("Value or AttributeValueList must be used with ComparisonOperator: " +
                       std::string(ComparisonOperatorName(op)) + for_attribute);
      }
      std::vector<AttributeValue> values;
      if (e.attribute_value_list) {
        values = *e.attribute_value_list;
      } else if (e.value) {
        values.push_back(*e.value);
      }
      if (std::optional<Error> error = CheckValues(op, values)) return *std::move(error);
      nodes.push_back(Translate(op, attribute, values));
    } else if (e.attribute_value_list) {
      return Invalid("AttributeValueList can only be used with a ComparisonOperator" +
                     for_attribute);
    } else {
      const bool exists = !e.exists || *e.exists;
      if (exists && !e.value) {
        return Invalid(std::string("Value must be provided when Exists is ") +
                       (e.exists ? "true" : "null") + for_attribute);
      }
      if (!exists && e.value) {
        return Invalid("Value cannot be used when Exists is false" + for_attribute);
      }
      nodes.push_back(exists ? Compare(Comparator::kEq, attribute, *e.value)
                             : Leaf(ConditionKind::kAttributeNotExists, attribute, {}));
    }
  }
  return MakeCondition(std::move(nodes), conditional_operator);
}

Result<ConditionPtr> FromFilter(const std::vector<std::pair<std::string, LegacyCondition>>& filter,
                                std::optional<ConditionalOperator> conditional_operator,
                                std::string_view parameter) {
  if (filter.empty()) return ConditionPtr();
  std::vector<ConditionNode> nodes;
  nodes.reserve(filter.size());
  std::string member(parameter);
  if (!member.empty() && member[0] >= 'A' && member[0] <= 'Z') {
    member[0] = static_cast<char>(member[0] - 'A' + 'a');
  }
  for (const auto& [attribute, c] : filter) {
    if (!c.comparison_operator) {
      return MissingOperator(member, attribute);
    }
    const std::vector<AttributeValue> empty;
    const std::vector<AttributeValue>& values =
        c.attribute_value_list ? *c.attribute_value_list : empty;
    if (std::optional<Error> e = CheckValues(*c.comparison_operator, values)) return *std::move(e);
    nodes.push_back(Translate(*c.comparison_operator, attribute, values));
  }
  return MakeCondition(std::move(nodes), conditional_operator);
}

Result<KeyConditionPtr> FromKeyConditions(
    const std::vector<std::pair<std::string, LegacyCondition>>& key_conditions) {
  auto key_condition = std::make_shared<KeyConditionExpression>();
  for (const auto& [attribute, c] : key_conditions) {
    if (!c.comparison_operator) {
      return MissingOperator("keyConditions", attribute);
    }
    const std::vector<AttributeValue> empty;
    const std::vector<AttributeValue>& values =
        c.attribute_value_list ? *c.attribute_value_list : empty;
    if (std::optional<Error> e = CheckValues(*c.comparison_operator, values)) return *std::move(e);
  }
  if (key_conditions.empty() || key_conditions.size() > 2) {
    return Error::Validation(std::string(kConditionCount));
  }
  for (const auto& [attribute, c] : key_conditions) {
    const std::optional<KeyOperator> op = KeyOperatorOf(*c.comparison_operator);
    if (!op) {
      return Error::Validation("Attempted conditional constraint is not an indexable operation");
    }
    KeyCondition& condition = key_condition->conditions.emplace_back();
    condition.attribute = attribute;
    condition.op = *op;
    condition.values = *c.attribute_value_list;
  }
  key_condition->source.legacy = true;
  internal::PrintKeyConditions(key_condition->conditions, &key_condition->source);
  return KeyConditionPtr(std::move(key_condition));
}

Result<UpdatePtr> FromAttributeUpdates(
    const std::vector<std::pair<std::string, AttributeValueUpdate>>& updates) {
  if (updates.empty()) return UpdatePtr();
  auto update = std::make_shared<UpdateExpression>();
  update->legacy_add = true;
  for (const auto& [attribute, u] : updates) {
    if (!u.value && u.action != AttributeAction::kDelete) {
      return Invalid("Only DELETE action is allowed when no attribute value is specified");
    }
    const AttributeType type = u.value ? u.value->type() : AttributeType::kNULL;
    const bool is_set =
        type == AttributeType::kSS || type == AttributeType::kNS || type == AttributeType::kBS;
    if (u.value && u.action == AttributeAction::kDelete && !is_set) {
      return Invalid("DELETE action with value is not supported for the type " +
                     std::string(AttributeTypeName(type)));
    }
    if (u.value && u.action == AttributeAction::kAdd && !is_set && type != AttributeType::kL &&
        type != AttributeType::kN) {
      return Invalid("ADD action is not supported for the type " +
                     std::string(AttributeTypeName(type)));
    }
    UpdateAction& action = update->actions.emplace_back();
    action.path.elements.push_back(PathElement{attribute, 0, false});
    switch (u.action) {
      case AttributeAction::kPut:
        action.kind = UpdateActionKind::kSet;
        break;
      case AttributeAction::kAdd:
        action.kind = UpdateActionKind::kAdd;
        break;
      case AttributeAction::kDelete:
        action.kind = u.value ? UpdateActionKind::kDelete : UpdateActionKind::kRemove;
        break;
    }
    if (u.value) action.value = ValueOperand(*u.value);
  }
  update->source.legacy = true;
  internal::PrintUpdate(update->actions, /*legacy=*/true, &update->source);
  return UpdatePtr(std::move(update));
}

Result<ProjectionPtr> FromAttributesToGet(const std::vector<std::string>& attributes) {
  if (attributes.empty()) return ProjectionPtr();
  auto projection = std::make_shared<ProjectionExpression>();
  for (const std::string& attribute : attributes) {
    for (const Path& seen : projection->paths) {
      if (seen.attribute() == attribute) {
        return Invalid("Duplicate value in attribute name: " + attribute);
      }
    }
    projection->paths.emplace_back().elements.push_back(PathElement{attribute, 0, false});
  }
  projection->source.legacy = true;
  internal::PrintProjection(projection->paths, &projection->source);
  return ProjectionPtr(std::move(projection));
}

}  // namespace ddbx::api::expr
