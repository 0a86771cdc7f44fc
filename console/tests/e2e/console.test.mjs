// The console end to end, against a real modalisd with a token file: sign-in, Try a patient,
// Rules and Status, as an administrator and as a booking app's user.
import assert from "node:assert/strict";
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
import { rmSync } from "node:fs";

let server;
let browser;
let page;
let problems;
let tokens;
let tokenDir;

before(async () => {
  tokenDir = tempDir("tokens");
  const made = makeTokens(tokenDir, [
    { name: "console-admin", role: "admin" },
    { name: "front-desk", role: "booking" },
  ]);
  tokens = made.tokens;
  server = await startModalisd({ tokenFile: made.file });
  browser = await launchBrowser();
  ({ page, problems } = await watchedPage(browser.context));
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

async function stepModalities() {
  await page.locator(".steps > li.step").first().waitFor();
  return page.locator(".steps > li.step").evaluateAll((els) => els.map((e) => e.getAttribute("data-modality")));
}

/** At 768 px wide nothing may stick out sideways; a screenshot of the page at that width. */
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

async function planStatus() {
  return (await page.locator(".plan-status").textContent()).trim();
}

describe("as an administrator", () => {
  test("a wrong token is refused with a visible message", async () => {
    await page.goto(`${server.url}/console/`);
    await page.getByRole("heading", { name: "Sign in to the Modalis console" }).waitFor();
    await checkAccessibility(page, "sign-in");
    await screenshot(page, "sign-in");
    await signIn("mt_0000000000000000000000000000000000000000000000000000000000000000");
    const error = page.locator("#token-error");
    await error.waitFor();
    assert.ok((await error.textContent()).trim().length > 0, "the refusal says why");
    assert.equal(await page.getByLabel("Access token").getAttribute("aria-invalid"), "true");
    await screenshot(page, "sign-in-refused");
  });

  test("signs in and sees the findings form built from the vocabulary", async () => {
    await signIn(tokens["console-admin"]);
    await page.getByRole("heading", { name: "Try a patient", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Red flags" }).waitFor();
    await page.getByText("Signed in as").waitFor();
    assert.match(await page.locator(".who").textContent(), /console-admin \(admin, clinic default\)/);
    // Booleans are a radio group with "Not asked" apart from "No".
    const saddle = page.getByRole("group", { name: /Saddle \(perineal\) numbness/ });
    assert.equal(await saddle.getByRole("radio", { name: "Not asked", exact: true }).isChecked(), true);
    assert.equal(await saddle.getByRole("radio", { name: "No", exact: true }).isChecked(), false);
    // With nothing asked, the required screen stops treatment.
    await page.locator(".plan-status").waitFor();
    assert.match(await planStatus(), /^Screen required/);
  });

  test("keyboard: the first Tab reaches the skip link, which leads past the navigation", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "Red flags" }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.className), "skip-link");
    assert.ok(await page.locator(".skip-link").isVisible());
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Desk worker");
  });

  test("the desk worker gets dry needling before myofascial release", async () => {
    await page.getByRole("button", { name: "Desk worker" }).click();
    await page.locator(".status-complete").waitFor();
    const steps = await stepModalities();
    assert.ok(steps.includes("dry_needling") && steps.includes("myofascial_release"), steps.join(", "));
    assert.ok(steps.indexOf("dry_needling") < steps.indexOf("myofascial_release"), steps.join(", "));
    assert.equal(await page.getByLabel(/Pain now on the 0-10/).inputValue(), "6");
    assert.match(await page.locator(".course").textContent(), /weekly, 4 to 6 sessions/);
  });

  test("a Why shows the rules behind a step, with the findings entered", async () => {
    const why = page.locator(".steps > li.step").first().locator("details.why");
    await why.locator("summary").click();
    const text = await why.textContent();
    assert.match(text, /suggest\.dry-needling\.trigger-points/);
    assert.match(text, /Active trigger points in muscles that can be needled/);
    assert.match(text, /If muscles with active trigger points includes any of/);
    assert.match(text, /entered quadratus lumborum, gluteus medius/);
  });

  test("Why not lists the rules that did not fire, in plain words", async () => {
    const whyNot = page.locator(".why-not details");
    await whyNot.locator("summary").first().click();
    const item = whyNot.locator("li.reason-not_fired", { hasText: "triage.emergency.cauda-equina" });
    await item.waitFor();
    const text = await item.textContent();
    assert.match(text, /did not apply/);
    assert.match(text, /If saddle \(perineal\) numbness is yes/);
    assert.match(text, /entered no/);
    await checkAccessibility(page, "try (desk worker)");
    await screenshot(page, "try-desk-worker");
  });

  test("works at 768 px wide", async () => {
    await page.locator(".status-complete").waitFor();
    await checkNarrow("try");
  });

  test("the cauda equina patient is referred as an emergency, with no steps", async () => {
    await page.getByRole("button", { name: "Cauda equina" }).click();
    await page.locator(".status-referred").waitFor();
    assert.match(await page.locator(".referral h3").textContent(), /Emergency referral/);
    assert.match(await page.locator(".referral").textContent(), /possible cauda equina syndrome/);
    assert.equal(await page.locator(".steps > li").count(), 0);
    assert.match(await page.locator("#plan-steps + .empty").textContent(), /No treatment steps/);
    assert.match(await page.locator("#plan-course + .empty").textContent(), /Nothing to book/);
    await screenshot(page, "try-cauda-equina");
  });

  test("a number out of range is shown at its field and nothing is planned from it", async () => {
    const nprs = page.getByLabel(/Pain now on the 0-10/);
    await nprs.fill("11");
    const error = page.locator("#f-pain_nprs-error");
    await error.waitFor();
    assert.match(await error.textContent(), /from 0 to 10/);
    assert.equal(await nprs.getAttribute("aria-invalid"), "true");
    await nprs.fill("6");
    await error.waitFor({ state: "detached" });
  });

  test("Clear puts every finding back to not asked", async () => {
    await page.getByRole("button", { name: "Clear" }).click();
    await page.locator(".status-screen_required").waitFor();
    assert.equal(await page.getByLabel(/Pain now on the 0-10/).inputValue(), "");
  });

  test("the Rules page words every rule and filters them", async () => {
    await page.getByRole("link", { name: "Rules" }).click();
    await page.getByRole("heading", { name: "Rules", level: 1 }).waitFor();
    const count = page.locator(".filter-count");
    await count.waitFor();
    const [, shown, total] = /Showing (\d+) of (\d+)/.exec(await count.textContent());
    assert.equal(shown, total);
    const ces = page.locator('[data-rule-id="triage.emergency.cauda-equina"]');
    assert.match(
      await ces.locator(".plain-words").textContent(),
      /^If saddle \(perineal\) numbness is yes, or bladder change .* then refer as an emergency/,
    );
    assert.match(await ces.textContent(), /NHS spinal pathways/);
    await checkAccessibility(page, "rules");
    await screenshot(page, "rules");
    await checkNarrow("rules");

    await page.getByLabel("What it does").selectOption("refer");
    const ids = await page.locator(".rule-card").evaluateAll((els) => els.map((e) => e.dataset.ruleId));
    assert.ok(ids.length > 0 && ids.length < Number(total));
    assert.ok(ids.every((id) => id.startsWith("triage.")), ids.join(", "));

    await page.getByLabel("What it does").selectOption("exclude");
    await page.getByLabel("Modality").selectOption("dry_needling");
    const excluded = await page.locator(".rule-card").evaluateAll((els) => els.map((e) => e.dataset.ruleId));
    assert.ok(excluded.length > 0);
    assert.ok(excluded.every((id) => id.startsWith("exclude.dry-needling.")), excluded.join(", "));
    assert.match(await count.textContent(), new RegExp(`Showing ${excluded.length} of ${total}`));
    await screenshot(page, "rules-filtered");
  });

  test("the Status page shows the rule set, plugins and store", async () => {
    await page.getByRole("link", { name: "Status" }).click();
    await page.getByRole("heading", { name: "Status", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Plugins", exact: true }).waitFor();
    const text = await page.locator("main").textContent();
    assert.match(text, /lower-back-pain/);
    assert.match(text, /dry_needling/);
    assert.match(text, /The database is writable/);
    await checkAccessibility(page, "status");
    await screenshot(page, "status");
    await checkNarrow("status");
  });

  test("signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the Modalis console" }).waitFor();
    await page.getByText("You have signed out.").waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to the Modalis console" }).waitFor();
  });
});

describe("as a booking app's user", () => {
  test("can try a patient", async () => {
    await page.goto(`${server.url}/console/#/try`);
    await signIn(tokens["front-desk"]);
    await page.getByRole("heading", { name: "Try a patient", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Desk worker" }).click();
    await page.locator(".status-complete").waitFor();
    assert.ok((await stepModalities()).includes("dry_needling"));
  });

  test("is refused the Status page, clearly", async () => {
    await page.goto(`${server.url}/console/#/status`);
    const refusal = page.locator(".refusal");
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /Your role may not see the server's status/);
    assert.match(await refusal.textContent(), /booking/);
    await checkAccessibility(page, "status (booking)");
    await screenshot(page, "status-booking");
  });

  test("reads the rules but is told it may not edit them", async () => {
    await page.getByRole("link", { name: "Rules" }).click();
    await page.getByText("may read the rules but not change them").waitFor();
    await page.locator(".rule-card").first().waitFor();
  });

  test("no script error and nothing refused by the Content-Security-Policy", () => {
    assert.deepEqual(problems, []);
  });
});
