// A plain HTTP/1.1 client for tests of modalisd's HTTP listener (Boost.Beast, blocking), holding
// one connection open across requests so keep-alive is exercised too.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <map>
#include <string>

namespace modalis::testing {

struct HttpResult {
  unsigned status = 0;                         // 0: no reply (the connection failed or closed)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string error;  // why there is no reply
};

class HttpClient {
 public:
  // `address` is host:port.
  explicit HttpClient(const std::string& address)
      : host_(address.substr(0, address.rfind(':'))),
        port_(address.substr(address.rfind(':') + 1)) {}

  HttpResult Send(const std::string& method, const std::string& target, const std::string& body,
                  const std::map<std::string, std::string>& headers = {}) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    HttpResult result;
    beast::error_code ec;
    if (!stream_.socket().is_open()) {
      boost::asio::ip::tcp::resolver resolver(io_);
      const auto endpoints = resolver.resolve(host_, port_, ec);
      if (!ec) stream_.connect(endpoints, ec);
      if (ec) {
        result.error = "connect: " + ec.message();
        return result;
      }
    }
    http::request<http::string_body> request(http::string_to_verb(method), target, 11);
    request.set(http::field::host, host_);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    stream_.expires_after(std::chrono::seconds(20));
    http::write(stream_, request, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (!ec) http::read(stream_, buffer_, parser, ec);
    if (ec) {
      result.error = "exchange: " + ec.message();
      stream_.close();
      return result;
    }
    const auto& response = parser.get();
    result.status = response.result_int();
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[name] = std::string(field.value());
    }
    result.body = response.body();
    if (!response.keep_alive()) stream_.close();
    return result;
  }

  // POST of a JSON body, as a Connect client sends it.
  HttpResult PostJson(const std::string& target, const std::string& json,
                      std::map<std::string, std::string> headers = {}) {
    headers.emplace("Content-Type", "application/json");
    return Send("POST", target, json, headers);
  }

  bool connected() { return stream_.socket().is_open(); }

 private:
  std::string host_;
  std::string port_;
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_{io_};
  boost::beast::flat_buffer buffer_;
};

}  // namespace modalis::testing
