// Early-return helpers for absl::Status / absl::StatusOr, in the style of cel-cpp's status_macros.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MODALIS_CONCAT_INNER(a, b) a##b
#define MODALIS_CONCAT(a, b) MODALIS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status modalis_status_ = (expr);           \
    if (!modalis_status_.ok()) return modalis_status_; \
  } while (false)

#define ASSIGN_OR_RETURN_IMPL(var, lhs, expr)    \
  auto var = (expr);                             \
  if (!var.ok()) return std::move(var).status(); \
  lhs = std::move(var).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(MODALIS_CONCAT(modalis_statusor_, __LINE__), lhs, expr)
