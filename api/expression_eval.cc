// Evaluation of conditions, projections and key conditions against items.
//
// Conditions are evaluated directly on the parsed tree. An operand resolves to a pointer into
// the item or into the tree (a path or a value), or, for size(), to a number held in a stack
// slot, so evaluating a condition copies nothing and, for the common cases, allocates nothing.
// DynamoDB's rules (docs: "Comparison operator and function reference"):
//   - a comparison with a missing operand, or of values of different types, is false (<> is
//     true unless both operands exist and are equal);
//   - <, <=, >, >=, BETWEEN order only S (by unsigned bytes), N (by value) and B (by unsigned
//     bytes); other types are unordered, so the comparison is false;
//   - equality is defined for every type: sets regardless of member order, lists element-wise,
//     maps member-wise;
//   - a function applied to an unsupported type is false, never an error.
// Projections build a new item holding only the requested paths; list elements keep their
// relative order and are renumbered, and containers that end up empty are left out.
#include <algorithm>
#include <span>

#include "api/expression.h"
#include "api/expression_internal.h"

namespace ddbx::api::expr {
namespace {

// ---- equality ----

template <class T>
bool SameMembers(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  if (a.size() <= 32) {
    for (const T& x : a) {
      if (std::find(b.begin(), b.end(), x) == b.end()) return false;
    }
    return true;
  }
  // Members are unique, so equal sorted copies mean equal sets.
  std::vector<const T*> sa, sb;
  sa.reserve(a.size());
  sb.reserve(b.size());
  for (const T& x : a) sa.push_back(&x);
  for (const T& x : b) sb.push_back(&x);
  auto less = [](const T* x, const T* y) { return *x < *y; };
  std::sort(sa.begin(), sa.end(), less);
  std::sort(sb.begin(), sb.end(), less);
  for (size_t i = 0; i < sa.size(); ++i) {
    if (!(*sa[i] == *sb[i])) return false;
  }
  return true;
}

// ---- operands ----

// The size() of a value: bytes of S and B, members of sets, elements of L and M.
std::optional<int64_t> SizeOf(const AttributeValue& v) {
  switch (v.type()) {
    case AttributeType::kS:
      return static_cast<int64_t>(v.s().size());
    case AttributeType::kB:
      return static_cast<int64_t>(v.b().size());
    case AttributeType::kSS:
      return static_cast<int64_t>(v.ss().size());
    case AttributeType::kNS:
      return static_cast<int64_t>(v.ns().size());
    case AttributeType::kBS:
      return static_cast<int64_t>(v.bs().size());
    case AttributeType::kL:
      return static_cast<int64_t>(v.l().size());
    case AttributeType::kM:
      return static_cast<int64_t>(v.m().size());
    default:
      return std::nullopt;
  }
}

class ConditionEvaluator {
 public:
  explicit ConditionEvaluator(const Item* item) : item_(item) {}

