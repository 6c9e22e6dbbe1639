// Test harness for the engine's unit tests: an executor driven by the test's own thread (like a
// worker's event loop), a Call() that checks the Backend threading contract on every call, and
// shorthands for opening engines and building requests. Header-only; used by the tests in
// tests/unit/engine/ only.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api/codec.h"
#include "backend/engine/engine.h"

namespace ddbx::backend::engine::testing {

// An Executor whose tasks run only when its owner drives it, on the owner's thread, like one
// worker's event loop.
class TestExecutor final : public api::Executor {
 public:
  void Post(std::function<void()> task) override {
    // Notify under the lock: once the task is visible, the owner may run it and destroy this
    // executor, so Post must not touch *this after unlocking.
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
    cv_.notify_all();
  }

  // Runs posted tasks on this thread until `finished()` holds; false on timeout.
  bool RunUntil(const std::function<bool()>& finished,
                std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!finished()) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        if (!cv_.wait_until(lock, deadline, [this] { return !tasks_.empty(); })) return false;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
    return true;
  }

  size_t pending() {
    std::lock_guard lock(mu_);
    return tasks_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
};

// Calls one Backend method and drives the executor until its completion has run. Checks the
// contract on the way: exactly one completion, on this thread, not inside the call.
template <class T, class Request>
api::Result<T> Call(Engine& engine, TestExecutor& executor,
                    void (Engine::*method)(Request, api::Executor*, Callback<T>), Request request) {
  std::optional<api::Result<T>> result;
  int calls = 0;
  std::thread::id ran_on;
  (engine.*method)(std::move(request), &executor, [&](api::Result<T> r) {
    ++calls;
    ran_on = std::this_thread::get_id();
    result.emplace(std::move(r));
  });
  CHECK(calls == 0);  // never inside the call
  REQUIRE(executor.RunUntil([&] { return calls > 0; }));
  CHECK(calls == 1);
  CHECK(ran_on == std::this_thread::get_id());
  return std::move(*result);
}

inline api::AttributeValue N(const char* text) {
  auto number = api::Number::Parse(text);
  REQUIRE(number.ok());
  return api::AttributeValue::N(number.value());
}

inline api::AttributeValue N(int64_t value) {
  return api::AttributeValue::N(api::Number::FromInt64(value));
}

inline api::AttributeValue S(std::string text) { return api::AttributeValue::S(std::move(text)); }

// A table "name" with hash key pk (S) and, if asked, range key sk (N); throughput 5/7.
inline api::CreateTableRequest TableRequest(const std::string& name, bool with_range = false) {
  api::CreateTableRequest request;
  request.table_name = name;
  request.attribute_definitions = {{"pk", api::ScalarAttributeType::kS}};
  request.key_schema = {{"pk", api::KeyType::kHash}};
  if (with_range) {
    request.attribute_definitions.push_back({"sk", api::ScalarAttributeType::kN});
    request.key_schema.push_back({"sk", api::KeyType::kRange});
  }
  request.provisioned_throughput = api::ProvisionedThroughput{5, 7};
  return request;
}

// A temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ddbx-engine-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline EngineOptions MemoryOptions() {
  EngineOptions options;
  options.in_memory = true;
  options.data_dir = "/ddbx-test";
  options.worker_threads = 4;
  return options;
}

inline std::unique_ptr<Engine> OpenEngine(EngineOptions options) {
  auto opened = Engine::Open(std::move(options));
  if (!opened.ok()) FAIL(opened.error().message);
  return std::move(opened).value();
}

// Shorthands over Call.
struct Harness {
  explicit Harness(EngineOptions options = MemoryOptions())
      : engine(OpenEngine(std::move(options))) {}

  // Any Backend method: h.Run(&Engine::Query, request).
  template <class T, class Request>
  api::Result<T> Run(void (Engine::*method)(Request, api::Executor*, Callback<T>),
                     Request request) {
    return Call(*engine, executor, method, std::move(request));
  }

  api::Result<api::TableDescription> Create(api::CreateTableRequest request) {
    return Call(*engine, executor, &Engine::CreateTable, std::move(request));
  }
  api::Result<api::TableDescription> Describe(const std::string& name) {
    return Call(*engine, executor, &Engine::DescribeTable, api::DescribeTableRequest{name});
  }
  api::Result<api::TableDescription> Delete(const std::string& name) {
    return Call(*engine, executor, &Engine::DeleteTable, api::DeleteTableRequest{name});
  }
  api::Result<api::ListTablesResponse> List(std::optional<std::string> start,
                                            std::optional<int32_t> limit) {
    api::ListTablesRequest request;
    request.exclusive_start_table_name = std::move(start);
    request.limit = limit;
    return Call(*engine, executor, &Engine::ListTables, std::move(request));
  }
  api::Result<api::PutItemResponse> Put(const std::string& table, api::Item item,
                                        api::ReturnValues rv = api::ReturnValues::kNone) {
    api::PutItemRequest request;
    request.table_name = table;
    request.item = std::move(item);
    request.return_values = rv;
    return Call(*engine, executor, &Engine::PutItem, std::move(request));
  }
  api::Result<api::GetItemResponse> Get(const std::string& table, api::Key key) {
    api::GetItemRequest request;
    request.table_name = table;
    request.key = std::move(key);
    return Call(*engine, executor, &Engine::GetItem, std::move(request));
  }
  api::Result<api::DeleteItemResponse> Del(const std::string& table, api::Key key,
                                           api::ReturnValues rv = api::ReturnValues::kNone) {
    api::DeleteItemRequest request;
    request.table_name = table;
    request.key = std::move(key);
    request.return_values = rv;
    return Call(*engine, executor, &Engine::DeleteItem, std::move(request));
  }

  TestExecutor executor;
  std::unique_ptr<Engine> engine;
};

template <class T>
void CheckError(const api::Result<T>& result, api::ErrorCode code, const std::string& message) {
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == code);
  CHECK(result.error().message == message);
}

// The items of a Query or Scan page, decoded. `items_json` joins the items' JSON with commas;
// the split happens at commas outside every string and at nesting depth zero.
inline std::vector<api::Item> ItemsOf(const api::ReadManyResponse& page) {
  std::vector<api::Item> items;
  const std::string& json = page.items_json;
  size_t start = 0;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i <= json.size(); ++i) {
    if (i < json.size()) {
      const char c = json[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '"') in_string = true;
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      if (c != ',' || depth != 0) continue;
    }
    if (i == start) break;  // an empty list
    api::Result<api::Item> item =
        api::DecodeItemJson(std::string_view(json).substr(start, i - start));
    REQUIRE(item.ok());
    items.push_back(std::move(item).value());
    start = i + 1;
  }
  return items;
}

}  // namespace ddbx::backend::engine::testing
