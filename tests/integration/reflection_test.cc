// Server reflection: a generic client can list modalisd's services and fetch their schemas.
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"

namespace modalis {
namespace {

namespace reflection = grpc::reflection::v1alpha;

TEST(ReflectionTest, ListsTheServicesAndServesTheirSchemas) {
  testing::TempDir dir;
  testing::ServerProcess server({"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", dir.file("m.db")});
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = reflection::ServerReflection::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&ctx);

  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  ASSERT_TRUE(stream->Write(list));
  reflection::ServerReflectionResponse listed;
  ASSERT_TRUE(stream->Read(&listed));
  std::vector<std::string> names;
  for (const auto& s : listed.list_services_response().service()) names.push_back(s.name());
  for (const char* expected : {"modalis.v1.PlanService", "modalis.v1.RulesAdmin"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }

  reflection::ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol("modalis.v1.PlanService");
  ASSERT_TRUE(stream->Write(symbol));
  reflection::ServerReflectionResponse file;
  ASSERT_TRUE(stream->Read(&file));
  ASSERT_GT(file.file_descriptor_response().file_descriptor_proto_size(), 0);
  google::protobuf::FileDescriptorProto descriptor;
  ASSERT_TRUE(descriptor.ParseFromString(file.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(descriptor.package(), "modalis.v1");
  bool suggest = false;
  for (const auto& service : descriptor.service()) {
    for (const auto& method : service.method()) suggest |= method.name() == "SuggestPlan";
  }
  EXPECT_TRUE(suggest);

  // The standard health service is described too, so a reflection-only client can call it.
  reflection::ServerReflectionRequest health;
  health.set_file_containing_symbol("grpc.health.v1.Health");
  ASSERT_TRUE(stream->Write(health));
  reflection::ServerReflectionResponse health_file;
  ASSERT_TRUE(stream->Read(&health_file));
  ASSERT_FALSE(health_file.has_error_response()) << health_file.error_response().error_message();
  bool described = false;
  for (const std::string& bytes : health_file.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto proto;
    ASSERT_TRUE(proto.ParseFromString(bytes));
    for (const auto& service : proto.service()) {
      described |= proto.package() == "grpc.health.v1" && service.name() == "Health";
    }
  }
  EXPECT_TRUE(described) << health_file.DebugString().substr(0, 2000);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(ReflectionTest, OversizedRequestIsRefusedNotServed) {
  testing::TempDir dir;
  testing::ServerProcess server({"--rules", testing::RulesDir(), "--plugins", testing::PluginsDir(),
                                 "--db", dir.file("m.db"), "--max-message-bytes", "4096"});
  ASSERT_TRUE(server.started()) << server.output();
  auto stub = reflection::ServerReflection::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&ctx);
  reflection::ServerReflectionRequest big;
  big.set_file_containing_symbol(std::string(10000, 'x'));
  stream->Write(big);
  stream->WritesDone();
  reflection::ServerReflectionResponse ignored;
  while (stream->Read(&ignored)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace modalis
