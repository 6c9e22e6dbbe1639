// The expression parser: text -> the trees of api/expression.h, with DynamoDB's messages.
//
// Parsing runs in two passes, as DynamoDB's own parser evidently does (its error precedence only
// makes sense that way):
//   1. Syntax. A recursive-descent parser over the tokens of expression_lexer.cc builds a raw
//      tree (RawNode). The first token no rule accepts ends the parse with
//      "Syntax error; token: \"<t>\", near: \"<prev t next>\"".
//   2. Semantics. A checker walks the raw tree in text order, resolves placeholders, checks
//      functions, operand types, reserved words and document paths, and builds the public tree.
//      Each kind of problem lands in its own slot (first one wins); the reported error is the
//      first filled slot in a per-expression precedence list. The lists below are the ones
//      dynalite (db/*Parser.pegjs, built against DynamoDB's answers) uses:
//        condition:  redundant parentheses, unknown function, misused function, reserved word,
//                    then the first leaf (comparison, BETWEEN, IN or function) with a problem,
//                    within it: undefined placeholder, operand count, non-distinct operands,
//                    operand types
//        update:     reserved word, unknown function, repeated section, undefined name,
//                    undefined value, overlapping paths, conflicting paths, ADD/DELETE operand
//                    type, function problems
//        projection: reserved word, undefined name, overlapping paths, conflicting paths
// Every message is prefixed "Invalid <parameter>: ". docs/expressions.md has the grammar.
#include <algorithm>
#include <optional>

#include "api/expression.h"
#include "api/expression_internal.h"

namespace ddbx::api::expr {

using internal::KeywordEquals;
using internal::Tok;
using internal::Token;

namespace {

// The parser recurses once or twice per level of nesting (parentheses, NOT, function calls);
// deeper than this is refused as a syntax error at the token that would go deeper, which keeps
// the parser under about 0.5 MB of stack even unoptimized. No expression DynamoDB accepts comes
// near: every level of nesting that is not an error (redundant parentheses, an unknown or
// misused function, size() of a number) needs an operator, and there may be at most 300. For
// such expressions, nested deeper than this, DynamoDB answers with one of those errors instead.
constexpr int kMaxDepth = 1000;

// DynamoDB: "The expression contains too many operators; operator count: 301". In conditions,
// comparators, BETWEEN, IN, AND, OR and NOT count (function calls and parentheses do not:
// ScyllaDB Alternator's test_limits.py records DynamoDB's answers); in updates, + - and the
// functions (the Developer Guide's limits: "operators or functions"). Checked right after the
// syntax, before any other check.
constexpr int kMaxOperators = 300;

constexpr std::string_view kExpressionEmpty = "The expression can not be empty;";
// DynamoDB appends the size in bytes: "...; expression size: 4109" (recorded in ScyllaDB
// Alternator's test_condition_expression.py and in users' reports).
constexpr std::string_view kExpressionTooLarge =
    "Expression size has exceeded the maximum allowed size; expression size: ";

// ---------------------------------------------------------------------------------------------
// Pass 1: syntax
// ---------------------------------------------------------------------------------------------

struct RawStep {
  uint32_t token;  // the name or #placeholder token; for an index, the number token
  bool is_index = false;
  uint32_t index = 0;
};

enum class RawKind : uint8_t {
  kPath,
  kValue,  // :placeholder
  kCall,   // name(args)
  kCompare,
  kBetween,
  kIn,
  kAnd,
  kOr,
  kNot,
  kPlus,
  kMinus,
};

struct RawNode {
  RawKind kind = RawKind::kPath;
  Comparator comparator = Comparator::kEq;
  uint32_t token = 0;        // kValue: the placeholder; kCall: the name; operators: the operator
  uint32_t first_token = 0;  // the extent of the node in tokens, for redundant parentheses
  uint32_t last_token = 0;
  bool parenthesized = false;  // first/last tokens are a matching '(' ')'
  std::vector<RawStep> path;
  std::vector<RawNode> kids;

  bool IsConditionShaped() const {
    return kind == RawKind::kCompare || kind == RawKind::kBetween || kind == RawKind::kIn ||
           kind == RawKind::kAnd || kind == RawKind::kOr || kind == RawKind::kNot ||
           kind == RawKind::kCall;
  }
};

enum class Keywords : uint8_t { kCondition, kUpdate, kNone };

class SyntaxParser {
 public:
  SyntaxParser(std::string_view text, const std::vector<Token>* tokens, Keywords keywords)
      : text_(text), tokens_(*tokens), keywords_(keywords) {}

  const std::optional<std::string>& error() const { return error_; }
  bool redundant_parens() const { return redundant_parens_; }
  int operators() const { return operators_; }

  // condition := or-expression <end>
  bool ParseConditionTop(RawNode* out) {
    if (!ParseOr(out)) return false;
    if (!out->IsConditionShaped() || Kind() != Tok::kEnd) return Fail();
    return true;
  }

  // projection := path ("," path)* <end>
  bool ParseProjectionTop(std::vector<RawNode>* out) {
    while (true) {
      RawNode& node = out->emplace_back();
      if (!ParsePath(&node)) return false;
      if (Kind() == Tok::kComma) {
        ++pos_;
        continue;
      }
      if (Kind() != Tok::kEnd) return Fail();
      return true;
    }
  }

  // update := section+ <end>; section := SET set-action ("," set-action)* | REMOVE path ("," path)*
  //         | ADD path :value ("," ...)* | DELETE path :value ("," ...)*
  struct RawSection {
    UpdateActionKind kind;
    std::vector<RawNode> targets;  // paths
    std::vector<RawNode> values;   // SET: value trees; ADD/DELETE: :value; REMOVE: empty
  };
  bool ParseUpdateTop(std::vector<RawSection>* out) {
    do {
      std::optional<UpdateActionKind> kind = SectionKeyword();
      if (!kind) return Fail();
      ++pos_;
      RawSection& section = out->emplace_back();
      section.kind = *kind;
      while (true) {
        RawNode& target = section.targets.emplace_back();
        if (!ParsePath(&target)) return false;
        if (*kind == UpdateActionKind::kSet) {
          if (Kind() != Tok::kEq) return Fail();
          ++pos_;
          if (!ParseSetValue(&section.values.emplace_back())) return false;
        } else if (*kind != UpdateActionKind::kRemove) {
          if (Kind() != Tok::kValuePlaceholder) return Fail();
          RawNode& value = section.values.emplace_back();
          value.kind = RawKind::kValue;
          value.token = value.first_token = value.last_token = pos_++;
        }
        if (Kind() != Tok::kComma) break;
        ++pos_;
      }
    } while (Kind() != Tok::kEnd);
    return true;
  }

