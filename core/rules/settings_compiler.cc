#include "core/rules/rule_compiler.h"

#include "core/common/did_you_mean.h"

namespace modalis {

void RuleCompiler::CompileAdvice(const Json& root) {
  if (!root.contains("advice")) return;
  if (!root["advice"].is_object()) {
    Error("/advice", "wrong-type", "'advice' must map advice codes to the text the client gets");
    return;
  }
  for (const auto& [code, text] : root["advice"].items()) {
    if (!text.is_string() || text.get_ref<const std::string&>().empty()) {
      Error("/advice/" + PointerToken(code), "wrong-type",
            "advice '" + code + "' needs its text as a non-empty string");
      continue;
    }
    out_->advice_texts[code] = text.get<std::string>();
    advice_codes_.push_back(code);
  }
}

void RuleCompiler::CompileClinic(const Json& root) {
  if (!root.contains("clinic")) return;
  const Json& c = root["clinic"];
  if (!c.is_object()) {
    Error("/clinic", "wrong-type", "'clinic' must be an object of clinic settings");
    return;
  }
  CheckKeys(c, "/clinic",
            {"session_minutes", "qualifications", "modality_minutes", "required_screen",
             "ask_before_treating"});
  if (c.contains("session_minutes")) {
    if (!WholeNumber(c["session_minutes"], 5, 480)) {
      Error("/clinic/session_minutes", "out-of-range",
            "session_minutes must be a whole number of minutes from 5 to 480");
    } else {
      out_->clinic.session_minutes = c["session_minutes"].get<uint32_t>();
    }
  }
  if (c.contains("qualifications")) {
    if (!c["qualifications"].is_array()) {
      Error("/clinic/qualifications", "wrong-type", "qualifications must be a list of texts");
    } else {
      for (size_t i = 0; i < c["qualifications"].size(); ++i) {
        const Json& q = c["qualifications"][i];
        if (!q.is_string()) {
          Error("/clinic/qualifications/" + std::to_string(i), "wrong-type",
                "a qualification is a text");
        } else {
          out_->clinic.qualifications.push_back(q.get<std::string>());
        }
      }
    }
  }
  if (c.contains("modality_minutes")) {
    if (!c["modality_minutes"].is_object()) {
      Error("/clinic/modality_minutes", "wrong-type",
            "modality_minutes must map modality ids to minutes");
    } else {
      for (const auto& [id, minutes] : c["modality_minutes"].items()) {
        const std::string p = "/clinic/modality_minutes/" + PointerToken(id);
        CheckModality(id, p);
        if (!WholeNumber(minutes, 1, 480)) {
          Error(p, "out-of-range", "minutes must be a whole number from 1 to 480");
        } else {
          out_->clinic.modality_minutes[id] = minutes.get<uint32_t>();
        }
      }
    }
  }
  FindingList(c, "required_screen", &out_->clinic.required_screen);
  FindingList(c, "ask_before_treating", &out_->clinic.ask_before_treating);
}

void RuleCompiler::CompileProgress(const Json& root) {
  if (!root.contains("progress")) return;
  const Json& p = root["progress"];
  if (!p.is_object()) {
    Error("/progress", "wrong-type", "'progress' must be an object of progress settings");
    return;
  }
  CheckKeys(p, "/progress",
            {"pain", "baseline_pain", "pain_days", "sessions_completed", "minimal_important_change",
             "not_improved_advice"});
  ProgressSettings& out = out_->progress;
  out.enabled = true;
  out.pain = NumberFinding(p, "pain", true);
  out.baseline_pain = NumberFinding(p, "baseline_pain", true);
  out.pain_days = NumberFinding(p, "pain_days", false);
  out.sessions_completed = NumberFinding(p, "sessions_completed", true);
  if (p.contains("minimal_important_change")) {
    const Json& mic = p["minimal_important_change"];
    const std::string pointer = "/progress/minimal_important_change";
    if (!mic.is_object()) {
      Error(pointer, "wrong-type",
            "minimal_important_change must be an object such as {\"points\": 2, "
            "\"percent\": 30}");
    } else {
      CheckKeys(mic, pointer, {"points", "percent"});
      if (mic.contains("points")) {
        if (!mic["points"].is_number() || mic["points"].get<double>() <= 0) {
          Error(pointer + "/points", "out-of-range", "points must be a number above 0");
        } else {
          out.mic_points = mic["points"].get<double>();
        }
      }
      if (mic.contains("percent")) {
        if (!mic["percent"].is_number() || mic["percent"].get<double>() <= 0 ||
            mic["percent"].get<double>() > 100) {
          Error(pointer + "/percent", "out-of-range",
                "percent must be a number above 0 and at most 100");
        } else {
          out.mic_percent = mic["percent"].get<double>();
        }
      }
    }
  }
  if (p.contains("not_improved_advice")) {
    const Json& a = p["not_improved_advice"];
    const std::string pointer = "/progress/not_improved_advice";
    if (!a.is_string()) {
      Error(pointer, "wrong-type", "not_improved_advice is an advice code, a text");
    } else if (out_->advice_texts.count(a.get<std::string>()) == 0) {
      Error(pointer, "unknown-advice",
            "'" + a.get<std::string>() + "' is not in this file's \"advice\"" +
                DidYouMeanSuffix(a.get<std::string>(), advice_codes_));
    } else {
      out.not_improved_advice = a.get<std::string>();
    }
  }
}

// A progress setting that names a finding holding a number (a score, a count).
SlotId RuleCompiler::NumberFinding(const Json& progress, const char* key, bool required) {
  const std::string pointer = std::string("/progress/") + key;
  if (!progress.contains(key)) {
    if (required) {
      Error(pointer, "missing-field",
            std::string("progress needs '") + key + "', the finding that holds it");
    }
    return kNoSlot;
  }
  const FindingDef* def = ResolveFinding(progress[key], pointer);
  if (def == nullptr) return kNoSlot;
  if (def->type != FindingType::kNumber && def->type != FindingType::kInteger) {
    Error(pointer, "wrong-type",
          "'" + def->code + "' is not a number finding; " + key + " needs a score or a count");
    return kNoSlot;
  }
  return def->slot;
}

void RuleCompiler::FindingList(const Json& clinic, const char* key, std::vector<SlotId>* out) {
  if (!clinic.contains(key)) return;
  const std::string pointer = std::string("/clinic/") + key;
  if (!clinic[key].is_array()) {
    Error(pointer, "wrong-type", std::string(key) + " must be a list of finding codes");
    return;
  }
  for (size_t i = 0; i < clinic[key].size(); ++i) {
    if (const FindingDef* def = ResolveFinding(clinic[key][i], pointer + "/" + std::to_string(i))) {
      out->push_back(def->slot);
    }
  }
}

}  // namespace modalis
