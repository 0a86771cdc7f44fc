#!/usr/bin/env python3
"""Checks every #include in core/, adapters/, server/ and cli/ against the layers of docs/architecture.md.

The CMake libraries in core/CMakeLists.txt keep a layer from linking code above it; this keeps a
layer from even including a header above it (a header-only type would otherwise slip through), and
keeps third-party libraries where they belong. Prints every violation as FILE:LINE and exits 1.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Which project headers each part of core/ may include, besides its own directory's. A pattern
# ending in "/" is a whole directory. Mirrors the target_link_libraries of core/CMakeLists.txt.
CORE_LAYERS = {
    "common": [],
    "findings": ["common/"],
    "modality": ["common/", "findings/"],
    "rules": ["common/", "findings/", "modality/"],
    "plan": ["common/", "findings/", "modality/", "rules/"],
    # The store keeps plans and outcomes: the plan's data, never the compiled rule set.
    "store": ["common/", "rules/care.h", "plan/plan.h", "plan/plan_json.h"],
    "store/sqlite": ["common/", "rules/care.h", "plan/plan.h", "plan/plan_json.h", "store/"],
    "store/postgres": ["common/", "rules/care.h", "plan/plan.h", "plan/plan_json.h", "store/"],
    "plugins": ["common/", "findings/", "modality/"],
    ".": ["common/", "findings/", "modality/", "rules/", "plan/", "plugins/"],  # core/engine.*
    # Publishing joins the engine (what serves) and the store (what was published and activated).
    "publishing": ["common/", "findings/", "modality/", "rules/", "plan/", "plugins/", "engine.h",
                   "store/"],
    # The synthetic clinic plans with the engine and writes through the store, as modalisd does.
    "demo": ["common/", "findings/", "modality/", "rules/", "plan/", "plugins/", "engine.h",
             "store/"],
}

# Third-party headers and the only places that may use them.
THIRD_PARTY = [
    (re.compile(r"^(grpc|grpcpp|google/protobuf)/"), ["adapters/", "server/", "cli/"]),
    (re.compile(r"^proto/|\.pb\.h$"), ["adapters/", "server/", "cli/"]),
    (re.compile(r"^(CLI/|spdlog/)"), ["server/", "cli/"]),
    (re.compile(r"^SQLiteCpp/|^sqlite3\.h$"), ["core/store/sqlite/"]),
    (re.compile(r"^pqxx/|^libpq-fe\.h$"), ["core/store/postgres/"]),
    (re.compile(r"^boost/dll"), ["core/plugins/"]),
    (re.compile(r"^valijson/"), ["core/plugins/"]),
    (re.compile(r"^(csignal|signal\.h)$"), ["server/", "cli/"]),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def layer_of(rel):
    parts = rel.parts  # ("core", "store", "sqlite", "x.cc")
    if len(parts) == 2:
        return "."
    if parts[1] == "store" and len(parts) > 3 and parts[2] in ("sqlite", "postgres"):
        return "store/" + parts[2]
    return parts[1]


def allowed_in_core(layer, header):
    inner = header[len("core/"):]
    own = "" if layer == "." else layer + "/"
    if layer == "." and "/" not in inner:
        return True
    if layer == "store/sqlite" and inner.startswith("store/sqlite/"):
        return True
    if own and inner.startswith(own) and not (layer == "store" and inner.startswith("store/sqlite/")):
        return True
    for pattern in CORE_LAYERS[layer]:
        if inner == pattern or (pattern.endswith("/") and inner.startswith(pattern)
                                and "/" not in inner[len(pattern):]):
            return True
    return False


def check(root):
    problems = []
    for top in ("core", "adapters", "server", "cli"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".h", ".cc"):
                continue
            rel = path.relative_to(root)
            for number, line in enumerate(path.read_text().splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                header = m.group(2)
                where = f"{rel}:{number}"
                for pattern, places in THIRD_PARTY:
                    if pattern.search(header) and not any(str(rel).startswith(p) for p in places):
                        problems.append(f"{where}: <{header}> belongs only in {', '.join(places)}")
                if top in ("core", "adapters") and header.startswith(("server/", "cli/")):
                    problems.append(f"{where}: {top}/ includes {header}; it knows no door")
                elif top == "core" and header.startswith("adapters/"):
                    problems.append(f"{where}: core/ includes {header}; core knows no adapter")
                elif top == "core" and header.startswith("core/"):
                    layer = layer_of(rel)
                    if not allowed_in_core(layer, header):
                        problems.append(f"{where}: layer '{layer}' may not include {header} "
                                        f"(may use: {', '.join(CORE_LAYERS[layer]) or 'nothing'})")
                elif top == "cli" and header.startswith("server/"):
                    problems.append(f"{where}: cli/ includes {header}; shared adapters live in "
                                    "adapters/, which both link")
    return problems


def main():
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) cross a layer boundary (docs/architecture.md)")
        return 1
    print("layers ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
