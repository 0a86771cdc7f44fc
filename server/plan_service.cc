#include "server/plan_service.h"

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/evidence_proto.h"
#include "adapters/plan_codec_proto.h"
#include "adapters/plan_proto.h"
#include "adapters/replay_input.h"
#include "adapters/request_hash.h"
#include "adapters/suggest_request.h"
#include "adapters/wire_findings.h"
#include "core/common/ids.h"
#include "core/findings/findings.h"
#include "server/grpc_status.h"

namespace modalis {
namespace {

constexpr const char* kRefMessage = "patient_ref must be a pseudonymous reference (never a name)";

// What counts as improvement, as the rule set says (its defaults are clinical brief §2's).
ProgressPolicy PolicyFor(const ProgressSettings& measures) {
  ProgressPolicy policy;
  policy.mic_points = measures.mic_points;
  policy.mic_fraction = measures.mic_percent / 100;
  return policy;
}

bool Recorded(const Findings& findings, SlotId slot) {
  return slot != kNoSlot && findings.known(slot);
}

// A numeric finding the rule set's settings name, as recorded; nullopt when unknown (or not a
// number at all).
std::optional<double> Number(const Findings& findings, SlotId slot) {
  if (!Recorded(findings, slot)) return std::nullopt;
  const FindingType type = findings.vocabulary().at(slot).type;
  if (type != FindingType::kInteger && type != FindingType::kNumber) return std::nullopt;
  return findings.value(slot).number;
}

// The request's bytes (gRPC hands them over in slices, most often one) read as the wire form.
absl::Status ReadRequest(const grpc::ByteBuffer& buffer, wire::SuggestPlanRequest* out) {
  std::vector<grpc::Slice> slices;
  // A buffer that holds nothing (an empty message) dumps no slices, or fails to: both are empty.
  if (buffer.Valid()) (void)buffer.Dump(&slices);
  if (slices.size() == 1) {
    return ParseWireRequest(
        std::string_view(reinterpret_cast<const char*>(slices[0].begin()), slices[0].size()), out);
  }
  std::string joined;
  joined.reserve(buffer.Valid() ? buffer.Length() : 0);
  for (const grpc::Slice& slice : slices) {
    joined.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return ParseWireRequest(joined, out);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

grpc::ServerUnaryReactor* PlanServiceImpl::SuggestPlan(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request_bytes,
                                                       grpc::ByteBuffer* response_bytes) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlanService/SuggestPlan");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  ArenaPool::Slot* slot = suggest_arenas_.Take();
  auto* request = google::protobuf::Arena::CreateMessage<wire::SuggestPlanRequest>(slot->arena());
  auto* response = google::protobuf::Arena::CreateMessage<v1::SuggestPlanResponse>(slot->arena());
  absl::Status read = ReadRequest(*request_bytes, request);
  // Malformed findings are refused before anything else, as a malformed request is.
  absl::StatusOr<WireFindings> findings =
      read.ok() ? WireFindings::Read(request->findings()) : absl::StatusOr<WireFindings>(read);
  if (!findings.ok()) {
    suggest_arenas_.GiveBack(slot);
    reactor->Finish(ToGrpcStatus(findings.status()));
    return reactor;
  }
  // Kept with the call until it is done: a stored plan's callback may read them.
  auto* kept = google::protobuf::Arena::Create<WireFindings>(slot->arena(), *std::move(findings));
  // The reply is written out before the arena goes back, and the call finishes after both.
  Suggest(*caller, *request, *kept, response,
          [this, slot, response, response_bytes, reactor](grpc::Status status) {
            if (status.ok()) {
              bool own_buffer = false;
              status = grpc::SerializationTraits<v1::SuggestPlanResponse>::Serialize(
                  *response, response_bytes, &own_buffer);
            }
            suggest_arenas_.GiveBack(slot);
            reactor->Finish(status);
          });
  return reactor;
}

void PlanServiceImpl::Suggest(const Caller& caller, const wire::SuggestPlanRequest& request,
                              const WireFindings& findings, v1::SuggestPlanResponse* response,
                              std::function<void(grpc::Status)> done) {
  auto planned = Prepare(request, findings, caller);
  if (!planned.ok()) return done(ToGrpcStatus(planned.status()));
  if (request.dry_run()) {
    PlanToProto(planned->plan.plan, response->mutable_plan());
    return done(grpc::Status::OK);
  }
  // The reply leaves only after the commit: the store calls back from its writer thread, so no
  // request thread blocks on the disk. The reply is built here, on the request's thread, because
  // the writer thread is the one every stored plan waits for. A retry is answered with the plan
  // stored the first time, which is built in the callback instead (rare).
  PlanToProto(planned->plan.plan, response->mutable_plan());
  // The stored form too, when the store keeps that form (it encodes the plan itself otherwise).
  planned->encoded_plan = EncodePlanMessage(response->plan());
  planned->encoded_plan_format = std::string(kProtoPlanFormat);
  store_.PutPlanAsync(*std::move(planned),
                      [response, done = std::move(done)](absl::StatusOr<StoredPlan> stored) {
                        if (!stored.ok()) {
                          response->Clear();
                          return done(ToGrpcStatus(stored.status()));
                        }
                        if (stored->plan_id != response->plan().plan_id()) {
                          response->Clear();
                          PlanToProto(stored->plan, response->mutable_plan());
                        }
                        done(grpc::Status::OK);
                      });
}

void PlanServiceImpl::ServeDirectly(DirectCalls& calls) {
  calls.Add(google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
                "modalis.v1.PlanService.SuggestPlan"),
            [this](const Caller& caller, const google::protobuf::Message& request,
                   google::protobuf::Message* response, DirectCalls::Done done) {
              // The request outlives the call; its fields but the findings, copied, are kept
              // with it until it is done, as a stored plan's callback may read them.
              const auto& api = static_cast<const v1::SuggestPlanRequest&>(request);
              struct Kept {
                wire::SuggestPlanRequest fields;
                WireFindings findings;
              };
              auto kept = std::make_shared<Kept>(
                  Kept{WithoutFindings(api), WireFindings::Of(api.findings())});
              Suggest(caller, kept->fields, kept->findings,
                      static_cast<v1::SuggestPlanResponse*>(response),
                      [kept, done = std::move(done)](grpc::Status status) { done(status); });
            });
}

grpc::ServerUnaryReactor* PlanServiceImpl::GetPlan(grpc::CallbackServerContext* context,
                                                   const v1::GetPlanRequest* request,
                                                   v1::GetPlanResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlanService/GetPlan");
  reactor->Finish(caller.ok() ? Get(*caller, *request, response) : ToGrpcStatus(caller.status()));
  return reactor;
}

grpc::ServerUnaryReactor* PlanServiceImpl::ListPlans(grpc::CallbackServerContext* context,
                                                     const v1::ListPlansRequest* request,
                                                     v1::ListPlansResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlanService/ListPlans");
  reactor->Finish(caller.ok() ? List(*caller, *request, response) : ToGrpcStatus(caller.status()));
  return reactor;
}

grpc::ServerUnaryReactor* PlanServiceImpl::GetProgress(grpc::CallbackServerContext* context,
                                                       const v1::GetProgressRequest* request,
                                                       v1::GetProgressResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlanService/GetProgress");
  reactor->Finish(caller.ok() ? Progress(*caller, *request, response)
                              : ToGrpcStatus(caller.status()));
  return reactor;
}

grpc::ServerUnaryReactor* PlanServiceImpl::GetPatientHistory(
    grpc::CallbackServerContext* context, const v1::GetPatientHistoryRequest* request,
    v1::GetPatientHistoryResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlanService/GetPatientHistory");
  reactor->Finish(caller.ok() ? History(*caller, *request, response)
                              : ToGrpcStatus(caller.status()));
  return reactor;
}

grpc::ServerUnaryReactor* PlanServiceImpl::GetEvidence(grpc::CallbackServerContext* context,
                                                       const v1::GetEvidenceRequest* request,
                                                       v1::GetEvidenceResponse* response) {
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlanService/GetEvidence");
  if (!caller.ok()) return FinishedWith(context, caller.status());
  return FinishedWith(context, Evidence(*caller, *request, response));
}

grpc::ServerUnaryReactor* PlanServiceImpl::RecordFeedback(grpc::CallbackServerContext* context,
                                                          const v1::RecordFeedbackRequest* request,
                                                          v1::RecordFeedbackResponse*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlanService/RecordFeedback");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  StepFeedback feedback;
  feedback.clinic_id = caller->clinic_id;
  feedback.plan_id = request->plan_id();
  feedback.step_index = request->step_index();
  switch (request->decision()) {
    case v1::STEP_DECISION_ACCEPTED:
      feedback.decision = StepDecision::kAccepted;
      break;
    case v1::STEP_DECISION_MODIFIED:
      feedback.decision = StepDecision::kModified;
      break;
    case v1::STEP_DECISION_DECLINED:
      feedback.decision = StepDecision::kDeclined;
      break;
    default:
      reactor->Finish(ToGrpcStatus(InvalidField(
          "decision", "decision must be STEP_DECISION_ACCEPTED, _MODIFIED or _DECLINED")));
      return reactor;
  }
  feedback.reason = request->reason();
  feedback.client = caller->client;
  feedback.recorded_at_ms = NowMs();
  store_.RecordFeedbackAsync(std::move(feedback),
                             [reactor](absl::Status s) { reactor->Finish(ToGrpcStatus(s)); });
  return reactor;
}

grpc::ServerUnaryReactor* PlanServiceImpl::RecordOutcome(grpc::CallbackServerContext* context,
                                                         const v1::RecordOutcomeRequest* request,
                                                         v1::RecordOutcomeResponse*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlanService/RecordOutcome");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  if (!ValidRef(request->patient_ref())) {
    reactor->Finish(ToGrpcStatus(InvalidField("patient_ref", kRefMessage)));
    return reactor;
  }
  SessionOutcome outcome;
  outcome.clinic_id = caller->clinic_id;
  outcome.patient_ref = request->patient_ref();
  outcome.session_number = request->session_number();
  outcome.pain_nprs = request->pain_nprs();
  outcome.pain_days_per_week = request->pain_days_per_week();
  if (request->has_odi_percent()) outcome.odi_percent = request->odi_percent();
  if (request->has_rmdq()) outcome.rmdq = request->rmdq();
  if (request->has_psfs_avg()) outcome.psfs_avg = request->psfs_avg();
  outcome.client = caller->client;
  outcome.recorded_at_ms = NowMs();
  store_.RecordOutcomeAsync(std::move(outcome),
                            [reactor](absl::Status s) { reactor->Finish(ToGrpcStatus(s)); });
  return reactor;
}

absl::StatusOr<NewPlan> PlanServiceImpl::Prepare(const wire::SuggestPlanRequest& request,
                                                 const WireFindings& wire_findings,
                                                 const Caller& caller) {
  // One rule-set snapshot for the whole call, so the findings are decoded against the vocabulary
  // that plans them and the audit names exactly the rules that decided, even when a reload swaps
  // the active set meanwhile.
  if (request.condition().size() > kMaxRefBytes) {
    return InvalidField("condition", "condition must be at most " + std::to_string(kMaxRefBytes) +
                                         " bytes, the id of a rule set");
  }
  auto resolved = engine_.Resolve(caller.clinic_id, request.condition());
  if (!resolved.ok()) return resolved.status();
  const std::shared_ptr<const CompiledRuleSet> rules = *std::move(resolved);
  auto input = ReadSuggestRequest(request, wire_findings, rules->vocabulary,
                                  engine_.config().findings_limits);
  if (!input.ok()) return input.status();
  const Findings& findings = input->findings;
  PlanRequest& plan_request = input->plan_request;
  const ProgressSettings& measures = rules->progress;

  // At a course review the baseline is the patient's first recorded outcome, when there is one.
  if (measures.enabled && Recorded(findings, measures.sessions_completed)) {
    auto progress =
        store_.GetProgress(caller.clinic_id, request.patient_ref(), PolicyFor(measures));
    if (progress.ok() && progress->baseline_source == BaselineSource::kFirstOutcome) {
      plan_request.baseline_pain = progress->pain_nprs.baseline;
    }
  }
  // Read before planning takes the findings (and derives more from them).
  FindingsBaseline baseline;
  baseline.pain_nprs = Number(findings, measures.pain);
  baseline.pain_days_per_week = Number(findings, measures.pain_days);
  baseline.baseline_pain_nprs = Number(findings, measures.baseline_pain);

  auto plan = engine_.SuggestDecoded(*rules, std::move(input->findings), plan_request);
  if (!plan.ok()) return plan.status();

  NewPlan out;
  StoredPlan& stored = out.plan;
  if (!request.dry_run()) {
    auto id = NewId("pl_");
    if (!id.ok()) return id.status();
    plan->plan_id = *std::move(id);
  }
  stored.clinic_id = caller.clinic_id;
  stored.plan_id = plan->plan_id;
  stored.patient_ref = request.patient_ref();
  stored.client = caller.client;
  stored.request_id = request.request_id();
  // Only a stored plan is ever matched against a retry; hashing costs a dry run as much as
  // evaluating the rules does.
  if (!request.dry_run()) {
    // The findings' encoding once, for the hash and for the question the plan keeps.
    const std::string findings_encoding = FindingsEncoding(wire_findings);
    stored.request_hash = RequestHash(request, findings_encoding);
    // The request outlives the write: the call is finished only from the store's callback.
    out.legacy_request_hash = [&request, &wire_findings] {
      return LegacyRequestHash(request, wire_findings);
    };
    // What the plan was asked, so it can be asked again of a draft rule set.
    stored.replay_input = EncodeReplayInput(request, findings_encoding);
    stored.replay_format = std::string(kReplayInputFormat);
  }
  stored.created_at_ms = NowMs();
  stored.baseline = baseline;

  out.rule_set = {rules->sha256, rules->id, rules->version,
                  std::shared_ptr<const std::string>(rules, &rules->canonical_source)};
  for (const auto& [id, bound] : rules->modalities) {
    out.audit.plugins.push_back({bound.modality->info().id, bound.modality->info().version});
  }
  for (const auto& fired : plan->explanation) {
    if (fired.outcome == "fired") out.audit.fired_rule_ids.push_back(fired.rule_id);
  }
  stored.plan = *std::move(plan);
  return out;
}

grpc::Status PlanServiceImpl::Get(const Caller& caller, const v1::GetPlanRequest& request,
                                  v1::GetPlanResponse* response) {
  if (request.plan_id().empty() || request.plan_id().size() > kMaxRefBytes) {
    return ToGrpcStatus(InvalidField("plan_id", "plan_id is required"));
  }
  auto stored = store_.GetPlan(caller.clinic_id, request.plan_id());
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  PlanToProto(stored->plan, response->mutable_plan());
  response->set_patient_ref(stored->patient_ref);
  response->set_created_at_ms(stored->created_at_ms);
  return grpc::Status::OK;
}

grpc::Status PlanServiceImpl::List(const Caller& caller, const v1::ListPlansRequest& request,
                                   v1::ListPlansResponse* response) {
  if (!ValidRef(request.patient_ref())) {
    return ToGrpcStatus(InvalidField("patient_ref", kRefMessage));
  }
  if (request.page_size() > 100) {
    return ToGrpcStatus(InvalidField("page_size", "page_size is at most 100"));
  }
  auto page =
      store_.ListPlans(caller.clinic_id, request.patient_ref(),
                       request.page_size() == 0 ? 20 : request.page_size(), request.page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const StoredPlan& p : page->plans) {
    v1::GetPlanResponse* out = response->add_plans();
    PlanToProto(p.plan, out->mutable_plan());
    out->set_patient_ref(p.patient_ref);
    out->set_created_at_ms(p.created_at_ms);
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status PlanServiceImpl::Progress(const Caller& caller, const v1::GetProgressRequest& request,
                                       v1::GetProgressResponse* response) {
  if (!ValidRef(request.patient_ref())) {
    return ToGrpcStatus(InvalidField("patient_ref", kRefMessage));
  }
  // Improvement as the rule set serving the clinic's default condition measures it.
  auto rules = engine_.Resolve(caller.clinic_id, "");
  if (!rules.ok()) return ToGrpcStatus(rules.status());
  auto progress =
      store_.GetProgress(caller.clinic_id, request.patient_ref(), PolicyFor((*rules)->progress));
  if (!progress.ok()) return ToGrpcStatus(progress.status());
  auto change = [](const MeasureChange& in, v1::MeasureChange* out) {
    if (in.baseline) out->set_baseline(*in.baseline);
    if (in.latest) out->set_latest(*in.latest);
    if (in.improvement) out->set_improvement(*in.improvement);
    if (in.improvement_fraction) out->set_improvement_fraction(*in.improvement_fraction);
    out->set_reaches_mic(in.reaches_mic);
  };
  response->set_patient_ref(progress->patient_ref);
  response->set_baseline_source(std::string(BaselineSourceName(progress->baseline_source)));
  change(progress->pain_nprs, response->mutable_pain_nprs());
  change(progress->pain_days_per_week, response->mutable_pain_days_per_week());
  response->set_sessions_completed(progress->sessions_completed);
  response->set_review_after_sessions(progress->review_after_sessions);
  response->set_improved(progress->improved);
  response->set_review_due(progress->review_due);
  response->set_referral_due(progress->referral_due);
  response->set_latest_referral(ToProto(progress->latest_referral));
  return grpc::Status::OK;
}

grpc::Status PlanServiceImpl::History(const Caller& caller,
                                      const v1::GetPatientHistoryRequest& request,
                                      v1::GetPatientHistoryResponse* response) {
  constexpr size_t kMostRecentPlans = 100;
  v1::GetProgressRequest progress_request;
  progress_request.set_patient_ref(request.patient_ref());
  // Checks the reference and reads progress as GetProgress does, with its errors.
  if (grpc::Status s = Progress(caller, progress_request, response->mutable_progress()); !s.ok()) {
    return s;
  }
  auto rules = engine_.Resolve(caller.clinic_id, "");
  if (!rules.ok()) return ToGrpcStatus(rules.status());
  response->set_mic_nprs_points((*rules)->progress.mic_points);
  response->set_mic_percent((*rules)->progress.mic_percent);
  response->set_patient_ref(request.patient_ref());
  auto record = store_.ExportPatient(caller.clinic_id, request.patient_ref());
  if (!record.ok()) return ToGrpcStatus(record.status());
  response->set_plans_total(static_cast<uint32_t>(record->plans.size()));
  const size_t first =
      record->plans.size() > kMostRecentPlans ? record->plans.size() - kMostRecentPlans : 0;
  std::set<std::string> shown;
  for (size_t i = first; i < record->plans.size(); ++i) {
    const StoredPlan& p = record->plans[i];
    v1::GetPlanResponse* out = response->add_plans();
    PlanToProto(p.plan, out->mutable_plan());
    out->set_patient_ref(p.patient_ref);
    out->set_created_at_ms(p.created_at_ms);
    shown.insert(p.plan_id);
  }
  for (const StepFeedback& f : record->feedback) {
    if (shown.count(f.plan_id) == 0) continue;
    v1::FeedbackRecord* out = response->add_feedback();
    out->set_plan_id(f.plan_id);
    out->set_step_index(f.step_index);
    out->set_decision(f.decision == StepDecision::kAccepted   ? v1::STEP_DECISION_ACCEPTED
                      : f.decision == StepDecision::kModified ? v1::STEP_DECISION_MODIFIED
                                                              : v1::STEP_DECISION_DECLINED);
    out->set_reason(f.reason);
    out->set_recorded_at_ms(f.recorded_at_ms);
  }
  std::vector<const SessionOutcome*> outcomes;
  for (const SessionOutcome& o : record->outcomes) outcomes.push_back(&o);
  std::stable_sort(outcomes.begin(), outcomes.end(), [](const auto* a, const auto* b) {
    return a->session_number < b->session_number;
  });
  for (const SessionOutcome* o : outcomes) {
    v1::OutcomeRecord* out = response->add_outcomes();
    out->set_session_number(o->session_number);
    out->set_pain_nprs(o->pain_nprs);
    out->set_pain_days_per_week(o->pain_days_per_week);
    if (o->odi_percent) out->set_odi_percent(*o->odi_percent);
    if (o->rmdq) out->set_rmdq(*o->rmdq);
    if (o->psfs_avg) out->set_psfs_avg(*o->psfs_avg);
    out->set_recorded_at_ms(o->recorded_at_ms);
  }
  return grpc::Status::OK;
}

absl::Status PlanServiceImpl::Evidence(const Caller& caller, const v1::GetEvidenceRequest& request,
                                       v1::GetEvidenceResponse* response) {
  auto query = EvidenceQueryFromProto(request);
  if (!query.ok()) return query.status();
  // The minimal important change as the rule set serving the clinic's default condition
  // measures it, as GetProgress does.
  auto rules = engine_.Resolve(caller.clinic_id, "");
  if (!rules.ok()) return rules.status();
  EvidencePolicy policy;
  policy.progress = PolicyFor((*rules)->progress);
  if (request.min_follow_ups() > 0) policy.min_follow_ups = request.min_follow_ups();
  auto inputs = store_.ReadEvidence(caller.clinic_id, *query);
  if (!inputs.ok()) return inputs.status();
  EvidenceToProto(ComputeEvidence(*query, *inputs, policy), caller.clinic_id, response);
  v1::RuleSetRef* from = response->mutable_thresholds_from();
  from->set_id((*rules)->id);
  from->set_version((*rules)->version);
  from->set_sha256((*rules)->sha256);
  return absl::OkStatus();
}

}  // namespace modalis