  bool Eval(const ConditionNode& node) const {
    switch (node.kind) {
      case ConditionKind::kAnd:
        return Eval(node.children[0]) && Eval(node.children[1]);
      case ConditionKind::kOr:
        return Eval(node.children[0]) || Eval(node.children[1]);
      case ConditionKind::kNot:
        return !Eval(node.children[0]);
      default:
        break;
    }
    AttributeValue s0, s1, s2;
    const AttributeValue* a = node.operands.empty() ? nullptr : Resolve(node.operands[0], &s0);
    switch (node.kind) {
      case ConditionKind::kCompare: {
        const AttributeValue* b = Resolve(node.operands[1], &s1);
        if (node.comparator == Comparator::kEq) return a && b && ValuesEqual(*a, *b);
        if (node.comparator == Comparator::kNe) return !(a && b && ValuesEqual(*a, *b));
        if (!a || !b) return false;
        const std::optional<int> order = CompareScalars(*a, *b);
        if (!order) return false;
        switch (node.comparator) {
          case Comparator::kLt:
            return *order < 0;
          case Comparator::kLe:
            return *order <= 0;
          case Comparator::kGt:
            return *order > 0;
          default:
            return *order >= 0;
        }
      }
      case ConditionKind::kBetween: {
        const AttributeValue* lower = Resolve(node.operands[1], &s1);
        const AttributeValue* upper = Resolve(node.operands[2], &s2);
        if (!a || !lower || !upper) return false;
        const std::optional<int> lo = CompareScalars(*a, *lower);
        const std::optional<int> hi = CompareScalars(*a, *upper);
        return lo && hi && *lo >= 0 && *hi <= 0;
      }
      case ConditionKind::kIn: {
        if (!a) return false;
        for (size_t i = 1; i < node.operands.size(); ++i) {
          const AttributeValue* option = Resolve(node.operands[i], &s1);
          if (option && ValuesEqual(*a, *option)) return true;
        }
        return false;
      }
      case ConditionKind::kAttributeExists:
        return a != nullptr;
      case ConditionKind::kAttributeNotExists:
        return a == nullptr;
      case ConditionKind::kAttributeType: {
        const AttributeValue* t = Resolve(node.operands[1], &s1);
        return a && t && t->type() == AttributeType::kS && AttributeTypeName(a->type()) == t->s();
      }
      case ConditionKind::kBeginsWith: {
        const AttributeValue* prefix = Resolve(node.operands[1], &s1);
        if (!a || !prefix || a->type() != prefix->type()) return false;
        if (a->type() == AttributeType::kS) return a->s().starts_with(prefix->s());
        if (a->type() == AttributeType::kB) return a->b().starts_with(prefix->b());
        return false;
      }
      case ConditionKind::kContains: {
        const AttributeValue* b = Resolve(node.operands[1], &s1);
        return a && b && Contains(*a, *b);
      }
      default:
        return false;
    }
  }

 private:
  // The operand's value, or null when it is missing (or size() of an unsized value). `scratch`
  // holds computed values.
  const AttributeValue* Resolve(const Operand& op, AttributeValue* scratch) const {
    switch (op.kind) {
      case OperandKind::kPath:
        return item_ ? internal::ResolvePath(op.path, *item_) : nullptr;
      case OperandKind::kValue:
        return &op.value;
      case OperandKind::kSize: {
        const AttributeValue* target =
            op.args.empty() ? (item_ ? internal::ResolvePath(op.path, *item_) : nullptr)
                            : Resolve(op.args[0], scratch);
        if (!target) return nullptr;
        const std::optional<int64_t> size = SizeOf(*target);
        if (!size) return nullptr;
        *scratch = AttributeValue::N(Number::FromInt64(*size));
        return scratch;
      }
      default:
        return nullptr;  // update-only operands never appear in conditions
    }
  }

  static bool Contains(const AttributeValue& haystack, const AttributeValue& needle) {
    switch (haystack.type()) {
      case AttributeType::kS:
        return needle.type() == AttributeType::kS &&
               haystack.s().find(needle.s()) != std::string::npos;
      case AttributeType::kB:
        return needle.type() == AttributeType::kB &&
               haystack.b().find(needle.b()) != std::string::npos;
      case AttributeType::kSS: {
        if (needle.type() != AttributeType::kS) return false;
        const StringSet& set = haystack.ss();
        return std::find(set.begin(), set.end(), needle.s()) != set.end();
      }
      case AttributeType::kNS: {
        if (needle.type() != AttributeType::kN) return false;
        const NumberSet& set = haystack.ns();
        return std::find(set.begin(), set.end(), needle.n()) != set.end();
      }
      case AttributeType::kBS: {
        if (needle.type() != AttributeType::kB) return false;
        const BinarySet& set = haystack.bs();
        return std::find(set.begin(), set.end(), needle.b()) != set.end();
      }
      case AttributeType::kL:
        for (const AttributeValue& element : haystack.l()) {
          if (ValuesEqual(element, needle)) return true;
        }
        return false;
      default:
        return false;
    }
  }

