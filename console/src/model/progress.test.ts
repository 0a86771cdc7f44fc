import { describe, expect, it } from "vitest";
import { chartSummary, changeWords, micImprovement, micThreshold, reachesMic, summariseOutcomes } from "./progress";

const MIC = { points: 2, percent: 30 };

describe("the minimal important change threshold", () => {
  it("is the smaller of the points and the percentage of the baseline", () => {
    // 30 % of 7 is 2.1: the 2 points are smaller.
    expect(micThreshold(7, MIC)).toBe(5);
    // 30 % of 5 is 1.5: smaller than 2 points.
    expect(micThreshold(5, MIC)).toBe(3.5);
    // 30 % of 10 is 3: the 2 points are smaller.
    expect(micThreshold(10, MIC)).toBe(8);
    expect(micImprovement(6, MIC, "nprs")).toBe(1.8);
  });

  it("uses only the percentage for pain days", () => {
    expect(micThreshold(5, MIC, "days")).toBe(3.5);
    expect(micThreshold(7, MIC, "days")).toBe(4.9);
  });

  it("follows the rule set's figures", () => {
    expect(micThreshold(8, { points: 3, percent: 50 })).toBe(5);
    expect(micThreshold(4, { points: 3, percent: 50 })).toBe(2);
    expect(micThreshold(8, { points: 0, percent: 25 })).toBe(6);
  });

  it("has no threshold without a positive baseline", () => {
    expect(micThreshold(undefined, MIC)).toBeUndefined();
    expect(micThreshold(0, MIC)).toBeUndefined();
    expect(micThreshold(Number.NaN, MIC)).toBeUndefined();
  });

  it("is reached at the threshold, compared at the scores' precision", () => {
    expect(reachesMic(7, 5, MIC)).toBe(true);
    expect(reachesMic(7, 5.1, MIC)).toBe(false);
    expect(reachesMic(8.7, 6.7, MIC)).toBe(true);
    expect(reachesMic(5, 3.5, MIC)).toBe(true);
    expect(reachesMic(7, 6, MIC)).toBe(false);
    expect(reachesMic(0, 0, MIC)).toBe(false);
    expect(reachesMic(undefined, 1, MIC)).toBe(false);
  });
});

describe("summarising outcomes", () => {
  const outcomes = [
    { sessionNumber: 3, painNprs: 6, painDaysPerWeek: 4 },
    { sessionNumber: 1, painNprs: 7, painDaysPerWeek: 5, odiPercent: 40 },
    { sessionNumber: 2, painNprs: 6, painDaysPerWeek: 5 },
    { sessionNumber: 4, painNprs: 4.5, painDaysPerWeek: 3 },
  ];
  const s = summariseOutcomes(outcomes, { nprs: 7, days: 5 }, MIC);

  it("orders the sessions and measures each against the baseline", () => {
    expect(s.sessions).toEqual([1, 2, 3, 4]);
    expect(s.rows.map((r) => r.nprsChange)).toEqual([0, 1, 1, 2.5]);
    expect(s.rows.map((r) => r.daysChange)).toEqual([0, 0, 1, 2]);
    expect(s.rows.map((r) => r.nprsReachesMic)).toEqual([false, false, false, true]);
    expect(s.rows.map((r) => r.daysReachesMic)).toEqual([false, false, false, true]);
    expect(s.rows[0]!.odi).toBe(40);
    expect(s.threshold).toEqual({ nprs: 5, days: 3.5 });
  });

  it("words the chart for people who cannot see it", () => {
    const text = chartSummary(s);
    expect(text).toContain("Pain (NPRS 0 to 10) over 4 sessions: session 1 7, session 2 6, session 3 6, session 4 4.5.");
    expect(text).toContain("Baseline 7; the minimal important change is reached at 5 or below; the latest, 4.5, reaches it.");
    expect(text).toContain("Baseline 5; 30 % fewer is 3.5 or below; the latest, 3, reaches it.");
  });

  it("says when the latest does not reach it", () => {
    const flat = summariseOutcomes(
      [7, 6, 6, 6].map((p, i) => ({ sessionNumber: i + 1, painNprs: p, painDaysPerWeek: 5 })),
      { nprs: 7, days: 5 },
      MIC,
    );
    expect(chartSummary(flat)).toContain("the latest, 6, does not reach it");
  });

  it("has no change without a baseline, and nothing to chart without outcomes", () => {
    const none = summariseOutcomes([{ sessionNumber: 1, painNprs: 3, painDaysPerWeek: 2 }], {}, MIC);
    expect(none.rows[0]!.nprsChange).toBeUndefined();
    expect(none.rows[0]!.nprsReachesMic).toBe(false);
    expect(none.threshold).toEqual({ nprs: undefined, days: undefined });
    expect(chartSummary(summariseOutcomes([], {}, MIC))).toMatch(/nothing to chart/);
  });

  it("words a change", () => {
    expect(changeWords(1, 7)).toBe("1 point better (14 %)");
    expect(changeWords(-2, 4)).toBe("2 points worse (50 %)");
    expect(changeWords(2.5, 0)).toBe("2.5 points better");
    expect(changeWords(1, 5, "days")).toBe("1 day fewer (20 %)");
    expect(changeWords(-1.5, 3, "days")).toBe("1.5 days more (50 %)");
    expect(changeWords(0, 7)).toBe("no change");
    expect(changeWords(undefined, 7)).toBe("not measured");
  });
});
