#include "core/rules/clinic_profile.h"

#include <set>

#include "core/common/canonical_json.h"
#include "core/common/did_you_mean.h"
#include "core/common/json_document.h"

namespace modalis {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxTextBytes = 2000;

class ProfileReader {
 public:
  ProfileReader(const JsonDocument& doc, std::vector<Diagnostic>* diagnostics)
      : doc_(doc), diagnostics_(diagnostics) {}

  void Error(const std::string& pointer, const char* id, std::string message) {
    diagnostics_->push_back(
        Diagnostic{Diagnostic::Severity::kError, id, doc_.Locate(pointer), std::move(message)});
  }

  static bool WholeNumber(const Json& v, double lo, double hi) {
    if (!v.is_number()) return false;
    const double d = v.get<double>();
    return d == static_cast<double>(static_cast<int64_t>(d)) && d >= lo && d <= hi;
  }

  void Read(ClinicProfile* out) {
    const Json& root = doc_.root();
    if (!root.is_object()) {
      Error("", "wrong-type", "a clinic profile is a JSON object of settings");
      return;
    }
    static const std::vector<std::string> kKeys = {"$schema",        "session_minutes",
                                                   "qualifications", "modality_minutes",
                                                   "advice_texts",   "minimal_important_change"};
    static const std::set<std::string> kRuleSetParts = {
        "rules",       "course_rules", "exclusions",      "exclude",
        "referral",    "refer",        "required_screen", "ask_before_treating",
        "constraints", "derivations",  "progress",        "advice"};
    for (const auto& [key, value] : root.items()) {
      if (std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end()) continue;
      if (kRuleSetParts.contains(key)) {
        Error("/" + PointerToken(key), "not-a-setting",
              "'" + key +
                  "' belongs to the rule set, not to a clinic profile: a profile changes "
                  "settings only (session_minutes, qualifications, modality_minutes, "
                  "advice_texts, minimal_important_change) and can never remove a rule, an "
                  "exclusion, a screen or a referral");
      } else {
        Error("/" + PointerToken(key), "unknown-field",
              "a clinic profile has no setting '" + key + "'" + DidYouMeanSuffix(key, kKeys));
      }
    }
    if (root.contains("session_minutes")) {
      if (!WholeNumber(root["session_minutes"], 5, 480)) {
        Error("/session_minutes", "out-of-range",
              "session_minutes must be a whole number of minutes from 5 to 480");
      } else {
        out->session_minutes = root["session_minutes"].get<uint32_t>();
      }
    }
    if (root.contains("qualifications")) {
      const Json& q = root["qualifications"];
      if (!q.is_array()) {
        Error("/qualifications", "wrong-type", "qualifications must be a list of texts");
      } else {
        std::vector<std::string> list;
        for (size_t i = 0; i < q.size(); ++i) {
          if (!q[i].is_string() || q[i].get_ref<const std::string&>().empty() ||
              q[i].get_ref<const std::string&>().size() > 64) {
            Error("/qualifications/" + std::to_string(i), "wrong-type",
                  "a qualification is a text of 1 to 64 characters");
          } else {
            list.push_back(q[i].get<std::string>());
          }
        }
        out->qualifications = std::move(list);
      }
    }
    if (root.contains("modality_minutes")) {
      const Json& m = root["modality_minutes"];
      if (!m.is_object()) {
        Error("/modality_minutes", "wrong-type",
              "modality_minutes must map modality ids to minutes");
      } else {
        for (const auto& [id, minutes] : m.items()) {
          if (!WholeNumber(minutes, 1, 480)) {
            Error("/modality_minutes/" + PointerToken(id), "out-of-range",
                  "minutes must be a whole number from 1 to 480");
          } else {
            out->modality_minutes[id] = minutes.get<uint32_t>();
          }
        }
      }
    }
    if (root.contains("advice_texts")) {
      const Json& a = root["advice_texts"];
      if (!a.is_object()) {
        Error("/advice_texts", "wrong-type",
              "advice_texts must map advice codes to the text the client gets");
      } else {
        for (const auto& [code, text] : a.items()) {
          if (!text.is_string() || text.get_ref<const std::string&>().empty() ||
              text.get_ref<const std::string&>().size() > kMaxTextBytes) {
            Error("/advice_texts/" + PointerToken(code), "wrong-type",
                  "advice '" + code + "' needs its text as a string of 1 to " +
                      std::to_string(kMaxTextBytes) + " bytes");
          } else {
            out->advice_texts[code] = text.get<std::string>();
          }
        }
      }
    }
    if (root.contains("minimal_important_change")) {
      const Json& mic = root["minimal_important_change"];
      const std::string pointer = "/minimal_important_change";
      if (!mic.is_object()) {
        Error(pointer, "wrong-type",
              "minimal_important_change must be an object such as {\"points\": 2, "
              "\"percent\": 30}");
        return;
      }
      for (const auto& [key, value] : mic.items()) {
        if (key != "points" && key != "percent") {
          Error(pointer + "/" + PointerToken(key), "unknown-field",
                "minimal_important_change has only 'points' and 'percent'");
        }
      }
      if (mic.contains("points")) {
        if (!mic["points"].is_number() || mic["points"].get<double>() <= 0 ||
            mic["points"].get<double>() > 10) {
          Error(pointer + "/points", "out-of-range",
                "points must be a number above 0 and at most 10 (the pain scale)");
        } else {
          out->mic_points = mic["points"].get<double>();
        }
      }
      if (mic.contains("percent")) {
        if (!mic["percent"].is_number() || mic["percent"].get<double>() <= 0 ||
            mic["percent"].get<double>() > 100) {
          Error(pointer + "/percent", "out-of-range",
                "percent must be a number above 0 and at most 100");
        } else {
          out->mic_percent = mic["percent"].get<double>();
        }
      }
    }
  }