  const Item* item_;
};

// ---- projection ----

// Orders paths at `depth` by that element (names before indexes; names by bytes, indexes by
// value) so equal steps are adjacent.
struct StepLess {
  size_t depth;
  bool operator()(const Path* a, const Path* b) const {
    const bool a_end = a->elements.size() == depth;
    const bool b_end = b->elements.size() == depth;
    if (a_end || b_end) return a_end && !b_end;
    const PathElement& x = a->elements[depth];
    const PathElement& y = b->elements[depth];
    if (x.is_index != y.is_index) return !x.is_index;
    return x.is_index ? x.index < y.index : x.name < y.name;
  }
};

bool SameStep(const Path* a, const Path* b, size_t depth) {
  return a->elements[depth] == b->elements[depth];
}

std::optional<AttributeValue> ProjectValue(const AttributeValue& value,
                                           std::span<const Path*> paths, size_t depth);

// Projects the members of a map (or of the item itself) onto `paths`, whose steps at `depth`
// name members. Returns false when nothing was selected.
bool ProjectMembers(const AttributeMap& from, std::span<const Path*> paths, size_t depth,
                    AttributeMap* to) {
  std::sort(paths.begin(), paths.end(), StepLess{depth});
  size_t i = 0;
  while (i < paths.size()) {
    size_t j = i + 1;
    while (j < paths.size() && SameStep(paths[i], paths[j], depth)) ++j;
    const PathElement& step = paths[i]->elements[depth];
    if (!step.is_index) {
      auto it = from.find(step.name);
      if (it != from.end()) {
        std::optional<AttributeValue> projected =
            ProjectValue(it->second, paths.subspan(i, j - i), depth + 1);
        if (projected) to->emplace(it->first, *std::move(projected));
      }
    }
    i = j;
  }
  return !to->empty();
}

std::optional<AttributeValue> ProjectValue(const AttributeValue& value,
                                           std::span<const Path*> paths, size_t depth) {
  for (const Path* path : paths) {
    if (path->elements.size() == depth) return value;  // the whole value is selected
  }
  if (value.type() == AttributeType::kM) {
    AttributeMap members;
    if (!ProjectMembers(value.m(), paths, depth, &members)) return std::nullopt;
    return AttributeValue::M(std::move(members));
  }
  if (value.type() == AttributeType::kL) {
    std::sort(paths.begin(), paths.end(), StepLess{depth});
    const List& list = value.l();
    List elements;
    size_t i = 0;
    while (i < paths.size()) {
      size_t j = i + 1;
      while (j < paths.size() && SameStep(paths[i], paths[j], depth)) ++j;
      const PathElement& step = paths[i]->elements[depth];
      if (step.is_index && step.index < list.size()) {
        std::optional<AttributeValue> projected =
            ProjectValue(list[step.index], paths.subspan(i, j - i), depth + 1);
        if (projected) elements.push_back(*std::move(projected));
      }
      i = j;
    }
    if (elements.empty()) return std::nullopt;
    return AttributeValue::L(std::move(elements));
  }
  return std::nullopt;
}

AttributeType SchemaType(ScalarAttributeType type) {
  switch (type) {
    case ScalarAttributeType::kS:
      return AttributeType::kS;
    case ScalarAttributeType::kN:
      return AttributeType::kN;
    case ScalarAttributeType::kB:
      return AttributeType::kB;
  }
  return AttributeType::kS;
}

void CollectAttributes(const Operand& operand, std::vector<const std::string*>* out) {
  if (!operand.path.elements.empty()) out->push_back(&operand.path.attribute());
  for (const Operand& arg : operand.args) CollectAttributes(arg, out);
}

void CollectAttributes(const ConditionNode& node, std::vector<const std::string*>* out) {
  for (const Operand& operand : node.operands) CollectAttributes(operand, out);
  for (const ConditionNode& child : node.children) CollectAttributes(child, out);
}

}  // namespace

namespace internal {

const AttributeValue* ResolvePath(const Path& path, const Item& item) {
  auto it = item.find(path.elements.front().name);
  if (it == item.end()) return nullptr;
  const AttributeValue* value = &it->second;
  for (size_t i = 1; i < path.elements.size(); ++i) {
    const PathElement& step = path.elements[i];
    if (step.is_index) {
      if (value->type() != AttributeType::kL || step.index >= value->l().size()) return nullptr;
      value = &value->l()[step.index];
    } else {
      if (value->type() != AttributeType::kM) return nullptr;
      auto member = value->m().find(step.name);
      if (member == value->m().end()) return nullptr;
      value = &member->second;
    }
  }
  return value;
}

}  // namespace internal

bool ValuesEqual(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case AttributeType::kSS:
      return SameMembers(a.ss(), b.ss());
    case AttributeType::kNS:
      return SameMembers(a.ns(), b.ns());
    case AttributeType::kBS:
      return SameMembers(a.bs(), b.bs());
    case AttributeType::kL: {
      const List& x = a.l();
      const List& y = b.l();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!ValuesEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case AttributeType::kM: {
      const AttributeMap& x = a.m();
      const AttributeMap& y = b.m();
      if (x.size() != y.size()) return false;
      for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
        if (i->first != j->first || !ValuesEqual(i->second, j->second)) return false;
      }
      return true;
    }
    default:
      return a == b;  // scalars: numbers are canonical, so == is numeric equality
  }
}

