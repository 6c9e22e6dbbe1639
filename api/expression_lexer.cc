// The expression lexer, DynamoDB's reserved words, and the syntax error text.
//
// DynamoDB's lexer, as observed (ScyllaDB Alternator's tests against DynamoDB record it): a name
// is a letter followed by letters, digits and underscores ("_abc" and "1a" are not names); a
// placeholder is '#' or ':' followed by one or more letters, digits or underscores; digits form
// a number (list indexes); whitespace separates tokens. Any other character is a token of its
// own that no rule accepts, so the parser reports it as a syntax error.
#include <algorithm>
#include <array>

#include "api/base64.h"
#include "api/expression_internal.h"

namespace ddbx::api::expr::internal {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The reserved words of
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ReservedWords.html, sorted.
// clang-format off
constexpr std::array<std::string_view, 573> kReservedWords = {
    "ABORT", "ABSOLUTE", "ACTION", "ADD", "AFTER", "AGENT", "AGGREGATE", "ALL", "ALLOCATE",
    "ALTER", "ANALYZE", "AND", "ANY", "ARCHIVE", "ARE", "ARRAY", "AS", "ASC", "ASCII",
    "ASENSITIVE", "ASSERTION", "ASYMMETRIC", "AT", "ATOMIC", "ATTACH", "ATTRIBUTE", "AUTH",
    "AUTHORIZATION", "AUTHORIZE", "AUTO", "AVG", "BACK", "BACKUP", "BASE", "BATCH", "BEFORE",
    "BEGIN", "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB", "BLOCK", "BOOLEAN", "BOTH", "BREADTH",
    "BUCKET", "BULK", "BY", "BYTE", "CALL", "CALLED", "CALLING", "CAPACITY", "CASCADE",
    "CASCADED", "CASE", "CAST", "CATALOG", "CHAR", "CHARACTER", "CHECK", "CLASS", "CLOB", "CLOSE",
    "CLUSTER", "CLUSTERED", "CLUSTERING", "CLUSTERS", "COALESCE", "COLLATE", "COLLATION",
    "COLLECTION", "COLUMN", "COLUMNS", "COMBINE", "COMMENT", "COMMIT", "COMPACT", "COMPILE",
    "COMPRESS", "CONDITION", "CONFLICT", "CONNECT", "CONNECTION", "CONSISTENCY", "CONSISTENT",
    "CONSTRAINT", "CONSTRAINTS", "CONSTRUCTOR", "CONSUMED", "CONTINUE", "CONVERT", "COPY",
    "CORRESPONDING", "COUNT", "COUNTER", "CREATE", "CROSS", "CUBE", "CURRENT", "CURSOR", "CYCLE",
    "DATA", "DATABASE", "DATE", "DATETIME", "DAY", "DEALLOCATE", "DEC", "DECIMAL", "DECLARE",
    "DEFAULT", "DEFERRABLE", "DEFERRED", "DEFINE", "DEFINED", "DEFINITION", "DELETE", "DELIMITED",
    "DEPTH", "DEREF", "DESC", "DESCRIBE", "DESCRIPTOR", "DETACH", "DETERMINISTIC", "DIAGNOSTICS",
    "DIRECTORIES", "DISABLE", "DISCONNECT", "DISTINCT", "DISTRIBUTE", "DO", "DOMAIN", "DOUBLE",
    "DROP", "DUMP", "DURATION", "DYNAMIC", "EACH", "ELEMENT", "ELSE", "ELSEIF", "EMPTY", "ENABLE",
    "END", "EQUAL", "EQUALS", "ERROR", "ESCAPE", "ESCAPED", "EVAL", "EVALUATE", "EXCEEDED",
    "EXCEPT", "EXCEPTION", "EXCEPTIONS", "EXCLUSIVE", "EXEC", "EXECUTE", "EXISTS", "EXIT",
    "EXPLAIN", "EXPLODE", "EXPORT", "EXPRESSION", "EXTENDED", "EXTERNAL", "EXTRACT", "FAIL",
    "FALSE", "FAMILY", "FETCH", "FIELDS", "FILE", "FILTER", "FILTERING", "FINAL", "FINISH",
    "FIRST", "FIXED", "FLATTERN", "FLOAT", "FOR", "FORCE", "FOREIGN", "FORMAT", "FORWARD",
    "FOUND", "FREE", "FROM", "FULL", "FUNCTION", "FUNCTIONS", "GENERAL", "GENERATE", "GET",
    "GLOB", "GLOBAL", "GO", "GOTO", "GRANT", "GREATER", "GROUP", "GROUPING", "HANDLER", "HASH",
    "HAVE", "HAVING", "HEAP", "HIDDEN", "HOLD", "HOUR", "IDENTIFIED", "IDENTITY", "IF", "IGNORE",
    "IMMEDIATE", "IMPORT", "IN", "INCLUDING", "INCLUSIVE", "INCREMENT", "INCREMENTAL", "INDEX",
    "INDEXED", "INDEXES", "INDICATOR", "INFINITE", "INITIALLY", "INLINE", "INNER", "INNTER",
    "INOUT", "INPUT", "INSENSITIVE", "INSERT", "INSTEAD", "INT", "INTEGER", "INTERSECT",
    "INTERVAL", "INTO", "INVALIDATE", "IS", "ISOLATION", "ITEM", "ITEMS", "ITERATE", "JOIN",
    "KEY", "KEYS", "LAG", "LANGUAGE", "LARGE", "LAST", "LATERAL", "LEAD", "LEADING", "LEAVE",
    "LEFT", "LENGTH", "LESS", "LEVEL", "LIKE", "LIMIT", "LIMITED", "LINES", "LIST", "LOAD",
    "LOCAL", "LOCALTIME", "LOCALTIMESTAMP", "LOCATION", "LOCATOR", "LOCK", "LOCKS", "LOG",
    "LOGED", "LONG", "LOOP", "LOWER", "MAP", "MATCH", "MATERIALIZED", "MAX", "MAXLEN", "MEMBER",
    "MERGE", "METHOD", "METRICS", "MIN", "MINUS", "MINUTE", "MISSING", "MOD", "MODE", "MODIFIES",
    "MODIFY", "MODULE", "MONTH", "MULTI", "MULTISET", "NAME", "NAMES", "NATIONAL", "NATURAL",
    "NCHAR", "NCLOB", "NEW", "NEXT", "NO", "NONE", "NOT", "NULL", "NULLIF", "NUMBER", "NUMERIC",
    "OBJECT", "OF", "OFFLINE", "OFFSET", "OLD", "ON", "ONLINE", "ONLY", "OPAQUE", "OPEN",
    "OPERATOR", "OPTION", "OR", "ORDER", "ORDINALITY", "OTHER", "OTHERS", "OUT", "OUTER",
    "OUTPUT", "OVER", "OVERLAPS", "OVERRIDE", "OWNER", "PAD", "PARALLEL", "PARAMETER",
    "PARAMETERS", "PARTIAL", "PARTITION", "PARTITIONED", "PARTITIONS", "PATH", "PERCENT",
    "PERCENTILE", "PERMISSION", "PERMISSIONS", "PIPE", "PIPELINED", "PLAN", "POOL", "POSITION",
    "PRECISION", "PREPARE", "PRESERVE", "PRIMARY", "PRIOR", "PRIVATE", "PRIVILEGES", "PROCEDURE",
    "PROCESSED", "PROJECT", "PROJECTION", "PROPERTY", "PROVISIONING", "PUBLIC", "PUT", "QUERY",
    "QUIT", "QUORUM", "RAISE", "RANDOM", "RANGE", "RANK", "RAW", "READ", "READS", "REAL",
    "REBUILD", "RECORD", "RECURSIVE", "REDUCE", "REF", "REFERENCE", "REFERENCES", "REFERENCING",
    "REGEXP", "REGION", "REINDEX", "RELATIVE", "RELEASE", "REMAINDER", "RENAME", "REPEAT",
    "REPLACE", "REQUEST", "RESET", "RESIGNAL", "RESOURCE", "RESPONSE", "RESTORE", "RESTRICT",
    "RESULT", "RETURN", "RETURNING", "RETURNS", "REVERSE", "REVOKE", "RIGHT", "ROLE", "ROLES",
    "ROLLBACK", "ROLLUP", "ROUTINE", "ROW", "ROWS", "RULE", "RULES", "SAMPLE", "SATISFIES",
    "SAVE", "SAVEPOINT", "SCAN", "SCHEMA", "SCOPE", "SCROLL", "SEARCH", "SECOND", "SECTION",
    "SEGMENT", "SEGMENTS", "SELECT", "SELF", "SEMI", "SENSITIVE", "SEPARATE", "SEQUENCE",
    "SERIALIZABLE", "SESSION", "SET", "SETS", "SHARD", "SHARE", "SHARED", "SHORT", "SHOW",
    "SIGNAL", "SIMILAR", "SIZE", "SKEWED", "SMALLINT", "SNAPSHOT", "SOME", "SOURCE", "SPACE",
    "SPACES", "SPARSE", "SPECIFIC", "SPECIFICTYPE", "SPLIT", "SQL", "SQLCODE", "SQLERROR",
    "SQLEXCEPTION", "SQLSTATE", "SQLWARNING", "START", "STATE", "STATIC", "STATUS", "STORAGE",
    "STORE", "STORED", "STREAM", "STRING", "STRUCT", "STYLE", "SUB", "SUBMULTISET",
    "SUBPARTITION", "SUBSTRING", "SUBTYPE", "SUM", "SUPER", "SYMMETRIC", "SYNONYM", "SYSTEM",
    "TABLE", "TABLESAMPLE", "TEMP", "TEMPORARY", "TERMINATED", "TEXT", "THAN", "THEN",
    "THROUGHPUT", "TIME", "TIMESTAMP", "TIMEZONE", "TINYINT", "TO", "TOKEN", "TOTAL", "TOUCH",
    "TRAILING", "TRANSACTION", "TRANSFORM", "TRANSLATE", "TRANSLATION", "TREAT", "TRIGGER",
    "TRIM", "TRUE", "TRUNCATE", "TTL", "TUPLE", "TYPE", "UNDER", "UNDO", "UNION", "UNIQUE",
    "UNIT", "UNKNOWN", "UNLOGGED", "UNNEST", "UNPROCESSED", "UNSIGNED", "UNTIL", "UPDATE",
    "UPPER", "URL", "USAGE", "USE", "USER", "USERS", "USING", "UUID", "VACUUM", "VALUE", "VALUED",
    "VALUES", "VARCHAR", "VARIABLE", "VARIANCE", "VARINT", "VARYING", "VIEW", "VIEWS", "VIRTUAL",
    "VOID", "WAIT", "WHEN", "WHENEVER", "WHERE", "WHILE", "WINDOW", "WITH", "WITHIN", "WITHOUT",
    "WORK", "WRAPPED", "WRITE", "YEAR", "ZONE",
};
// clang-format on

char ToUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

std::vector<Token> Lex(std::string_view text) {
  std::vector<Token> tokens;
  tokens.reserve(text.size() / 2 + 2);
  const auto n = static_cast<uint32_t>(text.size());
  uint32_t i = 0;
  while (i < n) {
    const char c = text[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    const uint32_t begin = i;
    Tok kind = Tok::kInvalid;
    if (IsAlpha(c)) {
      while (i < n && IsWordChar(text[i])) ++i;
      kind = Tok::kName;
    } else if (IsDigit(c)) {
      while (i < n && IsDigit(text[i])) ++i;
      kind = Tok::kNumber;
    } else if ((c == '#' || c == ':') && i + 1 < n && IsWordChar(text[i + 1])) {
      ++i;
      while (i < n && IsWordChar(text[i])) ++i;
      kind = c == '#' ? Tok::kNamePlaceholder : Tok::kValuePlaceholder;
    } else {
      ++i;
      switch (c) {
        case '(':
          kind = Tok::kLParen;
          break;
        case ')':
          kind = Tok::kRParen;
          break;
        case '[':
          kind = Tok::kLBracket;
          break;
        case ']':
          kind = Tok::kRBracket;
          break;
        case ',':
          kind = Tok::kComma;
          break;
        case '.':
          kind = Tok::kDot;
          break;
        case '=':
          kind = Tok::kEq;
          break;
        case '+':
          kind = Tok::kPlus;
          break;
        case '-':
          kind = Tok::kMinus;
          break;
        case '<':
          if (i < n && text[i] == '=') {
            ++i;
            kind = Tok::kLe;
          } else if (i < n && text[i] == '>') {
            ++i;
            kind = Tok::kNe;
          } else {
            kind = Tok::kLt;
          }
          break;
        case '>':
          if (i < n && text[i] == '=') {
            ++i;
            kind = Tok::kGe;
          } else {
            kind = Tok::kGt;
          }
          break;
        default:
          // One whole UTF-8 sequence, so a message never splits a character.
          kind = Tok::kInvalid;
          while (i < n && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
          break;
      }
    }
    tokens.push_back(Token{kind, begin, i});
  }
  tokens.push_back(Token{Tok::kEnd, n, n});
  return tokens;
}

std::string SyntaxErrorText(std::string_view text, const std::vector<Token>& tokens, size_t index) {
  const Token& token = tokens[index];
  std::string out = "Syntax error; token: \"";
  if (token.kind == Tok::kEnd) {
    out += "<EOF>";
  } else {
    out.append(text.substr(token.begin, token.end - token.begin));
  }
  // "near" spans the previous token, this one and the next one, as written.
  const uint32_t near_begin = index > 0 ? tokens[index - 1].begin : token.begin;
  const uint32_t near_end =
      index + 1 < tokens.size() ? tokens[index + 1].end : static_cast<uint32_t>(text.size());
  out += "\", near: \"";
  out.append(text.substr(near_begin, near_end - near_begin));
  out += '"';
  return out;
}

bool IsReservedWord(std::string_view word) {
  if (word.empty() || word.size() > 16) return false;  // the longest reserved word has 14
  char buf[16];
  for (size_t i = 0; i < word.size(); ++i) buf[i] = ToUpper(word[i]);
  const std::string_view upper(buf, word.size());
  return std::binary_search(kReservedWords.begin(), kReservedWords.end(), upper);
}

bool KeywordEquals(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (ToUpper(word[i]) != keyword[i]) return false;
  }
  return true;
}

std::string AttributeValueForMessage(const AttributeValue& value) {
  std::string out = "{";
  out += AttributeTypeName(value.type());
  out += ':';
  switch (value.type()) {
    case AttributeType::kS:
      out += value.s();
      break;
    case AttributeType::kN:
      out += value.n().ToString();
      break;
    case AttributeType::kB:
      Base64Encode(value.b(), &out);
      break;
    case AttributeType::kBOOL:
      out += value.boolean() ? "true" : "false";
      break;
    case AttributeType::kNULL:
      out += "true";
      break;
    default:
      break;  // BETWEEN bounds of other types are never printed
  }
  out += '}';
  return out;
}

}  // namespace ddbx::api::expr::internal
