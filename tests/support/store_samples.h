// Sample store records for store tests and benchmarks: a plausible plan, pseudonymous references.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/common/sha256.h"
#include "core/plan/plan_json.h"
#include "core/store/store.h"

namespace modalis::testing {

inline NewPlan SamplePlan(const std::string& id, const std::string& request_id = "") {
  NewPlan n;
  StoredPlan& p = n.plan;
  p.plan_id = id;
  p.patient_ref = "P-0001";
  p.client = "notes";
  p.request_id = request_id;
  p.request_hash = "h";
  p.created_at_ms = 1700000000000;
  p.baseline.pain_nprs = 6;
  p.baseline.pain_days_per_week = 5;
  p.plan.plan_id = id;
  p.plan.rule_set = {"lbp", "1", std::string(64, 'a')};
  p.plan.status = PlanStatus::kProvisional;
  PlanStep step;
  step.modality = "dry_needling";
  step.display_name = "Dry needling";
  step.targets = {"piriformis"};
  step.minutes = 15;
  step.cautions = {"c"};
  step.instructions = {"i"};
  step.required_qualification = "dry_needling";
  step.needs_written_consent = true;
  step.rationale = "why";
  step.rule_ids = {"r1"};
  p.plan.steps.push_back(step);
  p.plan.course = Course{Frequency::kWeekly, 4, 6, 4};
  p.plan.missing_findings.push_back(
      {"pregnant", "needed for dry_needling", {"needed for dry_needling"}});
  p.plan.explanation.push_back({"r1", "trigger points", "SEED", "fired", {"trigger_points"}});
  n.rule_set = {std::string(64, 'a'), "lbp", "1",
                std::make_shared<const std::string>("{\"rules\":[]}")};
  n.audit.plugins = {{"dry_needling", "1.2.0"}};
  n.audit.fired_rule_ids = {"r1"};
  return n;
}

// SamplePlan with the question it was asked kept (StoredPlan::replay_input), in a format of the
// tests' own: the store keeps the bytes without reading them.
inline NewPlan AskedPlan(const std::string& id, const std::string& question,
                         const std::string& request_id = "") {
  NewPlan n = SamplePlan(id, request_id);
  n.plan.replay_input = question;
  n.plan.replay_format = "test.question";
  return n;
}

// A plan with every field populated: several steps (one with several parameters), a referral,
// exclusions of every severity, advice, a course, missing findings, contradictions, explanation.
inline NewPlan RichPlan(const std::string& id, const std::string& request_id = "") {
  NewPlan n = SamplePlan(id, request_id);
  Plan& plan = n.plan.plan;
  plan.referral = {Urgency::kRoutine, {"not improving after review"}, {"r_review"}};
  plan.steps[0].pressure = "moderate";
  plan.steps[0].params = {{"depth_mm", "30"}, {"needles", "4"}, {"side", "left"}};
  PlanStep release;
  release.modality = "myofascial_release";
  release.display_name = "Myofascial release";
  release.targets = {"quadratus_lumborum", "gluteus_medius"};
  release.minutes = 10;
  release.pressure = "light";
  release.params = {{"technique", "sustained"}};
  release.cautions = {"bruising", "skin"};
  release.instructions = {"slow", "ask about pain"};
  release.rationale = "tight tissue, unicode — ünïcödé";
  release.rule_ids = {"r2", "r3"};
  plan.steps.push_back(release);
  const Exclusion::Severity severities[] = {
      Exclusion::Severity::kAbsolute,    Exclusion::Severity::kRule,
      Exclusion::Severity::kDeclined,    Exclusion::Severity::kQualification,
      Exclusion::Severity::kUnavailable, Exclusion::Severity::kPluginError,
      Exclusion::Severity::kTimeBudget,  Exclusion::Severity::kNeedsFindings};
  for (const Exclusion::Severity severity : severities) {
    plan.exclusions.push_back(
        {"m_" + std::string(SeverityName(severity)), "because", severity, "rule:x", {"f1", "f2"}});
  }
  plan.advice = {{"stay_active", "Stay active."}, {"heat", "Heat may help."}};
  plan.course = Course{Frequency::kFortnightly, 2, 8, 3};
  plan.missing_findings.push_back({"anticoagulants", "bleeding risk", {"bleeding risk", "other"}});
  plan.contradictions.push_back({"c_pregnant_male", "pregnant and male", {"pregnant", "sex"}});
  plan.explanation.push_back({"r2", "tight tissue", "SEED", "undecided", {}});
  return n;
}

inline std::string PlanToJsonText(const Plan& plan) { return PlanToJson(plan).dump(); }

// A rule set's content as the store keeps it: its hash is of that content.
inline RuleSetRecord RuleSetContent(const std::string& condition, const std::string& version) {
  auto source = std::make_shared<const std::string>(
      "vocabulary\n{\"findings\":[\"pain_nprs\"]}\nrules\n{\"id\":\"" + condition +
      "\",\"version\":\"" + version + "\",\"rules\":[]}\n");
  return RuleSetRecord{Sha256Hex(*source), condition, version, source};
}

inline PublishedRuleSet Published(const RuleSetRecord& content, std::string owner,
                                  int64_t published_at_ms = 0, std::string author = "admin",
                                  std::string comment = "") {
  PublishedRuleSet p;
  p.rule_set = content;
  p.owner = std::move(owner);
  p.author = std::move(author);
  p.comment = std::move(comment);
  p.published_at_ms = published_at_ms;
  return p;
}

inline RuleSetActivation Activation(const std::string& clinic, const std::string& condition,
                                    const RuleSetRecord& content,
                                    std::optional<std::string> expected_live) {
  RuleSetActivation a;
  a.clinic_id = clinic;
  a.condition = condition;
  a.sha256 = content.sha256;
  a.expected_live = std::move(expected_live);
  a.author = "admin";
  a.comment = "after the audit of " + content.version;
  return a;
}

// A profile as a caller sets it: canonical JSON and its hash.
inline ClinicProfileRecord Profile(const std::string& clinic, const std::string& json,
                                   std::optional<int64_t> expected_version, int64_t set_at_ms = 0,
                                   std::string author = "admin", std::string comment = "") {
  ClinicProfileRecord p;
  p.clinic_id = clinic;
  p.profile_json = json;
  p.sha256 = Sha256Hex(json);
  p.author = std::move(author);
  p.comment = std::move(comment);
  p.set_at_ms = set_at_ms;
  p.expected_version = expected_version;
  return p;
}

// A profile's canonical JSON, different for each `max`.
inline std::string SessionsProfile(int max) {
  return "{\"max_sessions\":" + std::to_string(max) + "}";
}

}  // namespace modalis::testing
