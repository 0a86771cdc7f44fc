#include "server/fhir_gateway.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "adapters/fhir_plan.h"
#include "modalis/v1/plan_service.pb.h"
#include "server/connect_protocol.h"

namespace modalis {
namespace {

constexpr char kFhirJson[] = "application/fhir+json; charset=utf-8";
constexpr int kMaxPageSize = 100;

HttpResponse Resource(unsigned status, const nlohmann::ordered_json& resource) {
  HttpResponse r;
  r.status = status;
  r.content_type = kFhirJson;
  r.body = resource.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return r;
}

HttpResponse Outcome(const grpc::Status& status) {
  // The HTTP status for each code is Connect's, which is the usual one (404 for NOT_FOUND, ...).
  return Resource(ConnectHttpStatus(status.error_code()),
                  OperationOutcomeResource(status.error_code(), status.error_message()));
}

HttpResponse Outcome(unsigned http_status, grpc::StatusCode code, const std::string& message) {
  return Resource(http_status, OperationOutcomeResource(code, message));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A query string's parameters, percent-decoded; `*bad` is set on a malformed escape.
std::multimap<std::string, std::string> QueryOf(const std::string& query, bool* bad) {
  auto decode = [bad](const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out.push_back(' ');
      } else if (s[i] == '%') {
        const int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          *bad = true;
          return out;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        out.push_back(s[i]);
      }
    }
    return out;
  };
  std::multimap<std::string, std::string> params;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    const size_t end = std::min(query.find('&', start), query.size());
    const std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      params.emplace(decode(pair.substr(0, eq)),
                     eq == std::string::npos ? "" : decode(pair.substr(eq + 1)));
    }
    start = end + 1;
  }
  return params;
}

nlohmann::ordered_json Capabilities() {
  return {
      {"resourceType", "CapabilityStatement"},
      {"status", "active"},
      {"date", "2026-12-01"},
      {"kind", "instance"},
      {"software", {{"name", "modalisd"}}},
      {"fhirVersion", "4.0.1"},
      {"format", nlohmann::ordered_json::array({"json"})},
      {"rest",
       nlohmann::ordered_json::array(
           {{{"mode", "server"},
             {"resource",
              nlohmann::ordered_json::array(
                  {{{"type", "CarePlan"},
                    {"interaction", nlohmann::ordered_json::array(
                                        {{{"code", "read"}}, {{"code", "search-type"}}})},
                    {"searchParam", nlohmann::ordered_json::array(
                                        {{{"name", "patient"}, {"type", "reference"}}})}}})}}})}};
}

}  // namespace

bool FhirGateway::Handles(const std::string& target) {
  return target == "/fhir" || target.rfind("/fhir/", 0) == 0 || target.rfind("/fhir?", 0) == 0;
}

void FhirGateway::Handle(HttpRequest request, HttpResponder respond) {
  const size_t q = request.target.find('?');
  const std::string path = request.target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : request.target.substr(q + 1);
  if (request.method != "GET") {
    HttpResponse r = Outcome(405, grpc::StatusCode::UNIMPLEMENTED,
                             request.method + " is not supported: these resources are read-only");
    r.headers.emplace_back("Allow", "GET");
    return respond(std::move(r));
  }
  if (path == "/fhir/metadata") return respond(Resource(200, Capabilities()));
  const std::string& authorization = request.header("authorization");
  if (!IsPrintableAscii(authorization)) {
    return respond(Outcome(401, grpc::StatusCode::UNAUTHENTICATED,
                           "the Authorization header is not a bearer token"));
  }

  const std::string kRead = "/fhir/CarePlan/";
  if (path.rfind(kRead, 0) == 0 && path.size() > kRead.size()) {
    std::string plan_id = path.substr(kRead.size());
    for (char& c : plan_id) {
      if (c == '-') c = '_';  // the resource id spells the plan id's '_' as '-'
    }
    v1::GetPlanRequest get;
    get.set_plan_id(plan_id);
    calls_.Call("/modalis.v1.PlanService/GetPlan", get.SerializeAsString(), authorization,
                std::nullopt,
                [respond = std::move(respond)](const grpc::Status& status, std::string reply) {
                  v1::GetPlanResponse stored;
                  if (!status.ok()) return respond(Outcome(status));
                  if (!stored.ParseFromString(reply)) {
                    return respond(Outcome(500, grpc::StatusCode::INTERNAL, "unreadable reply"));
                  }
                  respond(Resource(200, CarePlanResource(stored)));
                });
    return;
  }
  if (path != "/fhir/CarePlan") {
    return respond(Outcome(404, grpc::StatusCode::NOT_FOUND,
                           "no resource at " + path +
                               "; served: GET /fhir/CarePlan/{id}, GET /fhir/CarePlan?patient=REF "
                               "and GET /fhir/metadata"));
  }
  bool bad = false;
  const auto params = QueryOf(query, &bad);
  if (bad) {
    return respond(Outcome(400, grpc::StatusCode::INVALID_ARGUMENT,
                           "the query string has a malformed %-escape"));
  }
  std::string patient;
  int count = 20;
  for (const auto& [name, value] : params) {
    if (name == "patient" || name == "subject") {
      patient = value.rfind("Patient/", 0) == 0 ? value.substr(8) : value;
    } else if (name == "_count") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > kMaxPageSize) {
        return respond(Outcome(400, grpc::StatusCode::INVALID_ARGUMENT,
                               "_count must be a whole number from 1 to 100"));
      }
      count = static_cast<int>(n);
    } else if (name != "_format") {
      return respond(Outcome(400, grpc::StatusCode::INVALID_ARGUMENT,
                             "unknown search parameter '" + name.substr(0, 64) +
                                 "'; CarePlan is searched by patient (and _count)"));
    }
  }
  if (patient.empty()) {
    return respond(Outcome(400, grpc::StatusCode::INVALID_ARGUMENT,
                           "search CarePlan by patient: /fhir/CarePlan?patient=REF"));
  }
  v1::ListPlansRequest list;
  list.set_patient_ref(patient);
  list.set_page_size(static_cast<uint32_t>(count));
  const std::string base = "http://" + request.header("host") + "/fhir";
  calls_.Call("/modalis.v1.PlanService/ListPlans", list.SerializeAsString(), authorization,
              std::nullopt,
              [respond = std::move(respond), base](const grpc::Status& status, std::string reply) {
                v1::ListPlansResponse page;
                if (!status.ok()) return respond(Outcome(status));
                if (!page.ParseFromString(reply)) {
                  return respond(Outcome(500, grpc::StatusCode::INTERNAL, "unreadable reply"));
                }
                std::vector<v1::GetPlanResponse> plans(page.plans().begin(), page.plans().end());
                respond(Resource(200, CarePlanBundle(plans, base)));
              });
}

}  // namespace modalis
