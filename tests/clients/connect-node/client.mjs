// A Connect client nobody here wrote: @connectrpc/connect-node over HTTP/1.1, with stubs that
// protoc-gen-es generated from proto/. Calls modalisd's HTTP listener as an integrator would.
// Usage: node client.mjs BASE_URL GENERATED_DIR
import assert from "node:assert/strict";
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";

const [baseUrl, generated] = process.argv.slice(2);
const { PlanService } = await import(`${generated}/modalis/v1/plan_service_pb.js`);
const { RulesAdmin } = await import(`${generated}/modalis/v1/rules_admin_pb.js`);

const findings = {
  pain_nprs: 6, work_type: "desk", aggravating: ["sitting", "bending"],
  trigger_points: ["gluteus_medius"], stress_level: "high",
  rf_saddle_anaesthesia: false, rf_bladder_dysfunction: false, rf_bowel_dysfunction: false,
  rf_sexual_dysfunction: false, rf_bilateral_leg_symptoms: false,
  rf_progressive_neuro_deficit: false, dvt_suspected: false,
};

for (const useBinaryFormat of [false, true]) {
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat });
  const plans = createClient(PlanService, transport);
  const label = useBinaryFormat ? "binary" : "JSON";

  // A plan, stored, read back by its id.
  const suggested = await plans.suggestPlan({
    requestId: `node-${label}`, patientRef: "P-0042", findings,
  });
  assert.ok(suggested.plan.planId.startsWith("pl_"), `${label}: a plan id`);
  assert.ok(suggested.plan.steps.length > 0, `${label}: steps`);
  assert.equal(suggested.plan.ruleSet.id, "lower-back-pain");
  const stored = await plans.getPlan({ planId: suggested.plan.planId });
  assert.equal(stored.plan.planId, suggested.plan.planId);
  assert.deepEqual(stored.plan.steps.map((s) => s.modality),
                   suggested.plan.steps.map((s) => s.modality));

  // A finding the vocabulary does not know: INVALID_ARGUMENT, with the BadRequest detail.
  await assert.rejects(
    plans.suggestPlan({ patientRef: "P-0042", findings: { nprs_now: 7 } }),
    (err) => {
      const e = ConnectError.from(err);
      assert.equal(e.code, Code.InvalidArgument, `${label}: ${e.message}`);
      assert.match(e.rawMessage, /nprs_now/);
      assert.equal(e.details.length, 1);
      assert.equal(e.details[0].desc?.typeName ?? e.details[0].type, "google.rpc.BadRequest");
      return true;
    });

  // A plan id nobody stored: NOT_FOUND.
  await assert.rejects(plans.getPlan({ planId: "pl_00000000000000000000000000000000" }),
                       (err) => ConnectError.from(err).code === Code.NotFound);

  // The administrator's service is there too.
  const status = await createClient(RulesAdmin, transport).getStatus({});
  assert.equal(status.ruleSet.id, "lower-back-pain", `${label}: GetStatus`);
  assert.equal(status.ruleSet.sha256, suggested.plan.ruleSet.sha256);
  assert.ok(status.modalities.length >= 4, `${label}: the plugins' modalities`);
}
console.log("connect-node client: every call answered as expected");
