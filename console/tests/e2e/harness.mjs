// What the end-to-end tests share: a real modalisd serving console/dist, tokens made with the
// modalis command line, Debian's Chromium driven by playwright-core (never a downloaded browser),
// axe-core, and screenshots. Everything listens on 127.0.0.1 only, every wait is bounded, and
// every process started here is stopped here.
import { spawn, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const here = path.dirname(fileURLToPath(import.meta.url));
export const consoleDir = path.resolve(here, "..", "..");
export const repoDir = path.resolve(consoleDir, "..");
// $CONSOLE_DIST: another build of the console (e.g. one made with vite build --outDir).
export const distDir = process.env.CONSOLE_DIST
  ? path.resolve(process.env.CONSOLE_DIST)
  : path.join(consoleDir, "dist");

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

function firstExisting(candidates) {
  return candidates.find((c) => existsSync(c));
}

/** modalisd: $MODALISD (relative to console/), else the release build's. */
export function modalisdPath() {
  const chosen = process.env.MODALISD
    ? path.resolve(consoleDir, process.env.MODALISD)
    : firstExisting([
        path.resolve(consoleDir, "../build/release/bin/modalisd"),
      ]);
  if (!chosen || !existsSync(chosen)) {
    throw new Error(`modalisd not found (set MODALISD; looked in ../build/release/bin)`);
  }
  return chosen;
}

/** The build directory modalisd belongs to (build/release), for its plugins and command line. */
function buildDir() {
  return path.resolve(path.dirname(realpathSync(modalisdPath())), "..");
}

export function pluginsDir() {
  return process.env.MODALIS_PLUGINS ? path.resolve(process.env.MODALIS_PLUGINS) : path.join(buildDir(), "plugins");
}

export function cliPath() {
  if (process.env.MODALIS_CLI) return path.resolve(process.env.MODALIS_CLI);
  const found = firstExisting([path.join(buildDir(), "bin", "modalis"), path.join(buildDir(), "cli", "modalis")]);
  if (!found) throw new Error(`the modalis command line is not in ${buildDir()}/bin or /cli (set MODALIS_CLI)`);
  return found;
}

export function tempDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), `modalis-console-${prefix}-`));
}

/**
 * A token file with one token per {name, role, clinic?} (no clinic: the default clinic's);
 * returns the file and each name's token.
 */
export function makeTokens(dir, clients) {
  const file = path.join(dir, "tokens.json");
  const tokens = {};
  for (const { name, role, clinic } of clients) {
    const args = ["token", "add", "--file", file, "--name", name, "--role", role];
    if (clinic) args.push("--clinic", clinic);
    const out = execFileSync(cliPath(), args, { encoding: "utf8", timeout: 10_000 });
    const token = /\bmt_[0-9a-f]+\b/.exec(out)?.[0];
    if (!token) throw new Error(`modalis token add printed no token: ${out}`);
    tokens[name] = token;
  }
  return { file, tokens };
}

/** A copy of rules/ in which `edit` may change the rule file (given and returning its JSON). */
export function copyRules(dir, edit) {
  const rules = path.join(dir, "rules");
  cpSync(path.join(repoDir, "rules"), rules, { recursive: true });
  const file = path.join(rules, "lower-back-pain.rules.json");
  const doc = JSON.parse(readFileSync(file, "utf8"));
  writeFileSync(file, JSON.stringify(edit(doc), null, 2));
  return rules;
}

/**
 * Starts modalisd on free loopback ports, serving console/dist, on a new database, or on `db`
 * when given (left in place), in which `clinics` are first created with `modalis clinic add`.
 * Resolves once it printed its HTTP address; `stop()` ends it (SIGTERM, then SIGKILL after 10 s)
 * and removes the files it made.
 */
export async function startModalisd({
  rules = path.join(repoDir, "rules"),
  tokenFile,
  db: givenDb,
  clinics = [],
} = {}) {
  if (!existsSync(path.join(distDir, "index.html"))) {
    throw new Error("console/dist is missing: run npm run build first");
  }
  const bin = modalisdPath();
  const help = execFileSync(bin, ["--help"], { encoding: "utf8", timeout: 10_000 });
  if (!help.includes("--console")) throw new Error(`${bin} has no --console flag: build the server first`);

  const dir = tempDir("server");
  const db = givenDb ?? path.join(dir, "modalis.db");
  for (const clinic of clinics) {
    execFileSync(cliPath(), ["clinic", "add", clinic, "--db", db], { encoding: "utf8", timeout: 10_000 });
  }
  const args = [
    "--listen", "127.0.0.1:0",
    "--http-listen", "127.0.0.1:0",
    "--rules", rules,
    "--plugins", pluginsDir(),
    "--db", db,
    "--console", distDir,
    "--watch-quiet-ms", "0",
    "--log-file", path.join(dir, "log.json"),
  ];
  if (tokenFile) args.push("--token-file", tokenFile);
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  // Should the test process end without running its after() hooks, modalisd ends with it.
  const orphanGuard = () => child.kill("SIGKILL");
  process.once("exit", orphanGuard);

  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`modalisd did not start in ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS);
    const check = () => {
      const m = /HTTP on (127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", check);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`modalisd exited (${code ?? signal}) before serving:\n${stderr}`));
    });
  });

  const stop = async () => {
    process.removeListener("exit", orphanGuard);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `http://${address}`, stop, stderr: () => stderr };
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Debian's Chromium with a fresh profile; `close()` also removes the profile. */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: apt-get install chromium`);
  const profile = tempDir("profile");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/**
 * A page that records what must never happen: a script error, or anything the
 * Content-Security-Policy refused. Expected refusals (a 401 before sign-in, a 403 for a role)
 * appear as "Failed to load resource" and are not problems.
 */
export async function watchedPage(context) {
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (/^Failed to load resource: the server responded with a status of (401|403)/.test(text)) return;
    problems.push(`console error: ${text}`);
  });
  return { page, problems };
}

export const screenshotDir = path.resolve(process.env.CONSOLE_SCREENSHOTS ?? path.join(consoleDir, "test-output"));

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  // What a person sees first at the window's size: also what docs/console.md shows.
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** Runs axe on the page; throws listing every serious or critical violation. */
export async function checkAccessibility(page, label) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length > 0) {
    const lines = bad.map(
      (v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join("\n  ")}`,
    );
    throw new Error(`axe on ${label}: ${bad.length} serious or critical violations\n${lines.join("\n")}`);
  }
  return result;
}
