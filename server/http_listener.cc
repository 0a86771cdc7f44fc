#include "server/http_listener.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <future>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>

#include "absl/status/status.h"

namespace modalis {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

const std::string& HttpRequest::header(const std::string& lower_case_name) const {
  static const std::string kNone;
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? kNone : it->second;
}

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos || colon + 1 == host_port.size()) {
    return absl::InvalidArgumentError("'" + host_port + "' is not HOST:PORT");
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  int port = -1;
  const char* first = host_port.data() + colon + 1;
  const char* last = host_port.data() + host_port.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || port < 0 || port > 65535) {
    return absl::InvalidArgumentError("'" + host_port + "': the port must be 0-65535");
  }
  return std::make_pair(host, port);
}

namespace {

// A short JSON error the listener writes itself, for requests it cannot hand on: the shape of a
// Connect error, so a client reads every error of this port the same way.
HttpResponse ListenerError(unsigned status, const char* code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = std::string("{\"code\":\"") + code + "\",\"message\":\"" + message + "\"}";
  return r;
}

}  // namespace

class HttpListener::Impl {
 public:
  Impl(const HttpLimits& limits, HttpHandler handler)
      : limits_(limits), handler_(std::move(handler)), acceptor_(io_) {}

  absl::Status UseTls(const HttpTls& tls) {
    ssl_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    beast::error_code ec;
    ssl_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                          net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                          net::ssl::context::no_tlsv1_1,
                      ec);
    if (!ec) ssl_->use_certificate_chain(net::buffer(tls.cert_pem), ec);
    if (!ec) ssl_->use_private_key(net::buffer(tls.key_pem), net::ssl::context::pem, ec);
    if (!ec && !tls.client_ca_pem.empty()) {
      ssl_->add_certificate_authority(net::buffer(tls.client_ca_pem), ec);
      if (!ec) {
        ssl_->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert, ec);
      }
    }
    if (ec) return absl::InvalidArgumentError("TLS for HTTP: " + ec.message());
    return absl::OkStatus();
  }

  absl::Status Listen(const std::string& host, int port) {
    beast::error_code ec;
    const auto address = net::ip::make_address(host, ec);
    if (ec) {
      return absl::InvalidArgumentError("'" + host + "' is not an IP address (" + ec.message() +
                                        ")");
    }
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError("cannot listen for HTTP on " + host + ":" +
                                    std::to_string(port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
    return absl::OkStatus();
  }

  ~Impl() {
    Close();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }

  void Close();

  class SessionBase;
  template <class Stream>
  class Session;

 private:
  void Accept();

  template <class Stream>
  friend class Session;
  HttpLimits limits_;
  HttpHandler handler_;
  net::io_context io_{1};
  tcp::acceptor acceptor_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> closed_{false};
  // Touched only on the listener's thread.
  std::set<std::weak_ptr<SessionBase>, std::owner_less<std::weak_ptr<SessionBase>>> sessions_;
  std::unique_ptr<net::ssl::context> ssl_;  // null: plaintext
};

class HttpListener::Impl::SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void Shut() = 0;
};

// One connection: plaintext (beast::tcp_stream) or TLS (beast::ssl_stream over one).
template <class Stream>
class HttpListener::Impl::Session : public SessionBase,
                                    public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArgs>
  Session(Impl* owner, StreamArgs&&... args)
      : owner_(owner), stream_(std::forward<StreamArgs>(args)...) {}

  void Run() {
    if constexpr (kTls) {
      // The handshake is part of receiving the first request, under the same time limit.
      beast::get_lowest_layer(stream_).expires_after(owner_->limits_.read_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Shut();
                                self->Read();
                              });
    } else {
      Read();
    }
  }

  void Shut() override {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(owner_->limits_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(owner_->limits_.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(owner_->limits_.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      Shut();
      return;
    }
    if (ec == http::error::body_limit) {
      Reply(ListenerError(413, "resource_exhausted",
                          "the request body is larger than " +
                              std::to_string(owner_->limits_.max_body_bytes) + " bytes"),
            false);
      return;
    }
    if (ec == http::error::header_limit) {
      Reply(ListenerError(431, "resource_exhausted",
                          "the request headers are larger than " +
                              std::to_string(owner_->limits_.max_header_bytes) + " bytes"),
            false);
      return;
    }
    if (ec) {
      Reply(ListenerError(400, "invalid_argument", "this is not an HTTP/1.1 request"), false);
      return;
    }
    http::request<http::string_body> message = parser_->release();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(message.body());
    const bool keep_alive = message.keep_alive();
    // The reply may come from any thread: it is carried back onto this one.
    auto self = this->shared_from_this();
    owner_->handler_(std::move(request), [self, keep_alive](HttpResponse response) {
      net::post(self->stream_.get_executor(),
                [self, keep_alive, r = std::move(response)]() { self->Reply(r, keep_alive); });
    });
  }

  void Reply(const HttpResponse& r, bool keep_alive) {
    // Closed meanwhile (Close, or the client left).
    if (!beast::get_lowest_layer(stream_).socket().is_open()) return;
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    response->set(http::field::server, "modalisd");
    response->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) response->set(name, value);
    response->body() = r.body;
    response->keep_alive(keep_alive && !owner_->closed_);
    response->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(owner_->limits_.write_timeout);
    http::async_write(stream_, *response,
                      [self = this->shared_from_this(), response](beast::error_code ec, size_t) {
                        if (ec || !response->keep_alive()) {
                          self->Shut();
                          return;
                        }
                        self->Read();
                      });
  }

  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Impl* owner_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

void HttpListener::Impl::Close() {
  if (closed_.exchange(true)) return;
  // On the listener's thread, where the sessions live; waited for, so that nothing is accepted
  // once Close returns.
  std::promise<void> done;
  net::post(io_, [this, &done] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) session->Shut();
    }
    done.set_value();
  });
  if (thread_.joinable()) done.get_future().wait();
}

void HttpListener::Impl::Accept() {
  acceptor_.async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      // Forget the sessions that have ended before counting the open ones.
      for (auto it = sessions_.begin(); it != sessions_.end();) {
        it = it->expired() ? sessions_.erase(it) : std::next(it);
      }
      if (sessions_.size() >= limits_.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // beyond the limit: refused at once rather than queued
      } else {
        if (ssl_ != nullptr) {
          auto session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
              this, std::move(socket), *ssl_);
          sessions_.insert(session);
          session->Run();
        } else {
          auto session = std::make_shared<Session<beast::tcp_stream>>(this, std::move(socket));
          sessions_.insert(session);
          session->Run();
        }
      }
    }
    Accept();
  });
}

HttpListener::HttpListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpListener::~HttpListener() = default;

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(const std::string& host, int port,
                                                                  const HttpLimits& limits,
                                                                  HttpHandler handler,
                                                                  const HttpTls& tls) {
  auto impl = std::make_unique<Impl>(limits, std::move(handler));
  if (!tls.cert_pem.empty()) {
    if (absl::Status s = impl->UseTls(tls); !s.ok()) return s;
  }
  if (absl::Status s = impl->Listen(host, port); !s.ok()) return s;
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(impl)));
}

int HttpListener::port() const { return impl_->port(); }

void HttpListener::Close() { impl_->Close(); }

}  // namespace modalis
