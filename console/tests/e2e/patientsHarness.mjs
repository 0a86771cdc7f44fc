// What the Patients and Evidence tests add to harness.mjs: a modalisd on a database that already
// holds a second clinic (made with `modalis clinic add` before the server starts), tokens of either
// clinic, calls to the Connect JSON API as a notes app makes them, and a page that also records
// every Content-Security-Policy violation the browser reports.
import { spawn, execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import {
  checkAccessibility,
  cliPath,
  distDir,
  modalisdPath,
  pluginsDir,
  repoDir,
  screenshot,
  tempDir,
} from "./harness.mjs";

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const CALL_TIMEOUT_MS = 15_000;

/** A token file with one token per {name, role, clinic?}; returns the file and each name's token. */
export function makeClinicTokens(dir, clients) {
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

/**
 * Starts modalisd as harness.mjs's startModalisd does, on a database in which `clinics` were
 * created first with `modalis clinic add`: a new one, or `db` when given (which is left in place).
 * `stop()` ends it and removes the files it made.
 */
export async function startModalisdWithClinics({ tokenFile, clinics = [], db: givenDb } = {}) {
  if (!existsSync(path.join(distDir, "index.html"))) {
    throw new Error(`${distDir} has no index.html: build the console first`);
  }
  const bin = modalisdPath();
  const dir = tempDir("server");
  const db = givenDb ?? path.join(dir, "modalis.db");
  for (const clinic of clinics) {
    execFileSync(cliPath(), ["clinic", "add", clinic, "--db", db], { encoding: "utf8", timeout: 10_000 });
  }
  const args = [
    "--listen", "127.0.0.1:0",
    "--http-listen", "127.0.0.1:0",
    "--rules", path.join(repoDir, "rules"),
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

/** A database holding a synthetic year of a clinic (`modalis evidence --demo`, a fixed seed). */
export function makeDemoDatabase(dir, patients = 120) {
  const db = path.join(dir, "demo.db");
  execFileSync(
    cliPath(),
    ["evidence", "--demo", "--patients", String(patients), "--db", db, "--rules", path.join(repoDir, "rules")],
    { encoding: "utf8", timeout: 60_000 },
  );
  return db;
}

/**
 * One Connect JSON call with a bearer token, as a notes or booking app makes it. Resolves to
 * { status, body }; never throws for an HTTP error, so refusals can be asserted.
 */
export async function call(server, token, method, body, service = "modalis.v1.PlanService") {
  const res = await fetch(`${server.url}/${service}/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { raw: text };
  }
  return { status: res.status, body: json };
}

/** The same call, failing the test unless it succeeds. */
export async function callOk(server, token, method, body) {
  const { status, body: json } = await call(server, token, method, body);
  assert.equal(status, 200, `${method} answered ${status}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * Records every Content-Security-Policy violation the page reports, on every document it loads
 * (from the document's first script); returns a function giving the list so far.
 */
export async function watchCsp(page) {
  const violations = [];
  await page.exposeFunction("__modalisCspViolation", (text) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__modalisCspViolation(`${e.violatedDirective}: ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return async () => [...violations];
}

export async function signIn(page, token) {
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to the Modalis console" }).waitFor();
}

/** At 768 px wide nothing may stick out sideways; axe again, and a screenshot at that width. */
export async function checkNarrow(page, name) {
  await page.setViewportSize({ width: 768, height: 1024 });
  try {
    // Let the chart follow the new width.
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: the page is ${overflow} px wider than the window`);
    await checkAccessibility(page, `${name} at 768 px`);
    await screenshot(page, `${name}-768`);
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
}
