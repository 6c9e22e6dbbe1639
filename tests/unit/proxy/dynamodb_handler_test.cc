// DynamoDbHandler driven through a real HttpServer with a recording fake Backend: the order of
// DynamoDB's checks, the response headers, and the mapping of backend outcomes to the wire.
#include "proxy/dynamodb_handler.h"

#include <zlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "tests/unit/proxy/test_client.h"

namespace ddbx::proxy {
namespace {

using testing::Client;
using testing::Response;

// Records which operations reached it and answers each on the caller's executor. GetItem and
// ListTables answer with the configured results; the rest answer InternalServerError.
class FakeBackend : public backend::Backend {
 public:
  std::vector<std::string> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

  api::Result<api::GetItemResponse> get_item_result = api::GetItemResponse{};
  api::Result<api::ListTablesResponse> list_tables_result = api::ListTablesResponse{};
  std::string last_table_name;

  void CreateTable(api::CreateTableRequest, api::Executor* e,
                   backend::Callback<api::TableDescription> done) override {
    Unused("CreateTable", e, std::move(done));
  }
  void DescribeTable(api::DescribeTableRequest, api::Executor* e,
                     backend::Callback<api::TableDescription> done) override {
    Unused("DescribeTable", e, std::move(done));
  }
  void ListTables(api::ListTablesRequest, api::Executor* e,
                  backend::Callback<api::ListTablesResponse> done) override {
    Record("ListTables");
    e->Post([this, done = std::move(done)] { done(list_tables_result); });
  }
  void DeleteTable(api::DeleteTableRequest, api::Executor* e,
                   backend::Callback<api::TableDescription> done) override {
    Unused("DeleteTable", e, std::move(done));
  }
  void PutItem(api::PutItemRequest, api::Executor* e,
               backend::Callback<api::PutItemResponse> done) override {
    Unused("PutItem", e, std::move(done));
  }
  void GetItem(api::GetItemRequest request, api::Executor* e,
               backend::Callback<api::GetItemResponse> done) override {
    Record("GetItem");
    last_table_name = request.table_name;
    e->Post([this, done = std::move(done)] { done(get_item_result); });
  }
  void DeleteItem(api::DeleteItemRequest, api::Executor* e,
                  backend::Callback<api::DeleteItemResponse> done) override {
    Unused("DeleteItem", e, std::move(done));
  }
  void UpdateTable(api::UpdateTableRequest, api::Executor* e,
                   backend::Callback<api::TableDescription> done) override {
    Unused("UpdateTable", e, std::move(done));
  }
  void UpdateItem(api::UpdateItemRequest, api::Executor* e,
                  backend::Callback<api::UpdateItemResponse> done) override {
    Unused("UpdateItem", e, std::move(done));
  }
  void Query(api::QueryRequest, api::Executor* e,
             backend::Callback<api::QueryResponse> done) override {
    Unused("Query", e, std::move(done));
  }
  void Scan(api::ScanRequest, api::Executor* e,
            backend::Callback<api::ScanResponse> done) override {
    Unused("Scan", e, std::move(done));
  }
  void BatchGetItem(api::BatchGetItemRequest, api::Executor* e,
                    backend::Callback<api::BatchGetItemResponse> done) override {
    Unused("BatchGetItem", e, std::move(done));
  }
  void BatchWriteItem(api::BatchWriteItemRequest, api::Executor* e,
                      backend::Callback<api::BatchWriteItemResponse> done) override {
    Unused("BatchWriteItem", e, std::move(done));
  }
  void UpdateTimeToLive(api::UpdateTimeToLiveRequest, api::Executor* e,
                        backend::Callback<api::UpdateTimeToLiveResponse> done) override {
    Unused("UpdateTimeToLive", e, std::move(done));
  }
  void DescribeTimeToLive(api::DescribeTimeToLiveRequest, api::Executor* e,
                          backend::Callback<api::DescribeTimeToLiveResponse> done) override {
    Unused("DescribeTimeToLive", e, std::move(done));
  }
  void TransactWriteItems(api::TransactWriteItemsRequest, api::Executor* e,
                          backend::Callback<api::TransactWriteItemsResponse> done) override {
    Unused("TransactWriteItems", e, std::move(done));
  }
  void TransactGetItems(api::TransactGetItemsRequest, api::Executor* e,
                        backend::Callback<api::TransactGetItemsResponse> done) override {
    Unused("TransactGetItems", e, std::move(done));
  }

