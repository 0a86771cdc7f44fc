// HL7 CDS Hooks 2.0 in Modalis's terms: the services it offers (discovery), the findings a call's
// prefetch holds, and a plan as cards. Pure functions; server/cds_hooks_gateway.h serves them.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/findings/vocabulary.h"
#include "modalis/v1/plan_service.pb.h"

namespace modalis {

// The hooks served: appointment-book (the booking app) and encounter-start (the notes app).
inline constexpr char kCdsAppointmentService[] = "modalis-appointment-book";
inline constexpr char kCdsEncounterService[] = "modalis-encounter-start";

nlohmann::ordered_json CdsDiscovery();

// "appointment-book" for its service id, and so on; "" for an id that is no service.
std::string CdsHookOf(const std::string& service_id);

// Which codes of which systems are which finding: rules/fhir-mapping.json, e.g.
//   {"observation_codes": [{"system": "http://loinc.org", "code": "72514-3",
//                           "finding": "pain_nprs"}]}
// Besides these, an Observation coded in https://modalis.dev/fhir/CodeSystem/finding and a
// questionnaire item whose linkId is a finding's code are that finding.
struct FhirFindingMap {
  std::map<std::pair<std::string, std::string>, std::string> codes;  // (system, code) -> finding
};

// INVALID_ARGUMENT naming the file and entry for a malformed map or a finding the vocabulary
// lacks (with the nearest code).
absl::StatusOr<FhirFindingMap> ReadFhirFindingMap(const std::string& path,
                                                  const Vocabulary& vocabulary);

struct PrefetchedFindings {
  nlohmann::json findings = nlohmann::json::object();  // vocabulary codes, as SuggestPlan takes
  // What was there but could not be read as a finding, e.g. "Observation 17: valuePeriod".
  std::vector<std::string> unread;
};

// Findings from a CDS call's prefetch: every Observation (a resource, or the entries of a search
// Bundle) coded as a finding, and every answered item of a QuestionnaireResponse. What the
// prefetch lacks stays unknown. Lists (sets, text lists) gather every value; for any other
// finding the most recent Observation wins.
PrefetchedFindings FindingsFromPrefetch(const nlohmann::json& prefetch, const FhirFindingMap& map,
                                        const Vocabulary& vocabulary);

// The cards for a stored plan. A referral (urgent or emergency) is one critical card and nothing
// else. Otherwise a warning per exclusion, then an info card with the plan, whose suggestion
// creates the plan as a FHIR CarePlan, and what to ask. The plan card's uuid is the plan id's 128
// bits, so its feedback leads back to the plan (PlanIdOfCard); the others' are derived from it.
nlohmann::ordered_json CdsCards(const v1::GetPlanResponse& stored, const std::string& hook);

// The plan id whose plan card would have this uuid (a plan that may not exist: another card's
// uuid leads to no stored plan); "" when it is no UUID.
std::string PlanIdOfCard(const std::string& card_uuid);

}  // namespace modalis
