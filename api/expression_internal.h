// Internals shared by the expression_*.cc files: the lexer, the reserved words, value helpers
// used in messages, and the printer that turns trees back into expression text. Not part of the
// public API (api/expression.h is); only api/expression_*.cc include this. Pure functions; any
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/attribute_value.h"
#include "api/expression.h"

namespace ddbx::api::expr::internal {

// ---- Lexer (expression_lexer.cc) ----

enum class Tok : uint8_t {
  kName,              // [A-Za-z][A-Za-z0-9_]*  (keywords are names; the parser decides)
  kNamePlaceholder,   // #[A-Za-z0-9_]+
  kValuePlaceholder,  // :[A-Za-z0-9_]+
  kNumber,            // [0-9]+
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kEq,  // =
  kNe,  // <>
  kLt,  // <
  kLe,  // <=
  kGt,  // >
  kGe,  // >=
  kPlus,
  kMinus,
  kInvalid,  // any other character (one UTF-8 sequence)
  kEnd,      // end of input
};

struct Token {
  Tok kind;
  uint32_t begin;  // byte offsets into the expression text
  uint32_t end;
};

// Splits `text` into tokens, skipping spaces, tabs, CR and LF. The last token is always kEnd
// (begin = end = text.size()). REQUIRES: text.size() < 2^32.
std::vector<Token> Lex(std::string_view text);

// DynamoDB's syntax error text (without the "Invalid <parameter>: " prefix) for the token at
// `index`: Syntax error; token: "<token>", near: "<previous token .. next token>". The end token
// reads "<EOF>".
std::string SyntaxErrorText(std::string_view text, const std::vector<Token>& tokens, size_t index);

// True when `word` (any case) is one of DynamoDB's reserved words.
bool IsReservedWord(std::string_view word);

// True when `word` equals `keyword` ignoring ASCII case; `keyword` is upper case.
bool KeywordEquals(std::string_view word, std::string_view keyword);

// ---- Values in messages ----

// "{N:5}", "{S:abc}", "{B:<base64>}" as DynamoDB prints a BETWEEN bound.
std::string AttributeValueForMessage(const AttributeValue& value);

// ---- Printer (expression_print.cc) ----
// Builds equivalent expression text for a tree, with every attribute name replaced by a
// placeholder "#n0", "#n1", ... and every value by ":v0", ":v1", ..., and records them in
// *source. Used for trees translated from legacy parameters, and by tests to round-trip trees.

void PrintCondition(const ConditionNode& root, ExpressionSource* source);
void PrintKeyConditions(const std::vector<KeyCondition>& conditions, ExpressionSource* source);
void PrintUpdate(const std::vector<UpdateAction>& actions, bool legacy, ExpressionSource* source);
void PrintProjection(const std::vector<Path>& paths, ExpressionSource* source);

// ---- Shared evaluation helpers (expression_eval.cc) ----

// The value at `path` in `item`, or null when any step is missing or of the wrong type.
const AttributeValue* ResolvePath(const Path& path, const Item& item);

// ---- Legacy rules shared with ParseKeyCondition (expression_legacy.cc) ----

// A key condition's values pass the same checks as KeyConditions' (operand count, one type,
// the operator's types, BETWEEN order), and there are one or two conditions ("Conditions can be
// of length 1 or 2 only").
std::optional<Error> CheckKeyConditionValues(const std::vector<KeyCondition>& conditions);

}  // namespace ddbx::api::expr::internal
