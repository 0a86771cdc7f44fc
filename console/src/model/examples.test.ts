import { describe, expect, it } from "vitest";
import { EXAMPLES } from "./examples";
import { buildForm, fieldsOf, fromFindings } from "./form";
import { repoText, ruleSet, vocabulary } from "./testData";

const cases = (JSON.parse(repoText("lower-back-pain.cases.json")) as { cases: Array<{ id: string; findings: object }> })
  .cases;

describe("example patients", () => {
  it("are the golden cases they name, finding for finding", () => {
    for (const example of EXAMPLES) {
      const golden = cases.find((c) => c.id === example.caseId);
      expect(golden, example.caseId).toBeDefined();
      expect(example.findings).toEqual(golden!.findings);
    }
  });

  it("fit the form the vocabulary makes, with nothing left out", () => {
    const fields = fieldsOf(buildForm(vocabulary, ruleSet.clinic));
    for (const example of EXAMPLES) expect(fromFindings(fields, example.findings).ignored).toEqual([]);
  });
});
