// TaskPool: a fixed set of threads running queued closures in FIFO order. The engine runs every
// RocksDB operation on one, so no event loop ever waits for the disk.
//
// Submit() may be called from any thread and never blocks on a task. The destructor stops
// accepting work, lets the threads finish every task already queued, and joins them.
// REQUIRES: nobody calls Submit() once the destructor has started.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ddbx::backend::engine {

class TaskPool {
 public:
  // REQUIRES: threads >= 1.
  explicit TaskPool(int threads);
  ~TaskPool();

  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void Submit(std::function<void()> task);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace ddbx::backend::engine
