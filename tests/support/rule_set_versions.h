// Versions of the shipped rule set that differ only in their version string, so each has a hash of
// its own: what the tests of publishing and activating across replicas alternate between.
#pragma once

#include <stdexcept>
#include <string>

#include "modalis/v1/rules_admin.pb.h"
#include "tests/support/file_util.h"
#include "tests/support/test_paths.h"

namespace modalis::testing {

// The shipped lower-back-pain rules with their version "0.3.0" replaced by `version`, ready to
// publish.
inline v1::PublishRuleSetRequest ShippedRulesAsVersion(const std::string& version) {
  std::string rules = ReadText(RulesDir() + "/lower-back-pain.rules.json");
  const std::string from = "\"version\": \"0.3.0\"";
  const size_t at = rules.find(from);
  if (at == std::string::npos) throw std::runtime_error("the shipped rules are not version 0.3.0");
  rules.replace(at, from.size(), "\"version\": \"" + version + "\"");
  v1::PublishRuleSetRequest publish;
  publish.mutable_rules()->set_name("lower-back-pain.rules.json");
  publish.mutable_rules()->set_content(rules);
  return publish;
}

}  // namespace modalis::testing
