#include "api/error.h"

#include <catch2/catch.hpp>

namespace ddbx::api {
namespace {

TEST_CASE("ErrorWire maps every error code to DynamoDB's __type and status", "[error]") {
  struct Case {
    ErrorCode code;
    std::string_view type;
    int status;
  };
  const Case cases[] = {
      {ErrorCode::kValidation, "com.amazon.coral.validate#ValidationException", 400},
      {ErrorCode::kSerialization, "com.amazon.coral.service#SerializationException", 400},
      {ErrorCode::kUnknownOperation, "com.amazon.coral.service#UnknownOperationException", 400},
      {ErrorCode::kMissingAuthenticationToken,
       "com.amazon.coral.service#MissingAuthenticationTokenException", 400},
      {ErrorCode::kIncompleteSignature, "com.amazon.coral.service#IncompleteSignatureException",
       400},
      {ErrorCode::kInvalidSignature, "com.amazon.coral.service#InvalidSignatureException", 400},
      {ErrorCode::kUnrecognizedClient, "com.amazon.coral.service#UnrecognizedClientException", 400},
      {ErrorCode::kAccessDenied, "com.amazon.coral.service#AccessDeniedException", 400},
      {ErrorCode::kRequestEntityTooLarge, "com.amazon.coral.service#RequestEntityTooLargeException",
       413},
      {ErrorCode::kResourceNotFound, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
       400},
      {ErrorCode::kResourceInUse, "com.amazonaws.dynamodb.v20120810#ResourceInUseException", 400},
      {ErrorCode::kConditionalCheckFailed,
       "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", 400},
      {ErrorCode::kLimitExceeded, "com.amazonaws.dynamodb.v20120810#LimitExceededException", 400},
      {ErrorCode::kProvisionedThroughputExceeded,
       "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", 400},
      {ErrorCode::kItemCollectionSizeLimitExceeded,
       "com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException", 400},
      {ErrorCode::kTransactionCanceled,
       "com.amazonaws.dynamodb.v20120810#TransactionCanceledException", 400},
      {ErrorCode::kTransactionConflict,
       "com.amazonaws.dynamodb.v20120810#TransactionConflictException", 400},
      {ErrorCode::kIdempotentParameterMismatch,
       "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException", 400},
      {ErrorCode::kInternalServerError, "com.amazonaws.dynamodb.v20120810#InternalServerError",
       500},
  };
  for (const Case& c : cases) {
    INFO(c.type);
    const ErrorWireFormat wire = ErrorWire(c.code);
    CHECK(wire.type == c.type);
    CHECK(wire.http_status == c.status);
  }
}

TEST_CASE("ErrorBody writes __type and message", "[error]") {
  CHECK(ErrorBody(Error::NotFound("Requested resource not found")) ==
        R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
        R"("message":"Requested resource not found"})");
  CHECK(ErrorBody(Error::Validation("x")) ==
        R"({"__type":"com.amazon.coral.validate#ValidationException","message":"x"})");
  CHECK(ErrorBody(Error::Internal("boom")) ==
        R"({"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"})");
}

TEST_CASE("ErrorBody capitalizes Message for SerializationException and AccessDenied", "[error]") {
  CHECK(ErrorBody(Error::Serialization("NUMBER_VALUE cannot be converted to String")) ==
        R"({"__type":"com.amazon.coral.service#SerializationException",)"
        R"("Message":"NUMBER_VALUE cannot be converted to String"})");
  CHECK(ErrorBody(Error{ErrorCode::kAccessDenied, "no"}) ==
        R"({"__type":"com.amazon.coral.service#AccessDeniedException","Message":"no"})");
  CHECK(ErrorBody(Error{ErrorCode::kUnrecognizedClient, "bad token"}) ==
        R"({"__type":"com.amazon.coral.service#UnrecognizedClientException",)"
        R"("message":"bad token"})");
}

TEST_CASE("ErrorBody omits an empty message", "[error]") {
  CHECK(ErrorBody(Error::Serialization("")) ==
        R"({"__type":"com.amazon.coral.service#SerializationException"})");
  CHECK(ErrorBody(Error{ErrorCode::kUnknownOperation, ""}) ==
        R"({"__type":"com.amazon.coral.service#UnknownOperationException"})");
}

TEST_CASE("ErrorBody escapes the message", "[error]") {
  CHECK(ErrorBody(Error::Validation("Value 'a\"b\\c\n\x01' at 'tableName' é")) ==
        "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
        "\"message\":\"Value 'a\\\"b\\\\c\\n\\u0001' at 'tableName' \xC3\xA9\"}");
}

TEST_CASE("Result and Status carry values and errors", "[error]") {
  Result<int> ok = 5;
  REQUIRE(ok.ok());
  CHECK(ok.value() == 5);
  Result<int> bad = Error::Validation("v");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kValidation);
  CHECK(bad.take_error().message == "v");
  Status s = Status::Ok();
  CHECK(s.ok());
  Status e = Error::Internal("i");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message == "i");
}

}  // namespace
}  // namespace ddbx::api
