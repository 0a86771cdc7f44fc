// The Patients and Evidence pages end to end, against a real modalisd with a token file and a
// second clinic: a patient seeded over the API as a notes app would (a stored plan, then outcomes
// for sessions 1 to 4 with pain 7, 6, 6, 6, so the review at session 4 finds no important
// improvement), then the pages as a therapist, a booking app's user, another clinic, the
// platform's operator and an administrator.
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
import {
  call,
  callOk,
  checkNarrow,
  makeDemoDatabase,
  signIn,
  signOut,
  watchCsp,
} from "./patientsHarness.mjs";

const PATIENT = "P-E2E-0001";
const OTHER_CLINIC = "north-side";
const WITHHELD = "fewer than 5 patients: withheld";

// The desk worker of docs/api.md: red-flag screen answered, so the plan may treat; pain 6 books a
// weekly course of 4 to 6 sessions, reviewed after 4.
const FINDINGS = {
  pain_nprs: 6,
  work_type: "desk",
  aggravating: ["sitting"],
  trigger_points: ["gluteus_medius"],
  stress_level: "high",
  rf_saddle_anaesthesia: false,
  rf_bladder_dysfunction: false,
  rf_bowel_dysfunction: false,
  rf_sexual_dysfunction: false,
  rf_bilateral_leg_symptoms: false,
  rf_progressive_neuro_deficit: false,
  needle_phobia: false,
  needling_consent: true,
  anticoagulant_therapy: false,
  bleeding_disorder: false,
  pregnant: false,
  dvt_suspected: false,
};

let dir;
let server;
let browser;
let page;
let problems;
let cspViolations;
let tokens;
let plan;