std::optional<int> CompareScalars(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) return std::nullopt;
  int c = 0;
  switch (a.type()) {
    case AttributeType::kS:
      c = a.s().compare(b.s());
      break;  // memcmp: unsigned bytes
    case AttributeType::kB:
      c = a.b().compare(b.b());
      break;
    case AttributeType::kN: {
      const std::strong_ordering o = a.n() <=> b.n();
      return o < 0 ? -1 : (o > 0 ? 1 : 0);
    }
    default:
      return std::nullopt;
  }
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool EvaluateCondition(const ConditionExpression& condition, const Item* item) {
  return ConditionEvaluator(item).Eval(condition.root);
}

Item ProjectPaths(const std::vector<Path>& paths, const Item& item) {
  Item out;
  if (paths.empty()) return out;
  // The common case, top-level names only, needs no sorting.
  bool top_level = true;
  for (const Path& path : paths) top_level = top_level && path.elements.size() == 1;
  if (top_level) {
    for (const Path& path : paths) {
      auto it = item.find(path.attribute());
      if (it != item.end()) out.emplace(it->first, it->second);
    }
    return out;
  }
  std::vector<const Path*> pointers;
  pointers.reserve(paths.size());
  for (const Path& path : paths) pointers.push_back(&path);
  ProjectMembers(item, pointers, 0, &out);
  return out;
}

Item Project(const ProjectionExpression& projection, const Item& item) {
  return ProjectPaths(projection.paths, item);
}

Result<KeyBounds> ResolveKeyCondition(const KeyConditionExpression& condition,
                                      const std::string& hash_key, ScalarAttributeType hash_type,
                                      const std::string* range_key,
                                      ScalarAttributeType range_type) {
  const KeyCondition* hash = nullptr;
  for (const KeyCondition& c : condition.conditions) {
    if (c.attribute == hash_key) hash = &c;
  }
  if (hash == nullptr) {
    return Error::Validation("Query condition missed key schema element: " + hash_key);
  }
  if (hash->op != KeyOperator::kEq) return Error::Validation("Query key condition not supported");
  const KeyCondition* range = nullptr;
  for (const KeyCondition& c : condition.conditions) {
    if (&c == hash) continue;
    if (range_key == nullptr) return Error::Validation("Query key condition not supported");
    if (c.attribute != *range_key) {
      return Error::Validation("Query condition missed key schema element: " + *range_key);
    }
    range = &c;
  }
  constexpr std::string_view kTypeMismatch =
      "One or more parameter values were invalid: Condition parameter type does not match schema "
      "type";
  const AttributeValue& hash_value = hash->values.front();
  if (hash_value.type() != SchemaType(hash_type))
    return Error::Validation(std::string(kTypeMismatch));
  if (range != nullptr) {
    for (const AttributeValue& v : range->values) {
      if (v.type() != SchemaType(range_type)) return Error::Validation(std::string(kTypeMismatch));
    }
    if (range->op == KeyOperator::kBeginsWith && range_type == ScalarAttributeType::kN) {
      return Error::Validation(
          "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
          "operator or function: begins_with, operand type: N");
    }
  }
  if ((hash_value.type() == AttributeType::kS && hash_value.s().empty()) ||
      (hash_value.type() == AttributeType::kB && hash_value.b().empty())) {
    return Error::Validation(
        std::string("One or more parameter values are not valid. The AttributeValue for a key "
                    "attribute cannot contain an empty ") +
        (hash_value.type() == AttributeType::kS ? "string" : "binary") +
        " value. Key: " + hash_key);
  }
  KeyBounds bounds;
  bounds.hash_value = hash_value;
  if (range != nullptr) bounds.range = *range;
  return bounds;
}

