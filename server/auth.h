// Who may call what. With a token file, every RPC but health and reflection needs a bearer token
// whose role allows the method (design.md §3): booking — SuggestPlan, GetPlan, ListPlans; notes —
// every PlanService method; admin — everything. Without one (development mode, loopback only),
// every caller is the local admin.
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

namespace modalis {

struct Caller {
  std::string client;  // from the token file; "local" in development mode
  Role role = Role::kAdmin;
  std::string clinic_id = std::string(kDefaultClinic);  // every store access is scoped by it
};

class Authorizer {
 public:
  // Development mode: no tokens, everything allowed.
  Authorizer() = default;
  explicit Authorizer(std::vector<TokenEntry> tokens)
      : tokens_(std::move(tokens)), enabled_(true) {}

  bool enabled() const { return enabled_; }

  // `method` is the full gRPC method name, e.g. "/modalis.v1.PlanService/SuggestPlan".
  // UNAUTHENTICATED without a valid token; PERMISSION_DENIED when the role does not allow it.
  absl::StatusOr<Caller> Authorize(const grpc::ServerContextBase& context,
                                   std::string_view method) const;

  static bool RoleAllows(Role role, std::string_view method);

  // The caller a token belongs to, whatever it may call; nullopt for an unknown token.
  std::optional<Caller> Identify(std::string_view token) const;

 private:
  std::vector<TokenEntry> tokens_;
  bool enabled_ = false;
};

}  // namespace modalis
