// Sample store records for store tests and benchmarks: a plausible plan, pseudonymous references.
#pragma once

#include <memory>
#include <string>

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

}  // namespace modalis::testing
