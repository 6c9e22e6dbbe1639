// Applying an update to an item.
//
// The algorithm, and the DynamoDB behaviour each step reproduces (docs: "Update expressions";
// ScyllaDB Alternator's tests, which record DynamoDB's answers):
//   1. Every SET value is computed first, from the item as it was ("SET a = :v, b = a" copies
//      the old a; "REMOVE a SET b = a" works). A path that is missing there is an error ("The
//      provided expression refers to an attribute that does not exist in the item"), except as
//      the first argument of if_not_exists.
//   2. The SET writes apply in path order, so several writes past the end of one list append
//      in index order ("SET a[84] = :x, a[17] = :y" appends y, then x).
//   3. ADD and DELETE apply, also in path order (appends past a list's end land in index order:
//      "SET c[4] = :x ADD c[8] :s, c[6] :n" appends x, n, s — dynalite's recorded example).
//   4. REMOVE actions apply last, deepest list index first, so every index names an element of
//      the original list ("REMOVE a[1] SET a[3] = :v" sets the old fourth element).
// Every step but the first needs the parent of its path to exist with the right type (a map
// for a member, a list for an index), else "The document path provided in the update
// expression is invalid for update". Two exceptions DynamoDB makes: REMOVE of a missing member
// or index is a no-op, and REMOVE of anything from an item that does not exist is a no-op.
// A SET of an index past the end of a list appends.
#include <algorithm>

#include "api/expression.h"
#include "api/expression_internal.h"

