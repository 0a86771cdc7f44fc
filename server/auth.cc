#include "server/auth.h"

#include "core/common/clinic_id.h"

namespace modalis {
namespace {

constexpr std::string_view kPlanService = "/modalis.v1.PlanService/";
// Clinics, platform rule sets and the fleet: the operator's, and no clinic's.
constexpr std::string_view kPlatformAdmin = "/modalis.v1.PlatformAdmin/";
constexpr std::string_view kRulesAdmin = "/modalis.v1.RulesAdmin/";

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
      return StartsWith(method, kPlanService);
    case Role::kBooking:
      return method == "/modalis.v1.PlanService/SuggestPlan" ||
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
  if (authorization->substr(0, kBearer.size()) != kBearer) {
    return absl::UnauthenticatedError("the authorization header must be 'Bearer <token>'");
  }
  auto entry = FindToken(tokens_, authorization->substr(kBearer.size()));
  if (!entry) return absl::UnauthenticatedError("the bearer token is not valid");
  if (!RoleAllows(entry->role, method)) {
    return absl::PermissionDeniedError("the " + std::string(RoleName(entry->role)) +
                                       " role may not call " + std::string(method));
  }
  return Caller{entry->name, entry->role, entry->clinic_id};
}

}  // namespace modalis
