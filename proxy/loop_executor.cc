#include "proxy/loop_executor.h"

#include <utility>

namespace ddbx::proxy {

int LoopExecutor::Open(uv_loop_t* loop) {
  std::lock_guard<std::mutex> lock(mu_);
  if (open_ || closed_) return UV_EINVAL;
  const int rc = uv_async_init(loop, &async_, &LoopExecutor::OnAsync);
  if (rc != 0) return rc;
  async_.data = this;
  open_ = true;
  return 0;
}

void LoopExecutor::Post(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_ || closed_) {
    lock.unlock();
    task = nullptr;  // destroyed here, outside the lock: it may own things that post again
    return;
  }
  queue_.push_back(std::move(task));
  // Sent under the lock: Close() cannot close the handle between the push and the wake-up.
  uv_async_send(&async_);
}

void LoopExecutor::Close() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_ || closed_) {
      closed_ = true;
      return;
    }
    closed_ = true;
    tasks.swap(queue_);
  }
  for (auto& task : tasks) task();
  tasks.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

void LoopExecutor::OnAsync(uv_async_t* async) {
  static_cast<LoopExecutor*>(async->data)->RunQueued();
}

void LoopExecutor::RunQueued() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(queue_);
  }
  // Tasks posted while these run wait for the next wake-up (uv_async_send was called for them).
  for (auto& task : tasks) task();
}

}  // namespace ddbx::proxy
