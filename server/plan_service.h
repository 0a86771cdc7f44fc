// modalis.v1.PlanService over the engine and the store (callback API).
//
// Handlers validate and plan inline (microseconds of CPU) and answer only after the plan is
// durably stored: SuggestPlan finishes its reactor from the store's completion callback, so no
// gRPC thread waits for the disk. Same (client, request_id) and same request: the stored plan;
// same id, different request: ALREADY_EXISTS. dry_run stores nothing.
#pragma once

#include <memory>

#include "core/engine.h"
#include "core/store/store.h"
#include "modalis/v1/plan_service.grpc.pb.h"

namespace modalis {

class PlanServiceImpl final : public v1::PlanService::CallbackService {
 public:
  PlanServiceImpl(const Engine& engine, Store& store) : engine_(engine), store_(store) {}

  grpc::ServerUnaryReactor* SuggestPlan(grpc::CallbackServerContext* context,
                                        const v1::SuggestPlanRequest* request,
                                        v1::SuggestPlanResponse* response) override;
  grpc::ServerUnaryReactor* GetPlan(grpc::CallbackServerContext* context,
                                    const v1::GetPlanRequest* request,
                                    v1::GetPlanResponse* response) override;

 private:
  // Validates and plans (inline: microseconds of CPU); the plan and its audit facts to store.
  absl::StatusOr<NewPlan> Prepare(const v1::SuggestPlanRequest& request);
  grpc::Status Get(const v1::GetPlanRequest& request, v1::GetPlanResponse* response);

  const Engine& engine_;
  Store& store_;
};

// absl status codes share gRPC's numbering.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace modalis
