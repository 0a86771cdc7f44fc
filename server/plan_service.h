// modalis.v1.PlanService over the engine and the store (callback API).
//
// Handlers validate and plan inline (microseconds of CPU) and answer only after the plan is
// durably stored: SuggestPlan finishes its reactor from the store's completion callback, so no
// gRPC thread waits for the disk. Same (client, request_id) and same request: the stored plan;
// same id, different request: ALREADY_EXISTS. dry_run stores nothing.
#pragma once

#include <functional>
#include <memory>

#include "core/engine.h"
#include "core/store/store.h"
#include "modalis/v1/plan_service.grpc.pb.h"
#include "server/arena_messages.h"
#include "server/auth.h"
#include "server/direct_calls.h"

namespace modalis {

class PlanServiceImpl final : public v1::PlanService::CallbackService {
 public:
  PlanServiceImpl(const Engine& engine, Store& store, const Authorizer& auth)
      : engine_(engine), store_(store), auth_(auth) {
    SetMessageAllocatorFor_SuggestPlan(&suggest_messages_);
  }

  grpc::ServerUnaryReactor* SuggestPlan(grpc::CallbackServerContext* context,
                                        const v1::SuggestPlanRequest* request,
                                        v1::SuggestPlanResponse* response) override;
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
  void Suggest(const Caller& caller, const v1::SuggestPlanRequest& request,
               v1::SuggestPlanResponse* response, std::function<void(grpc::Status)> done);
  // Validates and plans (inline: microseconds of CPU); the plan and its audit facts to store.
  absl::StatusOr<NewPlan> Prepare(const v1::SuggestPlanRequest& request, const Caller& caller);
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
  // Every call's messages are given back before the server's Wait() returns; the service, and
  // so this, must outlive the server (as it must anyway).
  ArenaMessageAllocator<v1::SuggestPlanRequest, v1::SuggestPlanResponse> suggest_messages_;
};

}  // namespace modalis
