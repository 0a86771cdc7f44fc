#include "server/cds_hooks_gateway.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <atomic>
#include <chrono>

#include "server/connect_protocol.h"

namespace modalis {
namespace {

constexpr char kPrefix[] = "/cds-services";

HttpResponse JsonReply(unsigned status, const nlohmann::ordered_json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return r;
}

HttpResponse Error(unsigned status, const std::string& message) {
  return JsonReply(status, {{"error", message}});
}

HttpResponse Error(const grpc::Status& status) {
  return Error(ConnectHttpStatus(status.error_code()), status.error_message());
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CdsHooksGateway::CdsHooksGateway(InProcessCalls& calls, Options options)
    : calls_(calls), options_(std::move(options)) {}

bool CdsHooksGateway::Handles(const std::string& target) {
  return target == kPrefix || target.rfind(std::string(kPrefix) + "/", 0) == 0 ||
         target.rfind(std::string(kPrefix) + "?", 0) == 0;
}

void CdsHooksGateway::Handle(HttpRequest request, HttpResponder respond) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == kPrefix) {
    if (request.method != "GET") return respond(Error(405, "use GET for discovery"));
    return respond(JsonReply(200, CdsDiscovery()));
  }
  std::string rest = path.substr(sizeof kPrefix);  // after "/cds-services/"
  const bool feedback = rest.size() > 9 && rest.substr(rest.size() - 9) == "/feedback";
  const std::string id = feedback ? rest.substr(0, rest.size() - 9) : rest;
  if (CdsHookOf(id).empty()) {
    return respond(
        Error(404, "no CDS service '" + id.substr(0, 64) + "'; GET " + kPrefix + " lists them"));
  }
  if (request.method != "POST") return respond(Error(405, "use POST to call a CDS service"));

  // Who is calling: the trusted EHR whose JWT this is, and the bearer token its calls use here.
  std::string bearer;
  if (options_.refuse_all) {
    options_.log(true, "cds_refused", "no EHR is trusted (start modalisd with --cds-issuers)");
    return respond(Error(401, "no EHR is trusted by this server"));
  }
  if (options_.verifier != nullptr) {
    const std::string audience = options_.verifier->service_base_url() + path;
    const std::string service_url = options_.verifier->service_base_url() + kPrefix + "/" + id;
    const int64_t now = NowMs() / 1000;
    const std::string& authorization = request.header("authorization");
    // A feedback call's token may name the feedback endpoint or its service.
    auto verified = options_.verifier->Verify(authorization, audience, now);
    if (!verified.ok() && feedback && absl::IsUnauthenticated(verified.status()) &&
        std::string(verified.status().message()).rfind("aud ", 0) == 0) {
      verified = options_.verifier->Verify(authorization, service_url, now);
    }
    if (!verified.ok()) {
      options_.log(true, "cds_refused",
                   request.method + " " + path + ": " + std::string(verified.status().message()));
      return respond(
          Error(absl::IsUnavailable(verified.status()) ? 503 : 401,
                "the call's JWT is refused: " + std::string(verified.status().message())));
    }
    const auto token = options_.issuer_tokens.find(verified->iss);
    if (token != options_.issuer_tokens.end()) bearer = "Bearer " + token->second;
  }

  if (!options_.unusable.empty()) {
    return respond(Error(503, "CDS Hooks cannot read findings: " + options_.unusable));
  }
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object()) return respond(Error(400, "the body is not a JSON object"));
  if (feedback) return Feedback(bearer, body, std::move(respond));
  Service(id, bearer, body, std::move(respond));
}

void CdsHooksGateway::Service(const std::string& id, const std::string& bearer,
                              const nlohmann::json& body, HttpResponder respond) {
  const std::string hook = CdsHookOf(id);
  if (body.value("hook", "") != hook) {
    return respond(Error(400, "hook must be '" + hook + "' for the service " + id));
  }
  const nlohmann::json instance = body.value("hookInstance", nlohmann::json());
  if (!instance.is_string() || instance.get<std::string>().empty()) {
    return respond(Error(400, "hookInstance is required"));
  }
  const nlohmann::json context = body.value("context", nlohmann::json::object());
  const nlohmann::json patient =
      context.is_object() ? context.value("patientId", nlohmann::json()) : nlohmann::json();
  if (!patient.is_string()) return respond(Error(400, "context.patientId is required"));

  const auto vocabulary = options_.vocabulary();
  const PrefetchedFindings read = FindingsFromPrefetch(
      body.value("prefetch", nlohmann::json::object()), options_.finding_map, *vocabulary);
  v1::SuggestPlanRequest request;
  request.set_request_id(instance.get<std::string>());
  request.set_patient_ref(patient.get<std::string>());
  if (!google::protobuf::util::JsonStringToMessage(read.findings.dump(), request.mutable_findings())
           .ok()) {
    return respond(Error(400, "the prefetch's values cannot be read as findings"));
  }
  const std::string patient_ref = request.patient_ref();
  calls_.Call("/modalis.v1.PlanService/SuggestPlan", request.SerializeAsString(), bearer,
              std::nullopt,
              [respond = std::move(respond), hook, patient_ref](const grpc::Status& status,
                                                                std::string reply) {
                if (!status.ok()) return respond(Error(status));
                v1::SuggestPlanResponse suggested;
                if (!suggested.ParseFromString(reply)) return respond(Error(500, "bad reply"));
                v1::GetPlanResponse stored;
                *stored.mutable_plan() = suggested.plan();
                stored.set_patient_ref(patient_ref);
                stored.set_created_at_ms(NowMs());
                respond(JsonReply(200, CdsCards(stored, hook)));
              });
}

