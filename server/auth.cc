#include "server/auth.h"

#include <chrono>

#include "core/common/clinic_id.h"

namespace modalis {
namespace {

constexpr std::string_view kPlanService = "/modalis.v1.PlanService/";
// Clinics, platform rule sets and the fleet: the operator's, and no clinic's.
constexpr std::string_view kPlatformAdmin = "/modalis.v1.PlatformAdmin/";
constexpr std::string_view kRulesAdmin = "/modalis.v1.RulesAdmin/";
// The vocabulary and rules a clinic is served: no patient data, and what a form of findings is
// made from, so every clinic role may read them.
constexpr std::string_view kGetRuleSet = "/modalis.v1.RulesAdmin/GetRuleSet";

// Whom a development-mode console session belongs to: there are no tokens to name.
constexpr std::string_view kLocalSubject = "local";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

bool Authorizer::RoleAllows(Role role, std::string_view method) {
  switch (role) {
    case Role::kAdmin:
      // A clinic's admin must not create clinics or change what every clinic runs.
      return !StartsWith(method, kPlatformAdmin);
    case Role::kNotes:
      return StartsWith(method, kPlanService) || method == kGetRuleSet;
    case Role::kBooking:
      return method == kGetRuleSet || method == "/modalis.v1.PlanService/GetPatientHistory" ||
             method == "/modalis.v1.PlanService/SuggestPlan" ||
             method == "/modalis.v1.PlanService/GetPlan" ||
             method == "/modalis.v1.PlanService/ListPlans";
    case Role::kOperator:
      // Clinics, platform rule sets and the fleet's status; never a patient's plan. Reloading
      // the rules directory is the default clinic's (it is that clinic's files).
      return StartsWith(method, kPlatformAdmin) ||
             (StartsWith(method, kRulesAdmin) && method != "/modalis.v1.RulesAdmin/ReloadRules");
  }
  return false;
}

std::optional<Caller> Authorizer::Identify(std::string_view token) const {
  auto entry = FindToken(tokens_, token);
  if (!entry) return std::nullopt;
  return Caller{entry->name, entry->role, entry->clinic_id};
}

std::optional<std::string> Authorizer::SessionSubject(std::string_view token) const {
  if (!enabled_) return std::string(kLocalSubject);
  auto entry = FindToken(tokens_, token);
  if (!entry) return std::nullopt;
  return entry->sha256;
}

std::optional<Caller> Authorizer::IdentifySession(std::string_view value) const {
  if (sessions_ == nullptr) return std::nullopt;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto subject = sessions_->Verify(value, now_ms);
  if (!subject) return std::nullopt;
  if (!enabled_) {
    if (*subject != kLocalSubject) return std::nullopt;
    return Caller{"local", Role::kAdmin, std::string(kDefaultClinic)};
  }
  // A token removed from the file ends its sessions when modalisd reads the file again.
  for (const TokenEntry& entry : tokens_) {
    if (entry.sha256 == *subject) return Caller{entry.name, entry.role, entry.clinic_id};
  }
  return std::nullopt;
}

absl::StatusOr<Caller> Authorizer::Authorize(const grpc::ServerContextBase& context,
                                             std::string_view method) const {
  if (!enabled_) return Caller{"local", Role::kAdmin, std::string(kDefaultClinic)};
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return AuthorizeHeader(std::nullopt, method);
  return AuthorizeHeader(std::string_view(it->second.data(), it->second.size()), method);
}

absl::StatusOr<Caller> Authorizer::AuthorizeHeader(std::optional<std::string_view> authorization,
                                                   std::string_view method) const {
  if (!enabled_) return Caller{"local", Role::kAdmin, std::string(kDefaultClinic)};
  if (!authorization) {
    return absl::UnauthenticatedError("a bearer token is required (authorization: Bearer <token>)");
  }
  constexpr std::string_view kBearer = "Bearer ";
  constexpr std::string_view kSession = "Session ";
  std::optional<TokenEntry> entry;
  if (authorization->substr(0, kSession.size()) == kSession) {
    auto caller = IdentifySession(authorization->substr(kSession.size()));
    if (!caller) {
      return absl::UnauthenticatedError("the console session has ended or is not valid: sign in");
    }
    entry = TokenEntry{caller->client, caller->role, "", caller->clinic_id};
  } else if (authorization->substr(0, kBearer.size()) != kBearer) {
    return absl::UnauthenticatedError("the authorization header must be 'Bearer <token>'");
  } else {
    entry = FindToken(tokens_, authorization->substr(kBearer.size()));
    if (!entry) return absl::UnauthenticatedError("the bearer token is not valid");
  }
  if (!RoleAllows(entry->role, method)) {
    return absl::PermissionDeniedError("the " + std::string(RoleName(entry->role)) +
                                       " role may not call " + std::string(method));
  }
  return Caller{entry->name, entry->role, entry->clinic_id};
}

}  // namespace modalis