 private:
  void Record(const std::string& name) {
    std::lock_guard lock(mu_);
    calls_.push_back(name);
  }
  template <class T>
  void Unused(const std::string& name, api::Executor* e, backend::Callback<T> done) {
    Record(name);
    e->Post([done = std::move(done)] { done(api::Error::Internal("not used by this test")); });
  }

  std::mutex mu_;
  std::vector<std::string> calls_;
};

constexpr const char* kAuthorization =
    "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0123456789abcdef";

struct Fixture {
  explicit Fixture(AuthMode mode = AuthMode::kNone)
      : authenticator([mode] {
          AuthOptions options;
          options.mode = mode;
          options.keys.emplace("AKID", "secret");
          return options;
        }()),
        handler(&backend, &authenticator, "us-east-1"),
        server(
            [] {
              HttpServerOptions options;
              options.port = 0;
              return options;
            }(),
            &handler) {
    REQUIRE(server.Start().ok());
  }
  ~Fixture() { server.Shutdown(); }

  Response Send(const std::string& request) {
    Client client(server.port());
    REQUIRE(client.Send(request));
    auto response = client.Read();
    REQUIRE(response.has_value());
    return *response;
  }

  FakeBackend backend;
  Authenticator authenticator;
  DynamoDbHandler handler;
  HttpServer server;
};

std::string DynamoRequest(const std::string& target, const std::string& body,
                          const std::string& content_type = "application/x-amz-json-1.0",
                          bool with_auth = true) {
  std::string r = "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Date: 20240101T000000Z\r\n";
  if (!target.empty()) r += "X-Amz-Target: " + target + "\r\n";
  if (!content_type.empty()) r += "Content-Type: " + content_type + "\r\n";
  if (with_auth) r += std::string("Authorization: ") + kAuthorization + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

uint32_t Crc32(const std::string& body) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
}

void CheckDynamoHeaders(const Response& r,
                        const std::string& content_type = "application/x-amz-json-1.0") {
  CHECK(r.headers.at("content-type") == content_type);
  const std::string& id = r.headers.at("x-amzn-requestid");
  CHECK(id.size() == 52);
  CHECK(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string::npos);
  CHECK(r.headers.at("x-amz-crc32") == std::to_string(Crc32(r.body)));
  CHECK(r.headers.count("date") == 1);
}

TEST_CASE("GET / is DynamoDB's health check") {
  Fixture f;
  Response r = f.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(r.status == 200);
  CHECK(r.body == "healthy: dynamodb.us-east-1.amazonaws.com ");
}

TEST_CASE("a request DynamoDB cannot route gets the bare 404") {
  Fixture f;
  SECTION("wrong content type") {
    Response r = f.Send(DynamoRequest("DynamoDB_20120810.ListTables", "{}", "text/plain"));
    CHECK(r.status == 404);
    CHECK(r.body == "<UnknownOperationException/>\n");
    CheckDynamoHeaders(r);
  }
  SECTION("not a POST") {
    Response r = f.Send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    CHECK(r.status == 404);
    CHECK(r.body == "<UnknownOperationException/>\n");
  }
  CHECK(f.backend.calls().empty());
}

TEST_CASE("unknown targets, authentication and JSON are checked in DynamoDB's order") {
  Fixture f(AuthMode::kSigV4);
  SECTION("unknown operation") {
    Response r = f.Send(DynamoRequest("DynamoDB_20120810.Frobnicate", "{}"));
    CHECK(r.status == 400);
    CHECK(r.body == R"({"__type":"com.amazon.coral.service#UnknownOperationException"})");
    CheckDynamoHeaders(r);
  }
  SECTION("wrong API version") {
    Response r = f.Send(DynamoRequest("DynamoDB_20111205.ListTables", "{}"));
    CHECK(r.body == R"({"__type":"com.amazon.coral.service#UnknownOperationException"})");
  }
  SECTION("malformed JSON is reported before an unknown operation") {
    Response r = f.Send(DynamoRequest("DynamoDB_20120810.Frobnicate", "{not json"));
    CHECK(r.status == 400);
    CHECK(r.body == R"({"__type":"com.amazon.coral.service#SerializationException"})");
  }
  SECTION("missing authentication") {
    Response r = f.Send(DynamoRequest("DynamoDB_20120810.ListTables", "{}",
                                      "application/x-amz-json-1.0", /*with_auth=*/false));
    CHECK(r.status == 400);
    CHECK(r.body == R"({"__type":"com.amazon.coral.service#MissingAuthenticationTokenException",)"
                    R"("message":"Request is missing Authentication Token"})");
  }
  SECTION("malformed JSON is reported before a failed authentication") {
    Response r = f.Send(DynamoRequest("DynamoDB_20120810.ListTables", "{not json",
                                      "application/x-amz-json-1.0", /*with_auth=*/false));
    CHECK(r.body == R"({"__type":"com.amazon.coral.service#SerializationException"})");
  }
  CHECK(f.backend.calls().empty());
}

TEST_CASE("a well-formed request reaches the backend and its answer is encoded") {
  Fixture f;
  api::Item item;
  item.emplace("id", api::AttributeValue::S("a"));
  item.emplace("n", api::AttributeValue::N(api::Number::FromInt64(7)));
  f.backend.get_item_result = api::GetItemResponse{item};
  Response r = f.Send(DynamoRequest("DynamoDB_20120810.GetItem",
                                    R"({"TableName":"users","Key":{"id":{"S":"a"}}})"));
  CHECK(r.status == 200);
  CHECK(r.body == R"({"Item":{"id":{"S":"a"},"n":{"N":"7"}}})");
  CheckDynamoHeaders(r);
  CHECK(f.backend.calls() == std::vector<std::string>{"GetItem"});
  CHECK(f.backend.last_table_name == "users");
}

TEST_CASE("backend errors go out with their type and status") {
  Fixture f;
  f.backend.get_item_result = api::Error::NotFound("Requested resource not found");
  Response r = f.Send(DynamoRequest("DynamoDB_20120810.GetItem",
                                    R"({"TableName":"users","Key":{"id":{"S":"a"}}})"));
  CHECK(r.status == 400);
  CHECK(r.body == R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
                  R"("message":"Requested resource not found"})");

  f.backend.get_item_result = api::Error::Internal("Internal server error");
  r = f.Send(DynamoRequest("DynamoDB_20120810.GetItem",
                           R"({"TableName":"users","Key":{"id":{"S":"a"}}})"));
  CHECK(r.status == 500);
  CHECK(r.body.find("com.amazonaws.dynamodb.v20120810#InternalServerError") != std::string::npos);
}

TEST_CASE("bad bodies are answered without calling the backend") {
  Fixture f;
  SECTION("empty body") {
    Response r = f.Send(DynamoRequest("DynamoDB_20120810.ListTables", ""));
    CHECK(r.status == 400);
    CHECK(r.body == R"({"__type":"com.amazon.coral.service#SerializationException"})");
  }
  SECTION("a parameter out of range") {
    Response r = f.Send(DynamoRequest("DynamoDB_20120810.ListTables", R"({"Limit":0})"));
    CHECK(r.status == 400);
    CHECK(r.body.find("com.amazon.coral.validate#ValidationException") != std::string::npos);
    CHECK(r.body.find("Member must have value greater than or equal to 1") != std::string::npos);
  }
  CHECK(f.backend.calls().empty());
}

TEST_CASE("a request sent as application/json is answered as application/json") {
  Fixture f;
  f.backend.list_tables_result = api::ListTablesResponse{{"a", "b"}, std::nullopt};
  Response r = f.Send(DynamoRequest("DynamoDB_20120810.ListTables", "{}", "application/json"));
  CHECK(r.status == 200);
  CHECK(r.body == R"({"TableNames":["a","b"]})");
  CheckDynamoHeaders(r, "application/json");
}

TEST_CASE("NewRequestId gives distinct 52-character ids") {
  std::string a = NewRequestId();
  std::string b = NewRequestId();
  CHECK(a.size() == 52);
  CHECK(a != b);
}

}  // namespace
}  // namespace ddbx::proxy