 private:
  Tok Kind() const { return tokens_[pos_].kind; }
  std::string_view TextOf(uint32_t index) const {
    return text_.substr(tokens_[index].begin, tokens_[index].end - tokens_[index].begin);
  }
  bool Fail() {
    if (!error_) error_ = internal::SyntaxErrorText(text_, tokens_, pos_);
    return false;
  }
  bool IsKeyword(std::string_view keyword) const {
    return Kind() == Tok::kName && KeywordEquals(TextOf(pos_), keyword);
  }
  // A name that the grammar reserves as a keyword here (and so cannot name an attribute).
  bool IsGrammarKeyword(uint32_t index) const {
    if (tokens_[index].kind != Tok::kName) return false;
    const std::string_view word = TextOf(index);
    switch (keywords_) {
      case Keywords::kCondition:
        return KeywordEquals(word, "AND") || KeywordEquals(word, "OR") ||
               KeywordEquals(word, "NOT") || KeywordEquals(word, "BETWEEN") ||
               KeywordEquals(word, "IN");
      case Keywords::kUpdate:
        return KeywordEquals(word, "SET") || KeywordEquals(word, "REMOVE") ||
               KeywordEquals(word, "ADD") || KeywordEquals(word, "DELETE");
      case Keywords::kNone:
        return false;
    }
    return false;
  }
  std::optional<UpdateActionKind> SectionKeyword() const {
    if (IsKeyword("SET")) return UpdateActionKind::kSet;
    if (IsKeyword("REMOVE")) return UpdateActionKind::kRemove;
    if (IsKeyword("ADD")) return UpdateActionKind::kAdd;
    if (IsKeyword("DELETE")) return UpdateActionKind::kDelete;
    return std::nullopt;
  }
  bool Enter() {
    if (++depth_ > kMaxDepth) return Fail();
    return true;
  }
  void Leave() { --depth_; }

  // path := (name | #name) ("." (name | #name) | "[" number "]")*
  bool ParsePath(RawNode* out) {
    out->kind = RawKind::kPath;
    out->first_token = pos_;
    if (!AcceptPathName(out)) return Fail();
    while (true) {
      if (Kind() == Tok::kDot) {
        ++pos_;
        if (!AcceptPathName(out)) return Fail();
      } else if (Kind() == Tok::kLBracket) {
        ++pos_;
        if (Kind() != Tok::kNumber) return Fail();
        const std::string_view digits = TextOf(pos_);
        uint64_t index = 0;
        for (char c : digits) {
          index = index * 10 + static_cast<uint64_t>(c - '0');
          if (index > UINT32_MAX) return Fail();  // no list can be that long
        }
        out->path.push_back(RawStep{pos_, true, static_cast<uint32_t>(index)});
        ++pos_;
        if (Kind() != Tok::kRBracket) return Fail();
        ++pos_;
      } else {
        break;
      }
    }
    out->last_token = pos_ - 1;
    return true;
  }
  bool AcceptPathName(RawNode* out) {
    if (Kind() == Tok::kNamePlaceholder || (Kind() == Tok::kName && !IsGrammarKeyword(pos_))) {
      out->path.push_back(RawStep{pos_, false, 0});
      ++pos_;
      return true;
    }
    return false;
  }

  // ---- conditions ----

  // The recursive functions below keep their frames small (no RawNode locals): deep nesting
  // recurses through ParsePrimary -> ParseOr -> ParseAnd -> ParseNot -> ParseComparison once
  // per parenthesis. Work that needs locals happens in the *Tail helpers, after the recursion
  // has returned.

