// Error values: every failure in ddbx is an Error carried back as a value, never thrown.
//
// An Error names one of DynamoDB's error types and carries DynamoDB's message. ErrorWire() maps
// each type to the `__type` string DynamoDB sends and the HTTP status. Result<T> holds either a
// T or an Error. Plain values; safe to move between threads.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ddbx::api {

enum class ErrorCode {
  // com.amazon.coral.validate#
  kValidation,
  // com.amazon.coral.service#
  kSerialization,
  kUnknownOperation,
  kMissingAuthenticationToken,
  kIncompleteSignature,
  kInvalidSignature,
  kUnrecognizedClient,
  kAccessDenied,
  kRequestEntityTooLarge,
  // com.amazonaws.dynamodb.v20120810#
  kResourceNotFound,
  kResourceInUse,
  kConditionalCheckFailed,
  kLimitExceeded,
  kProvisionedThroughputExceeded,
  kItemCollectionSizeLimitExceeded,
  kTransactionCanceled,
  kTransactionConflict,
  kTransactionInProgress,
  kIdempotentParameterMismatch,
  kInternalServerError,
};

struct Error {
  Error(ErrorCode code, std::string message) : code(code), message(std::move(message)) {}

  ErrorCode code;
  std::string message;
  // ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure ALL_OLD: the item
  // as it was, already encoded as DynamoDB JSON; ErrorBody() writes it as "Item". Else empty.
  std::string item_json;
  // TransactionCanceledException: the elements of "CancellationReasons", already encoded as
  // JSON and joined by commas (api::EncodeCancellationReasons). Else empty.
  std::string cancellation_reasons_json;

  static Error Validation(std::string message) {
    return Error{ErrorCode::kValidation, std::move(message)};
  }
  static Error Serialization(std::string message) {
    return Error{ErrorCode::kSerialization, std::move(message)};
  }
  static Error Internal(std::string message) {
    return Error{ErrorCode::kInternalServerError, std::move(message)};
  }
  static Error NotFound(std::string message) {
    return Error{ErrorCode::kResourceNotFound, std::move(message)};
  }
};

// How one error type goes on the wire.
struct ErrorWireFormat {
  std::string_view type;  // the full `__type`, e.g. "com.amazon.coral.validate#ValidationException"
  int http_status;        // 400 for client errors, 500 for internal ones, 413 for oversized bodies
};

ErrorWireFormat ErrorWire(ErrorCode code);

// The JSON body DynamoDB sends for an error: {"__type":"...","message":"..."}.
std::string ErrorBody(const Error& error);

// Result<T>: a T, or an Error. Check ok() before value(); value() on an error aborts in debug.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& take_error() {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

// Status: success or an Error, for operations with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{ErrorCode::kInternalServerError, {}};
  bool ok_ = true;
};

}  // namespace ddbx::api
