#include "core/demo/synthetic_clinic.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace modalis {
namespace {

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

// --- Draws -------------------------------------------------------------------------------------

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Every patient's assessment (session 0) and each of their sessions draws from its own stream,
// so what one patient's plans do never shifts another patient's draws.
uint64_t StreamSeed(uint64_t seed, uint32_t patient, uint32_t session) {
  return SplitMix64(SplitMix64(SplitMix64(seed) ^ patient) ^ (uint64_t{session} << 32));
}

// 64-bit FNV-1a: the clinic's share of the plan ids' seed, so that two clinics generated with one
// seed into one store have different plan ids.
uint64_t Fnv1a(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

struct Weighted {
  std::string_view value;
  double weight;
};

// Draws from std::mt19937_64 (whose output the standard fixes) through arithmetic only.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}

  double Uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool Chance(double p) { return Uniform() < p; }
  // Inclusive; the modulo's bias is below 2^-50 for these small ranges.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(gen_() % static_cast<uint64_t>(hi - lo + 1));
  }
  // Centred noise, bell-shaped (the sum of four uniforms), standard deviation about 0.58.
  double Noise() { return Uniform() + Uniform() + Uniform() + Uniform() - 2.0; }
  std::string_view Pick(std::initializer_list<Weighted> choices) {
    double total = 0;
    for (const Weighted& c : choices) total += c.weight;
    double u = Uniform() * total;
    for (const Weighted& c : choices) {
      if (u < c.weight) return c.value;
      u -= c.weight;
    }
    return (choices.end() - 1)->value;
  }
  // Each member with its own chance, in the order given.
  std::vector<std::string> Subset(std::initializer_list<Weighted> members) {
    std::vector<std::string> out;
    for (const Weighted& m : members) {
      if (Chance(m.weight)) out.emplace_back(m.value);
    }
    return out;
  }

 private:
  std::mt19937_64 gen_;
};

// --- The assessment ----------------------------------------------------------------------------

// Every finding the generator may record: all of the lower-back-pain vocabulary's that a
// notes app sends at an assessment or a follow-up.
constexpr std::string_view kCodes[] = {
    "age",
    "pregnant",
    "pregnancy_trimester",
    "work_type",
    "sitting_hours_per_day",
    "pain_nprs",
    "pain_duration_weeks",
    "pain_days_per_week",
    "first_episode",
    "pain_side",
    "radiation",
    "aggravating",
    "easing",
    "night_pain",
    "acute_soft_tissue_injury",
    "rf_saddle_anaesthesia",
    "rf_bladder_dysfunction",
    "rf_bowel_dysfunction",
    "rf_sexual_dysfunction",
    "rf_bilateral_leg_symptoms",
    "rf_progressive_neuro_deficit",
    "rf_history_of_cancer",
    "rf_unexplained_weight_loss",
    "rf_fever_or_unwell",
    "rf_iv_drug_use",
    "rf_major_trauma",
    "rf_minor_trauma",
    "immunosuppressed",
    "long_term_steroids",
    "osteoporosis",
    "anticoagulant_therapy",
    "antiplatelet_therapy",
    "bleeding_disorder",
    "dvt_suspected",
    "hypermobility",
    "needle_phobia",
    "needling_consent",
    "metal_allergy",
    "ear_infection",
    "skin_lesion_at_site",
    "lymphoedema_region",
    "diabetes",
    "epilepsy",
    "recent_surgery_site",
    "neuro_deficit",
    "slr",
    "posture",
    "lumbar_rom",
    "painful_movements",
    "thomas_test",
    "hamstring_tight",
    "glute_weakness",
    "trigger_points",
    "fascial_restriction",
    "startback_total",
    "startback_psych",
    "stress_level",
    "sleep_quality",
    "inflammatory_pattern",
    "sessions_completed",
    "baseline_pain_nprs",
    "modality_declined",
};

