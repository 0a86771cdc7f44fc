import { describe, expect, it } from "vitest";
import {
  daysChangeWords,
  decisionWords,
  flagQuestion,
  otherReasonsWords,
  painChangeWords,
  rangeRequest,
  rangeWords,
  rateParts,
  rateWords,
  withheldWords,
} from "./evidence";

const suppressed = {
  suppressed: true,
  patients: 0,
  suggested: 0,
  accepted: 0,
  modified: 0,
  declined: 0,
  withoutFeedback: 0,
  reasons: [],
  otherReasons: 0,
};

describe("withheld figures", () => {
  it("are worded as withheld, never as a zero", () => {
    expect(withheldWords(5)).toBe("fewer than 5 patients: withheld");
    expect(withheldWords(0)).toBe("fewer than 5 patients: withheld");
    const words = decisionWords(suppressed, 5);
    expect(words).toBe("fewer than 5 patients: withheld");
    expect(words).not.toMatch(/\b0\b/);
    expect(decisionWords(undefined, 8)).toBe("fewer than 8 patients: withheld");
  });
});

describe("rates", () => {
  const rate = { count: 6, total: 20, value: 0.3, low: 0.1455, high: 0.519 };
  it("come with their interval and what they rest on", () => {
    expect(rateWords(rate)).toBe("30 % (6 of 20; 95 % interval 15 % to 52 %)");
    expect(rateParts(rate)).toEqual({ share: "30 %", detail: "6 of 20; 95 % interval 15 % to 52 %" });
    expect(rateWords(undefined)).toBe("nothing to count");
    expect(rateWords({ count: 0, total: 0, value: 0, low: 0, high: 0 })).toBe("nothing to count");
  });

  it("word the decisions on a suggestion", () => {
    expect(
      decisionWords(
        {
          suppressed: false,
          patients: 12,
          suggested: 20,
          accepted: 10,
          modified: 2,
          declined: 6,
          withoutFeedback: 2,
          declinedRate: rate,
          reasons: [],
          otherReasons: 0,
        },
        5,
      ),
    ).toBe(
      "suggested 20 times for 12 patients, 10 accepted, 2 modified, 6 declined, 2 without a decision; declined 30 % (6 of 20; 95 % interval 15 % to 52 %)",
    );
  });
});

describe("changes and reasons", () => {
  it("say which way pain went", () => {
    expect(painChangeWords(1.46)).toBe("1.5 points less pain");
    expect(painChangeWords(-0.4)).toBe("0.4 points more pain");
    expect(painChangeWords(0.01)).toBe("no change in pain");
    expect(daysChangeWords(2)).toBe("2 fewer pain days a week");
    expect(daysChangeWords(-1)).toBe("1 more pain day a week");
  });

  it("count the reasons not quoted", () => {
    expect(otherReasonsWords(0, 5)).toBe("");
    expect(otherReasonsWords(1, 5)).toBe("1 other reason, given for fewer than 5 patients, is counted but not quoted.");
    expect(otherReasonsWords(3, 5)).toMatch(/^3 other reasons, each given for fewer than 5 patients/);
  });

  it("words a flag as a question", () => {
    expect(flagQuestion({ kind: "rule_often_declined", subject: "r1", question: "Why is r1 declined?" })).toBe(
      "Why is r1 declined?",
    );
    expect(flagQuestion({ kind: "rule_often_declined", subject: "r1", question: "" })).toMatch(/^Why is r1 declined/);
    expect(flagQuestion({ kind: "modality_reaches_mic_less_often", subject: "cupping", question: "" })).toMatch(/\?$/);
  });
});

describe("the date range", () => {
  it("runs from the start of the first day to the end of the last, UTC", () => {
    const { request, errors } = rangeRequest({ since: "2025-01-01", until: "2025-01-31", minFollowUps: "" });
    expect(errors).toEqual({});
    expect(request).toEqual({
      sinceMs: BigInt(Date.UTC(2025, 0, 1)),
      untilMs: BigInt(Date.UTC(2025, 1, 1)),
      minFollowUps: 0,
    });
  });

  it("is open where a date is left out", () => {
    expect(rangeRequest({ since: "", until: "", minFollowUps: "2" }).request).toEqual({
      sinceMs: 0n,
      untilMs: 0n,
      minFollowUps: 2,
    });
    expect(rangeWords({ since: "", until: "", minFollowUps: "" })).toBe("from the first plan to now");
    expect(rangeWords({ since: "2025-03-01", until: "", minFollowUps: "" })).toBe("from 1 March 2025 to now");
  });

  it("refuses a day that does not exist, a range that ends before it starts and a bad follow-up count", () => {
    expect(rangeRequest({ since: "2025-02-31", until: "", minFollowUps: "" }).errors.since).toBeDefined();
    expect(rangeRequest({ since: "2025-03-02", until: "2025-03-01", minFollowUps: "" }).errors.until).toMatch(
      /on or after/,
    );
    // One day is a range.
    expect(rangeRequest({ since: "2025-03-01", until: "2025-03-01", minFollowUps: "" }).request).toBeDefined();
    expect(rangeRequest({ since: "", until: "", minFollowUps: "0" }).errors.minFollowUps).toBeDefined();
    expect(rangeRequest({ since: "", until: "", minFollowUps: "1.5" }).errors.minFollowUps).toBeDefined();
  });
});
