// The Rules page end to end, against a real modalisd with a temporary database and a token file:
// an administrator edits a rule by form, sees what changes (golden cases and a stored plan),
// publishes it with a comment, sees it live, and rolls it back; broken edits show their error
// where they are and cannot be published; someone else's activation meanwhile is caught; a
// booking user reads the rules only. axe on every view, screenshots of each.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import {
  checkAccessibility,
  launchBrowser,
  makeTokens,
  screenshot,
  startModalisd,
  tempDir,
  watchedPage,
} from "./harness.mjs";
import { callApi, checkedDraft, goldenCase, lineColumnOf, liveRules, replaceEditorText } from "./rulesEditHelpers.mjs";

let server;
let browser;
let page;
let problems;
let tokens;
let tokenDir;
let liveBefore;
let storedPlanId;

const PATIENT = "e2e-rules-patient";

before(async () => {
  tokenDir = tempDir("rules-tokens");
  const made = makeTokens(tokenDir, [
    { name: "rules-admin", role: "admin" },
    { name: "notes-app", role: "notes" },
    { name: "front-desk", role: "booking" },
  ]);
  tokens = made.tokens;
  server = await startModalisd({ tokenFile: made.file });
  browser = await launchBrowser();
  ({ page, problems } = await watchedPage(browser.context));
  liveBefore = (await liveRules(server, tokens["rules-admin"])).ref;
  // A stored plan (not a dry run) of a patient the edit below changes: advice for everyone.
  const mild = goldenCase("mild-advice-only");
  const stored = await callApi(server, tokens["notes-app"], "PlanService", "SuggestPlan", {
    patientRef: PATIENT,
    findings: mild.findings,
  });
  storedPlanId = stored.plan.planId;
  assert.ok(storedPlanId, "the plan was stored");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
});