constexpr std::string_view kDryNeedling = "dry_needling";
constexpr std::string_view kAuricular = "auricular_acupuncture";
constexpr std::string_view kNoNeedles = "Patient prefers no needles";

// What the rest of the patient's year depends on, drawn with the findings.
struct Intake {
  nlohmann::json findings;
  int64_t at_ms = 0;  // session 1
  double pain_nprs = 0;
  double pain_days = 0;
  double pain_weeks = 0;
  // How much of their pain the patient can lose (before what they receive adds to it).
  double response = 0;
  // Accepts dry needling once, then tends to decline it.
  bool needle_averse = false;
};

// The patient's assessment: findings from the vocabulary, realistic shares, independent draws
// except where the clinic brief ties findings together (progressive weakness is a deficit, a
// phobic patient does not consent to needling, a trimester means pregnant).
Intake Assess(const SyntheticClinicOptions& options, uint32_t patient) {
  Rng r(StreamSeed(options.seed, patient, 0));
  Intake in;
  nlohmann::json& f = in.findings;

  const int64_t day = r.Between(0, options.days - 1);
  const int64_t minute = 8 * 60 + r.Between(0, 10 * 60 - 1);
  in.at_ms = options.start_ms + day * kDayMs + minute * 60000 + r.Between(0, 59) * 1000;

  const std::string_view band = r.Pick({{"adult", 70}, {"young", 14}, {"older", 15}, {"teen", 1}});
  const int64_t age = band == "adult"   ? r.Between(25, 64)
                      : band == "young" ? r.Between(18, 24)
                      : band == "older" ? r.Between(65, 85)
                                        : r.Between(16, 17);
  f["age"] = age;
  const bool pregnant = age >= 18 && age <= 44 && r.Chance(0.03);
  f["pregnant"] = pregnant;
  if (pregnant) f["pregnancy_trimester"] = r.Between(1, 3);
  const std::string_view work = age >= 67 ? "none"
                                          : r.Pick({{"desk", 38},
                                                    {"manual", 20},
                                                    {"driving", 8},
                                                    {"caregiving", 10},
                                                    {"mixed", 16},
                                                    {"none", 8}});
  f["work_type"] = work;
  f["sitting_hours_per_day"] = work == "desk"      ? r.Between(6, 10)
                               : work == "driving" ? r.Between(5, 9)
                                                   : r.Between(1, 5);

  const std::string_view nprs =
      r.Pick({{"2", 3}, {"3", 8}, {"4", 15}, {"5", 20}, {"6", 20}, {"7", 17}, {"8", 12}, {"9", 5}});
  in.pain_nprs = nprs[0] - '0';
  in.pain_days = in.pain_nprs <= 2 ? static_cast<double>(r.Between(1, 3))
                                   : static_cast<double>(r.Between(3, 7));
  const std::string_view duration = r.Pick({{"acute", 30}, {"subacute", 25}, {"chronic", 45}});
  in.pain_weeks = static_cast<double>(duration == "acute"      ? r.Between(1, 5)
                                      : duration == "subacute" ? r.Between(6, 12)
                                                               : r.Between(13, 104));
  f["pain_nprs"] = in.pain_nprs;
  f["pain_days_per_week"] = in.pain_days;
  f["pain_duration_weeks"] = in.pain_weeks;
  f["first_episode"] = r.Chance(0.3);
  f["pain_side"] = r.Pick({{"left", 30}, {"right", 30}, {"central", 30}, {"bilateral", 10}});
  f["radiation"] = r.Pick({{"none", 45}, {"buttock", 30}, {"above_knee", 15}, {"below_knee", 10}});
  const bool sits = work == "desk" || work == "driving";
  f["aggravating"] = r.Subset({{"sitting", sits ? 0.8 : 0.4},
                               {"bending", 0.6},
                               {"lifting", work == "manual" ? 0.7 : 0.4},
                               {"standing", 0.25},
                               {"walking", 0.15},
                               {"twisting", 0.3},
                               {"lying", 0.05}});
  f["easing"] = r.Subset({{"movement", 0.6},
                          {"rest", 0.3},
                          {"heat", 0.4},
                          {"lying", 0.2},
                          {"stretching", 0.4},
                          {"walking", 0.3}});
  f["night_pain"] = r.Pick({{"none", 72}, {"positional", 26}, {"non_mechanical", 2}});
  f["acute_soft_tissue_injury"] = r.Chance(0.04);

  // The required screen, always asked: a cauda equina sign in about one patient in 250.
  const std::string_view ces = r.Chance(0.004) ? r.Pick({{"rf_saddle_anaesthesia", 1},
                                                         {"rf_bladder_dysfunction", 1},
                                                         {"rf_bowel_dysfunction", 1},
                                                         {"rf_sexual_dysfunction", 1},
                                                         {"rf_bilateral_leg_symptoms", 1}})
                                               : "";
  for (const char* code :
       {"rf_saddle_anaesthesia", "rf_bladder_dysfunction", "rf_bowel_dysfunction",
        "rf_sexual_dysfunction", "rf_bilateral_leg_symptoms"}) {
    f[code] = ces == code;
  }
  const bool progressive = r.Chance(0.004);
  f["rf_progressive_neuro_deficit"] = progressive;
  f["neuro_deficit"] =
      progressive ? "motor" : r.Pick({{"none", 85}, {"sensory", 12}, {"motor", 3}});
  // The other red flags; one in twenty patients is not asked about IV drug use (a provisional
  // plan that lists it to ask).
  f["rf_history_of_cancer"] = r.Chance(0.02);
  f["rf_unexplained_weight_loss"] = r.Chance(0.006);
  f["rf_fever_or_unwell"] = r.Chance(0.004);
  if (!r.Chance(0.05)) f["rf_iv_drug_use"] = r.Chance(0.003);
  f["rf_major_trauma"] = r.Chance(0.002);
  f["rf_minor_trauma"] = r.Chance(0.04);
  f["inflammatory_pattern"] = r.Chance(0.03);

  const bool older = age >= 60;
  f["immunosuppressed"] = r.Chance(0.02);
  f["long_term_steroids"] = r.Chance(0.02);
  f["osteoporosis"] = r.Chance(older ? 0.12 : 0.02);
  f["anticoagulant_therapy"] = r.Chance(older ? 0.10 : 0.02);
  f["antiplatelet_therapy"] = r.Chance(older ? 0.12 : 0.02);
  f["bleeding_disorder"] = r.Chance(0.01);
  f["dvt_suspected"] = r.Chance(0.004);
  f["hypermobility"] = r.Chance(age < 40 ? 0.08 : 0.03);
  const bool phobia = r.Chance(0.08);
  f["needle_phobia"] = phobia;
  f["needling_consent"] = !phobia && r.Chance(0.88);
  f["metal_allergy"] = r.Chance(0.02);
  f["ear_infection"] = r.Chance(0.01);
  f["skin_lesion_at_site"] = r.Chance(0.02);
  f["lymphoedema_region"] =
      r.Pick({{"none", 985}, {"trunk", 5}, {"left_leg", 4}, {"right_leg", 4}, {"arm", 2}});
  f["diabetes"] = r.Pick({{"none", 88}, {"controlled", 10}, {"uncontrolled", 2}});
  f["epilepsy"] = r.Pick({{"none", 980}, {"controlled", 15}, {"uncontrolled", 5}});
  f["recent_surgery_site"] =
      r.Pick({{"none", 95}, {"lumbar", 1.5}, {"hip", 1.5}, {"abdomen", 1}, {"other", 1}});

  f["slr"] = r.Pick({{"negative", 70}, {"positive", 12}, {"not_tested", 18}});
  f["posture"] = r.Subset({{"anterior_pelvic_tilt", 0.35},
                           {"lumbar_hyperlordosis", 0.15},
                           {"reduced_lordosis", 0.15},
                           {"lateral_shift", 0.05},
                           {"thoracic_kyphosis", 0.2}});
  f["lumbar_rom"] = r.Pick({{"full", 35}, {"reduced", 50}, {"markedly_reduced", 15}});
  f["painful_movements"] =
      r.Subset({{"flexion", 0.6}, {"extension", 0.35}, {"side_bend", 0.25}, {"rotation", 0.3}});
  f["thomas_test"] = r.Pick({{"negative", 40},
                             {"positive_left", 10},
                             {"positive_right", 10},
                             {"positive_bilateral", 20},
                             {"not_tested", 20}});
  f["hamstring_tight"] = r.Chance(0.4);
  f["glute_weakness"] = r.Pick({{"none", 45}, {"left", 15}, {"right", 15}, {"bilateral", 25}});
  std::vector<std::string> trigger_points;
  if (r.Chance(0.75)) {
    trigger_points = r.Subset({{"quadratus_lumborum", 0.55},
                               {"gluteus_medius", 0.5},
                               {"erector_spinae", 0.3},
                               {"piriformis", 0.25},
                               {"gluteus_minimus", 0.15},
                               {"upper_back", 0.1}});
    if (trigger_points.empty()) trigger_points.emplace_back("quadratus_lumborum");
  }
  f["trigger_points"] = trigger_points;
  f["fascial_restriction"] = r.Chance(0.5) ? r.Subset({{"thoracolumbar_fascia", 0.8},
                                                       {"erector_spinae", 0.2},
                                                       {"hip_flexors", 0.15},
                                                       {"quadratus_lumborum", 0.15}})
                                           : std::vector<std::string>();

  const int64_t startback_total = r.Between(0, 9);
  const int64_t startback_psych = std::min<int64_t>(r.Between(0, startback_total), 5);
  f["startback_total"] = startback_total;
  f["startback_psych"] = startback_psych;
  const std::string_view stress = r.Pick({{"low", 35}, {"moderate", 45}, {"high", 20}});
  const std::string_view sleep = r.Pick({{"good", 40}, {"fair", 40}, {"poor", 20}});
  f["stress_level"] = stress;
  f["sleep_quality"] = sleep;

  // Not findings: how this patient will respond, and how they feel about needles.
  in.response =
      r.Chance(options.non_responder_share) ? 0.15 * r.Uniform() : 0.3 + 0.45 * r.Uniform();
  if (startback_psych >= 4) {
    in.response -= 0.12;  // STarT Back high risk
  } else if (startback_total >= 4) {
    in.response -= 0.05;
  }
  if (stress == "high") in.response -= 0.08;
  if (sleep == "poor") in.response -= 0.05;
  if (in.pain_weeks > 12) in.response -= 0.05;
  in.response = std::max(0.0, in.response);
  in.needle_averse = r.Chance(0.12);
  return in;
}

