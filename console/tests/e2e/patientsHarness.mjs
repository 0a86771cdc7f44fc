// What the Patients and Evidence tests add to harness.mjs: a database holding a synthetic year,
// calls to the Connect JSON API as a notes app makes them, and a page that also records every
// Content-Security-Policy violation the browser reports.
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import path from "node:path";
import { checkAccessibility, cliPath, repoDir, screenshot } from "./harness.mjs";

const CALL_TIMEOUT_MS = 15_000;

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
