// HL7 CDS Hooks 2.0 on the HTTP listener: GET /cds-services (discovery), POST
// /cds-services/{id} (a plan as cards) and POST /cds-services/{id}/feedback. A call is checked
// (EhrJwtVerifier), its prefetch read as findings (adapters/cds_hooks.h), and then made as the
// API's own SuggestPlan, in-process, as the trusted issuer's clinic, with `hookInstance` as the
// idempotency key; so every safety rule, the store and the audit are the API's. Feedback on a plan
// card is stored as RecordFeedback on each of its steps.
//
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "adapters/cds_hooks.h"
#include "core/findings/vocabulary.h"
#include "server/ehr_jwt.h"
#include "server/http_listener.h"
#include "server/in_process_calls.h"

namespace modalis {

class CdsHooksGateway {
 public:
  struct Options {
    // Null: development mode (no token file), calls need no JWT and plan for clinic "default".
    EhrJwtVerifier* verifier = nullptr;
    // True when modalisd has a token file but no --cds-issuers: every call is refused.
    bool refuse_all = false;
    // iss -> the bearer token its calls are made with in-process (role notes, its clinic).
    std::map<std::string, std::string> issuer_tokens;
    FhirFindingMap finding_map;
    // Why the finding map could not be used (rules/fhir-mapping.json broken): the services then
    // answer 503 with it, rather than plan from findings read without it.
    std::string unusable;
    std::function<std::shared_ptr<const Vocabulary>()> vocabulary;
    // One log line: warning or not, event, message (never findings or a token).
    std::function<void(bool, const std::string&, const std::string&)> log;
  };

  CdsHooksGateway(InProcessCalls& calls, Options options);

  static bool Handles(const std::string& target);

  void Handle(HttpRequest request, HttpResponder respond);

 private:
  void Service(const std::string& id, const std::string& bearer, const nlohmann::json& body,
               HttpResponder respond);
  void Feedback(const std::string& bearer, const nlohmann::json& body, HttpResponder respond);

  InProcessCalls& calls_;
  Options options_;
};

}  // namespace modalis