// How much more of their pain a patient loses for having received a modality (invented).
double ModalityEffect(std::string_view modality) {
  if (modality == "stretching_active_release") return 0.10;
  if (modality == "myofascial_release") return 0.06;
  if (modality == kDryNeedling) return 0.05;
  if (modality == kAuricular) return 0.0;
  return 0.03;
}

// --- Feedback ----------------------------------------------------------------------------------

struct Decision {
  StepDecision decision = StepDecision::kAccepted;
  std::string_view reason;
};

// Why a therapist modified or declined a step: a few reasons per modality, as they write them.
std::string_view Reason(Rng& r, std::string_view modality, bool modified, bool needle_averse) {
  if (modality == kDryNeedling) {
    if (modified) return r.Pick({{"Fewer needles", 60}, {"Superficial needling only", 40}});
    if (needle_averse) return kNoNeedles;
    return r.Pick({{kNoNeedles, 60},
                   {"Patient anxious about needles", 25},
                   {"Bruising after last session", 15}});
  }
  if (modality == "myofascial_release") {
    if (modified) return r.Pick({{"Lighter pressure", 60}, {"Shorter session", 40}});
    return r.Pick({{"Tender after last session", 50}, {"Patient prefers exercise-based care", 50}});
  }
  if (modality == "stretching_active_release") {
    if (modified) return r.Pick({{"Gentler range", 60}, {"Fewer repetitions", 40}});
    return "Pain on stretching";
  }
  if (modality == kAuricular) {
    if (modified) return "Ear seeds instead of needles";
    return r.Pick({{"Patient sceptical of ear acupuncture", 50},
                   {kNoNeedles, 30},
                   {"No time this session", 20}});
  }
  return modified ? "Adapted to the patient" : "Not suitable today";
}

