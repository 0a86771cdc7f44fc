// What `modalis rules check` and `rules test` check: a rules directory as its manifest names it, or
// a candidate file (an edited copy) standing in for the file of the same kind in the rules
// directory beside it, so the check covers exactly what a rename would put live, golden cases
// included.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "cli/commands.h"
#include "core/rules/compiler.h"

namespace modalis::cli {

struct Candidate {
  RuleSource source;
  // The manifest's golden cases apply (the candidate is a rules directory, or stands in for one of
  // its files). False for a rule file checked on its own against the vocabulary of --rules.
  bool in_rule_set = false;
  // The live file the candidate replaces, "" when the candidate is a whole directory.
  std::string replaces;
  // The rules directory the candidate belongs to.
  std::string directory;
};

// The rules directory to use: --rules, except that the default ("rules") run from inside a rules
// directory means that directory.
std::string RulesDir(const Common& common);

// `path`: a rules directory, its modalis.json, or a file. A file beside a modalis.json replaces the
// manifest's file of the same kind: a rule file, the vocabulary, or the case file with its name
// (another case file is added to the manifest's). Another manifest is checked with the files it
// names, as it would be once renamed to modalis.json.
absl::StatusOr<Candidate> CandidateFor(const Common& common, const std::string& path);

}  // namespace modalis::cli
