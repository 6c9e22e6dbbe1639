// Error wire mapping: the `__type` and HTTP status DynamoDB sends for each error type, and the
// JSON error body.
//
// Facts (see docs and the research notes in the report that introduced this file):
// - DynamoDB answers every client error with HTTP 400, auth errors included
//   (MissingAuthenticationTokenException, UnrecognizedClientException, InvalidSignatureException,
//   IncompleteSignatureException and AccessDeniedException are 400 on DynamoDB, unlike the 403
//   listed in AWS's generic "common errors" page). Internal errors are 500. A body over the
//   request size limit is refused with 413.
// - Validation errors live in com.amazon.coral.validate#, request-level (auth, framing,
//   serialization) errors in com.amazon.coral.service#, DynamoDB's own in
//   com.amazonaws.dynamodb.v20120810#.
// - The message member is "message", except for SerializationException and
//   AccessDeniedException, whose bodies spell it "Message". An error with no message (a body
//   that is not JSON, an unknown X-Amz-Target) has no message member at all.
// - A ConditionalCheckFailedException for a request with ReturnValuesOnConditionCheckFailure
//   ALL_OLD carries the old item as "Item" (DynamoDB JSON), between __type and message.
#include "api/error.h"

#include "api/json_writer.h"

namespace ddbx::api {

ErrorWireFormat ErrorWire(ErrorCode code) {
  switch (code) {
    case ErrorCode::kValidation:
      return {"com.amazon.coral.validate#ValidationException", 400};
    case ErrorCode::kSerialization:
      return {"com.amazon.coral.service#SerializationException", 400};
    case ErrorCode::kUnknownOperation:
      return {"com.amazon.coral.service#UnknownOperationException", 400};
    case ErrorCode::kMissingAuthenticationToken:
      return {"com.amazon.coral.service#MissingAuthenticationTokenException", 400};
    case ErrorCode::kIncompleteSignature:
      return {"com.amazon.coral.service#IncompleteSignatureException", 400};
    case ErrorCode::kInvalidSignature:
      return {"com.amazon.coral.service#InvalidSignatureException", 400};
    case ErrorCode::kUnrecognizedClient:
      return {"com.amazon.coral.service#UnrecognizedClientException", 400};
    case ErrorCode::kAccessDenied:
      return {"com.amazon.coral.service#AccessDeniedException", 400};
    case ErrorCode::kRequestEntityTooLarge:
      return {"com.amazon.coral.service#RequestEntityTooLargeException", 413};
    case ErrorCode::kResourceNotFound:
      return {"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", 400};
    case ErrorCode::kResourceInUse:
      return {"com.amazonaws.dynamodb.v20120810#ResourceInUseException", 400};
    case ErrorCode::kConditionalCheckFailed:
      return {"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", 400};
    case ErrorCode::kLimitExceeded:
      return {"com.amazonaws.dynamodb.v20120810#LimitExceededException", 400};
    case ErrorCode::kProvisionedThroughputExceeded:
      return {"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", 400};
    case ErrorCode::kItemCollectionSizeLimitExceeded:
      return {"com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException", 400};
    case ErrorCode::kTransactionCanceled:
      return {"com.amazonaws.dynamodb.v20120810#TransactionCanceledException", 400};
    case ErrorCode::kTransactionConflict:
      return {"com.amazonaws.dynamodb.v20120810#TransactionConflictException", 400};
    case ErrorCode::kTransactionInProgress:
      return {"com.amazonaws.dynamodb.v20120810#TransactionInProgressException", 400};
    case ErrorCode::kIdempotentParameterMismatch:
      return {"com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException", 400};
    case ErrorCode::kInternalServerError:
      return {"com.amazonaws.dynamodb.v20120810#InternalServerError", 500};
  }
  return {"com.amazonaws.dynamodb.v20120810#InternalServerError", 500};
}

std::string ErrorBody(const Error& error) {
  const ErrorWireFormat wire = ErrorWire(error.code);
  std::string body;
  body.reserve(wire.type.size() + error.message.size() + 32);
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("__type");
  w.String(wire.type);
  // ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure ALL_OLD carries
  // the item as it was, TransactionCanceledException its CancellationReasons; members after
  // __type are in alphabetical order ("CancellationReasons" < "Item" < "message").
  if (error.code == ErrorCode::kTransactionCanceled && !error.cancellation_reasons_json.empty()) {
    w.Key("CancellationReasons");
    std::string* out = w.BeginRawValue();
    out->push_back('[');
    out->append(error.cancellation_reasons_json);
    out->push_back(']');
  }
  if (error.code == ErrorCode::kConditionalCheckFailed && !error.item_json.empty()) {
    w.Key("Item");
    w.RawValue(error.item_json);
  }
  if (!error.message.empty()) {
    const bool capitalized = error.code == ErrorCode::kSerialization ||
                             error.code == ErrorCode::kAccessDenied ||
                             error.code == ErrorCode::kTransactionCanceled;
    w.Key(capitalized ? "Message" : "message");
    w.String(error.message);
  }
  w.EndObject();
  return body;
}

}  // namespace ddbx::api