// The therapist's decision on one step at one session: dry needling and ear acupuncture are
// declined most often, a needle-averse patient's dry needling mostly.
Decision Decide(Rng& r, std::string_view modality, bool needle_averse) {
  double accepted = 0.85, modified = 0.10;
  if (modality == kDryNeedling) {
    accepted = needle_averse ? 0.2 : 0.72;
    modified = needle_averse ? 0.1 : 0.14;
  } else if (modality == "myofascial_release") {
    accepted = 0.84;
    modified = 0.12;
  } else if (modality == "stretching_active_release") {
    accepted = 0.86;
    modified = 0.10;
  } else if (modality == kAuricular) {
    accepted = 0.62;
    modified = 0.13;
  }
  const double u = r.Uniform();
  if (u < accepted) return {StepDecision::kAccepted, ""};
  const bool modify = u < accepted + modified;
  return {modify ? StepDecision::kModified : StepDecision::kDeclined,
          Reason(r, modality, modify, needle_averse)};
}

// --- Writes ------------------------------------------------------------------------------------

// The writes queued and not yet acknowledged, bounded; the first failure stops the generator.
class Writes {
 public:
  explicit Writes(size_t limit) : limit_(limit) {}

  // Waits for room for one more write; the first error so far instead, if any.
  absl::Status Reserve() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Writes::HasRoom));
    if (!error_.ok()) return error_;
    ++pending_;
    return absl::OkStatus();
  }
  // Called back by the store (on its writer thread, or on this one when refused).
  void Done(const absl::Status& status, int64_t* counter) {
    absl::MutexLock lock(&mu_);
    --pending_;
    if (status.ok()) {
      ++*counter;
    } else if (error_.ok()) {
      error_ = status;
    }
  }
  absl::Status Drain() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Writes::Idle));
    return error_;
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return pending_ < limit_ || !error_.ok();
  }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return pending_ == 0; }

  const size_t limit_;
  absl::Mutex mu_;
  size_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

