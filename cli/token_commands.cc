// modalis token add: mints a bearer token for a client app and stores only its hash.
#include <iostream>

#include "cli/commands.h"
#include "server/token_file.h"

namespace modalis::cli {
namespace {

int Add(const std::string& file, const std::string& name, const std::string& role_name) {
  auto role = ParseRole(role_name);
  if (!role) {
    std::cerr << "modalis: role must be booking, notes or admin\n";
    return 2;
  }
  auto token = AddToken(file, name, *role);
  if (!token.ok()) {
    std::cerr << "modalis: " << token.status().message() << "\n";
    return 1;
  }
  std::cerr << "added " << name << " (" << role_name << ") to " << file
            << "; the token is shown only now:\n";
  std::cout << *token << "\n";
  return 0;
}

}  // namespace

void AddTokenCommands(CLI::App& app, Common*, Runner* run) {
  struct Args {
    std::string file = "var/tokens.json";
    std::string name;
    std::string role;
  };
  auto args = std::make_shared<Args>();
  CLI::App* token = app.add_subcommand("token", "bearer tokens for client apps");
  token->require_subcommand(1);
  CLI::App* add = token->add_subcommand("add", "mint a token; prints it once, stores its hash");
  add->add_option("--file", args->file, "token file modalisd reads (--token-file)")
      ->capture_default_str();
  add->add_option("--name", args->name, "client name, e.g. booking-app")->required();
  add->add_option("--role", args->role, "booking, notes or admin")->required();
  add->callback([=] { *run = [=] { return Add(args->file, args->name, args->role); }; });
}

}  // namespace modalis::cli
