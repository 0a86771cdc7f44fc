// A synthetic lower-back-pain clinic: a year of made-up patients, planned by the real engine and
// written to a real store, for demonstrations, the evidence report's benchmark and tests.
//
// THE DATA IS SYNTHETIC. No row describes a real person: the findings, the therapists' decisions
// and the outcomes are drawn from simple distributions chosen to look plausible (clinical brief
// §2-§8), not from any study; improvement and its differences between modalities are invented so
// that the evidence report has something to show. Never mix them with a clinic's real records.
//
// Reproducible: the same options (seed included) and the same rule set give exactly the same rows
// in the same order, whatever the standard library: every draw comes from std::mt19937_64 (whose
// output the standard fixes) through arithmetic written here (no std:: distributions, whose output
// differs between standard libraries; no transcendental functions, whose last bit may differ
// between maths libraries).
//
// What a patient's year looks like:
// - Session 1 is the assessment: findings drawn from the shipped vocabulary (a few red flags, so
//   some plans are referrals), planned under the clinic's live rule set for its default condition
//   (Engine::Resolve(clinic, "")), and the patient's baseline outcome (NPRS, pain days).
// - A patient referred urgently or as an emergency, or planned no treatment, comes once. The
//   others come for the number of sessions of their first plan's course, at its frequency (a
//   share drop out earlier); sessions that would fall after the year covered are not generated.
// - Follow-ups are re-assessed, and so planned again (with sessions_completed, the baseline pain
//   and the modalities the patient has declined so far), every `reassess_every` sessions and at
//   the course's review point; a follow-up in between is treated under the plan in force. A plan
//   that refers where the first did not (not improved at the review), or treats nothing, ends the
//   patient's care after that session.
// - At every session each step of the plan in force gets the therapist's decision with
//   probability `feedback_share`: accepted mostly; modified or declined with a reason from a
//   small realistic set (dry needling declined most often, "Patient prefers no needles"). A
//   patient who declines needles for that reason has it recorded (modality_declined) from the
//   next plan on.
// - An outcome at every session: NPRS (0-10) and pain days (0-7) falling from the baseline with
//   noise, less for non-responders and for high stress or STarT Back risk, more with the
//   modalities received (stretching most, auricular acupuncture not at all).
//
// Rows are identified only by pseudonymous references: patients `demo-000001`, …; plans `pl_` and
// 32 hex digits as modalisd names them, drawn from the seed and the clinic id; no names. Generate
// a clinic once per store (its references would collide the second time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/engine.h"
#include "core/store/store.h"

namespace modalis {

struct SyntheticClinicOptions {
  std::string clinic_id = "default";  // must exist in the store (Store::CreateClinic)
  uint64_t seed = 1;
  int64_t start_ms = 0;  // the first day of the year it covers (midnight)
  uint32_t days = 365;
  uint32_t patients = 300;
  // Recorded as the calling application on every row.
  std::string client = "demo";
  // A follow-up is planned again at sessions 1 + k, 1 + 2k, … (and at the course's review
  // point); 1 plans every session.
  uint32_t reassess_every = 2;
  // Share of the steps delivered at a session whose decision the therapist records.
  double feedback_share = 0.85;
  // Share of the patients in a course who stop before its planned number of sessions.
  double dropout_share = 0.15;
  // Share of the patients whose pain hardly changes whatever they receive.
  double non_responder_share = 0.2;
  // Writes queued at once, waiting for the store; bounded well below the store's write queue.
  size_t max_in_flight = 1024;
};

// What was written: every row acknowledged by the store.
struct SyntheticClinicSummary {
  int64_t plans = 0, feedback = 0, outcomes = 0, patients = 0;
};

// Fills `store` with the clinic's synthetic year (see above), returning once every write is
// acknowledged. FAILED_PRECONDITION when the clinic's live rule set lacks a finding of the
// lower-back-pain vocabulary the generator records; INVALID_ARGUMENT for options out of range;
// otherwise the first error of the engine or the store (rows written before it stay).
absl::StatusOr<SyntheticClinicSummary> GenerateSyntheticClinic(
    const Engine& engine, Store& store, const SyntheticClinicOptions& options);

}  // namespace modalis
