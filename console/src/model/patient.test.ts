import { describe, expect, it } from "vitest";
import { OUTCOME_FIELDS, fieldErrorsOf, nextSession, patientHash, patientRefOf, readOutcome, refError } from "./patient";

describe("patient references", () => {
  it("accepts a pseudonymous reference and refuses a name", () => {
    expect(refError("P-0001")).toBeUndefined();
    expect(refError("clinic:2025.17_a")).toBeUndefined();
    expect(refError("Jane Smith")).toMatch(/never a name/);
    expect(refError("Zoë")).toMatch(/Never enter a name/);
    expect(refError("")).toMatch(/Enter/);
    expect(refError("x".repeat(65))).toMatch(/64/);
  });

  it("reads the reference from the hash and writes it back", () => {
    expect(patientRefOf("#/patients")).toBeUndefined();
    expect(patientRefOf("#/patients/")).toBeUndefined();
    expect(patientRefOf("#/patients/P-0001")).toBe("P-0001");
    expect(patientRefOf("#/patients/a%3Ab?x=1")).toBe("a:b");
    expect(patientRefOf("#/evidence")).toBeUndefined();
    expect(patientHash("a:b")).toBe("#/patients/a%3Ab");
    expect(patientRefOf(patientHash("P.7_x"))).toBe("P.7_x");
  });
});

describe("the outcome form", () => {
  it("makes a request of the numbers entered", () => {
    const { values, errors } = readOutcome({ session_number: "5", pain_nprs: "4.5", pain_days_per_week: "3", rmdq: "" });
    expect(errors).toEqual({});
    expect(values).toEqual({
      sessionNumber: 5,
      painNprs: 4.5,
      painDaysPerWeek: 3,
      odiPercent: undefined,
      rmdq: undefined,
      psfsAvg: undefined,
    });
  });

  it("puts each problem at its field", () => {
    const { values, errors } = readOutcome({
      session_number: "2.5",
      pain_nprs: "11",
      pain_days_per_week: "",
      odi_percent: "abc",
      psfs_avg: "-1",
    });
    expect(values).toBeUndefined();
    expect(errors.session_number).toBe("Enter a whole number.");
    expect(errors.pain_nprs).toBe("Out of range: enter a number from 0 to 10.");
    expect(errors.pain_days_per_week).toMatch(/^Enter days with pain/);
    expect(errors.odi_percent).toMatch(/^Enter a number/);
    expect(errors.psfs_avg).toMatch(/from 0 to 10/);
    expect(errors.rmdq).toBeUndefined();
  });

  it("checks the ranges RecordOutcome enforces", () => {
    const ranges = Object.fromEntries(OUTCOME_FIELDS.map((f) => [f.name, [f.min, f.max]]));
    expect(ranges).toMatchObject({
      pain_nprs: [0, 10],
      pain_days_per_week: [0, 7],
      odi_percent: [0, 100],
      rmdq: [0, 24],
      psfs_avg: [0, 10],
    });
    expect(readOutcome({ session_number: "1", pain_nprs: "10", pain_days_per_week: "7", rmdq: "24" }).errors).toEqual({});
    expect(readOutcome({ session_number: "1", pain_nprs: "0", pain_days_per_week: "7.5" }).errors.pain_days_per_week).toMatch(
      /from 0 to 7/,
    );
  });

  it("suggests the session after the last recorded", () => {
    expect(nextSession([])).toBe(1);
    expect(nextSession([1, 2, 4])).toBe(5);
  });

  it("places the server's field violations at their fields", () => {
    const errors = fieldErrorsOf(
      ["pain_nprs: pain_nprs must be from 0 to 10", "findings.reason: too long", "not a violation"],
      ["pain_nprs", "reason"],
    );
    expect(errors).toEqual({
      pain_nprs: "The server refused this: pain_nprs must be from 0 to 10",
      reason: "The server refused this: too long",
    });
  });
});
