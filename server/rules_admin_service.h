// modalis.v1.RulesAdmin over the engine: status, dry runs of rule edits, reloads, modalities.
//
// Compiling and testing a rule set can take tens of milliseconds for large sets, so
// ValidateRuleSet and ReloadRules run on their own thread and never hold a gRPC callback thread.
// At most `max_running_checks` of them run at once; one more is RESOURCE_EXHAUSTED at once rather
// than another thread and another copy of a rule set in memory.
#pragma once

#include <atomic>
#include <functional>

#include "core/engine.h"
#include "core/publishing/rule_set_publisher.h"
#include "core/store/store.h"
#include "modalis/v1/rules_admin.grpc.pb.h"
#include "server/auth.h"
#include "server/reload_observer.h"

namespace modalis {

class RulesAdminServiceImpl final : public v1::RulesAdmin::CallbackService {
 public:
  // `on_reload` runs after every reload attempt with its outcome (for logging); `store_health`
  // tells GetStatus whether the store can write (absent: always writable).
  RulesAdminServiceImpl(Engine& engine, Store& store, const Authorizer& auth,
                        ReloadObserver on_reload = {}, int max_running_checks = 4,
                        std::function<WriteHealth()> store_health = {})
      : engine_(engine),
        store_(store),
        publisher_(engine, store),
        auth_(auth),
        on_reload_(std::move(on_reload)),
        max_running_checks_(max_running_checks),
        store_health_(std::move(store_health)) {}

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
  grpc::ServerUnaryReactor* PublishRuleSet(grpc::CallbackServerContext* context,
                                           const v1::PublishRuleSetRequest* request,
                                           v1::PublishRuleSetResponse* response) override;
  grpc::ServerUnaryReactor* ActivateRuleSet(grpc::CallbackServerContext* context,
                                            const v1::ActivateRuleSetRequest* request,
                                            v1::ActivateRuleSetResponse* response) override;
  grpc::ServerUnaryReactor* GetClinicProfile(grpc::CallbackServerContext* context,
                                             const v1::GetClinicProfileRequest* request,
                                             v1::GetClinicProfileResponse* response) override;
  grpc::ServerUnaryReactor* SetClinicProfile(grpc::CallbackServerContext* context,
                                             const v1::SetClinicProfileRequest* request,
                                             v1::SetClinicProfileResponse* response) override;
  grpc::ServerUnaryReactor* ListRuleSets(grpc::CallbackServerContext* context,
                                         const v1::ListRuleSetsRequest* request,
                                         v1::ListRuleSetsResponse* response) override;
  grpc::ServerUnaryReactor* GetRuleSet(grpc::CallbackServerContext* context,
                                       const v1::GetRuleSetRequest* request,
                                       v1::GetRuleSetResponse* response) override;
  grpc::ServerUnaryReactor* PreviewRuleSet(grpc::CallbackServerContext* context,
                                           const v1::PreviewRuleSetRequest* request,
                                           v1::PreviewRuleSetResponse* response) override;

 private:
  grpc::Status Validate(const v1::ValidateRuleSetRequest& request,
                        v1::ValidateRuleSetResponse* response);
  // Runs `work` on its own thread and finishes the call with its status, or refuses the call
  // when max_running_checks_ are already running.
  grpc::ServerUnaryReactor* OffThread(grpc::CallbackServerContext* context,
                                      std::function<grpc::Status()> work);

  // The rules directory's golden case files when it holds the rule set `id`; none otherwise.
  std::vector<RuleSource::File> DirectoryCases(const std::string& id) const;

  // The candidate's files as a RuleSource (the rules directory's vocabulary when it sends none);
  // INVALID_ARGUMENT or RESOURCE_EXHAUSTED for files that cannot be one.
  absl::StatusOr<RuleSource> CandidateSource(
      const v1::RuleFile& rules, const v1::RuleFile& vocabulary, bool has_vocabulary,
      const google::protobuf::RepeatedPtrField<v1::RuleFile>& cases) const;

  Engine& engine_;
  Store& store_;
  RuleSetPublisher publisher_;
  const Authorizer& auth_;
  ReloadObserver on_reload_;
  const int max_running_checks_;
  const std::function<WriteHealth()> store_health_;
  std::atomic<int> running_checks_{0};
};

}  // namespace modalis
