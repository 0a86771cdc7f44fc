#include "tests/safety/findings_generator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace modalis::safety {
namespace {

using nlohmann::json;

// The required screen (brief §5 R0): known in most documents.
const std::vector<std::string> kRequiredScreen = {
    "rf_saddle_anaesthesia", "rf_bladder_dysfunction",    "rf_bowel_dysfunction",
    "rf_sexual_dysfunction", "rf_bilateral_leg_symptoms", "rf_progressive_neuro_deficit"};

// Safety booleans whose usual, harmless value is false.
const std::vector<std::string> kSafetyBooleans = {"immunosuppressed",
                                                  "long_term_steroids",
                                                  "osteoporosis",
                                                  "anticoagulant_therapy",
                                                  "antiplatelet_therapy",
                                                  "bleeding_disorder",
                                                  "dvt_suspected",
                                                  "hypermobility",
                                                  "needle_phobia",
                                                  "metal_allergy",
                                                  "ear_infection",
                                                  "skin_lesion_at_site",
                                                  "acute_soft_tissue_injury",
                                                  "pregnant"};

// Safety enums whose usual, harmless value is "none".
const std::vector<std::string> kSafetyEnums = {"lymphoedema_region", "diabetes", "epilepsy",
                                               "recent_surgery_site", "neuro_deficit"};

// Ages on both sides of every threshold in the brief: under 16, under 20, over 50, 75 or over.
const std::vector<int64_t> kThresholdAges = {15, 16, 19, 20, 50, 51, 74, 75, 76};

const std::vector<std::string> kMedications = {"ibuprofen", "warfarin",     "apixaban",
                                               "aspirin",   "prednisolone", "amitriptyline"};

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

FindingsGenerator::FindingsGenerator(const json& vocabulary, uint64_t seed,
                                     GeneratorOptions options)
    : findings_(vocabulary.at("findings")),
      lists_(vocabulary.value("lists", json::object())),
      rng_(seed),
      options_(options) {
  std::vector<std::string> needed = kRequiredScreen;
  needed.insert(needed.end(), kSafetyBooleans.begin(), kSafetyBooleans.end());
  needed.insert(needed.end(), kSafetyEnums.begin(), kSafetyEnums.end());
  for (const char* code :
       {"age", "pregnancy_trimester", "needling_consent", "night_pain", "trigger_points",
        "fascial_restriction", "thomas_test", "hamstring_tight", "lumbar_rom", "stress_level",
        "sleep_quality", "inflammatory_pattern", "modality_declined"}) {
    needed.emplace_back(code);
  }
  for (const std::string& code : needed) {
    if (!findings_.contains(code)) {
      throw std::runtime_error("findings generator: the vocabulary has no finding " + code);
    }
  }
}

double FindingsGenerator::Unit() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // 53 random bits
}

int64_t FindingsGenerator::Between(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  // Rejection sampling: no modulo bias.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  uint64_t r;
  do {
    r = rng_();
  } while (r >= limit);
  return lo + static_cast<int64_t>(r % span);
}

json FindingsGenerator::Subset(const std::vector<std::string>& values, double each) {
  json out = json::array();
  for (const std::string& v : values) {
    if (Chance(each)) out.push_back(v);
  }
  return out;
}

std::vector<std::string> FindingsGenerator::Values(const std::string& code) const {
  const json& def = findings_.at(code);
  if (def.contains("values")) return def.at("values").get<std::vector<std::string>>();
  if (def.contains("values_from")) {
    return lists_.at(def.at("values_from").get<std::string>()).get<std::vector<std::string>>();
  }
  return {};
}

void FindingsGenerator::DrawGeneric(const std::string& code, const json& def, json* doc) {
  const std::string type = def.at("type").get<std::string>();
  if (type == "boolean") {
    if (!Chance(0.15)) (*doc)[code] = Chance(0.5);
  } else if (type == "integer" || type == "number") {
    if (Chance(0.15)) return;
    double lo = def.value("min", 0.0);
    double hi = def.value("max", 100.0);
    if (code == "pain_duration_weeks") hi = std::min(hi, 104.0);
    if (code == "sessions_completed") hi = std::min(hi, 8.0);
    const auto ilo = static_cast<int64_t>(std::ceil(lo));
    const auto ihi = static_cast<int64_t>(std::floor(hi));
    if (type == "number" && Chance(0.5)) {
      // Half steps, still inside [lo, hi].
      (*doc)[code] =
          static_cast<double>(ilo) + static_cast<double>(Between(0, 2 * (ihi - ilo))) / 2;
    } else {
      (*doc)[code] = Between(ilo, ihi);
    }
  } else if (type == "enum") {
    if (!Chance(0.15)) (*doc)[code] = Pick(Values(code));
  } else if (type == "set") {
    if (!Chance(0.2)) (*doc)[code] = Subset(Values(code), 0.3);
  } else if (type == "text_list") {
    if (Chance(0.5)) (*doc)[code] = Subset(kMedications, 0.3);
  } else {
    throw std::runtime_error("findings generator: unknown type " + type + " of " + code);
  }
}