namespace ddbx::api::expr {
namespace {

constexpr std::string_view kMissingAttribute =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr std::string_view kInvalidPath =
    "The document path provided in the update expression is invalid for update";
constexpr std::string_view kIncorrectType =
    "An operand in the update expression has an incorrect data type";
// AttributeUpdates' message for ADD / DELETE on an attribute of another type (dynalite).
constexpr std::string_view kLegacyTypeMismatch = "Type mismatch for attribute to update";

Error Invalid(std::string_view message) { return Error::Validation(std::string(message)); }

// ---- SET values ----

std::optional<Error> EvalValue(const Operand& op, const Item& base, AttributeValue* out) {
  switch (op.kind) {
    case OperandKind::kPath: {
      const AttributeValue* v = internal::ResolvePath(op.path, base);
      if (v == nullptr) return Invalid(kMissingAttribute);
      *out = *v;
      return std::nullopt;
    }
    case OperandKind::kValue:
      *out = op.value;
      return std::nullopt;
    case OperandKind::kIfNotExists: {
      if (const AttributeValue* v = internal::ResolvePath(op.path, base)) {
        *out = *v;
        return std::nullopt;
      }
      return EvalValue(op.args[0], base, out);
    }
    case OperandKind::kListAppend: {
      AttributeValue first, second;
      if (std::optional<Error> e = EvalValue(op.args[0], base, &first)) return e;
      if (first.type() != AttributeType::kL) return Invalid(kIncorrectType);
      if (std::optional<Error> e = EvalValue(op.args[1], base, &second)) return e;
      if (second.type() != AttributeType::kL) return Invalid(kIncorrectType);
      List joined = std::get<List>(std::move(first.storage()));
      List& tail = std::get<List>(second.storage());
      joined.insert(joined.end(), std::make_move_iterator(tail.begin()),
                    std::make_move_iterator(tail.end()));
      *out = AttributeValue::L(std::move(joined));
      return std::nullopt;
    }
    case OperandKind::kPlus:
    case OperandKind::kMinus: {
      AttributeValue first, second;
      if (std::optional<Error> e = EvalValue(op.args[0], base, &first)) return e;
      if (first.type() != AttributeType::kN) return Invalid(kIncorrectType);
      if (std::optional<Error> e = EvalValue(op.args[1], base, &second)) return e;
      if (second.type() != AttributeType::kN) return Invalid(kIncorrectType);
      Result<Number> sum = op.kind == OperandKind::kPlus ? Number::Add(first.n(), second.n())
                                                         : Number::Subtract(first.n(), second.n());
      if (!sum.ok()) return sum.take_error();
      *out = AttributeValue::N(sum.value());
      return std::nullopt;
    }
    case OperandKind::kSize:
      break;  // condition-only
  }
  return Invalid(kIncorrectType);
}

// ---- navigation ----

// The container of a path's last step: a map (the item itself for a top-level attribute) for a
// member, a list for an index.
struct Parent {
  AttributeMap* map = nullptr;
  List* list = nullptr;
};

// False when an intermediate step is missing or has the wrong type for the step after it.
bool FindParent(Item* item, const Path& path, Parent* out) {
  const size_t n = path.elements.size();
  if (n == 1) {
    out->map = item;
    return true;
  }
  auto it = item->find(path.elements[0].name);
  if (it == item->end()) return false;
  AttributeValue* value = &it->second;
  for (size_t i = 1; i + 1 < n; ++i) {
    const PathElement& step = path.elements[i];
    if (step.is_index) {
      if (value->type() != AttributeType::kL) return false;
      List& list = std::get<List>(value->storage());
      if (step.index >= list.size()) return false;
      value = &list[step.index];
    } else {
      if (value->type() != AttributeType::kM) return false;
      AttributeMap& map = std::get<AttributeMap>(value->storage());
      auto member = map.find(step.name);
      if (member == map.end()) return false;
      value = &member->second;
    }
  }
  if (path.elements.back().is_index) {
    if (value->type() != AttributeType::kL) return false;
    out->list = &std::get<List>(value->storage());
  } else {
    if (value->type() != AttributeType::kM) return false;
    out->map = &std::get<AttributeMap>(value->storage());
  }
  return true;
}

// The existing value at the last step, or null.
AttributeValue* Existing(const Parent& parent, const PathElement& last) {
  if (parent.map != nullptr) {
    auto it = parent.map->find(last.name);
    return it == parent.map->end() ? nullptr : &it->second;
  }
  return last.index < parent.list->size() ? &(*parent.list)[last.index] : nullptr;
}

void Write(const Parent& parent, const PathElement& last, AttributeValue value) {
  if (parent.map != nullptr) {
    parent.map->insert_or_assign(last.name, std::move(value));
  } else if (last.index < parent.list->size()) {
    (*parent.list)[last.index] = std::move(value);
  } else {
    parent.list->push_back(std::move(value));
  }
}

void Erase(const Parent& parent, const PathElement& last) {
  if (parent.map != nullptr) {
    auto it = parent.map->find(last.name);
    if (it != parent.map->end()) parent.map->erase(it);
  } else if (last.index < parent.list->size()) {
    parent.list->erase(parent.list->begin() + last.index);
  }
}

// Path order: element by element, names before indexes, names by bytes, indexes by value, a
// prefix first.
bool PathLess(const Path& a, const Path& b) {
  const size_t n = std::min(a.elements.size(), b.elements.size());
  for (size_t i = 0; i < n; ++i) {
    const PathElement& x = a.elements[i];
    const PathElement& y = b.elements[i];
    if (x.is_index != y.is_index) return !x.is_index;
    if (x.is_index) {
      if (x.index != y.index) return x.index < y.index;
    } else if (x.name != y.name) {
      return x.name < y.name;
    }
  }
  return a.elements.size() < b.elements.size();
}

// ---- ADD and DELETE ----

template <class T>
void AddMembers(std::vector<T>* to, const std::vector<T>& from) {
  for (const T& member : from) {
    if (std::find(to->begin(), to->end(), member) == to->end()) to->push_back(member);
  }
}

template <class T>
void DeleteMembers(std::vector<T>* from, const std::vector<T>& members) {
  from->erase(std::remove_if(from->begin(), from->end(),
                             [&](const T& m) {
                               return std::find(members.begin(), members.end(), m) != members.end();
                             }),
              from->end());
}

std::optional<Error> ApplyAdd(const UpdateAction& action, bool legacy, Item* item) {
  Parent parent;
  if (!FindParent(item, action.path, &parent)) return Invalid(kInvalidPath);
  const PathElement& last = action.path.elements.back();
  const AttributeValue& value = action.value.value;
  AttributeValue* existing = Existing(parent, last);
  if (existing == nullptr) {
    Write(parent, last, value);
    return std::nullopt;
  }
  const std::string_view mismatch = legacy ? kLegacyTypeMismatch : kIncorrectType;
  if (existing->type() != value.type()) return Invalid(mismatch);
  switch (value.type()) {
    case AttributeType::kN: {
      Result<Number> sum = Number::Add(existing->n(), value.n());
      if (!sum.ok()) return sum.take_error();
      *existing = AttributeValue::N(sum.value());
      return std::nullopt;
    }
    case AttributeType::kSS:
      AddMembers(&std::get<7>(existing->storage()), value.ss());
      return std::nullopt;
    case AttributeType::kNS:
      AddMembers(&std::get<NumberSet>(existing->storage()), value.ns());
      return std::nullopt;
    case AttributeType::kBS:
      AddMembers(&std::get<9>(existing->storage()), value.bs());
      return std::nullopt;
    case AttributeType::kL:
      if (legacy) {
        List& list = std::get<List>(existing->storage());
        list.insert(list.end(), value.l().begin(), value.l().end());
        return std::nullopt;
      }
      return Invalid(mismatch);
    default:
      return Invalid(mismatch);  // the parser admits only N and sets
  }
}

std::optional<Error> ApplyDelete(const UpdateAction& action, bool legacy, Item* item) {
  Parent parent;
  if (!FindParent(item, action.path, &parent)) return Invalid(kInvalidPath);
  const PathElement& last = action.path.elements.back();
  const AttributeValue& value = action.value.value;
  AttributeValue* existing = Existing(parent, last);
  if (existing == nullptr) return std::nullopt;
  if (existing->type() != value.type()) {
    return Invalid(legacy ? kLegacyTypeMismatch : kIncorrectType);
  }
  size_t left = 0;
  switch (value.type()) {
    case AttributeType::kSS: {
      StringSet& set = std::get<7>(existing->storage());
      DeleteMembers(&set, value.ss());
      left = set.size();
      break;
    }
    case AttributeType::kNS: {
      NumberSet& set = std::get<NumberSet>(existing->storage());
      DeleteMembers(&set, value.ns());
      left = set.size();
      break;
    }
    case AttributeType::kBS: {
      BinarySet& set = std::get<9>(existing->storage());
      DeleteMembers(&set, value.bs());
      left = set.size();
      break;
    }
    default:
      return Invalid(legacy ? kLegacyTypeMismatch : kIncorrectType);
  }
  if (left == 0) Erase(parent, last);  // a set may not be empty: the attribute goes
  return std::nullopt;
}

}  // namespace

Status CheckUpdateAgainstKey(const UpdateExpression& update, const std::string& hash_key,
                             const std::string* range_key) {
  for (const UpdateAction& action : update.actions) {
    const std::string& name = action.path.attribute();
    if (name == hash_key || (range_key != nullptr && name == *range_key)) {
      return Error::Validation(
          "One or more parameter values were invalid: Cannot update "
          "attribute " +
          name + ". This attribute is part of the key");
    }
  }
  return Status::Ok();
}

Result<Item> ApplyUpdate(const UpdateExpression& update, const Item* old_item, const Key& key) {
  const Item& base = old_item != nullptr ? *old_item : key;
  const bool legacy = update.legacy_add;

  // 1. SET values, from the old item.
  std::vector<const UpdateAction*> sets;
  std::vector<AttributeValue> values;
  for (const UpdateAction& action : update.actions) {
    if (action.kind != UpdateActionKind::kSet) continue;
    sets.push_back(&action);
    if (std::optional<Error> e = EvalValue(action.value, base, &values.emplace_back())) {
      return *std::move(e);
    }
  }

  Item item = base;
  // 2. SET writes, in path order.
  std::vector<size_t> order(sets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return PathLess(sets[a]->path, sets[b]->path); });
  for (size_t i : order) {
    Parent parent;
    if (!FindParent(&item, sets[i]->path, &parent)) return Invalid(kInvalidPath);
    Write(parent, sets[i]->path.elements.back(), std::move(values[i]));
  }

