// Backend: where ddbx sends what it does not answer itself (the bundled engine, an upstream
// DynamoDB-compatible endpoint, or a cache layer wrapping either).
//
// Every call is asynchronous: it returns at once, and `done` runs later, exactly once, through
// `executor` (the caller's event loop), never inside the call itself. A Backend is shared by all
// worker threads: every method may be called from any thread at any time. The caller keeps
// `executor` alive until `done` has run. Failures arrive as api::Error values with DynamoDB's
// error type and message (ResourceNotFoundException for a missing table, ValidationException
// for a key that does not match the schema, ConditionalCheckFailedException for a failed
// condition, InternalServerError for storage failures).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/error.h"
#include "api/executor.h"
#include "api/operations.h"

namespace ddbx::backend {

template <class T>
using Callback = std::function<void(api::Result<T>)>;

// A response a backend answered from memory: the body, ready to send, and its CRC-32 (what the
// x-amz-crc32 header carries) when the backend kept it with the body, so a hit computes nothing.
struct ReadyResponse {
  std::string body;
  std::optional<uint32_t> crc32;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Control plane.
  virtual void CreateTable(api::CreateTableRequest request, api::Executor* executor,
                           Callback<api::TableDescription> done) = 0;
  virtual void DescribeTable(api::DescribeTableRequest request, api::Executor* executor,
                             Callback<api::TableDescription> done) = 0;
  virtual void ListTables(api::ListTablesRequest request, api::Executor* executor,
                          Callback<api::ListTablesResponse> done) = 0;
  virtual void DeleteTable(api::DeleteTableRequest request, api::Executor* executor,
                           Callback<api::TableDescription> done) = 0;
  virtual void UpdateTable(api::UpdateTableRequest request, api::Executor* executor,
                           Callback<api::TableDescription> done) = 0;
  virtual void UpdateTimeToLive(api::UpdateTimeToLiveRequest request, api::Executor* executor,
                                Callback<api::UpdateTimeToLiveResponse> done) = 0;
  virtual void DescribeTimeToLive(api::DescribeTimeToLiveRequest request, api::Executor* executor,
                                  Callback<api::DescribeTimeToLiveResponse> done) = 0;

  // Data plane.
  virtual void PutItem(api::PutItemRequest request, api::Executor* executor,
                       Callback<api::PutItemResponse> done) = 0;
  virtual void GetItem(api::GetItemRequest request, api::Executor* executor,
                       Callback<api::GetItemResponse> done) = 0;
  virtual void DeleteItem(api::DeleteItemRequest request, api::Executor* executor,
                          Callback<api::DeleteItemResponse> done) = 0;
  virtual void UpdateItem(api::UpdateItemRequest request, api::Executor* executor,
                          Callback<api::UpdateItemResponse> done) = 0;
  virtual void Query(api::QueryRequest request, api::Executor* executor,
                     Callback<api::QueryResponse> done) = 0;
  virtual void Scan(api::ScanRequest request, api::Executor* executor,
                    Callback<api::ScanResponse> done) = 0;
  virtual void BatchGetItem(api::BatchGetItemRequest request, api::Executor* executor,
                            Callback<api::BatchGetItemResponse> done) = 0;
  virtual void BatchWriteItem(api::BatchWriteItemRequest request, api::Executor* executor,
                              Callback<api::BatchWriteItemResponse> done) = 0;
  // Transactions.
  virtual void TransactWriteItems(api::TransactWriteItemsRequest request, api::Executor* executor,
                                  Callback<api::TransactWriteItemsResponse> done) = 0;
  virtual void TransactGetItems(api::TransactGetItemsRequest request, api::Executor* executor,
                                Callback<api::TransactGetItemsResponse> done) = 0;

  // Reads a backend can answer from memory at once (a cache's hits), for the request path:
  // the whole response, ready to send, or nullopt, and the caller then makes the asynchronous
  // call above. These never block, never call out and never fail (a request the
  // backend would refuse is left to the asynchronous call); any thread. Default: never.
  virtual std::optional<ReadyResponse> GetItemNow(const api::GetItemRequest&) {
    return std::nullopt;
  }
  virtual std::optional<ReadyResponse> QueryNow(const api::QueryRequest&) { return std::nullopt; }
  virtual std::optional<ReadyResponse> ScanNow(const api::ScanRequest&) { return std::nullopt; }
  virtual std::optional<ReadyResponse> BatchGetItemNow(const api::BatchGetItemRequest&) {
    return std::nullopt;
  }
};

using BackendPtr = std::unique_ptr<Backend>;

}  // namespace ddbx::backend