  // or := and (OR and)*
  bool ParseOr(RawNode* out) {
    if (!ParseAnd(out)) return false;
    while (IsKeyword("OR")) {
      if (!ParseBinaryTail(RawKind::kOr, out)) return false;
    }
    return true;
  }
  // and := not (AND not)*
  bool ParseAnd(RawNode* out) {
    if (!ParseNot(out)) return false;
    while (IsKeyword("AND")) {
      if (!ParseBinaryTail(RawKind::kAnd, out)) return false;
    }
    return true;
  }
  // At an AND / OR: `left` becomes the left child of a new node; parses the right child.
  bool ParseBinaryTail(RawKind kind, RawNode* left) {
    if (!left->IsConditionShaped()) return Fail();
    RawNode node;
    node.kind = kind;
    node.token = pos_++;
    ++operators_;
    node.first_token = left->first_token;
    node.kids.push_back(std::move(*left));
    RawNode& right = node.kids.emplace_back();
    if (!(kind == RawKind::kOr ? ParseAnd(&right) : ParseNot(&right))) return false;
    if (!right.IsConditionShaped()) return Fail();
    node.last_token = right.last_token;
    *left = std::move(node);
    return true;
  }
  // not := NOT not | comparison
  bool ParseNot(RawNode* out) {
    if (!IsKeyword("NOT")) return ParseComparison(out);
    if (!Enter()) return false;
    out->kind = RawKind::kNot;
    out->token = out->first_token = pos_++;
    ++operators_;
    RawNode* child = &out->kids.emplace_back();
    if (!ParseNot(child)) return false;
    if (!child->IsConditionShaped()) return Fail();
    out->last_token = child->last_token;
    Leave();
    return true;
  }
  static std::optional<Comparator> ComparatorOf(Tok kind) {
    switch (kind) {
      case Tok::kEq:
        return Comparator::kEq;
      case Tok::kNe:
        return Comparator::kNe;
      case Tok::kLt:
        return Comparator::kLt;
      case Tok::kLe:
        return Comparator::kLe;
      case Tok::kGt:
        return Comparator::kGt;
      case Tok::kGe:
        return Comparator::kGe;
      default:
        return std::nullopt;
    }
  }
  // comparison := primary (comparator operand | BETWEEN operand AND operand
  //                        | IN "(" operand ("," operand)* ")")?
  bool ParseComparison(RawNode* out) {
    if (!ParsePrimary(out)) return false;
    if (!ComparatorOf(Kind()) && !IsKeyword("BETWEEN") && !IsKeyword("IN")) return true;
    return ParseComparisonTail(out);
  }
  // At a comparator, BETWEEN or IN: `left` becomes the first operand.
  bool ParseComparisonTail(RawNode* left) {
    const std::optional<Comparator> comparator = ComparatorOf(Kind());
    const bool between = IsKeyword("BETWEEN");
    // Only an operand (or a function call) may stand on the left of an operator.
    if (left->IsConditionShaped() && left->kind != RawKind::kCall) return Fail();
    RawNode node;
    node.token = pos_++;
    ++operators_;
    node.first_token = left->first_token;
    node.kids.push_back(std::move(*left));
    if (comparator) {
      node.kind = RawKind::kCompare;
      node.comparator = *comparator;
      if (!ParseOperand(&node.kids.emplace_back())) return false;
    } else if (between) {
      node.kind = RawKind::kBetween;
      if (!ParseOperand(&node.kids.emplace_back())) return false;
      if (!IsKeyword("AND")) return Fail();
      ++pos_;
      if (!ParseOperand(&node.kids.emplace_back())) return false;
    } else {
      node.kind = RawKind::kIn;
      if (Kind() != Tok::kLParen) return Fail();
      ++pos_;
      while (true) {
        if (!ParseOperand(&node.kids.emplace_back())) return false;
        if (Kind() != Tok::kComma) break;
        ++pos_;
      }
      if (Kind() != Tok::kRParen) return Fail();
      ++pos_;
    }
    node.last_token = pos_ - 1;
    *left = std::move(node);
    return true;
  }
  // primary := "(" or ")" | operand-atom. A parenthesized operand stays an operand.
  bool ParsePrimary(RawNode* out) {
    if (Kind() != Tok::kLParen) return ParseAtom(out);
    if (!Enter()) return false;
    const uint32_t open = pos_++;
    if (!ParseOr(out)) return false;
    if (Kind() != Tok::kRParen) return Fail();
    MarkParenthesized(open, pos_++, out);
    Leave();
    return true;
  }
  // operand := "(" operand ")" | operand-atom   (no conditions inside)
  bool ParseOperand(RawNode* out) {
    if (Kind() != Tok::kLParen) return ParseAtom(out);
    if (!Enter()) return false;
    const uint32_t open = pos_++;
    if (!ParseOperand(out)) return false;
    if (Kind() != Tok::kRParen) return Fail();
    MarkParenthesized(open, pos_++, out);
    Leave();
    return true;
  }
  void MarkParenthesized(uint32_t open, uint32_t close, RawNode* node) {
    // "((x))": the inner group already spans everything between these parentheses.
    if (node->parenthesized && node->first_token == open + 1 && node->last_token + 1 == close) {
      redundant_parens_ = true;
    }
    node->parenthesized = true;
    node->first_token = open;
    node->last_token = close;
  }
  // operand-atom := name "(" operand ("," operand)* ")" | :value | path
  bool ParseAtom(RawNode* out) {
    out->first_token = pos_;
    if (Kind() == Tok::kName && tokens_[pos_ + 1].kind == Tok::kLParen && !IsGrammarKeyword(pos_)) {
      if (!Enter()) return false;
      out->kind = RawKind::kCall;
      out->token = pos_;
      pos_ += 2;
      while (true) {
        if (!ParseOperand(&out->kids.emplace_back())) return false;
        if (Kind() != Tok::kComma) break;
        ++pos_;
      }
      if (Kind() != Tok::kRParen) return Fail();
      out->last_token = pos_++;
      Leave();
      return true;
    }
    if (Kind() == Tok::kValuePlaceholder) {
      out->kind = RawKind::kValue;
      out->token = out->last_token = pos_++;
      return true;
    }
    return ParsePath(out);
  }

  // ---- update values ----

  // set-value := term (("+" | "-") update-operand)?, where the term is no sum itself: one + or -
  // per value ("a + b + c", "(a + b) - c" and "a + (b + c)" are syntax errors).
  bool ParseSetValue(RawNode* out) {
    RawNode left;
    if (!ParseSetTerm(&left)) return false;
    if (Kind() != Tok::kPlus && Kind() != Tok::kMinus) {
      *out = std::move(left);
      return true;
    }
    if (left.kind == RawKind::kPlus || left.kind == RawKind::kMinus) return Fail();
    out->kind = Kind() == Tok::kPlus ? RawKind::kPlus : RawKind::kMinus;
    out->token = pos_++;
    ++operators_;
    out->first_token = left.first_token;
    out->kids.push_back(std::move(left));
    if (!ParseUpdateOperand(&out->kids.emplace_back())) return false;
    out->last_token = pos_ - 1;
    return true;
  }
  // term := "(" set-value ")" | update-operand
  bool ParseSetTerm(RawNode* out) {
    if (Kind() != Tok::kLParen) return ParseUpdateOperand(out);
    if (!Enter()) return false;
    const uint32_t open = pos_++;
    if (!ParseSetValue(out)) return false;
    if (Kind() != Tok::kRParen) return Fail();
    out->first_token = open;
    out->last_token = pos_++;
    Leave();
    return true;
  }
  // update-operand := "(" update-operand ")" | name "(" update-operand ("," ...)* ")" | :value
  //                 | path
  bool ParseUpdateOperand(RawNode* out) {
    if (Kind() == Tok::kLParen) {
      if (!Enter()) return false;
      const uint32_t open = pos_++;
      if (!ParseUpdateOperand(out)) return false;
      if (Kind() != Tok::kRParen) return Fail();
      out->first_token = open;
      out->last_token = pos_++;
      Leave();
      return true;
    }
    out->first_token = pos_;
    if (Kind() == Tok::kName && tokens_[pos_ + 1].kind == Tok::kLParen && !IsGrammarKeyword(pos_)) {
      if (!Enter()) return false;
      out->kind = RawKind::kCall;
      ++operators_;
      out->token = pos_;
      pos_ += 2;
      while (true) {
        if (!ParseUpdateOperand(&out->kids.emplace_back())) return false;
        if (Kind() != Tok::kComma) break;
        ++pos_;
      }
      if (Kind() != Tok::kRParen) return Fail();
      out->last_token = pos_++;
      Leave();
      return true;
    }
    if (Kind() == Tok::kValuePlaceholder) {
      out->kind = RawKind::kValue;
      out->token = out->last_token = pos_++;
      return true;
    }
    return ParsePath(out);
  }