async function signIn(token) {
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function signOut() {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to the Modalis console" }).waitFor();
}

/** At 768 px wide nothing may stick out sideways. */
async function checkNarrow(name) {
  await page.setViewportSize({ width: 768, height: 1024 });
  try {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: the page is ${overflow} px wider than the window`);
    await checkAccessibility(page, `${name} at 768 px`);
    await screenshot(page, `${name}-768`);
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
}

function subnav(name) {
  return page.getByRole("navigation", { name: "Rules sections" }).getByRole("link", { name, exact: true });
}

async function pickRule(id) {
  const picker = page.getByRole("navigation", { name: "Rules of the draft" });
  await picker.getByLabel("Find a rule").fill(id);
  await picker.getByRole("link", { name: new RegExp(`^${id.replace(/\./g, "\\.")}\\b`) }).click();
  await page.getByRole("heading", { name: new RegExp(`^(Course rule|Rule) ${id.replace(/\./g, "\\.")}`) }).waitFor();
}

async function planRuleSetVersion() {
  await page.getByRole("link", { name: "Try a patient" }).click();
  await page.getByRole("button", { name: "Desk worker" }).click();
  await page.locator(".status-complete").waitFor();
  const text = (await page.locator(".plan-ruleset").textContent()).trim();
  return /Rule set \S+ (\S+) \(/.exec(text)?.[1];
}

describe("as an administrator", () => {
  test("signs in and opens the rules by form", async () => {
    await page.goto(`${server.url}/console/#/rules`);
    await signIn(tokens["rules-admin"]);
    await page.getByRole("heading", { name: "Rules", level: 1 }).waitFor();
    await subnav("Edit by form").click();
    assert.match(await checkedDraft(page, /No errors/), /golden cases pass/);
    assert.match(await page.locator(".draft-from").textContent(), new RegExp(`live version ${liveBefore.version.replace(/\./g, "\\.")}`));
    await page.getByRole("heading", { name: /^Rule set lower-back-pain/ }).waitFor();
  });

  test("a broken edit by form is shown at its field, and cannot be published", async () => {
    await pickRule("course.weekly");
    const course = page.locator(".rule-form");
    // pain_nprs runs from 0 to 10: "at least 11" is out of its range.
    const painTest = course.locator(".test", { has: page.locator("select option:checked", { hasText: "pain_nprs" }) });
    const painValue = painTest.getByLabel("Value");
    await painValue.fill("11");
    await checkedDraft(page, /1 error/);
    const fieldProblem = painTest.locator(".field-problem");
    await fieldProblem.first().waitFor();
    assert.match(await fieldProblem.first().textContent(), /outside the range of 'pain_nprs'.*\[out-of-range\]/);
    assert.equal(await painValue.getAttribute("aria-invalid"), "true");
    // The list of rules marks it, and the publish button stays disabled.
    assert.match(await page.locator(".picker-item.is-current").textContent(), /1 error/);
    await subnav("What changes and publish").click();
    const publish = page.getByRole("button", { name: "Publish and make live" });
    await publish.waitFor();
    await page.locator(".preview-summary").waitFor();
    assert.equal(await publish.isDisabled(), true);
    assert.match(await page.locator("#publish-disabled-why").textContent(), /errors/);
    // Discarding the draft brings the live rules back.
    await page.getByRole("button", { name: "Discard the draft" }).click();
    const dialog = page.getByRole("dialog", { name: "Discard the draft?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Discard the draft" }).click();
    await checkedDraft(page, /No errors/);
  });

  test("adds a rule, then deletes it after confirming", async () => {
    await subnav("Edit by form").click();
    await page.getByRole("button", { name: "Add a rule" }).click();
    await page.getByRole("heading", { name: /^Rule clinic\.new-rule/ }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "rf-rules-37-id", "the new rule's id has the focus");
    await page.keyboard.type("-sleep");
    await page.getByRole("heading", { name: /^Rule clinic\.new-rule-sleep/ }).waitFor();
    assert.match(page.url(), /#\/rules\/edit\/clinic\.new-rule-sleep$/);
    await checkedDraft(page, /No errors/);
    assert.match(await page.locator(".draft-from").textContent(), /added clinic\.new-rule-sleep/);
    await page.getByRole("button", { name: "Delete this rule" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this rule?" });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel", "Cancel has the focus");
    await dialog.getByRole("button", { name: "Delete the rule" }).click();
    await dialog.waitFor({ state: "detached" });
    await checkedDraft(page, /No errors/);
    assert.match(await page.locator(".draft-from").textContent(), /No changes yet/);
    assert.equal(await page.locator(".picker-item", { hasText: "clinic.new-rule" }).count(), 0);
  });

  test("an unknown finding in JSON is marked at its line and column, and at its field in the form", async () => {
    await subnav("Edit as JSON").click();
    await page.locator(".json-host .cm-content").waitFor();
    // Typed by keyboard: a misspelt key, which the schema and the server both refuse.
    await page.locator(".json-host .cm-content").click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type('"descripton": "typo",', { delay: 10 });
    await checkedDraft(page, /1 error/);
    const typo = page.locator(".problem-list .problem", { hasText: "unknown-field" });
    assert.match(await typo.textContent(), /line 2, column \d+: 'descripton' is not a field here \(did you mean 'description'\?\)/);
    assert.equal(await page.locator(".json-host .cm-line").nth(1).textContent(), '  "descripton": "typo",');
    const { doc } = await liveRules(server, tokens["rules-admin"]);
    const text = JSON.stringify(doc, null, 2).replace('"finding": "pregnant"', '"finding": "pregnnant"');
    await replaceEditorText(page, text);
    await checkedDraft(page, /1 error/);
    const { line, column } = lineColumnOf(text, '"pregnnant"');
    const problem = page.locator(".problem-list .problem", { hasText: "unknown-finding" });
    assert.match(await problem.textContent(), new RegExp(`line ${line}, column ${column}: .*'pregnnant' is not a finding in the vocabulary`));
    // "Show it" puts the cursor there; the marker covers the misspelt code, on its line.
    await problem.getByRole("button", { name: /Show it/ }).click();
    const marked = page.locator(".json-host .cm-lintRange-error", { hasText: '"pregnnant"' });
    await marked.first().waitFor();
    const markedLine = page.locator(".json-host .cm-line", { has: page.locator(".cm-lintRange-error", { hasText: '"pregnnant"' }) });
    assert.match(await markedLine.textContent(), /^\s*"finding": "pregnnant",?$/);
    const gutterLine = await page.locator(".json-host .cm-activeLineGutter").first().textContent();
    assert.equal(gutterLine.trim(), String(line), "the cursor is on the problem's line");
    await marked.first().hover();
    const tooltip = page.locator(".json-host .cm-tooltip-lint");
    await tooltip.waitFor();
    assert.match(await tooltip.textContent(), /'pregnnant' is not a finding .*\[unknown-finding\]/);
    await checkAccessibility(page, "rules as JSON with a problem");
    await screenshot(page, "rules-json-problem");
    // In the form, the same problem is at the rule's finding.
    await subnav("Edit by form").click();
    const rule = page.locator(".picker-item", { hasText: "exclude.dry-needling.pregnancy" });
    assert.match(await rule.textContent(), /1 error/);
    await pickRule("exclude.dry-needling.pregnancy");
    const finding = page.locator(".rule-form").getByLabel("Finding");
    assert.equal(await finding.getAttribute("aria-invalid"), "true");
    assert.match(await finding.locator("option:checked").textContent(), /pregnnant \(not in the vocabulary\)/);
    assert.match(await page.locator(".rule-form .test .field-problem").textContent(), /'pregnnant' is not a finding/);
    await checkAccessibility(page, "rules by form with a problem");
    await screenshot(page, "rules-form-problem");
    // Choosing a finding of the vocabulary fixes it.
    await finding.selectOption("pregnant");
    await checkedDraft(page, /No errors/);
  });

  test("invalid JSON is marked where it breaks, the form says so, and publishing is disabled", async () => {
    await subnav("Edit as JSON").click();
    const { doc } = await liveRules(server, tokens["rules-admin"]);
    const good = JSON.stringify(doc, null, 2);
    const broken = good.replace('"id": "exclude.dry-needling.pregnancy",', '"id": "exclude.dry-needling.pregnancy"');
    await replaceEditorText(page, broken);
    await checkedDraft(page, /1 error/);
    const problem = page.locator(".problem-list .problem", { hasText: "malformed-json" });
    await problem.waitFor();
    const { line } = lineColumnOf(broken, '"id": "exclude.dry-needling.pregnancy"\n');
    assert.match(await problem.textContent(), new RegExp(`line ${line}, column \\d+: .*missing comma at the end of line ${line}`));
    await problem.getByRole("button", { name: /Show it/ }).click();
    await page.locator(".json-host .cm-lintRange-error", { hasText: '"exclude.dry-needling.pregnancy"' }).first().waitFor();
    await subnav("Edit by form").click();
    await page.getByText("The draft is not valid JSON, so it cannot be edited by form").waitFor();
    await subnav("What changes and publish").click();
    const publish = page.getByRole("button", { name: "Publish and make live" });
    await publish.waitFor();
    await page.locator(".preview-summary, .changes-view .notice-error").first().waitFor();
    assert.equal(await publish.isDisabled(), true);
    await subnav("Edit as JSON").click();
    await replaceEditorText(page, good);
    await checkedDraft(page, /No errors/);
  });

  let publishedVersion;

  test("edits a rule by form so that a golden case and a stored plan change", async () => {
    await subnav("Edit by form").click();
    await pickRule("advise.everyone");
    await checkAccessibility(page, "rules by form");
    await screenshot(page, "rules-form");
    const form = page.locator(".rule-form");
    const before = await form.locator(".action").count();
    await form.getByRole("button", { name: "Add an action" }).click();
    const added = form.locator(".action").nth(before);
    await added.getByLabel("Advice", { exact: true }).selectOption("sleep_hygiene");
    await checkedDraft(page, /No errors/);
    assert.match(await form.locator(".rule-form-words").textContent(), /and advise “sleep hygiene”\.$/);
    assert.match(await page.locator(".draft-from").textContent(), /changed advise\.everyone/);
    assert.match(await page.locator(".picker-item.is-current").textContent(), /changed/);
    await checkNarrow("rules-form");
  });

  test("sees what changes: the golden cases and the stored plan, each before and after", async () => {
    await page.getByRole("link", { name: "Review what changes", exact: true }).click();
    await page.getByRole("heading", { name: "What changes", level: 2 }).waitFor();
    const summary = page.locator(".preview-summary");
    await summary.waitFor();
    const words = await summary.textContent();
    assert.match(words, /Against the live rules, lower-back-pain 0\.3\.0/);
    assert.match(words, /golden cases and 1 stored plan/);
    // The version changes: 0.3.0 is published with other content.
    assert.match(await page.locator(".version-bumped").textContent(), /now 0\.3\.1 \(was 0\.3\.0\)/);
    publishedVersion = "0.3.1";
    const stored = page.locator(`.changed-plan[data-kind="stored_plan"][data-subject="${storedPlanId}"]`);
    await stored.waitFor();
    assert.match(await stored.locator("h4").textContent(), new RegExp(`Stored plan ${storedPlanId} of patient ${PATIENT}`));
    assert.match(await stored.locator(".differences").textContent(), /sleep/i);
    const goldenCase = page.locator('.changed-plan[data-kind="case"][data-subject="mild-advice-only"]');
    await goldenCase.locator("summary").click();
    const added = goldenCase.locator(".diff-added");
    assert.match(await added.first().textContent(), /New: Keep regular sleep times/);
    assert.equal(await page.locator(".changed-plan-safety").count(), 0, "adding advice is no safety change");
    await checkAccessibility(page, "what changes");
    await screenshot(page, "rules-changes");
    await checkNarrow("rules-changes");
  });

  test("publishes with a comment and sees the new version live", async () => {
    const publish = page.getByRole("button", { name: "Publish and make live" });
    assert.equal(await publish.isDisabled(), false);
    await publish.click();
    await page.locator("#publish-comment-error").waitFor();
    await page.getByLabel("Why (kept in the history)").fill("Sleep advice for everyone not referred (clinic audit)");
    await publish.click();
    const done = page.locator(".published-notice");
    await done.waitFor({ timeout: 20_000 });
    assert.match(await done.textContent(), new RegExp(`Published version ${publishedVersion.replace(/\./g, "\\.")} .* and made it live, in place of 0\\.3\\.0`));
    // The draft now starts from the new live rule set.
    await page.locator(".draft-from", { hasText: `live version ${publishedVersion}` }).waitFor();
    assert.equal(await planRuleSetVersion(), publishedVersion);
  });

  test("the history lists it, and a rollback with confirmation puts the old version back", async () => {
    await page.goto(`${server.url}/console/#/rules/history`);
    await page.getByRole("heading", { name: "History and rollback" }).waitFor();
    await page.locator(".live-version", { hasText: publishedVersion }).waitFor();
    const newest = page.locator(".activations-table tbody tr").first();
    assert.match(await newest.textContent(), /rules-admin/);
    assert.match(await newest.textContent(), /Sleep advice for everyone/);
    assert.match(await newest.textContent(), new RegExp(`${publishedVersion.replace(/\./g, "\\.")} .*0\\.3\\.0`));
    await checkAccessibility(page, "history");
    await screenshot(page, "rules-history");
    await checkNarrow("rules-history");

    await page.getByRole("button", { name: /^Roll back to 0\.3\.0/ }).click();
    const dialog = page.getByRole("dialog", { name: "Roll back?" });
    await dialog.waitFor();
    assert.match(await dialog.textContent(), new RegExp(`0\\.3\\.0 .* will be live in place of ${publishedVersion.replace(/\./g, "\\.")}`));
    await checkAccessibility(page, "rollback confirmation");
    await screenshot(page, "rules-rollback-confirm");
    // Escape cancels; nothing changes.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.locator(".live-version", { hasText: publishedVersion }).waitFor();
    await page.getByRole("button", { name: /^Roll back to 0\.3\.0/ }).click();
    await dialog.getByRole("button", { name: "Roll back", exact: true }).click();
    await page.locator(".notice-ok", { hasText: "Version 0.3.0" }).waitFor();
    await page.locator(".live-version", { hasText: "0.3.0" }).waitFor();
    assert.equal(await planRuleSetVersion(), "0.3.0");
  });

  test("the same edit published again stores nothing new and makes it live again", async () => {
    await page.goto(`${server.url}/console/#/rules/edit/advise.everyone`);
    await page.getByRole("heading", { name: /^Rule advise\.everyone/ }).waitFor();
    await page.locator(".draft-from", { hasText: "live version 0.3.0" }).waitFor();
    const form = page.locator(".rule-form");
    await form.getByRole("button", { name: "Add an action" }).click();
    await form.locator(".action").last().getByLabel("Advice", { exact: true }).selectOption("sleep_hygiene");
    await checkedDraft(page, /No errors/);
    await page.getByRole("link", { name: "Review what changes", exact: true }).click();
    await page.locator(".preview-summary").waitFor();
    // This content was published as 0.3.1 already: that is the version it takes.
    assert.match(await page.locator(".version-bumped").textContent(), new RegExp(`now ${publishedVersion.replace(/\./g, "\\.")} \\(was 0\\.3\\.0\\)`));
    await page.getByLabel("Why (kept in the history)").fill("Sleep advice again");
    await page.getByRole("button", { name: "Publish and make live" }).click();
    const done = page.locator(".published-notice");
    await done.waitFor({ timeout: 20_000 });
    assert.match(await done.textContent(), /made it live, in place of 0\.3\.0/);
    assert.match(await done.textContent(), /This exact content had been published before, so nothing new was stored/);
    const lists = await callApi(server, tokens["rules-admin"], "RulesAdmin", "ListRuleSets", {});
    assert.equal(lists.published.filter((p) => p.ruleSet.version === publishedVersion).length, 1);
  });

  test("an activation by someone else meanwhile is caught, and nothing is overwritten", async () => {
    await page.goto(`${server.url}/console/#/rules/edit/advise.desk-work`);
    await page.getByRole("heading", { name: /^Rule advise\.desk-work/ }).waitFor();
    const form = page.locator(".rule-form");
    await form.getByRole("button", { name: "Add an action" }).click();
    await form.locator(".action").last().getByLabel("Advice", { exact: true }).selectOption("breathing_relaxation");
    await checkedDraft(page, /No errors/);
    await page.getByRole("link", { name: "Review what changes", exact: true }).click();
    await page.locator(".preview-summary").waitFor();
    // Someone else makes the published 0.3.0 live again, behind this page's back.
    const lists = await callApi(server, tokens["rules-admin"], "RulesAdmin", "ListRuleSets", {});
    const other = lists.published.find((p) => p.ruleSet.version === "0.3.0").ruleSet.sha256;
    const current = lists.activations[0].sha256;
    await callApi(server, tokens["rules-admin"], "RulesAdmin", "ActivateRuleSet", {
      condition: "lower-back-pain",
      sha256: other,
      expectedLiveSha256: current,
      comment: "someone else",
    });
    await page.getByLabel("Why (kept in the history)").fill("Breathing advice for desk workers");
    await page.getByRole("button", { name: "Publish and make live" }).click();
    const refused = page.locator(".notice-error", { hasText: "Someone else changed what is live meanwhile" });
    await refused.waitFor();
    await screenshot(page, "rules-publish-aborted");
    const live = await callApi(server, tokens["rules-admin"], "RulesAdmin", "ListRuleSets", {});
    assert.equal(live.activations[0].sha256, other, "the other activation stands");
    await refused.getByRole("button", { name: "Compare with what is live now" }).click();
    await page.locator(".preview-summary", { hasText: "lower-back-pain 0.3.0" }).waitFor();
    // Leave the draft as it was.
    await page.getByRole("button", { name: "Discard the draft" }).click();
    await page.getByRole("dialog", { name: "Discard the draft?" }).getByRole("button", { name: "Discard the draft" }).click();
    await signOut();
  });
});

describe("as a booking app's user", () => {
  test("reads the rules with no edit control, and is told why", async () => {
    await browser.context.clearCookies();
    await page.goto(`${server.url}/console/#/rules/edit/advise.everyone`);
    await signIn(tokens["front-desk"]);
    await page.getByRole("heading", { name: "Rules", level: 1 }).waitFor();
    await page.getByText("may read the rules but not change them").waitFor();
    await page.locator(".rule-card").first().waitFor();
    assert.equal(await page.getByRole("navigation", { name: "Rules sections" }).count(), 0);
    assert.equal(await page.getByRole("link", { name: /^Edit/ }).count(), 0);
    for (const name of ["Add a rule", "Publish and make live", "Discard the draft", "Add an action"]) {
      assert.equal(await page.getByRole("button", { name }).count(), 0, `no ${name} button`);
    }
    assert.equal(await page.locator("main textarea, main input[type=text], .json-host").count(), 0);
    await page.goto(`${server.url}/console/#/rules/history`);
    await page.getByText("may read the rules but not change them").waitFor();
    assert.equal(await page.locator(".history-view").count(), 0);
    await checkAccessibility(page, "rules (booking)");
    await screenshot(page, "rules-booking");
  });

  test("no script error and nothing refused by the Content-Security-Policy", () => {
    // The one activation refused on purpose above answers 409 (ABORTED); nothing else may fail.
    const refusedOnPurpose = /^console error: Failed to load resource: the server responded with a status of 409\b/;
    assert.deepEqual(
      problems.filter((p) => !refusedOnPurpose.test(p)),
      [],
    );
    assert.ok(problems.filter((p) => refusedOnPurpose.test(p)).length <= 1);
  });
});
