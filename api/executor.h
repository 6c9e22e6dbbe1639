// Executor: runs closures on one particular thread (for ddbx, a worker's event loop).
//
// Backends take an Executor with every request and run the completion through it, so a
// completion always runs on the thread that submitted the request. Post() may be called from
// any thread; the closure runs later, on the executor's thread, never inside Post().
#pragma once

#include <functional>

namespace ddbx::api {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void Post(std::function<void()> task) = 0;
};

}  // namespace ddbx::api
