#!/usr/bin/python3
"""Runs the examples in Modalis's Markdown documentation, so a doc cannot drift from the product.

  doc_examples.py --bin DIR --plugins DIR [--stage main|sdk] [--build DIR] FILE.md...

Every fenced block of commands (```sh, ```bash, ```console) must say what it is, in an HTML
comment on the line just before it:

  <!-- example: run -->               run it with bash (set -e), in a scratch copy of the project
  <!-- example: not-run: WHY -->      shown, not run; WHY is required (an editor, a 12-minute build)
  <!-- example: file PATH -->         write the block to PATH in the scratch copy (code, rules)
  <!-- example: rule -->              a rule object: compiled into a copy of the shipped rules
  <!-- example: course-rule -->       a course rule: compiled the same way, among the course rules
  <!-- example: condition -->         a rule's "when": compiled as a rule of its own
  <!-- example: constraints -->       vocabulary constraints: compiled into a copy of the vocabulary
  <!-- example: cases -->             a golden-case file: run against the shipped rules, must pass

A `run` may add clauses, separated by ";":
  given COMMAND          run COMMAND first (not shown in the doc), e.g. to make a file it edits;
                         last, since COMMAND may hold ";"
  fresh                  put the shipped rules back in rules/ first (an earlier example changed them)
  capture NAME=PATH      after it ran, set $NAME to the value at PATH (a.b.0.c) of its JSON output
  replace TEXT => VALUE  run the block with TEXT replaced (VALUE may use $NAME and $WORK)
  exit N                 it must exit with status N (default 0)
  stage sdk              run only in the SDK stage (it needs a C++ toolchain and minutes)

A block that directly follows a `run` (```json or ```text) is its expected output. JSON is compared
by shape: every key shown must be there with the value shown, `…` stands for anything (a whole
value, the rest of a string, or more list items), and numbers match at the precision shown. Text
is compared line by line, `…` matching anything within a line and a line of only `…` any lines.

The commands run with the build's binaries first on PATH (and build/release/bin pointing at them),
a modalisd started for each file on a free loopback port ($MODALIS_ADDRESS, which scripts/call and
`modalis status` read; its HTTP listener on $MODALIS_HTTP), the rules copied to rules/, the database in var/, and EDITOR=true.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ELLIPSIS = "\u2026"
COMMAND_LANGS = {"sh", "bash", "shell", "console"}
DIRECTIVE = re.compile(r"^<!--\s*example:\s*(.*?)\s*-->\s*$")


class Block:
    def __init__(self, path, line, lang, text, directive):
        self.path, self.line, self.lang, self.text, self.directive = path, line, lang, text, directive
        self.kind, self.clauses = parse_directive(directive)

    def where(self):
        return "%s:%d" % (os.path.relpath(self.path, ROOT), self.line)


def parse_directive(directive):
    if directive is None:
        return None, []
    # `given` takes the rest of the directive: its command may have ";" of its own.
    before, given, command = directive.partition("given ")
    if given and before.strip() and not before.strip().endswith(";"):
        before, command = directive, ""
    parts = [p.strip() for p in before.split(";") if p.strip()]
    if command:
        parts.append("given " + command)
    head = parts[0] if parts else ""
    return head, parts[1:]


def read_blocks(path):
    """The fenced blocks of a Markdown file, each with the directive on the line before it."""
    blocks = []
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        fence = re.match(r"^(```+)(.*)$", lines[i])
        if not fence:
            i += 1
            continue
        marker, lang = fence.group(1), fence.group(2).strip()
        if " " in lang:
            raise SystemExit("%s:%d: a fence with text after its language: %r"
                             % (os.path.relpath(path, ROOT), i + 1, lines[i]))
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != marker:
            j += 1
        if j == len(lines):
            raise SystemExit("%s:%d: a fence that is never closed" % (os.path.relpath(path, ROOT), i + 1))
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        m = DIRECTIVE.match(lines[k]) if k >= 0 else None
        block = Block(path, i + 1, lang, "\n".join(lines[i + 1:j]) + "\n", m.group(1) if m else None)
        # The output of the block before: only blank lines between them.
        block.follows = bool(blocks) and blocks[-1].end_line == k + 1 and m is None
        block.end_line = j + 1
        blocks.append(block)
        i = j + 1
    return blocks


# --- JSON with ellipses ------------------------------------------------------------------------

class Wild:
    """`…` standing for a value, or for more items in a list."""

    def __repr__(self):
        return "…"


WILD_TOKEN = "\u2026WILD\u2026"


def parse_shown_json(text):
    """Parses JSON as a doc shows it, `…` allowed where a value, an item or more keys would be."""
    out, stack, i, in_string = [], [], 0, False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
            i += 1
            continue
        if c == '"':
            in_string = True
        elif c in "[{":
            stack.append(c)
        elif c in "]}":
            stack.pop()
        if c == ELLIPSIS:
            # Skip the rest of this item, e.g. "…as above…", up to the next , ] or } at this depth.
            depth, j = 0, i + 1
            while j < len(text):
                if text[j] in "[{":
                    depth += 1
                elif text[j] in "]}":
                    if depth == 0:
                        break
                    depth -= 1
                elif text[j] == "," and depth == 0:
                    break
                j += 1
            token = json.dumps(WILD_TOKEN)
            # In an object, `…` after a key is that key's value; elsewhere it is more keys.
            is_value = "".join(out).rstrip().endswith(":")
            more_keys = stack and stack[-1] == "{" and not is_value
            out.append(token + ": " + token if more_keys else token)
            i = j
            continue
        out.append(c)
        i += 1
    return convert_wild(json.loads("".join(out)))


def convert_wild(value):
    if value == WILD_TOKEN:
        return Wild()
    if isinstance(value, list):
        return [convert_wild(v) for v in value]
    if isinstance(value, dict):
        return {k: convert_wild(v) for k, v in value.items() if k != WILD_TOKEN}
    return value


def mismatch(shown, actual, at="$"):
    """None when `actual` has the shape `shown`, else where and how it differs."""
    if isinstance(shown, Wild):
        return None
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return "%s: shown an object, got %s" % (at, json.dumps(actual)[:200])
        for key, value in shown.items():
            if key not in actual:
                return "%s: no field %r (fields: %s)" % (at, key, ", ".join(actual))
            problem = mismatch(value, actual[key], at + "." + key)
            if problem:
                return problem
        return None
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return "%s: shown a list, got %s" % (at, json.dumps(actual)[:200])
        return list_mismatch(shown, actual, at)
    if isinstance(shown, str) and ELLIPSIS in shown:
        pattern = ".*".join(re.escape(part) for part in shown.split(ELLIPSIS))
        if isinstance(actual, str) and re.fullmatch(pattern, actual, re.S):
            return None
        return "%s: shown %s, got %s" % (at, json.dumps(shown), json.dumps(actual)[:200])
    if isinstance(shown, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        decimals = len(repr(shown).split(".")[1]) if "." in repr(shown) else 0
        if round(actual, decimals) == shown:
            return None
    elif type(shown) is type(actual) and shown == actual:
        return None
    elif isinstance(shown, int) and isinstance(actual, float) and not isinstance(shown, bool) \
            and actual == shown:
        return None
    return "%s: shown %s, got %s" % (at, json.dumps(shown), json.dumps(actual)[:200])


def list_mismatch(shown, actual, at):
    """Items in order; a `…` item matches any run of items (none included)."""
    def match(s, a):
        if s == len(shown):
            return a == len(actual)
        if isinstance(shown[s], Wild):
            return any(match(s + 1, k) for k in range(a, len(actual) + 1))
        return a < len(actual) and mismatch(shown[s], actual[a]) is None and match(s + 1, a + 1)

    if match(0, 0):
        return None
    for index, item in enumerate(shown):
        if isinstance(item, Wild):
            break
        if index >= len(actual):
            return "%s: shown %d items, got %d" % (at, len(shown), len(actual))
        problem = mismatch(item, actual[index], "%s[%d]" % (at, index))
        if problem:
            return problem
    return "%s: shown %d items (%s), got %d: %s" % (at, len(shown), shown, len(actual),
                                                    json.dumps(actual)[:300])


def text_mismatch(shown, actual):
    shown_lines = [l.rstrip() for l in shown.rstrip("\n").split("\n")]
    actual_lines = [l.rstrip() for l in actual.rstrip("\n").split("\n")]

    def line_matches(s, a):
        pattern = ".*".join(re.escape(part) for part in s.split(ELLIPSIS))
        return re.fullmatch(pattern, a) is not None

    def match(s, a):
        if s == len(shown_lines):
            return a == len(actual_lines)
        if shown_lines[s].strip() == ELLIPSIS:
            return any(match(s + 1, k) for k in range(a, len(actual_lines) + 1))
        return a < len(actual_lines) and line_matches(shown_lines[s], actual_lines[a]) \
            and match(s + 1, a + 1)

    if match(0, 0):
        return None
    for s, a in zip(shown_lines, actual_lines):
        if s.strip() == ELLIPSIS:
            break
        if not line_matches(s, a):
            return "first difference:\n  shown: %s\n  got:   %s" % (s, a)
    return "shown %d lines, got %d" % (len(shown_lines), len(actual_lines))


# --- the scratch project -----------------------------------------------------------------------

class Workspace:
    def __init__(self, args, name):
        self.dir = tempfile.mkdtemp(prefix="modalis-doc-%s-" % name)
        self.args = args
        for part in ("scripts", "proto", "tests"):
            os.symlink(os.path.join(ROOT, part), os.path.join(self.dir, part))
        shutil.copytree(os.path.join(ROOT, "rules"), os.path.join(self.dir, "rules"))
        os.makedirs(os.path.join(self.dir, "var"))
        os.makedirs(os.path.join(self.dir, "build"))
        # build/release is the build tree when there is one (`cmake --install build/release`),
        # else just its binaries.
        if args.build:
            os.symlink(args.build, os.path.join(self.dir, "build", "release"))
        else:
            os.makedirs(os.path.join(self.dir, "build", "release"))
            os.symlink(args.bin, os.path.join(self.dir, "build", "release", "bin"))
        self.env = dict(os.environ, PATH=args.bin + ":" + os.environ["PATH"], EDITOR="true",
                        WORK=self.dir, MODALIS_SOURCE=ROOT)
        if args.build:
            self.env["MODALIS_BUILD"] = args.build
        self.server = None

    def start_server(self):
        log = open(os.path.join(self.dir, "var", "modalisd.log"), "w")
        self.server = subprocess.Popen(
            [os.path.join(self.args.bin, "modalisd"), "--rules", "rules", "--plugins",
             self.args.plugins, "--db", "var/modalis.db", "--listen", "127.0.0.1:0",
             "--http-listen", "127.0.0.1:0", "--watch-quiet-ms", "200"],
            cwd=self.dir, stdout=subprocess.PIPE, stderr=log, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.server.stdout.readline()
            if not line:
                break
            m = re.match(r"modalisd listening on (\S+) ", line)
            if m:
                self.env["MODALIS_ADDRESS"] = m.group(1)
                http = re.search(r"HTTP on (\S+)$", line.strip())
                if http:
                    self.env["MODALIS_HTTP"] = http.group(1)
                return
        raise SystemExit("modalisd did not start:\n" + open(log.name).read())

    def close(self, keep):
        if self.server:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
        if keep:
            print("kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def bash(self, script, timeout):
        return subprocess.run(["bash", "-c", "set -eo pipefail\n" + script], cwd=self.dir,
                              env=self.env, capture_output=True, text=True, timeout=timeout)


def json_path(value, path):
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


class Runner:
    def __init__(self, args):
        self.args = args
        self.failures = []
        self.ran = 0

    def fail(self, block, message):
        self.failures.append("%s: %s" % (block.where(), message))

    def run_file(self, path):
        blocks = read_blocks(path)
        for b in blocks:
            if b.lang in COMMAND_LANGS and b.kind is None and not b.follows:
                self.fail(b, "a command block without <!-- example: run --> or "
                             "<!-- example: not-run: why --> before it")
            if b.kind is not None and b.kind.startswith("not-run") and \
                    not b.kind.partition(":")[2].strip():
                self.fail(b, "not-run needs a reason: <!-- example: not-run: why -->")
        todo = [b for b in blocks if self.in_stage(b)]
        if not todo:
            return
        ws = Workspace(self.args, os.path.splitext(os.path.basename(path))[0])
        try:
            if self.args.stage == "main":
                ws.start_server()
            last = None
            for b in blocks:
                if b.follows and last is not None:
                    self.compare(last[0], last[1], b)
                    last = None
                    continue
                last = None
                if not self.in_stage(b):
                    continue
                if b.kind.startswith("file "):
                    target = os.path.join(ws.dir, b.kind[5:].strip())
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "w") as f:
                        f.write(b.text)
                elif b.kind in ("rule", "course-rule", "condition", "constraints", "cases"):
                    self.check_rule_snippet(ws, b)
                elif b.kind == "run":
                    result = self.run_block(ws, b)
                    if result is not None:
                        last = (b, result)
                else:
                    self.fail(b, "unknown example directive %r" % b.directive)
        finally:
            ws.close(self.args.keep)

    def in_stage(self, b):
        if b.kind is None or b.kind.startswith("not-run"):
            return False
        stage = "sdk" if "stage sdk" in b.clauses else "main"
        return stage == self.args.stage

    def run_block(self, ws, b):
        script, expected_exit = b.text, 0
        for clause in b.clauses:
            if clause.startswith("replace "):
                text, _, value = clause[8:].partition("=>")
                script = script.replace(text.strip(), expand(value.strip(), ws.env))
            elif clause.startswith("exit "):
                expected_exit = int(clause[5:])
        transcript = b.lang == "console" or script.startswith("$ ")
        if transcript:
            return self.run_transcript(ws, b, script)
        if "fresh" in b.clauses:
            shutil.rmtree(os.path.join(ws.dir, "rules"))
            shutil.copytree(os.path.join(ROOT, "rules"), os.path.join(ws.dir, "rules"))
        for clause in b.clauses:
            if clause.startswith("given "):
                given = ws.bash(clause[6:], 60)
                if given.returncode != 0:
                    self.fail(b, "`given` failed: %s" % given.stderr.strip())
                    return None
        self.ran += 1
        try:
            result = ws.bash(script, self.args.timeout)
        except subprocess.TimeoutExpired:
            self.fail(b, "did not finish in %d s" % self.args.timeout)
            return None
        if result.returncode != expected_exit:
            self.fail(b, "exited %d (expected %d)\n--- stdout\n%s--- stderr\n%s" %
                      (result.returncode, expected_exit, result.stdout, result.stderr))
            return None
        for clause in b.clauses:
            if clause.startswith("capture "):
                name, _, path = clause[8:].partition("=")
                try:
                    ws.env[name.strip()] = str(json_path(json.loads(result.stdout), path.strip()))
                except (ValueError, KeyError, IndexError, TypeError) as e:
                    self.fail(b, "cannot capture %s from its output (%s):\n%s" %
                              (path, e, result.stdout[:500]))
        return result

    def run_transcript(self, ws, b, script):
        """`$ command` lines, each followed by the output it must print."""
        command, shown = None, []

        def finish():
            if command is None:
                return
            self.ran += 1
            result = ws.bash(command, self.args.timeout)
            problem = text_mismatch("\n".join(shown), result.stdout + result.stderr)
            if problem:
                self.fail(b, "`%s`: %s\n--- printed\n%s%s" % (command, problem, result.stdout,
                                                               result.stderr))

        for line in script.rstrip("\n").split("\n"):
            if line.startswith("$ "):
                finish()
                command, shown = line[2:], []
            else:
                shown.append(line)
        finish()
        return None

    def compare(self, run_block, result, b):
        # JSON replies are standard output; a text block shows what a terminal would.
        output = result.stdout if b.lang == "json" else result.stdout + result.stderr
        if b.lang == "json":
            try:
                shown = parse_shown_json(b.text)
            except ValueError as e:
                self.fail(b, "the shown output is not JSON, even with … for values: %s" % e)
                return
            try:
                actual = json.loads(output)
            except ValueError:
                self.fail(b, "%s printed something that is not JSON:\n%s" % (run_block.where(), output))
                return
            problem = mismatch(shown, actual)
        else:
            problem = text_mismatch(b.text, output)
        if problem:
            self.fail(b, "the output of %s differs from the doc: %s\n--- printed\n%s" %
                      (run_block.where(), problem, output[:3000]))

    def check_rule_snippet(self, ws, b):
        """Compiles a rule, a condition or constraints shown in a doc, with the shipped rules."""
        self.ran += 1
        try:
            snippet = json.loads("[" + b.text + "]" if b.kind == "constraints" else
                                 "{" + b.text + "}" if b.kind == "condition" else b.text)
        except ValueError as e:
            self.fail(b, "not valid JSON: %s" % e)
            return
        rules_dir = os.path.join(ws.dir, "snippet-rules")
        shutil.rmtree(rules_dir, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "rules"), rules_dir)
        manifest = json.load(open(os.path.join(rules_dir, "modalis.json")))
        rules_path = os.path.join(rules_dir, manifest["rules"])
        rules = json.load(open(rules_path))
        if b.kind == "cases":
            with open(os.path.join(rules_dir, "doc-example.cases.json"), "w") as f:
                f.write(b.text)
            cases = manifest.get("cases", [])
            manifest["cases"] = (cases if isinstance(cases, list) else [cases]) + ["doc-example.cases.json"]
            json.dump(manifest, open(os.path.join(rules_dir, "modalis.json"), "w"), indent=1)
        elif b.kind == "constraints":
            vocab_path = os.path.join(rules_dir, manifest["vocabulary"])
            vocab = json.load(open(vocab_path))
            ids = {c["id"] for c in snippet}
            vocab["constraints"] = [c for c in vocab.get("constraints", []) if c["id"] not in ids] + snippet
            json.dump(vocab, open(vocab_path, "w"), indent=1)
        else:
            rule = snippet if b.kind in ("rule", "course-rule") else {
                "id": "doc.example.condition", "description": "a condition from the docs",
                "source": "docs", "when": snippet["when"], "then": [{"advise": "stay_active"}]}
            section = "course_rules" if b.kind == "course-rule" else "rules"
            # In place of the shipped rule with its id (course rules are tried in order), else new.
            ids = [r["id"] for r in rules[section]]
            if rule["id"] in ids:
                rules[section][ids.index(rule["id"])] = rule
            elif section == "course_rules":
                rules[section].insert(0, rule)
            else:
                rules[section].append(rule)
            json.dump(rules, open(rules_path, "w"), indent=1)
        command = "test" if b.kind == "cases" else "check"
        result = subprocess.run([os.path.join(self.args.bin, "modalis"), "rules", command, "--rules",
                                 rules_dir, "--plugins", self.args.plugins],
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            self.fail(b, "does not compile with the shipped rules:\n%s%s" % (result.stdout,
                                                                              result.stderr))


def expand(value, env):
    return re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), m.group(0)), value)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--bin", required=True, help="directory with modalis and modalisd")
    parser.add_argument("--plugins", required=True, help="the built plugins directory")
    parser.add_argument("--build", help="the build tree (for examples that install from it)")
    parser.add_argument("--stage", choices=("main", "sdk"), default="main")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per block")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directories")
    args = parser.parse_args()
    args.bin, args.plugins = os.path.abspath(args.bin), os.path.abspath(args.plugins)
    if args.build:
        args.build = os.path.abspath(args.build)
    runner = Runner(args)
    for path in args.files:
        runner.run_file(os.path.abspath(path))
    for failure in runner.failures:
        print("FAIL " + failure + "\n")
    print("%d examples run from %d files (%s stage), %d failed" %
          (runner.ran, len(args.files), args.stage, len(runner.failures)))
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main())
