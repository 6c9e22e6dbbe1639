// LoopExecutor: an api::Executor that runs tasks on one libuv loop, woken through a uv_async_t.
//
// Post() may be called from any thread: the task goes into a mutex-protected queue and the
// loop is woken; the loop thread runs every queued task in posting order, never inside Post().
// Close() (loop thread) stops it: tasks already queued run right there, during Close(), on the
// loop thread; anything posted afterwards is dropped, i.e. destroyed unrun on the posting
// thread. So a completion that arrives after its server shut down is harmless, provided the
// LoopExecutor object itself is still alive (its owner keeps it until the owner is destroyed).
//
// Threads: Open() and Close() on the loop's thread (or before the loop runs); Post() anywhere.
#pragma once

#include <uv.h>

#include <functional>
#include <mutex>
#include <vector>

#include "api/executor.h"

namespace ddbx::proxy {

class LoopExecutor final : public api::Executor {
 public:
  LoopExecutor() = default;
  // REQUIRES: never opened, or Close()d and its loop run until the handle closed.
  ~LoopExecutor() override = default;
  LoopExecutor(const LoopExecutor&) = delete;
  LoopExecutor& operator=(const LoopExecutor&) = delete;

  // Attaches to `loop`. Returns 0 or a libuv error code (then Post() keeps dropping tasks).
  int Open(uv_loop_t* loop);

  // Queues `task` to run on the loop. Dropped if the executor is not open (before Open(), after
  // Close()).
  void Post(std::function<void()> task) override;

  // Stops accepting tasks, runs the ones already queued, and closes the async handle (the loop
  // must run once more for the close to complete). Idempotent. Loop thread only.
  void Close();

 private:
  static void OnAsync(uv_async_t* async);
  void RunQueued();

  std::mutex mu_;
  std::vector<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  bool open_ = false;                         // GUARDED_BY(mu_)
  bool closed_ = false;                       // GUARDED_BY(mu_)
  uv_async_t async_{};
};

}  // namespace ddbx::proxy