before(async () => {
  dir = tempDir("patients");
  const made = makeTokens(dir, [
    { name: "clinic-admin", role: "admin" },
    { name: "therapist", role: "notes" },
    { name: "front-desk", role: "booking" },
    { name: "platform", role: "operator" },
    { name: "north-therapist", role: "notes", clinic: OTHER_CLINIC },
  ]);
  tokens = made.tokens;
  server = await startModalisd({ tokenFile: made.file, clinics: [OTHER_CLINIC] });

  // Seeded as a notes app does it: a stored plan (not a dry run), then an outcome per session.
  const suggested = await callOk(server, tokens.therapist, "SuggestPlan", {
    request_id: "e2e-visit-1",
    patient_ref: PATIENT,
    session_minutes: 60,
    practitioner: { qualifications: ["dry_needling"] },
    findings: FINDINGS,
  });
  plan = suggested.plan;
  assert.ok(plan.steps.length >= 2, JSON.stringify(plan.steps));
  assert.equal(plan.course?.reviewAfterSessions, 4, JSON.stringify(plan.course));
  for (const [i, pain] of [7, 6, 6, 6].entries()) {
    await callOk(server, tokens.therapist, "RecordOutcome", {
      patient_ref: PATIENT,
      session_number: i + 1,
      pain_nprs: pain,
      pain_days_per_week: i < 3 ? 5 : 4,
    });
  }
  const progress = await callOk(server, tokens.therapist, "GetProgress", { patient_ref: PATIENT });
  assert.equal(progress.reviewDue, true, JSON.stringify(progress));
  assert.equal(progress.improved ?? false, false, JSON.stringify(progress));

  browser = await launchBrowser();
  ({ page, problems } = await watchedPage(browser.context));
  cspViolations = await watchCsp(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function outcomeRows() {
  return page
    .locator(".outcome-table tbody tr")
    .evaluateAll((rows) => rows.map((r) => [...r.children].slice(0, 2).map((c) => c.textContent.trim())));
}

describe("as a therapist (notes)", () => {
  test("finds a patient by reference, and a name is refused at its field", async () => {
    await page.goto(`${server.url}/console/#/patients`);
    await signIn(page, tokens.therapist);
    await page.getByRole("heading", { name: "Patients", level: 1 }).waitFor();
    assert.match(await page.locator(".patient-search").textContent(), /Never a name/);
    const field = page.getByLabel("Patient reference");
    await field.fill("Jane Smith");
    await page.getByRole("button", { name: "Show patient" }).click();
    const error = page.locator("#patient-ref-error");
    await error.waitFor();
    assert.match(await error.textContent(), /never a name/);
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    await field.fill(PATIENT);
    await page.getByRole("button", { name: "Show patient" }).click();
    await page.getByRole("heading", { name: `Patient ${PATIENT}` }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/patients/${PATIENT}`);
  });

  test("(a) shows the review that is due, the chart, the outcome table and the plan", async () => {
    const due = page.locator(".due-review");
    await due.waitFor();
    const dueText = await due.textContent();
    assert.match(dueText, /Review due at session 4/);
    assert.match(dueText, /no important improvement/);
    assert.match(dueText, /What to do:.*referral/);
    assert.equal(await due.getAttribute("role"), "alert");
    // The review alert comes before the progress and the plans.
    const order = await page.evaluate(() => {
      const a = document.querySelector(".due-review");
      const p = document.getElementById("progress-title");
      return a && p ? a.compareDocumentPosition(p) & Node.DOCUMENT_POSITION_FOLLOWING : 0;
    });
    assert.ok(order, "the alert is above the progress");

    // The chart: uPlot on canvases, labelled with its figures in words.
    await page.locator(".progress-chart canvas").first().waitFor();
    assert.ok((await page.locator(".progress-chart canvas").count()) >= 2);
    const label = await page.locator(".progress-chart [role=img]").getAttribute("aria-label");
    assert.match(label, /session 1 7, session 2 6, session 3 6, session 4 6/);
    assert.match(label, /Baseline 7; the minimal important change is reached at 5 or below; the latest, 6, does not reach it/);
    assert.match(await page.locator(".chart-key").textContent(), /at or below pain 5/);

    assert.deepEqual(await outcomeRows(), [
      ["1", "7"],
      ["2", "6"],
      ["3", "6"],
      ["4", "6"],
    ]);
    assert.match(await page.locator(".outcome-table caption").textContent(), /reached at pain 5 or below/);

    const card = page.locator(`.patient-plan[data-plan-id="${plan.planId}"]`);
    await card.waitFor();
    const cardText = await card.textContent();
    assert.match(cardText, /lower-back-pain/);
    assert.match(cardText, /Provisional|Complete/);
    assert.match(cardText, /weekly, 4 to 6 sessions, review after 4/);
    const steps = card.locator("li.step");
    assert.equal(await steps.count(), plan.steps.length);
    assert.equal(await steps.first().getAttribute("data-modality"), plan.steps[0].modality);
    assert.match(await steps.first().textContent(), new RegExp(`${plan.steps[0].minutes} min`));
    assert.match(await steps.first().locator(".step-decision").textContent(), /No decision recorded yet/);

    await checkAccessibility(page, "patients");
    await screenshot(page, "patients");
    await checkNarrow(page, "patients");
  });

  test("(b) records a declined step with its reason, and sees it", async () => {
    const step = page.locator(`.patient-plan[data-plan-id="${plan.planId}"] li.step`).first();
    await step.locator("summary", { hasText: "Record a decision on step 1" }).click();
    await step.getByRole("radio", { name: "Declined" }).check();
    await step.getByRole("button", { name: "Save decision" }).click();
    const reasonError = step.locator(".field-error");
    await reasonError.waitFor();
    assert.match(await reasonError.textContent(), /Say why the step was declined/);
    const reason = step.getByLabel(/^Reason/);
    assert.equal(await reason.getAttribute("aria-invalid"), "true");
    await reason.fill("client anxious about needles today");
    await step.getByRole("button", { name: "Save decision" }).click();
    await page.locator(".saved-notice", { hasText: "Decision recorded on step 1" }).waitFor();
    await step.locator(".decision-declined", { hasText: "Declined: client anxious about needles today" }).waitFor();
    const history = await callOk(server, tokens.therapist, "GetPatientHistory", { patient_ref: PATIENT });
    assert.equal(history.feedback.length, 1);
    assert.equal(history.feedback[0].decision, "STEP_DECISION_DECLINED");
    assert.equal(history.feedback[0].reason, "client anxious about needles today");
  });

  test("keyboard only: a step is accepted without the mouse", async () => {
    const step = page.locator(`.patient-plan[data-plan-id="${plan.planId}"] li.step`).nth(1);
    const summary = step.locator("summary");
    await summary.focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("type")), "radio");
    await page.keyboard.press("Space");
    assert.equal(await step.getByRole("radio", { name: "Accepted as suggested" }).isChecked(), true);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), "TEXTAREA");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await step.locator(".decision-accepted", { hasText: "Accepted" }).waitFor();
    assert.match(await page.locator(`.patient-plan[data-plan-id="${plan.planId}"] .decided`).textContent(), /All 2 steps have a decision|2 of \d+ steps have a decision/);
  });

  test("(b) an out-of-range outcome is shown at its field, and nothing is recorded", async () => {
    const form = page.locator("form.outcome-form");
    assert.equal(await form.getByLabel("Session").inputValue(), "5");
    await form.getByLabel("Pain (NPRS)").fill("11");
    await form.getByLabel("Days with pain in the last week").fill("3");
    await form.getByRole("button", { name: "Record outcome" }).click();
    const error = page.locator("#outcome-pain_nprs-error");
    await error.waitFor();
    assert.match(await error.textContent(), /from 0 to 10/);
    assert.equal(await form.getByLabel("Pain (NPRS)").getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "outcome-pain_nprs");
    await screenshot(page, "patients-outcome-error");
    const history = await callOk(server, tokens.therapist, "GetPatientHistory", { patient_ref: PATIENT });
    assert.equal(history.outcomes.length, 4);
  });

  test("(b) records an outcome through the form and sees it in the table and the progress", async () => {
    const form = page.locator("form.outcome-form");
    await form.getByLabel("Pain (NPRS)").fill("4");
    await form.getByLabel("Roland-Morris (RMDQ)").fill("9");
    await form.getByRole("button", { name: "Record outcome" }).click();
    await page.locator(".saved-notice", { hasText: "Session 5 recorded" }).waitFor();
    await page.locator('.outcome-table tr[data-session="5"]').waitFor();
    assert.deepEqual((await outcomeRows()).at(-1), ["5", "4"]);
    assert.match(await page.locator('.outcome-table tr[data-session="5"]').textContent(), /reaches the MIC/);
    // 7 to 4 is 3 points: the review is still due, now with an important improvement.
    const due = page.locator(".due-review");
    await due.filter({ hasText: "reaches the minimal important change" }).waitFor();
    assert.doesNotMatch(await due.textContent(), /referral/i);
    assert.equal(await page.locator("form.outcome-form").getByLabel("Session").inputValue(), "6");
  });

  test("(b) the server's refusal of a session already recorded is shown at the session field", async () => {
    const form = page.locator("form.outcome-form");
    await form.getByLabel("Session").fill("5");
    await form.getByLabel("Pain (NPRS)").fill("3");
    await form.getByLabel("Days with pain in the last week").fill("2");
    await form.getByRole("button", { name: "Record outcome" }).click();
    const error = page.locator("#outcome-session_number-error");
    await error.waitFor();
    assert.match(await error.textContent(), /already has an outcome/);
    await signOut(page);
  });
});

describe("as a booking app's user", () => {
  test("(c) sees the patient without forms, and is told why", async () => {
    await page.goto(`${server.url}/console/#/patients/${PATIENT}`);
    await signIn(page, tokens["front-desk"]);
    await page.getByRole("heading", { name: `Patient ${PATIENT}` }).waitFor();
    await page.locator(".patient-plan li.step").first().waitFor();
    await page.locator(".progress-chart canvas").first().waitFor();
    assert.match(await page.locator(".read-only-note").textContent(), /booking.*recording outcomes and decisions is for/s);
    assert.equal(await page.locator("form.outcome-form").count(), 0);
    assert.equal(await page.locator(".feedback-edit, .feedback-form").count(), 0);
    assert.match(await page.locator(".patient-plan li.step").first().textContent(), /Declined: client anxious/);
    await checkAccessibility(page, "patients (booking)");
    await screenshot(page, "patients-booking");
  });

  test("(e) is refused the Evidence page, clearly, and so by the server", async () => {
    await page.getByRole("link", { name: "Evidence" }).click();
    const refusal = page.locator(".refusal");
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /Your role may not see the evidence report/);
    assert.match(await refusal.textContent(), /booking/);
    assert.equal(await page.locator(".evidence-report, .evidence-filters").count(), 0);
    await checkAccessibility(page, "evidence (booking)");
    await screenshot(page, "evidence-booking");
    const refused = await call(server, tokens["front-desk"], "GetEvidence", {});
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    await signOut(page);
  });
});

describe("another clinic and the platform", () => {
  test("(d) another clinic's therapist does not see the patient", async () => {
    await page.goto(`${server.url}/console/#/patients/${PATIENT}`);
    await signIn(page, tokens["north-therapist"]);
    await page.getByRole("heading", { name: `Patient ${PATIENT}` }).waitFor();
    await page.locator(".patient-none").waitFor();
    assert.match(await page.locator(".patient").textContent(), /The clinic has nothing stored for P-E2E-0001/);
    assert.equal(await page.locator(".patient-plan, .outcome-table, .progress-chart, .due").count(), 0);
    assert.doesNotMatch(await page.locator("main").textContent(), /client anxious|Dry needling/);
    // Over the API, the patient of another clinic is exactly a reference never used.
    const other = await call(server, tokens["north-therapist"], "GetPatientHistory", { patient_ref: PATIENT });
    const never = await call(server, tokens.therapist, "GetPatientHistory", { patient_ref: "P-NEVER-SEEN" });
    assert.equal(other.status, 404, JSON.stringify(other.body));
    assert.equal(never.status, 404, JSON.stringify(never.body));
    assert.equal(other.body.code, never.body.code);
    assert.equal(other.body.message.replace(PATIENT, "REF"), never.body.message.replace("P-NEVER-SEEN", "REF"));
    await checkAccessibility(page, "patients (another clinic)");
    await screenshot(page, "patients-other-clinic");
    await signOut(page);
  });

  test("the platform's operator is refused patient data, clearly", async () => {
    await page.goto(`${server.url}/console/#/patients/${PATIENT}`);
    await signIn(page, tokens.platform);
    const refusal = page.locator(".refusal");
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /operator sees no patient data/);
    assert.equal(await page.locator(".patient, .patient-search").count(), 0);
    await checkAccessibility(page, "patients (operator)");
    await screenshot(page, "patients-operator");
    await signOut(page);
  });
});

describe("as an administrator", () => {
  test("(e) the Evidence page words withheld figures as withheld, never as zeros", async () => {
    await page.goto(`${server.url}/console/#/evidence`);
    await signIn(page, tokens["clinic-admin"]);
    await page.getByRole("heading", { name: "Evidence", level: 1 }).waitFor();
    const report = page.locator(".evidence-report");
    await report.waitFor();
    assert.match(await page.locator(".evidence-scope").textContent(), /1 plan for 1 patient of the clinic default, from the first plan to now, every rule set/);
    const withheld = page.locator("td.withheld");
    assert.ok((await withheld.count()) > 0);
    for (const text of await withheld.allTextContents()) assert.equal(text.trim(), WITHHELD);
    // A suggested modality's row is withheld whole: no count is shown beside it.
    const modality = page.locator(`#evidence-modality-decisions tr[data-subject="${plan.steps[0].modality}"]`);
    await modality.waitFor();
    assert.deepEqual(
      await modality.locator("td").allTextContents(),
      [WITHHELD],
      "one cell saying withheld, and no zero",
    );
    assert.match(await page.locator("#evidence-flags + *").textContent(), /None stands out/);
    await checkAccessibility(page, "evidence");
    await screenshot(page, "evidence");
    await checkNarrow(page, "evidence");
  });

  test("(e) the date range filters the plans, and a range that ends before it starts is refused at its field", async () => {
    await page.getByLabel("First day").fill("2031-03-02");
    await page.getByLabel("Last day").fill("2031-03-01");
    await page.getByRole("button", { name: "Show the report" }).click();
    const error = page.locator("#evidence-until-error");
    await error.waitFor();
    assert.match(await error.textContent(), /on or after the first day/);
    await page.getByLabel("Last day").fill("2031-03-31");
    await page.getByRole("button", { name: "Show the report" }).click();
    await page.locator(".evidence-scope", { hasText: "0 plans for 0 patients" }).waitFor();
    assert.match(await page.locator(".evidence-scope").textContent(), /from 2 March 2031 to 31 March 2031/);
    await error.waitFor({ state: "detached" });
    await page.getByLabel("First day").fill("");
    await page.getByLabel("Last day").fill("");
    await page.getByRole("button", { name: "Show the report" }).click();
    await page.locator(".evidence-scope", { hasText: "1 plan for 1 patient" }).waitFor();
  });
});

describe("a clinic's year (synthetic, from a fixed seed)", () => {
  let demo;
  let demoDir;

  before(async () => {
    demoDir = tempDir("evidence-demo");
    const db = makeDemoDatabase(demoDir);
    const made = makeTokens(demoDir, [{ name: "owner", role: "admin" }]);
    demo = { server: await startModalisd({ tokenFile: made.file, db }), token: made.tokens.owner };
  });

  after(async () => {
    await demo?.server.stop();
    if (demoDir) rmSync(demoDir, { recursive: true, force: true });
  });

  test("(e) the Evidence page shows counts, rates with their intervals and the reasons given", async () => {
    await page.goto(`${demo.server.url}/console/#/evidence`);
    await signIn(page, demo.token);
    const scope = page.locator(".evidence-scope");
    await scope.waitFor();
    assert.match(await scope.textContent(), /\d+ plans for 120 patients of the clinic default/);
    const needling = page.locator('#evidence-modality-decisions tr[data-subject="dry_needling"]');
    const cells = (await needling.locator("td").allTextContents()).map((t) => t.trim());
    assert.equal(cells.length, 8, cells.join(" | "));
    for (const n of cells.slice(0, 6)) assert.match(n, /^\d+$/);
    assert.match(cells[6], /^\d+ % \(\d+ of \d+; 95 % interval \d+ % to \d+ %\)$/);
    assert.match(cells[7], /“[^”]+” \(\d+\)/);
    // The course and outcome figures rest on enough patients to be shown.
    const all = (await page.locator('#evidence-all-table tr[data-subject="all"] td').allTextContents()).join(" | ");
    assert.match(all, /points (less|more) pain/);
    assert.match(all, /Reached the MIC: \d+ %/);
    await checkAccessibility(page, "evidence (a year)");
    await screenshot(page, "evidence-year");
    await checkNarrow(page, "evidence-year");
  });

  test("(e) a narrow date range withholds what rests on too few patients", async () => {
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel("First day").fill(today);
    await page.getByLabel("Last day").fill(today);
    await page.getByRole("button", { name: "Show the report" }).click();
    await page.locator(".evidence-scope", { hasText: /from \d+ \w+ \d{4} to \d+ \w+ \d{4}/ }).waitFor();
    for (const text of await page.locator("td.withheld").allTextContents()) assert.equal(text.trim(), WITHHELD);
    await signOut(page);
  });
});

test("no script error and nothing refused by the Content-Security-Policy", async () => {
  assert.deepEqual(await cspViolations(), []);
  // The refusals the tests asked for: a patient another clinic has (404, as one never seen) and
  // a session recorded twice (409).
  const unexpected = problems.filter((p) => !/status of (404 \(Not Found\)|409 \(Conflict\))/.test(p));
  assert.deepEqual(unexpected, []);
});
