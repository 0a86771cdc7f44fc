#include "server/plan_service.h"

#include <chrono>

#include "core/common/ids.h"
#include "core/common/sha256.h"
#include "server/plan_proto.h"

namespace modalis {
namespace {

constexpr size_t kMaxRefBytes = 64;

// Pseudonymous references only: letters, digits and . _ : - (no spaces, so no "First Last").
bool ValidRef(const std::string& ref) {
  if (ref.empty() || ref.size() > kMaxRefBytes) return false;
  for (char c : ref) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

grpc::ServerUnaryReactor* PlanServiceImpl::SuggestPlan(grpc::CallbackServerContext* context,
                                                       const v1::SuggestPlanRequest* request,
                                                       v1::SuggestPlanResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(Suggest(*request, response));
  return reactor;
}

grpc::ServerUnaryReactor* PlanServiceImpl::GetPlan(grpc::CallbackServerContext* context,
                                                   const v1::GetPlanRequest* request,
                                                   v1::GetPlanResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(Get(*request, response));
  return reactor;
}

grpc::Status PlanServiceImpl::Suggest(const v1::SuggestPlanRequest& request,
                                      v1::SuggestPlanResponse* response) {
  if (!ValidRef(request.patient_ref())) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "patient_ref must be a pseudonymous reference of 1 to 64 letters, digits "
                        "or . _ : - (never a name)");
  }
  if (request.request_id().size() > kMaxRefBytes) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "request_id is longer than 64 bytes");
  }
  auto findings = StructToJson(request.findings());
  if (!findings.ok()) return ToGrpc(findings.status());

  PlanRequest plan_request;
  if (request.session_minutes() != 0) {
    if (request.session_minutes() > 480) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "session_minutes must be at most 480");
    }
    plan_request.session_minutes = request.session_minutes();
  }
  if (request.has_practitioner()) {
    plan_request.qualifications =
        std::vector<std::string>(request.practitioner().qualifications().begin(),
                                 request.practitioner().qualifications().end());
  }

  auto plan = engine_.Suggest(*findings, plan_request);
  if (!plan.ok()) return ToGrpc(plan.status());

  if (!request.dry_run()) {
    StoredPlan stored;
    plan->plan_id = NewId("pl_");
    stored.plan_id = plan->plan_id;
    stored.patient_ref = request.patient_ref();
    stored.client = "local";
    stored.request_id = request.request_id();
    stored.request_hash = Sha256Hex(request.SerializeAsString());
    stored.created_at_ms = NowMs();
    stored.plan = *plan;
    if (absl::Status s = store_.PutPlan(stored); !s.ok()) return ToGrpc(s);
  }
  PlanToProto(*plan, response->mutable_plan());
  return grpc::Status::OK;
}

grpc::Status PlanServiceImpl::Get(const v1::GetPlanRequest& request,
                                  v1::GetPlanResponse* response) {
  if (request.plan_id().empty() || request.plan_id().size() > kMaxRefBytes) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "plan_id is required");
  }
  auto stored = store_.GetPlan(request.plan_id());
  if (!stored.ok()) return ToGrpc(stored.status());
  PlanToProto(stored->plan, response->mutable_plan());
  response->set_patient_ref(stored->patient_ref);
  response->set_created_at_ms(stored->created_at_ms);
  return grpc::Status::OK;
}

}  // namespace modalis
