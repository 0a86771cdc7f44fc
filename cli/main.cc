// modalis: the therapist's and operator's command line, over the same engine as modalisd.
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"modalis: session plans from assessment findings"};
  app.require_subcommand(1);
  modalis::cli::Common common;
  modalis::cli::Runner run;
  modalis::cli::AddPlanCommands(app, &common, &run);
  modalis::cli::AddRulesCommands(app, &common, &run);
  modalis::cli::AddGoldenCommands(app, &common, &run);
  modalis::cli::AddRuleSetCommands(app, &common, &run);
  modalis::cli::AddPluginCommands(app, &common, &run);
  modalis::cli::AddTokenCommands(app, &common, &run);
  modalis::cli::AddDbCommands(app, &common, &run);
  modalis::cli::AddClinicCommands(app, &common, &run);
  modalis::cli::AddProfileCommands(app, &common, &run);
  modalis::cli::AddExplainCommands(app, &common, &run);
  modalis::cli::AddEvidenceCommand(app, &common, &run);
  modalis::cli::AddStatusCommand(app, &common, &run);
  CLI11_PARSE(app, argc, argv);
  return run ? run() : 1;
}