void CdsHooksGateway::Feedback(const std::string& bearer, const nlohmann::json& body,
                               HttpResponder respond) {
  const nlohmann::json items = body.value("feedback", nlohmann::json());
  if (!items.is_array() || items.empty()) {
    return respond(Error(400, "feedback must be a list of {card, outcome}"));
  }
  struct Item {
    std::string plan_id;
    std::string card;
    bool accepted;
    std::string reason;
  };
  std::vector<Item> todo;
  for (const auto& f : items) {
    if (!f.is_object()) return respond(Error(400, "each feedback is an object"));
    const std::string outcome = f.value("outcome", "");
    if (outcome != "accepted" && outcome != "overridden") {
      return respond(Error(400, "outcome must be accepted or overridden"));
    }
    Item item{PlanIdOfCard(f.value("card", "")), f.value("card", ""), outcome == "accepted", ""};
    if (item.plan_id.empty()) return respond(Error(400, "card must be a card's uuid"));
    if (!item.accepted) {
      const nlohmann::json why = f.value("overrideReason", nlohmann::json::object());
      const nlohmann::json reason = why.is_object() ? why.value("reason", nlohmann::json::object())
                                                    : nlohmann::json::object();
      std::string text =
          reason.is_object() ? reason.value("display", reason.value("code", "")) : std::string();
      const std::string comment = why.is_object() ? why.value("userComment", "") : "";
      if (!comment.empty()) text += (text.empty() ? "" : ": ") + comment;
      item.reason = text.empty() ? "overridden in the EHR" : text.substr(0, 1000);
    }
    todo.push_back(std::move(item));
  }
  // Each item: read the plan (scoped to the caller's clinic), then one RecordFeedback per step.
  // The reply waits for all of them; the first failure is the answer.
  struct Progress {
    std::atomic<int> pending{1};
    std::mutex mu;
    grpc::Status first_error;
    HttpResponder respond;
    void Done(const grpc::Status& s) {
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = s;
      }
      if (--pending == 0) {
        respond(first_error.ok() ? JsonReply(200, nlohmann::ordered_json::object())
                                 : Error(first_error));
      }
    }
  };
  auto progress = std::make_shared<Progress>();
  progress->respond = std::move(respond);
  auto log = options_.log;
  for (const Item& item : todo) {
    ++progress->pending;
    v1::GetPlanRequest get;
    get.set_plan_id(item.plan_id);
    calls_.Call(
        "/modalis.v1.PlanService/GetPlan", get.SerializeAsString(), bearer, std::nullopt,
        [this, item, bearer, progress, log](const grpc::Status& status, std::string reply) {
          v1::GetPlanResponse stored;
          if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
            // A warning or critical card: its feedback has no step to land on; it is logged.
            log(!item.accepted, "cds_feedback",
                "card " + item.card + (item.accepted ? " accepted" : " overridden"));
            return progress->Done(grpc::Status::OK);
          }
          if (!status.ok() || !stored.ParseFromString(reply)) {
            return progress->Done(
                status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL, "bad reply") : status);
          }
          for (int step = 0; step < stored.plan().steps_size(); ++step) {
            ++progress->pending;
            v1::RecordFeedbackRequest record;
            record.set_plan_id(item.plan_id);
            record.set_step_index(static_cast<uint32_t>(step));
            record.set_decision(item.accepted ? v1::STEP_DECISION_ACCEPTED
                                              : v1::STEP_DECISION_DECLINED);
            record.set_reason(item.reason);
            calls_.Call("/modalis.v1.PlanService/RecordFeedback", record.SerializeAsString(),
                        bearer, std::nullopt,
                        [progress](const grpc::Status& s, std::string) { progress->Done(s); });
          }
          progress->Done(grpc::Status::OK);
        });
  }
  progress->Done(grpc::Status::OK);
}

}  // namespace modalis
