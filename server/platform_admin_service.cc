#include "server/platform_admin_service.h"

#include <chrono>

#include "core/common/clinic_id.h"
#include "core/findings/findings.h"
#include "core/store/store.h"
#include "server/grpc_status.h"

namespace modalis {
namespace {

void ToProto(const ClinicRecord& in, v1::Clinic* out) {
  out->set_clinic_id(in.clinic_id);
  out->set_name(in.name);
  out->set_created_at_ms(in.created_at_ms);
}

}  // namespace

grpc::ServerUnaryReactor* PlatformAdminServiceImpl::CreateClinic(
    grpc::CallbackServerContext* context, const v1::CreateClinicRequest* request,
    v1::CreateClinicResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlatformAdmin/CreateClinic");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  // Checked here as well as by the store, so the client learns which field is wrong.
  absl::Status invalid = CheckClinicId(request->clinic_id());
  if (!invalid.ok()) {
    invalid = InvalidField("clinic_id", std::string(invalid.message()));
  } else if (request->name().size() > kMaxClinicNameBytes) {
    invalid = InvalidField(
        "name", "a clinic's name is at most " + std::to_string(kMaxClinicNameBytes) + " bytes");
  }
  if (!invalid.ok()) {
    reactor->Finish(ToGrpcStatus(invalid));
    return reactor;
  }
  ClinicRecord clinic{request->clinic_id(), request->name(),
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count()};
  ToProto(clinic, response->mutable_clinic());
  // Acknowledged only once committed, like every other write.
  store_.CreateClinicAsync(std::move(clinic), [reactor, response](absl::Status s) {
    if (!s.ok()) response->Clear();
    reactor->Finish(ToGrpcStatus(s));
  });
  return reactor;
}

grpc::ServerUnaryReactor* PlatformAdminServiceImpl::ListClinics(
    grpc::CallbackServerContext* context, const v1::ListClinicsRequest*,
    v1::ListClinicsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto caller = auth_.Authorize(*context, "/modalis.v1.PlatformAdmin/ListClinics");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  auto clinics = store_.ListClinics();
  if (!clinics.ok()) {
    reactor->Finish(ToGrpcStatus(clinics.status()));
    return reactor;
  }
  for (const ClinicRecord& c : *clinics) ToProto(c, response->add_clinics());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace modalis
