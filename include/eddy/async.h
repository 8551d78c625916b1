// Using the SDK from an Asio program. The SDK's calls block, so run them off your
// io_context's threads with AsyncCall, and have events delivered onto your io_context with
// Post. Header-only; needs Boost.Asio (already a dependency of the SDK).
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <exception>
#include <type_traits>
#include <utility>

#include "eddy/chat_client.h"

namespace eddy::client {

// Runs `call` (any blocking SDK call, e.g. [&] { return channel.SendMessage("hi"); }) on
// `pool`, then handler(std::exception_ptr error, R result) on `executor` (for a void call:
// handler(error)). error holds the ApiError when the call threw.
template <typename Executor, typename Call, typename Handler>
void AsyncCall(boost::asio::thread_pool& pool, Executor executor, Call call, Handler handler) {
  boost::asio::post(
      pool, [executor, call = std::move(call), handler = std::move(handler)]() mutable {
        using R = std::invoke_result_t<Call&>;
        std::exception_ptr error;
        if constexpr (std::is_void_v<R>) {
          try {
            call();
          } catch (...) {
            error = std::current_exception();
          }
          boost::asio::post(executor,
                            [handler = std::move(handler), error]() mutable { handler(error); });
        } else {
          R result{};
          try {
            result = call();
          } catch (...) {
            error = std::current_exception();
          }
          boost::asio::post(executor, [handler = std::move(handler), error,
                                       result = std::move(result)]() mutable {
            handler(error, std::move(result));
          });
        }
      });
}

// An event handler that hands each event to `handler` on `executor` (your io_context)
// instead of the SDK's thread: client.On("message.new", Post(ioc.get_executor(), h)).
template <typename Executor>
EventHandler Post(Executor executor, EventHandler handler) {
  return [executor, handler = std::move(handler)](const Event& event) {
    boost::asio::post(executor, [handler, event] { handler(event); });
  };
}

}  // namespace eddy::client
