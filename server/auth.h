// Who may call what. With a token file, every RPC but health and reflection needs a bearer token
// whose role allows the method (design.md §3): booking — SuggestPlan, GetPlan, ListPlans,
// GetPatientHistory and RulesAdmin's GetRuleSet; notes — every PlanService method and GetRuleSet;
// admin — everything for its clinic, but not the platform's service (PlatformAdmin); operator —
// PlatformAdmin and RulesAdmin's GetStatus, never a PlanService method, since the operator reads no
// patient data (platform.md §1). A caller's clinic comes from its token, never from a request.
// Without a token file (development mode, loopback only), every caller is the local admin of the
// default clinic and may call everything.
//
// Thread-safe: immutable after construction.
#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/token_file.h"
#include "core/common/clinic_id.h"
#include "server/console_session.h"

namespace modalis {

struct Caller {
  std::string client;  // from the token file; "local" in development mode
  Role role = Role::kAdmin;
  // Whose data the caller reaches: every store access is scoped by it. Empty for the operator,
  // who reaches no patient data.
  std::string clinic_id;
};

class Authorizer {
 public:
  // Development mode: no tokens, everything allowed.
  Authorizer() = default;
  explicit Authorizer(std::vector<TokenEntry> tokens)
      : tokens_(std::move(tokens)), enabled_(true) {}

  bool enabled() const { return enabled_; }

  // Accepts, besides bearer tokens, "Session <value>" for a console session `sessions` issued (the
  // console's cookie, passed on by the HTTP listener): the same caller as the token signed in
  // with, for as long as that token is in the file. Set before serving; must outlive this.
  void UseSessions(const ConsoleSessions* sessions) { sessions_ = sessions; }
  // What a console session for `token` is issued to (its SHA-256; "local" in development mode);
  // nullopt for an unknown token.
  std::optional<std::string> SessionSubject(std::string_view token) const;
  // The caller of a console session that has not ended; nullopt otherwise.
  std::optional<Caller> IdentifySession(std::string_view value) const;

  // `method` is the full gRPC method name, e.g. "/modalis.v1.PlanService/SuggestPlan".
  // UNAUTHENTICATED without a valid token; PERMISSION_DENIED when the role does not allow it.
  absl::StatusOr<Caller> Authorize(const grpc::ServerContextBase& context,
                                   std::string_view method) const;
  // The same, from the value of the call's authorization header (nullopt when it has none).
  absl::StatusOr<Caller> AuthorizeHeader(std::optional<std::string_view> authorization,
                                         std::string_view method) const;

  static bool RoleAllows(Role role, std::string_view method);

  // The caller a token belongs to, whatever it may call; nullopt for an unknown token.
  std::optional<Caller> Identify(std::string_view token) const;

 private:
  std::vector<TokenEntry> tokens_;
  bool enabled_ = false;
  const ConsoleSessions* sessions_ = nullptr;
};

}  // namespace modalis
