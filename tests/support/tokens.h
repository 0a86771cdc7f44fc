// Clinics and tokens for tests that call modalisd as a given clinic and role: clinics added and
// tokens minted by the real CLI, a token sent as the bearer token of a call.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "tests/support/run_command.h"
#include "tests/support/test_paths.h"

namespace modalis::testing {

// Adds `clinic` to the store at `db` with the real CLI (`modalis clinic add`). Call it inside
// ASSERT_NO_FATAL_FAILURE, so a failure stops the test.
inline void AddClinic(const std::string& db, const std::string& clinic) {
  const auto [code, out] = RunCommand(BinDir() + "/modalis clinic add " + clinic + " --db " + db);
  ASSERT_EQ(code, 0) << out;
}

// The token `modalis token add --file FILE ARGS` mints, which it prints alone on the last line
// (the note before it goes to standard error, which RunCommand interleaves).
inline std::string MintToken(const std::string& token_file, const std::string& args) {
  const auto [code, out] =
      RunCommand(BinDir() + "/modalis token add --file " + token_file + " " + args);
  EXPECT_EQ(code, 0) << out;
  std::string token = out;
  while (!token.empty() && token.back() == '\n') token.pop_back();
  return token.substr(token.rfind('\n') + 1);
}

// A call context carrying `token`, with a deadline a test never waits past.
inline std::unique_ptr<grpc::ClientContext> Bearer(
    const std::string& token, std::chrono::seconds deadline = std::chrono::seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

}  // namespace modalis::testing
