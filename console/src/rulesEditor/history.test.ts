import { create } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { RuleSetRefSchema } from "../gen/modalis/v1/plan_service_pb.js";
import {
  LiveRuleSetSchema,
  PublishedRuleSetSchema,
  RuleSetActivationSchema,
} from "../gen/modalis/v1/rules_admin_pb.js";
import { expectedLiveSha, rollbackTarget, ruleSetWords, timeWords, versionOf } from "./history";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const ref = (version: string, sha256: string) => create(RuleSetRefSchema, { id: "lower-back-pain", version, sha256 });
const lists = {
  published: [
    create(PublishedRuleSetSchema, { ruleSet: ref("0.3.1", B) }),
    create(PublishedRuleSetSchema, { ruleSet: ref("0.3.0", A), platform: true }),
  ],
  activations: [
    create(RuleSetActivationSchema, { seq: 2n, condition: "lower-back-pain", sha256: B, replacedSha256: A }),
    create(RuleSetActivationSchema, { seq: 1n, condition: "lower-back-pain", sha256: A }),
    create(RuleSetActivationSchema, { seq: 3n, condition: "neck-pain", sha256: C }),
  ],
  live: [create(LiveRuleSetSchema, { condition: "lower-back-pain", ruleSet: ref("0.3.1", B) })],
};

describe("reading the history", () => {
  test("the hash an activation must expect: the clinic's newest activation of the condition", () => {
    expect(expectedLiveSha(lists, "lower-back-pain")).toBe(B);
    expect(expectedLiveSha(lists, "neck-pain")).toBe(C);
    // Never activated by the clinic: the platform's serves it, and "" is expected.
    expect(expectedLiveSha(lists, "hip-pain")).toBe("");
  });

  test("a one-click rollback goes back to what the newest activation replaced", () => {
    expect(rollbackTarget(lists, "lower-back-pain")).toBe(A);
    expect(rollbackTarget(lists, "neck-pain")).toBeUndefined();
  });

  test("versions and times in words", () => {
    expect(versionOf(lists, A)).toBe("0.3.0");
    expect(ruleSetWords(lists, B)).toBe("0.3.1 (bbbbbbbbbbbb)");
    expect(ruleSetWords(lists, C)).toBe("cccccccccccc");
    expect(ruleSetWords(lists, "")).toBe("none");
    expect(timeWords(1796148127161n)).toBe("2026-12-01 18:02 UTC");
    expect(timeWords(0n)).toBe("unknown time");
  });
});
