#!/usr/bin/env python3
"""The layer check itself: each kind of violation in a small tree is caught, a clean tree passes."""
import pathlib
import subprocess
import sys
import tempfile

CHECK = pathlib.Path(__file__).with_name("check_includes.py")

CASES = {
    "clean": ({"core/plan/planner.cc": '#include "core/rules/rule_set.h"\n',
               "core/store/progress.h": '#include "core/rules/care.h"\n#include "core/plan/plan.h"\n',
               "cli/main.cc": '#include "adapters/plan_proto.h"\n#include <grpcpp/grpcpp.h>\n'}, None),
    "upwards": ({"core/rules/compiler.cc": '#include "core/plan/planner.h"\n'},
                "layer 'rules' may not include core/plan/planner.h"),
    "store sees compiled rules": ({"core/store/records.h": '#include "core/rules/rule_set.h"\n'},
                                  "layer 'store' may not include core/rules/rule_set.h"),
    "rules reach the plugin host": ({"core/rules/compiler.h": '#include "core/plugins/plugin_host.h"\n'},
                                    "may not include core/plugins/plugin_host.h"),
    "grpc in core": ({"core/engine.cc": '#include <grpcpp/grpcpp.h>\n'}, "belongs only in"),
    "sqlite outside the sqlite store": ({"core/store/progress.cc": '#include <SQLiteCpp/Database.h>\n'},
                                        "belongs only in core/store/sqlite/"),
    "cli includes server": ({"cli/main.cc": '#include "server/options.h"\n'}, "cli/ includes server/options.h"),
    "adapters include server": ({"adapters/x.cc": '#include "server/auth.h"\n'}, "adapters/ includes"),
}


def run(files):
    with tempfile.TemporaryDirectory() as root:
        for top in ("core", "adapters", "server", "cli"):
            pathlib.Path(root, top).mkdir()
        for name, text in files.items():
            path = pathlib.Path(root, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        done = subprocess.run([sys.executable, str(CHECK), root], capture_output=True, text=True)
        return done.returncode, done.stdout


def main():
    failures = 0
    for name, (files, expected) in CASES.items():
        code, out = run(files)
        ok = code == 0 if expected is None else (code == 1 and expected in out)
        if not ok:
            failures += 1
            print(f"FAIL {name}: exit {code}\n{out}")
    print(f"{len(CASES) - failures} of {len(CASES)} cases pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
