// Helpers shared by the codec's unit tests (tests/unit/api/codec*_test.cc): checks of a decoder's
// error result, and constraint-message fragments several decoders print.
//
// Test-only; Catch2 assertions, so call them from a test case on the test's thread.
#pragma once

#include <catch2/catch.hpp>
#include <string_view>

#include "api/error.h"

namespace ddbx::api {

// `r` failed with `code` and exactly `message`.
template <class T>
void CheckError(const Result<T>& r, ErrorCode code, std::string_view message) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == message);
  CHECK(r.error().code == code);
}

// `r` is a SerializationException with exactly `message`.
template <class T>
void CheckSerialization(const Result<T>& r, std::string_view message) {
  CheckError(r, ErrorCode::kSerialization, message);
}

// `r` is a ValidationException with exactly `message`.
template <class T>
void CheckValidation(const Result<T>& r, std::string_view message) {
  CheckError(r, ErrorCode::kValidation, message);
}

// ComparisonOperator's enum values as DynamoDB lists them in a constraint message.
inline constexpr std::string_view kComparisonOperators =
    "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";

}  // namespace ddbx::api