  std::string_view text_;
  const std::vector<Token>& tokens_;
  Keywords keywords_;
  uint32_t pos_ = 0;
  int depth_ = 0;
  int operators_ = 0;
  bool redundant_parens_ = false;
  std::optional<std::string> error_;
};

// ---------------------------------------------------------------------------------------------
// Pass 2: semantics
// ---------------------------------------------------------------------------------------------

// A first-wins message slot.
struct Slot {
  std::optional<std::string> message;
  void Set(std::string m) {
    if (!message) message = std::move(m);
  }
  explicit operator bool() const { return message.has_value(); }
};

std::string_view TypeNameForUpdate(AttributeType type) {
  switch (type) {
    case AttributeType::kS:
      return "STRING";
    case AttributeType::kN:
      return "NUMBER";
    case AttributeType::kB:
      return "BINARY";
    case AttributeType::kNULL:
      return "NULL";
    case AttributeType::kBOOL:
      return "BOOLEAN";
    case AttributeType::kL:
      return "LIST";
    case AttributeType::kM:
      return "MAP";
    default:
      return {};
  }
}

std::string_view ComparatorText(Comparator c) {
  switch (c) {
    case Comparator::kEq:
      return "=";
    case Comparator::kNe:
      return "<>";
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
  }
  return "=";
}

std::string OperandCountMessage(std::string_view function, size_t count) {
  return "Incorrect number of operands for operator or function; operator or function: " +
         std::string(function) + ", number of operands: " + std::to_string(count);
}
std::string OperandTypeMessage(std::string_view function, std::string_view type) {
  return "Incorrect operand type for operator or function; operator or function: " +
         std::string(function) + ", operand type: " + std::string(type);
}
std::string MisusedFunctionMessage(std::string_view function) {
  return "The function is not allowed to be used this way in an expression; function: " +
         std::string(function);
}
std::string NeedsPathMessage(std::string_view function) {
  return "Operator or function requires a document path; operator or function: " +
         std::string(function);
}
std::string UnknownFunctionMessage(std::string_view function) {
  return "Invalid function name; function: " + std::string(function);
}

// What the semantic pass shares across expression kinds: placeholder resolution, reserved
// words and path building.
class Resolver {
 public:
  Resolver(std::string_view text, const std::vector<Token>* tokens,
           const Placeholders* placeholders, ExpressionSource* source)
      : text_(text), tokens_(*tokens), placeholders_(placeholders), source_(source) {}

  std::string_view TextOf(uint32_t index) const {
    return text_.substr(tokens_[index].begin, tokens_[index].end - tokens_[index].begin);
  }

  // Builds a path; literal names are checked against the reserved words (-> *reserved) and
  // placeholders resolved (-> *undefined).
  Path BuildPath(const RawNode& raw, Slot* reserved, Slot* undefined) {
    Path path;
    path.elements.reserve(raw.path.size());
    for (const RawStep& step : raw.path) {
      PathElement& element = path.elements.emplace_back();
      if (step.is_index) {
        element.is_index = true;
        element.index = step.index;
        continue;
      }
      const std::string_view token = TextOf(step.token);
      if (tokens_[step.token].kind == Tok::kName) {
        if (internal::IsReservedWord(token)) {
          reserved->Set("Attribute name is a reserved keyword; reserved keyword: " +
                        std::string(token));
        }
        element.name = std::string(token);
      } else if (const std::string* name = ResolveName(token)) {
        element.name = *name;
      } else {
        undefined->Set(
            "An expression attribute name used in the document path is not defined; attribute "
            "name: " +
            std::string(token));
      }
    }
    return path;
  }

  // The value of a :placeholder, or null (-> *undefined).
  const AttributeValue* ResolveValue(uint32_t token_index, Slot* undefined) {
    const std::string_view token = TextOf(token_index);
    if (placeholders_->values != nullptr) {
      auto it = placeholders_->values->find(token);
      if (it != placeholders_->values->end()) {
        if (source_->values.find(token) == source_->values.end()) {
          source_->values.emplace(std::string(token), it->second);
        }
        return &it->second;
      }
    }
    undefined->Set(
        "An expression attribute value used in expression is not defined; attribute value: " +
        std::string(token));
    return nullptr;
  }

 private:
  const std::string* ResolveName(std::string_view token) {
    if (placeholders_->names == nullptr) return nullptr;
    auto it = placeholders_->names->find(std::string(token));
    if (it == placeholders_->names->end()) return nullptr;
    source_->names.emplace(it->first, it->second);
    return &it->second;
  }

  std::string_view text_;
  const std::vector<Token>& tokens_;
  const Placeholders* placeholders_;
  ExpressionSource* source_;
};

// Two paths of one update or projection: identical or one a prefix of the other ("overlap"), or
// a name where the other has an index at the same depth ("conflict").
void CheckPathPair(const Path& one, const Path& two, Slot* overlap, Slot* conflict) {
  const size_t n = std::min(one.elements.size(), two.elements.size());
  for (size_t i = 0; i < n; ++i) {
    const PathElement& a = one.elements[i];
    const PathElement& b = two.elements[i];
    if (a.is_index != b.is_index) {
      conflict->Set(
          "Two document paths conflict with each other; must remove or rewrite one of "
          "these paths; path one: " +
          PathToString(one) + ", path two: " + PathToString(two));
      return;
    }
    if (!(a == b)) return;
  }
  overlap->Set(
      "Two document paths overlap with each other; must remove or rewrite one of these "
      "paths; path one: " +
      PathToString(one) + ", path two: " + PathToString(two));
}

void CheckPaths(const std::vector<const Path*>& paths, Slot* overlap, Slot* conflict) {
  for (size_t i = 1; i < paths.size() && !*overlap; ++i) {
    for (size_t j = 0; j < i && !*overlap; ++j)
      CheckPathPair(*paths[j], *paths[i], overlap, conflict);
  }
}

// ---- conditions ----

class ConditionChecker {
 public:
  explicit ConditionChecker(Resolver* resolver) : r_(*resolver) {}

  // The first error in DynamoDB's precedence, if any.
  std::optional<std::string> Error(bool redundant_parens) const {
    if (redundant_parens) return std::string("The expression has redundant parentheses;");
    for (const Slot* slot : {&unknown_function_, &misused_function_, &reserved_, &condition_}) {
      if (*slot) return slot->message;
    }
    return std::nullopt;
  }

  ConditionNode Build(const RawNode& raw) {
    ConditionNode node;
    switch (raw.kind) {
      case RawKind::kAnd:
      case RawKind::kOr:
      case RawKind::kNot:
        node.kind = raw.kind == RawKind::kAnd  ? ConditionKind::kAnd
                    : raw.kind == RawKind::kOr ? ConditionKind::kOr
                                               : ConditionKind::kNot;
        for (const RawNode& kid : raw.kids) {
          CheckNotSizeCondition(kid);
          node.children.push_back(Build(kid));
        }
        return node;
      default:
        break;
    }
    Leaf leaf;
    if (raw.kind == RawKind::kCall) {
      BuildFunctionCondition(raw, &leaf, &node);
    } else {
      for (const RawNode& kid : raw.kids) CheckMisusedOperand(kid);
      for (const RawNode& kid : raw.kids) node.operands.push_back(BuildOperand(kid, &leaf));
      if (raw.kind == RawKind::kCompare) {
        node.kind = ConditionKind::kCompare;
        node.comparator = raw.comparator;
        CheckDistinct(ComparatorText(raw.comparator), node.operands, &leaf);
      } else if (raw.kind == RawKind::kBetween) {
        node.kind = ConditionKind::kBetween;
        CheckBetweenBounds(node.operands[1], node.operands[2], &leaf);
      } else {
        node.kind = ConditionKind::kIn;
        if (node.operands.size() - 1 > kMaxInOperands) {
          leaf.operand.Set(
              "The IN operator is provided with too many operands; number of "
              "operands: " +
              std::to_string(node.operands.size() - 1));
        }
      }
    }
    FinishLeaf(leaf);
    return node;
  }

