// Base64 (RFC 4648, standard alphabet, '=' padding) as DynamoDB uses it for binary values.
//
// Decoding is strict the way DynamoDB's is: the length must be a multiple of 4, only the
// alphabet and trailing padding are allowed, and the unused bits of the last character must be
// zero (so every byte string has exactly one accepted encoding). Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "api/error.h"

namespace ddbx::api {

// Appends the encoding of `bytes` to *out.
void Base64Encode(std::string_view bytes, std::string* out);
std::string Base64Encode(std::string_view bytes);

// Length of the encoding of n bytes.
constexpr size_t Base64EncodedSize(size_t n) { return (n + 2) / 3 * 4; }

// Decodes `text`. On malformed text, SerializationException with DynamoDB's message:
//   "Base64 encoded length is expected a multiple of 4 bytes but found: 5"
//   "Invalid Base64 character: '!'"
//   "Invalid last non-pad Base64 character dectected"  (sic; nonzero unused bits, bad padding)
Result<std::string> Base64Decode(std::string_view text);

}  // namespace ddbx::api
