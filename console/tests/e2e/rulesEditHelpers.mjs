// What the Rules page's end-to-end tests share beyond harness.mjs: calls to the API with a token
// (to store a plan, or to make another rule set live behind the page's back), the golden cases,
// and waits on the page's draft check.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoDir } from "./harness.mjs";

/** A Connect JSON call with a bearer token; returns the parsed answer or throws with its message. */
export async function callApi(server, token, service, method, body) {
  const res = await fetch(`${server.url}/modalis.v1.${service}/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service}.${method} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** A golden case of rules/lower-back-pain.cases.json, by id. */
export function goldenCase(id) {
  const file = path.join(repoDir, "rules", "lower-back-pain.cases.json");
  const found = JSON.parse(readFileSync(file, "utf8")).cases.find((c) => c.id === id);
  if (!found) throw new Error(`no golden case ${id}`);
  return found;
}

/** The live rule file as the server sends it (canonical JSON). */
export async function liveRules(server, token) {
  const res = await callApi(server, token, "RulesAdmin", "GetRuleSet", {});
  return { ref: res.ruleSet, doc: JSON.parse(res.rulesJson) };
}

/** Waits until the draft's check has answered for what is on the page, and returns its words. */
export async function checkedDraft(page, pattern, timeout = 15_000) {
  const summary = page.locator(".check-summary");
  await summary.waitFor();
  await page.waitForFunction(
    ([source, flags]) => {
      const text = document.querySelector(".check-summary")?.textContent ?? "";
      return !text.includes("Checking") && new RegExp(source, flags).test(text);
    },
    [pattern.source, pattern.flags],
    { timeout },
  );
  return (await summary.textContent()).trim();
}

/** The 1-based line and column of the first occurrence of `needle` in `text`. */
export function lineColumnOf(text, needle) {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} is not in the text`);
  const before = text.slice(0, at).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Replaces the whole text of the CodeMirror editor on the page by pasting over all of it. */
export async function replaceEditorText(page, text) {
  const content = page.locator(".json-host .cm-content");
  await content.waitFor();
  await content.click();
  await page.keyboard.press("Control+a");
  await content.evaluate((el, pasted) => {
    const data = new DataTransfer();
    data.setData("text/plain", pasted);
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}