  // The top of the tree may not be size() either.
  void CheckNotSizeCondition(const RawNode& raw) {
    if (raw.kind == RawKind::kCall && r_.TextOf(raw.token) == "size") {
      misused_function_.Set(MisusedFunctionMessage("size"));
    }
  }

 private:
  struct Leaf {
    Slot undefined;  // placeholders
    Slot operand;    // operand counts
    Slot distinct;
    Slot function;  // operand types, document paths, BETWEEN bounds
  };

  void FinishLeaf(const Leaf& leaf) {
    for (const Slot* slot : {&leaf.undefined, &leaf.operand, &leaf.distinct, &leaf.function}) {
      if (*slot) {
        condition_.Set(*slot->message);
        return;
      }
    }
  }

  static bool IsKnownFunction(std::string_view name) {
    return name == "attribute_exists" || name == "attribute_not_exists" ||
           name == "attribute_type" || name == "begins_with" || name == "contains" ||
           name == "size";
  }

  // A function other than size() used as an operand.
  void CheckMisusedOperand(const RawNode& raw) {
    if (raw.kind != RawKind::kCall) return;
    const std::string_view name = r_.TextOf(raw.token);
    if (IsKnownFunction(name) && name != "size") {
      misused_function_.Set(MisusedFunctionMessage(name));
    }
  }

  // The static type of an operand when known: a value's type, or N for size().
  static std::optional<AttributeType> StaticType(const Operand& operand, bool was_size) {
    if (was_size) return AttributeType::kN;
    if (operand.kind == OperandKind::kValue) return operand.value.type();
    return std::nullopt;
  }

  Operand BuildOperand(const RawNode& raw, Leaf* leaf, bool* is_size = nullptr) {
    Operand operand;
    if (is_size) *is_size = false;
    switch (raw.kind) {
      case RawKind::kPath:
        operand.kind = OperandKind::kPath;
        operand.path = r_.BuildPath(raw, &reserved_, &leaf->undefined);
        return operand;
      case RawKind::kValue:
        operand.kind = OperandKind::kValue;
        if (const AttributeValue* v = r_.ResolveValue(raw.token, &leaf->undefined)) {
          operand.value = *v;
        }
        return operand;
      case RawKind::kCall:
        break;
      default:
        return operand;  // not reachable: the syntax pass only puts operands here
    }
    const std::string_view name = r_.TextOf(raw.token);
    if (!IsKnownFunction(name)) {
      unknown_function_.Set(UnknownFunctionMessage(name));
      return operand;
    }
    if (name != "size") return operand;  // misused; reported by CheckMisusedOperand
    if (is_size) *is_size = true;
    for (const RawNode& kid : raw.kids) CheckMisusedOperand(kid);
    std::vector<Operand> args;
    std::vector<bool> arg_is_size(raw.kids.size());
    for (size_t i = 0; i < raw.kids.size(); ++i) {
      bool s = false;
      args.push_back(BuildOperand(raw.kids[i], leaf, &s));
      arg_is_size[i] = s;
    }
    if (args.size() != 1) {
      leaf->operand.Set(OperandCountMessage("size", args.size()));
      return operand;
    }
    const std::optional<AttributeType> type = StaticType(args[0], arg_is_size[0]);
    if (type == AttributeType::kN || type == AttributeType::kBOOL || type == AttributeType::kNULL) {
      leaf->function.Set(OperandTypeMessage("size", AttributeTypeName(*type)));
    }
    if (args[0].kind == OperandKind::kPath) {
      operand.kind = OperandKind::kSize;
      operand.path = std::move(args[0].path);
    } else {
      // size(:v) or size(size(...)): a constant; keep the argument for evaluation.
      operand.kind = OperandKind::kSize;
      operand.args.push_back(std::move(args[0]));
    }
    return operand;
  }

  void CheckDistinct(std::string_view op, const std::vector<Operand>& operands, Leaf* leaf) {
    if (operands.size() != 2 || operands[0].kind != OperandKind::kPath ||
        operands[1].kind != OperandKind::kPath || !(operands[0].path == operands[1].path)) {
      return;
    }
    leaf->distinct.Set(
        "The first operand must be distinct from the remaining operands for this "
        "operator or function; operator: " +
        std::string(op) + ", first operand: " + PathToString(operands[0].path));
  }

  void CheckBetweenBounds(const Operand& lower, const Operand& upper, Leaf* leaf) {
    if (lower.kind != OperandKind::kValue || upper.kind != OperandKind::kValue) return;
    const std::string bounds =
        "lower bound operand: AttributeValue: " + internal::AttributeValueForMessage(lower.value) +
        ", upper bound operand: AttributeValue: " + internal::AttributeValueForMessage(upper.value);
    if (lower.value.type() != upper.value.type()) {
      leaf->function.Set(
          "The BETWEEN operator requires same data type for lower and upper bounds; " + bounds);
      return;
    }
    const std::optional<int> order = CompareScalars(lower.value, upper.value);
    if (order && *order > 0) {
      leaf->function.Set(
          "The BETWEEN operator requires upper bound to be greater than or equal "
          "to lower bound; " +
          bounds);
    }
  }

