// JsonWriter: a fast, appending JSON writer into a caller-owned std::string.
//
// The writer only appends; it never reads back or allocates beyond what the string does. It
// puts commas between members and elements itself, so callers write Key()/value pairs inside
// objects and values inside arrays. It does not check nesting: the caller balances
// Begin*/End* (the output is then valid JSON). Strings are escaped the way DynamoDB (Jackson)
// escapes them: `"` and `\` with a backslash, control characters as \b \t \n \f \r or \u00XX;
// valid UTF-8 passes through unchanged, invalid UTF-8 bytes become U+FFFD so the output is
// always valid JSON. Doubles are written the way DynamoDB writes them (Java's
// Double.toString: shortest round-trip digits, "1.562054355238E9", "0.5", "1.0").
//
// A JsonWriter is a small value bound to one string; use it from one thread at a time. The
// string must outlive the writer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ddbx::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() {
    Separate();
    out_->push_back('{');
    need_comma_ = false;
  }
  void EndObject() {
    out_->push_back('}');
    need_comma_ = true;
  }
  void BeginArray() {
    Separate();
    out_->push_back('[');
    need_comma_ = false;
  }
  void EndArray() {
    out_->push_back(']');
    need_comma_ = true;
  }

  // An object member's name; the next call writes its value.
  void Key(std::string_view key);

  void String(std::string_view s);
  void Int(int64_t v);
  void Uint(uint64_t v);
  // Java's Double.toString form; NaN and infinities (not JSON) are written as null.
  void Double(double v);
  void Bool(bool v);
  void Null();
  // Appends `json`, which must already be one complete JSON value, as the next value.
  void RawValue(std::string_view json);
  // Places the separator for the next value and returns the string: the caller appends one
  // complete JSON value to it directly (to avoid a temporary).
  std::string* BeginRawValue() {
    Separate();
    return out_;
  }

  std::string* out() const { return out_; }

 private:
  void Separate() {
    if (need_comma_) out_->push_back(',');
    need_comma_ = true;
  }

  std::string* out_;
  bool need_comma_ = false;
};

// Appends `s` as a quoted, escaped JSON string.
void AppendJsonString(std::string* out, std::string_view s);

// Appends `v` in Java's Double.toString form (see above); NaN and infinities as "null".
void AppendJavaDouble(std::string* out, double v);

}  // namespace ddbx::api
