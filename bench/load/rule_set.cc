#include "bench/load/rule_set.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "bench/engine/generate.h"

namespace modalis::load {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return absl::InternalError("cannot write " + temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::InternalError("cannot rename " + temp + ": " + std::strerror(errno));
  }
  return absl::OkStatus();
}

}  // namespace

size_t UseLoadedModalities(nlohmann::json* rule_file, const std::vector<std::string>& loaded) {
  if (loaded.empty() || !rule_file->contains("rules")) return 0;
  size_t rewritten = 0;
  size_t next = 0;
  for (auto& rule : (*rule_file)["rules"]) {
    if (!rule.contains("then") || !rule["then"].is_array()) continue;
    for (auto& action : rule["then"]) {
      for (const char* kind : {"suggest", "exclude"}) {
        if (!action.is_object() || !action.contains(kind)) continue;
        nlohmann::json& body = action[kind];
        if (!body.is_object() || !body.contains("modality") || !body["modality"].is_string()) {
          continue;
        }
        const std::string modality = body["modality"].get<std::string>();
        if (std::find(loaded.begin(), loaded.end(), modality) != loaded.end()) continue;
        body["modality"] = loaded[next++ % loaded.size()];
        ++rewritten;
      }
    }
  }
  return rewritten;
}

absl::StatusOr<GeneratedRuleDir> WriteGeneratedRuleSet(const std::string& dir, size_t rules,
                                                       size_t documents,
                                                       const std::vector<std::string>& loaded) {
  bench::GeneratedSet set = bench::Generate(rules, documents);
  nlohmann::json rule_file = nlohmann::json::parse(set.rules, nullptr, false);
  if (rule_file.is_discarded()) return absl::InternalError("the generated rule file is not JSON");

  GeneratedRuleDir out;
  out.rules = rules;
  out.modalities_rewritten = UseLoadedModalities(&rule_file, loaded);
  const std::string rules_text = rule_file.dump(1);
  out.rules_bytes = rules_text.size();
  out.documents = std::move(set.documents);

  const nlohmann::json manifest = {{"vocabulary", "generated.vocabulary.json"},
                                   {"rules", "generated.rules.json"},
                                   {"cases", nlohmann::json::array()}};
  for (const auto& [name, text] :
       {std::pair<std::string, const std::string&>{"generated.vocabulary.json", set.vocabulary},
        std::pair<std::string, const std::string&>{"generated.rules.json", rules_text}}) {
    if (auto s = WriteFile(dir + "/" + name, text); !s.ok()) return s;
  }
  if (auto s = WriteFile(dir + "/modalis.json", manifest.dump(2)); !s.ok()) return s;
  return out;
}

}  // namespace modalis::load
