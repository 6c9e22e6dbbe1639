// The printer: trees back to expression text with generated placeholders.
//
// Every attribute name becomes "#n<k>" (one per distinct name) and every value ":v<k>" (one per
// occurrence), so the text never meets a reserved word or a name the lexer cannot read, and
// parsing it again with source->names / source->values yields the same tree. An AND or OR
// under another operator is parenthesized once (never twice: DynamoDB refuses redundant
// parentheses), except a left child of its own kind (the parser is left-associative).
#include <map>

#include "api/expression_internal.h"

namespace ddbx::api::expr::internal {
namespace {

class Printer {
 public:
  explicit Printer(ExpressionSource* source) : source_(source) {}

  void Name(const std::string& attribute, std::string* out) {
    auto it = placeholders_.find(attribute);
    if (it == placeholders_.end()) {
      std::string placeholder = "#n" + std::to_string(placeholders_.size());
      source_->names.emplace(placeholder, attribute);
      it = placeholders_.emplace(attribute, std::move(placeholder)).first;
    }
    out->append(it->second);
  }

  void Value(const AttributeValue& value, std::string* out) {
    std::string placeholder = ":v" + std::to_string(values_++);
    out->append(placeholder);
    source_->values.emplace(std::move(placeholder), value);
  }

  void PathTo(const Path& path, std::string* out) {
    for (size_t i = 0; i < path.elements.size(); ++i) {
      const PathElement& element = path.elements[i];
      if (element.is_index) {
        *out += '[';
        *out += std::to_string(element.index);
        *out += ']';
      } else {
        if (i > 0) *out += '.';
        Name(element.name, out);
      }
    }
  }

  void OperandTo(const Operand& op, std::string* out) {
    switch (op.kind) {
      case OperandKind::kPath:
        PathTo(op.path, out);
        return;
      case OperandKind::kValue:
        Value(op.value, out);
        return;
      case OperandKind::kSize:
        *out += "size(";
        if (op.args.empty()) {
          PathTo(op.path, out);
        } else {
          OperandTo(op.args[0], out);
        }
        *out += ')';
        return;
      case OperandKind::kIfNotExists:
        *out += "if_not_exists(";
        PathTo(op.path, out);
        *out += ", ";
        OperandTo(op.args[0], out);
        *out += ')';
        return;
      case OperandKind::kListAppend:
        *out += "list_append(";
        OperandTo(op.args[0], out);
        *out += ", ";
        OperandTo(op.args[1], out);
        *out += ')';
        return;
      case OperandKind::kPlus:
      case OperandKind::kMinus:
        OperandTo(op.args[0], out);
        *out += op.kind == OperandKind::kPlus ? " + " : " - ";
        OperandTo(op.args[1], out);
        return;
    }
  }

  void ConditionTo(const ConditionNode& node, std::string* out) {
    static constexpr std::string_view kComparators[] = {" = ",  " <> ", " < ",
                                                        " <= ", " > ",  " >= "};
    switch (node.kind) {
      case ConditionKind::kAnd:
      case ConditionKind::kOr: {
        const bool same_left = node.children[0].kind == node.kind;
        ChildTo(node.children[0], !same_left, out);
        *out += node.kind == ConditionKind::kAnd ? " AND " : " OR ";
        ChildTo(node.children[1], true, out);
        return;
      }
      case ConditionKind::kNot: {
        // NOT binds tighter than AND and OR; a NOT or a leaf needs no parentheses.
        const ConditionKind child = node.children[0].kind;
        *out += "NOT ";
        ChildTo(node.children[0], child == ConditionKind::kAnd || child == ConditionKind::kOr, out);
        return;
      }
      case ConditionKind::kCompare:
        OperandTo(node.operands[0], out);
        *out += kComparators[static_cast<size_t>(node.comparator)];
        OperandTo(node.operands[1], out);
        return;
      case ConditionKind::kBetween:
        OperandTo(node.operands[0], out);
        *out += " BETWEEN ";
        OperandTo(node.operands[1], out);
        *out += " AND ";
        OperandTo(node.operands[2], out);
        return;
      case ConditionKind::kIn:
        OperandTo(node.operands[0], out);
        *out += " IN (";
        for (size_t i = 1; i < node.operands.size(); ++i) {
          if (i > 1) *out += ", ";
          OperandTo(node.operands[i], out);
        }
        *out += ')';
        return;
      case ConditionKind::kAttributeExists:
        Function("attribute_exists", node, out);
        return;
      case ConditionKind::kAttributeNotExists:
        Function("attribute_not_exists", node, out);
        return;
      case ConditionKind::kAttributeType:
        Function("attribute_type", node, out);
        return;
      case ConditionKind::kBeginsWith:
        Function("begins_with", node, out);
        return;
      case ConditionKind::kContains:
        Function("contains", node, out);
        return;
    }
  }

