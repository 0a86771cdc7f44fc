// modalis.v1.PlanService over the engine and the store (callback API).
//
// Handlers validate and plan inline (microseconds of CPU) and answer only after the plan is
// durably stored: SuggestPlan finishes its reactor from the store's completion callback, so no
// gRPC thread waits for the disk. Same (client, request_id) and same request: the stored plan;
// same id, different request: ALREADY_EXISTS. dry_run stores nothing.
#pragma once

#include <functional>
#include <memory>

#include "adapters/wire_findings.h"
#include "core/engine.h"
#include "core/store/store.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "modalis/wire/suggest_plan_request.pb.h"
#include "server/arena_messages.h"
#include "server/auth.h"
#include "server/direct_calls.h"

namespace modalis {

// SuggestPlan takes its request as bytes (a raw method), to read it as modalis::wire's message:
// the findings straight from their encoding. The other methods are generated as usual.
using PlanServiceBase = v1::PlanService::WithRawCallbackMethod_SuggestPlan<
    v1::PlanService::WithCallbackMethod_GetPlan<v1::PlanService::WithCallbackMethod_ListPlans<
        v1::PlanService::WithCallbackMethod_RecordFeedback<
            v1::PlanService::WithCallbackMethod_RecordOutcome<
                v1::PlanService::WithCallbackMethod_GetProgress<
                    v1::PlanService::WithCallbackMethod_GetEvidence<
                        v1::PlanService::WithCallbackMethod_GetPatientHistory<
                            v1::PlanService::Service>>>>>>>>;

class PlanServiceImpl final : public PlanServiceBase {
 public:
  PlanServiceImpl(const Engine& engine, Store& store, const Authorizer& auth)
      : engine_(engine), store_(store), auth_(auth) {}

  grpc::ServerUnaryReactor* SuggestPlan(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetPlan(grpc::CallbackServerContext* context,
                                    const v1::GetPlanRequest* request,
                                    v1::GetPlanResponse* response) override;
  grpc::ServerUnaryReactor* ListPlans(grpc::CallbackServerContext* context,
                                      const v1::ListPlansRequest* request,
                                      v1::ListPlansResponse* response) override;
  grpc::ServerUnaryReactor* RecordFeedback(grpc::CallbackServerContext* context,
                                           const v1::RecordFeedbackRequest* request,
                                           v1::RecordFeedbackResponse* response) override;
  grpc::ServerUnaryReactor* RecordOutcome(grpc::CallbackServerContext* context,
                                          const v1::RecordOutcomeRequest* request,
                                          v1::RecordOutcomeResponse* response) override;
  grpc::ServerUnaryReactor* GetProgress(grpc::CallbackServerContext* context,
                                        const v1::GetProgressRequest* request,
                                        v1::GetProgressResponse* response) override;
  grpc::ServerUnaryReactor* GetEvidence(grpc::CallbackServerContext* context,
                                        const v1::GetEvidenceRequest* request,
                                        v1::GetEvidenceResponse* response) override;
  grpc::ServerUnaryReactor* GetPatientHistory(grpc::CallbackServerContext* context,
                                              const v1::GetPatientHistoryRequest* request,
                                              v1::GetPatientHistoryResponse* response) override;

  // Serves SuggestPlan to the HTTP doors through `calls`, without the in-process gRPC hop.
  void ServeDirectly(DirectCalls& calls);

 private:
  // SuggestPlan for an authorised caller, whatever the transport: `done` once `response` is final.
  // `request` and `findings` (the request's, as received) must stay until `done`.
  void Suggest(const Caller& caller, const wire::SuggestPlanRequest& request,
               const WireFindings& findings, v1::SuggestPlanResponse* response,
               std::function<void(grpc::Status)> done);
  // Validates and plans (inline: microseconds of CPU); the plan and its audit facts to store.
  absl::StatusOr<NewPlan> Prepare(const wire::SuggestPlanRequest& request,
                                  const WireFindings& findings, const Caller& caller);
  grpc::Status Get(const Caller& caller, const v1::GetPlanRequest& request,
                   v1::GetPlanResponse* response);
  grpc::Status List(const Caller& caller, const v1::ListPlansRequest& request,
                    v1::ListPlansResponse* response);
  grpc::Status Progress(const Caller& caller, const v1::GetProgressRequest& request,
                        v1::GetProgressResponse* response);
  grpc::Status History(const Caller& caller, const v1::GetPatientHistoryRequest& request,
                       v1::GetPatientHistoryResponse* response);
  absl::Status Evidence(const Caller& caller, const v1::GetEvidenceRequest& request,
                        v1::GetEvidenceResponse* response);

  const Engine& engine_;
  Store& store_;
  const Authorizer& auth_;
  // SuggestPlan's request and reply, an arena a call; each is given back before the call is
  // finished, so before the server's Wait() returns.
  ArenaPool suggest_arenas_;
};

}  // namespace modalis
