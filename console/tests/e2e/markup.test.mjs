// Text from the rule files is shown as text: a rule description, a referral reason and an advice
// text holding markup render as the characters typed, and nothing in them runs. A second
// modalisd serves a copy of rules/ edited so.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, test } from "node:test";
import {
  checkAccessibility,
  copyRules,
  launchBrowser,
  screenshot,
  startModalisd,
  tempDir,
  watchedPage,
} from "./harness.mjs";

const DESCRIPTION = `<script>window.__injected = "description"</script><img src=x onerror="window.__injected='img'">Cauda equina signs`;
const REASON = `<b onmouseover="window.__injected='reason'">possible cauda equina</b>: send to A&E now`;
const ADVICE = `<script>window.__injected = "advice"</script>Go to A&E now.`;

let server;
let browser;
let page;
let problems;
let dir;

before(async () => {
  dir = tempDir("markup");
  const rules = copyRules(dir, (doc) => {
    const ces = doc.rules.find((r) => r.id === "triage.emergency.cauda-equina");
    ces.description = DESCRIPTION;
    ces.then.find((a) => a.refer).refer.reason = REASON;
    doc.advice.attend_ed_now = ADVICE;
    return doc;
  });
  server = await startModalisd({ rules });
  browser = await launchBrowser();
  ({ page, problems } = await watchedPage(browser.context));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function injected() {
  return page.evaluate(() => window.__injected);
}

test("signs in to a server in development mode", async () => {
  await page.goto(`${server.url}/console/#/rules`);
  await page.getByLabel("Access token").fill("any token signs in without a token file");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Rules", level: 1 }).waitFor();
});

test("the Rules page shows markup in a rule as text", async () => {
  const card = page.locator('[data-rule-id="triage.emergency.cauda-equina"]');
  await card.waitFor();
  assert.equal((await card.locator(".rule-title").textContent()).trim(), DESCRIPTION);
  assert.ok((await card.locator(".plain-words").textContent()).includes(REASON));
  assert.ok((await card.locator(".advice-texts").textContent()).includes(ADVICE));
  assert.equal(await page.locator("main script, main img, main b").count(), 0);
  await card.locator(".plain-words").hover();
  assert.equal(await injected(), undefined);
  await checkAccessibility(page, "rules with markup in a rule");
  await screenshot(page, "markup-rules");
});

test("the plan shows markup in a reason, a rule and advice as text", async () => {
  await page.getByRole("link", { name: "Try a patient" }).click();
  await page.getByRole("button", { name: "Cauda equina" }).click();
  const referral = page.locator(".referral");
  await referral.waitFor();
  assert.ok((await referral.locator("ul").first().textContent()).includes(REASON));
  await referral.locator("details.why summary").click();
  assert.ok((await referral.locator(".reasons").textContent()).includes(DESCRIPTION));
  assert.ok((await page.locator(".advice").textContent()).includes(ADVICE));
  assert.equal(await page.locator("main script, main img, main b").count(), 0);
  assert.equal(await injected(), undefined);
  await screenshot(page, "markup-plan");
});

test("no script error and nothing refused by the Content-Security-Policy", () => {
  assert.deepEqual(problems, []);
});