  void BuildFunctionCondition(const RawNode& raw, Leaf* leaf, ConditionNode* node) {
    const std::string_view name = r_.TextOf(raw.token);
    if (!IsKnownFunction(name)) {
      unknown_function_.Set(UnknownFunctionMessage(name));
      return;
    }
    if (name == "size") {
      misused_function_.Set(MisusedFunctionMessage("size"));
      return;
    }
    for (const RawNode& kid : raw.kids) CheckMisusedOperand(kid);
    std::vector<bool> is_size(raw.kids.size());
    for (size_t i = 0; i < raw.kids.size(); ++i) {
      bool s = false;
      node->operands.push_back(BuildOperand(raw.kids[i], leaf, &s));
      is_size[i] = s;
    }
    const size_t want = (name == "attribute_exists" || name == "attribute_not_exists") ? 1 : 2;
    if (node->operands.size() != want) {
      leaf->operand.Set(OperandCountMessage(name, node->operands.size()));
      return;
    }
    CheckDistinct(name, node->operands, leaf);
    const std::vector<Operand>& args = node->operands;
    if (want == 1) {
      node->kind = name == "attribute_exists" ? ConditionKind::kAttributeExists
                                              : ConditionKind::kAttributeNotExists;
      if (args[0].kind != OperandKind::kPath) leaf->function.Set(NeedsPathMessage(name));
    } else if (name == "begins_with") {
      node->kind = ConditionKind::kBeginsWith;
      for (size_t i = 0; i < args.size(); ++i) {
        const std::optional<AttributeType> type = StaticType(args[i], is_size[i]);
        if (type && *type != AttributeType::kS && *type != AttributeType::kB) {
          leaf->function.Set(OperandTypeMessage(name, AttributeTypeName(*type)));
          break;
        }
      }
    } else if (name == "attribute_type") {
      node->kind = ConditionKind::kAttributeType;
      const std::optional<AttributeType> type = StaticType(args[1], is_size[1]);
      if (type != AttributeType::kS) {
        leaf->function.Set(OperandTypeMessage(
            name, type ? AttributeTypeName(*type) : "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"));
      } else {
        static constexpr std::string_view kTypes[] = {"S",    "N", "B",  "NULL", "SS",
                                                      "BOOL", "L", "BS", "NS",   "M"};
        const std::string& wanted = args[1].value.s();
        if (std::find(std::begin(kTypes), std::end(kTypes), wanted) == std::end(kTypes)) {
          leaf->function.Set("Invalid attribute type name found; type: " + wanted +
                             ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
        }
      }
    } else {
      node->kind = ConditionKind::kContains;
    }
  }

  Resolver& r_;
  Slot unknown_function_;
  Slot misused_function_;
  Slot reserved_;
  Slot condition_;
};

// ---- updates ----

class UpdateChecker {
 public:
  explicit UpdateChecker(Resolver* resolver) : r_(*resolver) {}

  std::optional<std::string> Error() const {
    for (const Slot* slot : {&reserved_, &unknown_function_, &section_, &undefined_name_,
                             &undefined_value_, &overlap_, &conflict_, &operand_, &function_}) {
      if (*slot) return slot->message;
    }
    return std::nullopt;
  }

  void Build(const std::vector<SyntaxParser::RawSection>& sections,
             std::vector<UpdateAction>* actions) {
    bool seen[4] = {false, false, false, false};
    for (const SyntaxParser::RawSection& section : sections) {
      const auto k = static_cast<size_t>(section.kind);
      if (seen[k]) {
        static constexpr std::string_view kNames[] = {"SET", "REMOVE", "ADD", "DELETE"};
        section_.Set("The \"" + std::string(kNames[k]) +
                     "\" section can only be used once in an update expression;");
      }
      seen[k] = true;
      for (size_t i = 0; i < section.targets.size(); ++i) {
        UpdateAction& action = actions->emplace_back();
        action.kind = section.kind;
        action.path = r_.BuildPath(section.targets[i], &reserved_, &undefined_name_);
        if (section.kind == UpdateActionKind::kSet) {
          action.value = BuildValue(section.values[i], /*in_list_append=*/false);
        } else if (section.kind != UpdateActionKind::kRemove) {
          action.value.kind = OperandKind::kValue;
          if (const AttributeValue* v =
                  r_.ResolveValue(section.values[i].token, &undefined_value_)) {
            action.value.value = *v;
            const std::string_view type = TypeNameForUpdate(v->type());
            const bool add_number =
                section.kind == UpdateActionKind::kAdd && v->type() == AttributeType::kN;
            if (!type.empty() && !add_number) {
              operand_.Set(std::string("Incorrect operand type for operator or function; "
                                       "operator: ") +
                           (section.kind == UpdateActionKind::kAdd ? "ADD" : "DELETE") +
                           ", operand type: " + std::string(type));
            }
          }
        }
      }
    }
    std::vector<const Path*> paths;
    paths.reserve(actions->size());
    for (const UpdateAction& action : *actions) paths.push_back(&action.path);
    CheckPaths(paths, &overlap_, &conflict_);
  }

 private:
  Operand BuildValue(const RawNode& raw, bool in_list_append) {
    Operand operand;
    switch (raw.kind) {
      case RawKind::kPath:
        operand.kind = OperandKind::kPath;
        operand.path = r_.BuildPath(raw, &reserved_, &undefined_name_);
        return operand;
      case RawKind::kValue:
        operand.kind = OperandKind::kValue;
        if (const AttributeValue* v = r_.ResolveValue(raw.token, &undefined_value_)) {
          operand.value = *v;
        }
        return operand;
      case RawKind::kPlus:
      case RawKind::kMinus: {
        operand.kind = raw.kind == RawKind::kPlus ? OperandKind::kPlus : OperandKind::kMinus;
        for (const RawNode& kid : raw.kids) operand.args.push_back(BuildValue(kid, false));
        CheckImmediateTypes(raw.kind == RawKind::kPlus ? "+" : "-", operand.args,
                            AttributeType::kN);
        return operand;
      }
      case RawKind::kCall:
        break;
      default:
        return operand;
    }
    const std::string_view name = r_.TextOf(raw.token);
    const bool if_not_exists = name == "if_not_exists";
    const bool list_append = name == "list_append";
    if (!if_not_exists && !list_append) {
      unknown_function_.Set(UnknownFunctionMessage(name));
      return operand;
    }
    if (list_append && in_list_append) function_.Set(MisusedFunctionMessage(name));
    std::vector<Operand> args;
    for (const RawNode& kid : raw.kids) args.push_back(BuildValue(kid, list_append));
    if (args.size() != 2) {
      function_.Set(OperandCountMessage(name, args.size()));
      return operand;
    }
    if (if_not_exists) {
      operand.kind = OperandKind::kIfNotExists;
      if (args[0].kind != OperandKind::kPath) {
        function_.Set(NeedsPathMessage(name));
        return operand;
      }
      operand.path = std::move(args[0].path);
      operand.args.push_back(std::move(args[1]));
    } else {
      operand.kind = OperandKind::kListAppend;
      CheckImmediateTypes(name, args, AttributeType::kL);
      operand.args = std::move(args);
    }
    return operand;
  }

