#include "server/rules_admin_service.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "adapters/plan_proto.h"
#include "core/common/clinic_id.h"
#include "core/findings/findings.h"
#include "server/grpc_status.h"
#include "server/rule_set_preview.h"

namespace modalis {
namespace {

constexpr size_t kMaxRuleFileBytes = 4 * 1024 * 1024;

void ToProto(const ModalityInfo& info, v1::Modality* out) {
  out->set_id(info.id);
  out->set_display_name(info.display_name);
  out->set_version(info.version);
  out->set_phase(info.phase);
  out->set_default_minutes(info.default_minutes);
  out->set_qualification(info.qualification);
  out->set_needs_written_consent(info.needs_written_consent);
  for (const auto& s : info.reads) out->add_reads(s);
  for (const auto& s : info.required_known) out->add_required_known(s);
  for (const auto& s : info.targets_allowed) out->add_targets_allowed(s);
  out->set_param_schema_json(info.param_schema_json);
}

void ToProto(const LiveEntry& entry, v1::LiveRuleSet* out) {
  out->set_clinic_id(entry.clinic_id);
  out->set_condition(entry.condition);
  if (entry.rules != nullptr) ToProto(*entry.rules, out->mutable_rule_set());
  out->set_from_platform(entry.from_platform);
  out->set_error(entry.error);
}

void ToProto(const RuleSetActivation& a, v1::RuleSetActivation* out) {
  out->set_seq(a.seq);
  out->set_clinic_id(a.clinic_id);
  out->set_condition(a.condition);
  out->set_sha256(a.sha256);
  out->set_replaced_sha256(a.replaced_sha256);
  out->set_author(a.author);
  out->set_comment(a.comment);
  out->set_activated_at_ms(a.activated_at_ms);
}

// The clinic whose rule sets a caller publishes, activates and lists: an admin's own; the
// operator's are the platform's, which clinic "default" serves to every clinic without its own.
std::string RuleSetClinic(const Caller& caller) {
  return caller.role == Role::kOperator ? std::string(kDefaultClinic) : caller.clinic_id;
}

constexpr size_t kMaxCommentBytes = 1000;

void FillValidation(const RuleSetCandidate& candidate, v1::ValidateRuleSetResponse* response) {
  response->set_valid(candidate.ok());
  if (candidate.rules != nullptr) response->set_sha256(candidate.rules->sha256);
  auto add = [response](const Diagnostic& d) {
    v1::Diagnostic* out = response->add_diagnostics();
    out->set_severity(d.severity == Diagnostic::Severity::kError ? v1::ERROR : v1::WARNING);
    out->set_id(d.id);
    out->set_file(d.where.file);
    out->set_line(d.where.line);
    out->set_column(d.where.column);
    out->set_pointer(d.where.pointer);
    out->set_message(d.text());
  };
  for (const Diagnostic& d : candidate.diagnostics) add(d);
  for (const Diagnostic& d : candidate.golden.diagnostics) add(d);
  for (const GoldenCaseResult& c : candidate.golden.cases) {
    if (c.outcome != GoldenCaseResult::Outcome::kFailed) continue;
    v1::CaseFailure* failure = response->add_failed_cases();
    failure->set_case_id(c.id);
    for (const auto& d : c.details) failure->add_details(d);
  }
  response->set_cases_passed(static_cast<uint32_t>(candidate.golden.passed()));
  response->set_report(candidate.Describe());
}

}  // namespace

grpc::ServerUnaryReactor* RulesAdminServiceImpl::OffThread(grpc::CallbackServerContext* context,
                                                           std::function<grpc::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (running_checks_.fetch_add(1) >= max_running_checks_) {
    running_checks_.fetch_sub(1);
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 std::to_string(max_running_checks_) +
                                     " rule-set checks or reloads are already running (the limit "
                                     "of --max-rule-checks); retry when one has finished"));
    return reactor;
  }
  std::thread([this, reactor, work = std::move(work)] {
    grpc::Status status = work();
    // Counted down before the reply, so a client that retries on it is not refused.
    running_checks_.fetch_sub(1);
    reactor->Finish(std::move(status));
  }).detach();
  return reactor;
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::GetStatus(grpc::CallbackServerContext* context,
                                                           const v1::GetStatusRequest*,
                                                           v1::GetStatusResponse* response) {
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/GetStatus");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  EngineStatus status = engine_.status();
  ToProto(*status.rules, response->mutable_rule_set());
  response->set_activated_at_ms(status.activated_at_ms);
  for (const auto& m : engine_.plugins().modalities())
    ToProto(m->info(), response->add_modalities());
  for (const auto& r : engine_.plugins().refused()) {
    auto* refused = response->add_refused_plugins();
    refused->set_path(r.path);
    refused->set_reason(r.reason);
  }
  response->set_last_reload_error(status.last_reload_error);
  response->set_last_reload_at_ms(status.last_reload_at_ms);
  response->set_serving_last_good(status.serving_last_good);
  const WriteHealth store = store_health_ ? store_health_() : WriteHealth{};
  response->set_store_writable(store.writable);
  response->set_store_error(std::string(store.cause.message()));
  for (const LiveEntry& entry :
       engine_.live().List(caller->role == Role::kOperator ? "" : caller->clinic_id)) {
    ToProto(entry, response->add_live());
  }
  // Read on the callback thread, as the other RulesAdmin reads of the store: one indexed query.
  auto replicas =
      store_.ListReplicaServing(caller->role == Role::kOperator ? "" : caller->clinic_id);
  if (!replicas.ok()) return FinishedWith(context, replicas.status());
  for (const ReplicaServing& r : *replicas) {
    v1::ReplicaRuleSet* out = response->add_replicas();
    out->set_replica_id(r.replica_id);
    out->set_clinic_id(r.clinic_id);
    out->set_condition(r.condition);
    out->set_sha256(r.sha256);
    out->set_error(r.error);
    out->set_reported_at_ms(r.reported_at_ms);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::ListModalities(
    grpc::CallbackServerContext* context, const v1::ListModalitiesRequest*,
    v1::ListModalitiesResponse* response) {
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/ListModalities");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  for (const auto& m : engine_.plugins().modalities())
    ToProto(m->info(), response->add_modalities());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::ValidateRuleSet(
    grpc::CallbackServerContext* context, const v1::ValidateRuleSetRequest* request,
    v1::ValidateRuleSetResponse* response) {
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/ValidateRuleSet");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  return OffThread(context, [this, request, response] { return Validate(*request, response); });
}

absl::StatusOr<RuleSource> RulesAdminServiceImpl::CandidateSource(
    const v1::RuleFile& rules, const v1::RuleFile& vocabulary, bool has_vocabulary,
    const google::protobuf::RepeatedPtrField<v1::RuleFile>& cases) const {
  size_t total = rules.content().size() + vocabulary.content().size();
  for (const auto& c : cases) total += c.content().size();
  if (total > kMaxRuleFileBytes) {
    return absl::ResourceExhaustedError("candidate rule files exceed " +
                                        std::to_string(kMaxRuleFileBytes) + " bytes");
  }
  if (rules.content().empty()) return InvalidField("rules.content", "rules.content is required");
  RuleSource source;
  auto name = [](const v1::RuleFile& f, const char* fallback) {
    return f.name().empty() ? std::string(fallback) : f.name();
  };
  source.rules = {name(rules, "rules.json"), rules.content()};
  if (has_vocabulary && !vocabulary.content().empty()) {
    source.vocabulary = {name(vocabulary, "vocabulary.json"), vocabulary.content()};
  } else {
    auto active = ReadRuleSource(engine_.config().rules_dir);
    if (!active.ok()) return active.status();
    source.vocabulary = active->vocabulary;
  }
  for (const auto& c : cases) source.cases.push_back({name(c, "cases.json"), c.content()});
  return source;
}

grpc::Status RulesAdminServiceImpl::Validate(const v1::ValidateRuleSetRequest& request,
                                             v1::ValidateRuleSetResponse* response) {
  auto read = CandidateSource(request.rules(), request.vocabulary(), request.has_vocabulary(),
                              request.cases());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const RuleSource& source = *read;

  FillValidation(engine_.Validate(source), response);
  return grpc::Status::OK;
}

std::vector<RuleSource::File> RulesAdminServiceImpl::DirectoryCases(const std::string& id) const {
  auto directory = ReadRuleSource(engine_.config().rules_dir);
  if (!directory.ok()) return {};
  const auto rules = nlohmann::json::parse(directory->rules.text, nullptr, false);
  if (!rules.is_object() || rules.value("id", "") != id) return {};
  return directory->cases;
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::PreviewRuleSet(
    grpc::CallbackServerContext* context, const v1::PreviewRuleSetRequest* request,
    v1::PreviewRuleSetResponse* response) {
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/PreviewRuleSet");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  if (request->recent_plans() > kMaxPreviewPlans) {
    return FinishedWith(
        context, InvalidField("recent_plans",
                              "recent_plans must be at most " + std::to_string(kMaxPreviewPlans)));
  }
  return OffThread(context, [this, request, response, clinic = RuleSetClinic(*caller)] {
    auto read = CandidateSource(request->rules(), request->vocabulary(), request->has_vocabulary(),
                                request->cases());
    if (!read.ok()) return ToGrpcStatus(read.status());
    RuleSource& source = *read;
    if (source.cases.empty()) {
      const auto rules = nlohmann::json::parse(source.rules.text, nullptr, false);
      if (rules.is_object()) source.cases = DirectoryCases(rules.value("id", ""));
    }
    const RuleSetCandidate candidate = engine_.Validate(source);
    FillValidation(candidate, response->mutable_validation());
    if (candidate.rules == nullptr) return grpc::Status::OK;
    return ToGrpcStatus(modalis::PreviewRuleSet(engine_, store_, clinic, candidate, source.cases,
                                                request->recent_plans(), response));
  });
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::ReloadRules(grpc::CallbackServerContext* context,
                                                             const v1::ReloadRulesRequest* request,
                                                             v1::ReloadRulesResponse* response) {
  // The rules directory is the platform's rule set, served to every clinic without its own, so
  // reloading it is not one clinic's decision: only the default clinic's admin (the
  // single-clinic install's) may. Other clinics publish and activate their own.
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/ReloadRules");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  if (caller->clinic_id != kDefaultClinic) {
    return FinishedWith(context,
                        absl::PermissionDeniedError(
                            "the rules directory is the platform's rule set, served to every "
                            "clinic without its own; only an admin of the clinic 'default' may "
                            "reload it (publish and activate your clinic's own with "
                            "PublishRuleSet and ActivateRuleSet)"));
  }
  return OffThread(context, [this, request, response] {
    const auto before = engine_.rules();
    auto rules = engine_.Reload(request->expected_sha256());
    if (on_reload_) on_reload_(rules.status(), before);
    if (!rules.ok()) return ToGrpcStatus(rules.status());
    ToProto(**rules, response->mutable_rule_set());
    return grpc::Status::OK;
  });
}

}  // namespace modalis

namespace modalis {

grpc::ServerUnaryReactor* RulesAdminServiceImpl::PublishRuleSet(
    grpc::CallbackServerContext* context, const v1::PublishRuleSetRequest* request,
    v1::PublishRuleSetResponse* response) {
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/PublishRuleSet");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  return OffThread(context, [this, caller = *caller, request, response] {
    if (request->comment().size() > kMaxCommentBytes) {
      return ToGrpcStatus(InvalidField(
          "comment", "comment must be at most " + std::to_string(kMaxCommentBytes) + " bytes"));
    }
    auto source = CandidateSource(request->rules(), request->vocabulary(),
                                  request->has_vocabulary(), request->cases());
    if (!source.ok()) return ToGrpcStatus(source.status());
    // The clinic "default" is the platform's: what its admin publishes (like the rules
    // directory) is every clinic's to activate.
    const std::string owner =
        RuleSetClinic(caller) == kDefaultClinic ? std::string(kPlatformOwner) : caller.clinic_id;
    auto published = publisher_.Publish(owner, caller.client, request->comment(), *source);
    if (!published.ok()) return ToGrpcStatus(published.status());
    ToProto(*published->rules, response->mutable_rule_set());
    response->set_newly_published(published->newly_published);
    response->set_cases_passed(static_cast<uint32_t>(published->cases_passed));
    response->set_report(published->warnings);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::ActivateRuleSet(
    grpc::CallbackServerContext* context, const v1::ActivateRuleSetRequest* request,
    v1::ActivateRuleSetResponse* response) {
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/ActivateRuleSet");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  return OffThread(context, [this, caller = *caller, request, response] {
    if (request->sha256().size() != 64) {
      return ToGrpcStatus(InvalidField(
          "sha256", "sha256 must be a rule set's 64-digit hash (ListRuleSets shows them)"));
    }
    if (request->expected_live_sha256().size() > 64) {
      return ToGrpcStatus(
          InvalidField("expected_live_sha256",
                       "expected_live_sha256 must be a rule set's 64-digit hash or empty"));
    }
    if (request->condition().size() > 64) {
      return ToGrpcStatus(InvalidField("condition", "condition must be at most 64 bytes"));
    }
    if (request->comment().size() > kMaxCommentBytes) {
      return ToGrpcStatus(InvalidField(
          "comment", "comment must be at most " + std::to_string(kMaxCommentBytes) + " bytes"));
    }
    RuleSetActivation activation;
    activation.clinic_id = RuleSetClinic(caller);
    activation.condition = request->condition();
    activation.sha256 = request->sha256();
    activation.expected_live = request->expected_live_sha256();
    activation.author = caller.client;
    activation.comment = request->comment();
    auto activated = publisher_.Activate(std::move(activation));
    if (!activated.ok()) return ToGrpcStatus(activated.status());
    ToProto(*activated, response->mutable_activation());
    if (auto live = engine_.Resolve(activated->clinic_id, activated->condition); live.ok()) {
      ToProto(**live, response->mutable_rule_set());
    }
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::ListRuleSets(grpc::CallbackServerContext* context,
                                                              const v1::ListRuleSetsRequest*,
                                                              v1::ListRuleSetsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/ListRuleSets");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const std::string clinic = RuleSetClinic(*caller);
  auto published = store_.ListPublishedRuleSets(clinic);
  auto activations = store_.ListActivations(clinic);
  if (!published.ok() || !activations.ok()) {
    reactor->Finish(ToGrpcStatus(!published.ok() ? published.status() : activations.status()));
    return reactor;
  }
  for (const PublishedRuleSet& p : *published) {
    v1::PublishedRuleSet* out = response->add_published();
    out->mutable_rule_set()->set_id(p.rule_set.id);
    out->mutable_rule_set()->set_version(p.rule_set.version);
    out->mutable_rule_set()->set_sha256(p.rule_set.sha256);
    out->set_platform(p.owner == kPlatformOwner);
    out->set_author(p.author);
    out->set_comment(p.comment);
    out->set_published_at_ms(p.published_at_ms);
  }
  for (const RuleSetActivation& a : *activations) ToProto(a, response->add_activations());
  for (const LiveEntry& entry : engine_.live().List(clinic)) ToProto(entry, response->add_live());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::GetRuleSet(grpc::CallbackServerContext* context,
                                                            const v1::GetRuleSetRequest* request,
                                                            v1::GetRuleSetResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish([&]() -> grpc::Status {
    auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/GetRuleSet");
    if (!caller.ok()) return ToGrpcStatus(caller.status());
    if (request->condition().size() > 64) {
      return ToGrpcStatus(InvalidField("condition", "condition must be at most 64 bytes"));
    }
    const std::string clinic = RuleSetClinic(*caller);
    auto rules = engine_.Resolve(clinic, request->condition());
    if (!rules.ok()) return ToGrpcStatus(rules.status());
    auto source = RuleSourceFromCanonical((*rules)->canonical_source, (*rules)->id);
    if (!source.ok()) return ToGrpcStatus(source.status());
    ToProto(**rules, response->mutable_rule_set());
    response->set_vocabulary_json(std::move(source->vocabulary.text));
    response->set_rules_json(std::move(source->rules.text));
    for (const LiveEntry& entry : engine_.live().List(clinic)) {
      if (entry.rules == *rules) response->set_from_platform(entry.from_platform);
    }
    for (RuleSource::File& file : DirectoryCases((*rules)->id)) {
      v1::RuleFile* out = response->add_cases();
      out->set_name(std::filesystem::path(file.path).filename().string());
      out->set_content(std::move(file.text));
    }
    return grpc::Status::OK;
  }());
  return reactor;
}

namespace {

void ToProto(const ClinicProfileRecord& r, v1::ClinicProfileVersion* out) {
  out->set_version(r.version);
  out->set_profile_json(r.profile_json);
  out->set_sha256(r.sha256);
  out->set_author(r.author);
  out->set_comment(r.comment);
  out->set_set_at_ms(r.set_at_ms);
}

constexpr size_t kMaxProfileBytes = 256 * 1024;

}  // namespace

grpc::ServerUnaryReactor* RulesAdminServiceImpl::GetClinicProfile(
    grpc::CallbackServerContext* context, const v1::GetClinicProfileRequest* request,
    v1::GetClinicProfileResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/GetClinicProfile");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const std::string clinic = RuleSetClinic(*caller);
  auto live = store_.GetClinicProfile(clinic);
  if (!live.ok()) {
    reactor->Finish(ToGrpcStatus(live.status()));
    return reactor;
  }
  if (live->has_value()) ToProto(**live, response->mutable_live());
  if (request->history()) {
    auto versions = store_.ListClinicProfileVersions(clinic);
    if (!versions.ok()) {
      response->Clear();
      reactor->Finish(ToGrpcStatus(versions.status()));
      return reactor;
    }
    for (const auto& v : *versions) ToProto(v, response->add_history());
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* RulesAdminServiceImpl::SetClinicProfile(
    grpc::CallbackServerContext* context, const v1::SetClinicProfileRequest* request,
    v1::SetClinicProfileResponse* response) {
  auto caller = auth_.Authorize(*context, "/modalis.v1.RulesAdmin/SetClinicProfile");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  return OffThread(context, [this, caller = *caller, request, response] {
    if (request->profile_json().size() > kMaxProfileBytes) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "profile_json exceeds " + std::to_string(kMaxProfileBytes) + " bytes");
    }
    if (request->comment().size() > kMaxCommentBytes) {
      return ToGrpcStatus(InvalidField(
          "comment", "comment must be at most " + std::to_string(kMaxCommentBytes) + " bytes"));
    }
    if (request->expected_version() < 0) {
      return ToGrpcStatus(InvalidField("expected_version", "expected_version must be 0 or more"));
    }
    auto stored =
        publisher_.SetProfile(RuleSetClinic(caller), request->profile_json(),
                              request->expected_version(), caller.client, request->comment());
    if (!stored.ok()) return ToGrpcStatus(stored.status());
    ToProto(*stored, response->mutable_profile());
    return grpc::Status::OK;
  });
}

}  // namespace modalis
