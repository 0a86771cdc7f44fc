// modalis.v1.PlatformAdmin over the store: the clinics one Modalis serves. Only operator tokens
// reach it (Authorizer::RoleAllows); in development mode the local caller may.
#pragma once

#include "core/store/store.h"
#include "modalis/v1/platform_admin.grpc.pb.h"
#include "server/auth.h"

namespace modalis {

class PlatformAdminServiceImpl final : public v1::PlatformAdmin::CallbackService {
 public:
  PlatformAdminServiceImpl(Store& store, const Authorizer& auth) : store_(store), auth_(auth) {}

  grpc::ServerUnaryReactor* CreateClinic(grpc::CallbackServerContext* context,
                                         const v1::CreateClinicRequest* request,
                                         v1::CreateClinicResponse* response) override;
  grpc::ServerUnaryReactor* ListClinics(grpc::CallbackServerContext* context,
                                        const v1::ListClinicsRequest* request,
                                        v1::ListClinicsResponse* response) override;

 private:
  Store& store_;
  const Authorizer& auth_;
};

}  // namespace modalis