// --- The year ----------------------------------------------------------------------------------

int64_t IntervalDays(Frequency frequency) {
  switch (frequency) {
    case Frequency::kTwiceWeekly:
      return 3;
    case Frequency::kWeekly:
      return 7;
    case Frequency::kFortnightly:
      return 14;
    case Frequency::kMonthly:
      return 28;
  }
  return 7;
}

struct PatientState {
  double baseline_nprs = 0;
  double baseline_days = 0;
  double response = 0;
  bool needle_averse = false;
  int64_t first_at_ms = 0;
  uint32_t sessions = 1;  // planned, including the first
  Frequency frequency = Frequency::kWeekly;
  uint32_t review_after = 0;
  Urgency first_referral = Urgency::kNone;  // of the first plan
  bool done = false;
  std::string plan_id;             // in force
  std::vector<std::string> steps;  // its steps' modalities
  std::set<std::string> received;  // modalities delivered (not declined) so far
  std::set<std::string> declined;  // modalities the patient declines from now on
};

class Generator {
 public:
  Generator(const Engine& engine, Store& store, const SyntheticClinicOptions& options,
            std::shared_ptr<const CompiledRuleSet> rules)
      : engine_(engine),
        store_(store),
        options_(options),
        rules_(std::move(rules)),
        writes_(options.max_in_flight),
        plan_ids_(SplitMix64(options.seed ^ Fnv1a(options.clinic_id))) {}

