// Tokens, roles, TLS and mTLS against the real modalisd, with a throwaway CA made by openssl.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "grpc/health/v1/health.grpc.pb.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

// Runs a shell command; returns its standard output, or "" with the test failed.
std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  EXPECT_EQ(::pclose(pipe), 0) << command;
  return out;
}

std::string Mint(const std::string& file, const std::string& name, const std::string& role) {
  std::string token = Shell(testing::BinDir() + "/modalis token add --file " + file + " --name " +
                            name + " --role " + role + " 2>/dev/null");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  return token;
}

grpc::StatusCode CallStatus(const std::shared_ptr<grpc::Channel>& channel,
                            const std::string& token) {
  auto stub = v1::RulesAdmin::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  v1::GetStatusResponse response;
  return stub->GetStatus(&ctx, {}, &response).error_code();
}

grpc::StatusCode Health(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&ctx, {}, &response).error_code();
}

class AuthTest : public ::testing::Test {
 protected:
  std::vector<std::string> Args(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--rules",   testing::RulesDir(),
                                     "--plugins", testing::PluginsDir(),
                                     "--db",      dir_.file("m.db")};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // A CA, a server certificate for localhost / 127.0.0.1 and a client certificate.
  void MakeCertificates() {
    const std::string d = dir_.path();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    Shell("cd " + d + " && openssl req -x509" + ec +
          "-keyout ca.key -out ca.pem -days 1 -subj /CN=modalis-test-ca 2>/dev/null");
    testing::WriteText(dir_.file("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    for (const std::string who : {"server", "client"}) {
      Shell("cd " + d + " && openssl req" + ec + "-keyout " + who + ".key -out " + who +
            ".csr -subj /CN=" + who + " 2>/dev/null && openssl x509 -req -in " + who +
            ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out " + who +
            ".pem 2>/dev/null");
    }
  }
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, bool client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = testing::ReadText(dir_.file("ca.pem"));
    if (client_cert) {
      ssl.pem_private_key = testing::ReadText(dir_.file("client.key"));
      ssl.pem_cert_chain = testing::ReadText(dir_.file("client.pem"));
    }
    return grpc::CreateChannel(address, grpc::SslCredentials(ssl));
  }
  testing::TempDir dir_;
};

TEST_F(AuthTest, TokensAndRolesDecideWhoMayCallWhat) {
  const std::string tokens = dir_.file("tokens.json");
  const std::string booking = Mint(tokens, "booking-app", "booking");
  const std::string admin = Mint(tokens, "ops", "admin");
  ASSERT_EQ(booking.size(), 67u);
  EXPECT_EQ(testing::ReadText(tokens).find(booking), std::string::npos)
      << "tokens are stored hashed";

  testing::ServerProcess server(Args({"--token-file", tokens}));
  ASSERT_TRUE(server.started()) << server.output();
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(CallStatus(channel, ""), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CallStatus(channel, "mt_not_a_real_token"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CallStatus(channel, booking), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CallStatus(channel, admin), grpc::StatusCode::OK);
  EXPECT_EQ(Health(channel), grpc::StatusCode::OK) << "health needs no token";
  server.Stop(SIGTERM);
  const std::string log = server.output();
  EXPECT_EQ(log.find(admin), std::string::npos) << "tokens are never logged";
  EXPECT_NE(log.find(R"("method":"/modalis.v1.RulesAdmin/GetStatus","code":"OK")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("code":"PERMISSION_DENIED","latency_ms")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("client":"ops")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("client":"invalid-token")"), std::string::npos) << log;
}

TEST_F(AuthTest, TlsAndMutualTls) {
  MakeCertificates();
  const std::string tokens = dir_.file("tokens.json");
  const std::string admin = Mint(tokens, "ops", "admin");
  {
    testing::ServerProcess server(
        Args({"--token-file", tokens, "--tls-cert", dir_.file("server.pem"), "--tls-key",
              dir_.file("server.key")}));
    ASSERT_TRUE(server.started()) << server.output();
    const std::string address =
        "localhost:" + server.address().substr(server.address().rfind(':') + 1);
    EXPECT_EQ(CallStatus(TlsChannel(address, false), admin), grpc::StatusCode::OK);
    // A plaintext client cannot talk to a TLS server.
    EXPECT_EQ(CallStatus(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()), admin),
              grpc::StatusCode::UNAVAILABLE);
  }
  testing::ServerProcess server(
      Args({"--token-file", tokens, "--tls-cert", dir_.file("server.pem"), "--tls-key",
            dir_.file("server.key"), "--client-ca", dir_.file("ca.pem")}));
  ASSERT_TRUE(server.started()) << server.output();
  const std::string address =
      "localhost:" + server.address().substr(server.address().rfind(':') + 1);
  EXPECT_EQ(CallStatus(TlsChannel(address, true), admin), grpc::StatusCode::OK);
  EXPECT_EQ(CallStatus(TlsChannel(address, false), admin), grpc::StatusCode::UNAVAILABLE)
      << "mTLS refuses a client without a certificate";
}

TEST_F(AuthTest, NonLoopbackNeedsTlsAndTokens) {
  MakeCertificates();
  const std::string tokens = dir_.file("tokens.json");
  Mint(tokens, "ops", "admin");
  {
    testing::ServerProcess plaintext(Args({"--listen", "0.0.0.0:0", "--token-file", tokens}));
    EXPECT_FALSE(plaintext.started());
    EXPECT_NE(plaintext.output().find("only listens on loopback"), std::string::npos);
  }
  testing::ServerProcess secured(
      Args({"--listen", "0.0.0.0:0", "--token-file", tokens, "--tls-cert", dir_.file("server.pem"),
            "--tls-key", dir_.file("server.key")}));
  EXPECT_TRUE(secured.started()) << secured.output();
}

TEST_F(AuthTest, ConfigFileSettingsAndFlagsThatOverrideThem) {
  testing::WriteText(dir_.file("modalisd.json"),
                     "{\"rules\": \"" + testing::RulesDir() + "\", \"listen\": \"10.0.0.1:1\"}");
  // The flag's loopback address wins over the file's; the rules come from the file.
  testing::ServerProcess server({"--config", dir_.file("modalisd.json"), "--listen", "127.0.0.1:0",
                                 "--plugins", testing::PluginsDir(), "--db", dir_.file("m.db")});
  EXPECT_TRUE(server.started()) << server.output();
  testing::WriteText(dir_.file("bad.json"), "{\"listne\": \"127.0.0.1:0\"}");
  testing::ServerProcess bad({"--config", dir_.file("bad.json")});
  EXPECT_FALSE(bad.started());
  EXPECT_NE(bad.output().find("unknown setting 'listne'"), std::string::npos) << bad.output();
}

}  // namespace
}  // namespace modalis