  // Values (not paths or function results) given to + - list_append must have the right type.
  void CheckImmediateTypes(std::string_view function, const std::vector<Operand>& args,
                           AttributeType wanted) {
    for (const Operand& arg : args) {
      if (arg.kind == OperandKind::kValue && arg.value.type() != wanted) {
        function_.Set(OperandTypeMessage(function, AttributeTypeName(arg.value.type())));
        return;
      }
    }
  }

  Resolver& r_;
  Slot reserved_;
  Slot unknown_function_;
  Slot section_;
  Slot undefined_name_;
  Slot undefined_value_;
  Slot overlap_;
  Slot conflict_;
  Slot operand_;
  Slot function_;
};

// ---- shared driver ----

Error Invalid(std::string_view parameter, std::string_view message) {
  std::string text = "Invalid ";
  text.append(parameter);
  text += ": ";
  text.append(message);
  return Error::Validation(std::move(text));
}

// The checks every expression gets before parsing.
std::optional<Error> CheckText(std::string_view text, std::string_view parameter) {
  if (text.empty()) return Invalid(parameter, kExpressionEmpty);
  if (text.size() > kMaxExpressionBytes) {
    return Invalid(parameter, std::string(kExpressionTooLarge) + std::to_string(text.size()));
  }
  return std::nullopt;
}

std::optional<Error> CheckOperatorCount(const SyntaxParser& parser, std::string_view parameter) {
  if (parser.operators() <= kMaxOperators) return std::nullopt;
  // DynamoDB stops counting at the first operator over the limit: an expression with 909
  // operators is reported as "operator count: 301".
  return Invalid(parameter, "The expression contains too many operators; operator count: " +
                                std::to_string(kMaxOperators + 1));
}

void RecordUsed(const ExpressionSource& source, Placeholders* placeholders) {
  for (const auto& [name, value] : source.names) placeholders->used_names.insert(name);
  for (const auto& [name, value] : source.values) placeholders->used_values.insert(name);
}

// Parses a condition-language expression into `out`; shared by ParseCondition and
// ParseKeyCondition.
std::optional<Error> ParseConditionInto(std::string_view text, std::string_view parameter,
                                        const Placeholders& placeholders,
                                        ConditionExpression* out) {
  if (std::optional<Error> e = CheckText(text, parameter)) return e;
  const std::vector<Token> tokens = internal::Lex(text);
  SyntaxParser parser(text, &tokens, Keywords::kCondition);
  RawNode raw;
  if (!parser.ParseConditionTop(&raw)) return Invalid(parameter, *parser.error());
  if (std::optional<Error> e = CheckOperatorCount(parser, parameter)) return e;
  out->source.text = std::string(text);
  Resolver resolver(text, &tokens, &placeholders, &out->source);
  ConditionChecker checker(&resolver);
  checker.CheckNotSizeCondition(raw);
  out->root = checker.Build(raw);
  if (std::optional<std::string> e = checker.Error(parser.redundant_parens())) {
    return Invalid(parameter, *e);
  }
  return std::nullopt;
}

// ---- key conditions ----

// The key-condition rules (dynalite's convertKeyCondition, from DynamoDB's answers), walked in
// text order over the parsed condition. Messages are not prefixed.
class KeyConditionConverter {
 public:
  std::optional<std::string> Convert(const ConditionNode& node, std::vector<KeyCondition>* out) {
    switch (node.kind) {
      case ConditionKind::kOr:
        return std::string(kInvalidOperator) + "OR";
      case ConditionKind::kNot:
        return std::string(kInvalidOperator) + "NOT";
      case ConditionKind::kIn:
        return std::string(kInvalidOperator) + "IN";
      case ConditionKind::kAttributeExists:
        return std::string(kInvalidOperator) + "attribute_exists";
      case ConditionKind::kAttributeNotExists:
        return std::string(kInvalidOperator) + "attribute_not_exists";
      case ConditionKind::kAttributeType:
        return std::string(kInvalidOperator) + "attribute_type";
      case ConditionKind::kContains:
        return std::string(kInvalidOperator) + "contains";
      case ConditionKind::kAnd:
        for (const ConditionNode& child : node.children) {
          if (std::optional<std::string> e = Convert(child, out)) return e;
        }
        return std::nullopt;
      case ConditionKind::kCompare:
        if (node.comparator == Comparator::kNe) return std::string(kInvalidOperator) + "<>";
        break;
      case ConditionKind::kBetween:
        if (node.operands[0].kind != OperandKind::kPath) {
          return "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
                 "attribute as its first operand";
        }
        break;
      case ConditionKind::kBeginsWith:
        if (node.operands[0].kind != OperandKind::kPath) {
          return "Invalid condition in KeyConditionExpression: begins_with operator must have "
                 "the key attribute as its first operand";
        }
        break;
    }
    const Path* attribute = nullptr;
    size_t attribute_index = 0;
    for (size_t i = 0; i < node.operands.size(); ++i) {
      const Operand& operand = node.operands[i];
      if (operand.kind == OperandKind::kSize) {
        return std::string("KeyConditionExpressions cannot contain nested operations");
      }
      if (operand.kind != OperandKind::kPath) continue;
      if (attribute != nullptr) {
        return std::string(
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition");
      }
      if (operand.path.elements.size() > 1) {
        return std::string("KeyConditionExpressions cannot have conditions on nested attributes");
      }
      attribute = &operand.path;
      attribute_index = i;
    }
    if (attribute == nullptr) {
      return std::string("Invalid condition in KeyConditionExpression: No key attribute specified");
    }
    for (const KeyCondition& seen : *out) {
      if (seen.attribute == attribute->attribute()) {
        return std::string("KeyConditionExpressions must only contain one condition per key");
      }
    }
    KeyCondition& condition = out->emplace_back();
    condition.attribute = attribute->attribute();
    for (size_t i = 0; i < node.operands.size(); ++i) {
      if (i != attribute_index) condition.values.push_back(node.operands[i].value);
    }
    if (node.kind == ConditionKind::kBetween) {
      condition.op = KeyOperator::kBetween;
    } else if (node.kind == ConditionKind::kBeginsWith) {
      condition.op = KeyOperator::kBeginsWith;
    } else {
      // ":v < k" is "k > :v".
      const bool swapped = attribute_index != 0;
      switch (node.comparator) {
        case Comparator::kLt:
          condition.op = swapped ? KeyOperator::kGt : KeyOperator::kLt;
          break;
        case Comparator::kLe:
          condition.op = swapped ? KeyOperator::kGe : KeyOperator::kLe;
          break;
        case Comparator::kGt:
          condition.op = swapped ? KeyOperator::kLt : KeyOperator::kGt;
          break;
        case Comparator::kGe:
          condition.op = swapped ? KeyOperator::kLe : KeyOperator::kGe;
          break;
        default:
          condition.op = KeyOperator::kEq;
          break;
      }
    }
    return std::nullopt;
  }

 private:
  static constexpr std::string_view kInvalidOperator =
      "Invalid operator used in KeyConditionExpression: ";
};

}  // namespace

std::string PathToString(const Path& path) {
  std::string out = "[";
  for (size_t i = 0; i < path.elements.size(); ++i) {
    if (i > 0) out += ", ";
    const PathElement& element = path.elements[i];
    if (element.is_index) {
      out += '[';
      out += std::to_string(element.index);
      out += ']';
    } else {
      out += element.name;
    }
  }
  out += ']';
  return out;
}

Status CheckPlaceholdersUsed(const Placeholders& placeholders) {
  auto unused = [](const auto* map, const std::set<std::string>& used,
                   std::string_view what) -> std::optional<Error> {
    if (map == nullptr) return std::nullopt;
    std::string keys;
    for (const auto& [key, value] : *map) {
      if (used.count(std::string(key)) > 0) continue;
      if (!keys.empty()) keys += ", ";
      keys += key;
    }
    if (keys.empty()) return std::nullopt;
    return Error::Validation("Value provided in " + std::string(what) +
                             " unused in expressions: keys: {" + keys + "}");
  };
  if (auto e = unused(placeholders.names, placeholders.used_names, "ExpressionAttributeNames")) {
    return *e;
  }
  if (auto e = unused(placeholders.values, placeholders.used_values, "ExpressionAttributeValues")) {
    return *e;
  }
  return Status::Ok();
}

// <, <=, > and >= order only strings, numbers and binaries. A constant of another type there is
// an error before anything is evaluated (ScyllaDB Alternator's tests record DynamoDB refusing
// `a < :list`), while a path of another type only makes the comparison false. Key conditions
// have their own message for this (KeyConditionConverter), so only conditions and filters get
// this check. Returns the message, or nothing.
std::optional<std::string> UnorderableConstant(const ConditionNode& node) {
  for (const ConditionNode& child : node.children) {
    if (std::optional<std::string> e = UnorderableConstant(child)) return e;
  }
  if (node.kind != ConditionKind::kCompare || node.comparator == Comparator::kEq ||
      node.comparator == Comparator::kNe) {
    return std::nullopt;
  }
  for (const Operand& operand : node.operands) {
    if (operand.kind != OperandKind::kValue) continue;
    const AttributeType type = operand.value.type();
    if (type != AttributeType::kS && type != AttributeType::kN && type != AttributeType::kB) {
      return OperandTypeMessage(ComparatorText(node.comparator), AttributeTypeName(type));
    }
  }
  return std::nullopt;
}

Result<ConditionPtr> ParseCondition(std::string_view text, std::string_view parameter,
                                    Placeholders* placeholders) {
  auto condition = std::make_shared<ConditionExpression>();
  if (std::optional<Error> e =
          ParseConditionInto(text, parameter, *placeholders, condition.get())) {
    return *std::move(e);
  }
  if (std::optional<std::string> e = UnorderableConstant(condition->root)) {
    return Error::Validation("Invalid " + std::string(parameter) + ": " + *e);
  }
  RecordUsed(condition->source, placeholders);
  return ConditionPtr(std::move(condition));
}

Result<KeyConditionPtr> ParseKeyCondition(std::string_view text, Placeholders* placeholders) {
  constexpr std::string_view kParameter = "KeyConditionExpression";
  ConditionExpression parsed;
  if (std::optional<Error> e = ParseConditionInto(text, kParameter, *placeholders, &parsed)) {
    return *std::move(e);
  }
  auto key_condition = std::make_shared<KeyConditionExpression>();
  KeyConditionConverter converter;
  if (std::optional<std::string> e = converter.Convert(parsed.root, &key_condition->conditions)) {
    return Error::Validation(*std::move(e));
  }
  if (std::optional<Error> e = internal::CheckKeyConditionValues(key_condition->conditions)) {
    return *std::move(e);
  }
  key_condition->source = std::move(parsed.source);
  RecordUsed(key_condition->source, placeholders);
  return KeyConditionPtr(std::move(key_condition));
}

Result<UpdatePtr> ParseUpdate(std::string_view text, Placeholders* placeholders) {
  constexpr std::string_view kParameter = "UpdateExpression";
  if (std::optional<Error> e = CheckText(text, kParameter)) return *std::move(e);
  const std::vector<Token> tokens = internal::Lex(text);
  SyntaxParser parser(text, &tokens, Keywords::kUpdate);
  std::vector<SyntaxParser::RawSection> sections;
  if (!parser.ParseUpdateTop(&sections)) return Invalid(kParameter, *parser.error());
  if (std::optional<Error> e = CheckOperatorCount(parser, kParameter)) return *std::move(e);
  auto update = std::make_shared<UpdateExpression>();
  update->source.text = std::string(text);
  Resolver resolver(text, &tokens, placeholders, &update->source);
  UpdateChecker checker(&resolver);
  checker.Build(sections, &update->actions);
  if (std::optional<std::string> e = checker.Error()) return Invalid(kParameter, *e);
  RecordUsed(update->source, placeholders);
  return UpdatePtr(std::move(update));
}

Result<ProjectionPtr> ParseProjection(std::string_view text, Placeholders* placeholders) {
  constexpr std::string_view kParameter = "ProjectionExpression";
  if (std::optional<Error> e = CheckText(text, kParameter)) return *std::move(e);
  const std::vector<Token> tokens = internal::Lex(text);
  SyntaxParser parser(text, &tokens, Keywords::kNone);
  std::vector<RawNode> raw_paths;
  if (!parser.ParseProjectionTop(&raw_paths)) return Invalid(kParameter, *parser.error());
  auto projection = std::make_shared<ProjectionExpression>();
  projection->source.text = std::string(text);
  Resolver resolver(text, &tokens, placeholders, &projection->source);
  Slot reserved, undefined, overlap, conflict;
  projection->paths.reserve(raw_paths.size());
  for (const RawNode& raw : raw_paths) {
    projection->paths.push_back(resolver.BuildPath(raw, &reserved, &undefined));
  }
  std::vector<const Path*> paths;
  for (const Path& path : projection->paths) paths.push_back(&path);
  CheckPaths(paths, &overlap, &conflict);
  for (const Slot* slot : {&reserved, &undefined, &overlap, &conflict}) {
    if (*slot) return Invalid(kParameter, *slot->message);
  }
  RecordUsed(projection->source, placeholders);
  return ProjectionPtr(std::move(projection));
}

}  // namespace ddbx::api::expr
