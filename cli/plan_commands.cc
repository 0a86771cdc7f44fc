// modalis suggest: the plan for a findings file, readable or as the API's JSON.
#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/plan_proto.h"
#include "cli/commands.h"
#include "cli/plan_text.h"
#include "cli/rule_candidate.h"
#include "core/engine.h"

namespace modalis::cli {
namespace {

int Suggest(const Common& common, const std::string& file, bool as_json) {
  FindingsFile input;
  if (!ReadFindingsFile(file, &input)) return 1;
  const nlohmann::json& findings = input.findings;
  const PlanRequest& request = input.request;
  auto engine = EngineForReading(common);
  if (engine == nullptr) return 1;
  auto plan = engine->Suggest(findings, request);
  if (!plan.ok()) {
    std::cerr << "modalis: " << plan.status().message() << "\n";
    return 1;
  }
  if (as_json) {
    v1::Plan proto;
    PlanToProto(*plan, &proto);
    std::cout << MessageToJson(proto) << "\n";
  } else {
    std::cout << PlanToText(*plan);
  }
  return 0;
}

}  // namespace

void AddPlanCommands(CLI::App& app, Common* common, Runner* run) {
  struct Args {
    std::string file;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* suggest = app.add_subcommand("suggest", "print the plan for a findings file");
  AddCommonOptions(suggest, common);
  suggest->add_option("FILE", args->file, "findings JSON file")->required();
  suggest->add_flag("--json", args->json, "print the proto3 JSON of the Plan message");
  suggest->callback([=] { *run = [=] { return Suggest(*common, args->file, args->json); }; });
}

}  // namespace modalis::cli