bool SortKeyMatches(const KeyCondition& range, const AttributeValue& value) {
  if (range.op == KeyOperator::kBeginsWith) {
    const AttributeValue& prefix = range.values.front();
    if (value.type() != prefix.type()) return false;
    if (value.type() == AttributeType::kS) return value.s().starts_with(prefix.s());
    if (value.type() == AttributeType::kB) return value.b().starts_with(prefix.b());
    return false;
  }
  const std::optional<int> c = CompareScalars(value, range.values.front());
  if (!c) return false;
  switch (range.op) {
    case KeyOperator::kEq:
      return *c == 0;
    case KeyOperator::kLt:
      return *c < 0;
    case KeyOperator::kLe:
      return *c <= 0;
    case KeyOperator::kGt:
      return *c > 0;
    case KeyOperator::kGe:
      return *c >= 0;
    case KeyOperator::kBetween: {
      if (*c < 0) return false;
      const std::optional<int> upper = CompareScalars(value, range.values[1]);
      return upper && *upper <= 0;
    }
    default:
      return false;
  }
}

Status CheckFilterAgainstKey(const ConditionExpression& filter, const std::string& hash_key,
                             const std::string* range_key) {
  std::vector<const std::string*> attributes;
  CollectAttributes(filter.root, &attributes);
  auto uses = [&](const std::string& key) {
    return std::any_of(attributes.begin(), attributes.end(),
                       [&](const std::string* a) { return *a == key; });
  };
  const std::string_view what = filter.source.legacy ? "QueryFilter" : "Filter Expression";
  for (const std::string* key : {&hash_key, range_key}) {
    if (key != nullptr && uses(*key)) {
      return Error::Validation(std::string(what) +
                               " can only contain non-primary key attributes: Primary key "
                               "attribute: " +
                               *key);
    }
  }
  return Status::Ok();
}

namespace {

// The first path that goes below a key attribute, as the attribute's name; or nullptr.
const std::string* NestedKeyPath(const Path& path, const std::string& hash_key,
                                 const std::string* range_key) {
  if (path.elements.size() < 2) return nullptr;
  const std::string& head = path.attribute();
  return head == hash_key || (range_key != nullptr && head == *range_key) ? &head : nullptr;
}

const std::string* NestedKeyPath(const Operand& operand, const std::string& hash_key,
                                 const std::string* range_key) {
  if (operand.kind == OperandKind::kPath || operand.kind == OperandKind::kSize) {
    if (const std::string* key = NestedKeyPath(operand.path, hash_key, range_key)) return key;
  }
  for (const Operand& arg : operand.args) {
    if (const std::string* key = NestedKeyPath(arg, hash_key, range_key)) return key;
  }
  return nullptr;
}

const std::string* NestedKeyPath(const ConditionNode& node, const std::string& hash_key,
                                 const std::string* range_key) {
  for (const Operand& operand : node.operands) {
    if (const std::string* key = NestedKeyPath(operand, hash_key, range_key)) return key;
  }
  for (const ConditionNode& child : node.children) {
    if (const std::string* key = NestedKeyPath(child, hash_key, range_key)) return key;
  }
  return nullptr;
}

Status NotScalar(const std::string& key) {
  return Error::Validation(
      "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
      "allowed: Key: " +
      key);
}

}  // namespace

Status CheckKeyPathsScalar(const ConditionExpression* condition, const std::string& hash_key,
                           const std::string* range_key) {
  if (condition == nullptr) return Status::Ok();
  const std::string* key = NestedKeyPath(condition->root, hash_key, range_key);
  return key != nullptr ? NotScalar(*key) : Status::Ok();
}

Status CheckKeyPathsScalar(const ProjectionExpression* projection, const std::string& hash_key,
                           const std::string* range_key) {
  if (projection == nullptr) return Status::Ok();
  for (const Path& path : projection->paths) {
    if (const std::string* key = NestedKeyPath(path, hash_key, range_key)) return NotScalar(*key);
  }
  return Status::Ok();
}

}  // namespace ddbx::api::expr