 private:
  const JsonDocument& doc_;
  std::vector<Diagnostic>* diagnostics_;
};

}  // namespace

std::optional<ClinicProfile> ParseClinicProfile(std::string_view text, const std::string& file,
                                                std::vector<Diagnostic>* diagnostics) {
  const size_t first = diagnostics->size();
  JsonLimits limits;
  limits.max_bytes = 256 * 1024;
  limits.max_depth = 8;
  JsonDocument doc = JsonDocument::Parse(text, file, diagnostics, limits);
  if (diagnostics->size() > first) return std::nullopt;
  ClinicProfile profile;
  ProfileReader(doc, diagnostics).Read(&profile);
  if (diagnostics->size() > first) return std::nullopt;
  Json canonical = doc.root();
  canonical.erase("$schema");
  profile.canonical = CanonicalJson(canonical);
  return profile;
}

std::vector<Diagnostic> CheckProfileAgainst(
    const ClinicProfile& profile, const std::string& file,
    const std::vector<std::shared_ptr<const CompiledRuleSet>>& rule_sets) {
  std::vector<std::string> modalities, advice;
  for (const auto& rules : rule_sets) {
    for (const auto& [id, bound] : rules->modalities) modalities.push_back(id);
    for (const auto& [code, text] : rules->advice_texts) advice.push_back(code);
  }
  std::vector<Diagnostic> out;
  auto unknown = [&](const std::string& pointer, const std::string& what, const std::string& name,
                     const std::vector<std::string>& known) {
    out.push_back(Diagnostic{Diagnostic::Severity::kError, "unknown-" + what,
                             SourceLocation{file, 0, 0, pointer},
                             "no rule set serving this clinic has the " + what + " '" + name + "'" +
                                 DidYouMeanSuffix(name, known)});
  };
  for (const auto& [id, minutes] : profile.modality_minutes) {
    if (std::find(modalities.begin(), modalities.end(), id) == modalities.end()) {
      unknown("/modality_minutes/" + PointerToken(id), "modality", id, modalities);
    }
  }
  for (const auto& [code, text] : profile.advice_texts) {
    if (std::find(advice.begin(), advice.end(), code) == advice.end()) {
      unknown("/advice_texts/" + PointerToken(code), "advice", code, advice);
    }
  }
  return out;
}

std::shared_ptr<const CompiledRuleSet> ApplyProfile(const CompiledRuleSet& rules,
                                                    const ClinicProfile& profile) {
  auto out = std::make_shared<CompiledRuleSet>(rules);
  if (profile.session_minutes) out->clinic.session_minutes = *profile.session_minutes;
  if (profile.qualifications) out->clinic.qualifications = *profile.qualifications;
  for (const auto& [id, minutes] : profile.modality_minutes) {
    if (out->modalities.contains(id)) out->clinic.modality_minutes[id] = minutes;
  }
  for (const auto& [code, text] : profile.advice_texts) {
    if (auto it = out->advice_texts.find(code); it != out->advice_texts.end()) it->second = text;
  }
  if (profile.mic_points) out->progress.mic_points = *profile.mic_points;
  if (profile.mic_percent) out->progress.mic_percent = *profile.mic_percent;
  out->version = rules.version + "+profile." + std::to_string(profile.version);
  return out;
}

}  // namespace modalis
