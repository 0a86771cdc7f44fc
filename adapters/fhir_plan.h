// A stored plan as HL7 FHIR R4 resources, for electronic records that keep plans as FHIR: a
// CarePlan (status draft, intent proposal: a suggestion, not an order) with one activity per step
// (its minutes and targets), and contained in it a RequestGroup for the steps' order, a
// DetectedIssue for the referral and for each exclusion, and a GuidanceResponse that explains the
// plan (the rules that fired, the findings still to ask for).
//
// The patient is named only by the client's pseudonymous reference, as an identifier.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "modalis/v1/plan_service.pb.h"

namespace modalis {

// Code systems and identifier systems Modalis defines, for what no standard code exists.
inline constexpr char kFhirModalitySystem[] = "https://modalis.dev/fhir/CodeSystem/modality";
inline constexpr char kFhirFindingSystem[] = "https://modalis.dev/fhir/CodeSystem/finding";
inline constexpr char kFhirPatientRefSystem[] = "https://modalis.dev/fhir/patient-ref";
inline constexpr char kFhirPlanIdSystem[] = "https://modalis.dev/fhir/plan-id";

nlohmann::ordered_json CarePlanResource(const v1::GetPlanResponse& stored);

// A searchset Bundle of the plans, newest first, each entry's fullUrl `base_url`/CarePlan/<id>.
nlohmann::ordered_json CarePlanBundle(const std::vector<v1::GetPlanResponse>& plans,
                                      const std::string& base_url);

// An OperationOutcome for an error, with the FHIR issue code that fits the gRPC status.
nlohmann::ordered_json OperationOutcomeResource(int grpc_code, const std::string& message);

}  // namespace modalis
