// modalis.v1.RulesAdmin over the engine: status, dry runs of rule edits, reloads, modalities.
//
// Compiling and testing a rule set can take tens of milliseconds for large sets, so
// ValidateRuleSet and ReloadRules run on their own thread and never hold a gRPC callback thread.
#pragma once

#include <functional>

#include "core/engine.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "server/auth.h"

namespace modalis {

class RulesAdminServiceImpl final : public v1::RulesAdmin::CallbackService {
 public:
  // `on_reload` runs after every reload attempt with its outcome (for logging).
  RulesAdminServiceImpl(Engine& engine, const Authorizer& auth,
                        std::function<void(const absl::Status&)> on_reload = {})
      : engine_(engine), auth_(auth), on_reload_(std::move(on_reload)) {}

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::GetStatusResponse* response) override;
  grpc::ServerUnaryReactor* ValidateRuleSet(grpc::CallbackServerContext* context,
                                            const v1::ValidateRuleSetRequest* request,
                                            v1::ValidateRuleSetResponse* response) override;
  grpc::ServerUnaryReactor* ReloadRules(grpc::CallbackServerContext* context,
                                        const v1::ReloadRulesRequest* request,
                                        v1::ReloadRulesResponse* response) override;
  grpc::ServerUnaryReactor* ListModalities(grpc::CallbackServerContext* context,
                                           const v1::ListModalitiesRequest* request,
                                           v1::ListModalitiesResponse* response) override;

 private:
  grpc::Status Validate(const v1::ValidateRuleSetRequest& request,
                        v1::ValidateRuleSetResponse* response);

  Engine& engine_;
  const Authorizer& auth_;
  std::function<void(const absl::Status&)> on_reload_;
};

}  // namespace modalis
