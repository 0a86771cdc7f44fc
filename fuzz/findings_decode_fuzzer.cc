// JSON text -> DecodeFindings against the shipped vocabulary, as a findings file or a request's
// findings reach it. Whatever decodes must survive ToJson and decode again to the same findings.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/findings/findings.h"
#include "fuzz/fuzz_support.h"

namespace {

struct Setup {
  std::shared_ptr<const modalis::Vocabulary> vocabulary =
      modalis::fuzz::DefaultVocabulary(*modalis::fuzz::BuiltPlugins());
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Setup* setup = new Setup;

  const auto json = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  auto findings = modalis::DecodeFindings(json, setup->vocabulary);
  if (!findings.ok()) {
    (void)modalis::FieldViolationsOf(findings.status());
    return 0;
  }
  const nlohmann::json encoded = findings->ToJson();
  auto again = modalis::DecodeFindings(encoded, setup->vocabulary);
  if (!again.ok() || again->ToJson() != encoded) {
    std::fprintf(stderr, "findings do not survive ToJson: %s\n", encoded.dump().c_str());
    std::abort();
  }
  return 0;
}
