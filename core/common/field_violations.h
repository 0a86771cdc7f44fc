// INVALID_ARGUMENT that says which field is wrong: violations ride in the absl::Status as a
// payload, so any layer can name the field and the API adapters turn them into a
// google.rpc.BadRequest detail (server/grpc_status.h). Two kinds: findings (each violation's field
// is a vocabulary code) and the request's own fields (patient_ref, comment, ...).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace modalis {

struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT naming every bad finding ("invalid findings: a: …; b: …"), in the form the
// findings decoder returns, so a problem found before decoding reaches the client the same way.
absl::Status InvalidFindings(const std::vector<FieldViolation>& violations);
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// INVALID_ARGUMENT with `message` that carries `violations` the way InvalidFindings does, for a
// request field other than findings (`field` is then the request's field name).
absl::Status InvalidFields(std::string message, const std::vector<FieldViolation>& violations);
std::vector<FieldViolation> RequestFieldViolationsOf(const absl::Status& status);

// INVALID_ARGUMENT about one request field: `message` is the status's message and the violation's
// description, so a client sees the same words whichever it reads.
absl::Status InvalidField(std::string field, std::string message);

// A number as people write it in a message: 12, 10.5, 1e+300 (never 12.000000).
std::string NumberText(double value);

}  // namespace modalis
