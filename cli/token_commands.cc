// modalis token add | list | remove: bearer tokens for client apps; only their hashes are stored.
#include <iostream>

#include "adapters/token_file.h"
#include "cli/commands.h"

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

int List(const std::string& file) {
  auto entries = ReadTokenFile(file);
  if (!entries.ok()) {
    std::cerr << "modalis: " << entries.status().message() << "\n";
    return 1;
  }
  // The start of each hash tells two tokens of one client apart; the token itself is not kept.
  for (const TokenEntry& e : *entries) {
    std::cout << e.name << "\t" << RoleName(e.role) << "\tsha256 " << e.sha256.substr(0, 12)
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

  CLI::App* list = token->add_subcommand("list", "the clients that have tokens, and their roles");
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