  // 3. ADD and DELETE, in path order too (paths never overlap, so only appends past the end of
  // a list can tell, and they land in index order as SET's do).
  std::vector<const UpdateAction*> adds_and_deletes;
  std::vector<const UpdateAction*> removes;
  for (const UpdateAction& action : update.actions) {
    if (action.kind == UpdateActionKind::kAdd || action.kind == UpdateActionKind::kDelete) {
      adds_and_deletes.push_back(&action);
    } else if (action.kind == UpdateActionKind::kRemove) {
      removes.push_back(&action);
    }
  }
  std::stable_sort(
      adds_and_deletes.begin(), adds_and_deletes.end(),
      [](const UpdateAction* a, const UpdateAction* b) { return PathLess(a->path, b->path); });
  for (const UpdateAction* action : adds_and_deletes) {
    std::optional<Error> e = action->kind == UpdateActionKind::kAdd
                                 ? ApplyAdd(*action, legacy, &item)
                                 : ApplyDelete(*action, legacy, &item);
    if (e) return *std::move(e);
  }

  // 4. REMOVE, deepest and highest index first.
  std::stable_sort(
      removes.begin(), removes.end(),
      [](const UpdateAction* a, const UpdateAction* b) { return PathLess(b->path, a->path); });
  for (const UpdateAction* action : removes) {
    Parent parent;
    if (!FindParent(&item, action->path, &parent)) {
      if (old_item == nullptr) continue;
      return Invalid(kInvalidPath);
    }
    Erase(parent, action->path.elements.back());
  }
  return item;
}

std::vector<std::string> UpdatedAttributes(const UpdateExpression& update) {
  std::vector<std::string> names;
  for (const UpdateAction& action : update.actions) {
    const std::string& name = action.path.attribute();
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

Item ProjectUpdated(const UpdateExpression& update, const Item& item) {
  std::vector<Path> paths;
  paths.reserve(update.actions.size());
  for (const UpdateAction& action : update.actions) paths.push_back(action.path);
  return ProjectPaths(paths, item);
}

}  // namespace ddbx::api::expr
