#include "bench/load/http_driver.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace modalis::load {

namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

CellResult RunHttpCell(const std::string& address, const std::string& path,
                       const std::function<std::string(size_t stream)>& body, size_t streams,
                       std::chrono::milliseconds warmup, std::chrono::milliseconds measure) {
  const std::string host = address.substr(0, address.rfind(':'));
  const std::string port = address.substr(address.rfind(':') + 1);
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + warmup;
  const Clock::time_point stop = measure_from + measure;
  std::mutex mu;
  CellResult result;
  std::vector<std::thread> threads;
  for (size_t s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      boost::asio::io_context io;
      beast::tcp_stream stream(io);
      beast::flat_buffer buffer;
      std::vector<int64_t> latencies;
      uint64_t errors = 0;
      std::string first_error;
      auto fail = [&](const std::string& why) {
        if (errors++ == 0) first_error = why;
        stream.close();
      };
      while (Clock::now() < stop) {
        beast::error_code ec;
        if (!stream.socket().is_open()) {
          boost::asio::ip::tcp::resolver resolver(io);
          stream.connect(resolver.resolve(host, port, ec), ec);
          if (ec) {
            fail("connect: " + ec.message());
            continue;
          }
        }
        http::request<http::string_body> request(http::verb::post, path, 11);
        request.set(http::field::host, host);
        request.set(http::field::content_type, "application/json");
        request.body() = body(s);
        request.prepare_payload();
        http::response<http::string_body> response;
        const Clock::time_point sent = Clock::now();
        http::write(stream, request, ec);
        if (!ec) http::read(stream, buffer, response, ec);
        const Clock::time_point done = Clock::now();
        if (ec) {
          fail("exchange: " + ec.message());
          continue;
        }
        if (response.result_int() != 200) {
          if (errors++ == 0) {
            first_error = std::to_string(response.result_int()) + ": " + response.body();
          }
          continue;
        }
        if (sent >= measure_from && done <= stop) {
          latencies.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(done - sent).count());
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      result.latencies_ns.insert(result.latencies_ns.end(), latencies.begin(), latencies.end());
      if (result.errors == 0 && errors > 0) result.first_error = first_error;
      result.errors += errors;
    });
  }
  for (std::thread& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(measure).count();
  return result;
}

}  // namespace modalis::load