  absl::StatusOr<SyntheticClinicSummary> Run();

 private:
  struct Event {
    int64_t at_ms;
    uint32_t patient;
    uint32_t session;
    bool operator>(const Event& o) const {
      return std::tie(at_ms, patient, session) > std::tie(o.at_ms, o.patient, o.session);
    }
  };

  absl::Status Session(const Event& event);
  absl::Status Suggest(uint32_t patient, int64_t at_ms, const nlohmann::json& findings,
                       std::optional<double> baseline_pain, Plan* out);
  std::string PatientRef(uint32_t patient) const;
  std::optional<double> Number(const nlohmann::json& findings, SlotId slot) const;

  const Engine& engine_;
  Store& store_;
  const SyntheticClinicOptions& options_;
  const std::shared_ptr<const CompiledRuleSet> rules_;
  Writes writes_;
  std::vector<PatientState> patients_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> agenda_;
  std::mt19937_64 plan_ids_;
  // Counted by the store's callbacks, read after Drain.
  int64_t plans_ = 0, feedback_ = 0, outcomes_ = 0;
};

std::string Generator::PatientRef(uint32_t patient) const {
  char ref[24];
  std::snprintf(ref, sizeof ref, "demo-%06u", patient + 1);
  return ref;
}

std::optional<double> Generator::Number(const nlohmann::json& findings, SlotId slot) const {
  if (slot == kNoSlot) return std::nullopt;
  auto it = findings.find(rules_->vocabulary->at(slot).code);
  if (it == findings.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Plans `findings` as modalisd's SuggestPlan does (plan_service.cc, Prepare) and queues the plan.
absl::Status Generator::Suggest(uint32_t patient, int64_t at_ms, const nlohmann::json& findings,
                                std::optional<double> baseline_pain, Plan* out) {
  PlanRequest request;
  request.baseline_pain = baseline_pain;
  NewPlan n;
  StoredPlan& stored = n.plan;
  const ProgressSettings& measures = rules_->progress;
  stored.baseline.pain_nprs = Number(findings, measures.pain);
  stored.baseline.pain_days_per_week = Number(findings, measures.pain_days);
  stored.baseline.baseline_pain_nprs = Number(findings, measures.baseline_pain);
  auto plan = engine_.SuggestUnder(*rules_, findings, request);
  if (!plan.ok()) return plan.status();

  // As modalisd names plans (pl_ and 128 bits in hex), from the seed and the clinic.
  char id[40];
  const uint64_t high = plan_ids_(), low = plan_ids_();
  std::snprintf(id, sizeof id, "pl_%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low));
  plan->plan_id = id;
  stored.clinic_id = options_.clinic_id;
  stored.plan_id = plan->plan_id;
  stored.patient_ref = PatientRef(patient);
  stored.client = options_.client;
  stored.created_at_ms = at_ms;
  n.rule_set = {rules_->sha256, rules_->id, rules_->version,
                std::shared_ptr<const std::string>(rules_, &rules_->canonical_source)};
  for (const auto& [modality, bound] : rules_->modalities) {
    n.audit.plugins.push_back({bound.modality->info().id, bound.modality->info().version});
  }
  for (const FiredRule& fired : plan->explanation) {
    if (fired.outcome == "fired") n.audit.fired_rule_ids.push_back(fired.rule_id);
  }
  *out = *plan;
  stored.plan = *std::move(plan);
  if (absl::Status s = writes_.Reserve(); !s.ok()) return s;
  store_.PutPlanAsync(std::move(n), [this](absl::StatusOr<StoredPlan> done) {
    writes_.Done(done.status(), &plans_);
  });
  return absl::OkStatus();
}

absl::Status Generator::Session(const Event& event) {
  PatientState& p = patients_[event.patient];
  const uint32_t s = event.session;
  Rng r(StreamSeed(options_.seed, event.patient, s));

  // The pain now, from what the patient received at the sessions before this one.
  double nprs = p.baseline_nprs;
  double days = p.baseline_days;
  if (s > 1) {
    double response = p.response;
    for (const std::string& m : p.received) response += ModalityEffect(m);
    response = std::min(response, 0.95);
    const double t = s - 1;
    const double share = response * t / (t + 1.5);
    nprs = std::clamp(std::round(p.baseline_nprs * (1 - share) + 0.9 * r.Noise()), 0.0, 10.0);
    days = std::clamp(
        std::round(p.baseline_days * (1 - std::min(1.0, 1.15 * share)) + 0.8 * r.Noise()), 0.0,
        7.0);
  }

  const bool review = p.review_after > 0 && s - 1 == p.review_after;
  if (s == 1 || (s - 1) % options_.reassess_every == 0 || review) {
    Intake intake = Assess(options_, event.patient);
    nlohmann::json findings = std::move(intake.findings);
    std::optional<double> baseline_pain;
    if (s > 1) {
      findings["pain_nprs"] = nprs;
      findings["pain_days_per_week"] = days;
      findings["pain_duration_weeks"] =
          intake.pain_weeks + static_cast<double>((event.at_ms - p.first_at_ms) / (7 * kDayMs));
      findings["acute_soft_tissue_injury"] = false;
      findings["sessions_completed"] = s - 1;
      findings["baseline_pain_nprs"] = p.baseline_nprs;
      if (!p.declined.empty()) findings["modality_declined"] = p.declined;
      baseline_pain = p.baseline_nprs;  // the first recorded outcome, as GetProgress finds it
    }
    Plan plan;
    if (absl::Status st = Suggest(event.patient, event.at_ms, findings, baseline_pain, &plan);
        !st.ok()) {
      return st;
    }
    p.plan_id = plan.plan_id;
    p.steps.clear();
    for (const PlanStep& step : plan.steps) p.steps.push_back(step.modality);
    const bool treats = !plan.steps.empty() && plan.referral.urgency < Urgency::kUrgent;
    if (s == 1) {
      p.first_referral = plan.referral.urgency;
      if (treats && plan.course) {
        p.frequency = plan.course->frequency;
        p.review_after = plan.course->review_after_sessions;
        p.sessions = static_cast<uint32_t>(
            r.Between(plan.course->sessions_min,
                      std::max(plan.course->sessions_min, plan.course->sessions_max)));
        if (p.sessions > 1 && r.Chance(options_.dropout_share)) {
          p.sessions = static_cast<uint32_t>(r.Between(1, p.sessions - 1));
        }
      } else {
        p.sessions = 1;
      }
    } else if (!treats || plan.referral.urgency > p.first_referral) {
      // Referred where the first plan did not (not improved at the review), or nothing left to
      // give: this session is the last.
      p.done = true;
    }
  }

  SessionOutcome outcome;
  outcome.clinic_id = options_.clinic_id;
  outcome.patient_ref = PatientRef(event.patient);
  outcome.session_number = s;
  outcome.pain_nprs = nprs;
  outcome.pain_days_per_week = days;
  outcome.client = options_.client;
  outcome.recorded_at_ms = event.at_ms;
  if (absl::Status st = writes_.Reserve(); !st.ok()) return st;
  store_.RecordOutcomeAsync(std::move(outcome),
                            [this](absl::Status done) { writes_.Done(done, &outcomes_); });

  for (uint32_t i = 0; i < p.steps.size(); ++i) {
    const std::string& modality = p.steps[i];
    const Decision d = Decide(r, modality, p.needle_averse);
    if (d.decision == StepDecision::kDeclined) {
      if (d.reason == kNoNeedles) p.declined.insert(modality);
    } else {
      p.received.insert(modality);
    }
    if (!r.Chance(options_.feedback_share)) continue;  // delivered, but not recorded
    StepFeedback feedback;
    feedback.clinic_id = options_.clinic_id;
    feedback.plan_id = p.plan_id;
    feedback.step_index = i;
    feedback.decision = d.decision;
    feedback.reason = std::string(d.reason);
    feedback.client = options_.client;
    feedback.recorded_at_ms = event.at_ms + 60000 * (1 + i);
    if (absl::Status st = writes_.Reserve(); !st.ok()) return st;
    store_.RecordFeedbackAsync(std::move(feedback),
                               [this](absl::Status done) { writes_.Done(done, &feedback_); });
  }

  if (!p.done && s < p.sessions) {
    Rng when(StreamSeed(options_.seed, event.patient, s + 1) ^ 0x7157ULL);
    const int64_t first_day = (p.first_at_ms - options_.start_ms) / kDayMs;
    const int64_t day = first_day + int64_t{s} * IntervalDays(p.frequency) + when.Between(-1, 1);
    if (day < options_.days) {
      const int64_t minute = 8 * 60 + when.Between(0, 10 * 60 - 1);
      agenda_.push(Event{options_.start_ms + day * kDayMs + minute * 60000, event.patient, s + 1});
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SyntheticClinicSummary> Generator::Run() {
  patients_.resize(options_.patients);
  for (uint32_t i = 0; i < options_.patients; ++i) {
    Intake intake = Assess(options_, i);
    PatientState& p = patients_[i];
    p.baseline_nprs = intake.pain_nprs;
    p.baseline_days = intake.pain_days;
    p.response = intake.response;
    p.needle_averse = intake.needle_averse;
    p.first_at_ms = intake.at_ms;
    agenda_.push(Event{intake.at_ms, i, 1});
  }
  // In time order, so the rows (and the audit chain) follow the clinic's calendar.
  absl::Status failed;
  while (!agenda_.empty() && failed.ok()) {
    const Event event = agenda_.top();
    agenda_.pop();
    failed = Session(event);
  }
  absl::Status drained = writes_.Drain();
  if (!failed.ok()) return failed;
  if (!drained.ok()) return drained;
  SyntheticClinicSummary summary;
  summary.plans = plans_;
  summary.feedback = feedback_;
  summary.outcomes = outcomes_;
  summary.patients = options_.patients;
  return summary;
}

absl::Status CheckOptions(const SyntheticClinicOptions& o) {
  auto share = [](double v) { return v >= 0 && v <= 1; };
  if (o.clinic_id.empty()) return absl::InvalidArgumentError("clinic_id is required");
  if (o.days == 0 || o.patients == 0) {
    return absl::InvalidArgumentError("days and patients must be at least 1");
  }
  if (o.reassess_every == 0) return absl::InvalidArgumentError("reassess_every must be at least 1");
  if (o.max_in_flight == 0) return absl::InvalidArgumentError("max_in_flight must be at least 1");
  if (!share(o.feedback_share) || !share(o.dropout_share) || !share(o.non_responder_share)) {
    return absl::InvalidArgumentError(
        "feedback_share, dropout_share and non_responder_share must be between 0 and 1");
  }
  if (o.start_ms < 0) return absl::InvalidArgumentError("start_ms must not be negative");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SyntheticClinicSummary> GenerateSyntheticClinic(
    const Engine& engine, Store& store, const SyntheticClinicOptions& options) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  // One rule-set snapshot for the whole year, as a request pins one for its call.
  auto rules = engine.Resolve(options.clinic_id, "");
  if (!rules.ok()) return rules.status();
  for (std::string_view code : kCodes) {
    if ((*rules)->vocabulary->Find(code) == nullptr) {
      return absl::FailedPreconditionError(
          "the synthetic clinic records the lower-back-pain vocabulary's findings, but rule set '" +
          (*rules)->id + "' has no finding '" + std::string(code) + "'");
    }
  }
  Generator generator(engine, store, options, *std::move(rules));
  return generator.Run();
}

}  // namespace modalis