 private:
  void ChildTo(const ConditionNode& child, bool parenthesize_compound, std::string* out) {
    const bool compound = child.kind == ConditionKind::kAnd || child.kind == ConditionKind::kOr ||
                          child.kind == ConditionKind::kNot;
    if (compound && parenthesize_compound) {
      *out += '(';
      ConditionTo(child, out);
      *out += ')';
    } else {
      ConditionTo(child, out);
    }
  }

  void Function(std::string_view name, const ConditionNode& node, std::string* out) {
    out->append(name);
    *out += '(';
    for (size_t i = 0; i < node.operands.size(); ++i) {
      if (i > 0) *out += ", ";
      OperandTo(node.operands[i], out);
    }
    *out += ')';
  }

  ExpressionSource* source_;
  std::map<std::string, std::string> placeholders_;  // attribute name -> "#n<k>"
  size_t values_ = 0;
};

}  // namespace

void PrintCondition(const ConditionNode& root, ExpressionSource* source) {
  Printer printer(source);
  printer.ConditionTo(root, &source->text);
}

void PrintKeyConditions(const std::vector<KeyCondition>& conditions, ExpressionSource* source) {
  static constexpr std::string_view kOperators[] = {" = ", " < ", " <= ", " > ", " >= "};
  Printer printer(source);
  std::string& out = source->text;
  for (size_t i = 0; i < conditions.size(); ++i) {
    const KeyCondition& c = conditions[i];
    if (i > 0) out += " AND ";
    if (c.op == KeyOperator::kBeginsWith) {
      out += "begins_with(";
      printer.Name(c.attribute, &out);
      out += ", ";
      printer.Value(c.values[0], &out);
      out += ')';
      continue;
    }
    printer.Name(c.attribute, &out);
    if (c.op == KeyOperator::kBetween) {
      out += " BETWEEN ";
      printer.Value(c.values[0], &out);
      out += " AND ";
      printer.Value(c.values[1], &out);
    } else {
      out += kOperators[static_cast<size_t>(c.op)];
      printer.Value(c.values[0], &out);
    }
  }
}

void PrintUpdate(const std::vector<UpdateAction>& actions, bool legacy, ExpressionSource* source) {
  Printer printer(source);
  std::string& out = source->text;
  // SET clauses include legacy ADD of a list, which the expression language writes as
  // SET a = list_append(if_not_exists(a, :empty), :v).
  auto is_list_add = [legacy](const UpdateAction& a) {
    return legacy && a.kind == UpdateActionKind::kAdd && a.value.value.type() == AttributeType::kL;
  };
  bool first = true;
  for (const UpdateAction& action : actions) {
    if (action.kind != UpdateActionKind::kSet && !is_list_add(action)) continue;
    out += first ? "SET " : ", ";
    first = false;
    printer.PathTo(action.path, &out);
    out += " = ";
    if (action.kind == UpdateActionKind::kSet) {
      printer.OperandTo(action.value, &out);
    } else {
      out += "list_append(if_not_exists(";
      printer.PathTo(action.path, &out);
      out += ", ";
      printer.Value(AttributeValue::L({}), &out);
      out += "), ";
      printer.Value(action.value.value, &out);
      out += ')';
    }
  }
  static constexpr std::pair<UpdateActionKind, std::string_view> kClauses[] = {
      {UpdateActionKind::kRemove, "REMOVE "},
      {UpdateActionKind::kAdd, "ADD "},
      {UpdateActionKind::kDelete, "DELETE "}};
  for (const auto& [kind, keyword] : kClauses) {
    bool first_in_clause = true;
    for (const UpdateAction& action : actions) {
      if (action.kind != kind || is_list_add(action)) continue;
      if (first_in_clause) {
        if (!out.empty()) out += ' ';
        out.append(keyword);
      } else {
        out += ", ";
      }
      first_in_clause = false;
      printer.PathTo(action.path, &out);
      if (kind != UpdateActionKind::kRemove) {
        out += ' ';
        printer.Value(action.value.value, &out);
      }
    }
  }
}

void PrintProjection(const std::vector<Path>& paths, ExpressionSource* source) {
  Printer printer(source);
  for (size_t i = 0; i < paths.size(); ++i) {
    if (i > 0) source->text += ", ";
    printer.PathTo(paths[i], &source->text);
  }
}

}  // namespace ddbx::api::expr::internal
