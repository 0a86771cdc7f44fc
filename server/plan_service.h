// modalis.v1.PlanService over the engine and the store (callback API).
//
// Handlers validate and plan inline (microseconds of CPU) and answer only after the plan is
// durably stored.
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
  grpc::Status Suggest(const v1::SuggestPlanRequest& request, v1::SuggestPlanResponse* response);
  grpc::Status Get(const v1::GetPlanRequest& request, v1::GetPlanResponse* response);

  const Engine& engine_;
  Store& store_;
};

// absl status codes share gRPC's numbering.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace modalis