json FindingsGenerator::Next() {
  unknown_ = Pick(std::vector<double>{0.0, 0.03, 0.1, 0.3});
  adverse_ = Pick(std::vector<double>{0.02, 0.06, 0.15});
  red_flag_ = Pick(std::vector<double>{0.0, 0.01, 0.04});

  json doc = json::object();
  for (const auto& [code, def] : findings_.items()) {
    if (Contains(kRequiredScreen, code) || code == "pregnancy_trimester") continue;  // below
    if (code.rfind("rf_", 0) == 0) {
      if (!Chance(unknown_)) doc[code] = Chance(red_flag_);
    } else if (Contains(kSafetyBooleans, code)) {
      if (!Chance(unknown_)) doc[code] = Chance(adverse_);
    } else if (code == "needling_consent") {
      if (!Chance(unknown_)) doc[code] = !Chance(adverse_);
    } else if (Contains(kSafetyEnums, code)) {
      if (Chance(unknown_)) continue;
      const std::vector<std::string> values = Values(code);  // values[0] is "none"
      doc[code] =
          Chance(adverse_ * 2)
              ? values[static_cast<size_t>(Between(1, static_cast<int64_t>(values.size()) - 1))]
              : values[0];
    } else if (code == "night_pain") {
      if (Chance(unknown_)) continue;
      doc[code] = Chance(red_flag_) ? "non_mechanical" : Chance(0.3) ? "positional" : "none";
    } else if (code == "age") {
      if (Chance(unknown_)) continue;
      const double r = Unit();
      doc[code] = r < 0.45 ? Pick(kThresholdAges) : r < 0.9 ? Between(18, 90) : Between(0, 120);
    } else if (code == "inflammatory_pattern") {
      if (!Chance(unknown_)) doc[code] = Chance(0.05);
    } else if (code == "trigger_points") {
      if (Chance(0.7)) doc[code] = Subset(Values(code), 0.3);
    } else if (code == "fascial_restriction") {
      if (Chance(0.5)) doc[code] = Subset(Values(code), 0.25);
    } else if (code == "thomas_test" || code == "lumbar_rom" || code == "stress_level" ||
               code == "sleep_quality") {
      if (!Chance(0.12)) doc[code] = Pick(Values(code));
    } else if (code == "hamstring_tight") {
      if (!Chance(0.15)) doc[code] = Chance(0.45);
    } else if (code == "modality_declined") {
      if (Chance(0.15)) doc[code] = Subset(Values(code), 0.3);
    } else {
      DrawGeneric(code, def, &doc);
    }
  }

  // The required screen: complete in most documents, else at least one question open.
  const bool complete = Chance(options_.screen_complete);
  bool any_open = false;
  for (const std::string& code : kRequiredScreen) {
    if (!complete && Chance(0.5)) {
      any_open = true;
      continue;
    }
    doc[code] = Chance(red_flag_);
  }
  if (!complete && !any_open) doc.erase(Pick(kRequiredScreen));

  if (doc.value("pregnant", false) && Chance(0.6)) doc["pregnancy_trimester"] = Between(1, 3);

  if (Chance(options_.contradiction)) {
    InjectContradiction(&doc);
    if (Chance(0.2)) InjectContradiction(&doc);
  }
  return doc;
}

void FindingsGenerator::InjectContradiction(json* doc) {
  switch (Between(0, 3)) {
    case 0:  // needle phobia recorded with consent
      (*doc)["needle_phobia"] = true;
      (*doc)["needling_consent"] = true;
      break;
    case 1:  // a trimester for a client recorded as not pregnant
      (*doc)["pregnant"] = false;
      (*doc)["pregnancy_trimester"] = Between(1, 3);
      break;
    case 2:  // a trimester while pregnancy is not recorded (reads as pregnant)
      doc->erase("pregnant");
      (*doc)["pregnancy_trimester"] = Between(1, 3);
      break;
    default:  // a progressive deficit while the examination finds none
      (*doc)["rf_progressive_neuro_deficit"] = true;
      (*doc)["neuro_deficit"] = "none";
      break;
  }
}

}  // namespace modalis::safety
