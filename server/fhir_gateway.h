// FHIR R4 reads of stored plans over the HTTP listener: GET /fhir/CarePlan/{id} and GET
// /fhir/CarePlan?patient=REF (a searchset Bundle), and GET /fhir/metadata. Each read is the gRPC
// GetPlan or ListPlans call, made in-process with the caller's bearer token, so the roles and
// the clinic scoping are exactly the API's; the plan is then written as FHIR
// (adapters/fhir_plan.h). Errors are OperationOutcome resources.
//
// Thread-safe.
#pragma once

#include "server/http_listener.h"
#include "server/in_process_calls.h"

namespace modalis {

class FhirGateway {
 public:
  explicit FhirGateway(InProcessCalls& calls) : calls_(calls) {}

  // True for the paths it answers: /fhir and below.
  static bool Handles(const std::string& target);

  void Handle(HttpRequest request, HttpResponder respond);

 private:
  InProcessCalls& calls_;
};

}  // namespace modalis
