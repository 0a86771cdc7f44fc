// modalis token add | list | remove: bearer tokens for client apps; only their hashes are stored.
#include <iostream>
#include <optional>

#include "adapters/token_file.h"
#include "cli/commands.h"
#include "core/common/clinic_id.h"

namespace modalis::cli {
namespace {

// `clinic` is nullopt when --clinic was not given: the default clinic, or none for the operator.
int Add(const std::string& file, const std::string& name, const std::string& role_name,
        const std::optional<std::string>& clinic) {
  auto role = ParseRole(role_name);
  if (!role) {
    std::cerr << "modalis: role must be booking, notes, admin or operator\n";
    return 2;
  }
  if (*role == Role::kOperator && clinic) {
    std::cerr << "modalis: an operator token belongs to no clinic; leave out --clinic\n";
    return 2;
  }
  if (clinic) {
    if (absl::Status s = CheckClinicId(*clinic); !s.ok()) {
      std::cerr << "modalis: --clinic: " << s.message() << "\n";
      return 2;
    }
  }
  const std::string clinic_id =
      *role == Role::kOperator ? "" : clinic.value_or(std::string(kDefaultClinic));
  auto token = AddToken(file, name, *role, clinic_id);
  if (!token.ok()) {
    std::cerr << "modalis: " << token.status().message() << "\n";
    return 1;
  }
  std::cerr << "added " << name << " (" << role_name;
  if (!clinic_id.empty()) std::cerr << ", clinic " << clinic_id;
  std::cerr << ") to " << file << "; the token is shown only now:\n";
  std::cout << *token << "\n";
  return 0;
}

int List(const std::string& file) {
  auto entries = ReadTokenFile(file);
  if (!entries.ok()) {
    std::cerr << "modalis: " << entries.status().message() << "\n";
    return 1;
  }
  // The start of each hash tells two tokens of one client apart; the token itself is not kept.
  for (const TokenEntry& e : *entries) {
    std::cout << e.name << "\t" << RoleName(e.role) << "\t"
              << (e.clinic_id.empty() ? "-" : e.clinic_id) << "\tsha256 " << e.sha256.substr(0, 12)
              << "…\n";
  }
  return 0;
}

int Remove(const std::string& file, const std::string& name) {
  if (absl::Status s = RemoveTokens(file, name); !s.ok()) {
    std::cerr << "modalis: " << s.message() << "\n";
    return 1;
  }
  std::cerr << "removed every token of " << name << " from " << file
            << "; restart modalisd for it to take effect\n";
  return 0;
}

}  // namespace

void AddTokenCommands(CLI::App& app, Common*, Runner* run) {
  struct Args {
    std::string file = "var/tokens.json";
    std::string name;
    std::string role;
    std::string clinic;
  };
  auto args = std::make_shared<Args>();
  CLI::App* token = app.add_subcommand("token", "bearer tokens for client apps");
  token->require_subcommand(1);
  CLI::App* add = token->add_subcommand("add", "mint a token; prints it once, stores its hash");
  add->add_option("--file", args->file, "token file modalisd reads (--token-file)")
      ->capture_default_str();
  add->add_option("--name", args->name, "client name, e.g. booking-app")->required();
  add->add_option("--role", args->role, "booking, notes, admin or operator (the platform's)")
      ->required();
  CLI::Option* clinic =
      add->add_option("--clinic", args->clinic,
                      "the clinic the client belongs to (default: default); not for operator");
  add->callback([=] {
    const std::optional<std::string> given =
        clinic->count() > 0 ? std::optional(args->clinic) : std::nullopt;
    *run = [=] { return Add(args->file, args->name, args->role, given); };
  });

  CLI::App* list =
      token->add_subcommand("list", "the clients that have tokens, their roles and clinics");
  list->add_option("--file", args->file, "token file modalisd reads (--token-file)")
      ->capture_default_str();
  list->callback([=] { *run = [=] { return List(args->file); }; });

  auto name = std::make_shared<std::string>();
  CLI::App* remove = token->add_subcommand("remove", "revoke every token of one client");
  remove->add_option("--file", args->file, "token file modalisd reads (--token-file)")
      ->capture_default_str();
  remove->add_option("NAME", *name, "the client name, as in token list")->required();
  remove->callback([=] { *run = [=] { return Remove(args->file, *name); }; });
}

}  // namespace modalis::cli
